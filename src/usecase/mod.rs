//! The use cases, written once and generic over [`Engine`]: diff of two sources, inspect,
//! generate, upgrade/downgrade (live and `--sql`), stamp, current, merge, check and verify,
//! and the engine-free reads of the revision history. They return data (scripts, reports,
//! typed errors) and tell progress through a [`Note`] callback; printing is the CLI's.
//! `lib.rs` picks the engine once per use case.

pub mod check;
pub mod config;
pub mod diff;
pub mod dotenv;
pub mod generate;
pub mod history;
pub mod migrate;
pub mod offline;
pub mod privileges;
pub mod record;
pub mod source;
pub mod unmanaged;

use crate::engine::{self, Direction, Engine};
use crate::plan::{Hazard, HazardKind};
use crate::revision::{self, Graph};
use crate::sqltext::comment::Printable;
use config::Project;
use std::path::{Path, PathBuf};

/// What a use case reports while it runs (the CLI prints it).
#[derive(Debug)]
pub enum Note<'a> {
    /// An object recognized but left alone (`class` says whether it is an index left
    /// INVALID by a failed concurrent build, or a stand-in for a schema only the target has).
    Unmanaged {
        key: &'a str,
        what: &'a str,
        class: unmanaged::Class,
    },
    /// Too many objects left alone to name each: their number, and how many of each kind.
    UnmanagedSummary {
        total: usize,
        kinds: &'a [(&'a str, usize)],
    },
    /// The project's `[postgres]` options do not apply to its engine.
    OptionsIgnored {
        path: &'a Path,
        dialect: &'static str,
    },
    /// A hazard of the revision about to be written.
    Hazard(&'a Hazard),
    /// A revision is about to run (`n` of `total`).
    Running {
        dir: Direction,
        n: usize,
        total: usize,
        id: &'a str,
        parents: &'a [String],
        message: &'a str,
    },
    /// Another run holds the migration lock; this one waits up to `seconds`.
    Waiting { seconds: u64 },
    /// `--verbose`: a statement about to run.
    Statement(&'a str),
    /// `--verbose`: a line on how the command went about it (`check`: why its record was
    /// used or not).
    Detail(&'a str),
    /// `--verbose`: a revision ran, in `millis`.
    Ran {
        dir: Direction,
        id: &'a str,
        millis: u128,
    },
    /// `upgrade`/`downgrade`, under the lock before anything runs: the heads the database
    /// is at and the number of revisions to run.
    Planned {
        dir: Direction,
        from: &'a [String],
        total: usize,
    },
    /// `upgrade`/`downgrade`: a revision ran and committed (every run, not only
    /// `--verbose`): its `statements` and how long it took.
    Finished {
        dir: Direction,
        id: &'a str,
        message: &'a str,
        statements: usize,
        millis: u128,
    },
    /// `upgrade`/`downgrade` ended (also after a failure): the heads the database is at.
    Settled { heads: &'a [String] },
}

/// The hazard and rename options of `diff` and `generate`.
#[derive(Debug, Clone, Default)]
pub struct Safety {
    /// `--rename`.
    pub rename: Vec<String>,
    /// `--allow`.
    pub allow: Vec<String>,
    /// `--strict`.
    pub strict: bool,
    /// The lock flags.
    pub flags: engine::LockOptions,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Engine(#[from] engine::Error),

    #[error("unknown hazard kind `{}` (in --allow or [safety] allow)", Printable(.0))]
    #[diagnostic(help("the kinds are {}", hazard_codes(false)))]
    UnknownHazard(String),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] config::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Revision(#[from] revision::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Env(#[from] dotenv::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] engine::ApplyError),

    #[error("{}: unknown dialect `{}`; use {}", Printable(&path.display().to_string()), Printable(dialect), dialect_names(" or ", ""))]
    #[diagnostic(help("set {} in the project file", dialect_names(" or ", "dialect = ")))]
    UnknownDialect { path: PathBuf, dialect: String },

    #[error("Target database is not up to date: it is at {} and the head is {}; run `schemadiff upgrade head` first", heads_text(at), heads_text(head))]
    #[diagnostic(help("`schemadiff upgrade head` brings the database to the head; `generate` without --from-db compares the snapshots instead"))]
    NotAtHead { at: Vec<String>, head: Vec<String> },

    #[error("downgrade --sql needs a range FROM:TO, e.g. head:base")]
    #[diagnostic(help(
        "name where the script starts and where it ends, e.g. `schemadiff downgrade --sql head:base`"
    ))]
    DowngradeSqlRange,

    #[error("there are no revisions yet")]
    #[diagnostic(help("create the first one with `schemadiff generate -m MESSAGE`"))]
    NoRevisions,

    #[error("no revision {}", Printable(id))]
    #[diagnostic(help("`schemadiff history` lists the revisions"))]
    NoRevision { id: String },

    #[error(
        "stamp needs head, heads, base or a revision, not the relative target `{}`",
        Printable(target)
    )]
    #[diagnostic(help("`schemadiff history` lists the revisions; stamp one of them by its id"))]
    StampTarget { target: String },

    #[error("--rev-id `{}` is not a revision id: use 1 to 64 ASCII letters, digits or `_`, other than head, heads and base", Printable(id))]
    #[diagnostic(help(
        "e.g. `--rev-id 0001_create_users`, or leave --rev-id out for a random id"
    ))]
    BadRevId { id: String },

    #[error("--rev-id {id}: revision {id} already exists ({})", Printable(&path.display().to_string()))]
    #[diagnostic(help("choose another id, or leave --rev-id out for a random one"))]
    RevIdTaken { id: String, path: PathBuf },

    #[error("{} holds no revision, but {} holds the schema at a head: the revisions that built it are missing", Printable(&migrations.display().to_string()), Printable(&snapshots.display().to_string()))]
    #[diagnostic(help("restore {} from version control (e.g. `git checkout -- {}`); to start the history over instead, empty {} too", Printable(&migrations.display().to_string()), Printable(&migrations.display().to_string()), Printable(&snapshots.display().to_string())))]
    NoMigrations {
        migrations: PathBuf,
        snapshots: PathBuf,
    },

    #[error("{failure}")]
    #[diagnostic(help("the database has tables but no revision recorded: it was built without schemadiff. If it holds the schema of the head, mark it so with `schemadiff stamp head` (of an older revision: `schemadiff stamp REV`), then run `schemadiff upgrade`; nothing ran"))]
    HandBuilt { failure: Box<engine::ApplyError> },

    #[error("merge needs at least two heads; there is nothing to merge")]
    #[diagnostic(help("`schemadiff heads` lists the heads; merge when there are two or more"))]
    NothingToMerge,

    #[error(
        "{} is not a head; merge joins heads ({})",
        Printable(id),
        heads_text(heads)
    )]
    #[diagnostic(help(
        "pass heads only (`schemadiff heads` lists them), or no revision to merge them all"
    ))]
    NotAHead { id: String, heads: Vec<String> },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Publish(#[from] crate::publish::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Interrupted(#[from] crate::publish::Interrupted),

    #[error("{} named in declared files {} not exist on the target database: {}", if roles.len() == 1 { "a role" } else { "roles" }, if roles.len() == 1 { "does" } else { "do" }, roles_text(roles))]
    #[diagnostic(help("roles belong to the environment and no script creates one: map each declared name to the target's under [postgres.roles] in schemadiff.toml (e.g. app = \"app_staging\"), or create the role on the target (CREATE ROLE … NOLOGIN)"))]
    MissingRoles { roles: Vec<String> },
}

