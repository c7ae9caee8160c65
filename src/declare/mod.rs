//! Declared schemas: `.sql` files and directories into [`crate::model::Schema`].
//!
//! sqlparser reads each statement for error positions; SQLite is the authority on what it
//! accepts. Statements are loaded into an in-memory SQLite database by kind (tables, then
//! indexes, views, triggers), so their order in the files does not matter, and the result is
//! read back with the same introspection code as a live database. That is what makes
//! `declare(ddl) == introspect(database built from ddl)` hold.
//!
//! Must not import `diff`, `plan`, `render` or `cli`.

pub mod cache;
mod error;
mod hints;
mod postgres;

/// Ownership is managed: `ALTER … OWNER TO` in declared files runs in the scratch database
/// from now on instead of being skipped (for the rest of the process).
pub fn run_owner_statements() {
    postgres::intake::run_owner_statements();
}

pub use self::postgres::cluster;
pub use self::postgres::fixpoint::{
    normalize_live, normalize_live_part, normalize_live_whole, settle,
};
/// The kept scratch database of the incremental reload.
pub use self::postgres::kept;
/// What `Schema::unmanaged` says of a declared file's stand-in for a schema only the target has.
pub use self::postgres::prerequisites::prerequisites;
pub use self::postgres::EXTERNAL_SCHEMA;
pub use self::postgres::{
    declare_postgres, declare_postgres_in, drop_scratch_databases, drop_scratch_in_background,
    finish_interrupt, load_postgres, wait_for_scratch_drops, ScratchDb, ScratchDropped,
};
/// Loading a large declared schema on several connections.
pub use self::postgres::{
    declare_postgres_with, loads_in_parallel, loads_with_no_files, parallel::LoadOptions,
};

/// Re-exported for the CLI and source loading, which format server errors too.
pub use crate::pg_error::db_message;
pub use cache::{declare_postgres_cached, declare_sqlite_cached, introspect_sqlite_cached, Cache};
pub use error::{Error, Judge};
pub use hints::rename_hints;

use crate::introspect;
use crate::model::Schema;
use crate::sqltext::{dialect, split_statements, Statement, StatementKind};
use error::Position;
use rusqlite::Connection;
use sqlparser::parser::Parser;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One declared DDL file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Reads `path`: one `.sql` file, or every `.sql` file under a directory in lexical order;
/// a byte order mark is dropped and CRLF read as LF.
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
            let text = crate::textfile::normalize_sql(&text).into_owned();
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
///
/// Every `CREATE` makes SQLite scan its whole schema table, so loading N objects into one
/// database costs O(N²): about 3 s for 2,000 tables with their indexes. Statements are
/// therefore loaded in chunks of about [`CHUNK`] tables, each table together with its
/// indexes and triggers in its own in-memory database (SQLite does not resolve the tables a
/// view or trigger body names until it runs them), and the chunks' schemas are merged.
pub fn declare_sqlite(files: &[SourceFile]) -> Result<Schema, Error> {
    let pending = statements(files)?;
    let mut names = Names::default();
    for (file, stmt) in &pending {
        names.claim(file, stmt)?;
    }
    let owners: BTreeSet<&str> = pending
        .iter()
        .filter_map(|(_, s)| s.owner.as_deref())
        .collect();
    let chunks = owners.len().div_ceil(CHUNK).max(1);
    let mut parts: Vec<Vec<(&SourceFile, Statement)>> = vec![Vec::new(); chunks];
    let virtuals = virtual_table_names(&pending);
    for (file, mut stmt) in pending {
        if let Some(owner) = shadow_of(&stmt, &virtuals) {
            stmt.owner = Some(owner.to_string());
        }
        let i = stmt
            .owner
            .as_deref()
            .map_or(0, |o| (fnv1a(o) % chunks as u64) as usize);
        parts[i].push((file, stmt));
    }
    let mut schema = Schema::default();
    for part in parts {
        let conn = Connection::open_in_memory().map_err(|e| Error::Engine(e.to_string()))?;
        execute_in_transaction(&conn, part)?;
        let read =
            introspect::sqlite::introspect(&conn).map_err(|e| Error::Unreadable(e.to_string()))?;
        schema.tables.extend(read.tables);
        schema.virtual_tables.extend(read.virtual_tables);
        schema.views.extend(read.views);
        schema.triggers.extend(read.triggers);
    }
    Ok(schema)
}

/// Tables per in-memory database when loading declared DDL.
const CHUNK: usize = 128;

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Object names across chunks: tables, views and indexes share one namespace in SQLite,
/// triggers have their own. Within a chunk SQLite reports a duplicate itself; across
/// chunks this does, at the second statement.
#[derive(Default)]
struct Names {
    relations: BTreeSet<String>,
    triggers: BTreeSet<String>,
}

