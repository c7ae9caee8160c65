//! A database the workflow reads and replays into, on either engine: the project's live
//! database, or a scratch one (in-memory SQLite, or a temporary PostgreSQL database on the
//! dev server, dropped with this value).

use super::workflow::{declared_dir, is_postgres, open_engine};
use super::workflow_pg;
use super::Error;
use crate::apply::{postgres::Postgres, sqlite::Sqlite, Adapter};
use crate::config::Project;
use crate::declare::ScratchDb;
use crate::diff::{self, Change};
use crate::introspect;
use crate::model::{Renames, Schema};
use crate::plan::describe_change;
use std::path::Path;
use std::time::Duration;

pub enum Db {
    Sqlite(Sqlite),
    /// The engine, then the scratch database it is connected to (if scratch), so that the
    /// connection closes before the database is dropped.
    Postgres {
        engine: Box<Postgres>,
        _scratch: Option<Box<ScratchDb>>,
    },
}

impl Db {
    /// The project's own database (never created).
    pub fn live(p: &Project) -> Result<Db, Error> {
        if is_postgres(p) {
            return Ok(Db::Postgres {
                engine: Box::new(workflow_pg::engine(p)?),
                _scratch: None,
            });
        }
        Ok(Db::Sqlite(open_engine(p, false)?))
    }

    /// An empty scratch database of the project's engine.
    pub fn scratch(p: &Project) -> Result<Db, Error> {
        if is_postgres(p) {
            let server = workflow_pg::dev_config(p)?;
            let db = ScratchDb::create(&server)
                .map_err(|e| Error::Source(crate::source::Error::Declare(Box::new(e))))?;
            let client = db
                .connect()
                .map_err(|e| Error::Source(crate::source::Error::Declare(Box::new(e))))?;
            return Ok(Db::Postgres {
                engine: Box::new(Postgres::new(client, Duration::from_secs(5))),
                _scratch: Some(Box::new(db)),
            });
        }
        let conn = rusqlite::Connection::open_in_memory().map_err(Error::Scratch)?;
        Ok(Db::Sqlite(Sqlite::new(conn, Duration::from_secs(1))?))
    }

    pub fn engine(&mut self) -> &mut dyn Adapter {
        match self {
            Db::Sqlite(e) => e,
            Db::Postgres { engine, .. } => engine.as_mut(),
        }
    }

    /// Reads the schema of the project's database: as [`Db::read`], with a SQLite catalog's
    /// texts parsed through the catalog cache (they are read every time).
    pub fn read_live(&mut self) -> Result<Schema, Error> {
        match self {
            Db::Sqlite(e) => {
                let cache = crate::declare::Cache::from_env();
                crate::declare::introspect_sqlite_cached(e.connection(), cache.as_ref()).map_err(
                    |e| Error::ReadSchema {
                        reason: e.to_string(),
                    },
                )
            }
            Db::Postgres { .. } => self.read(),
        }
    }

    /// Reads the schema.
    pub fn read(&mut self) -> Result<Schema, Error> {
        match self {
            Db::Sqlite(e) => {
                introspect::sqlite::introspect(e.connection()).map_err(|e| Error::ReadSchema {
                    reason: e.to_string(),
                })
            }
            Db::Postgres { engine, .. } => introspect::postgres::introspect(engine.client(), &[])
                .map(|r| r.schema)
                .map_err(|e| Error::ReadSchema {
                    reason: crate::declare::db_message(&e),
                }),
        }
    }
}

/// Declares a directory of the project (`schemas/`, `snapshots/`) on its engine.
pub fn declared(p: &Project, dir: &Path) -> Result<Schema, Error> {
    if is_postgres(p) {
        workflow_pg::declared(p, dir)
    } else {
        declared_dir(dir)
    }
}

/// One line per difference between two schemas of the project's engine.
pub fn differences(p: &Project, from: &Schema, to: &Schema) -> Vec<String> {
    let changes = if is_postgres(p) {
        diff::diff_postgres(from, to, &Renames::default())
    } else {
        diff::diff(from, to, &Renames::default())
    };
    changes
        .changes
        .iter()
        .map(|c| match c {
            Change::AlterTable(tc) if !is_postgres(p) => format!(
                "table {}: {}",
                tc.after.name,
                describe_change(tc).join("; ")
            ),
            other => other.summary(),
        })
        .collect()
}
