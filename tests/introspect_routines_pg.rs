//! Introspection of functions, procedures, triggers, domains, composite and range types,
//! comments on every kind, dependencies and unmanaged objects on the real server: what is
//! read, that declared files (loaded into a scratch database) read the same, that objects
//! of extensions stay out, and that the number of statements does not grow with the schema.

mod common;
mod pg;

use pg::TestDb;
use schemadiff::declare::cache::{declare_postgres_how, Cache, Obtained};
use schemadiff::declare::{declare_postgres_in, SourceFile};
use schemadiff::introspect::postgres::{self as pgi, introspect, introspect_pair};
use schemadiff::model::{Dependent, Schema};
use std::fmt::Write as _;
use std::path::PathBuf;

/// One of each kind (declared in an order where a SQL function comes before its table, and
/// with two SQL functions that call each other, as `check_function_bodies = off` allows).
const EVERY_KIND: &str = r#"
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the app';
CREATE FUNCTION app.first_id() RETURNS int LANGUAGE sql STABLE AS $$ SELECT min(id) FROM app.t $$;
CREATE FUNCTION app.even(n int) RETURNS bool LANGUAGE sql AS $$ SELECT n = 0 OR app.odd(n - 1) $$;
CREATE FUNCTION app.odd(n int) RETURNS bool LANGUAGE sql AS $$ SELECT n <> 0 AND app.even(n - 1) $$;
CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b;
CREATE FUNCTION app.add(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT a || b $$;
CREATE TABLE app.t (id int PRIMARY KEY, name text, qty int CONSTRAINT qty_pos CHECK (qty > 0), updated timestamptz);
COMMENT ON CONSTRAINT qty_pos ON app.t IS 'positive';
CREATE INDEX t_name ON app.t (name);
COMMENT ON INDEX app.t_name IS 'by name';
CREATE SEQUENCE app.s;
COMMENT ON SEQUENCE app.s IS 'a sequence';
CREATE FUNCTION app.rows_of(x app.t) RETURNS SETOF app.t LANGUAGE sql STABLE AS $$ SELECT * FROM app.t WHERE id = x.id $$;
CREATE FUNCTION app.tab() RETURNS TABLE(a int, b text) LANGUAGE sql BEGIN ATOMIC SELECT app.add(id, 1), name FROM app.t; END;
CREATE FUNCTION app.sec() RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, app AS $$ BEGIN RETURN 1; END $$;
CREATE PROCEDURE app.proc(INOUT n int) LANGUAGE plpgsql AS $$ BEGIN n := n + 1; END $$;
COMMENT ON FUNCTION app.add(integer, integer) IS 'adds';
COMMENT ON PROCEDURE app.proc(int) IS 'a procedure';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated := now(); RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE OF name, qty ON app.t FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION app.touch();
CREATE FUNCTION app.stmt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER t_trans AFTER UPDATE ON app.t REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION app.stmt();
CREATE CONSTRAINT TRIGGER t_con AFTER INSERT ON app.t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION app.stmt();
CREATE TRIGGER t_off AFTER DELETE ON app.t FOR EACH ROW EXECUTE FUNCTION app.stmt();
CREATE TRIGGER t_when AFTER UPDATE ON app.t FOR EACH ROW WHEN (app.add(OLD.qty, 1) > 0) EXECUTE FUNCTION app.stmt();
ALTER TABLE app.t DISABLE TRIGGER t_off;
COMMENT ON TRIGGER t_touch ON app.t IS 'touches';
CREATE VIEW app.v AS SELECT id, name, app.add(id, 1) AS n FROM app.t;
CREATE FUNCTION app.vins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON app.v FOR EACH ROW EXECUTE FUNCTION app.vins();
CREATE TABLE app.pt (id int, x int) PARTITION BY RANGE (id);
CREATE TABLE app.pt1 PARTITION OF app.pt FOR VALUES FROM (0) TO (10);
CREATE TRIGGER pt_trg AFTER INSERT ON app.pt FOR EACH ROW EXECUTE FUNCTION app.stmt();
ALTER TABLE app.pt ENABLE ROW LEVEL SECURITY;
CREATE POLICY pt_p ON app.pt USING (x > 0);
CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1 CONSTRAINT pos CHECK (VALUE > 0) CONSTRAINT small CHECK (VALUE < app.add(1000, 1));
ALTER DOMAIN app.posint ADD CONSTRAINT notten CHECK (VALUE <> 10) NOT VALID;
COMMENT ON DOMAIN app.posint IS 'positive';
COMMENT ON CONSTRAINT pos ON DOMAIN app.posint IS 'greater than zero';
CREATE DOMAIN app.code AS varchar(10) COLLATE "C";
CREATE DOMAIN app.code2 AS app.code CHECK (length(VALUE) > 1);
CREATE TYPE app.mood AS ENUM ('ok', 'sad');
CREATE TYPE app.pair AS (a app.posint, b text COLLATE "C", m app.mood, c numeric(10,2), r app.t);
COMMENT ON TYPE app.pair IS 'a pair';
COMMENT ON COLUMN app.pair.a IS 'first';
CREATE FUNCTION app.fdiff(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT a - b $$;
CREATE TYPE app.frange AS RANGE (subtype = float8, subtype_diff = app.fdiff);
CREATE TYPE app.trange AS RANGE (subtype = text, collation = "C", multirange_type_name = app.tmulti);
COMMENT ON TYPE app.frange IS 'floats';
CREATE TABLE app.u (id int, p app.posint, pr app.pair, fr app.frange, d int DEFAULT app.add(1, 2),
  g int GENERATED ALWAYS AS (app.add(id, 1)) STORED, CONSTRAINT u_chk CHECK (app.add(id, 1) > 0));
CREATE INDEX u_idx ON app.u (app.add(id, 2));
CREATE FUNCTION app.usepair(p app.pair) RETURNS app.posint LANGUAGE sql AS $$ SELECT 1 $$;
CREATE AGGREGATE app.mysum(int) (sfunc = int4pl, stype = int);
CREATE FUNCTION app.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER schemadiff_test_evt ON ddl_command_end EXECUTE FUNCTION app.evt();
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON app.t USING (app.add(id, 0) > 0);
CREATE RULE r AS ON DELETE TO app.u DO INSTEAD NOTHING;
CREATE PUBLICATION schemadiff_test_pub FOR TABLE app.t;
CREATE UNLOGGED TABLE app.scratch (id int) WITH (fillfactor = 70);
ALTER TABLE app.u REPLICA IDENTITY FULL;
"#;

fn files(text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        path: PathBuf::from("schemas/schema.sql"),
        text: text.to_string(),
    }]
}

