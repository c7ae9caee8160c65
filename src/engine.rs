//! The engine seam: one [`Engine`] trait that ties each stage's engine child together
//! (declare, introspect, diff rules, plan, render, snapshot, the apply adapter), and one
//! impl per engine in `engine/sqlite.rs` and `engine/postgres.rs` (glue only). The use
//! cases (`crate::usecase`) are written once, generic over `E: Engine`; `lib.rs` picks the
//! engine once per use case. Besides the glue files, only the registry here matches on the
//! engine: [`Dialect`] (names, the `init` template) and [`Database`] (a live database a URL
//! names, read by its own engine whatever `--dialect` says).
//!
//! A third engine adds `engine/<name>.rs`, a [`Dialect`] and a [`Database`] variant with
//! their arms here, and one arm per use case in `lib.rs`.

mod error;
pub mod postgres;
pub mod sqlite;

use crate::diff::Changeset;
use crate::model::{Renames, Schema};
use crate::plan::Plan;
use crate::revision::{Graph, Revision};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::apply::{
    edited, known_heads, migrate, next_heads, stamp, Adapter, Direction, Error as ApplyError,
    Progress, Request,
};
pub use crate::apply::{Failure, Ran};
pub use crate::declare::EXTERNAL_SCHEMA;
pub use crate::declare::{Cache, ScratchDropped, SourceFile};
pub use crate::introspect::postgres::INVALID_INDEX;
/// The lock options (`[postgres]` in schemadiff.toml, `--concurrently` …) an engine's plans
/// may take.
pub use crate::plan::LockOptions;
pub use error::Error;

/// The engines schemadiff speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The engine a project, `diff` and `inspect` assume when nothing names one.
    pub const DEFAULT: Dialect = Dialect::Sqlite;
    /// The engine whose declared DDL a dev server (`--dev-url`) normalizes, when nothing
    /// else names the engine.
    pub const DEV_SERVER: Dialect = Dialect::Postgres;

    /// Every engine, in the order help texts list them.
    pub const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

    /// Reads `dialect` as written in `schemadiff.toml`.
    pub fn from_config(text: &str) -> Option<Dialect> {
        match text {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// The name `schemadiff.toml` uses.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The example `database_url` that `init` writes.
    pub fn example_url(self) -> &'static str {
        match self {
            Dialect::Sqlite => sqlite::EXAMPLE_URL,
            Dialect::Postgres => postgres::EXAMPLE_URL,
        }
    }
}

/// A live database named by a URL (or a SQLite database file by its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite database file, or `None` for `sqlite:///:memory:` (an empty database).
    Sqlite(Option<PathBuf>),
    /// A PostgreSQL URL (SQLAlchemy driver suffixes such as `+psycopg2` removed).
    Postgres(String),
}

impl Database {
    /// Reads `scheme://rest` (the scheme in any case, with a `+driver` suffix); `None` for
    /// text without `://`, `Err` with the scheme for an unknown one.
    pub fn from_url(text: &str) -> Option<Result<Database, String>> {
        let (scheme, rest) = text.split_once("://")?;
        let base = scheme
            .split('+')
            .next()
            .unwrap_or(scheme)
            .to_ascii_lowercase();
        Some(match base.as_str() {
            "postgres" | "postgresql" => Ok(Database::Postgres(format!("postgresql://{rest}"))),
            "sqlite" => Ok(Database::Sqlite(sqlite::path_of_url(rest))),
            _ => Err(scheme.to_string()),
        })
    }

    /// A file that is a database by its content (a 0-byte file is an empty SQLite one).
    pub fn from_file(path: &Path, len: u64) -> Option<Database> {
        sqlite::is_database_file(path, len).then(|| Database::Sqlite(Some(path.to_path_buf())))
    }

    /// The database for the line a command prints before it uses one: engine, user, host,
    /// port and database (`sqlite:///path` for SQLite), never a password. With `server`,
    /// only the server (a PostgreSQL dev server holding scratch databases).
    pub fn describe(&self, server: bool) -> String {
        match self {
            Database::Postgres(url) => postgres::describe_url(url, server),
            Database::Sqlite(Some(path)) => format!("sqlite:///{}", path.display()),
            Database::Sqlite(None) => "sqlite:///:memory:".into(),
        }
    }

