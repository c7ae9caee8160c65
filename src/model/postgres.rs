//! PostgreSQL-only object kinds: functions and procedures, domains, composite and range
//! types, comments on objects that have no `comment` field of their own, and the facts
//! about dependents that the planner needs but that are not compared.
//!
//! Every text here is the server's own (`pg_get_functiondef`, `pg_get_constraintdef`,
//! `format_type`, `regproc` output) read with an empty `search_path`, so names are
//! qualified and two schemas that mean the same thing print the same.

mod partition;
mod policy;
pub mod privileges;
mod relation;

pub use partition::{Inherited, PartitionOf, TableRef};
pub use policy::{map_policy_roles, policy_roles, Policy, PolicyCommand, PUBLIC_ROLE};
pub use relation::trigger_relation;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Returns the key of a function or procedure in [`super::Schema::functions`]:
/// `schema.name(identity arguments)`, e.g. `public.add(a integer, b integer)`.
pub fn function_key(schema: &str, name: &str, identity_args: &str) -> String {
    format!("{schema}.{name}({identity_args})")
}

/// Returns the key of a PostgreSQL trigger in [`super::Schema::triggers`]: the key of its
/// table (or view), a dot, its name.
pub fn trigger_key(table_key: &str, name: &str) -> String {
    format!("{table_key}.{name}")
}

/// A function or procedure (aggregates and window functions are not: they are reported
/// in [`super::Schema::unmanaged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub schema: String,
    pub name: String,
    /// `pg_get_function_identity_arguments`: what tells overloads apart and what `DROP
    /// FUNCTION` names, e.g. `a integer, b text`.
    pub identity_args: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub procedure: bool,
    /// `pg_get_function_arguments`: modes, names and defaults, e.g. `a integer, b text DEFAULT 'x'::text`.
    pub arguments: String,
    /// `pg_get_function_result`: `integer`, `SETOF public.t`, `TABLE(a integer)`; `None`
    /// for a procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The server's `CREATE OR REPLACE FUNCTION|PROCEDURE` statement (`pg_get_functiondef`,
    /// without a trailing semicolon): language, volatility, strictness, security, `SET`
    /// options, parallel safety, cost, rows and body. Rendered as is; compared with
    /// whitespace outside literals and comments ignored.
    pub definition: String,
    /// Keys of what must exist before this function is created, from `pg_depend`: tables
    /// and views whose row type it takes or returns, types, and for a `BEGIN ATOMIC` body
    /// the tables and functions it names. Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

impl Function {
    pub fn key(&self) -> String {
        function_key(&self.schema, &self.name, &self.identity_args)
    }
}

/// A domain over a base type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub schema: String,
    pub name: String,
    /// `format_type` of the base type, e.g. `character varying(20)`, `public.other_domain`.
    pub base_type: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_null: bool,
    /// The server's text of the default (`pg_get_expr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// A collation other than the base type's, qualified (`pg_catalog."C"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Named CHECK constraints, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<DomainCheck>,
    /// Keys of the types and functions it needs first (base type, functions its CHECKs and
    /// default call). Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// A named CHECK constraint of a domain.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DomainCheck {
    pub name: String,
    /// `pg_get_constraintdef`, e.g. `CHECK ((VALUE > 0))` (with ` NOT VALID` when not
    /// validated, as the server prints it).
    pub definition: String,
    /// `false` for a constraint added `NOT VALID` and not validated since.
    pub valid: bool,
}

/// A composite type (`CREATE TYPE … AS (…)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub schema: String,
    pub name: String,
    /// Attributes in order.
    pub attributes: Vec<Attribute>,
    /// Keys of the types its attributes use (domains, enums, other composites, ranges,
    /// tables' row types). Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// One attribute of a composite type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    /// `format_type`, e.g. `numeric(10,2)`, `public.mood[]`.
    #[serde(rename = "type")]
    pub ty: String,
    /// A collation other than the type's default, qualified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

/// A range type (`CREATE TYPE … AS RANGE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeType {
    pub schema: String,
    pub name: String,
    /// `format_type` of the subtype.
    pub subtype: String,
    /// The subtype's operator class when not the default one, qualified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// The canonical function, qualified (`regproc` text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// The subtype difference function, qualified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_diff: Option<String>,
    /// The multirange type's name when not the default one (`<name>_multirange` or, for a
    /// name ending in `range`, `…multirange`); `None` on PostgreSQL before 14.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multirange: Option<String>,
    /// Keys of the types and functions it needs first. Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// An object a comment is on, for the kinds whose model has no `comment` field (tables,
