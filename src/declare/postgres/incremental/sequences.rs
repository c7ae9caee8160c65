//! Sequences created on their own and owned by a table column (`pg_dump` writes a `serial`
//! column as `CREATE SEQUENCE t_id_seq …`, `ALTER SEQUENCE t_id_seq OWNED BY t.id` and a
//! `nextval` default): such a `CREATE SEQUENCE` is about that table, so that it is run with
//! the table's statements when the table changed, and not at all otherwise (the model's
//! sequences owned by unchanged tables come from the cache, as for `serial`). Grants and
//! comments on one sequence are about the table that owns it too (`Role::Sequence`, placed
//! when the statements are compared). A sequence another statement names (an
//! `ALTER SEQUENCE` other than `OWNED BY`, a grant on several) stays a statement about no
//! one table, run first as before.

use super::classify::{sequence_use, SequenceUse};
use super::{skipped, Current, Role};
use std::collections::{BTreeMap, BTreeSet};

/// Gives each `CREATE SEQUENCE` of an owned sequence its table's role.
pub(super) fn attach_owned(statements: &mut [Current]) {
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut created: Vec<(usize, String)> = Vec::new();
    for (n, c) in statements.iter().enumerate() {
        match sequence_use(&c.text) {
            Some(SequenceUse::Creates(seq)) => created.push((n, seq)),
            Some(SequenceUse::Owned(seq, table)) => {
                owners.insert(seq, table);
            }
            // Grants and comments on one sequence go where the sequence goes (`Places`).
            Some(SequenceUse::Names(seqs))
                if !skipped(&c.text) && !matches!(c.role, Role::Sequence(_)) =>
            {
                named.extend(seqs)
            }
            _ => {}
        }
    }
    for (n, seq) in created {
        let c = &mut statements[n];
        match (owners.get(&seq), named.contains(&seq)) {
            (Some(table), false) => c.role = Role::Table(table.clone()),
            // What a base remembered of an earlier version does not decide it.
            _ if c.role != Role::Other => c.role = Role::Other,
            _ => {}
        }
    }
}
