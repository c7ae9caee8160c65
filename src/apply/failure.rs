//! What a failed revision leaves behind, said exactly: the statements that stay applied
//! (those that ran outside the transaction) and those that were rolled back; and the
//! transaction-control statements a revision may not hold, found before anything runs.

use crate::revision::Revision;
use crate::sqltext::comment::Printable;
use crate::sqltext::Statement;
use std::fmt;
use std::path::PathBuf;

/// A statement of a revision file, by its line and the first line of its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ran {
    pub line: u64,
    pub text: String,
}

impl Ran {
    /// The statement `s` of a section that starts after line `section_line` of its file.
    pub fn of(s: &Statement, section_line: u64) -> Ran {
        Ran {
            line: section_line + s.line,
            text: first_line(&s.text),
        }
    }
}

/// Returns the first line of a statement, for messages.
pub fn first_line(statement: &str) -> String {
    statement.lines().next().unwrap_or_default().to_string()
}

/// Where a revision failed, and what of it stays applied.
#[derive(Debug, Clone)]
pub struct Failure {
    pub id: String,
    pub path: PathBuf,
    /// The failed statement (line 0 and empty text when the section could not be read).
    pub at: Ran,
    pub message: String,
    /// Statements that ran outside the transaction before the failure: they stay applied.
    pub kept: Vec<Ran>,
    /// Statements of the transaction that ran before the failure: rolled back with it.
    pub rolled_back: Vec<Ran>,
    /// Whether the failed statement ran on its own, outside the transaction (which then
    /// did not start).
    pub outside: bool,
}

impl Failure {
    /// A failure at `at` in `rev`, before anything of it ran.
    pub fn new(rev: &Revision, at: Ran, message: String) -> Failure {
        Failure {
            id: rev.id.clone(),
            path: rev.path.clone(),
            at,
            message,
            kept: Vec::new(),
            rolled_back: Vec::new(),
            outside: false,
        }
    }

    /// What stays applied and what was rolled back, as one sentence.
    pub fn fate(&self) -> String {
        let mut out = String::new();
        if !self.kept.is_empty() {
            out.push_str(&format!(
                "these statements ran outside the transaction and STAY APPLIED: {}; ",
                list(&self.kept)
            ));
        }
        if self.outside {
            out.push_str("the failed statement ran outside the transaction, which did not start");
        } else if self.rolled_back.is_empty() {
            out.push_str("rolled back: the failed statement");
        } else {
            out.push_str(&format!(
                "rolled back: the failed statement and {}",
                list(&self.rolled_back)
            ));
        }
        if self.kept.is_empty() && !self.outside {
            out.push_str("; nothing of the revision stays applied");
        }
        out.push_str(", and the version table still records the previous revision");
        out
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "revision {} ({}) failed at line {}, statement `{}`: {}",
            self.id,
            Printable(&self.path.display().to_string()),
            self.at.line,
            Printable(&self.at.text),
            Printable(&self.message)
        )
    }
}

/// How many statements a list names before it counts the rest.
const LISTED: usize = 10;

/// "line 3 `…`, line 5 `…`" (the first [`LISTED`], then how many more up to which line).
pub fn list(statements: &[Ran]) -> String {
    let mut out: Vec<String> = statements
        .iter()
        .take(LISTED)
        .map(|s| format!("line {} `{}`", s.line, Printable(&s.text)))
        .collect();
    if let Some(last) = statements.get(LISTED..).and_then(<[Ran]>::last) {
        out.push(format!(
            "and {} more up to line {}",
            statements.len() - LISTED,
            last.line
        ));
    }
    out.join(", ")
}

/// Returns the statement that ends, starts or abandons a transaction, if `s` is one:
/// `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` (not `ROLLBACK TO` a
/// savepoint), `ABORT`, `PREPARE TRANSACTION`. Savepoints stay inside the runner's
/// transaction and are allowed.
pub fn transaction_control(s: &Statement) -> Option<&'static str> {
    let words = leading_words(&s.text, 4);
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or_default();
    match word(0) {
        "BEGIN" => Some("BEGIN"),
        "START" if word(1) == "TRANSACTION" => Some("START TRANSACTION"),
        "COMMIT" => Some("COMMIT"),
        "END" => Some("END"),
        "ABORT" => Some("ABORT"),
        "PREPARE" if word(1) == "TRANSACTION" => Some("PREPARE TRANSACTION"),
        "ROLLBACK" => {
            let next = if matches!(word(1), "WORK" | "TRANSACTION") {
                word(2)
            } else {
                word(1)
            };
            (next != "TO").then_some("ROLLBACK")
        }
        _ => None,
    }
}

