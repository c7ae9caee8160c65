//! PostgreSQL benchmark, plain `fn main` with `std::time::Instant` (no harness).
//!
//! For each size N it generates a deterministic schema of N tables (5–30 columns of varied
//! types, identity/uuid/composite primary keys, UNIQUE and CHECK constraints, 0–3 foreign
//! keys to earlier tables, 1–4 indexes including partial, multi-column, expression and GIN
//! ones, defaults, four enums, a view per 40 tables), writes it to
//! `bench/out/pg_N/schema.sql` with a ~5 % changed variant `changed.sql`, loads it into a
//! database `schemadiff_bench_live_N` and times:
//!
//! 1. `introspect` of the live database, on one warm connection and on a fresh connection
//!    each run, then `introspect_pair` on two connections sharing a snapshot, warm and fresh
//!    (as the CLI does), with the time of each catalog query;
//! 2. `declare_postgres` of `schema.sql` (scratch database create + load + introspect +
//!    drop), the same pieces one by one, and `declare_postgres_cached` with a cache hit;
//! 3. `diff` (PostgreSQL rules) + `plan_postgres` + `render_script`, live vs `schema.sql` (must plan
//!    nothing) and live vs `changed.sql`;
//! 4. the CLI end to end: `schemadiff diff --from postgresql://…/schemadiff_bench_live_N
//!    --to schema.sql|changed.sql` (the binary cargo builds for benchmarks,
//!    `target/release/schemadiff`), with an empty catalog cache (`bench/out/pg_N/cache`,
//!    emptied before each run) and with the entry in place.
//!
//! Run: `cargo bench --bench pg_introspect`. Environment: `BENCH_PG_ROUTINES=1` (a trigger
//! function and a trigger per table), `BENCH_PG_PARTITIONS=1` (instead of the sizes: 2,000
//! partitions under 20 parents against 2,000 plain tables, see `common/pg_partitions.rs`),
//! `BENCH_PG_SIZES` (default
//! `100,500,2000`), `BENCH_ITERS` (default 9; declare and the CLI run `min(5, BENCH_ITERS)`
//! times), `SCHEMADIFF_TEST_PG` (default `postgresql://postgres@127.0.0.1:5432/postgres`; a
//! user that may create databases). Every database it creates is named
//! `schemadiff_bench_live_N` and dropped at the end, also on error, panic or Ctrl-C; if one
//! of that name already exists it stops, and it never drops a database it did not create.
//! Checked on the way: live vs its own DDL plans nothing, the CLI prints the script the
//! in-process pipeline renders, and `introspect` sends as many statements at every size.

// BENCH_PG_PARTITIONS=1: benches/common/pg_partitions.rs.
#[path = "common/pg_partitions.rs"]
mod partitions;

use postgres::{Client, IsolationLevel, NoTls};
use schemadiff::declare::{
    declare_postgres, declare_postgres_cached, load_postgres, read_sources, Cache, ScratchDb,
    SourceFile,
};
use schemadiff::diff::{self, diff, Renames};
use schemadiff::introspect::postgres::connect::{self as pgconnect, Config};
use schemadiff::introspect::postgres::{introspect, introspect_pair};
use schemadiff::model::Schema;
use schemadiff::plan::postgres::plan_postgres;
use schemadiff::render::postgres::render_script;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

const DB_PREFIX: &str = "schemadiff_bench_";

