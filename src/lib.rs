//! schemadiff: declared SQL schemas and live databases in one normalized model, diffed into
//! reviewable upgrade and downgrade scripts.
//!
//! The pipeline reads off the modules: [`declare`] and [`introspect`] produce a
//! [`model::Schema`]; [`diff::diff`] compares two; [`plan::sqlite::plan`] and
//! [`plan::postgres::plan_postgres`] order the changes into steps; [`render`] writes SQL. `diff`, `plan` and `render` do no I/O. [`engine`] ties
//! each stage's engine child together behind one trait; [`usecase`] holds the use cases,
//! generic over the engine. The functions below are the facade the CLI calls: each picks
//! the engine once (`match dialect`) and runs the generic use case. This file and
//! `engine/` are the only places that name an engine.

pub mod apply;
pub mod declare;
pub mod diff;
pub mod engine;
pub mod fingerprint;
pub mod introspect;
pub mod model;
pub mod pg_error;
pub mod plan;
pub mod progress;
pub mod publish;
pub mod redact;
pub mod render;
pub mod revision;
/// The snapshot files on disk, still reachable at their former path `schemadiff::snapshot`.
pub use revision::snapshot;
pub mod sqltext;
pub mod textfile;
pub mod threads;
pub mod usecase;
/// The project file and source parsing, still reachable at their former paths.
pub use usecase::{config, source};

pub use engine::quiet_throwaway;
pub use engine::{
    disable_cache, explain_cache, finish_interrupt, interrupt, Dialect, Direction, LockOptions,
    ScratchDropped,
};
pub use engine::{drop_scratch_in_background, wait_for_scratch_drops};
pub use model::privileges::Managed;
pub use plan::Hazard;
pub use plan::HazardKind;
pub use progress::{with as with_progress, Progress, Task};
pub use sqltext::comment::Printable;
pub use usecase::{Error, Note, Safety};

use engine::postgres::Postgres;
use engine::sqlite::Sqlite;
use model::Schema;
use std::path::{Path, PathBuf};
use usecase::check::{Problem, Verified};
use usecase::diff::{DiffReport, DiffRequest, InspectRequest};
use usecase::generate::{GenerateRequest, Generated};
use usecase::migrate::{MoveRequest, Moved};

impl source::Source {
    /// Loads the schema; file sources are read as `dialect`'s DDL (PostgreSQL's normalized
    /// in a throwaway cluster: no dev server is given).
    pub fn load(&self, dialect: Dialect) -> Result<Schema, source::Error> {
        let none = engine::DevUrl::None;
        match dialect {
            Dialect::Sqlite => self.load_as::<Sqlite>(&none, &[], None),
            Dialect::Postgres => self.load_as::<Postgres>(&none, &[], None),
        }
    }
}

/// `diff`: the upgrade script from one source to another.
pub fn diff_sources(
    req: &DiffRequest,
    config: Option<&Path>,
    notes: &dyn Fn(Note),
) -> Result<DiffReport, Error> {
    let prepared = usecase::diff::prepare(req, config)?;
    match prepared.dialect {
        Dialect::Sqlite => usecase::diff::diff::<Sqlite>(req, &prepared, notes),
        Dialect::Postgres => usecase::diff::diff::<Postgres>(req, &prepared, notes),
    }
}

/// `inspect`: a source as canonical DDL or JSON.
pub fn inspect(req: &InspectRequest) -> Result<String, Error> {
    let (src, dialect) = usecase::diff::prepare_inspect(req)?;
    match dialect {
        Dialect::Sqlite => usecase::diff::inspect::<Sqlite>(req, &src),
        Dialect::Postgres => usecase::diff::inspect::<Postgres>(req, &src),
    }
}

/// `init`: a project skeleton in `dir`; returns what it created.
pub fn init(dir: &Path, dialect: Dialect) -> Result<Vec<PathBuf>, Error> {
    Ok(config::init(dir, dialect)?)
}

