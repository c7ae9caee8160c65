//! `check`: where the project and its database disagree: changes in `schemas/` that no
//! revision holds, a database not at head, and drift (the live schema differs from what its
//! applied revisions produce, found by replaying them into a scratch database of the same
//! engine and comparing catalogs). `verify`: every revision up and down again in a scratch
//! database.

mod fast;

use super::config::Project;
use super::{declared, declared_snapshots, dev, open, privileges, record, unmanaged, Error, Note};
use crate::engine::{self, known_heads, Cache, Direction, Engine};
use crate::model::Schema;
use crate::progress::Task;
use crate::revision::{self, Graph, Revision};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// One disagreement `check` found.
#[derive(Debug, Serialize)]
pub struct Problem {
    pub kind: &'static str,
    pub summary: String,
    pub fix: String,
    pub details: Vec<String>,
}

/// `check` on engine `E`: its problems, none when the project is clean. The objects
/// schemadiff does not manage (declared or live) are noted, each once; with `strict`,
/// those schemas/ holds are a problem (no revision would create them).
pub fn check<E: Engine>(
    p: &Project,
    g: &Graph,
    strict: bool,
    notes: &dyn Fn(Note),
) -> Result<Vec<Problem>, Error> {
    let mut problems = Vec::new();
    let dev = dev::<E>(p)?;
    let managed = privileges::managed(&p.config.postgres, &Default::default());
    privileges::before_declaring(&managed);

    // The check record: where it vouches for a side, that side is not loaded (fast.rs).
    let record = fast::record::<E>(p);
    if let Err(why) = &record {
        notes(Note::Detail(&format!("check record: {why}")));
    }
    let record = record.ok();

    // The declared side (snapshots/, schemas/) is read on a second thread while the live
    // database and the replay of its revisions are read here: on a large schema each is a
    // few tens of milliseconds even from the catalog cache.
    let (declared_side, live_side) = std::thread::scope(|scope| {
        let declared_side = scope.spawn(|| {
            let known = match &record {
                Some(r) => fast::declared::<E>(r, p, &dev),
                None => Err(String::new()),
            };
            match known {
                Ok(pair) => (Ok(Some(pair)), Ok(())),
                Err(why) => (declared_pair::<E>(p, &dev), Err(why)),
            }
        });
        let live_side = live_pair::<E>(p, g, &dev, record.as_ref());
        let declared_side = crate::threads::joined(declared_side);
        (declared_side, live_side)
    });
    let (declared_side, declared_why) = declared_side;
    match (&record, declared_why) {
        (Some(_), Ok(())) => notes(Note::Detail(
            "check record: snapshots/ and schemas/ are the files it was written from: no unrevisioned changes, neither loaded",
        )),
        (Some(_), Err(why)) => notes(Note::Detail(&format!(
            "check record: {why}: loading snapshots/ and schemas/"
        ))),
        (None, _) => {}
    }
    let mut declared_models = declared_side?;
    let (applied, edited, mut live_models, known_live, live_why) = live_side?;
    if let Some(why) = &live_why {
        notes(Note::Detail(&format!("check record: {why}")));
    }
    if let Some((snap, wanted)) = &mut declared_models {
        privileges::declared_side(snap, &managed, None);
        privileges::declared_side(wanted, &managed, None);
    }
    if let Some((expected, live)) = &mut live_models {
        privileges::replayed_side(expected, &managed, &p.config.postgres);
        privileges::live_side(live, &managed);
        privileges::check_roles(expected, live)?;
    }
    if !edited.is_empty() {
        problems.push(edited_problem(&edited));
    }

    // Every model read (a pair is `None` only on SQLite's cache shortcuts, and SQLite has
    // no unmanaged objects); invalid indexes are a problem of their own below.
    let read: Vec<&Schema> = [&declared_models, &live_models]
        .into_iter()
        .flatten()
        .flat_map(|(a, b)| [a, b])
        .chain(&known_live)
        .collect();
    let mut objects = unmanaged::union(&read);
    objects.retain(|_, what| unmanaged::class(what) != unmanaged::Class::InvalidIndex);
    unmanaged::note(&objects, notes);

    problems.extend(pending_problem::<E>(&declared_models));

    let head: Vec<String> = g.heads().iter().map(|s| s.to_string()).collect();
    if applied != head {
        problems.push(Problem {
            kind: "not-at-head",
            summary: format!(
                "the database is at {} but the head is {}",
                list(&applied),
                list(&head)
            ),
            fix: match head.len() {
                1 => "run `schemadiff upgrade head`".into(),
                _ => "the history has several heads: join them with `schemadiff merge -m \"merge heads\" heads`, then run `schemadiff upgrade head`; or run `schemadiff upgrade heads` to apply every branch as it is".into(),
            },
            details: Vec::new(),
        });
    }

    let drift = live_models
        .as_ref()
        .map_or_else(Vec::new, |(expected, live)| E::differences(expected, live));
    if !drift.is_empty() {
        problems.push(Problem {
            kind: "drift",
            summary: format!(
                "the database differs from what its applied revisions ({}) produce",
                list(&applied)
            ),
            fix:
                "find who changed it; then revert the change, or capture it in a revision and stamp"
                    .into(),
            details: drift,
        });
    }

    let invalid: Vec<String> = live_models
        .iter()
        .map(|(_, live)| live)
        .chain(&known_live)
        .flat_map(|live| &live.unmanaged)
        .filter(|(_, what)| *what == engine::INVALID_INDEX)
        .map(|(key, _)| key.clone())
        .collect();
    if !invalid.is_empty() {
        problems.push(Problem {
            kind: "invalid-index",
            summary: "indexes left INVALID by a failed concurrent build (they are not used, but slow every write)".into(),
            fix: "run `DROP INDEX CONCURRENTLY` on each, fix what made the build fail, then re-run the revision's statement or `schemadiff upgrade`".into(),
            details: invalid,
        });
    }
    problems.extend(unmanaged_declared_problem(&declared_models, strict));
    // Freeing four models of a large schema one allocation at a time takes longer than
    // reading them from the cache did; the process ends right after this.
    std::mem::forget((declared_models, live_models, known_live));
    Ok(problems)
}

