//! Declared PostgreSQL DDL normalized incrementally: after an edit, only the tables and
//! views whose statements changed are loaded into a scratch database, and their normalized
//! form replaces theirs in the model of the files before the edit (from the catalog cache).
//!
//! A full load of 2,000 tables takes the server about 10 s; an edit usually touches a few.
//! The result must be the model a full load would give, so every case this module cannot
//! vouch for returns a [`Fallback`] and the caller loads everything:
//!
//! - a statement [`classify`] gives no role, anywhere in the files (`DO`, `SET
//!   search_path`, `CREATE RULE`, grants of roles or on several tables, partitions);
//! - a changed statement about no one table, view or enum type (functions, domains,
//!   sequences, schemas, other types), or an enum type that lost a label or is gone;
//! - a materialized view to re-create, more than a quarter of the tables changed, or the
//!   same statements in another order;
//! - anything the server refuses in the scratch database (the full load then reports it
//!   with its file and line), or a table or view the statements put somewhere unexpected;
//! - a foreign key of an unchanged table whose referenced columns changed type or lost
//!   their key, or a view reading a table that is gone;
//! - names PostgreSQL may have chosen differently in a full load ([`names`]);
//! - functions, domains, composite or range types, or comments on them, that read
//!   differently in the scratch database ([`routines`], [`comments`]).
//!
//! Each [`Fallback`] names its reason and the statement (`file:line`) or object; `generate
//! --verbose` prints it.
//!
//! Unchanged tables that a changed one references, or that a re-created view reads, are
//! stood in for by their columns and keys (see [`context_table`]). Changed tables and
//! stand-ins are created with no files where that reads back the same ([`fileless`],
//! [`key_table`]); should the server refuse such a table, the reload runs again with every
//! changed table as written.

mod acl;
mod classify;
mod comments;
mod in_tx;
mod names;
mod no_files;
mod routines;
mod sequences;
mod session;
mod splice;
mod stand_ins;

use super::{detach, fileless};
use crate::declare::cache::ServerId;
use crate::declare::{Error, SourceFile};
use crate::introspect::postgres as pg;
use crate::model::{qualified_key, Schema};
use crate::sqltext::split_pg_statements;
use classify::{creates_table, creates_view, names_in, referenced_tables, role};
use in_tx::{in_transaction, settle};
use no_files::without_files;
use serde::{Deserialize, Serialize};
use splice::splice;
use stand_ins::{context_table, key_table, PARTITIONED};
use std::collections::{BTreeMap, BTreeSet};

/// What a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// Creates, alters, indexes or comments on the table with this key.
    Table(String),
    /// Creates or comments on the view with this key.
    View(String),
    /// Creates an enum type with this key, adds or renames its labels, or comments on it.
    Enum(String),
    /// Alters or comments on the index with this key (schema and name): about its table or
    /// materialized view, told when the statements are compared.
    Index(String),
    /// Grants on or comments on the sequence with this key: about the table that owns it
    /// (in the earlier model, or by an `ALTER SEQUENCE … OWNED BY` of the files), told when
    /// the statements are compared; about no one table when none does.
    Sequence(String),
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

/// Why the model is loaded in full instead: the reason, and the object or statement that
/// made it necessary with its place (`file:line`) when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    pub reason: &'static str,
    pub object: Option<String>,
    pub at: Option<String>,
}

impl Fallback {
    fn new(reason: &'static str) -> Fallback {
        Fallback {
            reason,
            object: None,
            at: None,
        }
    }

    /// The same reason, about `object`.
    fn about(mut self, object: impl Into<String>) -> Fallback {
        self.object = Some(object.into());
        self
    }

    /// The same reason, about the statement `c` (its first words and its place).
    fn statement(mut self, c: &Current) -> Fallback {
        self.object = Some(head(&c.text));
        self.at = Some(c.at.clone());
        self
    }
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason)?;
        match (&self.object, &self.at) {
            (Some(o), Some(at)) => write!(f, " ({o} at {at})"),
            (Some(o), None) => write!(f, " ({o})"),
            (None, Some(at)) => write!(f, " (at {at})"),
            (None, None) => Ok(()),
        }
    }
}

