//! All-or-nothing file writes: `generate` writes its snapshot files and its revision file
//! through [`publish`], so a full disk, an unwritable directory or a failed rename leaves the
//! previous files as they were and no temporary behind.
//!
//! The order: every new content is written to a hidden temporary next to its target, then
//! the temporaries are synced together ([`Fs::sync`]: each sync waits for the disk's cache
//! flush, and flushes waited for at once are merged); every file about to be replaced or
//! removed gets a hard link (a backup that costs no space); then the targets are renamed
//! into place, the files to remove are removed, and the last target (the revision) is
//! renamed last. On any error what was renamed or removed is put back from the backups, and
//! the temporaries and backups are removed. Must not import `cli`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A write or rename that failed, with what could not be put back.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot {action} {}: {io}{}", path.display(), unrestored_note(unrestored))]
#[diagnostic(help("{}", help_for(unrestored)))]
pub struct Error {
    pub action: &'static str,
    pub path: PathBuf,
    pub io: io::Error,
    /// Targets that could not be put back, each with the backup that still holds its
    /// previous content (`None`: the target is new and is to be removed by hand).
    pub unrestored: Vec<(PathBuf, Option<PathBuf>)>,
}

fn help_for(unrestored: &[(PathBuf, Option<PathBuf>)]) -> &'static str {
    if unrestored.is_empty() {
        "nothing was written: free space or make the directory writable (and check that it is a directory), then run the command again"
    } else {
        "put back each file named above by hand (rename its backup over it, or remove a new one), then free space or make the directory writable and run the command again"
    }
}

fn unrestored_note(unrestored: &[(PathBuf, Option<PathBuf>)]) -> String {
    if unrestored.is_empty() {
        return String::new();
    }
    let list: Vec<String> = unrestored
        .iter()
        .map(|(target, backup)| match backup {
            Some(b) => format!(
                "{} (its previous content is in {})",
                target.display(),
                b.display()
            ),
            None => format!("{} (new: remove it)", target.display()),
        })
        .collect();
    format!("; could not put back: {}", list.join(", "))
}

/// Temporaries or backups a publish left behind when it was killed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("a previous `generate` was interrupted and left {}", list(files))]
#[diagnostic(help(
    "if its revision is not in the migrations directory, snapshots/ may already hold its changes: restore snapshots/ from version control (`git checkout -- snapshots/ && git clean -f snapshots/`) or rename each .NAME.old back to NAME; then delete these files and run `generate` again"
))]
pub struct Interrupted {
    pub files: Vec<PathBuf>,
}

fn list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

/// Returns the temporaries and backups a killed publish left in `dirs` (named as
/// [`temporary`] and [`backup`] name them), sorted.
pub fn leftovers(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with('.') && (name.ends_with(".sql.tmp") || name.ends_with(".sql.old"))
        })
        .collect();
    out.sort();
    out
}

/// Refuses to go on when a killed publish left files in `dirs`.
pub fn check_not_interrupted(dirs: &[PathBuf]) -> Result<(), Interrupted> {
    let files = leftovers(dirs);
    if files.is_empty() {
        Ok(())
    } else {
        Err(Interrupted { files })
    }
}

/// The file-system calls a publish makes; tests inject failures through it.
pub trait Fs {
    /// Creates or truncates `path` and writes `bytes` (not synced yet: see [`Fs::sync`]).
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()>;
    /// Syncs the files `paths` to the disk; the first that fails, with its error.
    fn sync(&self, paths: &[PathBuf]) -> Result<(), (PathBuf, io::Error)>;
    /// Renames `from` to `to`, replacing `to`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Makes `backup` a second name of `path` (a copy where hard links are not supported).
    fn backup(&self, path: &Path, backup: &Path) -> io::Result<()>;
    /// Removes `path`.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Syncs the directory `dir`, so renames in it survive a power loss.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// The real file system.
pub struct RealFs;

impl Fs for RealFs {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        std::fs::File::create(path)?.write_all(bytes)
    }
    /// On a few threads: each sync waits for the disk's cache flush, which the block
    /// layer merges for syncs that wait together (96 small files: 21–26 ms one after
    /// another, 10–12 ms on 8 threads).
    fn sync(&self, paths: &[PathBuf]) -> Result<(), (PathBuf, io::Error)> {
        let one = |p: &PathBuf| {
            std::fs::File::open(p)
                .and_then(|f| f.sync_all())
                .map_err(|e| (p.clone(), e))
        };
        let lanes = paths.len().div_ceil(12).clamp(1, 8);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..lanes)
                .map(|k| s.spawn(move || paths.iter().skip(k).step_by(lanes).try_for_each(one)))
                .collect();
            handles
                .into_iter()
                .try_for_each(|h| crate::threads::joined(h))
        })
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }
    fn backup(&self, path: &Path, backup: &Path) -> io::Result<()> {
        let _ = std::fs::remove_file(backup);
        std::fs::hard_link(path, backup).or_else(|_| std::fs::copy(path, backup).map(drop))
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        std::fs::File::open(dir)?.sync_all()
    }
}

/// Creates `dir` (and its parents) when missing; a file in its place is an error.
pub fn create_dir(dir: &Path) -> Result<(), Error> {
    let io = if dir.exists() && !dir.is_dir() {
        io::Error::other("a file is in the way: it is not a directory")
    } else {
        match std::fs::create_dir_all(dir) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        }
    };
    Err(Error {
        action: "create the directory",
        path: dir.to_path_buf(),
        io,
        unrestored: Vec::new(),
    })
}

