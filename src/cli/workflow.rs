//! The revision workflow commands (Alembic's vocabulary): init, generate, upgrade,
//! downgrade, current, history, heads, branches, show, stamp, merge: their use cases'
//! results, printed.

use super::{args, print_note, report_unmanaged, write_stdout, Error, Outcome};
use crate::usecase::generate::{GenerateRequest, Generated};
use crate::usecase::migrate::{MoveRequest, Moved};
use crate::{Direction, Printable};
use std::path::Path;

pub fn init(a: args::InitArgs) -> Result<Outcome, Error> {
    let from_env = std::env::var("DATABASE_URL")
        .ok()
        .and_then(|u| crate::dialect_of_url(&u));
    let dialect = match (a.dialect, from_env) {
        (Some(d), _) => d,
        (None, Some(d)) => {
            eprintln!("  Dialect {} (from DATABASE_URL)", d.name());
            d
        }
        (None, None) => crate::Dialect::DEFAULT,
    };
    for path in crate::init(&a.dir, dialect)? {
        eprintln!("  Creating {}", path.display());
    }
    eprintln!("Edit schemas/, then run `schemadiff generate -m \"first revision\"`.");
    Ok(Outcome::Clean)
}

pub fn generate(cfg: Option<&Path>, a: args::GenerateArgs) -> Result<Outcome, Error> {
    if a.verbose {
        crate::explain_cache(|line| eprintln!("  {}", Printable(line)));
    }
    let req = GenerateRequest {
        message: a.message.clone(),
        from_db: a.from_db,
        empty: a.empty,
        rev_id: a.rev_id.clone(),
        safety: a.safety.safety(),
    };
    match crate::generate(cfg, &req, &print_note)? {
        Generated::NoChanges => {
            eprintln!("No changes detected");
            Ok(Outcome::Clean)
        }
        Generated::Blocked { hazards, unmanaged } => {
            report_unmanaged(&unmanaged, "schemas/");
            match hazards {
                0 => eprintln!("--strict: nothing written"),
                n => eprintln!("--strict: {n} blocking hazard(s); nothing written"),
            }
            Ok(Outcome::Changes)
        }
        Generated::Written(path) => {
            eprintln!("  Generating {} ... done", path.display());
            Ok(Outcome::Clean)
        }
    }
}

pub fn upgrade(cfg: Option<&Path>, a: args::MoveArgs, dir: Direction) -> Result<Outcome, Error> {
    let req = MoveRequest {
        target: a.target,
        dir,
        sql: a.sql,
        accept: a.accept_edited,
        verbose: a.verbose,
    };
    match crate::upgrade(cfg, &req, &print_note)? {
        Moved::Script(script) => write_stdout(&script)?,
        Moved::Ran { ran, target } if ran.is_empty() => {
            eprintln!("Nothing to do for {target}");
        }
        Moved::Ran { .. } => {}
    }
    Ok(Outcome::Clean)
}

pub fn current(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let (heads, tips) = crate::current(cfg)?;
    let mut out = if heads.is_empty() {
        "<base> (no revision applied)\n".to_string()
    } else {
        String::new()
    };
    for h in &heads {
        let mark = if tips.contains(h) { " (head)" } else { "" };
        out.push_str(&format!("{}{mark}\n", Printable(h)));
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn history(cfg: Option<&Path>, a: &args::HistoryArgs) -> Result<Outcome, Error> {
    let mut out = String::new();
    let entries = crate::history(cfg, a.range.as_deref())?;
    // -i: the revisions the database is at (read after the files, so a broken history is
    // reported before the database is opened).
    let current = match a.indicate_current {
        true => crate::current(cfg)?.0,
        false => Vec::new(),
    };
    for r in entries {
        let parents = if r.parents.is_empty() {
            "<base>".to_string()
        } else {
            r.parents.join(", ")
        };
        let mut mark = if r.head { " (head)" } else { "" }.to_string();
        if current.contains(&r.id) {
            mark.push_str(" (current)");
        }
        out.push_str(&format!(
            "{parents} -> {}{mark}, {}\n",
            r.id,
            Printable(&r.message)
        ));
        if a.verbose {
            out.push_str(&format!(
                "    file: {}\n    created: {}\n",
                Printable(&r.path.display().to_string()),
                Printable(&r.created)
            ));
            for hazard in &r.hazards {
                out.push_str(&format!("    {}\n", Printable(hazard)));
            }
        }
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn branches(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let mut out = String::new();
    for b in crate::branches(cfg)? {
        out.push_str(&format!(
            "{} (branchpoint), {}\n    -> {}\n",
            b.id,
            Printable(&b.message),
            b.children.join(", ")
        ));
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn show(cfg: Option<&Path>, rev: &str) -> Result<Outcome, Error> {
    let r = crate::show(cfg, rev)?;
    let text = std::fs::read_to_string(&r.path).map_err(Error::Output)?;
    write_stdout(&format!(
        "Rev: {}\nParent: {}\nPath: {}\nChecksum: {}\n\n{text}",
        r.id,
        if r.parents.is_empty() {
            "<base>".into()
        } else {
            r.parents.join(", ")
        },
        Printable(&r.path.display().to_string()),
        r.checksum
    ))?;
    Ok(Outcome::Clean)
}

pub fn heads(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let out: String = crate::heads(cfg)?
        .iter()
        .map(|h| format!("{h} (head)\n"))
        .collect();
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn stamp(cfg: Option<&Path>, a: args::StampArgs) -> Result<Outcome, Error> {
    let heads = crate::stamp(cfg, &a.target, a.purge, &print_note)?;
    eprintln!(
        "Stamped: {}",
        if heads.is_empty() {
            "<base>".into()
        } else {
            heads.join(", ")
        }
    );
    Ok(Outcome::Clean)
}

pub fn merge(cfg: Option<&Path>, a: args::MergeArgs) -> Result<Outcome, Error> {
    let path = crate::merge(cfg, &a.revisions, &a.message, a.rev_id.as_deref())?;
    eprintln!("  Generating {} ... done", path.display());
    Ok(Outcome::Clean)
}
