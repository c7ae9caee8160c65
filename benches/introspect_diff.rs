//! Benchmarks, plain `fn main` with `std::time::Instant` (no harness):
//!
//! 1. introspect + declare + diff/plan/render for generated schemas of 500 and 2,000 tables;
//! 2. the 1,000,000-row `items` rebuild of `bench/rebuild.sh`, run in-process with the
//!    bundled SQLite, schemadiff's script against `bench/handwritten.sql`, per statement.
//!
//! Run: `cargo bench --bench introspect_diff`. Environment: `BENCH_ITERS` (default 9),
//! `BENCH_SIZES` (default `500,2000`), `BENCH_REBUILD_RUNS` (default 9; 0 skips part 2).
//! Generated files go to `bench/out/`.

use rusqlite::Connection;
use schemadiff::declare::{declare_sqlite, read_sources};
use schemadiff::diff::Renames;
use schemadiff::introspect::sqlite::introspect;
use schemadiff::plan::sqlite::plan_schemas as plan_sqlite;
use schemadiff::plan::sqlite::Caps;
use schemadiff::render::sqlite::render_script;
use std::ffi::CString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("bench").join("out");
    std::fs::create_dir_all(&out)?;
    let iters = env_usize("BENCH_ITERS", 9).max(1);
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "500,2000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "schemadiff benchmarks (bundled SQLite {}, {} iterations, medians [min..max])",
        rusqlite::version(),
        iters
    );
    for n in sizes {
        bench_pipeline(&out, n, iters)?;
    }
    let runs = env_usize("BENCH_REBUILD_RUNS", 9);
    if runs > 0 {
        bench_rebuild(&root, &out.join("inproc"), runs)?;
    }
    Ok(())
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// Part 1: introspect + diff
// ---------------------------------------------------------------------------------------

/// DDL for `n` tables (7-8 columns: INTEGER PRIMARY KEY, TEXT NOT NULL UNIQUE, COLLATE
/// NOCASE, REAL DEFAULT 0, CHECKs, an FK to the previous table), two indexes per table (an
/// expression index on `lower(name)`, a partial index) and a view per 10 tables.
/// `changed` alters five tables and one view, the way a real migration does: a column added
/// at the end, a table CHECK added (rebuild), an index dropped, an index added, a view
/// changed, and a new table.
fn schema_ddl(n: usize, changed: bool) -> String {
    let (add_col, add_check, drop_idx, new_idx, view_chg) =
        (n / 10, n / 5, n / 2, 3 * n / 4, 10 * (n / 30));
    let mut s = String::with_capacity(n * 900);
    for i in 0..n {
        let t = format!("t{i:05}");
        let _ = writeln!(s, "CREATE TABLE {t} (");
        s.push_str("  id INTEGER PRIMARY KEY,\n");
        s.push_str("  code TEXT NOT NULL UNIQUE,\n");
        s.push_str("  name TEXT NOT NULL COLLATE NOCASE,\n");
        s.push_str("  price REAL DEFAULT 0,\n");
        s.push_str("  qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0),\n");
        s.push_str("  status TEXT NOT NULL DEFAULT 'new',\n");
        s.push_str("  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n");
        if i % 4 == 0 {
            s.push_str("  note TEXT COLLATE NOCASE,\n");
        }
        if changed && i == add_col {
            s.push_str("  extra TEXT,\n");
        }
        if i > 0 {
            let _ = writeln!(
                s,
                "  parent_id INTEGER REFERENCES t{:05} (id) ON DELETE SET NULL,",
                i - 1
            );
        }
        if changed && i == add_check {
            s.push_str("  CHECK (price >= 0),\n");
        }
        s.push_str("  CHECK (status IN ('new', 'active', 'done'))\n);\n");
        let _ = writeln!(s, "CREATE INDEX {t}_name_lower ON {t} (lower(name));");
        if !(changed && i == drop_idx) {
            let _ = writeln!(
                s,
                "CREATE INDEX {t}_open ON {t} (created_at) WHERE status <> 'done';"
            );
        }
        if changed && i == new_idx {
            let _ = writeln!(s, "CREATE INDEX {t}_qty ON {t} (qty, price);");
        }
        if i > 0 && i % 10 == 0 {
            let filter = if changed && i == view_chg {
                "c.status = 'active'"
            } else {
                "c.status <> 'done'"
            };
            let _ = writeln!(
                s,
                "CREATE VIEW v{t} AS SELECT c.id, c.name, p.code AS parent_code FROM {t} AS c \
                 LEFT JOIN t{:05} AS p ON p.id = c.parent_id WHERE {filter};",
                i - 1
            );
        }
    }
    if changed {
        s.push_str("CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, what TEXT NOT NULL);\n");
    }
    s
}

