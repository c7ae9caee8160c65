//! Nothing silent (issue 15): objects schemadiff sees but does not manage are listed by
//! `inspect` (text and JSON), warned once each by `diff`, `generate` and `check` (counted per
//! kind when there are many), make `--strict` fail when the declared files hold one, and are
//! never dropped. Through the binary, on the real PostgreSQL server.
//!
//! The unmanaged objects here are aggregates (partitioned tables, the example before issue
//! 16, are managed now); the tests named `…aggregate…` need the introspection of the other
//! unmanaged kinds (issue 15 item 1).

mod common;
mod pg;

use common::Run;
use pg::TestDb;
use std::path::{Path, PathBuf};

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

const TABLE: &str = "CREATE TABLE t (id int PRIMARY KEY, v text);\n";

/// Two objects schemadiff does not manage.
const TWO_UNMANAGED: &str = "CREATE AGGREGATE events(int) (SFUNC = int4pl, STYPE = int);
CREATE AGGREGATE events_2026(int) (SFUNC = int4pl, STYPE = int);
";
const EVENTS: &str = "aggregate public.events(integer)";
const EVENTS_2026: &str = "aggregate public.events_2026(integer)";

const AGGREGATE: &str = "CREATE AGGREGATE my_sum(int) (SFUNC = int4pl, STYPE = int);\n";

/// A PostgreSQL project on `db` whose schemas/ holds `schema`.
fn project(name: &str, db: &TestDb, schema: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    ok(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), schema).unwrap();
    dir
}

/// How many lines of `stderr` warn about `key`.
fn warnings(stderr: &str, key: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("schemadiff: warning: ") && l.contains(&format!("{key} (")))
        .count()
}

fn files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

fn exists(db: &TestDb, name: &str) -> bool {
    db.client()
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL OR to_regprocedure($2) IS NOT NULL",
            &[
                &format!("public.{name}"),
                &format!("public.{name}(integer)"),
            ],
        )
        .unwrap()
        .get(0)
}

