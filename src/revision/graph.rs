//! The revision graph (a DAG: merges have several parents). What is applied is recorded as
//! its heads (Alembic's meaning of the version table); the applied set is their ancestors.

use super::{Error, Revision};
use std::collections::{BTreeMap, BTreeSet};

/// Where `upgrade`, `downgrade` and `stamp` go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Head,
    Heads,
    Base,
    Rev(String),
    /// `+N` (positive) or `-N` (negative) steps from the current revision.
    Relative(i64),
}

impl Target {
    /// Parses `head`, `heads`, `base`, `+N`, `-N` or a revision id (prefix).
    pub fn parse(text: &str) -> Target {
        match text {
            "head" => Target::Head,
            "heads" => Target::Heads,
            "base" => Target::Base,
            t if (t.starts_with('+') || t.starts_with('-')) && t[1..].parse::<i64>().is_ok() => {
                Target::Relative(t.parse().unwrap_or(0))
            }
            t => Target::Rev(t.to_string()),
        }
    }
}

/// Parents before children; among revisions free to go next, the smallest id first, so the
/// order never depends on how ids happen to sort against each other. Nodes left over form
/// a cycle.
fn kahn(
    revs: &BTreeMap<String, Revision>,
    children: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<String>, Error> {
    let mut waiting: BTreeMap<&str, usize> = revs
        .iter()
        .map(|(id, r)| (id.as_str(), r.parents.len()))
        .collect();
    let mut ready: BTreeSet<&str> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    let mut order: Vec<String> = Vec::with_capacity(revs.len());
    while let Some(id) = ready.pop_first() {
        order.push(id.to_string());
        for c in &children[id] {
            if let Some(n) = waiting.get_mut(c.as_str()) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(c.as_str());
                }
            }
        }
    }
    if order.len() < revs.len() {
        let ids = waiting
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(id, _)| id.to_string())
            .collect();
        return Err(Error::Cycle { ids });
    }
    Ok(order)
}

/// A validated graph of revisions.
#[derive(Debug)]
pub struct Graph {
    revs: BTreeMap<String, Revision>,
    children: BTreeMap<String, Vec<String>>,
    order: Vec<String>,
}

