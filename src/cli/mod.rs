//! The command line: argument parsing, running a command, mapping results to exit codes.
//! Nothing imports this module.

mod args;
mod check;
mod db;
mod workflow;
mod workflow_pg;

pub use args::{Cli, Command, DiffArgs, Format, InspectArgs, SafetyArgs};

use crate::diff::{self, Renames};
use crate::plan::{self, Caps};
use crate::render::sqlite::{render_script, render_steps, schema_ddl};
use crate::source::{self, Dialect, Source};
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
    Rename(#[from] diff::RenameError),

    #[error("table renames need SQLite 3.26 or newer (before it, RENAME TO leaves other tables' foreign keys pointing at the old name); --sqlite-version says {0}")]
    #[diagnostic(help("run the script with a newer SQLite, or drop the table rename hint"))]
    TableRenameUnsupported(String),

    #[error("invalid --sqlite-version `{0}`")]
    #[diagnostic(help(
        "give the version of the SQLite that will run the script, e.g. --sqlite-version 3.40.1"
    ))]
    Version(String),

    #[error("unknown hazard kind `{0}` in --allow")]
    #[diagnostic(help("the kinds are deletes-data, likely-rename, may-fail-on-existing-rows, rewrites-table, index-build"))]
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

    #[error("{0}")]
    Workflow(String),

    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    let cfg = cli.config.as_deref();
    if cli.no_cache {
        crate::declare::cache::disable();
    }
    match cli.command {
        Command::Diff(args) => run_diff(args),
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

fn run_diff(args: DiffArgs) -> Result<Outcome, Error> {
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
    let allowed = allowed_kinds(&args.safety.allow)?;
    if dialect == Dialect::Postgres {
        return diff_postgres(&args, &from, &to, &allowed);
    }
    let caps = match &args.sqlite_version {
        Some(v) => Caps::from_version(v).ok_or_else(|| Error::Version(v.clone()))?,
        None => Caps::bundled(),
    };
    if renames.renames_tables() && !caps.can_rename_table() {
        return Err(Error::TableRenameUnsupported(
            args.sqlite_version.clone().unwrap_or_default(),
        ));
    }
    let before = from.load(dialect)?;
    let after = to.load(dialect)?;
    renames.check(&before, &after)?;
    // Hints written in declared files: the target's as they are, the current side's the
    // other way round; only those that still apply (they stay in the files after running).
    let mut hints = to.rename_hints()?;
    hints.merge(from.rename_hints()?.inverse());
    let mut renames = hints.applicable(&before, &after);
    renames.merge(Renames::parse(&args.safety.rename)?);
    let changes = diff::diff(&before, &after, &renames);
    let plan = plan::plan(&changes, &before, &after, caps);
    let text = match args.format {
        Format::Sql => render_script(&plan, &title(&args)),
        Format::Json => json(&DiffJson {
            from: source::redact(&args.from),
            to: source::redact(&args.to),
            changes: changes.changes.len(),
            rebuilds: plan.rebuilt_tables(),
            foreign_keys_off: plan.foreign_keys_off,
            steps: render_steps(&plan),
        }),
    };
    write_stdout(&text)?;
    let blocked = plan::blocking(&plan, &allowed);
    if args.safety.strict && !blocked.is_empty() {
        report_blocked(&blocked);
        return Ok(Outcome::Changes);
    }
    Ok(if args.exit_code && !plan.is_empty() {
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
    let before = load(from)?;
    let after = load(to)?;
    warn_unmanaged(&before);
    warn_unmanaged(&after);
    let renames = Renames::parse(&args.safety.rename)?;
    if renames.renames_tables() {
        return Err(Error::Workflow(
            "table renames (--rename OLD=NEW) are not applied on PostgreSQL yet; column renames (--rename TABLE.OLD=NEW) are".into(),
        ));
    }
    renames.check(&before, &after)?;
    let changes = diff::diff_postgres(&before, &after, &renames);
    let plan = plan::postgres::plan_postgres(&changes, &before, &after);
    let text = match args.format {
        Format::Sql => crate::render::postgres::render_script(&plan, &title(args)),
        Format::Json => json(&PgDiffJson {
            from: source::redact(&args.from),
            to: source::redact(&args.to),
            changes: changes.changes.len(),
            steps: crate::render::postgres::render_steps(&plan),
        }),
    };
    write_stdout(&text)?;
    let blocked = plan.blocking(allowed);
    if args.safety.strict && !blocked.is_empty() {
        report_blocked(&blocked);
        return Ok(Outcome::Changes);
    }
    Ok(if args.exit_code && !plan.is_empty() {
        Outcome::Changes
    } else {
        Outcome::Clean
    })
}

/// Says on stderr which objects are recognized but left alone (partitioned tables …).
fn warn_unmanaged(schema: &crate::model::Schema) {
    for (key, what) in &schema.unmanaged {
        eprintln!(
            "schemadiff: note: {key} ({what}) is not managed by schemadiff and is left as it is"
        );
    }
}

#[derive(Serialize)]
struct PgDiffJson {
    from: String,
    to: String,
    changes: usize,
    steps: Vec<crate::render::sqlite::RenderedStep>,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    from: String,
    to: String,
    changes: usize,
    rebuilds: Vec<&'a str>,
    foreign_keys_off: bool,
    steps: Vec<crate::render::sqlite::RenderedStep>,
}

/// The script's title: both sources, passwords hidden.
fn title(args: &DiffArgs) -> String {
    format!(
        "from {} to {}",
        source::redact(&args.from),
        source::redact(&args.to)
    )
}

/// Parses `--allow` values.
fn allowed_kinds(allow: &[String]) -> Result<Vec<plan::HazardKind>, Error> {
    allow
        .iter()
        .map(|a| plan::HazardKind::from_code(a).ok_or_else(|| Error::UnknownHazard(a.clone())))
        .collect()
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
            info.code, h.detail, info.doc
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
