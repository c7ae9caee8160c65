//! Hazards: what a reviewer must see before running a step. Each belongs to the step that
//! causes it; one [`HazardKind`] enum with one metadata table ([`HazardKind::info`]).

use super::{Plan, Step};
use crate::diff::{Change, Changeset};
use crate::model::{Column, Schema, Table};
use serde::Serialize;

/// The kinds of hazard, in the order reviewers should care about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    DeletesData,
    LikelyRename,
    MayFailOnExistingRows,
    EnumValueRemoval,
    Irreversible,
    RewritesTable,
    LocksTable,
    IndexBuild,
}

/// What a kind means: its code (in scripts, JSON and `--allow`), a summary, whether
/// `--strict` blocks it by default, and its documentation page.
pub struct HazardInfo {
    pub code: &'static str,
    pub summary: &'static str,
    pub blocking: bool,
    pub doc: &'static str,
}

impl HazardKind {
    pub const ALL: [HazardKind; 8] = [
        HazardKind::DeletesData,
        HazardKind::LikelyRename,
        HazardKind::MayFailOnExistingRows,
        HazardKind::EnumValueRemoval,
        HazardKind::Irreversible,
        HazardKind::RewritesTable,
        HazardKind::LocksTable,
        HazardKind::IndexBuild,
    ];

    /// Returns the kind's metadata (the one table every renderer reads).
    pub fn info(self) -> HazardInfo {
        let (code, summary, blocking, doc) = match self {
            HazardKind::DeletesData => (
                "deletes-data",
                "deletes data that a downgrade cannot bring back",
                true,
                "docs/hazards/deletes-data.md",
            ),
            HazardKind::LikelyRename => (
                "likely-rename",
                "a drop and an add that look like a rename",
                true,
                "docs/hazards/likely-rename.md",
            ),
            HazardKind::MayFailOnExistingRows => (
                "may-fail-on-existing-rows",
                "may fail on the rows already in the table",
                true,
                "docs/hazards/may-fail-on-existing-rows.md",
            ),
            HazardKind::EnumValueRemoval => (
                "enum-value-removal",
                "removes a value from an enum type: rows holding it stop the script",
                true,
                "docs/hazards/enum-value-removal.md",
            ),
            HazardKind::Irreversible => (
                "irreversible",
                "the downgrade cannot give back exactly what this step changes",
                true,
                "docs/hazards/irreversible.md",
            ),
            HazardKind::RewritesTable => (
                "rewrites-table",
                "copies the whole table (time and disk grow with its size; writers wait)",
                false,
                "docs/hazards/rewrites-table.md",
            ),
            HazardKind::LocksTable => (
                "locks-table",
                "holds a lock on an existing table that blocks writes (or reads) while it scans or rewrites it",
                false,
                "docs/hazards/locks-table.md",
            ),
            HazardKind::IndexBuild => (
                "index-build",
                "builds an index over existing rows (time grows with the table; writers wait)",
                false,
                "docs/hazards/index-build.md",
            ),
        };
        HazardInfo {
            code,
            summary,
            blocking,
            doc,
        }
    }

    /// Parses a code such as `deletes-data`.
    pub fn from_code(code: &str) -> Option<HazardKind> {
        HazardKind::ALL.into_iter().find(|k| k.info().code == code)
    }
}

/// One hazard of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub detail: String,
}

impl Hazard {
    fn new(kind: HazardKind, detail: String) -> Hazard {
        Hazard { kind, detail }
    }
}

/// Attaches hazards to the steps of `plan` (as `(step index, hazard)`, in step order).
pub fn assess(plan: &mut Plan, changes: &Changeset, from: &Schema) {
    let renames = likely_renames(changes);
    // Tables that exist before the script, under their names after it (renames run first).
    let mut existing: Vec<String> = from.tables.keys().cloned().collect();
    existing.extend(plan.steps.iter().filter_map(|s| match s {
        Step::RenameTable { to, .. } => Some(to.clone()),
        _ => None,
    }));
    let mut out = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let mut hazards = step_hazards(step, &existing);
        hazards.sort_by_key(|h| h.kind);
        for h in hazards {
            out.push((i, h));
        }
        let dropped = dropped_objects(step);
        for (what, hint) in renames.iter().filter(|(what, _)| dropped.contains(what)) {
            let detail = format!("{what} is dropped while a similar one is added; if it was renamed, pass --rename {hint} to keep its data");
            out.push((i, Hazard::new(HazardKind::LikelyRename, detail)));
        }
    }
    plan.hazards = out;
}

