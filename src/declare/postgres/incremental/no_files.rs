//! The changed tables created with no files ([`super::fileless`]), setting unique
//! constraints aside where that needs it ([`super::detach`]).

use super::super::detach;
use std::collections::{BTreeMap, BTreeSet};

/// The changed tables' statements (each with its table's key) with those of the tables
/// that can be created with no files rewritten ([`super::super::fileless`]), and the keys of
/// those.
///
/// A table whose unique constraints hold no common column has some of them set aside on
/// siblings ([`detach`]). `referenced`: per table, the column sets the changed tables'
/// foreign keys point at (`None` when one was not read).
pub(super) fn without_files(
    changed: &[(String, String)],
    referenced: &dyn Fn(&str) -> Option<Vec<BTreeSet<String>>>,
) -> Fileless {
    let mut by_table: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (n, (table, _)) in changed.iter().enumerate() {
        by_table.entry(table).or_default().push(n);
    }
    let mut out: Vec<String> = changed.iter().map(|(_, text)| text.clone()).collect();
    let mut keys = BTreeSet::new();
    let mut siblings = Vec::new();
    let mut detached = BTreeMap::new();
    let mut next = 1;
    for (table, at) in by_table {
        let texts: Vec<&str> = at.iter().map(|n| changed[*n].1.as_str()).collect();
        let refs = referenced(table);
        let Some((create, text, set_aside)) =
            detach::without_files(&texts, refs.as_deref(), &mut next)
        else {
            continue;
        };
        out[at[create]] = text;
        keys.insert(table.to_string());
        for (schema, statements) in set_aside {
            detached.insert(schema, table.to_string());
            siblings.extend(statements.into_iter().map(|s| (at[create], s)));
        }
    }
    Fileless {
        keys,
        statements: out,
        siblings,
        detached,
    }
}

/// The changed tables' statements with those of the tables created with no files
/// rewritten ([`without_files`]).
pub(super) struct Fileless {
    /// The tables created with no files.
    pub(super) keys: BTreeSet<String>,
    /// The changed tables' statements, rewritten.
    pub(super) statements: Vec<String>,
    /// The statements that create the siblings, each with the index of its table's `CREATE
    /// TABLE` among the changed tables' statements (whose settings it runs under).
    pub(super) siblings: Vec<(usize, String)>,
    /// Per sibling's schema, its table.
    pub(super) detached: BTreeMap<String, String>,
}
