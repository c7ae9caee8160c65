//! The reloaded tables, views and enum types put in place of theirs in the model before
//! the edit, when the names, foreign keys and views' reads check out.

use super::names::{all_names, foreign_keys_hold, names_agree, names_of};
use super::{acl, comments, routines, Fallback, Reload};
use crate::model::Schema;
use std::collections::{BTreeMap, BTreeSet};

/// `old` with the reloaded tables and views taken from `scratch`, if the names, foreign
/// keys and views' reads check out.
pub(super) fn splice(
    mut old: Schema,
    mut scratch: Schema,
    plan: &Reload,
    enums: &BTreeSet<String>,
) -> Result<Schema, Fallback> {
    let unmanaged = (scratch.unmanaged.keys())
        .chain(
            plan.tables
                .iter()
                .filter(|t| old.unmanaged.contains_key(*t)),
        )
        .next();
    if let Some(key) = unmanaged {
        return Err(Fallback::new("an object schemadiff does not manage").about(key.clone()));
    }
    splice_enums(&mut old, &mut scratch, enums)?;
    routines::splice(&mut old, &scratch, plan)?;
    // Every table in the scratch database is a changed one or a stand-in.
    if let Some(k) =
        (scratch.tables.keys()).find(|k| !plan.tables.contains(*k) && !old.tables.contains_key(*k))
    {
        return Err(Fallback::new("the statements created a table not expected").about(k.clone()));
    }
    // Each changed table is there exactly when the files create it.
    if let Some(t) =
        (plan.tables.iter()).find(|t| scratch.tables.contains_key(*t) != plan.created.contains(*t))
    {
        return Err(
            Fallback::new("a changed table is not where its statements put it").about(t.clone()),
        );
    }
    let old_types: BTreeMap<(String, String), String> = plan
        .tables
        .iter()
        .filter_map(|k| old.tables.get(k).map(|t| (k, t)))
        .flat_map(|(k, t)| {
            t.columns
                .iter()
                .map(move |c| ((k.clone(), c.name.clone()), c.ty.clone()))
        })
        .collect();
    let owned = |s: &crate::model::Sequence, tables: &BTreeSet<String>| {
        s.owned_by.as_ref().is_some_and(|(t, _)| tables.contains(t))
    };
    acl::splice(&mut old, &scratch, plan);
    comments::splice(&mut old, &scratch, plan)?;
    let old_part = names_of(&old, plan);
    let new_part = names_of(&scratch, plan);
    for t in &plan.tables {
        old.tables.remove(t);
    }
    for v in &plan.views {
        old.views.remove(v);
    }
    old.sequences.retain(|_, s| !owned(s, &plan.tables));
    names_agree(&old_part, &new_part, &all_names(&old))
        .map_err(|n| Fallback::new("a name a full load may choose differently").about(n))?;
    for t in &plan.tables {
        if let Some(table) = scratch.tables.remove(t) {
            old.tables.insert(t.clone(), table);
        }
    }
    for (k, s) in std::mem::take(&mut scratch.sequences) {
        if owned(&s, &plan.tables) {
            old.sequences.insert(k, s);
        }
    }
    for v in &plan.views {
        match (scratch.views.remove(v), plan.created_views.contains(v)) {
            (Some(view), true) => {
                old.views.insert(v.clone(), view);
            }
            (None, false) => {}
            _ => {
                return Err(
                    Fallback::new("a view is not where its statements put it").about(v.clone())
                )
            }
        }
    }
    let gone = |d: &String| !old.tables.contains_key(d) && !old.views.contains_key(d);
    if let Some((k, _)) = (old.views.iter()).find(|(_, v)| v.depends_on.iter().any(gone)) {
        return Err(Fallback::new("a view reads a table that is gone").about(k.clone()));
    }
    foreign_keys_hold(&old, &plan.tables, &old_types).map_err(|fk| {
        Fallback::new("a foreign key of an unchanged table points at a changed key").about(fk)
    })?;
    Ok(old)
}

/// Takes the changed enum types from `scratch`: a label may be added or the type new (under
/// a name no other object has), but a type that is gone or lost a label may still be used
/// by an unchanged table, which a full load would refuse.
fn splice_enums(
    old: &mut Schema,
    scratch: &mut Schema,
    enums: &BTreeSet<String>,
) -> Result<(), Fallback> {
    if enums.is_empty() {
        return Ok(());
    }
    let names = all_names(old);
    for key in enums {
        match (old.enums.get(key), scratch.enums.remove(key)) {
            (Some(before), Some(after)) => {
                if let Some(l) = (before.labels.iter()).find(|l| !after.labels.contains(l)) {
                    return Err(
                        Fallback::new("an enum type lost a label").about(format!("{key} '{l}'"))
                    );
                }
                old.enums.insert(key.clone(), after);
            }
            (None, Some(after)) => {
                if names.contains(&(after.schema.clone(), after.name.clone())) {
                    return Err(Fallback::new("a new enum type has another object's name")
                        .about(key.clone()));
                }
                old.enums.insert(key.clone(), after);
            }
            (Some(_), None) => {
                return Err(Fallback::new("an enum type was removed").about(key.clone()))
            }
            // Not an enum (a comment on another type): the checks of the other types apply.
            (None, None) => {}
        }
    }
    Ok(())
}