/// The first words of a statement on one line, to name it in a message.
fn head(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(8).collect();
    let mut out = words.join(" ");
    if out.chars().count() > 72 {
        out = out.chars().take(72).collect();
    }
    if text.split_whitespace().nth(8).is_some() || out.len() < words.join(" ").len() {
        out.push_str(" …");
    }
    out
}

/// One statement of the current files.
struct Current {
    hash: String,
    role: Role,
    text: String,
    /// `file:line`.
    at: String,
    /// The settings its file gives it ([`session`]): empty for the server's defaults.
    session: String,
}

/// Where `files` are: one file's path, or the directory they are all in.
pub fn place(files: &[SourceFile]) -> std::path::PathBuf {
    let mut place = files.first().map(|f| f.path.clone()).unwrap_or_default();
    for f in files.iter().skip(1) {
        while !f.path.starts_with(&place) && place.pop() {}
    }
    place
}

/// The key under which the base of `files` is kept: the same place (one file's path, or
/// the directory the files are in) on the same server and schema filter, whatever the
/// contents and whichever files a directory holds now.
pub fn base_key(files: &[SourceFile], server: &ServerId, only: &[String]) -> String {
    let paths = [SourceFile {
        path: place(files),
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
/// a [`Fallback`] naming the first that has none.
fn classify(files: &[SourceFile], known: &BTreeMap<&str, &Role>) -> Result<Vec<Current>, Fallback> {
    let mut out = Vec::new();
    for file in files {
        let path = file.path.display().to_string();
        // psql's meta-commands (`\restrict` in `pg_dump` output) are blanked, as a full
        // load blanks them.
        let (text, _) = super::intake::strip_meta_commands(&file.text);
        let split = split_pg_statements(&text).map_err(|_| {
            Fallback::new("a file that does not split into statements").about(&path)
        })?;
        let mut settings = session::Settings::default();
        for s in split {
            let at = format!("{path}:{}", s.line);
            let fallback = |reason| Fallback {
                reason,
                object: Some(head(&s.text)),
                at: Some(at.clone()),
            };
            let prelude = settings.prelude();
            let hash = session::hash(&prelude, &s.text);
            let known = known.get(hash.as_str());
            // A statement seen before was one to run; a new one may be a setting.
            if known.is_none() {
                match settings.read(&s.text) {
                    session::Read::Statement => {}
                    session::Read::Taken => continue,
                    session::Read::Refused(why) => {
                        let mut f = fallback("a statement a full load refuses");
                        f.object = Some(why.to_string());
                        return Err(f);
                    }
                }
            }
            if !settings.understood() {
                return Err(fallback(
                    "a statement under a search_path the reload does not apply",
                ));
            }
            let role = match known {
                Some(role) => (*role).clone(),
                None => role(&s.text)
                    .ok_or_else(|| fallback("a statement of a kind the reload does not handle"))?,
            };
            out.push(Current {
                hash,
                role,
                text: s.text,
                at,
                session: prelude,
            });
        }
    }
    sequences::attach_owned(&mut out);
    Ok(out)
}

/// The statements of `files` classified, reusing the roles `base` knows.
pub struct Classified(Result<Vec<Current>, Fallback>);

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
            .as_ref()
            .ok()?
            .iter()
            .map(|c| (c.hash.clone(), c.role.clone()))
            .collect(),
        model_key: model_key.to_string(),
    })
}

