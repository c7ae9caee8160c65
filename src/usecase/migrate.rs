//! `upgrade` and `downgrade` (on the database, or as a `--sql` script), `stamp` and
//! `current`: the runner in `apply` does the work through the engine's adapter.

use super::config::Project;
use super::{graph, open, Error, Note};
use crate::engine::{self, known_heads, next_heads, Direction, Engine, Request};
use crate::revision::{self, Graph, Target};
use crate::sqltext::comment;

/// What `upgrade`/`downgrade` is asked.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    /// `head`, `base`, a revision, `+N`/`-N`; for `--sql` also `FROM:TO` (default: `head`
    /// up, `-1` down).
    pub target: Option<String>,
    pub dir: Direction,
    /// `--sql`: print the script instead of running it.
    pub sql: bool,
    /// `--accept-edited`: revisions whose new checksum is accepted.
    pub accept: Vec<String>,
    /// `--verbose`: note each statement as it runs and each revision's time.
    pub verbose: bool,
}

/// What `upgrade`/`downgrade` did.
#[derive(Debug)]
pub enum Moved {
    /// `--sql`: the script.
    Script(String),
    /// The revisions that ran, and the target as given (or its default).
    Ran { ran: Vec<String>, target: String },
}

/// The target text, with the direction's default.
pub fn target_text(a: &MoveRequest) -> String {
    let default = if a.dir == Direction::Up { "head" } else { "-1" };
    a.target.clone().unwrap_or_else(|| default.into())
}

/// `upgrade`/`downgrade` on engine `E`.
pub fn upgrade<E: Engine>(
    p: &Project,
    g: &Graph,
    a: &MoveRequest,
    notes: &dyn Fn(Note),
) -> Result<Moved, Error> {
    let target_text = target_text(a);
    if a.sql {
        return offline::<E>(g, &target_text, a.dir).map(Moved::Script);
    }
    let mut db = open::<E>(p, true)?;
    let target = Target::parse(&target_text);
    let dir = a.dir;
    let task = match dir {
        Direction::Up => crate::progress::Task::Upgrade,
        Direction::Down => crate::progress::Task::Downgrade,
    };
    // Statements of the revision under way, counted for `Note::Finished`.
    let statements = std::cell::Cell::new(0usize);
    let progress = |n: usize, total: usize, rev: &revision::Revision| {
        statements.set(0);
        notes(Note::Running {
            dir,
            n,
            total,
            id: &rev.id,
            parents: &rev.parents,
            message: &rev.message,
        });
        crate::progress::report(task, n, total);
    };
    let planned = |from: &[String], total: usize| notes(Note::Planned { dir, from, total });
    let waiting = || waiting(p, notes);
    let statement = |text: &str| {
        statements.set(statements.get() + 1);
        if a.verbose {
            notes(Note::Statement(text));
        }
    };
    let ran = |rev: &revision::Revision, took: std::time::Duration| {
        notes(Note::Finished {
            dir,
            id: &rev.id,
            message: &rev.message,
            statements: statements.get(),
            millis: took.as_millis(),
        });
        if a.verbose {
            notes(Note::Ran {
                dir,
                id: &rev.id,
                millis: took.as_millis(),
            });
        }
    };
    let request = Request {
        target: &target,
        dir,
        accept: &a.accept,
        progress: &progress,
        planned: &planned,
        waiting: &waiting,
        statement: &statement,
        ran: &ran,
    };
    let hand_built = a.dir == Direction::Up && hand_built::<E>(&mut db, g);
    let result = engine::migrate(E::adapter(&mut db), g, &request);
    crate::progress::finish();
    // Where the database stands now, also after a failure (what stayed applied).
    if let Ok(heads) = known_heads(E::adapter(&mut db), g) {
        notes(Note::Settled { heads: &heads });
    }
    let ran = match result {
        Err(failure @ engine::ApplyError::Statement(_)) if hand_built => {
            return Err(Error::HandBuilt {
                failure: Box::new(failure),
            })
        }
        ran => ran?,
    };
    Ok(Moved::Ran {
        ran,
        target: target_text,
    })
}

/// Whether the database holds tables but records no revision (built by hand, or by
/// another tool): a failed first revision there is most likely one that `stamp` should
/// have marked as applied.
fn hand_built<E: Engine>(db: &mut E::Db, g: &Graph) -> bool {
    let at_base = known_heads(E::adapter(db), g).is_ok_and(|h| h.is_empty());
    at_base && E::read(db).is_ok_and(|s| !s.tables.is_empty())
}