fn server() -> schemadiff::introspect::postgres::connect::Config {
    pg::server_url().parse().unwrap()
}

fn live(label: &str, sql: &str) -> (TestDb, Schema) {
    let db = TestDb::create(label);
    let mut client = db.client();
    // As pg_dump output restores: function bodies are not checked (the two functions that
    // call each other could not be created otherwise).
    client
        .batch_execute(&format!("SET check_function_bodies = off;\n{sql}"))
        .unwrap();
    let read = introspect(&mut client, &[]).unwrap();
    (db, read.schema)
}

#[test]
fn every_kind_is_read_and_declared_files_read_the_same() {
    let (db, schema) = live("routines_every_kind", EVERY_KIND);

    // The schema filter holds for every kind; objects of no schema are listed whatever it is.
    let public = introspect(&mut db.client(), &["public".to_string()])
        .unwrap()
        .schema;
    assert!(public.functions.is_empty() && public.triggers.is_empty());
    assert!(public.domains.is_empty() && public.composites.is_empty() && public.ranges.is_empty());
    assert!(public.comments.is_empty(), "{:?}", public.comments);
    assert_eq!(
        public.unmanaged.keys().collect::<Vec<_>>(),
        [
            "event trigger schemadiff_test_evt",
            "publication schemadiff_test_pub"
        ]
    );

    // Functions: overloads apart, procedures, results, the server's definition text.
    let add = &schema.functions["app.add(a integer, b integer)"];
    assert_eq!(add.arguments, "a integer, b integer DEFAULT 1");
    assert_eq!(add.result.as_deref(), Some("integer"));
    assert!(add
        .definition
        .starts_with("CREATE OR REPLACE FUNCTION app.add(a integer, b integer DEFAULT 1)"));
    assert!(
        add.definition.ends_with("RETURN (a + b)"),
        "{}",
        add.definition
    );
    assert!(schema.functions.contains_key("app.add(a text, b text)"));
    let proc = &schema.functions["app.proc(INOUT n integer)"];
    assert!(proc.procedure && proc.result.is_none());
    assert_eq!(
        schema.functions["app.rows_of(x app.t)"].result.as_deref(),
        Some("SETOF app.t")
    );
    assert_eq!(
        schema.functions["app.rows_of(x app.t)"].depends_on,
        ["app.t"]
    );
    let tab = &schema.functions["app.tab()"];
    assert_eq!(tab.result.as_deref(), Some("TABLE(a integer, b text)"));
    assert_eq!(
        tab.depends_on,
        ["app.add(a integer, b integer)", "app.t"],
        "a BEGIN ATOMIC body names app.add and app.t"
    );
    let sec = &schema.functions["app.sec()"].definition;
    assert!(
        sec.contains("SECURITY DEFINER") && sec.contains("SET search_path TO 'pg_catalog', 'app'")
    );
    assert_eq!(
        schema.functions["app.usepair(p app.pair)"].depends_on,
        ["app.pair", "app.posint"]
    );
    // Aggregates are not functions, and a range's constructors are not the user's.
    assert!(!schema.functions.keys().any(|k| k.contains("mysum")));
    assert!(!schema
        .functions
        .keys()
        .any(|k| k.starts_with("app.frange(")));
    assert!(!schema
        .functions
        .keys()
        .any(|k| k.starts_with("app.tmulti(")));

    // Triggers, with their enabled state.
    let touch = &schema.triggers["app.t.t_touch"];
    assert_eq!(touch.table, "app.t");
    assert_eq!(
        touch.sql,
        "CREATE TRIGGER t_touch BEFORE UPDATE OF name, qty ON app.t FOR EACH ROW WHEN ((old.name IS DISTINCT FROM new.name)) EXECUTE FUNCTION app.touch()"
    );
    assert_eq!(touch.enabled, None);
    assert_eq!(schema.triggers["app.t.t_off"].enabled.as_deref(), Some("D"));
    assert!(schema.triggers["app.t.t_trans"]
        .sql
        .contains("REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT"));
    assert!(schema.triggers["app.t.t_con"].sql.starts_with(
        "CREATE CONSTRAINT TRIGGER t_con AFTER INSERT ON app.t DEFERRABLE INITIALLY DEFERRED"
    ));
    assert!(schema.triggers["app.v.v_ins"]
        .sql
        .contains("INSTEAD OF INSERT ON app.v"));
    // A partitioned table's own trigger is managed since issue 16; its clone on the
    // partition is not an object of its own.
    assert!(schema.triggers.contains_key("app.pt.pt_trg"));
    // So is its policy (and row-level security) since partitioned tables are managed.
    assert!(schema.tables["app.pt"].policies.contains_key("pt_p"));
    assert!(!schema.unmanaged.keys().any(|k| k.contains("pt_p")));
    assert!(!schema.unmanaged.keys().any(|k| k.contains("pt_trg")));
    assert!(!schema.triggers.keys().any(|k| k.contains("pt1.pt_trg")));
    assert_eq!(schema.triggers.len(), 7, "{:?}", schema.triggers.keys());

    // Domains.
    let posint = &schema.domains["app.posint"];
    assert_eq!(posint.base_type, "integer");
    assert!(posint.not_null);
    assert_eq!(posint.default.as_deref(), Some("1"));
    let checks: Vec<_> = posint
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.definition.as_str(), c.valid))
        .collect();
    assert_eq!(
        checks,
        [
            ("notten", "CHECK ((VALUE <> 10)) NOT VALID", false),
            ("pos", "CHECK ((VALUE > 0))", true),
            ("small", "CHECK ((VALUE < app.add(1000, 1)))", true),
        ]
    );
    assert_eq!(posint.depends_on, ["app.add(a integer, b integer)"]);
    assert_eq!(
        schema.domains["app.code"].base_type,
        "character varying(10)"
    );
    assert_eq!(
        schema.domains["app.code"].collation.as_deref(),
        Some("pg_catalog.\"C\"")
    );
    assert_eq!(schema.domains["app.code2"].collation, None);
    assert_eq!(schema.domains["app.code2"].depends_on, ["app.code"]);

    // Composite and range types.
    let pair = &schema.composites["app.pair"];
    let attrs: Vec<_> = pair
        .attributes
        .iter()
        .map(|a| (a.name.as_str(), a.ty.as_str(), a.collation.as_deref()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("a", "app.posint", None),
            ("b", "text", Some("pg_catalog.\"C\"")),
            ("m", "app.mood", None),
            ("c", "numeric(10,2)", None),
            ("r", "app.t", None),
        ]
    );
    assert_eq!(pair.depends_on, ["app.mood", "app.posint", "app.t"]);
    assert_eq!(schema.composites.len(), 1, "row types are not composites");
    let frange = &schema.ranges["app.frange"];
    assert_eq!(frange.subtype, "double precision");
    assert_eq!(frange.subtype_diff.as_deref(), Some("app.fdiff"));
    assert_eq!(frange.multirange, None, "the default name");
    assert_eq!(
        frange.depends_on,
        ["app.fdiff(a double precision, b double precision)"]
    );
    let trange = &schema.ranges["app.trange"];
    assert_eq!(trange.collation.as_deref(), Some("pg_catalog.\"C\""));
    assert_eq!(trange.multirange.as_deref(), Some("tmulti"));

    // Comments on every kind without a comment field of its own.
    let comments: Vec<(&str, &str)> = schema
        .comments
        .iter()
        .map(|(k, c)| (k.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        comments,
        [
            ("attribute app.pair.a", "first"),
            ("constraint app.t.qty_pos", "positive"),
            ("domain app.posint", "positive"),
            ("domain constraint app.posint.pos", "greater than zero"),
            ("function app.add(a integer, b integer)", "adds"),
            ("index app.t_name", "by name"),
            ("procedure app.proc(INOUT n integer)", "a procedure"),
            ("schema app", "the app"),
            ("sequence app.s", "a sequence"),
            ("trigger app.t.t_touch", "touches"),
            ("type app.frange", "floats"),
            ("type app.pair", "a pair"),
        ]
    );

    // What depends on a function and on a type.
    let add_deps = schema.dependents.of("app.add(a integer, b integer)");
    for d in [
        Dependent::View("app.v".into()),
        Dependent::Constraint {
            table: "app.u".into(),
            name: "u_chk".into(),
        },
        Dependent::Default {
            table: "app.u".into(),
            column: "d".into(),
        },
        Dependent::Generated {
            table: "app.u".into(),
            column: "g".into(),
        },
        Dependent::Index {
            table: "app.u".into(),
            name: "u_idx".into(),
        },
        Dependent::Domain("app.posint".into()),
        Dependent::Function("app.tab()".into()),
        Dependent::Policy {
            table: "app.t".into(),
            name: "p".into(),
        },
        // What a trigger's WHEN condition calls (depends.sql), besides its own function
        // (triggers.sql).
        Dependent::Trigger("app.t.t_when".into()),
    ] {
        assert!(add_deps.contains(&d), "{d:?} missing in {add_deps:?}");
    }
    assert_eq!(
        schema.dependents.of("app.stmt()"),
        [
            Dependent::Trigger("app.pt.pt_trg".into()),
            Dependent::Trigger("app.t.t_con".into()),
            Dependent::Trigger("app.t.t_off".into()),
            Dependent::Trigger("app.t.t_trans".into()),
            Dependent::Trigger("app.t.t_when".into()),
        ]
    );
    assert_eq!(
        schema.dependents.of("app.evt()"),
        [Dependent::Other("event trigger schemadiff_test_evt".into())]
    );
    let posint_deps = schema.dependents.of("app.posint");
    assert!(posint_deps.contains(&Dependent::Type("app.pair".into())));
    assert!(posint_deps.contains(&Dependent::Function("app.usepair(p app.pair)".into())));
    assert!(posint_deps.contains(&Dependent::Other("column app.u.p".into())));

    // Row-level security of a plain table is managed, no longer listed.
    let t = &schema.tables["app.t"];
    assert!(t.row_security && !t.force_row_security);
    let p = &t.policies["p"];
    assert_eq!(p.using.as_deref(), Some("(app.add(id, 0) > 0)"));
    assert_eq!(p.roles, ["public"]);
    assert!(p.permissive && p.with_check.is_none());
    assert!(!schema
        .unmanaged
        .keys()
        .any(|k| k.contains("app.t.p") || k.ends_with("security app.t")));

    // Nothing silent.
    for (key, what) in [
        ("aggregate app.mysum(integer)", "aggregate"),
        ("event trigger schemadiff_test_evt", "event trigger"),
        ("rule app.u.r", "rule"),
        ("publication schemadiff_test_pub", "publication"),
        ("unlogged app.scratch", "unlogged table"),
        (
            "storage parameters app.scratch",
            "storage parameters: fillfactor=70",
        ),
        ("replica identity app.u", "replica identity full"),
    ] {
        assert_eq!(
            schema.unmanaged.get(key).map(String::as_str),
            Some(what),
            "{key} in {:?}",
            schema.unmanaged
        );
    }
    assert!(
        !schema.unmanaged.keys().any(|k| k.starts_with("cast")),
        "a range's casts to its multirange are its own: {:?}",
        schema.unmanaged
    );

    // Declared files read the same (loaded with check_function_bodies off: app.first_id
    // is declared before app.t), also with their statements in reverse order.
    let declared = declare_postgres_in(&files(EVERY_KIND), &server(), &[]).unwrap();
    assert_eq!(declared, schema);
    let mut reversed: Vec<&str> = EVERY_KIND.split(";\n").collect();
    reversed.reverse();
    let reversed = declare_postgres_in(&files(&reversed.join(";\n")), &server(), &[]).unwrap();
    assert_eq!(reversed, schema);
    assert_eq!(
        format!("{:?}", declared.dependents),
        format!("{:?}", schema.dependents)
    );
}

