//! The command line: parses arguments, calls the library's use cases (the facade in
//! `lib.rs`), prints what they return and report, and maps results to exit codes. It names
//! no stage and no engine. Nothing imports this module.

mod args;
mod check;
mod completions;
mod explain;
mod json;
mod progress;
mod workflow;

pub use args::{Cli, Command, DiffArgs, Format, InspectArgs, SafetyArgs};

use crate::usecase::diff::{DiffRequest, InspectRequest};
use crate::usecase::unmanaged::{Class, NAMED_AT_MOST};
use crate::{Direction, Hazard, Note, Printable};
use std::io::Write;
use std::path::Path;

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
    UseCase(#[from] crate::Error),

    #[error("cannot write output: {0}")]
    Output(std::io::Error),

    #[error("--format json cannot be used with --sql: --sql prints a SQL script, not a report")]
    #[diagnostic(help("drop --format json to print the script, or drop --sql to run the revisions and get the JSON report of the run"))]
    JsonSql,

    #[error("cannot write the man pages into {}: {error}", Printable(&dir.display().to_string()))]
    #[diagnostic(help("give --dir a directory you can write to (it is created if missing)"))]
    ManPages {
        dir: std::path::PathBuf,
        error: std::io::Error,
    },

    #[error("unknown hazard kind `{kind}`; the known kinds are: {known}. Run `schemadiff explain` to list them with one line each.")]
    UnknownHazard { kind: String, known: String },
}

/// Handles Ctrl-C for the program's signal handler: a run under way (`upgrade`,
/// `downgrade`, `stamp`) is asked to cancel its statement, roll back and report, and `None`
/// comes back; otherwise (or on a second Ctrl-C) every scratch database is dropped and the
/// caller ends the process with 130, keeping the returned value until then.
pub fn interrupt() -> Option<crate::ScratchDropped> {
    crate::interrupt()
}

/// Call before exiting: if Ctrl-C arrived, waits for its handler to end the process (so
/// this then never returns).
pub fn finish_interrupt() {
    crate::finish_interrupt();
}

/// Runs one parsed command line: loads `.env` (or `--env-file`), prints the "Using …" line
/// of a command that uses a database (unless `--quiet`), then runs the command.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    // Scratch databases are dropped on threads, all waited for before the command returns.
    crate::drop_scratch_in_background();
    let outcome = run_command(cli);
    crate::wait_for_scratch_drops();
    outcome
}

/// Runs the command of [`run`].
fn run_command(cli: Cli) -> Result<Outcome, Error> {
    let cfg = cli.config.as_deref();
    if cli.no_cache {
        crate::disable_cache();
    }
    let dir = match (&cli.command, cfg) {
        (_, Some(path)) => path.parent().unwrap_or(Path::new("")).to_path_buf(),
        (Command::Init(a), None) => a.dir.clone(),
        _ => ".".into(),
    };
    let dir = if dir.as_os_str().is_empty() {
        ".".into()
    } else {
        dir
    };
    crate::load_env(cli.env_file.as_deref(), &dir)?;
    crate::quiet_throwaway(cli.quiet);
    if !cli.quiet {
        for used in databases_used(&cli.command, cfg) {
            eprintln!("Using {}", Printable(&used));
        }
    }
    // The progress line, on a terminal only (nothing changes in pipes and CI logs).
    use std::io::IsTerminal;
    if !cli.quiet && std::io::stderr().is_terminal() {
        let line = std::rc::Rc::new(progress::Line::new(std::io::stderr()));
        return crate::with_progress(line, || dispatch(cli.command, cfg));
    }
    dispatch(cli.command, cfg)
}

/// Runs the command.
fn dispatch(command: Command, cfg: Option<&Path>) -> Result<Outcome, Error> {
    match command {
        Command::Diff(args) => run_diff(args, cfg),
        Command::Inspect(args) => run_inspect(args),
        Command::Init(a) => workflow::init(a),
        Command::Generate(a) => workflow::generate(cfg, a),
        Command::Revision(a) => workflow::generate(cfg, a.into_generate()),
        Command::Upgrade(a) => workflow::upgrade(cfg, a, Direction::Up),
        Command::Downgrade(a) => workflow::upgrade(cfg, a, Direction::Down),
        Command::Current(o) => workflow::current(cfg, o.json()),
        Command::History(a) => workflow::history(cfg, &a),
        Command::Heads(o) => workflow::heads(cfg, o.json()),
        Command::Branches(o) => workflow::branches(cfg, o.json()),
        Command::Show(a) => workflow::show(cfg, &a.revision, a.output.json()),
        Command::Stamp(a) => workflow::stamp(cfg, a),
        Command::Merge(a) => workflow::merge(cfg, a),
        Command::Check(a) => check::check(cfg, a),
        Command::Verify(o) => check::verify(cfg, o.json()),
        Command::Completions(a) => completions::completions(&a),
        Command::Man(a) => completions::man(&a),
        Command::Explain(a) => explain::explain(&a),
    }
}

