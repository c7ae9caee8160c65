//! The normalized schema model shared by every edge of the pipeline.
//!
//! `declare` (DDL files) and `introspect` (live catalogs) both produce a [`Schema`]; `diff`
//! compares two of them. Everything here is already normalized: expressions are canonical
//! text, types and collations upper-case, and constraint lists sorted, so that two schemas
//! that mean the same thing compare equal with `==`.
//!
//! This module imports nothing else from the crate.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole database schema: tables (with their indexes), views and triggers, keyed by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    pub views: BTreeMap<String, View>,
    pub triggers: BTreeMap<String, Trigger>,
}

/// One table with its columns in declared order and its constraints and indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
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
}

/// A column. `ty` is the declared type, upper-cased with whitespace collapsed ("" when none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A generated column's expression and storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
}

/// The primary key. A single `INTEGER` column in a rowid table is the rowid alias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub autoincrement: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unique {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Check {
    pub name: Option<String>,
    pub expr: String,
}

/// A foreign key. `ref_columns` is empty when the DDL references the parent's primary key
/// implicitly (`REFERENCES parent`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    /// `DEFERRABLE INITIALLY DEFERRED`; every other spelling is immediate in SQLite.
    pub deferred: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub unique: bool,
    pub columns: Vec<IndexPart>,
    /// Canonical partial-index predicate.
    pub predicate: Option<String>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    pub sql: String,
}

/// A trigger on `table`. `sql` is its canonical `CREATE TRIGGER` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub table: String,
    pub sql: String,
}

impl Table {
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
        self.tables.is_empty() && self.views.is_empty() && self.triggers.is_empty()
    }
}