/// The first `n` words of `sql`, upper-cased, skipping comments (`--`, `/* */`).
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while out.len() < n {
        rest = rest.trim_start();
        // Byte patterns: the comment scan (tests/comment_scan.rs) reads string literals
        // that open a comment as comment-building.
        if rest.as_bytes().starts_with(b"--") {
            rest = rest[2..].split_once('\n').map_or("", |(_, r)| r);
        } else if rest.as_bytes().starts_with(b"/*") {
            rest = rest[2..].split_once("*/").map_or("", |(_, r)| r);
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            out.push(rest[..end].to_ascii_uppercase());
            rest = &rest[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqltext::{split_pg_statements, split_statements};

    fn found(sql: &str) -> Vec<&'static str> {
        split_statements(sql)
            .unwrap()
            .iter()
            .filter_map(transaction_control)
            .collect()
    }

    #[test]
    fn a_failure_report_escapes_what_it_quotes_from_the_file_and_the_server() {
        let hostile = "CREATE TABLE \"a\x1b[2J\rFAKE\" (";
        let ran = |line, text: &str| Ran {
            line,
            text: text.into(),
        };
        let f = Failure {
            id: "abc".into(),
            path: "m\x1b[31m.sql".into(),
            at: ran(9, hostile),
            message: "relation \"a\x1b[2J\"\nHINT: fake line".into(),
            kept: Vec::new(),
            rolled_back: vec![ran(5, hostile)],
            outside: false,
        };
        let text = format!("{f}; {}", f.fate());
        assert!(
            !text.contains(['\x1b', '\r', '\n']),
            "control characters reach the terminal: {text:?}"
        );
        assert!(text.contains("a\\x1b[2J\\rFAKE"), "{text}");
    }

    #[test]
    fn finds_each_transaction_statement_and_not_savepoints() {
        let sql = "BEGIN; begin immediate transaction; START TRANSACTION; COMMIT; end;
                   ROLLBACK; rollback transaction; ABORT; PREPARE TRANSACTION 'x';
                   SAVEPOINT a; RELEASE a; ROLLBACK TO a; rollback transaction to savepoint a;
                   ROLLBACK WORK TO SAVEPOINT a; /* c */ commit /* d */;";
        assert_eq!(
            found(sql),
            [
                "BEGIN",
                "BEGIN",
                "START TRANSACTION",
                "COMMIT",
                "END",
                "ROLLBACK",
                "ROLLBACK",
                "ABORT",
                "PREPARE TRANSACTION",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn words_in_strings_comments_and_bodies_are_not_statements() {
        let sqlite = "INSERT INTO t VALUES ('x;COMMIT;');
            -- COMMIT;
            /* ROLLBACK; */
            CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; END;";
        assert!(found(sqlite).is_empty());
        let pg = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;
            DO $x$ BEGIN ROLLBACK; END $x$;
            SELECT E'\\';COMMIT;';";
        let found: Vec<_> = split_pg_statements(pg)
            .unwrap()
            .iter()
            .filter_map(transaction_control)
            .collect();
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_failure_names_what_stays_and_what_was_rolled_back() {
        let ran = |line, text: &str| Ran {
            line,
            text: text.into(),
        };
        let mut f = Failure {
            id: "abc".into(),
            path: "m.sql".into(),
            at: ran(9, "INSERT"),
            message: "boom".into(),
            kept: vec![ran(3, "ALTER TYPE s ADD VALUE 'x'")],
            rolled_back: vec![ran(5, "CREATE TABLE a (")],
            outside: false,
        };
        let fate = f.fate();
        assert!(
            fate.contains("STAY APPLIED: line 3 `ALTER TYPE s ADD VALUE 'x'`"),
            "{fate}"
        );
        assert!(fate.contains("rolled back: the failed statement and line 5 `CREATE TABLE a (`"));
        assert!(!fate.contains("nothing of the revision"));
        f.kept.clear();
        assert!(f.fate().contains("nothing of the revision stays applied"));
        f.rolled_back = (1..=12).map(|i| ran(i, "X")).collect();
        assert!(
            f.fate().contains("and 2 more up to line 12"),
            "{}",
            f.fate()
        );
    }
}
