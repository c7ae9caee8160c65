//! One round: a batch of cases as one before/after schema pair, taken through a `diff`
//! script, `upgrade --sql`, the runner and the revision sections applied by the shell;
//! returns what went wrong, step by step.

use super::ddl::{self, Side};
use super::gen::{Case, Engine, KEEP, PWNED};
use crate::common;
use std::path::{Path, PathBuf};

/// What a round needs from an engine.
pub trait Target {
    fn engine(&self) -> Engine;
    /// Returns the URL of a new, empty database for `role`.
    fn database(&mut self, dir: &Path, role: &str) -> String;
    /// Runs `script` on `url` with the engine's own shell, in `dir`.
    fn shell(&self, dir: &Path, url: &str, script: &str) -> Result<(), String>;
    /// Returns the number of rows of the sentinel table.
    fn sentinel_rows(&self, url: &str) -> Result<i64, String>;
    /// Puts the sentinel rows in.
    fn seed(&self, url: &str) -> Result<(), String>;
}

/// The sentinel rows [`Target::seed`] writes.
pub const SENTINEL_ROWS: i64 = 3;

/// The state of one round: its directory and what went wrong so far.
struct Probe<'a> {
    dir: PathBuf,
    cache: PathBuf,
    target: &'a mut dyn Target,
    issues: Vec<String>,
}

/// Runs `cases` as one round in `target/test-tmp/hostile/<label>`; returns the issues.
pub fn run(label: &str, cases: &[Case], target: &mut dyn Target) -> Vec<String> {
    let dir = common::temp_dir(&format!("hostile/{label}"));
    let engine = target.engine();
    let before = ddl::schema(engine, cases, Side::Before);
    let after = ddl::schema(engine, cases, Side::After);
    std::fs::write(dir.join("before.sql"), &before).unwrap();
    std::fs::write(dir.join("after.sql"), &after).unwrap();
    std::fs::write(dir.join(KEEP), "").unwrap();
    let mut p = Probe {
        cache: dir.join("cache"),
        dir,
        target,
        issues: Vec::new(),
    };
    if let Some(live) = p.setup("live", &before) {
        p.diff_script(&live);
    }
    if let Some(proj) = p.project(&before, &after) {
        p.upgrade_sql(&proj);
        p.runner(&proj);
        p.sections(&proj);
    }
    p.issues
}

