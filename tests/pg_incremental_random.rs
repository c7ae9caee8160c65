//! Seeded random edits of a generated schema (`benches/common/edit_gen.rs`: columns, types,
//! defaults, indexes, foreign keys to and from unchanged tables, CHECK and UNIQUE, comments
//! on columns and indexes, views, tables added and dropped, enum labels), each declared
//! through the catalog cache after the unedited version and compared with a full load of
//! the edited files on the real server. None of these shapes needs a full load, so each
//! must come out of the incremental reload.
//!
//! `SCHEMADIFF_EDIT_SEEDS=N` and `SCHEMADIFF_EDIT_TABLES=N` run more seeds on a larger
//! schema (the survey of docs/cache.md); every reason to load everything is printed.

mod common;
mod pg;

#[path = "../benches/common/schema_gen.rs"]
mod schema_gen;

#[path = "../benches/common/edit_gen.rs"]
mod edit_gen;

use edit_gen::{random_edit, Project};
use schemadiff::declare::cache::{declare_postgres_how, explain_to, Cache, Obtained};
use schemadiff::declare::{declare_postgres_in, SourceFile};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// One run at a time: the lines of one run are told apart from another's.
static RUN: Mutex<()> = Mutex::new(());

fn collect(line: &str) {
    LINES.lock().unwrap().push(line.to_string());
}

fn file(text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        path: PathBuf::from("schemas/schema.sql"),
        text: text.to_string(),
    }]
}

/// Declares the project of `tables` tables, then for each seed its random edit of
/// `per_edit` tables (from a copy of that cache), compared with a full load; the reasons a
/// full load was needed, with their counts.
fn run(tables: usize, per_edit: usize, seeds: u64) -> BTreeMap<String, usize> {
    let _one = RUN.lock().unwrap_or_else(|e| e.into_inner());
    let _ = pg::admin(); // fails saying how to start the server
    let server = schemadiff::introspect::postgres::connect::config(&pg::server_url()).unwrap();
    explain_to(collect);
    let root = common::temp_dir(&format!("pg_incremental_random_{tables}_{per_edit}"));
    let template = root.join("template");
    let project = || Project::new(schema_gen::generate(tables, schema_gen::Dialect::Postgres));
    let before = project().sql();
    let first = declare_postgres_how(&file(&before), &server, &[], Some(&Cache::at(&template)));
    assert_eq!(first.unwrap().1, Obtained::Loaded);
    let mut reasons = BTreeMap::new();
    for seed in 0..seeds {
        let mut p = project();
        let shapes = random_edit(&mut p, seed, per_edit);
        let after = p.sql();
        let dir = root.join(format!("seed{seed}"));
        common::copy_dir(&template, &dir);
        LINES.lock().unwrap().clear();
        let (model, how) =
            declare_postgres_how(&file(&after), &server, &[], Some(&Cache::at(&dir))).unwrap();
        let full = declare_postgres_in(&file(&after), &server, &[]).unwrap();
        assert!(
            model == full,
            "seed {seed} ({shapes:?}): the {how:?} model differs from a full load"
        );
        if how != Obtained::Incremental {
            let lines = LINES.lock().unwrap().clone();
            let why = lines
                .iter()
                .find_map(|l| l.split_once("reloading everything: ").map(|(_, r)| r))
                .unwrap_or("?");
            eprintln!("seed {seed} {shapes:?}: {how:?}: {why}");
            let reason = why.split(" (").next().unwrap_or(why).to_string();
            *reasons.entry(reason).or_insert(0) += 1;
        }
    }
    eprintln!("{tables} tables, {per_edit} per edit, {seeds} seeds: {reasons:?}");
    reasons
}

#[test]
fn random_edits_of_one_table_reload_only_it_and_equal_a_full_load() {
    let seeds = common::setting("SCHEMADIFF_EDIT_SEEDS", 5) as u64;
    let tables = common::setting("SCHEMADIFF_EDIT_TABLES", 30);
    assert_eq!(run(tables, 1, seeds), BTreeMap::new());
}

#[test]
fn random_edits_of_five_percent_reload_only_them_and_equal_a_full_load() {
    let seeds = common::setting("SCHEMADIFF_EDIT_SEEDS", 4) as u64;
    let tables = common::setting("SCHEMADIFF_EDIT_TABLES", 40);
    assert_eq!(run(tables, tables.div_ceil(20), seeds), BTreeMap::new());
}
