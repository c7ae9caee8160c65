//! The command line: argument parsing, running a command, mapping results to exit codes.
//! Nothing imports this module.

mod args;
mod check;
mod db;
mod workflow;
mod workflow_pg;

pub use args::{Cli, Command, DiffArgs, Format, InspectArgs, SafetyArgs};

use crate::diff;
use crate::model::Renames;
use crate::plan;
use crate::render::sqlite::{render_script, render_steps, schema_ddl};
use crate::source::{self, Dialect, Source};
use crate::sqltext::comment::Printable;
use serde::Serialize;
use std::io::Write;

/// What a successful command tells the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: `diff --exit-code` found changes.
    Changes,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Source(#[from] source::Error),

    #[error(transparent)]
    #[diagnostic(help("pass --rename TABLE.OLD=NEW per renamed column and --rename OLD=NEW per renamed table, named as in the two schemas"))]
    Rename(#[from] crate::model::RenameError),

    #[error("table renames need SQLite 3.26 or newer (before it, RENAME TO leaves other tables' foreign keys pointing at the old name); --sqlite-version says {}", Printable(.0))]
    #[diagnostic(help("run the script with a newer SQLite, or drop the table rename hint"))]
    TableRenameUnsupported(String),

    #[error("invalid --sqlite-version `{}`", Printable(.0))]
    #[diagnostic(help(
        "give the version of the SQLite that will run the script, e.g. --sqlite-version 3.40.1"
    ))]
    Version(String),

    #[error("unknown hazard kind `{}` (in --allow or [safety] allow)", Printable(.0))]
    #[diagnostic(help("the kinds are deletes-data, likely-rename, may-fail-on-existing-rows, enum-value-removal, virtual-table-recreated, irreversible, recreates-view, rewrites-table, locks-table, index-build"))]
    UnknownHazard(String),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] crate::config::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Revision(#[from] crate::revision::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] crate::apply::Error),

    #[error("{}: unknown dialect `{}`; use \"sqlite\" or \"postgres\"", Printable(&path.display().to_string()), Printable(dialect))]
    #[diagnostic(help("set dialect = \"sqlite\" or dialect = \"postgres\" in the project file"))]
    UnknownDialect {
        path: std::path::PathBuf,
        dialect: String,
    },

    #[error("Target database is not up to date: it is at {} and the head is {}; run `schemadiff upgrade head` first", heads_text(at), heads_text(head))]
    #[diagnostic(help("`schemadiff upgrade head` brings the database to the head; `generate` without --from-db compares the snapshots instead"))]
    NotAtHead { at: Vec<String>, head: Vec<String> },

    #[error(
        "database_url `{}` is not a SQLite database file URL (sqlite:///path.db)",
        Printable(url)
    )]
    #[diagnostic(help(
        "set database_url = \"sqlite:///path.db\", or dialect = \"postgres\" for a PostgreSQL URL"
    ))]
    NotSqliteUrl {
        /// The URL with its password replaced by `***`.
        url: String,
    },

    #[error("cannot open {}: {}", Printable(path), Printable(reason))]
    #[diagnostic(help(
        "check that the directory exists and that you may read and write the file"
    ))]
    OpenDatabase {
        /// The database path, redacted.
        path: String,
        /// The engine's reason, redacted.
        reason: String,
    },

    #[error("cannot open an in-memory SQLite database: {0}")]
    #[diagnostic(help("this is a resource problem of the machine (memory); try again"))]
    Scratch(rusqlite::Error),

    #[error("cannot read the database's schema: {}", Printable(reason))]
    #[diagnostic(help(
        "check that database_url names the project's database and that you may read its catalog"
    ))]
    ReadSchema { reason: String },

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

    #[error("rename {}={} moves the table to another schema, which schemadiff does not do (ALTER TABLE … SET SCHEMA): rename it within its schema, or move it by hand and `stamp`", Printable(old), Printable(new))]
    #[diagnostic(help("name the new table in the schema of the old one in --rename OLD=NEW"))]
    SchemaMove { old: String, new: String },

    #[error(
        "{name} \"{}\": expected digits and a unit (us, ms, s, min, h or d), e.g. 5s",
        Printable(value)
    )]
    #[diagnostic(help("give --{} or [postgres] {name} as e.g. 5s or 500ms", name.replace('_', "-")))]
    BadTimeout { name: &'static str, value: String },

    #[error("--concurrently, --not-valid, --lock-timeout and --statement-timeout apply to PostgreSQL only (SQLite locks the whole database for every write)")]
    #[diagnostic(help("drop these flags for a SQLite project"))]
    PostgresOnlyFlags,

    #[error(transparent)]
    #[diagnostic(transparent)]
    Publish(#[from] crate::publish::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Interrupted(#[from] crate::publish::Interrupted),

    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

/// Revision ids joined with `, ` and escaped for the terminal, `<base>` for none.
fn heads_text(ids: &[String]) -> String {
    if ids.is_empty() {
        return "<base>".into();
    }
    let ids: Vec<String> = ids.iter().map(|i| Printable(i).to_string()).collect();
    ids.join(", ")
}

/// Handles Ctrl-C for the program's signal handler: a run under way (`upgrade`,
/// `downgrade`, `stamp`) is asked to cancel its statement, roll back and report, and `None`
/// comes back; otherwise (or on a second Ctrl-C) every scratch database is dropped and the
/// caller ends the process with 130, keeping the returned value until then.
pub fn interrupt() -> Option<crate::declare::ScratchDropped> {
    if crate::apply::interrupt::interrupt() {
        return None;
    }
    Some(crate::declare::drop_scratch_databases())
}

/// Call before exiting: if Ctrl-C arrived, waits for its handler to end the process (so
/// this then never returns).
pub fn finish_interrupt() {
    crate::declare::finish_interrupt();
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    let cfg = cli.config.as_deref();
    if cli.no_cache {
        crate::declare::cache::disable();
    }
    match cli.command {
        Command::Diff(args) => run_diff(args, cfg),
        Command::Inspect(args) => run_inspect(args),
        Command::Init(a) => workflow::init(a),
        Command::Generate(a) => workflow::generate(cfg, a),
        Command::Upgrade(a) => workflow::upgrade(cfg, a, crate::apply::Direction::Up),
        Command::Downgrade(a) => workflow::upgrade(cfg, a, crate::apply::Direction::Down),
        Command::Current => workflow::current(cfg),
        Command::History(a) => workflow::history(cfg, a.verbose, a.range.as_deref()),
        Command::Heads => workflow::heads(cfg),
        Command::Branches => workflow::branches(cfg),
        Command::Show(a) => workflow::show(cfg, &a.revision),
        Command::Stamp(a) => workflow::stamp(cfg, a),
        Command::Merge(a) => workflow::merge(cfg, a),
        Command::Check(a) => check::check(cfg, a),
        Command::Verify => check::verify(cfg),
    }
}

fn run_diff(args: DiffArgs, cfg: Option<&std::path::Path>) -> Result<Outcome, Error> {
    // `diff` reads [safety] and [postgres] only from a project named with --config.
    let project = cfg
        .map(|c| crate::config::Project::load(Some(c)))
        .transpose()?;
    let from = Source::parse(&args.from)?;
    let to = Source::parse(&args.to)?;
    // A dev server only makes sense for PostgreSQL DDL.
    let dialect = args
        .dialect
        .or(from.dialect())
        .or(to.dialect())
        .or(args.dev_url.as_ref().map(|_| Dialect::Postgres))
        .unwrap_or(Dialect::Sqlite);
    let renames = Renames::parse(&args.safety.rename)?;
    let config = project.as_ref().map(|p| &p.config);
    let allowed = allowed_kinds(&args.safety.allow, config)?;
    if dialect == Dialect::Postgres {
        let options = pg_options(config, &args.safety)?;
        return diff_postgres(&args, &from, &to, &allowed, &options);
    }
    let caps = sqlite_caps(&args.safety, args.sqlite_version.as_deref(), &renames)?;
    let before = from.load(dialect)?;
    let after = to.load(dialect)?;
    renames.check(&before, &after)?;
    // Hints written in declared files: the target's as they are, the current side's the
    // other way round; only those that still apply (they stay in the files after running).
    let mut hints = to.rename_hints()?;
    hints.merge(from.rename_hints()?.inverse());
    let mut renames = hints.applicable(&before, &after);
    renames.merge(Renames::parse(&args.safety.rename)?);
    let changes = diff::diff(&diff::SQLITE, &before, &after, &renames);
    let plan = plan::sqlite::plan(&changes, &before, &after, caps);
    let text = match args.format {
        Format::Sql => render_script(&plan, &title(&args)),
        Format::Json => json(&DiffJson {
            from: source::redact(&args.from),
            to: source::redact(&args.to),
            changes: changes.changes.len(),
            rebuilds: plan.rebuilt_tables(),
            foreign_keys_off: plan.settings.foreign_keys_off,
            steps: render_steps(&plan),
        }),
    };
    finish_diff(&text, &args, &plan.blocking(&allowed), plan.is_empty())
}

/// Prints a `diff`'s script and picks its exit: 1 for a blocking hazard under `--strict`
/// (listed on stderr), or for changes under `--exit-code`.
fn finish_diff(
    text: &str,
    args: &DiffArgs,
    blocked: &[&plan::Hazard],
    empty: bool,
) -> Result<Outcome, Error> {
    write_stdout(text)?;
    if args.safety.strict && !blocked.is_empty() {
        report_blocked(blocked);
        return Ok(Outcome::Changes);
    }
    Ok(if args.exit_code && !empty {
        Outcome::Changes
    } else {
        Outcome::Clean
    })
}

/// `diff` on PostgreSQL: declared files are normalized on `--dev-url` or on the server of
/// the URL side.
fn diff_postgres(
    args: &DiffArgs,
    from: &Source,
    to: &Source,
    allowed: &[plan::HazardKind],
    options: &plan::LockOptions,
) -> Result<Outcome, Error> {
    let dev = args
        .dev_url
        .as_deref()
        .map(|u| match Source::parse(u) {
            Ok(Source::Postgres(url)) => url,
            _ => u.to_string(),
        })
        .or_else(|| {
            from.postgres_url()
                .or(to.postgres_url())
                .map(str::to_string)
        });
    let cache = crate::declare::Cache::from_env();
    let load = |s: &Source| {
        s.load_cached(
            Dialect::Postgres,
            dev.as_deref(),
            &args.schema,
            cache.as_ref(),
        )
    };
    let mut before = load(from)?;
    let mut after = load(to)?;
    // A live side is compared at the fixed point of the server's print, as declared DDL is.
    if let Some(server) = dev
        .as_deref()
        .and_then(|u| crate::introspect::postgres::connect::config(u).ok())
    {
        if from.postgres_url().is_some() {
            before = workflow_pg::normalized_live(&server, before, &after);
        }
        if to.postgres_url().is_some() {
            after = workflow_pg::normalized_live(&server, after, &before);
        }
    }
    warn_unmanaged(&before);
    warn_unmanaged(&after);
    let mut hints = to.rename_hints()?;
    hints.merge(from.rename_hints()?.inverse());
    let renames = pg_renames(&args.safety.rename, hints, &before, &after)?;
    let changes = diff::diff(&diff::POSTGRES, &before, &after, &renames);
    let plan = plan::postgres::plan_postgres_with(&changes, &before, &after, options);
    let text = match args.format {
        Format::Sql => crate::render::postgres::render_script(&plan, &title(args)),
        Format::Json => json(&PgDiffJson {
            from: source::redact(&args.from),
            to: source::redact(&args.to),
            changes: changes.changes.len(),
            steps: crate::render::postgres::render_steps(&plan),
        }),
    };
    finish_diff(&text, args, &plan.blocking(allowed), plan.is_empty())
}

/// Says on stderr which objects are recognized but left alone (partitioned tables …).
fn warn_unmanaged(schema: &crate::model::Schema) {
    for (key, what) in &schema.unmanaged {
        if what == crate::introspect::postgres::INVALID_INDEX {
            let key = Printable(key);
            eprintln!("schemadiff: warning: index {key} is {what}");
        } else {
            let (key, what) = (Printable(key), Printable(what));
            eprintln!(
                "schemadiff: note: {key} ({what}) is not managed by schemadiff and is left as it is"
            );
        }
    }
}

#[derive(Serialize)]
struct PgDiffJson {
    from: String,
    to: String,
    changes: usize,
    steps: Vec<crate::render::RenderedStep>,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    from: String,
    to: String,
    changes: usize,
    rebuilds: Vec<&'a str>,
    foreign_keys_off: bool,
    steps: Vec<crate::render::RenderedStep>,
}

/// The script's title: both sources, passwords hidden.
fn title(args: &DiffArgs) -> String {
    format!(
        "from {} to {}",
        source::redact(&args.from),
        source::redact(&args.to)
    )
}

/// PostgreSQL renames: the `--rename` flags (each must apply) and the
/// `-- schemadiff:renamed-from` hints that still apply; table renames are refused.
fn pg_renames(
    flags: &[String],
    hints: Renames,
    before: &crate::model::Schema,
    after: &crate::model::Schema,
) -> Result<Renames, Error> {
    // `schema.table=new` names a table (a column hint has the same shape): it is one when
    // the current schema has a table of that qualified name.
    let mut parsed = Renames::default();
    for flag in flags {
        match flag.split_once('=') {
            Some((old, new)) if before.tables.contains_key(old) && !new.contains('.') => {
                parsed.add_table(old, new)
            }
            _ => parsed.merge(Renames::parse(std::slice::from_ref(flag))?),
        }
    }
    let flags = parsed;
    flags.check(before, after)?;
    let mut renames = hints.applicable(before, after);
    renames.merge(flags);
    for (old, new) in renames.table_pairs() {
        let schema_of =
            |s: &crate::model::Schema, n: &str| diff::find_table(s, n).map(|t| t.schema.clone());
        if schema_of(before, old) != schema_of(after, new) {
            return Err(Error::SchemaMove {
                old: old.to_string(),
                new: new.to_string(),
            });
        }
    }
    Ok(renames)
}

/// Parses `--allow` values and the project's `[safety] allow`.
fn allowed_kinds(
    allow: &[String],
    config: Option<&crate::config::Config>,
) -> Result<Vec<plan::HazardKind>, Error> {
    let from_config = config.map(|c| c.safety.allow.as_slice()).unwrap_or(&[]);
    allow
        .iter()
        .chain(from_config)
        .map(|a| plan::HazardKind::from_code(a).ok_or_else(|| Error::UnknownHazard(a.clone())))
        .collect()
}

/// Lock-aware PostgreSQL options: the project's `[postgres]`, then the flags.
fn pg_options(
    config: Option<&crate::config::Config>,
    a: &args::SafetyArgs,
) -> Result<plan::LockOptions, Error> {
    let mut o = config.map(|c| c.postgres.clone()).unwrap_or_default();
    o.concurrent_indexes |= a.concurrently;
    o.not_valid |= a.not_valid;
    if a.lock_timeout.is_some() {
        o.lock_timeout = a.lock_timeout.clone();
    }
    if a.statement_timeout.is_some() {
        o.statement_timeout = a.statement_timeout.clone();
    }
    for (name, value) in [
        ("lock_timeout", &o.lock_timeout),
        ("statement_timeout", &o.statement_timeout),
    ] {
        if let Some(v) = value
            .as_deref()
            .filter(|v| !plan::postgres::valid_timeout(v))
        {
            return Err(Error::BadTimeout {
                name,
                value: v.to_string(),
            });
        }
    }
    Ok(o)
}

/// The capabilities a SQLite plan is made for (`--sqlite-version`, else the bundled
/// library's), once the plan stage accepts the flags and `renames` for them: the lock-aware
/// flags are PostgreSQL's (SQLite locks the whole database for a write).
fn sqlite_caps(
    a: &args::SafetyArgs,
    version: Option<&str>,
    renames: &Renames,
) -> Result<plan::sqlite::Caps, Error> {
    let lock = plan::LockOptions {
        concurrent_indexes: a.concurrently,
        not_valid: a.not_valid,
        lock_timeout: a.lock_timeout.clone(),
        statement_timeout: a.statement_timeout.clone(),
    };
    plan::sqlite::Caps::settle(version, &lock, renames).map_err(|e| match e {
        plan::Error::Unsupported {
            what: plan::Unsupported::LockOptions,
            ..
        } => Error::PostgresOnlyFlags,
        plan::Error::Unsupported {
            what: plan::Unsupported::TableRename,
            ..
        } => Error::TableRenameUnsupported(version.unwrap_or_default().to_string()),
        plan::Error::Version(v) => Error::Version(v),
    })
}

/// Lists blocking hazards on stderr with what to do about each.
fn report_blocked(blocked: &[&plan::Hazard]) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "schemadiff: --strict: {} blocking hazard(s):",
        blocked.len()
    );
    for h in blocked {
        let info = h.kind.info();
        let _ = writeln!(
            err,
            "  hazard[{}]: {} (see {})",
            info.code,
            Printable(&h.detail),
            info.doc
        );
    }
    let _ = writeln!(
        err,
        "Review the script; accept a kind with --allow KIND, or fix the declared schema (a rename needs --rename)."
    );
}

fn run_inspect(args: InspectArgs) -> Result<Outcome, Error> {
    let src = Source::parse(&args.source)?;
    let dialect = args.dialect.or(src.dialect()).unwrap_or(Dialect::Sqlite);
    let cache = crate::declare::Cache::from_env();
    let schema = src.load_cached(
        dialect,
        args.dev_url.as_deref(),
        &args.schema,
        cache.as_ref(),
    )?;
    let text = match args.format {
        Format::Sql if dialect == Dialect::Postgres => crate::render::postgres::schema_ddl(&schema),
        Format::Sql => schema_ddl(&schema),
        Format::Json => json(&schema),
    };
    write_stdout(&text)?;
    Ok(Outcome::Clean)
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|_| {
        if !text.ends_with('\n') && !text.is_empty() {
            out.write_all(b"\n")?;
        }
        out.flush()
    });
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}
