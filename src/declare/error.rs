//! Errors of declared DDL, each with the file, line and column it is about.

use super::SourceFile;
use crate::sqltext::Statement;
use miette::{NamedSource, SourceSpan};
use std::path::PathBuf;

/// Where in a declared file an error is.
#[derive(Debug)]
pub struct Position {
    pub path: PathBuf,
    pub line: u64,
    pub column: u64,
    src: NamedSource<String>,
    span: SourceSpan,
}

impl Position {
    pub(super) fn new(file: &SourceFile, line: u64, column: u64, offset: usize) -> Self {
        let len = file.text[offset.min(file.text.len())..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        Position {
            path: file.path.clone(),
            line,
            column,
            src: NamedSource::new(file.path.display().to_string(), file.text.clone()),
            span: SourceSpan::from((offset.min(file.text.len()), len)),
        }
    }

    pub(super) fn at(file: &SourceFile, stmt: &Statement) -> Self {
        Position::new(file, stmt.line, stmt.column, stmt.offset)
    }

    /// Maps sqlparser's "at Line: L, Column: C" (relative to the statement) into the file.
    pub(super) fn from_parser(file: &SourceFile, stmt: &Statement, message: &str) -> Option<Self> {
        let tail = message.rsplit(" at Line: ").next()?;
        let (l, c) = tail.split_once(", Column: ")?;
        let rel_line: u64 = l.trim().parse().ok()?;
        let rel_col: u64 = c.trim().parse().ok()?;
        let line = stmt.line + rel_line - 1;
        let column = if rel_line == 1 {
            stmt.column + rel_col - 1
        } else {
            rel_col
        };
        let loc = sqlparser::tokenizer::Location { line, column };
        let offset = crate::sqltext::byte_offset(&file.text, loc);
        Some(Position::new(file, line, column, offset))
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// Who refused a declared statement: one of the engines, or schemadiff itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judge {
    Sqlite,
    Postgres,
    /// schemadiff's own rules (its hint comments), whatever the engine.
    Schemadiff,
}

impl Judge {
    /// Returns the name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Judge::Sqlite => "SQLite",
            Judge::Postgres => "PostgreSQL",
            Judge::Schemadiff => "schemadiff",
        }
    }

    /// Returns where the syntax the statement must follow is described.
    fn syntax(self) -> &'static str {
        match self {
            Judge::Sqlite => "SQLite's syntax: https://www.sqlite.org/lang.html",
            Judge::Postgres => {
                "PostgreSQL's syntax: https://www.postgresql.org/docs/current/sql-commands.html"
            }
            Judge::Schemadiff => "schemadiff's hint comments: docs/sources.md",
        }
    }
}

