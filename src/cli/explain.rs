//! `schemadiff explain [KIND]`: prints a hazard kind's page, embedded in the binary, or
//! lists every kind with its one-line summary.

use super::args::ExplainArgs;
use super::{write_stdout, Error, Outcome};
use crate::HazardKind;

/// Prints the page of `args.kind`, or the list of kinds when it is absent.
pub(crate) fn explain(args: &ExplainArgs) -> Result<Outcome, Error> {
    let Some(code) = args.kind.as_deref() else {
        write_stdout(&list())?;
        return Ok(Outcome::Clean);
    };
    match HazardKind::from_code(code) {
        Some(kind) => write_stdout(&for_reader(kind.info().page))?,
        None => {
            return Err(Error::UnknownHazard {
                kind: crate::Printable(code).to_string(),
                known: HazardKind::ALL
                    .iter()
                    .map(|k| k.info().code)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }
    Ok(Outcome::Clean)
}

/// A page as a reader sees it rendered: without the lines that only tell the docs' example
/// runner how to run a block (`<!-- doc-example: … -->`, tests/doc_examples.rs).
fn for_reader(page: &str) -> String {
    page.split_inclusive('\n')
        .filter(|line| !line.trim_start().starts_with("<!-- doc-example"))
        .collect()
}

/// One line per kind: code, whether `--strict` blocks it, summary.
fn list() -> String {
    let width = HazardKind::ALL
        .iter()
        .map(|k| k.info().code.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for kind in HazardKind::ALL {
        let info = kind.info();
        let blocks = if info.blocking {
            "blocking"
        } else {
            "informs "
        };
        out.push_str(&format!(
            "{:width$}  {blocks}  {}\n",
            info.code, info.summary
        ));
    }
    out.push_str(
        "\nRun `schemadiff explain KIND` for a kind's page: what triggers it and what to do.\n",
    );
    out
}
