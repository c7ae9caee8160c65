//! The revision workflow commands (Alembic's vocabulary): init, generate, upgrade,
//! downgrade, current, history, heads, branches, show, stamp, merge: their use cases'
//! results, printed.

use super::{args, json, print_note, report_unmanaged, write_stdout, Error, Outcome};
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
    let generated = crate::generate(cfg, &req, &print_note).map_err(Error::from);
    let generated = json::or_error(a.output.json(), generated)?;
    if a.output.json() {
        json::print(&json::GenerateDoc::of(&generated))?;
    }
    match generated {
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
    let json = a.output.json();
    if json && a.sql {
        return json::or_error(json, Err(Error::JsonSql));
    }
    let req = MoveRequest {
        target: a.target,
        dir,
        sql: a.sql,
        accept: a.accept_edited,
        verbose: a.verbose,
    };
    if json {
        return upgrade_json(cfg, &req);
    }
    match crate::upgrade(cfg, &req, &print_note)? {
        Moved::Script(script) => write_stdout(&script)?,
        Moved::Ran { ran, target } if ran.is_empty() => {
            eprintln!("Nothing to do for {target}");
        }
        Moved::Ran { .. } => {}
    }
    Ok(Outcome::Clean)
}

/// `upgrade`/`downgrade --format json`: the run's document, also when it fails.
fn upgrade_json(cfg: Option<&Path>, req: &MoveRequest) -> Result<Outcome, Error> {
    let log = json::MoveLog::default();
    let notes = |note: crate::Note| {
        log.record(&note);
        print_note(note);
    };
    let started = std::time::Instant::now();
    let result = crate::upgrade(cfg, req, &notes).map_err(Error::from);
    let target = crate::usecase::migrate::target_text(req);
    let millis = started.elapsed().as_millis();
    json::print(&log.doc(req.dir, target, millis, result.as_ref().err()))?;
    match result? {
        Moved::Ran { ran, target } if ran.is_empty() => eprintln!("Nothing to do for {target}"),
        _ => {}
    }
    Ok(Outcome::Clean)
}

pub fn current(cfg: Option<&Path>, json: bool) -> Result<Outcome, Error> {
    let (heads, tips) = json::or_error(json, crate::current(cfg).map_err(Error::from))?;
    if json {
        json::print(&json::CurrentDoc {
            current: heads
                .iter()
                .map(|h| json::CurrentRev {
                    id: h.clone(),
                    is_head: tips.contains(h),
                })
                .collect(),
            heads: tips,
        })?;
        return Ok(Outcome::Clean);
    }
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
    let json = a.output.json();
    let read = || -> Result<_, crate::Error> {
        let entries = crate::history(cfg, a.range.as_deref())?;
        // -i: the revisions the database is at (read after the files, so a broken history
        // is reported before the database is opened).
        let current = match a.indicate_current {
            true => crate::current(cfg)?.0,
            false => Vec::new(),
        };
        Ok((entries, current))
    };
    let (entries, current) = json::or_error(json, read().map_err(Error::from))?;
    if json {
        let revisions = entries
            .into_iter()
            .map(|r| json::HistoryRev {
                is_current: a.indicate_current.then(|| current.contains(&r.id)),
                is_mergepoint: r.parents.len() > 1,
                id: r.id,
                parents: r.parents,
                message: r.message,
                created: r.created,
                path: r.path.display().to_string(),
                is_head: r.head,
                is_branchpoint: r.branchpoint,
                hazards: r.hazards,
            })
            .collect();
        json::print(&json::HistoryDoc { revisions })?;
        return Ok(Outcome::Clean);
    }
    let mut out = String::new();
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

pub fn branches(cfg: Option<&Path>, json: bool) -> Result<Outcome, Error> {
    let branches = json::or_error(json, crate::branches(cfg).map_err(Error::from))?;
    if json {
        let branches = branches
            .into_iter()
            .map(|b| json::BranchRev {
                id: b.id,
                message: b.message,
                children: b.children,
            })
            .collect();
        json::print(&json::BranchesDoc { branches })?;
        return Ok(Outcome::Clean);
    }
    let mut out = String::new();
    for b in branches {
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

pub fn show(cfg: Option<&Path>, rev: &str, json: bool) -> Result<Outcome, Error> {
    let r = json::or_error(json, crate::show(cfg, rev).map_err(Error::from))?;
    if json {
        json::print(&json::ShowDoc {
            id: r.id,
            parents: r.parents,
            message: r.message,
            created: r.created,
            path: r.path.display().to_string(),
            checksum: r.checksum,
            upgrade: r.up,
            downgrade: r.down,
        })?;
        return Ok(Outcome::Clean);
    }
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

pub fn heads(cfg: Option<&Path>, json: bool) -> Result<Outcome, Error> {
    let heads = json::or_error(json, crate::heads(cfg).map_err(Error::from))?;
    if json {
        json::print(&json::HeadsDoc { heads })?;
        return Ok(Outcome::Clean);
    }
    let out: String = heads.iter().map(|h| format!("{h} (head)\n")).collect();
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn stamp(cfg: Option<&Path>, a: args::StampArgs) -> Result<Outcome, Error> {
    let json = a.output.json();
    let heads = crate::stamp(cfg, &a.target, a.purge, &print_note).map_err(Error::from);
    let heads = json::or_error(json, heads)?;
    if json {
        json::print(&json::StampDoc {
            heads: heads.clone(),
        })?;
    }
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
    let json = a.output.json();
    let path = crate::merge(cfg, &a.revisions, &a.message, a.rev_id.as_deref());
    let path = json::or_error(json, path.map_err(Error::from))?;
    if json {
        json::print(&json::MergeDoc {
            path: path.display().to_string(),
        })?;
    }
    eprintln!("  Generating {} ... done", path.display());
    Ok(Outcome::Clean)
}
