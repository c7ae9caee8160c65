//! Declared-file intake on the real server: `pg_dump -s` output declared as is (psql
//! meta-commands, `SET`, `set_config`, `OWNER TO`, grants, functions), the adoption
//! workflow from such a dump, session settings kept to their file, and the errors for a
//! schema or role the files lean on and for a role without `CREATEDB`.

mod common;
mod pg;

use common::Run;
use pg::TestDb;
use std::path::{Path, PathBuf};

/// A database with one of each thing pg_dump prints: schemas, an enum, sequences (serial,
/// identity, standalone), foreign keys, a unique expression index, views, comments, functions
/// (a dollar-quoted body and a `BEGIN ATOMIC` one), a grant, and owner statements.
const ORIGINAL: &str = "
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'it''s; fine');
CREATE SEQUENCE app.counter START 10 INCREMENT 5;
CREATE TABLE app.person (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (length(code) > 0),
  mood app.mood NOT NULL DEFAULT 'ok',
  n int DEFAULT nextval('app.counter')
);
CREATE UNIQUE INDEX person_code ON app.person (lower(code));
CREATE TABLE public.pet (
  id serial PRIMARY KEY,
  owner_code text REFERENCES app.person (code) ON DELETE CASCADE,
  name text NOT NULL UNIQUE,
  born date
);
CREATE INDEX pet_born ON public.pet (born) WHERE born IS NOT NULL;
CREATE VIEW app.happy AS SELECT id, code FROM app.person WHERE mood = 'ok';
CREATE VIEW public.pets_of_happy AS SELECT p.name FROM public.pet p JOIN app.happy h ON h.code = p.owner_code;
COMMENT ON TABLE app.person IS 'people; with a semicolon
and a line that starts with a backslash:
\\restrict not a command';
COMMENT ON COLUMN public.pet.name IS 'it''s unique';
CREATE FUNCTION app.plus(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1; $$;
CREATE FUNCTION app.twice(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT x + 1; SELECT x * 2; END;
CREATE FUNCTION app.body() RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN '
\\set not a command
';
END $f$;
GRANT SELECT ON app.person TO PUBLIC;
";

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

/// `pg_dump -s` of `db`, as the user would have it in a file.
fn dump(db: &TestDb, dir: &Path) -> PathBuf {
    dump_with(db, dir, &[], "dump.sql")
}

/// `pg_dump -s` with more `flags`, written to `dir/name`.
fn dump_with(db: &TestDb, dir: &Path, flags: &[&str], name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, db.pg_dump_schema(flags)).unwrap();
    path
}

fn original(label: &str) -> TestDb {
    let db = TestDb::create(label);
    db.client().batch_execute(ORIGINAL).unwrap();
    db
}

#[test]
fn a_pg_dump_is_declared_as_is_and_equals_the_database_it_was_dumped_from() {
    let db = original("dump_decl");
    let dir = common::temp_dir("pg_dump_decl");
    let path = dump(&db, &dir);
    let text = std::fs::read_to_string(&path).unwrap();
    for needle in [
        "SET statement_timeout",
        "set_config('search_path', '', false)",
        "OWNER TO",
        "BEGIN ATOMIC",
        "GRANT SELECT",
        "CREATE FUNCTION",
    ] {
        assert!(text.contains(needle), "{needle} not in the dump:\n{text}");
    }
    let file = path.to_str().unwrap();
    let url = db.url();
    for (from, to) in [(url.as_str(), file), (file, url.as_str())] {
        let r = sd(&dir, &["diff", "--from", from, "--to", to, "--exit-code"]);
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("No changes"), "{}", r.stdout);
        // pg_dump since 15.14 (and 16.10, 17.6) wraps the dump in \restrict … \unrestrict;
        // the lines of the comment and the function body that start with a backslash are
        // data (the comment reads back whole: `diff` finds nothing).
        let metas: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with('\\') && l.split_whitespace().count() == 2)
            .collect();
        for (i, line) in &metas {
            let name = line[1..].split_whitespace().next().unwrap();
            let note = format!("dump.sql:{}: psql meta-command \\{name} skipped", i + 1);
            assert!(r.stderr.contains(&note), "{note} not in:\n{}", r.stderr);
            // The \restrict key is not repeated.
            if let Some(key) = line.split_whitespace().nth(1) {
                assert!(!r.stderr.contains(key), "{}", r.stderr);
            }
        }
        assert_eq!(
            r.stderr.matches("meta-command").count(),
            metas.len(),
            "{}",
            r.stderr
        );
    }
    // `pg_dump -C` adds CREATE DATABASE (of the very database compared with), ALTER
    // DATABASE and \connect: skipped with a note, never run on the server. Saved by an
    // editor that adds a byte order mark and CRLF line ends.
    let created = dump_with(&db, &dir, &["-C"], "created.sql");
    let text = std::fs::read_to_string(&created).unwrap();
    assert!(text.contains("CREATE DATABASE"), "{text}");
    // (CRLF inside a string is data and kept: only lines that end a statement, blank
    // lines and comment lines get one.)
    let crlf: String = text
        .lines()
        .map(|l| {
            let end = l.ends_with(';') || l.is_empty() || l.starts_with("--");
            format!("{l}{}", if end { "\r\n" } else { "\n" })
        })
        .collect();
    let crlf = format!("\u{feff}{crlf}");
    assert!(crlf.matches("\r\n").count() > 100);
    std::fs::write(&created, crlf).unwrap();
    let r = sd(
        &dir,
        &["diff", "--from", &url, "--to", "created.sql", "--exit-code"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    for needle in [
        "CREATE DATABASE skipped (roles, databases and tablespaces belong to the server",
        "psql meta-command \\connect skipped",
    ] {
        assert!(r.stderr.contains(needle), "{needle} not in:\n{}", r.stderr);
    }
    // inspect prints what schemadiff manages, the same from the dump as from the database.
    let server = pg::server_url();
    let declared = sd(
        &dir,
        &[
            "inspect",
            "--dialect",
            "postgres",
            "--dev-url",
            &server,
            file,
        ],
    );
    assert_eq!(declared.code, 0, "{}", declared.stderr);
    let live = sd(&dir, &["inspect", &url]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    assert_eq!(declared.stdout, live.stdout);
    for needle in [
        "CREATE SCHEMA app;",
        "CREATE TYPE app.mood AS ENUM",
        "CREATE TABLE app.person",
        "CREATE UNIQUE INDEX person_code",
        "REFERENCES app.person(code) ON DELETE CASCADE",
        "CREATE VIEW public.pets_of_happy",
        "COMMENT ON COLUMN public.pet.name",
        "CREATE SEQUENCE app.counter",
        "CREATE OR REPLACE FUNCTION app.body()",
    ] {
        assert!(
            declared.stdout.contains(needle),
            "{needle} not in:\n{}",
            declared.stdout
        );
    }
    for absent in ["GRANT", "OWNER TO", "set_config"] {
        assert!(
            !declared.stdout.contains(absent),
            "{absent} in:\n{}",
            declared.stdout
        );
    }
}

#[test]
fn adopting_a_database_from_its_dump_runs_the_whole_workflow() {
    let source = original("dump_wf_src");
    let target = TestDb::create("dump_wf_dst");
    let dir = common::temp_dir("pg_dump_wf");
    let ok = |args: &[&str]| common::ok_in(&dir, args);
    ok(&["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &target.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::remove_file(dir.join("schemas/schema.sql")).unwrap();
    let dumped = dump(&source, &dir);
    std::fs::rename(&dumped, dir.join("schemas/dump.sql")).unwrap();

    let gen = ok(&["generate", "-m", "adopt"]);
    assert!(gen.stderr.contains("meta-command"), "{}", gen.stderr);
    ok(&["upgrade", "head"]);
    let check = sd(&dir, &["check"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    let again = ok(&["generate", "-m", "nothing"]);
    assert!(
        again.stderr.contains("No changes detected"),
        "{}",
        again.stderr
    );
    let revisions = std::fs::read_dir(dir.join("migrations")).unwrap().count();
    assert_eq!(revisions, 1, "a second generate wrote a revision");
    // The database built by the revision has what schemadiff manages of the original.
    let r = sd(
        &dir,
        &[
            "diff",
            "--from",
            &source.url(),
            "--to",
            &target.url(),
            "--exit-code",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn session_settings_last_to_the_end_of_their_file() {
    let dir = common::temp_dir("pg_dump_sessions");
    let schemas = dir.join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    // pg_dump's empty search_path must not reach b.sql, whose names are unqualified; an
    // old dump's `SET search_path = app` puts c.sql's table in app.
    std::fs::write(
        schemas.join("a.sql"),
        "SELECT pg_catalog.set_config('search_path', '', false);\nSET transaction_timeout = 0;\nCREATE TABLE public.a (id int);\n",
    )
    .unwrap();
    std::fs::write(
        schemas.join("b.sql"),
        "CREATE TABLE b (id int REFERENCES c (id));\n",
    )
    .unwrap();
    std::fs::write(
        schemas.join("c.sql"),
        "CREATE SCHEMA app;\nSET search_path = app, pg_catalog;\nCREATE TABLE c (id int PRIMARY KEY);\nCREATE TABLE public.c (id int PRIMARY KEY);\n",
    )
    .unwrap();
    let server = pg::server_url();
    let r = sd(
        &dir,
        &[
            "inspect",
            "--dialect",
            "postgres",
            "--dev-url",
            &server,
            "schemas",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in [
        "CREATE TABLE public.a (",
        "CREATE TABLE public.b (",
        "CREATE TABLE app.c (",
        "CREATE TABLE public.c (",
        "REFERENCES public.c(id)",
    ] {
        assert!(r.stdout.contains(needle), "{needle} not in:\n{}", r.stdout);
    }
}

#[test]
fn a_schema_only_the_target_has_stands_in_as_external_and_is_never_created_or_dropped() {
    let db = TestDb::create("dump_lean");
    db.client()
        .batch_execute("CREATE SCHEMA \"Ext\"; CREATE TABLE \"Ext\".t (id int PRIMARY KEY);")
        .unwrap();
    let dir = common::temp_dir("pg_dump_lean");
    std::fs::write(
        dir.join("s.sql"),
        "CREATE TABLE public.u (id int);\nCREATE TABLE \"Ext\".t (id int PRIMARY KEY);\n",
    )
    .unwrap();
    let url = db.url();
    for (from, to) in [(url.as_str(), "s.sql"), ("s.sql", url.as_str())] {
        let r = sd(&dir, &["diff", "--from", from, "--to", to]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.contains("SCHEMA"), "{}", r.stdout);
        assert!(r.stdout.contains("TABLE public.u"), "{}", r.stdout);
        assert!(!r.stdout.contains("\"Ext\".t"), "{}", r.stdout);
        let note = "note: Ext (external schema: the target database has it, no declared file creates it) is not managed";
        assert!(r.stderr.contains(note), "{}", r.stderr);
    }
    // The stand-in depends on the target: through one catalog cache, another database on
    // the same server that lacks the schema gets the error, not the first one's model.
    let cache = common::cache_dir();
    let cached = |url: &str| {
        common::run_env(
            &dir,
            &["diff", "--from", url, "--to", "s.sql"],
            &[("SCHEMADIFF_CACHE_DIR", &cache)],
        )
    };
    assert_eq!(cached(&url).code, 0);
    let other = TestDb::create("dump_lean_other");
    let r = cached(&other.url());
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("schema \"Ext\" does not exist"),
        "{}",
        r.stderr
    );
    // On a dev server that lacks it, the error names it and says what to do.
    let server = pg::server_url();
    let r = sd(
        &dir,
        &[
            "diff",
            "--from",
            &url,
            "--to",
            "s.sql",
            "--dev-url",
            &server,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    let flat = r.flat_stderr();
    for needle in [
        "s.sql:2:14",
        "schema \"Ext\" does not exist",
        "no declared file creates schema \"Ext\"",
        "`CREATE SCHEMA \"Ext\";`",
        "stands in as external when there is no dev URL",
    ] {
        assert!(flat.contains(needle), "{needle} not in:\n{}", r.stderr);
    }
}

#[test]
fn a_role_the_server_lacks_is_named_with_what_to_do_and_owner_statements_are_skipped() {
    let db = TestDb::create("dump_role");
    let dir = common::temp_dir("pg_dump_role");
    let role = format!("schemadiff_t{}_no_such_role", std::process::id());
    // OWNER TO is skipped (ownership is not modelled): only the grant needs the role.
    std::fs::write(
        dir.join("o.sql"),
        format!("CREATE TABLE t (id int);\nALTER TABLE t OWNER TO {role};\n"),
    )
    .unwrap();
    let r = sd(&dir, &["diff", "--from", &db.url(), "--to", "o.sql"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(
        dir.join("g.sql"),
        format!("CREATE TABLE t (id int);\nGRANT SELECT ON t TO {role};\nALTER TABLE t OWNER TO {role};\n"),
    )
    .unwrap();
    let r = sd(&dir, &["diff", "--from", &db.url(), "--to", "g.sql"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let flat = r.flat_stderr();
    for needle in [
        "g.sql:2:",
        &format!("role \"{role}\" does not exist"),
        &format!("`CREATE ROLE {role} NOLOGIN;`"),
        "--dev-url",
    ] {
        assert!(flat.contains(needle), "{needle} not in:\n{}", r.stderr);
    }
}

/// A login role without `CREATEDB`, dropped when the guard goes (also on panic).
struct Role(String);

impl Drop for Role {
    fn drop(&mut self) {
        let _ = pg::admin().batch_execute(&format!("DROP ROLE IF EXISTS {}", self.0));
    }
}

#[test]
fn a_role_without_createdb_is_told_to_grant_it_or_use_a_dev_url() {
    let db = TestDb::create("dump_nocreatedb");
    let role = Role(format!("schemadiff_t{}_nocreatedb", std::process::id()));
    let mut admin = pg::admin();
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {0}; CREATE ROLE {0} LOGIN NOCREATEDB",
            role.0
        ))
        .unwrap();
    let url = db.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, host_db) = rest.split_once('@').unwrap();
    let as_role = format!("{scheme}://{}@{host_db}", role.0);
    let dir = common::temp_dir("pg_dump_nocreatedb");
    std::fs::write(dir.join("s.sql"), "CREATE TABLE t (id int);\n").unwrap();
    // (Without SCHEMADIFF_NO_THROWAWAY a throwaway cluster stands in: tests/pg_throwaway.rs.)
    let r = common::run_env(
        &dir,
        &["diff", "--from", &as_role, "--to", "s.sql"],
        &[
            ("SCHEMADIFF_NO_THROWAWAY", std::path::Path::new("1")),
            ("SCHEMADIFF_CACHE_DIR", &common::cache_dir()),
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    let flat = r.flat_stderr();
    for needle in [
        format!("role {} may not create databases on", role.0),
        format!("`ALTER ROLE {} CREATEDB;`", role.0),
        "--dev-url".into(),
        "dev_url".into(),
    ] {
        assert!(flat.contains(&needle), "{needle} not in:\n{}", r.stderr);
    }
    // What the message says works: a dev URL where databases may be created.
    let server = pg::server_url();
    let r = sd(
        &dir,
        &[
            "diff",
            "--from",
            &as_role,
            "--to",
            "s.sql",
            "--dev-url",
            &server,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("CREATE TABLE public.t"), "{}", r.stdout);
}

#[test]
fn a_dump_with_data_is_refused_at_its_first_copy_instead_of_waiting_for_rows() {
    let dir = common::temp_dir("pg_dump_copy");
    std::fs::write(
        dir.join("full.sql"),
        "CREATE TABLE public.t (id int);\nCOPY public.t (id) FROM stdin;\n1\n2\n\\.\n",
    )
    .unwrap();
    let server = pg::server_url();
    let r = sd(
        &dir,
        &[
            "inspect",
            "--dialect",
            "postgres",
            "--dev-url",
            &server,
            "full.sql",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    let flat = r.flat_stderr();
    assert!(flat.contains("full.sql:2:1"), "{}", r.stderr);
    assert!(
        flat.contains("dump the schema only (pg_dump -s)"),
        "{}",
        r.stderr
    );
}

/// Partitioned tables and inheritance as `pg_dump -s` prints them: each partition created
/// on its own and attached (`ALTER TABLE ONLY … ATTACH PARTITION`), the parent's indexes
/// `ON ONLY` with each partition's index attached (`ALTER INDEX … ATTACH PARTITION`), the
/// partitions' columns and CHECKs local to them: declared, it is the database it came from.
#[test]
fn a_pg_dump_of_partitioned_tables_and_inheritance_equals_its_database() {
    let db = TestDb::create("dump_part");
    db.client()
        .batch_execute(
            "CREATE TABLE customers (id int PRIMARY KEY);
             CREATE TABLE orders (
               id bigint NOT NULL, customer_id int NOT NULL REFERENCES customers (id),
               placed_on date NOT NULL, total numeric NOT NULL DEFAULT 0 CHECK (total >= 0),
               PRIMARY KEY (id, placed_on)
             ) PARTITION BY RANGE (placed_on);
             CREATE INDEX orders_customer ON orders (customer_id);
             CREATE TABLE orders_2024 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
               PARTITION BY HASH (id);
             CREATE TABLE orders_2025_0 PARTITION OF orders_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
             CREATE TABLE orders_2025_1 PARTITION OF orders_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
             CREATE TABLE orders_rest PARTITION OF orders DEFAULT;
             CREATE TABLE refunds (id int PRIMARY KEY, order_id bigint NOT NULL, placed_on date NOT NULL,
               FOREIGN KEY (order_id, placed_on) REFERENCES orders (id, placed_on));
             CREATE TABLE vehicles (id int NOT NULL, name text NOT NULL CHECK (name <> ''));
             CREATE TABLE cars (seats smallint NOT NULL DEFAULT 4) INHERITS (vehicles);
             CREATE TABLE trucks (name text NOT NULL, payload int) INHERITS (vehicles);",
        )
        .unwrap();
    let dir = common::temp_dir("pg_dump_part");
    let path = dump(&db, &dir);
    let text = std::fs::read_to_string(&path).unwrap();
    for needle in ["ATTACH PARTITION", "ON ONLY", "INHERITS"] {
        assert!(text.contains(needle), "{needle} not in the dump:\n{text}");
    }
    let file = path.to_str().unwrap();
    let url = db.url();
    for (from, to) in [(url.as_str(), file), (file, url.as_str())] {
        let r = sd(&dir, &["diff", "--from", from, "--to", to, "--exit-code"]);
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("No changes"), "{}", r.stdout);
        assert!(!r.stderr.contains("not managed"), "{}", r.stderr);
    }
}
