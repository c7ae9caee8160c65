//! SQLite's hazards, attached to the step that causes each: data a drop or a rebuild's copy
//! loses, rows a rebuild's target may reject, copies and index builds over existing rows,
//! and drops that look like renames (the engine-free [`likely_renames`] rule).

use super::{CopyColumn, Op, Rebuild};
use crate::diff::Changeset;
use crate::model::{Column, Schema, Table};
use crate::plan::rename::{likely_renames, LikelyRename, Pairing, RenameRule};
use crate::plan::{Hazard, HazardKind, Planned};

/// SQLite's likely-rename rule: a column with the same definition, a table with the same
/// columns, and only when the changeset drops one table and creates one.
const RENAMES: RenameRule = RenameRule {
    same_column: same_shape,
    same_table: same_columns,
    tables: Pairing::OnlyPair,
};

/// Returns `ops` as steps, each with its hazards: the kinds in order, then a likely rename.
pub(super) fn assess(ops: Vec<Op>, changes: &Changeset, from: &Schema) -> Vec<Planned<Op>> {
    let renames: Vec<(String, String)> = likely_renames(changes, &RENAMES)
        .into_iter()
        .map(|r| match r {
            LikelyRename::Column { table, from, to } => (
                format!("{}.{}", table.name, from.name),
                format!("{}.{}={}", table.name, from.name, to.name),
            ),
            LikelyRename::Table { from, to } => {
                (from.name.clone(), format!("{}={}", from.name, to.name))
            }
        })
        .collect();
    // Tables that exist before the script, under their names after it (renames run first).
    let mut existing: Vec<String> = from.tables.keys().cloned().collect();
    existing.extend(ops.iter().filter_map(|s| match s {
        Op::RenameTable { to, .. } => Some(to.clone()),
        _ => None,
    }));
    // Columns the script adds that hold NULL in every existing row (nullable, no default, not
    // generated), as `(table, quoted name)`: a unique index over one cannot fail, as SQLite
    // never counts NULLs as equal in a unique index.
    let nulls: Vec<(String, String)> = ops
        .iter()
        .filter_map(|s| match s {
            Op::AddColumn { table, column, .. }
                if !column.not_null && column.default.is_none() && column.generated.is_none() =>
            {
                Some((table.clone(), crate::sqltext::quote_ident(&column.name)))
            }
            _ => None,
        })
        .collect();
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let mut hazards = step_hazards(&op, &existing, &nulls);
        hazards.sort_by_key(|h| h.kind);
        let dropped = dropped_objects(&op);
        for (what, hint) in renames.iter().filter(|(what, _)| dropped.contains(what)) {
            let detail = format!("{what} is dropped while a similar one is added; if it was renamed, pass --rename {hint} to keep its data");
            hazards.push(Hazard::new(HazardKind::LikelyRename, detail));
        }
        out.push(Planned {
            phase: op.phase(),
            op,
            hazards,
        });
    }
    out
}

fn step_hazards(step: &Op, existing: &[String], nulls: &[(String, String)]) -> Vec<Hazard> {
    use HazardKind::*;
    let mut out = Vec::new();
    match step {
        Op::DropTable { table } => out.push(Hazard::new(
            DeletesData,
            format!("drops table {} and all its rows", table.name),
        )),
        Op::DropVirtualTable {
            table,
            recreated: false,
        } => out.push(Hazard::new(
            DeletesData,
            format!("drops virtual table {} and all its rows", table.name),
        )),
        Op::DropVirtualTable {
            table,
            recreated: true,
        } => out.push(Hazard::new(
            VirtualTableRecreated,
            format!(
                "virtual table {} ({}) is dropped and created again with another definition: it loses its rows unless the module keeps them elsewhere (an external-content FTS table reads them back with its 'rebuild' command)",
                table.name, table.module
            ),
        )),
        Op::DropColumn { table, column } => out.push(Hazard::new(
            DeletesData,
            format!("drops column {table}.{column} and its values"),
        )),
        Op::Rebuild(r) => {
            for c in &r.lost_columns {
                out.push(Hazard::new(
                    DeletesData,
                    format!(
                        "column {}.{c} is not copied; its values are lost",
                        r.after.name
                    ),
                ));
            }
            if r.renumbers_rowids() {
                let detail = format!("table {} has columns named rowid, _rowid_ and oid: the copy cannot name its rowids, so they are renumbered", r.after.name);
                out.push(Hazard::new(Irreversible, detail));
            }
            for detail in lossy_copies(r) {
                out.push(Hazard::new(Irreversible, detail));
            }
            for reason in may_fail(&r.before, &r.after, &r.copy)
                .into_iter()
                .chain(new_unique_indexes(&r.before, &r.after))
            {
                out.push(Hazard::new(MayFailOnExistingRows, reason));
            }
            out.push(Hazard::new(
                RewritesTable,
                format!("table {} is copied row by row", r.after.name),
            ));
        }
        Op::CreateIndex { index } if existing.contains(&index.table) => {
            out.push(Hazard::new(
                IndexBuild,
                format!(
                    "index {} is built over the existing rows of {}",
                    index.name, index.table
                ),
            ));
            let over_null = index.columns.iter().any(|p| {
                nulls
                    .iter()
                    .any(|(t, c)| *t == index.table && *c == p.expr)
            });
            if index.unique && !over_null {
                let detail = format!(
                    "unique index {} fails if {} holds duplicates",
                    index.name, index.table
                );
                out.push(Hazard::new(MayFailOnExistingRows, detail));
            }
        }
        _ => {}
    }
    out
}

