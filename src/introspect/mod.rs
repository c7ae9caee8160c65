//! Reads live database catalogs into [`crate::model::Schema`].
//!
//! Owns all catalog I/O. Must not import `diff`, `plan`, `render` or `cli`.

pub mod postgres;
pub mod sqlite;

/// Why a database could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the database catalog: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot read the definition of {kind} {name}: {message}\n  stored SQL: {sql}")]
    Unreadable {
        kind: &'static str,
        name: String,
        message: String,
        sql: String,
    },
    /// A SQLite virtual table whose module this SQLite does not have (not compiled in, or an
    /// extension that is not loaded): without it its shadow tables cannot be told from
    /// ordinary ones, so the database is not read rather than read wrong.
    #[error("virtual table {name} uses module {module}, which the SQLite built into schemadiff does not have ({message}); schemadiff has fts3, fts4, fts5 and rtree")]
    Module {
        name: String,
        module: String,
        message: String,
    },
}