/// What the command connects to or opens, as the "Using …" lines name it: the project's
/// database, or for a command that only loads DDL into scratch databases the PostgreSQL
/// server they go to; the URL sources of `diff` and `inspect`.
fn databases_used(command: &Command, cfg: Option<&Path>) -> Vec<String> {
    let project = |dev_server: bool| crate::describe_project_database(cfg, dev_server);
    let scratch = |d: Option<String>| d.map(|d| format!("{d} for scratch databases"));
    match command {
        Command::Upgrade(a) | Command::Downgrade(a) if !a.sql => {
            project(false).into_iter().collect()
        }
        Command::Check(a) if a.offline => scratch(project(true)).into_iter().collect(),
        Command::Current(_) | Command::Stamp(_) | Command::Check(_) => {
            project(false).into_iter().collect()
        }
        Command::History(a) if a.indicate_current => project(false).into_iter().collect(),
        Command::Generate(a) if a.from_db => project(false).into_iter().collect(),
        Command::Generate(a) if !a.empty => scratch(project(true)).into_iter().collect(),
        Command::Revision(a) if a.autogenerate && a.generate.from_db => {
            project(false).into_iter().collect()
        }
        Command::Revision(a) if a.autogenerate && !a.generate.empty => {
            scratch(project(true)).into_iter().collect()
        }
        Command::Verify(_) => project(false)
            .into_iter()
            .chain(scratch(project(true)))
            .collect(),
        Command::Diff(a) => [&a.from, &a.to]
            .into_iter()
            .filter_map(|s| crate::describe_source(s))
            .chain(scratch(
                a.dev_url.as_deref().and_then(crate::describe_dev_server),
            ))
            .collect(),
        Command::Inspect(a) => crate::describe_source(&a.source)
            .into_iter()
            .chain(scratch(
                a.dev_url.as_deref().and_then(crate::describe_dev_server),
            ))
            .collect(),
        _ => Vec::new(),
    }
}

fn run_diff(args: DiffArgs, cfg: Option<&std::path::Path>) -> Result<Outcome, Error> {
    let req = DiffRequest {
        from: args.from.clone(),
        to: args.to.clone(),
        dialect: args.dialect,
        dev_url: args.dev_url.clone(),
        schema: args.schema.clone(),
        version: args.sqlite_version.clone(),
        json: args.format == Format::Json,
        safety: args.safety.safety(),
    };
    let report = crate::diff_sources(&req, cfg, &print_note)?;
    write_stdout(&report.text)?;
    if args.safety.strict && !(report.blocked.is_empty() && report.unmanaged.is_empty()) {
        if !report.blocked.is_empty() {
            report_blocked(&report.blocked);
        }
        report_unmanaged(&report.unmanaged, "the declared files");
        return Ok(Outcome::Changes);
    }
    Ok(if args.exit_code && !report.empty {
        Outcome::Changes
    } else {
        Outcome::Clean
    })
}

