//! End-to-end tests of the binary: error fixtures under `fixtures/errors/` (exit 2, the
//! message, no panic, nothing written) and a few successful runs with snapshotted output.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorCase {
    description: String,
    args: Vec<String>,
    stderr: Vec<String>,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn schemadiff(args: &[String]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn flatten(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.display().to_string(),
                std::fs::read(&p).unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn error_fixtures_exit_2_with_a_clear_message_and_write_nothing() {
    let mut failures = Vec::new();
    for dir in cases("errors") {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let case: ErrorCase = toml::from_str(&read(&dir.join("case.toml"))).unwrap();
        assert!(!case.description.is_empty());
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| a.replace("{dir}", &dir.display().to_string()))
            .collect();
        let files_before = listing(&dir);
        let run = schemadiff(&args);
        let mut problems = Vec::new();
        if run.code != 2 {
            problems.push(format!("exit code {} (expected 2)", run.code));
        }
        if run.stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        if !run.stdout.is_empty() {
            problems.push(format!("wrote to stdout: {}", run.stdout));
        }
        // miette wraps long lines; compare with the wrapping taken out.
        let flat = flatten(&run.stderr);
        for needle in &case.stderr {
            if !flat.contains(&flatten(needle)) {
                problems.push(format!("stderr lacks `{needle}`"));
            }
        }
        if listing(&dir) != files_before {
            problems.push("files in the case directory changed".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {}\n--- stderr ---\n{}",
                problems.join("; "),
                run.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn diff_prints_a_rebuild_and_exit_code_reports_changes() {
    let dir = root().join("fixtures/sqlite/parent_rebuild_keeps_cascade_children");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "diff".to_string(),
            "--from".into(),
            dir.join("before.sql").display().to_string(),
            "--to".into(),
            dir.join("after.sql").display().to_string(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = schemadiff(&args(&[]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("PRAGMA foreign_keys = OFF;\n\nBEGIN;"));
    assert!(run
        .stdout
        .contains("ALTER TABLE schemadiff_new_authors RENAME TO authors;"));
    assert_eq!(schemadiff(&args(&["--exit-code"])).code, 1);
    let json = schemadiff(&args(&["--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["rebuilds"], serde_json::json!(["authors"]));
    assert_eq!(v["foreign_keys_off"], true);

    let same = dir.join("before.sql").display().to_string();
    let clean = schemadiff(&[
        "diff".into(),
        "--from".into(),
        same.clone(),
        "--to".into(),
        same,
        "--exit-code".into(),
    ]);
    assert_eq!(clean.code, 0);
    assert!(clean.stdout.contains("No changes."));
}

#[test]
fn inspect_reads_a_live_database_and_declared_ddl_the_same_way() {
    let tmp = temp_dir("cli-inspect");
    let ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;\nCREATE INDEX t_v ON t (v DESC) WHERE v IS NOT NULL;\n";
    std::fs::write(tmp.join("schema.sql"), ddl).unwrap();
    let conn = rusqlite::Connection::open(tmp.join("app.db")).unwrap();
    conn.execute_batch(ddl).unwrap();
    drop(conn);
    let from_file = schemadiff(&[
        "inspect".into(),
        tmp.join("schema.sql").display().to_string(),
    ]);
    let url = format!("sqlite:///{}", tmp.join("app.db").display());
    let from_db = schemadiff(&["inspect".into(), url.clone()]);
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(from_db.code, 0, "{}", from_db.stderr);
    assert_eq!(from_file.stdout, from_db.stdout);
    snapshot_settings("cli")
        .bind(|| insta::assert_snapshot!("inspect_strict_without_rowid", from_db.stdout));
    let json = schemadiff(&["inspect".into(), url, "--format".into(), "json".into()]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["tables"]["t"]["strict"], true);
    assert_eq!(v["tables"]["t"]["without_rowid"], true);
}

#[test]
fn diff_from_an_empty_database_creates_in_dependency_order() {
    // A relative path (the binary runs in the repository root) keeps the snapshot portable.
    let after = "fixtures/sqlite/add_two_tables_with_fk/after.sql";
    let run = schemadiff(&[
        "diff".into(),
        "--from".into(),
        "sqlite:///:memory:".into(),
        "--to".into(),
        after.into(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    snapshot_settings("cli").bind(|| insta::assert_snapshot!("diff_from_memory", run.stdout));
}

#[test]
fn strict_fails_on_blocking_hazards_and_names_the_way_forward() {
    let case = |name: &str, extra: &[&str]| {
        let dir = format!("fixtures/sqlite/{name}");
        let mut args: Vec<String> = [
            "diff",
            "--from",
            &format!("{dir}/before.sql"),
            "--to",
            &format!("{dir}/after.sql"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        schemadiff(&args)
    };
    // An unhinted likely rename: blocked, and the message names the flag to pass.
    let run = case("likely_rename_column_unhinted", &["--strict"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("-- hazard[likely-rename]:"),
        "the script is still printed"
    );
    assert!(
        flatten(&run.stderr).contains("pass --rename users.name=full_name"),
        "{}",
        run.stderr
    );
    // With the hint, the rename keeps the data and nothing blocks.
    let hinted = case(
        "likely_rename_column_unhinted",
        &["--strict", "--rename", "users.name=full_name"],
    );
    assert_eq!(hinted.code, 0, "{}", hinted.stderr);
    assert!(hinted.stdout.contains("RENAME COLUMN name TO full_name"));
    // deletes-data blocks until allowed; informational kinds never block.
    assert_eq!(case("drop_column", &["--strict"]).code, 1);
    assert_eq!(
        case("drop_column", &["--strict", "--allow", "deletes-data"]).code,
        0
    );
    assert_eq!(
        case("default_changed", &["--strict"]).code,
        0,
        "rewrites-table is informational"
    );
    assert_eq!(
        case("drop_column", &[]).code,
        0,
        "without --strict hazards do not change the exit code"
    );
    // JSON carries the hazards per step.
    let json = case("drop_table", &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let hazards: Vec<&serde_json::Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["hazards"].as_array().unwrap())
        .collect();
    assert_eq!(hazards[0]["code"], "deletes-data");
    assert_eq!(hazards[0]["blocking"], true);
}

#[test]
fn renamed_from_comments_apply_once_and_then_stay_quiet() {
    let tmp = temp_dir("cli-renamed-from");
    let case = root().join("fixtures/sqlite/rename_via_ddl_comments");
    let db = tmp.join("app.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&read(&case.join("before.sql"))).unwrap();
    conn.execute_batch("INSERT INTO users (id, name, mail) VALUES (1, 'ann', 'a@x.io')")
        .unwrap();
    drop(conn);
    let url = format!("sqlite:///{}", db.display());
    let after = case.join("after.sql").display().to_string();
    let diff = |extra: &[&str]| {
        let mut args = vec![
            "diff".to_string(),
            "--from".into(),
            url.clone(),
            "--to".into(),
            after.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        schemadiff(&args)
    };
    let up = diff(&["--strict"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(up
        .stdout
        .contains("ALTER TABLE accounts RENAME COLUMN name TO full_name;"));
    let (ok, err) = sqlite3_shell(&db, &up.stdout);
    assert!(ok, "{err}");
    let again = diff(&["--exit-code"]);
    assert_eq!(
        again.code, 0,
        "the hints no longer apply and are skipped: {}",
        again.stderr
    );
    assert!(again.stdout.contains("No changes."));
    let name: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT full_name FROM accounts WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(name, "ann");
}

#[test]
fn a_reviewer_fills_the_marked_backfill_and_the_rows_survive() {
    let tmp = temp_dir("cli-backfill");
    let case = root().join("fixtures/sqlite/not_null_column_added_needs_backfill");
    let db = tmp.join("app.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&read(&case.join("before.sql"))).unwrap();
    conn.execute_batch("INSERT INTO users (id, email) VALUES (1, 'a@x.io'), (2, 'b@x.io')")
        .unwrap();
    drop(conn);
    let run = schemadiff(&[
        "diff".into(),
        "--from".into(),
        format!("sqlite:///{}", db.display()),
        "--to".into(),
        case.join("after.sql").display().to_string(),
    ]);
    let marked =
        "NULL /* schemadiff:backfill users.nickname: write its value for existing rows here */";
    assert!(run.stdout.contains(marked), "{}", run.stdout);
    let edited = run
        .stdout
        .replace(marked, "substr(email, 1, instr(email, '@') - 1)");
    let (ok, err) = sqlite3_shell(&db, &edited);
    assert!(ok, "{err}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let nick: String = conn
        .query_row("SELECT nickname FROM users WHERE id = 2", [], |r| r.get(0))
        .unwrap();
    assert_eq!(nick, "b");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}
