//! PostgreSQL snapshot files: `_types.sql` (schemas, extensions, enum types, sequences,
//! domains, composite and range types, with their comments), `_functions.sql` (functions
//! and procedures), one file per table (`schema__table.sql`: the table, its constraints,
//! indexes, comments and triggers), `_views.sql` (views with their indexes, comments and
//! triggers), and `_other.sql` for what has no such home (triggers on a relation the
//! schema does not hold, comments on an object it does not hold; absent when the model is
//! whole), and `~privileges.sql` for privileges, owners and default privileges when they
//! are managed (it sorts last). The files are loaded together, in any order, by the declare path, which
//! retries a statement that names an object a later file creates.

use super::{file_stem, short_hash, MAX_STEM};
use crate::model::Schema;
use crate::render::postgres::{
    functions_ddl, other_ddl, privileges_ddl, table_ddl, types_ddl, views_ddl,
};
use std::collections::BTreeMap;

/// Returns the PostgreSQL snapshot files for `schema`: file name → content.
pub fn files(schema: &Schema) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, text) in [
        ("_types.sql", types_ddl(schema)),
        ("_functions.sql", functions_ddl(schema)),
        ("_views.sql", views_ddl(schema)),
        ("_other.sql", other_ddl(schema)),
        // Sorts after every table's file: objects are created before default privileges
        // are set (their privileges are written against the built-in default).
        ("~privileges.sql", privileges_ddl(schema)),
    ] {
        if !text.is_empty() {
            out.insert(name.to_string(), text);
        }
    }
    for table in schema.tables.values() {
        out.insert(
            format!(
                "{}.sql",
                pg_stem(table.schema.as_deref().unwrap_or_default(), &table.name)
            ),
            table_ddl(schema, table),
        );
    }
    out
}

/// The stem of a PostgreSQL table's file, `schema__table`; when either name holds `__` or
/// anything [`file_stem`] would change, the hash is taken over both names apart, so schema
/// `a.b` with table `c` and schema `a` with table `b.c` never share a file.
fn pg_stem(schema: &str, table: &str) -> String {
    let plain = |n: &str| {
        !n.is_empty()
            && !n.starts_with('_')
            && !n.ends_with('_')
            && !n.contains("__")
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let joined = format!("{schema}__{table}");
    if plain(schema) && plain(table) {
        return file_stem(&joined);
    }
    let safe = joined.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_");
    let identity = format!("{}:{schema}.{table}", schema.len());
    format!(
        "{}_{}",
        &safe[..safe.len().min(MAX_STEM)],
        short_hash(&identity)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_names_that_join_alike_get_their_own_files() {
        let stems = [
            pg_stem("a.b", "c"),
            pg_stem("a", "b.c"),
            pg_stem("a__b", "c"),
            pg_stem("a", "b__c"),
            pg_stem("a", "b_c"),
        ];
        let distinct: std::collections::BTreeSet<&String> = stems.iter().collect();
        assert_eq!(distinct.len(), stems.len(), "{stems:?}");
        assert_eq!(pg_stem("public", "users"), "public__users");
    }
}
