//! Privileges, default privileges and owners, planned once every other step is known.
//!
//! An object the script creates (new, or dropped and created again: a view whose columns
//! change, a function whose signature changes) gets the built-in default privileges plus
//! the default privileges of the role that creates it (the role that read the target, see
//! [`crate::model::privileges::Environment`]), global and in its schema. Only the
//! difference between that and the target's privileges is granted or revoked, so a table
//! created under `ALTER DEFAULT PRIVILEGES … GRANT SELECT ON TABLES TO app` is its `CREATE
//! TABLE` alone, and a re-created function gets its grants back. An object on both sides
//! goes from its privileges to the target's. Default privileges change before anything is
//! created ([`Phase::DefaultPrivileges`]); owners and grants once everything exists, before
//! anything is dropped ([`Phase::Owner`], [`Phase::Grant`]).

use super::{AclChange, Op, Phase, Steps};
use crate::diff::{Change, Changeset};
use crate::model::privileges::{AclDiff, AclItem, AclTarget, DefaultPrivileges, Managed, RelKind};
use crate::model::Schema;
use crate::plan::LockOptions;
use std::collections::{BTreeMap, BTreeSet};

/// Pushes the privilege, default privilege and owner steps of `changes` and of the objects
/// the plan in `steps` creates.
pub(crate) fn plan(
    steps: &mut Steps,
    changes: &Changeset,
    from: &Schema,
    to: &Schema,
    options: &LockOptions,
) {
    let managed = options.managed();
    let creator = [&from.environment.user, &to.environment.user]
        .into_iter()
        .find(|u| !u.is_empty())
        .cloned()
        .unwrap_or_default();
    // What the plan creates matters only when privileges or owners are compared.
    let compared = managed.contains(&Managed::Privileges)
        || managed.contains(&Managed::Ownership)
        || (changes.changes.iter())
            .any(|c| matches!(c, Change::Privileges { .. } | Change::Owner { .. }));
    let created = match compared {
        true => created(steps),
        false => Vec::new(),
    };
    let created_keys: BTreeSet<String> = created.iter().map(AclTarget::key).collect();
    // Columns go with their relation.
    let is_created = |on: &AclTarget| match on {
        AclTarget::Column { schema, table, .. } => {
            let rel = |relkind| AclTarget::Relation {
                schema: schema.clone(),
                name: table.clone(),
                relkind,
            };
            created_keys.contains(&rel(RelKind::Table).key())
        }
        _ => created_keys.contains(&on.key()),
    };
    for change in &changes.changes {
        match change {
            Change::Privileges { on, before, after } if !is_created(on) => {
                grant(steps, on, transitions(before, after));
            }
            Change::DefaultPrivileges { before, after } => {
                let Some(d) = after.as_ref().or(before.as_ref()) else {
                    continue;
                };
                let acl = |x: &Option<DefaultPrivileges>| {
                    x.as_ref().map(|d| d.acl.clone()).unwrap_or_default()
                };
                let changes = transitions(&acl(before), &acl(after));
                if !changes.is_empty() {
                    let op = Op::DefaultPrivileges {
                        role: d.role.clone(),
                        schema: d.schema.clone(),
                        on: d.on,
                        changes,
                    };
                    steps.push(Phase::DefaultPrivileges, op);
                }
            }
            Change::Owner { on, after, .. } if !is_created(on) => {
                let op = Op::Owner {
                    on: on.clone(),
                    role: after.clone(),
                };
                steps.push(Phase::Owner, op);
            }
            _ => {}
        }
    }
    if managed.contains(&Managed::Ownership) && !creator.is_empty() {
        for on in &created {
            if let Some(owner) = to.acl.owners.get(&on.key()) {
                if owner.role != creator {
                    let op = Op::Owner {
                        on: on.clone(),
                        role: owner.role.clone(),
                    };
                    steps.push(Phase::Owner, op);
                }
            }
        }
    }
    if !managed.contains(&Managed::Privileges) {
        return;
    }
    for on in &created {
        let Some(kind) = on.default_kind() else {
            continue;
        };
        let expected = match creator.is_empty() {
            true => AclDiff::default(),
            false => to.acl.on_create(&creator, on.schema(), kind),
        };
        let wanted = to
            .acl
            .objects
            .get(&on.key())
            .map(|p| p.acl.clone())
            .unwrap_or_default();
        grant(steps, on, transitions(&expected, &wanted));
    }
    // The column privileges of created relations (a column starts with none).
    for p in to.acl.objects.values() {
        if matches!(p.on, AclTarget::Column { .. }) && is_created(&p.on) {
            grant(steps, &p.on, transitions(&AclDiff::default(), &p.acl));
        }
    }
}

fn grant(steps: &mut Steps, on: &AclTarget, changes: Vec<AclChange>) {
    if !changes.is_empty() {
        let op = Op::Grant {
            on: on.clone(),
            changes,
        };
        steps.push(Phase::Grant, op);
    }
}

