//! `--format json` of the revision commands (current, heads, branches, history, show,
//! verify, upgrade, downgrade, stamp, merge): one document on stdout, its keys in the order
//! of the structs below (docs/json.md documents every field; tests/json_output.rs checks
//! that the page and the output name the same fields). On an error the document is
//! `{"error": {…}}` (for upgrade/downgrade: the run's document with `error` set), and the
//! error is also reported on stderr as in text mode, with exit code 2.

use super::{write_stdout, Error};
use crate::usecase::check::Step;
use crate::usecase::generate::Generated;
use crate::{Direction, Note};
use serde::Serialize;
use std::cell::RefCell;

/// Writes `doc` as pretty JSON on stdout.
pub fn print<T: Serialize>(doc: &T) -> Result<(), Error> {
    // Serializing these plain structs cannot fail; an empty document would be a bug.
    let text = serde_json::to_string_pretty(doc).unwrap_or_default();
    write_stdout(&text)
}

/// In JSON mode, an error also prints `{"error": {…}}` on stdout; the error is returned
/// for the usual report on stderr.
pub fn or_error<T>(json: bool, result: Result<T, Error>) -> Result<T, Error> {
    if let (true, Err(e)) = (json, &result) {
        let _ = print(&ErrorDoc {
            error: ErrorObject::of(e),
        });
    }
    result
}

#[derive(Serialize)]
struct ErrorDoc {
    error: ErrorObject,
}

/// What went wrong, and for a failed revision what of it stays applied.
#[derive(Serialize)]
pub struct ErrorObject {
    message: String,
    help: Option<String>,
    /// The revision whose statement failed (null when the error is not a statement's).
    revision: Option<String>,
    /// The failed statement: its line in the revision file and its first line.
    statement: Option<Statement>,
    /// Statements of the failed revision that ran outside its transaction: they stay.
    stays_applied: Vec<Statement>,
    /// Statements of the failed revision's transaction that were rolled back with it.
    rolled_back: Vec<Statement>,
}

#[derive(Serialize)]
struct Statement {
    line: u64,
    text: String,
}

/// Statements by their line and first line.
fn statements<'a>(of: impl Iterator<Item = (u64, &'a String)>) -> Vec<Statement> {
    of.map(|(line, text)| Statement {
        line,
        text: text.clone(),
    })
    .collect()
}

impl ErrorObject {
    fn of(e: &Error) -> ErrorObject {
        let failure = match e {
            Error::UseCase(u) => u.failure(),
            _ => None,
        };
        ErrorObject {
            message: e.to_string(),
            help: miette::Diagnostic::help(e).map(|h| h.to_string()),
            revision: failure.map(|f| f.id.clone()),
            statement: failure.map(|f| Statement {
                line: f.at.line,
                text: f.at.text.clone(),
            }),
            stays_applied: failure
                .map(|f| statements(f.kept.iter().map(|r| (r.line, &r.text))))
                .unwrap_or_default(),
            rolled_back: failure
                .map(|f| statements(f.rolled_back.iter().map(|r| (r.line, &r.text))))
                .unwrap_or_default(),
        }
    }
}

/// `current`.
#[derive(Serialize)]
pub struct CurrentDoc {
    pub current: Vec<CurrentRev>,
    pub heads: Vec<String>,
}

#[derive(Serialize)]
pub struct CurrentRev {
    pub id: String,
    pub is_head: bool,
}

/// `heads`.
#[derive(Serialize)]
pub struct HeadsDoc {
    pub heads: Vec<String>,
}

/// `branches`.
#[derive(Serialize)]
pub struct BranchesDoc {
    pub branches: Vec<BranchRev>,
}

#[derive(Serialize)]
pub struct BranchRev {
    pub id: String,
    pub message: String,
    pub children: Vec<String>,
}

/// `history`.
#[derive(Serialize)]
pub struct HistoryDoc {
    pub revisions: Vec<HistoryRev>,
}

#[derive(Serialize)]
pub struct HistoryRev {
    pub id: String,
    pub parents: Vec<String>,
    pub message: String,
    pub created: String,
    pub path: String,
    pub is_head: bool,
    /// Null unless `-i` read the database.
    pub is_current: Option<bool>,
    pub is_branchpoint: bool,
    pub is_mergepoint: bool,
    pub hazards: Vec<String>,
}

