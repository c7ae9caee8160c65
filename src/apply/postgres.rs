//! The PostgreSQL engine: a session advisory lock is the apply lock (a second runner waits
//! up to `lock_timeout`, then fails), each revision runs in one transaction with its
//! bookkeeping, and statements marked `-- schemadiff:no-transaction` (e.g. `ALTER TYPE …
//! ADD VALUE`) run before that transaction, on their own.

use super::sqlite::{HISTORY_TABLE, VERSION_TABLE};
use super::{next_heads, section_offset, Direction, Engine, Error};
use crate::render::postgres::NO_TRANSACTION;
use crate::revision::{Graph, Revision};
use crate::sqltext::split_pg_statements;
use postgres::error::SqlState;
use postgres::Client;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The advisory lock key: the bytes of "schemadiff" folded into an i64.
const LOCK_KEY: i64 = 0x7363_6865_6d61_6466;

pub struct Postgres {
    client: Client,
    lock_timeout: Duration,
}

fn db(e: postgres::Error) -> Error {
    Error::Database(crate::declare::db_message(&e))
}

impl Postgres {
    pub fn new(client: Client, lock_timeout: Duration) -> Postgres {
        Postgres {
            client,
            lock_timeout,
        }
    }

    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Takes the session advisory lock, waiting at most `lock_timeout`.
    fn lock(&mut self) -> Result<(), Error> {
        let ms = self.lock_timeout.as_millis().max(1);
        self.client
            .batch_execute(&format!("SET lock_timeout = {ms}"))
            .map_err(db)?;
        let r = self
            .client
            .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY]);
        let _ = self.client.batch_execute("SET lock_timeout = 0");
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => Err(Error::Locked {
                seconds: self.lock_timeout.as_secs(),
            }),
            Err(e) => Err(db(e)),
        }
    }

    fn unlock(&mut self) {
        let _ = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]);
    }

    fn write_heads(tx: &mut postgres::Transaction, heads: &[String]) -> Result<(), Error> {
        tx.batch_execute(&format!("DELETE FROM {VERSION_TABLE}"))
            .map_err(db)?;
        for h in heads {
            tx.execute(
                &format!("INSERT INTO {VERSION_TABLE} (version_num) VALUES ($1)"),
                &[h],
            )
            .map_err(db)?;
        }
        Ok(())
    }

    fn record(
        tx: &mut postgres::Transaction,
        id: &str,
        checksum: &str,
        direction: &str,
        millis: i64,
    ) -> Result<(), Error> {
        tx.execute(
            &format!("INSERT INTO {HISTORY_TABLE} (revision, checksum, direction, applied_at, duration_ms) VALUES ($1, $2, $3, now(), $4)"),
            &[&id, &checksum, &direction, &millis],
        )
        .map_err(db)?;
        Ok(())
    }

    /// Runs one section: no-transaction statements first, then the rest with the
    /// bookkeeping in one transaction.
    fn execute(
        &mut self,
        rev: &Revision,
        sql: &str,
        dir: Direction,
        graph: &Graph,
        heads: &[String],
    ) -> Result<(), Error> {
        let started = Instant::now();
        let section_line = section_offset(rev, sql);
        let fail = |line: u64, statement: &str, message: String| Error::Statement {
            id: rev.id.clone(),
            path: rev.path.clone(),
            line: section_line + line,
            statement: statement.lines().next().unwrap_or_default().to_string(),
            message,
        };
        let stmts = split_pg_statements(sql).map_err(|e| fail(e.line, "", e.message))?;
        let mut prev_end = 0;
        let mut outside = Vec::new();
        let mut inside = Vec::new();
        for s in stmts {
            let gap = &sql[prev_end.min(s.offset)..s.offset];
            prev_end = s.offset + s.text.len();
            if gap.lines().any(|l| l.trim() == NO_TRANSACTION) {
                outside.push(s);
            } else {
                inside.push(s);
            }
        }
        for s in &outside {
            self.client
                .batch_execute(&s.text)
                .map_err(|e| fail(s.line, &s.text, crate::declare::db_message(&e)))?;
        }
        let mut tx = self.client.transaction().map_err(db)?;
        for s in &inside {
            tx.batch_execute(&s.text)
                .map_err(|e| fail(s.line, &s.text, crate::declare::db_message(&e)))?;
        }
        Self::write_heads(&mut tx, &next_heads(graph, heads, rev, dir))?;
        let millis = started.elapsed().as_millis() as i64;
        Self::record(&mut tx, &rev.id, &rev.checksum, dir.as_str(), millis)?;
        tx.commit().map_err(db)
    }
}

impl Engine for Postgres {
    fn ensure_tables(&mut self) -> Result<(), Error> {
        self.client
            .batch_execute(&format!(
                "SET client_min_messages = warning;
                 CREATE TABLE IF NOT EXISTS public.{VERSION_TABLE} (version_num text PRIMARY KEY);
                 CREATE TABLE IF NOT EXISTS public.{HISTORY_TABLE} (
                   id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, revision text NOT NULL,
                   checksum text NOT NULL, direction text NOT NULL,
                   applied_at timestamptz NOT NULL, duration_ms bigint NOT NULL);
                 SET client_min_messages = notice;"
            ))
            .map_err(db)
    }

    fn heads(&mut self) -> Result<Vec<String>, Error> {
        let exists: bool = self
            .client
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&format!("public.{VERSION_TABLE}")],
            )
            .map_err(db)?
            .get(0);
        if !exists {
            return Ok(Vec::new());
        }
        let rows = self
            .client
            .query(
                &format!("SELECT version_num FROM public.{VERSION_TABLE} ORDER BY 1"),
                &[],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn checksums(&mut self) -> Result<BTreeMap<String, String>, Error> {
        if self.heads()?.is_empty() {
            return Ok(BTreeMap::new());
        }
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT revision, checksum, direction FROM public.{HISTORY_TABLE} ORDER BY id"
                ),
                &[],
            )
            .map_err(db)?;
        Ok(super::fold_history(
            rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))),
        ))
    }

    fn run(
        &mut self,
        rev: &Revision,
        dir: Direction,
        graph: &Graph,
        skip: &dyn Fn(&[String]) -> bool,
    ) -> Result<bool, Error> {
        let sql = match dir {
            Direction::Up => rev.up.clone(),
            Direction::Down => rev.down.clone(),
        };
        self.lock()?;
        let result = self.heads().and_then(|heads| {
            if skip(&heads) {
                return Ok(false);
            }
            self.execute(rev, &sql, dir, graph, &heads).map(|()| true)
        });
        self.unlock();
        result
    }

    fn stamp(&mut self, heads: &[String]) -> Result<(), Error> {
        self.ensure_tables()?;
        self.lock()?;
        let result = self.client.transaction().map_err(db).and_then(|mut tx| {
            Self::write_heads(&mut tx, heads)?;
            for h in heads {
                Self::record(&mut tx, h, "", "stamp", 0)?;
            }
            tx.commit().map_err(db)
        });
        self.unlock();
        result
    }

    fn accept(&mut self, id: &str, checksum: &str) -> Result<(), Error> {
        let mut tx = self.client.transaction().map_err(db)?;
        Self::record(&mut tx, id, checksum, "accept-edit", 0)?;
        tx.commit().map_err(db)
    }
}