/// Columns whose values the rebuild's copy rewrites (the new type's affinity converts them).
fn lossy_copies(r: &Rebuild) -> Vec<String> {
    let shown = |ty: &str| {
        if ty.is_empty() {
            "(none)".to_string()
        } else {
            ty.to_string()
        }
    };
    r.copy
        .iter()
        .filter_map(|c| {
            let from = r.before.column(&c.source)?;
            let to = r.after.column(&c.target)?;
            let why = super::affinity::lossy(&from.ty, r.before.strict, &to.ty)?;
            Some(format!(
                "column {}.{} from {} to {}: {why}; the downgrade cannot restore them",
                r.after.name,
                to.name,
                shown(&from.ty),
                shown(&to.ty)
            ))
        })
        .collect()
}

/// What in a rebuild's target existing rows may violate.
fn may_fail(before: &Table, after: &Table, copy: &[CopyColumn]) -> Vec<String> {
    let mut out = Vec::new();
    for c in copy {
        let (Some(from), Some(to)) = (before.column(&c.source), after.column(&c.target)) else {
            continue;
        };
        if to.not_null && !from.not_null && c.backfill.is_none() {
            out.push(format!(
                "column {}.{} becomes NOT NULL without a default to fill existing NULLs",
                after.name, to.name
            ));
        }
        if to.ty != from.ty
            && after.strict
            && super::affinity::strict_may_fail(&from.ty, before.strict, &to.ty)
        {
            out.push(format!(
                "column {}.{} changes type in a STRICT table; values that do not convert fail",
                after.name, to.name
            ));
        }
    }
    let added = |kind: &str, n: usize| {
        let them = if n == 1 { "it" } else { "them" };
        (n > 0).then(|| {
            format!(
                "{n} {kind} added to {}; existing rows must satisfy {them}",
                after.name
            )
        })
    };
    if after.strict && !before.strict {
        out.push(format!(
            "{} becomes STRICT; every existing value must match its column's type",
            after.name
        ));
    }
    for c in copy {
        let (Some(from), Some(to)) = (before.column(&c.source), after.column(&c.target)) else {
            continue;
        };
        if from.collation != to.collation && is_unique_key(after, &to.name) {
            out.push(format!("the collation of unique column {}.{} changes; values equal under the new one collide", after.name, to.name));
        }
    }
    // Constraints compared by what they constrain: a new name, an ON DELETE action or a
    // deferral cannot make existing rows fail.
    let new_uniques = after
        .uniques
        .iter()
        .filter(|u| !before.uniques.iter().any(|b| b.columns == u.columns))
        .count();
    let new_checks = after
        .checks
        .iter()
        .filter(|c| !before.checks.iter().any(|b| b.expr == c.expr))
        .count();
    let fk_key = |f: &crate::model::ForeignKey| {
        (
            f.columns.clone(),
            f.ref_table.clone(),
            f.ref_columns.clone(),
        )
    };
    let new_fks = after
        .foreign_keys
        .iter()
        .filter(|f| !before.foreign_keys.iter().any(|b| fk_key(b) == fk_key(f)))
        .count();
    let pk_changed = after.primary_key.as_ref().map(|p| &p.columns)
        != before.primary_key.as_ref().map(|p| &p.columns);
    out.extend(added("UNIQUE constraint(s)", new_uniques));
    out.extend(added("CHECK constraint(s)", new_checks));
    out.extend(added("foreign key(s)", new_fks));
    if pk_changed && after.primary_key.is_some() {
        out.push(format!(
            "the primary key of {} changes; existing rows must be unique on it",
            after.name
        ));
    }
    for col in after
        .columns
        .iter()
        .filter(|c| c.not_null && c.default.is_none() && c.generated.is_none())
    {
        if !copy.iter().any(|c| c.target == col.name) {
            out.push(format!("new column {}.{} is NOT NULL without a default; on a table with rows the copy fails until the marked backfill is written", after.name, col.name));
        }
    }
    out
}

/// Reports whether `column` is (part of) a UNIQUE constraint, the primary key or a unique index.
fn is_unique_key(t: &Table, column: &str) -> bool {
    let has = |cols: &[String]| cols.iter().any(|c| c == column);
    t.uniques.iter().any(|u| has(&u.columns))
        || t.primary_key.as_ref().is_some_and(|pk| has(&pk.columns))
        || t.indexes.values().any(|i| {
            i.unique
                && i.columns
                    .iter()
                    .any(|p| p.expr == crate::sqltext::quote_ident(column))
        })
}

/// Unique indexes a rebuild creates that the table did not have.
fn new_unique_indexes(before: &Table, after: &Table) -> Vec<String> {
    after
        .indexes
        .values()
        .filter(|i| {
            i.unique
                && before
                    .indexes
                    .get(&i.name)
                    .is_none_or(|b| b.columns != i.columns || b.predicate != i.predicate)
        })
        .map(|i| {
            format!(
                "unique index {} fails if {} holds duplicates",
                i.name, after.name
            )
        })
        .collect()
}

/// The tables and columns a step drops, as `table` or `table.column`.
fn dropped_objects(step: &Op) -> Vec<String> {
    match step {
        Op::DropTable { table } => vec![table.name.clone()],
        Op::DropColumn { table, column } => vec![format!("{table}.{column}")],
        Op::Rebuild(r) => r
            .lost_columns
            .iter()
            .map(|c| format!("{}.{c}", r.after.name))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether two tables have the same columns, in order (their names aside).
fn same_columns(old: &Table, new: &Table) -> bool {
    old.columns.len() == new.columns.len()
        && old.columns.iter().zip(&new.columns).all(|(a, b)| a == b)
}

/// Whether two columns have the same definition, their names aside.
fn same_shape(a: &Column, b: &Column) -> bool {
    Column {
        name: b.name.clone(),
        ..a.clone()
    } == *b
}
