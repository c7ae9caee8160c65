//! Compares two schemas into a [`Changeset`]. Pure: no I/O, no normalization (both sides
//! arrive normalized), no decisions about how a change is carried out (that is `plan`).
//!
//! One differ for every engine: [`diff`] takes the engine's [`Rules`] (how names match,
//! whether column order counts, which object kinds exist, and a hook that rewrites the current
//! schema for hinted renames the way the server would print it). The engines' rules are the
//! children [`sqlite::RULES`] and [`postgres::RULES`]. The output types are in `change.rs`,
//! with the one encoding of table renames.

mod change;
mod policies;
pub mod postgres;
pub(crate) mod privileges;
pub(crate) mod routines;
pub mod sqlite;

pub use change::{Change, Changeset, Renamed, TableChange};

/// Rename hints live in [`crate::model`]; re-exported where the differ reads them.
pub use crate::model::{RenameError, Renames};

use crate::model::{Column, Schema, Table, View};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// How one engine compares two schemas. Each engine's value is a constant in its child
/// module; nothing else in the differ depends on the engine.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// How a table or column name of the target finds its counterpart when no hint names it.
    pub names: Names,
    /// Whether two tables whose columns differ only in order differ (PostgreSQL appends added
    /// columns and cannot reorder them, so there they do not).
    pub column_order_matters: bool,
    /// Which object kinds besides tables, indexes, views and triggers are compared.
    pub kinds: Kinds,
    /// Rewrites the current schema for the hinted renames before it is compared, as the
    /// server prints it after them, and returns the rename changes that run first. `None`:
    /// renamed tables are paired by the differ itself (a [`Change::RenameTable`] each).
    pub prepare: Option<Prepare>,
}

/// See [`Rules::prepare`]: `(from, to, hints)` → (`from` after the renames, their changes).
pub type Prepare = for<'a> fn(&'a Schema, &Schema, &Renames) -> (Cow<'a, Schema>, Vec<Change>);

/// How names match when no hint pairs them: exactly, or also ignoring ASCII case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// `"Users"` and `users` are two objects (PostgreSQL keeps quoted case).
    Exact,
    /// An exact match first, then one that ignores ASCII case (SQLite folds identifiers).
    FoldAsciiCase,
}

impl Names {
    /// Reports whether `a` and `b`, not equal, still name the same object.
    fn fold(self, a: &str, b: &str) -> bool {
        match self {
            Names::Exact => false,
            Names::FoldAsciiCase => a.eq_ignore_ascii_case(b),
        }
    }
}

/// The object kinds compared besides tables, indexes, views and triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    /// Namespaces (`CREATE SCHEMA`).
    pub namespaces: bool,
    pub extensions: bool,
    pub enums: bool,
    pub sequences: bool,
    /// Indexes of materialized views: a view that differs only in them keeps the view.
    pub view_indexes: bool,
    /// Functions and procedures, domains, composite and range types, and the comments kept
    /// in [`Schema::comments`].
    pub routines: bool,
}

impl Kinds {
    /// Tables, indexes, views and triggers only.
    pub const NONE: Kinds = Kinds {
        namespaces: false,
        extensions: false,
        enums: false,
        sequences: false,
        view_indexes: false,
        routines: false,
    };
    /// Every kind the model holds.
    pub const ALL: Kinds = Kinds {
        namespaces: true,
        extensions: true,
        enums: true,
        sequences: true,
        view_indexes: true,
        routines: true,
    };
}

