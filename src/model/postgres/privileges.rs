//! PostgreSQL privileges, default privileges and ownership ([`Acl`]), opt-in by kind
//! ([`Managed`]).
//!
//! Privileges are kept as the **difference from the built-in default** (`acldefault(kind,
//! owner)`): what is granted beyond it and what is revoked from it, the owner's own entries
//! left out (owners differ per environment). A freshly created object with default
//! privileges has no entry. Default privileges (`ALTER DEFAULT PRIVILEGES`) the same way:
//! per role, globally or in one schema, per object kind. Owners are kept only when ownership
//! is managed. Roles are parameters of the environment: [`map_roles`] renames the roles a
//! model names (declared names → the target's), the one place that knows where roles appear.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What kinds of privilege schemadiff compares (`[postgres] manage`, `--manage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Managed {
    /// GRANT / REVOKE on tables, columns, views, sequences, functions, schemas, types.
    Privileges,
    /// ALTER DEFAULT PRIVILEGES.
    DefaultPrivileges,
    /// ALTER … OWNER TO.
    Ownership,
}

impl Managed {
    pub const ALL: [Managed; 3] = [
        Managed::Privileges,
        Managed::DefaultPrivileges,
        Managed::Ownership,
    ];

    /// The name `schemadiff.toml` and `--manage` use.
    pub fn name(self) -> &'static str {
        match self {
            Managed::Privileges => "privileges",
            Managed::DefaultPrivileges => "default-privileges",
            Managed::Ownership => "ownership",
        }
    }

    /// Reads a name as `schemadiff.toml` writes it.
    pub fn from_name(text: &str) -> Option<Managed> {
        Managed::ALL.into_iter().find(|m| m.name() == text)
    }
}

/// The privilege keywords the server's `aclexplode` prints; nothing else is modelled, so
/// no other text reaches a statement.
pub const PRIVILEGES: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "USAGE",
    "EXECUTE",
    "CREATE",
    "MAINTAIN",
];

/// The static keyword for a privilege name, when it is one of [`PRIVILEGES`].
pub fn privilege_keyword(text: &str) -> Option<&'static str> {
    PRIVILEGES.iter().copied().find(|p| *p == text)
}

/// What privileges are on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AclTarget {
    Schema {
        name: String,
    },
    /// A table, view or materialized view (`GRANT … ON TABLE` names all three).
    Relation {
        schema: String,
        name: String,
        #[serde(default, skip_serializing_if = "RelKind::is_table")]
        relkind: RelKind,
    },
    Column {
        schema: String,
        table: String,
        column: String,
    },
    Sequence {
        schema: String,
        name: String,
    },
    /// A function or procedure; `args` as `pg_get_function_identity_arguments` prints them.
    Function {
        schema: String,
        name: String,
        args: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        procedure: bool,
    },
    /// An enum, composite, range type or a domain.
    Type {
        schema: String,
        name: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        domain: bool,
    },
}

/// Which kind of relation a [`AclTarget::Relation`] is (its `ALTER … OWNER TO`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelKind {
    #[default]
    Table,
    View,
    MaterializedView,
}

impl RelKind {
    fn is_table(&self) -> bool {
        *self == RelKind::Table
    }
}

impl AclTarget {
    /// The key in [`Acl::objects`] and [`Acl::owners`]: kind and qualified name.
    pub fn key(&self) -> String {
        match self {
            AclTarget::Schema { name } => format!("schema {name}"),
            AclTarget::Relation { schema, name, .. } => format!("table {schema}.{name}"),
            AclTarget::Column {
                schema,
                table,
                column,
            } => format!("column {schema}.{table}.{column}"),
            AclTarget::Sequence { schema, name } => format!("sequence {schema}.{name}"),
            AclTarget::Function {
                schema, name, args, ..
            } => format!("function {schema}.{name}({args})"),
            AclTarget::Type { schema, name, .. } => format!("type {schema}.{name}"),
        }
    }

    /// The kind the server's default privileges (`pg_default_acl`) apply to when an object
    /// of this kind is created; `None` for columns.
    pub fn default_kind(&self) -> Option<DefaultKind> {
        Some(match self {
            AclTarget::Schema { .. } => DefaultKind::Schemas,
            AclTarget::Relation { .. } => DefaultKind::Tables,
            AclTarget::Column { .. } => return None,
            AclTarget::Sequence { .. } => DefaultKind::Sequences,
            AclTarget::Function { .. } => DefaultKind::Functions,
            AclTarget::Type { .. } => DefaultKind::Types,
        })
    }

