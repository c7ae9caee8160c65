//! The revision workflow end to end on real SQLite databases, through the binary: the
//! Alembic seed workflow, `--sql` applied by the `sqlite3` shell, a failing revision, an
//! edited applied revision, stamp, two branches merged, and two concurrent upgrades.

mod common;

use common::*;
use rusqlite::Connection;
use schemadiff::introspect::sqlite::introspect;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

/// A project whose schemas/ holds `schemas/v1` of this repository.
fn project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    ok(&dir, &["init"]);
    std::fs::remove_file(dir.join("schemas/schema.sql")).unwrap();
    set_schema(&dir, "v1");
    dir
}

fn set_schema(dir: &Path, version: &str) {
    for entry in std::fs::read_dir(root().join("schemas").join(version)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join("schemas").join(p.file_name().unwrap())).unwrap();
    }
}

fn declared(version: &str) -> schemadiff::model::Schema {
    let files = schemadiff::declare::read_sources(&root().join("schemas").join(version)).unwrap();
    schemadiff::declare::declare_sqlite(&files).unwrap()
}

fn live(dir: &Path) -> schemadiff::model::Schema {
    introspect(&Connection::open(dir.join("app.db")).unwrap()).unwrap()
}

fn heads(dir: &Path) -> Vec<String> {
    common::sqlite_strings(&dir.join("app.db"), common::HEADS_SQL)
}

fn revisions(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The revision file whose message is `message` (file names generated within one second do
/// not sort in creation order).
fn rev_file(dir: &Path, message: &str) -> PathBuf {
    revisions(dir)
        .into_iter()
        .find(|p| {
            read(p)
                .lines()
                .any(|l| l == format!("-- message: {message}"))
        })
        .unwrap_or_else(|| panic!("no revision with message {message}"))
}

fn id_of(path: &Path) -> String {
    read(path)
        .lines()
        .find_map(|l| l.strip_prefix("-- id: "))
        .unwrap()
        .to_string()
}

#[test]
fn the_seed_workflow_round_trips_with_data() {
    let dir = project("wf-seed");
    ok(&dir, &["generate", "-m", "blog v1"]);
    ok(&dir, &["upgrade", "head"]);
    assert_eq!(live(&dir), declared("v1"));
    let v1 = id_of(&rev_file(&dir, "blog v1"));
    assert_eq!(ok(&dir, &["current"]).stdout, format!("{v1} (head)\n"));
    let conn = Connection::open(dir.join("app.db")).unwrap();
    conn.execute_batch("INSERT INTO authors (id, email) VALUES (1, 'a@x.io'); INSERT INTO posts (id, author_id, title, status) VALUES (1, 1, 'hi', NULL);").unwrap();
    drop(conn);

    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "blog v2"]);
    assert!(sd(&dir, &["generate", "-m", "again"])
        .stderr
        .contains("No changes detected"));
    assert_eq!(
        revisions(&dir).len(),
        2,
        "no file written when nothing changed"
    );
    ok(&dir, &["upgrade"]);
    assert_eq!(live(&dir), declared("v2"));
    ok(&dir, &["downgrade", "-1"]);
    assert_eq!(live(&dir), declared("v1"));
    assert_eq!(heads(&dir), std::slice::from_ref(&v1));
    ok(&dir, &["upgrade", "+1"]);
    assert_eq!(live(&dir), declared("v2"));
    let conn = Connection::open(dir.join("app.db")).unwrap();
    let status: String = conn
        .query_row("SELECT status FROM posts WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        status, "draft",
        "rows survive the round trip, NULL backfilled"
    );
    let history = ok(&dir, &["history"]).stdout;
    let v2 = id_of(&rev_file(&dir, "blog v2"));
    assert_eq!(
        history,
        format!("{v1} -> {v2} (head), blog v2\n<base> -> {v1}, blog v1\n")
    );
    ok(&dir, &["downgrade", "base"]);
    assert!(live(&dir).is_empty());
    assert!(heads(&dir).is_empty());
}

