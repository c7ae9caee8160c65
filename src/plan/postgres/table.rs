//! Table steps: create (foreign keys added after every table exists), drop (children
//! first), and in-place ALTERs for a changed table.

use super::{casts, fk_defs, hazard, CommentOn, Op, Phase, SequenceOf, Steps, TableName};
use crate::diff::TableChange;
use crate::model::{Column, Table};
use crate::plan::order::{cycles, dependency_order};
use crate::plan::rename::{self, LikelyRename};
use crate::plan::HazardKind;
use std::collections::{BTreeMap, BTreeSet};

/// `(parent, child)` pairs: referenced tables, partitioned tables and inheritance parents
/// before the tables that need them.
fn edges(tables: &[&Table]) -> Vec<(String, String)> {
    tables
        .iter()
        .flat_map(|t| {
            let parents = (t.partition_of.iter().map(|p| p.parent.key()))
                .chain(t.inherits.iter().map(|p| p.key()));
            (t.foreign_keys.iter().map(|f| f.ref_table.clone()))
                .chain(parents)
                .map(|p| (p, t.key()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Creates tables parents first, then their foreign keys, sequence ownership and comments.
/// A partition of an existing table with a `DEFAULT` partition (in `from`) may fail: the
/// server moves no rows out of the default partition.
pub fn create_tables(steps: &mut Steps, tables: &[&Table], from: &crate::model::Schema) {
    let by_key: BTreeMap<String, &Table> = tables.iter().map(|t| (t.key(), *t)).collect();
    let keys: BTreeSet<String> = by_key.keys().cloned().collect();
    for key in dependency_order(&keys, &edges(tables)) {
        let Some(t) = by_key.get(key) else {
            continue;
        };
        let mut bare = (*t).clone();
        bare.foreign_keys.clear();
        bare.indexes.clear();
        // CREATE TABLE ignores NOT VALID: such a CHECK is added after, as it is declared.
        let (later, now): (Vec<_>, Vec<_>) = bare.checks.into_iter().partition(not_valid);
        bare.checks = now;
        let mut hazards = Vec::new();
        if let Some(p) = &t.partition_of {
            let parent = p.parent.key();
            if super::partition::has_default_partition(from, &parent) {
                let detail = format!(
                    "creating partition {} of {parent} fails if a row of {parent}'s DEFAULT partition lies inside its bound ({}): move those rows first",
                    t.key(),
                    p.bound
                );
                hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
            }
        }
        steps.risky(Phase::CreateTable, Op::CreateTable(bare), hazards);
        let name = TableName::of(t);
        for c in later {
            let op = Op::AddConstraint {
                table: name.clone(),
                name: c.name.unwrap_or_default(),
                definition: c.definition.unwrap_or_default(),
            };
            steps.push(Phase::AddConstraint, op);
        }
        for (n, def) in fk_defs(&t.foreign_keys) {
            let op = Op::AddConstraint {
                table: name.clone(),
                name: n,
                definition: def,
            };
            steps.push(Phase::AddForeignKey, op);
        }
        // Its indexes come as their own changes (diff lists them after the table).
        comments(steps, t, None);
    }
}

/// Whether a CHECK is `NOT VALID` (the server's definition says so).
pub(crate) fn not_valid(c: &crate::model::Check) -> bool {
    c.definition
        .as_deref()
        .is_some_and(|d| d.ends_with(" NOT VALID"))
}

/// Drops tables children first; foreign keys inside a cycle of dropped tables go first.
/// A drop that looks like a rename (`likely`) says so.
///
/// A partition of a table that stays, under a partitioned table some foreign key
/// references, is detached first: the server refuses to drop it while the key's copy on it
/// exists ("other objects depend on it"); detaching removes that copy (and fails if one of
/// its rows is referenced).
pub fn drop_tables(
    steps: &mut Steps,
    tables: &[&Table],
    likely: &[LikelyRename],
    from: &crate::model::Schema,
) {
    let by_key: BTreeMap<String, &Table> = tables.iter().map(|t| (t.key(), *t)).collect();
    let keys: BTreeSet<String> = by_key.keys().cloned().collect();
    let e = edges(tables);
    for cycle in cycles(&keys, &e) {
        for t in tables.iter().filter(|t| cycle.contains(&t.key())) {
            for fk in t
                .foreign_keys
                .iter()
                .filter(|f| cycle.contains(&f.ref_table))
            {
                let op = Op::DropConstraint {
                    table: TableName::of(t),
                    name: fk.name.clone().unwrap_or_default(),
                };
                steps.push(Phase::DropForeignKey, op);
            }
        }
    }
    let mut order = dependency_order(&keys, &e);
    order.reverse();
    for key in order {
        if let Some(t) = by_key.get(key) {
            let detail = format!("drops table {key} and every row in it");
            let mut hz = vec![hazard(HazardKind::DeletesData, detail)];
            if let Some(twin) = rename::table_of(likely, t) {
                let detail = format!(
                    "table {key} is dropped and {} created with the same columns: if it was renamed, pass --rename {}={} (or put -- schemadiff:renamed-from {} above its CREATE TABLE) to keep its rows",
                    twin.key(), t.name, twin.name, t.name
                );
                hz.push(hazard(HazardKind::LikelyRename, detail));
            }
            if let Some(p) = t.partition_of.as_ref().filter(|p| {
                !by_key.contains_key(&p.parent.key())
                    && super::partition::referenced(from, &p.parent.key())
            }) {
                let op = Op::DetachPartition {
                    table: TableName::of(t),
                    parent: p.parent.clone(),
                    concurrently: false,
                };
                steps.push(Phase::DetachPartition, op);
            }
            steps.risky(Phase::DropTable, Op::DropTable((*t).clone()), hz);
        }
    }
}

/// Comments of a table and its columns that differ from `before` (all, for a new table).
fn comments(steps: &mut Steps, t: &Table, before: Option<&Table>) {
    let name = TableName::of(t);
    if t.comment != before.and_then(|b| b.comment.clone()) {
        let op = Op::Comment {
            on: CommentOn::Table(name.clone()),
            text: t.comment.clone(),
        };
        steps.push(Phase::Comment, op);
    }
    for c in &t.columns {
        let old = before
            .and_then(|b| b.column(&c.name))
            .and_then(|c| c.comment.clone());
        if c.comment != old {
            let op = Op::Comment {
                on: CommentOn::Column(name.clone(), c.name.clone()),
                text: c.comment.clone(),
            };
            steps.push(Phase::Comment, op);
        }
    }
}

/// ALTERs for a table on both sides. Tables whose columns change type, are dropped or
/// renamed go into `affected` (views reading them are re-created). A dropped column that
/// looks like a rename (`likely`) says so.
pub fn alter(
    steps: &mut Steps,
    tc: &TableChange,
    affected: &mut BTreeSet<String>,
    likely: &[LikelyRename],
) {
    let name = TableName::of(&tc.after);
    let key = tc.after.key();
    for col in &tc.dropped {
        affected.insert(key.clone());
        steps.column_changes(&key, col);
        let detail = format!("drops column {key}.{col} and its data");
        let mut hazards = vec![hazard(HazardKind::DeletesData, detail)];
        if let Some(new) = rename::column_of(likely, &tc.after, col) {
            let new = &new.name;
            let detail = format!(
                "{col} is dropped and {new} added with the same type: if it is a rename, pass --rename {}.{col}={new} to keep the data",
                tc.after.name
            );
            hazards.push(hazard(HazardKind::LikelyRename, detail));
        }
        let op = Op::DropColumn {
            table: name.clone(),
            column: col.clone(),
        };
        steps.risky(Phase::AlterTable, op, hazards);
    }
    for (from, to) in &tc.renamed {
        affected.insert(key.clone());
        steps.table_changes(&key);
        let op = Op::RenameColumn {
            table: name.clone(),
            from: from.clone(),
            to: to.clone(),
        };
        steps.push(Phase::AlterTable, op);
    }
    for (col_name, source) in &tc.sources {
        let Some(after) = tc.after.column(col_name) else {
            continue;
        };
        match source.as_deref().and_then(|s| tc.before.column(s)) {
            None => add_column(steps, &name, after, true),
            Some(before) => alter_column(steps, &name, before, after, affected, &key),
        }
    }
    constraints(steps, &tc.before, &tc.after, &null_columns(tc));
    comments(steps, &tc.after, Some(&tc.before));
}

fn add_column(steps: &mut Steps, table: &TableName, col: &Column, existing: bool) {
    let key = format!("{}.{}", table.schema, table.name);
    let needs_backfill = existing
        && col.not_null
        && col.default.is_none()
        && col.identity.is_none()
        && col.generated.is_none();
    let mut hazards = Vec::new();
    if col.generated.is_some() {
        let detail = format!("adding stored generated column {} rewrites {key}", col.name);
        hazards.push(hazard(HazardKind::RewritesTable, detail));
    }
    if needs_backfill {
        let detail = format!(
            "{key}.{} is NOT NULL without a default: fill it in the marked backfill statement, or SET NOT NULL fails on existing rows",
            col.name
        );
        hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
        let mut nullable = col.clone();
        nullable.not_null = false;
        let op = Op::AddColumn {
            table: table.clone(),
            column: nullable,
        };
        steps.risky(Phase::AlterTable, op, hazards);
        let fill = Op::Backfill {
            table: table.clone(),
            column: col.name.clone(),
        };
        steps.push(Phase::AlterTable, fill);
        let set = Op::SetNotNull {
            table: table.clone(),
            column: col.name.clone(),
            not_null: true,
        };
        steps.push(Phase::AlterTable, set);
        return;
    }
    let op = Op::AddColumn {
        table: table.clone(),
        column: col.clone(),
    };
    steps.risky(Phase::AlterTable, op, hazards);
}

fn alter_column(
    steps: &mut Steps,
    table: &TableName,
    before: &Column,
    after: &Column,
    affected: &mut BTreeSet<String>,
    key: &str,
) {
    let col = after.name.clone();
    // A column on a re-created enum gets its default back in the conversion.
    let default_changes = !steps.recreated_enums.contains(&after.ty);
    if before.generated != after.generated {
        affected.insert(key.to_string());
        steps.column_changes(key, &col);
        if before.generated.is_some() && after.generated.is_none() && steps.caps.drop_expression() {
            let op = Op::DropExpression {
                table: table.clone(),
                column: col.clone(),
            };
            steps.push(Phase::AlterTable, op);
        } else {
            // PostgreSQL 15 cannot change or add a generation expression in place (nor drop
            // one before 13).
            let detail =
                format!("drops and re-adds column {key}.{col} to change how it is generated");
            let drop = Op::DropColumn {
                table: table.clone(),
                column: col.clone(),
            };
            // A changed expression computes the values again; a column that becomes or
            // stops being generated loses the values it held.
            let hz = if before.generated.is_some() && after.generated.is_some() {
                HazardKind::RewritesTable
            } else {
                HazardKind::DeletesData
            };
            steps.risky(Phase::AlterTable, drop, vec![hazard(hz, detail)]);
            add_column(steps, table, after, true);
            return;
        }
    }
    if before.identity.is_some() && after.identity.is_none() {
        let op = Op::DropIdentity {
            table: table.clone(),
            column: col.clone(),
        };
        steps.push(Phase::AlterTable, op);
    }
    let retyped = before.ty != after.ty || before.collation != after.collation;
    // The server converts a kept default to the new type, but not every one casts (text to
    // an enum, one enum to another): a default that changes anyway goes before the ALTER.
    let default_goes = default_changes
        && before.default != after.default
        && (after.default.is_none() || (retyped && before.default.is_some()));
    if default_goes {
        let op = Op::SetDefault {
            table: table.clone(),
            column: col.clone(),
            default: None,
        };
        steps.push(Phase::AlterTable, op);
    }
    if retyped {
        affected.insert(key.to_string());
        steps.column_changes(key, &col);
        let using = using(&col, &before.ty, &after.ty, &|ty| steps.enums.contains(ty));
        let detail = format!(
            "changes {key}.{col} from {} to {}: rewrites the table unless the types are binary-compatible",
            before.ty, after.ty
        );
        let mut hazards = vec![
            hazard(HazardKind::RewritesTable, detail),
            hazard(
                HazardKind::LocksTable,
                format!("holds an ACCESS EXCLUSIVE lock on {key} while it converts {col}: reads and writes wait"),
            ),
        ];
        let enums = |ty: &str| steps.enums.contains(ty);
        let verdict = casts::judge(&before.ty, &after.ty, &enums);
        if let Some(why) = verdict.may_fail {
            let detail = format!("{key}.{col} from {} to {}: {why}", before.ty, after.ty);
            hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
        }
        if let Some(why) = verdict.lossy {
            let detail = format!(
                "{key}.{col} from {} to {}: {why}; the downgrade converts back but cannot restore them",
                before.ty, after.ty
            );
            hazards.push(hazard(HazardKind::Irreversible, detail));
        }
        let op = Op::AlterType {
            table: table.clone(),
            column: after.clone(),
            using,
        };
        steps.risky(Phase::AlterTable, op, hazards);
    }
    if default_changes && before.default != after.default && after.default.is_some() {
        let op = Op::SetDefault {
            table: table.clone(),
            column: col.clone(),
            default: after.default.clone(),
        };
        steps.push(Phase::AlterTable, op);
    }
    if before.not_null != after.not_null {
        let mut hazards = Vec::new();
        if after.not_null {
            let detail = format!("SET NOT NULL on {key}.{col} fails if a row holds NULL");
            hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
            let detail = format!("scans {key} for NULLs under an ACCESS EXCLUSIVE lock: reads and writes wait (--not-valid checks it through a validated CHECK instead)");
            hazards.push(hazard(HazardKind::LocksTable, detail));
        }
        let op = Op::SetNotNull {
            table: table.clone(),
            column: col.clone(),
            not_null: after.not_null,
        };
        steps.risky(Phase::AlterTable, op, hazards);
    }
    match (&before.identity, &after.identity) {
        (None, Some(_)) => {
            let op = Op::AddIdentity {
                table: table.clone(),
                column: after.clone(),
            };
            steps.push(Phase::AlterTable, op);
        }
        (Some(a), Some(b)) if a != b => {
            let of = SequenceOf::Identity {
                table: table.clone(),
                column: col.clone(),
            };
            if let Some(op) = super::types::into_bounds(of, &a.options, &b.options) {
                steps.push(Phase::AlterTable, op);
            }
            let op = Op::AlterIdentity {
                table: table.clone(),
                column: after.clone(),
            };
            steps.push(Phase::AlterTable, op);
        }
        _ => {}
    }
}

/// Columns the change adds that hold NULL in every existing row once added: no column of
/// `before` carries data into them, nullable, no default, not identity, not generated.
pub(super) fn null_columns(tc: &TableChange) -> BTreeSet<String> {
    tc.sources
        .iter()
        .filter(|(_, source)| source.is_none())
        .filter_map(|(name, _)| tc.after.column(name))
        .filter(|c| {
            !c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none()
        })
        .map(|c| c.name.clone())
        .collect()
}

/// Whether adding constraint `name` (`def`) to existing rows cannot fail because of the
/// columns in `nulls` (NULL in every existing row): a foreign key with one of its columns
/// NULL is not checked (MATCH SIMPLE; MATCH FULL needs them all NULL), and NULLs are
/// distinct in a UNIQUE constraint (not with NULLS NOT DISTINCT). A CHECK may be false on
/// NULL (`x IS NOT NULL`, `coalesce(x, 0) > 0`) and a PRIMARY KEY sets NOT NULL: both may fail.
fn cannot_fail(after: &Table, name: &str, def: &str, nulls: &BTreeSet<String>) -> bool {
    let null = |c: &String| nulls.contains(c);
    let named = |n: &Option<String>| n.as_deref() == Some(name);
    if def.starts_with("FOREIGN KEY") {
        let Some(fk) = after.foreign_keys.iter().find(|f| named(&f.name)) else {
            return false;
        };
        return if def.contains("MATCH FULL") {
            !fk.columns.is_empty() && fk.columns.iter().all(null)
        } else {
            fk.columns.iter().any(null)
        };
    }
    if def.starts_with("UNIQUE") && !def.contains("NULLS NOT DISTINCT") {
        return after
            .uniques
            .iter()
            .find(|u| named(&u.name))
            .is_some_and(|u| u.columns.iter().any(null));
    }
    false
}

/// Constraint drops and adds, compared by name and the server's definition text.
fn constraints(steps: &mut Steps, before: &Table, after: &Table, nulls: &BTreeSet<String>) {
    let name = TableName::of(after);
    let key = after.key();
    let plain = |t: &Table| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Vec::new();
        if let Some(pk) = &t.primary_key {
            v.push((
                pk.name.clone().unwrap_or_default(),
                pk.definition.clone().unwrap_or_default(),
            ));
        }
        v.extend(t.uniques.iter().map(|u| {
            (
                u.name.clone().unwrap_or_default(),
                u.definition.clone().unwrap_or_default(),
            )
        }));
        v.extend(t.checks.iter().map(|c| {
            (
                c.name.clone().unwrap_or_default(),
                c.definition.clone().unwrap_or_default(),
            )
        }));
        v
    };
    let sets = [
        (
            plain(before),
            plain(after),
            Phase::DropConstraint,
            Phase::AddConstraint,
        ),
        (
            fk_defs(&before.foreign_keys),
            fk_defs(&after.foreign_keys),
            Phase::DropForeignKey,
            Phase::AddForeignKey,
        ),
    ];
    for (old, new, drop_phase, add_phase) in sets {
        let old_only: Vec<&(String, String)> = old.iter().filter(|c| !new.contains(c)).collect();
        let new_only: Vec<&(String, String)> = new.iter().filter(|c| !old.contains(c)).collect();
        let mut renamed = Vec::new();
        // Left NOT VALID (a validation after the commit failed): validate it in place.
        for (n, def) in &new_only {
            if old_only.contains(&&(n.clone(), format!("{def} NOT VALID"))) {
                let detail = format!("validating {n} checks every existing row of {key} and fails if one violates it");
                let op = Op::ValidateConstraint {
                    table: name.clone(),
                    name: n.clone(),
                };
                steps.risky(
                    add_phase,
                    op,
                    vec![hazard(HazardKind::MayFailOnExistingRows, detail)],
                );
                renamed.push(n.clone());
            }
        }
        for (n, def) in &old_only {
            let count = |v: &[&(String, String)]| v.iter().filter(|(_, d)| d == def).count();
            let target = new_only.iter().find(|(_, d)| d == def);
            if let (1, 1, Some((to, _))) = (count(&old_only), count(&new_only), target) {
                let op = Op::RenameConstraint {
                    table: name.clone(),
                    from: n.clone(),
                    to: to.clone(),
                };
                steps.push(Phase::Rename, op);
                renamed.push(n.clone());
                renamed.push(to.clone());
            }
        }
        let old: Vec<&(String, String)> =
            old.iter().filter(|(n, _)| !renamed.contains(n)).collect();
        let new: Vec<&(String, String)> =
            new.iter().filter(|(n, _)| !renamed.contains(n)).collect();
        let old = old.into_iter().cloned().collect::<Vec<_>>();
        let new = new.into_iter().cloned().collect::<Vec<_>>();
        for (n, def) in &old {
            if !new.contains(&(n.clone(), def.clone())) {
                let op = Op::DropConstraint {
                    table: name.clone(),
                    name: n.clone(),
                };
                steps.push(drop_phase, op);
            }
        }
        for (n, def) in &new {
            if !old.contains(&(n.clone(), def.clone())) {
                let mut hazards = Vec::new();
                if !def.ends_with("NOT VALID") {
                    if !cannot_fail(after, n, def, nulls) {
                        let detail = format!(
                            "adding constraint {n} to {key} checks every existing row and fails if one violates it"
                        );
                        hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
                    }
                    hazards.push(hazard(HazardKind::LocksTable, lock_detail(n, def, &key)));
                }
                let op = Op::AddConstraint {
                    table: name.clone(),
                    name: n.clone(),
                    definition: def.clone(),
                };
                steps.risky(add_phase, op, hazards);
            }
        }
    }
}

/// What adding constraint `name` locks while it checks the rows of `key`.
pub(crate) fn lock_detail(name: &str, def: &str, key: &str) -> String {
    if def.starts_with("FOREIGN KEY") {
        format!("checks every row of {key} for {name} while writes to it and to the referenced table wait (--not-valid validates after the commit without blocking them)")
    } else if def.starts_with("CHECK") {
        format!("checks every row of {key} for {name} under an ACCESS EXCLUSIVE lock: reads and writes wait (--not-valid validates after the commit without blocking them)")
    } else {
        format!("builds the index of {name} over {key} under an ACCESS EXCLUSIVE lock: reads and writes wait")
    }
}

/// The `USING` expression converting column `col` from `from` to `to`. Between string types
/// none: the assignment cast fails on a value too long for the new length, where an explicit
/// cast would cut it. Into a length-limited string through `::text`, for the same reason.
/// Arrays of them alike, element by element. From one enum type to another through `::text`
/// (there is no cast between two enum types).
fn using(col: &str, from: &str, to: &str, enums: &dyn Fn(&str) -> bool) -> String {
    let quoted = crate::sqltext::quote_pg_ident(col);
    let (f, t, array) = match (from.strip_suffix("[]"), to.strip_suffix("[]")) {
        (Some(f), Some(t)) => (f, t, "[]"),
        _ => (from, to, ""),
    };
    if casts::is_string(f) && casts::is_string(t) {
        String::new()
    } else if casts::is_bounded_string(t) {
        format!("{quoted}::text{array}")
    } else if enums(f) && enums(t) {
        format!("{quoted}::text{array}::{to}")
    } else {
        format!("{quoted}::{to}")
    }
}
