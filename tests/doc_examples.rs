//! Runs the command examples of README.md and docs/**/*.md and compares their output, so the
//! docs cannot drift from the binary. Prints "doc examples: N run, M skipped".
//!
//! What runs: every ```console block. A line starting with `$ ` is a command (a line ending
//! with `\` continues it); the lines after it, up to the next command, are its expected
//! output (stdout and stderr together, as a terminal shows them). `schemadiff` and
//! `cargo run -q --` run the binary under test. The blocks of one page run in order in one
//! directory of their own (state carries over from block to block), which holds symlinks to
//! the repository's `fixtures/` and `examples/` and a copy of `schemas/`.
//!
//! Before compared, both sides are normalised: trailing blanks, revision ids (12 hex
//! digits), file-name timestamps (`20261121_161732`), date-times and the page's directory.
//! In an expected line `[..]` matches any text, and a line `...` (or `…`, indented or not) any number of lines. The
//! "Using DATABASE" line on stderr is left out unless the expected output shows one (and so
//! is the line saying the kept scratch database was made).
//!
//! `$ cat FILE` where FILE does not exist yet (outside `migrations/` and `snapshots/`) writes
//! FILE with the shown text: that is how a page declares the files it then uses.
//!
//! A block can be annotated by HTML comments on the lines right before its fence (several
//! apply in order):
//! - `<!-- doc-example: skip CATEGORY -->`: not run, counted as skipped under CATEGORY (one
//!   of [`SKIP_CATEGORIES`]);
//! - `<!-- doc-example: before: SHELL -->`: runs SHELL (quietly; it must succeed) first;
//! - `<!-- doc-example: env: K=V -->`: exports K=V for this and the page's later commands;
//! - `<!-- doc-example: fresh -->`: the block (and the rest of the page) runs in a new,
//!   empty directory (with the same symlinks, and no `schemas/`), without the `env:` so far;
//!   the page's PostgreSQL databases stay (a block that needs one empty empties it).
//!
//! ```sh, ```bash and ```shell blocks show commands without output: they are not run and are
//! counted as skipped ("no expected output"), so the count stays honest.
//!
//! PostgreSQL: `postgresql://postgres@127.0.0.1/schemadiff_docs_NAME` is a database the test
//! creates (as `schemadiff_t…_doc_NAME`) before the page and drops after it, also on failure;
//! `postgresql://postgres@127.0.0.1/postgres` is the test server. Output names them as the
//! docs do.
//!
//! A command sees the exit status of the command before it as `$?` (so `$ echo $?` after a
//! command shows its status), and `$ export K=V` (or `$ K=V`) holds for the page's later
//! commands, as in one shell.
//!
//! `$REPO` is the repository root (pages that work in a scratch directory copy from it).
//!
//! `cargo test --test doc_examples -- PATTERN` runs only the pages whose path contains
//! PATTERN. Pages run four at a time (`DOC_EXAMPLES_JOBS=N` to change it); the blocks of a
//! page run in order. `DOC_EXAMPLES_SLOW=1` prints each command that took over a second.

mod common;
mod pg;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a block may be skipped. Anything else in a `skip` annotation fails the test.
const SKIP_CATEGORIES: [&str; 7] = [
    // the page builds the state the block needs in prose (a database with rows, files
    // edited between commands, earlier revisions) that no annotation recreates yet
    "needs-setup",
    // the example needs files the prose asks the reader to edit by hand
    "hand-edit",
    // a server, host or credentials the test cannot have (another port, TLS, a password)
    "other-server",
    // the output shows something the test cannot reproduce exactly (timing, a race, Ctrl-C)
    "not-reproducible",
    // a tool the test does not run (git, $EDITOR, a package manager)
    "external-tool",
    // the block is an excerpt: the output is abridged or stands for many cases
    "excerpt",
    // the block shows what an older build printed, for comparison
    "old-output",
];

#[derive(Debug)]
struct Block {
    line: usize,
    lang: String,
    body: Vec<String>,
    /// The `<!-- doc-example: … -->` lines right above the fence, in order.
    directives: Vec<String>,
}

