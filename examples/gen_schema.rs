//! Writes the deterministic benchmark schema of `benches/common/schema_gen.rs` for one
//! dialect and size: `schema.sql` and `changed.sql` (declared DDL, as a user keeps it in
//! `schemas/`), and `schema.load.sql` / `changed.load.sql` (the same statements with a
//! transaction per 200, for loading a live database with `psql -f` or `sqlite3`).
//!
//! Run: `cargo run --release --example gen_schema -- postgres|sqlite N OUT_DIR`.
//! Prints one line: what the changed variant changed.

#[path = "../benches/common/schema_gen.rs"]
mod schema_gen;

use schema_gen::{change, generate, Dialect};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: gen_schema postgres|sqlite N OUT_DIR";
    if args.len() != 3 {
        return Err(usage.into());
    }
    let dialect = match args[0].as_str() {
        "postgres" | "postgresql" => Dialect::Postgres,
        "sqlite" => Dialect::Sqlite,
        _ => return Err(usage.into()),
    };
    let n: usize = args[1].parse().map_err(|_| usage)?;
    let out = PathBuf::from(&args[2]);
    std::fs::create_dir_all(&out)?;
    let mut model = generate(n, dialect);
    std::fs::write(out.join("schema.sql"), model.sql())?;
    std::fs::write(out.join("schema.load.sql"), model.load_sql())?;
    let edits = change(&mut model);
    std::fs::write(out.join("changed.sql"), model.sql())?;
    std::fs::write(out.join("changed.load.sql"), model.load_sql())?;
    println!("{edits:?}");
    Ok(())
}
