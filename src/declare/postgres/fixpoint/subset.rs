//! The part of a live model that [`super::normalize_live`] loads: what settles the texts
//! that differ from the other side, rather than the whole schema (a second full load of a
//! large database, issue 18).
//!
//! An object's print depends on its text and on what the text names: the columns of its
//! own table (the table is loaded whole), types, domains, sequences and functions (all of
//! them are loaded: they are few and cheap), and, for a view, a policy or a function with a
//! parsed body, other tables and views. Those are taken along, transitively: a view's
//! `depends_on`, a function's `depends_on`, every relation whose name a policy's text
//! holds, a partition's or an inheriting table's parents. Nothing else is: foreign keys
//! (not texts; the table they reference need not exist), comments and privileges are left
//! out (a sequence's `OWNED BY` is printed with its table, so not for a table left out). A
//! subset that does not load
//! (a column of a table's row type, a name the model does not know) makes the caller load
//! the whole print, as before.

use super::{texts, Obj};
use crate::model::Schema;
use std::collections::BTreeSet;

/// What to load to settle `live`'s texts against `other`'s.
#[derive(Debug)]
pub enum Part {
    /// No object of both sides has another text on each: `live` is kept as read.
    Nothing,
    /// Every table and view is needed: the whole print.
    Whole,
    /// The part of `live` to print and load.
    Some(Box<Schema>),
}

/// The objects of `live` to settle: those whose text differs from `other`'s or that
/// `other` lacks (the whole print settles those too), when at least one object of both
/// sides differs (as before: otherwise nothing is loaded).
pub fn of(live: &Schema, other: &Schema) -> Part {
    let theirs = texts(other);
    let ours = texts(live);
    let differ = ours
        .iter()
        .any(|(obj, text)| theirs.get(obj).is_some_and(|t| t != text));
    if !differ {
        return Part::Nothing;
    }
    let settle: Vec<&Obj> = ours
        .iter()
        .filter(|(obj, text)| theirs.get(*obj) != Some(*text))
        .map(|(obj, _)| obj)
        .collect();
    let relations = closure(live, owners(live, &settle));
    let count = |has: &dyn Fn(&String) -> bool| relations.iter().filter(|k| has(k)).count();
    let tables = count(&|k| live.tables.contains_key(k));
    let views = count(&|k| live.views.contains_key(k));
    if tables == live.tables.len() && views == live.views.len() {
        return Part::Whole;
    }
    Part::Some(Box::new(part(live, &relations)))
}

/// The tables and views the objects in `settle` belong to.
fn owners(live: &Schema, settle: &[&Obj]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for obj in settle {
        match obj {
            Obj::Check(t, _)
            | Obj::Default(t, _)
            | Obj::Generated(t, _)
            | Obj::Index(t, _)
            | Obj::Policy(t, _)
            | Obj::View(t) => {
                out.insert(t.clone());
            }
            Obj::Trigger(key) => {
                out.extend(live.triggers.get(key).map(|t| t.table.clone()));
            }
            // Functions and domains are always loaded (their relations: see `closure`).
            Obj::Function(_) | Obj::DomainCheck(..) | Obj::DomainDefault(_) => {}
        }
    }
    out
}

/// `start` with every table and view the loaded objects need, transitively: a function
/// with a parsed body (all functions are loaded) needs what it names.
fn closure(live: &Schema, start: BTreeSet<String>) -> BTreeSet<String> {
    let is_relation = |k: &String| live.tables.contains_key(k) || live.views.contains_key(k);
    let mut todo: Vec<String> = start.into_iter().collect();
    for f in live.functions.values() {
        if super::routines::parsed_body(&f.definition) {
            todo.extend(f.depends_on.iter().filter(|k| is_relation(k)).cloned());
        }
    }
    let mut out = BTreeSet::new();
    while let Some(key) = todo.pop() {
        if !out.insert(key.clone()) {
            continue;
        }
        if let Some(t) = live.tables.get(&key) {
            todo.extend(t.partition_of.as_ref().map(|p| p.parent.key()));
            todo.extend(t.inherits.iter().map(|p| p.key()));
            for p in t.policies.values() {
                let text = [&p.using, &p.with_check]
                    .into_iter()
                    .flatten()
                    .fold(String::new(), |acc, s| acc + s);
                todo.extend(named_in(live, &text));
            }
        }
        if let Some(v) = live.views.get(&key) {
            todo.extend(v.depends_on.iter().filter(|k| is_relation(k)).cloned());
        }
    }
    out
}

/// Every table and view whose name `text` holds (a policy may read other tables).
fn named_in(live: &Schema, text: &str) -> Vec<String> {
    let names = live
        .tables
        .iter()
        .map(|(k, t)| (k, &t.name))
        .chain(live.views.iter().map(|(k, v)| (k, &v.name)));
    names
        .filter(|(_, name)| text.contains(name.as_str()))
        .map(|(k, _)| k.clone())
        .collect()
}

/// `live` with only the tables and views in `relations` (without foreign keys) and the
/// triggers on them; comments and privileges left out.
fn part(live: &Schema, relations: &BTreeSet<String>) -> Schema {
    let mut out = live.clone();
    out.tables.retain(|k, _| relations.contains(k));
    for t in out.tables.values_mut() {
        t.foreign_keys.clear();
    }
    out.views.retain(|k, _| relations.contains(k));
    out.triggers.retain(|_, t| relations.contains(&t.table));
    out.comments.clear();
    out.acl = Default::default();
    out
}
