//! Revisions: one SQL file per revision (format in DESIGN.md) and the graph they form.
//!
//! Owns reading and writing revision files; the graph ([`Graph`]) answers heads, bases,
//! order and targets. Must not import `apply` or `cli`.

mod file;
mod graph;
pub mod snapshot;
mod time;

pub use file::{checksum, file_name, parse, render, valid_id, Revision};
pub use graph::{Graph, Target};
pub use time::utc_now;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a schemadiff revision: {reason}", path.display())]
    #[diagnostic(help("a revision file starts with `-- schemadiff revision`, then `-- id:`, `-- parents:`, `-- message:`, and has `-- migrate:up` and `-- migrate:down` sections"))]
    Malformed { path: PathBuf, reason: String },
    #[error("{}: bad revision id `{}` on the `-- {line}:` line", path.display(), crate::sqltext::comment::Printable(value))]
    #[diagnostic(help("a revision id is 1 to 64 ASCII letters, digits or `_` (schemadiff writes 12 hex digits); correct the line, or restore the file from version control"))]
    BadId {
        path: PathBuf,
        line: &'static str,
        value: String,
    },
    #[error("revision id {id} is used by both {} and {}", first.display(), second.display())]
    Duplicate {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("revision {id} ({}) names parent {parent}, which no file in the migrations directory has", path.display())]
    #[diagnostic(help("restore the parent's file, or correct the `-- parents:` line"))]
    MissingParent {
        id: String,
        parent: String,
        path: PathBuf,
    },
    #[error("the revisions form a cycle: {}", ids.join(" -> "))]
    Cycle { ids: Vec<String> },
    #[error("no revision matches `{0}`")]
    #[diagnostic(help(
        "name a revision by its id or a unique prefix of it (`schemadiff history` lists them), or use upgrade's head, heads or +N, downgrade's base or -N, stamp's head, heads or base"
    ))]
    UnknownTarget(String),
    #[error("`{prefix}` is ambiguous: it matches {}", ids.join(", "))]
    Ambiguous { prefix: String, ids: Vec<String> },
    #[error("there are several heads ({}); `head` is ambiguous", heads.join(", "))]
    #[diagnostic(help("merge them with `schemadiff merge -m \"merge heads\" heads`, or name one head ({})", heads.join(", ")))]
    MultipleHeads { heads: Vec<String> },
    #[error("{0}")]
    Relative(String),
}

/// Reads every `*.sql` revision file in `dir` (a missing directory holds none); a byte order
/// mark is dropped and CRLF read as LF.
pub fn load_dir(dir: &Path) -> Result<Vec<Revision>, Error> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            // A byte order mark or CRLF endings (a Windows editor, git's autocrlf) read as
            // the same revision; the checksum stays over the file's bytes, so revisions
            // applied before are still recognized.
            let mut rev = parse(&path, &crate::textfile::normalize_sql(&text))?;
            rev.checksum = checksum(&text);
            Ok(rev)
        })
        .collect()
}
