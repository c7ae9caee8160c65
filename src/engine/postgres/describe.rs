//! What changed in a PostgreSQL table, one phrase per column, constraint, policy or option,
//! for `check` and `verify` (as SQLite's details name them): `table public.t: column qty:
//! type integer -> bigint; constraint t_qty_check added (CHECK ((qty > 0)))`.

use crate::diff::TableChange;
use crate::model::{Column, Table};
use std::collections::BTreeMap;

/// The phrases for `tc`; never empty (`definition changed` when nothing named differs).
pub fn table_change(tc: &TableChange) -> Vec<String> {
    let (b, a) = (&tc.before, &tc.after);
    let mut out = Vec::new();
    for (old, new) in &tc.renamed {
        out.push(format!("column {old} renamed to {new}"));
    }
    for (target, source) in &tc.sources {
        match (
            source.as_deref().and_then(|s| b.column(s)),
            a.column(target),
        ) {
            (None, _) => out.push(format!("column {target} added")),
            (Some(from), Some(to)) => column(from, to, &mut out),
            _ => {}
        }
    }
    for c in &tc.dropped {
        out.push(format!("column {c} dropped"));
    }
    let (old, new) = (constraints(b), constraints(a));
    for (name, def) in &old {
        match new.get(name) {
            None => out.push(format!("constraint {name} dropped ({def})")),
            Some(d) if d != def => out.push(format!("constraint {name}: {def} -> {d}")),
            Some(_) => {}
        }
    }
    for (name, def) in new.iter().filter(|(n, _)| !old.contains_key(*n)) {
        out.push(format!("constraint {name} added ({def})"));
    }
    for (name, p) in &b.policies {
        match a.policies.get(name) {
            None => out.push(format!("policy {name} dropped")),
            Some(q) if q != p => out.push(format!("policy {name} changed")),
            Some(_) => {}
        }
    }
    for name in a.policies.keys().filter(|n| !b.policies.contains_key(*n)) {
        out.push(format!("policy {name} added"));
    }
    if b.row_security != a.row_security || b.force_row_security != a.force_row_security {
        out.push("row-level security changed".into());
    }
    if b.comment != a.comment {
        out.push("comment changed".into());
    }
    if b.partition_by != a.partition_by
        || b.partition_of != a.partition_of
        || b.inherits != a.inherits
    {
        out.push("partitioning or inheritance changed".into());
    }
    if out.is_empty() {
        out.push("definition changed".into());
    }
    out
}

/// Constraints by name, with the server's definition.
fn constraints(t: &Table) -> BTreeMap<String, String> {
    let text = |name: &Option<String>, def: &Option<String>| {
        (
            name.clone().unwrap_or_default(),
            def.clone().unwrap_or_default(),
        )
    };
    let mut out = BTreeMap::new();
    if let Some(pk) = &t.primary_key {
        out.extend([text(&pk.name, &pk.definition)]);
    }
    out.extend(t.uniques.iter().map(|u| text(&u.name, &u.definition)));
    out.extend(t.checks.iter().map(|c| text(&c.name, &c.definition)));
    out.extend(t.foreign_keys.iter().map(|f| text(&f.name, &f.definition)));
    out
}

fn column(from: &Column, to: &Column, out: &mut Vec<String>) {
    let n = &to.name;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    if from.ty != to.ty {
        out.push(format!("column {n}: type {} -> {}", from.ty, to.ty));
    }
    if from.not_null != to.not_null {
        let change = match to.not_null {
            true => "NULL -> NOT NULL",
            false => "NOT NULL -> NULL",
        };
        out.push(format!("column {n}: {change}"));
    }
    if from.default != to.default {
        let (x, y) = (show(&from.default), show(&to.default));
        out.push(format!("column {n}: default {x} -> {y}"));
    }
    if from.collation != to.collation {
        let (x, y) = (show(&from.collation), show(&to.collation));
        out.push(format!("column {n}: collation {x} -> {y}"));
    }
    if from.generated != to.generated {
        out.push(format!("column {n}: generation changed"));
    }
    if from.identity != to.identity {
        out.push(format!("column {n}: identity changed"));
    }
    if from.comment != to.comment {
        out.push(format!("column {n}: comment changed"));
    }
}
