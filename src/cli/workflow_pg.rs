//! The workflow commands on PostgreSQL: declared DDL (schemas/, snapshots/) normalized on
//! the dev server, revisions generated from them, the PostgreSQL engine, offline `--sql`.

use super::workflow::write_revision;
use super::write_stdout;
use super::{args, Error, Outcome};
use crate::apply::{self, postgres::Postgres, Direction, VERSION_TABLE};
use crate::config::Project;
use crate::declare::{declare_postgres_cached, read_sources, Cache};
use crate::diff;
use crate::model::{Renames, Schema};
use crate::plan::postgres::{plan_postgres_with, Plan};
use crate::plan::LockOptions;
use crate::render::postgres::render_section;
use crate::revision::Graph;
use crate::source::{self, Source};
use std::path::Path;
use std::time::Duration;

fn url_of(text: &str) -> String {
    match Source::parse(text) {
        Ok(Source::Postgres(url)) => url,
        _ => text.to_string(),
    }
}

/// The project's PostgreSQL engine.
pub fn engine(p: &Project) -> Result<Postgres, Error> {
    let url = url_of(&p.database_url()?);
    let client = crate::introspect::postgres::connect(&url).map_err(source::Error::from)?;
    Ok(Postgres::new(
        client,
        Duration::from_secs(p.config.lock_timeout_seconds),
    ))
}

/// The dev server: `dev_url`, else the server of `database_url`.
pub fn dev_config(p: &Project) -> Result<postgres::Config, Error> {
    let server = match &p.config.dev_url {
        Some(u) => url_of(u),
        None => url_of(&p.database_url()?),
    };
    Ok(crate::introspect::postgres::connect::config(&server).map_err(source::Error::from)?)
}

/// Declares `dir` on the dev server.
pub fn declared(p: &Project, dir: &Path) -> Result<Schema, Error> {
    let config = dev_config(p)?;
    let files =
        read_sources(dir).map_err(|e| Error::Source(source::Error::Declare(Box::new(e))))?;
    let cache = Cache::from_env();
    declare_postgres_cached(&files, &config, &[], cache.as_ref())
        .map_err(|e| Error::Source(source::Error::Declare(Box::new(e))))
}

/// `live` with its expressions at the fixed point of the server's print where they differ
/// from `other`'s (a database built by hand from schemas/ holds the first print); see
/// [`crate::declare::normalize_live`].
pub fn normalized_live(server: &postgres::Config, live: Schema, other: &Schema) -> Schema {
    let print = crate::render::snapshot::postgres::files;
    crate::declare::normalize_live(live, other, print, server, Cache::from_env().as_ref())
}

fn plan(from: &Schema, to: &Schema, renames: &Renames, options: &LockOptions) -> Plan {
    plan_postgres_with(
        &diff::diff(&diff::POSTGRES, from, to, renames),
        from,
        to,
        options,
    )
}

/// `generate` on PostgreSQL: snapshots/ → schemas/, both normalized on the dev server.
pub fn generate(p: &Project, a: args::GenerateArgs) -> Result<Outcome, Error> {
    let g = super::workflow::graph(p)?;
    let parents: Vec<String> = g.head()?.map(str::to_string).into_iter().collect();
    // Both sides at once: each is a scratch database or a cache read.
    let (before, after) = std::thread::scope(|s| {
        let after = s.spawn(|| declared(p, &p.schemas()));
        let before = if a.from_db {
            super::workflow::live_at_head(p, &g)
        } else if crate::revision::snapshot::exists(&p.snapshots()) {
            declared(p, &p.snapshots())
        } else {
            Ok(Schema::default())
        };
        let after = after
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (before, after)
    });
    let (before, after) = (before?, after?);
    let before = match a.from_db {
        true => normalized_live(&dev_config(p)?, before, &after),
        false => before,
    };
    // A fresh database has `public`; an empty snapshot does not say so.
    let mut before = before;
    if before.schemas.is_empty() {
        before.schemas.insert("public".into());
    }
    let files = read_sources(&p.schemas())
        .map_err(|e| Error::Source(source::Error::Declare(Box::new(e))))?;
    let hints = crate::declare::rename_hints(&files)
        .map_err(|e| Error::Source(source::Error::Declare(Box::new(e))))?;
    let renames = super::pg_renames(&a.safety.rename, hints, &before, &after)?;
    let options = super::pg_options(Some(&p.config), &a.safety)?;
    let up = plan(&before, &after, &renames, &options);
    let down = plan(&after, &before, &renames.inverse(), &options);
    if up.is_empty() && !a.empty {
        eprintln!("No changes detected");
        return Ok(Outcome::Clean);
    }
    let hazards: Vec<&crate::plan::Hazard> = up.hazards().collect();
    if super::workflow::strict_blocks(p, &a, &hazards)? {
        return Ok(Outcome::Changes);
    }
    let (up_sql, down_sql) = if a.empty {
        (String::new(), String::new())
    } else {
        (render_section(&up), render_section(&down))
    };
    let snapshot = crate::render::snapshot::postgres::files(&after);
    let written = write_revision(p, &parents, &a.message, &up_sql, &down_sql, &snapshot);
    // Freeing the models of a large schema one allocation at a time takes longer than
    // reading them from the cache did; the process ends right after this.
    std::mem::forget((before, after, up, down));
    written
}

