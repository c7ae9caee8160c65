//! Where the canonical printer puts functions, types, triggers and comments, and in which
//! order.

use super::*;
use crate::model::{Comment, CompositeType, Domain, Function, RangeType};

fn function(name: &str, depends_on: &[&str]) -> Function {
    Function {
        schema: "app".into(),
        name: name.into(),
        identity_args: String::new(),
        procedure: false,
        arguments: String::new(),
        result: Some("integer".into()),
        definition: format!("CREATE OR REPLACE FUNCTION app.{name}()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$\n"),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
    }
}

fn domain(name: &str, base: &str, depends_on: &[&str]) -> Domain {
    Domain {
        schema: "app".into(),
        name: name.into(),
        base_type: base.into(),
        not_null: false,
        default: None,
        collation: None,
        checks: Vec::new(),
        depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
    }
}

fn table(name: &str) -> Table {
    Table {
        schema: Some("app".into()),
        name: name.into(),
        columns: vec![Column {
            name: "x".into(),
            ty: "integer".into(),
            ..Column::default()
        }],
        ..Table::default()
    }
}

fn trigger(table: &str, name: &str, enabled: Option<&str>) -> Trigger {
    Trigger {
        name: name.into(),
        table: format!("app.{table}"),
        sql: format!("CREATE TRIGGER {name} AFTER INSERT ON app.{table} FOR EACH ROW EXECUTE FUNCTION app.tf()"),
        enabled: enabled.map(str::to_string),
    }
}

/// `a_dom` over `z_dom` over a function `g`; a range with `f` as its subtype difference;
/// `rowfn` takes table `t`'s row type, `viewfn` view `v`'s.
fn schema() -> Schema {
    let mut s = Schema {
        schemas: ["app".to_string(), "public".to_string()].into(),
        ..Schema::default()
    };
    for f in [
        function("f", &[]),
        function("g", &[]),
        function("rowfn", &["app.t"]),
        function("viewfn", &["app.v"]),
        function("after_rowfn", &["app.rowfn()"]),
    ] {
        s.functions.insert(f.key(), f);
    }
    for d in [
        domain("a_dom", "app.z_dom", &["app.z_dom"]),
        domain("z_dom", "integer", &["app.g()"]),
    ] {
        s.domains.insert(format!("app.{}", d.name), d);
    }
    let range = RangeType {
        schema: "app".into(),
        name: "b_range".into(),
        subtype: "double precision".into(),
        opclass: None,
        collation: None,
        canonical: None,
        subtype_diff: Some("app.f".into()),
        multirange: None,
        depends_on: vec!["app.f()".into()],
    };
    s.ranges.insert("app.b_range".into(), range);
    let composite = CompositeType {
        schema: "app".into(),
        name: "c".into(),
        attributes: Vec::new(),
        depends_on: Vec::new(),
    };
    s.composites.insert("app.c".into(), composite);
    let of_rows = CompositeType {
        schema: "app".into(),
        name: "of_rows".into(),
        attributes: vec![crate::model::Attribute {
            name: "r".into(),
            ty: "app.t".into(),
            collation: None,
        }],
        depends_on: vec!["app.t".into()],
    };
    s.composites.insert("app.of_rows".into(), of_rows);
    s.tables.insert("app.t".into(), table("t"));
    let view = View {
        schema: Some("app".into()),
        name: "v".into(),
        sql: "CREATE VIEW app.v AS SELECT 1 AS x".into(),
        ..View::default()
    };
    s.views.insert("app.v".into(), view);
    for t in [
        trigger("t", "on_t", Some("D")),
        trigger("v", "on_v", None),
        trigger("gone", "orphan", None),
    ] {
        s.triggers
            .insert(crate::model::trigger_key(&t.table, &t.name), t);
    }
    for (on, text) in [
        (
            CommentTarget::Trigger {
                schema: "app".into(),
                table: "t".into(),
                name: "on_t".into(),
            },
            "trigger on t",
        ),
        (
            CommentTarget::Trigger {
                schema: "app".into(),
                table: "gone".into(),
                name: "orphan".into(),
            },
            "orphan trigger",
        ),
        (
            CommentTarget::Index {
                schema: "app".into(),
                name: "nowhere".into(),
            },
            "no such index",
        ),
        (
            CommentTarget::Type {
                schema: "app".into(),
                name: "c".into(),
            },
            "composite",
        ),
        (CommentTarget::Schema { name: "app".into() }, "schema"),
    ] {
        let text = text.to_string();
        s.comments.insert(on.key(), Comment { on, text });
    }
    s
}

fn position(text: &str, what: &str) -> usize {
    text.find(what)
        .unwrap_or_else(|| panic!("{what:?} is missing:\n{text}"))
}