/// Two models to compare; `None` when they are known to be the same without reading them.
pub(super) type Pair = Option<(Schema, Schema)>;

/// snapshots/ (empty when there is none yet) and schemas/, declared.
pub(super) fn declared_pair<E: Engine>(p: &Project, dev: &E::Dev) -> Result<Pair, Error> {
    let has_snapshot = revision::snapshot::exists(&p.snapshots());
    if let (Some(cache), true) = (Cache::from_env(), has_snapshot) {
        let read = |dir: &Path| engine::read_sources(dir).ok();
        if let (Some(snap), Some(wanted)) = (read(&p.snapshots()), read(&p.schemas())) {
            if E::same_declared(&cache, &snap, &wanted) {
                return Ok(None);
            }
        }
    }
    let snap = if has_snapshot {
        declared_snapshots::<E>(dev, p)?
    } else {
        Schema::default()
    };
    Ok(Some((snap, declared::<E>(dev, &p.schemas())?)))
}

/// The live database's applied heads, the applied revisions edited since they ran, then
/// the schema the heads produce and its live schema; or, when the check record vouches
/// that the live schema is what they produce, that live schema alone; and why the record
/// did not vouch for it (`None` without a record).
fn live_pair<E: Engine>(
    p: &Project,
    g: &Graph,
    dev: &E::Dev,
    record: Option<&record::Record>,
) -> Result<LiveSide, Error> {
    let mut db = open::<E>(p, false)?;
    let applied = known_heads(E::adapter(&mut db), g)?;
    let edited = engine::edited(E::adapter(&mut db), g)?;
    let revs = applied_revisions(g, &applied);
    let cache = Cache::from_env();
    let mut read = None;
    let mut why = None;
    if let Some(r) = record {
        let mut live = E::read_live(&mut db, cache.as_ref())?;
        match fast::live(r, &applied, &revs, &mut live) {
            Ok(matched) => return Ok((applied, edited, None, Some(live), Some(matched))),
            Err(reason) => why = Some(reason),
        }
        read = Some(live);
    }
    if let Some(cache) = &cache {
        if E::replay_matches(&mut db, &revs, cache) {
            return Ok((applied, edited, None, read, why));
        }
    }
    let expected = E::replay(dev, &revs, g, cache.as_ref())?;
    let live = match read {
        Some(live) => live,
        None => E::read_live(&mut db, cache.as_ref())?,
    };
    let live = E::normalize_live(dev, live, &expected, cache.as_ref());
    Ok((applied, edited, Some((expected, live)), None, why))
}