/// The model of `files` from the model of an earlier version of them (`base` and `old`),
/// reloading only the tables and views whose statements changed, with a line saying what
/// was reloaded; a [`Fallback`] when that cannot be vouched for (see the module
/// documentation) and everything must be loaded.
pub fn declare(
    current: &Classified,
    mut scratch: impl FnMut() -> Result<super::kept::Scratch, Error>,
    only: &[String],
    base: &Base,
    old: Schema,
) -> Result<(Schema, String), Fallback> {
    let current = current.0.as_ref().map_err(Clone::clone)?;
    let places = Places::new(current, &old);
    let delta = Delta::between(&base.statements, current, &places)?;
    if delta.tables.is_empty() && delta.views.is_empty() && delta.enums.is_empty() {
        // The same statements in the same order (only comments or spacing between them
        // changed) give the same model.
        return match delta.same_order {
            true => Ok((
                old,
                "nothing to reload: only comments or spacing changed".into(),
            )),
            false => Err(Fallback::new(
                "statements moved (their order can name objects)",
            )),
        };
    }
    // Reloading a quarter of the tables is not much faster than reloading them all.
    if delta.tables.len() * 4 > old.tables.len().max(8) {
        return Err(
            Fallback::new("more than a quarter of the tables changed").about(format!(
                "{} of {}",
                delta.tables.len(),
                old.tables.len()
            )),
        );
    }
    let mut plan = Reload::plan(current, &delta, &old, &places)?;
    let no_scratch = |e: Error| Fallback::new("no scratch database").about(e.to_string());
    let mut loaded = plan.load(&mut scratch, only, &old).map_err(no_scratch)?;
    let mut again = String::new();
    if let (Err(refused), false) = (&loaded, plan.fileless.is_empty()) {
        // A table the server would not create with no files, or an error in the files
        // (which the full load then reports).
        again = format!("; again with every table's files, as {refused}");
        plan = plan.with_files();
        loaded = plan.load(&mut scratch, only, &old).map_err(no_scratch)?;
    }
    let (scratch, laps) = loaded?;
    let count = |n: usize, what: &str| match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    let mut note = format!(
        "reloaded {} of {}",
        plan.tables.len(),
        count(old.tables.len(), "table")
    );
    if !plan.views.is_empty() {
        note += &format!(", {}", count(plan.views.len(), "view"));
    }
    if !delta.enums.is_empty() {
        note += &format!(", {}", count(delta.enums.len(), "enum type"));
    }
    if !plan.fileless.is_empty() || plan.stand_ins_fileless > 0 {
        note += &format!(
            " (created with no files: {}, {})",
            count(plan.fileless.len(), "changed table"),
            count(plan.stand_ins_fileless, "stand-in")
        );
    }
    note += &format!("; the rest from the cache ({laps}){again}");
    splice(old, scratch, &plan, &delta.enums).map(|s| (s, note))
}

/// Where the statements about an index or a relation go: the table or view an index name
/// belongs to, and which relation keys are views.
struct Places {
    indexes: BTreeMap<String, Role>,
    views: BTreeSet<String>,
    /// Sequences owned by a table: in the earlier model, or by the files.
    sequences: BTreeMap<String, Role>,
}

impl Places {
    fn new(current: &[Current], old: &Schema) -> Places {
        let mut indexes = BTreeMap::new();
        let mut views: BTreeSet<String> = old.views.keys().cloned().collect();
        let mut sequences: BTreeMap<String, Role> = (old.sequences.iter())
            .filter_map(|(k, s)| Some((k.clone(), Role::Table(s.owned_by.clone()?.0))))
            .collect();
        for (key, t) in &old.tables {
            let schema = t.schema.as_deref().unwrap_or("public");
            let constraints = (t.primary_key.iter().map(|k| &k.name))
                .chain(t.uniques.iter().map(|u| &u.name))
                .flatten();
            for name in t.indexes.keys().chain(constraints) {
                indexes.insert(qualified_key(schema, name), Role::Table(key.clone()));
            }
        }
        for (key, v) in &old.views {
            let schema = v.schema.as_deref().unwrap_or("public");
            for name in v.indexes.keys() {
                indexes.insert(qualified_key(schema, name), Role::View(key.clone()));
            }
        }
        for c in current {
            match &c.role {
                Role::View(v) if creates_view(&c.text).is_some() => {
                    views.insert(v.clone());
                }
                Role::Table(t) => {
                    if let Some(classify::SequenceUse::Owned(seq, _)) =
                        classify::sequence_use(&c.text)
                    {
                        sequences.insert(seq, Role::Table(t.clone()));
                    }
                    if let Some(name) = classify::created_index(&c.text) {
                        let schema = t.split_once('.').map_or("public", |(s, _)| s);
                        indexes.insert(qualified_key(schema, &name), Role::Table(t.clone()));
                    }
                }
                _ => {}
            }
        }
        let places = Places {
            indexes,
            views,
            sequences,
        };
        let indexes = (places.indexes.iter())
            .map(|(k, r)| (k.clone(), places.place_known(r)))
            .collect();
        Places { indexes, ..places }
    }