#[test]
fn objects_of_extensions_stay_out_and_versions_are_read() {
    let sql = "CREATE EXTENSION citext; CREATE EXTENSION pg_trgm;
        CREATE TABLE t (id int, name citext);
        CREATE INDEX t_trgm ON t USING gin ((name::text) gin_trgm_ops);";
    let (_db, schema) = live("routines_extensions", sql);
    assert!(schema.functions.is_empty(), "{:?}", schema.functions.keys());
    assert!(schema.domains.is_empty() && schema.composites.is_empty() && schema.ranges.is_empty());
    assert!(schema.comments.is_empty(), "{:?}", schema.comments);
    assert!(schema.unmanaged.is_empty(), "{:?}", schema.unmanaged);
    let citext = &schema.extensions["citext"];
    assert!(citext.version.as_deref().is_some_and(|v| !v.is_empty()));
    assert!(schema.dependents.0.is_empty(), "{:?}", schema.dependents);
}

/// `n` tables, each with a function, a trigger calling it, a CHECK and a policy calling it.
fn tables_with_routines(n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut sql = String::new();
        writeln!(
            sql,
            "CREATE FUNCTION f{i}(x int) RETURNS int LANGUAGE sql IMMUTABLE RETURN x + {i};
CREATE TABLE t{i} (id int PRIMARY KEY, n int CHECK (f{i}(n) > 0));
CREATE FUNCTION trg{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t{i}_trg BEFORE INSERT ON t{i} FOR EACH ROW EXECUTE FUNCTION trg{i}();
COMMENT ON FUNCTION f{i}(int) IS 'f';
ALTER TABLE t{i} ENABLE ROW LEVEL SECURITY;
CREATE POLICY t{i}_p ON t{i} FOR SELECT USING (f{i}(n) > 0);"
        )
        .unwrap();
        out.push(sql);
    }
    out
}

