//! Compares two schemas into a [`Changeset`]. Pure: no I/O, no normalization (both sides
//! arrive normalized), no decisions about how a change is carried out (that is `plan`).

mod pg_renames;
pub use pg_renames::renamed_schema;

/// Rename hints live in [`crate::model`]; re-exported where the differ reads them.
pub use crate::model::{RenameError, Renames};

use crate::model::{Column, EnumType, Extension, Index, Schema, Sequence, Table, Trigger, View};
use std::collections::BTreeSet;

/// What differs between two schemas, in a deterministic order (by kind, then name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changeset {
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTable(Table),
    DropTable(Table),
    AlterTable(Box<TableChange>),
    CreateIndex(Index),
    DropIndex(Index),
    CreateView(View),
    DropView(View),
    CreateTrigger(Trigger),
    DropTrigger(Trigger),
    // PostgreSQL only.
    CreateSchema(String),
    DropSchema(String),
    CreateExtension(Extension),
    DropExtension(Extension),
    CreateEnum(EnumType),
    DropEnum(EnumType),
    AlterEnum {
        before: EnumType,
        after: EnumType,
    },
    CreateSequence(Sequence),
    DropSequence(Sequence),
    /// PostgreSQL: `ALTER TABLE schema.from RENAME TO to` (hinted).
    RenameTable(Renamed),
    /// PostgreSQL: a serial column's sequence renamed with its table.
    RenameSequence(Renamed),
    AlterSequence {
        before: Sequence,
        after: Sequence,
    },
}

/// A table present on both sides whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableChange {
    pub before: Table,
    pub after: Table,
    /// For each column of `after`, in order: the `before` column it carries data from.
    pub sources: Vec<(String, Option<String>)>,
    /// Columns of `before` no `after` column carries.
    pub dropped: Vec<String>,
    /// Hinted renames `(old, new)` that apply.
    pub renamed: Vec<(String, String)>,
}

/// An object of namespace `schema` renamed from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub schema: String,
    pub from: String,
    pub to: String,
}

impl Change {
    /// One line naming what changes, for reports.
    pub fn summary(&self) -> String {
        match self {
            Change::CreateTable(t) => format!("table {} is new", t.key()),
            Change::DropTable(t) => format!("table {} is gone", t.key()),
            Change::AlterTable(tc) => format!("table {} changed", tc.after.key()),
            Change::CreateIndex(i) => format!("index {} is new or changed", i.name),
            Change::DropIndex(i) => format!("index {} is gone or changed", i.name),
            Change::CreateView(v) => format!("view {} is new or changed", v.name),
            Change::DropView(v) => format!("view {} is gone or changed", v.name),
            Change::CreateTrigger(t) => format!("trigger {} is new or changed", t.name),
            Change::DropTrigger(t) => format!("trigger {} is gone or changed", t.name),
            Change::CreateSchema(s) => format!("schema {s} is new"),
            Change::DropSchema(s) => format!("schema {s} is gone"),
            Change::CreateExtension(e) => format!("extension {} is new", e.name),
            Change::DropExtension(e) => format!("extension {} is gone", e.name),
            Change::CreateEnum(e) => format!("type {}.{} is new", e.schema, e.name),
            Change::DropEnum(e) => format!("type {}.{} is gone", e.schema, e.name),
            Change::AlterEnum { after, .. } => {
                format!("type {}.{} has other labels", after.schema, after.name)
            }
            Change::RenameTable(r) => {
                format!("table {}.{} is renamed to {}", r.schema, r.from, r.to)
            }
            Change::RenameSequence(r) => {
                format!("sequence {}.{} is renamed to {}", r.schema, r.from, r.to)
            }
            Change::CreateSequence(q) => format!("sequence {}.{} is new", q.schema, q.name),
            Change::DropSequence(q) => format!("sequence {}.{} is gone", q.schema, q.name),
            Change::AlterSequence { after, .. } => {
                format!("sequence {}.{} changed", after.schema, after.name)
            }
        }
    }
}

