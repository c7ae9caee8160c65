//! `generate` stores, for the snapshot it writes, the declared model it printed it from,
//! so that the next `generate` reads snapshots/ from the catalog cache instead of loading
//! every snapshot file (issue 18). Sound only at the fixed point: a load of the printed
//! snapshot must give that model back (docs/decisions.md, "Fixed-point normalization").
//! Checked here over the PostgreSQL fixture corpus, then through the binary: an edit, the
//! cache read, the same revision as without the cache, and an edit of snapshots/ behind
//! the cache's back that makes the full load happen again.

mod common;
mod pg;

use pg::TestDb;
use schemadiff::declare::{declare_postgres_in, prerequisites, read_sources, SourceFile};
use schemadiff::engine::postgres::Postgres;
use schemadiff::engine::Engine;
use schemadiff::model::Schema;
use schemadiff::usecase::privileges::{as_printed, declared_side};
use schemadiff::Managed;
use std::path::Path;

fn server() -> schemadiff::introspect::postgres::connect::Config {
    let _ = pg::admin(); // fails saying how to start the server
    schemadiff::introspect::postgres::connect::config(&pg::server_url()).unwrap()
}

/// The server's major version, as `generate` passes it.
fn major(server: &schemadiff::introspect::postgres::connect::Config) -> String {
    let num: String = schemadiff::introspect::postgres::connect::connect_config(server)
        .unwrap()
        .query_one("SELECT current_setting('server_version_num')", &[])
        .unwrap()
        .get(0);
    (num.parse::<u32>().unwrap() / 10000).to_string()
}

/// `schema` scoped as `generate` scopes a declared side under `managed`.
fn scoped(schema: &Schema, managed: &[Managed]) -> Schema {
    let mut s = schema.clone();
    declared_side(&mut s, managed, None);
    s
}

/// The dependents of a model, each list sorted (`Dependents` always compare equal).
fn dependents(s: &Schema) -> Vec<(String, Vec<String>)> {
    s.dependents
        .0
        .iter()
        .map(|(k, v)| {
            let mut v: Vec<String> = v.iter().map(|d| format!("{d:?}")).collect();
            v.sort();
            (k.clone(), v)
        })
        .collect()
}

/// What the comparison of one fixture found.
#[derive(Debug, Default)]
struct Tally {
    /// Stored: the load of the printed snapshot gives the stored model.
    stored: usize,
    /// Not stored (something unmanaged, or prerequisites), and rightly: the load, scoped,
    /// differs from the declared side.
    skipped_differ: Vec<String>,
    /// Not stored, though the load would have given it back.
    skipped_same: usize,
}

