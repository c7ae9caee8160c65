//! The check record on SQLite: `generate` writes it, `check` uses it where it matches and
//! gives the answer of `--no-cache check` (which ignores it) when the files or the database
//! changed behind its back.

mod common;

use common::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    ok_in(&dir, &["init"]);
    std::fs::remove_file(dir.join("schemas/schema.sql")).unwrap();
    for entry in std::fs::read_dir(root().join("schemas/v1")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join("schemas").join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// `check -v` and `--no-cache check`: the same code and report; the first run returned.
fn check_agrees(dir: &Path) -> Run {
    let fast = run_in(dir, &["check", "-v"]);
    let slow = run_in(dir, &["--no-cache", "check"]);
    assert_eq!(
        (fast.code, &fast.stdout),
        (slow.code, &slow.stdout),
        "{}\n{}",
        fast.stderr,
        slow.stderr
    );
    fast
}

#[test]
fn the_record_is_used_on_sqlite_and_never_hides_a_change() {
    let dir = project("rec_sqlite");
    ok_in(&dir, &["generate", "-m", "v1"]);
    ok_in(&dir, &["upgrade"]);
    let record = std::fs::read_to_string(dir.join("snapshots/schemadiff-record.json")).unwrap();
    assert!(record.contains("\"engine\": \"sqlite\""), "{record}");
    let run = check_agrees(&dir);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("neither loaded"), "{}", run.stderr);

    // Drift by hand.
    let db = || Connection::open(dir.join("app.db")).unwrap();
    db().execute_batch("CREATE INDEX by_hand ON posts (title)")
        .unwrap();
    let run = check_agrees(&dir);
    assert!(run.stdout.contains("index by_hand"), "{}", run.stdout);
    db().execute_batch("DROP INDEX by_hand").unwrap();

    // schemas/ edited without generate.
    std::fs::write(
        dir.join("schemas/zz.sql"),
        "CREATE TABLE zz (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    let run = check_agrees(&dir);
    assert!(
        run.stdout.contains("[unrevisioned-changes]"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("schemas/ changed"), "{}", run.stderr);
}
