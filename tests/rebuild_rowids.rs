//! A SQLite rebuild keeps every rowid, applied by `sqlite3 -bail` and by `upgrade` (the
//! in-process runner): rows with gaps and out-of-order rowids keep them when the table has
//! a column named `rowid` (the copy names them `_rowid_`) and when its key is
//! `INTEGER PRIMARY KEY DESC` (not a rowid alias:
//! <https://www.sqlite.org/lang_createtable.html#rowid>). With all three names shadowed the
//! rebuild says it renumbers them.

mod common;

use common::{ok_in, sqlite3_shell, temp_dir};
use rusqlite::Connection;
use schemadiff::diff::Renames;
use schemadiff::introspect::sqlite::introspect;
use schemadiff::plan::sqlite::plan_schemas as plan_sqlite;
use schemadiff::plan::sqlite::Caps;
use schemadiff::plan::HazardKind;
use schemadiff::render::sqlite::render_script;
use std::path::Path;

/// `(table before, table after, rows inserted with explicit rowids)`.
const CASES: &[(&str, &str, &str)] = &[
    (
        "CREATE TABLE t (\"rowid\" TEXT, v TEXT)",
        "CREATE TABLE t (\"rowid\" TEXT, v TEXT NOT NULL DEFAULT 'x')",
        "INSERT INTO t (_rowid_, \"rowid\", v) VALUES (7, 'a', 'p'), (3, 'b', 'q'), (100, 'c', NULL)",
    ),
    (
        "CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT)",
        "CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v TEXT NOT NULL DEFAULT 'x')",
        "INSERT INTO t (rowid, id, v) VALUES (7, 1, 'p'), (3, 2, 'q'), (100, 3, NULL)",
    ),
];

fn rowids(db: &Path) -> Vec<(i64, String)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT _rowid_, quote(v) FROM t ORDER BY _rowid_")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn schema(ddl: &str) -> schemadiff::model::Schema {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(ddl).unwrap();
    introspect(&conn).unwrap()
}

#[test]
fn a_rebuild_applied_by_sqlite3_keeps_rowids() {
    let dir = temp_dir("rowids_shell");
    for (i, (before, after, rows)) in CASES.iter().enumerate() {
        let db = dir.join(format!("c{i}.db"));
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(&format!("{before}; {rows}")).unwrap();
        let from = introspect(&conn).unwrap();
        drop(conn);
        let kept = rowids(&db);
        let to = schema(after);
        let plan = plan_sqlite(&from, &to, &Renames::default(), Caps::bundled());
        assert_eq!(plan.rebuilt_tables(), ["t"], "case {i}");
        let (ok, stderr) = sqlite3_shell(&db, &render_script(&plan, "rowids"));
        assert!(ok, "case {i}: {stderr}");
        let now = rowids(&db);
        let ids: Vec<i64> = now.iter().map(|(r, _)| *r).collect();
        assert_eq!(
            ids,
            kept.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            "case {i}"
        );
        assert_eq!(ids, [3, 7, 100], "case {i}");
        // The new table is what was declared (DESC kept), so the re-diff is empty.
        let live = introspect(&Connection::open(&db).unwrap()).unwrap();
        assert_eq!(live, to, "case {i}");
    }
}

#[test]
fn a_rebuild_applied_by_upgrade_keeps_rowids() {
    for (i, (before, after, rows)) in CASES.iter().enumerate() {
        let dir = temp_dir(&format!("rowids_upgrade_{i}"));
        ok_in(&dir, &["init"]);
        std::fs::write(dir.join("schemas/schema.sql"), format!("{before};\n")).unwrap();
        ok_in(&dir, &["generate", "-m", "v1"]);
        ok_in(&dir, &["upgrade", "head"]);
        let db = dir.join("app.db");
        Connection::open(&db).unwrap().execute_batch(rows).unwrap();
        std::fs::write(dir.join("schemas/schema.sql"), format!("{after};\n")).unwrap();
        ok_in(&dir, &["generate", "-m", "v2"]);
        ok_in(&dir, &["upgrade", "head"]);
        let ids: Vec<i64> = rowids(&db).into_iter().map(|(r, _)| r).collect();
        assert_eq!(ids, [3, 7, 100], "case {i}");
    }
}

#[test]
fn a_rebuild_that_cannot_name_rowids_says_it_renumbers_them() {
    let cols = "\"rowid\" TEXT, \"_ROWID_\" TEXT, oid TEXT";
    let from = schema(&format!("CREATE TABLE t ({cols}, v TEXT)"));
    let to = schema(&format!(
        "CREATE TABLE t ({cols}, v TEXT NOT NULL DEFAULT 'x')"
    ));
    let plan = plan_sqlite(&from, &to, &Renames::default(), Caps::bundled());
    let renumbered = plan.hazards().any(|h| {
        h.kind == HazardKind::Irreversible && h.detail.contains("rowids, so they are renumbered")
    });
    assert!(renumbered, "{:?}", plan.hazards().collect::<Vec<_>>());
    // One name free: no such hazard.
    let from = schema("CREATE TABLE t (\"rowid\" TEXT, oid TEXT, v TEXT)");
    let to = schema("CREATE TABLE t (\"rowid\" TEXT, oid TEXT, v TEXT NOT NULL DEFAULT 'x')");
    let plan = plan_sqlite(&from, &to, &Renames::default(), Caps::bundled());
    assert!(plan.hazards().all(|h| h.kind != HazardKind::Irreversible));
}