fn main() -> Result<(), BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("bench").join("out");
    let iters = env_usize("BENCH_ITERS", 9).max(1);
    let runs = iters.min(5);
    let sizes: Vec<usize> = std::env::var("BENCH_PG_SIZES")
        .unwrap_or_else(|_| "100,500,2000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let server_url = std::env::var("SCHEMADIFF_TEST_PG")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into());
    let server: Config = pgconnect::config(&server_url)?;
    drop_on_interrupt(server.clone());
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_schemadiff"));
    let version: String = server
        .connect(NoTls)?
        .query_one("SELECT version()", &[])?
        .get(0);
    println!("schemadiff PostgreSQL benchmark: {version}");
    println!("{iters} iterations (declare and the CLI: {runs}); medians [min .. max]");

    if std::env::var_os("BENCH_PG_PARTITIONS").is_some_and(|v| v == "1") {
        return partitions::run(&server, &server_url, iters);
    }
    let mut results = Vec::new();
    for n in sizes {
        let ctx = Ctx {
            server: &server,
            server_url: &server_url,
            bin: &bin,
            dir: out.join(format!("pg_{n}")),
            iters,
            runs,
        };
        results.push(bench_size(&ctx, n)?);
    }
    if let Some(first) = results.first() {
        for r in &results {
            assert_eq!(
                r.queries, first.queries,
                "introspect sent {} statements for {} tables but {} for {}",
                r.queries, r.n, first.queries, first.n
            );
        }
    }
    print_summary(&results);
    Ok(())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------

/// The benchmark databases that exist right now (name, oid), for the Ctrl-C handler.
static LIVE: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

/// A `schemadiff_bench_*` database, dropped when the guard goes out of scope.
struct BenchDb {
    admin: Client,
    name: String,
    /// Its oid: the guard drops only this database, not one another program created under
    /// the same name after dropping ours.
    oid: u32,
    config: Config,
    url: String,
}

impl BenchDb {
    /// Creates `name` on `server`; refuses if it exists (another run, or a leftover).
    fn create(server: &Config, server_url: &str, name: &str) -> Result<BenchDb, BoxError> {
        assert!(
            name.starts_with(DB_PREFIX),
            "benchmark databases are {DB_PREFIX}*"
        );
        let (head, _) = server_url
            .split('?')
            .next()
            .and_then(|u| u.rsplit_once('/'))
            .ok_or("SCHEMADIFF_TEST_PG must end in /DATABASE")?;
        let mut admin = server.connect(NoTls)?;
        if database_oid(&mut admin, name)?.is_some() {
            return Err(format!(
                "database {name} already exists (another run of this benchmark, or left over \
                 from a killed one); drop it with DROP DATABASE {name} WITH (FORCE)"
            )
            .into());
        }
        admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))?;
        let oid = database_oid(&mut admin, name)?.ok_or("database vanished after CREATE")?;
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.into(), oid));
        let mut config = server.clone();
        config.dbname(name);
        Ok(BenchDb {
            admin,
            name: name.into(),
            oid,
            config,
            url: format!("{head}/{name}"),
        })
    }

    fn connect(&self) -> Result<Client, postgres::Error> {
        self.config.connect(NoTls)
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        match drop_if_ours(&mut self.admin, &self.name, self.oid) {
            Ok(true) => {}
            Ok(false) => eprintln!(
                "warning: database {} was dropped by another program during the run \
                 (a second benchmark using the same name?); timings are not valid",
                self.name
            ),
            Err(e) => eprintln!("warning: could not drop database {}: {e}", self.name),
        }
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(n, _)| *n != self.name);
    }
}

fn database_oid(admin: &mut Client, name: &str) -> Result<Option<u32>, postgres::Error> {
    let row = admin.query_opt("SELECT oid FROM pg_database WHERE datname = $1", &[&name])?;
    Ok(row.map(|r| r.get(0)))
}

/// Drops `name` if it is still the database `oid`; false when it is gone or another one.
fn drop_if_ours(admin: &mut Client, name: &str, oid: u32) -> Result<bool, postgres::Error> {
    if database_oid(admin, name)? != Some(oid) {
        return Ok(false);
    }
    admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))?;
    Ok(true)
}

