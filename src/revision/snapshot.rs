//! `snapshots/` on disk: rewrites the directory to hold exactly the files a snapshot prints
//! ([`crate::render::snapshot`] makes the text), all or nothing through [`crate::publish`],
//! so that `generate` can compare against it offline.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
}
