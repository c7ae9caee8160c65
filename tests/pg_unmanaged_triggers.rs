//! Triggers of relations schemadiff does not manage (partitioned and foreign tables) are
//! listed in `Schema::unmanaged`, not in `Schema::triggers`: the canonical DDL does not
//! create their tables, so it cannot create them either. What depends on their function
//! names them as unmanaged objects, which the planner refuses to make again.

mod pg;

use pg::TestDb;
use schemadiff::introspect::postgres::introspect;
use schemadiff::model::{function_key, Dependent};

#[test]
fn triggers_of_partitioned_and_foreign_tables_are_unmanaged() {
    let db = TestDb::create("unmanaged_triggers");
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE m (id int NOT NULL, d date NOT NULL) PARTITION BY RANGE (d);
             CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE TABLE plain (id int PRIMARY KEY);
             CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER on_m BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION tg();
             COMMENT ON TRIGGER on_m ON m IS 'goes with its trigger';
             CREATE TRIGGER on_plain BEFORE INSERT ON plain FOR EACH ROW EXECUTE FUNCTION tg();
             CREATE FOREIGN DATA WRAPPER schemadiff_test_fdw;
             CREATE SERVER schemadiff_test_srv FOREIGN DATA WRAPPER schemadiff_test_fdw;
             CREATE FOREIGN TABLE f (id int) SERVER schemadiff_test_srv;
             CREATE TRIGGER on_f BEFORE INSERT ON f FOR EACH ROW EXECUTE FUNCTION tg();",
        )
        .unwrap();
    let schema = introspect(&mut client, &[]).unwrap().schema;
    let triggers: Vec<&String> = schema.triggers.keys().collect();
    assert_eq!(triggers.len(), 1, "{triggers:?}");
    assert_eq!(schema.triggers.values().next().unwrap().name, "on_plain");
    assert_eq!(
        schema
            .unmanaged
            .get("trigger public.m.on_m")
            .map(String::as_str),
        Some(
            "trigger (on a partitioned table; managed with partitioned tables in a later release)"
        )
    );
    assert_eq!(
        schema
            .unmanaged
            .get("trigger public.f.on_f")
            .map(String::as_str),
        Some("trigger (on a foreign table)")
    );
    assert!(schema.comments.is_empty(), "{:?}", schema.comments);
    // The partition's clone of on_m is neither a trigger nor an unmanaged object of its own.
    assert!(
        !schema.unmanaged.keys().any(|k| k.contains("m_2024.on_m")),
        "{:?}",
        schema.unmanaged
    );
    let deps = schema.dependents.of(&function_key("public", "tg", ""));
    assert!(
        deps.contains(&Dependent::Other("trigger public.m.on_m".into())),
        "{deps:?}"
    );
    assert!(
        deps.contains(&Dependent::Other("trigger public.f.on_f".into())),
        "{deps:?}"
    );
    assert!(
        deps.iter()
            .any(|d| matches!(d, Dependent::Trigger(k) if k.ends_with("on_plain"))),
        "{deps:?}"
    );
    drop(client);
}