/// Returns the hidden sibling `.<name>.<suffix>` of `path`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{suffix}"))
}

/// Returns the temporary `path` is written to before it is renamed into place.
pub fn temporary(path: &Path) -> PathBuf {
    sibling(path, "tmp")
}

/// Returns the backup that holds `path`'s previous content while a publish runs.
pub fn backup(path: &Path) -> PathBuf {
    sibling(path, "old")
}

/// Writes every `(path, bytes)` of `writes` and removes every path of `remove`, all or none;
/// the last write is renamed into place last, after the removals.
pub fn publish(
    writes: &[(PathBuf, Vec<u8>)],
    remove: &[PathBuf],
    fs: &dyn Fs,
) -> Result<(), Error> {
    let fail = |action, path: &Path, io| Error {
        action,
        path: path.to_path_buf(),
        io,
        unrestored: Vec::new(),
    };
    let mut temps: Vec<PathBuf> = Vec::new();
    let mut backups: Vec<PathBuf> = Vec::new();
    let prepared = prepare(writes, remove, fs, &mut temps, &mut backups);
    if let Err((action, path, io)) = prepared {
        cleanup(fs, &temps, &backups);
        return Err(fail(action, &path, io));
    }
    let mut done = Vec::new();
    if let Err((action, path, io)) = commit(writes, remove, fs, &mut done) {
        let unrestored = undo(fs, &done, &backups);
        let kept: Vec<&PathBuf> = unrestored.iter().filter_map(|(_, b)| b.as_ref()).collect();
        let backups: Vec<PathBuf> = backups.into_iter().filter(|b| !kept.contains(&b)).collect();
        cleanup(fs, &temps, &backups);
        return Err(Error {
            unrestored,
            ..fail(action, &path, io)
        });
    }
    cleanup(fs, &[], &backups);
    Ok(())
}

type Failure = (&'static str, PathBuf, io::Error);

/// Writes every temporary and backs up every file about to be replaced or removed.
fn prepare(
    writes: &[(PathBuf, Vec<u8>)],
    remove: &[PathBuf],
    fs: &dyn Fs,
    temps: &mut Vec<PathBuf>,
    backups: &mut Vec<PathBuf>,
) -> Result<(), Failure> {
    for (path, bytes) in writes {
        let tmp = temporary(path);
        temps.push(tmp.clone());
        fs.write(&tmp, bytes).map_err(|e| ("write", tmp, e))?;
    }
    fs.sync(temps).map_err(|(tmp, e)| ("sync", tmp, e))?;
    let existing = writes.iter().map(|(p, _)| p).filter(|p| p.exists());
    for path in existing.chain(remove) {
        let b = backup(path);
        backups.push(b.clone());
        fs.backup(path, &b)
            .map_err(|e| ("back up", path.clone(), e))?;
    }
    Ok(())
}

/// Renames the temporaries into place (the last one last) and removes `remove`.
fn commit(
    writes: &[(PathBuf, Vec<u8>)],
    remove: &[PathBuf],
    fs: &dyn Fs,
    done: &mut Vec<PathBuf>,
) -> Result<(), Failure> {
    let Some(((last, _), rest)) = writes.split_last() else {
        return Ok(());
    };
    for (path, _) in rest {
        fs.rename(&temporary(path), path)
            .map_err(|e| ("rename into", path.clone(), e))?;
        done.push(path.clone());
    }
    for path in remove {
        fs.remove(path).map_err(|e| ("remove", path.clone(), e))?;
        done.push(path.clone());
    }
    let dirs: std::collections::BTreeSet<&Path> = rest
        .iter()
        .map(|(p, _)| p)
        .chain(remove)
        .filter_map(|p| p.parent())
        .collect();
    for dir in dirs {
        fs.sync_dir(dir)
            .map_err(|e| ("sync", dir.to_path_buf(), e))?;
    }
    fs.rename(&temporary(last), last)
        .map_err(|e| ("rename into", last.clone(), e))?;
    done.push(last.clone());
    if let Some(dir) = last.parent() {
        fs.sync_dir(dir)
            .map_err(|e| ("sync", dir.to_path_buf(), e))?;
    }
    Ok(())
}

/// Puts back the targets `done` replaced, created or removed, newest first; returns the targets it could not restore,
/// each with the backup that still holds its previous content.
fn undo(fs: &dyn Fs, done: &[PathBuf], backups: &[PathBuf]) -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut unrestored = Vec::new();
    for path in done.iter().rev() {
        let b = Some(backup(path)).filter(|b| backups.contains(b));
        let restored = match &b {
            Some(b) => fs.rename(b, path),
            None => fs.remove(path),
        };
        if restored.is_err() {
            unrestored.push((path.clone(), b));
        }
    }
    unrestored
}

/// Removes temporaries and backups, ignoring the ones already gone.
fn cleanup(fs: &dyn Fs, temps: &[PathBuf], backups: &[PathBuf]) {
    for p in temps.iter().chain(backups) {
        if p.exists() {
            let _ = fs.remove(p);
        }
    }
}

#[cfg(test)]
mod tests;
