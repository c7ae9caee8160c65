//! Command-line arguments. Help text lives here, on the clap structs.

use crate::source::Dialect;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Schema diffs and migrations for SQLite and PostgreSQL, in plain SQL
#[derive(Debug, Parser)]
#[command(name = "schemadiff", version, about, long_about = None)]
#[command(
    after_help = "Sources: sqlite:///relative.db, sqlite:////absolute.db, sqlite:///:memory:,\n\
postgresql://user@host/db (also postgresql+psycopg2://…), or a path to a .sql file or a\n\
directory of .sql files (declared DDL).\n\n\
Exit codes: 0 success or no changes, 1 changes found (--exit-code), 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the upgrade script that turns one schema into another
    Diff(DiffArgs),
    /// Print a schema as canonical DDL or JSON
    Inspect(InspectArgs),
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
    /// A renamed column TABLE.OLD=NEW or table OLD=NEW (repeatable); unhinted, a rename is a drop and an add
    #[arg(long, value_name = "TABLE.OLD=NEW")]
    pub rename: Vec<String>,
    /// Exit with 1 when the script has a blocking hazard (deletes-data, likely-rename,
    /// may-fail-on-existing-rows) that --allow does not accept; the script is still printed
    #[arg(long)]
    pub strict: bool,
    /// A hazard kind --strict accepts, e.g. --allow deletes-data (repeatable)
    #[arg(long, value_name = "KIND")]
    pub allow: Vec<String>,
    /// Version of the SQLite that will run the script (decides native DROP/RENAME COLUMN)
    #[arg(long, value_name = "X.Y.Z")]
    pub sqlite_version: Option<String>,
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
}
