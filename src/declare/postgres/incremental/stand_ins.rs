//! Stand-ins: the unchanged tables a changed table's foreign keys point at, or a re-created
//! view reads, created in the scratch database from their model.

use crate::model::Table;
use crate::sqltext::{quote_pg_ident, quote_pg_qualified};
use std::collections::BTreeSet;

/// A stand-in for an unchanged table that a view reads: its columns with their types, and
/// its primary key, unique constraints and unique indexes (what a foreign key can point
/// at), under their own names.
pub(super) fn context_table(t: &Table) -> Vec<String> {
    stand_in(t, &t.columns.iter().map(|c| c.name.as_str()).collect())
}

/// A stand-in for an unchanged table that only foreign keys of changed tables point at: its
/// keys (primary key, unique constraints, unique indexes on plain columns) and the columns
/// they hold, with their types. The server creates a file for each table, TOAST table and
/// index, and on some file systems each costs a millisecond: the columns no key holds would
/// mostly cost a TOAST table. When a column is in every key (with the default operator
/// class and collation), the stand-in is a partitioned table, partitioned by that column,
/// with no partition: neither it nor its keys' indexes have a file, and a foreign key onto
/// it reads back as onto a plain table (PostgreSQL 12 and later; the declared DDL needs
/// 13). `None` when a key names columns it does not list (`INCLUDE`), for the whole
/// stand-in instead.
pub(super) fn key_table(t: &Table) -> Option<Vec<String>> {
    let plain_columns = |i: &crate::model::Index| {
        (i.columns.iter())
            .map(|p| t.columns.iter().find(|c| quote_pg_ident(&c.name) == p.expr))
            .collect::<Option<Vec<_>>>()
    };
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    // The columns of each key, for the partition column; `None` for a key on another
    // operator class or collation, which no partition key matches.
    let mut each: Vec<Option<BTreeSet<&str>>> = Vec::new();
    for (columns, def) in (t.primary_key.iter().map(|k| (&k.columns, &k.definition)))
        .chain(t.uniques.iter().map(|u| (&u.columns, &u.definition)))
    {
        if def.as_deref().is_some_and(|d| d.contains(" INCLUDE ")) {
            return None;
        }
        keys.extend(columns.iter().map(String::as_str));
        each.push(Some(columns.iter().map(String::as_str).collect()));
    }
    for i in t
        .indexes
        .values()
        .filter(|i| i.unique && i.predicate.is_none())
    {
        if let Some(columns) = plain_columns(i) {
            let definition = i.definition.as_deref().unwrap_or(" COLLATE ");
            if definition.contains(" INCLUDE ") {
                return None;
            }
            keys.extend(columns.iter().map(|c| c.name.as_str()));
            let plain = i.columns.iter().all(|p| p.collation.is_none())
                && !definition.contains(" COLLATE ")
                && !definition.contains("_ops");
            each.push(plain.then(|| columns.iter().map(|c| c.name.as_str()).collect()));
        }
    }
    let mut ddl = stand_in(t, &keys);
    let in_every_key = |c: &&crate::model::Column| {
        !each.is_empty()
            && (each.iter()).all(|k| k.as_ref().is_some_and(|k| k.contains(c.name.as_str())))
    };
    if let Some(c) = t.columns.iter().find(in_every_key) {
        ddl[0] += &format!("{PARTITIONED}({})", quote_pg_ident(&c.name));
    }
    Some(ddl)
}

/// How a stand-in with no file ends.
pub(super) const PARTITIONED: &str = " PARTITION BY RANGE ";

/// The DDL of a stand-in for `t` with the columns named in `columns` (in the table's
/// order), its key constraints, and its unique indexes on those columns.
fn stand_in(t: &Table, columns: &BTreeSet<&str>) -> Vec<String> {
    let schema = t.schema.as_deref().unwrap_or("public");
    let name = quote_pg_qualified(schema, &t.name);
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .filter(|c| columns.contains(c.name.as_str()))
        .map(|c| format!("{} {}", quote_pg_ident(&c.name), c.ty))
        .collect();
    let constraint = |n: &Option<String>, def: &Option<String>| match (n, def) {
        (Some(n), Some(d)) => Some(format!("CONSTRAINT {} {d}", quote_pg_ident(n))),
        _ => None,
    };
    if let Some(pk) = &t.primary_key {
        parts.extend(constraint(&pk.name, &pk.definition));
    }
    for u in &t.uniques {
        parts.extend(constraint(&u.name, &u.definition));
    }
    let mut out = vec![format!("CREATE TABLE {name} ({})", parts.join(", "))];
    let on_columns = |i: &crate::model::Index| {
        columns.len() == t.columns.len()
            || (i.columns.iter()).all(|p| {
                (t.columns.iter())
                    .any(|c| columns.contains(c.name.as_str()) && quote_pg_ident(&c.name) == p.expr)
            })
    };
    out.extend(
        t.indexes
            .values()
            .filter(|i| i.unique && i.predicate.is_none() && on_columns(i))
            .filter_map(|i| i.definition.clone()),
    );
    out
}
