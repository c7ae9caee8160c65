//! Stand-ins: the unchanged tables a changed table's foreign keys point at, or a re-created
//! view reads, created in the scratch database from their model.

use crate::model::{Index, Table, Unique};
use crate::sqltext::{quote_pg_ident, quote_pg_qualified};
use std::collections::BTreeSet;

/// A stand-in for an unchanged table that a view reads: its columns with their types, and
/// its primary key, unique constraints and unique indexes (what a foreign key can point
/// at), under their own names.
pub(super) fn context_table(t: &Table) -> Vec<String> {
    stand_in(
        t,
        &t.columns.iter().map(|c| c.name.as_str()).collect(),
        None,
    )
}

/// One key a foreign key can point at: the primary key, a unique constraint, or a unique
/// index on plain columns.
enum KeyOf<'a> {
    Primary,
    Unique(&'a Unique),
    Index(&'a Index),
}

struct Key<'a> {
    of: KeyOf<'a>,
    columns: BTreeSet<&'a str>,
    /// With the default operator class and collation: a partition key can match it.
    plain: bool,
}

/// The keys of `t`; `None` when one names columns it does not list (`INCLUDE`).
fn keys(t: &Table) -> Option<Vec<Key<'_>>> {
    let mut out = Vec::new();
    let include = |d: &Option<String>| d.as_deref().is_some_and(|d| d.contains(" INCLUDE "));
    if let Some(pk) = &t.primary_key {
        if include(&pk.definition) {
            return None;
        }
        let columns = pk.columns.iter().map(String::as_str).collect();
        out.push(Key {
            of: KeyOf::Primary,
            columns,
            plain: true,
        });
    }
    for u in &t.uniques {
        if include(&u.definition) {
            return None;
        }
        let columns = u.columns.iter().map(String::as_str).collect();
        out.push(Key {
            of: KeyOf::Unique(u),
            columns,
            plain: true,
        });
    }
    for i in (t.indexes.values()).filter(|i| i.unique && i.predicate.is_none()) {
        let columns: Option<BTreeSet<&str>> = (i.columns.iter())
            .map(|p| {
                (t.columns.iter())
                    .find(|c| quote_pg_ident(&c.name) == p.expr)
                    .map(|c| c.name.as_str())
            })
            .collect();
        let Some(columns) = columns else { continue };
        let definition = i.definition.as_deref().unwrap_or(" COLLATE ");
        if definition.contains(" INCLUDE ") {
            return None;
        }
        let plain = i.columns.iter().all(|p| p.collation.is_none())
            && !definition.contains(" COLLATE ")
            && !definition.contains("_ops");
        out.push(Key {
            of: KeyOf::Index(i),
            columns,
            plain,
        });
    }
    Some(out)
}

/// A stand-in for an unchanged table that only foreign keys of changed tables point at: the
/// keys they point at (`wanted`: each foreign key's referenced columns, `None` for the
/// primary key; all keys when that is not known or names no key) and the columns those
/// hold, with their types. The server creates a file for each table, TOAST table and
/// index, and on some file systems each costs a millisecond: the columns no key holds would
/// mostly cost a TOAST table. When a column is in every key kept (with the default
/// operator class and collation), the stand-in is a partitioned table, partitioned by that
/// column, with no partition: neither it nor its keys' indexes have a file, and a foreign
/// key onto it reads back as onto a plain table (PostgreSQL 12 and later; the declared DDL
/// needs 13). `None` when a key names columns it does not list (`INCLUDE`), for the whole
/// stand-in instead.
pub(super) fn key_table(
    t: &Table,
    wanted: Option<&[Option<BTreeSet<String>>]>,
) -> Option<Vec<String>> {
    let all = keys(t)?;
    let points_at = |k: &Key, w: &Option<BTreeSet<String>>| match w {
        None => matches!(k.of, KeyOf::Primary),
        Some(cols) => {
            k.columns.len() == cols.len() && cols.iter().all(|c| k.columns.contains(c.as_str()))
        }
    };
    let kept: Vec<&Key> = match wanted {
        Some(ws) if ws.iter().all(|w| all.iter().any(|k| points_at(k, w))) => (all.iter())
            .filter(|k| ws.iter().any(|w| points_at(k, w)))
            .collect(),
        _ => all.iter().collect(),
    };
    let columns: BTreeSet<&str> = kept
        .iter()
        .flat_map(|k| k.columns.iter().copied())
        .collect();
    let mut ddl = stand_in(t, &columns, Some(&kept));
    let in_every_key = |c: &&crate::model::Column| {
        !kept.is_empty() && (kept.iter()).all(|k| k.plain && k.columns.contains(c.name.as_str()))
    };
    if let Some(c) = t.columns.iter().find(in_every_key) {
        ddl[0] += &format!("{PARTITIONED}({})", quote_pg_ident(&c.name));
    }
    Some(ddl)
}

/// How a stand-in with no file ends.
pub(super) const PARTITIONED: &str = " PARTITION BY RANGE ";

/// The DDL of a stand-in for `t` with the columns named in `columns` (in the table's
/// order) and its keys: those in `kept`, or (`None`) its key constraints and its unique
/// indexes on those columns.
fn stand_in(t: &Table, columns: &BTreeSet<&str>, kept: Option<&[&Key]>) -> Vec<String> {
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
    let holds = |of: &dyn Fn(&KeyOf) -> bool| kept.is_none_or(|k| k.iter().any(|k| of(&k.of)));
    if let Some(pk) = &t.primary_key {
        if holds(&|k| matches!(k, KeyOf::Primary)) {
            parts.extend(constraint(&pk.name, &pk.definition));
        }
    }
    for u in &t.uniques {
        if holds(&|k| matches!(k, KeyOf::Unique(x) if std::ptr::eq(*x, u))) {
            parts.extend(constraint(&u.name, &u.definition));
        }
    }
    let mut out = vec![format!("CREATE TABLE {name} ({})", parts.join(", "))];
    let on_columns = |i: &Index| {
        columns.len() == t.columns.len()
            || (i.columns.iter()).all(|p| {
                (t.columns.iter())
                    .any(|c| columns.contains(c.name.as_str()) && quote_pg_ident(&c.name) == p.expr)
            })
    };
    let index_kept = |i: &Index| match kept {
        None => on_columns(i),
        Some(_) => holds(&|k| matches!(k, KeyOf::Index(x) if std::ptr::eq(*x, i))),
    };
    out.extend(
        (t.indexes.values())
            .filter(|i| i.unique && i.predicate.is_none() && index_kept(i))
            .filter_map(|i| i.definition.clone()),
    );
    out
}