#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn main() {
    let filter: Option<String> = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-') && !a.is_empty());
    let root = common::root();
    let mut pages = vec![root.join("README.md")];
    collect_md(&root.join("docs"), &mut pages);
    pages.sort();

    let pages: Vec<(String, PathBuf)> = pages
        .into_iter()
        .map(|page| {
            let rel = page
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, page)
        })
        .filter(|(rel, _)| filter.as_ref().is_none_or(|f| rel.contains(f.as_str())))
        .collect();
    // Pages are independent (each has its own directories and databases) and spend most of
    // their time waiting for the PostgreSQL server, so a few run at once; the outcomes are
    // reported in page order.
    let jobs = std::env::var("DOC_EXAMPLES_JOBS")
        .ok()
        .and_then(|j| j.parse::<usize>().ok())
        .unwrap_or(4)
        .max(1);
    // the longest pages first, so that the longest one does not start last
    let mut order: Vec<usize> = (0..pages.len()).collect();
    order
        .sort_by_key(|&i| std::cmp::Reverse(std::fs::metadata(&pages[i].1).map_or(0, |m| m.len())));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes: Vec<std::sync::Mutex<Option<PageOutcome>>> =
        pages.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(pages.len()) {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = order.get(n) else {
                    break;
                };
                let (rel, page) = &pages[i];
                let text = std::fs::read_to_string(page).unwrap();
                *outcomes[i].lock().unwrap() = Some(run_page(rel, &text));
            });
        }
    });

    let mut run = 0usize;
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for outcome in outcomes {
        let outcome = outcome.into_inner().unwrap().expect("every page ran");
        run += outcome.run;
        for (k, n) in outcome.skipped {
            *skipped.entry(k).or_default() += n;
        }
        failures.extend(outcome.failures);
    }
    let total_skipped: usize = skipped.values().sum();
    let by_reason = skipped
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!("doc examples: {run} run, {total_skipped} skipped ({by_reason})");
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{f}");
        }
        eprintln!("{} doc example(s) failed", failures.len());
        std::process::exit(1);
    }
}

fn collect_md(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_md(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// The fenced blocks of a page, with the annotation before each.
fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            let indent = lines[i].len() - trimmed.len();
            let mut directives = Vec::new();
            let mut k = i;
            while k > 0 {
                let Some(d) = lines[k - 1]
                    .trim()
                    .strip_prefix("<!-- doc-example:")
                    .and_then(|l| l.strip_suffix("-->"))
                else {
                    break;
                };
                directives.insert(0, d.trim().to_string());
                k -= 1;
            }
            let start = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                let l = lines[i];
                body.push(if l.len() >= indent && l[..indent].trim().is_empty() {
                    l[indent..].to_string()
                } else {
                    l.trim_start().to_string()
                });
                i += 1;
            }
            out.push(Block {
                line: start + 1,
                lang: lang.trim().to_string(),
                body,
                directives,
            });
        }
        i += 1;
    }
    out
}

/// The commands of a console block with their expected output.
fn examples(block: &Block) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut lines = block.body.iter().enumerate();
    while let Some((n, l)) = lines.next() {
        if let Some(cmd) = l.strip_prefix("$ ") {
            let mut command = cmd.to_string();
            while command.ends_with('\\') {
                command.pop();
                match lines.next() {
                    Some((_, more)) => command.push_str(more.trim_start_matches("> ")),
                    None => break,
                }
            }
            out.push(Example {
                line: block.line + 1 + n,
                command,
                expected: Vec::new(),
            });
        } else if let Some(last) = out.last_mut() {
            last.expected.push(l.clone());
        }
    }
    out
}

struct PageOutcome {
    run: usize,
    skipped: BTreeMap<String, usize>,
    failures: Vec<String>,
}

/// A page's working directory and the PostgreSQL databases its examples name.
struct Session {
    dir: PathBuf,
    bin: PathBuf,
    /// (as the docs write it, as the test runs it), longest first.
    subst: Vec<(String, String)>,
    /// `export K=V; ` for each `env:` annotation so far.
    prelude: String,
    /// The exit status of the last command, which the next one sees as `$?`.
    status: std::cell::Cell<i32>,
    _dbs: Vec<pg::TestDb>,
}