/// On Ctrl-C (no destructors run): drops the live benchmark databases and the scratch
/// databases `declare_postgres` made in this process, then exits with 130.
fn drop_on_interrupt(server: Config) {
    let _ = ctrlc::set_handler(move || {
        if let Ok(mut admin) = server.connect(NoTls) {
            let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
            for (name, oid) in live {
                let _ = drop_if_ours(&mut admin, &name, oid);
            }
            let scratch = format!("schemadiff\\_scratch\\_{}\\_%", std::process::id());
            let rows = admin
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE $1",
                    &[&scratch],
                )
                .unwrap_or_default();
            for row in rows {
                let name: String = row.get(0);
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
        eprintln!("interrupted; benchmark databases dropped");
        std::process::exit(130);
    });
}

// The generated schema: benches/common/schema_gen.rs, shared with examples/gen_schema.rs.
#[path = "common/schema_gen.rs"]
mod schema_gen;
#[path = "common/stats.rs"]
mod stats;
use schema_gen::{change, generate, Dialect, LOAD_CHUNK};
use stats::{fmt_dur, median, stats};

// ---------------------------------------------------------------------------------------
// One size
// ---------------------------------------------------------------------------------------

struct Ctx<'a> {
    server: &'a Config,
    server_url: &'a str,
    bin: &'a Path,
    dir: PathBuf,
    iters: usize,
    runs: usize,
}

/// Medians and counts of one size, for the summary table.
struct SizeResult {
    n: usize,
    queries: usize,
    counts: Counts,
    load: Duration,
    rows: BTreeMap<&'static str, Duration>,
    plan_steps: usize,
    script_lines: usize,
}

const ROWS: &[(&str, &str)] = &[
    ("intro_warm", "`introspect`, warm connection"),
    ("intro_cold", "connect + `introspect`, fresh connection"),
    (
        "pair_warm",
        "`introspect_pair`, two warm connections sharing a snapshot",
    ),
    (
        "pair_cold",
        "connect ×2 + `introspect_pair`, fresh connections (as the CLI)",
    ),
    (
        "declare",
        "`declare_postgres` (scratch create + load + introspect + drop)",
    ),
    ("d_create", "… `ScratchDb::create` (CREATE DATABASE)"),
    ("d_load", "… `load_postgres` (the DDL, batches of 200)"),
    (
        "d_intro",
        "… connect ×2 + `introspect_pair` of the scratch database",
    ),
    ("d_drop", "… DROP DATABASE"),
    (
        "cache_hit",
        "`declare_postgres_cached`, cache hit (server query + key + read JSON)",
    ),
    ("dpr_same", "diff + plan + render, live vs schema.sql"),
    ("dpr_changed", "diff + plan + render, live vs changed.sql"),
    (
        "cli_same",
        "**CLI `diff` end to end, live vs schema.sql, empty cache**",
    ),
    (
        "cli_changed",
        "**CLI `diff` end to end, live vs changed.sql, empty cache**",
    ),
    (
        "cli_same_warm",
        "**CLI `diff` end to end, live vs schema.sql, cache hit**",
    ),
    (
        "cli_changed_warm",
        "**CLI `diff` end to end, live vs changed.sql, cache hit**",
    ),
];