    /// The engine this database fixes.
    pub fn dialect(&self) -> Dialect {
        match self {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The URL of a server that can normalize declared DDL, if this database has one.
    pub fn server_url(&self) -> Option<&str> {
        match self {
            Database::Postgres(url) => Some(url),
            Database::Sqlite(_) => None,
        }
    }

    /// Reads the schema (read-only; never creates anything). On PostgreSQL only the schemas
    /// in `only` are read (all when empty); a SQLite catalog's texts go through `cache`.
    pub fn read(&self, only: &[String], cache: Option<&Cache>) -> Result<Schema, Error> {
        match self {
            Database::Sqlite(path) => sqlite::read_database(path.as_deref(), cache),
            Database::Postgres(url) => postgres::read_database(url, only),
        }
    }
}

/// What a plan is made for: the engine's version and the lock options.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--sqlite-version`: the SQLite that will run the script (default: the bundled one).
    pub version: Option<String>,
    /// The project's `[postgres]` table.
    pub options: LockOptions,
    /// The lock flags of the command line (`--concurrently`, `--not-valid`,
    /// `--lock-timeout`, `--statement-timeout`).
    pub flags: LockOptions,
}

/// A lazily computed URL (the dev server's, or the project's database's).
pub type UrlOf<'a, X> = &'a dyn Fn() -> Result<DevUrl, X>;

/// Where declared DDL may be normalized, as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevUrl {
    /// `--dev-url` or `dev_url`: used as it is.
    Given(String),
    /// The target's server (no dev URL): used unless its role may not create databases,
    /// then a throwaway cluster.
    Target(String),
    /// No server at all: a throwaway cluster.
    None,
}

/// One engine: each stage's child for it, behind one interface. Pure methods first, then
/// I/O. Nothing outside `engine/` and the use cases calls a stage's engine child.
pub trait Engine {
    const DIALECT: Dialect;
    /// Whether the lock options shape this engine's plans (capability, not a dialect test).
    const LOCK_OPTIONS: bool;
    /// What plans are made under (the capabilities of the target's version, its options).
    type Caps;
    /// This engine's operations; a plan is a [`Plan<Self::Op>`].
    type Op: crate::plan::Op;
    /// Where declared DDL is loaded to be normalized.
    type Dev: Sync;
    /// A database the workflow migrates, reads and replays into.
    type Db;

    // Capabilities and options.
    /// The target's capabilities; refuses options the engine does not have and the renames
    /// (`--rename` flags) its version cannot run.
    fn caps(target: &Target, renames: &Renames) -> Result<Self::Caps, Error>;

    // Diff rules.
    /// The renames to diff with: `--rename` flags (each must apply) and the hints of the
    /// declared files (`hints`, read when needed) that still apply.
    fn renames(
        flags: &[String],
        hints: &dyn Fn() -> Result<Renames, Error>,
        before: &Schema,
        after: &Schema,
    ) -> Result<Renames, Error>;
    /// What an empty model of this engine's fresh database holds.
    fn baseline(before: &mut Schema);
    /// How the differ compares this engine's schemas (name folding, column order, the
    /// object kinds, server-text rename rewriting).
    fn diff_rules() -> &'static crate::diff::Rules;
    /// The changes from `from` to `to` under this engine's rules.
    fn diff(from: &Schema, to: &Schema, renames: &Renames) -> Changeset {
        crate::diff::diff(Self::diff_rules(), from, to, renames)
    }
    /// One line per difference (for `check` and `verify`).
    fn differences(from: &Schema, to: &Schema) -> Vec<String>;

    // Plan and render.
    fn plan(changes: &Changeset, from: &Schema, to: &Schema, caps: &Self::Caps) -> Plan<Self::Op>;
    /// `diff`'s script, titled.
    fn script(plan: &Plan<Self::Op>, title: &str) -> String;
    /// `diff --format json`.
    fn json(plan: &Plan<Self::Op>, from: String, to: String, changes: usize) -> String;
    /// A revision section (what `upgrade` runs).
    fn section(plan: &Plan<Self::Op>) -> String;
    /// Canonical DDL (`inspect`).
    fn schema_ddl(schema: &Schema) -> String;
    /// Snapshot files, name → text.
    fn snapshot(schema: &Schema) -> BTreeMap<String, String>;
    /// `--sql`: the script's head (how to run it, the version table).
    fn offline_header() -> String;
    /// `--sql`: one revision's section under its `running` comment line, and the version
    /// table set to `heads`.
    fn offline_revision(out: &mut String, running: &str, sql: &str, heads: &[String]);

