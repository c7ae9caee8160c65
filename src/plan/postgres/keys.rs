//! Foreign keys follow the keys they rely on. A PostgreSQL foreign key depends on the unique
//! index of the key it references (a primary key, a `UNIQUE` constraint, or a plain unique
//! index): the server refuses to drop that key while the foreign key exists ("cannot drop
//! constraint … because other objects depend on it"), and refuses to add the foreign key
//! before the key exists ("there is no unique constraint matching given keys").
//!
//! So, over the steps the planner collected:
//! - a key dropped (a primary key or `UNIQUE` constraint, a unique index) first drops every
//!   foreign key of the current schema that references exactly its columns, and re-adds the
//!   ones the target schema keeps (validating the rows again, a hazard line says so);
//! - a foreign key whose referenced columns get a unique *index* in the same plan is added
//!   after the indexes ([`Phase::AddIndexedForeignKey`]); keys that are constraints are
//!   added before foreign keys already.
//!
//! Columns are compared as sets: a key on `(a, b)` serves a reference to `(b, a)`.

use super::{hazard, Op, Phase, Steps, TableName};
use crate::model::{ForeignKey, Index, Schema, Table};
use crate::plan::HazardKind;
use crate::sqltext::quote_pg_ident;
use std::collections::BTreeSet;

/// A key of a table: its key and its columns.
type Key = (String, BTreeSet<String>);

/// Reorders and completes the foreign-key steps of `steps` (see the module comment).
pub(crate) fn follow_keys(steps: &mut Steps, from: &Schema, to: &Schema) {
    redo_dependent_fks(steps, from, to);
    after_unique_indexes(steps, to);
}

fn key_of(t: &TableName) -> String {
    crate::model::qualified_key(&t.schema, &t.name)
}

/// The columns of a unique index that only names plain columns, without a predicate.
fn index_columns(i: &Index, t: &Table) -> Option<BTreeSet<String>> {
    if !i.unique || i.predicate.is_some() {
        return None;
    }
    i.columns
        .iter()
        .map(|p| {
            t.columns
                .iter()
                .find(|c| quote_pg_ident(&c.name) == p.expr)
                .map(|c| c.name.clone())
        })
        .collect()
}

/// The table `fk` references, in `schema`, and the columns it names (the primary key's
/// when the DDL names none).
fn referenced<'a>(fk: &ForeignKey, schema: &'a Schema) -> Option<(&'a Table, BTreeSet<String>)> {
    let parent = schema.tables.get(&fk.ref_table).or_else(|| {
        schema
            .tables
            .values()
            .find(|t| t.schema.as_deref() == Some("public") && t.name == fk.ref_table)
    })?;
    let cols = if fk.ref_columns.is_empty() {
        parent
            .primary_key
            .as_ref()?
            .columns
            .iter()
            .cloned()
            .collect()
    } else {
        fk.ref_columns.iter().cloned().collect()
    };
    Some((parent, cols))
}

/// The keys the steps drop, as `(table key, columns)`.
fn dropped_keys(steps: &Steps, from: &Schema) -> Vec<Key> {
    let mut out = Vec::new();
    for s in &steps.list {
        match (&s.phase, &s.op) {
            (Phase::DropConstraint, Op::DropConstraint { table, name }) => {
                let key = key_of(table);
                let Some(t) = from.tables.get(&key) else {
                    continue;
                };
                let pk = t
                    .primary_key
                    .iter()
                    .filter(|p| p.name.as_deref() == Some(name.as_str()))
                    .map(|p| &p.columns);
                let uniques = t
                    .uniques
                    .iter()
                    .filter(|u| u.name.as_deref() == Some(name.as_str()))
                    .map(|u| &u.columns);
                for cols in pk.chain(uniques) {
                    out.push((key.clone(), cols.iter().cloned().collect()));
                }
            }
            (Phase::DropIndex, Op::DropIndex { schema, name }) => {
                let owner = from.tables.values().find(|t| {
                    t.schema.as_deref() == Some(schema.as_str()) && t.indexes.contains_key(name)
                });
                if let Some(t) = owner {
                    let cols = t.indexes.get(name).and_then(|i| index_columns(i, t));
                    out.extend(cols.map(|c| (t.key(), c)));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a step of `phase` already does `op` to constraint `name` of `table`.
fn planned(steps: &Steps, phase: Phase, table: &str, name: &str) -> bool {
    steps.list.iter().any(|s| {
        s.phase == phase
            && match &s.op {
                Op::DropConstraint { table: t, name: n }
                | Op::AddConstraint {
                    table: t, name: n, ..
                } => key_of(t) == table && n == name,
                _ => false,
            }
    })
}

/// Drops before a key change the foreign keys that rely on the key, and re-adds after it
/// those the target keeps and the planner does not add already.
fn redo_dependent_fks(steps: &mut Steps, from: &Schema, to: &Schema) {
    let dropped = dropped_keys(steps, from);
    if dropped.is_empty() {
        return;
    }
    for child in from.tables.values() {
        for fk in &child.foreign_keys {
            let (Some(name), Some((parent, cols))) = (&fk.name, referenced(fk, from)) else {
                continue;
            };
            let parent_key = parent.key();
            if !dropped.iter().any(|(k, c)| *k == parent_key && *c == cols) {
                continue;
            }
            let key = child.key();
            let table = TableName::of(child);
            if !planned(steps, Phase::DropForeignKey, &key, name) {
                let op = Op::DropConstraint {
                    table: table.clone(),
                    name: name.clone(),
                };
                steps.push(Phase::DropForeignKey, op);
            }
            let kept = to
                .tables
                .get(&key)
                .and_then(|t| t.foreign_keys.iter().find(|f| f.name == fk.name));
            let Some(kept) = kept else {
                continue;
            };
            if planned(steps, Phase::AddForeignKey, &key, name) {
                continue;
            }
            let definition = kept.definition.clone().unwrap_or_default();
            let mut hazards = Vec::new();
            if !definition.ends_with("NOT VALID") {
                let detail = format!(
                    "re-adds foreign key {name} of {key} after the key of {parent_key} it relies on changes: checks every existing row and fails if one violates it"
                );
                hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
                let detail = super::table::lock_detail(name, &definition, &key);
                hazards.push(hazard(HazardKind::LocksTable, detail));
            }
            let op = Op::AddConstraint {
                table,
                name: name.clone(),
                definition,
            };
            steps.risky(Phase::AddForeignKey, op, hazards);
        }
    }
}

/// Moves after the index builds the foreign keys that reference the columns of a unique
/// index the plan creates.
fn after_unique_indexes(steps: &mut Steps, to: &Schema) {
    let built: Vec<Key> = steps
        .list
        .iter()
        .filter_map(|s| match (&s.phase, &s.op) {
            (Phase::CreateIndex, Op::CreateIndex(i)) => {
                let t = to.tables.get(&i.table)?;
                Some((t.key(), index_columns(i, t)?))
            }
            _ => None,
        })
        .collect();
    if built.is_empty() {
        return;
    }
    for s in &mut steps.list {
        let (Phase::AddForeignKey, Op::AddConstraint { table, name, .. }) = (&s.phase, &s.op)
        else {
            continue;
        };
        let fk = to.tables.get(&key_of(table)).and_then(|t| {
            t.foreign_keys
                .iter()
                .find(|f| f.name.as_ref() == Some(name))
        });
        let Some((parent, cols)) = fk.and_then(|fk| referenced(fk, to)) else {
            continue;
        };
        if built.iter().any(|(k, c)| *k == parent.key() && *c == cols) {
            s.phase = Phase::AddIndexedForeignKey;
        }
    }
}
