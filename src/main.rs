//! The `schemadiff` binary: parses arguments, runs the command, maps the outcome to an exit
//! code (0 success, 1 changes found, 2 error).

use clap::Parser;
use schemadiff::cli::{run, Cli, Outcome};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    schemadiff::declare::drop_scratch_on_interrupt();
    let result = run(cli);
    schemadiff::declare::finish_interrupt();
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Changes) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}
