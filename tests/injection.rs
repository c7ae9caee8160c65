//! Hostile text never leaves a comment line: names, enum labels and revision fields with
//! newlines, carriage returns, `\` (psql meta-commands) and `.` (sqlite3 dot-commands) are
//! applied with the engines' own shells, which must neither run the payload nor lose rows.
//! Revision files with a crafted id are refused, naming the file.

mod common;
mod pg;

use common::{run_in, sqlite3_shell, temp_dir, Run};
use pg::TestDb;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn victim_rows_sqlite(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT count(*) FROM victim", [], |r| r.get(0))
        .unwrap()
}

/// A live SQLite database with `victim` (3 rows) and a table named `hostile`.
fn sqlite_live(dir: &Path, hostile: &str) -> PathBuf {
    let db = dir.join("live.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE victim (x INTEGER); INSERT INTO victim VALUES (1), (2), (3);")
        .unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE {} (id INTEGER); INSERT INTO {0} VALUES (1);",
        common::q(hostile)
    ))
    .unwrap();
    db
}

/// `diff --from` the live database `--to` a declared schema without the hostile table,
/// applied with `sqlite3 -bail`: the script succeeds, drops the table, and nothing else
/// happens (the sentinel file stays absent, victim keeps its rows).
fn sqlite_drop_is_harmless(label: &str, payload: impl Fn(&Path) -> String) {
    let dir = temp_dir(&format!("injection_sqlite_{label}"));
    let sentinel = dir.join("sentinel");
    let hostile = payload(&sentinel);
    let db = sqlite_live(&dir, &hostile);
    std::fs::write(
        dir.join("declared.sql"),
        "CREATE TABLE victim (x INTEGER);\n",
    )
    .unwrap();
    let from = format!("sqlite:///{}", db.display());
    let r = run_in(&dir, &["diff", "--from", &from, "--to", "declared.sql"]);
    assert!(r.code <= 1, "diff failed: {}", r.stderr);
    let (ok, err) = sqlite3_shell(&db, &r.stdout);
    assert!(
        !sentinel.exists(),
        "the script ran a shell command:\n{}",
        r.stdout
    );
    assert_eq!(
        victim_rows_sqlite(&db),
        3,
        "victim lost rows:\n{}",
        r.stdout
    );
    assert!(ok, "sqlite3 -bail failed: {err}\n{}", r.stdout);
    let left: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = ?1",
            [&hostile],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "the hostile table was not dropped:\n{}", r.stdout);
}

#[test]
fn sqlite_table_name_with_a_statement_after_a_newline_does_not_run_it() {
    sqlite_drop_is_harmless("delete", |_| "y\nDELETE FROM victim;\n".into());
    sqlite_drop_is_harmless("delete_commented", |_| "y\nDELETE FROM victim;\n--".into());
}

#[test]
fn sqlite_table_name_with_a_dot_command_does_not_run_a_shell() {
    sqlite_drop_is_harmless("shell", |s| format!("\n.shell touch {}\n", s.display()));
    sqlite_drop_is_harmless("system", |s| {
        format!("z\n.system touch {}\n--", s.display())
    });
}

#[test]
fn a_source_path_with_a_dot_command_stays_in_the_header() {
    let dir = temp_dir("injection_path");
    // A file name holds no `/`: the shell command touches a file in the shell's directory.
    let touched = format!("sdi_path_{}", std::process::id());
    let sentinel = std::env::current_dir().unwrap().join(&touched);
    let name = format!("x\n.shell touch {touched}\n.db");
    let db = sqlite_live(&dir, "gone");
    std::fs::rename(&db, dir.join(&name)).unwrap();
    std::fs::write(
        dir.join("declared.sql"),
        "CREATE TABLE victim (x INTEGER);\n",
    )
    .unwrap();
    let from = format!("sqlite:///{name}");
    let r = run_in(&dir, &["diff", "--from", &from, "--to", "declared.sql"]);
    assert!(r.code <= 1, "diff failed: {}", r.stderr);
    let (ok, err) = sqlite3_shell(&dir.join(&name), &r.stdout);
    let ran = sentinel.exists();
    let _ = std::fs::remove_file(&sentinel);
    assert!(!ran, "the script ran a shell command:\n{}", r.stdout);
    assert!(ok, "{err}\n{}", r.stdout);
    assert!(
        r.stdout
            .starts_with("-- schemadiff: from sqlite:///x\\n.shell"),
        "{}",
        r.stdout
    );
}

