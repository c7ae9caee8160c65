//! Sources a schema can come from (DESIGN.md "Sources"): database URLs, `.sql` files and
//! directories. Parses the strings users pass to `--from`, `--to` and `inspect`, and loads
//! them into a [`Schema`]. Databases are opened read-only and never created; the only files
//! SQLite itself may add are the `-wal`/`-shm` companions of a WAL-mode database, as for
//! any reader.

use crate::declare::{self, read_sources};
use crate::introspect;
use crate::model::Schema;
pub use crate::redact::redact;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// Where a schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A SQLite database file, or `None` for `sqlite:///:memory:` (an empty database).
    Sqlite(Option<PathBuf>),
    /// A PostgreSQL URL (SQLAlchemy driver suffixes such as `+psycopg2` removed).
    Postgres(String),
    /// Declared DDL: a `.sql` file or a directory of them.
    Files(PathBuf),
}

/// The engine a file source's DDL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

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

    #[error("{} is not a SQLite database: {}", redact(&path.display().to_string()), crate::redact::redact_in(message, &path.display().to_string()))]
    #[diagnostic(help("point sqlite:/// at a SQLite database file; for declared DDL pass the .sql path without a scheme"))]
    NotDatabase { path: PathBuf, message: String },

    #[error("{} is locked by another process (waited {waited_seconds} s)", path.display())]
    #[diagnostic(help("another program holds a write lock on it (a running `schemadiff upgrade`, or an application's open transaction): wait for it to finish and run the command again, or find the process holding it with `fuser {}` or `lsof {}`", path.display(), path.display()))]
    Locked { path: PathBuf, waited_seconds: u64 },

    #[error("cannot read SQLite database {}", path.display())]
    Introspect {
        path: PathBuf,
        source: introspect::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Declare(Box<declare::Error>),

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
}

impl Source {
    /// Parses a source string as DESIGN.md defines it.
    pub fn parse(text: &str) -> Result<Source, Error> {
        if let Some((scheme, rest)) = text.split_once("://") {
            let base = scheme
                .split('+')
                .next()
                .unwrap_or(scheme)
                .to_ascii_lowercase();
            return match base.as_str() {
                "postgres" | "postgresql" => Ok(Source::Postgres(format!("postgresql://{rest}"))),
                "sqlite" => Ok(sqlite_url(rest)),
                _ => Err(Error::UnknownScheme {
                    scheme: redact(scheme),
                    source_text: redact(text),
                }),
            };
        }
        let path = PathBuf::from(text);
        let meta = std::fs::metadata(&path).map_err(|_| Error::Missing { path: path.clone() })?;
        if meta.is_dir()
            || path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
        {
            return Ok(Source::Files(path));
        }
        // A 0-byte file is a valid, empty SQLite database.
        if meta.len() == 0 || has_sqlite_header(&path) {
            return Ok(Source::Sqlite(Some(path)));
        }
        Err(Error::Unrecognized { path })
    }

    /// Returns the dialect this source fixes, if it is a database.
    pub fn dialect(&self) -> Option<Dialect> {
        match self {
            Source::Sqlite(_) => Some(Dialect::Sqlite),
            Source::Postgres(_) => Some(Dialect::Postgres),
            Source::Files(_) => None,
        }
    }

    /// Returns the `-- schemadiff:renamed-from` hints written in a file source (none for a
    /// database).
    pub fn rename_hints(&self) -> Result<crate::model::Renames, Error> {
        match self {
            Source::Files(path) => read_sources(path)
                .and_then(|files| declare::rename_hints(&files))
                .map_err(|e| Error::Declare(Box::new(e))),
            _ => Ok(crate::model::Renames::default()),
        }
    }