fn bench_pipeline(out: &Path, n: usize, iters: usize) -> Result<(), BoxError> {
    let db_path = out.join(format!("live_{n}.db"));
    let declared_path = out.join(format!("declared_{n}.sql"));
    let _ = std::fs::remove_file(&db_path);
    let t_create = {
        let conn = Connection::open(&db_path)?;
        let t0 = Instant::now();
        conn.execute_batch(&format!("BEGIN;\n{}\nCOMMIT;", schema_ddl(n, false)))?;
        t0.elapsed()
    };
    std::fs::write(&declared_path, schema_ddl(n, true))?;

    // Sanity: the unchanged DDL against the live database must plan nothing.
    {
        let unchanged_path = out.join(format!("unchanged_{n}.sql"));
        std::fs::write(&unchanged_path, schema_ddl(n, false))?;
        let live = introspect(&Connection::open(&db_path)?)?;
        let same = declare_sqlite(&read_sources(&unchanged_path)?)?;
        let plan = plan_sqlite(&live, &same, &Renames::default(), Caps::bundled());
        if !plan.is_empty() {
            println!(
                "  WARNING: {n} tables: identical DDL plans {} step(s)",
                plan.steps.len()
            );
        }
    }

    let (mut t_intro, mut t_decl, mut t_plan, mut t_total) = (vec![], vec![], vec![], vec![]);
    let mut last = (0, 0);
    for _ in 0..iters {
        let t0 = Instant::now();
        let from = {
            let conn = Connection::open(&db_path)?;
            introspect(&conn)?
        };
        let t1 = Instant::now();
        let to = declare_sqlite(&read_sources(&declared_path)?)?;
        let t2 = Instant::now();
        let plan = plan_sqlite(&from, &to, &Renames::default(), Caps::bundled());
        let script = render_script(&plan, "bench");
        let t3 = Instant::now();
        last = (plan.steps.len(), script.len());
        std::hint::black_box(&script);
        t_intro.push(t1 - t0);
        t_decl.push(t2 - t1);
        t_plan.push(t3 - t2);
        t_total.push(t3 - t0);
    }
    std::fs::write(out.join(format!("up_{n}.sql")), {
        let from = introspect(&Connection::open(&db_path)?)?;
        let to = declare_sqlite(&read_sources(&declared_path)?)?;
        render_script(
            &plan_sqlite(&from, &to, &Renames::default(), Caps::bundled()),
            "bench",
        )
    })?;
    println!(
        "\n[introspect+diff] {n} tables, {} indexes, {} views; plan: {} steps, script {} bytes",
        2 * n - 1,
        (n - 1) / 10,
        last.0,
        last.1
    );
    println!("  open+introspect(live db)        {}", stats(&mut t_intro));
    println!("  read_sources+declare_sqlite     {}", stats(&mut t_decl));
    println!("  plan_sqlite+render_script       {}", stats(&mut t_plan));
    println!("  total                           {}", stats(&mut t_total));
    breakdown(&db_path, &declared_path, iters.min(5))?;
    println!(
        "  (creating the live db: one execute_batch of the DDL in a transaction took {})",
        fmt_dur(t_create)
    );
    Ok(())
}

