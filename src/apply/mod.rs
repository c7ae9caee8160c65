//! Applies revisions to a database: the algorithm lives here once (take the lock; under it
//! create the bookkeeping tables, verify checksums, read what is applied, plan the path,
//! refuse transaction control, and run each revision's section with its record in one
//! transaction; release the lock); each engine implements the small [`Adapter`]. Must not import `cli`.

pub mod failure;
pub mod interrupt;
pub mod postgres;
pub mod sqlite;

pub use failure::{Failure, Ran};
pub use interrupt::Canceller;

use crate::revision::{Graph, Revision, Target};
use crate::sqltext::{SplitError, Statement};
use std::collections::BTreeMap;

/// The version table (Alembic's `alembic_version`), named alike on every engine.
pub const VERSION_TABLE: &str = "schemadiff_version";
/// The history table (one row per revision run), named alike on every engine.
pub const HISTORY_TABLE: &str = "schemadiff_history";

/// Which section of a revision runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("database error: {0}")]
    Database(String),
    #[error("{0}; {fate}", fate = .0.fate())]
    #[diagnostic(help("fix the statement in the revision file (the version table does not record the revision, so editing it is safe), or the data it fails on, then run the command again; statements listed as staying applied run again then, which is safe when they are written with IF [NOT] EXISTS, as `generate` writes them"))]
    Statement(Box<Failure>),
    #[error("interrupted (Ctrl-C): {0}; {fate}", fate = .0.fate())]
    #[diagnostic(help("the running statement was cancelled and the migration lock released; run the command again to go on"))]
    Interrupted(Box<Failure>),
    #[error("interrupted (Ctrl-C) {when}; nothing more ran")]
    #[diagnostic(help("run the command again to go on"))]
    Stopped { when: String },
    #[error("revision {} ({}) is applied, but line {}, run after its transaction committed, failed: `{}`: {}{}", .0.id, .0.path.display(), .0.at.line, .0.at.text, .0.message, after_commit(&.0.kept))]
    #[diagnostic(help("the revision's transaction is committed and recorded, so `upgrade` will not run it again: fix the rows the statement trips on, then run that statement and the ones after it in the revision by hand (psql); until then a constraint being validated stays NOT VALID, which `schemadiff check` reports as drift"))]
    AfterCommit(Box<Failure>),
    #[error("revision {id} ({}) line {line} holds `{statement}`, which {does} the transaction schemadiff runs the revision in: part of the revision would commit while the rest fails, and the version table would not say so; nothing ran", path.display())]
    #[diagnostic(help("remove the statement: schemadiff runs each revision, with its version-table update, in one transaction of its own. To run a statement outside it on PostgreSQL, put `-- schemadiff:no-transaction` on the line above it; to commit in steps, split the work into several revisions"))]
    TransactionControl {
        id: String,
        path: std::path::PathBuf,
        line: u64,
        statement: String,
        does: &'static str,
    },
    #[error("revision {id} ({}) builds index {index} concurrently, but an INVALID index of that name is left from a concurrent build that failed", path.display())]
    #[diagnostic(help("drop it with `DROP INDEX CONCURRENTLY {index};`, fix what made the build fail (duplicate rows for a UNIQUE index, a lock or statement timeout), then run the command again"))]
    InvalidIndex {
        id: String,
        path: std::path::PathBuf,
        index: String,
    },
    #[error("revision {id} was applied with checksum {recorded}, but {} now has checksum {current}", path.display())]
    #[diagnostic(help("applied revisions must not be edited: revert the file, or accept the edit deliberately with `--accept-edited {id}`"))]
    Edited {
        id: String,
        path: std::path::PathBuf,
        recorded: String,
        current: String,
    },
    #[error("the database records revision {}, which no file in the migrations directory has", crate::sqltext::comment::Printable(.0))]
    #[diagnostic(help(
        "restore the revision file (from version control); or, if the database holds the schema of the head, mark it so with `schemadiff stamp --purge head` (of an older revision: `schemadiff stamp --purge REV`): without --purge, stamp refuses as this does"
    ))]
    UnknownApplied(String),
    #[error("another schemadiff holds the migration lock and did not finish within {seconds} s")]
    #[diagnostic(help(
        "wait for the other run to finish, or raise lock_timeout_seconds in schemadiff.toml"
    ))]
    Locked { seconds: u64 },
    #[error("cannot open the lock file {}: {message}", path.display())]
    #[diagnostic(help("schemadiff locks a SQLite database with a file next to it (as SQLite writes its journal there): make the directory writable"))]
    LockFile {
        path: std::path::PathBuf,
        message: String,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Revision(#[from] crate::revision::Error),
}

fn or_base(heads: &[String]) -> String {
    if heads.is_empty() {
        "<base>".into()
    } else {
        heads.join(", ")
    }
}

fn after_commit(kept: &[Ran]) -> String {
    if kept.is_empty() {
        String::new()
    } else {
        format!(
            "; the statements after the commit before it stay applied: {}",
            failure::list(kept)
        )
    }
}

/// What an engine provides to the apply algorithm.
pub trait Adapter {
    /// Tries to take the migration lock once, without waiting; returns whether it did.
    fn try_lock(&mut self) -> Result<bool, Error>;
    /// How long a runner waits for the migration lock, and how often it tries again.
    fn lock_wait(&self) -> (std::time::Duration, std::time::Duration);
    /// Releases the migration lock.
    fn unlock(&mut self);
    /// Returns what cancels the statement running on this engine, from another thread.
    fn canceller(&self) -> Canceller;
    /// Splits a section into statements (strings, comments and bodies do not split).
    fn statements(&self, sql: &str) -> Result<Vec<Statement>, SplitError>;
    /// Creates the version and history tables when missing.
    fn ensure_tables(&mut self) -> Result<(), Error>;
    /// Returns the applied heads (the version table).
    fn heads(&mut self) -> Result<Vec<String>, Error>;
    /// Returns the history table's rows `(revision, checksum, direction)` in the order
    /// they were written (none when nothing is applied).
    fn history_rows(&mut self) -> Result<Vec<(String, String, String)>, Error>;
    /// Returns the recorded checksum of each applied revision.
    fn checksums(&mut self) -> Result<BTreeMap<String, String>, Error> {
        Ok(fold_history(self.history_rows()?))
    }
    /// Runs one section (the caller holds the lock, or owns the database) unless `skip`
    /// says, on the heads read in its transaction, that it is not needed; records the new
    /// heads and a history row in the same transaction; tells `each` every statement's
    /// text just before it runs. Returns whether it ran.
    fn run(
        &mut self,
        rev: &Revision,
        dir: Direction,
        graph: &Graph,
        skip: &dyn Fn(&[String]) -> bool,
        each: &dyn Fn(&str),
    ) -> Result<bool, Error>;
    /// Sets the heads without running anything (the caller holds the lock).
    fn stamp(&mut self, heads: &[String]) -> Result<(), Error>;
    /// Records `checksum` as accepted for `id`.
    fn accept(&mut self, id: &str, checksum: &str) -> Result<(), Error>;
}

/// The migration lock, released when this guard is dropped (also on error and panic).
pub struct Held<'e> {
    engine: &'e mut dyn Adapter,
}