/// `generate`: a new revision and the snapshot.
pub fn generate(
    cfg: Option<&Path>,
    req: &GenerateRequest,
    notes: &dyn Fn(Note),
) -> Result<Generated, Error> {
    let p = usecase::project(cfg)?;
    usecase::generate::check_not_interrupted(&p)?;
    match p.dialect() {
        Dialect::Sqlite => usecase::generate::generate::<Sqlite>(&p, req, notes),
        Dialect::Postgres => usecase::generate::generate::<Postgres>(&p, req, notes),
    }
}

/// `upgrade` / `downgrade`: run revisions, or print them as a script (`--sql`).
pub fn upgrade(
    cfg: Option<&Path>,
    req: &MoveRequest,
    notes: &dyn Fn(Note),
) -> Result<Moved, Error> {
    let (p, g) = usecase::migrate::project_and_graph(cfg)?;
    match p.dialect() {
        Dialect::Sqlite => usecase::migrate::upgrade::<Sqlite>(&p, &g, req, notes),
        Dialect::Postgres => usecase::migrate::upgrade::<Postgres>(&p, &g, req, notes),
    }
}

/// `stamp`: set the version table to `target` without running anything; returns the heads
/// written.
pub fn stamp(
    cfg: Option<&Path>,
    target: &str,
    purge: bool,
    notes: &dyn Fn(Note),
) -> Result<Vec<String>, Error> {
    let (p, g) = usecase::migrate::project_and_graph(cfg)?;
    let heads = usecase::migrate::stamp_heads(&g, target)?;
    match p.dialect() {
        Dialect::Sqlite => usecase::migrate::stamp::<Sqlite>(&p, &g, &heads, purge, notes),
        Dialect::Postgres => usecase::migrate::stamp::<Postgres>(&p, &g, &heads, purge, notes),
    }?;
    Ok(heads)
}

/// `current`: the revisions the database is at, and the heads of the history.
pub fn current(cfg: Option<&Path>) -> Result<(Vec<String>, Vec<String>), Error> {
    let (p, g) = usecase::migrate::project_and_graph(cfg)?;
    let at = match p.dialect() {
        Dialect::Sqlite => usecase::migrate::current::<Sqlite>(&p, &g),
        Dialect::Postgres => usecase::migrate::current::<Postgres>(&p, &g),
    }?;
    Ok((at, g.heads().iter().map(|h| h.to_string()).collect()))
}

/// `check`: the project's problems (none when clean); with `strict`, objects of schemas/
/// that schemadiff does not manage are one.
pub fn check(
    cfg: Option<&Path>,
    strict: bool,
    notes: &dyn Fn(Note),
) -> Result<Vec<Problem>, Error> {
    check_managed(cfg, strict, None, notes)
}

/// `check` with `--manage`: the privilege kinds compared, overriding `[postgres] manage`.
pub fn check_managed(
    cfg: Option<&Path>,
    strict: bool,
    manage: Option<Vec<Managed>>,
    notes: &dyn Fn(Note),
) -> Result<Vec<Problem>, Error> {
    let (mut p, g) = usecase::migrate::project_and_graph(cfg)?;
    if manage.is_some() {
        p.config.postgres.manage = manage;
    }
    match p.dialect() {
        Dialect::Sqlite => usecase::check::check::<Sqlite>(&p, &g, strict, notes),
        Dialect::Postgres => usecase::check::check::<Postgres>(&p, &g, strict, notes),
    }
}

/// `check --offline`: only the changes in `schemas/` that no revision holds (and with
/// `strict` the objects there schemadiff does not manage); the project's database is not
/// opened.
pub fn check_offline(
    cfg: Option<&Path>,
    strict: bool,
    manage: Option<Vec<Managed>>,
    notes: &dyn Fn(Note),
) -> Result<Vec<Problem>, Error> {
    let (mut p, _) = usecase::migrate::project_and_graph(cfg)?;
    if manage.is_some() {
        p.config.postgres.manage = manage;
    }
    match p.dialect() {
        Dialect::Sqlite => usecase::offline::check::<Sqlite>(&p, strict, notes),
        Dialect::Postgres => usecase::offline::check::<Postgres>(&p, strict, notes),
    }
}

