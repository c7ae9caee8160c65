//! Indexes in a PostgreSQL plan: drops and creates that are one index renamed, and the
//! hazards of building one on an existing table.

use super::{hazard, table, Op, Phase, Steps};
use crate::diff::{Change, Changeset, Renamed};
use crate::model::{Index, Schema};
use crate::plan::HazardKind;

/// Index drops and creates that are one index renamed: same table, same definition but the
/// name (both sides unambiguous), as `(schema, old, new)`.
pub(super) fn index_renames(changes: &Changeset, from: &Schema) -> Vec<Renamed> {
    // A name the current schema uses is not free to rename to (swaps, a dropped index's name).
    let taken = |name: &str| from.tables.values().any(|t| t.indexes.contains_key(name));
    let body = |i: &Index| -> Option<(String, bool, String)> {
        let def = i.definition.as_deref()?;
        let (_, rest) = def.split_once(" ON ")?;
        Some((i.table.clone(), i.unique, rest.to_string()))
    };
    let (mut drops, mut creates) = (Vec::new(), Vec::new());
    for c in &changes.changes {
        match c {
            Change::DropIndex(i) => drops.extend(body(i).map(|b| (b, i))),
            Change::CreateIndex(i) => creates.extend(body(i).map(|b| (b, i))),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (b, old) in &drops {
        let same = |v: &Vec<(_, &Index)>| v.iter().filter(|(x, _)| x == b).count();
        let new = creates.iter().find(|(x, _)| x == b);
        if let (1, 1, Some((_, new))) = (same(&drops), same(&creates), new) {
            if old.name != new.name && !taken(&new.name) {
                let schema = b.0.split_once('.').map_or("public", |(s, _)| s);
                out.push(Renamed {
                    schema: schema.to_string(),
                    from: old.name.clone(),
                    to: new.name.clone(),
                });
            }
        }
    }
    out
}

/// Whether building unique index `index` cannot fail on existing rows: one of its keys is a
/// plain column the same plan adds to the table, which then holds NULL in every existing row,
/// and NULLs never collide (unless the index says NULLS NOT DISTINCT).
fn unique_cannot_fail(index: &Index, changes: &Changeset) -> bool {
    let nulls_distinct = index
        .definition
        .as_deref()
        .is_none_or(|d| !d.contains("NULLS NOT DISTINCT"));
    let added = changes.changes.iter().find_map(|c| match c {
        Change::AlterTable(tc) if tc.after.key() == index.table => Some(table::null_columns(tc)),
        _ => None,
    });
    let Some(nulls) = added else {
        return false;
    };
    nulls_distinct
        && index.columns.iter().any(|part| {
            nulls
                .iter()
                .any(|c| crate::sqltext::quote_pg_ident(c) == part.expr)
        })
}

pub(super) fn create_index(steps: &mut Steps, index: &Index, from: &Schema, changes: &Changeset) {
    let mut hazards = Vec::new();
    if from.tables.contains_key(&index.table) || from.views.contains_key(&index.table) {
        hazards.push(hazard(
            HazardKind::IndexBuild,
            format!(
                "builds index {} on existing table {}, blocking writes to it while it builds",
                index.name, index.table
            ),
        ));
        if index.unique && !unique_cannot_fail(index, changes) {
            hazards.push(hazard(
                HazardKind::MayFailOnExistingRows,
                format!(
                    "unique index {} fails if {} holds duplicates",
                    index.name, index.table
                ),
            ));
        }
    }
    steps.risky(Phase::CreateIndex, Op::CreateIndex(index.clone()), hazards);
}

pub(super) fn drop_index(steps: &mut Steps, index: &Index, from: &Schema) {
    let schema = from
        .tables
        .get(&index.table)
        .and_then(|t| t.schema.clone())
        .unwrap_or_else(|| {
            index
                .table
                .split('.')
                .next()
                .unwrap_or("public")
                .to_string()
        });
    steps.push(
        Phase::DropIndex,
        Op::DropIndex {
            schema,
            name: index.name.clone(),
        },
    );
}