    // I/O.
    /// Where declared DDL is normalized; `url` is asked for when the engine needs a server.
    fn dev<X: From<Error>>(url: UrlOf<'_, X>) -> Result<Self::Dev, X>;
    fn declare(
        files: &[SourceFile],
        dev: &Self::Dev,
        only: &[String],
        cache: Option<&Cache>,
    ) -> Result<Schema, Error>;
    /// The version of the engine that normalizes declared DDL (PostgreSQL's major version
    /// on the dev server, the SQLite library's version): what prints the snapshots.
    fn print_version(dev: &Self::Dev) -> Result<String, Error>;
    /// Stores `model` in `cache` as the model of `files`, which were printed from it
    /// ([`Engine::snapshot`]) and load back to it: the next [`Engine::declare`] of `files`
    /// reads it instead of loading them. Whether it was stored (an engine whose models are
    /// computed from the text alone stores nothing).
    fn store_printed(dev: &Self::Dev, files: &[SourceFile], model: &Schema, cache: &Cache) -> bool;
    /// Whether `cache` already knows two declared file sets give the same model.
    fn same_declared(cache: &Cache, a: &[SourceFile], b: &[SourceFile]) -> bool;
    /// Opens the project's database at `url` to migrate it (`create`: a missing SQLite
    /// file may be created).
    fn open(url: &str, lock_timeout: Duration, create: bool) -> Result<Self::Db, Error>;
    /// An empty scratch database (dropped with the value).
    fn scratch(dev: &Self::Dev) -> Result<Self::Db, Error>;
    /// The apply adapter of a database.
    fn adapter(db: &mut Self::Db) -> &mut dyn Adapter;
    fn read(db: &mut Self::Db) -> Result<Schema, Error>;
    /// A live model with its expressions at the fixed point of the engine's print where
    /// they differ from `other`'s (declared DDL is compared at that fixed point).
    fn normalize_live(
        dev: &Self::Dev,
        live: Schema,
        other: &Schema,
        cache: Option<&Cache>,
    ) -> Schema;
    /// As [`Engine::read`], through the catalog cache where the engine parses text.
    fn read_live(db: &mut Self::Db, cache: Option<&Cache>) -> Result<Schema, Error>;
    /// Whether `cache` already knows that replaying `revs` gives `db`'s schema.
    fn replay_matches(db: &mut Self::Db, revs: &[&Revision], cache: &Cache) -> bool;
    /// The schema `revs` (in order) produce from an empty database (through the cache).
    fn replay(
        dev: &Self::Dev,
        revs: &[&Revision],
        graph: &Graph,
        cache: Option<&Cache>,
    ) -> Result<Schema, Error>;
}

/// Reads the `.sql` files of a file or directory.
pub fn read_sources(path: &Path) -> Result<Vec<SourceFile>, Error> {
    Ok(crate::declare::read_sources(path)?)
}

/// The statements of declared files that create objects no snapshot holds (aggregates,
/// operators, casts …) and `used_by` names, loaded with snapshots/ so that what uses them
/// loads too.
pub fn prerequisites(files: &[SourceFile], used_by: &[SourceFile]) -> Vec<SourceFile> {
    crate::declare::prerequisites(files, used_by)
}

/// The `-- schemadiff:renamed-from` hints of declared files.
pub fn rename_hints(files: &[SourceFile]) -> Result<Renames, Error> {
    Ok(crate::declare::rename_hints(files)?)
}

/// Ownership is managed: declared `ALTER … OWNER TO` runs in the scratch database from now
/// on (it is skipped otherwise).
pub fn run_owner_statements() {
    crate::declare::run_owner_statements();
}

/// Whether the catalog cache is off (`--no-cache`, `SCHEMADIFF_NO_CACHE`): `check` then
/// also ignores its record.
pub fn cache_disabled() -> bool {
    crate::declare::cache::disabled()
}

/// `--no-cache`: no catalog cache for the rest of the run.
pub fn disable_cache() {
    crate::declare::cache::disable();
}

/// The CLI's scratch databases are dropped on threads of their own, and waited for at the
/// end of the command ([`wait_for_scratch_drops`]).
pub fn drop_scratch_in_background() {
    crate::declare::drop_scratch_in_background();
}

/// Waits for the scratch databases [`drop_scratch_in_background`] drops.
pub fn wait_for_scratch_drops() {
    crate::declare::wait_for_scratch_drops();
}

/// `--quiet`: no "Using a throwaway PostgreSQL cluster …" line, nor the one saying the
/// kept scratch database was made.
pub fn quiet_throwaway(quiet: bool) {
    crate::declare::cluster::set_quiet(quiet);
}

/// `generate --verbose`: a line to `sink` for each declared model obtained after an edit
/// (what was reloaded, or why everything was).
pub fn explain_cache(sink: fn(&str)) {
    crate::declare::cache::explain_to(sink);
}

/// A line for the sink [`explain_cache`] set (`--verbose`), if any.
pub fn explain(line: &str) {
    crate::declare::cache::explain(line);
}

/// Handles Ctrl-C: a run under way is asked to cancel its statement, roll back and report,
/// and `None` comes back; otherwise every scratch database is dropped.
pub fn interrupt() -> Option<ScratchDropped> {
    if crate::apply::interrupt::interrupt() {
        return None;
    }
    Some(crate::declare::drop_scratch_databases())
}

/// Before exiting: if Ctrl-C arrived, waits for its handler to end the process.
pub fn finish_interrupt() {
    crate::declare::finish_interrupt();
}

/// Pretty JSON (an error object if a value cannot be written).
pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
