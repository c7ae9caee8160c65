//! Privileges, default privileges and owners ([`Schema::acl`]), compared by key. Each side
//! holds only the kinds that are managed, so an unmanaged kind never differs. An object
//! that goes takes its privileges and owner with it: only objects of the target are
//! compared; a new object's privileges are compared by the planner with what it gets when
//! created, and its owner with the role that creates it.

use super::Change;
use crate::model::privileges::AclTarget;
use crate::model::{function_key, qualified_key, Schema};
use std::collections::BTreeSet;

/// Pushes a change per object, default privileges and owner that differ.
pub(super) fn diff_privileges(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let (a, b) = (&from.acl, &to.acl);
    let keys: BTreeSet<&String> = a.objects.keys().chain(b.objects.keys()).collect();
    for key in keys {
        let (before, after) = (a.objects.get(key), b.objects.get(key));
        let Some(on) = after.or(before).map(|p| p.on.clone()) else {
            continue;
        };
        let before = before.map(|p| p.acl.clone()).unwrap_or_default();
        let after = after.map(|p| p.acl.clone()).unwrap_or_default();
        if before != after && exists(to, &on) {
            out.push(Change::Privileges { on, before, after });
        }
    }
    let keys: BTreeSet<&String> = a.defaults.keys().chain(b.defaults.keys()).collect();
    for key in keys {
        let (before, after) = (a.defaults.get(key), b.defaults.get(key));
        let kept = |d: &crate::model::privileges::DefaultPrivileges| {
            d.schema.as_ref().is_none_or(|s| to.schemas.contains(s))
        };
        if before != after && after.or(before).is_some_and(kept) {
            out.push(Change::DefaultPrivileges {
                before: before.cloned(),
                after: after.cloned(),
            });
        }
    }
    for (key, new) in &b.owners {
        if let Some(old) = a.owners.get(key) {
            if old.role != new.role {
                out.push(Change::Owner {
                    on: new.on.clone(),
                    before: old.role.clone(),
                    after: new.role.clone(),
                });
            }
        }
    }
}

/// Whether `schema` holds the object `on` names.
pub(crate) fn exists(schema: &Schema, on: &AclTarget) -> bool {
    match on {
        AclTarget::Schema { name } => schema.schemas.contains(name),
        AclTarget::Relation {
            schema: ns, name, ..
        } => {
            let key = qualified_key(ns, name);
            schema.tables.contains_key(&key) || schema.views.contains_key(&key)
        }
        AclTarget::Column {
            schema: ns,
            table,
            column,
        } => {
            let key = qualified_key(ns, table);
            schema
                .tables
                .get(&key)
                .is_some_and(|t| t.columns.iter().any(|c| &c.name == column))
                || schema.views.contains_key(&key)
        }
        AclTarget::Sequence { schema: ns, name } => {
            schema.sequences.contains_key(&qualified_key(ns, name))
        }
        AclTarget::Function {
            schema: ns,
            name,
            args,
            ..
        } => schema.functions.contains_key(&function_key(ns, name, args)),
        AclTarget::Type {
            schema: ns, name, ..
        } => {
            let key = qualified_key(ns, name);
            schema.enums.contains_key(&key)
                || schema.domains.contains_key(&key)
                || schema.composites.contains_key(&key)
                || schema.ranges.contains_key(&key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::privileges::{AclDiff, AclItem, Privileges, RelKind};
    use crate::model::Table;

    fn with_grant(grantee: Option<&str>) -> Schema {
        let mut s = Schema::default();
        s.tables.insert(
            "s.t".into(),
            Table {
                schema: Some("s".into()),
                name: "t".into(),
                ..Table::default()
            },
        );
        let on = AclTarget::Relation {
            schema: "s".into(),
            name: "t".into(),
            relkind: RelKind::Table,
        };
        let mut acl = AclDiff::default();
        if let Some(g) = grantee {
            acl.granted.insert(AclItem {
                grantee: Some(g.into()),
                privilege: "SELECT".into(),
                grantable: false,
            });
        }
        s.acl.objects.insert(on.key(), Privileges { on, acl });
        s
    }

    #[test]
    fn a_grant_differs_and_a_dropped_object_takes_its_privileges_along() {
        let mut out = Vec::new();
        diff_privileges(&with_grant(None), &with_grant(Some("ro")), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let mut out = Vec::new();
        diff_privileges(&with_grant(Some("ro")), &Schema::default(), &mut out);
        assert!(out.is_empty(), "{out:?}");
        let mut out = Vec::new();
        diff_privileges(&with_grant(Some("ro")), &with_grant(Some("ro")), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