fn bench_size(ctx: &Ctx, n: usize) -> Result<SizeResult, BoxError> {
    std::fs::create_dir_all(&ctx.dir)?;
    let mut model = generate(n, Dialect::Postgres);
    model.routines = std::env::var_os("BENCH_PG_ROUTINES").is_some_and(|v| v == "1");
    let schema_sql = model.sql();
    let load_sql = model.load_sql();
    let edits = change(&mut model);
    let changed_sql = model.sql();
    let schema_path = ctx.dir.join("schema.sql");
    let changed_path = ctx.dir.join("changed.sql");
    std::fs::write(&schema_path, &schema_sql)?;
    std::fs::write(&changed_path, &changed_sql)?;

    let live = BenchDb::create(ctx.server, ctx.server_url, &format!("{DB_PREFIX}live_{n}"))?;
    let mut client = live.connect()?;
    let t0 = Instant::now();
    client.batch_execute(&load_sql)?;
    let load = t0.elapsed();
    let t0 = Instant::now();
    let first = introspect(&mut client, &[])?;
    let before_analyze = t0.elapsed();
    // Fresh statistics for the catalogs, as autovacuum keeps them on a server that has been
    // running a while (it would analyze them during the benchmark anyway).
    client.batch_execute("ANALYZE")?;

    let mut t = Timings::default();
    println!(
        "\n[{n} tables] schema.sql {} KB, changed.sql: {edits:?}",
        schema_sql.len() / 1024
    );
    println!(
        "  live database: one batch_execute, a transaction per {LOAD_CHUNK} statements  {}",
        fmt_dur(load)
    );

    // 1. Introspection.
    let counts = Counts::of(&first.schema);
    println!("  {counts}");
    println!("  introspect sends {} statements", first.queries);
    println!(
        "  introspect right after loading, before ANALYZE (1 run)          {}",
        fmt_dur(before_analyze)
    );
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let read = introspect(&mut client, &[])?;
        t.push("intro_warm", t0.elapsed());
        assert_eq!(read.queries, first.queries);
        std::hint::black_box(read);
    }
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let mut fresh = live.connect()?;
        let read = introspect(&mut fresh, &[])?;
        t.push("intro_cold", t0.elapsed());
        std::hint::black_box(read);
    }
    let mut helper = live.connect()?;
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let read = introspect_pair(&mut client, &mut helper, &[])?;
        t.push("pair_warm", t0.elapsed());
        std::hint::black_box(read);
    }
    drop(helper);
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let mut fresh = live.connect()?;
        let mut helper = live.connect()?;
        let read = introspect_pair(&mut fresh, &mut helper, &[])?;
        t.push("pair_cold", t0.elapsed());
        std::hint::black_box(read);
    }
    for key in ["intro_warm", "intro_cold", "pair_warm", "pair_cold"] {
        t.print(key);
    }
    query_breakdown(&live, ctx.iters)?;

    // 2. Declared DDL through a scratch database.
    let files = read_sources(&schema_path)?;
    let changed_files = read_sources(&changed_path)?;
    for _ in 0..ctx.runs {
        let t0 = Instant::now();
        let declared = declare_postgres(&files, ctx.server)?;
        t.push("declare", t0.elapsed());
        std::hint::black_box(declared);
    }
    t.print("declare");
    for _ in 0..ctx.runs {
        declare_pieces(ctx.server, &files, &mut t)?;
    }
    for key in ["d_create", "d_load", "d_intro", "d_drop"] {
        t.print(key);
    }
    let cache = Cache::at(ctx.dir.join("cache"));
    let _ = std::fs::remove_dir_all(cache.dir());
    declare_postgres_cached(&files, ctx.server, &[], Some(&cache))?;
    for _ in 0..ctx.iters {
        let t0 = Instant::now();
        let hit = declare_postgres_cached(&files, ctx.server, &[], Some(&cache))?;
        t.push("cache_hit", t0.elapsed());
        std::hint::black_box(hit);
    }
    t.print("cache_hit");

    // 3. diff + plan + render in-process.
    let from = introspect(&mut client, &[])?.schema;
    let same = declare_postgres(&files, ctx.server)?;
    let to = declare_postgres(&changed_files, ctx.server)?;
    let mut scripts = Vec::new();
    for (key, target, path) in [
        ("dpr_same", &same, &schema_path),
        ("dpr_changed", &to, &changed_path),
    ] {
        let title = format!("from {} to {}", live.url, path.display());
        let mut last = (0, String::new());
        for _ in 0..ctx.iters {
            let t0 = Instant::now();
            let changes = diff(&diff::postgres::RULES, &from, target, &Renames::default());
            let plan = plan_postgres(&changes, &from, target);
            let script = render_script(&plan, &title);
            t.push(key, t0.elapsed());
            last = (plan.steps.len(), script);
        }
        t.print(key);
        scripts.push(last);
    }
    let (same_steps, same_script) = &scripts[0];
    if *same_steps != 0 {
        let path = ctx.dir.join("unexpected.sql");
        std::fs::write(&path, same_script)?;
        println!(
            "  WARNING: live vs its own DDL plans {same_steps} step(s); see {}",
            path.display()
        );
    }
    let (plan_steps, changed_script) = &scripts[1];
    std::fs::write(ctx.dir.join("up.sql"), changed_script)?;
    let script_lines = changed_script.lines().count();
    println!(
        "  changed plan: {plan_steps} steps, {script_lines} lines, {} bytes (bench/out/pg_{n}/up.sql)",
        changed_script.len()
    );

    // 4. The CLI end to end: with an empty catalog cache each run (so it loads the scratch
    // database and stores the model), then with the entry in place.
    let cache_dir = ctx.dir.join("cache");
    for (key, path, expected, warm) in [
        ("cli_same", &schema_path, same_script, false),
        ("cli_changed", &changed_path, changed_script, false),
        ("cli_same_warm", &schema_path, same_script, true),
        ("cli_changed_warm", &changed_path, changed_script, true),
    ] {
        // A warm series starts with an untimed run that fills the cache for its file.
        for run in usize::from(!warm)..=ctx.runs {
            if !warm {
                let _ = std::fs::remove_dir_all(&cache_dir);
            }
            let t0 = Instant::now();
            let output = Command::new(ctx.bin)
                .args(["diff", "--from", &live.url, "--to"])
                .arg(path)
                .env("SCHEMADIFF_CACHE_DIR", &cache_dir)
                .env_remove("SCHEMADIFF_NO_CACHE")
                .output()?;
            let elapsed = t0.elapsed();
            if run > 0 {
                t.push(key, elapsed);
            }
            if !output.status.success() {
                return Err(format!(
                    "schemadiff diff failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                )
                .into());
            }
            if output.stdout != expected.as_bytes() {
                println!("  WARNING: the CLI's script differs from the in-process one ({key})");
            }
        }
        t.print(key);
    }

    drop(client);
    drop(live);
    let rows = ROWS.iter().map(|(key, _)| (*key, t.median(key))).collect();
    Ok(SizeResult {
        n,
        queries: first.queries,
        counts,
        load,
        rows,
        plan_steps: *plan_steps,
        script_lines,
    })
}

