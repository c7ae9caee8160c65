//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod runner;

use rusqlite::Connection;
use schemadiff::model::Schema;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Returns the repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the case directories under `fixtures/<engine>`, sorted.
pub fn cases(engine: &str) -> Vec<PathBuf> {
    let dir = root().join("fixtures").join(engine);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Insta settings that write snapshots under the top-level `snapshots/<sub>`.
pub fn snapshot_settings(sub: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots").join(sub));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Every row of every table in `schema`, each value as SQLite's `quote()`, rows sorted:
/// a comparable picture of the data.
pub fn data(conn: &Connection, schema: &Schema) -> BTreeMap<String, Vec<Vec<String>>> {
    schema
        .tables
        .values()
        .map(|t| {
            let cols: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            (t.name.clone(), rows(conn, &t.name, &cols))
        })
        .collect()
}

/// Returns the rows of `cols` of `table` as quoted values, sorted.
pub fn rows(conn: &Connection, table: &str, cols: &[String]) -> Vec<Vec<String>> {
    if cols.is_empty() {
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {}", q(table)), [], |r| {
                r.get(0)
            })
            .unwrap();
        return vec![vec![]; n as usize];
    }
    let list: Vec<String> = cols.iter().map(|c| format!("quote({})", q(c))).collect();
    let sql = format!("SELECT {} FROM {}", list.join(", "), q(table));
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out: Vec<Vec<String>> = stmt
        .query_map([], |r| {
            (0..cols.len()).map(|i| r.get::<_, String>(i)).collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    out.sort();
    out
}

/// Returns `sqlite_sequence` as a map (empty when the table does not exist).
pub fn sequences(conn: &Connection) -> BTreeMap<String, i64> {
    let Ok(mut stmt) = conn.prepare("SELECT name, seq FROM sqlite_sequence") else {
        return BTreeMap::new();
    };
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Returns `PRAGMA foreign_key_check` as `(table, parent)` pairs with their counts.
pub fn fk_violations(conn: &Connection) -> BTreeMap<(String, String), i64> {
    let mut stmt = conn
        .prepare("SELECT \"table\", parent FROM pragma_foreign_key_check")
        .unwrap();
    let mut out = BTreeMap::new();
    for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap() {
        *out.entry(row.unwrap()).or_insert(0) += 1;
    }
    out
}

/// Double-quotes an identifier for test queries.
/// Returns the first column of every row of `sql` on the SQLite database at `db`, as text.
#[allow(dead_code)]
pub fn sqlite_strings(db: &Path, sql: &str) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// SQL of the applied heads (`schemadiff_version`), sorted.
#[allow(dead_code)]
pub const HEADS_SQL: &str = "SELECT version_num FROM schemadiff_version ORDER BY 1";

pub fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Returns a fresh temporary directory under the target dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the directory `from` into `to`, subdirectories included.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The number in the environment variable `name`, or `default`.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs `sqlite3 -bail db < script` (the shell, as a user would); returns success and stderr.
pub fn sqlite3_shell(db: &Path, script: &str) -> (bool, String) {
    sqlite3_shell_with(db, script, true)
}

/// Runs the `sqlite3` shell on `script`, with or without `-bail`.
pub fn sqlite3_shell_with(db: &Path, script: &str, bail: bool) -> (bool, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("sqlite3")
        .args(if bail { &["-bail"][..] } else { &[][..] })
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sqlite3 shell is required by this test: apt-get install sqlite3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.success() && stderr.is_empty(), stderr)
}

/// Row counts of the tables schemadiff does not manage as tables (virtual tables and their
/// shadow tables), which no script may touch, except the virtual tables in `changed` (those
/// a script creates, drops or re-creates) with their shadow tables (`<name>_…`).
pub fn unmanaged_counts(
    conn: &Connection,
    schema: &Schema,
    changed: &[String],
) -> BTreeMap<String, i64> {
    let owned = |n: &str| {
        let n = n.to_ascii_lowercase();
        changed.iter().any(|c| {
            let c = c.to_ascii_lowercase();
            n == c || n.starts_with(&format!("{c}_"))
        })
    };
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names
        .into_iter()
        .filter(|n| !schema.tables.contains_key(n) && !owned(n))
        .map(|n| {
            let c = conn
                .query_row(&format!("SELECT count(*) FROM {}", q(&n)), [], |r| r.get(0))
                .unwrap();
            (n, c)
        })
        .collect()
}

/// The virtual tables that differ between `a` and `b` (on one side only, or defined
/// otherwise), by name.
pub fn changed_virtual_tables(a: &Schema, b: &Schema) -> Vec<String> {
    let mut out: Vec<String> = a
        .virtual_tables
        .iter()
        .filter(|(k, v)| b.virtual_tables.get(*k) != Some(*v))
        .chain(
            b.virtual_tables
                .iter()
                .filter(|(k, _)| !a.virtual_tables.contains_key(*k)),
        )
        .map(|(k, _)| k.clone())
        .collect();
    out.sort();
    out
}

/// What a run of the binary printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stderr as one line of words: miette's wrapping and frame characters removed.
    pub fn flat_stderr(&self) -> String {
        self.stderr
            .split_whitespace()
            .filter(|w| !matches!(*w, "│" | "×" | "help:"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Returns a new, empty catalog cache directory, so that a run of the binary never reads a
/// user's cache (nor another test's).
pub fn cache_dir() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = root()
        .join("target")
        .join("test-tmp")
        .join("cache")
        .join(format!("{}_{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs the `schemadiff` binary in `dir` without `DATABASE_URL` from the environment, with
/// an empty catalog cache of its own.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    run_env(dir, args, &[("SCHEMADIFF_CACHE_DIR", &cache_dir())])
}

/// As [`run_in`], with the environment variables `env` set (and no cache directory of its
/// own unless `env` names one).
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("SCHEMADIFF_NO_CACHE")
        .envs(env.iter().map(|(k, v)| (k, v.as_os_str())))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// As [`run_in`], requiring exit 0.
pub fn ok_in(dir: &Path, args: &[&str]) -> Run {
    let r = run_in(dir, args);
    assert_eq!(
        r.code, 0,
        "schemadiff {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r
}

/// As [`run_env`] with the catalog cache in `cache`, requiring exit 0.
pub fn ok_with_cache(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    let r = run_env(dir, args, &[("SCHEMADIFF_CACHE_DIR", cache)]);
    assert_eq!(
        r.code, 0,
        "schemadiff {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r
}

/// The number of model entries in the catalog cache `dir` (not the incremental reload's
/// base entries); 0 when it does not exist.
pub fn cache_models(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json") && !n.starts_with("pg-base-"))
                .count()
        })
        .unwrap_or(0)
}

/// Two `schemadiff upgrade head` started together in `dir`; their outputs.
pub fn upgrade_twice_at_once(dir: &Path) -> (std::process::Output, std::process::Output) {
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_schemadiff"))
            .args(["upgrade", "head"])
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    })
}

/// The revision among `revisions` written with `-m message`: two written in the same second
/// sort by their random ids, so the last by name need not be the newest.
pub fn revision_named(revisions: &[PathBuf], message: &str) -> PathBuf {
    let suffix = format!("_{message}.sql");
    let found: Vec<&PathBuf> = (revisions.iter())
        .filter(|p| p.to_string_lossy().ends_with(&suffix))
        .collect();
    assert_eq!(found.len(), 1, "revisions named {message}: {found:?}");
    found[0].clone()
}
