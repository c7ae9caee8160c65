//! What reading a source, opening a database or choosing an engine's target can fail with:
//! one enum for both engines, each variant carrying its data (names are escaped when shown).

use crate::redact::{redact, redact_in};
use crate::sqltext::comment::Printable;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("unknown source scheme `{scheme}://` in `{source_text}`")]
    #[diagnostic(help("use sqlite:///relative.db, sqlite:////absolute.db, postgresql://user@host/db, or a path to a .sql file or directory"))]
    UnknownScheme { scheme: String, source_text: String },

    #[error("{} does not exist", redact(&path.display().to_string()))]
    #[diagnostic(help(
        "check the path (schemadiff never creates a file or database when reading one)"
    ))]
    Missing { path: PathBuf },

    #[error("{} is neither a .sql file, a directory, nor a SQLite database", redact(&path.display().to_string()))]
    #[diagnostic(help(
        "pass declared DDL as a .sql file or directory, and databases as sqlite:///path.db"
    ))]
    Unrecognized { path: PathBuf },

    #[error("{} is not a SQLite database: {}", redact(&path.display().to_string()), redact_in(message, &path.display().to_string()))]
    #[diagnostic(help("point sqlite:/// at a SQLite database file; for declared DDL pass the .sql path without a scheme"))]
    NotDatabase { path: PathBuf, message: String },

    #[error("{} is locked by another process (waited {waited_seconds} s)", path.display())]
    #[diagnostic(help("another program holds a write lock on it (a running `schemadiff upgrade`, or an application's open transaction): wait for it to finish and run the command again, or find the process holding it with `fuser {}` or `lsof {}`", path.display(), path.display()))]
    Locked { path: PathBuf, waited_seconds: u64 },

    #[error("cannot read SQLite database {}", path.display())]
    Introspect {
        path: PathBuf,
        source: crate::introspect::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Declare(Box<crate::declare::Error>),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Connect(#[from] crate::introspect::postgres::ConnectError),

    #[error("cannot read the PostgreSQL catalog of {url}: {message}")]
    #[diagnostic(help(
        "the user needs read access to pg_catalog (any role has it); check the server log"
    ))]
    PgIntrospect { url: String, message: String },

    #[error("declared PostgreSQL DDL is normalized by a PostgreSQL server, and none is given")]
    #[diagnostic(help("pass --dev-url postgresql://user@host/db (a scratch database is created there and dropped), or compare against a postgresql:// URL, whose server is then used"))]
    NoDevServer,

    #[error(transparent)]
    #[diagnostic(help("pass --rename TABLE.OLD=NEW per renamed column and --rename OLD=NEW per renamed table or enum type, named as in the two schemas"))]
    Rename(#[from] crate::model::RenameError),

    #[error("rename {}={} moves the table to another schema, which schemadiff does not do (ALTER TABLE … SET SCHEMA): rename it within its schema, or move it by hand and `stamp`", Printable(old), Printable(new))]
    #[diagnostic(help("name the new table in the schema of the old one in --rename OLD=NEW"))]
    SchemaMove { old: String, new: String },

    #[error("table renames need SQLite 3.26 or newer (before it, RENAME TO leaves other tables' foreign keys pointing at the old name); --sqlite-version says {}", Printable(.0))]
    #[diagnostic(help("run the script with a newer SQLite, or drop the table rename hint"))]
    TableRenameUnsupported(String),

    #[error("invalid --sqlite-version `{}`", Printable(.0))]
    #[diagnostic(help(
        "give the version of the SQLite that will run the script, e.g. --sqlite-version 3.40.1"
    ))]
    Version(String),

    #[error(
        "{name} \"{}\": expected digits and a unit (us, ms, s, min, h or d), e.g. 5s",
        Printable(value)
    )]
    #[diagnostic(help("give --{} or [postgres] {name} as e.g. 5s or 500ms", name.replace('_', "-")))]
    BadTimeout { name: &'static str, value: String },

    #[error("--concurrently, --not-valid, --lock-timeout and --statement-timeout apply to PostgreSQL only (SQLite locks the whole database for every write)")]
    #[diagnostic(help("drop these flags for a SQLite project"))]
    PostgresOnlyFlags,

    #[error(
        "database_url `{}` is not a SQLite database file URL (sqlite:///path.db)",
        Printable(url)
    )]
    #[diagnostic(help(
        "set database_url = \"sqlite:///path.db\", or dialect = \"postgres\" for a PostgreSQL URL"
    ))]
    NotSqliteUrl {
        /// The URL with its password replaced by `***`.
        url: String,
    },

    #[error("cannot open {}: {}", Printable(path), Printable(reason))]
    #[diagnostic(help(
        "check that the directory exists and that you may read and write the file"
    ))]
    OpenDatabase {
        /// The database path, redacted.
        path: String,
        /// The engine's reason, redacted.
        reason: String,
    },

    #[error("cannot open an in-memory SQLite database: {0}")]
    #[diagnostic(help("this is a resource problem of the machine (memory); try again"))]
    Scratch(rusqlite::Error),

    #[error("cannot read the database's schema: {}", Printable(reason))]
    #[diagnostic(help(
        "check that database_url names the project's database and that you may read its catalog"
    ))]
    ReadSchema { reason: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] crate::apply::Error),
}

impl From<crate::declare::Error> for Error {
    fn from(e: crate::declare::Error) -> Error {
        Error::Declare(Box::new(e))
    }
}
