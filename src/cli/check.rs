//! `check` and `verify`: their use cases' findings, printed as a readable report (or JSON
//! for `check`); exit 1 when the project and its database disagree, or a revision does
//! not do what it says.

use super::{args, json, print_note, write_stdout, Error, Outcome};
use crate::usecase::check::{Problem, Verified};
use crate::usecase::Note;
use crate::Printable;
use std::path::Path;

pub fn check(cfg: Option<&Path>, a: args::CheckArgs) -> Result<Outcome, Error> {
    let notes = |note: Note| match note {
        Note::Detail(_) if !a.verbose => {}
        note => print_note(note),
    };
    let problems = if a.offline {
        crate::check_offline(cfg, a.strict, a.manage.managed(), &notes)?
    } else {
        crate::check_managed(cfg, a.strict, a.manage.managed(), &notes)?
    };
    let text = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(
            &serde_json::json!({ "clean": problems.is_empty(), "problems": problems }),
        )
        .unwrap_or_default(),
        _ => report(&problems, a.offline),
    };
    write_stdout(&text)?;
    Ok(if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Changes
    })
}

fn report(problems: &[Problem], offline: bool) -> String {
    if problems.is_empty() && offline {
        return "schemadiff check: clean (schemas/ is revisioned; --offline: the database was not read)\n".into();
    }
    if problems.is_empty() {
        return "schemadiff check: clean (schemas/ is revisioned, the database is at head and matches its revisions)\n".into();
    }
    let mut out = format!("schemadiff check: {} problem(s)\n", problems.len());
    for p in problems {
        // Summaries and details name tables and revisions: escaped for the terminal.
        let summary = Printable(&p.summary);
        out.push_str(&format!(
            "\n[{}] {summary}\n  fix: {}\n",
            p.kind,
            Printable(&p.fix)
        ));
        for d in &p.details {
            out.push_str(&format!("  - {}\n", Printable(d)));
        }
    }
    out
}

/// `verify`: every revision up from base to head in a scratch database, the result compared
/// with `snapshots/`, then every revision down again, each downgrade required to restore the
/// state before its upgrade exactly. Names the first revision that does not do what it says.
pub fn verify(cfg: Option<&Path>, json: bool) -> Result<Outcome, Error> {
    let started = std::time::Instant::now();
    let verified = json::or_error(json, crate::verify(cfg).map_err(Error::from))?;
    if json {
        return verify_json(verified, started.elapsed().as_millis());
    }
    match verified {
        Verified::Ok { count, unread, .. } => {
            write_stdout(&format!("schemadiff verify: ok ({count} revision(s) up to head and back down to base; head matches snapshots/)\n"))?;
            if let Some(reason) = unread {
                eprintln!(
                    "schemadiff: note: the project's database was not read, so its applied revisions were not compared with their files: {}",
                    Printable(&reason)
                );
            }
            Ok(Outcome::Clean)
        }
        Verified::Failed { message, .. } => {
            write_stdout(&format!("schemadiff verify: FAILED\n{message}\n"))?;
            Ok(Outcome::Changes)
        }
    }
}

/// `verify --format json`: exit 1 when a revision is wrong, as in text mode.
fn verify_json(verified: Verified, millis: u128) -> Result<Outcome, Error> {
    let (ok, steps, problems, database_not_read) = match verified {
        Verified::Ok { unread, steps, .. } => (true, steps, Vec::new(), unread),
        Verified::Failed { message, steps } => (false, steps, vec![message], None),
    };
    json::print(&json::VerifyDoc {
        ok,
        steps: steps.iter().map(json::VerifyStep::of).collect(),
        problems,
        database_not_read,
        duration_ms: millis,
    })?;
    Ok(if ok { Outcome::Clean } else { Outcome::Changes })
}
