//! The PostgreSQL engine: a session advisory lock is the apply lock (a second runner polls
//! `pg_try_advisory_lock` up to `lock_timeout_seconds`, then fails; the session's
//! `lock_timeout` and `statement_timeout` are left as the database and role set them), each
//! revision runs in one transaction with its bookkeeping, and statements marked
//! `-- schemadiff:no-transaction` (e.g. `ALTER TYPE … ADD VALUE`, `CREATE INDEX
//! CONCURRENTLY`) run on their own: before that transaction when they come first in the
//! section, after its commit otherwise (`VALIDATE CONSTRAINT`). Ctrl-C sends a cancel
//! request for the running statement.

use super::failure::{Failure, Ran};
use super::{
    interrupt, next_heads, section_offset, Adapter, Canceller, Direction, Error, HISTORY_TABLE,
    VERSION_TABLE,
};
use crate::render::postgres::NO_TRANSACTION;
use crate::revision::{Graph, Revision};
use crate::sqltext::{
    comment, quote_pg_ident, quote_pg_qualified, split_pg_statements, SplitError, Statement,
};
use postgres::{Client, NoTls};
use std::time::{Duration, Instant};

/// The advisory lock key: the bytes of "schemadiff" folded into an i64.
pub const LOCK_KEY: i64 = 0x7363_6865_6d61_6466;

/// How often a waiting runner tries the advisory lock again.
const POLL: Duration = Duration::from_millis(100);

pub struct Postgres {
    client: Client,
    lock_timeout: Duration,
    cancel: CancelWith,
}

/// Sends a cancel request for a connection: over the connection's TLS settings (a server
/// that accepts only TLS refuses a plain one).
pub type CancelWith = std::sync::Arc<dyn Fn(&postgres::CancelToken) + Send + Sync>;

fn db(e: postgres::Error) -> Error {
    Error::Database(crate::pg_error::db_message(&e))
}

impl Postgres {
    pub fn new(client: Client, lock_timeout: Duration) -> Postgres {
        Postgres {
            client,
            lock_timeout,
            cancel: std::sync::Arc::new(|token: &postgres::CancelToken| {
                let _ = token.cancel_query(NoTls);
            }),
        }
    }

    /// Cancel requests go through `cancel` (the TLS connector of the connection).
    pub fn with_cancel(mut self, cancel: CancelWith) -> Postgres {
        self.cancel = cancel;
        self
    }

