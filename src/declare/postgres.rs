//! Declared PostgreSQL DDL, normalized by the server (DESIGN.md "Normalization"): the files
//! are loaded into a scratch database on the same server (or the dev URL), read back with
//! the live introspection queries, and the scratch database is dropped, also on error.
//!
//! The statements are first sent in batches of [`BATCH`] (a round trip each; a batch is one
//! implicit transaction, so a failure leaves nothing behind). The statements of a batch the
//! server refuses are then run one by one, retrying those that name an object declared later, so statement
//! order across files does not matter; the first statement that still fails is reported
//! with its file, line and column. What is run, skipped or kept as a session setting
//! (pg_dump output) is [`intake`]'s.

pub(crate) mod intake;

pub use intake::EXTERNAL_SCHEMA;

pub mod cluster;
mod detach;
mod fileless;
pub mod fixpoint;
pub mod incremental;
pub mod kept;
pub mod parallel;
pub mod prerequisites;
mod scratch;

pub use scratch::{
    drop_scratch_databases, drop_scratch_in_background, finish_interrupt, wait_for_scratch_drops,
    ScratchDb, ScratchDropped,
};

use super::error::{Judge, Position};
use super::{Error, SourceFile};
use crate::introspect::postgres::connect::{connect_config, Config};
use crate::introspect::postgres::{self as pg};
use crate::model::Schema;
use crate::pg_error::db_message;
use crate::sqltext::{quote_pg_ident, Statement};
use parallel::LoadOptions;
use postgres::error::{ErrorPosition, SqlState};
use postgres::Client;
use std::collections::{BTreeMap, BTreeSet};

use std::sync::{Condvar, Mutex};

/// Loads `files` into a scratch database on `server` and reads it back.
pub fn declare_postgres(files: &[SourceFile], server: &Config) -> Result<Schema, Error> {
    declare_postgres_in(files, server, &[])
}

/// As [`declare_postgres`], reading back only the schemas (namespaces) in `only` (all
/// when empty).
pub fn declare_postgres_in(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
) -> Result<Schema, Error> {
    declare_postgres_with(files, server, only, LoadOptions::from_env())
}

/// As [`declare_postgres_in`], loading as `options` says (several connections for a large
/// schema, see [`parallel`]). The model is the serial load's: when a parallel load may have
/// named something differently, the files are loaded again, serially.
pub fn declare_postgres_with(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
    mut options: LoadOptions,
) -> Result<Schema, Error> {
    loop {
        let mut scratch = ScratchDb::create(server)?;
        let mut client = scratch.connect()?;
        let config = scratch.config.clone();
        let connect = move || {
            connect_config(&config).map_err(|e| Error::Scratch {
                message: e.to_string(),
            })
        };
        let admin = &mut scratch.admin;
        let loaded = load(&mut client, Some(&connect), files, options, &mut |s| {
            intake::target_has_schema(admin, s)
        })?;
        if loaded.order_dependent {
            options = LoadOptions::SERIAL;
            continue;
        }
        if loaded.refused_with_no_files {
            // Something the server refused once tables had no files: everything as written.
            options.fileless = false;
            continue;
        }
        let scratch_error = |e: postgres::Error| Error::Scratch {
            message: db_message(&e),
        };
        let set_aside = match loaded.siblings.is_empty() {
            true => Vec::new(),
            false => detach::read(
                &mut client,
                &loaded.siblings.keys().cloned().collect::<Vec<_>>(),
            )
            .map_err(scratch_error)?,
        };
        let read = match scratch.connect() {
            Ok(mut helper) => pg::introspect_pair(&mut client, &mut helper, only),
            Err(_) => pg::introspect(&mut client, only),
        }
        .map_err(scratch_error)?;
        let mut schema = fixpoint::settle(&mut client, read.schema, only)?;
        drop(client);
        for t in schema.tables.values_mut() {
            if loaded.fileless.contains(&t.name) {
                t.partition_by = None;
            }
        }
        // Each table's key by its name (each the only table of that name).
        let tables: BTreeMap<String, String> = (loaded.siblings.iter())
            .filter_map(|(sibling, name)| {
                let key = schema.tables.iter().find(|(_, t)| t.name == *name)?.0;
                Some((sibling.clone(), key.clone()))
            })
            .collect();
        if detach::attach(&mut schema, set_aside, &tables).is_err() {
            // A name the server may have chosen otherwise: everything as written.
            options.fileless = false;
            continue;
        }
        for s in loaded.stand_ins {
            schema.schemas.remove(&s);
            schema
                .unmanaged
                .insert(s, intake::EXTERNAL_SCHEMA.to_string());
        }
        scratch.release();
        return Ok(schema);
    }
}

