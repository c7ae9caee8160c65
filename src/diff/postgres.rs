//! The differ's PostgreSQL rules: names match exactly (a quoted `"Users"` is not `users`),
//! column order does not count, and namespaces, extensions, enum types, sequences and the
//! indexes of materialized views are compared too.
//!
//! Table renames: `ALTER TABLE … RENAME TO` keeps everything attached to the table, and the
//! server then prints the new name wherever the old one was: in foreign keys that reference
//! it, index definitions, serial defaults. So before comparing, the hinted tables are renamed
//! in the current schema the same way (with the sequences their serial columns own, when the
//! target names them after the new table), and the renames become changes of their own that
//! run first ([`rename_tables`], the rules' `prepare` hook).
//!
//! Enum type renames the same way: `ALTER TYPE … RENAME TO` keeps the type's oid, so every
//! column, default, constraint, index and view that names it prints the new name afterwards;
//! the hinted types are renamed in the current schema first ([`rename_enum`]), and only
//! label changes remain for the differ.

use super::{find_table, Change, Kinds, Names, Renamed, Renames, Rules};
use crate::model::{qualified_key, Schema, Sequence, Table};
use crate::sqltext::{quote_pg_qualified, rename_pg_ident, rename_pg_type};
use std::borrow::Cow;

/// PostgreSQL's rules for [`super::diff`].
pub const RULES: Rules = Rules {
    names: Names::Exact,
    column_order_matters: false,
    kinds: Kinds::ALL,
    prepare: Some(rename_tables),
};

/// Returns `from` as it reads after the hinted table renames (and as its column hints leave
/// what refers to the columns), and the rename changes.
pub fn rename_tables<'a>(
    from: &'a Schema,
    to: &Schema,
    renames: &Renames,
) -> (Cow<'a, Schema>, Vec<Change>) {
    let enums = renames.enum_pairs(from, to);
    if renames.table_pairs().next().is_none()
        && renames.column_pairs().next().is_none()
        && enums.is_empty()
    {
        return (Cow::Borrowed(from), Vec::new());
    }
    let mut out = from.clone();
    let mut changes = Vec::new();
    for (schema, old, new) in enums {
        rename_enum(&mut out, &schema, &old, &new);
        changes.push(Change::RenameEnum(Renamed {
            schema,
            from: old,
            to: new,
        }));
    }
    let mut done = Vec::new();
    for (old, new) in renames.table_pairs() {
        let (Some(before), Some(after)) = (find_table(from, old), find_table(to, new)) else {
            continue;
        };
        // A flag and a comment may name the same rename (`t=u` and `s.t=s.u`).
        if before.schema != after.schema
            || find_table(to, &before.key()).is_some()
            || done.contains(&before.key())
        {
            continue;
        }
        done.push(before.key());
        let schema = before.schema.clone().unwrap_or_default();
        changes.push(Change::RenameTable(Renamed {
            schema: schema.clone(),
            from: before.name.clone(),
            to: after.name.clone(),
        }));
        rename_table(&mut out, before, &after.name);
        for (seq_from, seq_to) in owned_sequences(&out, to, &after.key()) {
            changes.push(Change::RenameSequence(Renamed {
                schema: schema.clone(),
                from: seq_from.clone(),
                to: seq_to.clone(),
            }));
            rename_sequence(&mut out, &schema, &seq_from, &seq_to);
        }
    }
    for (table, old, new) in renames.column_pairs() {
        if let Some(key) = find_table(&out, table).map(Table::key) {
            rename_column_refs(&mut out, &key, old, new);
        }
    }
    (Cow::Owned(out), changes)
}