impl Error {
    /// Where an `upgrade`/`downgrade` failed and what of the revision stays applied, when a
    /// statement of a revision failed (or was interrupted).
    pub fn failure(&self) -> Option<&engine::Failure> {
        use engine::ApplyError as A;
        match self {
            Error::Apply(A::Statement(f) | A::Interrupted(f) | A::AfterCommit(f)) => Some(f),
            Error::HandBuilt { failure } => match &**failure {
                A::Statement(f) | A::Interrupted(f) | A::AfterCommit(f) => Some(f),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Role names quoted as SQL names and escaped for the terminal, joined with `, `.
fn roles_text(roles: &[String]) -> String {
    let names: Vec<String> = roles
        .iter()
        .map(|r| Printable(&crate::sqltext::quote_pg_ident(r)).to_string())
        .collect();
    names.join(", ")
}

impl From<crate::model::RenameError> for Error {
    fn from(e: crate::model::RenameError) -> Error {
        Error::Engine(e.into())
    }
}

/// The hazard codes (only the blocking ones with `blocking_only`), joined with `, `: the
/// help texts list them from [`HazardKind::ALL`], so a new kind is listed everywhere.
pub fn hazard_codes(blocking_only: bool) -> String {
    let codes: Vec<&str> = HazardKind::ALL
        .iter()
        .map(|k| k.info())
        .filter(|info| info.blocking || !blocking_only)
        .map(|info| info.code)
        .collect();
    codes.join(", ")
}

/// The engines' names as `schemadiff.toml` writes them, quoted, each after `prefix`.
fn dialect_names(sep: &str, prefix: &str) -> String {
    let names: Vec<String> = engine::Dialect::ALL
        .iter()
        .map(|d| format!("{prefix}\"{}\"", d.name()))
        .collect();
    names.join(sep)
}

/// Revision ids joined with `, ` and escaped for the terminal, `<base>` for none.
fn heads_text(ids: &[String]) -> String {
    if ids.is_empty() {
        return "<base>".into();
    }
    let ids: Vec<String> = ids.iter().map(|i| Printable(i).to_string()).collect();
    ids.join(", ")
}

/// Loads the project (`--config`, else `./schemadiff.toml`); its dialect must be known.
pub fn project(cli_config: Option<&Path>) -> Result<Project, Error> {
    let p = Project::load(cli_config)?;
    if engine::Dialect::from_config(&p.config.dialect).is_none() {
        return Err(Error::UnknownDialect {
            path: p.path.clone(),
            dialect: p.config.dialect.clone(),
        });
    }
    Ok(p)
}

/// The project's revision graph. No revision beside a non-empty snapshots/ is an error:
/// migrations/ was deleted or moved (`history` would print nothing, `generate` would
/// write a second first revision).
pub fn graph(p: &Project) -> Result<Graph, Error> {
    let revisions = revision::load_dir(&p.migrations())?;
    if revisions.is_empty() && revision::snapshot::exists(&p.snapshots()) {
        return Err(Error::NoMigrations {
            migrations: p.migrations(),
            snapshots: p.snapshots(),
        });
    }
    Ok(Graph::new(revisions)?)
}

/// Parses `--allow` values and the project's `[safety] allow`.
pub fn allowed_kinds(
    allow: &[String],
    config: Option<&config::Config>,
) -> Result<Vec<HazardKind>, Error> {
    let from_config = config.map(|c| c.safety.allow.as_slice()).unwrap_or(&[]);
    allow
        .iter()
        .chain(from_config)
        .map(|a| HazardKind::from_code(a).ok_or_else(|| Error::UnknownHazard(a.clone())))
        .collect()
}

/// The hazards `--strict` blocks: blocking kinds that `allowed` does not accept.
pub fn blocking<'h>(hazards: &[&'h Hazard], allowed: &[HazardKind]) -> Vec<&'h Hazard> {
    hazards
        .iter()
        .filter(|h| h.kind.info().blocking && !allowed.contains(&h.kind))
        .copied()
        .collect()
}

/// The project's database, opened to migrate or read it.
fn open<E: Engine>(p: &Project, create: bool) -> Result<E::Db, Error> {
    Ok(E::open(&p.database_url()?, p.lock_timeout(), create)?)
}

/// Where the project's declared DDL is normalized: `dev_url`, else the server of the
/// database URL, else (none) a throwaway cluster.
fn dev<E: Engine>(p: &Project) -> Result<E::Dev, Error> {
    E::dev(&|| {
        Ok::<_, Error>(match (&p.config.dev_url, p.database_url()) {
            (Some(u), _) => engine::DevUrl::Given(u.clone()),
            (None, Ok(u)) => engine::DevUrl::Target(u),
            (None, Err(_)) => engine::DevUrl::None,
        })
    })
}

/// Declares the `.sql` files of `dir` on the project's engine.
fn declared<E: Engine>(dev: &E::Dev, dir: &Path) -> Result<crate::model::Schema, Error> {
    let files = engine::read_sources(dir)?;
    let cache = engine::Cache::from_env();
    Ok(E::declare(&files, dev, &[], cache.as_ref())?)
}

/// snapshots/ declared, with what schemas/ creates, no snapshot holds and the snapshots
/// name (an aggregate a view calls: [`engine::prerequisites`]). When that does not load
/// (such an object built on a function only schemas/ has), snapshots/ alone, whose error
/// stands when they fail too.
fn declared_snapshots<E: Engine>(dev: &E::Dev, p: &Project) -> Result<crate::model::Schema, Error> {
    let files = engine::read_sources(&p.snapshots())?;
    let cache = engine::Cache::from_env();
    let prerequisites = match engine::read_sources(&p.schemas()) {
        Ok(schemas) => engine::prerequisites(&schemas, &files),
        Err(_) => Vec::new(),
    };
    if !prerequisites.is_empty() {
        let with: Vec<_> = files.iter().cloned().chain(prerequisites).collect();
        if let Ok(schema) = E::declare(&with, dev, &[], cache.as_ref()) {
            return Ok(schema);
        }
    }
    Ok(E::declare(&files, dev, &[], cache.as_ref())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_texts_list_the_hazard_codes_and_dialects_from_their_tables() {
        assert_eq!(
            hazard_codes(false),
            "deletes-data, likely-rename, may-fail-on-existing-rows, enum-value-removal, virtual-table-recreated, irreversible, recreates-view, recreates-function, unsupported-change, rewrites-table, locks-table, index-build"
        );
        assert_eq!(
            hazard_codes(true),
            "deletes-data, likely-rename, may-fail-on-existing-rows, enum-value-removal, virtual-table-recreated, irreversible, recreates-view, recreates-function, unsupported-change"
        );
        assert_eq!(dialect_names(" or ", ""), "\"sqlite\" or \"postgres\"");
        assert_eq!(
            dialect_names(" or ", "dialect = "),
            "dialect = \"sqlite\" or dialect = \"postgres\""
        );
    }
}
