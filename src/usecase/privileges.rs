//! Privileges in the use cases: which kinds are compared (`[postgres] manage`, overridden
//! by `--manage`), the role mapping of declared sides (`[postgres.roles]`), and the check
//! that every role a declared side names exists on the target.
//!
//! Introspection reads every kind; what is not managed is dropped here right after the
//! models are loaded, so a diff with nothing managed is what it was before privileges
//! were modelled. What the declared files say of a kind that is not managed is listed as
//! unmanaged (a warning, and `--strict` fails), with how to turn it on.

use super::Error;
use crate::engine::LockOptions;
use crate::model::privileges::{self, AclTarget, Managed};
use crate::model::{map_policy_roles, policy_roles, Schema};

/// The kinds compared: `--manage` when given, else the project's `manage`.
pub fn managed(config: &LockOptions, flags: &LockOptions) -> Vec<Managed> {
    flags
        .manage
        .clone()
        .or_else(|| config.manage.clone())
        .unwrap_or_default()
}

/// Before anything is declared: with ownership managed, declared `ALTER … OWNER TO` runs in
/// the scratch database (it is skipped otherwise).
pub fn before_declaring(managed: &[Managed]) {
    if managed.contains(&Managed::Ownership) {
        crate::engine::run_owner_statements();
    }
}

/// What [`Schema::unmanaged`] says of declared privileges that are not compared.
fn unmanaged_what(kind: Managed, statement: &str) -> String {
    format!(
        "{} ({statement}) in declared files: not compared while not managed; set manage = [\"{}\"] under [postgres] in schemadiff.toml, or pass --manage {}",
        kind.name(),
        kind.name(),
        kind.name()
    )
}

/// A fresh database's own privileges on schema `public` (PostgreSQL 15: `USAGE` to
/// `PUBLIC`; before: `CREATE` too), which every declared model has.
fn fresh_public(on: &AclTarget, acl: &privileges::AclDiff) -> bool {
    matches!(on, AclTarget::Schema { name } if name == "public")
        && acl.revoked.is_empty()
        && acl
            .granted
            .iter()
            .all(|i| i.grantee.is_none() && ["USAGE", "CREATE"].contains(&i.privilege.as_str()))
}

/// A declared side: what is not managed dropped (and, when the files say something about
/// it, listed as unmanaged), roles renamed by `roles` (`[postgres.roles]`) when the side is
/// compared with a target database.
pub fn declared_side(schema: &mut Schema, managed: &[Managed], roles: Option<&LockOptions>) {
    if !managed.contains(&Managed::Privileges) {
        for p in schema.acl.objects.values() {
            if !fresh_public(&p.on, &p.acl) {
                let what = unmanaged_what(Managed::Privileges, "GRANT/REVOKE");
                schema
                    .unmanaged
                    .insert(format!("privileges on {}", p.on.key()), what);
            }
        }
    }
    if !managed.contains(&Managed::DefaultPrivileges) {
        for key in schema.acl.defaults.keys() {
            let what = unmanaged_what(Managed::DefaultPrivileges, "ALTER DEFAULT PRIVILEGES");
            schema
                .unmanaged
                .insert(format!("default privileges {key}"), what);
        }
    }
    privileges::scope(&mut schema.acl, managed);
    if let Some(options) = roles {
        privileges::map_roles(&mut schema.acl, &options.roles);
        map_policy_roles(&mut schema.tables, &options.roles);
    }
}

/// What a load of the snapshot printed from `scoped` (the declared side `raw` after
/// [`declared_side`] under `managed`, without role mapping) gives: `raw` without the
/// privileges and default privileges that are not managed, which the snapshot leaves out
/// (a fresh database's own privileges on schema `public` stay: every load has them; owners
/// stay: the snapshot is loaded by the same role). `None` when the snapshot loses anything
/// else of `raw` (an unmanaged object no snapshot holds, a stand-in for the target, more
/// on `public` than a fresh database of PostgreSQL `major` has), or when that model scoped
/// is not what was printed.
pub fn as_printed(
    mut raw: Schema,
    managed: &[Managed],
    scoped: &Schema,
    major: Option<&str>,
) -> Option<Schema> {
    if !raw.unmanaged.is_empty() {
        return None;
    }
    if !managed.contains(&Managed::Privileges) {
        raw.acl.objects.retain(|_, p| fresh_public(&p.on, &p.acl));
        // `fresh_public` also passes CREATE granted on `public` by the declared files of
        // PostgreSQL 15, whose fresh databases grant USAGE alone.
        let fresh: &[&str] = match major.and_then(|m| m.parse::<u32>().ok()) {
            Some(m) if m >= 15 => &["USAGE"],
            _ => &["CREATE", "USAGE"],
        };
        let is_fresh = |p: &privileges::Privileges| {
            p.acl.granted.iter().all(|i| !i.grantable)
                && p.acl
                    .granted
                    .iter()
                    .map(|i| i.privilege.as_str())
                    .eq(fresh.iter().copied())
        };
        if !raw.acl.objects.values().all(is_fresh) {
            return None;
        }
    }
    if !managed.contains(&Managed::DefaultPrivileges) {
        raw.acl.defaults.clear();
    }
    let mut acl = raw.acl.clone();
    privileges::scope(&mut acl, managed);
    let only_privileges = scoped
        .unmanaged
        .keys()
        .all(|k| k.starts_with("privileges on ") || k.starts_with("default privileges "));
    (acl == scoped.acl && only_privileges).then_some(raw)
}

