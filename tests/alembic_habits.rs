//! Alembic's habits and the truth at the edges (issue 17, items 3 and 4), end to end on
//! SQLite through the binary: every fix a message suggests is run as printed.

mod common;

use common::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

/// A project whose schemas/ holds `schemas/v1` of this repository.
fn project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    ok(&dir, &["init"]);
    std::fs::remove_file(dir.join("schemas/schema.sql")).unwrap();
    set_schema(&dir, "v1");
    dir
}

fn set_schema(dir: &Path, version: &str) {
    for entry in std::fs::read_dir(root().join("schemas").join(version)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join("schemas").join(p.file_name().unwrap())).unwrap();
    }
}

fn revisions(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The revision file whose message is `message`.
fn rev_file(dir: &Path, message: &str) -> PathBuf {
    revisions(dir)
        .into_iter()
        .find(|p| {
            read(p)
                .lines()
                .any(|l| l == format!("-- message: {message}"))
        })
        .unwrap_or_else(|| panic!("no revision with message {message}"))
}

fn id_of(path: &Path) -> String {
    read(path)
        .lines()
        .find_map(|l| l.strip_prefix("-- id: "))
        .unwrap()
        .to_string()
}

fn heads(dir: &Path) -> Vec<String> {
    common::sqlite_strings(&dir.join("app.db"), common::HEADS_SQL)
}

/// The first `` `schemadiff …` `` command in `text`, split as a shell would split it
/// (double quotes group words), without the leading `schemadiff`.
fn suggested(text: &str) -> Vec<String> {
    let start = text
        .find("`schemadiff ")
        .unwrap_or_else(|| panic!("no suggested command in:\n{text}"));
    let rest = &text[start + "`schemadiff ".len()..];
    let command = &rest[..rest.find('`').expect("closing backtick")];
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Runs the command `text` suggests; it must succeed.
fn run_suggested(dir: &Path, text: &str) -> Run {
    let words = suggested(text);
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    ok(dir, &args)
}

#[test]
fn check_and_verify_report_an_edited_applied_revision_as_upgrade_does() {
    let dir = project("ah-edited");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
    let path = rev_file(&dir, "v1");
    let id = id_of(&path);
    std::fs::write(&path, read(&path) + "\n-- an edit after it was applied\n").unwrap();

    // upgrade's refusal, the words check and verify must use.
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let refused = sd(&dir, &["upgrade"]);
    assert_eq!(refused.code, 2);
    let words = format!("revision {id} was applied with checksum");
    assert!(refused.stderr.contains(&words), "{}", refused.stderr);

    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("[edited-revision]") && r.stdout.contains(&words),
        "{}",
        r.stdout
    );
    let json = sd(&dir, &["check", "--format", "json"]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"edited-revision"), "{kinds:?}");

    let verify = sd(&dir, &["verify"]);
    assert_eq!(verify.code, 1, "{}\n{}", verify.stdout, verify.stderr);
    assert!(
        verify.stdout.contains("FAILED") && verify.stdout.contains(&words),
        "{}",
        verify.stdout
    );

    // The fix check prints works as printed.
    let fix = r
        .stdout
        .lines()
        .find(|l| l.contains("--accept-edited"))
        .unwrap();
    run_suggested(&dir, fix);
    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(ok(&dir, &["verify"]).stdout.contains("verify: ok"));
}

#[test]
fn verify_without_a_database_says_it_did_not_compare_applied_revisions() {
    let dir = project("ah-verify-nodb");
    ok(&dir, &["generate", "-m", "v1"]);
    let r = ok(&dir, &["verify"]);
    assert!(
        r.stdout.contains("verify: ok (1 revision(s)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("was not read") && r.stderr.contains("app.db does not exist"),
        "{}",
        r.stderr
    );
    assert!(!dir.join("app.db").exists(), "verify never creates it");
    ok(&dir, &["upgrade"]);
    let r = ok(&dir, &["verify"]);
    assert!(!r.stderr.contains("was not read"), "{}", r.stderr);
    let _ = Connection::open(dir.join("app.db")).unwrap();
    assert_eq!(heads(&dir).len(), 1);
}
