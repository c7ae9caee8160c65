//! Declared DDL big enough to be loaded in several chunks (see `declare_sqlite`) reads back
//! exactly like one database built from the same text, and duplicates across chunks are
//! still reported.

use rusqlite::Connection;
use schemadiff::declare::{declare_sqlite, SourceFile};
use schemadiff::introspect::sqlite::introspect;

/// A schema of `n` tables, each with a foreign key to the previous one, two indexes, a
/// trigger writing the next table, and a view over every tenth table.
fn ddl(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let parent = if i == 0 {
            String::new()
        } else {
            format!(
                ",\n  parent_id INTEGER REFERENCES t{} (id) ON DELETE CASCADE",
                i - 1
            )
        };
        out.push_str(&format!(
            "CREATE TABLE t{i} (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL COLLATE NOCASE,\n  price REAL DEFAULT 0 CHECK (price >= 0){parent}\n);\n\
             CREATE INDEX t{i}_name ON t{i} (name);\n\
             CREATE INDEX t{i}_lower ON t{i} (lower(name)) WHERE price > 0;\n\
             CREATE TRIGGER t{i}_touch AFTER INSERT ON t{i} BEGIN UPDATE t{} SET price = price WHERE id = new.id; END;\n",
            (i + 1) % n
        ));
        if i % 10 == 0 {
            out.push_str(&format!(
                "CREATE VIEW v{i} AS SELECT id, name FROM t{i} WHERE price > 0;\n"
            ));
        }
    }
    out
}

fn file(text: String) -> Vec<SourceFile> {
    vec![SourceFile {
        path: "big.sql".into(),
        text,
    }]
}

#[test]
fn chunked_declare_equals_one_database() {
    let text = ddl(400);
    let declared = declare_sqlite(&file(text.clone())).unwrap();
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(&format!("BEGIN;\n{text}\nCOMMIT;"))
        .unwrap();
    let live = introspect(&conn).unwrap();
    assert_eq!(declared.tables.len(), 400);
    assert_eq!(declared.triggers.len(), 400);
    assert_eq!(declared.views.len(), 40);
    assert_eq!(declared, live);
}

#[test]
fn duplicates_across_chunks_are_reported_at_the_second_statement() {
    let mut text = ddl(300);
    let line = text.lines().count() + 1;
    text.push_str("CREATE INDEX t7_name ON t200 (name);\n");
    let err = declare_sqlite(&file(text)).unwrap_err().to_string();
    assert!(err.contains(&format!("big.sql:{line}:1")), "{err}");
    assert!(err.contains("t7_name is already declared"), "{err}");
}
