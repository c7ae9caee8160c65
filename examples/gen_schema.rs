//! Writes the deterministic benchmark schema of `benches/common/schema_gen.rs` for one
//! dialect and size: `schema.sql` and `changed.sql` (declared DDL, as a user keeps it in
//! `schemas/`), and `schema.load.sql` / `changed.load.sql` (the same statements with a
//! transaction per 200, for loading a live database with `psql -f` or `sqlite3`), and
//! `history_K.sql`, the first K tables for K = 500, 1,000, … below N (the steps of a project
//! history that `bench/compare.sh` generates one revision at a time).
//!
//! Run: `cargo run --release --example gen_schema -- postgres|sqlite N OUT_DIR`.
//! Prints one line: what the changed variant changed.
//!
//! With `--edit SEED COUNT` after those (PostgreSQL only), it also writes `project.sql`
//! (the schema with the comments, grants and triggers a real `schemas/` holds, from
//! `benches/common/edit_gen.rs`) and `edited.sql`, the same after a seeded random edit of
//! COUNT tables (columns, types, defaults, indexes, foreign keys, CHECK, UNIQUE, comments,
//! views, tables added and dropped, enum labels), and prints a second line: the shapes.

#[path = "../benches/common/schema_gen.rs"]
mod schema_gen;

#[path = "../benches/common/edit_gen.rs"]
mod edit_gen;

use schema_gen::{change, generate, Dialect, Model};

const HISTORY_STEP: usize = 500;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_schema postgres|sqlite N OUT_DIR [--edit SEED COUNT]";
    let edit = match &args[..] {
        [_, _, _] => None,
        [_, _, _, flag, seed, count] if flag == "--edit" => Some((
            seed.parse::<u64>().map_err(|_| usage)?,
            count.parse::<usize>().map_err(|_| usage)?,
        )),
        _ => return Err(usage.into()),
    };
    let dialect = match args[0].as_str() {
        "postgres" | "postgresql" => Dialect::Postgres,
        "sqlite" => Dialect::Sqlite,
        _ => return Err(usage.into()),
    };
    let n: usize = args[1].parse().map_err(|_| usage)?;
    let out = PathBuf::from(&args[2]);
    std::fs::create_dir_all(&out)?;
    let mut model = generate(n, dialect);
    // `BENCH_PG_ROUTINES=1`: a trigger function and a trigger per table, as the benchmark.
    model.routines = std::env::var_os("BENCH_PG_ROUTINES").is_some_and(|v| v == "1");
    std::fs::write(out.join("schema.sql"), model.sql())?;
    std::fs::write(out.join("schema.load.sql"), model.load_sql())?;
    // The first 500, 1,000, … tables, for a project history of one revision per 500 tables:
    // PostgreSQL cannot replay a 2,000-table revision in one transaction (out of shared
    // memory, max_locks_per_transaction).
    for k in (HISTORY_STEP..n).step_by(HISTORY_STEP) {
        let prefix = Model {
            dialect,
            tables: model.tables[..k].to_vec(),
            routines: model.routines,
        };
        std::fs::write(out.join(format!("history_{k:05}.sql")), prefix.sql())?;
    }
    let mut shapes = None;
    if let Some((seed, count)) = edit {
        if dialect != Dialect::Postgres {
            return Err("--edit: PostgreSQL only".into());
        }
        let project = || edit_gen::Project::new(generate(n, dialect));
        std::fs::write(out.join("project.sql"), project().sql())?;
        let mut edited = project();
        shapes = Some(edit_gen::random_edit(&mut edited, seed, count));
        std::fs::write(out.join("edited.sql"), edited.sql())?;
    }
    let edits = change(&mut model);
    std::fs::write(out.join("changed.sql"), model.sql())?;
    std::fs::write(out.join("changed.load.sql"), model.load_sql())?;
    println!("{edits:?}");
    if let Some(shapes) = shapes {
        println!("{shapes:?}");
    }
    Ok(())
}
