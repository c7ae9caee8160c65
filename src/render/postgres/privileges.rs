//! `GRANT` / `REVOKE`, `ALTER DEFAULT PRIVILEGES` and `ALTER … OWNER TO`, for plans and for
//! canonical DDL (snapshots, `inspect`). Every name goes through the quoting functions;
//! privileges are the static keywords of [`privilege_keyword`] (anything else is left out).

use crate::model::privileges::{privilege_keyword, AclTarget, DefaultKind, RelKind};
use crate::model::Schema;
use crate::plan::postgres::privileges_transitions as transitions;
use crate::plan::postgres::{AclChange, Op};
use crate::render::OpText;
use crate::sqltext::{quote_pg_ident as ident, quote_pg_qualified as qual};
use std::collections::BTreeMap;

/// The object a statement names after `ON`, and the column list to put after the
/// privilege for a column.
fn on_clause(on: &AclTarget) -> (String, Option<String>) {
    match on {
        AclTarget::Schema { name } => (format!("SCHEMA {}", ident(name)), None),
        AclTarget::Relation { schema, name, .. } => (format!("TABLE {}", qual(schema, name)), None),
        AclTarget::Column {
            schema,
            table,
            column,
        } => (
            format!("TABLE {}", qual(schema, table)),
            Some(format!(" ({})", ident(column))),
        ),
        AclTarget::Sequence { schema, name } => (format!("SEQUENCE {}", qual(schema, name)), None),
        AclTarget::Function {
            schema,
            name,
            args,
            procedure,
        } => {
            let word = if *procedure { "PROCEDURE" } else { "FUNCTION" };
            (format!("{word} {}({args})", qual(schema, name)), None)
        }
        AclTarget::Type {
            schema,
            name,
            domain,
        } => {
            let word = if *domain { "DOMAIN" } else { "TYPE" };
            (format!("{word} {}", qual(schema, name)), None)
        }
    }
}

fn grantee(g: &Option<String>) -> String {
    g.as_deref().map_or_else(|| "PUBLIC".to_string(), ident)
}

/// One statement per (grant or revoke, grant option, grantee): `GRANT a, b ON x TO g`.
/// `head` is what comes before `GRANT`/`REVOKE` (`ALTER DEFAULT PRIVILEGES …`).
fn statements(head: &str, on: &str, column: Option<&str>, changes: &[AclChange]) -> Vec<String> {
    let mut groups: BTreeMap<(bool, bool, Option<String>), Vec<&'static str>> = BTreeMap::new();
    for c in changes {
        if let Some(p) = privilege_keyword(&c.privilege) {
            let key = (!c.grant, c.grant_option, c.grantee.clone());
            groups.entry(key).or_default().push(p);
        }
    }
    groups
        .into_iter()
        .map(|((revoke, option, who), privileges)| {
            let list: Vec<String> = privileges
                .iter()
                .map(|p| format!("{p}{}", column.unwrap_or_default()))
                .collect();
            let list = list.join(", ");
            let who = grantee(&who);
            match (revoke, option) {
                (false, false) => format!("{head}GRANT {list} ON {on} TO {who}"),
                (false, true) => format!("{head}GRANT {list} ON {on} TO {who} WITH GRANT OPTION"),
                (true, false) => format!("{head}REVOKE {list} ON {on} FROM {who}"),
                (true, true) => format!("{head}REVOKE GRANT OPTION FOR {list} ON {on} FROM {who}"),
            }
        })
        .collect()
}

fn grant_sql(on: &AclTarget, changes: &[AclChange]) -> Vec<String> {
    let (what, column) = on_clause(on);
    statements("", &what, column.as_deref(), changes)
}

fn default_head(role: &str, schema: Option<&str>) -> String {
    match schema {
        Some(s) => format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} ",
            ident(role),
            ident(s)
        ),
        None => format!("ALTER DEFAULT PRIVILEGES FOR ROLE {} ", ident(role)),
    }
}

fn default_sql(
    role: &str,
    schema: Option<&str>,
    on: DefaultKind,
    changes: &[AclChange],
) -> Vec<String> {
    statements(&default_head(role, schema), on.keyword(), None, changes)
}

fn owner_sql(on: &AclTarget, role: &str) -> Option<String> {
    let what = match on {
        AclTarget::Schema { name } => format!("SCHEMA {}", ident(name)),
        AclTarget::Relation {
            schema,
            name,
            relkind,
        } => {
            let word = match relkind {
                RelKind::Table => "TABLE",
                RelKind::View => "VIEW",
                RelKind::MaterializedView => "MATERIALIZED VIEW",
            };
            format!("{word} {}", qual(schema, name))
        }
        AclTarget::Column { .. } => return None,
        other => on_clause(other).0,
    };
    Some(format!("ALTER {what} OWNER TO {}", ident(role)))
}