/// Rewrites what names column `old` of table `key` (indexes, constraints, foreign keys that
/// reference it) to `new`, as the server prints them after `RENAME COLUMN`. The column
/// itself keeps its name: the rename is the diff's to find.
fn rename_column_refs(schema: &mut Schema, key: &str, old: &str, new: &str) {
    let ident = |text: &str| rename_pg_ident(text, old, new);
    let name = |c: &mut String| {
        if c == old {
            *c = new.to_string();
        }
    };
    let opt = |d: &mut Option<String>| {
        if let Some(text) = d {
            *text = ident(text);
        }
    };
    if let Some(t) = schema.tables.get_mut(key) {
        for index in t.indexes.values_mut() {
            for part in &mut index.columns {
                part.expr = ident(&part.expr);
            }
            opt(&mut index.predicate);
            opt(&mut index.definition);
        }
        if let Some(pk) = &mut t.primary_key {
            pk.columns.iter_mut().for_each(name);
            opt(&mut pk.definition);
        }
        for u in &mut t.uniques {
            u.columns.iter_mut().for_each(name);
            opt(&mut u.definition);
        }
        for c in &mut t.checks {
            c.expr = ident(&c.expr);
            opt(&mut c.definition);
        }
        for fk in &mut t.foreign_keys {
            fk.columns.iter_mut().for_each(name);
            if let Some(def) = &mut fk.definition {
                if let Some((own, rest)) = def.split_once(" REFERENCES ") {
                    *def = format!("{} REFERENCES {rest}", ident(own));
                }
            }
        }
    }
    let (ns, table) = key.split_once('.').unwrap_or(("", key));
    let target = format!("REFERENCES {}(", quote_pg_qualified(ns, table));
    for t in schema.tables.values_mut() {
        for fk in t.foreign_keys.iter_mut().filter(|f| f.ref_table == key) {
            fk.ref_columns.iter_mut().for_each(name);
            if let Some(def) = &mut fk.definition {
                if let Some((head, rest)) = def.split_once(&target) {
                    if let Some((cols, tail)) = rest.split_once(')') {
                        *def = format!("{head}{target}{}){tail}", ident(cols));
                    }
                }
            }
        }
    }
}