    /// The schema the object is in (`None` for a schema itself).
    pub fn schema(&self) -> Option<&str> {
        match self {
            AclTarget::Schema { .. } => None,
            AclTarget::Relation { schema, .. }
            | AclTarget::Column { schema, .. }
            | AclTarget::Sequence { schema, .. }
            | AclTarget::Function { schema, .. }
            | AclTarget::Type { schema, .. } => Some(schema),
        }
    }
}

/// One privilege of one grantee: `grantee` `None` is `PUBLIC`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AclItem {
    pub grantee: Option<String>,
    pub privilege: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub grantable: bool,
}

/// Privileges as the difference from the built-in default: `granted` beyond it, `revoked`
/// from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclDiff {
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub granted: BTreeSet<AclItem>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub revoked: BTreeSet<AclItem>,
}

impl AclDiff {
    pub fn is_empty(&self) -> bool {
        self.granted.is_empty() && self.revoked.is_empty()
    }
}

/// The privileges of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privileges {
    pub on: AclTarget,
    #[serde(flatten)]
    pub acl: AclDiff,
}

/// The object kinds of `ALTER DEFAULT PRIVILEGES … ON`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultKind {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultKind {
    /// `pg_default_acl.defaclobjtype`.
    pub fn from_code(code: &str) -> Option<DefaultKind> {
        Some(match code {
            "r" => DefaultKind::Tables,
            "S" => DefaultKind::Sequences,
            "f" => DefaultKind::Functions,
            "T" => DefaultKind::Types,
            "n" => DefaultKind::Schemas,
            _ => return None,
        })
    }

    /// The keyword after `ON` in `ALTER DEFAULT PRIVILEGES`.
    pub fn keyword(self) -> &'static str {
        match self {
            DefaultKind::Tables => "TABLES",
            DefaultKind::Sequences => "SEQUENCES",
            DefaultKind::Functions => "FUNCTIONS",
            DefaultKind::Types => "TYPES",
            DefaultKind::Schemas => "SCHEMAS",
        }
    }
}

/// Default privileges of `role` for objects of kind `on` it creates, in `schema` (added to
/// the global ones) or globally (`None`, replacing the built-in default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultPrivileges {
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub on: DefaultKind,
    #[serde(flatten)]
    pub acl: AclDiff,
}

impl DefaultPrivileges {
    pub fn key(&self) -> String {
        default_key(&self.role, self.schema.as_deref(), self.on)
    }
}

/// The key of default privileges in [`Acl::defaults`].
pub fn default_key(role: &str, schema: Option<&str>, on: DefaultKind) -> String {
    match schema {
        Some(s) => format!("for {role} in {s} on {}", on.keyword()),
        None => format!("for {role} on {}", on.keyword()),
    }
}

/// An object's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub on: AclTarget,
    pub role: String,
}

/// Privileges, default privileges and owners of a schema's objects (each only when
/// managed; see [`scope`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// By [`AclTarget::key`]; objects with the built-in default privileges have no entry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub objects: BTreeMap<String, Privileges>,
    /// By [`DefaultPrivileges::key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub defaults: BTreeMap<String, DefaultPrivileges>,
    /// By [`AclTarget::key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, Owner>,
}

impl Acl {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.defaults.is_empty() && self.owners.is_empty()
    }

    /// The default privileges an object of `kind` created by `role` in `schema` gets: the
    /// global ones of the role (else the built-in default), plus the schema's.
    pub fn on_create(&self, role: &str, schema: Option<&str>, kind: DefaultKind) -> AclDiff {
        let mut out = self
            .defaults
            .get(&default_key(role, None, kind))
            .map(|d| d.acl.clone())
            .unwrap_or_default();
        if let Some(s) = schema {
            if let Some(d) = self.defaults.get(&default_key(role, Some(s), kind)) {
                out.granted.extend(d.acl.granted.iter().cloned());
            }
        }
        // A global REVOKE given back IN SCHEMA: granted again.
        let granted = out.granted.clone();
        out.revoked.retain(|r| {
            !granted
                .iter()
                .any(|g| g.grantee == r.grantee && g.privilege == r.privilege)
        });
        out
    }
}

/// What the server the schema was read from says about its environment: its roles and the
/// role that read it (the one a script run there creates objects as). Facts of the
/// environment, not of the schema: never compared nor serialized.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub roles: BTreeSet<String>,
    /// `current_user` of the connection that read the schema; empty when unknown (a model
    /// from the catalog cache).
    pub user: String,
}

impl PartialEq for Environment {
    fn eq(&self, _: &Environment) -> bool {
        true
    }
}

impl Eq for Environment {}

/// Keeps only what `managed` names: privileges, default privileges, owners.
pub fn scope(acl: &mut Acl, managed: &[Managed]) {
    if !managed.contains(&Managed::Privileges) {
        acl.objects.clear();
    }
    if !managed.contains(&Managed::DefaultPrivileges) {
        acl.defaults.clear();
    }
    if !managed.contains(&Managed::Ownership) {
        acl.owners.clear();
    }
}