impl Changeset {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Returns the changes that turn `from` into `to`, reading column renames from `renames`.
/// Names match exactly, then ignoring ASCII case (SQLite folds identifiers).
pub fn diff(from: &Schema, to: &Schema, renames: &Renames) -> Changeset {
    diff_tables(from, to, renames, false)
}

/// Returns the changes between two PostgreSQL schemas: names match exactly (a quoted
/// `"Users"` is not `users`), and namespaces, extensions, enum types and sequences are
/// compared too. Recognized but unmanaged objects (partitioned tables) are not compared.
pub fn diff_postgres(from: &Schema, to: &Schema, renames: &Renames) -> Changeset {
    let (renamed, mut changes) = pg_renames::rename_tables(from, to, renames);
    let from: &Schema = &renamed;
    for s in from.schemas.difference(&to.schemas) {
        changes.push(Change::DropSchema(s.clone()));
    }
    for s in to.schemas.difference(&from.schemas) {
        changes.push(Change::CreateSchema(s.clone()));
    }
    diff_named(
        &from.extensions,
        &to.extensions,
        &mut changes,
        Change::DropExtension,
        Change::CreateExtension,
    );
    diff_keyed(
        &from.enums,
        &to.enums,
        &mut changes,
        Change::DropEnum,
        Change::CreateEnum,
        |before, after| Change::AlterEnum { before, after },
    );
    diff_keyed(
        &from.sequences,
        &to.sequences,
        &mut changes,
        Change::DropSequence,
        Change::CreateSequence,
        |before, after| Change::AlterSequence { before, after },
    );
    changes.extend(diff_tables(from, to, renames, true).changes);
    Changeset {
        changes: view_index_changes(changes),
    }
}

/// A materialized view dropped and created again only because its indexes differ becomes
/// the index changes alone.
fn view_index_changes(changes: Vec<Change>) -> Vec<Change> {
    let bare = |v: &View| View {
        indexes: Default::default(),
        ..v.clone()
    };
    let recreated: Vec<(View, View)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView(old) => changes.iter().find_map(|c| match c {
                Change::CreateView(new)
                    if new.schema == old.schema
                        && new.name == old.name
                        && bare(new) == bare(old) =>
                {
                    Some((old.clone(), new.clone()))
                }
                _ => None,
            }),
            _ => None,
        })
        .collect();
    let same = |v: &View| {
        recreated
            .iter()
            .any(|(o, _)| o.schema == v.schema && o.name == v.name)
    };
    let mut out: Vec<Change> = changes
        .into_iter()
        .filter(|c| !matches!(c, Change::DropView(v) | Change::CreateView(v) if same(v)))
        .collect();
    for (old, new) in recreated {
        diff_named(
            &old.indexes,
            &new.indexes,
            &mut out,
            Change::DropIndex,
            Change::CreateIndex,
        );
    }
    out
}

/// Drops, alters (same key, other value), then creates, each in key order.
fn diff_keyed<T: Clone + PartialEq>(
    from: &std::collections::BTreeMap<String, T>,
    to: &std::collections::BTreeMap<String, T>,
    out: &mut Vec<Change>,
    drop: fn(T) -> Change,
    create: fn(T) -> Change,
    alter: fn(T, T) -> Change,
) {
    for (key, old) in from {
        match to.get(key) {
            None => out.push(drop(old.clone())),
            Some(new) if new != old => out.push(alter(old.clone(), new.clone())),
            Some(_) => {}
        }
    }
    for (key, new) in to {
        if !from.contains_key(key) {
            out.push(create(new.clone()));
        }
    }
}

fn diff_tables(from: &Schema, to: &Schema, renames: &Renames, exact: bool) -> Changeset {
    let mut changes = Vec::new();
    let mut matched = BTreeSet::new();
    let mut pairs = Vec::new();
    for (name, table) in &to.tables {
        match source_table(from, to, name, renames, exact) {
            Some(old) if matched.insert(old.key()) => pairs.push((old, table)),
            _ => {
                changes.push(Change::CreateTable(table.clone()));
                changes.extend(table.indexes.values().cloned().map(Change::CreateIndex));
            }
        }
    }
    for (name, table) in &from.tables {
        if !matched.contains(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    for (old, new) in pairs {
        diff_table(old, new, renames, exact, &mut changes);
    }
    diff_named(
        &from.views,
        &to.views,
        &mut changes,
        Change::DropView,
        Change::CreateView,
    );
    diff_named(
        &from.triggers,
        &to.triggers,
        &mut changes,
        Change::DropTrigger,
        Change::CreateTrigger,
    );
    Changeset { changes }
}

/// Finds the table of `from` that table `name` of `to` carries on: a hinted rename, the
/// same name, or the same name in another case (SQLite names are case-insensitive).
fn source_table<'a>(
    from: &'a Schema,
    to: &Schema,
    name: &str,
    renames: &Renames,
    exact: bool,
) -> Option<&'a Table> {
    let hinted = renames
        .old_table(name)
        .filter(|old| find(&to.tables, old, exact).is_none())
        .and_then(|old| find(&from.tables, old, exact));
    hinted.or_else(|| find(&from.tables, name, exact))
}

