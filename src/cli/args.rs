//! Command-line arguments. Help text lives here, on the clap structs.

use crate::Dialect;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Schema diffs and migrations for SQLite and PostgreSQL, in plain SQL
#[derive(Debug, Parser)]
#[command(name = "schemadiff", version, about, long_about = None)]
#[command(
    after_help = "Sources: sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory:,\n\
postgresql://user@host/db (also postgresql+psycopg2://…), or a path to a .sql file or a\n\
directory of .sql files (declared DDL).\n\n\
Exit codes: 0 success or no changes, 1 changes found (--exit-code, check), a blocking\n\
hazard (--strict) or a failed verify, 2 error."
)]
pub struct Cli {
    /// Project file (default: ./schemadiff.toml)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<std::path::PathBuf>,
    /// Skip the catalog cache: normalize declared DDL and replays, and parse SQLite catalogs, every time, and ignore the check record (also SCHEMADIFF_NO_CACHE=1)
    #[arg(long, global = true, display_order = 900)]
    pub no_cache: bool,
    /// Read variables (DATABASE_URL, PGSSLMODE, PGPASSWORD, …) from this file instead of .env beside schemadiff.toml; set variables win
    #[arg(long, global = true, value_name = "PATH", display_order = 901)]
    pub env_file: Option<std::path::PathBuf>,
    /// Do not print the "Using DATABASE" line, nor the progress line of a long step on a terminal
    #[arg(short, long, global = true, display_order = 902)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the upgrade script that turns one schema into another
    Diff(DiffArgs),
    /// Print a schema as canonical DDL or JSON
    Inspect(InspectArgs),
    /// Create schemadiff.toml, schemas/, migrations/ and snapshots/
    Init(InitArgs),
    /// Write a new revision from snapshots/ (the schema at head) to schemas/
    Generate(GenerateArgs),
    /// Alembic's spelling: `revision -m MSG` is `generate --empty -m MSG`, `revision --autogenerate -m MSG` is `generate -m MSG`
    Revision(RevisionArgs),
    /// Apply revisions up to TARGET (default head)
    Upgrade(MoveArgs),
    /// Undo revisions down to TARGET (base, a revision, -N)
    #[command(mut_arg("target", |a| a.help("base, a revision id or prefix (it and its ancestors stay), -N [default: -1]; with --sql FROM:TO, e.g. head:base")))]
    Downgrade(MoveArgs),
    /// Show the revision(s) the database is at
    Current(OutputArgs),
    /// List revisions, newest first
    History(HistoryArgs),
    /// List the head revisions
    Heads(OutputArgs),
    /// List revisions where the history branches (more than one child)
    Branches(OutputArgs),
    /// Print one revision: header and both sections
    Show(ShowArgs),
    /// Mark the database as being at TARGET without running anything
    Stamp(StampArgs),
    /// Write a revision that joins several heads
    Merge(MergeArgs),
    /// Exit 1 when schemas/ has unrevisioned changes, the database is not at head, or it drifted
    Check(CheckArgs),
    /// Replay every revision up and down in a scratch database; exit 1 naming the first that is wrong
    Verify(OutputArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page schemadiff(1), or write it and one page per subcommand with --dir
    Man(ManArgs),
    /// Print a hazard kind's page (what triggers it, what to do); without KIND, list the kinds
    Explain(ExplainArgs),
}

/// `--format`, for the commands whose report CI may read.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output: text, or json (one JSON document on stdout, described in docs/json.md; on an error also a JSON error object, with exit code 2)
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    pub format: Output,
}

/// What `--format` of the revision commands chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