fn step_hazards(step: &Step, existing: &[String]) -> Vec<Hazard> {
    use HazardKind::*;
    let mut out = Vec::new();
    match step {
        Step::DropTable { table } => out.push(Hazard::new(
            DeletesData,
            format!("drops table {} and all its rows", table.name),
        )),
        Step::DropColumn { table, column } => out.push(Hazard::new(
            DeletesData,
            format!("drops column {table}.{column} and its values"),
        )),
        Step::Rebuild(r) => {
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
        Step::CreateIndex { index } if existing.contains(&index.table) => {
            out.push(Hazard::new(
                IndexBuild,
                format!(
                    "index {} is built over the existing rows of {}",
                    index.name, index.table
                ),
            ));
            if index.unique {
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
fn lossy_copies(r: &super::Rebuild) -> Vec<String> {
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
fn may_fail(before: &Table, after: &Table, copy: &[super::CopyColumn]) -> Vec<String> {
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
fn dropped_objects(step: &Step) -> Vec<String> {
    match step {
        Step::DropTable { table } => vec![table.name.clone()],
        Step::DropColumn { table, column } => vec![format!("{table}.{column}")],
        Step::Rebuild(r) => r
            .lost_columns
            .iter()
            .map(|c| format!("{}.{c}", r.after.name))
            .collect(),
        _ => Vec::new(),
    }
}

/// Drops that look like renames, as `(dropped object, the --rename value that would keep it)`:
/// one column dropped and one added with the same definition in a table, or a table dropped
/// and one created with the same columns.
fn likely_renames(changes: &Changeset) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    for change in &changes.changes {
        match change {
            Change::AlterTable(tc) => {
                let added: Vec<&Column> = tc
                    .sources
                    .iter()
                    .filter(|(_, s)| s.is_none())
                    .filter_map(|(n, _)| tc.after.column(n))
                    .collect();
                if let ([new], [old]) = (added.as_slice(), tc.dropped.as_slice()) {
                    if tc.before.column(old).is_some_and(|o| same_shape(o, new)) {
                        out.push((
                            format!("{}.{old}", tc.after.name),
                            format!("{}.{old}={}", tc.after.name, new.name),
                        ));
                    }
                }
            }
            Change::CreateTable(t) => created.push(t),
            Change::DropTable(t) => dropped.push(t),
            _ => {}
        }
    }
    if let ([new], [old]) = (created.as_slice(), dropped.as_slice()) {
        let same = old.columns.len() == new.columns.len()
            && old.columns.iter().zip(&new.columns).all(|(a, b)| a == b);
        if same {
            out.push((old.name.clone(), format!("{}={}", old.name, new.name)));
        }
    }
    out
}

fn same_shape(a: &Column, b: &Column) -> bool {
    Column {
        name: b.name.clone(),
        ..a.clone()
    } == *b
}

/// Returns the hazards of `plan` that `--strict` blocks: blocking kinds not in `allowed`.
pub fn blocking<'a>(plan: &'a Plan, allowed: &[HazardKind]) -> Vec<&'a Hazard> {
    plan.hazards
        .iter()
        .map(|(_, h)| h)
        .filter(|h| h.kind.info().blocking && !allowed.contains(&h.kind))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_code_that_parses_back() {
        let mut codes: Vec<&str> = HazardKind::ALL.iter().map(|k| k.info().code).collect();
        for k in HazardKind::ALL {
            assert_eq!(HazardKind::from_code(k.info().code), Some(k));
            assert!(k.info().doc.ends_with(&format!("{}.md", k.info().code)));
        }
        codes.dedup();
        assert_eq!(codes.len(), HazardKind::ALL.len());
        assert_eq!(HazardKind::from_code("nope"), None);
    }
}
