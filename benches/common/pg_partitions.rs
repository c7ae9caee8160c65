//! `BENCH_PG_PARTITIONS=1`: 2,000 partitions under 20 partitioned tables against 2,000 plain
//! tables of the same shape, in the same run (issue 16's must-show: introspection and diff
//! of the partitions in under 2× the time of the plain tables). Each table, or each parent,
//! has five columns, a two-column primary key, a CHECK, an index and a foreign key to a
//! small lookup table; each partition a list bound. Times, medians over `iters` runs:
//! `introspect` on a warm connection, and `diff` + `plan` + `render` of the live schema
//! against itself and against a copy with one column added per table (plain) or per parent
//! (partitioned: one change, not one per partition).

use super::{fmt_dur, BenchDb, BoxError, DB_PREFIX};
use schemadiff::diff::{self, diff, Renames};
use schemadiff::introspect::postgres::connect::Config;
use schemadiff::introspect::postgres::introspect;
use schemadiff::model::{Column, Schema};
use schemadiff::plan::postgres::plan_postgres;
use schemadiff::render::postgres::render_script;
use std::time::{Duration, Instant};

const TABLES: usize = 2000;
const PARENTS: usize = 20;

const LOOKUP: &str = "CREATE TABLE kinds (id int PRIMARY KEY, name text NOT NULL);\n";

/// One table (or partitioned parent) of the common shape.
fn shape(name: &str, tail: &str) -> String {
    format!(
        "CREATE TABLE {name} (id bigint NOT NULL, k int NOT NULL, kind int REFERENCES kinds (id),
           v text, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, k),
           CHECK (length(v) < 100)){tail};
         CREATE INDEX {name}_v ON {name} (v);\n"
    )
}

fn plain_sql() -> Vec<String> {
    let mut out = vec![LOOKUP.to_string()];
    out.extend((0..TABLES).map(|i| shape(&format!("t{i}"), "")));
    out
}

fn partitioned_sql() -> Vec<String> {
    let mut out = vec![LOOKUP.to_string()];
    out.extend((0..PARENTS).map(|p| shape(&format!("p{p}"), " PARTITION BY LIST (k)")));
    out.extend((0..TABLES).map(|i| {
        let p = i % PARENTS;
        format!("CREATE TABLE p{p}_{i} PARTITION OF p{p} FOR VALUES IN ({i});\n")
    }));
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The live schema with a column added to every table that has columns of its own (every
/// plain table; every parent, not its partitions).
fn with_a_column(s: &Schema) -> Schema {
    let mut out = s.clone();
    for t in out.tables.values_mut().filter(|t| t.name != "kinds") {
        if !t.columns.is_empty() {
            t.columns.push(Column {
                name: "extra".into(),
                ty: "integer".into(),
                ..Column::default()
            });
        }
    }
    out
}

struct Side {
    introspect: Duration,
    /// The live schema against itself.
    same: Duration,
    /// Against the copy with a column added.
    diff: Duration,
    statements: usize,
    steps: usize,
}

fn measure(
    server: &Config,
    url: &str,
    name: &str,
    sql: &[String],
    iters: usize,
) -> Result<Side, BoxError> {
    let db = BenchDb::create(server, url, &format!("{DB_PREFIX}{name}"))?;
    let mut client = db.connect()?;
    for chunk in sql.chunks(200) {
        client.batch_execute(&chunk.concat())?;
    }
    client.batch_execute("ANALYZE")?;
    let first = introspect(&mut client, &[])?;
    let mut intro = Vec::new();
    for _ in 0..iters {
        let t0 = Instant::now();
        let read = introspect(&mut client, &[])?;
        intro.push(t0.elapsed());
        assert_eq!(read.schema, first.schema);
    }
    let run = |target: &Schema| {
        let mut times = Vec::new();
        let mut steps = 0;
        for _ in 0..iters {
            let t0 = Instant::now();
            let changes = diff(
                &diff::postgres::RULES,
                &first.schema,
                target,
                &Renames::default(),
            );
            let plan = plan_postgres(&changes, &first.schema, target);
            let script = render_script(&plan, "bench");
            times.push(t0.elapsed());
            steps = plan.steps.len();
            std::hint::black_box(script);
        }
        (median(times), steps)
    };
    let (same, none) = run(&first.schema.clone());
    assert_eq!(none, 0, "the live schema against itself plans nothing");
    let (diff, steps) = run(&with_a_column(&first.schema));
    Ok(Side {
        introspect: median(intro),
        same,
        diff,
        statements: first.queries,
        steps,
    })
}

/// Runs the comparison and prints medians and ratios.
pub fn run(server: &Config, url: &str, iters: usize) -> Result<(), BoxError> {
    println!("\n[partitions] {TABLES} plain tables vs {TABLES} partitions under {PARENTS} parents, {iters} runs each");
    let plain = measure(server, url, "part_plain", &plain_sql(), iters)?;
    let part = measure(server, url, "part_parts", &partitioned_sql(), iters)?;
    assert_eq!(
        plain.statements, part.statements,
        "introspect statement count"
    );
    assert_eq!(plain.steps, TABLES, "one ADD COLUMN per plain table");
    assert_eq!(
        part.steps, PARENTS,
        "one ADD COLUMN per parent, none per partition"
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "  introspect sends {} statements on both sides",
        plain.statements
    );
    println!(
        "  introspect (warm)          plain {:>10}   partitions {:>10}   ratio {:.2}x",
        fmt_dur(plain.introspect),
        fmt_dur(part.introspect),
        ratio(part.introspect, plain.introspect)
    );
    println!(
        "  diff + plan + render, same plain {:>10}   partitions {:>10}   ratio {:.2}x",
        fmt_dur(plain.same),
        fmt_dur(part.same),
        ratio(part.same, plain.same)
    );
    println!(
        "  diff + plan + render, +col plain {:>10}   partitions {:>10}   ratio {:.2}x  ({} vs {} steps)",
        fmt_dur(plain.diff),
        fmt_dur(part.diff),
        ratio(part.diff, plain.diff),
        plain.steps,
        part.steps
    );
    Ok(())
}
