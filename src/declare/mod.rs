//! Declared schemas: `.sql` files and directories into [`crate::model::Schema`].
//!
//! sqlparser reads each statement for error positions; SQLite is the authority on what it
//! accepts. Statements are loaded into an in-memory SQLite database by kind (tables, then
//! indexes, views, triggers), so their order in the files does not matter, and the result is
//! read back with the same introspection code as a live database. That is what makes
//! `declare(ddl) == introspect(database built from ddl)` hold.
//!
//! Must not import `diff`, `plan`, `render` or `cli`.

mod error;

pub use error::Error;

use crate::introspect;
use crate::model::Schema;
use crate::sqltext::{dialect, split_statements, Statement, StatementKind};
use error::Position;
use rusqlite::Connection;
use sqlparser::parser::Parser;
use std::path::{Path, PathBuf};

/// One declared DDL file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Reads `path`: one `.sql` file, or every `.sql` file under a directory in lexical order.
pub fn read_sources(path: &Path) -> Result<Vec<SourceFile>, Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut paths = Vec::new();
    if meta.is_dir() {
        collect_sql_files(path, &mut paths)?;
        paths.sort();
        if paths.is_empty() {
            return Err(Error::NoSqlFiles {
                path: path.to_path_buf(),
            });
        }
    } else {
        paths.push(path.to_path_buf());
    }
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            let text = String::from_utf8(bytes).map_err(|_| Error::NotText { path: p.clone() })?;
            Ok(SourceFile { path: p, text })
        })
        .collect()
}

fn collect_sql_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect_sql_files(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Returns the schema that `files` declare for SQLite.
pub fn declare_sqlite(files: &[SourceFile]) -> Result<Schema, Error> {
    let conn = Connection::open_in_memory().map_err(|e| Error::Engine(e.to_string()))?;
    load_sqlite(&conn, files)?;
    introspect::sqlite::introspect(&conn).map_err(|e| Error::Unreadable(e.to_string()))
}

/// Executes the statements of `files` on `conn` in dependency-safe order.
pub fn load_sqlite(conn: &Connection, files: &[SourceFile]) -> Result<(), Error> {
    let mut pending = Vec::new();
    for file in files {
        let stmts = split_statements(&file.text).map_err(|e| {
            let pos = Position::new(file, e.line, e.column, e.offset);
            Error::syntax(pos, format!("cannot read DDL: {}", e.message))
        })?;
        for stmt in stmts.into_iter().filter(|s| !creates_internal_table(s)) {
            if stmt.kind == StatementKind::Other {
                return Err(Error::not_schema(
                    Position::at(file, &stmt),
                    first_words(&stmt.text),
                ));
            }
            pending.push((file, stmt));
        }
    }
    pending.sort_by_key(|(_, s)| s.kind);
    execute_until_settled(conn, pending)
}

/// Runs statements; those that fail are retried while others succeed (a view over a view
/// declared later), then the first remaining failure is reported.
fn execute_until_settled(
    conn: &Connection,
    mut pending: Vec<(&SourceFile, Statement)>,
) -> Result<(), Error> {
    loop {
        let before = pending.len();
        let mut failed = Vec::new();
        for (file, stmt) in pending {
            if conn.execute_batch(&stmt.text).is_err() {
                failed.push((file, stmt));
            }
        }
        if failed.is_empty() {
            return Ok(());
        }
        if failed.len() == before {
            let (file, stmt) = &failed[0];
            let message = conn
                .execute_batch(&stmt.text)
                .err()
                .map(|e| sqlite_message(&e))
                .unwrap_or_default();
            return Err(explain(file, stmt, message));
        }
        pending = failed;
    }
}

/// Turns a statement SQLite rejected into an error: sqlparser's position when it finds a
/// syntax error, otherwise SQLite's message at the statement.
fn explain(file: &SourceFile, stmt: &Statement, sqlite_message: String) -> Error {
    if let Err(e) = Parser::parse_sql(&dialect(), &stmt.text) {
        if let Some(pos) = Position::from_parser(file, stmt, &e.to_string()) {
            if sqlite_message.contains("syntax error") || sqlite_message.contains("incomplete") {
                let msg = e.to_string();
                let msg = msg.split(" at Line: ").next().unwrap_or(&msg);
                let msg = msg.trim_start_matches("sql parser error: ");
                let sqlite = sqlite_message
                    .split(" in ")
                    .next()
                    .unwrap_or(&sqlite_message);
                return Error::syntax(pos, format!("cannot parse DDL: {msg} (SQLite: {sqlite})"));
            }
        }
    }
    Error::rejected(Position::at(file, stmt), sqlite_message)
}

/// `CREATE TABLE sqlite_sequence(name,seq)` and friends, as the `sqlite3` shell's `.schema`
/// prints them: SQLite creates these itself, so they are skipped.
fn creates_internal_table(stmt: &Statement) -> bool {
    stmt.kind == StatementKind::Table
        && stmt
            .text
            .split(|c: char| c.is_whitespace() || c == '(')
            .filter(|w| !w.is_empty())
            .nth(2)
            .is_some_and(|name| {
                name.trim_matches(|c| c == '"' || c == '`' || c == '[')
                    .to_ascii_lowercase()
                    .starts_with("sqlite_")
            })
}

/// SQLite's message without rusqlite's " in <sql> at offset N" suffix.
fn sqlite_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

fn first_words(text: &str) -> String {
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