/// Takes the migration lock of `engine`, waiting at most its lock timeout; calls `waiting`
/// once when another runner holds it. Fails with [`Error::Locked`] when the time is up, with
/// [`Error::Stopped`] on Ctrl-C.
pub fn hold<'e>(engine: &'e mut dyn Adapter, waiting: &dyn Fn()) -> Result<Held<'e>, Error> {
    let (timeout, poll) = engine.lock_wait();
    let deadline = std::time::Instant::now() + timeout;
    let mut told = false;
    while !engine.try_lock()? {
        if interrupt::interrupted() {
            return Err(Error::Stopped {
                when: "while waiting for the migration lock".into(),
            });
        }
        let now = std::time::Instant::now();
        if now >= deadline {
            return Err(Error::Locked {
                seconds: timeout.as_secs(),
            });
        }
        if !told {
            waiting();
            told = true;
        }
        std::thread::sleep(poll.min(deadline - now));
    }
    Ok(Held { engine })
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.engine.unlock();
    }
}

impl<'e> std::ops::Deref for Held<'e> {
    type Target = dyn Adapter + 'e;
    fn deref(&self) -> &Self::Target {
        self.engine
    }
}

impl std::ops::DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.engine
    }
}

/// The line of the revision's file a section starts after (for error positions).
pub(crate) fn section_offset(rev: &Revision, sql: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string(&rev.path) else {
        return 0;
    };
    let text = crate::textfile::normalize_sql(&text);
    text.find(sql)
        .map_or(0, |at| text[..at].lines().count() as u64)
}

/// Folds history rows `(revision, checksum, direction)` in order into the checksum each
/// applied revision was last run or accepted with (a downgrade forgets it; a stamp ran
/// nothing, so there is nothing to compare).
pub fn fold_history(
    rows: impl IntoIterator<Item = (String, String, String)>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (rev, sum, dir) in rows {
        match dir.as_str() {
            "down" => drop(out.remove(&rev)),
            _ if sum.is_empty() => {}
            _ => drop(out.insert(rev, sum)),
        }
    }
    out
}