    /// Returns the URL of a PostgreSQL source.
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            Source::Postgres(url) => Some(url),
            _ => None,
        }
    }

    /// Loads the schema. File sources are read as `dialect`.
    pub fn load(&self, dialect: Dialect) -> Result<Schema, Error> {
        self.load_with(dialect, None, &[])
    }

    /// Loads the schema; declared PostgreSQL DDL is normalized on the server `dev_url`.
    /// On PostgreSQL only the schemas (namespaces) in `only` are read (all when empty).
    pub fn load_with(
        &self,
        dialect: Dialect,
        dev_url: Option<&str>,
        only: &[String],
    ) -> Result<Schema, Error> {
        self.load_cached(dialect, dev_url, only, None)
    }

    /// As [`Source::load_with`], through the catalog `cache` when one is given: declared
    /// DDL on both engines, and the model parsed from a live SQLite catalog's texts.
    pub fn load_cached(
        &self,
        dialect: Dialect,
        dev_url: Option<&str>,
        only: &[String],
        cache: Option<&declare::Cache>,
    ) -> Result<Schema, Error> {
        match (self, dialect) {
            (Source::Postgres(url), _) => {
                use crate::introspect::postgres::{connect, introspect, introspect_pair};
                let mut client = connect(url)?;
                // Two backends share the server's work; if a second connection is refused
                // (connection limit), one does it all.
                let read = match connect(url) {
                    Ok(mut helper) => introspect_pair(&mut client, &mut helper, only),
                    Err(_) => introspect(&mut client, only),
                }
                .map_err(|e| Error::PgIntrospect {
                    url: redact(url),
                    message: crate::declare::db_message(&e),
                })?;
                Ok(read.schema)
            }
            (Source::Files(path), Dialect::Postgres) => {
                let url = dev_url.ok_or(Error::NoDevServer)?;
                let config = crate::introspect::postgres::connect::config(url)?;
                read_sources(path)
                    .and_then(|files| {
                        declare::declare_postgres_cached(&files, &config, only, cache)
                    })
                    .map_err(|e| Error::Declare(Box::new(e)))
            }
            (Source::Files(path), Dialect::Sqlite) => read_sources(path)
                .and_then(|files| declare::declare_sqlite_cached(&files, cache))
                .map_err(|e| Error::Declare(Box::new(e))),
            (Source::Sqlite(None), _) => Ok(Schema::default()),
            (Source::Sqlite(Some(path)), _) => {
                let conn = open_sqlite(path)?;
                declare::introspect_sqlite_cached(&conn, cache)
                    .map_err(|source| classify(path, source))
            }
        }
    }
}

/// `sqlite:///rel.db` → `rel.db`; `sqlite:////abs.db` → `/abs.db`; `sqlite:///:memory:`;
/// `sqlite://rel.db` is accepted as relative (the SQLAlchemy forms, plus one lenient one).
fn sqlite_url(rest: &str) -> Source {
    let path = rest.strip_prefix('/').unwrap_or(rest);
    let path = path.split('?').next().unwrap_or(path);
    if path == ":memory:" || path.is_empty() {
        Source::Sqlite(None)
    } else {
        Source::Sqlite(Some(PathBuf::from(path)))
    }
}

fn has_sqlite_header(path: &Path) -> bool {
    use std::io::Read;
    let mut buf = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok_and(|_| &buf == b"SQLite format 3\0")
}

/// Opens an existing database read-only; a missing file is an error, never created.
pub fn open_sqlite(path: &Path) -> Result<Connection, Error> {
    if !path.exists() {
        return Err(Error::Missing {
            path: path.to_path_buf(),
        });
    }
    if path.is_dir() {
        let message =
            "it is a directory (pass declared DDL directories without sqlite:///)".to_string();
        return Err(Error::NotDatabase {
            path: path.to_path_buf(),
            message,
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::NotDatabase {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    conn.busy_timeout(READ_WAIT)
        .map_err(|e| opening_error(path, e, READ_WAIT))?;
    check_readable(&conn, path, READ_WAIT)?;
    Ok(conn)
}

/// How long a read-only open waits for another process's write lock.
const READ_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Reads the schema table once: a file that is not a database, or one locked by another
/// process (after waiting `waited`), is an error that says which.
pub fn check_readable(
    conn: &Connection,
    path: &Path,
    waited: std::time::Duration,
) -> Result<(), Error> {
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
        .map_err(|e| opening_error(path, e, waited))
}

/// Tells a lock (SQLITE_BUSY, SQLITE_LOCKED) apart from a file that is not a database.
fn opening_error(path: &Path, e: rusqlite::Error, waited: std::time::Duration) -> Error {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => Error::Locked {
            path: path.to_path_buf(),
            waited_seconds: waited.as_secs(),
        },
        _ => Error::NotDatabase {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}

fn classify(path: &Path, source: introspect::Error) -> Error {
    Error::Introspect {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlalchemy_style_urls() {
        assert_eq!(
            Source::parse("sqlite:///app.db").unwrap(),
            Source::Sqlite(Some("app.db".into()))
        );
        assert_eq!(
            Source::parse("sqlite:////tmp/app.db").unwrap(),
            Source::Sqlite(Some("/tmp/app.db".into()))
        );
        assert_eq!(
            Source::parse("sqlite:///:memory:").unwrap(),
            Source::Sqlite(None)
        );
        assert_eq!(
            Source::parse("sqlite://app.db").unwrap(),
            Source::Sqlite(Some("app.db".into()))
        );
        assert_eq!(
            Source::parse("postgresql+psycopg2://u:pw@h/db").unwrap(),
            Source::Postgres("postgresql://u:pw@h/db".into())
        );
        assert!(matches!(
            Source::parse("mysql://x"),
            Err(Error::UnknownScheme { .. })
        ));
        assert!(matches!(
            Source::parse("/no/such/file.sql"),
            Err(Error::Missing { .. })
        ));
        assert_eq!(
            redact("postgresql://u:secret@h/db"),
            "postgresql://u:***@h/db"
        );
    }
}