/// Whether `schema` (declared) has stand-ins for schemas of the database the scratch
/// database was created from, so that it depends on that database.
pub(super) fn leans_on_target(schema: &Schema) -> bool {
    schema
        .unmanaged
        .values()
        .any(|what| what == intake::EXTERNAL_SCHEMA)
}

/// Runs the statements of `files` on `client` (an empty database), on this one connection.
pub fn load_postgres(client: &mut Client, files: &[SourceFile]) -> Result<(), Error> {
    load(client, None, files, LoadOptions::SERIAL, &mut |_| false).map(drop)
}

/// Whether `files` would be loaded on several connections with `options` (the plan alone;
/// a load may still go serial afterwards, see [`declare_postgres_with`]).
pub fn loads_in_parallel(files: &[SourceFile], options: LoadOptions) -> Result<bool, Error> {
    let (pending, _) = statements(files)?;
    Ok(parallel::plan(&pending, options).is_some())
}

/// The tables (unqualified names) `files` would create with no files when loaded with
/// `options`, should the server accept them so ([`fileless`]).
pub fn loads_with_no_files(
    files: &[SourceFile],
    options: LoadOptions,
) -> Result<BTreeSet<String>, Error> {
    let (pending, _) = statements(files)?;
    let Some(plan) = parallel::plan(&pending, options).filter(|_| options.fileless) else {
        return Ok(BTreeSet::new());
    };
    let (rewritten, _) = with_no_files(&pending, &plan);
    Ok(plan
        .groups
        .iter()
        .zip(rewritten)
        .filter(|(_, r)| r.is_some())
        .map(|(g, _)| g.table.clone())
        .collect())
}

/// Opens another connection to the database being loaded.
type Connect<'a> = &'a (dyn Fn() -> Result<Client, Error> + Sync);

/// What [`load`] did.
struct Loaded {
    /// Schemas created as stand-ins.
    stand_ins: Vec<String>,
    /// A parallel load left a name PostgreSQL chose that may depend on the order: load
    /// again, serially.
    order_dependent: bool,
    /// The tables (unqualified names, each the only table of that name) created with no
    /// files: their partition key is not declared.
    fileless: BTreeSet<String>,
    /// A statement was refused after some tables were created with no files: load again
    /// with every table as written, which reports it if it is an error of the files.
    refused_with_no_files: bool,
    /// Per sibling's schema, the table (unqualified) whose unique constraint it holds
    /// ([`detach`]), for the groups run so.
    siblings: BTreeMap<String, String>,
}

/// As [`load_postgres`]; a schema the files use but do not create is created as a stand-in
/// when `stand_in` says the target has it. With `connect` and a large schema, tables are
/// loaded on several connections ([`parallel`]).
fn load(
    client: &mut Client,
    connect: Option<Connect<'_>>,
    files: &[SourceFile],
    options: LoadOptions,
    stand_in: &mut dyn FnMut(&str) -> bool,
) -> Result<Loaded, Error> {
    let (pending, sessions) = statements(files)?;
    let (total, mut done) = (pending.len(), 0);
    let plan = connect.and_then(|c| Some((c, parallel::plan(&pending, options)?)));
    let mut slow = Vec::new();
    let mut fileless = BTreeSet::new();
    let mut siblings = BTreeMap::new();
    match &plan {
        None => {
            for chunk in pending.chunks(BATCH) {
                let batch = batch_text(chunk, &sessions);
                match client.batch_execute(&batch) {
                    Ok(()) => done += chunk.len(),
                    Err(_) => slow.extend(chunk.iter().cloned()),
                }
                crate::progress::report(crate::progress::Task::Load, done, total);
            }
        }
        Some((connect, plan)) => {
            let mut failed = run_alone_on_failure(client, &pending, &plan.prelude, &sessions);
            let rewritten = match options.fileless {
                true => {
                    let (rewritten, set_aside) = with_no_files(&pending, plan);
                    siblings = set_aside;
                    rewritten
                }
                false => vec![None; plan.groups.len()],
            };
            let groups = run_groups(
                client,
                *connect,
                &pending,
                (&plan.groups, &rewritten),
                &sessions,
                options.connections,
            );
            failed.extend(groups.failed);
            fileless = groups.fileless;
            failed.extend(run_alone_on_failure(
                client,
                &pending,
                &plan.postlude,
                &sessions,
            ));
            let failed: BTreeSet<usize> = failed.into_iter().collect();
            slow.extend(failed.into_iter().map(|i| pending[i].clone()));
        }
    }
    let mut stand_ins = Vec::new();
    if !slow.is_empty() {
        let settled = execute_until_settled(client, slow, &sessions, &mut |e| {
            let name = intake::missing_schema(e).filter(|s| !stand_ins.contains(s))?;
            if !stand_in(&name) {
                return None;
            }
            stand_ins.push(name.clone());
            Some(format!("CREATE SCHEMA {}", quote_pg_ident(&name)))
        });
        match settled {
            Err(_) if !fileless.is_empty() => {
                crate::progress::finish();
                return Ok(Loaded {
                    stand_ins,
                    order_dependent: false,
                    fileless,
                    refused_with_no_files: true,
                    siblings,
                });
            }
            settled => settled?,
        }
    }
    crate::progress::report(crate::progress::Task::Load, total, total);
    crate::progress::finish();
    let order_dependent = plan.is_some()
        && parallel::order_dependent(client).map_err(|e| Error::Scratch {
            message: db_message(&e),
        })?;
    leave_session(client)?;
    Ok(Loaded {
        stand_ins,
        order_dependent,
        fileless,
        refused_with_no_files: false,
        siblings,
    })
}