#[test]
fn types_and_functions_come_after_what_they_need() {
    let s = schema();
    let ddl = schema_ddl(&s);
    let at = |what: &str| position(&ddl, what);
    // A domain over a domain, the inner one after the function its CHECK calls.
    assert!(at("FUNCTION app.g()") < at("CREATE DOMAIN app.z_dom"));
    assert!(at("CREATE DOMAIN app.z_dom") < at("CREATE DOMAIN app.a_dom"));
    // A range after its subtype difference function.
    assert!(at("FUNCTION app.f()") < at("CREATE TYPE app.b_range"));
    // A function on a table's row type after the table, one on a view's after the view,
    // and what depends on them after them.
    assert!(at("CREATE TABLE app.t") < at("FUNCTION app.rowfn()"));
    assert!(at("FUNCTION app.rowfn()") < at("FUNCTION app.after_rowfn()"));
    assert!(at("FUNCTION app.rowfn()") < at("CREATE VIEW app.v"));
    assert!(at("CREATE VIEW app.v") < at("FUNCTION app.viewfn()"));
    // A composite type with an attribute of a table's row type after the table.
    assert!(at("CREATE TABLE app.t") < at("CREATE TYPE app.of_rows"));
    assert!(at("CREATE TYPE app.of_rows") < at("CREATE VIEW app.v"));
    // Each definition ends with `;` right after the body.
    assert!(ddl.contains("AS $function$select 1$function$;\n"), "{ddl}");
    assert_eq!(ddl, schema_ddl(&s.clone()), "deterministic");
}

#[test]
fn snapshot_files_hold_each_object_once_where_a_reviewer_looks_for_it() {
    let s = schema();
    let files = crate::render::snapshot::postgres::files(&s);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "_functions.sql",
            "_other.sql",
            "_types.sql",
            "_views.sql",
            "app__t.sql"
        ]
    );
    let table = &files["app__t.sql"];
    let created = position(table, "CREATE TRIGGER on_t");
    assert!(created < position(table, "ALTER TABLE app.t DISABLE TRIGGER on_t;"));
    assert!(table.contains("COMMENT ON TRIGGER on_t ON app.t IS 'trigger on t';"));
    let views = &files["_views.sql"];
    assert!(position(views, "CREATE VIEW app.v") < position(views, "CREATE TRIGGER on_v"));
    assert!(
        !views.contains("ALTER TABLE"),
        "a view's trigger is always enabled"
    );
    let other = &files["_other.sql"];
    assert_eq!(
        other,
        "CREATE TRIGGER orphan AFTER INSERT ON app.gone FOR EACH ROW EXECUTE FUNCTION app.tf();\n\
         COMMENT ON TRIGGER orphan ON app.gone IS 'orphan trigger';\n\
         COMMENT ON INDEX app.nowhere IS 'no such index';\n"
    );
    let types = &files["_types.sql"];
    assert!(types.starts_with("CREATE SCHEMA app;\nCOMMENT ON SCHEMA app IS 'schema';\n"));
    assert!(types.contains("CREATE TYPE app.c AS ();\nCOMMENT ON TYPE app.c IS 'composite';\n"));
    assert!(!types.contains("FUNCTION") && !files["_functions.sql"].contains("CREATE TYPE"));
    let all: String = files.values().cloned().collect();
    assert_eq!(all.matches("COMMENT ON").count(), s.comments.len());
    assert_eq!(all.matches("CREATE TRIGGER").count(), s.triggers.len());
    assert_eq!(
        all.matches("CREATE OR REPLACE FUNCTION").count(),
        s.functions.len()
    );
}

#[test]
fn partitions_and_children_print_after_their_parents_with_every_name_quoted() {
    use crate::model::{PartitionOf, TableRef};
    let parent = TableRef {
        schema: "a\"b".into(),
        name: "Z parent".into(),
    };
    let mut s = Schema::default();
    let p = Table {
        schema: Some("a\"b".into()),
        name: "Z parent".into(),
        partition_by: Some("RANGE (x)".into()),
        ..table("unused")
    };
    let part = Table {
        schema: Some("app".into()),
        name: "a part".into(),
        columns: Vec::new(),
        partition_of: Some(PartitionOf {
            parent: parent.clone(),
            bound: "DEFAULT".into(),
        }),
        ..table("unused")
    };
    let child = Table {
        columns: Vec::new(),
        inherits: vec![parent],
        ..table("b_child")
    };
    for t in [p, part, child] {
        s.tables.insert(t.key(), t);
    }
    let ddl = schema_ddl(&s);
    let at = |needle: &str| {
        ddl.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {ddl}"))
    };
    assert!(at("CREATE TABLE \"a\"\"b\".\"Z parent\" (") < at("CREATE TABLE app.\"a part\""));
    assert!(at("CREATE TABLE \"a\"\"b\".\"Z parent\" (") < at("CREATE TABLE app.b_child"));
    assert!(ddl.contains("\n) PARTITION BY RANGE (x);"), "{ddl}");
    assert!(
        ddl.contains("CREATE TABLE app.\"a part\" PARTITION OF \"a\"\"b\".\"Z parent\" DEFAULT;"),
        "{ddl}"
    );
    assert!(
        ddl.contains("CREATE TABLE app.b_child () INHERITS (\"a\"\"b\".\"Z parent\");"),
        "{ddl}"
    );
}
