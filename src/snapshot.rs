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

/// The longest stem kept from a name (file systems allow 255 bytes per file name).
const MAX_STEM: usize = 100;

/// A file-system-safe stem; names that needed changing or cutting get a short hash so two
/// tables never share a file.
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
        let cut = &safe[..safe.len().min(MAX_STEM)];
        format!("{cut}_{}", &crate::revision::checksum(name)[..8])
    }
}

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
    for (key, table) in &schema.tables {
        let stem = file_stem(&key.replace('.', "__"));
        out.insert(format!("{stem}.sql"), table_ddl(schema, table));
    }
    out
}

/// Rewrites `dir` to hold exactly the snapshot of `schema` (each file written to a temporary
/// name, then renamed; stale `.sql` files removed).
pub fn write(dir: &Path, schema: &Schema) -> std::io::Result<()> {
    write_files(dir, &files(schema))
}

/// Rewrites `dir` to hold exactly `files`, writing only the files that change.
pub fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        // An unchanged file is left as it is (its bytes, and its time for tools that look).
        if std::fs::read(dir.join(name)).is_ok_and(|old| old == text.as_bytes()) {
            continue;
        }
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".sql") && !files.contains_key(&name) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

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
    fn long_names_get_short_distinct_stems() {
        let (a, b) = ("x".repeat(300), format!("{}y", "x".repeat(299)));
        let (sa, sb) = (file_stem(&a), file_stem(&b));
        assert!(sa.len() <= MAX_STEM + 9, "{sa}");
        assert_ne!(sa, sb);
        assert_eq!(file_stem("users"), "users");
    }
}
