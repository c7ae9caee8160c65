//! `snapshots/`: the canonical DDL of the schema at head, one file per table (with its
//! indexes and triggers) plus `_views.sql`, sorted and normalized, so that a pull request
//! shows exactly which table changed. `generate` compares against it offline.

use crate::model::Schema;
use crate::render::sqlite::{create_index, create_table};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Returns the snapshot files for `schema`: file name → content.
pub fn files(schema: &Schema) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for table in schema.tables.values() {
        let mut text = create_table(table, None) + ";\n";
        for index in table.indexes.values() {
            text.push_str(&create_index(index));
            text.push_str(";\n");
        }
        for trigger in schema.triggers.values().filter(|t| t.table == table.name) {
            text.push_str(&trigger.sql);
            text.push_str(";\n");
        }
        out.insert(format!("{}.sql", file_stem(&table.name)), text);
    }
    if !schema.views.is_empty() {
        let text: String = crate::plan::view_order(&schema.views)
            .into_iter()
            .map(|v| format!("{};\n", schema.views[v].sql))
            .collect();
        out.insert("_views.sql".into(), text);
    }
    out
}

/// A file-system-safe stem; names that needed changing, or are longer than
/// [`MAX_STEM`] bytes, are cut there and get a short hash of the whole name, so two tables
/// never share a file.
fn file_stem(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe == name && !name.starts_with('_') && safe.len() <= MAX_STEM {
        safe
    } else {
        // `safe` is ASCII: cutting it at a byte count cuts no character.
        let cut = &safe[..safe.len().min(MAX_STEM)];
        format!("{cut}_{}", &crate::revision::checksum(name)[..8])
    }
}

/// The longest stem kept whole: with `_` and an 8-digit hash, `.sql`, and the `.` and
/// `.tmp` of a temporary, a file name stays well under the usual 255-byte limit.
const MAX_STEM: usize = 200;

/// Returns the PostgreSQL snapshot files: `_types.sql` (schemas, extensions, enum types,
/// sequences), one file per table (`schema__table.sql`), `_views.sql`.
pub fn files_pg(schema: &Schema) -> BTreeMap<String, String> {
    use crate::render::postgres::{table_ddl, types_ddl, views_ddl};
    let mut out = BTreeMap::new();
    for (name, text) in [
        ("_types.sql", types_ddl(schema)),
        ("_views.sql", views_ddl(schema)),
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
        &crate::revision::checksum(&identity)[..8]
    )
}

/// Rewrites `dir` to hold exactly the snapshot of `schema`, all or nothing (see
/// [`crate::publish`]).
pub fn write(dir: &Path, schema: &Schema) -> Result<(), crate::publish::Error> {
    write_files(dir, &files(schema))
}

/// Rewrites `dir` to hold exactly `files`, writing only the files that change, all or
/// nothing.
pub fn write_files(
    dir: &Path,
    files: &BTreeMap<String, String>,
) -> Result<(), crate::publish::Error> {
    let (writes, stale) = changes(dir, files)?;
    crate::publish::publish(&writes, &stale, &crate::publish::RealFs)
}

/// Returns what rewriting `dir` to hold exactly `files` takes: the files to write (an
/// unchanged file is left as it is, its bytes and its time) and the stale `.sql` files to
/// remove. Creates `dir` when missing.
pub fn changes(
    dir: &Path,
    files: &BTreeMap<String, String>,
) -> Result<Changes, crate::publish::Error> {
    let fail = |action, path: &Path| {
        let path = path.to_path_buf();
        move |io| crate::publish::Error {
            action,
            path,
            io,
            unrestored: Vec::new(),
        }
    };
    crate::publish::create_dir(dir)?;
    let writes = files
        .iter()
        .filter(|(name, text)| {
            std::fs::read(dir.join(name)).map_or(true, |old| old != text.as_bytes())
        })
        .map(|(name, text)| (dir.join(name), text.clone().into_bytes()))
        .collect();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail("read the directory", dir))? {
        let path: PathBuf = entry.map_err(fail("read the directory", dir))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".sql") && !files.contains_key(name) {
            stale.push(path);
        }
    }
    stale.sort();
    Ok((writes, stale))
}

/// The files a snapshot rewrite writes (path, bytes) and the stale files it removes.
pub type Changes = (Vec<(PathBuf, Vec<u8>)>, Vec<PathBuf>);

/// Reports whether `dir` holds any snapshot file.
pub fn exists(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut e| {
        e.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_and_keep_a_hash() {
        let long = "t".repeat(300);
        let other = format!("{}u", "t".repeat(299));
        let (a, b) = (file_stem(&long), file_stem(&other));
        assert!(a.len() <= MAX_STEM + 9 && b.len() <= MAX_STEM + 9, "{a}");
        assert_ne!(a, b, "names alike up to the cut still get their own file");
        assert_eq!(file_stem(&"t".repeat(MAX_STEM)), "t".repeat(MAX_STEM));
    }

    #[test]
    fn only_changed_files_are_written_and_stale_ones_removed() {
        let dir = std::env::temp_dir().join(format!("schemadiff_snapshot_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let files = |b: &str| {
            BTreeMap::from([
                ("a.sql".to_string(), "A".to_string()),
                ("b.sql".to_string(), b.to_string()),
            ])
        };
        write_files(&dir, &files("B")).unwrap();
        let ino = |name: &str| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(dir.join(name)).unwrap().ino()
        };
        let (a, b) = (ino("a.sql"), ino("b.sql"));
        std::fs::write(dir.join("stale.sql"), "S").unwrap();
        write_files(&dir, &files("B2")).unwrap();
        assert_eq!(ino("a.sql"), a, "an unchanged file is left alone");
        assert_ne!(ino("b.sql"), b, "a changed file is replaced");
        assert_eq!(std::fs::read_to_string(dir.join("b.sql")).unwrap(), "B2");
        assert!(!dir.join("stale.sql").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

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

    #[test]
    fn long_names_get_short_distinct_stems() {
        let (a, b) = ("x".repeat(300), format!("{}y", "x".repeat(299)));
        let (sa, sb) = (file_stem(&a), file_stem(&b));
        assert!(sa.len() <= MAX_STEM + 9, "{sa}");
        assert_ne!(sa, sb);
        assert_eq!(file_stem("users"), "users");
    }
}
