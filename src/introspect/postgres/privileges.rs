//! Turns the rows of `queries/privileges.sql` into [`Schema::acl`] and
//! [`Schema::environment`]: privileges and owners of the objects the model holds (others,
//! such as an extension's, are dropped here), default privileges, the server's roles.

use crate::model::privileges::{
    privilege_keyword, AclItem, AclTarget, DefaultKind, DefaultPrivileges, Owner, Privileges,
    RelKind,
};
use crate::model::{function_key, qualified_key, Schema};
use postgres::Row;

/// Reads `privileges.sql` rows into `schema` (after every object is in it).
pub fn add_privileges(rows: &[Row], schema: &mut Schema) {
    for row in rows {
        let kind: String = row.get("kind");
        let what: String = row.get("what");
        let ns: Option<String> = row.get("schema");
        let name: String = row.get("name");
        let sub: Option<String> = row.get("sub");
        let extra: Option<String> = row.get("extra");
        let grantee: Option<String> = row.get("grantee");
        match what.as_str() {
            "role" => {
                schema.environment.roles.insert(name);
                continue;
            }
            "user" => {
                schema.environment.user = name;
                continue;
            }
            _ => {}
        }
        if kind == "default" {
            add_default(
                row,
                schema,
                ns,
                name,
                sub.unwrap_or_default(),
                &what,
                grantee,
            );
            continue;
        }
        let Some(target) = target(schema, &kind, ns, name, sub, extra.as_deref()) else {
            continue;
        };
        if what == "owner" {
            if let Some(role) = grantee {
                let key = target.key();
                schema.acl.owners.insert(key, Owner { on: target, role });
            }
            continue;
        }
        let Some(item) = item(row, grantee) else {
            continue;
        };
        let entry = schema
            .acl
            .objects
            .entry(target.key())
            .or_insert_with(|| Privileges {
                on: target,
                acl: Default::default(),
            });
        match what.as_str() {
            "grant" => entry.acl.granted.insert(item),
            _ => entry.acl.revoked.insert(item),
        };
    }
}

/// One entry, when its privilege is one schemadiff knows.
fn item(row: &Row, grantee: Option<String>) -> Option<AclItem> {
    let privilege: Option<String> = row.get("privilege");
    let privilege = privilege_keyword(privilege.as_deref()?)?;
    Some(AclItem {
        grantee,
        privilege: privilege.to_string(),
        grantable: row.get("grantable"),
    })
}

fn add_default(
    row: &Row,
    schema: &mut Schema,
    ns: Option<String>,
    role: String,
    objtype: String,
    what: &str,
    grantee: Option<String>,
) {
    let (Some(on), Some(item)) = (DefaultKind::from_code(&objtype), item(row, grantee)) else {
        return;
    };
    if ns.as_ref().is_some_and(|s| !schema.schemas.contains(s)) {
        return;
    }
    let d = DefaultPrivileges {
        role,
        schema: ns,
        on,
        acl: Default::default(),
    };
    let entry = schema.acl.defaults.entry(d.key()).or_insert(d);
    match what {
        "grant" => entry.acl.granted.insert(item),
        _ => entry.acl.revoked.insert(item),
    };
}

/// What a row is on, when the model holds it.
fn target(
    schema: &Schema,
    kind: &str,
    ns: Option<String>,
    name: String,
    sub: Option<String>,
    extra: Option<&str>,
) -> Option<AclTarget> {
    let ns = ns?;
    let key = qualified_key(&ns, &name);
    Some(match kind {
        "schema" => {
            schema.schemas.contains(&name).then_some(())?;
            AclTarget::Schema { name }
        }
        "relation" => match extra? {
            "r" | "p" if schema.tables.contains_key(&key) => AclTarget::Relation {
                schema: ns,
                name,
                relkind: RelKind::Table,
            },
            "v" | "m" if schema.views.contains_key(&key) => AclTarget::Relation {
                schema: ns,
                name,
                relkind: if extra == Some("m") {
                    RelKind::MaterializedView
                } else {
                    RelKind::View
                },
            },
            "S" if schema.sequences.contains_key(&key) => AclTarget::Sequence { schema: ns, name },
            _ => return None,
        },
        "column" => {
            let column = sub?;
            let holds = schema
                .tables
                .get(&key)
                .is_some_and(|t| t.columns.iter().any(|c| c.name == column))
                || schema.views.contains_key(&key);
            holds.then_some(())?;
            AclTarget::Column {
                schema: ns,
                table: name,
                column,
            }
        }
        "function" => {
            let args = sub.unwrap_or_default();
            let f = schema.functions.get(&function_key(&ns, &name, &args))?;
            AclTarget::Function {
                schema: ns,
                name,
                args,
                procedure: f.procedure,
            }
        }
        "type" => {
            let held = schema.enums.contains_key(&key)
                || schema.composites.contains_key(&key)
                || schema.ranges.contains_key(&key);
            let domain = schema.domains.contains_key(&key);
            (held || domain).then_some(())?;
            AclTarget::Type {
                schema: ns,
                name,
                domain,
            }
        }
        _ => return None,
    })
}