#[test]
fn inspect_lists_unmanaged_objects_in_text_and_json() {
    let db = TestDb::create("unm_inspect");
    db.client()
        .batch_execute(&format!("{TABLE}{TWO_UNMANAGED}"))
        .unwrap();
    let dir = common::temp_dir("unm_inspect");
    let text = ok(&dir, &["inspect", &db.url()]);
    assert!(
        text.stdout
            .contains("-- not managed by schemadiff: aggregate public.events(integer) (aggregate)"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(
            "-- not managed by schemadiff: aggregate public.events_2026(integer) (aggregate)"
        ),
        "{}",
        text.stdout
    );
    let json = ok(&dir, &["inspect", "--format", "json", &db.url()]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["unmanaged"][EVENTS], "aggregate");
    assert_eq!(json["unmanaged"][EVENTS_2026], "aggregate");
}

#[test]
fn generate_strict_refuses_declared_unmanaged_objects_and_writes_nothing() {
    let db = TestDb::create("unm_strict");
    let dir = project("unm_strict", &db, &format!("{TABLE}{TWO_UNMANAGED}"));
    let strict = sd(&dir, &["generate", "--strict", "-m", "first"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert_eq!(files(&dir.join("migrations")), 0, "{}", strict.stderr);
    assert_eq!(files(&dir.join("snapshots")), 0, "{}", strict.stderr);
    let flat = strict.flat_stderr();
    assert!(
        flat.contains("--strict: 2 object(s) in schemas/ are not managed by schemadiff")
            && flat.contains("- aggregate public.events(integer) (aggregate)")
            && flat.contains("would not reach the database")
            && flat.contains("Create them outside schemadiff")
            && flat.contains("nothing written"),
        "{}",
        strict.stderr
    );
    // Each object is warned once, though both sides were read.
    assert_eq!(warnings(&strict.stderr, EVENTS), 1, "{}", strict.stderr);

    // Without --strict: the revision is written (without them), with the warnings.
    let written = ok(&dir, &["generate", "-m", "first"]);
    assert_eq!(files(&dir.join("migrations")), 1, "{}", written.stderr);
    assert_eq!(warnings(&written.stderr, EVENTS), 1, "{}", written.stderr);
    assert_eq!(
        warnings(&written.stderr, EVENTS_2026),
        1,
        "{}",
        written.stderr
    );
    ok(&dir, &["upgrade", "head"]);
    assert!(exists(&db, "t"));
    assert!(!exists(&db, "events"), "no revision creates it");

    // Nothing left to generate, but --strict still fails: schemas/ holds them.
    let again = sd(&dir, &["generate", "--strict", "-m", "again"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(files(&dir.join("migrations")), 1);
    assert_eq!(warnings(&again.stderr, EVENTS), 1, "{}", again.stderr);
    // An --empty revision is written by hand (it may create them): not blocked.
    ok(&dir, &["generate", "--strict", "--empty", "-m", "by hand"]);
    assert_eq!(files(&dir.join("migrations")), 2);
}

#[test]
fn diff_and_check_warn_and_their_strict_fails_on_declared_unmanaged_objects() {
    let db = TestDb::create("unm_diff");
    let dir = project("unm_diff", &db, &format!("{TABLE}{TWO_UNMANAGED}"));
    ok(&dir, &["generate", "-m", "first"]);
    ok(&dir, &["upgrade", "head"]);
    // Created by hand, as the --strict message says: both sides have them now, and each
    // is warned once.
    db.client().batch_execute(TWO_UNMANAGED).unwrap();

    let url = db.url();
    let diff = ok(&dir, &["diff", "--from", &url, "--to", "schemas/"]);
    assert_eq!(warnings(&diff.stderr, EVENTS), 1, "{}", diff.stderr);
    assert!(diff.stdout.contains("-- No changes."), "{}", diff.stdout);
    let strict = sd(
        &dir,
        &["diff", "--strict", "--from", &url, "--to", "schemas/"],
    );
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict
            .flat_stderr()
            .contains("--strict: 2 object(s) in the declared files are not managed"),
        "{}",
        strict.stderr
    );

    let check = ok(&dir, &["check"]);
    assert_eq!(warnings(&check.stderr, EVENTS), 1, "{}", check.stderr);
    assert!(check.stdout.contains("clean"), "{}", check.stdout);
    let strict = sd(&dir, &["check", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(
        strict.stdout.contains("[unmanaged-declared]")
            && strict
                .stdout
                .contains("- aggregate public.events(integer) (aggregate)"),
        "{}",
        strict.stdout
    );
    let json = sd(&dir, &["check", "--strict", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["problems"][0]["kind"], "unmanaged-declared");
}

#[test]
fn a_live_only_unmanaged_object_is_warned_never_dropped_and_does_not_fail_strict() {
    let db = TestDb::create("unm_live");
    let dir = project("unm_live", &db, TABLE);
    ok(&dir, &["generate", "-m", "first"]);
    ok(&dir, &["upgrade", "head"]);
    db.client().batch_execute(TWO_UNMANAGED).unwrap();

    let check = ok(&dir, &["check", "--strict"]);
    assert_eq!(warnings(&check.stderr, EVENTS), 1, "{}", check.stderr);
    assert!(check.stdout.contains("clean"), "{}", check.stdout);

    let url = db.url();
    let diff = ok(
        &dir,
        &[
            "diff",
            "--strict",
            "--exit-code",
            "--from",
            &url,
            "--to",
            "schemas/",
        ],
    );
    assert_eq!(warnings(&diff.stderr, EVENTS), 1, "{}", diff.stderr);
    assert!(!diff.stdout.contains("DROP"), "{}", diff.stdout);

    let gen = ok(&dir, &["generate", "--strict", "--from-db", "-m", "none"]);
    assert!(gen.stderr.contains("No changes detected"), "{}", gen.stderr);
    assert_eq!(warnings(&gen.stderr, EVENTS), 1, "{}", gen.stderr);

    // A change elsewhere: the revision neither drops nor touches it.
    std::fs::write(
        dir.join("schemas/schema.sql"),
        format!("{TABLE}CREATE TABLE u (id int);\n"),
    )
    .unwrap();
    ok(&dir, &["generate", "--strict", "-m", "second"]);
    ok(&dir, &["upgrade", "head"]);
    ok(&dir, &["downgrade", "-1"]);
    assert!(exists(&db, "events") && exists(&db, "events_2026"));
}

#[test]
fn many_unmanaged_objects_are_counted_per_kind() {
    let db = TestDb::create("unm_many");
    let mut sql = String::new();
    for i in 0..25 {
        sql.push_str(&format!(
            "CREATE AGGREGATE p{i}(int) (SFUNC = int4pl, STYPE = int);\n"
        ));
    }
    db.client().batch_execute(&sql).unwrap();
    let dir = common::temp_dir("unm_many");
    std::fs::write(dir.join("empty.sql"), "").unwrap();
    let diff = ok(&dir, &["diff", "--from", &db.url(), "--to", "empty.sql"]);
    let lines: Vec<&str> = diff
        .stderr
        .lines()
        .filter(|l| l.starts_with("schemadiff: warning"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", diff.stderr);
    assert!(
        lines[0].contains("25 objects are not managed")
            && lines[0].contains(": aggregate (25);")
            && lines[0].contains("`schemadiff inspect` lists them all"),
        "{}",
        diff.stderr
    );
    assert!(!diff.stdout.contains("DROP"), "{}", diff.stdout);
}

/// Needs the introspection of aggregates (issue 15 item 1).
#[test]
fn generate_strict_refuses_a_declared_aggregate() {
    let db = TestDb::create("unm_agg_strict");
    let dir = project("unm_agg_strict", &db, &format!("{TABLE}{AGGREGATE}"));
    let strict = sd(&dir, &["generate", "--strict", "-m", "first"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert_eq!(files(&dir.join("migrations")), 0);
    assert!(strict.stderr.contains("my_sum"), "{}", strict.stderr);
    let written = ok(&dir, &["generate", "-m", "first"]);
    assert!(written.stderr.contains("my_sum"), "{}", written.stderr);
}

/// Needs the introspection of aggregates (issue 15 item 1).
#[test]
fn a_live_aggregate_is_listed_by_inspect_and_warned_by_check() {
    let db = TestDb::create("unm_agg_live");
    let dir = project("unm_agg_live", &db, TABLE);
    ok(&dir, &["generate", "-m", "first"]);
    ok(&dir, &["upgrade", "head"]);
    db.client().batch_execute(AGGREGATE).unwrap();
    let text = ok(&dir, &["inspect", &db.url()]);
    assert!(
        text.stdout.contains("-- not managed by schemadiff: ") && text.stdout.contains("my_sum"),
        "{}",
        text.stdout
    );
    let json = ok(&dir, &["inspect", "--format", "json", &db.url()]);
    assert!(
        json.stdout.contains("\"unmanaged\"") && json.stdout.contains("my_sum"),
        "{}",
        json.stdout
    );
    let check = ok(&dir, &["check", "--strict"]);
    let warned: Vec<&str> = check
        .stderr
        .lines()
        .filter(|l| l.starts_with("schemadiff: warning: ") && l.contains("my_sum"))
        .collect();
    assert_eq!(warned.len(), 1, "{}", check.stderr);
    ok(&dir, &["generate", "--strict", "--from-db", "-m", "none"]);
    let exists: bool = db
        .client()
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'my_sum')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(exists);
}