impl Session {
    /// A new directory (and its `bin/`) for a page's session number `n`.
    fn dirs(label: &str, n: usize, with_schemas: bool) -> (PathBuf, PathBuf) {
        let root = common::root();
        let dir = common::temp_dir(&format!("doc_{label}_{n}"));
        for sub in ["fixtures", "examples"] {
            std::os::unix::fs::symlink(root.join(sub), dir.join(sub)).unwrap();
        }
        if with_schemas {
            common::copy_dir(&root.join("schemas"), &dir.join("schemas"));
        }
        let bin = common::temp_dir(&format!("doc_bin_{label}_{n}"));
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_schemadiff"), bin.join("schemadiff"))
            .unwrap();
        (dir, bin)
    }

    /// The page's `fresh` session: a new, empty directory and no `env:` so far, with the
    /// same PostgreSQL databases (created once per page, which is what costs time).
    fn fresh(self, label: &str, n: usize) -> Session {
        let (dir, bin) = Session::dirs(label, n, false);
        Session {
            dir,
            bin,
            prelude: String::new(),
            status: std::cell::Cell::new(0),
            ..self
        }
    }

    fn new(label: &str, n: usize, text: &str, with_schemas: bool) -> Session {
        let (dir, bin) = Session::dirs(label, n, with_schemas);
        let mut subst = Vec::new();
        let mut dbs = Vec::new();
        let prefix = "postgresql://postgres@127.0.0.1/schemadiff_docs_";
        let mut names: Vec<String> = text
            .match_indices(prefix)
            .map(|(i, _)| {
                text[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            let db = pg::TestDb::create(&format!("doc_{name}"));
            if text.contains(&format!("CREATE DATABASE schemadiff_docs_{name}")) {
                // the page creates it itself; the guard still drops it
                let dropped = Command::new("psql")
                    .args(["-X", "-q", "-d", &pg::server_url(), "-c"])
                    .arg(format!("DROP DATABASE \"{}\"", db.name))
                    .status()
                    .unwrap();
                assert!(dropped.success());
            }
            subst.push((format!("{prefix}{name}"), db.url()));
            subst.push((format!("schemadiff_docs_{name}"), db.name.clone()));
            dbs.push(db);
        }
        if std::env::var("SCHEMADIFF_TEST_PG").is_ok()
            && text.contains("postgresql://postgres@127.0.0.1/postgres")
        {
            subst.push((
                "postgresql://postgres@127.0.0.1/postgres".into(),
                pg::server_url(),
            ));
        }
        subst.sort_by_key(|(doc, _)| std::cmp::Reverse(doc.len()));
        Session {
            dir,
            bin,
            subst,
            prelude: String::new(),
            status: std::cell::Cell::new(0),
            _dbs: dbs,
        }
    }

    /// Runs `command` with `sh` in the session directory; stdout and stderr together.
    fn sh(&self, command: &str) -> (bool, String) {
        let mut command = command.replace("cargo run -q --", "schemadiff");
        for (doc, real) in &self.subst {
            command = command.replace(doc, real);
        }
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let started = std::time::Instant::now();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "exec 2>&1; {}(exit {}); {command}",
                self.prelude,
                self.status.get()
            ))
            .current_dir(&self.dir)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("SCHEMADIFF_CACHE_DIR", common::cache_dir())
            .env("COLUMNS", "80")
            .env("REPO", common::root())
            .env_remove("DATABASE_URL")
            .env_remove("SCHEMADIFF_NO_CACHE")
            .output()
            .unwrap();
        if std::env::var("DOC_EXAMPLES_SLOW").is_ok() && started.elapsed().as_secs_f64() > 1.0 {
            eprintln!(
                "slow: {:.1} s in {}: {command}",
                started.elapsed().as_secs_f64(),
                self.dir.display()
            );
        }
        self.status.set(out.status.code().unwrap_or(128));
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        // back to the docs' names, the longest real name first (a URL before the database
        // name inside it)
        let mut back: Vec<&(String, String)> = self.subst.iter().collect();
        back.sort_by_key(|(_, real)| std::cmp::Reverse(real.len()));
        for (doc, real) in back {
            text = text.replace(real, doc);
        }
        let dir = self.dir.to_string_lossy().into_owned();
        text = text.replace(&dir, "<dir>");
        (out.status.success(), text)
    }
}

