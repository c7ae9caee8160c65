use super::*;
use std::cell::Cell;
use std::collections::BTreeMap;

/// The real file system, failing its `fail_at`-th call (counting from 0) with "No space
/// left on device".
struct Failing {
    calls: Cell<usize>,
    fail_at: usize,
}

impl Failing {
    fn step(&self) -> io::Result<()> {
        let n = self.calls.get();
        self.calls.set(n + 1);
        if n == self.fail_at {
            return Err(io::Error::from_raw_os_error(28));
        }
        Ok(())
    }
}

impl Fs for Failing {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        self.step()?;
        RealFs.write(path, bytes)
    }
    fn sync(&self, paths: &[PathBuf]) -> Result<(), (PathBuf, io::Error)> {
        for p in paths {
            self.step().map_err(|e| (p.clone(), e))?;
            RealFs.sync(std::slice::from_ref(p))?;
        }
        Ok(())
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.rename(from, to)
    }
    fn backup(&self, path: &Path, backup: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.backup(path, backup)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        // Clean-up and undo go through here too: failing them is the "could not put
        // back" case, tested on its own below.
        RealFs.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.step()?;
        RealFs.sync_dir(dir)
    }
}

/// Every file under `dir` (hidden ones too), path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["snap", "mig"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            let key = format!("{sub}/{}", p.file_name().unwrap().to_string_lossy());
            out.insert(key, std::fs::read(&p).unwrap());
        }
    }
    out
}

/// A directory, the files a publish writes there and the files it removes.
type Setup = (PathBuf, Vec<(PathBuf, Vec<u8>)>, Vec<PathBuf>);

fn setup(name: &str) -> Setup {
    let dir =
        std::env::temp_dir().join(format!("schemadiff_publish_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["snap", "mig"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for (path, text) in [
        ("snap/a.sql", "A"),
        ("snap/b.sql", "B"),
        ("snap/stale.sql", "S"),
        ("mig/r1.sql", "R1"),
    ] {
        std::fs::write(dir.join(path), text).unwrap();
    }
    let writes = vec![
        (dir.join("snap/b.sql"), b"B2".to_vec()),
        (dir.join("snap/c.sql"), b"C".to_vec()),
        (dir.join("mig/r2.sql"), b"R2".to_vec()),
    ];
    (dir.clone(), writes, vec![dir.join("snap/stale.sql")])
}

#[test]
fn a_failure_at_any_step_leaves_every_file_as_it_was() {
    let (dir, writes, remove) = setup("any_step");
    let before = tree(&dir);
    let counter = Failing {
        calls: Cell::new(0),
        fail_at: usize::MAX,
    };
    publish(&writes, &remove, &counter).unwrap();
    let after = tree(&dir);
    let expected: BTreeMap<String, Vec<u8>> = [
        ("mig/r1.sql", "R1"),
        ("mig/r2.sql", "R2"),
        ("snap/a.sql", "A"),
        ("snap/b.sql", "B2"),
        ("snap/c.sql", "C"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
    .collect();
    assert_eq!(
        after, expected,
        "success: the new files, no temporary, no backup"
    );
    let steps = counter.calls.get();
    assert!(
        steps >= 10,
        "writes, backups, renames and syncs all counted: {steps}"
    );
    for fail_at in 0..steps {
        let (dir, writes, remove) = setup("any_step");
        let err = publish(
            &writes,
            &remove,
            &Failing {
                calls: Cell::new(0),
                fail_at,
            },
        )
        .unwrap_err();
        assert_eq!(
            tree(&dir),
            before,
            "failing step {fail_at} ({err}) changed the files"
        );
        assert!(err.unrestored.is_empty());
        assert!(err.to_string().contains("No space left on device"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Fails the revision's rename and then every removal, so nothing can be put back.
struct Stuck;

impl Fs for Stuck {
    fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        RealFs.write(path, bytes)
    }
    fn sync(&self, paths: &[PathBuf]) -> Result<(), (PathBuf, io::Error)> {
        RealFs.sync(paths)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        if to.ends_with("r2.sql") || from.extension().is_some_and(|e| e == "old") {
            return Err(io::Error::from_raw_os_error(5));
        }
        RealFs.rename(from, to)
    }
    fn backup(&self, path: &Path, backup: &Path) -> io::Result<()> {
        RealFs.backup(path, backup)
    }
    fn remove(&self, _: &Path) -> io::Result<()> {
        Err(io::Error::from_raw_os_error(5))
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        RealFs.sync_dir(dir)
    }
}

#[test]
fn what_cannot_be_put_back_is_named_with_its_backup() {
    let (dir, writes, remove) = setup("stuck");
    let err = publish(&writes, &remove, &Stuck).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("could not put back"), "{text}");
    assert!(
        text.contains(&format!(
            "{} (its previous content is in {})",
            dir.join("snap/b.sql").display(),
            backup(&dir.join("snap/b.sql")).display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} (new: remove it)",
            dir.join("snap/c.sql").display()
        )),
        "{text}"
    );
    assert_eq!(
        std::fs::read(backup(&dir.join("snap/b.sql"))).unwrap(),
        b"B",
        "the backup is kept"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
