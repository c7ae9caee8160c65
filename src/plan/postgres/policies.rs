//! Row-level security: policies dropped before anything they may need goes
//! ([`Phase::DropPolicy`]: functions they call, tables their subqueries read, columns
//! they name), created and altered once everything exists ([`Phase::CreatePolicy`]), the
//! table switches set last ([`Phase::RowSecurity`], so that no step of the script runs
//! under a policy the script adds). A policy on a table being dropped goes with it.
//!
//! A policy is also dropped and created again when a function it calls is (see
//! [`super::Steps::recreated_policies`]), and when a column its expressions name is
//! dropped or retyped: the server refuses both while the policy exists ("cannot alter type
//! of a column used in a policy definition").

use super::{Op, Phase, Steps, TableName};
use crate::diff::Change;
use crate::model::{qualified_key, Policy, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// A policy's place: table key and name.
type Key = (String, String);

/// The policy changes of a changeset.
#[derive(Default)]
pub(crate) struct Policies {
    drops: BTreeMap<Key, (TableName, Policy)>,
    creates: BTreeMap<Key, (TableName, Policy)>,
    alters: BTreeMap<Key, (TableName, Policy, Policy)>,
    switches: Vec<Op>,
}

fn at(schema: &str, table: &str) -> TableName {
    TableName {
        schema: schema.to_string(),
        name: table.to_string(),
    }
}

impl Policies {
    pub(crate) fn add(&mut self, change: &Change) {
        match change {
            Change::CreatePolicy {
                schema,
                table,
                policy,
            } => {
                let key = (qualified_key(schema, table), policy.name.clone());
                self.creates
                    .insert(key, (at(schema, table), policy.clone()));
            }
            Change::DropPolicy {
                schema,
                table,
                policy,
            } => {
                let key = (qualified_key(schema, table), policy.name.clone());
                self.drops.insert(key, (at(schema, table), policy.clone()));
            }
            Change::AlterPolicy {
                schema,
                table,
                before,
                after,
            } => {
                let key = (qualified_key(schema, table), after.name.clone());
                let entry = (at(schema, table), before.clone(), after.clone());
                self.alters.insert(key, entry);
            }
            Change::RowSecurity {
                schema,
                table,
                enable,
                force,
            } => self.switches.push(Op::RowSecurity {
                table: at(schema, table),
                enable: *enable,
                force: *force,
            }),
            _ => {}
        }
    }

    /// Policy `key` dropped (as `from` has it) and created again (as `to` has it).
    fn recreate(&mut self, key: &Key, from: &Schema, to: &Schema) {
        let find = |s: &Schema| {
            let t = s.tables.get(&key.0)?;
            let p = t.policies.get(&key.1)?;
            Some((TableName::of(t), p.clone()))
        };
        if let Some(old) = find(from) {
            self.drops.insert(key.clone(), old);
        }
        if let Some(new) = find(to) {
            self.alters.remove(key);
            self.creates.insert(key.clone(), new);
        }
    }

    /// Plans them: `gone` holds the tables the plan drops.
    pub(crate) fn plan(
        mut self,
        steps: &mut Steps,
        gone: &BTreeSet<String>,
        from: &Schema,
        to: &Schema,
    ) {
        for key in std::mem::take(&mut steps.recreated_policies) {
            self.recreate(&key, from, to);
        }
        for key in column_users(&steps.changed_columns, from) {
            self.recreate(&key, from, to);
        }
        for key in self.reading(gone, from) {
            self.recreate(&key, from, to);
        }
        for (key, (table, p)) in &self.drops {
            if !gone.contains(&key.0) {
                let op = Op::DropPolicy {
                    table: table.clone(),
                    name: p.name.clone(),
                };
                steps.push(Phase::DropPolicy, op);
            }
        }
        for (table, p) in self.creates.into_values() {
            steps.push(Phase::CreatePolicy, Op::CreatePolicy { table, policy: p });
        }
        for (table, before, after) in self.alters.into_values() {
            let changed =
                |b: &Option<String>, a: &Option<String>| (b != a).then(|| a.clone()).flatten();
            let op = Op::AlterPolicy {
                table,
                name: after.name.clone(),
                roles: (before.roles != after.roles).then(|| after.roles.clone()),
                using: changed(&before.using, &after.using),
                with_check: changed(&before.with_check, &after.with_check),
            };
            steps.push(Phase::CreatePolicy, op);
        }
        for op in self.switches {
            steps.push(Phase::RowSecurity, op);
        }
    }
}

impl Policies {
    /// Altered policies whose current expressions read a table or view the plan drops
    /// (`gone`): `ALTER POLICY` would come after the drop, which the server refuses while
    /// the policy reads it, so they are dropped before and created again. A textual check
    /// for the relation's qualified name, as the server prints it (with an empty
    /// `search_path`); a false match only costs a drop and a create.
    fn reading(&self, gone: &BTreeSet<String>, from: &Schema) -> Vec<Key> {
        let names: Vec<String> = gone
            .iter()
            .filter_map(|k| {
                let t = from
                    .tables
                    .get(k)
                    .map(|t| (t.schema.clone(), t.name.clone()));
                let v = || {
                    from.views
                        .get(k)
                        .map(|v| (v.schema.clone(), v.name.clone()))
                };
                let (schema, name) = t.or_else(v)?;
                Some(crate::sqltext::quote_pg_qualified(
                    schema.as_deref().unwrap_or_default(),
                    &name,
                ))
            })
            .collect();
        self.alters
            .iter()
            .filter(|(_, (_, before, _))| {
                let texts = [&before.using, &before.with_check];
                texts
                    .into_iter()
                    .flatten()
                    .any(|e| names.iter().any(|n| names_relation(e, n)))
            })
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// Whether `expr` holds `name` (a quoted qualified name) not as part of a longer name.
fn names_relation(expr: &str, name: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == '"' || c == '.';
    expr.match_indices(name).any(|(i, m)| {
        let before = expr[..i].chars().next_back();
        let after = expr[i + m.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// Policies of `from` whose expressions name a column of their table that the plan drops
/// or retypes (`changed`, see [`super::Steps::changed_columns`]). A textual check, as for
/// triggers: `pg_depend` facts do not say which columns a policy names.
fn column_users(changed: &BTreeMap<String, Option<BTreeSet<String>>>, from: &Schema) -> Vec<Key> {
    let mut out = Vec::new();
    for (key, t) in &from.tables {
        let Some(Some(columns)) = changed.get(key) else {
            continue;
        };
        for p in t.policies.values() {
            let texts = [&p.using, &p.with_check];
            if texts
                .into_iter()
                .flatten()
                .any(|e| super::views::reads_any(e, columns))
            {
                out.push((key.clone(), p.name.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::names_relation;

    #[test]
    fn a_relation_name_is_found_whole() {
        let e = "(team_id IN ( SELECT m.team_id FROM public.members m))";
        assert!(names_relation(e, "public.members"));
        assert!(!names_relation(e, "public.member"));
        assert!(!names_relation(
            "(x IN ( SELECT 1 FROM public.members_old))",
            "public.members"
        ));
        assert!(!names_relation(
            "(x IN ( SELECT 1 FROM xpublic.members))",
            "public.members"
        ));
        assert!(names_relation(
            "(EXISTS ( SELECT 1 FROM \"a b\".\"c\"\"d\" x))",
            "\"a b\".\"c\"\"d\""
        ));
    }
}