/// Looks `name` up exactly, then (unless `exact`) ignoring ASCII case (SQLite's identifier
/// folding).
fn find<'a, T>(
    map: &'a std::collections::BTreeMap<String, T>,
    name: &str,
    exact: bool,
) -> Option<&'a T> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| !exact && k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn diff_named<T: Clone + PartialEq>(
    from: &std::collections::BTreeMap<String, T>,
    to: &std::collections::BTreeMap<String, T>,
    out: &mut Vec<Change>,
    drop: fn(T) -> Change,
    create: fn(T) -> Change,
) {
    for (name, old) in from {
        if to.get(name) != Some(old) {
            out.push(drop(old.clone()));
        }
    }
    for (name, new) in to {
        if from.get(name) != Some(new) {
            out.push(create(new.clone()));
        }
    }
}

fn diff_table(
    before: &Table,
    after: &Table,
    renames: &Renames,
    exact: bool,
    out: &mut Vec<Change>,
) {
    // An index follows its table through a rename; compare it under the new name.
    let mut before_indexes = before.indexes.clone();
    for index in before_indexes.values_mut() {
        index.table = after.key();
    }
    diff_named(
        &before_indexes,
        &after.indexes,
        out,
        Change::DropIndex,
        Change::CreateIndex,
    );
    if same_definition(before, after) || (exact && same_but_column_order(before, after)) {
        return;
    }
    let mut used = BTreeSet::new();
    let mut renamed = Vec::new();
    let hints = |col: &str| {
        renames
            .old_name(&after.name, col)
            .or_else(|| renames.old_name(&before.name, col))
            .or_else(|| renames.old_name(&after.key(), col))
    };
    let sources = after
        .columns
        .iter()
        .map(|col| {
            let hinted = hints(&col.name)
                .filter(|old| after.column(old).is_none())
                .and_then(|old| before.column(old));
            let source = hinted.or_else(|| before.column(&col.name)).or_else(|| {
                let by_case = before
                    .columns
                    .iter()
                    .find(|c| !exact && c.name.eq_ignore_ascii_case(&col.name));
                by_case.filter(|c| after.column(&c.name).is_none())
            });
            if let Some(s) = source.filter(|s| s.name != col.name) {
                renamed.push((s.name.clone(), col.name.clone()));
            }
            let source = source.map(|s| s.name.clone());
            if let Some(s) = &source {
                used.insert(s.clone());
            }
            (col.name.clone(), source)
        })
        .collect();
    let dropped = before
        .columns
        .iter()
        .filter(|c| !used.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();
    out.push(Change::AlterTable(Box::new(TableChange {
        before: before.clone(),
        after: after.clone(),
        sources,
        dropped,
        renamed,
    })));
}

/// Compares everything but the indexes. Destructured without `..` so that a new model field
/// is a compile error here until the differ handles it.
fn same_definition(a: &Table, b: &Table) -> bool {
    let Table {
        name,
        columns,
        primary_key,
        uniques,
        checks,
        foreign_keys,
        indexes: _,
        strict,
        without_rowid,
        schema,
        comment,
    } = a;
    *name == b.name
        && columns.len() == b.columns.len()
        && columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| same_column(x, y))
        && *primary_key == b.primary_key
        && *uniques == b.uniques
        && *checks == b.checks
        && *foreign_keys == b.foreign_keys
        && *strict == b.strict
        && *without_rowid == b.without_rowid
        && *schema == b.schema
        && *comment == b.comment
}

/// PostgreSQL appends added columns and cannot reorder them, so there a table whose columns
/// differ only in order is the same table.
fn same_but_column_order(a: &Table, b: &Table) -> bool {
    let sorted = |t: &Table| {
        let mut t = t.clone();
        t.columns.sort_by(|x, y| x.name.cmp(&y.name));
        t
    };
    same_definition(&sorted(a), &sorted(b))
}

/// Compares two columns field by field (names included).
pub fn same_column(a: &Column, b: &Column) -> bool {
    let Column {
        name,
        ty,
        not_null,
        default,
        collation,
        generated,
        identity,
        comment,
    } = a;
    *name == b.name
        && *ty == b.ty
        && *not_null == b.not_null
        && *default == b.default
        && *collation == b.collation
        && *generated == b.generated
        && *identity == b.identity
        && *comment == b.comment
}

/// The table `name` names in `schema`: its key, or its bare name.
pub fn find_table<'a>(schema: &'a Schema, name: &str) -> Option<&'a Table> {
    schema
        .tables
        .get(name)
        .or_else(|| schema.tables.values().find(|t| t.name == name))
}