#[test]
fn offline_sql_applied_by_the_shell_equals_upgrade() {
    let dir = project("wf-sql");
    ok(&dir, &["generate", "-m", "v1"]);
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let script = ok(&dir, &["upgrade", "--sql", "base:head"]).stdout;
    let shell_db = dir.join("shell.db");
    let (good, err) = sqlite3_shell(&shell_db, &script);
    assert!(good, "{err}");
    ok(&dir, &["upgrade", "head"]);
    assert_eq!(
        introspect(&Connection::open(&shell_db).unwrap()).unwrap(),
        live(&dir)
    );
    let down = ok(&dir, &["downgrade", "--sql", "head:base"]).stdout;
    let (good, err) = sqlite3_shell(&shell_db, &down);
    assert!(good, "{err}");
    assert!(introspect(&Connection::open(&shell_db).unwrap())
        .unwrap()
        .is_empty());
}

#[test]
fn a_failing_revision_names_itself_and_changes_nothing() {
    let dir = project("wf-fail");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    let before = live(&dir);
    let v1 = heads(&dir);
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    // Break the second statement of the new revision (first statement stays valid).
    let path = rev_file(&dir, "v2");
    let text = read(&path).replacen(
        "ALTER TABLE authors ADD COLUMN bio TEXT;",
        "ALTER TABLE authors ADD COLUMN bio TEXT;\nINSERT INTO nowhere VALUES (1);",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let r = sd(&dir, &["upgrade"]);
    assert_eq!(r.code, 2);
    let flat = r
        .stderr
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(&id_of(&path))
            && flat.contains("INSERT INTO nowhere")
            && flat.contains("no such table: nowhere"),
        "{}",
        r.stderr
    );
    assert_eq!(
        live(&dir),
        before,
        "nothing of the failed revision is applied"
    );
    assert_eq!(heads(&dir), v1, "the version table is untouched");
}