#[test]
fn the_same_number_of_statements_for_10_and_2000_tables_with_functions_and_triggers() {
    for n in [10, 2000] {
        let db = TestDb::create(&format!("routines_count_{n}"));
        let mut client = db.client();
        for chunk in tables_with_routines(n).chunks(100) {
            client.batch_execute(&chunk.concat()).unwrap();
        }
        let read = introspect(&mut client, &[]).unwrap();
        assert_eq!(read.schema.tables.len(), n);
        assert_eq!(read.schema.functions.len(), 2 * n);
        assert_eq!(read.schema.triggers.len(), n);
        assert_eq!(read.schema.comments.len(), n);
        let policies = read
            .schema
            .tables
            .values()
            .map(|t| t.policies.len())
            .sum::<usize>();
        assert_eq!(policies, n);
        assert!(read.schema.tables.values().all(|t| t.row_security));
        assert_eq!(read.queries, pgi::STATEMENTS, "{n} tables");
        let pair = introspect_pair(&mut client, &mut db.client(), &[]).unwrap();
        assert_eq!(pair.schema, read.schema);
        assert_eq!(
            pair.queries,
            pgi::PAIR_STATEMENTS,
            "{n} tables, two connections"
        );
    }
    assert_eq!(pgi::STATEMENTS, 18);
    assert_eq!(pgi::PAIR_STATEMENTS, 19);
}

