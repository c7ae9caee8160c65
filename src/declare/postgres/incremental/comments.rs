//! Comments kept apart from their objects' models ([`Schema::comments`]) in an incremental
//! reload: those on an index, constraint, trigger or policy of a reloaded table or view,
//! or on a sequence one owns, come from the scratch database with it; the others (schemas,
//! functions, domains, types) were created there from the same statements as before and
//! must read the same.

use super::{Fallback, Reload};
use crate::model::postgres::{Comment, CommentTarget};
use crate::model::{qualified_key, Schema};
use std::collections::BTreeMap;

/// The table or view a comment's object belongs to in `schema`; `None` for objects that
/// belong to none.
fn relation_of(on: &CommentTarget, schema: &Schema) -> Option<String> {
    match on {
        CommentTarget::Index { schema: s, name } => {
            let in_table = schema.tables.iter().find(|(_, t)| {
                t.schema.as_deref().unwrap_or("public") == s
                    && (t.indexes.contains_key(name)
                        || (t.primary_key.iter().map(|k| &k.name))
                            .chain(t.uniques.iter().map(|u| &u.name))
                            .any(|n| n.as_deref() == Some(name.as_str())))
            });
            let in_view = || {
                schema.views.iter().find(|(_, v)| {
                    v.schema.as_deref().unwrap_or("public") == s && v.indexes.contains_key(name)
                })
            };
            // An index found nowhere: keep it with a name no relation has.
            Some(in_table.map_or_else(
                || in_view().map_or_else(|| format!("index {s}.{name}"), |(k, _)| k.clone()),
                |(k, _)| k.clone(),
            ))
        }
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
    let global = |comments: &BTreeMap<String, Comment>, schema: &Schema| {
        (comments.iter())
            .filter(|(_, c)| relation_of(&c.on, schema).is_none())
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    if global(&old.comments, old) != global(&scratch.comments, scratch) {
        return Err(
            Fallback::new("objects not reloaded read differently in the scratch database")
                .about("comments on schemas, functions, domains or types"),
        );
    }
    let mut comments = std::mem::take(&mut old.comments);
    comments.retain(|_, c| relation_of(&c.on, old).is_none_or(|r| !touched(&r)));
    for (k, c) in &scratch.comments {
        if relation_of(&c.on, scratch).is_some_and(|r| touched(&r)) {
            comments.insert(k.clone(), c.clone());
        }
    }
    old.comments = comments;
    Ok(())
}