#[test]
fn an_edited_applied_revision_is_refused_until_accepted() {
    let dir = project("wf-edit");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    let path = rev_file(&dir, "v1");
    std::fs::write(&path, read(&path) + "\n-- an edit after it was applied\n").unwrap();
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let r = sd(&dir, &["upgrade"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("was applied with checksum") && r.stderr.contains("--accept-edited"),
        "{}",
        r.stderr
    );
    let id = id_of(&path);
    ok(&dir, &["upgrade", "--accept-edited", &id]);
    assert_eq!(live(&dir), declared("v2"));
}

#[test]
fn stamp_adopts_an_existing_database() {
    let dir = project("wf-stamp");
    ok(&dir, &["generate", "-m", "v1"]);
    // A database built by hand at v1, with rows, as teams adopting schemadiff have.
    let conn = Connection::open(dir.join("app.db")).unwrap();
    schemadiff::declare::load_sqlite(
        &conn,
        &schemadiff::declare::read_sources(&root().join("schemas/v1")).unwrap(),
    )
    .unwrap();
    conn.execute_batch("INSERT INTO authors (id, email) VALUES (1, 'a@x.io')")
        .unwrap();
    drop(conn);
    ok(&dir, &["stamp", "head"]);
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    ok(&dir, &["upgrade"]);
    assert_eq!(live(&dir), declared("v2"));
}

#[test]
fn two_branches_are_merged() {
    //  v1 ── a (adds table a)
    //     └─ b (adds table b)   then: merge a b
    let dir = project("wf-merge");
    ok(&dir, &["generate", "-m", "v1"]);
    let v1 = id_of(&rev_file(&dir, "v1"));
    let branch = |id: &str, table: &str| {
        let text = schemadiff::revision::render(
            id,
            std::slice::from_ref(&v1),
            &format!("add {table}"),
            "2026-11-21T00:00:00Z",
            &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n"),
            &format!("DROP TABLE {table};\n"),
        );
        std::fs::write(
            dir.join("migrations")
                .join(format!("20261121_000000_{id}_add_{table}.sql")),
            text,
        )
        .unwrap();
    };
    branch("aaaaaaaaaaaa", "ta");
    branch("bbbbbbbbbbbb", "tb");
    let r = sd(&dir, &["upgrade", "head"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("several heads") && r.stderr.contains("merge"),
        "{}",
        r.stderr
    );
    ok(&dir, &["upgrade", "heads"]);
    assert_eq!(heads(&dir), ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
    let branches = ok(&dir, &["branches"]).stdout;
    assert!(
        branches.starts_with(&format!("{v1} (branchpoint)"))
            && branches.contains("aaaaaaaaaaaa, bbbbbbbbbbbb"),
        "{branches}"
    );
    let show = ok(&dir, &["show", "aaaa"]).stdout;
    assert!(
        show.starts_with("Rev: aaaaaaaaaaaa\n") && show.contains("CREATE TABLE ta"),
        "{show}"
    );
    let not_heads = sd(&dir, &["merge", "-m", "odd", &v1, "aaaa"]);
    assert_eq!(not_heads.code, 2);
    assert!(
        not_heads.stderr.contains("is not a head"),
        "{}",
        not_heads.stderr
    );
    ok(&dir, &["merge", "-m", "join"]);
    assert_eq!(ok(&dir, &["heads"]).stdout.lines().count(), 1);
    ok(&dir, &["upgrade", "head"]);
    assert_eq!(heads(&dir).len(), 1);
    let tables = live(&dir).tables;
    assert!(tables.contains_key("ta") && tables.contains_key("tb"));
    ok(&dir, &["downgrade", "aaaaaaaaaaaa"]);
    let tables = live(&dir).tables;
    assert!(tables.contains_key("ta") && !tables.contains_key("tb"));
}

#[test]
fn concurrent_upgrades_apply_each_revision_once() {
    let dir = project("wf-concurrent");
    ok(&dir, &["generate", "-m", "v1"]);
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let (a, b) = common::upgrade_twice_at_once(&dir);
    assert!(
        a.status.success() && b.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    let conn = Connection::open(dir.join("app.db")).unwrap();
    let ups: i64 = conn
        .query_row(
            "SELECT count(*) FROM schemadiff_history WHERE direction = 'up'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ups, 2, "each of the two revisions ran exactly once");
    assert_eq!(live(&dir), declared("v2"));
}

#[test]
fn check_exits_0_when_clean_and_1_for_each_cause() {
    let dir = project("wf-check");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    assert!(ok(&dir, &["check"]).stdout.contains("clean"));

    // (a) schemas/ changed, no revision holds it.
    set_schema(&dir, "v2");
    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("[unrevisioned-changes]") && r.stdout.contains("table tags is new"),
        "{}",
        r.stdout
    );

    // (b) revision written, database not at head.
    ok(&dir, &["generate", "-m", "v2"]);
    let r = sd(&dir, &["check", "--format", "json"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["not-at-head"]);

    // (c) someone changed the database by hand.
    ok(&dir, &["upgrade"]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
    Connection::open(dir.join("app.db"))
        .unwrap()
        .execute_batch("CREATE INDEX by_hand ON posts (title)")
        .unwrap();
    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("[drift]") && r.stdout.contains("index by_hand"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_catches_a_broken_downgrade() {
    let dir = project("wf-verify");
    ok(&dir, &["generate", "-m", "v1"]);
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    assert!(ok(&dir, &["verify"])
        .stdout
        .contains("verify: ok (2 revision(s)"));
    // Break v2's downgrade: it forgets to drop the table v2 created.
    let path = rev_file(&dir, "v2");
    let text = read(&path);
    let (up, down) = text.split_once("-- migrate:down\n").unwrap();
    std::fs::write(
        &path,
        format!(
            "{up}-- migrate:down\n{}",
            down.replace("DROP TABLE tags;", "")
        ),
    )
    .unwrap();
    let r = sd(&dir, &["verify"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("the downgrade of {}", id_of(&path)))
            && r.stdout.contains("table tags"),
        "{}",
        r.stdout
    );
}

#[test]
fn kill_9_in_the_middle_of_an_upgrade_leaves_the_previous_revision() {
    let dir = project("wf-kill");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    let v1 = heads(&dir);
    let slow = "CREATE TABLE big (x INTEGER);\nINSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT x FROM c;\n";
    let text = schemadiff::revision::render(
        "ffffffffffff",
        &v1,
        "slow",
        "2026-11-21T00:00:00Z",
        slow,
        "DROP TABLE big;\n",
    );
    std::fs::write(
        dir.join("migrations/20261121_235959_ffffffffffff_slow.sql"),
        text,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(["upgrade", "head"])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the revision is writing (SQLite's rollback journal exists), then kill -9.
    let journal = dir.join("app.db-journal");
    let started = std::time::Instant::now();
    while !journal.exists() && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the slow revision finished before it could be killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // schemadiff itself must cope with the journal the killed run left (no other program
    // has opened the database since).
    let current = ok(&dir, &["current"]).stdout;
    assert_eq!(
        current,
        format!("{}\n", v1[0]),
        "still at v1, which is no longer head"
    );
    assert_eq!(heads(&dir), v1, "the version table still says v1");
    assert!(
        !live(&dir).tables.contains_key("big"),
        "nothing of the killed revision remains"
    );
    assert_eq!(live(&dir), declared("v1"));
    // The lock died with the process: the next run is not blocked (the revision is replaced
    // by a quick one so the test stays fast).
    let quick = schemadiff::revision::render(
        "ffffffffffff",
        &v1,
        "slow",
        "2026-11-21T00:00:00Z",
        "CREATE TABLE big (x INTEGER);\n",
        "DROP TABLE big;\n",
    );
    std::fs::write(
        dir.join("migrations/20261121_235959_ffffffffffff_slow.sql"),
        quick,
    )
    .unwrap();
    ok(&dir, &["upgrade", "head"]);
    assert!(live(&dir).tables.contains_key("big"));
}

#[test]
fn reading_commands_never_create_the_database() {
    let dir = project("wf-no-create");
    ok(&dir, &["generate", "-m", "v1"]);
    for cmd in ["current", "check"] {
        let r = sd(&dir, &[cmd]);
        assert_eq!(r.code, 2, "{cmd}: {}", r.stderr);
        assert!(
            r.stderr.contains("app.db does not exist"),
            "{cmd}: {}",
            r.stderr
        );
    }
    assert!(!dir.join("app.db").exists());
    ok(&dir, &["upgrade"]);
    assert!(ok(&dir, &["current"]).stdout.ends_with("(head)\n"));
}

#[test]
fn history_range_stamp_purge_and_generate_from_db() {
    let dir = project("wf-range-purge");
    ok(&dir, &["generate", "-m", "v1"]);
    let v1 = id_of(&rev_file(&dir, "v1"));
    set_schema(&dir, "v2");
    // --from-db needs the database at head.
    ok(&dir, &["stamp", "base"]);
    let r = sd(&dir, &["generate", "-m", "v2", "--from-db"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("Target database is not up to date"),
        "{}",
        r.stderr
    );
    ok(&dir, &["upgrade", "head"]);
    ok(&dir, &["generate", "-m", "v2", "--from-db"]);
    let v2 = id_of(&rev_file(&dir, "v2"));
    // -r: only what comes after v1.
    let h = ok(&dir, &["history", "-r", &format!("{v1}:head")]).stdout;
    assert!(h.contains(&v2) && !h.contains(&format!("-> {v1}")), "{h}");
    let all = ok(&dir, &["history", "-r", "base:head"]).stdout;
    assert!(all.contains(&v1) && all.contains(&v2), "{all}");
    // A version table naming a revision no file has: stamp refuses unless --purge.
    let conn = Connection::open(dir.join("app.db")).unwrap();
    conn.execute(
        "UPDATE schemadiff_version SET version_num = 'deadbeef0000'",
        [],
    )
    .unwrap();
    let r = sd(&dir, &["stamp", "head"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("deadbeef0000"), "{}", r.stderr);
    ok(&dir, &["stamp", "head", "--purge"]);
    assert_eq!(heads(&dir), vec![v2]);
}

#[test]
fn an_empty_revision_carries_no_hazards_so_strict_lets_it_through() {
    let dir = project("wf_empty_strict");
    ok(&dir, &["generate", "-m", "v1"]);
    // Going back to nothing would drop every table: blocking hazards for a real revision.
    for entry in std::fs::read_dir(dir.join("schemas")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    std::fs::write(dir.join("schemas/empty.sql"), "").unwrap();
    let strict = sd(&dir, &["generate", "-m", "drop all", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict.stderr.contains("hazard[deletes-data]"),
        "{}",
        strict.stderr
    );
    let empty = ok(&dir, &["generate", "-m", "data fix", "--empty", "--strict"]);
    assert!(!empty.stderr.contains("hazard["), "{}", empty.stderr);
}

#[test]
fn postgres_options_in_a_sqlite_project_are_reported_not_silently_ignored() {
    let dir = project("wf_pg_options_sqlite");
    let mut cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    cfg.push_str("\n[postgres]\nconcurrent_indexes = true\n");
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    let r = ok(&dir, &["generate", "-m", "v1"]);
    assert!(
        r.stderr
            .contains("[postgres] in schemadiff.toml does not apply"),
        "{}",
        r.stderr
    );
    let flag = sd(&dir, &["generate", "-m", "v2", "--concurrently"]);
    assert_eq!(flag.code, 2, "{}", flag.stderr);
    assert!(
        flag.flat_stderr().contains("apply to PostgreSQL only"),
        "{}",
        flag.stderr
    );
}

#[test]
fn check_through_the_catalog_cache_still_finds_every_cause() {
    let dir = project("wf-check-cache");
    let cache = temp_dir("wf-check-cache-dir");
    // The check record would spare check the cache: this test is about the cache.
    let record = dir.join("snapshots/schemadiff-record.json");
    let run = |args: &[&str]| {
        let r = common::run_env(&dir, args, &[("SCHEMADIFF_CACHE_DIR", &cache)]);
        let _ = std::fs::remove_file(&record);
        r
    };
    assert_eq!(run(&["generate", "-m", "v1"]).code, 0);
    assert_eq!(run(&["upgrade"]).code, 0);
    let first = run(&["check"]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    // snapshots/, schemas/, the replayed revision and the live catalog.
    let stored = common::cache_models(&cache);
    assert!(stored >= 4, "{stored} entries");
    let second = run(&["check"]);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    assert_eq!(
        common::cache_models(&cache),
        stored,
        "the second check stored nothing"
    );

    // Drift: the live catalog is read every time, so a changed database is a new entry.
    let db = || Connection::open(dir.join("app.db")).unwrap();
    db().execute_batch("CREATE INDEX by_hand ON posts (title)")
        .unwrap();
    let r = run(&["check"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("[drift]") && r.stdout.contains("index by_hand"),
        "{}",
        r.stdout
    );
    db().execute_batch("DROP INDEX by_hand").unwrap();
    assert_eq!(run(&["check"]).code, 0);

    // Unrevisioned changes in schemas/, then not at head.
    set_schema(&dir, "v2");
    let r = run(&["check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("[unrevisioned-changes]") && r.stdout.contains("table tags is new"),
        "{}",
        r.stdout
    );
    assert_eq!(run(&["generate", "-m", "v2"]).code, 0);
    let r = run(&["check"]);
    assert!(
        r.stdout.contains("[not-at-head]") && !r.stdout.contains("[drift]"),
        "{}",
        r.stdout
    );

    // Entries that are not models (all alike) are not taken for equal models.
    assert_eq!(run(&["upgrade"]).code, 0);
    db().execute_batch("CREATE INDEX by_hand ON posts (title)")
        .unwrap();
    assert_eq!(run(&["check"]).code, 1);
    for e in std::fs::read_dir(&cache).unwrap() {
        std::fs::write(e.unwrap().path(), "garbage").unwrap();
    }
    let r = run(&["check"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("index by_hand") && !r.stdout.contains("[unrevisioned-changes]"),
        "{}",
        r.stdout
    );
}
