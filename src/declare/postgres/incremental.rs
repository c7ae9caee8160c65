//! Declared PostgreSQL DDL normalized incrementally: after an edit, only the tables and
//! views whose statements changed are loaded into a scratch database, and their normalized
//! form replaces theirs in the model of the files before the edit (from the catalog cache).
//!
//! A full load of 2,000 tables takes the server about 10 s; an edit usually touches a few.
//! The result must be the model a full load would give, so every case this module cannot
//! vouch for returns a [`Fallback`] and the caller loads everything:
//!
//! - a statement of a kind not listed in [`role`] anywhere in the files (`SET`, `DO`, ...);
//! - a changed statement that is not about one table or view (types, schemas, functions);
//! - a changed materialized view, or a changed relation read by a view that reads views;
//! - anything the server refuses in the scratch database (the full load then reports it
//!   with its file and line), or a table or view the statements put somewhere unexpected;
//! - a foreign key of an unchanged table whose referenced columns changed type or lost
//!   their key, or a view reading a table that is gone;
//! - names PostgreSQL may have chosen differently in a full load: a name of the reloaded
//!   tables (table, index, constraint, sequence) that another object has, or a name ending
//!   in digits whose stem is another object's name (`t_a_key1` beside `t_a_key`);
//! - functions, domains, types or comments that read differently in the scratch database,
//!   or triggers on a changed table or view ([`routines`]; `CREATE TRIGGER`, `CREATE
//!   PROCEDURE`, `ALTER DOMAIN` and `COMMENT ON` most kinds have no role at all).
//!
//! Unchanged tables that a changed one references, or that a re-created view reads, are
//! stood in for by their columns and keys (see [`context_table`]).

mod acl;
mod classify;
mod names;
mod routines;

use crate::declare::cache::ServerId;
use crate::declare::{Error, SourceFile};
use crate::introspect::postgres as pg;
use crate::model::{Schema, Table};
use crate::sqltext::{quote_pg_ident, quote_pg_qualified, split_pg_statements};
use classify::{creates_table, creates_view, names_in, referenced_tables, role};
use names::{all_names, foreign_keys_hold, names_agree, names_of};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// Creates, alters, indexes or comments on the table with this key.
    Table(String),
    /// Creates or comments on the view with this key.
    View(String),
    /// Schemas, types, extensions, sequences, functions and the like: not about one table.
    Other,
}

/// The statements of the files a cached model was computed from: a hash of each text and
/// its role, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Base {
    pub statements: Vec<(String, Role)>,
    /// The catalog cache key of the model.
    pub model_key: String,
}

/// Why the model is loaded in full instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback(pub &'static str);

/// One statement of the current files.
struct Current {
    hash: String,
    role: Role,
    text: String,
}

/// The key under which the base of `files` is kept: the same place (one file's path, or
/// the directory the files are in) on the same server and schema filter, whatever the
/// contents and whichever files a directory holds now.
pub fn base_key(files: &[SourceFile], server: &ServerId, only: &[String]) -> String {
    let mut place = files.first().map(|f| f.path.clone()).unwrap_or_default();
    for f in files.iter().skip(1) {
        while !f.path.starts_with(&place) && place.pop() {}
    }
    let paths = [SourceFile {
        path: place,
        text: String::new(),
    }];
    let mut marker = only.to_vec();
    marker.push("\0incremental base".into());
    // Named `pg-base-…`, apart from the models (`pg-…`).
    let key = crate::declare::cache::key(&paths, server, &marker);
    format!(
        "{}base-{}",
        crate::declare::cache::PG_PREFIX,
        &key[crate::declare::cache::PG_PREFIX.len()..]
    )
}