/// What [`live_pair`] found: the applied heads, the edited revisions, the pair to compare
/// (`None` when known to agree), the live schema when known to agree and read, and why
/// the check record did not vouch for it.
type LiveSide = (
    Vec<String>,
    Vec<engine::ApplyError>,
    Pair,
    Option<Schema>,
    Option<String>,
);

/// Applied revisions edited since they ran: `upgrade` refuses to run until each file is
/// reverted or its edit accepted, so `check` fails on them in `upgrade`'s words.
fn edited_problem(edited: &[engine::ApplyError]) -> Problem {
    let ids: Vec<&str> = edited
        .iter()
        .filter_map(|e| match e {
            engine::ApplyError::Edited { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let accept: Vec<String> = ids
        .iter()
        .map(|id| format!("--accept-edited {id}"))
        .collect();
    Problem {
        kind: "edited-revision",
        summary: "applied revisions were edited after they ran: `schemadiff upgrade` refuses to run".into(),
        fix: format!(
            "applied revisions must not be edited: revert the file, or accept the edit deliberately with `schemadiff upgrade {}`",
            accept.join(" ")
        ),
        details: edited.iter().map(|e| e.to_string()).collect(),
    }
}

/// The revisions `heads` stand for, in order.
fn applied_revisions<'g>(g: &'g Graph, heads: &[String]) -> Vec<&'g Revision> {
    let goal = g.closure(heads.iter().map(String::as_str));
    g.ordered().filter(|r| goal.contains(&r.id)).collect()
}

/// Revision ids joined with `, `, `<base>` for none.
fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "<base>".into()
    } else {
        ids.join(", ")
    }
}

/// What `verify` found.
#[derive(Debug)]
pub enum Verified {
    /// Every revision (this many) up to head and back down to base; `unread` says why the
    /// project's database was not read (its applied revisions not compared with their
    /// files), `None` when it was and they match.
    Ok {
        count: usize,
        unread: Option<String>,
        steps: Vec<Step>,
    },
    /// The first revision that does not do what it says, or the applied revisions edited
    /// since they ran (in `upgrade`'s words); `steps` are the runs up to it.
    Failed { message: String, steps: Vec<Step> },
}

/// One revision run by `verify`'s replay, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub dir: Direction,
    /// Whether it ran and (down) restored the schema before its upgrade.
    pub ok: bool,
    pub millis: u128,
}

/// `verify` on engine `E`: first the applied revisions of the project's database (when it
/// can be opened; read only) compared with their files, as `upgrade` does before it runs;
/// then every revision up from base to head in a scratch database, the result compared
/// with `snapshots/`, then every revision down again, each downgrade required to restore
/// the state before its upgrade exactly.
pub fn verify<E: Engine>(p: &Project, g: &Graph) -> Result<Verified, Error> {
    let unread = match applied_edits::<E>(p, g) {
        Ok(edited) if !edited.is_empty() => {
            let problem = edited_problem(&edited);
            let message = format!(
                "{}\n  - {}\n  fix: {}",
                problem.summary,
                problem.details.join("\n  - "),
                problem.fix
            );
            return Ok(Verified::Failed {
                message,
                steps: Vec::new(),
            });
        }
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    };
    let mut steps = Vec::new();
    let count = replay_up_and_down::<E>(p, g, &mut steps);
    crate::progress::finish();
    Ok(match count? {
        Ok(count) => Verified::Ok {
            count,
            unread,
            steps,
        },
        Err(message) => Verified::Failed { message, steps },
    })
}

/// The applied revisions of the project's database edited since they ran; an error when
/// the database cannot be opened (none configured, a SQLite file that does not exist).
fn applied_edits<E: Engine>(p: &Project, g: &Graph) -> Result<Vec<engine::ApplyError>, Error> {
    let mut db = open::<E>(p, false)?;
    Ok(engine::edited(E::adapter(&mut db), g)?)
}