impl Session {
    /// `$ cat FILE` of a declared file the page shows before using it: when FILE does not
    /// exist yet (and is not under `migrations/` or `snapshots/`, which schemadiff writes),
    /// it is written with the shown text.
    fn writes_shown_file(&self, ex: &Example) -> bool {
        let Some(file) = ex.command.strip_prefix("cat ") else {
            return false;
        };
        let file = file.trim();
        if file.contains(' ')
            || file.starts_with("migrations/")
            || file.starts_with("snapshots/")
            || file.starts_with('/')
            || file.contains("..")
            || self.dir.join(file).exists()
        {
            return false;
        }
        let path = self.dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = ex.expected.join("\n");
        text.push('\n');
        std::fs::write(path, text).unwrap();
        true
    }
}

fn run_page(rel: &str, text: &str) -> PageOutcome {
    let label: String = rel
        .trim_end_matches(".md")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut outcome = PageOutcome {
        run: 0,
        skipped: BTreeMap::new(),
        failures: Vec::new(),
    };
    let mut session: Option<Session> = None;
    let mut sessions = 0;
    for block in blocks(text) {
        let count = |b: &Block| {
            if b.lang == "console" {
                examples(b).len()
            } else {
                b.body
                    .iter()
                    .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                    .count()
            }
        };
        if matches!(block.lang.as_str(), "sh" | "bash" | "shell") {
            *outcome
                .skipped
                .entry("no expected output (sh block)".into())
                .or_default() += count(&block);
            continue;
        }
        if block.lang != "console" {
            continue;
        }
        let d = &block.directives;
        if let Some(cat) = d.iter().find_map(|d| d.strip_prefix("skip")) {
            let cat = cat.trim();
            if !SKIP_CATEGORIES.contains(&cat) {
                outcome.failures.push(format!(
                    "{rel}:{}: unknown skip category `{cat}` (known: {})",
                    block.line,
                    SKIP_CATEGORIES.join(", ")
                ));
            }
            *outcome.skipped.entry(cat.to_string()).or_default() += count(&block);
            continue;
        }
        let fresh = d.iter().any(|d| d == "fresh");
        if fresh || session.is_none() {
            sessions += 1;
            session = Some(match session.take() {
                Some(old) => old.fresh(&label, sessions),
                None => Session::new(&label, sessions, text, !fresh),
            });
        }
        let s = session.as_mut().unwrap();
        let mut setup_failed = false;
        for d in d {
            if let Some(var) = d.strip_prefix("env:") {
                s.prelude.push_str(&format!("export {}; ", var.trim()));
            } else if let Some(setup) = d.strip_prefix("before:") {
                let (ok, out) = s.sh(setup.trim());
                if !ok {
                    outcome.failures.push(format!(
                        "{rel}:{}: setup `{}` failed:\n{out}",
                        block.line,
                        setup.trim()
                    ));
                    setup_failed = true;
                }
            } else if d != "fresh" {
                outcome
                    .failures
                    .push(format!("{rel}:{}: unknown annotation `{d}`", block.line));
            }
        }
        if setup_failed {
            continue;
        }
        for ex in examples(&block) {
            if let Some(var) = exported(&ex.command) {
                s.prelude.push_str(&format!("export {var}; "));
            }
            if s.writes_shown_file(&ex) {
                outcome.run += 1;
                continue;
            }
            outcome.run += 1;
            let (_, actual) = s.sh(&ex.command);
            let actual = if ex.expected.iter().any(|l| l.starts_with("Using ")) {
                actual
            } else {
                without_using_lines(&actual)
            };
            if let Some(diff) = compare(&ex.expected, &actual) {
                outcome.failures.push(format!(
                    "{rel}:{}: `{}`: output differs ({diff})\n--- expected\n{}\n--- actual\n{}",
                    ex.line,
                    ex.command,
                    ex.expected.join("\n"),
                    actual.trim_end()
                ));
            }
        }
    }
    outcome
}

/// `K=V` of a command `export K=V` or `K=V` (one plain assignment), which the page's later
/// commands see as a shell would.
fn exported(command: &str) -> Option<&str> {
    let var = command.strip_prefix("export ").unwrap_or(command).trim();
    let (name, _) = var.split_once('=')?;
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !var.contains([' ', ';', '&', '|', '$', '`', '\'', '"']);
    plain.then_some(var)
}

