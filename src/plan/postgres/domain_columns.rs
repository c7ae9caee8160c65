//! A domain that must be dropped and created again while table columns use it (its base
//! type or collation changes, or it gains a CHECK or NOT NULL while an array column holds
//! it, which `ALTER DOMAIN` refuses: "cannot alter type … because column … uses it").
//!
//! The columns of the domain (and of arrays of it) are moved to the domain's old base type
//! before the drop (`ALTER COLUMN c TYPE <base>`: a relabelling, values kept), the domain
//! is dropped and created as declared, and the columns are moved back (`ALTER COLUMN c TYPE
//! <domain>` without `USING`: an assignment cast, which checks every value against the new
//! domain and refuses, rather than cuts, a value too long for it). Views reading those columns are
//! dropped before and created again after (the usual view machinery). What else uses the
//! domain (functions, other domains, composite types) still stops the script, with an
//! [`HazardKind::UnsupportedChange`].

use super::routines::{describe, refuse_in_use, Routine, Routines};
use super::{hazard, Op, Phase, Steps, TableName};
use crate::model::{qualified_key, Column, CompositeType, Dependent, Domain, Schema, Table};
use crate::plan::{Hazard, HazardKind};
use crate::sqltext::{quote_pg_ident, quote_pg_qualified};
use std::collections::BTreeSet;

/// A table column of the domain's type, or of an array of it.
pub(crate) struct Use<'a> {
    pub(crate) table: &'a Table,
    pub(crate) column: &'a Column,
    pub(crate) array: bool,
}

impl Use<'_> {
    fn describe(&self) -> String {
        format!("{}.{}", self.table.key(), self.column.name)
    }
}

/// The table columns of `schema` whose type is domain `d` or an array of it.
pub(crate) fn columns_of<'a>(schema: &'a Schema, d: &Domain) -> Vec<Use<'a>> {
    columns_of_type(schema, &d.schema, &d.name)
}

/// The table columns of `schema` whose type is `ns.name` or an array of it.
fn columns_of_type<'a>(schema: &'a Schema, ns: &str, name: &str) -> Vec<Use<'a>> {
    let ty = quote_pg_qualified(ns, name);
    let array = format!("{ty}[]");
    let mut out = Vec::new();
    for table in schema.tables.values() {
        for column in &table.columns {
            if column.ty == ty || column.ty == array {
                out.push(Use {
                    table,
                    column,
                    array: column.ty == array,
                });
            }
        }
    }
    out
}

/// Plans domain `before` dropped and created again as `after` (`why`: what `ALTER DOMAIN`
/// cannot do): its columns moved out and back around it when they are all that use it
/// (views over them are re-created), else refused as before.
pub(crate) fn recreate_in_use(
    steps: &mut Steps,
    routines: &mut Routines,
    affected: &mut BTreeSet<String>,
    (before, after): (&Domain, &Domain),
    from: &Schema,
    to: &Schema,
    why: &str,
) {
    let key = qualified_key(&before.schema, &before.name);
    let moved = columns_of(from, before);
    let moved_text: BTreeSet<String> = moved
        .iter()
        .map(|u| format!("column {}", u.describe()))
        .collect();
    let mut views = BTreeSet::new();
    let mut others = Vec::new();
    for d in from.dependents.of(&key) {
        match d {
            Dependent::Other(text) if moved_text.contains(text) => {}
            Dependent::Other(text) if text.starts_with("column ") => {
                match from
                    .views
                    .keys()
                    .find(|v| text.starts_with(&format!("column {v}.")))
                {
                    Some(v) => {
                        views.insert(v.clone());
                    }
                    None => others.push(text.clone()),
                }
            }
            Dependent::View(v) => {
                views.insert(v.clone());
            }
            Dependent::Default { table, column }
                if moved
                    .iter()
                    .any(|u| u.table.key() == *table && u.column.name == *column) => {}
            other => others.push(describe(other)),
        }
    }
    let what = format!("domain {key}");
    let hazards = refuse_in_use(&what, why, &others);
    if hazards.is_empty() {
        routines.recreate_views(views);
        for u in &moved {
            move_column(steps, affected, u, (before, after), to);
        }
    }
    let (old, new) = (
        Routine::Domain(before.clone()),
        Routine::Domain(after.clone()),
    );
    routines.recreate(old, new, hazards);
}

