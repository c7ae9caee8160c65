//! `check`: exit 1 when the project and its database disagree, with a readable report (and
//! JSON): changes in `schemas/` that no revision holds, a database not at head, and drift
//! (the live schema differs from what its applied revisions produce, found by replaying
//! them into a scratch database of the same engine and comparing catalogs).

use super::db::{declared, differences, Db};
use super::workflow::{graph, is_postgres, project};
use super::{args, write_stdout, Error, Outcome};
use crate::apply::{self, Direction};
use crate::config::Project;
use crate::declare::{cache, read_sources, Cache};
use crate::model::Schema;
use crate::revision::{Graph, Revision};
use crate::sqltext::comment::Printable;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct Problem {
    kind: &'static str,
    summary: String,
    fix: &'static str,
    details: Vec<String>,
}

pub fn check(cfg: Option<&Path>, a: args::CheckArgs) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let mut problems = Vec::new();

    // The declared side (snapshots/, schemas/) is read on a second thread while the live
    // database and the replay of its revisions are read here: on a large schema each is a
    // few tens of milliseconds even from the catalog cache.
    let (declared_side, live_side) = std::thread::scope(|scope| {
        let declared_side = scope.spawn(|| declared_pair(&p));
        let live_side = live_pair(&p, &g);
        let declared_side = declared_side
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (declared_side, live_side)
    });
    let declared_models = declared_side?;
    let (applied, live_models) = live_side?;

    let pending = declared_models
        .as_ref()
        .map_or_else(Vec::new, |(snap, wanted)| differences(&p, snap, wanted));
    if !pending.is_empty() {
        problems.push(Problem {
            kind: "unrevisioned-changes",
            summary: "schemas/ has changes that no revision holds".into(),
            fix: "run `schemadiff generate -m MSG`",
            details: pending,
        });
    }

    let head: Vec<String> = g.heads().iter().map(|s| s.to_string()).collect();
    if applied != head {
        problems.push(Problem {
            kind: "not-at-head",
            summary: format!(
                "the database is at {} but the head is {}",
                list(&applied),
                list(&head)
            ),
            fix: "run `schemadiff upgrade head`",
            details: Vec::new(),
        });
    }

    let drift = live_models
        .as_ref()
        .map_or_else(Vec::new, |(expected, live)| differences(&p, expected, live));
    if !drift.is_empty() {
        problems.push(Problem {
            kind: "drift",
            summary: format!("the database differs from what its applied revisions ({}) produce", list(&applied)),
            fix: "find who changed it; then revert the change, or capture it in a revision and stamp",
            details: drift,
        });
    }

    let invalid: Vec<String> = live_models
        .iter()
        .flat_map(|(_, live)| &live.unmanaged)
        .filter(|(_, what)| *what == crate::introspect::postgres::INVALID_INDEX)
        .map(|(key, _)| key.clone())
        .collect();
    if !invalid.is_empty() {
        problems.push(Problem {
            kind: "invalid-index",
            summary: "indexes left INVALID by a failed concurrent build (they are not used, but slow every write)".into(),
            fix: "run `DROP INDEX CONCURRENTLY` on each, fix what made the build fail, then re-run the revision's statement or `schemadiff upgrade`",
            details: invalid,
        });
    }

    let text = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(
            &serde_json::json!({ "clean": problems.is_empty(), "problems": problems }),
        )
        .unwrap_or_default(),
        _ => report(&problems),
    };
    write_stdout(&text)?;
    // Freeing four models of a large schema one allocation at a time takes longer than
    // reading them from the cache did; the process ends right after this.
    std::mem::forget((declared_models, live_models));
    Ok(if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Changes
    })
}

/// Two models to compare; `None` when they are known to be the same without reading them.
type Pair = Option<(Schema, Schema)>;

/// snapshots/ (empty when there is none yet) and schemas/, declared.
fn declared_pair(p: &Project) -> Result<Pair, Error> {
    let has_snapshot = crate::revision::snapshot::exists(&p.snapshots());
    if let (Some(cache), false, true) = (Cache::from_env(), is_postgres(p), has_snapshot) {
        let read = |dir: &Path| read_sources(dir).ok();
        if let (Some(snap), Some(wanted)) = (read(&p.snapshots()), read(&p.schemas())) {
            let (a, b) = (
                cache::declared_inputs(&snap),
                cache::declared_inputs(&wanted),
            );
            if cache::sqlite_same_stored(&cache, &a, &b) {
                return Ok(None);
            }
        }
    }
    let snap = if has_snapshot {
        declared(p, &p.snapshots())?
    } else {
        Schema::default()
    };
    Ok(Some((snap, declared(p, &p.schemas())?)))
}