/// When each revision that history rows `(revision, checksum, direction)` leave applied
/// last came up (an upgrade or a stamp; a downgrade forgets one), as a rank: the path
/// `upgrade` took, which `downgrade -N` goes back along. The heads one stamp wrote (its
/// rows are consecutive) share a rank: nothing ran, so none came up after the others.
pub fn applied_order(
    rows: impl IntoIterator<Item = (String, String, String)>,
) -> BTreeMap<String, usize> {
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    let mut stamp_started: Option<usize> = None;
    for (n, (rev, _, dir)) in rows.into_iter().enumerate() {
        let rank = match dir.as_str() {
            "stamp" => *stamp_started.get_or_insert(n),
            _ => {
                stamp_started = None;
                n
            }
        };
        match dir.as_str() {
            "down" => drop(at.remove(&rev)),
            "up" | "stamp" => drop(at.insert(rev, rank)),
            _ => {}
        }
    }
    at
}

/// Refuses to run when an applied revision's file changed, unless accepted.
pub fn verify_checksums(
    engine: &mut dyn Adapter,
    graph: &Graph,
    accept: &[String],
) -> Result<(), Error> {
    for edit in edited(engine, graph)? {
        let Error::Edited { id, current, .. } = &edit else {
            continue;
        };
        if accept.iter().any(|a| id.starts_with(a.as_str())) {
            engine.accept(id, current)?;
            continue;
        }
        return Err(edit);
    }
    Ok(())
}

/// The applied revisions whose file changed since they ran (or since an edit was
/// accepted), each as the [`Error::Edited`] `upgrade` refuses with, by id. Reads only: `check` and `verify` report these, `upgrade` refuses on them.
pub fn edited(engine: &mut dyn Adapter, graph: &Graph) -> Result<Vec<Error>, Error> {
    let heads = engine.heads()?;
    let applied = graph.closure(heads.iter().map(String::as_str));
    let mut out = Vec::new();
    for (id, recorded) in engine.checksums()? {
        let Some(rev) = graph.get(&id).filter(|_| applied.contains(&id)) else {
            continue;
        };
        if rev.checksum != recorded {
            out.push(Error::Edited {
                path: rev.path.clone(),
                recorded,
                current: rev.checksum.clone(),
                id,
            });
        }
    }
    Ok(out)
}

/// Called before each revision runs with (n, total, revision), for progress output.
pub type Progress<'a> = &'a dyn Fn(usize, usize, &Revision);

/// What a run does and whom it tells.
pub struct Request<'a> {
    pub target: &'a Target,
    pub dir: Direction,
    /// Revision ids (or prefixes) whose edited files are accepted.
    pub accept: &'a [String],
    pub progress: Progress<'a>,
    /// Called once, under the lock, before anything runs: the heads the run starts from
    /// and the number of revisions it will run.
    pub planned: &'a dyn Fn(&[String], usize),
    /// Called once when another runner holds the lock.
    pub waiting: &'a dyn Fn(),
    /// Called with each statement's text just before it runs.
    pub statement: &'a dyn Fn(&str),
    /// Called after each revision ran, with how long it took.
    pub ran: &'a dyn Fn(&Revision, std::time::Duration),
}

/// Moves the database to the target (up or down); returns the revisions that ran. The
/// whole decision runs under the migration lock: a runner that waited for it reads the
/// version table only once it holds it, so it plans from what the other runner left.
pub fn migrate(
    engine: &mut dyn Adapter,
    graph: &Graph,
    plan: &Request,
) -> Result<Vec<String>, Error> {
    let _watch = interrupt::watch(engine.canceller());
    stopped(migrate_held(engine, graph, plan))
}

/// A bookkeeping query that Ctrl-C cancelled is an interruption, not a database error.
fn stopped<T>(result: Result<T, Error>) -> Result<T, Error> {
    match result {
        Err(Error::Database(message)) if interrupt::interrupted() => Err(Error::Stopped {
            when: format!("while reading or writing the version table ({message})"),
        }),
        other => other,
    }
}

