//! `generate` writes its revision and snapshot files all or nothing: with an unwritable
//! `snapshots/` (a file where the directory should be; a read-only mount) and on a full disk
//! (a small tmpfs) it fails naming the path, leaves no revision and no temporary, keeps the
//! previous snapshots byte for byte, and the next `generate` writes exactly one revision.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir` (hidden ones too), relative path → bytes; none for a missing dir.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            for (k, v) in tree(&p) {
                out.insert(format!("{name}/{k}"), v);
            }
        } else {
            out.insert(name, std::fs::read(&p).unwrap());
        }
    }
    out
}

/// A project in `dir` with a first revision generated from one small table.
fn project_in(dir: &Path) {
    ok_in(dir, &["init"]);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    )
    .unwrap();
    ok_in(dir, &["generate", "-m", "first"]);
}

/// A second schema: a small table `b` and a wide table `c` whose snapshot file takes
/// several pages.
fn second_schema(dir: &Path) {
    let cols: Vec<String> = (0..400)
        .map(|i| format!("  column_number_{i} TEXT NOT NULL DEFAULT 'value {i}'"))
        .collect();
    std::fs::write(
        dir.join("schemas/schema.sql"),
        format!(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);\nCREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE TABLE c (\n  id INTEGER PRIMARY KEY,\n{}\n);\n",
            cols.join(",\n")
        ),
    )
    .unwrap();
}

/// Asserts that the failed `generate` left `migrations/` and `snapshots/` as `before`.
fn assert_untouched(dir: &Path, before: &State) {
    let revisions = tree(&dir.join("migrations"));
    assert_eq!(
        revisions.keys().collect::<Vec<_>>(),
        before.0.keys().collect::<Vec<_>>(),
        "no revision and no temporary written"
    );
    let snapshots = tree(&dir.join("snapshots"));
    assert_eq!(
        snapshots.keys().collect::<Vec<_>>(),
        before.1.keys().collect::<Vec<_>>(),
        "the same snapshot files, no temporary"
    );
    assert!(snapshots == before.1, "snapshots byte-identical");
}

/// The files of `migrations/` and of `snapshots/`.
type State = (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>);

fn state(dir: &Path) -> State {
    (tree(&dir.join("migrations")), tree(&dir.join("snapshots")))
}

/// Generates again after the cause is gone: exactly one new revision, then nothing to do.
fn assert_recovers(dir: &Path, revisions_before: usize) {
    ok_in(dir, &["generate", "-m", "second"]);
    assert_eq!(tree(&dir.join("migrations")).len(), revisions_before + 1);
    let again = run_in(dir, &["generate", "-m", "third"]);
    assert!(
        again.stderr.contains("No changes detected"),
        "{}",
        again.stderr
    );
    assert_eq!(tree(&dir.join("migrations")).len(), revisions_before + 1);
    assert!(!tree(&dir.join("snapshots"))
        .keys()
        .any(|k| k.starts_with('.')));
}

