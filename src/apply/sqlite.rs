//! The SQLite engine. The migration lock is an exclusive OS lock (`flock`) on a file next to
//! the database, `<database>-schemadiff-lock`, held for the whole run (SQLite's own locks
//! cannot be held across the several transactions a run needs: the foreign-keys pragma
//! switches only between them) and released by the OS if the process dies; a second runner
//! waits up to `lock_timeout_seconds`. Each revision still runs in `BEGIN IMMEDIATE` with
//! its bookkeeping, and `PRAGMA foreign_keys` is switched outside the transaction for
//! sections marked with the foreign-keys-off directive, then restored to what it was. Ctrl-C
//! interrupts the running statement (`sqlite3_interrupt`).

use super::failure::{Failure, Ran};
use super::{
    interrupt, next_heads, section_offset, Adapter, Canceller, Direction, Error, HISTORY_TABLE,
    VERSION_TABLE,
};
use crate::render::sqlite::needs_foreign_keys_off;
use crate::revision::{Graph, Revision};
use crate::sqltext::{split_statements, SplitError, Statement};
use rusqlite::Connection;
use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Appended to the database's path to name its lock file.
pub const LOCK_SUFFIX: &str = "-schemadiff-lock";

/// How often a waiting runner tries the lock file again.
const POLL: Duration = Duration::from_millis(50);

pub struct Sqlite {
    conn: Connection,
    lock_timeout: Duration,
    /// The locked lock file while the migration lock is held.
    held: Option<File>,
}

fn db(e: rusqlite::Error) -> Error {
    Error::Database(e.to_string())
}

impl Sqlite {
    pub fn new(conn: Connection, lock_timeout: Duration) -> Result<Sqlite, Error> {
        conn.busy_timeout(lock_timeout).map_err(db)?;
        Ok(Sqlite {
            conn,
            lock_timeout,
            held: None,
        })
    }

    /// The lock file of a database file; none for an in-memory or temporary database, which
    /// no other process can open.
    fn lock_path(&self) -> Option<PathBuf> {
        let path = self.conn.path().filter(|p| !p.is_empty())?;
        Some(PathBuf::from(format!("{path}{LOCK_SUFFIX}")))
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn begin(&self) -> Result<(), Error> {
        match self.conn.execute_batch("BEGIN IMMEDIATE") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy =>
            {
                Err(Error::Locked {
                    seconds: self.lock_timeout.as_secs(),
                })
            }
            other => other.map_err(db),
        }
    }

    fn rollback(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// Runs the statements of a section in the open transaction; a failure lists the ones
    /// that ran before it (rolled back with it).
    fn execute_section(&self, rev: &Revision, sql: &str, each: &dyn Fn(&str)) -> Result<(), Error> {
        let section_line = section_offset(rev, sql);
        let stmts = split_statements(sql).map_err(|e| {
            let at = Ran {
                line: section_line + e.line,
                text: String::new(),
            };
            Error::Statement(Box::new(Failure::new(rev, at, e.message)))
        })?;
        let mut failure = Failure::new(rev, Ran::default(), String::new());
        for stmt in stmts {
            let at = Ran::of(&stmt, section_line);
            let result = if interrupt::interrupted() {
                Err("not run: interrupted before it".to_string())
            } else {
                each(&stmt.text);
                self.conn.execute_batch(&stmt.text).map_err(|e| match e {
                    rusqlite::Error::SqlInputError { msg, .. } => msg,
                    other => other.to_string(),
                })
            };
            if let Err(message) = result {
                failure.at = at;
                failure.message = message;
                return Err(if interrupt::interrupted() {
                    Error::Interrupted(Box::new(failure))
                } else {
                    Error::Statement(Box::new(failure))
                });
            }
            failure.rolled_back.push(at);
        }
        Ok(())
    }

    fn write_heads(&self, heads: &[String]) -> Result<(), Error> {
        self.conn
            .execute(&format!("DELETE FROM {VERSION_TABLE}"), [])
            .map_err(db)?;
        for h in heads {
            self.conn
                .execute(
                    &format!("INSERT INTO {VERSION_TABLE} (version_num) VALUES (?1)"),
                    [h],
                )
                .map_err(db)?;
        }
        Ok(())
    }

    fn record(&self, id: &str, checksum: &str, direction: &str, millis: u128) -> Result<(), Error> {
        let (now, _) = crate::revision::utc_now();
        self.conn
            .execute(
                &format!("INSERT INTO {HISTORY_TABLE} (revision, checksum, direction, applied_at, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)"),
                rusqlite::params![id, checksum, direction, now, millis as i64],
            )
            .map_err(db)?;
        Ok(())
    }
}

impl Adapter for Sqlite {
    fn try_lock(&mut self) -> Result<bool, Error> {
        let Some(path) = self.lock_path() else {
            return Ok(true);
        };
        let error = |e: std::io::Error| Error::LockFile {
            path: path.clone(),
            message: e.to_string(),
        };
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(error)?;
        match file.try_lock() {
            Ok(()) => {
                self.held = Some(file);
                Ok(true)
            }
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(error(e)),
        }
    }

