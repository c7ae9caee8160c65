//! SQLite SQL text helpers shared by the edges and the renderer: the one quoting function,
//! canonical forms of expressions and statements, and splitting files into statements.
//!
//! Pure functions over text; imports only `model`-free sqlparser types. [`comment`] is the
//! one sanitizer for text in comment lines, headers and messages (both engines).

pub mod body;
pub mod comment;
mod normalize;
pub mod pg_lex;
mod quote;
mod split;

pub use normalize::{
    canonical_expr, canonical_expr_text, canonical_statement, is_constant_literal,
    referenced_names, rename_column_in_expr,
};
pub use quote::{
    is_bare_ident, is_keyword, quote_ident, quote_literal, quote_pg_ident, quote_pg_qualified,
    rename_pg_ident, rename_pg_type,
};
pub use split::{
    byte_offset, split_pg_statements, split_statements, top_level_lines, SplitError, Statement,
    StatementKind,
};

/// The sqlparser dialect used for everything SQLite.
pub fn dialect() -> sqlparser::dialect::SQLiteDialect {
    sqlparser::dialect::SQLiteDialect {}
}