impl OutputArgs {
    pub fn json(&self) -> bool {
        self.format == Output::Json
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write schemadiff.1 and schemadiff-COMMAND.1 for each subcommand into this directory instead of printing schemadiff.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A hazard kind as scripts print it, e.g. deletes-data (omit it to list them all)
    pub kind: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report format: text or json
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,
    /// Also a problem: schemas/ holds objects schemadiff does not manage (no revision would create them)
    #[arg(long)]
    pub strict: bool,
    /// Only look for changes in schemas/ that no revision holds (against snapshots/), without opening the database (for pre-commit hooks; PostgreSQL still loads the DDL on the dev server)
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub manage: ManageArgs,
    /// Say on stderr whether the check record (snapshots/schemadiff-record.json) let the loads be skipped, and why not
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to initialise
    #[arg(default_value = ".")]
    pub dir: std::path::PathBuf,
    /// Database engine of the project (default: DATABASE_URL's, else sqlite)
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What the revision does (its file name and header)
    #[arg(short, long)]
    pub message: String,
    /// Write a revision with empty sections, for hand-written changes
    #[arg(long)]
    pub empty: bool,
    /// Compare schemas/ with the live database (which must be at head) instead of snapshots/
    #[arg(long)]
    pub from_db: bool,
    /// The new revision's id instead of a random one (1 to 64 ASCII letters, digits or `_`)
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
    /// Say on stderr how each declared PostgreSQL model was obtained: read from the catalog cache, only the edited tables reloaded, or why everything was loaded again
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub safety: SafetyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// Write the changes from snapshots/ to schemas/ (`generate`); without it the revision is empty (`generate --empty`)
    #[arg(long)]
    pub autogenerate: bool,
    #[command(flatten)]
    pub generate: GenerateArgs,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    /// head, heads, a revision id or prefix, +N [default: head]; with --sql also FROM:TO
    #[arg(allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Print the SQL instead of running it (offline: no database needed)
    #[arg(long)]
    pub sql: bool,
    /// Accept the edited file of an applied revision (records its new checksum)
    #[arg(long, value_name = "REV")]
    pub accept_edited: Vec<String>,
    /// Print each statement as it runs, and the time each revision took (on stderr)
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Also print each revision's file, creation time and hazards
    #[arg(short, long)]
    pub verbose: bool,
    /// Only the revisions after FROM up to TO (`base:head`, `ID:head`, `base:ID`), as Alembic's -r
    #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
    pub range: Option<String>,
    /// Mark the revision(s) the database is at with (current); reads the database
    #[arg(short = 'i', long)]
    pub indicate_current: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A revision id or unique prefix, or head
    pub revision: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct StampArgs {
    /// head, heads, base or a revision id or prefix
    pub target: String,
    /// Erase the version table first, even when it records revisions no file has
    #[arg(long)]
    pub purge: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// What the merge is for
    #[arg(short, long)]
    pub message: String,
    /// The heads to join: revision ids, or `heads` (the default: all heads)
    pub revisions: Vec<String>,
    /// The new revision's id instead of a random one (1 to 64 ASCII letters, digits or `_`)
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Sql,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Source of the current schema (database URL, .sql file or directory)
    #[arg(long, value_name = "SRC")]
    pub from: String,
    /// Source of the target schema
    #[arg(long, value_name = "SRC")]
    pub to: String,
    /// Output format
    #[arg(long, value_enum, default_value = "sql")]
    pub format: Format,
    /// Exit with 1 when there are changes (0 when there are none)
    #[arg(long)]
    pub exit_code: bool,
    /// Dialect of .sql sources when neither side is a database URL [default: sqlite]
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// Version of the SQLite that will run the script (decides native DROP/RENAME COLUMN)
    #[arg(long, value_name = "X.Y.Z")]
    pub sqlite_version: Option<String>,
    /// PostgreSQL server where declared DDL is loaded into a scratch database to be normalized [default: the server of the postgresql:// side; with none, or when its user may not create databases, a throwaway cluster from the installed PostgreSQL binaries]
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// PostgreSQL: compare only this schema (namespace); repeatable [default: every non-system schema]
    #[arg(long, value_name = "NAME")]
    pub schema: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Database URL, .sql file or directory
    #[arg(value_name = "SRC")]
    pub source: String,
    /// Output format
    #[arg(long, value_enum, default_value = "sql")]
    pub format: Format,
    /// Dialect of a .sql source [default: sqlite]
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    /// PostgreSQL server where declared DDL is loaded into a scratch database to be normalized [default: a throwaway cluster from the installed PostgreSQL binaries]
    #[arg(long, value_name = "URL")]
    pub dev_url: Option<String>,
    /// PostgreSQL: compare only this schema (namespace); repeatable [default: every non-system schema]
    #[arg(long, value_name = "NAME")]
    pub schema: Vec<String>,
}

/// Rename hints and hazard gating, shared by `diff` and `generate`.
#[derive(Debug, Args)]
pub struct SafetyArgs {
    /// A renamed column TABLE.OLD=NEW or table OLD=NEW (repeatable); unhinted, a rename is a drop and an add
    #[arg(long, value_name = "TABLE.OLD=NEW")]
    pub rename: Vec<String>,
    // Exit with 1 on a blocking hazard (the blocking codes, from the hazard table) that
    // --allow does not accept.
    #[arg(long, help = strict_help())]
    pub strict: bool,
    /// A hazard kind --strict accepts, e.g. --allow deletes-data (repeatable; added to [safety] allow in schemadiff.toml)
    #[arg(long, value_name = "KIND")]
    pub allow: Vec<String>,
    /// PostgreSQL: build and drop indexes of existing tables CONCURRENTLY, outside the transaction
    #[arg(long)]
    pub concurrently: bool,
    /// PostgreSQL: add CHECK and foreign keys to existing tables NOT VALID and validate them after the commit; SET NOT NULL through a validated CHECK
    #[arg(long)]
    pub not_valid: bool,
    /// PostgreSQL: SET lock_timeout before the script's statements, e.g. 5s (digits and a unit: us, ms, s, min, h or d)
    #[arg(long, value_name = "DURATION")]
    pub lock_timeout: Option<String>,
    /// PostgreSQL: SET statement_timeout before the script's statements, e.g. 15min
    #[arg(long, value_name = "DURATION")]
    pub statement_timeout: Option<String>,
    #[command(flatten)]
    pub manage: ManageArgs,
}

/// `--manage`, shared by `diff`, `generate` and `check`.
#[derive(Debug, Args)]
pub struct ManageArgs {
    /// PostgreSQL: compare these privilege kinds, overriding [postgres] manage: privileges, default-privileges, ownership, or none (comma-separated)
    #[arg(long, value_name = "KINDS", value_delimiter = ',', value_parser = manage_value)]
    pub manage: Option<Vec<String>>,
}

/// One `--manage` value: a kind, or `none`.
fn manage_value(text: &str) -> Result<String, String> {
    use crate::Managed;
    if text == "none" || Managed::from_name(text).is_some() {
        return Ok(text.to_string());
    }
    let names: Vec<&str> = Managed::ALL.iter().map(|m| m.name()).collect();
    Err(format!(
        "unknown kind `{}`; the kinds are {}, or none",
        crate::Printable(text),
        names.join(", ")
    ))
}

impl ManageArgs {
    /// The kinds `--manage` names (`Some(empty)` for `none`), `None` when not given.
    pub fn managed(&self) -> Option<Vec<crate::Managed>> {
        use crate::Managed;
        self.manage.as_ref().map(|v| {
            let mut out: Vec<Managed> = v.iter().filter_map(|t| Managed::from_name(t)).collect();
            out.sort();
            out.dedup();
            out
        })
    }
}

/// `--strict`'s help: the blocking hazard codes come from the hazard table.
fn strict_help() -> String {
    format!(
        "Exit with 1 on a blocking hazard ({}) that --allow does not accept, or when the declared files hold an object schemadiff does not manage (diff still prints the script; generate writes nothing)",
        crate::usecase::hazard_codes(true)
    )
}

impl SafetyArgs {
    /// The use cases' form of these options.
    pub fn safety(&self) -> crate::Safety {
        crate::Safety {
            rename: self.rename.clone(),
            allow: self.allow.clone(),
            strict: self.strict,
            flags: crate::LockOptions {
                concurrent_indexes: self.concurrently,
                not_valid: self.not_valid,
                lock_timeout: self.lock_timeout.clone(),
                statement_timeout: self.statement_timeout.clone(),
                manage: self.manage.managed(),
                roles: Default::default(),
            },
        }
    }
}

impl RevisionArgs {
    /// The `generate` this `revision` stands for: empty unless `--autogenerate`.
    pub fn into_generate(self) -> GenerateArgs {
        let mut g = self.generate;
        g.empty |= !self.autogenerate;
        g
    }
}
