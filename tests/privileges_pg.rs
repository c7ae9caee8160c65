//! Privileges through the command line on the real server: the workflow with privileges
//! managed (generate → upgrade → check clean → generate writes nothing), a role missing on
//! the target named with the fix, declared grants while not managed (a warning, `--strict`
//! fails), `--manage` overriding the project, and an unknown `manage` value.

mod common;
mod pg;

use common::Run;
use pg::TestDb;
use std::path::Path;

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

/// A project on `db` with `postgres` as its `[postgres]` table's body.
fn project(name: &str, db: &TestDb, postgres: &str, schema: &str) -> std::path::PathBuf {
    let dir = common::temp_dir(name);
    ok(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(
        dir.join("schemadiff.toml"),
        format!("{cfg}\n[postgres]\n{postgres}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), schema).unwrap();
    dir
}

const V1: &str = "CREATE SCHEMA app;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO schemadiff_ro;
GRANT USAGE ON SCHEMA app TO schemadiff_ro, schemadiff_app;
CREATE TABLE app.orders (id integer PRIMARY KEY, total numeric);
GRANT INSERT, UPDATE ON app.orders TO schemadiff_app;
CREATE FUNCTION app.total() RETURNS numeric LANGUAGE sql SECURITY DEFINER AS $$ SELECT sum(total) FROM app.orders $$;
REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.total() TO schemadiff_app;
";

/// V1 and a table created under the schema's default privileges.
const V2: &str = "CREATE SCHEMA app;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO schemadiff_ro;
GRANT USAGE ON SCHEMA app TO schemadiff_ro, schemadiff_app;
CREATE TABLE app.orders (id integer PRIMARY KEY, total numeric);
GRANT INSERT, UPDATE ON app.orders TO schemadiff_app;
CREATE FUNCTION app.total() RETURNS numeric LANGUAGE sql SECURITY DEFINER AS $$ SELECT sum(total) FROM app.orders $$;
REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.total() TO schemadiff_app;
CREATE TABLE app.refunds (id integer PRIMARY KEY);
";

fn privilege(db: &TestDb, sql: &str) -> bool {
    db.client().query_one(sql, &[]).unwrap().get(0)
}

fn revisions(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn managed_privileges_generate_upgrade_check_clean_and_generate_again_writes_nothing() {
    pg::ensure_test_roles();
    let db = TestDb::create("priv_wf");
    let dir = project(
        "pg_priv_wf",
        &db,
        "manage = [\"privileges\", \"default-privileges\"]",
        V1,
    );
    ok(&dir, &["generate", "-m", "first"]);
    let first = revisions(&dir).concat();
    for needle in [
        "ALTER DEFAULT PRIVILEGES FOR ROLE",
        "GRANT INSERT, UPDATE ON TABLE app.orders TO schemadiff_app",
        "REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC",
    ] {
        assert!(first.contains(needle), "{needle} not in:\n{first}");
    }
    assert!(dir.join("snapshots/~privileges.sql").exists());
    let again = ok(&dir, &["generate", "-m", "nothing"]);
    assert!(
        again.stderr.contains("No changes detected"),
        "{}",
        again.stderr
    );
    ok(&dir, &["upgrade", "head"]);
    assert!(privilege(
        &db,
        "SELECT has_table_privilege('schemadiff_app', 'app.orders', 'INSERT')"
    ));
    assert!(!privilege(
        &db,
        "SELECT has_function_privilege('public', 'app.total()', 'EXECUTE')"
    ));
    let check = sd(&dir, &["check"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);

    // A table added under the schema's default privileges: its CREATE alone.
    std::fs::write(dir.join("schemas/schema.sql"), V2).unwrap();
    ok(&dir, &["generate", "-m", "refunds"]);
    let all = revisions(&dir);
    let second = all.iter().find(|r| r.contains("app.refunds")).unwrap();
    let up = second.split("-- migrate:down").next().unwrap();
    assert!(up.contains("CREATE TABLE app.refunds"), "{second}");
    assert!(!up.contains("GRANT") && !up.contains("REVOKE"), "{second}");
    ok(&dir, &["upgrade", "head"]);
    assert!(privilege(
        &db,
        "SELECT has_table_privilege('schemadiff_ro', 'app.refunds', 'SELECT')"
    ));
    let check = sd(&dir, &["check"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    let again = ok(&dir, &["generate", "-m", "nothing"]);
    assert!(
        again.stderr.contains("No changes detected"),
        "{}",
        again.stderr
    );

    // Drift in a grant is found by check.
    db.client()
        .batch_execute("GRANT DELETE ON app.orders TO schemadiff_ro")
        .unwrap();
    let check = sd(&dir, &["check"]);
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("privileges on table app.orders"),
        "{}",
        check.stdout
    );
    // … and not when privileges are not managed (--manage none).
    let check = sd(&dir, &["check", "--manage", "none"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
}

#[test]
fn a_role_missing_on_the_target_is_named_with_the_fix() {
    pg::ensure_test_roles();
    let db = TestDb::create("priv_missing_role");
    let missing = format!("schemadiff_t{}_absent", std::process::id());
    let dir = common::temp_dir("pg_priv_missing_role");
    std::fs::write(
        dir.join("schemadiff.toml"),
        format!(
            "dialect = \"postgres\"\n[postgres]\nmanage = [\"privileges\"]\n[postgres.roles]\nschemadiff_app = \"{missing}\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("s.sql"),
        "CREATE TABLE t (id int);\nGRANT SELECT ON t TO schemadiff_app;\n",
    )
    .unwrap();
    let r = sd(
        &dir,
        &[
            "diff",
            "--config",
            "schemadiff.toml",
            "--from",
            &db.url(),
            "--to",
            "s.sql",
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let flat = r.flat_stderr();
    for needle in [
        missing.as_str(),
        "does not exist on the target",
        "[postgres.roles]",
        "CREATE ROLE",
    ] {
        assert!(flat.contains(needle), "{needle} not in:\n{}", r.stderr);
    }
    // Mapped to a role the target has: the grant names it.
    std::fs::write(
        dir.join("schemadiff.toml"),
        "dialect = \"postgres\"\n[postgres]\nmanage = [\"privileges\"]\n[postgres.roles]\nschemadiff_app = \"schemadiff_ro\"\n",
    )
    .unwrap();
    let r = sd(
        &dir,
        &[
            "diff",
            "--config",
            "schemadiff.toml",
            "--from",
            &db.url(),
            "--to",
            "s.sql",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("GRANT SELECT ON TABLE public.t TO schemadiff_ro"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("schemadiff_app"), "{}", r.stdout);
    // A role the dev server lacks stops the load of the declared files, with the fix.
    std::fs::write(
        dir.join("m.sql"),
        format!("CREATE TABLE t (id int);\nGRANT SELECT ON t TO {missing};\n"),
    )
    .unwrap();
    let r = sd(&dir, &["diff", "--from", &db.url(), "--to", "m.sql"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let flat = r.flat_stderr();
    for needle in [
        format!("role \"{missing}\" does not exist"),
        "[postgres.roles]".into(),
    ] {
        assert!(flat.contains(&needle), "{needle} not in:\n{}", r.stderr);
    }
}

#[test]
fn declared_grants_while_not_managed_warn_fail_strict_and_manage_turns_them_on() {
    pg::ensure_test_roles();
    let db = TestDb::create("priv_unmanaged");
    db.client()
        .batch_execute("CREATE TABLE t (id int); GRANT UPDATE ON t TO schemadiff_ro;")
        .unwrap();
    let dir = common::temp_dir("pg_priv_unmanaged");
    std::fs::write(
        dir.join("s.sql"),
        "CREATE TABLE t (id int);\nGRANT SELECT ON t TO schemadiff_app;\n",
    )
    .unwrap();
    let url = db.url();
    let r = sd(
        &dir,
        &["diff", "--from", &url, "--to", "s.sql", "--exit-code"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No changes"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("GRANT") && !r.stdout.contains("REVOKE"),
        "{}",
        r.stdout
    );
    let flat = r.flat_stderr();
    assert!(
        flat.contains("privileges on table public.t"),
        "{}",
        r.stderr
    );
    assert!(flat.contains("--manage privileges"), "{}", r.stderr);
    let strict = sd(&dir, &["diff", "--from", &url, "--to", "s.sql", "--strict"]);
    assert_eq!(strict.code, 1, "{}\n{}", strict.stdout, strict.stderr);
    let managed = sd(
        &dir,
        &[
            "diff",
            "--from",
            &url,
            "--to",
            "s.sql",
            "--manage",
            "privileges",
        ],
    );
    assert_eq!(managed.code, 0, "{}", managed.stderr);
    assert!(
        managed
            .stdout
            .contains("GRANT SELECT ON TABLE public.t TO schemadiff_app"),
        "{}",
        managed.stdout
    );
    assert!(
        managed
            .stdout
            .contains("REVOKE UPDATE ON TABLE public.t FROM schemadiff_ro"),
        "{}",
        managed.stdout
    );
    let bad = sd(
        &dir,
        &[
            "diff", "--from", &url, "--to", "s.sql", "--manage", "grants",
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("default-privileges"), "{}", bad.stderr);
}

#[test]
fn an_unknown_manage_value_in_the_project_names_the_valid_ones() {
    let db = TestDb::create("priv_bad_manage");
    let dir = project("pg_priv_bad_manage", &db, "manage = [\"grants\"]", "");
    let r = sd(&dir, &["generate", "-m", "x"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let flat = r.flat_stderr();
    for needle in ["`grants`", "expected one of", "`privileges`", "`ownership`"] {
        assert!(flat.contains(needle), "{needle} not in:\n{}", r.stderr);
    }
}

#[test]
fn a_policy_role_is_mapped_and_a_missing_one_is_named_whatever_manage_says() {
    pg::ensure_test_roles();
    let db = TestDb::create("priv_policy_roles");
    let missing = format!("schemadiff_t{}_gone", std::process::id());
    let dir = common::temp_dir("pg_priv_policy_roles");
    let config = |to: &str| {
        // Privileges not managed: policies are, and their roles are mapped all the same.
        format!("dialect = \"postgres\"\n[postgres.roles]\nschemadiff_app = \"{to}\"\n")
    };
    std::fs::write(
        dir.join("s.sql"),
        "CREATE TABLE t (id int, owner text);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n\
         CREATE POLICY mine ON t FOR SELECT TO schemadiff_app USING (owner = current_user);\n",
    )
    .unwrap();
    let diff = |dir: &Path| {
        let args = [
            "diff",
            "--config",
            "schemadiff.toml",
            "--from",
            &db.url(),
            "--to",
            "s.sql",
        ];
        sd(dir, &args)
    };
    std::fs::write(dir.join("schemadiff.toml"), config("schemadiff_ro")).unwrap();
    let r = diff(&dir);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("TO schemadiff_ro USING"), "{}", r.stdout);
    assert!(!r.stdout.contains("schemadiff_app"), "{}", r.stdout);
    std::fs::write(dir.join("schemadiff.toml"), config(&missing)).unwrap();
    let r = diff(&dir);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let flat = r.flat_stderr();
    for needle in [
        missing.as_str(),
        "does not exist on the target",
        "[postgres.roles]",
    ] {
        assert!(flat.contains(needle), "{needle} not in:\n{}", r.stderr);
    }
}
