//! `--format json` on PostgreSQL, through the binary: upgrade, downgrade, current and
//! verify carry real ids and counts; a failure after a `-- schemadiff:no-transaction`
//! statement names that statement under `stays_applied` (the fields docs/json.md lists for
//! it, which SQLite cannot produce).

mod common;
mod pg;

use common::{ok_in as ok, run_in as sd, temp_dir, Run};
use pg::TestDb;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn project(name: &str, db: &TestDb) -> PathBuf {
    let dir = temp_dir(name);
    ok(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    dir
}

fn write_rev(dir: &Path, id: &str, parents: &[&str], up: &str, down: &str) -> PathBuf {
    let parents: Vec<String> = parents.iter().map(|p| p.to_string()).collect();
    let text = schemadiff::revision::render(id, &parents, id, "2026-11-21T00:00:00Z", up, down);
    let path = dir
        .join("migrations")
        .join(format!("20261121_000000_{id}.sql"));
    std::fs::write(&path, text).unwrap();
    path
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", r.stdout, r.stderr))
}

fn col(v: &Value, key: &str) -> Vec<Value> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].clone())
        .collect()
}

#[test]
fn postgres_json_reports_runs_and_what_stays_applied() {
    let db = TestDb::create("json_output");
    let dir = project("json-pg", &db);
    write_rev(
        &dir,
        "p1",
        &[],
        "CREATE TYPE mood AS ENUM ('sad');\nCREATE TABLE t (m mood);\n",
        "DROP TABLE t;\nDROP TYPE mood;\n",
    );
    write_rev(
        &dir,
        "p2",
        &["p1"],
        "CREATE TABLE u (id int);\n",
        "DROP TABLE u;\n",
    );

    let up = json(&ok(&dir, &["upgrade", "--format", "json"]));
    assert_eq!(col(&up["revisions"], "id"), ["p1", "p2"]);
    assert_eq!(col(&up["revisions"], "statements"), [2, 1]);
    assert_eq!(up["from"], serde_json::json!([]));
    assert_eq!(up["to"], serde_json::json!(["p2"]));

    let current = json(&ok(&dir, &["current", "--format", "json"]));
    assert_eq!(
        current["current"],
        serde_json::json!([{ "id": "p2", "is_head": true }])
    );

    let verify = json(&ok(&dir, &["verify", "--format", "json"]));
    assert_eq!(verify["ok"], true);
    assert_eq!(col(&verify["steps"], "id"), ["p1", "p2", "p2", "p1"]);
    assert_eq!(verify["database_not_read"], Value::Null);

    let down = json(&ok(&dir, &["downgrade", "--format", "json"]));
    assert_eq!(col(&down["revisions"], "id"), ["p2"]);
    assert_eq!(down["to"], serde_json::json!(["p1"]));

    let p3 = write_rev(
        &dir,
        "p3",
        &["p2"],
        "-- schemadiff:no-transaction\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok';\nCREATE TABLE x (m mood);\nINSERT INTO nowhere VALUES (1);\n",
        "DROP TABLE x;\n",
    );
    let text = std::fs::read_to_string(&p3).unwrap();
    let line_of =
        |needle: &str| 1 + text.lines().position(|l| l.starts_with(needle)).unwrap() as u64;
    let r = sd(&dir, &["upgrade", "--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let doc = json(&r);
    assert_eq!(col(&doc["revisions"], "id"), ["p2"]);
    assert_eq!(doc["from"], serde_json::json!(["p1"]));
    assert_eq!(doc["to"], serde_json::json!(["p2"]));
    let e = &doc["error"];
    assert_eq!(e["revision"], "p3");
    assert_eq!(e["statement"]["line"], line_of("INSERT INTO nowhere"));
    assert_eq!(
        e["stays_applied"],
        serde_json::json!([{ "line": line_of("ALTER TYPE mood"), "text": "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'" }])
    );
    assert_eq!(col(&e["rolled_back"], "line"), [line_of("CREATE TABLE x")]);
}

#[test]
fn postgres_generate_json_names_the_unmanaged_objects_strict_refuses() {
    let db = TestDb::create("json_generate");
    let dir = project("json-pg-generate", &db);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\nCREATE AGGREGATE my_sum(int) (SFUNC = int4pl, STYPE = int);\n",
    )
    .unwrap();
    let r = sd(
        &dir,
        &["generate", "--strict", "-m", "first", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = json(&r);
    assert_eq!(doc["result"], "blocked");
    assert_eq!(doc["path"], Value::Null);
    let unmanaged = doc["unmanaged"].as_array().unwrap();
    assert_eq!(unmanaged.len(), 1, "{doc}");
    assert!(
        unmanaged[0]["key"].as_str().unwrap().contains("my_sum"),
        "{doc}"
    );
    assert!(
        unmanaged[0]["what"].as_str().unwrap().contains("aggregate"),
        "{doc}"
    );
    let written = json(&ok(&dir, &["generate", "-m", "first", "--format", "json"]));
    assert_eq!(written["result"], "written");
    assert!(
        dir.join(written["path"].as_str().unwrap()).exists(),
        "{written}"
    );
}