/// Each catalog query of the introspection on its own, in the same kind of transaction,
/// on a fresh connection (the first query pays for warming the backend's catalog caches)
/// and then again on the same, warm connection.
fn query_breakdown(live: &BenchDb, iters: usize) -> Result<(), BoxError> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/introspect/postgres/queries");
    let mut queries: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sql") {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into();
            queries.push((name, std::fs::read_to_string(&path)?));
        }
    }
    queries.sort();
    let only: Vec<String> = Vec::new();
    let mut cold: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut warm: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut rows: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..iters {
        let t0 = Instant::now();
        let mut client = live.connect()?;
        cold.entry("(connect)".into())
            .or_default()
            .push(t0.elapsed());
        for times in [&mut cold, &mut warm] {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            tx.batch_execute("SET LOCAL search_path = ''")?;
            for (name, sql) in &queries {
                let t0 = Instant::now();
                let got = if sql.contains("$1") {
                    tx.query(sql.as_str(), &[&only])?
                } else {
                    tx.query(sql.as_str(), &[])?
                };
                times.entry(name.clone()).or_default().push(t0.elapsed());
                rows.insert(name.clone(), got.len());
            }
            tx.commit()?;
        }
    }
    println!("  catalog queries one by one (fresh connection | same connection again):");
    let (mut sum_cold, mut sum_warm) = (Duration::ZERO, Duration::ZERO);
    for (name, v) in cold.iter_mut() {
        let c = median(v);
        sum_cold += c;
        let w = warm.get_mut(name).map(|v| median(v));
        sum_warm += w.unwrap_or_default();
        println!(
            "    {name:<16} {:>9} | {:>9}   {} rows",
            fmt_dur(c),
            w.map_or("-".into(), fmt_dur),
            rows.get(name).map_or("-".into(), |r| r.to_string())
        );
    }
    println!(
        "    {:<16} {:>9} | {:>9}",
        "sum of medians",
        fmt_dur(sum_cold),
        fmt_dur(sum_warm)
    );
    Ok(())
}