/// Shortens a long output for a message.
fn cut(s: &str) -> String {
    const MAX: usize = 1500;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

impl Probe<'_> {
    fn issue(&mut self, step: &str, what: String) {
        self.issues.push(format!("[{step}] {what}"));
    }

    /// Runs the binary in `dir` with this round's catalog cache.
    fn sd(&self, dir: &Path, args: &[&str]) -> common::Run {
        common::run_env(dir, args, &[("SCHEMADIFF_CACHE_DIR", &self.cache)])
    }

    /// As [`Probe::sd`], recording an issue unless it exits 0; returns stdout on success.
    fn sd_ok(&mut self, dir: &Path, step: &str, args: &[&str]) -> Option<String> {
        let r = self.sd(dir, args);
        if r.code == 0 {
            return Some(r.stdout);
        }
        let what = format!(
            "schemadiff {args:?} exited {}:\n{}\n{}",
            r.code,
            cut(&r.stdout),
            cut(&r.stderr)
        );
        self.issue(step, what);
        None
    }

    /// Records a created PWNED or a removed KEEP, and puts the files back as they were.
    fn files(&mut self, step: &str) {
        if self.dir.join(PWNED).exists() {
            self.issue(step, format!("a shell command ran ({PWNED} created)"));
            let _ = std::fs::remove_file(self.dir.join(PWNED));
        }
        if !self.dir.join(KEEP).exists() {
            self.issue(step, format!("a shell command ran ({KEEP} removed)"));
            std::fs::write(self.dir.join(KEEP), "").unwrap();
        }
    }

    /// Applies `script` to `url` with the shell; records a failure and what the payloads did.
    fn apply(&mut self, step: &str, url: &str, script: &str) -> bool {
        let name = format!("{}.sql", step.replace(|c: char| !c.is_alphanumeric(), "_"));
        std::fs::write(self.dir.join(name), script).unwrap();
        let result = self.target.shell(&self.dir, url, script);
        self.files(step);
        if let Err(e) = &result {
            self.issue(step, format!("the shell failed on the script: {}", cut(e)));
        }
        result.is_ok()
    }

    /// Checks the sentinel rows, the files, and that `url` now equals `declared`.
    fn verify(&mut self, step: &str, url: &str, declared: &str) {
        self.files(step);
        match self.target.sentinel_rows(url) {
            Ok(SENTINEL_ROWS) => {}
            Ok(n) => self.issue(
                step,
                format!("the sentinel table has {n} rows, not {SENTINEL_ROWS}"),
            ),
            Err(e) => self.issue(step, format!("the sentinel table cannot be read: {e}")),
        }
        let to = self.dir.join(declared);
        let to = to.to_str().unwrap();
        let r = self.sd(
            &self.dir.clone(),
            &["diff", "--from", url, "--to", to, "--exit-code"],
        );
        if r.code != 0 {
            let what = format!(
                "re-diff against {declared} is not empty (exit {}):\n{}\n{}",
                r.code,
                cut(&r.stdout),
                cut(&r.stderr)
            );
            self.issue(step, what);
        }
    }

    /// Creates a database from `ddl` with the shell (names come from the live catalog).
    fn setup(&mut self, role: &str, ddl: &str) -> Option<String> {
        let url = self.target.database(&self.dir, role);
        let step = format!("setup: before.sql in the shell ({role})");
        if !self.apply(&step, &url, ddl) {
            return None;
        }
        self.seed(&step, &url);
        Some(url)
    }

    fn seed(&mut self, step: &str, url: &str) {
        if let Err(e) = self.target.seed(url) {
            self.issue(step, format!("cannot insert the sentinel rows: {e}"));
        }
    }

    /// `diff` from the live database (built by the shell) to after.sql, applied by the shell.
    fn diff_script(&mut self, live: &str) {
        let step = "diff script: live database -> after.sql";
        let dir = self.dir.clone();
        let Some(script) = self.sd_ok(&dir, step, &["diff", "--from", live, "--to", "after.sql"])
        else {
            return;
        };
        if self.apply(step, live, &script) {
            self.verify(step, live, "after.sql");
        }
    }

    /// A project whose three revisions create the sentinel table, then go to before.sql,
    /// then to after.sql.
    fn project(&mut self, before: &str, after: &str) -> Option<Project> {
        let dir = self.dir.join("proj");
        for sub in ["schemas", "migrations", "snapshots"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let url = self.target.database(&self.dir, "run");
        let dialect = match self.target.engine() {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        };
        let toml = format!(
            "dialect = \"{dialect}\"\ndatabase_url = \"{url}\"\nschemas = \"schemas\"\n\
             migrations = \"migrations\"\nsnapshots = \"snapshots\"\n"
        );
        std::fs::write(dir.join("schemadiff.toml"), toml).unwrap();
        let sentinel = ddl::schema(self.target.engine(), &[], Side::Before);
        let mut revs = Vec::new();
        for (msg, ddl) in [
            ("zero", sentinel.as_str()),
            ("first", before),
            ("second", after),
        ] {
            std::fs::write(dir.join("schemas/schema.sql"), ddl).unwrap();
            let step = format!("generate -m {msg}");
            self.sd_ok(&dir, &step, &["generate", "-m", msg])?;
            revs.push(revision(&dir, msg)?);
        }
        Some(Project { dir, url, revs })
    }

    /// `upgrade --sql` revision by revision, applied by the shell.
    fn upgrade_sql(&mut self, p: &Project) {
        let url = self.target.database(&self.dir, "sql");
        let mut from = "base";
        for (i, (id, _)) in p.revs.iter().enumerate() {
            let step = format!("upgrade --sql {from}:{}", REVS[i]);
            let range = match i {
                0 => id.clone(),
                _ => format!("{}:{id}", p.revs[i - 1].0),
            };
            let Some(script) = self.sd_ok(&p.dir, &step, &["upgrade", "--sql", &range]) else {
                return;
            };
            if !self.apply(&step, &url, &script) {
                return;
            }
            self.after_revision(&step, i, &url);
            from = REVS[i];
        }
    }

    /// Seeds the sentinel after revision 0; checks the database after the others.
    fn after_revision(&mut self, step: &str, i: usize, url: &str) {
        match i {
            0 => self.seed(step, url),
            1 => self.verify(step, url, "before.sql"),
            _ => self.verify(step, url, "after.sql"),
        }
    }

    /// The runner: upgrade revision by revision, then `downgrade -1`.
    fn runner(&mut self, p: &Project) {
        for (i, (id, _)) in p.revs.iter().enumerate() {
            let step = format!("runner: upgrade {}", REVS[i]);
            let ran = self.sd_ok(&p.dir, &step, &["upgrade", id]).is_some();
            self.files(&step);
            if !ran {
                return;
            }
            self.after_revision(&step, i, &p.url);
        }
        let step = "runner: downgrade -1";
        if self.sd_ok(&p.dir, step, &["downgrade", "-1"]).is_some() {
            self.verify(step, &p.url, "before.sql");
        } else {
            self.files(step);
        }
    }

    /// The sections of the revision files applied by the shell.
    fn sections(&mut self, p: &Project) {
        let url = self.target.database(&self.dir, "sec");
        for (i, (_, text)) in p.revs.iter().enumerate() {
            let step = format!("section: up of {}", REVS[i]);
            if !self.apply(&step, &url, &sections(text).0) {
                return;
            }
            self.after_revision(&step, i, &url);
        }
        let step = "section: down of second";
        if self.apply(step, &url, &sections(&p.revs[2].1).1) {
            self.verify(step, &url, "before.sql");
        }
    }
}

/// The messages of the three revisions.
const REVS: [&str; 3] = ["zero", "first", "second"];

/// A project with its database and its revisions (id, file text), in [`REVS`] order.
struct Project {
    dir: PathBuf,
    url: String,
    revs: Vec<(String, String)>,
}

/// Returns the id and text of the revision whose file name ends in `_<slug>.sql`.
fn revision(dir: &Path, slug: &str) -> Option<(String, String)> {
    let suffix = format!("_{slug}.sql");
    let path = std::fs::read_dir(dir.join("migrations"))
        .ok()?
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(&suffix))?;
    let file = path.file_name()?.to_string_lossy().to_string();
    let id = file.split('_').nth(2)?.to_string();
    Some((id, std::fs::read_to_string(&path).ok()?))
}

/// Returns the upgrade and downgrade sections of a revision file as schemadiff reads them
/// (the `-- migrate:down` marker counts only outside quoted names, strings and comments).
fn sections(text: &str) -> (String, String) {
    match schemadiff::revision::parse(Path::new("revision.sql"), text) {
        Ok(r) => (r.up, r.down),
        Err(e) => (
            format!("-- unreadable revision: {e}\nSELECT unreadable_revision;\n"),
            String::new(),
        ),
    }
}
