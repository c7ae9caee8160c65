//! Schemas nobody here wrote for the incremental reload: every PostgreSQL fixture's
//! `after.sql` (hand-written cases and excerpts of public schemas) as a project's files,
//! then an edit of one of its tables (a comment added). The reload creates that table with
//! no files where it can (docs/cache.md, "Changed tables with no files"); whatever path it
//! takes, the model must be the one a full load gives.
//!
//! The same for `pg_dump -s` output of a database each `after.sql` was loaded into.
//!
//! CI takes every `SCHEMADIFF_FIXTURE_STEP`-th fixture (default 12) and one table of each;
//! `SCHEMADIFF_FIXTURE_STEP=1 SCHEMADIFF_FIXTURE_TABLES=99` edits every table of every
//! fixture (the survey of docs/cache.md), `SCHEMADIFF_FIXTURE_ONLY=name` one fixture.

mod common;
mod pg;

use schemadiff::declare::cache::{declare_postgres_how, explain_to, Cache, Obtained};
use schemadiff::declare::{declare_postgres_in, SourceFile};
use schemadiff::sqltext::quote_pg_qualified;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// One survey at a time: each reads the lines its own reloads told.
static RUN: Mutex<()> = Mutex::new(());

fn file(text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        path: PathBuf::from("schemas/schema.sql"),
        text: text.to_string(),
    }]
}

#[test]
fn a_table_edited_in_each_fixture_schema_reloads_as_a_full_load_reads_it() {
    let (edits, incremental, fileless) = survey("pg_incremental_fixtures", |case| {
        std::fs::read_to_string(case.join("after.sql")).ok()
    });
    eprintln!("{edits} edits: {incremental} reloaded incrementally, {fileless} of them with the table created with no files");
    // The edits must reach the path under test.
    let only = std::env::var("SCHEMADIFF_FIXTURE_ONLY").is_ok();
    assert!(
        only || edits >= 20 && fileless * 3 >= edits,
        "{edits} edits, {fileless} with no files"
    );
}

/// The same with `pg_dump -s` output (owners included) of a database each fixture's
/// `after.sql` was loaded into: its settings and `\restrict` lines are applied as a full
/// load applies them (docs/cache.md).
#[test]
fn a_table_edited_in_each_dumped_fixture_schema_reloads_as_a_full_load_reads_it() {
    let (edits, incremental, _) = survey("pg_incremental_dumped", |case| {
        let text = std::fs::read_to_string(case.join("after.sql")).ok()?;
        let name = case.file_name()?.to_string_lossy().to_string();
        let db = pg::TestDb::create(&format!("dumped_{}", name.len()));
        db.client().batch_execute(&text).ok()?;
        Some(db.pg_dump_schema(&[]))
    });
    eprintln!("{edits} edits of dumps: {incremental} reloaded incrementally");
    let only = std::env::var("SCHEMADIFF_FIXTURE_ONLY").is_ok();
    assert!(
        only || edits >= 20 && incremental * 2 >= edits,
        "{edits} edits of dumps, {incremental} incremental"
    );
}

/// For every `SCHEMADIFF_FIXTURE_STEP`-th fixture whose `text_of` is declared: declares it
/// through a fresh cache, then with a comment added to `SCHEMADIFF_FIXTURE_TABLES` of its
/// tables, one at a time, each compared with a full load. Edits, how many of them were
/// incremental, and how many created the table with no files.
fn survey(label: &str, text_of: impl Fn(&Path) -> Option<String>) -> (usize, usize, usize) {
    let _one = RUN.lock().unwrap_or_else(|e| e.into_inner());
    let _ = pg::admin(); // fails saying how to start the server
    pg::ensure_test_roles();
    let server = schemadiff::introspect::postgres::connect::config(&pg::server_url()).unwrap();
    explain_to(|line| LINES.lock().unwrap().push(line.to_string()));
    let step = common::setting("SCHEMADIFF_FIXTURE_STEP", 12).max(1);
    let per_fixture = common::setting("SCHEMADIFF_FIXTURE_TABLES", 1);
    let root = common::temp_dir(label);
    let (mut edits, mut fileless, mut incremental) = (0, 0, 0);
    for (n, case) in common::cases("postgres").iter().enumerate() {
        if n % step != 0 {
            continue;
        }
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        if std::env::var("SCHEMADIFF_FIXTURE_ONLY").is_ok_and(|o| o != name) {
            continue;
        }
        let Some(text) = text_of(case) else {
            continue; // a case whose after.sql needs its before.sql's objects
        };
        let base = root.join(&name).join("base");
        let Ok((model, how)) =
            declare_postgres_how(&file(&text), &server, &[], Some(&Cache::at(&base)))
        else {
            continue;
        };
        assert_eq!(how, Obtained::Loaded, "{name}");
        let tables: Vec<(String, String)> = (model.tables.values())
            .filter(|t| t.partition_of.is_none())
            .map(|t| (t.schema.clone().unwrap_or("public".into()), t.name.clone()))
            .collect();
        let first = n / step % tables.len().max(1);
        for (schema, table) in tables
            .iter()
            .cycle()
            .skip(first)
            .take(per_fixture.min(tables.len()))
        {
            let edited = format!(
                "{text}\nCOMMENT ON TABLE {} IS 'edited';\n",
                quote_pg_qualified(schema, table)
            );
            let dir = root.join(&name).join(format!("{schema}.{table}"));
            common::copy_dir(&base, &dir);
            LINES.lock().unwrap().clear();
            let (got, how) =
                declare_postgres_how(&file(&edited), &server, &[], Some(&Cache::at(&dir))).unwrap();
            let full = declare_postgres_in(&file(&edited), &server, &[]).unwrap();
            if got != full {
                eprintln!("{}", differences(&got, &full));
            }
            assert!(
                got == full,
                "{label}: {name}, {schema}.{table} edited: the {how:?} model differs from a full load"
            );
            edits += 1;
            incremental += usize::from(how == Obtained::Incremental);
            let lines = LINES.lock().unwrap();
            fileless += usize::from(lines.iter().any(|l| l.contains("1 changed table,")));
        }
    }
    (edits, incremental, fileless)
}

/// Where two models differ: the JSON paths whose values differ, with both values.
fn differences(a: &schemadiff::model::Schema, b: &schemadiff::model::Schema) -> String {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let null = serde_json::Value::Null;
                    walk(
                        &format!("{path}/{k}"),
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a != b => out.push(format!("{path}: {a} (reloaded) against {b} (full load)")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let json = |s| serde_json::to_value(s).unwrap();
    walk("", &json(a), &json(b), &mut out);
    out.join("\n")
}