/// `declare_postgres`, one piece at a time.
fn declare_pieces(server: &Config, files: &[SourceFile], t: &mut Timings) -> Result<(), BoxError> {
    let t0 = Instant::now();
    let scratch = ScratchDb::create(server)?;
    let t1 = Instant::now();
    let mut client = scratch.connect()?;
    load_postgres(&mut client, files)?;
    let t2 = Instant::now();
    drop(client);
    let mut client = scratch.connect()?;
    let mut helper = scratch.connect()?;
    let read = introspect_pair(&mut client, &mut helper, &[])?;
    let t3 = Instant::now();
    drop((client, helper));
    drop(scratch);
    let t4 = Instant::now();
    std::hint::black_box(read);
    t.push("d_create", t1 - t0);
    t.push("d_load", t2 - t1);
    t.push("d_intro", t3 - t2);
    t.push("d_drop", t4 - t3);
    Ok(())
}

/// What the live database holds, as introspected.
struct Counts {
    tables: usize,
    columns: usize,
    indexes: usize,
    constraint_indexes: usize,
    foreign_keys: usize,
    checks: usize,
    views: usize,
    enums: usize,
}

impl Counts {
    fn of(s: &Schema) -> Counts {
        let sum = |f: &dyn Fn(&schemadiff::model::Table) -> usize| -> usize {
            s.tables.values().map(f).sum()
        };
        Counts {
            tables: s.tables.len(),
            columns: sum(&|t| t.columns.len()),
            indexes: sum(&|t| t.indexes.len()),
            constraint_indexes: sum(&|t| t.uniques.len() + usize::from(t.primary_key.is_some())),
            foreign_keys: sum(&|t| t.foreign_keys.len()),
            checks: sum(&|t| t.checks.len()),
            views: s.views.len(),
            enums: s.enums.len(),
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} tables, {} columns, {} indexes (+ {} PRIMARY KEY/UNIQUE), {} foreign keys, \
             {} CHECKs, {} views, {} enums",
            self.tables,
            self.columns,
            self.indexes,
            self.constraint_indexes,
            self.foreign_keys,
            self.checks,
            self.views,
            self.enums
        )
    }
}

// ---------------------------------------------------------------------------------------
// Statistics and the summary
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Timings(BTreeMap<&'static str, Vec<Duration>>);

impl Timings {
    fn push(&mut self, key: &'static str, d: Duration) {
        self.0.entry(key).or_default().push(d);
    }

    fn median(&mut self, key: &str) -> Duration {
        self.0.get_mut(key).map_or(Duration::ZERO, |v| median(v))
    }

    fn print(&mut self, key: &str) {
        let label = ROWS.iter().find(|r| r.0 == key).map_or(key, |r| r.1);
        let label = label.replace("**", "").replace('`', "");
        if let Some(v) = self.0.get_mut(key) {
            println!("  {label:<66} {}", stats(v));
        }
    }
}

fn print_summary(results: &[SizeResult]) {
    if results.is_empty() {
        return;
    }
    let mut s = String::from("\n## Medians\n\n| measurement |");
    let mut rule = String::from("|---|");
    for r in results {
        write!(s, " {} tables |", r.n).unwrap();
        rule.push_str("---|");
    }
    writeln!(s, "\n{rule}").unwrap();
    let mut line = |label: &str, cell: &dyn Fn(&SizeResult) -> String| {
        write!(s, "| {label} |").unwrap();
        for r in results {
            write!(s, " {} |", cell(r)).unwrap();
        }
        s.push('\n');
    };
    line("columns / indexes (+ PK, UNIQUE) / FKs", &|r| {
        format!(
            "{} / {} (+ {}) / {}",
            r.counts.columns, r.counts.indexes, r.counts.constraint_indexes, r.counts.foreign_keys
        )
    });
    line("statements `introspect` sends", &|r| r.queries.to_string());
    line("live database: one `batch_execute` (1 run)", &|r| {
        fmt_dur(r.load)
    });
    for (key, label) in ROWS {
        line(label, &|r| fmt_dur(r.rows[key]));
    }
    line(
        "in-process sum for the CLI's work: fresh introspect + declare + diff/plan/render",
        &|r| fmt_dur(r.rows["pair_cold"] + r.rows["declare"] + r.rows["dpr_changed"]),
    );
    line("changed plan: steps / script lines", &|r| {
        format!("{} / {}", r.plan_steps, r.script_lines)
    });
    println!("{s}");
}
