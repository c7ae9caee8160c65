//! `check`: exit 1 when the project and its database disagree, with a readable report (and
//! JSON): changes in `schemas/` that no revision holds, a database not at head, and drift
//! (the live schema differs from what its applied revisions produce, found by replaying
//! them into an in-memory scratch database and comparing catalogs).

use super::workflow::{declared_dir, graph, open_engine, project};
use super::{args, write_stdout, Error, Outcome};
use crate::apply::{self, sqlite::Sqlite, Direction, Engine};
use crate::diff::{self, Change, Renames};
use crate::introspect;
use crate::model::Schema;
use crate::plan::describe_change;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

#[derive(Serialize)]
struct Problem {
    kind: &'static str,
    summary: String,
    fix: &'static str,
    details: Vec<String>,
}

pub fn check(cfg: Option<&Path>, a: args::CheckArgs) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    if super::workflow::is_postgres(&p) {
        return Err(Error::Workflow(
            "`check` is not available on PostgreSQL projects yet (it replays revisions in a scratch SQLite database); use `schemadiff diff --from $DATABASE_URL --to schemas/ --exit-code` to detect drift".into(),
        ));
    }
    let g = graph(&p)?;
    let mut problems = Vec::new();

    let snap = if crate::snapshot::exists(&p.snapshots()) {
        declared_dir(&p.snapshots())?
    } else {
        Schema::default()
    };
    let wanted = declared_dir(&p.schemas())?;
    let pending = differences(&snap, &wanted);
    if !pending.is_empty() {
        problems.push(Problem {
            kind: "unrevisioned-changes",
            summary: "schemas/ has changes that no revision holds".into(),
            fix: "run `schemadiff generate -m MSG`",
            details: pending,
        });
    }

    let mut live_engine = open_engine(&p, false)?;
    let applied = apply::known_heads(&mut live_engine, &g)?;
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

    let expected = replay(&g, &applied)?;
    let live = introspect::sqlite::introspect(live_engine.connection())
        .map_err(|e| Error::Workflow(e.to_string()))?;
    let drift = differences(&expected, &live);
    if !drift.is_empty() {
        problems.push(Problem {
            kind: "drift",
            summary: format!("the database differs from what its applied revisions ({}) produce", list(&applied)),
            fix: "find who changed it; then revert the change, or capture it in a revision and stamp",
            details: drift,
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
    Ok(if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Changes
    })
}

/// The schema the applied revisions produce, from an empty in-memory database.
fn replay(g: &crate::revision::Graph, heads: &[String]) -> Result<Schema, Error> {
    let conn =
        rusqlite::Connection::open_in_memory().map_err(|e| Error::Workflow(e.to_string()))?;
    let mut scratch = Sqlite::new(conn, Duration::from_secs(1))?;
    scratch.ensure_tables()?;
    let goal = g.closure(heads.iter().map(String::as_str));
    for rev in g.ordered().filter(|r| goal.contains(&r.id)) {
        scratch.run(rev, Direction::Up, g, &|_| false)?;
    }
    introspect::sqlite::introspect(scratch.connection()).map_err(|e| Error::Workflow(e.to_string()))
}

/// One line per difference between two schemas.
fn differences(from: &Schema, to: &Schema) -> Vec<String> {
    diff::diff(from, to, &Renames::default())
        .changes
        .iter()
        .map(|c| match c {
            Change::CreateTable(t) => format!("table {} is new", t.name),
            Change::DropTable(t) => format!("table {} is gone", t.name),
            Change::AlterTable(tc) => format!(
                "table {}: {}",
                tc.after.name,
                describe_change(tc).join("; ")
            ),
            Change::CreateIndex(i) => format!("index {} is new or changed", i.name),
            Change::DropIndex(i) => format!("index {} is gone or changed", i.name),
            Change::CreateView(v) => format!("view {} is new or changed", v.name),
            Change::DropView(v) => format!("view {} is gone or changed", v.name),
            Change::CreateTrigger(t) => format!("trigger {} is new or changed", t.name),
            Change::DropTrigger(t) => format!("trigger {} is gone or changed", t.name),
            other => other.summary(),
        })
        .collect()
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
        out.push_str(&format!("\n[{}] {}\n  fix: {}\n", p.kind, p.summary, p.fix));
        for d in &p.details {
            out.push_str(&format!("  - {d}\n"));
        }
    }
    out
}

/// `verify`: every revision up from base to head in a scratch database, the result compared
/// with `snapshots/`, then every revision down again, each downgrade required to restore the
/// state before its upgrade exactly. Names the first revision that does not do what it says.
pub fn verify(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    if super::workflow::is_postgres(&p) {
        return Err(Error::Workflow(
            "`verify` is not available on PostgreSQL projects yet (it replays revisions in a scratch SQLite database); use `schemadiff diff --from $DATABASE_URL --to schemas/ --exit-code` to detect drift".into(),
        ));
    }
    let g = graph(&p)?;
    let conn =
        rusqlite::Connection::open_in_memory().map_err(|e| Error::Workflow(e.to_string()))?;
    let mut scratch = Sqlite::new(conn, Duration::from_secs(1))?;
    scratch.ensure_tables()?;
    let read = |s: &Sqlite| {
        introspect::sqlite::introspect(s.connection()).map_err(|e| Error::Workflow(e.to_string()))
    };
    let mut before_each = std::collections::BTreeMap::new();
    let mut count = 0;
    for rev in g.ordered() {
        before_each.insert(rev.id.clone(), read(&scratch)?);
        if let Err(e) = scratch.run(rev, Direction::Up, &g, &|_| false) {
            return fail(format!(
                "the upgrade of {} ({}) fails: {e}",
                rev.id,
                rev.path.display()
            ));
        }
        count += 1;
    }
    if crate::snapshot::exists(&p.snapshots()) {
        let diffs = differences(&read(&scratch)?, &declared_dir(&p.snapshots())?);
        if !diffs.is_empty() {
            let head = list(&g.heads().iter().map(|s| s.to_string()).collect::<Vec<_>>());
            return fail(format!(
                "the revisions up to {head} do not produce snapshots/:\n  - {}",
                diffs.join("\n  - ")
            ));
        }
    }
    for rev in g.ordered().rev() {
        if let Err(e) = scratch.run(rev, Direction::Down, &g, &|_| false) {
            return fail(format!(
                "the downgrade of {} ({}) fails: {e}",
                rev.id,
                rev.path.display()
            ));
        }
        let diffs = differences(&before_each[&rev.id], &read(&scratch)?);
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
