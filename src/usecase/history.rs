//! The engine-free reads of the revision history: `history`, `heads`, `branches`, `show`.

use super::config::Project;
use super::migrate::offline_range;
use super::{graph, Error};
use crate::engine::Direction;
use crate::revision::Target;
use crate::sqltext::comment;
use std::path::PathBuf;

/// One revision as `history` lists it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub parents: Vec<String>,
    pub message: String,
    /// Whether it is a head.
    pub head: bool,
    /// Whether more than one revision has it as a parent.
    pub branchpoint: bool,
    pub path: PathBuf,
    pub created: String,
    /// The hazard lines of its upgrade section, unescaped, as written.
    pub hazards: Vec<String>,
}

/// The revisions, newest first; with `range` (`FROM:TO`, or `FROM` meaning `FROM:head`)
/// only those an upgrade over it runs.
pub fn history(p: &Project, range: Option<&str>) -> Result<Vec<Entry>, Error> {
    let g = graph(p)?;
    let tips = g.heads();
    let only: Option<Vec<String>> = match range {
        Some(r) => {
            let r = if r.contains(':') {
                r.to_string()
            } else {
                format!("{r}:head")
            };
            let (_, path) = offline_range(&g, &r, Direction::Up)?;
            Some(path.iter().map(|rev| rev.id.clone()).collect())
        }
        None => None,
    };
    Ok(g.ordered()
        .rev()
        .filter(|r| only.as_ref().is_none_or(|ids| ids.contains(&r.id)))
        .map(|r| Entry {
            id: r.id.clone(),
            parents: r.parents.clone(),
            message: r.message.clone(),
            head: tips.contains(&r.id.as_str()),
            branchpoint: g.ordered().filter(|c| c.parents.contains(&r.id)).count() > 1,
            path: r.path.clone(),
            created: r.created.clone(),
            // Read back as written (a hand-edited line is escaped again when shown).
            hazards: r
                .up
                .lines()
                .filter_map(comment::text_of)
                .filter(|t| t.starts_with("hazard["))
                .map(comment::unescape)
                .collect(),
        })
        .collect())
}

/// The head revisions.
pub fn heads(p: &Project) -> Result<Vec<String>, Error> {
    let g = graph(p)?;
    Ok(g.heads().iter().map(|h| h.to_string()).collect())
}

/// A revision with more than one child.
#[derive(Debug, Clone)]
pub struct Branch {
    pub id: String,
    pub message: String,
    pub children: Vec<String>,
}

/// The revisions where the history branches, oldest first.
pub fn branches(p: &Project) -> Result<Vec<Branch>, Error> {
    let g = graph(p)?;
    let mut out = Vec::new();
    for r in g.ordered() {
        let children: Vec<String> = g
            .ordered()
            .filter(|c| c.parents.contains(&r.id))
            .map(|c| c.id.clone())
            .collect();
        if children.len() > 1 {
            out.push(Branch {
                id: r.id.clone(),
                message: r.message.clone(),
                children,
            });
        }
    }
    Ok(out)
}

/// One revision as `show` prints it (the file is read by the caller).
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: String,
    pub parents: Vec<String>,
    pub path: PathBuf,
    pub checksum: String,
    pub message: String,
    pub created: String,
    /// The upgrade and downgrade sections, as written.
    pub up: String,
    pub down: String,
}

/// The revision `rev` names (`head`, an id or its prefix).
pub fn show(p: &Project, rev: &str) -> Result<Shown, Error> {
    let g = graph(p)?;
    let id = match Target::parse(rev) {
        Target::Head => g.head()?.ok_or(Error::NoRevisions)?,
        _ => g.resolve(rev)?,
    };
    let r = g
        .get(id)
        .ok_or_else(|| Error::NoRevision { id: id.to_string() })?;
    Ok(Shown {
        id: r.id.clone(),
        parents: r.parents.clone(),
        path: r.path.clone(),
        checksum: r.checksum.clone(),
        message: r.message.clone(),
        created: r.created.clone(),
        up: r.up.clone(),
        down: r.down.clone(),
    })
}