/// For the declared model `raw` of `case`, under `managed`: what `generate` would store
/// (see `store_snapshot` in src/usecase/generate.rs), compared with a real load of the
/// printed snapshot files.
fn compare(
    case: &Path,
    raw: &Schema,
    managed: &[Managed],
    server: &schemadiff::introspect::postgres::connect::Config,
    tally: &mut Tally,
) {
    let name = format!("{} {managed:?}", case.display());
    let after = scoped(raw, managed);
    // The scoping is idempotent, as both sides are scoped after loading.
    assert!(
        scoped(&after, managed) == after,
        "{name}: scoping twice differs"
    );
    let dir = common::temp_dir("generate_edit_cache_corpus");
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    for (file, text) in Postgres::snapshot(&after) {
        std::fs::write(snapshots.join(file), text).unwrap();
    }
    let files = read_sources(&snapshots).unwrap();
    let schemas = vec![SourceFile {
        path: case.join("after.sql"),
        text: common::read(&case.join("after.sql")),
    }];
    let stored = as_printed(raw.clone(), managed, &after, Some(&major(server)))
        .filter(|_| prerequisites(&schemas, &files).is_empty());
    let loaded = declare_postgres_in(&files, server, &[]);
    match (stored, loaded) {
        (Some(stored), loaded) => {
            let loaded =
                loaded.unwrap_or_else(|e| panic!("{name}: the snapshot does not load: {e}"));
            assert!(
                stored == loaded,
                "{name}: the load of the printed snapshot differs from the stored model:\nstored: {stored:#?}\nloaded: {loaded:#?}"
            );
            assert!(
                scoped(&loaded, managed) == scoped(&stored, managed),
                "{name}: scoped, the load of the printed snapshot differs from the stored model"
            );
            assert_eq!(
                dependents(&loaded),
                dependents(&stored),
                "{name}: dependents"
            );
            assert_eq!(
                loaded.environment.user, stored.environment.user,
                "{name}: user"
            );
            tally.stored += 1;
        }
        (None, Ok(loaded)) if scoped(&loaded, managed) == after => tally.skipped_same += 1,
        (None, _) => tally.skipped_differ.push(name),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_stored_snapshot_model_is_what_a_load_of_the_snapshot_gives() {
    // The rls_* and priv_* fixtures grant to these.
    pg::ensure_test_roles();
    let server = server();
    let all = std::env::var("SCHEMADIFF_SNAPSHOT_CORPUS").is_ok_and(|v| v == "all");
    let mut tally = Tally::default();
    for (i, case) in common::cases("postgres").iter().enumerate() {
        // Every sixth case in CI, and every privileges case (two scratch loads each; every
        // fourth case took 70 s of the suite); SCHEMADIFF_SNAPSHOT_CORPUS=all compares every
        // one.
        let granting = case
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("priv_"));
        if !all && i % 6 != 0 && !granting {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(case.join("after.sql")) else {
            continue;
        };
        let files = vec![SourceFile {
            path: case.join("after.sql"),
            text,
        }];
        // A file the server refuses (an error case) writes no snapshot.
        let Ok(raw) = declare_postgres_in(&files, &server, &[]) else {
            continue;
        };
        compare(case, &raw, &[], &server, &mut tally);
        if granting {
            let managed = [Managed::Privileges, Managed::DefaultPrivileges];
            compare(case, &raw, &managed, &server, &mut tally);
        }
    }
    eprintln!("{tally:#?}");
    assert!(
        tally.stored >= 60,
        "only {} models stored: {tally:#?}",
        tally.stored
    );
}

use common::ok_with_cache as ok;

const V1: &str = "CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TABLE parent (id serial PRIMARY KEY, code varchar(10) UNIQUE, m mood DEFAULT 'ok');
CREATE TABLE child (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    parent_id int NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
    qty numeric(10,2) CHECK (qty >= 0),
    state varchar(10) CHECK (state IN ('a', 'b'))
);
CREATE INDEX ON child (lower(state)) WHERE qty > 0;
CREATE FUNCTION double_qty(q numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT q * 2 $$;
CREATE VIEW child_totals AS SELECT parent_id, sum(double_qty(qty)) AS total FROM child GROUP BY parent_id;
GRANT SELECT ON parent TO PUBLIC;
";

/// A project on `db` declaring `schema`.
fn project(name: &str, db: &TestDb, cache: &Path, schema: &str) -> std::path::PathBuf {
    let dir = common::temp_dir(name);
    ok(&dir, cache, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), schema).unwrap();
    dir
}

/// The lines `generate -v` says about snapshots/.
fn about_snapshots(r: &common::Run) -> Vec<&str> {
    r.stderr
        .lines()
        .filter(|l| l.contains("snapshots"))
        .collect()
}

/// The text of the revision whose file name contains `id`, its header (times) left out.
fn revision(dir: &Path, id: &str) -> String {
    let path = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(id))
        .unwrap_or_else(|| panic!("no revision {id}"));
    common::read(&path)
        .lines()
        .filter(|l| !l.contains("Create Date") && !l.contains("created"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn generate_after_an_edit_reads_snapshots_from_the_cache_and_writes_the_same_revision() {
    let db = TestDb::create("edit_cache");
    let root = common::temp_dir("generate_edit_cache");
    let cache = root.join("cache");
    let dir = project("generate_edit_cache/p", &db, &cache, V1);
    ok(
        &dir,
        &cache,
        &["generate", "-m", "first", "--rev-id", "aaaaaaaaaaaa"],
    );

    // One table edited: snapshots/ (written by the first generate) comes from the cache.
    let v2 = V1.replace(
        "code varchar(10) UNIQUE",
        "code varchar(20) UNIQUE, note text",
    );
    std::fs::write(dir.join("schemas/schema.sql"), &v2).unwrap();
    let copy = root.join("copy");
    let _ = std::fs::remove_dir_all(&copy);
    common::copy_dir(&dir, &copy);
    let cached = ok(
        &dir,
        &cache,
        &["generate", "-v", "-m", "edit", "--rev-id", "bbbbbbbbbbbb"],
    );
    let said = about_snapshots(&cached);
    assert!(
        said.iter().any(|l| l.contains("read from the cache")),
        "snapshots/ was not read from the cache:\n{}",
        cached.stderr
    );
    // -v times generate's own steps, last, once.
    let steps: Vec<&str> = (cached.stderr.lines())
        .filter(|l| l.trim_start().starts_with("generate: the models "))
        .collect();
    assert!(
        steps.len() == 1
            && ["compared, planned and printed ", "written ", "s in all"]
                .iter()
                .all(|step| steps[0].contains(step)),
        "no line timing generate's steps:\n{}",
        cached.stderr
    );
    // The same revision without the cache.
    common::ok_in(
        &copy,
        &[
            "generate",
            "--no-cache",
            "-m",
            "edit",
            "--rev-id",
            "bbbbbbbbbbbb",
        ],
    );
    assert_eq!(
        revision(&dir, "bbbbbbbbbbbb"),
        revision(&copy, "bbbbbbbbbbbb")
    );
    let texts = |d: &Path| -> Vec<String> {
        read_sources(&d.join("snapshots"))
            .unwrap()
            .into_iter()
            .map(|f| f.text)
            .collect()
    };
    assert_eq!(texts(&dir), texts(&copy));

    // snapshots/ edited behind the cache's back: its text is in the key, so it is loaded.
    let v3 = v2.replace("note text", "note text, extra int");
    std::fs::write(dir.join("schemas/schema.sql"), &v3).unwrap();
    let snap = read_sources(&dir.join("snapshots")).unwrap();
    let table = snap
        .iter()
        .find(|f| f.text.contains("CREATE TABLE public.parent"))
        .expect("the snapshot file of table parent");
    let edited = table.text.replace("note text", "note text NOT NULL");
    assert_ne!(edited, table.text);
    std::fs::write(&table.path, edited).unwrap();
    let behind = ok(
        &dir,
        &cache,
        &["generate", "-v", "-m", "again", "--rev-id", "cccccccccccc"],
    );
    let said = about_snapshots(&behind);
    assert!(
        !said.iter().any(|l| l.contains("read from the cache")) && !said.is_empty(),
        "an edited snapshots/ was read from the cache:\n{}",
        behind.stderr
    );
    // The revision goes from the edited snapshot (NOT NULL dropped), as a full load says.
    let text = revision(&dir, "cccccccccccc");
    assert!(text.contains("DROP NOT NULL"), "{text}\n{}", behind.stderr);
}

#[test]
fn a_snapshot_that_loses_something_of_schemas_is_not_stored() {
    // An aggregate (an object schemadiff does not manage): the snapshot leaves it out, so
    // its load differs from the declared model, which must not be stored for it.
    let db = TestDb::create("edit_cache_aggregate");
    let root = common::temp_dir("generate_edit_cache_aggregate");
    let cache = root.join("cache");
    let with =
        format!("{V1}CREATE AGGREGATE total_of(numeric) (SFUNC = numeric_add, STYPE = numeric);\n");
    let dir = project("generate_edit_cache_aggregate/p", &db, &cache, &with);
    ok(&dir, &cache, &["generate", "-m", "first"]);
    let v2 = with.replace("code varchar(10) UNIQUE", "code varchar(20) UNIQUE");
    std::fs::write(dir.join("schemas/schema.sql"), &v2).unwrap();
    let r = ok(&dir, &cache, &["generate", "-v", "-m", "edit"]);
    let said = about_snapshots(&r);
    assert!(
        !said.iter().any(|l| l.contains("read from the cache")),
        "snapshots/ was read from a model that holds what it does not:\n{}",
        r.stderr
    );
}