/// Returns the changes that turn `from` into `to` under the engine's `rules`, reading table
/// and column renames from `renames`. Recognized but unmanaged objects (aggregates, foreign tables)
/// are not compared.
pub fn diff(rules: &Rules, from: &Schema, to: &Schema, renames: &Renames) -> Changeset {
    let (prepared, mut changes) = match rules.prepare {
        Some(prepare) => prepare(from, to, renames),
        None => (Cow::Borrowed(from), Vec::new()),
    };
    let from: &Schema = &prepared;
    let kinds = rules.kinds;
    if kinds.namespaces {
        // A schema one side lists as unmanaged (a declared file's stand-in for a schema
        // only the target has) is never created or dropped.
        let managed =
            |s: &&String| !from.unmanaged.contains_key(*s) && !to.unmanaged.contains_key(*s);
        for s in from.schemas.difference(&to.schemas).filter(managed) {
            changes.push(Change::DropSchema(s.clone()));
        }
        for s in to.schemas.difference(&from.schemas).filter(managed) {
            changes.push(Change::CreateSchema(s.clone()));
        }
    }
    if kinds.extensions {
        diff_named(
            &from.extensions,
            &to.extensions,
            &mut changes,
            Change::DropExtension,
            Change::CreateExtension,
        );
    }
    if kinds.enums {
        diff_keyed(
            &from.enums,
            &to.enums,
            &mut changes,
            Change::DropEnum,
            Change::CreateEnum,
            |before, after| Change::AlterEnum { before, after },
        );
    }
    if kinds.sequences {
        diff_keyed(
            &from.sequences,
            &to.sequences,
            &mut changes,
            Change::DropSequence,
            Change::CreateSequence,
            |before, after| Change::AlterSequence { before, after },
        );
    }
    if kinds.routines {
        routines::diff_routines(from, to, &mut changes);
    }
    diff_tables(rules, from, to, renames, &mut changes);
    // Only SQLite fills them; a module keeps no catalog the differ could compare in parts,
    // so a changed one is dropped and created again.
    diff_named(
        &from.virtual_tables,
        &to.virtual_tables,
        &mut changes,
        Change::DropVirtualTable,
        Change::CreateVirtualTable,
    );
    if kinds.view_indexes {
        changes = view_index_changes(changes);
    }
    if kinds.routines {
        routines::diff_comments(from, to, &mut changes);
    }
    // Empty on an engine without privileges (and wherever they are not managed).
    privileges::diff_privileges(from, to, &mut changes);
    Changeset { changes }
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
    from: &BTreeMap<String, T>,
    to: &BTreeMap<String, T>,
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

fn diff_tables(
    rules: &Rules,
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    changes: &mut Vec<Change>,
) {
    let mut matched = BTreeSet::new();
    let mut pairs = Vec::new();
    for (name, table) in &to.tables {
        match source_table(rules.names, from, to, name, renames) {
            Some(old) if matched.insert(old.key()) => pairs.push((old, table)),
            _ => {
                changes.push(Change::CreateTable(table.clone()));
                changes.extend(table.indexes.values().cloned().map(Change::CreateIndex));
                policies::diff_row_security(None, table, changes);
            }
        }
    }
    for (name, table) in &from.tables {
        if !matched.contains(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    for (old, new) in pairs {
        diff_table(rules, old, new, renames, changes);
    }
    diff_named(
        &from.views,
        &to.views,
        changes,
        Change::DropView,
        Change::CreateView,
    );
    routines::diff_triggers(&from.triggers, &to.triggers, changes);
}

/// Finds the table of `from` that table `name` of `to` carries on: a hinted rename, the
/// same name, or a name the engine's rules take for the same (SQLite: another case).
fn source_table<'a>(
    names: Names,
    from: &'a Schema,
    to: &Schema,
    name: &str,
    renames: &Renames,
) -> Option<&'a Table> {
    let hinted = renames
        .old_table(name)
        .filter(|old| find(names, &to.tables, old).is_none())
        .and_then(|old| find(names, &from.tables, old));
    hinted.or_else(|| find(names, &from.tables, name))
}

/// Looks `name` up exactly, then as the engine's name rules allow.
fn find<'a, T>(names: Names, map: &'a BTreeMap<String, T>, name: &str) -> Option<&'a T> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| names.fold(k, name))
            .map(|(_, v)| v)
    })
}

fn diff_named<T: Clone + PartialEq>(
    from: &BTreeMap<String, T>,
    to: &BTreeMap<String, T>,
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

/// Compares a table of `from` with the table of `to` that carries it on. When their names
/// differ, the rename is a [`Change::RenameTable`] of its own, and the rest compares the old
/// table as the rename leaves it (see [`as_renamed`]).
fn diff_table(
    rules: &Rules,
    before: &Table,
    after: &Table,
    renames: &Renames,
    out: &mut Vec<Change>,
) {
    // Column hints may name the table by its old name, its new name or its key.
    let hints = |col: &str| {
        renames
            .old_name(&after.name, col)
            .or_else(|| renames.old_name(&before.name, col))
            .or_else(|| renames.old_name(&after.key(), col))
    };
    let moved;
    let before = if before.name == after.name {
        before
    } else {
        out.push(Change::RenameTable(Renamed {
            schema: before.schema.clone().unwrap_or_default(),
            from: before.name.clone(),
            to: after.name.clone(),
        }));
        moved = as_renamed(rules.names, before, after);
        &moved
    };
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
    policies::diff_row_security(Some(before), after, out);
    let same = if rules.column_order_matters {
        same_definition(before, after)
    } else {
        same_definition(before, after) || same_but_column_order(before, after)
    };
    if same {
        return;
    }
    let mut used = BTreeSet::new();
    let mut renamed = Vec::new();
    let sources = after
        .columns
        .iter()
        .map(|col| {
            let hinted = hints(&col.name)
                .filter(|old| after.column(old).is_none())
                .and_then(|old| before.column(old));
            let source = hinted.or_else(|| before.column(&col.name)).or_else(|| {
                let folded = before
                    .columns
                    .iter()
                    .find(|c| rules.names.fold(&c.name, &col.name));
                folded.filter(|c| after.column(&c.name).is_none())
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

/// Returns table `before` as a rename to `after`'s name leaves it: the new name, and its
/// indexes and the foreign keys that reference the table itself following it.
fn as_renamed(names: Names, before: &Table, after: &Table) -> Table {
    let (old, new) = (before.key(), after.key());
    let mut t = before.clone();
    t.name = after.name.clone();
    for fk in &mut t.foreign_keys {
        if fk.ref_table == old || names.fold(&fk.ref_table, &old) {
            fk.ref_table = new.clone();
        }
    }
    for index in t.indexes.values_mut() {
        index.table = new.clone();
    }
    t
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
        // Row-level security is compared on its own (see `diff_row_security`).
        row_security: _,
        force_row_security: _,
        policies: _,
        partition_by,
        partition_of,
        inherits,
        inherited: _,
    } = a;
    *name == b.name
        && *partition_by == b.partition_by
        && *partition_of == b.partition_of
        && *inherits == b.inherits
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

#[cfg(test)]
mod tests;