/// Forms whose first print, loaded again, prints differently: `IN` lists on `varchar` in a
/// domain's CHECK and default, a trigger's WHEN and a `BEGIN ATOMIC` body.
const REPRINTED: &str = r#"
CREATE DOMAIN d1 AS varchar(5) DEFAULT ('a'::varchar || '') CONSTRAINT d1_in CHECK (VALUE IN ('a', 'b'));
CREATE TABLE tt (s varchar(5), n int);
CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tt1 BEFORE UPDATE ON tt FOR EACH ROW WHEN (NEW.s IN ('a', 'b')) EXECUTE FUNCTION tf();
ALTER TABLE tt DISABLE TRIGGER tt1;
COMMENT ON TRIGGER tt1 ON tt IS 'kept';
COMMENT ON CONSTRAINT d1_in ON DOMAIN d1 IS 'kept too';
CREATE FUNCTION fa(x varchar) RETURNS bool LANGUAGE sql BEGIN ATOMIC SELECT x IN ('a', 'b'); END;
CREATE FUNCTION fr(x varchar) RETURNS bool LANGUAGE sql RETURN x IN ('a', 'b');
"#;

/// DDL that builds what `schema` (read from REPRINTED) holds, from its printed texts.
fn printed(schema: &Schema) -> String {
    let d = &schema.domains["public.d1"];
    let mut sql = format!(
        "CREATE DOMAIN public.d1 AS {} DEFAULT {}",
        d.base_type,
        d.default.as_deref().unwrap()
    );
    for c in &d.checks {
        write!(sql, " CONSTRAINT {} {}", c.name, c.definition).unwrap();
    }
    sql.push_str(";\nCREATE TABLE public.tt (s varchar(5), n int);\n");
    for f in schema.functions.values() {
        writeln!(sql, "{};", f.definition).unwrap();
    }
    for t in schema.triggers.values() {
        writeln!(sql, "{};", t.sql).unwrap();
    }
    sql.push_str("ALTER TABLE public.tt DISABLE TRIGGER tt1;\n");
    sql.push_str("COMMENT ON TRIGGER tt1 ON public.tt IS 'kept';\n");
    sql.push_str("COMMENT ON CONSTRAINT d1_in ON DOMAIN public.d1 IS 'kept too';\n");
    sql
}

