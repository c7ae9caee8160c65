//! Comments kept apart from their objects' models ([`Schema::comments`]) in an incremental
//! reload: those on an index, constraint, trigger or policy of a reloaded table or view,
//! or on a sequence one owns, come from the scratch database with it; the others (schemas,
//! functions, domains, types) were created there from the same statements as before and
//! must read the same.

use super::{Fallback, Reload};
use crate::model::postgres::{Comment, CommentTarget};
use crate::model::{qualified_key, Schema};
use std::collections::BTreeMap;

/// The relation (table or view key) of each index name (schema, name) of `schema`: its
/// own indexes and its primary key's and unique constraints' indexes.
fn index_owners(schema: &Schema) -> BTreeMap<(&str, &str), &str> {
    let mut out = BTreeMap::new();
    for (k, t) in &schema.tables {
        let s = t.schema.as_deref().unwrap_or("public");
        let constraints = (t.primary_key.iter().map(|c| &c.name))
            .chain(t.uniques.iter().map(|u| &u.name))
            .flatten();
        for name in t.indexes.keys().chain(constraints) {
            out.entry((s, name.as_str())).or_insert(k.as_str());
        }
    }
    for (k, v) in &schema.views {
        let s = v.schema.as_deref().unwrap_or("public");
        for name in v.indexes.keys() {
            out.entry((s, name.as_str())).or_insert(k.as_str());
        }
    }
    out
}

/// The table or view a comment's object belongs to in `schema` (`owners` its
/// [`index_owners`]); `None` for objects that belong to none.
fn relation_of(
    on: &CommentTarget,
    schema: &Schema,
    owners: &BTreeMap<(&str, &str), &str>,
) -> Option<String> {
    match on {
        // An index found nowhere: kept with a name no relation has.
        CommentTarget::Index { schema: s, name } => Some(
            owners
                .get(&(s.as_str(), name.as_str()))
                .map_or_else(|| format!("index {s}.{name}"), |k| k.to_string()),
        ),
        CommentTarget::Constraint { schema, table, .. }
        | CommentTarget::Trigger { schema, table, .. }
        | CommentTarget::Policy { schema, table, .. } => Some(qualified_key(schema, table)),
        CommentTarget::Sequence { schema: s, name } => Some(
            schema
                .sequences
                .get(&qualified_key(s, name))
                .and_then(|q| q.owned_by.as_ref().map(|(t, _)| t.clone()))
                .unwrap_or_else(|| format!("sequence {s}.{name}")),
        ),
        _ => None,
    }
}

/// Takes the comments of the reloaded relations' objects from `scratch` into `old`, after
/// checking that the comments on objects of no relation read the same in both.
pub(super) fn splice(old: &mut Schema, scratch: &Schema, plan: &Reload) -> Result<(), Fallback> {
    let touched = |r: &str| plan.tables.contains(r) || plan.views.contains(r);
    let (old_owners, scratch_owners) = (index_owners(old), index_owners(scratch));
    let global = |comments: &BTreeMap<String, Comment>, schema: &Schema, owners| {
        (comments.iter())
            .filter(|(_, c)| relation_of(&c.on, schema, owners).is_none())
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    if global(&old.comments, old, &old_owners)
        != global(&scratch.comments, scratch, &scratch_owners)
    {
        return Err(
            Fallback::new("objects not reloaded read differently in the scratch database")
                .about("comments on schemas, functions, domains or types"),
        );
    }
    let mut comments = old.comments.clone();
    comments.retain(|_, c| relation_of(&c.on, old, &old_owners).is_none_or(|r| !touched(&r)));
    for (k, c) in &scratch.comments {
        if relation_of(&c.on, scratch, &scratch_owners).is_some_and(|r| touched(&r)) {
            comments.insert(k.clone(), c.clone());
        }
    }
    drop(old_owners);
    old.comments = comments;
    Ok(())
}
