//! SQLite virtual tables and odd type names through the binary (issue 14, item 4): a project
//! whose `schemas/` holds FTS5, rtree and fts4 tables and multi-word column types generates,
//! upgrades and checks clean; a second generate finds nothing; the snapshot and `inspect`
//! print the virtual tables; `check` sees a virtual table changed by hand; a module SQLite
//! does not have is an error, in a live database and in a declared file.

mod common;

use common::*;
use rusqlite::Connection;
use std::path::Path;

const SCHEMA: &str = "\
CREATE TABLE docs (
  id INTEGER PRIMARY KEY,
  title NATIONAL VARYING CHARACTER(20) NOT NULL,
  body BLOB SUB_TYPE TEXT,
  size UNSIGNED BIG INT DEFAULT 0 CHECK (size >= 0),
  score DOUBLE  PRECISION,
  price decimal ( 10 , -2 )
);

CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');

CREATE VIRTUAL TABLE spots USING rtree(id, min_x, max_x);

CREATE VIRTUAL TABLE old_search USING fts4(body);

CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
";

fn project(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    ok_in(&dir, &["init"]);
    std::fs::write(dir.join("schemas/schema.sql"), SCHEMA).unwrap();
    dir
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn virtual_tables_and_odd_types_go_through_the_workflow() {
    let dir = project("vt-workflow");
    ok_in(&dir, &["generate", "-m", "init"]);
    ok_in(&dir, &["upgrade"]);
    let r = ok_in(&dir, &["check"]);
    assert!(r.stdout.contains("clean"), "{}", r.stdout);
    ok_in(&dir, &["verify"]);
    let migrations = files_under(&dir.join("migrations"));
    let r = run_in(&dir, &["generate", "-m", "again"]);
    assert_eq!(
        files_under(&dir.join("migrations")),
        migrations,
        "a second generate wrote a revision: {}{}",
        r.stdout,
        r.stderr
    );

    let snapshots = files_under(&dir.join("snapshots"));
    for f in ["docs_fts.sql", "spots.sql", "old_search.sql"] {
        assert!(snapshots.iter().any(|s| s == f), "{snapshots:?}");
    }
    let spots = read(&dir.join("snapshots/spots.sql"));
    assert_eq!(
        spots,
        "CREATE VIRTUAL TABLE spots USING rtree(id, min_x, max_x);\n"
    );

    let inspect = ok_in(&dir, &["inspect", "sqlite:///app.db"]).stdout;
    assert!(
        inspect.contains("CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');")
            && inspect.contains("title NATIONAL VARYING CHARACTER(20) NOT NULL")
            && inspect.contains("score DOUBLE PRECISION")
            && !inspect.contains("docs_fts_data"),
        "{inspect}"
    );

    // Someone re-creates a virtual table by hand with another tokenizer.
    Connection::open(dir.join("app.db"))
        .unwrap()
        .execute_batch(
            "DROP TABLE old_search; CREATE VIRTUAL TABLE old_search USING fts4(body, tokenize=porter);",
        )
        .unwrap();
    let r = run_in(&dir, &["check"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("[drift]") && r.stdout.contains("virtual table old_search"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_module_sqlite_does_not_have_is_an_error() {
    let dir = temp_dir("vt-unknown-module");
    let db = dir.join("app.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE t (a INTEGER);
         PRAGMA writable_schema = ON;
         INSERT INTO sqlite_schema VALUES ('table', 'words', 'words', 0, 'CREATE VIRTUAL TABLE words USING spellfix1');",
    )
    .unwrap();
    drop(conn);
    let err =
        schemadiff::introspect::sqlite::introspect(&Connection::open(&db).unwrap()).unwrap_err();
    assert!(
        matches!(&err, schemadiff::introspect::Error::Module { name, module, .. }
            if name == "words" && module == "spellfix1"),
        "{err:?}"
    );
    let r = run_in(&dir, &["inspect", "sqlite:///app.db"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.flat_stderr()
            .contains("virtual table words uses module spellfix1"),
        "{}",
        r.stderr
    );

    std::fs::write(
        dir.join("schema.sql"),
        "CREATE VIRTUAL TABLE words USING spellfix1;\n",
    )
    .unwrap();
    let r = run_in(&dir, &["inspect", "schema.sql"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.flat_stderr().contains("no such module: spellfix1 (the SQLite built into schemadiff has the modules fts3, fts4, fts5 and rtree"),
        "{}",
        r.stderr
    );
}

/// The `sqlite3` shell's `.schema` prints a virtual table's shadow tables too, as `CREATE
/// TABLE IF NOT EXISTS 'x_data'(…)`: declared next to their virtual table they are the
/// module's, and the dump declares the same schema as the database.
#[test]
fn a_shell_dump_with_shadow_tables_declares_the_database() {
    let dir = temp_dir("vt-shell-dump");
    let db = dir.join("app.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch(SCHEMA)
        .unwrap();
    let out = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg(".schema")
        .output()
        .expect("the sqlite3 shell is required by this test: apt-get install sqlite3");
    let dump = String::from_utf8(out.stdout).unwrap();
    assert!(
        dump.contains("CREATE TABLE IF NOT EXISTS 'docs_fts_data'"),
        "{dump}"
    );
    std::fs::write(dir.join("dump.sql"), &dump).unwrap();
    let r = ok_in(
        &dir,
        &[
            "diff",
            "--from",
            "sqlite:///app.db",
            "--to",
            "dump.sql",
            "--exit-code",
        ],
    );
    assert!(r.stdout.contains("-- No changes."), "{}", r.stdout);
}
