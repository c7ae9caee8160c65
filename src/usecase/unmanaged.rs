//! Nothing silent: the objects a schema recognizes but schemadiff does not manage
//! ([`Schema::unmanaged`]: aggregates, policies, foreign tables …) are warned about by
//! `diff`, `generate` and `check`, each once, and make `--strict` fail when the declared
//! files hold one: no revision would create it, so it would never reach the database.

use super::Note;
use crate::engine;
use crate::model::Schema;
use std::collections::BTreeMap;

/// Up to this many objects are named one by one; more are counted per kind (`inspect`
/// lists them all).
pub const NAMED_AT_MOST: usize = 20;

/// How an unmanaged object is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// An object of a kind schemadiff does not manage.
    Object,
    /// An index left INVALID by a failed concurrent build (modelled as if valid; a warning
    /// with what to do).
    InvalidIndex,
    /// A declared file's stand-in for a schema only the target database has.
    ExternalSchema,
}

/// The class of an object from what [`Schema::unmanaged`] says of it.
pub fn class(what: &str) -> Class {
    if what == engine::INVALID_INDEX {
        Class::InvalidIndex
    } else if what == engine::EXTERNAL_SCHEMA {
        Class::ExternalSchema
    } else {
        Class::Object
    }
}

/// The kind of an object for counting, from what [`Schema::unmanaged`] says of it: the
/// words before a `:`, ` (` or ` of ` ("partition of public.t" is a "partition").
pub fn kind(what: &str) -> &str {
    let end = [":", " (", " of "]
        .iter()
        .filter_map(|sep| what.find(sep))
        .min()
        .unwrap_or(what.len());
    what[..end].trim()
}

/// The unmanaged objects of `schemas`, each once (by key; the first schema's description
/// wins).
pub fn union<'s>(schemas: &[&'s Schema]) -> BTreeMap<&'s str, &'s str> {
    let mut all = BTreeMap::new();
    for s in schemas {
        for (key, what) in &s.unmanaged {
            all.entry(key.as_str()).or_insert(what.as_str());
        }
    }
    all
}

/// Notes each object of `objects` once; above [`NAMED_AT_MOST`] objects (invalid indexes
/// aside, which are always named: each needs its own fix) one summary with the count per
/// kind.
pub fn note(objects: &BTreeMap<&str, &str>, notes: &dyn Fn(Note)) {
    let (invalid, others): (Vec<_>, Vec<_>) = objects
        .iter()
        .partition(|(_, what)| class(what) == Class::InvalidIndex);
    let named = match others.len() > NAMED_AT_MOST {
        true => invalid.clone(),
        false => objects.iter().collect(),
    };
    for (key, what) in named {
        notes(Note::Unmanaged {
            key,
            what,
            class: class(what),
        });
    }
    if others.len() > NAMED_AT_MOST {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, what) in &others {
            *kinds.entry(kind(what)).or_default() += 1;
        }
        let kinds: Vec<(&str, usize)> = kinds.into_iter().collect();
        notes(Note::UnmanagedSummary {
            total: others.len(),
            kinds: &kinds,
        });
    }
}

/// Notes the unmanaged objects of `schemas`, each once.
pub fn note_all(schemas: &[&Schema], notes: &dyn Fn(Note)) {
    note(&union(schemas), notes);
}

/// The objects of a declared model that no revision would create (`key`, what it is):
/// every unmanaged object but the stand-ins for schemas only the target database has (no
/// file creates those: the target has them) and invalid indexes (a declared file's index is
/// valid; an INVALID one comes only from a live database).
pub fn declared(schema: &Schema) -> Vec<(String, String)> {
    schema
        .unmanaged
        .iter()
        .filter(|(_, what)| class(what) == Class::Object)
        .map(|(k, w)| (k.clone(), w.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn schema(objects: &[(&str, &str)]) -> Schema {
        let mut s = Schema::default();
        for (k, w) in objects {
            s.unmanaged.insert(k.to_string(), w.to_string());
        }
        s
    }

    /// The notes of `schemas`, as text.
    fn noted(schemas: &[&Schema]) -> Vec<String> {
        let out = RefCell::new(Vec::new());
        note_all(schemas, &|n| out.borrow_mut().push(format!("{n:?}")));
        out.into_inner()
    }

    #[test]
    fn kinds_are_the_words_before_the_details() {
        assert_eq!(kind("partitioned table"), "partitioned table");
        assert_eq!(kind("partition of public.events"), "partition");
        assert_eq!(kind("row-level security (enabled)"), "row-level security");
        assert_eq!(kind(engine::EXTERNAL_SCHEMA), "external schema");
        assert_eq!(kind("aggregate"), "aggregate");
    }

    #[test]
    fn an_object_both_sides_have_is_noted_once() {
        let a = schema(&[("public.p", "partitioned table")]);
        let b = schema(&[
            ("public.p", "partitioned table"),
            ("public.p_1", "partition of public.p"),
        ]);
        let notes = noted(&[&a, &b]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("public.p\""), "{notes:?}");
        assert!(notes[1].contains("public.p_1"), "{notes:?}");
    }

    #[test]
    fn many_objects_are_counted_per_kind_but_invalid_indexes_are_named() {
        let mut objects: Vec<(String, &str)> = (0..15)
            .map(|i| (format!("aggregate public.agg{i}(integer)"), "aggregate"))
            .collect();
        objects.extend((0..6).map(|i| (format!("policy public.t.p{i}"), "policy")));
        objects.push(("public.t_idx".into(), engine::INVALID_INDEX));
        let refs: Vec<(&str, &str)> = objects.iter().map(|(k, w)| (k.as_str(), *w)).collect();
        let notes = noted(&[&schema(&refs)]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("InvalidIndex"), "{notes:?}");
        assert!(
            notes[1].contains("total: 21") && notes[1].contains("(\"aggregate\", 15)"),
            "{notes:?}"
        );
        assert!(notes[1].contains("(\"policy\", 6)"), "{notes:?}");
        // Twenty are still named one by one.
        let notes = noted(&[&schema(&refs[..20])]);
        assert_eq!(notes.len(), 20, "{notes:?}");
    }

    #[test]
    fn declared_objects_leave_out_stand_ins_and_invalid_indexes() {
        let s = schema(&[
            ("reports", engine::EXTERNAL_SCHEMA),
            ("public.i", engine::INVALID_INDEX),
            ("public.p", "partitioned table"),
            ("aggregate public.a(integer)", "aggregate"),
        ]);
        assert_eq!(
            declared(&s),
            vec![
                ("aggregate public.a(integer)".into(), "aggregate".into()),
                ("public.p".into(), "partitioned table".into())
            ]
        );
    }
}
