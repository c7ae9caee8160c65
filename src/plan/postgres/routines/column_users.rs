//! Routines in the way of a table or type change: `BEGIN ATOMIC` bodies naming a column
//! the plan retypes or drops, and functions using a range type dropped and created again.

use super::{hazard, refuse_in_use, uses, Routine, Routines};
use crate::model::{Dependent, Schema};
use crate::plan::HazardKind;
use std::collections::{BTreeMap, BTreeSet};

/// Whether `f` has a `BEGIN ATOMIC` body (parsed by the server, with `pg_depend` entries on
/// the columns it names).
fn atomic(f: &crate::model::Function) -> bool {
    f.definition.contains("BEGIN ATOMIC")
}

impl Routines {
    /// A range type dropped and created under the same key is one changed range type:
    /// dropped and created again, which fails while something uses it. Functions using it
    /// that the plan drops are no users: they are dropped before it.
    pub(super) fn pair_ranges(&mut self, from: &Schema) {
        let created: BTreeSet<String> = self
            .creates
            .iter()
            .filter(|r| matches!(r, Routine::Range(_)))
            .map(Routine::key)
            .collect();
        let (pairs, rest): (Vec<Routine>, Vec<Routine>) = std::mem::take(&mut self.drops)
            .into_iter()
            .partition(|r| matches!(r, Routine::Range(_)) && created.contains(&r.key()));
        self.drops = rest;
        for old in pairs {
            let key = old.key();
            let Some(i) = self.creates.iter().position(|r| r.key() == key) else {
                continue;
            };
            let new = self.creates.remove(i);
            let Routine::Range(r) = &old else { continue };
            let mut gone = BTreeSet::new();
            for d in from.dependents.of(&key) {
                let Dependent::Function(k) = d else { continue };
                if let Some(i) = self.drops.iter().position(|r| r.key() == *k) {
                    self.early_drops.push(self.drops.remove(i));
                    gone.insert(super::describe(d));
                }
            }
            let mut users = uses(from, &r.schema, &r.name);
            users.retain(|u| !gone.contains(u));
            let hazards = refuse_in_use(
                &old.describe(),
                "PostgreSQL cannot alter a range type, and cannot drop one in use",
                &users,
            );
            self.recreates.push((old, new, hazards));
        }
    }

    /// Functions with a `BEGIN ATOMIC` body naming a table whose columns the plan retypes
    /// or drops (`changed`): the server refuses the change while they exist ("cannot alter
    /// type of a column used by a function or procedure"). Those the plan drops are dropped
    /// before the tables change (with the dropped functions that call them); those kept
    /// whose text names a changed column are dropped and created again after the tables
    /// change. Those created or replaced that name a table the plan alters are created
    /// after it changes (a column they name may be new).
    pub(super) fn column_users(
        &mut self,
        changed: &BTreeMap<String, Option<BTreeSet<String>>>,
        from: &Schema,
        to: &Schema,
    ) {
        let on_changed = |f: &crate::model::Function| {
            atomic(f) && f.depends_on.iter().any(|d| changed.contains_key(d))
        };
        // Dropped: before the tables change, and what calls them among the drops too.
        let mut early: BTreeSet<String> = BTreeSet::new();
        loop {
            let (now, rest): (Vec<Routine>, Vec<Routine>) = std::mem::take(&mut self.drops)
                .into_iter()
                .partition(|r| match r {
                    Routine::Function(f) => {
                        on_changed(f) || f.depends_on.iter().any(|d| early.contains(d))
                    }
                    _ => false,
                });
            self.drops = rest;
            if now.is_empty() {
                break;
            }
            early.extend(now.iter().map(Routine::key));
            self.early_drops.extend(now);
        }
        // Kept: created again once the tables are changed.
        let recreated: BTreeSet<String> = self.recreates.iter().map(|r| r.0.key()).collect();
        for (k, old) in &from.functions {
            if recreated.contains(k) || !on_changed(old) {
                continue;
            }
            let Some(new) = to.functions.get(k) else {
                continue;
            };
            let columns: BTreeSet<String> = old
                .depends_on
                .iter()
                .filter_map(|d| changed.get(d).cloned().flatten())
                .flatten()
                .collect();
            if !super::super::views::reads_any(&old.definition, &columns) {
                continue;
            }
            self.replaces.retain(|f| f.key() != *k);
            self.creates.retain(|r| r.key() != *k);
            let detail = format!(
                "{} is dropped and created again around the change of the columns its body names ({}): grants on it are lost",
                Routine::Function(old.clone()).describe(),
                columns.into_iter().collect::<Vec<_>>().join(", ")
            );
            let hz = vec![hazard(HazardKind::RecreatesFunction, detail)];
            self.late.insert(k.clone());
            let (old, new) = (
                Routine::Function(old.clone()),
                Routine::Function(new.clone()),
            );
            self.recreates.push((old, new, hz));
        }
        // Created or replaced: a body naming a column the plan adds needs it to exist.
        let altered = |d: &String| {
            let t = to.tables.get(d);
            t.is_some() && from.tables.get(d).is_some_and(|f| Some(f) != t)
        };
        let needs_tables =
            |f: &crate::model::Function| atomic(f) && f.depends_on.iter().any(altered);
        for f in &self.replaces {
            if needs_tables(f) {
                self.late.insert(f.key());
            }
        }
        for r in &self.creates {
            if let Routine::Function(f) = r {
                if needs_tables(f) {
                    self.late.insert(f.key());
                }
            }
        }
    }
}
