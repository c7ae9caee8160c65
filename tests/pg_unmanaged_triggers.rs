//! Triggers of relations schemadiff does not manage (foreign tables) are listed in
//! `Schema::unmanaged`, not in `Schema::triggers`: the canonical DDL does not create their
//! tables, so it cannot create them either. What depends on their function names them as
//! unmanaged objects, which the planner refuses to make again. A partitioned table's
//! trigger is managed like any other (issue 16); its clones on the partitions are not
//! objects of their own.

mod pg;

use pg::TestDb;
use schemadiff::introspect::postgres::introspect;
use schemadiff::model::{function_key, Dependent};

#[test]
fn triggers_of_foreign_tables_are_unmanaged_and_of_partitioned_tables_managed() {
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
    assert_eq!(triggers, ["public.m.on_m", "public.plain.on_plain"]);
    assert!(
        !schema.unmanaged.keys().any(|k| k.contains("on_m")),
        "{:?}",
        schema.unmanaged
    );
    assert_eq!(
        schema
            .unmanaged
            .get("trigger public.f.on_f")
            .map(String::as_str),
        Some("trigger (on a foreign table)")
    );
    // The managed trigger's comment is kept with the other comments.
    let comments: Vec<&String> = schema.comments.keys().collect();
    assert_eq!(comments, ["trigger public.m.on_m"]);
    let deps = schema.dependents.of(&function_key("public", "tg", ""));
    assert!(
        deps.contains(&Dependent::Trigger("public.m.on_m".into())),
        "{deps:?}"
    );
    // The partition's clone of on_m is neither a trigger nor a dependent of its own.
    assert!(
        !deps.iter().any(|d| format!("{d:?}").contains("m_2024")),
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