/// `verify`'s replay: the number of revisions, or what the first wrong one does.
/// Each revision run is pushed to `steps`, and its count reported as
/// [`crate::progress::Task::Replay`].
fn replay_up_and_down<E: Engine>(
    p: &Project,
    g: &Graph,
    steps: &mut Vec<Step>,
) -> Result<Result<usize, String>, Error> {
    let dev = dev::<E>(p)?;
    let mut scratch = E::scratch(&dev)?;
    E::adapter(&mut scratch).ensure_tables()?;
    let mut before_each = std::collections::BTreeMap::new();
    let mut count = 0;
    let total = 2 * g.ordered().count();
    let mut step = |rev: &Revision, dir: Direction, ok: bool, started: Instant| {
        steps.push(Step {
            id: rev.id.clone(),
            dir,
            ok,
            millis: started.elapsed().as_millis(),
        });
        crate::progress::report(Task::Replay, steps.len(), total);
    };
    for rev in g.ordered() {
        before_each.insert(rev.id.clone(), E::read(&mut scratch)?);
        let started = Instant::now();
        let run = E::adapter(&mut scratch).run(rev, Direction::Up, g, &|_| false, &|_| {});
        step(rev, Direction::Up, run.is_ok(), started);
        if let Err(e) = run {
            return Ok(Err(format!(
                "the upgrade of {} ({}) fails: {e}",
                rev.id,
                rev.path.display()
            )));
        }
        count += 1;
    }
    if revision::snapshot::exists(&p.snapshots()) {
        let managed = privileges::managed(&p.config.postgres, &Default::default());
        let (mut replayed, mut snap) = (E::read(&mut scratch)?, declared_snapshots::<E>(&dev, p)?);
        privileges::live_side(&mut replayed, &managed);
        privileges::live_side(&mut snap, &managed);
        let diffs = E::differences(&replayed, &snap);
        if !diffs.is_empty() {
            let head = list(&g.heads().iter().map(|s| s.to_string()).collect::<Vec<_>>());
            return Ok(Err(format!(
                "the revisions up to {head} do not produce snapshots/:\n  - {}",
                diffs.join("\n  - ")
            )));
        }
    }
    for rev in g.ordered().rev() {
        let started = Instant::now();
        let run = E::adapter(&mut scratch).run(rev, Direction::Down, g, &|_| false, &|_| {});
        if let Err(e) = run {
            step(rev, Direction::Down, false, started);
            return Ok(Err(format!(
                "the downgrade of {} ({}) fails: {e}",
                rev.id,
                rev.path.display()
            )));
        }
        let diffs = E::differences(&before_each[&rev.id], &E::read(&mut scratch)?);
        step(rev, Direction::Down, diffs.is_empty(), started);
        if !diffs.is_empty() {
            return Ok(Err(format!(
                "the downgrade of {} ({}) does not restore the schema before it:\n  - {}",
                rev.id,
                rev.path.display(),
                diffs.join("\n  - ")
            )));
        }
    }
    Ok(Ok(count))
}

/// `schemas/` against `snapshots/` (`check` and `check --offline`): the changes no revision
/// holds, as one problem.
pub(super) fn pending_problem<E: Engine>(models: &Option<(Schema, Schema)>) -> Option<Problem> {
    let pending = models
        .as_ref()
        .map_or_else(Vec::new, |(snap, wanted)| E::differences(snap, wanted));
    (!pending.is_empty()).then(|| Problem {
        kind: "unrevisioned-changes",
        summary: "schemas/ has changes that no revision holds".into(),
        fix: "run `schemadiff generate -m MSG`".into(),
        details: pending,
    })
}

/// With `strict`, the objects `schemas/` holds that schemadiff does not manage, as one
/// problem (`check` and `check --offline`).
pub(super) fn unmanaged_declared_problem(
    models: &Option<(Schema, Schema)>,
    strict: bool,
) -> Option<Problem> {
    let not_delivered: Vec<String> = models
        .iter()
        .flat_map(|(_, wanted)| unmanaged::declared(wanted))
        .map(|(key, what)| format!("{key} ({what})"))
        .collect();
    (strict && !not_delivered.is_empty()).then(|| Problem {
        kind: "unmanaged-declared",
        summary: "schemas/ holds objects schemadiff does not manage: no revision creates, alters or drops them, so they would not reach the database".into(),
        fix: "create them outside schemadiff (by hand, or in a revision written with `generate --empty`) and take them out of schemas/, or wait until schemadiff supports them".into(),
        details: not_delivered,
    })
}
