//! Cross-checks what was parsed from stored `CREATE` text against the pragmas that report
//! the same facts: `pragma_foreign_key_list` (foreign keys) and `pragma_index_xinfo` (index
//! keys). A disagreement means the text was misread; it is an error, never a silent guess.

use super::super::Error;
use crate::model::{FkAction, Schema};
use crate::sqltext::quote_ident;
use rusqlite::Connection;
use std::collections::BTreeMap;

type FkFacts = (Vec<String>, String, Vec<String>, FkAction, FkAction);

/// Fails when the foreign keys or index keys in `schema` disagree with the pragmas.
pub fn verify(conn: &Connection, schema: &Schema) -> Result<(), Error> {
    verify_foreign_keys(conn, schema)?;
    verify_indexes(conn, schema)
}

fn verify_foreign_keys(conn: &Connection, schema: &Schema) -> Result<(), Error> {
    let mut stmt = conn.prepare(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
         FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f \
         WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
    )?;
    let mut pragma: BTreeMap<String, BTreeMap<i64, FkFacts>> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let table: String = r.get(0)?;
        let fk = pragma
            .entry(table)
            .or_default()
            .entry(r.get(1)?)
            .or_insert_with(|| {
                let parent: String = r.get(2).unwrap_or_default();
                let update = action(&r.get::<_, String>(5).unwrap_or_default());
                let delete = action(&r.get::<_, String>(6).unwrap_or_default());
                (Vec::new(), parent, Vec::new(), delete, update)
            });
        fk.0.push(r.get(3)?);
        if let Some(to) = r.get::<_, Option<String>>(4)? {
            fk.2.push(to);
        }
    }
    for table in schema.tables.values() {
        let mut parsed: Vec<FkFacts> = table
            .foreign_keys
            .iter()
            .map(|f| {
                (
                    f.columns.clone(),
                    f.ref_table.clone(),
                    f.ref_columns.clone(),
                    f.on_delete,
                    f.on_update,
                )
            })
            .collect();
        let mut reported: Vec<FkFacts> = pragma
            .remove(&table.name)
            .unwrap_or_default()
            .into_values()
            .collect();
        parsed.sort();
        reported.sort();
        if parsed != reported {
            return Err(mismatch(
                "table",
                &table.name,
                "foreign keys",
                &parsed,
                &reported,
            ));
        }
    }
    Ok(())
}

fn action(text: &str) -> FkAction {
    match text {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "RESTRICT" => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

/// Index keys as `(column name or None for an expression, descending)`.
type KeyFacts = Vec<(Option<String>, bool)>;

fn verify_indexes(conn: &Connection, schema: &Schema) -> Result<(), Error> {
    let mut stmt = conn.prepare(
        "SELECT il.name, x.name, x.\"desc\" \
         FROM sqlite_schema AS m, pragma_index_list(m.name) AS il, pragma_index_xinfo(il.name) AS x \
         WHERE m.type = 'table' AND il.origin = 'c' AND x.key = 1 ORDER BY il.name, x.seqno",
    )?;
    let mut pragma: BTreeMap<String, KeyFacts> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let index: String = r.get(0)?;
        pragma
            .entry(index)
            .or_default()
            .push((r.get(1)?, r.get(2)?));
    }
    for index in schema.tables.values().flat_map(|t| t.indexes.values()) {
        let reported = pragma.remove(&index.name).unwrap_or_default();
        let agrees = reported.len() == index.columns.len()
            && reported
                .iter()
                .zip(&index.columns)
                .all(|((name, desc), part)| {
                    *desc == part.desc && name.as_ref().is_none_or(|n| quote_ident(n) == part.expr)
                });
        if !agrees {
            let parsed: KeyFacts = index
                .columns
                .iter()
                .map(|p| (Some(p.expr.clone()), p.desc))
                .collect();
            return Err(mismatch("index", &index.name, "keys", &parsed, &reported));
        }
    }
    Ok(())
}

fn mismatch<T: std::fmt::Debug>(
    kind: &'static str,
    name: &str,
    what: &str,
    parsed: &T,
    reported: &T,
) -> Error {
    Error::Unreadable {
        kind,
        name: name.to_string(),
        message: format!(
            "{what} read from the CREATE text {parsed:?} disagree with the pragma {reported:?}"
        ),
        sql: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misread_foreign_key_or_index_is_an_error() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) ON DELETE CASCADE);
             CREATE INDEX c_pid ON c (pid DESC);",
        )
        .unwrap();
        let good = super::super::introspect(&conn).unwrap();
        assert!(verify(&conn, &good).is_ok());

        let mut bad = good.clone();
        bad.tables.get_mut("c").unwrap().foreign_keys[0].on_delete = FkAction::NoAction;
        assert!(verify(&conn, &bad).is_err());

        let mut bad = good;
        let index = bad
            .tables
            .get_mut("c")
            .unwrap()
            .indexes
            .get_mut("c_pid")
            .unwrap();
        index.columns[0].desc = false;
        assert!(verify(&conn, &bad).is_err());
    }
}
