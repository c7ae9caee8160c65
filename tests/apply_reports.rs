//! Truthful failure reports, through the binary on a real SQLite file and a real PostgreSQL
//! server: a revision holding `COMMIT` is refused before anything runs; a failure names the
//! statements that stay applied and those rolled back; Ctrl-C cancels the running statement,
//! rolls back, frees the lock and says so; the database's own `lock_timeout` and
//! `statement_timeout` hold while revisions run.

mod common;
mod pg;

use common::Run;
use pg::TestDb;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FIRST: &str = "a1a1a1a1a1a1";
const SECOND: &str = "b2b2b2b2b2b2";

/// A project on `url` (`sqlite` or `postgres`) with the revisions `(up, down)` in one line.
fn project(name: &str, dialect: &str, url: &str, revs: &[(&str, &str)]) -> PathBuf {
    let dir = common::temp_dir(name);
    std::fs::write(
        dir.join("schemadiff.toml"),
        format!("dialect = \"{dialect}\"\ndatabase_url = \"{url}\"\nlock_timeout_seconds = 5\n"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    for (n, (up, down)) in revs.iter().enumerate() {
        write_rev(&dir, n, up, down);
    }
    dir
}

fn rev_file(dir: &Path, n: usize) -> PathBuf {
    let id = [FIRST, SECOND][n];
    dir.join("migrations")
        .join(format!("20261206_00000{n}_{id}_r{n}.sql"))
}

fn write_rev(dir: &Path, n: usize, up: &str, down: &str) {
    let parents: Vec<String> = if n == 0 { vec![] } else { vec![FIRST.into()] };
    let id = [FIRST, SECOND][n];
    let text = schemadiff::revision::render(
        id,
        &parents,
        &format!("r{n}"),
        "2026-12-06T00:00:00Z",
        up,
        down,
    );
    std::fs::write(rev_file(dir, n), text).unwrap();
}

/// The line of `needle` in revision file `n` (1-based).
fn line_of(dir: &Path, n: usize, needle: &str) -> usize {
    let text = common::read(&rev_file(dir, n));
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn sqlite_tables(db: &Path) -> Vec<String> {
    common::sqlite_strings(
        db,
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'schemadiff%' ORDER BY 1",
    )
}

fn sqlite_heads(db: &Path) -> Vec<String> {
    common::sqlite_strings(db, common::HEADS_SQL)
}

fn pg_tables(db: &TestDb) -> Vec<String> {
    db.client()
        .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'schemadiff%' ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn pg_heads(db: &TestDb) -> Vec<String> {
    db.client()
        .query("SELECT version_num FROM schemadiff_version ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn failed(r: &Run) -> String {
    assert_eq!(r.code, 2, "expected exit 2:\n{}", r.stderr);
    r.flat_stderr()
}

const WITH_COMMIT: &str = "INSERT INTO t1 VALUES ('x;COMMIT;'); -- COMMIT;
CREATE TABLE a (id int);
COMMIT;
CREATE TABLE b (id int);
INSERT INTO nowhere VALUES (1);
";

#[test]
fn sqlite_a_revision_holding_commit_is_refused_before_anything_runs() {
    let dir = project(
        "apply-commit-sqlite",
        "sqlite",
        "sqlite:///app.db",
        &[
            ("CREATE TABLE t1 (v text);", "DROP TABLE t1;"),
            (WITH_COMMIT, ""),
        ],
    );
    let out = failed(&common::run_in(&dir, &["upgrade", "head"]));
    let line = line_of(&dir, 1, "CREATE TABLE a") + 1;
    assert!(
        out.contains(&format!("{SECOND} (")) && out.contains(&format!("line {line} holds `COMMIT")),
        "{out}"
    );
    assert!(out.contains("nothing ran"), "{out}");
    // Refused before anything ran, the first revision included.
    let db = dir.join("app.db");
    assert!(sqlite_tables(&db).is_empty(), "{:?}", sqlite_tables(&db));
    assert!(sqlite_heads(&db).is_empty());
    // The same words in a string and a comment are not statements.
    write_rev(
        &dir,
        1,
        "INSERT INTO t1 VALUES ('x;COMMIT;'); -- COMMIT;",
        "",
    );
    common::ok_in(&dir, &["upgrade", "head"]);
    assert_eq!(sqlite_heads(&db), [SECOND]);
}

#[test]
fn postgres_a_revision_holding_commit_is_refused_before_anything_runs() {
    let db = TestDb::create("apply_commit");
    let dir = project(
        "apply-commit-pg",
        "postgres",
        &db.url(),
        &[
            ("CREATE TABLE t1 (v text);", "DROP TABLE t1;"),
            (WITH_COMMIT, ""),
        ],
    );
    common::ok_in(&dir, &["upgrade", FIRST]);
    let out = failed(&common::run_in(&dir, &["upgrade", "head"]));
    let line = line_of(&dir, 1, "CREATE TABLE a") + 1;
    assert!(out.contains(&format!("line {line} holds `COMMIT")), "{out}");
    assert_eq!(pg_tables(&db), ["t1"]);
    assert_eq!(pg_heads(&db), [FIRST]);
}

#[test]
fn sqlite_a_failure_lists_the_statements_rolled_back() {
    let dir = project(
        "apply-report-sqlite",
        "sqlite",
        "sqlite:///app.db",
        &[(
            "CREATE TABLE x (id int);\nCREATE TABLE y (id int);\nINSERT INTO nowhere VALUES (1);",
            "",
        )],
    );
    let out = failed(&common::run_in(&dir, &["upgrade"]));
    let (x, y) = (
        line_of(&dir, 0, "CREATE TABLE x"),
        line_of(&dir, 0, "CREATE TABLE y"),
    );
    let bad = line_of(&dir, 0, "INSERT INTO nowhere");
    assert!(
        out.contains(&format!(
            "failed at line {bad}, statement `INSERT INTO nowhere VALUES (1)"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "rolled back: the failed statement and line {x} `CREATE TABLE x (id int)"
        )) && out.contains(&format!("line {y} `CREATE TABLE y (id int)")),
        "{out}"
    );
    assert!(
        out.contains("nothing of the revision stays applied"),
        "{out}"
    );
    assert!(sqlite_tables(&dir.join("app.db")).is_empty());
}

#[test]
fn postgres_a_failure_after_a_no_transaction_label_says_the_label_stays() {
    let db = TestDb::create("apply_report");
    let dir = project(
        "apply-report-pg",
        "postgres",
        &db.url(),
        &[
            ("CREATE TYPE mood AS ENUM ('sad');", "DROP TYPE mood;"),
            (
                "-- schemadiff:no-transaction\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok';\nCREATE TABLE x (m mood);\nINSERT INTO nowhere VALUES (1);",
                "",
            ),
        ],
    );
    common::ok_in(&dir, &["upgrade", FIRST]);
    let out = failed(&common::run_in(&dir, &["upgrade", "head"]));
    let label = line_of(&dir, 1, "ADD VALUE");
    let table = line_of(&dir, 1, "CREATE TABLE x");
    assert!(
        out.contains(&format!(
            "STAY APPLIED: line {label} `ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "rolled back: the failed statement and line {table} `CREATE TABLE x (m mood)"
        )),
        "{out}"
    );
    assert!(!out.contains("nothing of"), "{out}");
    // What the message says is what the database shows.
    let labels: Vec<String> = db
        .client()
        .query("SELECT unnest(enum_range(NULL::mood))::text", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(labels, ["sad", "ok"]);
    assert!(pg_tables(&db).is_empty());
    assert_eq!(pg_heads(&db), [FIRST]);
}

/// Starts `upgrade head` in `dir`, waits until `running` says the slow statement runs and a
/// moment more, sends SIGINT; returns the exit code, stderr and how long the exit took.
fn interrupt_upgrade(dir: &Path, running: &dyn Fn() -> bool) -> (i32, String, Duration) {
    interrupt(
        dir,
        &["upgrade", "head"],
        running,
        Duration::from_millis(300),
    )
}

/// Starts `schemadiff ARGS`, sends SIGINT after `after`; as [`interrupt_upgrade`].
fn interrupt_upgrade_after(dir: &Path, args: &[&str], after: Duration) -> (i32, String, Duration) {
    interrupt(dir, args, &|| true, after)
}

fn interrupt(
    dir: &Path,
    args: &[&str],
    running: &dyn Fn() -> bool,
    after: Duration,
) -> (i32, String, Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines() {
            all.push_str(&line.unwrap());
            all.push('\n');
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !running() {
        assert!(
            Instant::now() < deadline,
            "the slow statement never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(after);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let sent = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code().unwrap_or(-1);
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("still running 30 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = sent.elapsed();
    (code, reader.join().unwrap(), took)
}

fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !matches!(*w, "│" | "×" | "help:"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn postgres_ctrl_c_cancels_the_statement_rolls_back_and_frees_the_lock() {
    let db = TestDb::create("apply_sigint");
    let dir = project(
        "apply-sigint-pg",
        "postgres",
        &db.url(),
        &[
            ("CREATE TABLE t1 (id int);", "DROP TABLE t1;"),
            (
                "CREATE TABLE t2 (id int);\nSELECT pg_sleep(60);",
                "DROP TABLE t2;",
            ),
        ],
    );
    let watcher = std::cell::RefCell::new(db.client());
    let name = db.name.clone();
    let others = |query: &str| -> i64 {
        watcher
            .borrow_mut()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND query LIKE $2",
                &[&name, &query],
            )
            .unwrap()
            .get(0)
    };
    let (code, stderr, took) = interrupt_upgrade(&dir, &|| others("%pg_sleep%") > 0);
    let out = flat(&stderr);
    assert!(took < Duration::from_secs(5), "exit took {took:?}: {out}");
    // The server runs nothing more of it, and the advisory lock is free.
    let deadline = Instant::now() + Duration::from_secs(3);
    while others("%") > 0 {
        assert!(
            Instant::now() < deadline,
            "a backend of the run is still there: {out}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let key = schemadiff::apply::postgres::LOCK_KEY;
    let held: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1 AND objid::bigint = $2
             AND database = (SELECT oid FROM pg_database WHERE datname = $3)",
            &[&(key >> 32), &(key & 0xffff_ffff), &db.name],
        )
        .unwrap()
        .get(0);
    assert_eq!(held, 0, "the advisory lock is still held");
    assert_eq!(code, 2, "{out}");
    let create = line_of(&dir, 1, "CREATE TABLE t2");
    assert!(out.contains("interrupted (Ctrl-C)"), "{out}");
    assert!(
        out.contains(&format!(
            "rolled back: the failed statement and line {create} `CREATE TABLE t2 (id int)"
        )),
        "{out}"
    );
    assert_eq!(pg_heads(&db), [FIRST]);
    assert_eq!(pg_tables(&db), ["t1"]);
    // A following upgrade runs (the revision, never applied, may be edited).
    let text = common::read(&rev_file(&dir, 1)).replace("pg_sleep(60)", "pg_sleep(0)");
    std::fs::write(rev_file(&dir, 1), text).unwrap();
    common::ok_in(&dir, &["upgrade", "head"]);
    assert_eq!(pg_heads(&db), [SECOND]);
}

#[test]
fn sqlite_ctrl_c_interrupts_the_statement_and_rolls_back() {
    const ENDLESS: &str = "CREATE TABLE t3 AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c;";
    let dir = project(
        "apply-sigint-sqlite",
        "sqlite",
        "sqlite:///app.db",
        &[
            ("CREATE TABLE t1 (id int);", "DROP TABLE t1;"),
            (
                &format!("CREATE TABLE t2 (id int);\n{ENDLESS}"),
                "DROP TABLE t2;",
            ),
        ],
    );
    // The second revision has begun once the first is recorded.
    let db = dir.join("app.db");
    let (code, stderr, took) = interrupt_upgrade(&dir, &|| {
        rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM schemadiff_version", [], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .is_ok_and(|n| n > 0)
    });
    let out = flat(&stderr);
    assert!(took < Duration::from_secs(5), "exit took {took:?}: {out}");
    assert_eq!(code, 2, "{out}");
    let create = line_of(&dir, 1, "CREATE TABLE t2");
    assert!(out.contains("interrupted (Ctrl-C)"), "{out}");
    assert!(
        out.contains(&format!(
            "rolled back: the failed statement and line {create} `CREATE TABLE t2 (id int)"
        )),
        "{out}"
    );
    assert_eq!(sqlite_heads(&db), [FIRST]);
    assert_eq!(sqlite_tables(&db), ["t1"]);
    let text = common::read(&rev_file(&dir, 1)).replace("FROM c)", "FROM c WHERE x < 10)");
    std::fs::write(rev_file(&dir, 1), text).unwrap();
    common::ok_in(&dir, &["upgrade", "head"]);
    assert_eq!(sqlite_heads(&db), [SECOND]);
}

#[test]
fn postgres_revisions_run_with_the_database_lock_and_statement_timeouts() {
    let db = TestDb::create("apply_timeouts");
    db.client()
        .batch_execute(&format!(
            "ALTER DATABASE \"{0}\" SET lock_timeout = '1234ms'; ALTER DATABASE \"{0}\" SET statement_timeout = '98765ms'",
            db.name
        ))
        .unwrap();
    let dir = project(
        "apply-timeouts-pg",
        "postgres",
        &db.url(),
        &[(
            "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS stmt;",
            "DROP TABLE seen;",
        )],
    );
    common::ok_in(&dir, &["upgrade", "head"]);
    let row = db
        .client()
        .query_one("SELECT lock, stmt FROM seen", &[])
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1)),
        ("1234ms".to_string(), "98765ms".to_string())
    );
}

/// With the lock held elsewhere: `upgrade` says it waits and runs once the lock is free;
/// `stamp` waits too and gives up after `lock_timeout_seconds`; Ctrl-C stops a wait.
fn waits_for_the_lock(
    dir: &Path,
    hold: &dyn Fn(),
    release: &dyn Fn(),
    heads: &dyn Fn() -> Vec<String>,
) {
    hold();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(["upgrade", "head"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    release();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "did not wait: {stderr}"
    );
    assert!(
        stderr.contains("Waiting for the migration lock: another schemadiff run holds it"),
        "{stderr}"
    );
    assert_eq!(heads(), [SECOND]);

    hold();
    let r = common::run_in(dir, &["stamp", FIRST]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.flat_stderr()
            .contains("holds the migration lock and did not finish within 5 s"),
        "{}",
        r.stderr
    );
    assert_eq!(heads(), [SECOND]);

    let (code, stderr, took) =
        interrupt_upgrade_after(dir, &["downgrade", "base"], Duration::from_millis(800));
    assert!(
        took < Duration::from_secs(2),
        "exit took {took:?}: {stderr}"
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        flat(&stderr).contains(
            "interrupted (Ctrl-C) while waiting for the migration lock; nothing more ran"
        ),
        "{stderr}"
    );
    assert_eq!(heads(), [SECOND]);
    release();
}

#[test]
fn sqlite_a_run_waits_for_the_lock_file_and_says_so() {
    let dir = project(
        "apply-wait-sqlite",
        "sqlite",
        "sqlite:///app.db",
        &[
            ("CREATE TABLE t1 (id int);", "DROP TABLE t1;"),
            ("CREATE TABLE t2 (id int);", "DROP TABLE t2;"),
        ],
    );
    let lock_file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("app.db-schemadiff-lock"))
        .unwrap();
    let db = dir.join("app.db");
    waits_for_the_lock(
        &dir,
        &|| lock_file.lock().unwrap(),
        &|| lock_file.unlock().unwrap(),
        &|| sqlite_heads(&db),
    );
}

#[test]
fn postgres_a_run_waits_for_the_advisory_lock_and_says_so() {
    let db = TestDb::create("apply_wait");
    let dir = project(
        "apply-wait-pg",
        "postgres",
        &db.url(),
        &[
            ("CREATE TABLE t1 (id int);", "DROP TABLE t1;"),
            ("CREATE TABLE t2 (id int);", "DROP TABLE t2;"),
        ],
    );
    let holder = std::cell::RefCell::new(db.client());
    let key = schemadiff::apply::postgres::LOCK_KEY;
    waits_for_the_lock(
        &dir,
        &|| {
            holder
                .borrow_mut()
                .execute("SELECT pg_advisory_lock($1)", &[&key])
                .unwrap();
        },
        &|| {
            holder
                .borrow_mut()
                .execute("SELECT pg_advisory_unlock($1)", &[&key])
                .unwrap();
        },
        &|| pg_heads(&db),
    );
}
