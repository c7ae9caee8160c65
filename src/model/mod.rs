//! The normalized schema model shared by every edge of the pipeline.
//!
//! `declare` (DDL files) and `introspect` (live catalogs) both produce a [`Schema`]; `diff`
//! compares two of them. Everything here is already normalized: expressions are canonical
//! text, types and collations upper-case, and constraint lists sorted, so that two schemas
//! that mean the same thing compare equal with `==`.
//!
//! This module imports nothing else from the crate.

pub mod postgres;
mod renames;
pub use postgres::privileges;
pub use postgres::{
    function_key, map_policy_roles, policy_roles, trigger_key, Attribute, Comment, CommentTarget,
    CompositeType, Dependent, Dependents, Domain, DomainCheck, Function, Inherited, PartitionOf,
    Policy, PolicyCommand, RangeType, TableRef, PUBLIC_ROLE,
};
pub use renames::{RenameError, Renames};

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A whole database schema: tables (with their indexes), views and triggers, keyed by name.
///
/// On SQLite a key is the object's name. On PostgreSQL it is `schema.name` (see
/// [`qualified_key`]), and the PostgreSQL-only collections (namespaces, enum types,
/// sequences, extensions) are filled; on SQLite they stay empty and are not serialized.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    pub views: BTreeMap<String, View>,
    pub triggers: BTreeMap<String, Trigger>,
    /// PostgreSQL namespaces (schemas) other than the system ones, `public` included.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub schemas: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, EnumType>,
    /// Standalone sequences and the sequences behind `serial` columns (not identity ones).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sequences: BTreeMap<String, Sequence>,
    /// Extensions by name (their own objects are left out of every other collection).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Extension>,
    /// SQLite virtual tables (`CREATE VIRTUAL TABLE … USING module(…)`), keyed by name. Their
    /// shadow tables (`x_content`, `x_data`, `x_node`, …) belong to the module and are in no
    /// collection.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub virtual_tables: BTreeMap<String, VirtualTable>,
    /// PostgreSQL functions and procedures, keyed by [`function_key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, Function>,
    /// PostgreSQL domains, keyed by `schema.name`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub domains: BTreeMap<String, Domain>,
    /// PostgreSQL composite types (`CREATE TYPE … AS (…)`), keyed by `schema.name`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub composites: BTreeMap<String, CompositeType>,
    /// PostgreSQL range types, keyed by `schema.name`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, RangeType>,
    /// PostgreSQL comments on the objects whose model has no `comment` field (schemas,
    /// indexes, constraints, sequences, functions, triggers, domains and their constraints,
    /// composite and range types and attributes), keyed by [`CommentTarget::key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub comments: BTreeMap<String, Comment>,
    /// Objects recognized but not managed (e.g. aggregates, foreign tables), key → what they are.
    /// The differ ignores them; the CLI reports them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unmanaged: BTreeMap<String, String>,
    /// PostgreSQL: what depends on each function and type, for the planner; never compared
    /// nor serialized with the schema (the catalog cache stores them beside it; see
    /// [`Dependents`]).
    #[serde(skip)]
    pub dependents: Dependents,
    /// PostgreSQL privileges, default privileges and owners, each kind only when managed
    /// (see [`postgres::privileges`]).
    #[serde(default, skip_serializing_if = "postgres::privileges::Acl::is_empty")]
    pub acl: postgres::privileges::Acl,
    /// The roles of the server the schema was read from and the role that read it; never
    /// compared nor serialized.
    #[serde(skip)]
    pub environment: postgres::privileges::Environment,
}

/// Returns the key of a PostgreSQL object in a [`Schema`] map: `schema.name`.
pub fn qualified_key(schema: &str, name: &str) -> String {
    format!("{schema}.{name}")
}

/// A PostgreSQL enum type with its labels in sort order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub schema: String,
    pub name: String,
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Sequence parameters (also those of an identity column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    /// `smallint`, `integer` or `bigint`.
    #[serde(rename = "type")]
    pub ty: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

/// A PostgreSQL sequence. `owned_by` is `(table key, column)` for a `serial` column's
/// sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub schema: String,
    pub name: String,
    pub options: SequenceOptions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<(String, String)>,
}

/// An installed extension and the schema holding its objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    /// The installed version (`pg_extension.extversion`); reported, not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// An identity column's kind and sequence parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `GENERATED ALWAYS` (else `BY DEFAULT`).
    pub always: bool,
    pub options: SequenceOptions,
}

/// One table with its columns in declared order and its constraints and indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// PostgreSQL namespace; `None` on SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// UNIQUE constraints, sorted (column-level and table-level are the same thing).
    pub uniques: Vec<Unique>,
    /// CHECK constraints, sorted (column-level and table-level are the same thing).
    pub checks: Vec<Check>,
    /// Foreign keys, sorted.
    pub foreign_keys: Vec<ForeignKey>,
    /// Explicit indexes (`CREATE INDEX`), keyed by name; constraint auto-indexes are not here.
    pub indexes: BTreeMap<String, Index>,
    pub strict: bool,
    pub without_rowid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// PostgreSQL: `ENABLE ROW LEVEL SECURITY` (`relrowsecurity`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub row_security: bool,
    /// PostgreSQL: `FORCE ROW LEVEL SECURITY` (`relforcerowsecurity`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force_row_security: bool,
    /// PostgreSQL: row-level security policies, keyed by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: BTreeMap<String, Policy>,
    /// PostgreSQL: a partitioned table's key as the server prints it (`pg_get_partkeydef`),
    /// e.g. `RANGE (created_at)`, `LIST (lower(region))`, `HASH (id)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// PostgreSQL: the parent and bound of a partition. A partition's columns, and the
    /// constraints, indexes and triggers it has from its parent, are the parent's: not in
    /// this table's lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// PostgreSQL: the parents of a table declared `INHERITS (…)`, in order. The columns it
    /// inherits (declared again in the child or not) are the parents', not in `columns`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<TableRef>,
    /// PostgreSQL: a partition's copies of its parent's keys and indexes, by the names the
    /// server gave them; never compared (see [`Inherited`]).
    #[serde(default, skip_serializing_if = "Inherited::is_empty")]
    pub inherited: Inherited,
}

