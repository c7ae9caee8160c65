//! Error messages through the binary: text from a project file or from the database's
//! version table reaches stderr escaped, so it can neither send a terminal escape sequence
//! nor fake a line of output.

mod common;

use common::*;
use rusqlite::Connection;
use std::path::Path;

/// A name holding a line break and an escape sequence (red text), followed by a fake line.
const HOSTILE: &str = "evil\n\u{1b}[31mFAKE:all-good";

/// Checks that `stderr` shows `HOSTILE` escaped: no ESC byte, no line starting with the
/// fake text, and the visible escapes `\n` and `\x1b` present.
fn assert_escaped(stderr: &str) {
    assert!(!stderr.contains('\u{1b}'), "raw ESC in stderr:\n{stderr}");
    assert!(
        !stderr
            .lines()
            .any(|l| l.trim_start().starts_with("\u{1b}[31mFAKE")
                || l.trim_start().starts_with("[31mFAKE")
                || l.trim_start().starts_with("FAKE")),
        "a faked line in stderr:\n{stderr}"
    );
    assert!(
        flat(stderr).contains("evil\\n\\x1b[31mFAKE:all-good"),
        "the hostile text is not shown escaped:\n{stderr}"
    );
}

/// `stderr` as one line of words (miette wraps long lines at spaces).
fn flat(stderr: &str) -> String {
    stderr.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fresh project directory `name` made by `schemadiff init`.
fn project(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    ok_in(&dir, &["init"]);
    dir
}

/// Rewrites the project file's `dialect = ...` line to `dialect = <value as TOML string>`.
fn set_dialect(dir: &Path, value: &str) {
    let path = dir.join("schemadiff.toml");
    let text = read(&path);
    let toml_value = value.replace('\n', "\\n").replace('\u{1b}', "\\u001b");
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("dialect") {
                format!("dialect = \"{toml_value}\"")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
}

#[test]
fn unknown_dialect_from_the_project_file_is_escaped() {
    let dir = project("errors_dialect");
    set_dialect(&dir, HOSTILE);
    let r = run_in(&dir, &["heads"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unknown dialect"), "{}", r.stderr);
    assert_escaped(&r.stderr);
}

#[test]
fn revision_id_from_the_version_table_is_escaped() {
    let dir = project("errors_version_table");
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE t (id INTEGER);\n",
    )
    .unwrap();
    ok_in(&dir, &["generate", "-m", "first"]);
    ok_in(&dir, &["upgrade", "head"]);
    let conn = Connection::open(dir.join("app.db")).unwrap();
    conn.execute("UPDATE schemadiff_version SET version_num = ?1", [HOSTILE])
        .unwrap();
    drop(conn);
    let r = run_in(&dir, &["current"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("the database records revision"),
        "{}",
        r.stderr
    );
    assert_escaped(&r.stderr);
}

#[test]
fn relative_stamp_target_names_the_target_and_what_to_do() {
    let dir = project("errors_stamp");
    let r = run_in(&dir, &["stamp", "+1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let flat = r.flat_stderr();
    assert!(flat.contains("not the relative target `+1`"), "{flat}");
    assert!(flat.contains("schemadiff history"), "{flat}");
}

#[test]
fn a_misplaced_hint_comment_is_refused_by_schemadiff_not_by_the_engine() {
    let dir = temp_dir("errors_hint");
    let sql =
        "CREATE TABLE t (id INTEGER);\n-- schemadiff:renamed-from old\nCREATE INDEX i ON t (id);\n";
    std::fs::write(dir.join("s.sql"), sql).unwrap();
    let r = run_in(&dir, &["diff", "--from", "s.sql", "--to", "s.sql"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let flat = r.flat_stderr();
    assert!(flat.contains("schemadiff rejects this statement"), "{flat}");
    assert!(!flat.contains("SQLite"), "{flat}");
}

#[test]
fn an_unknown_hazard_kind_from_the_command_line_is_escaped() {
    let dir = temp_dir("errors_hazard");
    std::fs::write(dir.join("s.sql"), "CREATE TABLE t (id INTEGER);\n").unwrap();
    let r = run_in(
        &dir,
        &[
            "diff", "--from", "s.sql", "--to", "s.sql", "--allow", HOSTILE,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unknown hazard kind"), "{}", r.stderr);
    assert_escaped(&r.stderr);
}