/// A table group's `CREATE TABLE` with no files: its index into the pending statements, its
/// text, and the statements that set unique constraints aside on siblings after it
/// ([`detach`]); `None` where the group runs as written.
type Rewritten = Option<(usize, String, Vec<String>)>;

/// Per group of `plan`: its `CREATE TABLE` (an index into `pending`) with no files, where
/// [`fileless`] (or [`detach`]) allows it and no statement of the other phases keeps the
/// table's files; and per sibling's schema, the table (unqualified) it sets a constraint
/// aside for.
fn with_no_files(
    pending: &[Pending<'_>],
    plan: &parallel::Plan,
) -> (Vec<Rewritten>, BTreeMap<String, String>) {
    let none = || (vec![None; plan.groups.len()], BTreeMap::new());
    let mut kept = BTreeSet::new();
    for &i in plan.prelude.iter().chain(&plan.postlude) {
        match fileless::kept_by(&pending[i].1.text) {
            Some(names) => kept.extend(names),
            None => return none(),
        }
    }
    // The column sets foreign keys point at, by referenced table; `None` when one was not
    // read (then no constraint is set aside).
    let mut pointed_at: Option<Vec<(String, BTreeSet<String>)>> = Some(Vec::new());
    for (_, s, _) in pending {
        match (fileless::references(&s.text), pointed_at.as_mut()) {
            (Some(refs), Some(all)) => {
                all.extend(refs.into_iter().filter_map(|(k, cols)| Some((k, cols?))))
            }
            (None, _) => pointed_at = None,
            _ => {}
        }
    }
    let mut next = 1;
    let mut siblings = BTreeMap::new();
    let rewritten = plan
        .groups
        .iter()
        .map(|g| {
            if kept.contains(&g.table) {
                return None;
            }
            let texts: Vec<&str> = g
                .statements
                .iter()
                .map(|&i| pending[i].1.text.as_str())
                .collect();
            let suffix = format!(".{}", g.table);
            let referenced: Option<Vec<BTreeSet<String>>> = pointed_at.as_ref().map(|all| {
                (all.iter())
                    .filter(|(k, _)| k.ends_with(&suffix))
                    .map(|(_, c)| c.clone())
                    .collect()
            });
            let (at, text, set_aside) =
                detach::without_files(&texts, referenced.as_deref(), &mut next)?;
            let mut after = Vec::new();
            for (schema, statements) in set_aside {
                siblings.insert(schema, g.table.clone());
                after.extend(statements);
            }
            Some((g.statements[at], text, after))
        })
        .collect();
    (rewritten, siblings)
}

/// One multi-statement query of `items`, each under its session settings.
fn batch_text<'a>(items: impl IntoIterator<Item = &'a Pending<'a>>, sessions: &[String]) -> String {
    let mut batch = String::new();
    let mut session = None;
    for (_, s, i) in items {
        if session != Some(*i) {
            batch.push_str(&intake::enter_session(sessions, *i));
            session = Some(*i);
        }
        batch.push_str(&s.text);
        batch.push_str(";\n");
    }
    batch
}