/// What the plan creates (or creates again), as privilege targets.
fn created(steps: &Steps) -> Vec<AclTarget> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for s in &steps.list {
        let on = match &s.op {
            Op::CreateSchema(name) => AclTarget::Schema { name: name.clone() },
            Op::CreateTable(t) => AclTarget::Relation {
                schema: t.schema.clone().unwrap_or_default(),
                name: t.name.clone(),
                relkind: RelKind::Table,
            },
            Op::CreateView(v) => AclTarget::Relation {
                schema: v.schema.clone().unwrap_or_default(),
                name: v.name.clone(),
                relkind: match v.materialized {
                    true => RelKind::MaterializedView,
                    false => RelKind::View,
                },
            },
            Op::CreateSequence(q) => AclTarget::Sequence {
                schema: q.schema.clone(),
                name: q.name.clone(),
            },
            Op::CreateFunction(f) => AclTarget::Function {
                schema: f.schema.clone(),
                name: f.name.clone(),
                args: f.identity_args.clone(),
                procedure: f.procedure,
            },
            Op::CreateEnum(e) => type_target(&e.schema, &e.name, false),
            Op::CreateComposite(c) => type_target(&c.schema, &c.name, false),
            Op::CreateRange(r) => type_target(&r.schema, &r.name, false),
            Op::CreateDomain(d) => type_target(&d.schema, &d.name, true),
            _ => continue,
        };
        if seen.insert(on.key()) {
            out.push(on);
        }
    }
    out
}

fn type_target(schema: &str, name: &str, domain: bool) -> AclTarget {
    AclTarget::Type {
        schema: schema.to_string(),
        name: name.to_string(),
        domain,
    }
}

/// Where one grantee's privilege stands against the built-in default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// As the built-in default has it.
    Default,
    /// Granted beyond the default (with grant option or not).
    Granted(bool),
    /// Revoked from the default.
    Revoked,
}

fn state(acl: &AclDiff, grantee: &Option<String>, privilege: &str) -> State {
    let same = |i: &&AclItem| i.grantee == *grantee && i.privilege == privilege;
    if let Some(i) = acl.granted.iter().find(same) {
        return State::Granted(i.grantable);
    }
    if acl.revoked.iter().any(|i| same(&i)) {
        return State::Revoked;
    }
    State::Default
}

/// The grants and revokes that take an object from `before` to `after` (both as the
/// difference from the same built-in default), in grantee and privilege order.
pub fn transitions(before: &AclDiff, after: &AclDiff) -> Vec<AclChange> {
    let pairs: BTreeMap<(Option<String>, String), ()> = [before, after]
        .iter()
        .flat_map(|d| d.granted.iter().chain(&d.revoked))
        .map(|i| ((i.grantee.clone(), i.privilege.clone()), ()))
        .collect();
    let mut out = Vec::new();
    for (grantee, privilege) in pairs.into_keys() {
        let (b, a) = (
            state(before, &grantee, &privilege),
            state(after, &grantee, &privilege),
        );
        let change = |grant: bool, grant_option: bool| AclChange {
            grant,
            grant_option,
            grantee: grantee.clone(),
            privilege: privilege.clone(),
        };
        match (b, a) {
            _ if a == b => {}
            (State::Granted(true), State::Granted(false)) => out.push(change(false, true)),
            (_, State::Granted(option)) => out.push(change(true, option)),
            (_, State::Revoked) => out.push(change(false, false)),
            (State::Granted(_), State::Default) => out.push(change(false, false)),
            (_, State::Default) => out.push(change(true, false)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(g: Option<&str>, p: &str, grantable: bool) -> AclItem {
        AclItem {
            grantee: g.map(str::to_string),
            privilege: p.into(),
            grantable,
        }
    }

    fn acl(granted: &[AclItem], revoked: &[AclItem]) -> AclDiff {
        AclDiff {
            granted: granted.iter().cloned().collect(),
            revoked: revoked.iter().cloned().collect(),
        }
    }

    fn text(changes: &[AclChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                format!(
                    "{}{} {} {}",
                    if c.grant { "grant" } else { "revoke" },
                    if c.grant_option { "+option" } else { "" },
                    c.privilege,
                    c.grantee.as_deref().unwrap_or("PUBLIC")
                )
            })
            .collect()
    }

    #[test]
    fn grants_revokes_and_grant_options_both_ways() {
        let none = acl(&[], &[]);
        let select = acl(&[item(Some("app"), "SELECT", false)], &[]);
        let option = acl(&[item(Some("app"), "SELECT", true)], &[]);
        let no_public = acl(&[], &[item(None, "EXECUTE", false)]);
        assert_eq!(text(&transitions(&none, &select)), ["grant SELECT app"]);
        assert_eq!(text(&transitions(&select, &none)), ["revoke SELECT app"]);
        assert_eq!(
            text(&transitions(&select, &option)),
            ["grant+option SELECT app"]
        );
        assert_eq!(
            text(&transitions(&option, &select)),
            ["revoke+option SELECT app"]
        );
        assert_eq!(
            text(&transitions(&none, &no_public)),
            ["revoke EXECUTE PUBLIC"]
        );
        assert_eq!(
            text(&transitions(&no_public, &none)),
            ["grant EXECUTE PUBLIC"]
        );
        assert!(transitions(&select, &select).is_empty());
    }
}
