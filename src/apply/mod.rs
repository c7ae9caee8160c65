//! Applies revisions to a database: the algorithm lives here once (verify checksums, then
//! per revision: lock, re-read what is applied, run the section and record it in one
//! transaction); engines implement [`Engine`]. Must not import `cli`.

pub mod postgres;
pub mod sqlite;

use crate::revision::{Graph, Revision, Target};
use std::collections::BTreeMap;

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
    #[error("revision {id} ({}) failed at line {line}, statement `{statement}`: {message}; nothing of it was applied, the database stays at its previous revision", path.display())]
    #[diagnostic(help("fix the statement in the revision file (it has not been applied, so editing it is safe), or the data it fails on, then run the command again"))]
    Statement {
        id: String,
        path: std::path::PathBuf,
        line: u64,
        statement: String,
        message: String,
    },
    #[error("revision {id} ({}) failed at line {line}, statement `{statement}`, which runs outside the transaction: {message}; the transaction did not run and the database stays at its previous revision, but the no-transaction statements before this one stay done", path.display())]
    #[diagnostic(help("fix what the statement trips on, then run the command again: the statements outside the transaction are written to be safe to repeat (IF EXISTS, IF NOT EXISTS)"))]
    OutsideTransaction {
        id: String,
        path: std::path::PathBuf,
        line: u64,
        statement: String,
        message: String,
    },
    #[error("revision {id} ({}) is applied, but line {line}, run after its transaction committed, failed: `{statement}`: {message}", path.display())]
    #[diagnostic(help("the revision's transaction is committed and recorded, so `upgrade` will not run it again: fix the rows the statement trips on, then run that statement and the ones after it in the revision by hand (psql); until then a constraint being validated stays NOT VALID, which `schemadiff check` reports as drift"))]
    AfterCommit {
        id: String,
        path: std::path::PathBuf,
        line: u64,
        statement: String,
        message: String,
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
    #[error("the database records revision {0}, which no file in the migrations directory has")]
    #[diagnostic(help(
        "restore the revision file, or `stamp` the database to a revision that exists"
    ))]
    UnknownApplied(String),
    #[error("another schemadiff holds the migration lock and did not finish within {seconds} s")]
    #[diagnostic(help(
        "wait for the other run to finish, or raise lock_timeout_seconds in schemadiff.toml"
    ))]
    Locked { seconds: u64 },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Revision(#[from] crate::revision::Error),
}

/// What an engine provides to the apply algorithm.
pub trait Engine {
    /// Creates the version and history tables when missing.
    fn ensure_tables(&mut self) -> Result<(), Error>;
    /// Returns the applied heads (the version table).
    fn heads(&mut self) -> Result<Vec<String>, Error>;
    /// Returns the recorded checksum of each applied revision.
    fn checksums(&mut self) -> Result<BTreeMap<String, String>, Error>;
    /// Runs one section under the lock unless `skip` says, after locking, that it is no
    /// longer needed; records the new heads and a history row in the same transaction.
    /// Returns whether it ran.
    fn run(
        &mut self,
        rev: &Revision,
        dir: Direction,
        graph: &Graph,
        skip: &dyn Fn(&[String]) -> bool,
    ) -> Result<bool, Error>;
    /// Sets the heads without running anything.
    fn stamp(&mut self, heads: &[String]) -> Result<(), Error>;
    /// Records `checksum` as accepted for `id`.
    fn accept(&mut self, id: &str, checksum: &str) -> Result<(), Error>;
}

/// The line of the revision's file a section starts after (for error positions).
pub(crate) fn section_offset(rev: &Revision, sql: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string(&rev.path) else {
        return 0;
    };
    let text = crate::textfile::normalize(&text);
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

/// Refuses to run when an applied revision's file changed, unless accepted.
pub fn verify_checksums(
    engine: &mut dyn Engine,
    graph: &Graph,
    accept: &[String],
) -> Result<(), Error> {
    let heads = engine.heads()?;
    let applied = graph.closure(heads.iter().map(String::as_str));
    for (id, recorded) in engine.checksums()? {
        let Some(rev) = graph.get(&id).filter(|_| applied.contains(&id)) else {
            continue;
        };
        if rev.checksum == recorded {
            continue;
        }
        if accept.iter().any(|a| id.starts_with(a.as_str())) {
            engine.accept(&id, &rev.checksum)?;
            continue;
        }
        return Err(Error::Edited {
            id,
            path: rev.path.clone(),
            recorded,
            current: rev.checksum.clone(),
        });
    }
    Ok(())
}

/// Called before each revision runs with (n, total, revision), for progress output.
pub type Progress<'a> = &'a dyn Fn(usize, usize, &Revision);

/// Moves the database to `target` (up or down); returns the revisions that ran. After
/// taking the lock, a revision another runner already moved past is skipped.
pub fn migrate(
    engine: &mut dyn Engine,
    graph: &Graph,
    target: &Target,
    dir: Direction,
    progress: Progress,
) -> Result<Vec<String>, Error> {
    engine.ensure_tables()?;
    let current = known_heads(engine, graph)?;
    let path = match dir {
        Direction::Up => graph.upgrade_path(&current, target)?,
        Direction::Down => graph.downgrade_path(&current, target)?,
    };
    let mut ran = Vec::new();
    for (n, rev) in path.iter().enumerate() {
        progress(n + 1, path.len(), rev);
        let settled = |heads: &[String]| {
            let applied = graph
                .closure(heads.iter().map(String::as_str))
                .contains(&rev.id);
            applied == (dir == Direction::Up)
        };
        if engine.run(rev, dir, graph, &settled)? {
            ran.push(rev.id.clone());
        }
    }
    Ok(ran)
}

/// Returns the applied heads, all of which must be known revisions.
pub fn known_heads(engine: &mut dyn Engine, graph: &Graph) -> Result<Vec<String>, Error> {
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
