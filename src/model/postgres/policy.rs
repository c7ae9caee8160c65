//! Row-level security of a PostgreSQL table: the `ENABLE`/`FORCE ROW LEVEL SECURITY`
//! switches (on [`crate::model::Table`]) and its policies (`CREATE POLICY`), each with the
//! server's own text of its expressions (`pg_get_expr` read with an empty `search_path`).

use super::super::Table;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The command a policy applies to (`FOR …`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    #[default]
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    /// From `pg_policy.polcmd`: `*`, `r`, `a`, `w`, `d`.
    pub fn from_polcmd(c: &str) -> Option<PolicyCommand> {
        Some(match c {
            "*" => PolicyCommand::All,
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => return None,
        })
    }

    /// Returns the SQL keyword.
    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// The role list entry that stands for every role (`polroles` holding 0): `public` in
/// lower case, a name no role can have ("role name \"public\" is reserved"), so a role
/// named `"PUBLIC"` stays apart from it.
pub const PUBLIC_ROLE: &str = "public";

/// A policy on a table, keyed by its name in [`crate::model::Table::policies`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    /// `AS RESTRICTIVE` when `false`.
    pub permissive: bool,
    pub command: PolicyCommand,
    /// Role names, sorted; [`PUBLIC_ROLE`] for every role. Names as the target environment
    /// spells them (a role mapping between environments rewrites this list).
    pub roles: Vec<String>,
    /// The `USING` expression as `pg_get_expr` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// The `WITH CHECK` expression as `pg_get_expr` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
}

/// Renames the roles the policies of `tables` name by `map` (declared name → the
/// target's, `[postgres.roles]`), keeping each list sorted. With
/// [`super::privileges::map_roles`], every place a model names a role.
pub fn map_policy_roles(tables: &mut BTreeMap<String, Table>, map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    for policy in tables.values_mut().flat_map(|t| t.policies.values_mut()) {
        for role in &mut policy.roles {
            if let Some(to) = map.get(role.as_str()) {
                *role = to.clone();
            }
        }
        policy.roles.sort();
        policy.roles.dedup();
    }
}

/// The roles the policies of `tables` name, `PUBLIC` (every role) left out.
pub fn policy_roles(tables: &BTreeMap<String, Table>) -> BTreeSet<String> {
    tables
        .values()
        .flat_map(|t| t.policies.values())
        .flat_map(|p| p.roles.iter())
        .filter(|r| *r != PUBLIC_ROLE)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_roles_are_mapped_sorted_and_listed_without_public() {
        let policy = |roles: &[&str]| Policy {
            name: "p".into(),
            permissive: true,
            command: PolicyCommand::All,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: None,
            with_check: None,
        };
        let mut t = Table::default();
        t.policies.insert("p".into(), policy(&["app", "zeta"]));
        t.policies.insert("q".into(), policy(&[PUBLIC_ROLE]));
        let mut tables = BTreeMap::from([("public.t".to_string(), t)]);
        let map = BTreeMap::from([("app".to_string(), "zz_app_staging".to_string())]);
        map_policy_roles(&mut tables, &map);
        let t = &tables["public.t"];
        assert_eq!(t.policies["p"].roles, ["zeta", "zz_app_staging"]);
        assert_eq!(t.policies["q"].roles, [PUBLIC_ROLE]);
        assert_eq!(
            policy_roles(&tables).into_iter().collect::<Vec<_>>(),
            ["zeta", "zz_app_staging"]
        );
    }
}