/// Notes that another run holds the migration lock and how long this one waits for it.
fn waiting(p: &Project, notes: &dyn Fn(Note)) {
    notes(Note::Waiting {
        seconds: p.config.lock_timeout_seconds,
    });
}

/// `--sql`: the scripts for a range, with the version-table statements, for the engine's
/// shell.
fn offline<E: Engine>(g: &Graph, target: &str, dir: Direction) -> Result<String, Error> {
    let (from, path) = offline_range(g, target, dir)?;
    let mut out = offline_title(target, dir);
    out.push_str(&E::offline_header());
    let mut heads = from;
    for rev in path {
        let sql = if dir == Direction::Up {
            &rev.up
        } else {
            &rev.down
        };
        let next = next_heads(g, &heads, rev, dir);
        E::offline_revision(&mut out, &running_line(rev, dir), sql, &next);
        heads = next;
    }
    Ok(out)
}

/// The first line of `upgrade/downgrade --sql` output (the target is the user's text).
fn offline_title(target: &str, dir: Direction) -> String {
    let verb = if dir == Direction::Up {
        "upgrade"
    } else {
        "downgrade"
    };
    comment::line(&format!("schemadiff {verb} --sql {target}"))
}

/// The comment line above a revision's statements in `--sql` output.
fn running_line(rev: &revision::Revision, dir: Direction) -> String {
    comment::line(&format!(
        "Running {} {}: {}",
        dir.as_str(),
        rev.id,
        rev.message
    ))
}

/// A `--sql` target (`TO` or `FROM:TO`): the heads it starts from and the revisions to run.
pub(super) fn offline_range<'g>(
    g: &'g Graph,
    target: &str,
    dir: Direction,
) -> Result<(Vec<String>, Vec<&'g revision::Revision>), Error> {
    let (from, to) = match target.split_once(':') {
        Some((f, t)) => (start(g, f)?, t.to_string()),
        None if dir == Direction::Up => (Vec::new(), target.to_string()),
        None => return Err(Error::DowngradeSqlRange),
    };
    let path = match dir {
        Direction::Up => g.upgrade_path(&from, &Target::parse(&to))?,
        Direction::Down => g.downgrade_path(&from, &Target::parse(&to), &Default::default())?,
    };
    Ok((from, path))
}

/// The heads a `--sql` range starts from: `base`, `head`, `heads` or a revision.
fn start(g: &Graph, from: &str) -> Result<Vec<String>, Error> {
    Ok(match Target::parse(from) {
        Target::Base => Vec::new(),
        Target::Head => g.head()?.map(str::to_string).into_iter().collect(),
        Target::Heads => g.heads().iter().map(|s| s.to_string()).collect(),
        _ => vec![g.resolve(from)?.to_string()],
    })
}

/// The heads `stamp` writes for `target` (checked before the database is opened).
pub fn stamp_heads(g: &Graph, target: &str) -> Result<Vec<String>, Error> {
    Ok(match Target::parse(target) {
        Target::Base => Vec::new(),
        Target::Head => g.head()?.map(str::to_string).into_iter().collect(),
        Target::Heads => g.heads().iter().map(|s| s.to_string()).collect(),
        Target::Rev(r) => vec![g.resolve(&r)?.to_string()],
        Target::Relative(_) => {
            return Err(Error::StampTarget {
                target: target.to_string(),
            })
        }
    })
}

/// `stamp` on engine `E`: marks the database as being at `heads` without running anything;
/// without `purge`, refuses to overwrite what cannot be explained, as Alembic does.
pub fn stamp<E: Engine>(
    p: &Project,
    g: &Graph,
    heads: &[String],
    purge: bool,
    notes: &dyn Fn(Note),
) -> Result<(), Error> {
    let mut db = open::<E>(p, true)?;
    engine::stamp(E::adapter(&mut db), g, heads, purge, &|| waiting(p, notes))?;
    Ok(())
}

/// `current` on engine `E`: the revisions the database is at.
pub fn current<E: Engine>(p: &Project, g: &Graph) -> Result<Vec<String>, Error> {
    let mut db = open::<E>(p, false)?;
    Ok(known_heads(E::adapter(&mut db), g)?)
}

/// Loads the project and its graph (every migrate use case starts so).
pub fn project_and_graph(cfg: Option<&std::path::Path>) -> Result<(Project, Graph), Error> {
    let p = super::project(cfg)?;
    let g = graph(&p)?;
    Ok((p, g))
}
