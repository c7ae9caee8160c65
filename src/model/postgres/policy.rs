//! Row-level security of a PostgreSQL table: the `ENABLE`/`FORCE ROW LEVEL SECURITY`
//! switches (on [`crate::model::Table`]) and its policies (`CREATE POLICY`), each with the
//! server's own text of its expressions (`pg_get_expr` read with an empty `search_path`).

use serde::{Deserialize, Serialize};

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
