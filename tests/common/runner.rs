//! A small libtest-like runner for the fixture suites: every case directory under
//! `fixtures/<engine>/` is a test of its own, named after the directory.
//!
//! It understands the arguments `cargo test` passes on: name filters (substring, or whole
//! name with `--exact`), `--skip`, `--list` (with `--format terse`), `--ignored`,
//! `--test-threads`, and accepts and ignores the output options (`--nocapture`, `--quiet`, …).
//! Cases run in parallel on a pool of threads; the exit code is 101 when a case fails, as
//! with libtest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

/// What the command line asks for.
#[derive(Default)]
struct Args {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    list: bool,
    terse: bool,
    ignored_only: bool,
    threads: Option<usize>,
}

impl Args {
    /// Reads libtest's arguments; an unknown option is an error naming it.
    fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut a = Args::default();
        let value = |it: &mut dyn Iterator<Item = String>, flag: &str| {
            it.next().ok_or(format!("{flag} needs a value"))
        };
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let take = |it: &mut dyn Iterator<Item = String>| match inline.clone() {
                Some(v) => Ok(v),
                None => value(it, &flag),
            };
            match flag.as_str() {
                "--exact" => a.exact = true,
                "--list" => a.list = true,
                "--ignored" => a.ignored_only = true,
                "--skip" => a.skip.push(take(&mut it)?),
                "--format" => a.terse = take(&mut it)? == "terse",
                "--test-threads" => {
                    let v = take(&mut it)?;
                    a.threads = Some(v.parse().map_err(|_| format!("--test-threads {v}"))?);
                }
                "--color" | "-Z" | "--logfile" | "--shuffle-seed" | "--report-time" => {
                    take(&mut it)?;
                }
                "--nocapture" | "--no-capture" | "--show-output" | "-q" | "--quiet"
                | "--include-ignored" | "--test" | "--shuffle" | "--ensure-time" => {}
                f if f.starts_with('-') => return Err(format!("unknown option {f}")),
                _ => a.filters.push(arg),
            }
        }
        Ok(a)
    }

    /// Whether the test `name` is selected.
    fn selects(&self, name: &str) -> bool {
        let hit = |f: &String| {
            if self.exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        };
        !self.ignored_only
            && (self.filters.is_empty() || self.filters.iter().any(hit))
            && !self.skip.iter().any(hit)
    }
}

/// One test: a case directory, or the suite's own check of how many cases there are.
struct Test {
    name: String,
    dir: Option<PathBuf>,
}

/// The name of the test that checks the number of cases.
const COUNT_TEST: &str = "suite_has_enough_cases";

/// Runs the suite of `fixtures/<engine>/` with the process arguments: `setup` once before
/// the first case (not for `--list`), then `run` per selected case, in parallel.
pub fn main(
    engine: &str,
    min_cases: usize,
    setup: impl FnOnce(),
    run: impl Fn(&Path, &str) + Sync,
) -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(101);
        }
    };
    let dirs = super::cases(engine);
    let count = dirs.len();
    let mut tests: Vec<Test> = dirs
        .into_iter()
        .map(|d| Test {
            name: d.file_name().unwrap().to_string_lossy().into_owned(),
            dir: Some(d),
        })
        .collect();
    tests.push(Test {
        name: COUNT_TEST.into(),
        dir: None,
    });
    tests.sort_by(|a, b| a.name.cmp(&b.name));
    let total = tests.len();
    tests.retain(|t| args.selects(&t.name));
    if args.list {
        for t in &tests {
            println!("{}: test", t.name);
        }
        if !args.terse {
            println!("\n{} tests, 0 benchmarks", tests.len());
        }
        return ExitCode::SUCCESS;
    }
    if tests.iter().any(|t| t.dir.is_some()) {
        setup();
    }
    let check_count = || {
        assert!(
            count >= min_cases,
            "expected at least {min_cases} {engine} cases, found {count}"
        )
    };
    let one = |t: &Test| match &t.dir {
        Some(dir) => run(dir, &t.name),
        None => check_count(),
    };
    let threads = args.threads.unwrap_or_else(default_threads);
    report(&tests, total, threads, one)
}

/// `RUST_TEST_THREADS`, else the number of CPUs.
fn default_threads() -> usize {
    std::env::var("RUST_TEST_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `tests` on `threads` threads, printing a line per test as it ends and the failures
/// with their messages at the end, as libtest does.
fn report(tests: &[Test], total: usize, threads: usize, one: impl Fn(&Test) + Sync) -> ExitCode {
    let start = Instant::now();
    println!("\nrunning {} tests", tests.len());
    capture_panics();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    let mut failures: Vec<(String, String)> = Vec::new();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, tests.len().max(1)) {
            let tx = tx.clone();
            let (next, one) = (&next, &one);
            s.spawn(move || {
                while let Some(t) = tests.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(t)));
                    let message = result.err().map(|_| take_panic_message());
                    tx.send((t.name.clone(), message)).unwrap();
                }
            });
        }
        drop(tx);
        for (name, message) in rx {
            match message {
                None => println!("test {name} ... ok"),
                Some(m) => {
                    println!("test {name} ... FAILED");
                    failures.push((name, m));
                }
            }
        }
    });
    failures.sort();
    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, m) in &failures {
            println!("---- {name} ----\n{m}\n");
        }
        println!("failures:");
        for (name, _) in &failures {
            println!("    {name}");
        }
    }
    let (failed, passed) = (failures.len(), tests.len() - failures.len());
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; 0 ignored; 0 measured; {} \
         filtered out; finished in {:.2}s\n",
        if failed == 0 { "ok" } else { "FAILED" },
        total - tests.len(),
        start.elapsed().as_secs_f64()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

thread_local! {
    static PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Keeps each panic's message and place for the report of its test instead of printing
/// it among other threads' lines.
fn capture_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(panic without a message)".into());
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let message = format!("panicked at {}:\n{text}", place.unwrap_or_default());
        PANIC.with(|p| *p.borrow_mut() = Some(message));
    }));
}

/// The message of the panic that just ended a test on this thread.
fn take_panic_message() -> String {
    PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default()
}