/// Runs the statements `which` of `pending` in batches; those of a batch the server refuses
/// are run one by one. Returns the ones refused alone.
fn run_alone_on_failure(
    client: &mut Client,
    pending: &[Pending<'_>],
    which: &[usize],
    sessions: &[String],
) -> Vec<usize> {
    let mut failed = Vec::new();
    for chunk in which.chunks(BATCH) {
        if client
            .batch_execute(&batch_text(chunk.iter().map(|&i| &pending[i]), sessions))
            .is_ok()
        {
            continue;
        }
        for &i in chunk {
            if client
                .batch_execute(&batch_text([&pending[i]], sessions))
                .is_err()
            {
                failed.push(i);
            }
        }
    }
    failed
}

/// Which groups may start, which run, which failed.
struct Board {
    /// Per group: groups it waits for that have not committed.
    waiting: Vec<usize>,
    ready: BTreeSet<usize>,
    running: usize,
    committed: Vec<bool>,
    /// Per group: committed with no files.
    fileless: Vec<bool>,
}

/// What [`run_groups`] did.
struct GroupsRun {
    /// The statements of the groups that failed or never could start.
    failed: Vec<usize>,
    /// The tables of the groups committed with no files.
    fileless: BTreeSet<String>,
}

/// Runs the table groups of a [`parallel::Plan`] on `client` and `connections - 1` more
/// connections, each group's table with no files where `rewritten` has its `CREATE TABLE`
/// so (as written when the server refuses that).
fn run_groups(
    client: &mut Client,
    connect: Connect<'_>,
    pending: &[Pending<'_>],
    (groups, rewritten): (&[parallel::Group], &[Rewritten]),
    sessions: &[String],
    connections: usize,
) -> GroupsRun {
    let mut dependents = vec![Vec::new(); groups.len()];
    for (g, group) in groups.iter().enumerate() {
        for &d in &group.after {
            dependents[d].push(g);
        }
    }
    let waiting: Vec<usize> = groups.iter().map(|g| g.after.len()).collect();
    let board = Mutex::new(Board {
        ready: (0..groups.len()).filter(|&g| waiting[g] == 0).collect(),
        waiting,
        running: 0,
        committed: vec![false; groups.len()],
        fileless: vec![false; groups.len()],
    });
    let wake = Condvar::new();
    let work = |client: &mut Client| loop {
        let next = {
            let Ok(mut b) = board.lock() else { return };
            loop {
                if let Some(g) = b.ready.pop_first() {
                    b.running += 1;
                    break Some(g);
                }
                if b.running == 0 {
                    break None;
                }
                b = match wake.wait(b) {
                    Ok(b) => b,
                    Err(_) => return,
                };
            }
        };
        let Some(g) = next else {
            wake.notify_all();
            return;
        };
        let as_written = || batch_text(groups[g].statements.iter().map(|&i| &pending[i]), sessions);
        let no_files = rewritten[g].as_ref().map(|(at, text, after)| {
            let (file, stmt, session) = &pending[*at];
            let with = |text: &String| {
                let stmt = Statement {
                    text: text.clone(),
                    ..stmt.clone()
                };
                (*file, stmt, *session)
            };
            let statements = groups[g].statements.iter().map(|&i| match i == *at {
                true => with(text),
                false => pending[i].clone(),
            });
            let siblings = after.iter().map(with);
            batch_text(
                statements.chain(siblings).collect::<Vec<_>>().iter(),
                sessions,
            )
        });
        let fileless = no_files.is_some_and(|text| client.batch_execute(&text).is_ok());
        let ok = fileless || client.batch_execute(&as_written()).is_ok();
        let Ok(mut b) = board.lock() else { return };
        b.running -= 1;
        if ok {
            b.committed[g] = true;
            b.fileless[g] = fileless;
            for &d in &dependents[g] {
                b.waiting[d] -= 1;
                if b.waiting[d] == 0 {
                    b.ready.insert(d);
                }
            }
        }
        drop(b);
        wake.notify_all();
    };
    std::thread::scope(|s| {
        for _ in 1..connections.min(groups.len()) {
            s.spawn(|| {
                if let Ok(mut extra) = connect() {
                    work(&mut extra);
                }
            });
        }
        work(client);
    });
    let (committed, fileless) = board
        .into_inner()
        .map(|b| (b.committed, b.fileless))
        .unwrap_or_else(|_| (vec![false; groups.len()], vec![false; groups.len()]));
    GroupsRun {
        failed: groups
            .iter()
            .zip(committed)
            .filter(|(_, ok)| !ok)
            .flat_map(|(g, _)| g.statements.iter().copied())
            .collect(),
        fileless: groups
            .iter()
            .zip(fileless)
            .filter(|(_, no_files)| *no_files)
            .map(|(g, _)| g.table.clone())
            .collect(),
    }
}

/// Back to the server's settings, for the read-back.
fn leave_session(client: &mut Client) -> Result<(), Error> {
    client
        .batch_execute(&intake::enter_session(&[], 0))
        .map_err(|e| Error::Scratch {
            message: db_message(&e),
        })
}

/// Statements per batch: one implicit transaction each, which must stay within the
/// server's lock table (`max_locks_per_transaction`, 64 per connection by default).
const BATCH: usize = 200;

/// A statement to run, with its file and its session settings (an index into the list of
/// settings [`statements`] returns).
pub(crate) type Pending<'a> = (&'a SourceFile, Statement, usize);

fn statements(files: &[SourceFile]) -> Result<(Vec<Pending<'_>>, Vec<String>), Error> {
    let mut out = Vec::new();
    let mut sessions = Vec::new();
    for file in files {
        let read = intake::file_intake(&file.text, &mut sessions).map_err(|e| {
            let pos = Position::new(file, e.line, e.column, e.offset);
            Error::syntax(
                Judge::Postgres,
                pos,
                format!("cannot read DDL: {}", e.message),
            )
        })?;
        intake::note_skipped(file, &read);
        out.extend(read.statements.into_iter().map(|(s, i)| (file, s, i)));
    }
    Ok((out, sessions))
}

/// Errors that mean "declared later": retried while other statements make progress.
fn is_missing_dependency(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        [
            SqlState::UNDEFINED_TABLE,
            SqlState::UNDEFINED_OBJECT,
            SqlState::INVALID_SCHEMA_NAME,
            SqlState::UNDEFINED_FUNCTION,
            SqlState::UNDEFINED_COLUMN,
            SqlState::INVALID_FOREIGN_KEY,
        ]
        .contains(c)
    })
}