    pub fn client(&mut self) -> &mut Client {
        &mut self.client
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
    /// statements after it (each on its own). A failure says which statements stay applied.
    fn execute(
        &mut self,
        rev: &Revision,
        sql: &str,
        dir: Direction,
        graph: &Graph,
        heads: &[String],
        each: &dyn Fn(&str),
    ) -> Result<(), Error> {
        let started = Instant::now();
        let section_line = section_offset(rev, sql);
        let parts = split_section(sql).map_err(|e| {
            let at = Ran {
                line: section_line + e.line,
                text: String::new(),
            };
            Error::Statement(Box::new(Failure::new(rev, at, e.message)))
        })?;
        self.refuse_invalid_indexes(rev, &parts.before)?;
        let mut failure = Failure::new(rev, Ran::default(), String::new());
        if let Err(at) = self.execute_before(&parts, section_line, &mut failure, each) {
            failure.outside = true;
            return Err(failed(failure, at));
        }
        let mut tx = self.client.transaction().map_err(db)?;
        for s in &parts.inside {
            let at = Ran::of(s, section_line);
            each(&s.text);
            if let Err(message) = run_one(&mut tx, &s.text) {
                drop(tx); // rolls back, and waits for it
                return Err(failed(failure, (at, message)));
            }
            failure.rolled_back.push(at);
        }
        Self::write_heads(&mut tx, &next_heads(graph, heads, rev, dir))?;
        let millis = started.elapsed().as_millis() as i64;
        Self::record(&mut tx, &rev.id, &rev.checksum, dir.as_str(), millis)?;
        tx.commit().map_err(db)?;
        let mut after = Failure::new(rev, Ran::default(), String::new());
        for s in &parts.after {
            after.at = Ran::of(s, section_line);
            each(&s.text);
            if let Err(message) = run_one(&mut self.client, &s.text) {
                after.message = message;
                return Err(Error::AfterCommit(Box::new(after)));
            }
            after.kept.push(after.at.clone());
        }
        Ok(())
    }

    /// The statements before the transaction, each recorded in `done.kept` once it ran; a
    /// failed concurrent index build names the INVALID index it leaves.
    fn execute_before(
        &mut self,
        parts: &Parts,
        section_line: u64,
        done: &mut Failure,
        each: &dyn Fn(&str),
    ) -> Result<(), (Ran, String)> {
        for s in &parts.before {
            let at = Ran::of(s, section_line);
            each(&s.text);
            if let Err(mut message) = run_one(&mut self.client, &s.text) {
                let left: Vec<String> = self
                    .invalid_indexes()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(schema, name)| creates_index(&s.text, schema, name))
                    .map(|(schema, name)| quote_pg_qualified(&schema, &name))
                    .collect();
                for index in left {
                    message.push_str(&format!("; the failed build left the INVALID index {index}: drop it with `DROP INDEX CONCURRENTLY {index};` before running this again"));
                }
                return Err((at, message));
            }
            done.kept.push(at);
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

/// Runs one statement, unless Ctrl-C came before it; returns the server's message.
fn run_one(client: &mut impl postgres::GenericClient, sql: &str) -> Result<(), String> {
    if interrupt::interrupted() {
        return Err("not run: interrupted before it".into());
    }
    client
        .batch_execute(sql)
        .map_err(|e| crate::pg_error::db_message(&e))
}

/// The error for a failure at `at`, after what `f` lists ran: interrupted when Ctrl-C
/// caused it.
fn failed(mut f: Failure, (at, message): (Ran, String)) -> Error {
    f.at = at;
    f.message = message;
    if interrupt::interrupted() {
        Error::Interrupted(Box::new(f))
    } else {
        Error::Statement(Box::new(f))
    }
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

/// The comment lines before each statement of `sql`, by the statement's offset (the
/// no-transaction markers left out); statements without any are not listed.
fn comment_lines(sql: &str) -> std::collections::BTreeMap<usize, String> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(statements) = split_pg_statements(sql) else {
        return out;
    };
    let mut prev_end = 0;
    for s in statements {
        let gap = &sql[prev_end.min(s.offset)..s.offset];
        prev_end = s.offset + s.text.len();
        // Printed again through the one comment sanitizer: a line stays one line.
        let lines: String = gap
            .lines()
            .map(str::trim)
            .filter(|l| *l != NO_TRANSACTION)
            .filter_map(|l| l.strip_prefix('-')?.strip_prefix('-'))
            .map(|t| comment::line(&comment::unescape(t.strip_prefix(' ').unwrap_or(t))))
            .collect();
        if !lines.is_empty() {
            out.insert(s.offset, lines);
        }
    }
    out
}

impl Adapter for Postgres {
    fn try_lock(&mut self) -> Result<bool, Error> {
        let row = self
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .map_err(db)?;
        Ok(row.get(0))
    }

    fn lock_wait(&self) -> (Duration, Duration) {
        (self.lock_timeout, POLL)
    }

    fn unlock(&mut self) {
        let _ = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]);
    }

    fn canceller(&self) -> Canceller {
        let token = self.client.cancel_token();
        let cancel = self.cancel.clone();
        std::sync::Arc::new(move || cancel(&token))
    }

    fn statements(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        split_pg_statements(sql)
    }

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

    fn history_rows(&mut self) -> Result<Vec<(String, String, String)>, Error> {
        if self.heads()?.is_empty() {
            return Ok(Vec::new());
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
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
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
            Direction::Up => rev.up.clone(),
            Direction::Down => rev.down.clone(),
        };
        let heads = self.heads()?;
        if skip(&heads) {
            return Ok(false);
        }
        let result = self.execute(rev, &sql, dir, graph, &heads, each);
        // A revision's own `SET lock_timeout` (from the [postgres] options) must not hold
        // for the next one: back to what the database, role or connection set.
        let _ = self
            .client
            .batch_execute("RESET lock_timeout; RESET statement_timeout");
        result.map(|()| true)
    }

    fn stamp(&mut self, heads: &[String]) -> Result<(), Error> {
        let mut tx = self.client.transaction().map_err(db)?;
        Self::write_heads(&mut tx, heads)?;
        for h in heads {
            Self::record(&mut tx, h, "", "stamp", 0)?;
        }
        tx.commit().map_err(db)
    }

    fn accept(&mut self, id: &str, checksum: &str) -> Result<(), Error> {
        let mut tx = self.client.transaction().map_err(db)?;
        Self::record(&mut tx, id, checksum, "accept-edit", 0)?;
        tx.commit().map_err(db)
    }
}

/// `upgrade/downgrade --sql`: the script's head, for `psql`.
pub fn offline_header() -> String {
    format!(
        "-- Run as printed: psql -v ON_ERROR_STOP=1 -f script.sql\n\nCREATE TABLE IF NOT EXISTS public.{VERSION_TABLE} (version_num text PRIMARY KEY);\n"
    )
}

/// `--sql`: one revision under its `running` comment line: its no-transaction statements,
/// then `BEGIN`, the rest and the version table set to `heads`, `COMMIT`, then the
/// no-transaction statements after the commit.
pub fn offline_revision(out: &mut String, running: &str, sql: &str, heads: &[String]) {
    let (before, inside, after) = match split_section(sql) {
        Ok(parts) => {
            // Each statement under the comment lines above it in the revision (what it
            // does, its hazards), as SQLite's `--sql` prints them; not the markers.
            let lead = comment_lines(sql);
            let text = |v: &[Statement]| -> String {
                v.iter()
                    .map(|s| match lead.get(&s.offset) {
                        Some(c) => format!("\n{c}{};\n", s.text),
                        None => format!("{};\n", s.text),
                    })
                    .collect()
            };
            (text(&parts.before), text(&parts.inside), text(&parts.after))
        }
        Err(_) => (String::new(), sql.to_string(), String::new()),
    };
    out.push('\n');
    out.push_str(running);
    out.push_str(&before);
    out.push_str("BEGIN;\n");
    out.push_str(&inside);
    out.push_str(&format!("\nDELETE FROM public.{VERSION_TABLE};\n"));
    for h in heads {
        out.push_str(&format!(
            "INSERT INTO public.{VERSION_TABLE} (version_num) VALUES ({});\n",
            crate::sqltext::quote_literal(h)
        ));
    }
    out.push_str("COMMIT;\n");
    out.push_str(&after);
    if !before.is_empty() || !after.is_empty() {
        out.push_str("RESET lock_timeout;\nRESET statement_timeout;\n");
    }
}
