//! The differ's SQLite rules: names match exactly, then ignoring ASCII case (SQLite folds
//! identifiers, so `Users` becomes `users` by a rename), column order counts (a table whose
//! columns move is rebuilt), and only tables, indexes, views and triggers exist. A renamed
//! table needs no rewriting beforehand: the differ pairs it and emits the rename.

use super::{Kinds, Names, Rules};

/// SQLite's rules for [`super::diff`].
pub const RULES: Rules = Rules {
    names: Names::FoldAsciiCase,
    column_order_matters: true,
    kinds: Kinds::NONE,
    prepare: None,
};
