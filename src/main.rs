//! The `schemadiff` binary: parses arguments, runs the command, maps the outcome to an exit
//! code (0 success, 1 changes found, 2 error, 130 interrupted by Ctrl-C).

use clap::Parser;
use schemadiff::cli::{run, Cli, Outcome};
use std::process::ExitCode;

/// The exit code after Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: i32 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_on_interrupt();
    let result = run(cli);
    schemadiff::cli::finish_interrupt();
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Changes) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

/// Installs the one Ctrl-C (SIGINT) handler: during `upgrade`, `downgrade` or `stamp` it
/// cancels the running statement and lets the run roll back and report; otherwise (and on a
/// second Ctrl-C) it drops every live scratch database and exits with 130.
fn exit_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if let Some(_dropped) = schemadiff::cli::interrupt() {
            eprintln!("schemadiff: interrupted; scratch databases dropped");
            std::process::exit(INTERRUPTED);
        }
    });
}
