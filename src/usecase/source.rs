//! Sources a schema can come from (DESIGN.md "Sources"): database URLs, `.sql` files and
//! directories. Parses the strings users pass to `--from`, `--to` and `inspect`, and loads
//! them into a [`Schema`]. Databases are opened read-only and never created; the only files
//! SQLite itself may add are the `-wal`/`-shm` companions of a WAL-mode database, as for
//! any reader.

use crate::engine::{read_sources, rename_hints, Cache, Database, DevUrl, Engine};
pub use crate::engine::{Dialect, Error};
use crate::model::{Renames, Schema};
pub use crate::redact::redact;
use std::path::PathBuf;

/// Where a schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A live database (its URL fixes the engine).
    Database(Database),
    /// Declared DDL: a `.sql` file or a directory of them.
    Files(PathBuf),
}

impl Source {
    /// Parses a source string as DESIGN.md defines it.
    pub fn parse(text: &str) -> Result<Source, Error> {
        if let Some(db) = Database::from_url(text) {
            return db
                .map(Source::Database)
                .map_err(|scheme| Error::UnknownScheme {
                    scheme: redact(&scheme),
                    source_text: redact(text),
                });
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
        match Database::from_file(&path, meta.len()) {
            Some(db) => Ok(Source::Database(db)),
            None => Err(Error::Unrecognized { path }),
        }
    }

    /// Returns the dialect this source fixes, if it is a database.
    pub fn dialect(&self) -> Option<Dialect> {
        match self {
            Source::Database(db) => Some(db.dialect()),
            Source::Files(_) => None,
        }
    }

    /// Returns the `-- schemadiff:renamed-from` hints written in a file source (none for a
    /// database).
    pub fn rename_hints(&self) -> Result<Renames, Error> {
        match self {
            Source::Files(path) => rename_hints(&read_sources(path)?),
            Source::Database(_) => Ok(Renames::default()),
        }
    }

    /// Returns the URL of the server of a database source that can normalize declared DDL.
    pub fn server_url(&self) -> Option<&str> {
        match self {
            Source::Database(db) => db.server_url(),
            Source::Files(_) => None,
        }
    }

    /// Loads the schema: a database by its own engine, declared files as `E`'s DDL (on
    /// PostgreSQL normalized on the server `dev_url`, or a throwaway cluster). On PostgreSQL only the schemas
    /// (namespaces) in `only` are read (all when empty); through the catalog `cache` when
    /// one is given.
    pub fn load_as<E: Engine>(
        &self,
        dev_url: &DevUrl,
        only: &[String],
        cache: Option<&Cache>,
    ) -> Result<Schema, Error> {
        self.load_with::<E>(&mut None, dev_url, only, cache)
    }

    /// As [`Source::load_as`], with the dev server in `dev`: made from `dev_url` the first
    /// time declared files need it, then kept there for the next source.
    pub fn load_with<E: Engine>(
        &self,
        dev: &mut Option<E::Dev>,
        dev_url: &DevUrl,
        only: &[String],
        cache: Option<&Cache>,
    ) -> Result<Schema, Error> {
        match self {
            Source::Database(db) => db.read(only, cache),
            Source::Files(path) => {
                let files = read_sources(path)?;
                let dev = match dev {
                    Some(d) => d,
                    None => dev.insert(E::dev(&|| Ok::<_, Error>(dev_url.clone()))?),
                };
                E::declare(&files, dev, only, cache)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlalchemy_style_urls() {
        assert_eq!(
            Source::parse("sqlite:///app.db").unwrap(),
            Source::Database(Database::Sqlite(Some("app.db".into())))
        );
        assert_eq!(
            Source::parse("sqlite:////tmp/app.db").unwrap(),
            Source::Database(Database::Sqlite(Some("/tmp/app.db".into())))
        );
        assert_eq!(
            Source::parse("sqlite:///:memory:").unwrap(),
            Source::Database(Database::Sqlite(None))
        );
        assert_eq!(
            Source::parse("sqlite://app.db").unwrap(),
            Source::Database(Database::Sqlite(Some("app.db".into())))
        );
        assert_eq!(
            Source::parse("postgresql+psycopg2://u:pw@h/db").unwrap(),
            Source::Database(Database::Postgres("postgresql://u:pw@h/db".into()))
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
