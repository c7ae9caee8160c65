//! The hostile-name property test (issue 12, item 2): names, defaults, CHECK bodies,
//! comments and enum labels full of line breaks, quotes, comment openers, dollar quotes,
//! control characters, Unicode and shell escapes, on both engines. Each round takes a batch
//! of generated cases through a `diff` script, `upgrade --sql`, the runner and the revision
//! sections applied by the engine's own shell, and checks that the declared objects (and
//! nothing else) exist, the sentinel table keeps its rows, no shell command ran, and a
//! re-diff is empty.
//!
//! Seeded and reproducible: `SCHEMADIFF_HOSTILE_SEED` (decimal or 0x hex),
//! `SCHEMADIFF_HOSTILE_CASES` (how many, default 500 per engine) and
//! `SCHEMADIFF_HOSTILE_CASE` (comma-separated case numbers, each run alone) override;
//! `SCHEMADIFF_HOSTILE_ISOLATE` says how many failing cases to look for, each run alone,
//! after a failed run (default 5); `SCHEMADIFF_HOSTILE_PAYLOAD=N` puts only payload N of
//! `gen::PAYLOADS` in every text (to see which payload gets through where).

mod common;
mod pg;

#[path = "hostile/ddl.rs"]
mod ddl;
#[path = "hostile/engines.rs"]
mod engines;
#[path = "hostile/gen.rs"]
mod gen;
#[path = "hostile/round.rs"]
mod round;

use gen::{Case, Engine};
use round::Target;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The seed of a default run.
const DEFAULT_SEED: u64 = 0x5eed_0012_0002;
/// Cases per engine in a default run.
const DEFAULT_CASES: usize = 500;
/// Cases per round (one before/after schema pair).
const PER_ROUND: usize = 50;
/// Rounds run at once.
const THREADS: usize = 2;
/// Failing cases looked for, one by one, after a failed run
/// (`SCHEMADIFF_HOSTILE_ISOLATE` overrides).
const ISOLATE: usize = 5;

/// What to run: the seed and the case numbers, in rounds.
struct Plan {
    seed: u64,
    rounds: Vec<Vec<usize>>,
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|e| panic!("{name}={v}: {e}")))
}

fn plan() -> Plan {
    let seed = env_u64("SCHEMADIFF_HOSTILE_SEED").unwrap_or(DEFAULT_SEED);
    if let Ok(list) = std::env::var("SCHEMADIFF_HOSTILE_CASE") {
        let rounds = list
            .split(',')
            .map(|n| {
                vec![n
                    .trim()
                    .parse()
                    .expect("SCHEMADIFF_HOSTILE_CASE: case numbers")]
            })
            .collect();
        return Plan { seed, rounds };
    }
    let cases = env_u64("SCHEMADIFF_HOSTILE_CASES").map_or(DEFAULT_CASES, |n| n as usize);
    let all: Vec<usize> = (0..cases).collect();
    Plan {
        seed,
        rounds: all.chunks(PER_ROUND).map(<[usize]>::to_vec).collect(),
    }
}

fn tag(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "pg",
    }
}

/// Runs the plan for `engine` on `THREADS` threads; fails with the seed, the failing rounds
/// and, for a few cases run alone, their issues and DDL.
fn run_engine(engine: Engine, target: impl Fn(&str) -> Box<dyn Target> + Sync) {
    let plan = plan();
    let cases = |numbers: &[usize]| -> Vec<Case> {
        numbers
            .iter()
            .map(|&n| gen::case(plan.seed, n, engine))
            .collect()
    };
    let run =
        |label: &str, numbers: &[usize]| round::run(label, &cases(numbers), target(label).as_mut());
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let r = next.fetch_add(1, Ordering::Relaxed);
                let Some(numbers) = plan.rounds.get(r) else {
                    break;
                };
                let issues = run(&format!("{}_r{r}", tag(engine)), numbers);
                if !issues.is_empty() {
                    failed.lock().unwrap().push((r, issues));
                }
            });
        }
    });
    let mut failed = failed.into_inner().unwrap();
    if failed.is_empty() {
        return;
    }
    failed.sort();
    let total: usize = plan.rounds.iter().map(Vec::len).sum();
    let mut report = format!(
        "hostile-name test on {engine:?}: {} of {} rounds failed ({total} cases, seed {:#x}).\n\
         Replay one case: SCHEMADIFF_HOSTILE_SEED={:#x} SCHEMADIFF_HOSTILE_CASE=N cargo test --test hostile {}\n\
         Files of each round: target/test-tmp/hostile/{}_rR/\n",
        failed.len(),
        plan.rounds.len(),
        plan.seed,
        plan.seed,
        tag(engine),
        tag(engine),
    );
    for (r, issues) in &failed {
        let numbers = &plan.rounds[*r];
        report += &format!(
            "\nround {r} (cases {}..={}): {} issue(s):\n{}",
            numbers[0],
            numbers[numbers.len() - 1],
            issues.len(),
            summary(issues)
        );
    }
    report += &isolate(engine, &plan, &failed, &run);
    panic!("{report}");
}