    /// `Table(k)` of a view as `View(k)`.
    fn place_known(&self, role: &Role) -> Role {
        match role {
            Role::Table(k) if self.views.contains(k) => Role::View(k.clone()),
            r => r.clone(),
        }
    }

    /// The relation a statement of `role` is about; `None` for an index not found.
    fn place(&self, role: &Role) -> Option<Role> {
        match role {
            Role::Index(k) => self.indexes.get(k).cloned(),
            Role::Sequence(k) => Some(self.sequences.get(k).cloned().unwrap_or(Role::Other)),
            r => Some(self.place_known(r)),
        }
    }
}

/// Tables, views and enum types whose statements were added or removed.
struct Delta {
    tables: BTreeSet<String>,
    views: BTreeSet<String>,
    enums: BTreeSet<String>,
    same_order: bool,
}

impl Delta {
    fn between(
        before: &[(String, Role)],
        after: &[Current],
        places: &Places,
    ) -> Result<Delta, Fallback> {
        let mut count: BTreeMap<(&str, &Role), i64> = BTreeMap::new();
        for (hash, role) in before {
            *count.entry((hash, role)).or_default() -= 1;
        }
        for c in after {
            *count.entry((&c.hash, &c.role)).or_default() += 1;
        }
        let mut delta = Delta {
            tables: BTreeSet::new(),
            views: BTreeSet::new(),
            enums: BTreeSet::new(),
            same_order: before.len() == after.len()
                && before.iter().zip(after).all(|((h, _), c)| *h == c.hash),
        };
        for ((hash, role), n) in count {
            if n == 0 {
                continue;
            }
            let statement = || after.iter().find(|c| c.hash == hash);
            let about = |f: Fallback| match statement() {
                Some(c) => f.statement(c),
                None => f.about("a statement removed"),
            };
            match places.place(role) {
                Some(Role::Table(key)) => delta.tables.insert(key),
                Some(Role::View(key)) => delta.views.insert(key),
                Some(Role::Enum(key)) => delta.enums.insert(key),
                Some(Role::Other) => {
                    return Err(about(Fallback::new(
                        "a statement not about one table, view or enum type changed",
                    )))
                }
                Some(Role::Index(_) | Role::Sequence(_)) | None => {
                    return Err(about(Fallback::new(
                        "a statement about an index whose table is not known changed",
                    )))
                }
            };
        }
        Ok(delta)
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
    /// The changed tables created with no files ([`fileless`]), whose partition key is
    /// forgotten when read back; and the changed tables' statements as written, to run
    /// instead when the server refuses one of theirs.
    fileless: BTreeSet<String>,
    as_written: Vec<String>,
    /// Per sibling's schema, the changed table whose unique constraint it holds
    /// ([`detach`]).
    detached: BTreeMap<String, String>,
    /// How many stand-ins are partitioned tables with no file.
    stand_ins_fileless: usize,
}

impl Reload {
    fn plan(
        current: &[Current],
        delta: &Delta,
        old: &Schema,
        places: &Places,
    ) -> Result<Reload, Fallback> {
        let tables = &delta.tables;
        let views = view_closure(old, delta)?;
        // Unchanged tables a re-created view reads (stood in for by all their columns),
        // and those only a changed table's foreign keys point at (by their keys).
        let mut context: BTreeSet<String> = BTreeSet::new();
        let mut keys_only: BTreeSet<String> = BTreeSet::new();
        // The keys the changed tables' foreign keys point at, by table (`None`: the primary
        // key), and the tables whose references were not read.
        let mut wanted: BTreeMap<String, Vec<Option<BTreeSet<String>>>> = BTreeMap::new();
        let mut unknown: BTreeSet<String> = BTreeSet::new();
        for view in views.iter().filter_map(|v| old.views.get(v)) {
            let tables_read = view
                .depends_on
                .iter()
                .filter(|d| !old.views.contains_key(*d));
            context.extend(tables_read.cloned());
        }
        // With settings in some file, every statement runs under its own (the server's
        // defaults for the others), whatever ran before it.
        let settings = current.iter().any(|c| !c.session.is_empty());
        let run = |prelude: &str, text: String| match settings {
            true => session::under(prelude, &text),
            false => text,
        };
        let mut other = Vec::new();
        let mut changed = Vec::new();
        let mut preludes = Vec::new();
        let mut created = BTreeSet::new();
        let mut created_views = BTreeSet::new();
        let mut view_steps = Vec::new();
        for c in current {
            if skipped(&c.text) {
                continue;
            }
            let place = places.place(&c.role).ok_or_else(|| {
                Fallback::new("a statement about an index whose table is not known").statement(c)
            })?;
            match place {
                Role::Other | Role::Enum(_) => other.push(run(&c.session, in_transaction(&c.text))),
                Role::Table(t) if tables.contains(&t) => {
                    if creates_table(&c.text) {
                        created.insert(t.clone());
                    }
                    let referenced = referenced_tables(&c.text).ok_or_else(|| {
                        Fallback::new("a REFERENCES clause not read").statement(c)
                    })?;
                    match fileless::references(&c.text) {
                        Some(refs) => (refs.into_iter())
                            .for_each(|(k, cols)| wanted.entry(k).or_default().push(cols)),
                        None => unknown.extend(referenced.iter().cloned()),
                    }
                    keys_only.extend(referenced);
                    changed.push((t, in_transaction(&c.text)));
                    preludes.push(c.session.as_str());
                }
                Role::View(v) if views.contains(&v) => {
                    match creates_view(&c.text) {
                        Some(true) => {
                            return Err(Fallback::new("a materialized view changed").statement(c))
                        }
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
                    view_steps.push(run(&c.session, c.text.clone()));
                }
                _ => {}
            }
        }
        let mut context_ddl = Vec::new();
        let mut stand_ins_fileless = 0;
        for key in context.union(&keys_only).filter(|k| !tables.contains(*k)) {
            let table = old.tables.get(key).ok_or_else(|| {
                Fallback::new("a changed table or view reads a table that was not there")
                    .about(key.clone())
            })?;
            let ddl = match context.contains(key) {
                true => context_table(table),
                false => {
                    let points_at = wanted.get(key).filter(|_| !unknown.contains(key));
                    key_table(table, points_at.map(Vec::as_slice))
                        .unwrap_or_else(|| context_table(table))
                }
            };
            stand_ins_fileless += usize::from(ddl[0].contains(PARTITIONED));
            context_ddl.extend(ddl.into_iter().map(|d| run("", d)));
        }
        let referenced = |table: &str| -> Option<Vec<BTreeSet<String>>> {
            match unknown.contains(table) {
                true => None,
                false => Some(
                    wanted
                        .get(table)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .cloned()
                        .collect(),
                ),
            }
        };
        let files = without_files(&changed, &referenced);
        let under = |texts: Vec<String>| -> Vec<String> {
            (texts.into_iter().zip(&preludes))
                .map(|(t, p)| run(p, t))
                .collect()
        };
        let mut changed_ddl = under(files.statements);
        changed_ddl.extend((files.siblings.into_iter()).map(|(at, s)| run(preludes[at], s)));
        Ok(Reload {
            tables: tables.clone(),
            created,
            views,
            created_views,
            steps: vec![other, context_ddl, changed_ddl, view_steps],
            fileless: files.keys,
            detached: files.detached,
            stand_ins_fileless,
            as_written: under(changed.into_iter().map(|(_, text)| text).collect()),
        })
    }

    /// The same reload with every changed table created as written.
    fn with_files(mut self) -> Reload {
        self.steps[2] = std::mem::take(&mut self.as_written);
        self.fileless.clear();
        self.detached.clear();
        self
    }

    /// Runs the steps in a scratch database and reads it back at the fixed point, where
    /// the texts of a class `old` holds are settled already (those classes are worked out
    /// on a second thread while the server runs the steps: 30 ms at 2,000 tables);
    /// `Ok(Err(_))` when the server refuses a statement.
    fn load(
        &self,
        scratch: &mut impl FnMut() -> Result<super::kept::Scratch, Error>,
        only: &[String],
        old: &Schema,
    ) -> Result<Result<(Schema, String), Fallback>, Error> {
        std::thread::scope(|s| {
            let settled = s.spawn(|| super::fixpoint::settled_classes(old));
            let settled = || crate::threads::joined(settled);
            self.load_with(scratch, only, settled)
        })
    }

    fn load_with(
        &self,
        scratch: &mut impl FnMut() -> Result<super::kept::Scratch, Error>,
        only: &[String],
        settled: impl FnOnce() -> super::fixpoint::Settled,
    ) -> Result<Result<(Schema, String), Fallback>, Error> {
        let mut clock = crate::progress::Laps::start();
        let (mut client, fresh) = scratch()?.into_client();
        let scratch_error = |e: postgres::Error| Error::Scratch {
            message: crate::declare::db_message(&e),
        };
        // Everything in one transaction that is rolled back: the kept database stays empty.
        let mut tx = client.transaction().map_err(scratch_error)?;
        clock.lap("scratch database");
        // As a full load: a function may name what is created after it.
        tx.batch_execute("SET check_function_bodies = off")
            .map_err(scratch_error)?;
        for (step, name) in self.steps.iter().zip(STEPS) {
            if let Err((statement, message)) = settle(&mut tx, step.clone()) {
                return Ok(Err(Fallback::new("the server refused a statement")
                    .about(format!("{}: {message}", head(&statement)))));
            }
            if !step.is_empty() {
                clock.lap(name);
            }
        }
        // Back to the server's settings for the read-back, as a full load goes back.
        let set_aside = match self.detached.is_empty() {
            true => Vec::new(),
            false => detach::read(&mut tx, &self.detached.keys().cloned().collect::<Vec<_>>())
                .map_err(scratch_error)?,
        };
        tx.batch_execute(&super::intake::enter_session(&[], 0))
            .map_err(scratch_error)?;
        let read = pg::introspect(&mut tx, only).map_err(scratch_error)?;
        clock.lap("read back");
        let mut schema = super::fixpoint::settle_known(&mut tx, read.schema, only, &settled())?;
        for key in &self.fileless {
            if let Some(t) = schema.tables.get_mut(key) {
                t.partition_by = None;
            }
        }
        if let Err(table) = detach::attach(&mut schema, set_aside, &self.detached) {
            return Ok(Err(Fallback::new(
                "a unique constraint set aside may be named otherwise in a full load",
            )
            .about(table)));
        }
        clock.lap("fixed point");
        drop(tx);
        drop(client);
        if let Some(db) = fresh {
            db.release();
        }
        clock.lap("rolled back");
        Ok(Ok((schema, clock.steps())))
    }
}

/// Whether a full load skips `text`: `ALTER … OWNER TO` when ownership is not managed
/// (`intake::treatment`); the reload skips it too, or the changed tables and views would
/// have owners a full load does not give them.
fn skipped(text: &str) -> bool {
    let may_change_owner = text
        .as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"owner"));
    may_change_owner && super::intake::treatment(text) == super::intake::Treatment::SkipOwner
}