/// `actual` without the "Using DATABASE" lines, which pages leave out unless they show one,
/// and without the line saying the kept scratch database was made (by whichever command
/// of the suite first reloads after an edit: docs/cache.md).
fn without_using_lines(actual: &str) -> String {
    actual
        .lines()
        .filter(|l| !l.starts_with("Using ") && !l.starts_with("Created database schemadiff_kept_"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `None` when `actual` matches `expected` (see the module comment), else where it first
/// differs.
fn compare(expected: &[String], actual: &str) -> Option<String> {
    let exp = trim_tail(expected.iter().map(|l| normalise(l)).collect());
    let act = trim_tail(actual.lines().map(normalise).collect());
    if matches_lines(&exp, &act) {
        None
    } else {
        let first = exp
            .iter()
            .zip(&act)
            .position(|(e, a)| !(is_ellipsis(e) || matches_line(e, a)))
            .unwrap_or(exp.len().min(act.len()));
        let mut s = String::new();
        let _ = write!(s, "first difference at output line {}", first + 1);
        Some(s)
    }
}

fn trim_tail(mut v: Vec<String>) -> Vec<String> {
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

fn matches_lines(exp: &[String], act: &[String]) -> bool {
    // ok[i][j]: exp[i..] matches act[j..]
    let mut ok = vec![vec![false; act.len() + 1]; exp.len() + 1];
    ok[exp.len()][act.len()] = true;
    for i in (0..exp.len()).rev() {
        for j in (0..=act.len()).rev() {
            ok[i][j] = if is_ellipsis(&exp[i]) {
                ok[i + 1][j] || (j < act.len() && ok[i][j + 1])
            } else {
                j < act.len() && matches_line(&exp[i], &act[j]) && ok[i + 1][j + 1]
            };
        }
    }
    ok[0][0]
}

/// A line `...` or `…` (indented or not) matches any number of lines.
fn is_ellipsis(exp: &str) -> bool {
    matches!(exp.trim(), "..." | "…")
}

/// `[..]` in `exp` matches any text.
fn matches_line(exp: &str, act: &str) -> bool {
    let mut parts = exp.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = act.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    if parts.is_empty() {
        return rest.is_empty();
    }
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Replaces what changes from run to run: revision ids, file-name timestamps, date-times.
fn normalise(line: &str) -> String {
    let line = line.trim_end();
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let digits = |from: usize, n: usize| {
        from + n <= b.len() && b[from..from + n].iter().all(|c| c.is_ascii_digit())
    };
    let boundary = |at: usize| at >= b.len() || !b[at].is_ascii_alphanumeric();
    while i < b.len() {
        let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        // 20261121_161732
        if starts_word && digits(i, 8) && b.get(i + 8) == Some(&b'_') && digits(i + 9, 6) {
            out.push_str("<ts>");
            i += 15;
            continue;
        }
        // 2026-11-21 16:17:32(.123)(+00:00|Z| UTC)
        if starts_word
            && digits(i, 4)
            && b.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && b.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2)
            && matches!(b.get(i + 10), Some(b' ') | Some(b'T'))
            && digits(i + 11, 2)
            && b.get(i + 13) == Some(&b':')
            && digits(i + 14, 2)
        {
            let mut j = i + 16;
            while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b':' | b'.')) {
                j += 1;
            }
            if j < b.len() && matches!(b[j], b'+' | b'-') {
                j += 1;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b':') {
                    j += 1;
                }
            } else if j < b.len() && b[j] == b'Z' {
                j += 1;
            }
            if line[j..].starts_with(" UTC") {
                j += 4;
            }
            out.push_str("<time>");
            i = j;
            continue;
        }
        // a revision id: 12 lowercase hex digits, with at least one digit
        if starts_word
            && i + 12 <= b.len()
            && b[i..i + 12]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            && b[i..i + 12].iter().any(|c| c.is_ascii_digit())
            && boundary(i + 12)
        {
            out.push_str("<rev>");
            i += 12;
            continue;
        }
        let c = line[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}
