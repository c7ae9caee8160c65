//! Privileges and owners in an incremental load: those of the reloaded tables and views
//! (their columns, the sequences their columns own) come from the scratch database, the
//! rest from the model before the edit.

use super::Reload;
use crate::model::privileges::AclTarget;
use crate::model::{qualified_key, Schema};
use std::collections::BTreeSet;

/// Takes the privileges and owners of the relations `plan` reloads from `scratch`.
pub(super) fn splice(old: &mut Schema, scratch: &Schema, plan: &Reload) {
    let mut keys: BTreeSet<String> = (old.sequences.iter())
        .chain(scratch.sequences.iter())
        .filter(|(_, s)| {
            s.owned_by
                .as_ref()
                .is_some_and(|(t, _)| plan.tables.contains(t))
        })
        .map(|(k, _)| k.clone())
        .collect();
    keys.extend(plan.tables.iter().cloned());
    keys.extend(plan.views.iter().cloned());
    let touched = |on: &AclTarget| match on {
        AclTarget::Relation { schema, name, .. } | AclTarget::Sequence { schema, name } => {
            keys.contains(&qualified_key(schema, name))
        }
        AclTarget::Column { schema, table, .. } => keys.contains(&qualified_key(schema, table)),
        _ => false,
    };
    old.acl.objects.retain(|_, p| !touched(&p.on));
    old.acl.owners.retain(|_, o| !touched(&o.on));
    for (k, p) in &scratch.acl.objects {
        if touched(&p.on) {
            old.acl.objects.insert(k.clone(), p.clone());
        }
    }
    for (k, o) in &scratch.acl.owners {
        if touched(&o.on) {
            old.acl.owners.insert(k.clone(), o.clone());
        }
    }
}