/// `from` with the table and sequence renames of `changes` applied: the schema the rest of
/// a plan works on (its tables under their new names).
pub fn renamed_schema<'a>(from: &'a Schema, changes: &super::Changeset) -> Cow<'a, Schema> {
    let renames = |c: &Change| {
        matches!(
            c,
            Change::RenameTable(_) | Change::RenameSequence(_) | Change::RenameEnum(_)
        )
    };
    if !changes.changes.iter().any(renames) {
        return Cow::Borrowed(from);
    }
    let mut out = from.clone();
    for c in &changes.changes {
        match c {
            Change::RenameTable(r) => {
                if let Some(t) = out.tables.get(&qualified_key(&r.schema, &r.from)).cloned() {
                    rename_table(&mut out, &t, &r.to);
                }
            }
            Change::RenameSequence(r) => rename_sequence(&mut out, &r.schema, &r.from, &r.to),
            Change::RenameEnum(r) => rename_enum(&mut out, &r.schema, &r.from, &r.to),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Renames `table` in `schema` to `new`, with every mention the server would update.
fn rename_table(schema: &mut Schema, table: &Table, new: &str) {
    let ns = table.schema.clone().unwrap_or_default();
    let (old_key, new_key) = (table.key(), qualified_key(&ns, new));
    let (old_q, new_q) = (
        quote_pg_qualified(&ns, &table.name),
        quote_pg_qualified(&ns, new),
    );
    let Some(mut t) = schema.tables.remove(&old_key) else {
        return;
    };
    t.name = new.to_string();
    for index in t.indexes.values_mut() {
        index.table = new_key.clone();
        if let Some(def) = &mut index.definition {
            *def = def.replace(
                &format!(" ON {old_q} USING "),
                &format!(" ON {new_q} USING "),
            );
        }
    }
    schema.tables.insert(new_key.clone(), t);
    for t in schema.tables.values_mut() {
        // Partitions and inheritance children name their parent by oid: they follow it.
        let parents = (t.partition_of.iter_mut().map(|p| &mut p.parent)).chain(&mut t.inherits);
        for parent in parents.filter(|p| p.key() == old_key) {
            parent.name = new.to_string();
        }
        for fk in &mut t.foreign_keys {
            if fk.ref_table == old_key {
                fk.ref_table = new_key.clone();
            }
            if let Some(def) = &mut fk.definition {
                *def = def.replace(
                    &format!("REFERENCES {old_q}("),
                    &format!("REFERENCES {new_q}("),
                );
            }
        }
    }
    for q in schema.sequences.values_mut() {
        if let Some((owner, _)) = &mut q.owned_by {
            if *owner == old_key {
                *owner = new_key.clone();
            }
        }
    }
    for v in schema.views.values_mut() {
        for d in &mut v.depends_on {
            if *d == old_key {
                *d = new_key.clone();
            }
        }
    }
    // Its triggers follow it; `pg_get_triggerdef` then prints the new name after `ON`.
    let moved: Vec<String> = (schema.triggers.iter())
        .filter(|(_, t)| t.table == old_key)
        .map(|(k, _)| k.clone())
        .collect();
    for key in moved {
        if let Some(mut t) = schema.triggers.remove(&key) {
            t.table = new_key.clone();
            t.sql = t
                .sql
                .replacen(&format!(" ON {old_q} "), &format!(" ON {new_q} "), 1);
            schema
                .triggers
                .insert(crate::model::trigger_key(&new_key, &t.name), t);
        }
    }
}

/// Sequences owned by a column of `table` whose owner in `to` has another name (serial
/// sequences are named after their table), as `(old, new)`.
fn owned_sequences(from: &Schema, to: &Schema, table: &str) -> Vec<(String, String)> {
    let owned = |s: &Schema| -> Vec<Sequence> {
        s.sequences
            .values()
            .filter(|q| q.owned_by.as_ref().is_some_and(|(t, _)| t == table))
            .cloned()
            .collect()
    };
    let targets = owned(to);
    owned(from)
        .into_iter()
        .filter_map(|q| {
            let target = targets.iter().find(|t| t.owned_by == q.owned_by)?;
            let free = !to
                .sequences
                .contains_key(&qualified_key(&q.schema, &q.name));
            (target.name != q.name && free).then(|| (q.name.clone(), target.name.clone()))
        })
        .collect()
}

/// Renames sequence `old` to `new`, with the column defaults that call it.
fn rename_sequence(schema: &mut Schema, ns: &str, old: &str, new: &str) {
    let Some(mut q) = schema.sequences.remove(&qualified_key(ns, old)) else {
        return;
    };
    q.name = new.to_string();
    schema.sequences.insert(qualified_key(ns, new), q);
    let from = format!("'{}'::regclass", quote_pg_qualified(ns, old));
    let to = format!("'{}'::regclass", quote_pg_qualified(ns, new));
    for t in schema.tables.values_mut() {
        for c in &mut t.columns {
            if let Some(d) = &mut c.default {
                *d = d.replace(&from, &to);
            }
        }
    }
}

/// Renames enum type `ns.old` to `new` in `schema`, with every text that names it (column
/// types, defaults, generated expressions, constraints, indexes, views), as the server prints
/// them after `ALTER TYPE … RENAME TO`.
fn rename_enum(schema: &mut Schema, ns: &str, old: &str, new: &str) {
    let Some(mut e) = schema.enums.remove(&qualified_key(ns, old)) else {
        return;
    };
    e.name = new.to_string();
    schema.enums.insert(qualified_key(ns, new), e);
    let text = |t: &mut String| *t = rename_pg_type(t, ns, old, new);
    let opt = |t: &mut Option<String>| t.iter_mut().for_each(text);
    for t in schema.tables.values_mut() {
        for c in &mut t.columns {
            text(&mut c.ty);
            opt(&mut c.default);
            if let Some(g) = &mut c.generated {
                text(&mut g.expr);
            }
        }
        for index in t.indexes.values_mut() {
            index.columns.iter_mut().for_each(|p| text(&mut p.expr));
            opt(&mut index.predicate);
            opt(&mut index.definition);
        }
        for c in &mut t.checks {
            text(&mut c.expr);
            opt(&mut c.definition);
        }
    }
    for t in schema.triggers.values_mut() {
        text(&mut t.sql);
    }
    for v in schema.views.values_mut() {
        text(&mut v.sql);
        for index in v.indexes.values_mut() {
            index.columns.iter_mut().for_each(|p| text(&mut p.expr));
            opt(&mut index.predicate);
            opt(&mut index.definition);
        }
    }
}
