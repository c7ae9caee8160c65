//! `completions SHELL` and `man`: shell completion scripts and the man page, generated from
//! the clap definition of the command line (so they list every subcommand and flag the
//! binary has).

use super::{args, write_stdout, Error, Outcome};
use clap::CommandFactory;
use std::path::Path;

/// Prints the completion script for `shell` on stdout.
pub fn completions(a: &args::CompletionsArgs) -> Result<Outcome, Error> {
    let mut cmd = args::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "schemadiff", &mut out);
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(Outcome::Clean)
}

/// Prints the man page `schemadiff(1)` on stdout, or with `--dir` writes it and one page per
/// subcommand (`schemadiff-diff.1`, …) into that directory.
pub fn man(a: &args::ManArgs) -> Result<Outcome, Error> {
    let cmd = args::Cli::command();
    match &a.dir {
        Some(dir) => {
            write_pages(cmd, dir).map_err(|error| Error::ManPages {
                dir: dir.clone(),
                error,
            })?;
            Ok(Outcome::Clean)
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(Error::Output)?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(Outcome::Clean)
        }
    }
}

/// `schemadiff.1` and a page for each subcommand, in `dir` (created if missing).
fn write_pages(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(cmd, dir)
}