/// Moves one column to the old base type before the domain is dropped and back to the
/// domain (as `to` declares the column) once it is created again, with the hazards of the
/// move back; its default is dropped before and set again after.
fn move_column(
    steps: &mut Steps,
    affected: &mut BTreeSet<String>,
    u: &Use,
    (before, after): (&Domain, &Domain),
    to: &Schema,
) {
    let key = u.table.key();
    if !to.tables.contains_key(&key) {
        return; // dropped with its table, before the domain
    }
    let name = TableName::of(u.table);
    let suffix = if u.array { "[]" } else { "" };
    affected.insert(key.clone());
    steps.column_changes(&key, &u.column.name);
    if u.column.default.is_some() {
        let op = Op::SetDefault {
            table: name.clone(),
            column: u.column.name.clone(),
            default: None,
        };
        steps.push(Phase::DropTable, op);
    }
    let base_ty = format!("{}{suffix}", before.base_type);
    let base = Column {
        ty: base_ty.clone(),
        default: None,
        ..u.column.clone()
    };
    let quoted = quote_pg_ident(&u.column.name);
    let op = Op::AlterType {
        table: name.clone(),
        using: format!("{quoted}::{base_ty}"),
        column: base,
    };
    steps.push(Phase::DropTable, op);
    let target = to
        .tables
        .get(&key)
        .and_then(|t| t.column(&u.column.name))
        .filter(|c| c.ty == u.column.ty);
    let Some(target) = target else {
        // Dropped, or given another type by the table's own change (from the base type).
        return;
    };
    let ty = format!("{}{suffix}", quote_pg_qualified(&after.schema, &after.name));
    let mut hazards = vec![hazard(
        HazardKind::RewritesTable,
        format!(
            "moves {} to {} and back to {ty} around the domain's re-creation: checks (and may rewrite) every row, under an ACCESS EXCLUSIVE lock on {key}",
            u.describe(),
            base_ty
        ),
    )];
    if let Some(why) = narrower(before, after) {
        hazards.push(hazard(
            HazardKind::MayFailOnExistingRows,
            format!(
                "converting {} back to {ty} fails if a value violates {why} (an assignment cast: a value too long is refused, not cut; a base type the old one has no assignment cast to fails outright)",
                u.describe()
            ),
        ));
    }
    // No USING: the assignment cast fails on a value the new base type cannot hold
    // (`varchar(40)` into `varchar(20)`), where an explicit cast would cut it.
    let using = String::new();
    let op = Op::AlterType {
        table: name.clone(),
        column: Column {
            default: None,
            ..target.clone()
        },
        using,
    };
    steps.risky(Phase::AlterTable, op, hazards);
    if let (Some(_), Some(d)) = (&u.column.default, &target.default) {
        let op = Op::SetDefault {
            table: name,
            column: u.column.name.clone(),
            default: Some(d.clone()),
        };
        steps.push(Phase::AlterTable, op);
    }
}

/// What the re-created domain checks that the old one did not: its new base type, new
/// CHECKs, NOT NULL.
fn narrower(before: &Domain, after: &Domain) -> Option<String> {
    let mut what = Vec::new();
    if before.base_type != after.base_type {
        what.push(format!("the new base type {}", after.base_type));
    }
    let new: Vec<&str> = after
        .checks
        .iter()
        .filter(|c| {
            c.valid
                && !before
                    .checks
                    .iter()
                    .any(|b| b.valid && b.definition == c.definition)
        })
        .map(|c| c.name.as_str())
        .collect();
    if !new.is_empty() {
        what.push(format!("its new CHECK {}", new.join(", ")));
    }
    if after.not_null && !before.not_null {
        what.push("NOT NULL".to_string());
    }
    (!what.is_empty()).then(|| what.join(" or "))
}

/// Moves the table columns of composite type `t` (and arrays of it) to `text` before its
/// attributes change type (`ALTER TYPE … ALTER ATTRIBUTE … TYPE` refuses while a column
/// stores the type) and back after (`USING c::type`: each value's text read as the new
/// type), views over them re-created. Returns the hazards of the moves; none when no column
/// stores the type.
pub(crate) fn move_composite_columns(
    steps: &mut Steps,
    affected: &mut BTreeSet<String>,
    t: &CompositeType,
    to: &Schema,
    from: &Schema,
) -> Vec<Hazard> {
    let ty = quote_pg_qualified(&t.schema, &t.name);
    let mut hazards = Vec::new();
    for u in columns_of_type(from, &t.schema, &t.name) {
        let key = u.table.key();
        if !to.tables.contains_key(&key) {
            continue;
        }
        let name = TableName::of(u.table);
        let suffix = if u.array { "[]" } else { "" };
        let quoted = quote_pg_ident(&u.column.name);
        affected.insert(key.clone());
        steps.column_changes(&key, &u.column.name);
        if u.column.default.is_some() {
            let op = Op::SetDefault {
                table: name.clone(),
                column: u.column.name.clone(),
                default: None,
            };
            steps.push(Phase::DropTable, op);
        }
        let out = Column {
            ty: format!("text{suffix}"),
            default: None,
            collation: None,
            ..u.column.clone()
        };
        let op = Op::AlterType {
            table: name.clone(),
            using: format!("{quoted}::text{suffix}"),
            column: out,
        };
        steps.push(Phase::DropTable, op);
        let target = (to.tables.get(&key))
            .and_then(|t| t.column(&u.column.name))
            .filter(|c| c.ty == u.column.ty);
        let Some(target) = target else {
            continue;
        };
        let detail = format!(
            "moves {} to text{suffix} and back to {ty}{suffix} around the change of its attributes' types: rewrites {key} twice under an ACCESS EXCLUSIVE lock",
            u.describe()
        );
        hazards.push(hazard(HazardKind::RewritesTable, detail));
        let detail = format!(
            "converting {} back to {ty}{suffix} fails if a stored attribute value does not read as its new type",
            u.describe()
        );
        hazards.push(hazard(HazardKind::MayFailOnExistingRows, detail));
        let op = Op::AlterType {
            table: name.clone(),
            using: format!("{quoted}::{ty}{suffix}"),
            column: Column {
                default: None,
                ..target.clone()
            },
        };
        steps.push(Phase::AlterTable, op);
        if let (Some(_), Some(d)) = (&u.column.default, &target.default) {
            let op = Op::SetDefault {
                table: name,
                column: u.column.name.clone(),
                default: Some(d.clone()),
            };
            steps.push(Phase::AlterTable, op);
        }
    }
    hazards
}