/// A column. `ty` is the declared type, upper-cased with whitespace collapsed ("" when none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub not_null: bool,
    /// Canonical default expression text, e.g. `0`, `'x'`, `CURRENT_TIMESTAMP`, `lower('A')`.
    pub default: Option<String>,
    /// Upper-cased collation name when one is declared.
    pub collation: Option<String>,
    pub generated: Option<Generated>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A generated column's expression and storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
}

/// The primary key. A single `INTEGER` column in a rowid table is the rowid alias.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub autoincrement: bool,
    /// SQLite: a column-level `INTEGER PRIMARY KEY DESC`, which is not the rowid alias.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub desc: bool,
    /// PostgreSQL: the server's own text of the constraint (`pg_get_constraintdef`), which
    /// is what is compared and rendered; `None` on SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unique {
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// PostgreSQL: the server's own text of the constraint (`pg_get_constraintdef`), which
    /// is what is compared and rendered; `None` on SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Check {
    pub name: Option<String>,
    pub expr: String,
    /// PostgreSQL: the server's own text of the constraint (`pg_get_constraintdef`), which
    /// is what is compared and rendered; `None` on SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// A foreign key. `ref_columns` is empty when the DDL references the parent's primary key
/// implicitly (`REFERENCES parent`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    /// `DEFERRABLE INITIALLY DEFERRED`; every other spelling is immediate in SQLite.
    pub deferred: bool,
    /// PostgreSQL: the server's own text of the constraint (`pg_get_constraintdef`), which
    /// is what is compared and rendered; `None` on SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// Returns the SQL spelling of the action.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// An explicit index on one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub unique: bool,
    pub columns: Vec<IndexPart>,
    /// Canonical partial-index predicate.
    pub predicate: Option<String>,
    /// PostgreSQL: the server's `CREATE INDEX` text (`pg_get_indexdef`), compared and
    /// rendered as is; it carries the method, opclasses, INCLUDE and NULLS order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}

/// One key of an index: a column name or an expression, with collation and direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    /// Canonical expression text; a bare column is its (quoted if needed) name.
    pub expr: String,
    pub collation: Option<String>,
    pub desc: bool,
}

/// A view. `sql` is its canonical `CREATE VIEW` statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    pub sql: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// PostgreSQL: keys of the tables and views the view reads (from `pg_depend`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// PostgreSQL: the indexes of a materialized view, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub indexes: BTreeMap<String, Index>,
}

/// A SQLite virtual table: the module that implements it and the module's arguments, each
/// as SQLite stores it (trimmed; a string, a nested list or a comment inside one is kept
/// verbatim). Two virtual tables are the same when name, module and arguments are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualTable {
    pub name: String,
    /// The module name, lower-cased (SQLite looks modules up ignoring case): `fts5`, `rtree`.
    pub module: String,
    /// The arguments inside `USING module(…)`, in order; empty for `USING fts3`.
    pub args: Vec<String>,
}

/// A trigger on `table`. `sql` is its canonical `CREATE TRIGGER` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub table: String,
    pub sql: String,
    /// PostgreSQL: `pg_trigger.tgenabled` when not the default `O` (fires in origin and
    /// local mode): `D` disabled, `R` replica only, `A` always. `None` on SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<String>,
}

impl Table {
    /// Returns the table's key in [`Schema::tables`]: `schema.name` on PostgreSQL, the name
    /// on SQLite.
    pub fn key(&self) -> String {
        match &self.schema {
            Some(s) => qualified_key(s, &self.name),
            None => self.name.clone(),
        }
    }

    /// Returns the column named `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Reports whether the primary key is the rowid alias (`INTEGER PRIMARY KEY`).
    ///
    /// Source: <https://www.sqlite.org/lang_createtable.html#rowid>.
    pub fn has_rowid_alias(&self) -> bool {
        let Some(pk) = &self.primary_key else {
            return false;
        };
        !self.without_rowid
            && !pk.desc
            && pk.columns.len() == 1
            && self
                .column(&pk.columns[0])
                .is_some_and(|c| c.ty == "INTEGER")
    }

    /// Returns the names of the tables this table's foreign keys reference.
    pub fn referenced_tables(&self) -> impl Iterator<Item = &str> {
        self.foreign_keys.iter().map(|fk| fk.ref_table.as_str())
    }
}

impl Schema {
    /// Reports whether the schema holds no objects at all.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.virtual_tables.is_empty()
            && self.views.is_empty()
            && self.triggers.is_empty()
            && self.enums.is_empty()
            && self.sequences.is_empty()
            && self.extensions.is_empty()
            && self.functions.is_empty()
            && self.domains.is_empty()
            && self.composites.is_empty()
            && self.ranges.is_empty()
    }
}