/// What each of [`Reload::steps`] is, in the timings `--verbose` prints.
const STEPS: [&str; 4] = ["other statements", "stand-ins", "changed tables", "views"];

/// The views to re-create: the changed ones, every view reading a changed table or a view
/// re-created (to any depth), and every view those read (re-created from their unchanged
/// statements, so that no view needs a stand-in). A materialized one among them means a
/// full load.
fn view_closure(old: &Schema, delta: &Delta) -> Result<BTreeSet<String>, Fallback> {
    let mut views = delta.views.clone();
    loop {
        let before = views.len();
        for (key, view) in &old.views {
            let reads_changed = view
                .depends_on
                .iter()
                .any(|d| delta.tables.contains(d) || views.contains(d));
            if reads_changed {
                views.insert(key.clone());
            }
        }
        let read: Vec<String> = (views.iter())
            .filter_map(|v| old.views.get(v))
            .flat_map(|v| v.depends_on.iter())
            .filter(|d| old.views.contains_key(*d))
            .cloned()
            .collect();
        views.extend(read);
        if views.len() == before {
            break;
        }
    }
    if let Some(m) = views
        .iter()
        .find(|v| old.views.get(*v).is_some_and(|v| v.materialized))
    {
        return Err(Fallback::new("a materialized view would be re-created").about(m.clone()));
    }
    Ok(views)
}
