//! PostgreSQL behind the engine seam: glue from [`Engine`] to the PostgreSQL child of each
//! stage. Declared DDL is normalized in a scratch database on a dev server; revisions are
//! replayed there too.

use super::{
    Adapter, Cache, Database, DevUrl, Dialect, Engine, Error, LockOptions, Revision, SourceFile,
    Target, UrlOf,
};
use crate::apply::postgres::{split_section, Postgres as Runner};
use crate::declare::cluster::{self, DevServer};
use crate::declare::{cache, db_message, ScratchDb};
use crate::diff::Changeset;
use crate::introspect::postgres::{self as catalog, connect};
use crate::model::{Renames, Schema};
use crate::plan::postgres::{plan_postgres_with, valid_timeout, Op, Plan};
use crate::redact::redact;
use crate::render::postgres as render;
use crate::render::RenderedStep;
use crate::revision::Graph;
use std::collections::BTreeMap;
use std::time::Duration;

mod describe;

/// The `database_url` that `init` writes.
pub const EXAMPLE_URL: &str = "postgresql://localhost/app";

/// PostgreSQL: a server; declared DDL is normalized by it.
pub struct Postgres;

/// A PostgreSQL database the workflow uses: the runner, then the scratch database it is
/// connected to (if scratch), so that the connection closes before the database is dropped.
pub struct Db {
    runner: Box<Runner>,
    _scratch: Option<Box<ScratchDb>>,
}

/// A URL as the driver takes it (`postgresql+psycopg2://` → `postgresql://`).
fn url_of(text: &str) -> String {
    match Database::from_url(text) {
        Some(Ok(Database::Postgres(url))) => url,
        _ => text.to_string(),
    }
}