/// Why declared DDL could not become a schema.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{} is not a text file (schema files are UTF-8 SQL)", path.display())]
    NotText { path: PathBuf },

    #[error("{} contains no .sql files", path.display())]
    #[diagnostic(help("an empty schema would drop every table; point at the directory with your DDL (an empty .sql file declares an empty schema on purpose)"))]
    NoSqlFiles { path: PathBuf },

    #[error("SQLite accepts the declared DDL, but schemadiff cannot model it yet: {0}")]
    #[diagnostic(help("see docs/sources.md for what schemadiff models; this is a limitation of schemadiff, not an error in your DDL"))]
    Unreadable(String),

    #[error("{pos}: {message}")]
    #[diagnostic(
        code(schemadiff::ddl::syntax),
        help("fix the statement; {}", by.syntax())
    )]
    Syntax {
        pos: Box<Position>,
        /// The engine whose syntax the statement is read as.
        by: Judge,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{pos}: {} rejects this statement: {message}", by.name())]
    #[diagnostic(
        code(schemadiff::ddl::rejected),
        help("correct the statement that starts here so that {} accepts it", by.name())
    )]
    Rejected {
        pos: Box<Position>,
        /// Who refused it: the engine, or schemadiff (a misplaced hint comment).
        by: Judge,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("this statement")]
        span: SourceSpan,
    },

    #[error("{pos}: `{words} …` does not belong in a schema file: only CREATE TABLE, CREATE VIRTUAL TABLE, CREATE INDEX, CREATE VIEW and CREATE TRIGGER do")]
    #[diagnostic(
        code(schemadiff::ddl::not_schema),
        help("schema files declare the target state with CREATE statements only")
    )]
    NotSchema {
        pos: Box<Position>,
        words: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{pos}: {name} is already declared (tables, views and indexes share one namespace in SQLite; triggers have their own)")]
    #[diagnostic(
        code(schemadiff::ddl::duplicate),
        help("rename or remove one of the two declarations")
    )]
    Duplicate {
        pos: Box<Position>,
        name: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("declared again here")]
        span: SourceSpan,
    },

    #[error("the in-memory SQLite used to read declared DDL failed: {0}")]
    Engine(String),

    #[error("{pos}: PostgreSQL rejects this statement: {}", text.0)]
    #[diagnostic(code(schemadiff::ddl::pg_rejected), help("{}", text.1))]
    PgRejected {
        pos: Box<Position>,
        /// The server's message and what to do.
        text: Box<(String, String)>,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("cannot load declared DDL: role {role} may not create databases on {server}, and declared PostgreSQL files are loaded into a scratch database there")]
    #[diagnostic(
        code(schemadiff::ddl::no_createdb),
        help("either grant it, as a superuser: `ALTER ROLE {role} CREATEDB;`, or point --dev-url (dev_url = \"postgresql://…\" in schemadiff.toml for generate, check and the other workflow commands) at a server of the same major version where {role} may create databases, such as a local development server")
    )]
    NoCreatedb {
        /// The role, quoted as an identifier.
        role: String,
        /// `host:port` of the server.
        server: String,
    },

    #[error("cannot load declared DDL into a scratch PostgreSQL database: {message}")]
    #[diagnostic(help("declared PostgreSQL DDL is normalized by loading it into a temporary database on the same server (or --dev-url); the user needs CREATEDB on that server"))]
    Scratch { message: String },

    #[error("declared PostgreSQL DDL needs a PostgreSQL server to normalize it, none is given, and no PostgreSQL server binaries (initdb, pg_ctl) were found to start a throwaway cluster (looked in {searched})")]
    #[diagnostic(
        code(schemadiff::ddl::no_pg_binaries),
        help("pass --dev-url postgresql://user@host/db (dev_url = \"postgresql://…\" in schemadiff.toml for generate, check and the other workflow commands): a scratch database is created there and dropped; or install the PostgreSQL server binaries (e.g. `apt-get install postgresql`) or point SCHEMADIFF_PG_BIN at the directory holding initdb and pg_ctl")
    )]
    NoPgBinaries { searched: String },

    #[error("cannot start a throwaway PostgreSQL cluster ({step}): {message}")]
    #[diagnostic(
        code(schemadiff::ddl::throwaway),
        help("pass --dev-url postgresql://user@host/db (dev_url = \"postgresql://…\" in schemadiff.toml for generate, check and the other workflow commands) to normalize declared DDL on a server of your own instead")
    )]
    Throwaway { step: String, message: String },

    #[error("the server's print of {} still changes after {passes} passes of loading it again and reading it back", objects.join(", "))]
    #[diagnostic(help("declared PostgreSQL expressions are normalized to the text that loads and prints as itself (docs/decisions.md, \"Fixed-point normalization\"); write these expressions the way the server prints them, and report the case"))]
    NotConverging { passes: usize, objects: Vec<String> },
}

impl Error {
    pub(super) fn syntax(by: Judge, pos: Position, message: String) -> Self {
        let (src, span) = (pos.src.clone(), pos.span);
        Error::Syntax {
            pos: Box::new(pos),
            by,
            message,
            src,
            span,
        }
    }

    pub(super) fn rejected(by: Judge, pos: Position, message: String) -> Self {
        let (src, span) = (pos.src.clone(), pos.span);
        Error::Rejected {
            pos: Box::new(pos),
            by,
            message,
            src,
            span,
        }
    }

    pub(super) fn duplicate(pos: Position, name: String) -> Self {
        let (src, span) = (pos.src.clone(), pos.span);
        Error::Duplicate {
            pos: Box::new(pos),
            name,
            src,
            span,
        }
    }

    pub(super) fn pg_rejected(pos: Position, message: String, hint: String) -> Self {
        let (src, span) = (pos.src.clone(), pos.span);
        Error::PgRejected {
            pos: Box::new(pos),
            text: Box::new((message, hint)),
            src,
            span,
        }
    }

    pub(super) fn not_schema(pos: Position, words: String) -> Self {
        let (src, span) = (pos.src.clone(), pos.span);
        Error::NotSchema {
            pos: Box::new(pos),
            words,
            src,
            span,
        }
    }

    /// Returns the file position the error is about, when it has one.
    pub fn position(&self) -> Option<&Position> {
        match self {
            Error::Syntax { pos, .. }
            | Error::Rejected { pos, .. }
            | Error::NotSchema { pos, .. } => Some(pos),
            _ => None,
        }
    }
}
