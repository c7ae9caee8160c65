//! Alembic's habits and the truth at the edges (issue 17, items 3 and 4) on the real
//! PostgreSQL server: the adapter's history order, statements told as they run, the
//! checksum comparison of `check` and `verify`, and a hand-built database.

mod common;
mod pg;

use common::{read, Run};
use pg::TestDb;
use std::path::{Path, PathBuf};

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

const V1: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n";

fn project(name: &str, db: &TestDb) -> PathBuf {
    let dir = common::temp_dir(name);
    ok(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), V1).unwrap();
    dir
}

fn revision(dir: &Path, id: &str, parents: &[&str], table: &str) {
    let parents: Vec<String> = parents.iter().map(|p| p.to_string()).collect();
    let text = schemadiff::revision::render(
        id,
        &parents,
        &format!("add {table}"),
        "2026-11-21T00:00:00Z",
        &format!("CREATE TABLE {table} (id int PRIMARY KEY);\n"),
        &format!("DROP TABLE {table};\n"),
    );
    let name = format!("20261121_000000_{id}_add_{table}.sql");
    std::fs::write(dir.join("migrations").join(name), text).unwrap();
}

fn heads(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT version_num FROM public.schemadiff_version ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn postgres_edited_revision_verbose_run_and_downgrade_across_a_merge() {
    let db = TestDb::create("ah_pg_habits");
    let dir = project("ah_pg_habits", &db);
    ok(
        &dir,
        &["revision", "--autogenerate", "-m", "v1", "--rev-id", "v1"],
    );
    let r = ok(&dir, &["upgrade", "-v"]);
    assert!(
        r.stderr.contains("    CREATE TABLE") && r.stderr.contains("up v1 ran in "),
        "{}",
        r.stderr
    );

    // Two branches, b applied before a, then the merge: -1 twice undoes the merge, then a.
    revision(&dir, "a", &["v1"], "ta");
    revision(&dir, "b", &["v1"], "tb");
    ok(&dir, &["merge", "-m", "join", "heads", "--rev-id", "m"]);
    ok(&dir, &["upgrade", "b"]);
    ok(&dir, &["upgrade", "head"]);
    ok(&dir, &["downgrade", "-1"]);
    assert_eq!(heads(&db), ["a", "b"]);
    ok(&dir, &["downgrade", "-1"]);
    assert_eq!(heads(&db), ["b"]);
    ok(&dir, &["upgrade", "head"]);

    // An applied revision edited: check and verify fail in upgrade's words.
    let path = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| read(p).contains("-- id: v1\n"))
        .unwrap();
    std::fs::write(&path, read(&path) + "\n-- edited\n").unwrap();
    let words = "revision v1 was applied with checksum";
    assert!(sd(&dir, &["upgrade"]).stderr.contains(words));
    let check = sd(&dir, &["check"]);
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("[edited-revision]") && check.stdout.contains(words),
        "{}",
        check.stdout
    );
    let verify = sd(&dir, &["verify"]);
    assert_eq!(verify.code, 1, "{}\n{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains(words), "{}", verify.stdout);
    ok(&dir, &["upgrade", "--accept-edited", "v1"]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
}

#[test]
fn postgres_hand_built_database_is_told_to_stamp() {
    let db = TestDb::create("ah_pg_hand");
    let dir = project("ah_pg_hand", &db);
    ok(&dir, &["generate", "-m", "v1"]);
    db.client().batch_execute(V1).unwrap();
    let r = sd(&dir, &["upgrade"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let flat = r.flat_stderr();
    assert!(
        flat.contains("built without schemadiff") && flat.contains("`schemadiff stamp head`"),
        "{flat}"
    );
    ok(&dir, &["stamp", "head"]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
}