impl Engine for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;
    const LOCK_OPTIONS: bool = true;
    type Caps = LockOptions;
    type Op = Op;
    type Dev = DevServer;
    type Db = Db;

    /// The project's `[postgres]`, then the flags; timeouts must be valid.
    fn caps(target: &Target, _: &Renames) -> Result<LockOptions, Error> {
        let (mut o, f) = (target.options.clone(), &target.flags);
        o.concurrent_indexes |= f.concurrent_indexes;
        o.not_valid |= f.not_valid;
        if f.lock_timeout.is_some() {
            o.lock_timeout = f.lock_timeout.clone();
        }
        if f.statement_timeout.is_some() {
            o.statement_timeout = f.statement_timeout.clone();
        }
        if f.manage.is_some() {
            o.manage = f.manage.clone();
        }
        for (name, value) in [
            ("lock_timeout", &o.lock_timeout),
            ("statement_timeout", &o.statement_timeout),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !valid_timeout(v)) {
                return Err(Error::BadTimeout {
                    name,
                    value: v.to_string(),
                });
            }
        }
        Ok(o)
    }

    /// `schema.table=new` names a table (a column hint has the same shape) when the current
    /// schema has a table of that qualified name; a table never moves to another schema.
    fn renames(
        flags: &[String],
        hints: &dyn Fn() -> Result<Renames, Error>,
        before: &Schema,
        after: &Schema,
    ) -> Result<Renames, Error> {
        let hints = hints()?;
        let mut parsed = Renames::default();
        for flag in flags {
            match flag.split_once('=') {
                Some((old, new)) if before.tables.contains_key(old) && !new.contains('.') => {
                    parsed.add_table(old, new)
                }
                _ => parsed.merge(Renames::parse(std::slice::from_ref(flag))?),
            }
        }
        parsed.check(before, after)?;
        let mut renames = hints.applicable(before, after);
        renames.merge(parsed);
        for (old, new) in renames.table_pairs() {
            let schema_of =
                |s: &Schema, n: &str| crate::diff::find_table(s, n).map(|t| t.schema.clone());
            if schema_of(before, old) != schema_of(after, new) {
                return Err(Error::SchemaMove {
                    old: old.to_string(),
                    new: new.to_string(),
                });
            }
        }
        Ok(renames)
    }

    /// A fresh database has `public`; an empty snapshot does not say so.
    fn baseline(before: &mut Schema) {
        if before.schemas.is_empty() {
            before.schemas.insert("public".into());
        }
    }

    fn diff_rules() -> &'static crate::diff::Rules {
        &crate::diff::postgres::RULES
    }

    /// A changed table's line names what changed in it (as SQLite's does).
    fn differences(from: &Schema, to: &Schema) -> Vec<String> {
        let changes = Self::diff(from, to, &Renames::default());
        changes
            .changes
            .iter()
            .map(|c| match c {
                crate::diff::Change::AlterTable(tc) => format!(
                    "table {}: {}",
                    tc.after.key(),
                    describe::table_change(tc).join("; ")
                ),
                other => other.summary(),
            })
            .collect()
    }

    fn plan(changes: &Changeset, from: &Schema, to: &Schema, caps: &LockOptions) -> Plan {
        plan_postgres_with(changes, from, to, caps)
    }

    fn script(plan: &Plan, title: &str) -> String {
        render::render_script(plan, title)
    }

    fn json(plan: &Plan, from: String, to: String, changes: usize) -> String {
        #[derive(serde::Serialize)]
        struct PgDiffJson {
            from: String,
            to: String,
            changes: usize,
            steps: Vec<RenderedStep>,
        }
        super::json(&PgDiffJson {
            from,
            to,
            changes,
            steps: render::render_steps(plan),
        })
    }

    fn section(plan: &Plan) -> String {
        render::render_section(plan)
    }

    fn schema_ddl(schema: &Schema) -> String {
        render::schema_ddl(schema)
    }

    fn snapshot(schema: &Schema) -> BTreeMap<String, String> {
        crate::render::snapshot::postgres::files(schema)
    }

    fn offline_header() -> String {
        crate::apply::postgres::offline_header()
    }

    fn offline_revision(out: &mut String, running: &str, sql: &str, heads: &[String]) {
        crate::apply::postgres::offline_revision(out, running, sql, heads);
    }

    /// The dev URL; else the target's server, or a throwaway cluster when its role may not
    /// create databases; else (no server at all) a throwaway cluster. `SCHEMADIFF_NO_THROWAWAY`
    /// forbids the cluster.
    fn dev<X: From<Error>>(url: UrlOf<'_, X>) -> Result<DevServer, X> {
        let config = |u: &str| connect::config(&url_of(u)).map_err(Error::from);
        Ok(match url()? {
            DevUrl::Given(u) => DevServer::at(config(&u)?),
            DevUrl::Target(u) => cluster::for_target(config(&u)?).map_err(Error::from)?,
            DevUrl::None if !cluster::allowed() => return Err(Error::NoDevServer.into()),
            DevUrl::None => {
                DevServer::throwaway(None, "no dev URL and no database URL").map_err(Error::from)?
            }
        })
    }

    fn declare(
        files: &[SourceFile],
        dev: &DevServer,
        only: &[String],
        cache: Option<&Cache>,
    ) -> Result<Schema, Error> {
        Ok(crate::declare::declare_postgres_cached(
            files, dev, only, cache,
        )?)
    }

    /// The dev server's major version (`server_version_num` / 10000).
    fn print_version(dev: &DevServer) -> Result<String, Error> {
        let mut client = connect::connect_config(dev)?;
        let num: String = client
            .query_one(
                "SELECT pg_catalog.current_setting('server_version_num')",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .map_err(|e| Error::ReadSchema {
                reason: db_message(&e),
            })?;
        Ok(num
            .parse::<u32>()
            .map_or(num.clone(), |n| (n / 10000).to_string()))
    }

    fn same_declared(_: &Cache, _: &[SourceFile], _: &[SourceFile]) -> bool {
        false
    }

    fn store_printed(dev: &DevServer, files: &[SourceFile], model: &Schema, cache: &Cache) -> bool {
        cache::store_declared(files, dev, &[], cache, model)
    }

    fn open(url: &str, lock_timeout: Duration, _create: bool) -> Result<Db, Error> {
        let config = connect::config(&url_of(url))?;
        let client = connect::connect_config(&config)?;
        let runner = Runner::new(client, lock_timeout).with_cancel(cancel_with(&config));
        Ok(Db {
            runner: Box::new(runner),
            _scratch: None,
        })
    }

    fn scratch(dev: &DevServer) -> Result<Db, Error> {
        let db = ScratchDb::create(dev)?;
        let client = db.connect()?;
        let runner = Runner::new(client, Duration::from_secs(5)).with_cancel(cancel_with(dev));
        Ok(Db {
            runner: Box::new(runner),
            _scratch: Some(Box::new(db)),
        })
    }

    fn adapter(db: &mut Db) -> &mut dyn Adapter {
        db.runner.as_mut()
    }

    fn read(db: &mut Db) -> Result<Schema, Error> {
        catalog::introspect(db.runner.client(), &[])
            .map(|r| r.schema)
            .map_err(|e| Error::ReadSchema {
                reason: db_message(&e),
            })
    }

    /// The server prints some expressions differently once it reads its own print back;
    /// see [`crate::declare::normalize_live`].
    fn normalize_live(
        dev: &DevServer,
        live: Schema,
        other: &Schema,
        cache: Option<&Cache>,
    ) -> Schema {
        let print = crate::render::snapshot::postgres::files;
        crate::declare::normalize_live(live, other, print, dev, cache)
    }

    fn read_live(db: &mut Db, _: Option<&Cache>) -> Result<Schema, Error> {
        Self::read(db)
    }

    fn replay_matches(_: &mut Db, _: &[&Revision], _: &Cache) -> bool {
        false
    }

    /// From the catalog cache when the same revision texts were replayed on the same server
    /// before, else replayed into a scratch database on the dev server (and stored).
    fn replay(
        dev: &DevServer,
        revs: &[&Revision],
        _: &Graph,
        cache: Option<&Cache>,
    ) -> Result<Schema, Error> {
        let files: Vec<SourceFile> = revs
            .iter()
            .map(|r| SourceFile {
                path: r.path.clone(),
                text: r.up.clone(),
            })
            .collect();
        // No schema is named with a NUL: this marks replays apart from declared files.
        let marker = ["\0replayed revisions".to_string()];
        Ok(cache::cached(&files, dev, &marker, cache, || {
            replay_into_scratch(dev, revs)
        })?)
    }
}