/// The text of the privilege steps of a plan.
pub(super) fn op_sql(op: &Op) -> Option<OpText> {
    Some(match op {
        Op::Grant { on, changes } => (
            vec![format!("Privileges on {}", on.key())],
            grant_sql(on, changes),
        ),
        Op::DefaultPrivileges {
            role,
            schema,
            on,
            changes,
        } => (
            vec![format!(
                "Default privileges of {role}{} on {}",
                schema
                    .as_deref()
                    .map_or_else(String::new, |s| format!(" in schema {s}")),
                on.keyword()
            )],
            default_sql(role, schema.as_deref(), *on, changes),
        ),
        Op::Owner { on, role } => (
            vec![format!("Owner of {} is {role}", on.key())],
            owner_sql(on, role).into_iter().collect(),
        ),
        _ => return None,
    })
}

/// Canonical DDL of [`Schema::acl`]: owners, then each object's privileges against the
/// built-in default, then default privileges (last, so that the objects above were
/// created without them when the text is loaded in order). Empty when there is nothing.
pub fn privileges_ddl(s: &Schema) -> String {
    let mut out = Vec::new();
    for o in s.acl.owners.values() {
        out.extend(owner_sql(&o.on, &o.role));
    }
    let none = Default::default();
    for p in s.acl.objects.values() {
        out.extend(grant_sql(&p.on, &transitions(&none, &p.acl)));
    }
    for d in s.acl.defaults.values() {
        let changes = transitions(&none, &d.acl);
        out.extend(default_sql(&d.role, d.schema.as_deref(), d.on, &changes));
    }
    let mut text = String::new();
    for stmt in out {
        text.push_str(&stmt);
        text.push_str(";\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(grant: bool, option: bool, who: Option<&str>, p: &str) -> AclChange {
        AclChange {
            grant,
            grant_option: option,
            grantee: who.map(str::to_string),
            privilege: p.into(),
        }
    }

    #[test]
    fn hostile_names_stay_quoted_and_unknown_privileges_are_left_out() {
        let on = AclTarget::Column {
            schema: "Sch\"ema".into(),
            table: "t; DROP TABLE x".into(),
            column: "Col".into(),
        };
        let sql = grant_sql(
            &on,
            &[
                change(true, false, Some("Ro\"le"), "SELECT"),
                change(true, false, Some("Ro\"le"), "UPDATE"),
                change(true, false, Some("Ro\"le"), "DROP TABLE x; --"),
                change(false, true, None, "SELECT"),
            ],
        );
        assert_eq!(
            sql,
            [
                "GRANT SELECT (\"Col\"), UPDATE (\"Col\") ON TABLE \"Sch\"\"ema\".\"t; DROP TABLE x\" TO \"Ro\"\"le\"",
                "REVOKE GRANT OPTION FOR SELECT (\"Col\") ON TABLE \"Sch\"\"ema\".\"t; DROP TABLE x\" FROM PUBLIC",
            ]
        );
    }

    #[test]
    fn default_privileges_for_a_role_in_a_schema_and_globally() {
        let changes = [
            change(true, true, Some("app"), "SELECT"),
            change(false, false, None, "EXECUTE"),
        ];
        assert_eq!(
            default_sql("owner", Some("s"), DefaultKind::Tables, &changes[..1]),
            ["ALTER DEFAULT PRIVILEGES FOR ROLE owner IN SCHEMA s GRANT SELECT ON TABLES TO app WITH GRANT OPTION"]
        );
        assert_eq!(
            default_sql("owner", None, DefaultKind::Functions, &changes[1..]),
            ["ALTER DEFAULT PRIVILEGES FOR ROLE owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC"]
        );
    }

    #[test]
    fn owners_name_the_kind_of_relation() {
        let mv = AclTarget::Relation {
            schema: "s".into(),
            name: "m".into(),
            relkind: RelKind::MaterializedView,
        };
        assert_eq!(
            owner_sql(&mv, "app").as_deref(),
            Some("ALTER MATERIALIZED VIEW s.m OWNER TO app")
        );
        let f = AclTarget::Function {
            schema: "s".into(),
            name: "f".into(),
            args: "a integer".into(),
            procedure: true,
        };
        assert_eq!(
            owner_sql(&f, "app").as_deref(),
            Some("ALTER PROCEDURE s.f(a integer) OWNER TO app")
        );
    }
}