/// Runs the cases of the failed rounds alone until `ISOLATE` of them fail; describes them.
fn isolate(
    engine: Engine,
    plan: &Plan,
    failed: &[(usize, Vec<String>)],
    run: &(dyn Fn(&str, &[usize]) -> Vec<String> + Sync),
) -> String {
    let mut out = String::new();
    let mut found = 0;
    let limit = env_u64("SCHEMADIFF_HOSTILE_ISOLATE").map_or(ISOLATE, |n| n as usize);
    for n in failed
        .iter()
        .flat_map(|(r, _)| plan.rounds[*r].iter().copied())
    {
        if found == limit || plan.rounds.iter().all(|r| r.len() == 1) {
            break;
        }
        let issues = run(&format!("{}_c{n}", tag(engine)), &[n]);
        if issues.is_empty() {
            continue;
        }
        found += 1;
        out += &describe(engine, plan.seed, n, &issues);
    }
    if plan.rounds.iter().all(|r| r.len() == 1) {
        for (r, issues) in failed {
            out += &describe(engine, plan.seed, plan.rounds[*r][0], issues);
        }
    }
    out
}

/// Each distinct step and kind of issue once (the text before its first `:`), with a count.
fn summary(issues: &[String]) -> String {
    let mut kinds = std::collections::BTreeMap::new();
    for i in issues {
        let (step, what) = i.split_once("] ").unwrap_or(("", i));
        let kind = what.split(':').next().unwrap_or(what);
        *kinds.entry(format!("{step}] {kind}")).or_insert(0) += 1;
    }
    kinds
        .iter()
        .map(|(k, n)| format!("  {n} x {k}\n"))
        .collect()
}

fn describe(engine: Engine, seed: u64, n: usize, issues: &[String]) -> String {
    let case = gen::case(seed, n, engine);
    let one = std::slice::from_ref(&case);
    format!(
        "\n==== case {n} ({:?}), seed {seed:#x}, alone: {} issue(s)\n{}\n-- before DDL: {:?}\n-- after DDL: {:?}\n",
        case.shape,
        issues.len(),
        issues.join("\n"),
        ddl::schema(engine, one, ddl::Side::Before),
        ddl::schema(engine, one, ddl::Side::After),
    )
}

#[test]
fn hostile_names_sqlite() {
    run_engine(Engine::Sqlite, |_| Box::new(engines::Sqlite));
}

#[test]
fn hostile_names_postgres() {
    drop(pg::admin()); // fails, never skips, when the server is down, saying how to start it
    run_engine(Engine::Postgres, |label| {
        Box::new(engines::Postgres {
            label: label.to_string(),
            dbs: Vec::new(),
        })
    });
}

#[test]
fn generator_covers_every_shape_and_payload_and_the_63_byte_limit() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let cases: Vec<Case> = (0..DEFAULT_CASES)
            .map(|n| gen::case(DEFAULT_SEED, n, engine))
            .collect();
        let shapes: std::collections::BTreeSet<String> =
            cases.iter().map(|c| format!("{:?}", c.shape)).collect();
        assert_eq!(shapes.len(), if engine == Engine::Sqlite { 9 } else { 11 });
        let texts: Vec<&str> = cases
            .iter()
            .flat_map(|c| c.before.iter().chain(&c.after))
            .flat_map(gen::Objects::texts)
            .collect();
        for p in gen::PAYLOADS {
            assert!(texts.iter().any(|t| t.contains(p)), "{engine:?}: {p:?}");
        }
        let names: Vec<&str> = cases
            .iter()
            .flat_map(|c| c.before.iter().chain(&c.after))
            .flat_map(|o| [&o.schema, &o.table, &o.index, &o.view, &o.enum_type.0])
            .map(String::as_str)
            .collect();
        let longest = names.iter().map(|n| n.len()).max().unwrap();
        if engine == Engine::Postgres {
            assert_eq!(longest, gen::PG_LIMIT);
            assert!(names.iter().filter(|n| n.len() == gen::PG_LIMIT).count() > 50);
        } else {
            assert!(longest > 300, "{longest}");
        }
        let again = gen::case(DEFAULT_SEED, 7, engine);
        assert_eq!(format!("{:?}", again), format!("{:?}", cases[7]));
    }
}