/// A live side: what is not managed dropped.
pub fn live_side(schema: &mut Schema, managed: &[Managed]) {
    privileges::scope(&mut schema.acl, managed);
}

/// What revisions give (their replay), compared with the target database: what is not
/// managed dropped, declared roles renamed for the target.
pub fn replayed_side(schema: &mut Schema, managed: &[Managed], options: &LockOptions) {
    privileges::scope(&mut schema.acl, managed);
    privileges::map_roles(&mut schema.acl, &options.roles);
    map_policy_roles(&mut schema.tables, &options.roles);
}

/// Every role the declared model names must exist where `live` was read (when its roles
/// are known): a script never creates one.
pub fn check_roles(declared: &Schema, live: &Schema) -> Result<(), Error> {
    if live.environment.roles.is_empty() {
        return Ok(());
    }
    let missing: Vec<String> = privileges::roles(&declared.acl)
        .into_iter()
        .chain(policy_roles(&declared.tables))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|r| !live.environment.roles.contains(r))
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(Error::MissingRoles { roles: missing }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::privileges::{AclDiff, AclItem, Privileges};

    fn declared_with_grant(to: &str) -> Schema {
        let mut s = Schema::default();
        let on = AclTarget::Schema { name: "app".into() };
        let acl = AclDiff {
            granted: [AclItem {
                grantee: Some(to.into()),
                privilege: "USAGE".into(),
                grantable: false,
            }]
            .into(),
            revoked: Default::default(),
        };
        s.acl.objects.insert(on.key(), Privileges { on, acl });
        s
    }

    fn public(privileges: &[&str]) -> Schema {
        let mut s = Schema::default();
        let on = AclTarget::Schema {
            name: "public".into(),
        };
        let granted = privileges
            .iter()
            .map(|p| AclItem {
                grantee: None,
                privilege: p.to_string(),
                grantable: false,
            })
            .collect();
        let acl = AclDiff {
            granted,
            revoked: Default::default(),
        };
        s.acl.objects.insert(on.key(), Privileges { on, acl });
        s
    }

    #[test]
    fn the_printed_model_keeps_only_what_a_fresh_database_has_on_public() {
        let printed = |raw: Schema, major| {
            let mut scoped = raw.clone();
            declared_side(&mut scoped, &[], None);
            as_printed(raw, &[], &scoped, Some(major))
        };
        // A grant on another object is left out, as the snapshot leaves it out.
        let mut raw = public(&["USAGE"]);
        raw.acl
            .objects
            .extend(declared_with_grant("app").acl.objects);
        let kept = printed(raw, "15").expect("stored");
        assert_eq!(kept.acl.objects.len(), 1);
        assert!(printed(public(&["CREATE", "USAGE"]), "14").is_some());
        // CREATE granted to PUBLIC by the declared files of PostgreSQL 15: not printed, and
        // not what a load of the snapshot has.
        assert!(printed(public(&["CREATE", "USAGE"]), "15").is_none());
    }

    #[test]
    fn unmanaged_declared_grants_are_listed_and_dropped() {
        let mut s = declared_with_grant("app");
        declared_side(&mut s, &[], None);
        assert!(s.acl.is_empty());
        let what = &s.unmanaged["privileges on schema app"];
        assert!(what.contains("--manage privileges"), "{what}");
    }

    #[test]
    fn a_missing_role_is_named_and_a_mapped_one_is_found() {
        let mut live = Schema::default();
        live.environment.roles = ["app_staging".to_string()].into();
        let mut s = declared_with_grant("app");
        let managed = [Managed::Privileges];
        declared_side(&mut s, &managed, None);
        match check_roles(&s, &live) {
            Err(Error::MissingRoles { roles }) => assert_eq!(roles, ["app"]),
            other => panic!("{other:?}"),
        }
        let mut s = declared_with_grant("app");
        let options = LockOptions {
            roles: [("app".to_string(), "app_staging".to_string())].into(),
            ..LockOptions::default()
        };
        declared_side(&mut s, &managed, Some(&options));
        assert!(s.unmanaged.is_empty());
        check_roles(&s, &live).unwrap();
    }
}