impl Graph {
    /// Builds the graph; duplicate ids, missing parents and cycles are errors naming files.
    pub fn new(list: Vec<Revision>) -> Result<Graph, Error> {
        let mut revs: BTreeMap<String, Revision> = BTreeMap::new();
        for r in list {
            if let Some(first) = revs.get(&r.id) {
                return Err(Error::Duplicate {
                    id: r.id.clone(),
                    first: first.path.clone(),
                    second: r.path,
                });
            }
            revs.insert(r.id.clone(), r);
        }
        let mut children: BTreeMap<String, Vec<String>> =
            revs.keys().map(|k| (k.clone(), Vec::new())).collect();
        for r in revs.values() {
            for p in &r.parents {
                if !revs.contains_key(p) {
                    return Err(Error::MissingParent {
                        id: r.id.clone(),
                        parent: p.clone(),
                        path: r.path.clone(),
                    });
                }
                children.entry(p.clone()).or_default().push(r.id.clone());
            }
        }
        let order = kahn(&revs, &children)?;
        Ok(Graph {
            revs,
            children,
            order,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.revs.get(id)
    }

    /// Revisions in dependency order (parents first).
    pub fn ordered(&self) -> impl DoubleEndedIterator<Item = &Revision> {
        self.order.iter().filter_map(|id| self.revs.get(id))
    }

    /// Revisions no other revision builds on.
    pub fn heads(&self) -> Vec<&str> {
        self.order
            .iter()
            .filter(|id| self.children[*id].is_empty())
            .map(String::as_str)
            .collect()
    }

    /// Returns the single head, or an error naming them all.
    pub fn head(&self) -> Result<Option<&str>, Error> {
        match self.heads().as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            many => Err(Error::MultipleHeads {
                heads: many.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    /// Resolves an id or a unique prefix.
    pub fn resolve(&self, prefix: &str) -> Result<&str, Error> {
        let hits: Vec<&str> = self
            .revs
            .keys()
            .filter(|k| k.starts_with(prefix))
            .map(String::as_str)
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::UnknownTarget(prefix.to_string())),
            _ => Err(Error::Ambiguous {
                prefix: prefix.into(),
                ids: hits.iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    /// Returns `ids` and all their ancestors.
    pub fn closure<'a>(&'a self, ids: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo: Vec<&str> = ids.into_iter().collect();
        while let Some(id) = todo.pop() {
            if let Some(r) = self.revs.get(id) {
                if out.insert(id.to_string()) {
                    todo.extend(r.parents.iter().map(String::as_str));
                }
            }
        }
        out
    }

    /// Returns the heads of an applied set: members none of whose children are applied.
    pub fn heads_of(&self, applied: &BTreeSet<String>) -> Vec<String> {
        self.order
            .iter()
            .filter(|id| {
                applied.contains(*id) && !self.children[*id].iter().any(|c| applied.contains(c))
            })
            .cloned()
            .collect()
    }

    /// The revisions to run, in order, to reach `target` from the applied `current` heads.
    pub fn upgrade_path(
        &self,
        current: &[String],
        target: &Target,
    ) -> Result<Vec<&Revision>, Error> {
        let applied = self.closure(current.iter().map(String::as_str));
        let goal: BTreeSet<String> = match target {
            Target::Head => self.closure(self.head()?),
            Target::Heads => self.closure(self.heads()),
            Target::Rev(r) => self.closure([self.resolve(r)?]),
            Target::Relative(n) if *n > 0 => {
                let mut at = self.single(current)?;
                let mut goal = applied.clone();
                for _ in 0..*n {
                    let next = self.single_child(at.as_deref())?;
                    goal.insert(next.clone());
                    at = Some(next);
                }
                goal
            }
            _ => {
                return Err(Error::Relative(
                    "upgrade needs head, heads, a revision or +N".into(),
                ))
            }
        };
        Ok(self
            .ordered()
            .filter(|r| goal.contains(&r.id) && !applied.contains(&r.id))
            .collect())
    }

    /// The revisions to undo, in order, to come down to `target` from the `current` heads.
    /// `-N` undoes, N times, the head of what is applied: when there are several (after a
    /// merge was undone, or branches were upgraded apart), the one that came up last
    /// (`applied_order`: revision → rank, from the history table), going back along the
    /// path `upgrade` took; when it does not tell, an error says which revision to name.
    pub fn downgrade_path(
        &self,
        current: &[String],
        target: &Target,
        applied_order: &BTreeMap<String, usize>,
    ) -> Result<Vec<&Revision>, Error> {
        let applied = self.closure(current.iter().map(String::as_str));
        let keep: BTreeSet<String> = match target {
            Target::Base => BTreeSet::new(),
            Target::Rev(r) => self.closure([self.resolve(r)?]),
            Target::Relative(n) if *n < 0 => {
                return self.steps_down(applied, n.unsigned_abs(), applied_order)
            }
            _ => {
                return Err(Error::Relative(
                    "downgrade needs base, a revision or -N".into(),
                ))
            }
        };
        Ok(self
            .ordered()
            .rev()
            .filter(|r| applied.contains(&r.id) && !keep.contains(&r.id))
            .collect())
    }

    /// `-n`: the heads undone one at a time, each the last applied of the heads then.
    fn steps_down(
        &self,
        mut applied: BTreeSet<String>,
        n: u64,
        applied_order: &BTreeMap<String, usize>,
    ) -> Result<Vec<&Revision>, Error> {
        let mut out = Vec::new();
        for _ in 0..n {
            let heads = self.heads_of(&applied);
            let undo = match heads.as_slice() {
                [] => {
                    return Err(Error::Relative(format!(
                        "cannot go -{n}: base reached first"
                    )))
                }
                [one] => one.clone(),
                many => match last_applied(many, applied_order) {
                    Some(last) => last,
                    None => return Err(self.ambiguous_step(many, &applied, n)),
                },
            };
            applied.remove(&undo);
            out.push(&self.revs[&undo]);
        }
        Ok(out)
    }

    /// `-n` from several heads whose order the history table does not record: for each
    /// head, the revision to name to undo just it.
    fn ambiguous_step(&self, heads: &[String], applied: &BTreeSet<String>, n: u64) -> Error {
        let ways: Vec<String> = heads
            .iter()
            .map(|h| {
                let mut rest = applied.clone();
                rest.remove(h);
                match self.heads_of(&rest).as_slice() {
                    [] => format!("`schemadiff downgrade base` undoes {h}"),
                    [one] => format!("`schemadiff downgrade {one}` undoes {h}"),
                    _ => format!("no single revision undoes just {h}"),
                }
            })
            .collect();
        Error::Relative(format!(
            "-{n} is ambiguous: the database is at {}, and its history table does not record which was applied last; name the revision to go down to: {}",
            heads.join(", "),
            ways.join("; ")
        ))
    }

    fn single(&self, current: &[String]) -> Result<Option<String>, Error> {
        match current {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            many => Err(Error::MultipleHeads {
                heads: many.to_vec(),
            }),
        }
    }

    fn single_child(&self, at: Option<&str>) -> Result<String, Error> {
        let next: Vec<&String> = match at {
            None => self
                .order
                .iter()
                .filter(|id| self.revs[*id].parents.is_empty())
                .collect(),
            Some(id) => self.children[id].iter().collect(),
        };
        match next.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::Relative("cannot go further: head reached".into())),
            _ => Err(Error::Relative(
                "the history branches here; name a revision".into(),
            )),
        }
    }
}

/// Of `heads`, the one that came up last, if `applied_order` ranks each and one ranks
/// above the others.
fn last_applied(heads: &[String], applied_order: &BTreeMap<String, usize>) -> Option<String> {
    let mut ranked: Vec<(usize, &String)> = heads
        .iter()
        .map(|h| applied_order.get(h).map(|n| (*n, h)))
        .collect::<Option<_>>()?;
    ranked.sort();
    match ranked.as_slice() {
        [.., (a, _), (b, last)] if a < b => Some((*last).clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, parents: &[&str]) -> Revision {
        Revision {
            id: id.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            message: String::new(),
            created: String::new(),
            up: String::new(),
            down: String::new(),
            path: format!("{id}.sql").into(),
            checksum: String::new(),
        }
    }

    //  a ── b ── c ── m (merge)
    //        └── d ──┘
    fn graph() -> Graph {
        Graph::new(vec![
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["b"]),
            rev("d", &["b"]),
            rev("m", &["c", "d"]),
        ])
        .unwrap()
    }

    fn ids(revs: Vec<&Revision>) -> Vec<&str> {
        revs.into_iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn paths_follow_the_dag() {
        let g = graph();
        assert_eq!(g.heads(), ["m"]);
        assert_eq!(ids(g.upgrade_path(&[], &Target::Head).unwrap()).len(), 5);
        assert_eq!(
            ids(g
                .upgrade_path(&["b".into()], &Target::Rev("c".into()))
                .unwrap()),
            ["c"]
        );
        assert_eq!(
            ids(g.upgrade_path(&[], &Target::Relative(2)).unwrap()),
            ["a", "b"]
        );
        let down = ids(g
            .downgrade_path(&["m".into()], &Target::Rev("b".into()), &BTreeMap::new())
            .unwrap());
        assert_eq!(down.first(), Some(&"m"));
        assert_eq!(down.len(), 3);
        assert_eq!(
            ids(g
                .downgrade_path(&["c".into()], &Target::Relative(-1), &BTreeMap::new())
                .unwrap()),
            ["c"]
        );
        assert!(
            g.upgrade_path(&["b".into()], &Target::Relative(1)).is_err(),
            "branches after b"
        );
        let applied = g.closure(["c"]);
        assert_eq!(g.heads_of(&applied), ["c"]);
    }

    #[test]
    fn minus_n_across_a_merge_follows_the_order_revisions_were_applied() {
        let g = graph();
        let m = ["m".to_string()];
        let order = |ids: &[&str]| -> BTreeMap<String, usize> {
            ids.iter()
                .enumerate()
                .map(|(n, s)| (s.to_string(), n))
                .collect()
        };
        let none = BTreeMap::new();
        // d came up after c: -2 undoes the merge, then d.
        let down = g.downgrade_path(
            &m,
            &Target::Relative(-2),
            &order(&["a", "b", "c", "d", "m"]),
        );
        assert_eq!(ids(down.unwrap()), ["m", "d"]);
        // c came up after d: -2 undoes the merge, then c; -4 ends at a.
        let order_cd = order(&["a", "b", "d", "c", "m"]);
        let down = g.downgrade_path(&m, &Target::Relative(-2), &order_cd);
        assert_eq!(ids(down.unwrap()), ["m", "c"]);
        let down = g.downgrade_path(&m, &Target::Relative(-4), &order_cd);
        assert_eq!(ids(down.unwrap()), ["m", "c", "d", "b"]);
        // The order unknown (stamped): -1 undoes the merge, -2 names the way out.
        assert_eq!(
            ids(g.downgrade_path(&m, &Target::Relative(-1), &none).unwrap()),
            ["m"]
        );
        let err = g
            .downgrade_path(&m, &Target::Relative(-2), &none)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`schemadiff downgrade d` undoes c")
                && err.contains("`schemadiff downgrade c` undoes d"),
            "{err}"
        );
        // c and d stamped together: neither came up last.
        let tied: BTreeMap<String, usize> = [("c".to_string(), 3), ("d".to_string(), 3)].into();
        let heads = ["c".to_string(), "d".to_string()];
        assert!(g
            .downgrade_path(&heads, &Target::Relative(-1), &tied)
            .is_err());
        let too_far = g.downgrade_path(&m, &Target::Relative(-6), &order_cd);
        assert!(too_far.unwrap_err().to_string().contains("base reached"));
    }

    #[test]
    fn broken_graphs_are_errors() {
        //  a ── b ── a (cycle)
        assert!(matches!(
            Graph::new(vec![rev("a", &["b"]), rev("b", &["a"])]),
            Err(Error::Cycle { .. })
        ));
        assert!(matches!(
            Graph::new(vec![rev("a", &["zz"])]),
            Err(Error::MissingParent { .. })
        ));
        assert!(matches!(
            Graph::new(vec![rev("a", &[]), rev("a", &[])]),
            Err(Error::Duplicate { .. })
        ));
        let two_heads =
            Graph::new(vec![rev("a", &[]), rev("b", &["a"]), rev("c", &["a"])]).unwrap();
        assert!(matches!(
            two_heads.upgrade_path(&[], &Target::Head),
            Err(Error::MultipleHeads { .. })
        ));
        assert_eq!(two_heads.resolve("b").unwrap(), "b");
    }
}