#[test]
fn declared_functions_triggers_and_domains_are_at_the_fixed_point() {
    let first = declare_postgres_in(&files(REPRINTED), &server(), &[]).unwrap();
    assert_eq!(
        first.triggers["public.tt.tt1"].enabled.as_deref(),
        Some("D")
    );
    assert_eq!(first.comments.len(), 2, "{:?}", first.comments);
    // The model's texts, loaded again, print as themselves.
    let again = declare_postgres_in(&files(&printed(&first)), &server(), &[]).unwrap();
    assert_eq!(again.functions, first.functions);
    assert_eq!(again.triggers, first.triggers);
    assert_eq!(again.domains, first.domains);
    assert_eq!(again.comments, first.comments);
}

/// Declares `before` through a fresh cache, then `after`; returns how `after` was obtained
/// after checking its model equals a full load's. (Dependents are not compared: they are
/// never serialized, so a model from the catalog cache has none; the merge of the reloaded
/// tables' dependents is unit-tested in `declare/postgres/incremental/routines.rs`.)
fn edit(name: &str, before: &str, after: &str) -> Obtained {
    let cache = Cache::at(common::temp_dir(&format!("routines_incremental_{name}")).join("cache"));
    let (_, first) = declare_postgres_how(&files(before), &server(), &[], Some(&cache)).unwrap();
    assert_eq!(first, Obtained::Loaded);
    let (model, how) = declare_postgres_how(&files(after), &server(), &[], Some(&cache)).unwrap();
    let full = declare_postgres_in(&files(after), &server(), &[]).unwrap();
    assert_eq!(
        model, full,
        "{name}: the {how:?} model differs from a full load"
    );
    how
}