/// columns, views and enum types keep theirs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CommentTarget {
    Schema {
        name: String,
    },
    Index {
        schema: String,
        name: String,
    },
    /// A constraint of a table (primary key, unique, check, foreign key, exclusion).
    Constraint {
        schema: String,
        table: String,
        name: String,
    },
    Sequence {
        schema: String,
        name: String,
    },
    Function {
        schema: String,
        name: String,
        identity_args: String,
        procedure: bool,
    },
    Trigger {
        schema: String,
        table: String,
        name: String,
    },
    /// A row-level security policy of a table.
    Policy {
        schema: String,
        table: String,
        name: String,
    },
    Domain {
        schema: String,
        name: String,
    },
    DomainConstraint {
        schema: String,
        domain: String,
        name: String,
    },
    /// A composite or range type.
    Type {
        schema: String,
        name: String,
    },
    /// An attribute of a composite type (`COMMENT ON COLUMN type.attribute`).
    Attribute {
        schema: String,
        ty: String,
        name: String,
    },
}

impl CommentTarget {
    /// The key of the comment in [`super::Schema::comments`]: the kind, a space, the
    /// object's qualified name (unique per object, stable across runs).
    pub fn key(&self) -> String {
        match self {
            CommentTarget::Schema { name } => format!("schema {name}"),
            CommentTarget::Index { schema, name } => format!("index {schema}.{name}"),
            CommentTarget::Constraint {
                schema,
                table,
                name,
            } => format!("constraint {schema}.{table}.{name}"),
            CommentTarget::Sequence { schema, name } => format!("sequence {schema}.{name}"),
            CommentTarget::Function {
                schema,
                name,
                identity_args,
                procedure,
            } => {
                let kind = if *procedure { "procedure" } else { "function" };
                format!("{kind} {}", function_key(schema, name, identity_args))
            }
            CommentTarget::Trigger {
                schema,
                table,
                name,
            } => format!("trigger {schema}.{table}.{name}"),
            CommentTarget::Policy {
                schema,
                table,
                name,
            } => format!("policy {schema}.{table}.{name}"),
            CommentTarget::Domain { schema, name } => format!("domain {schema}.{name}"),
            CommentTarget::DomainConstraint {
                schema,
                domain,
                name,
            } => format!("domain constraint {schema}.{domain}.{name}"),
            CommentTarget::Type { schema, name } => format!("type {schema}.{name}"),
            CommentTarget::Attribute { schema, ty, name } => {
                format!("attribute {schema}.{ty}.{name}")
            }
        }
    }
}

/// A comment and what it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub on: CommentTarget,
    pub text: String,
}

/// What depends on an object, from the server's `pg_depend`, for the planner: a function
/// dropped and created again (its signature changed) takes these with it. Derived facts,
/// not compared: two [`Dependents`] are always equal, and they are not serialized with the
/// [`super::Schema`] (the catalog cache stores them beside it).
#[derive(Debug, Clone, Default)]
pub struct Dependents(pub BTreeMap<String, Vec<Dependent>>);

impl PartialEq for Dependents {
    fn eq(&self, _: &Dependents) -> bool {
        true
    }
}

impl Eq for Dependents {}

impl Dependents {
    /// What depends on the object with key `key` (a function's [`function_key`], a type's
    /// `schema.name`).
    pub fn of(&self, key: &str) -> &[Dependent] {
        self.0.get(key).map(Vec::as_slice).unwrap_or_default()
    }
}

/// One object that depends on another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Dependent {
    /// A view or materialized view, by key.
    View(String),
    /// A trigger, by [`trigger_key`].
    Trigger(String),
    /// A row-level security policy, by table key and name.
    Policy { table: String, name: String },
    /// A table constraint (CHECK, or anything else whose expression names it).
    Constraint { table: String, name: String },
    /// A column default.
    Default { table: String, column: String },
    /// A generated column's expression.
    Generated { table: String, column: String },
    /// An index, by table key and name.
    Index { table: String, name: String },
    /// A domain (its default or one of its CHECKs), by key.
    Domain(String),
    /// Another function (a `BEGIN ATOMIC` body, or a range type's support function), by key.
    Function(String),
    /// A type (composite attribute, range), by key.
    Type(String),
    /// Anything else, described for a message.
    Other(String),
}
