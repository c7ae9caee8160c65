//! Support of the generated issue-15 tests on the real server: a seeded generator, the
//! declare path, and one round trip (base → target → base) checked at every step.

#![allow(dead_code)]

pub mod edits;

use crate::pg::{psql, TestDb};
use postgres::Client;
use schemadiff::declare::{declare_postgres, normalize_live, SourceFile};
use schemadiff::diff::{self, diff, Renames};
use schemadiff::introspect::postgres::introspect;
use schemadiff::model::Schema;
use schemadiff::plan::postgres::plan_postgres;
use schemadiff::render::postgres::render_script;
use schemadiff::sqltext::body::same_function_text;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// SplitMix64: the same seed gives the same cases.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len())]
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.next(one_in) == 0
    }
}

/// The canary: rows a script that lets text out of its quotes would lose.
pub const VICTIM: &str = "CREATE TABLE public.victim (x integer);\n";
const VICTIM_ROWS: &str = "INSERT INTO public.victim VALUES (1), (2), (3);";

pub fn server() -> schemadiff::introspect::postgres::connect::Config {
    crate::pg::server_url().parse().unwrap()
}

/// `sql` declared through a scratch database (once per text and process).
pub fn declare(sql: &str, what: &str) -> Result<Schema, String> {
    static DECLARED: Mutex<BTreeMap<String, Schema>> = Mutex::new(BTreeMap::new());
    if let Some(s) = DECLARED.lock().unwrap().get(sql) {
        return Ok(s.clone());
    }
    let schema = declare_uncached(sql, what)?;
    DECLARED
        .lock()
        .unwrap()
        .insert(sql.to_string(), schema.clone());
    Ok(schema)
}

fn declare_uncached(sql: &str, what: &str) -> Result<Schema, String> {
    let files = [SourceFile {
        path: PathBuf::from("schemas/schema.sql"),
        text: sql.to_string(),
    }];
    declare_postgres(&files, &server()).map_err(|e| format!("declare {what}: {e}"))
}

fn live_as(client: &mut Client, expected: &Schema) -> Schema {
    let live = introspect(client, &[]).expect("introspect").schema;
    let print = schemadiff::render::snapshot::postgres::files;
    normalize_live(live, expected, print, &server(), None)
}

/// The script from `from` to `to`.
pub fn script(from: &Schema, to: &Schema, title: &str) -> String {
    let changes = diff(&diff::postgres::RULES, from, to, &Renames::default());
    render_script(&plan_postgres(&changes, from, to), title)
}

/// `a` and `b` are equal with function definitions compared as the differ compares them
/// (whitespace outside literals ignored); the first difference otherwise. Two definitions
/// count as the same only when also equal without any whitespace (an oracle apart from the
/// normalizer under test).
pub fn same_schema(a: &Schema, b: &Schema) -> Result<(), String> {
    if a == b {
        return Ok(());
    }
    let (mut x, mut y) = (a.clone(), b.clone());
    for (key, f) in x.functions.iter_mut() {
        if let Some(g) = y.functions.get_mut(key) {
            let bare = |t: &str| t.split_whitespace().collect::<String>();
            if same_function_text(&f.definition, &g.definition)
                && bare(&f.definition) == bare(&g.definition)
            {
                g.definition = f.definition.clone();
            }
        }
    }
    // Pg_depend facts are not compared by the differ.
    x.dependents = Default::default();
    y.dependents = Default::default();
    if x == y {
        return Ok(());
    }
    Err(first_difference(&x, &y))
}

/// The first differing part of two schemas, per kind and key, for a short message.
fn first_difference(a: &Schema, b: &Schema) -> String {
    let ja = serde_json::to_value(a).unwrap();
    let jb = serde_json::to_value(b).unwrap();
    let (oa, ob) = (ja.as_object().unwrap(), jb.as_object().unwrap());
    let mut out = Vec::new();
    for (kind, va) in oa {
        let vb = &ob[kind];
        if va == vb {
            continue;
        }
        match (va.as_object(), vb.as_object()) {
            (Some(ma), Some(mb)) => {
                let keys: std::collections::BTreeSet<&String> =
                    ma.keys().chain(mb.keys()).collect();
                for k in keys {
                    if ma.get(k) != mb.get(k) {
                        out.push(format!(
                            "{kind}[{k:?}]:\n    got      {}\n    expected {}",
                            ma.get(k).map_or("(none)".into(), |v| v.to_string()),
                            mb.get(k).map_or("(none)".into(), |v| v.to_string())
                        ));
                    }
                }
            }
            _ => out.push(format!("{kind}: {va} != {vb}")),
        }
    }
    out.join("\n  ")
}

fn victim_rows(client: &mut Client) -> Result<i64, String> {
    client
        .query_one("SELECT count(*) FROM public.victim", &[])
        .map(|r| r.get(0))
        .map_err(|e| format!("the canary table is gone: {e}"))
}