const ROUTINES_BASE: &str = "
CREATE FUNCTION f() RETURNS int LANGUAGE sql IMMUTABLE RETURN 1;
CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql AS $$ SELECT x FROM b $$;
CREATE DOMAIN pos AS int CHECK (VALUE > f() - 1);
CREATE TYPE pair AS (a int, b text);
COMMENT ON SCHEMA public IS 'mine';
CREATE TABLE a (id int DEFAULT f(), p pos);
CREATE TABLE b (id int CHECK (id > f()));
CREATE TABLE c (id int, q pair);
CREATE TABLE d (id int);
";

#[test]
fn an_incremental_reload_with_functions_domains_and_types_equals_a_full_load() {
    // A table no longer calling the function, nor using the domain.
    let after = ROUTINES_BASE.replace(
        "CREATE TABLE a (id int DEFAULT f(), p pos);",
        "CREATE TABLE a (id int, p int);",
    );
    assert_eq!(
        edit("drop_uses", ROUTINES_BASE, &after),
        Obtained::Incremental
    );
    // A table starting to call it.
    let after = ROUTINES_BASE.replace(
        "CREATE TABLE d (id int);",
        "CREATE TABLE d (id int DEFAULT f() CHECK (id > f()), q pair);",
    );
    assert_eq!(
        edit("add_uses", ROUTINES_BASE, &after),
        Obtained::Incremental
    );
    // Changed functions, domains, types: a full load.
    for (what, from, to) in [
        ("function", "RETURN 1;", "RETURN 2;"),
        ("domain", "VALUE > f() - 1", "VALUE > f()"),
        ("type", "(a int, b text)", "(a int, b varchar)"),
    ] {
        let after = ROUTINES_BASE.replace(from, to);
        assert_eq!(
            edit(what, ROUTINES_BASE, &after),
            Obtained::Loaded,
            "{what}"
        );
    }
    // A trigger in the files: only the edited table is reloaded, with its triggers (their
    // functions are not changed), and the result equals a full load.
    let with_trigger = format!(
        "{ROUTINES_BASE}CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t BEFORE INSERT ON d FOR EACH ROW EXECUTE FUNCTION tf();\n"
    );
    let after = with_trigger.replace("CREATE TABLE d (id int);", "CREATE TABLE d (id bigint);");
    assert_eq!(
        edit("trigger", &with_trigger, &after),
        Obtained::Incremental
    );
}

#[test]
fn a_pg_dump_of_every_kind_is_declared_as_is_and_equals_its_database() {
    let (db, schema) = live("routines_dump", EVERY_KIND);
    let dump = db.pg_dump_schema(&[]);
    for kind in [
        "CREATE FUNCTION app.add(a integer, b integer DEFAULT 1)",
        "CREATE PROCEDURE app.proc",
        "CREATE TRIGGER t_touch",
        "CREATE CONSTRAINT TRIGGER t_con",
        "CREATE DOMAIN app.posint",
        "CREATE TYPE app.pair AS",
        "CREATE TYPE app.frange AS RANGE",
    ] {
        assert!(dump.contains(kind), "{kind} not in the dump");
    }
    let declared = declare_postgres_in(&files(&dump), &server(), &[]).unwrap();
    assert_eq!(declared, schema);
}