/// `postgresql://user@host:port/database` (the server only with `server`), with
/// `?sslmode=MODE` when the URL or `PGSSLMODE` asks for one (or `sslrootcert=system` implies
/// verify-full): what `url` connects to once
/// libpq's environment fills its gaps. Never a password.
pub fn describe_url(url: &str, server: bool) -> String {
    let Ok(config) = connect::config(&url_of(url)) else {
        return redact(url);
    };
    let (host, port, database) = connect::describe(&config);
    let mut query = Vec::new();
    // A Unix socket directory goes in the query, as libpq writes it.
    let authority = if host.starts_with('/') {
        query.push(format!("host={host}"));
        if port != 5432 {
            query.push(format!("port={port}"));
        }
        String::new()
    } else if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let database = if server {
        String::new()
    } else {
        format!("/{database}")
    };
    if config.tls.mode_given || config.tls.mode != connect::SslMode::Prefer {
        query.push(format!("sslmode={}", config.tls.mode.name()));
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("postgresql://{user}{authority}{database}{query}")
}

/// Cancel requests over the TLS settings of `config`.
fn cancel_with(config: &connect::Config) -> crate::apply::postgres::CancelWith {
    let tls = connect::cancel_tls(config);
    std::sync::Arc::new(move |token: &postgres::CancelToken| {
        let _ = match &tls {
            Some(tls) => token.cancel_query(tls.clone()),
            None => token.cancel_query(postgres::NoTls),
        };
    })
}

/// Reads a live database's schema: two backends share the server's work; if a second
/// connection is refused (connection limit), one does it all.
pub fn read_database(url: &str, only: &[String]) -> Result<Schema, Error> {
    let mut client = catalog::connect(url)?;
    let read = match catalog::connect(url) {
        Ok(mut helper) => catalog::introspect_pair(&mut client, &mut helper, only),
        Err(_) => catalog::introspect(&mut client, only),
    }
    .map_err(|e| Error::PgIntrospect {
        url: redact(url),
        message: db_message(&e),
    })?;
    Ok(read.schema)
}

/// Statements per transaction when revisions are replayed into a scratch database: one
/// transaction per revision would take a lock per table and index, and a revision that
/// creates a few thousand tables exhausts the server's lock table (`out of shared memory`).
/// Nothing needs the replay to be atomic: the database is thrown away.
const REPLAY_BATCH: usize = 200;

fn replay_into_scratch(
    server: &connect::Config,
    revs: &[&Revision],
) -> Result<Schema, crate::declare::Error> {
    use crate::declare::Error as DeclareError;
    let db = ScratchDb::create(server)?;
    let mut client = db.connect()?;
    for (n, rev) in revs.iter().enumerate() {
        let fail = |statement: &str, message: String| DeclareError::Scratch {
            message: format!(
                "replaying revision {} ({}): `{}`: {message}",
                rev.id,
                rev.path.display(),
                statement.lines().next().unwrap_or_default()
            ),
        };
        let parts = split_section(&rev.up).map_err(|e| fail("", e.message))?;
        for s in &parts.before {
            client
                .batch_execute(&s.text)
                .map_err(|e| fail(&s.text, db_message(&e)))?;
        }
        for chunk in parts.inside.chunks(REPLAY_BATCH) {
            let mut tx = client
                .transaction()
                .map_err(|e| fail("BEGIN", db_message(&e)))?;
            for s in chunk {
                tx.batch_execute(&s.text)
                    .map_err(|e| fail(&s.text, db_message(&e)))?;
            }
            tx.commit().map_err(|e| fail("COMMIT", db_message(&e)))?;
        }
        for s in &parts.after {
            client
                .batch_execute(&s.text)
                .map_err(|e| fail(&s.text, db_message(&e)))?;
        }
        let _ = client.batch_execute("RESET lock_timeout; RESET statement_timeout");
        crate::progress::report(crate::progress::Task::Replay, n + 1, revs.len());
    }
    crate::progress::finish();
    let schema = catalog::introspect(&mut client, &[])
        .map_err(|e| DeclareError::Scratch {
            message: db_message(&e),
        })?
        .schema;
    drop(client);
    drop(db);
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::describe_url;

    #[test]
    fn describes_a_url_without_its_password() {
        for (url, server, want) in [
            (
                "postgresql+psycopg2://app:s3cret@db.example:6543/shop?sslmode=verify-full&sslrootcert=/ca.pem",
                false,
                "postgresql://app@db.example:6543/shop?sslmode=verify-full",
            ),
            (
                "postgres://app:s3cret@db.example/shop",
                true,
                "postgresql://app@db.example:5432",
            ),
            (
                "postgresql://app@[::1]:5433/shop",
                false,
                "postgresql://app@[::1]:5433/shop",
            ),
            (
                "postgresql://app@/shop?host=/run/pg&port=5499&sslmode=require",
                false,
                "postgresql://app@/shop?host=/run/pg&port=5499&sslmode=require",
            ),
        ] {
            assert_eq!(describe_url(url, server), want, "{url}");
        }
    }
}
