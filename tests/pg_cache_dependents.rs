//! The catalog cache keeps what depends on each function (`Schema::dependents`): a later
//! `generate` whose `from` (snapshots/ declared) is read from the cache still drops and
//! makes again the view that uses a function re-created for a new result type, and the
//! revision applies on the server.

mod common;
mod pg;

use pg::TestDb;

const V1: &str = "CREATE TABLE items (id integer PRIMARY KEY, qty integer NOT NULL);
CREATE FUNCTION double_qty(q integer) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT q * 2 $$;
CREATE VIEW item_totals AS SELECT id, double_qty(qty) AS total FROM items;
";

/// V1 with the function's result type changed (CREATE OR REPLACE cannot do that).
const V2: &str = "CREATE TABLE items (id integer PRIMARY KEY, qty integer NOT NULL);
CREATE FUNCTION double_qty(q integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT (q * 2)::bigint $$;
CREATE VIEW item_totals AS SELECT id, double_qty(qty) AS total FROM items;
";

use common::ok_with_cache as ok;

use common::cache_models as models;

#[test]
fn a_function_recreated_from_a_cached_model_takes_its_view_with_it() {
    let db = TestDb::create("cache_dependents");
    let dir = common::temp_dir("pg_cache_dependents");
    let cache = dir.join("cache");
    ok(&dir, &cache, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    let cfg = cfg.replace("postgresql://localhost/app", &db.url());
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), V1).unwrap();
    ok(&dir, &cache, &["generate", "-m", "first"]);
    ok(&dir, &cache, &["upgrade", "head"]);
    db.client()
        .batch_execute("INSERT INTO items VALUES (1, 3), (2, 5)")
        .unwrap();
    // Declares snapshots/ (nothing to write): its model is now in the cache.
    let again = ok(&dir, &cache, &["generate", "-m", "nothing"]);
    assert!(
        again.stderr.contains("No changes detected"),
        "{}",
        again.stderr
    );
    let stored = models(&cache);
    assert!(stored >= 1, "no model was cached");

    std::fs::write(dir.join("schemas/schema.sql"), V2).unwrap();
    let gen = ok(&dir, &cache, &["generate", "-v", "-m", "bigint"]);
    // snapshots/ came from the cache: only schemas/ (edited) was declared anew, and the
    // model of the new snapshot stored beside it.
    assert!(
        gen.stderr
            .lines()
            .any(|l| l.contains("snapshots") && l.contains("read from the cache")),
        "snapshots/ was not read from the cache:\n{}",
        gen.stderr
    );
    assert_eq!(models(&cache), stored + 2, "{}", gen.stderr);
    let rev = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("bigint"))
        .expect("the revision");
    let text = std::fs::read_to_string(&rev).unwrap();
    let upgrade = text.split("\n-- migrate:down\n").next().unwrap();
    assert!(
        upgrade.contains("DROP VIEW public.item_totals"),
        "the view is not dropped:\n{text}\n{}",
        gen.stderr
    );
    assert!(
        upgrade.contains("CREATE VIEW public.item_totals"),
        "the view is not made again:\n{text}"
    );
    ok(&dir, &cache, &["upgrade", "head"]);
    let totals: Vec<i64> = db
        .client()
        .query("SELECT total FROM item_totals ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(totals, [6, 10]);
    ok(&dir, &cache, &["downgrade", "-1"]);
}

fn file(text: &str) -> Vec<schemadiff::declare::SourceFile> {
    vec![schemadiff::declare::SourceFile {
        path: "schemas/schema.sql".into(),
        text: text.to_string(),
    }]
}

/// A stored model, and one an incremental reload updates from it, have the dependents of a
/// full load (`Dependents` always compare equal, so their maps are compared here).
#[test]
fn stored_and_incrementally_reloaded_models_keep_their_dependents() {
    use schemadiff::declare::cache::{declare_postgres_how, Cache, Obtained};
    use schemadiff::declare::declare_postgres_in;
    let _ = pg::admin();
    let server: schemadiff::introspect::postgres::connect::Config =
        pg::server_url().parse().unwrap();
    let cache = Cache::at(common::temp_dir("pg_cache_dependents_lib").join("cache"));
    let full = |text: &str| declare_postgres_in(&file(text), &server, &[]).unwrap();
    let expected = full(V1);
    assert!(
        !expected.dependents.0.is_empty(),
        "the view depends on the function"
    );

    let (_, how) = declare_postgres_how(&file(V1), &server, &[], Some(&cache)).unwrap();
    assert_eq!(how, Obtained::Loaded);
    let (stored, how) = declare_postgres_how(&file(V1), &server, &[], Some(&cache)).unwrap();
    assert_eq!(how, Obtained::Stored);
    assert_eq!(stored.dependents.0, expected.dependents.0, "stored");

    // A table added: the previous model is read from the cache and the new table reloaded.
    let edited = format!("{V1}CREATE TABLE extra (id integer PRIMARY KEY);\n");
    let (model, how) = declare_postgres_how(&file(&edited), &server, &[], Some(&cache)).unwrap();
    assert_eq!(how, Obtained::Incremental);
    assert_eq!(
        model.dependents.0,
        full(&edited).dependents.0,
        "incremental"
    );
}