#[test]
fn a_file_where_snapshots_should_be_writes_no_revision() {
    let dir = temp_dir("atomic-not-a-dir");
    project_in(&dir);
    second_schema(&dir);
    let kept = tree(&dir.join("snapshots"));
    std::fs::rename(dir.join("snapshots"), dir.join("snapshots.kept")).unwrap();
    std::fs::write(dir.join("snapshots"), "not a directory").unwrap();
    let revisions = tree(&dir.join("migrations"));
    let r = run_in(&dir, &["generate", "-m", "second"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    eprintln!("{}", r.stderr);
    let err = r.flat_stderr();
    assert!(
        err.contains("./snapshots: a file is in the way"),
        "the error names the path: {err}"
    );
    assert!(err.contains("nothing was written"), "and what to do: {err}");
    assert_eq!(
        tree(&dir.join("migrations")).keys().collect::<Vec<_>>(),
        revisions.keys().collect::<Vec<_>>(),
        "no revision, no temporary"
    );
    std::fs::remove_file(dir.join("snapshots")).unwrap();
    std::fs::rename(dir.join("snapshots.kept"), dir.join("snapshots")).unwrap();
    assert!(
        tree(&dir.join("snapshots")) == kept,
        "snapshots byte-identical"
    );
    assert_recovers(&dir, revisions.len());
}

/// A mount that is unmounted when dropped (also when the test fails).
struct Mount(PathBuf);

impl Mount {
    /// Runs `mount ARGS… TARGET`; `None` when mounting is not permitted here.
    fn new(args: &[&str], target: &Path) -> Option<Mount> {
        let out = Command::new("mount").args(args).arg(target).output().ok()?;
        if !out.status.success() {
            eprintln!(
                "mount {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return None;
        }
        Some(Mount(target.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// The fallback where mounting is not permitted: the same files through the library, with
/// a write that fails as a full disk does; nothing changes.
fn injected_failure(dir: &Path) {
    use schemadiff::publish::{publish, Fs, RealFs};
    struct Full;
    impl Fs for Full {
        fn write(&self, _: &Path, _: &[u8]) -> std::io::Result<()> {
            Err(std::io::Error::from_raw_os_error(28))
        }
        fn sync(&self, p: &[PathBuf]) -> Result<(), (PathBuf, std::io::Error)> {
            RealFs.sync(p)
        }
        fn rename(&self, f: &Path, t: &Path) -> std::io::Result<()> {
            RealFs.rename(f, t)
        }
        fn backup(&self, p: &Path, b: &Path) -> std::io::Result<()> {
            RealFs.backup(p, b)
        }
        fn remove(&self, p: &Path) -> std::io::Result<()> {
            RealFs.remove(p)
        }
        fn sync_dir(&self, d: &Path) -> std::io::Result<()> {
            RealFs.sync_dir(d)
        }
    }
    let before = state(dir);
    let files = BTreeMap::from([(
        "b.sql".to_string(),
        "CREATE TABLE b (id INTEGER);\n".to_string(),
    )]);
    let (mut writes, stale) =
        schemadiff::snapshot::changes(&dir.join("snapshots"), &files).unwrap();
    writes.push((dir.join("migrations/x.sql"), b"revision".to_vec()));
    let err = publish(&writes, &stale, &Full).unwrap_err();
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_untouched(dir, &before);
}

#[test]
fn a_read_only_snapshots_directory_writes_no_revision() {
    let dir = temp_dir("atomic-read-only");
    project_in(&dir);
    second_schema(&dir);
    let snapshots = dir.join("snapshots");
    let Some(bind) = Mount::new(&["--bind", &snapshots.to_string_lossy()], &snapshots) else {
        return injected_failure(&dir);
    };
    let ro = Command::new("mount")
        .args(["-o", "remount,ro,bind"])
        .arg(&snapshots)
        .status();
    if !ro.is_ok_and(|s| s.success()) {
        return injected_failure(&dir);
    }
    let before = state(&dir);
    let r = run_in(&dir, &["generate", "-m", "second"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    eprintln!("{}", r.stderr);
    let err = r.flat_stderr();
    assert!(
        err.contains("Read-only file system") && err.contains("snapshots/"),
        "{err}"
    );
    assert_untouched(&dir, &before);
    drop(bind);
    assert_recovers(&dir, before.0.len());
}

/// Fills the file system of `dir` with 4 KiB files until it is full, then frees `pages`
/// of them; returns the files.
fn fill(dir: &Path, pages: usize) -> Vec<PathBuf> {
    let mut fillers = Vec::new();
    loop {
        let path = dir.join(format!("filler_{}", fillers.len()));
        let full = std::fs::write(&path, [b'x'; 4096]).is_err();
        fillers.push(path);
        if full {
            break;
        }
    }
    for p in fillers.iter().rev().take(pages + 1) {
        std::fs::remove_file(p).unwrap();
    }
    fillers
}

#[test]
fn a_full_disk_writes_no_revision_and_keeps_the_snapshots() {
    let base = temp_dir("atomic-full-disk");
    let dir = base.join("mnt");
    std::fs::create_dir_all(&dir).unwrap();
    let Some(mount) = Mount::new(&["-t", "tmpfs", "-o", "size=512k", "tmpfs"], &dir) else {
        project_in(&dir);
        return injected_failure(&dir);
    };
    project_in(&dir);
    second_schema(&dir);
    let before = state(&dir);
    // Room for the small files (a.sql, b.sql), not for c.sql: a temporary is written, the
    // next one fails.
    let fillers = fill(&dir, 2);
    let r = run_in(&dir, &["generate", "-m", "second"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    eprintln!("{}", r.stderr);
    let err = r.flat_stderr();
    assert!(
        err.contains("No space left on device") && err.contains("snapshots/"),
        "{err}"
    );
    assert!(err.contains("free space"), "says what to do: {err}");
    assert_untouched(&dir, &before);
    for p in &fillers {
        let _ = std::fs::remove_file(p);
    }
    assert_recovers(&dir, before.0.len());
    drop(mount);
}

#[test]
fn a_generate_killed_before_its_revision_is_renamed_is_reported_not_lost() {
    let dir = temp_dir("atomic-killed");
    project_in(&dir);
    let first = state(&dir);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);\n",
    )
    .unwrap();
    ok_in(&dir, &["generate", "-m", "second"]);
    // The state a kill between the snapshot renames and the revision rename leaves: the
    // new snapshot in place with its backup beside it, the revision still a temporary.
    let (revisions, _) = state(&dir);
    let new = revisions
        .keys()
        .find(|k| !first.0.contains_key(*k))
        .unwrap();
    let rev = dir.join("migrations").join(new);
    std::fs::rename(&rev, dir.join("migrations").join(format!(".{new}.tmp"))).unwrap();
    std::fs::write(dir.join("snapshots/.a.sql.old"), &first.1["a.sql"]).unwrap();
    let r = run_in(&dir, &["generate", "-m", "again"]);
    assert_eq!(r.code, 2, "not `No changes detected`: {}", r.stderr);
    let err = r.flat_stderr();
    assert!(
        err.contains("a previous `generate` was interrupted") && err.contains(".a.sql.old"),
        "{err}"
    );
    assert!(
        err.contains("git checkout -- snapshots/"),
        "says what to do: {err}"
    );
    // Doing what it says: the backup renamed back, the leftovers removed.
    std::fs::rename(
        dir.join("snapshots/.a.sql.old"),
        dir.join("snapshots/a.sql"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("migrations").join(format!(".{new}.tmp"))).unwrap();
    assert_recovers(&dir, first.0.len());
}