/// Prints what a use case reports while it runs, on stderr.
pub(crate) fn print_note(note: Note) {
    match note {
        Note::Unmanaged {
            key,
            what,
            class: Class::InvalidIndex,
        } => {
            let key = Printable(key);
            eprintln!("schemadiff: warning: index {key} is {what}");
        }
        Note::Unmanaged {
            key,
            what,
            class: Class::ExternalSchema,
        } => {
            let (key, what) = (Printable(key), Printable(what));
            eprintln!(
                "schemadiff: note: {key} ({what}) is not managed by schemadiff and is left as it is"
            );
        }
        Note::Unmanaged {
            key,
            what,
            class: Class::Object,
        } => {
            let (key, what) = (Printable(key), Printable(what));
            eprintln!(
                "schemadiff: warning: {key} ({what}) is not managed by schemadiff: no script creates, alters or drops it"
            );
        }
        Note::UnmanagedSummary { total, kinds } => {
            let kinds: Vec<String> = kinds
                .iter()
                .map(|(kind, n)| format!("{} ({n})", Printable(kind)))
                .collect();
            eprintln!(
                "schemadiff: warning: {total} objects are not managed by schemadiff, no script creates, alters or drops them: {}; `schemadiff inspect` lists them all",
                kinds.join(", ")
            );
        }
        Note::OptionsIgnored { path, dialect } => eprintln!(
            "schemadiff: note: [postgres] in {} does not apply: the project's dialect is {dialect}",
            path.display()
        ),
        Note::Hazard(h) => print_hazard(&mut std::io::stderr().lock(), h),
        Note::Running {
            dir,
            n,
            total,
            id,
            parents,
            message,
        } => {
            let parents = or_base(&parents.join(", ")).to_string();
            match dir {
                Direction::Up => announce("upgrade", n, total, &parents, id, message),
                Direction::Down => announce("downgrade", n, total, id, &parents, message),
            }
        }
        Note::Statement(text) => {
            for line in text.lines() {
                eprintln!("    {}", Printable(line));
            }
        }
        Note::Detail(text) => eprintln!("schemadiff: {}", Printable(text)),
        Note::Ran { dir, id, millis } => {
            eprintln!("  {} {} ran in {millis} ms", dir.as_str(), Printable(id))
        }
        // Kept by `--format json` (cli/json.rs); nothing to print.
        Note::Planned { .. } | Note::Finished { .. } | Note::Settled { .. } => {}
        Note::Waiting { seconds } => eprintln!(
            "Waiting for the migration lock: another schemadiff run holds it (up to lock_timeout_seconds = {seconds} s)"
        ),
    }
}

/// "Running upgrade A -> B, message" before each revision runs (so a failure shows what
/// committed before it), with "[n/m]" on a terminal.
fn announce(verb: &str, n: usize, total: usize, from: &str, to: &str, message: &str) {
    use std::io::IsTerminal;
    let count = if std::io::stderr().is_terminal() {
        format!("[{n}/{total}] ")
    } else {
        String::new()
    };
    let message = Printable(message);
    eprintln!("{count}Running {verb} {from} -> {to}, {message}");
}

fn or_base(s: &str) -> &str {
    if s.is_empty() {
        "<base>"
    } else {
        s
    }
}

/// `  hazard[code]: detail (see: schemadiff explain code)`.
fn print_hazard(out: &mut impl Write, h: &Hazard) {
    let info = h.kind.info();
    let _ = writeln!(
        out,
        "  hazard[{}]: {} (see: schemadiff explain {})",
        info.code,
        Printable(&h.detail),
        info.code
    );
}

/// Lists blocking hazards on stderr with what to do about each.
fn report_blocked(blocked: &[Hazard]) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "schemadiff: --strict: {} blocking hazard(s):",
        blocked.len()
    );
    for h in blocked {
        print_hazard(&mut err, h);
    }
    let _ = writeln!(
        err,
        "Review the script; accept a kind with --allow KIND, or fix the declared schema (a rename needs --rename)."
    );
}

/// `--strict` and objects of the declared files (`place`) that schemadiff does not manage:
/// names them (up to twenty) and says what to do.
pub(crate) fn report_unmanaged(objects: &[(String, String)], place: &str) {
    if objects.is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "schemadiff: --strict: {} object(s) in {place} are not managed by schemadiff:",
        objects.len()
    );
    for (key, what) in objects.iter().take(NAMED_AT_MOST) {
        let _ = writeln!(err, "  - {} ({})", Printable(key), Printable(what));
    }
    if objects.len() > NAMED_AT_MOST {
        let _ = writeln!(
            err,
            "  … and {} more (`schemadiff inspect` lists them all)",
            objects.len() - NAMED_AT_MOST
        );
    }
    let _ = writeln!(
        err,
        "No revision creates, alters or drops them, so they would not reach the database through one. \
Create them outside schemadiff (by hand, or in a revision written with `generate --empty`) and take them out of {place}, \
or wait until schemadiff supports them; without --strict they are only warned about."
    );
}

fn run_inspect(args: InspectArgs) -> Result<Outcome, Error> {
    let req = InspectRequest {
        source: args.source,
        dialect: args.dialect,
        dev_url: args.dev_url,
        schema: args.schema,
        json: args.format == Format::Json,
    };
    write_stdout(&crate::inspect(&req)?)?;
    Ok(Outcome::Clean)
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