/// `show`.
#[derive(Serialize)]
pub struct ShowDoc {
    pub id: String,
    pub parents: Vec<String>,
    pub message: String,
    pub created: String,
    pub path: String,
    pub checksum: String,
    pub upgrade: String,
    pub downgrade: String,
}

/// `stamp`.
#[derive(Serialize)]
pub struct StampDoc {
    pub heads: Vec<String>,
}

/// `generate` (and `revision`).
#[derive(Serialize)]
pub struct GenerateDoc {
    pub result: &'static str,
    pub path: Option<String>,
    pub blocking_hazards: usize,
    pub unmanaged: Vec<Unmanaged>,
}

#[derive(Serialize)]
pub struct Unmanaged {
    pub key: String,
    pub what: String,
}

impl GenerateDoc {
    pub fn of(g: &Generated) -> GenerateDoc {
        let (result, path, blocking_hazards, unmanaged) = match g {
            Generated::NoChanges => ("no_changes", None, 0, &[][..]),
            Generated::Blocked { hazards, unmanaged } => {
                ("blocked", None, *hazards, &unmanaged[..])
            }
            Generated::Written(p) => ("written", Some(p.display().to_string()), 0, &[][..]),
        };
        GenerateDoc {
            result,
            path,
            blocking_hazards,
            unmanaged: unmanaged
                .iter()
                .map(|(key, what)| Unmanaged {
                    key: key.clone(),
                    what: what.clone(),
                })
                .collect(),
        }
    }
}

/// `merge`.
#[derive(Serialize)]
pub struct MergeDoc {
    pub path: String,
}

/// `verify`.
#[derive(Serialize)]
pub struct VerifyDoc {
    pub ok: bool,
    pub steps: Vec<VerifyStep>,
    pub problems: Vec<String>,
    pub database_not_read: Option<String>,
    pub duration_ms: u128,
}

#[derive(Serialize)]
pub struct VerifyStep {
    pub id: String,
    pub direction: &'static str,
    pub ok: bool,
    pub duration_ms: u128,
}

impl VerifyStep {
    pub fn of(s: &Step) -> VerifyStep {
        VerifyStep {
            id: s.id.clone(),
            direction: s.dir.as_str(),
            ok: s.ok,
            duration_ms: s.millis,
        }
    }
}

/// `upgrade` / `downgrade`.
#[derive(Serialize)]
pub struct MoveDoc {
    pub command: &'static str,
    pub target: String,
    /// The heads the database was at (null when the run stopped before reading them).
    pub from: Option<Vec<String>>,
    /// The heads the database is at now (null when they could not be read).
    pub to: Option<Vec<String>>,
    pub revisions: Vec<MovedRev>,
    pub duration_ms: u128,
    pub error: Option<ErrorObject>,
}

#[derive(Serialize, Clone)]
pub struct MovedRev {
    pub id: String,
    pub message: String,
    pub direction: &'static str,
    pub statements: usize,
    pub duration_ms: u128,
}

/// What an `upgrade`/`downgrade` reports through its notes, kept for [`MoveDoc`].
#[derive(Default)]
pub struct MoveLog {
    from: RefCell<Option<Vec<String>>>,
    to: RefCell<Option<Vec<String>>>,
    revisions: RefCell<Vec<MovedRev>>,
}

impl MoveLog {
    /// Keeps what `note` says about the run.
    pub fn record(&self, note: &Note) {
        match note {
            Note::Planned { from, .. } => *self.from.borrow_mut() = Some(from.to_vec()),
            Note::Settled { heads } => *self.to.borrow_mut() = Some(heads.to_vec()),
            Note::Finished {
                dir,
                id,
                message,
                statements,
                millis,
            } => self.revisions.borrow_mut().push(MovedRev {
                id: id.to_string(),
                message: message.to_string(),
                direction: dir.as_str(),
                statements: *statements,
                duration_ms: *millis,
            }),
            _ => {}
        }
    }

    /// The document of the run toward `target`, which ended with `error` (if any).
    pub fn doc(
        &self,
        dir: Direction,
        target: String,
        millis: u128,
        error: Option<&Error>,
    ) -> MoveDoc {
        MoveDoc {
            command: match dir {
                Direction::Up => "upgrade",
                Direction::Down => "downgrade",
            },
            target,
            from: self.from.borrow().clone(),
            to: self.to.borrow().clone(),
            revisions: self.revisions.borrow().clone(),
            duration_ms: millis,
            error: error.map(ErrorObject::of),
        }
    }
}
