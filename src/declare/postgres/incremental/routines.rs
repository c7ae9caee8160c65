//! Functions, triggers, domains, composite and range types and comments in an incremental
//! reload. A trigger is about its table (`CREATE TRIGGER … ON t` has the role of `t`) and
//! is reloaded with it. A changed `CREATE FUNCTION`, `CREATE PROCEDURE`, `CREATE DOMAIN`,
//! `ALTER DOMAIN` or `CREATE TYPE` (other than an enum's) is not about one table (a full
//! load). Unchanged, they are run in the scratch database with the other statements that
//! are not about one table, so the scratch database holds them as a full load would; what
//! is left to check here is that they read the same there as in the model before the
//! edit, and the facts about what depends on them, which the reloaded tables and views
//! change.

use super::{Fallback, Reload};
use crate::model::{Dependent, Schema};

/// Checks that the kinds that are not reloaded read the same in `scratch` as in `old`
/// (else something the edit changed touched them), and takes the dependents of the
/// reloaded tables and views from `scratch`.
pub(super) fn splice(old: &mut Schema, scratch: &Schema, plan: &Reload) -> Result<(), Fallback> {
    let touched = |table: &str| plan.tables.contains(table) || plan.views.contains(table);
    // The triggers of the reloaded tables and views ran with their statements.
    old.triggers.retain(|_, t| !touched(&t.table));
    for (k, t) in &scratch.triggers {
        if touched(&t.table) {
            old.triggers.insert(k.clone(), t.clone());
        }
    }
    let differ = [
        ("functions", scratch.functions != old.functions),
        ("domains", scratch.domains != old.domains),
        ("composite types", scratch.composites != old.composites),
        ("range types", scratch.ranges != old.ranges),
    ];
    if let Some((what, _)) = differ.iter().find(|(_, d)| *d) {
        return Err(
            Fallback::new("objects not reloaded read differently in the scratch database")
                .about(*what),
        );
    }
    let of_reloaded = |d: &Dependent, triggers: &Schema| -> bool {
        match d {
            Dependent::View(v) => touched(v),
            Dependent::Trigger(k) => triggers.triggers.get(k).is_none_or(|t| touched(&t.table)),
            Dependent::Constraint { table, .. }
            | Dependent::Default { table, .. }
            | Dependent::Generated { table, .. }
            | Dependent::Index { table, .. }
            | Dependent::Policy { table, .. } => touched(table),
            Dependent::Other(what) => plan.tables.iter().any(|t| {
                what == &format!("table {t}") || what.starts_with(&format!("column {t}."))
            }),
            Dependent::Domain(_) | Dependent::Function(_) | Dependent::Type(_) => false,
        }
    };
    let mut merged = std::mem::take(&mut old.dependents.0);
    for list in merged.values_mut() {
        list.retain(|d| !of_reloaded(d, old));
    }
    for (key, list) in &scratch.dependents.0 {
        let entry = merged.entry(key.clone()).or_default();
        entry.extend(list.iter().filter(|d| of_reloaded(d, scratch)).cloned());
        entry.sort();
        entry.dedup();
    }
    merged.retain(|_, list| !list.is_empty());
    old.dependents.0 = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dependents;
    use std::collections::{BTreeMap, BTreeSet};

    fn dependents(entries: &[(&str, Vec<Dependent>)]) -> Dependents {
        Dependents(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn the_reloaded_tables_dependents_come_from_the_scratch_database() {
        let default = |t: &str| Dependent::Default {
            table: t.into(),
            column: "id".into(),
        };
        let mut old = Schema {
            dependents: dependents(&[
                ("public.f()", vec![default("public.a"), default("public.b")]),
                (
                    "public.pos",
                    vec![Dependent::Other("column public.a.p".into())],
                ),
            ]),
            ..Schema::default()
        };
        let scratch = Schema {
            dependents: dependents(&[(
                "public.f()",
                vec![default("public.c"), Dependent::View("public.v".into())],
            )]),
            ..Schema::default()
        };
        let plan = Reload {
            tables: BTreeSet::from(["public.a".to_string(), "public.c".to_string()]),
            created: BTreeSet::new(),
            views: BTreeSet::new(),
            created_views: BTreeSet::new(),
            steps: Vec::new(),
            fileless: BTreeSet::new(),
            as_written: Vec::new(),
            detached: BTreeMap::new(),
            stand_ins_fileless: 0,
        };
        splice(&mut old, &scratch, &plan).unwrap();
        let got: Vec<(String, Vec<Dependent>)> = old.dependents.0.into_iter().collect();
        assert_eq!(
            got,
            [(
                "public.f()".to_string(),
                vec![default("public.b"), default("public.c")]
            )]
        );
    }
}