/// The live database's applied heads, then the schema they produce and its live schema.
fn live_pair(p: &Project, g: &Graph) -> Result<(Vec<String>, Pair), Error> {
    let mut live_db = Db::live(p)?;
    let applied = apply::known_heads(live_db.engine(), g)?;
    if let (Some(cache), Db::Sqlite(engine)) = (Cache::from_env(), &live_db) {
        let revs = applied_revisions(g, &applied);
        if let Ok(catalog) = cache::catalog_texts(engine.connection()) {
            let (a, b) = (replay_inputs(&revs), cache::live_inputs(&catalog));
            if cache::sqlite_same_stored(&cache, &a, &b) {
                return Ok((applied, None));
            }
        }
    }
    let expected = replay(p, g, &applied)?;
    let mut live = live_db.read_live()?;
    if is_postgres(p) {
        let server = super::workflow_pg::dev_config(p)?;
        live = super::workflow_pg::normalized_live(&server, live, &expected);
    }
    Ok((applied, Some((expected, live))))
}

/// The revisions `heads` stand for, in order.
fn applied_revisions<'g>(g: &'g Graph, heads: &[String]) -> Vec<&'g Revision> {
    let goal = g.closure(heads.iter().map(String::as_str));
    g.ordered().filter(|r| goal.contains(&r.id)).collect()
}

/// What a replay of `revs` on SQLite is computed from.
fn replay_inputs<'r>(revs: &[&'r Revision]) -> cache::SqliteInputs<'r> {
    cache::SqliteInputs {
        what: "replayed revisions",
        texts: revs
            .iter()
            .map(|r| (r.path.to_string_lossy().into_owned(), r.up.as_str()))
            .collect(),
    }
}

/// The schema the applied revisions produce, from an empty scratch database (through the
/// catalog cache).
fn replay(p: &Project, g: &Graph, heads: &[String]) -> Result<Schema, Error> {
    let revs = applied_revisions(g, heads);
    if is_postgres(p) {
        return super::workflow_pg::replay(p, &revs);
    }
    let cache = Cache::from_env();
    cache::sqlite_cached(&replay_inputs(&revs), cache.as_ref(), || {
        let mut scratch = Db::scratch(p)?;
        scratch.engine().ensure_tables()?;
        for rev in &revs {
            scratch.engine().run(rev, Direction::Up, g, &|_| false)?;
        }
        scratch.read()
    })
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "<base>".into()
    } else {
        ids.join(", ")
    }
}

fn report(problems: &[Problem]) -> String {
    if problems.is_empty() {
        return "schemadiff check: clean (schemas/ is revisioned, the database is at head and matches its revisions)\n".into();
    }
    let mut out = format!("schemadiff check: {} problem(s)\n", problems.len());
    for p in problems {
        // Summaries and details name tables and revisions: escaped for the terminal.
        let summary = Printable(&p.summary);
        out.push_str(&format!("\n[{}] {summary}\n  fix: {}\n", p.kind, p.fix));
        for d in &p.details {
            out.push_str(&format!("  - {}\n", Printable(d)));
        }
    }
    out
}

/// `verify`: every revision up from base to head in a scratch database, the result compared
/// with `snapshots/`, then every revision down again, each downgrade required to restore the
/// state before its upgrade exactly. Names the first revision that does not do what it says.
pub fn verify(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let mut scratch = Db::scratch(&p)?;
    scratch.engine().ensure_tables()?;
    let mut before_each = std::collections::BTreeMap::new();
    let mut count = 0;
    for rev in g.ordered() {
        before_each.insert(rev.id.clone(), scratch.read()?);
        if let Err(e) = scratch.engine().run(rev, Direction::Up, &g, &|_| false) {
            return fail(format!(
                "the upgrade of {} ({}) fails: {e}",
                rev.id,
                rev.path.display()
            ));
        }
        count += 1;
    }
    if crate::revision::snapshot::exists(&p.snapshots()) {
        let diffs = differences(&p, &scratch.read()?, &declared(&p, &p.snapshots())?);
        if !diffs.is_empty() {
            let head = list(&g.heads().iter().map(|s| s.to_string()).collect::<Vec<_>>());
            return fail(format!(
                "the revisions up to {head} do not produce snapshots/:\n  - {}",
                diffs.join("\n  - ")
            ));
        }
    }
    for rev in g.ordered().rev() {
        if let Err(e) = scratch.engine().run(rev, Direction::Down, &g, &|_| false) {
            return fail(format!(
                "the downgrade of {} ({}) fails: {e}",
                rev.id,
                rev.path.display()
            ));
        }
        let diffs = differences(&p, &before_each[&rev.id], &scratch.read()?);
        if !diffs.is_empty() {
            return fail(format!(
                "the downgrade of {} ({}) does not restore the schema before it:\n  - {}",
                rev.id,
                rev.path.display(),
                diffs.join("\n  - ")
            ));
        }
    }
    write_stdout(&format!("schemadiff verify: ok ({count} revision(s) up to head and back down to base; head matches snapshots/)\n"))?;
    Ok(Outcome::Clean)
}

fn fail(message: String) -> Result<Outcome, Error> {
    write_stdout(&format!("schemadiff verify: FAILED\n{message}\n"))?;
    Ok(Outcome::Changes)
}