fn apply(db: &TestDb, sql: &str, label: &str, step: &str) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("schemadiff_gen_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{label}_{step}.sql"));
    std::fs::write(&path, sql).unwrap();
    let (ok, err) = psql(&db.url(), &path);
    let _ = std::fs::remove_file(&path);
    if ok && !err.contains("WARNING") {
        Ok(())
    } else if ok {
        Err(format!("{step}: psql printed:\n{err}\n--- script:\n{sql}"))
    } else {
        Err(format!("{step} failed:\n{err}\n--- script:\n{sql}"))
    }
}

/// One round trip, from a database built from `base_sql` (the victim table is added to both
/// sides): introspect == declare(base); the upgrade applies with psql; introspect ==
/// declare(target); the re-diff is empty; the downgrade applies; introspect == declare(base),
/// its re-diff is empty; the victim keeps its rows throughout. Returns the upgrade script.
pub fn round_trip(label: &str, base_sql: &str, target_sql: &str) -> Result<String, String> {
    let base_sql = format!("{VICTIM}{base_sql}");
    let target_sql = format!("{VICTIM}{target_sql}");
    let base = declare(&base_sql, "base")?;
    let target = declare(&target_sql, "target")?;
    let db = TestDb::create(label);
    let mut client = db.client();
    client
        .batch_execute(&format!("{base_sql}\n{VICTIM_ROWS}"))
        .map_err(|e| {
            format!(
                "base: {}",
                e.as_db_error()
                    .map_or(e.to_string(), |d| d.message().to_string())
            )
        })?;
    let start = live_as(&mut client, &base);
    same_schema(&start, &base).map_err(|e| format!("introspect(base) != declare(base): {e}"))?;

    let up = script(&start, &target, &format!("{label} up"));
    apply(&db, &up, label, "upgrade")?;
    if victim_rows(&mut client)? != 3 {
        return Err(format!("the upgrade touched the canary:\n{up}"));
    }
    let upgraded = live_as(&mut client, &target);
    same_schema(&upgraded, &target)
        .map_err(|e| format!("after the upgrade != declare(target): {e}\n--- upgrade:\n{up}"))?;
    let again = diff(
        &diff::postgres::RULES,
        &upgraded,
        &target,
        &Renames::default(),
    );
    if !again.is_empty() {
        return Err(format!(
            "re-diff after the upgrade: {again:?}\n--- upgrade:\n{up}"
        ));
    }

    let down = script(&upgraded, &base, &format!("{label} down"));
    apply(&db, &down, label, "downgrade")?;
    if victim_rows(&mut client)? != 3 {
        return Err(format!("the downgrade touched the canary:\n{down}"));
    }
    let downgraded = live_as(&mut client, &base);
    same_schema(&downgraded, &base).map_err(|e| {
        format!("after the downgrade != declare(base): {e}\n--- downgrade:\n{down}")
    })?;
    let again = diff(
        &diff::postgres::RULES,
        &downgraded,
        &base,
        &Renames::default(),
    );
    if !again.is_empty() {
        return Err(format!(
            "re-diff after the downgrade: {again:?}\n--- downgrade:\n{down}"
        ));
    }
    Ok(up)
}

/// A database built from `sql` (and the victim) reads back as `sql` declared.
pub fn declare_matches_live(label: &str, sql: &str) -> Result<(), String> {
    let sql = format!("{VICTIM}{sql}");
    let declared = declare(&sql, "the file")?;
    let db = TestDb::create(label);
    let mut client = db.client();
    client.batch_execute(&sql).map_err(|e| {
        format!(
            "build: {}",
            e.as_db_error()
                .map_or(e.to_string(), |d| d.message().to_string())
        )
    })?;
    let live = live_as(&mut client, &declared);
    same_schema(&live, &declared).map_err(|e| format!("introspect != declare: {e}"))
}

/// `text` as a standard string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Runs `job(i)` for every `i < n` on `threads` threads; the errors, in order of `i`.
pub fn parallel(
    n: usize,
    threads: usize,
    job: impl Fn(usize) -> Result<(), String> + Sync,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                if let Err(e) = job(i) {
                    errors.lock().unwrap().insert(i, e);
                }
            });
        }
    });
    errors.into_inner().unwrap().into_values().collect()
}

/// `pg_dump -s` of a database built from `sql` (and the victim), declared through the
/// intake, equals the introspection of that database.
pub fn pg_dump_declares_as_live(label: &str, sql: &str) -> Result<(), String> {
    let sql = format!("{VICTIM}{sql}");
    let db = TestDb::create(label);
    let mut client = db.client();
    client
        .batch_execute(&sql)
        .map_err(|e| format!("build: {e}"))?;
    let out = std::process::Command::new("pg_dump")
        .args(["-s", "-d", &db.url()])
        .output()
        .expect("pg_dump is required: apt-get install postgresql-client");
    if !out.status.success() {
        return Err(format!("pg_dump: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let dump = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    let declared = declare_uncached(&dump, "the pg_dump -s output")
        .map_err(|e| format!("{e}\n--- dump:\n{dump}"))?;
    let live = live_as(&mut client, &declared);
    same_schema(&live, &declared)
        .map_err(|e| format!("introspect != declare(pg_dump -s): {e}\n--- dump:\n{dump}"))
}