    fn lock_wait(&self) -> (Duration, Duration) {
        (self.lock_timeout, POLL)
    }

    fn unlock(&mut self) {
        if let Some(file) = self.held.take() {
            let _ = file.unlock();
        }
    }

    fn canceller(&self) -> Canceller {
        let handle = self.conn.get_interrupt_handle();
        std::sync::Arc::new(move || handle.interrupt())
    }

    fn statements(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        split_statements(sql)
    }

    fn ensure_tables(&mut self) -> Result<(), Error> {
        self.conn
            .execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version_num TEXT PRIMARY KEY NOT NULL);
                 CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
                   id INTEGER PRIMARY KEY, revision TEXT NOT NULL, checksum TEXT NOT NULL,
                   direction TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms INTEGER NOT NULL);"
            ))
            .map_err(db)
    }

    fn heads(&mut self) -> Result<Vec<String>, Error> {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE name = ?1",
                [VERSION_TABLE],
                |r| r.get(0),
            )
            .map_err(db)?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT version_num FROM {VERSION_TABLE} ORDER BY 1"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn history_rows(&mut self) -> Result<Vec<(String, String, String)>, Error> {
        let heads = self.heads()?;
        if heads.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT revision, checksum, direction FROM {HISTORY_TABLE} ORDER BY id"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db)?
            .collect::<Result<Vec<(String, String, String)>, _>>()
            .map_err(db)?;
        Ok(rows)
    }

    fn run(
        &mut self,
        rev: &Revision,
        dir: Direction,
        graph: &Graph,
        skip: &dyn Fn(&[String]) -> bool,
        each: &dyn Fn(&str),
    ) -> Result<bool, Error> {
        let sql = match dir {
            Direction::Up => &rev.up,
            Direction::Down => &rev.down,
        };
        let fk_off = needs_foreign_keys_off(sql);
        let fk_before: bool = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .map_err(db)?;
        if fk_off {
            self.conn
                .execute_batch("PRAGMA foreign_keys = OFF")
                .map_err(db)?;
        }
        let started = Instant::now();
        let result = self.begin().and_then(|()| {
            let heads = self.heads()?;
            if skip(&heads) {
                return Ok(false);
            }
            self.execute_section(rev, sql, each)?;
            self.write_heads(&next_heads(graph, &heads, rev, dir))?;
            self.record(
                &rev.id,
                &rev.checksum,
                dir.as_str(),
                started.elapsed().as_millis(),
            )?;
            Ok(true)
        });
        match &result {
            Ok(true) => self.conn.execute_batch("COMMIT").map_err(db)?,
            _ => self.rollback(),
        }
        if fk_off && fk_before {
            self.conn
                .execute_batch("PRAGMA foreign_keys = ON")
                .map_err(db)?;
        }
        result
    }

    fn stamp(&mut self, heads: &[String]) -> Result<(), Error> {
        self.begin()?;
        let r = self.write_heads(heads).and_then(|()| {
            for h in heads {
                self.record(h, "", "stamp", 0)?;
            }
            Ok(())
        });
        match r {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(db),
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    fn accept(&mut self, id: &str, checksum: &str) -> Result<(), Error> {
        self.record(id, checksum, "accept-edit", 0)
    }
}

/// `upgrade/downgrade --sql`: the script's head, for the `sqlite3` shell.
pub fn offline_header() -> String {
    format!(
        "-- Run as printed: sqlite3 -bail app.db < script.sql\n\n-- Foreign keys on, as `schemadiff upgrade` runs (the sqlite3 shell starts with them off).\nPRAGMA foreign_keys = ON;\n\nCREATE TABLE IF NOT EXISTS {v} (version_num TEXT PRIMARY KEY NOT NULL);\n",
        v = VERSION_TABLE
    )
}

/// `--sql`: one revision's section under its `running` comment line, then the version table
/// set to `heads`; framed by the foreign-keys switch when the section asks for it.
pub fn offline_revision(out: &mut String, running: &str, sql: &str, heads: &[String]) {
    let mut body = String::from("\n");
    body.push_str(running);
    body.push_str(sql);
    body.push_str(&format!("\nDELETE FROM {VERSION_TABLE};\n"));
    for h in heads {
        body.push_str(&format!(
            "INSERT INTO {VERSION_TABLE} (version_num) VALUES ({});\n",
            crate::sqltext::quote_literal(h)
        ));
    }
    crate::render::sqlite::wrap(out, needs_foreign_keys_off(sql), &body);
}