/// `upgrade/downgrade --sql` on PostgreSQL: per revision, its no-transaction statements,
/// then `BEGIN`, the rest and the version-table update, `COMMIT`; for `psql -f`.
pub fn offline(g: &Graph, target: &str, dir: Direction) -> Result<Outcome, Error> {
    let (from, path) = super::workflow::offline_range(g, target, dir)?;
    let mut out = super::workflow::offline_title(target, dir);
    out.push_str(&format!(
        "-- Run as printed: psql -v ON_ERROR_STOP=1 -f script.sql\n\nCREATE TABLE IF NOT EXISTS public.{VERSION_TABLE} (version_num text PRIMARY KEY);\n"
    ));
    let mut heads = from;
    for rev in path {
        let sql = if dir == Direction::Up {
            &rev.up
        } else {
            &rev.down
        };
        let (before, inside, after) = split_no_transaction(sql);
        out.push('\n');
        out.push_str(&super::workflow::running_line(rev, dir));
        out.push_str(&before);
        out.push_str("BEGIN;\n");
        out.push_str(&inside);
        let next = apply::next_heads(g, &heads, rev, dir);
        out.push_str(&format!("\nDELETE FROM public.{VERSION_TABLE};\n"));
        for h in &next {
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
        heads = next;
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

/// Splits a section into the no-transaction statements before the transaction, the
/// transactional ones, and the no-transaction ones after the commit (text).
fn split_no_transaction(sql: &str) -> (String, String, String) {
    let Ok(parts) = apply::postgres::split_section(sql) else {
        return (String::new(), sql.to_string(), String::new());
    };
    let text = |v: &[crate::sqltext::Statement]| -> String {
        v.iter().map(|s| format!("{};\n", s.text)).collect()
    };
    (text(&parts.before), text(&parts.inside), text(&parts.after))
}

/// Statements per transaction when revisions are replayed into a scratch database: one
/// transaction per revision would take a lock per table and index, and a revision that
/// creates a few thousand tables exhausts the server's lock table (`out of shared memory`).
/// Nothing needs the replay to be atomic: the database is thrown away.
const REPLAY_BATCH: usize = 200;

/// The schema `revs` (in order) produce on PostgreSQL: from the catalog cache when the same
/// revision texts were replayed on the same server before, else replayed into a scratch
/// database on the dev server (and stored).
pub fn replay(p: &Project, revs: &[&crate::revision::Revision]) -> Result<Schema, Error> {
    use crate::declare::{cache, SourceFile};
    let server = dev_config(p)?;
    let files: Vec<SourceFile> = revs
        .iter()
        .map(|r| SourceFile {
            path: r.path.clone(),
            text: r.up.clone(),
        })
        .collect();
    // No schema is named with a NUL: this marks replays apart from declared files.
    let marker = ["\0replayed revisions".to_string()];
    let cache = cache::Cache::from_env();
    cache::cached(&files, &server, &marker, cache.as_ref(), || {
        replay_into_scratch(&server, revs)
    })
    .map_err(|e| Error::Source(source::Error::Declare(Box::new(e))))
}

fn replay_into_scratch(
    server: &postgres::Config,
    revs: &[&crate::revision::Revision],
) -> Result<Schema, crate::declare::Error> {
    use crate::declare::{db_message, Error as DeclareError, ScratchDb};
    let db = ScratchDb::create(server)?;
    let mut client = db.connect()?;
    for rev in revs {
        let fail = |statement: &str, message: String| DeclareError::Scratch {
            message: format!(
                "replaying revision {} ({}): `{}`: {message}",
                rev.id,
                rev.path.display(),
                statement.lines().next().unwrap_or_default()
            ),
        };
        let parts = apply::postgres::split_section(&rev.up).map_err(|e| fail("", e.message))?;
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
    }
    let schema = crate::introspect::postgres::introspect(&mut client, &[])
        .map_err(|e| DeclareError::Scratch {
            message: db_message(&e),
        })?
        .schema;
    drop(client);
    drop(db);
    Ok(schema)
}