/// The files' statements, each with its role (taken from `known` for a text seen before);
/// `None` when one has no role.
fn classify(files: &[SourceFile], known: &BTreeMap<&str, &Role>) -> Option<Vec<Current>> {
    let mut out = Vec::new();
    for file in files {
        for s in split_pg_statements(&file.text).ok()? {
            let hash: String = Sha256::digest(s.text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let role = match known.get(hash.as_str()) {
                Some(role) => (*role).clone(),
                None => role(&s.text)?,
            };
            out.push(Current {
                hash,
                role,
                text: s.text,
            });
        }
    }
    Some(out)
}

/// The statements of `files` classified, reusing the roles `base` knows.
pub struct Classified(Option<Vec<Current>>);

/// Classifies the statements of `files`.
pub fn classified(files: &[SourceFile], base: Option<&Base>) -> Classified {
    let known: BTreeMap<&str, &Role> = base
        .iter()
        .flat_map(|b| &b.statements)
        .map(|(h, r)| (h.as_str(), r))
        .collect();
    Classified(classify(files, &known))
}

/// The base to keep for files classified as `current`, whose model is stored under
/// `model_key`.
pub fn base_of(current: &Classified, model_key: &str) -> Option<Base> {
    Some(Base {
        statements: current
            .0
            .as_ref()?
            .iter()
            .map(|c| (c.hash.clone(), c.role.clone()))
            .collect(),
        model_key: model_key.to_string(),
    })
}

/// The model of `files` from the model of an earlier version of them (`base` and `old`),
/// reloading only the tables and views whose statements changed; a [`Fallback`] when that
/// cannot be vouched for (see the module documentation) and everything must be loaded.
pub fn declare(
    current: &Classified,
    scratch: impl FnOnce() -> Result<crate::declare::ScratchDb, Error>,
    only: &[String],
    base: &Base,
    old: Schema,
) -> Result<Schema, Fallback> {
    let current = current
        .0
        .as_deref()
        .ok_or(Fallback("a statement of a kind not handled"))?;
    let delta = Delta::between(&base.statements, current)
        .ok_or(Fallback("a statement not about one table or view changed"))?;
    if delta.tables.is_empty() && delta.views.is_empty() {
        // The same statements in the same order (only comments or spacing between them
        // changed) give the same model.
        return match delta.same_order {
            true => Ok(old),
            false => Err(Fallback("statements moved")),
        };
    }
    // Reloading a quarter of the tables is not much faster than reloading them all.
    if delta.tables.len() * 4 > old.tables.len().max(8) {
        return Err(Fallback("too many tables changed"));
    }
    let plan = Reload::plan(current, &delta, &old)?;
    let scratch = plan
        .load(scratch, only)
        .map_err(|_| Fallback("no scratch database"))?
        .ok_or(Fallback("the server refused a statement"))?;
    splice(old, scratch, &plan)
}

/// Tables and views whose statements were added or removed.
struct Delta {
    tables: BTreeSet<String>,
    views: BTreeSet<String>,
    same_order: bool,
}

impl Delta {
    fn between(before: &[(String, Role)], after: &[Current]) -> Option<Delta> {
        let mut count: BTreeMap<(&str, &Role), i64> = BTreeMap::new();
        for (hash, role) in before {
            *count.entry((hash, role)).or_default() -= 1;
        }
        for c in after {
            *count.entry((&c.hash, &c.role)).or_default() += 1;
        }
        let mut tables = BTreeSet::new();
        let mut views = BTreeSet::new();
        for ((_, role), n) in count {
            if n == 0 {
                continue;
            }
            match role {
                Role::Table(key) => {
                    tables.insert(key.clone());
                }
                Role::View(key) => {
                    views.insert(key.clone());
                }
                Role::Other => return None,
            }
        }
        let same_order =
            before.len() == after.len() && before.iter().zip(after).all(|((h, _), c)| *h == c.hash);
        Some(Delta {
            tables,
            views,
            same_order,
        })
    }
}

/// What goes into the scratch database.
struct Reload {
    /// The changed tables (keys): all their statements are run.
    tables: BTreeSet<String>,
    /// Those of them the files create (the others were dropped).
    created: BTreeSet<String>,
    /// Changed views and views reading a changed relation: re-created after the tables.
    views: BTreeSet<String>,
    /// Those of them the files create.
    created_views: BTreeSet<String>,
    /// Statements not about one table, then the stand-ins' DDL, then the changed tables'
    /// statements, then the views' statements.
    steps: Vec<Vec<String>>,
}

impl Reload {
    fn plan(current: &[Current], delta: &Delta, old: &Schema) -> Result<Reload, Fallback> {
        let tables = &delta.tables;
        // An index or comment on a view is about a view, whatever its keyword said.
        if tables.iter().any(|t| old.views.contains_key(t)) {
            return Err(Fallback("a view's index or comment changed"));
        }
        let mut views = delta.views.clone();
        for (key, view) in &old.views {
            if view
                .depends_on
                .iter()
                .any(|d| tables.contains(d) || delta.views.contains(d))
            {
                views.insert(key.clone());
            }
        }
        let mut context: BTreeSet<String> = BTreeSet::new();
        for view in views.iter().filter_map(|v| old.views.get(v)) {
            if view.materialized || view.depends_on.iter().any(|d| old.views.contains_key(d)) {
                return Err(Fallback("a materialized view or a view of views changed"));
            }
            context.extend(view.depends_on.iter().cloned());
        }
        let mut other = Vec::new();
        let mut changed = Vec::new();
        let mut created = BTreeSet::new();
        let mut created_views = BTreeSet::new();
        let mut view_steps = Vec::new();
        for c in current {
            match &c.role {
                Role::Other => other.push(c.text.clone()),
                Role::Table(t) if tables.contains(t) => {
                    if creates_table(&c.text) {
                        created.insert(t.clone());
                    }
                    context.extend(
                        referenced_tables(&c.text).ok_or(Fallback("an unreadable REFERENCES"))?,
                    );
                    changed.push(c.text.clone());
                }
                Role::View(v) if views.contains(v) => {
                    match creates_view(&c.text) {
                        Some(true) => return Err(Fallback("a materialized view changed")),
                        Some(false) => {
                            created_views.insert(v.clone());
                        }
                        None => {}
                    }
                    // Every name in the text that is a table: a superset of what it reads.
                    context.extend(
                        names_in(&c.text)
                            .into_iter()
                            .filter(|k| old.tables.contains_key(k)),
                    );
                    view_steps.push(c.text.clone());
                }
                _ => {}
            }
        }
        let mut context_ddl = Vec::new();
        for key in context.difference(tables) {
            let table = old.tables.get(key).ok_or(Fallback(
                "a changed table or view reads one that was not there",
            ))?;
            context_ddl.extend(context_table(table));
        }
        Ok(Reload {
            tables: tables.clone(),
            created,
            views,
            created_views,
            steps: vec![other, context_ddl, changed, view_steps],
        })
    }

    /// Runs the steps in a scratch database and reads it back; `Ok(None)` when the server
    /// refuses a statement.
    fn load(
        &self,
        scratch: impl FnOnce() -> Result<crate::declare::ScratchDb, Error>,
        only: &[String],
    ) -> Result<Option<Schema>, Error> {
        let scratch = scratch()?;
        let mut client = scratch.connect()?;
        // As a full load: a function may name what is created after it.
        client
            .batch_execute("SET check_function_bodies = off")
            .map_err(|e| Error::Scratch {
                message: crate::declare::db_message(&e),
            })?;
        for step in &self.steps {
            if !settle(&mut client, step.clone()) {
                return Ok(None);
            }
        }
        let read = pg::introspect(&mut client, only).map_err(|e| Error::Scratch {
            message: crate::declare::db_message(&e),
        })?;
        let schema = super::fixpoint::settle(&mut client, read.schema, only)?;
        drop(client);
        Ok(Some(schema))
    }
}

/// Runs `pending` on `client`, retrying those that fail while others make progress
/// (statement order does not matter in declared files); whether all of them ran.
fn settle(client: &mut postgres::Client, mut pending: Vec<String>) -> bool {
    if pending.is_empty() {
        return true;
    }
    let batch: String = pending.iter().map(|s| format!("{s};\n")).collect();
    if client.batch_execute(&batch).is_ok() {
        return true;
    }
    loop {
        let before = pending.len();
        pending.retain(|s| client.batch_execute(s).is_err());
        if pending.is_empty() {
            return true;
        }
        if pending.len() == before {
            return false;
        }
    }
}

/// A stand-in for an unchanged table that a changed one references or a view reads: its
/// columns with their types, and its primary key, unique constraints and unique indexes
/// (what a foreign key can point at), under their own names.
fn context_table(t: &Table) -> Vec<String> {
    let schema = t.schema.as_deref().unwrap_or("public");
    let name = quote_pg_qualified(schema, &t.name);
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{} {}", quote_pg_ident(&c.name), c.ty))
        .collect();
    let constraint = |n: &Option<String>, def: &Option<String>| match (n, def) {
        (Some(n), Some(d)) => Some(format!("CONSTRAINT {} {d}", quote_pg_ident(n))),
        _ => None,
    };
    if let Some(pk) = &t.primary_key {
        parts.extend(constraint(&pk.name, &pk.definition));
    }
    for u in &t.uniques {
        parts.extend(constraint(&u.name, &u.definition));
    }
    let mut out = vec![format!("CREATE TABLE {name} ({})", parts.join(", "))];
    out.extend(
        t.indexes
            .values()
            .filter(|i| i.unique && i.predicate.is_none())
            .filter_map(|i| i.definition.clone()),
    );
    out
}

/// `old` with the reloaded tables and views taken from `scratch`, if the names, foreign
/// keys and views' reads check out.
fn splice(mut old: Schema, mut scratch: Schema, plan: &Reload) -> Result<Schema, Fallback> {
    if !scratch.unmanaged.is_empty() || plan.tables.iter().any(|t| old.unmanaged.contains_key(t)) {
        return Err(Fallback("an unmanaged object"));
    }
    routines::splice(&mut old, &scratch, plan)?;
    // Every table in the scratch database is a changed one or a stand-in.
    if scratch
        .tables
        .keys()
        .any(|k| !plan.tables.contains(k) && !old.tables.contains_key(k))
    {
        return Err(Fallback("the statements created a table not expected"));
    }
    // Each changed table is there exactly when the files create it.
    if plan
        .tables
        .iter()
        .any(|t| scratch.tables.contains_key(t) != plan.created.contains(t))
    {
        return Err(Fallback(
            "a changed table is not where its statements put it",
        ));
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
    let old_part = names_of(&old, plan);
    let new_part = names_of(&scratch, plan);
    for t in &plan.tables {
        old.tables.remove(t);
    }
    for v in &plan.views {
        old.views.remove(v);
    }
    old.sequences.retain(|_, s| !owned(s, &plan.tables));
    if !names_agree(&old_part, &new_part, &all_names(&old)) {
        return Err(Fallback("names a full load may choose differently"));
    }
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
            _ => return Err(Fallback("a view is not where its statements put it")),
        }
    }
    let gone = |d: &String| !old.tables.contains_key(d) && !old.views.contains_key(d);
    if old.views.values().any(|v| v.depends_on.iter().any(gone)) {
        return Err(Fallback("a view reads a table that is gone"));
    }
    if !foreign_keys_hold(&old, &plan.tables, &old_types) {
        return Err(Fallback(
            "a foreign key of an unchanged table points at a changed key",
        ));
    }
    Ok(old)
}
