//! Nothing silent about what a table inherits: a partition's or inheritance child's columns
//! are its parent's in the model, so a default or `NOT NULL` the table sets on one of them
//! by itself (`ALTER TABLE partition ALTER COLUMN … SET DEFAULT`) is not managed; it is
//! listed in [`Schema::unmanaged`] instead of passing unseen.

use crate::model::{Column, Schema, Table};

/// The column `name` as the nearest ancestor of `table` that has it as its own declares it.
fn declared<'a>(schema: &'a Schema, table: &Table, name: &str) -> Option<&'a Column> {
    let mut queue: Vec<String> = parents(table);
    let mut seen = Vec::new();
    while let Some(key) = queue.pop() {
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        let Some(parent) = schema.tables.get(&key) else {
            continue;
        };
        if let Some(c) = parent.column(name) {
            return Some(c);
        }
        queue.extend(parents(parent));
    }
    None
}

fn parents(t: &Table) -> Vec<String> {
    (t.partition_of.iter().map(|p| p.parent.key()))
        .chain(t.inherits.iter().map(|p| p.key()))
        .collect()
}

/// Lists each inherited column of `columns` (table key, column as the table has it) whose
/// default or `NOT NULL` differs from its parent's. `NOT NULL` on a column of the table's
/// own primary key is the key's doing, not a difference.
pub fn report(columns: &[(String, Column)], schema: &mut Schema) {
    let mut found = Vec::new();
    for (key, col) in columns {
        let Some(table) = schema.tables.get(key) else {
            continue;
        };
        let Some(parent) = declared(schema, table, &col.name) else {
            continue;
        };
        let in_key = (table.primary_key.iter()).any(|pk| pk.columns.contains(&col.name));
        let mut what = Vec::new();
        if col.default != parent.default {
            what.push("default");
        }
        if col.not_null != parent.not_null && !(col.not_null && in_key) {
            what.push("NOT NULL");
        }
        if !what.is_empty() {
            found.push((
                format!("inherited column {key}.{}", col.name),
                format!(
                    "{} set by the table on a column it inherits, which is its parent's",
                    what.join(" and ")
                ),
            ));
        }
    }
    schema.unmanaged.extend(found);
}