/// Where introspect and declare spend their time, from the public pieces they are made of.
/// The reference line is the floor of loading every statement into one SQLite database:
/// each CREATE makes SQLite rescan `sqlite_schema`, so it grows with the square of the size
/// (declare_sqlite loads in chunks for that reason).
fn breakdown(db_path: &Path, declared_path: &Path, iters: usize) -> Result<(), BoxError> {
    let text = std::fs::read_to_string(declared_path)?;
    let mut t: [Vec<Duration>; 4] = Default::default();
    for _ in 0..iters {
        let t0 = Instant::now();
        let conn = Connection::open(db_path)?;
        let _: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        let t1 = Instant::now();
        let mut stmt = conn.prepare(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
             FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS p \
             WHERE m.type = 'table' ORDER BY m.name, p.cid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            for c in 0..7 {
                std::hint::black_box(r.get_ref(c)?);
            }
        }
        drop(rows);
        drop(stmt);
        t[0].push(t1 - t0);
        t[1].push(t1.elapsed());

        let t0 = Instant::now();
        let stmts = schemadiff::sqltext::split_statements(&text).map_err(|e| e.message)?;
        t[2].push(t0.elapsed());
        std::hint::black_box(stmts);

        let mem = Connection::open_in_memory()?;
        let t0 = Instant::now();
        mem.execute_batch(&format!("BEGIN;\n{text}\nCOMMIT;"))?;
        t[3].push(t0.elapsed());
    }
    println!("  breakdown ({iters} iterations):");
    println!(
        "    introspect: open + read schema (SQLite)       {}",
        stats(&mut t[0])
    );
    println!(
        "    introspect: the pragma_table_xinfo rows         {}",
        stats(&mut t[1])
    );
    println!(
        "    declare: split_statements                       {}",
        stats(&mut t[2])
    );
    println!(
        "    reference: whole DDL in one in-memory db        {}",
        stats(&mut t[3])
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Part 2: the 1,000,000-row rebuild, in-process
// ---------------------------------------------------------------------------------------

fn bench_rebuild(root: &Path, dir: &Path, runs: usize) -> Result<(), BoxError> {
    std::fs::create_dir_all(dir)?;
    let bench = root.join("bench");
    let orig = dir.join("orig.db");
    let _ = std::fs::remove_file(&orig);
    Connection::open(&orig)?
        .execute_batch(&std::fs::read_to_string(bench.join("make_items.sql"))?)?;

    let schemadiff_sql = {
        let from = introspect(&Connection::open(&orig)?)?;
        let to = declare_sqlite(&read_sources(&bench.join("after.sql"))?)?;
        render_script(
            &plan_sqlite(&from, &to, &Renames::default(), Caps::bundled()),
            "items rebuild",
        )
    };
    std::fs::write(dir.join("schemadiff_up.sql"), &schemadiff_sql)?;
    let handwritten_sql = std::fs::read_to_string(bench.join("handwritten.sql"))?;
    let scripts = [
        ("schemadiff", split_sql(&schemadiff_sql)),
        ("handwritten", split_sql(&handwritten_sql)),
    ];

    // totals[k][run], per_stmt[k][stmt][run]
    let mut totals: [Vec<Duration>; 2] = [vec![], vec![]];
    let mut per_stmt: [Vec<Vec<Duration>>; 2] = [
        vec![vec![]; scripts[0].1.len()],
        vec![vec![]; scripts[1].1.len()],
    ];
    let mut results = [String::new(), String::new()];
    let run_db = dir.join("run.db");
    for run in 0..runs {
        // ABBA order, so neither script always runs first.
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            fresh_copy(&orig, &run_db)?;
            let t0 = Instant::now();
            let conn = Connection::open(&run_db)?;
            for (j, stmt) in scripts[k].1.iter().enumerate() {
                let s0 = Instant::now();
                run_statement(&conn, stmt).map_err(|e| format!("{}: {stmt}: {e}", scripts[k].0))?;
                per_stmt[k][j].push(s0.elapsed());
            }
            conn.close().map_err(|(_, e)| e)?;
            totals[k].push(t0.elapsed());
            if run == 0 {
                let conn = Connection::open(&run_db)?;
                results[k] = conn.query_row(
                    "SELECT count(*) || ' rows, sum(qty)=' || sum(qty) || ', total(price)=' || total(price) \
                     || ', nulls=' || count(*) FILTER (WHERE qty IS NULL) FROM items",
                    [],
                    |r| r.get(0),
                )?;
            }
        }
    }
    println!("\n[rebuild in-process] items, 1,000,000 rows, bundled SQLite {}, {runs} runs each, ABBA-interleaved", rusqlite::version());
    for (k, (name, stmts)) in scripts.iter().enumerate() {
        println!(
            "  {name:<12} total (open..close) {}   [{}]",
            stats(&mut totals[k]),
            results[k]
        );
        for (j, stmt) in stmts.iter().enumerate() {
            println!(
                "      {:>9}  {}",
                fmt_dur(median(&mut per_stmt[k][j])),
                label(stmt)
            );
        }
    }
    if results[0] != results[1] {
        println!("  WARNING: the two scripts leave different data");
    }
    let ratio = median(&mut totals[0]).as_secs_f64() / median(&mut totals[1]).as_secs_f64();
    println!("  ratio schemadiff / handwritten (medians): {ratio:.3}");
    Ok(())
}

/// Copies `from` to `to` and syncs it, so the copy's dirty pages are not flushed by the
/// timed script's COMMIT.
fn fresh_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    for ext in ["-journal", "-wal", "-shm"] {
        let mut p = to.as_os_str().to_owned();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    std::fs::copy(from, to)?;
    std::fs::File::open(to)?.sync_all()
}

/// Runs one statement to completion (every row, as the `sqlite3` shell does).
fn run_statement(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.raw_query();
    while rows.next()?.is_some() {}
    Ok(())
}

/// Splits a script into statements at line ends where SQLite sees a complete statement;
/// comment and blank lines between statements are dropped.
fn split_sql(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if cur.is_empty() && (trimmed.is_empty() || trimmed.starts_with("--")) {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if trimmed.ends_with(';') && is_complete(&cur) {
            out.push(std::mem::take(&mut cur).trim_end().to_string());
        }
    }
    out
}

fn is_complete(sql: &str) -> bool {
    let Ok(c) = CString::new(sql) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { rusqlite::ffi::sqlite3_complete(c.as_ptr()) != 0 }
}

fn label(stmt: &str) -> String {
    let one_line = stmt.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 110 {
        format!("{}…", one_line.chars().take(110).collect::<String>())
    } else {
        one_line
    }
}

// Statistics: benches/common/stats.rs, shared with pg_introspect.
#[path = "common/stats.rs"]
mod stats;
use stats::{fmt_dur, median, stats};