/// Runs `diff --from <url> --to declared.sql --dev-url <server>` and applies the script
/// with psql to the `from` database; returns the script.
fn pg_diff_and_apply(dir: &Path, sentinel: &Path, db: &TestDb, declared: &str) -> String {
    std::fs::write(dir.join("declared.sql"), declared).unwrap();
    let r: Run = run_in(
        dir,
        &[
            "diff",
            "--from",
            &db.url(),
            "--to",
            "declared.sql",
            "--dev-url",
            &pg::server_url(),
        ],
    );
    assert!(r.code <= 1, "diff failed: {}", r.stderr);
    let script = dir.join("script.sql");
    std::fs::write(&script, &r.stdout).unwrap();
    let (ok, err) = pg::psql(&db.url(), &script);
    assert!(
        !sentinel.exists(),
        "the script ran a shell command:\n{}",
        r.stdout
    );
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM victim", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 3, "victim lost rows:\n{}", r.stdout);
    assert!(ok, "psql failed: {err}\n{}", r.stdout);
    r.stdout
}

/// A sentinel path short enough for a PostgreSQL name, absent at the start.
fn short_sentinel(label: &str) -> PathBuf {
    let path = PathBuf::from(format!("/tmp/sdi{}{label}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

const VICTIM: &str = "CREATE TABLE victim (x int); INSERT INTO victim VALUES (1), (2), (3);";

#[test]
fn postgres_table_names_with_psql_meta_commands_do_not_run_a_shell() {
    let dir = temp_dir("injection_pg_table");
    // Short: a PostgreSQL name holds at most 63 bytes.
    let sentinel = short_sentinel("table");
    let payloads = [
        format!("y\n\\! touch {}\n", sentinel.display()),
        format!("y\r\\! touch {}\r", sentinel.display()),
        "y\nDELETE FROM victim;\n".to_string(),
    ];
    for (i, hostile) in payloads.iter().enumerate() {
        let db = TestDb::create(&format!("inj_table{i}"));
        db.client()
            .batch_execute(&format!(
                "{VICTIM} CREATE TABLE \"{}\" (id int);",
                hostile.replace('"', "\"\"")
            ))
            .unwrap();
        pg_diff_and_apply(&dir, &sentinel, &db, "CREATE TABLE victim (x int);\n");
        let left: i64 = db
            .client()
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname = $1",
                &[hostile],
            )
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "the hostile table was not dropped");
    }
}

#[test]
fn postgres_enum_label_with_a_newline_payload_runs_nothing_before_begin() {
    let dir = temp_dir("injection_pg_enum");
    let sentinel = short_sentinel("enum");
    let db = TestDb::create("inj_enum");
    db.client()
        .batch_execute(&format!("{VICTIM} CREATE TYPE mood AS ENUM ('a');"))
        .unwrap();
    let label = format!("b\nDELETE FROM victim;\n\\! touch {}\n", sentinel.display());
    let declared = format!(
        "CREATE TABLE victim (x int);\nCREATE TYPE mood AS ENUM ('a', '{}');\n",
        label.replace('\'', "''")
    );
    let script = pg_diff_and_apply(&dir, &sentinel, &db, &declared);
    assert!(script.contains("ADD VALUE"), "{script}");
    let labels: Vec<String> = db
        .client()
        .query(
            "SELECT enumlabel::text FROM pg_enum ORDER BY enumsortorder",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(labels, ["a".to_string(), label]);
}

/// A SQLite project with one generated revision; returns its directory and the file.
fn sqlite_project(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    common::ok_in(&dir, &["init"]);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE victim (x INTEGER);\n",
    )
    .unwrap();
    common::ok_in(&dir, &["generate", "-m", "first"]);
    let file = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sql"))
        .unwrap();
    (dir, file)
}

/// Replaces the `-- id:` line of `file` with `line`.
fn replace_id_line(file: &Path, line: &str) {
    let text = common::read(file);
    let text: Vec<String> = text
        .split('\n')
        .map(|l| {
            if l.starts_with("-- id:") {
                line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(file, text.join("\n")).unwrap();
}

#[test]
fn a_crafted_revision_id_is_refused_naming_the_file() {
    let crafted = [
        "-- id: abc\r.shell touch sentinel",
        "-- id: a'); DELETE FROM victim; --",
        "-- id: abc\u{2028}x",
        "-- id: abc def",
    ];
    for (i, line) in crafted.iter().enumerate() {
        let (dir, file) = sqlite_project(&format!("injection_id_{i}"));
        replace_id_line(&file, line);
        for args in [&["upgrade", "--sql"][..], &["history"], &["upgrade"]] {
            let r = run_in(&dir, args);
            assert_eq!(r.code, 2, "{args:?} accepted {line:?}:\n{}", r.stdout);
            let name = file.file_name().unwrap().to_string_lossy();
            let err = r.flat_stderr();
            assert!(err.contains(&*name), "{args:?}: {err}");
            assert!(err.contains("revision id"), "{args:?}: {err}");
        }
        assert!(!dir.join("sentinel").exists());
    }
}

#[test]
fn a_crafted_parent_is_refused_naming_the_file() {
    let (dir, file) = sqlite_project("injection_parent");
    let text = common::read(&file).replace("-- parents:", "-- parents: ok x'y");
    std::fs::write(&file, text).unwrap();
    let r = run_in(&dir, &["upgrade", "--sql"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let err = r.flat_stderr();
    assert!(err.contains("x'y"), "{err}");
    assert!(
        err.contains(&*file.file_name().unwrap().to_string_lossy()),
        "{err}"
    );
}

#[test]
fn a_crafted_revision_message_stays_in_its_comment_in_upgrade_sql() {
    let (dir, file) = sqlite_project("injection_message");
    let sentinel = dir.join("sentinel");
    let text = common::read(&file).replace(
        "-- message: first",
        &format!(
            "-- message: first\r.shell touch {}\u{2028}\u{1b}[2J",
            sentinel.display()
        ),
    );
    std::fs::write(&file, text).unwrap();
    let script = common::ok_in(&dir, &["upgrade", "--sql"]).stdout;
    assert!(
        !script.contains('\r') && !script.contains('\u{2028}') && !script.contains('\u{1b}'),
        "{script:?}"
    );
    let db = dir.join("shell.db");
    let (ok, err) = sqlite3_shell(&db, &script);
    assert!(ok, "{err}");
    assert!(!sentinel.exists());
    let history = common::ok_in(&dir, &["history", "--verbose"]).stdout;
    assert!(!history.contains('\u{1b}'), "{history:?}");
}

#[test]
fn a_crafted_revision_message_does_not_run_psql_meta_commands_in_upgrade_sql() {
    let db = TestDb::create("inj_message");
    let dir = temp_dir("injection_pg_message");
    common::ok_in(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE victim (x int);\n",
    )
    .unwrap();
    common::ok_in(&dir, &["generate", "-m", "first"]);
    let file = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sql"))
        .unwrap();
    let sentinel = dir.join("sentinel");
    let text = common::read(&file).replace(
        "-- message: first",
        &format!("-- message: first\r\\! touch {}", sentinel.display()),
    );
    std::fs::write(&file, text).unwrap();
    let script = common::ok_in(&dir, &["upgrade", "--sql"]).stdout;
    let path = dir.join("up.sql");
    std::fs::write(&path, &script).unwrap();
    let (ok, err) = pg::psql(&db.url(), &path);
    assert!(ok, "{err}\n{script}");
    assert!(!sentinel.exists(), "{script:?}");
}

/// A SQLite database holding `victim` with 3 rows (outside the project's schema).
fn with_victim(db: &Path) {
    Connection::open(db)
        .unwrap()
        .execute_batch("CREATE TABLE victim (x INTEGER); INSERT INTO victim VALUES (1), (2), (3);")
        .unwrap();
}

#[test]
fn generated_revisions_keep_hostile_names_in_their_comments_and_sections() {
    let dir = temp_dir("injection_generate");
    let sentinel = dir.join("sentinel");
    let hostile = format!(
        "x\n-- migrate:down\nDELETE FROM victim;COMMIT;\n.shell touch {}\n-- schemadiff:foreign-keys-off\n",
        sentinel.display()
    );
    common::ok_in(&dir, &["init"]);
    let schema = format!("CREATE TABLE {} (id INTEGER);\n", common::q(&hostile));
    std::fs::write(dir.join("schemas/schema.sql"), schema).unwrap();
    common::ok_in(&dir, &["generate", "-m", "first"]);
    // The offline scripts through the shell, up and back down.
    let shell_db = dir.join("shell.db");
    with_victim(&shell_db);
    for args in [
        &["upgrade", "--sql"][..],
        &["downgrade", "--sql", "head:base"],
    ] {
        let script = common::ok_in(&dir, args).stdout;
        // Creating a table needs no foreign keys off (dropping one does): the name holding
        // the directive line does not ask for it.
        let fk_off = script.contains("PRAGMA foreign_keys = OFF");
        assert_eq!(fk_off, args[0] == "downgrade", "{script}");
        let (ok, err) = sqlite3_shell(&shell_db, &script);
        assert!(ok, "{args:?}: {err}\n{script}");
        assert!(!sentinel.exists(), "{script}");
        assert_eq!(victim_rows_sqlite(&shell_db), 3, "{script}");
    }
    // The runner, up and back down.
    with_victim(&dir.join("app.db"));
    common::ok_in(&dir, &["upgrade"]);
    let tables = |db: &Path| -> i64 {
        Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = ?1",
                [&hostile],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(tables(&dir.join("app.db")), 1);
    common::ok_in(&dir, &["downgrade", "base"]);
    assert_eq!(tables(&dir.join("app.db")), 0);
    assert_eq!(victim_rows_sqlite(&dir.join("app.db")), 3);
    assert!(!sentinel.exists());
}
