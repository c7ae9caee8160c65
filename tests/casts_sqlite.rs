//! The SQLite cast table on a real database: for each entry, a table holding a value the
//! rebuild's copy would rewrite (lossy), refuse (STRICT: may fail) or keep (safe); the plan
//! must carry the hazard naming the column and both types (none for safe entries); the
//! script applied with `sqlite3 -bail` must change the value as read back in the old
//! affinity (lossy), stop with the value intact (may fail), or keep it (safe).

mod common;

use common::{sqlite3_shell, temp_dir};
use rusqlite::Connection;
use schemadiff::diff::Renames;
use schemadiff::introspect::sqlite::introspect;
use schemadiff::plan::sqlite::plan_schemas as plan_sqlite;
use schemadiff::plan::sqlite::Caps;
use schemadiff::plan::HazardKind;
use schemadiff::render::sqlite::render_script;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Safe,
    Lossy,
    Fails,
}
use Expect::*;

/// `(from, to, STRICT, value, what the copy does to it)`; `STRICT` applies to both sides.
const TABLE: &[(&str, &str, bool, &str, Expect)] = &[
    ("TEXT", "INTEGER", false, "'007'", Lossy),
    ("TEXT", "INTEGER", false, "'12345678901234567890'", Lossy),
    ("TEXT", "NUMERIC", false, "'1e3'", Lossy),
    ("TEXT", "REAL", false, "'007'", Lossy),
    ("TEXT", "BLOB", false, "'007'", Safe),
    ("TEXT", "", false, "'007'", Safe),
    ("VARCHAR(10)", "TEXT", false, "'007'", Safe),
    ("INTEGER", "REAL", false, "9007199254740993", Lossy),
    ("INTEGER", "TEXT", false, "0.30000000000000004", Lossy),
    ("INTEGER", "NUMERIC", false, "'abc'", Safe),
    ("INTEGER", "BIGINT", false, "9007199254740993", Safe),
    ("REAL", "TEXT", false, "0.30000000000000004", Lossy),
    ("REAL", "INTEGER", false, "1.5", Safe),
    ("REAL", "NUMERIC", false, "0.30000000000000004", Safe),
    ("NUMERIC", "TEXT", false, "0.30000000000000004", Lossy),
    ("NUMERIC", "INTEGER", false, "12", Safe),
    ("", "INTEGER", false, "'007'", Lossy),
    ("", "TEXT", false, "0.30000000000000004", Lossy),
    ("BLOB", "REAL", false, "'007'", Lossy),
    ("INTEGER", "BLOB", false, "0.30000000000000004", Safe),
    ("INTEGER", "TEXT", true, "9007199254740993", Safe),
    ("TEXT", "INTEGER", true, "'007'", Lossy),
    ("REAL", "TEXT", true, "0.30000000000000004", Lossy),
    ("TEXT", "ANY", true, "'007'", Safe),
    ("TEXT", "INTEGER", true, "'abc'", Fails),
    ("TEXT", "REAL", true, "'x'", Fails),
];

#[test]
fn every_cast_table_entry_holds_on_a_real_database() {
    let dir = temp_dir("casts_sqlite");
    let mut wrong = Vec::new();
    for (i, (from, to, strict, value, expect)) in TABLE.iter().enumerate() {
        let db = dir.join(format!("t{i}.db"));
        let _ = std::fs::remove_file(&db);
        let conn = Connection::open(&db).unwrap();
        let ddl = |ty: &str| {
            let options = if *strict { " STRICT" } else { "" };
            format!("CREATE TABLE t (id INTEGER PRIMARY KEY, v {ty}){options}")
        };
        conn.execute_batch(&format!("{}; INSERT INTO t VALUES (1, {value})", ddl(from)))
            .unwrap();
        // Read back as the storage class the value had (a rewrite shows as another literal).
        let class: String = conn
            .query_row("SELECT typeof(v) FROM t", [], |r| r.get(0))
            .unwrap();
        let back = match class.as_str() {
            "integer" | "real" | "text" => format!("quote(CAST(v AS {class}))"),
            _ => "quote(v)".to_string(),
        };
        let read = |c: &Connection| -> String {
            c.query_row(&format!("SELECT {back} FROM t"), [], |r| r.get(0))
                .unwrap()
        };
        let original = read(&conn);
        let before = introspect(&conn).unwrap();
        let target = Connection::open_in_memory().unwrap();
        target.execute_batch(&ddl(to)).unwrap();
        let after = introspect(&target).unwrap();
        let plan = plan_sqlite(&before, &after, &Renames::default(), Caps::bundled());
        let (from_shown, to_shown) = (
            if from.is_empty() { "(none)" } else { from },
            if to.is_empty() { "(none)" } else { to },
        );
        let named = |kind: HazardKind| {
            plan.hazards().any(|h| {
                h.kind == kind
                    && h.detail.contains("t.v")
                    && h.detail
                        .contains(&format!("from {from_shown} to {to_shown}"))
            })
        };
        let lossy = named(HazardKind::Irreversible);
        let fails = plan
            .hazards()
            .any(|h| h.kind == HazardKind::MayFailOnExistingRows && h.detail.contains("t.v"));
        drop(conn);
        let (applied, stderr) = sqlite3_shell(&db, &render_script(&plan, "cast"));
        let now = read(&Connection::open(&db).unwrap());
        let entry = format!("{from} -> {to} strict {strict} ({value})");
        let ok = match expect {
            Safe => !lossy && !fails && applied && now == original,
            Lossy => lossy && applied && now != original,
            Fails => fails && !applied && now == original,
        };
        if !ok {
            wrong.push(format!(
                "{entry}: {expect:?} expected; irreversible {lossy}, may-fail {fails}, applied {applied} {stderr}, {original} -> {now}"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        wrong.is_empty(),
        "{} entries wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