fn execute_until_settled(
    client: &mut Client,
    mut pending: Vec<Pending<'_>>,
    sessions: &[String],
    remedy: &mut dyn FnMut(&postgres::Error) -> Option<String>,
) -> Result<(), Error> {
    loop {
        let mut failed = Vec::new();
        let before = pending.len();
        let mut session = None;
        for (file, stmt, i) in pending {
            if session != Some(i) {
                client
                    .batch_execute(&intake::enter_session(sessions, i))
                    .map_err(|e| rejected(file, &stmt, &e))?;
                session = Some(i);
            }
            match client.batch_execute(&stmt.text) {
                Ok(()) => {}
                Err(e) if is_missing_dependency(&e) => failed.push((file, stmt, i, e)),
                Err(e) => return Err(rejected(file, &stmt, &e)),
            }
        }
        if failed.is_empty() {
            return Ok(());
        }
        if failed.len() == before {
            // No progress: a stand-in may unblock them, else the first one is reported.
            let fix = failed
                .iter()
                .find_map(|(f, s, _, e)| Some((*f, s, remedy(e)?)));
            match fix {
                Some((file, stmt, sql)) => client
                    .batch_execute(&sql)
                    .map_err(|e| rejected(file, stmt, &e))?,
                None => {
                    let (file, stmt, _, e) = &failed[0];
                    return Err(rejected(file, stmt, e));
                }
            }
        }
        pending = failed.into_iter().map(|(f, s, i, _)| (f, s, i)).collect();
    }
}

/// Places the server's error at the file position it points to (or the statement's start).
fn rejected(file: &SourceFile, stmt: &Statement, e: &postgres::Error) -> Error {
    let hint = intake::advice(e)
        .or_else(|| e.as_db_error().and_then(|d| d.hint().map(str::to_string)))
        .unwrap_or_else(|| {
            "correct the statement so that PostgreSQL accepts it; schemas/ must load into an empty database".into()
        });
    let within = match e.as_db_error().and_then(|d| d.position()) {
        Some(ErrorPosition::Original(p)) => stmt
            .text
            .char_indices()
            .nth((*p as usize).saturating_sub(1))
            .map_or(0, |(i, _)| i),
        _ => 0,
    };
    let offset = stmt.offset + within;
    let (line, column) = line_column(&file.text, offset);
    Error::pg_rejected(
        Position::new(file, line, column, offset),
        db_message(e),
        hint,
    )
}

fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let head = &text[..offset.min(text.len())];
    let line = head.matches('\n').count() as u64 + 1;
    let col = head.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}