/// `verify`: every revision up and back down in a scratch database.
pub fn verify(cfg: Option<&Path>) -> Result<Verified, Error> {
    let (p, g) = usecase::migrate::project_and_graph(cfg)?;
    match p.dialect() {
        Dialect::Sqlite => usecase::check::verify::<Sqlite>(&p, &g),
        Dialect::Postgres => usecase::check::verify::<Postgres>(&p, &g),
    }
}

/// `history`: the revisions, newest first (only those `range` runs, when given).
pub fn history(
    cfg: Option<&Path>,
    range: Option<&str>,
) -> Result<Vec<usecase::history::Entry>, Error> {
    usecase::history::history(&usecase::project(cfg)?, range)
}

/// `heads`: the head revisions.
pub fn heads(cfg: Option<&Path>) -> Result<Vec<String>, Error> {
    usecase::history::heads(&usecase::project(cfg)?)
}

/// `branches`: the revisions with more than one child.
pub fn branches(cfg: Option<&Path>) -> Result<Vec<usecase::history::Branch>, Error> {
    usecase::history::branches(&usecase::project(cfg)?)
}

/// `show`: one revision.
pub fn show(cfg: Option<&Path>, rev: &str) -> Result<usecase::history::Shown, Error> {
    usecase::history::show(&usecase::project(cfg)?, rev)
}

/// `merge`: a revision that joins heads (`heads`: all of them); returns its path.
pub fn merge(
    cfg: Option<&Path>,
    revisions: &[String],
    message: &str,
    rev_id: Option<&str>,
) -> Result<PathBuf, Error> {
    usecase::generate::merge(&usecase::project(cfg)?, revisions, message, rev_id)
}

/// Loads an env file into the process environment (variables already set win): `env_file`
/// (`--env-file`, which must exist), else `.env` in `dir` when there is one. Call it first,
/// before anything reads the environment. Returns the names it set.
pub fn load_env(env_file: Option<&Path>, dir: &Path) -> Result<Vec<String>, Error> {
    Ok(match env_file {
        Some(path) => usecase::dotenv::load(path, true)?,
        None => usecase::dotenv::load(&dir.join(usecase::dotenv::FILE), false)?,
    })
}

/// The database `url` names, as the "Using …" line prints it (`None` for a file source).
pub fn describe_source(url: &str) -> Option<String> {
    match engine::Database::from_url(url)? {
        Ok(db) => Some(db.describe(false)),
        Err(_) => None,
    }
}

/// The server of `--dev-url` (scratch databases go there) as the "Using …" line prints it.
pub fn describe_dev_server(url: &str) -> Option<String> {
    match engine::Database::from_url(url)? {
        Ok(db) => Some(db.describe(true)),
        Err(_) => None,
    }
}

/// The project's database as the "Using …" line prints it; with `dev_server`, the server
/// its scratch databases go to instead (`None` for SQLite, which needs none). `None` when
/// the project or its URL cannot be read (the command then reports that).
pub fn describe_project_database(cfg: Option<&Path>, dev_server: bool) -> Option<String> {
    let p = usecase::project(cfg).ok()?;
    let url = if dev_server {
        if p.dialect() != Dialect::Postgres {
            return None;
        }
        p.dev_url().ok()?
    } else {
        p.database_url().ok()?
    };
    match engine::Database::from_url(&url)? {
        Ok(db) => Some(db.describe(dev_server)),
        Err(_) => None,
    }
}

/// The engine a database URL names (`init` without `--dialect` takes `DATABASE_URL`'s).
pub fn dialect_of_url(url: &str) -> Option<Dialect> {
    Some(engine::Database::from_url(url)?.ok()?.dialect())
}

pub mod cli;
