//! Row-level security of a table: its two switches and its policies, compared on their
//! own so that a table differing only in them is not an altered table.
//!
//! A policy is matched by name. `ALTER POLICY` changes its roles, `USING` and `WITH CHECK`
//! but cannot change its command or kind (permissive, restrictive) nor remove an
//! expression: then the policy is dropped and created again (same transaction).
//! Source: <https://www.postgresql.org/docs/current/sql-alterpolicy.html>.

use super::Change;
use crate::model::{Policy, Table};
use std::collections::BTreeMap;

/// The row-level security changes that turn table `before` (`None`: a new table) into
/// `after`, both under `after`'s name.
pub(crate) fn diff_row_security(before: Option<&Table>, after: &Table, out: &mut Vec<Change>) {
    let empty = BTreeMap::new();
    let (enabled, forced, policies) = match before {
        Some(t) => (t.row_security, t.force_row_security, &t.policies),
        None => (false, false, &empty),
    };
    let schema = after.schema.clone().unwrap_or_default();
    let table = after.name.clone();
    let change = |v: bool, old: bool| (v != old).then_some(v);
    let (enable, force) = (
        change(after.row_security, enabled),
        change(after.force_row_security, forced),
    );
    let on = || (schema.clone(), table.clone());
    let create = |policy: &Policy| {
        let (schema, table) = on();
        Change::CreatePolicy {
            schema,
            table,
            policy: policy.clone(),
        }
    };
    let drop = |policy: &Policy| {
        let (schema, table) = on();
        Change::DropPolicy {
            schema,
            table,
            policy: policy.clone(),
        }
    };
    for (name, old) in policies {
        match after.policies.get(name) {
            None => out.push(drop(old)),
            Some(new) if new == old => {}
            Some(new) if alterable(old, new) => {
                let (schema, table) = on();
                out.push(Change::AlterPolicy {
                    schema,
                    table,
                    before: old.clone(),
                    after: new.clone(),
                });
            }
            Some(new) => {
                out.push(drop(old));
                out.push(create(new));
            }
        }
    }
    for (name, new) in &after.policies {
        if !policies.contains_key(name) {
            out.push(create(new));
        }
    }
    if enable.is_some() || force.is_some() {
        out.push(Change::RowSecurity {
            schema,
            table,
            enable,
            force,
        });
    }
}

/// Whether `ALTER POLICY` turns `old` into `new`: same command and kind, and no
/// expression removed (it can set one, not take it away).
fn alterable(old: &Policy, new: &Policy) -> bool {
    old.command == new.command
        && old.permissive == new.permissive
        && (new.using.is_some() || old.using.is_none())
        && (new.with_check.is_some() || old.with_check.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PolicyCommand;

    fn policy(name: &str, using: Option<&str>) -> Policy {
        Policy {
            name: name.into(),
            permissive: true,
            command: PolicyCommand::All,
            roles: vec![crate::model::PUBLIC_ROLE.into()],
            using: using.map(str::to_string),
            with_check: None,
        }
    }

    fn table(policies: &[Policy], enabled: bool) -> Table {
        Table {
            schema: Some("s".into()),
            name: "t".into(),
            row_security: enabled,
            policies: policies
                .iter()
                .map(|p| (p.name.clone(), p.clone()))
                .collect(),
            ..Table::default()
        }
    }

    fn kinds(out: &[Change]) -> Vec<&'static str> {
        out.iter()
            .map(|c| match c {
                Change::CreatePolicy { .. } => "create",
                Change::DropPolicy { .. } => "drop",
                Change::AlterPolicy { .. } => "alter",
                Change::RowSecurity { .. } => "switch",
                _ => "other",
            })
            .collect()
    }

    #[test]
    fn a_new_table_gets_its_policies_and_switches() {
        let mut out = Vec::new();
        diff_row_security(None, &table(&[policy("p", Some("true"))], true), &mut out);
        assert_eq!(kinds(&out), ["create", "switch"]);
        let mut out = Vec::new();
        diff_row_security(None, &table(&[], false), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn roles_and_expressions_alter_command_and_kind_recreate() {
        let old = policy("p", Some("(a > 0)"));
        let mut new = old.clone();
        new.roles = vec!["postgres".into()];
        new.using = Some("(a > 1)".into());
        let mut out = Vec::new();
        diff_row_security(
            Some(&table(std::slice::from_ref(&old), true)),
            &table(&[new], true),
            &mut out,
        );
        assert_eq!(kinds(&out), ["alter"]);
        for change in [
            |p: &mut Policy| p.command = PolicyCommand::Select,
            |p: &mut Policy| p.permissive = false,
            |p: &mut Policy| p.using = None,
        ] {
            let mut new = old.clone();
            change(&mut new);
            let mut out = Vec::new();
            let (b, a) = (table(std::slice::from_ref(&old), true), table(&[new], true));
            diff_row_security(Some(&b), &a, &mut out);
            assert_eq!(kinds(&out), ["drop", "create"]);
        }
    }

    #[test]
    fn switches_alone_and_a_dropped_policy() {
        let p = policy("p", None);
        let mut out = Vec::new();
        diff_row_security(Some(&table(&[p], true)), &table(&[], false), &mut out);
        assert_eq!(kinds(&out), ["drop", "switch"]);
        let Some(Change::RowSecurity { enable, force, .. }) = out.last() else {
            panic!("{out:?}");
        };
        assert_eq!((*enable, *force), (Some(false), None));
    }
}
