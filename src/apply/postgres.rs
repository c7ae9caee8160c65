//! The PostgreSQL engine: a session advisory lock is the apply lock (a second runner waits
//! up to `lock_timeout`, then fails), each revision runs in one transaction with its
//! bookkeeping, and statements marked `-- schemadiff:no-transaction` (e.g. `ALTER TYPE …
//! ADD VALUE`, `CREATE INDEX CONCURRENTLY`) run on their own: before that transaction when
//! they come first in the section, after its commit otherwise (`VALIDATE CONSTRAINT`).

use super::sqlite::{HISTORY_TABLE, VERSION_TABLE};
use super::{next_heads, section_offset, Direction, Engine, Error};
use crate::render::postgres::NO_TRANSACTION;
use crate::revision::{Graph, Revision};
use crate::sqltext::{
    quote_pg_ident, quote_pg_qualified, split_pg_statements, SplitError, Statement,
};
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

    /// Runs one section: the no-transaction statements before the first transactional one,
    /// then the rest with the bookkeeping in one transaction, then the no-transaction
    /// statements after it (each on its own). Session timeouts are reset afterwards.
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
            statement: first_line(statement),
            message,
        };
        let parts = split_section(sql).map_err(|e| fail(e.line, "", e.message))?;
        self.refuse_invalid_indexes(rev, &parts.before)?;
        let outside = |line: u64, statement: &str, message: String| Error::OutsideTransaction {
            id: rev.id.clone(),
            path: rev.path.clone(),
            line: section_line + line,
            statement: first_line(statement),
            message,
        };
        let result = self.execute_before(&parts, &outside).and_then(|()| {
            let mut tx = self.client.transaction().map_err(db)?;
            for s in &parts.inside {
                tx.batch_execute(&s.text)
                    .map_err(|e| fail(s.line, &s.text, crate::declare::db_message(&e)))?;
            }
            Self::write_heads(&mut tx, &next_heads(graph, heads, rev, dir))?;
            let millis = started.elapsed().as_millis() as i64;
            Self::record(&mut tx, &rev.id, &rev.checksum, dir.as_str(), millis)?;
            tx.commit().map_err(db)
        });
        let result = result.and_then(|()| {
            for s in &parts.after {
                self.client
                    .batch_execute(&s.text)
                    .map_err(|e| Error::AfterCommit {
                        id: rev.id.clone(),
                        path: rev.path.clone(),
                        line: section_line + s.line,
                        statement: first_line(&s.text),
                        message: crate::declare::db_message(&e),
                    })?;
            }
            Ok(())
        });
        let _ = self
            .client
            .batch_execute("RESET lock_timeout; RESET statement_timeout");
        result
    }

    /// The statements before the transaction; a failed concurrent index build names the
    /// INVALID index it leaves.
    fn execute_before(
        &mut self,
        parts: &Parts,
        fail: &dyn Fn(u64, &str, String) -> Error,
    ) -> Result<(), Error> {
        for s in &parts.before {
            if let Err(e) = self.client.batch_execute(&s.text) {
                let mut message = crate::declare::db_message(&e);
                let left: Vec<String> = self
                    .invalid_indexes()?
                    .into_iter()
                    .filter(|(schema, name)| creates_index(&s.text, schema, name))
                    .map(|(schema, name)| quote_pg_qualified(&schema, &name))
                    .collect();
                for index in left {
                    message.push_str(&format!("; the failed build left the INVALID index {index}: drop it with `DROP INDEX CONCURRENTLY {index};` before running this again"));
                }
                return Err(fail(s.line, &s.text, message));
            }
        }
        Ok(())
    }

    /// Refuses to run a section whose concurrent index build would skip (IF NOT EXISTS) an
    /// INVALID index of the same name.
    fn refuse_invalid_indexes(
        &mut self,
        rev: &Revision,
        before: &[Statement],
    ) -> Result<(), Error> {
        if !before
            .iter()
            .any(|s| s.text.contains(" CONCURRENTLY IF NOT EXISTS "))
        {
            return Ok(());
        }
        for (schema, name) in self.invalid_indexes()? {
            if before
                .iter()
                .any(|s| creates_index(&s.text, &schema, &name))
            {
                return Err(Error::InvalidIndex {
                    id: rev.id.clone(),
                    path: rev.path.clone(),
                    index: quote_pg_qualified(&schema, &name),
                });
            }
        }
        Ok(())
    }

    /// Every index a failed concurrent build left INVALID, as (schema, name).
    fn invalid_indexes(&mut self) -> Result<Vec<(String, String)>, Error> {
        let rows = self
            .client
            .query(
                "SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_index i
                 JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE NOT i.indisvalid ORDER BY 1, 2",
                &[],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}

fn first_line(statement: &str) -> String {
    statement.lines().next().unwrap_or_default().to_string()
}

/// Whether `sql` is a concurrent build of index `schema.name` (as schemadiff renders it:
/// the index name, then `ON` the table in the index's schema).
fn creates_index(sql: &str, schema: &str, name: &str) -> bool {
    let needle = format!(
        " CONCURRENTLY IF NOT EXISTS {} ON {}.",
        quote_pg_ident(name),
        quote_pg_ident(schema)
    );
    sql.contains(&needle)
}

/// A section's statements in the order they run.
pub struct Parts {
    /// No-transaction statements before the first transactional one.
    pub before: Vec<Statement>,
    pub inside: Vec<Statement>,
    /// No-transaction statements after a transactional one: run after the commit.
    pub after: Vec<Statement>,
}

/// Splits a section by its [`NO_TRANSACTION`] directives.
pub fn split_section(sql: &str) -> Result<Parts, SplitError> {
    let mut parts = Parts {
        before: Vec::new(),
        inside: Vec::new(),
        after: Vec::new(),
    };
    let mut prev_end = 0;
    for s in split_pg_statements(sql)? {
        let gap = &sql[prev_end.min(s.offset)..s.offset];
        prev_end = s.offset + s.text.len();
        if !gap.lines().any(|l| l.trim() == NO_TRANSACTION) {
            parts.inside.push(s);
        } else if parts.inside.is_empty() {
            parts.before.push(s);
        } else {
            parts.after.push(s);
        }
    }
    Ok(parts)
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
