//! Partitioned tables and table inheritance (PostgreSQL).
//!
//! A partition (`CREATE TABLE … PARTITION OF parent FOR VALUES …`) and an inheritance child
//! (`CREATE TABLE … INHERITS (parent)`) are tables of their own in [`crate::model::Schema::tables`];
//! what they take from their parent (columns, and for a partition the parent's constraints,
//! indexes and triggers) is the parent's, not modelled again on the child. Texts are the
//! server's (`pg_get_partkeydef`, `pg_get_expr(relpartbound, …)`).

use serde::{Deserialize, Serialize};

/// A table another table refers to by name: its namespace and name, kept apart so that a
/// statement quotes each part (a key `a.b.c` cannot be split safely).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableRef {
    pub schema: String,
    pub name: String,
}

impl TableRef {
    /// The table's key in [`crate::model::Schema::tables`].
    pub fn key(&self) -> String {
        super::super::qualified_key(&self.schema, &self.name)
    }
}

/// What makes a table a partition: its parent and its bound.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    pub parent: TableRef,
    /// The server's text of the bound, `pg_get_expr(relpartbound, oid)`: `FOR VALUES FROM
    /// ('2024-01-01') TO ('2024-02-01')`, `FOR VALUES IN (1, 2)`, `FOR VALUES WITH
    /// (modulus 3, remainder 0)` or `DEFAULT`.
    pub bound: String,
}

/// What a partition has from its parent under names of its own: the primary key, unique
/// and exclusion constraints (`(name, definition)`) and the indexes the server made for it
/// from the parent's. Not part of the partition's definition (they are the parent's, and
/// two [`Inherited`] are always equal), but what the partition keeps as its own when it is
/// detached, which the planner needs to know by name. Serialized, so that a cached model
/// keeps it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Inherited {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<crate::model::Index>,
}

impl Inherited {
    pub fn is_empty(&self) -> bool {
        self.constraints.is_empty() && self.indexes.is_empty()
    }
}

impl PartialEq for Inherited {
    fn eq(&self, _: &Inherited) -> bool {
        true
    }
}

impl Eq for Inherited {}
