//! The README quick start is real: the command it shows prints a rebuild, and that script,
//! applied by the `sqlite3` shell to a database at `schemas/v1` with rows in it, leaves the
//! database at exactly `schemas/v2` with every row kept.

mod common;

use common::*;
use rusqlite::Connection;
use schemadiff::declare::{declare_sqlite, load_sqlite, read_sources};
use schemadiff::introspect::sqlite::introspect;
use std::process::Command;

#[test]
fn readme_quick_start_diff_applies_and_keeps_rows() {
    let readme = read(&root().join("README.md"));
    let command = "cargo run -q -- diff --from schemas/v1 --to schemas/v2";
    assert!(
        readme.contains(command),
        "README no longer shows `{command}`"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(["diff", "--from", "schemas/v1", "--to", "schemas/v2"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("ALTER TABLE schemadiff_new_posts RENAME TO posts;"));
    snapshot_settings("cli").bind(|| insta::assert_snapshot!("quickstart_v1_to_v2", script));

    let tmp = temp_dir("quickstart");
    let db = tmp.join("app.db");
    let conn = Connection::open(&db).unwrap();
    load_sqlite(&conn, &read_sources(&root().join("schemas/v1")).unwrap()).unwrap();
    conn.execute_batch(
        "INSERT INTO authors (id, email, name) VALUES (1, 'ursula@example.org', 'Ursula');
         INSERT INTO posts (id, author_id, title, status) VALUES (1, 1, 'Hello', NULL), (2, 1, 'Again', 'published');
         INSERT INTO comments (id, post_id, body) VALUES (1, 1, 'first'), (2, 2, 'second');",
    )
    .unwrap();
    drop(conn);
    let (ok, stderr) = sqlite3_shell(&db, &script);
    assert!(ok, "sqlite3 -bail failed: {stderr}");

    let conn = Connection::open(&db).unwrap();
    let v2 = declare_sqlite(&read_sources(&root().join("schemas/v2")).unwrap()).unwrap();
    assert_eq!(introspect(&conn).unwrap(), v2);
    let count = |t: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        (count("authors"), count("posts"), count("comments")),
        (1, 2, 2)
    );
    let status: String = conn
        .query_row("SELECT status FROM posts WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        status, "draft",
        "NULL status backfilled with the new default"
    );
}