fn migrate_held(
    engine: &mut dyn Adapter,
    graph: &Graph,
    plan: &Request,
) -> Result<Vec<String>, Error> {
    let mut held = hold(engine, plan.waiting)?;
    held.ensure_tables()?;
    verify_checksums(&mut *held, graph, plan.accept)?;
    let current = known_heads(&mut *held, graph)?;
    let path = match plan.dir {
        Direction::Up => graph.upgrade_path(&current, plan.target)?,
        Direction::Down => {
            let order = match plan.target {
                Target::Relative(_) => applied_order(held.history_rows()?),
                _ => BTreeMap::new(),
            };
            graph.downgrade_path(&current, plan.target, &order)?
        }
    };
    (plan.planned)(&current, path.len());
    for rev in &path {
        refuse_transaction_control(&*held, rev, plan.dir)?;
    }
    let mut ran = Vec::new();
    for (n, rev) in path.iter().enumerate() {
        if interrupt::interrupted() {
            return Err(Error::Stopped {
                when: format!(
                    "before revision {} ran, with the database at {}",
                    rev.id,
                    or_base(&held.heads()?)
                ),
            });
        }
        (plan.progress)(n + 1, path.len(), rev);
        let settled = |heads: &[String]| {
            let applied = graph
                .closure(heads.iter().map(String::as_str))
                .contains(&rev.id);
            applied == (plan.dir == Direction::Up)
        };
        let started = std::time::Instant::now();
        if held.run(rev, plan.dir, graph, &settled, plan.statement)? {
            (plan.ran)(rev, started.elapsed());
            ran.push(rev.id.clone());
        }
    }
    Ok(ran)
}

/// Sets the heads without running anything, under the lock; unless `purge`, refuses when
/// the database records a revision no file has.
pub fn stamp(
    engine: &mut dyn Adapter,
    graph: &Graph,
    heads: &[String],
    purge: bool,
    waiting: &dyn Fn(),
) -> Result<(), Error> {
    let _watch = interrupt::watch(engine.canceller());
    stopped(hold(engine, waiting).and_then(|mut held| {
        held.ensure_tables()?;
        if !purge {
            known_heads(&mut *held, graph)?;
        }
        held.stamp(heads)
    }))
}

/// Refuses a section that holds a statement ending, starting or abandoning a transaction.
pub fn refuse_transaction_control(
    engine: &dyn Adapter,
    rev: &Revision,
    dir: Direction,
) -> Result<(), Error> {
    let sql = match dir {
        Direction::Up => &rev.up,
        Direction::Down => &rev.down,
    };
    let section_line = section_offset(rev, sql);
    let Ok(statements) = engine.statements(sql) else {
        return Ok(()); // the run reports the unreadable section, before anything runs
    };
    for s in &statements {
        if let Some(keyword) = failure::transaction_control(s) {
            let verb = match keyword {
                "BEGIN" | "START TRANSACTION" => "starts inside",
                "ROLLBACK" | "ABORT" => "rolls back",
                _ => "commits",
            };
            return Err(Error::TransactionControl {
                id: rev.id.clone(),
                path: rev.path.clone(),
                line: section_line + s.line,
                statement: failure::first_line(&s.text),
                does: verb,
            });
        }
    }
    Ok(())
}

/// Returns the applied heads, all of which must be known revisions.
pub fn known_heads(engine: &mut dyn Adapter, graph: &Graph) -> Result<Vec<String>, Error> {
    let heads = engine.heads()?;
    if let Some(unknown) = heads.iter().find(|h| graph.get(h).is_none()) {
        return Err(Error::UnknownApplied(unknown.clone()));
    }
    Ok(heads)
}

/// The heads after `rev` ran in `dir` on top of `heads`.
pub fn next_heads(graph: &Graph, heads: &[String], rev: &Revision, dir: Direction) -> Vec<String> {
    let mut applied = graph.closure(heads.iter().map(String::as_str));
    match dir {
        Direction::Up => {
            applied.insert(rev.id.clone());
        }
        Direction::Down => {
            applied.remove(&rev.id);
        }
    }
    graph.heads_of(&applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, &str)]) -> Vec<(String, String, String)> {
        list.iter()
            .map(|(rev, dir)| (rev.to_string(), "sum".to_string(), dir.to_string()))
            .collect()
    }

    #[test]
    fn applied_order_ranks_the_last_time_each_revision_came_up() {
        let order = applied_order(rows(&[
            ("a", "up"),
            ("c", "up"),
            ("d", "up"),
            ("c", "down"),
            ("c", "up"),
            ("d", "accept-edit"),
        ]));
        assert!(
            order["a"] < order["d"] && order["d"] < order["c"],
            "{order:?}"
        );
        // One stamp's heads share a rank; a later run ranks above them.
        let order = applied_order(rows(&[
            ("c", "stamp"),
            ("d", "stamp"),
            ("e", "up"),
            ("d", "down"),
        ]));
        assert_eq!(order.get("d"), None);
        assert!(order["c"] < order["e"], "{order:?}");
        let order = applied_order(rows(&[("a", "up"), ("c", "stamp"), ("d", "stamp")]));
        assert_eq!(order["c"], order["d"]);
    }
}
