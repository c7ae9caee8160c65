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
}