impl Names {
    fn claim(&mut self, file: &SourceFile, stmt: &Statement) -> Result<(), Error> {
        let Some(name) = &stmt.name else {
            return Ok(());
        };
        let set = match stmt.kind {
            StatementKind::Trigger => &mut self.triggers,
            _ => &mut self.relations,
        };
        if set.insert(name.clone()) {
            return Ok(());
        }
        Err(Error::duplicate(Position::at(file, stmt), name.clone()))
    }
}

/// Splits every file into statements, skipping what SQLite creates itself.
fn statements(files: &[SourceFile]) -> Result<Vec<(&SourceFile, Statement)>, Error> {
    let mut pending = Vec::new();
    for file in files {
        let stmts = split_statements(&file.text).map_err(|e| {
            let pos = Position::new(file, e.line, e.column, e.offset);
            Error::syntax(
                Judge::Sqlite,
                pos,
                format!("cannot read DDL: {}", e.message),
            )
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
    Ok(pending)
}

/// Executes the statements of `files` on `conn` in dependency-safe order.
pub fn load_sqlite(conn: &Connection, files: &[SourceFile]) -> Result<(), Error> {
    execute_in_transaction(conn, statements(files)?)
}

/// Runs the statements by kind (tables, virtual tables, the tables named like a virtual
/// table's shadow tables, indexes, views, triggers) inside one transaction, which spares
/// SQLite a commit per statement.
fn execute_in_transaction(
    conn: &Connection,
    mut pending: Vec<(&SourceFile, Statement)>,
) -> Result<(), Error> {
    let virtuals = virtual_table_names(&pending);
    pending.sort_by_key(|(_, s)| {
        let shadow = shadow_of(s, &virtuals).is_some();
        (s.kind > StatementKind::VirtualTable || shadow, s.kind)
    });
    let engine = |e: rusqlite::Error| Error::Engine(e.to_string());
    conn.execute_batch("BEGIN").map_err(engine)?;
    execute_until_settled(conn, pending)?;
    conn.execute_batch("COMMIT").map_err(engine)
}

/// Runs statements; those that fail are retried while others succeed (a view over a view
/// declared later), then the first remaining failure is reported.
fn execute_until_settled(
    conn: &Connection,
    mut pending: Vec<(&SourceFile, Statement)>,
) -> Result<(), Error> {
    use crate::progress::{report, Task};
    let (total, mut done) = (pending.len(), 0);
    loop {
        let before = pending.len();
        let mut failed = Vec::new();
        for (file, stmt) in pending {
            if conn.execute_batch(&stmt.text).is_err() {
                failed.push((file, stmt));
            } else {
                done += 1;
                report(Task::Load, done, total);
            }
        }
        if failed.is_empty() {
            crate::progress::finish();
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
                return Error::syntax(
                    Judge::Sqlite,
                    pos,
                    format!("cannot parse DDL: {msg} (SQLite: {sqlite})"),
                );
            }
        }
    }
    let message = match sqlite_message.strip_prefix("no such module: ") {
        Some(module) => format!(
            "no such module: {module} (the SQLite built into schemadiff has the modules fts3, fts4, fts5 and rtree; a module your application loads as an extension cannot be declared)"
        ),
        None => sqlite_message,
    };
    Error::rejected(Judge::Sqlite, Position::at(file, stmt), message)
}

/// The lower-cased names of the virtual tables among `pending`.
fn virtual_table_names(pending: &[(&SourceFile, Statement)]) -> BTreeSet<String> {
    pending
        .iter()
        .filter(|(_, s)| s.kind == StatementKind::VirtualTable)
        .filter_map(|(_, s)| s.name.clone())
        .collect()
}

/// The virtual table whose shadow table `stmt` may create (`CREATE TABLE x_data …` next to
/// `CREATE VIRTUAL TABLE x`), as the `sqlite3` shell's `.schema` prints them: `CREATE TABLE
/// IF NOT EXISTS 'x_data'(…)`. Such a table is created after the virtual table, in the same
/// database, so that the module's own shadow table makes it a no-op; a table the module does
/// not create is an ordinary table.
fn shadow_of<'a>(stmt: &Statement, virtuals: &'a BTreeSet<String>) -> Option<&'a str> {
    let name = stmt
        .name
        .as_deref()
        .filter(|_| stmt.kind == StatementKind::Table)?;
    virtuals
        .iter()
        .filter(|v| name.len() > v.len() + 1 && name.starts_with(v.as_str()))
        .find(|v| name.as_bytes()[v.len()] == b'_')
        .map(String::as_str)
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
