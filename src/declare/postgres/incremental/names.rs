//! The checks on the spliced model: names PostgreSQL may have chosen differently in a full
//! load, and foreign keys of unchanged tables onto reloaded ones.

use super::Reload;
use crate::model::{Schema, Table};
use std::collections::{BTreeMap, BTreeSet};

pub(super) type Names = BTreeSet<(String, String)>;

/// Per schema, the names PostgreSQL chose or checked for the reloaded tables and views of
/// `schema`: table, view, index, constraint and owned sequence names.
pub(super) fn names_of(schema: &Schema, plan: &Reload) -> Names {
    let mut out = BTreeSet::new();
    for key in &plan.tables {
        if let Some(t) = schema.tables.get(key) {
            table_names(t, &mut out);
        }
    }
    for key in &plan.views {
        if let Some(v) = schema.views.get(key) {
            out.insert((v.schema.clone().unwrap_or_default(), v.name.clone()));
        }
    }
    for s in schema.sequences.values() {
        if s.owned_by
            .as_ref()
            .is_some_and(|(t, _)| plan.tables.contains(t))
        {
            out.insert((s.schema.clone(), s.name.clone()));
        }
    }
    out
}

fn table_names(t: &Table, out: &mut Names) {
    let schema = t.schema.clone().unwrap_or_default();
    let mut add = |n: &str| {
        out.insert((schema.clone(), n.to_string()));
    };
    add(&t.name);
    t.indexes.keys().for_each(|n| add(n));
    let constraint_names = t
        .primary_key
        .iter()
        .map(|c| &c.name)
        .chain(t.uniques.iter().map(|c| &c.name))
        .chain(t.checks.iter().map(|c| &c.name))
        .chain(t.foreign_keys.iter().map(|c| &c.name));
    constraint_names.flatten().for_each(|n| add(n));
}

/// Every name in `schema`, per namespace: tables and theirs, views and their indexes,
/// sequences, enums.
pub(super) fn all_names(schema: &Schema) -> Names {
    let mut out = BTreeSet::new();
    for t in schema.tables.values() {
        table_names(t, &mut out);
    }
    for v in schema.views.values() {
        let s = v.schema.clone().unwrap_or_default();
        out.insert((s.clone(), v.name.clone()));
        for n in v.indexes.keys() {
            out.insert((s.clone(), n.clone()));
        }
    }
    for s in schema.sequences.values() {
        out.insert((s.schema.clone(), s.name.clone()));
    }
    for e in schema.enums.values() {
        out.insert((e.schema.clone(), e.name.clone()));
    }
    out
}

/// A name without its trailing digits, when it has some (and something before them).
fn stem((schema, name): &(String, String)) -> Option<(String, String)> {
    let t = name.trim_end_matches(|c: char| c.is_ascii_digit());
    (t.len() < name.len() && !t.is_empty()).then(|| (schema.clone(), t.to_string()))
}

/// Whether a full load would have given the reloaded objects the same names: none of
/// their new names is taken by another object, no new name of theirs is a numbered variant
/// of another object's name (`x1` beside `x`: PostgreSQL numbers a name it chooses when the
/// plain one is taken), and no other object's name is a numbered variant of one of theirs,
/// before or after (it may have been numbered because theirs was there). The first name
/// that fails, as `Err`.
pub(super) fn names_agree(old_part: &Names, new_part: &Names, rest: &Names) -> Result<(), String> {
    let part: BTreeSet<&(String, String)> = old_part.iter().chain(new_part).collect();
    let numbered_near = |n: &(String, String), others: &dyn Fn(&(String, String)) -> bool| {
        stem(n).is_some_and(|s| others(&s))
    };
    let in_part = |x: &(String, String)| part.contains(x);
    let in_rest = |x: &(String, String)| rest.contains(x);
    let show = |(schema, name): &(String, String)| format!("{schema}.{name}");
    if let Some(n) = new_part.iter().find(|n| rest.contains(*n)) {
        return Err(format!("{} is also another object's", show(n)));
    }
    if let Some(n) = new_part.iter().find(|n| numbered_near(n, &in_rest)) {
        return Err(format!("{} beside another object's name", show(n)));
    }
    if let Some(n) = rest.iter().find(|n| numbered_near(n, &in_part)) {
        return Err(format!(
            "another object's {} beside a reloaded name",
            show(n)
        ));
    }
    Ok(())
}

/// Whether every foreign key of an unchanged table that points at a reloaded table still
/// finds its columns, with the types they had (`old_types`), under a primary key, unique
/// constraint or unique index of exactly those columns that is not deferrable. (A full
/// load would refuse the rest; let it say so.)
pub(super) fn foreign_keys_hold(
    schema: &Schema,
    reloaded: &BTreeSet<String>,
    old_types: &BTreeMap<(String, String), String>,
) -> Result<(), String> {
    let unchanged = (schema.tables.iter()).filter(|(k, _)| !reloaded.contains(*k));
    let fks = unchanged.flat_map(|(k, t)| t.foreign_keys.iter().map(move |fk| (k, fk)));
    let fk_holds = |fk: &crate::model::ForeignKey| {
        let Some(target) = schema.tables.get(&fk.ref_table) else {
            return false;
        };
        let wanted: BTreeSet<&String> = fk.ref_columns.iter().collect();
        let immediate = |def: &Option<String>| !def.as_deref().unwrap_or("").contains("DEFERRABLE");
        let keyed = target
            .primary_key
            .iter()
            .map(|k| (&k.columns, &k.definition))
            .chain(target.uniques.iter().map(|u| (&u.columns, &u.definition)))
            .any(|(cols, def)| immediate(def) && cols.iter().collect::<BTreeSet<_>>() == wanted)
            || target.indexes.values().any(|i| {
                i.unique
                    && i.predicate.is_none()
                    && i.columns.iter().map(|p| &p.expr).collect::<BTreeSet<_>>() == wanted
            });
        let same_types = fk.ref_columns.iter().all(|c| {
            let before = old_types.get(&(fk.ref_table.clone(), c.clone()));
            target.column(c).is_some_and(|col| Some(&col.ty) == before)
        });
        keyed && same_types
    };
    match fks
        .filter(|(_, fk)| reloaded.contains(&fk.ref_table))
        .find(|(_, fk)| !fk_holds(fk))
    {
        Some((table, fk)) => Err(format!(
            "{table} ({}) to {} ({})",
            fk.columns.join(", "),
            fk.ref_table,
            fk.ref_columns.join(", ")
        )),
        None => Ok(()),
    }
}
