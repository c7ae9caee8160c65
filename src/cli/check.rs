//! `check` and `verify`: their use cases' findings, printed as a readable report (or JSON
//! for `check`); exit 1 when the project and its database disagree, or a revision does
//! not do what it says.

use super::{args, print_note, write_stdout, Error, Outcome};
use crate::usecase::check::{Problem, Verified};
use crate::usecase::Note;
use crate::Printable;
use std::path::Path;

pub fn check(cfg: Option<&Path>, a: args::CheckArgs) -> Result<Outcome, Error> {
    let notes = |note: Note| match note {
        Note::Detail(_) if !a.verbose => {}
        note => print_note(note),
    };
    let problems = crate::check_managed(cfg, a.strict, a.manage.managed(), &notes)?;
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

fn report(problems: &[Problem]) -> String {
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
pub fn verify(cfg: Option<&Path>) -> Result<Outcome, Error> {
    match crate::verify(cfg)? {
        Verified::Ok { count, unread } => {
            write_stdout(&format!("schemadiff verify: ok ({count} revision(s) up to head and back down to base; head matches snapshots/)\n"))?;
            if let Some(reason) = unread {
                eprintln!(
                    "schemadiff: note: the project's database was not read, so its applied revisions were not compared with their files: {}",
                    Printable(&reason)
                );
            }
            Ok(Outcome::Clean)
        }
        Verified::Failed(message) => {
            write_stdout(&format!("schemadiff verify: FAILED\n{message}\n"))?;
            Ok(Outcome::Changes)
        }
    }
}