/// Renames the roles `acl` names by `map` (declared name → the target's): grantees, the
/// roles of default privileges, owners. Every place a model names a role goes through
/// here.
pub fn map_roles(acl: &mut Acl, map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    let role = |r: &mut String| {
        if let Some(to) = map.get(r.as_str()) {
            *r = to.clone();
        }
    };
    let items = |set: &mut BTreeSet<AclItem>| {
        *set = std::mem::take(set)
            .into_iter()
            .map(|mut i| {
                if let Some(g) = &mut i.grantee {
                    role(g);
                }
                i
            })
            .collect();
    };
    for p in acl.objects.values_mut() {
        items(&mut p.acl.granted);
        items(&mut p.acl.revoked);
    }
    let defaults = std::mem::take(&mut acl.defaults);
    for (_, mut d) in defaults {
        role(&mut d.role);
        items(&mut d.acl.granted);
        items(&mut d.acl.revoked);
        acl.defaults.insert(d.key(), d);
    }
    for o in acl.owners.values_mut() {
        role(&mut o.role);
    }
}

/// Every role `acl` names (grantees but `PUBLIC`, roles of default privileges, owners).
pub fn roles(acl: &Acl) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let items = |set: &BTreeSet<AclItem>, out: &mut BTreeSet<String>| {
        out.extend(set.iter().filter_map(|i| i.grantee.clone()));
    };
    for p in acl.objects.values() {
        items(&p.acl.granted, &mut out);
        items(&p.acl.revoked, &mut out);
    }
    for d in acl.defaults.values() {
        out.insert(d.role.clone());
        items(&d.acl.granted, &mut out);
        items(&d.acl.revoked, &mut out);
    }
    out.extend(acl.owners.values().map(|o| o.role.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(g: Option<&str>, p: &str) -> AclItem {
        AclItem {
            grantee: g.map(str::to_string),
            privilege: p.into(),
            grantable: false,
        }
    }

    fn acl() -> Acl {
        let mut a = Acl::default();
        let on = AclTarget::Relation {
            schema: "s".into(),
            name: "t".into(),
            relkind: RelKind::Table,
        };
        let mut p = Privileges {
            on: on.clone(),
            acl: AclDiff::default(),
        };
        p.acl.granted.insert(item(Some("app"), "SELECT"));
        p.acl.granted.insert(item(None, "SELECT"));
        a.objects.insert(on.key(), p);
        let d = DefaultPrivileges {
            role: "app".into(),
            schema: Some("s".into()),
            on: DefaultKind::Tables,
            acl: AclDiff {
                granted: [item(Some("ro"), "SELECT")].into(),
                revoked: BTreeSet::new(),
            },
        };
        a.defaults.insert(d.key(), d);
        a.owners.insert(
            on.key(),
            Owner {
                on,
                role: "app".into(),
            },
        );
        a
    }

    #[test]
    fn map_roles_renames_grantees_default_roles_and_owners_and_rekeys() {
        let mut a = acl();
        let map = [("app".to_string(), "app_staging".to_string())].into();
        map_roles(&mut a, &map);
        let r = roles(&a);
        assert!(r.contains("app_staging") && !r.contains("app"), "{r:?}");
        assert!(a.defaults.contains_key("for app_staging in s on TABLES"));
        // PUBLIC stays PUBLIC.
        let p = a.objects.values().next().unwrap();
        assert!(p.acl.granted.contains(&item(None, "SELECT")));
    }

    #[test]
    fn scope_keeps_only_the_managed_kinds() {
        let mut a = acl();
        scope(&mut a, &[Managed::DefaultPrivileges]);
        assert!(a.objects.is_empty() && a.owners.is_empty());
        assert_eq!(a.defaults.len(), 1);
        let mut b = acl();
        scope(&mut b, &[]);
        assert!(b.is_empty());
    }

    #[test]
    fn on_create_adds_schema_grants_to_the_global_ones() {
        let a = acl();
        let d = a.on_create("app", Some("s"), DefaultKind::Tables);
        assert_eq!(d.granted.len(), 1);
        assert!(a
            .on_create("other", Some("s"), DefaultKind::Tables)
            .is_empty());
        assert!(a
            .on_create("app", Some("x"), DefaultKind::Tables)
            .is_empty());
    }

    #[test]
    fn managed_names_round_trip() {
        for m in Managed::ALL {
            assert_eq!(Managed::from_name(m.name()), Some(m));
        }
        assert_eq!(Managed::from_name("grants"), None);
    }
}
