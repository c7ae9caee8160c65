//! Statements for row-level security: `CREATE`/`ALTER`/`DROP POLICY` and the table
//! switches, for the render arms of their operations and for the canonical printer
//! ([`super::ddl`]).
//!
//! Names go through the one quoting function (a role list's [`PUBLIC_ROLE`] is the keyword
//! `PUBLIC`; a role named `"PUBLIC"` is quoted); the
//! expressions are the server's `pg_get_expr` text, written as they are inside the
//! parentheses `USING` and `WITH CHECK` require (as `pg_dump` does).

use super::{one, table};
use crate::model::{Policy, PUBLIC_ROLE};
use crate::plan::postgres::TableName;
use crate::render::OpText;
use crate::sqltext::quote_pg_ident as ident;

/// `a, "B c"`, `PUBLIC` for every role.
fn roles(list: &[String]) -> String {
    let names: Vec<String> = list
        .iter()
        .map(|r| {
            if r == PUBLIC_ROLE {
                "PUBLIC".to_string()
            } else {
                ident(r)
            }
        })
        .collect();
    if names.is_empty() {
        "PUBLIC".into()
    } else {
        names.join(", ")
    }
}

/// ` USING (…)` and ` WITH CHECK (…)` for those that are set.
fn expressions(using: &Option<String>, with_check: &Option<String>) -> String {
    let mut out = String::new();
    if let Some(u) = using {
        out.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = with_check {
        out.push_str(&format!(" WITH CHECK ({c})"));
    }
    out
}

/// The whole `CREATE POLICY` statement, every clause spelled out.
pub(super) fn create_policy_sql(t: &TableName, p: &Policy) -> String {
    format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {}{}",
        ident(&p.name),
        table(t),
        if p.permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        p.command.sql(),
        roles(&p.roles),
        expressions(&p.using, &p.with_check)
    )
}

pub(super) fn create_policy(t: &TableName, p: &Policy) -> OpText {
    one(
        format!("Policy {} on {}", p.name, t.name),
        create_policy_sql(t, p),
    )
}

pub(super) fn drop_policy(t: &TableName, name: &str) -> OpText {
    one(
        format!("Policy {name} on {} is gone or changes", t.name),
        format!("DROP POLICY {} ON {}", ident(name), table(t)),
    )
}

pub(super) fn alter_policy(
    t: &TableName,
    name: &str,
    to: &Option<Vec<String>>,
    using: &Option<String>,
    with_check: &Option<String>,
) -> OpText {
    let to = to
        .as_ref()
        .map(|r| format!(" TO {}", roles(r)))
        .unwrap_or_default();
    one(
        format!("Policy {name} on {} changes", t.name),
        format!(
            "ALTER POLICY {} ON {}{to}{}",
            ident(name),
            table(t),
            expressions(using, with_check)
        ),
    )
}

/// The `ALTER TABLE` actions of the switches that are `Some`.
pub(super) fn switches_sql(t: &TableName, enable: Option<bool>, force: Option<bool>) -> String {
    let mut actions = Vec::new();
    if let Some(e) = enable {
        actions.push(if e { "ENABLE" } else { "DISABLE" }.to_string() + " ROW LEVEL SECURITY");
    }
    if let Some(f) = force {
        actions.push(if f { "FORCE" } else { "NO FORCE" }.to_string() + " ROW LEVEL SECURITY");
    }
    format!("ALTER TABLE {} {}", table(t), actions.join(", "))
}

pub(super) fn row_security(t: &TableName, enable: Option<bool>, force: Option<bool>) -> OpText {
    let mut what = Vec::new();
    if let Some(e) = enable {
        what.push(if e { "enabled" } else { "disabled" });
    }
    if let Some(f) = force {
        what.push(if f {
            "forced (applies to the owner too)"
        } else {
            "no longer forced"
        });
    }
    one(
        format!("Row-level security of {} is {}", t.name, what.join(" and ")),
        switches_sql(t, enable, force),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PolicyCommand;

    #[test]
    fn public_is_the_keyword_and_every_other_role_a_quoted_name() {
        let list = |r: &[&str]| roles(&r.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(list(&[PUBLIC_ROLE]), "PUBLIC");
        assert_eq!(list(&["PUBLIC", "app"]), "\"PUBLIC\", app");
        assert_eq!(list(&["a\"b c", "select"]), "\"a\"\"b c\", \"select\"");
        assert_eq!(list(&[]), "PUBLIC");
    }

    #[test]
    fn every_clause_is_spelled_out() {
        let t = TableName {
            schema: "s x".into(),
            name: "t\"".into(),
        };
        let p = Policy {
            name: "p;".into(),
            permissive: false,
            command: PolicyCommand::Update,
            roles: vec!["app".into()],
            using: Some("(a > 0)".into()),
            with_check: Some("b".into()),
        };
        assert_eq!(
            create_policy_sql(&t, &p),
            "CREATE POLICY \"p;\" ON \"s x\".\"t\"\"\" AS RESTRICTIVE FOR UPDATE TO app USING ((a > 0)) WITH CHECK (b)"
        );
        assert_eq!(
            switches_sql(&t, Some(false), Some(true)),
            "ALTER TABLE \"s x\".\"t\"\"\" DISABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY"
        );
    }
}
