//! Files as users and other programs leave them: a SQLite database locked by another
//! process, declared schemas, snapshots, revisions, `schemadiff.toml` and `--from/--to`
//! files with a UTF-8 byte order mark or CRLF line endings, and a table name too long for
//! a snapshot file name.

mod common;

use common::*;
use rusqlite::Connection;
use std::path::Path;

/// A SQLite project with one revision applied to `app.db`; the lock wait is 1 s.
fn project(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    ok_in(&dir, &["init"]);
    let cfg = read(&dir.join("schemadiff.toml")).replace("lock_timeout_seconds = 30", "lock_timeout_seconds = 1");
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n").unwrap();
    ok_in(&dir, &["generate", "-m", "first"]);
    ok_in(&dir, &["upgrade", "head"]);
    dir
}

#[test]
fn a_locked_database_is_called_locked_not_corrupt() {
    let dir = project("files-locked");
    let holder = Connection::open(dir.join("app.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE; INSERT INTO t (name) VALUES ('x');").unwrap();
    let runs: [&[&str]; 5] = [
        &["current"],
        &["upgrade", "head"],
        &["check"],
        &["inspect", "sqlite:///app.db"],
        &["diff", "--from", "sqlite:///app.db", "--to", "schemas"],
    ];
    for args in runs {
        let r = run_in(&dir, args);
        let err = r.flat_stderr();
        assert_eq!(r.code, 2, "{args:?}: {err}");
        assert!(err.contains("app.db is locked by another process"), "{args:?}: {err}");
        assert!(err.contains("wait for it to finish") && err.contains("fuser"), "{args:?} says what to do: {err}");
        assert!(!err.contains("not a SQLite database"), "{args:?}: {err}");
    }
    holder.execute_batch("COMMIT").unwrap();
    for args in runs {
        ok_in(&dir, args);
    }
}
