//! `generate --strict` refuses a lossy type change on both engines (exit 1, the hazard named,
//! no revision written), and accepts it with `--allow irreversible`.

mod common;
mod pg;

use common::{ok_in, run_in, temp_dir};
use pg::TestDb;
use std::path::Path;

fn revisions(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("migrations")).unwrap().count()
}

/// Generates `v1`, then `v2` with and without `--strict`; returns the strict run's stderr.
fn strict_refuses(dir: &Path, v1: &str, v2: &str, hazard: &str) {
    std::fs::write(dir.join("schemas/schema.sql"), v1).unwrap();
    ok_in(dir, &["generate", "-m", "v1"]);
    std::fs::write(dir.join("schemas/schema.sql"), v2).unwrap();
    let strict = run_in(dir, &["generate", "--strict", "-m", "v2"]);
    assert_eq!(strict.code, 1, "{}\n{}", strict.stdout, strict.stderr);
    let stderr = strict.flat_stderr();
    assert!(stderr.contains(hazard), "{stderr}");
    assert_eq!(revisions(dir), 1, "a refused revision is not written");
    ok_in(
        dir,
        &[
            "generate",
            "--strict",
            "--allow",
            "irreversible",
            "-m",
            "v2",
        ],
    );
    assert_eq!(revisions(dir), 2);
}

#[test]
fn generate_strict_refuses_a_lossy_sqlite_rebuild() {
    let dir = temp_dir("casts_strict_sqlite");
    ok_in(&dir, &["init"]);
    strict_refuses(
        &dir,
        "CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT);\n",
        "CREATE TABLE codes (id INTEGER PRIMARY KEY, code INTEGER);\n",
        "hazard[irreversible]: column codes.code from TEXT to INTEGER",
    );
}

#[test]
fn generate_strict_refuses_a_lossy_postgres_type_change() {
    let db = TestDb::create("casts_strict");
    let dir = temp_dir("casts_strict_pg");
    ok_in(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    strict_refuses(
        &dir,
        "CREATE TABLE counters (id bigint PRIMARY KEY, hits bigint);\n",
        "CREATE TABLE counters (id bigint PRIMARY KEY, hits double precision);\n",
        "hazard[irreversible]: public.counters.hits from bigint to double precision",
    );
}
