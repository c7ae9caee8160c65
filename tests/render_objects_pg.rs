//! The rendered SQL of functions, procedures, triggers, domains, composite and range types
//! and comments, executed on the real server with `psql -v ON_ERROR_STOP=1`: every name is
//! hostile (a dot, quotes, `*/`, line breaks, a psql meta-command and a statement), the
//! catalog must then hold each object with the properties the model says, and `victim`
//! must keep its rows. The canonical printer's output (`schema_ddl`, and the snapshot files
//! through the declare path's loader) of the same objects must load too.
//!
//! The model values are built by hand: the introspection of these kinds is written apart;
//! the definitions are spelled as the server prints them.

mod pg;

use pg::{psql, TestDb};
use postgres::Client;
use schemadiff::model::{
    qualified_key, Attribute, Column, Comment, CommentTarget, CompositeType, Domain, DomainCheck,
    Function, Index, RangeType, Schema, Sequence, SequenceOptions, Table, Trigger, View,
};
use schemadiff::plan::postgres::{
    AttributeAction, CommentOn, DomainAction, Op, Phase, Plan, TableName,
};
use schemadiff::plan::Planned;
use schemadiff::render::postgres::render_script;
use schemadiff::sqltext::{quote_pg_ident as ident, quote_pg_qualified as qual};
use std::collections::BTreeSet;

/// Every name starts so: a dot, quotes, a comment end, a psql meta-command and a
/// statement, each after a line break (43 bytes, room for a suffix within 63).
const H: &str = "s.\"q\" */ \n\\echo pwned\nDROP TABLE victim; --";

fn n(suffix: &str) -> String {
    format!("{H}{suffix}")
}

/// The objects, as model values.
struct Objects {
    table: Table,
    view: View,
    add: Function,
    trigger_fn: Function,
    procedure: Function,
    diff_fn: Function,
    domain: Domain,
    text_domain: Domain,
    composite: CompositeType,
    range: RangeType,
    sequence: Sequence,
    on_table: Trigger,
    on_view: Trigger,
    comments: Vec<(CommentTarget, String)>,
}

fn function(name: &str, args: &str, identity: &str, rest: &str, procedure: bool) -> Function {
    let kind = if procedure { "PROCEDURE" } else { "FUNCTION" };
    Function {
        schema: H.into(),
        name: name.into(),
        identity_args: identity.into(),
        procedure,
        arguments: args.into(),
        result: None,
        definition: format!(
            "CREATE OR REPLACE {kind} {}({args})\n{rest}\n",
            qual(H, name)
        ),
        depends_on: Vec::new(),
    }
}

fn attribute(name: &str, ty: &str, collation: Option<&str>) -> Attribute {
    Attribute {
        name: name.into(),
        ty: ty.into(),
        collation: collation.map(str::to_string),
    }
}

fn objects() -> Objects {
    let table = Table {
        schema: Some(H.into()),
        name: n("t"),
        columns: vec![Column {
            name: "x".into(),
            ty: "integer".into(),
            ..Column::default()
        }],
        ..Table::default()
    };
    let view = View {
        schema: Some(H.into()),
        name: n("v"),
        sql: format!(
            "CREATE VIEW {} AS SELECT x FROM {}",
            qual(H, &n("v")),
            qual(H, &n("t"))
        ),
        ..View::default()
    };
    let add = function(
        &n("f"),
        "a integer",
        "a integer",
        " RETURNS integer\n LANGUAGE sql\nAS $function$select a + 1$function$",
        false,
    );
    let trigger_fn = function(
        &n("tf"),
        "",
        "",
        " RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin return new; end$function$",
        false,
    );
    let procedure = function(
        &n("p"),
        "INOUT a integer",
        "INOUT a integer",
        " LANGUAGE plpgsql\nAS $procedure$begin a := a * 2; end$procedure$",
        true,
    );
    let diff_fn = function(
        &n("df"),
        "a double precision, b double precision",
        "a double precision, b double precision",
        " RETURNS double precision\n LANGUAGE sql\n IMMUTABLE\nAS $function$select a - b$function$",
        false,
    );
    let domain = Domain {
        schema: H.into(),
        name: n("d"),
        base_type: "numeric(10,2)".into(),
        not_null: true,
        default: Some("1.00".into()),
        collation: None,
        checks: vec![
            DomainCheck {
                name: H.into(),
                definition: "CHECK ((VALUE > (0)::numeric))".into(),
                valid: true,
            },
            DomainCheck {
                name: n("2"),
                definition: "CHECK ((VALUE < (1000)::numeric)) NOT VALID".into(),
                valid: false,
            },
        ],
        depends_on: Vec::new(),
    };
    let text_domain = Domain {
        name: n("d2"),
        base_type: "text".into(),
        not_null: false,
        default: None,
        collation: Some("pg_catalog.\"C\"".into()),
        checks: Vec::new(),
        ..domain.clone()
    };
    let composite = CompositeType {
        schema: H.into(),
        name: n("c"),
        attributes: vec![
            attribute(H, "integer", None),
            attribute("l", "text", Some("pg_catalog.\"C\"")),
            attribute("d", &qual(H, &n("d")), None),
        ],
        depends_on: vec![qualified_key(H, &n("d"))],
    };
    let range = RangeType {
        schema: H.into(),
        name: n("r"),
        subtype: "double precision".into(),
        opclass: Some("pg_catalog.float8_ops".into()),
        collation: None,
        canonical: None,
        subtype_diff: Some(qual(H, &n("df"))),
        multirange: Some(n("m")),
        depends_on: Vec::new(),
    };
    let sequence = Sequence {
        schema: H.into(),
        name: n("q"),
        options: SequenceOptions {
            ty: "bigint".into(),
            start: 1,
            increment: 1,
            min: 1,
            max: i64::MAX,
            cache: 1,
            cycle: false,
        },
        owned_by: None,
    };
    let trigger = |on: &str, sql: String, enabled: Option<&str>| Trigger {
        name: H.into(),
        table: qualified_key(H, on),
        sql,
        enabled: enabled.map(str::to_string),
    };
    let on_table = trigger(
        &n("t"),
        format!(
            "CREATE TRIGGER {} BEFORE INSERT OR UPDATE OF x ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
            ident(H),
            qual(H, &n("t")),
            qual(H, &n("tf"))
        ),
        Some("D"),
    );
    let on_view = trigger(
        &n("v"),
        format!(
            "CREATE TRIGGER {} INSTEAD OF INSERT ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
            ident(H),
            qual(H, &n("v")),
            qual(H, &n("tf"))
        ),
        None,
    );
    let s = || H.to_string();
    let comments = vec![
        (CommentTarget::Schema { name: s() }, "on schema"),
        (
            CommentTarget::Index {
                schema: s(),
                name: n("i"),
            },
            "on index",
        ),
        (
            CommentTarget::Constraint {
                schema: s(),
                table: n("t"),
                name: n("k"),
            },
            "on constraint",
        ),
        (
            CommentTarget::Sequence {
                schema: s(),
                name: n("q"),
            },
            "on sequence",
        ),
        (
            CommentTarget::Function {
                schema: s(),
                name: n("f"),
                identity_args: "a integer".into(),
                procedure: false,
            },
            "on function",
        ),
        (
            CommentTarget::Function {
                schema: s(),
                name: n("p"),
                identity_args: "INOUT a integer".into(),
                procedure: true,
            },
            "on procedure",
        ),
        (
            CommentTarget::Trigger {
                schema: s(),
                table: n("t"),
                name: s(),
            },
            "on trigger",
        ),
        (
            CommentTarget::Trigger {
                schema: s(),
                table: n("v"),
                name: s(),
            },
            "on view trigger",
        ),
        (
            CommentTarget::Domain {
                schema: s(),
                name: n("d"),
            },
            "on domain",
        ),
        (
            CommentTarget::DomainConstraint {
                schema: s(),
                domain: n("d"),
                name: n("2"),
            },
            "on domain check",
        ),
        (
            CommentTarget::Type {
                schema: s(),
                name: n("c"),
            },
            "on composite",
        ),
        (
            CommentTarget::Type {
                schema: s(),
                name: n("r"),
            },
            "on range",
        ),
        (
            CommentTarget::Attribute {
                schema: s(),
                ty: n("c"),
                name: s(),
            },
            "on attribute",
        ),
    ];
    let comments = comments
        .into_iter()
        .map(|(t, text)| (t, format!("{text}: {H}")))
        .collect();
    Objects {
        table,
        view,
        add,
        trigger_fn,
        procedure,
        diff_fn,
        domain,
        text_domain,
        composite,
        range,
        sequence,
        on_table,
        on_view,
        comments,
    }
}

fn table_name(o: &Objects) -> TableName {
    TableName::of(&o.table)
}

fn index(o: &Objects) -> Index {
    Index {
        name: n("i"),
        table: o.table.key(),
        definition: Some(format!(
            "CREATE INDEX {} ON {} USING btree (x)",
            ident(&n("i")),
            qual(H, &n("t"))
        )),
        ..Index::default()
    }
}

const CHECK: &str = "CHECK ((x > 0))";

fn plan(ops: Vec<Op>) -> Plan {
    Plan {
        steps: ops
            .into_iter()
            .map(|op| Planned::new(Phase::AlterTable, op))
            .collect(),
        settings: (),
    }
}

/// Writes the script and runs it with psql, which must succeed without running the
/// meta-command in the names.
fn run(db: &TestDb, name: &str, text: &str) {
    let dir =
        std::env::temp_dir().join(format!("schemadiff_render_objects_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.sql"));
    std::fs::write(&path, text).unwrap();
    let (ok, err) = psql(&db.url(), &path);
    assert!(ok, "{name} failed: {err}\n{text}");
    assert!(!err.contains("pwned"), "a meta-command ran: {err}");
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
}

fn victim(db: &TestDb) {
    db.client()
        .batch_execute("CREATE TABLE public.victim (x integer); INSERT INTO public.victim VALUES (1), (2), (3)")
        .unwrap();
}

fn victim_rows(c: &mut Client) -> i64 {
    c.query_one("SELECT count(*) FROM public.victim", &[])
        .unwrap()
        .get(0)
}

fn strings(c: &mut Client, sql: &str) -> Vec<String> {
    let mut out: Vec<String> = c
        .query(sql, &[&H])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    out.sort();
    out
}

fn one(c: &mut Client, sql: &str) -> String {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn create_ops(o: &Objects) -> Vec<Op> {
    let mut ops = vec![
        Op::CreateSchema(H.into()),
        Op::CreateSequence(o.sequence.clone()),
        Op::CreateFunction(o.add.clone()),
        Op::CreateFunction(o.trigger_fn.clone()),
        Op::CreateFunction(o.procedure.clone()),
        Op::CreateFunction(o.diff_fn.clone()),
        Op::CreateDomain(o.domain.clone()),
        Op::CreateDomain(o.text_domain.clone()),
        Op::CreateComposite(o.composite.clone()),
        Op::CreateRange(o.range.clone()),
        Op::CreateTable(o.table.clone()),
        Op::AddConstraint {
            table: table_name(o),
            name: n("k"),
            definition: CHECK.into(),
        },
        Op::CreateIndex(index(o)),
        Op::CreateView(o.view.clone()),
        Op::CreateTrigger(o.on_table.clone()),
        Op::CreateTrigger(o.on_view.clone()),
    ];
    ops.extend(o.comments.iter().map(|(target, text)| Op::Comment {
        on: CommentOn::Object(target.clone()),
        text: Some(text.clone()),
    }));
    ops
}

/// Each comment's catalog, whether it is on a sub-object (column, attribute), and text.
const COMMENTS_SQL: &str =
    "SELECT d.classoid::regclass::text || ' ' || (d.objsubid > 0)::text || ' ' || d.description \
     FROM pg_description d WHERE right(d.description, length($1)) = $1";

fn expected_comments(o: &Objects) -> Vec<String> {
    let catalog = |t: &CommentTarget| match t {
        CommentTarget::Schema { .. } => "pg_namespace false",
        CommentTarget::Index { .. } | CommentTarget::Sequence { .. } => "pg_class false",
        CommentTarget::Attribute { .. } => "pg_class true",
        CommentTarget::Constraint { .. } | CommentTarget::DomainConstraint { .. } => {
            "pg_constraint false"
        }
        CommentTarget::Function { .. } => "pg_proc false",
        CommentTarget::Trigger { .. } => "pg_trigger false",
        CommentTarget::Policy { .. } => "pg_policy false",
        CommentTarget::Domain { .. } | CommentTarget::Type { .. } => "pg_type false",
    };
    let mut out: Vec<String> = o
        .comments
        .iter()
        .map(|(t, text)| format!("{} {text}", catalog(t)))
        .collect();
    out.sort();
    out
}

/// The catalog holds every object as created.
fn check_created(c: &mut Client, o: &Objects) {
    let add = qual(H, &n("f"));
    assert_eq!(one(c, &format!("SELECT {add}(1)::text")), "2");
    let call = format!("CALL {}(3)", qual(H, &n("p")));
    assert_eq!(c.query_one(call.as_str(), &[]).unwrap().get::<_, i32>(0), 6);
    let domain = |what: &str| {
        format!(
            "SELECT {what} FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1 AND t.typname = $1 || 'd'"
        )
    };
    assert_eq!(
        strings(c, &domain("format_type(t.typbasetype, t.typtypmod) || ' ' || t.typnotnull || ' ' || t.typdefault")),
        ["numeric(10,2) true 1.00"]
    );
    assert_eq!(
        strings(c, "SELECT con.conname || ' ' || con.convalidated || ' ' || pg_get_constraintdef(con.oid) FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1"),
        [
            format!("{H} true CHECK ((VALUE > (0)::numeric))"),
            format!("{H}2 false CHECK ((VALUE < (1000)::numeric)) NOT VALID"),
        ]
    );
    assert_eq!(
        strings(c, "SELECT t.typname || ' ' || t.typcollation::regcollation::text FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1 AND t.typname = $1 || 'd2'"),
        [format!("{H}d2 \"C\"")]
    );
    let attributes = "SELECT a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || coalesce(nullif(a.attcollation, 0)::regcollation::text, '-') \
         FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace s ON s.oid = r.relnamespace \
         WHERE s.nspname = $1 AND r.relname = $1 || 'c' AND a.attnum > 0 AND NOT a.attisdropped";
    let domain_type = qual(H, &n("d"));
    assert_eq!(
        strings(c, attributes),
        [
            format!("1 {H} integer -"),
            "2 l text \"C\"".to_string(),
            format!("3 d {domain_type} -"),
        ]
    );
    assert_eq!(
        strings(c, "SELECT r.rngsubtype::regtype || ' ' || r.rngsubdiff::regproc || ' ' || r.rngmultitypid::regtype FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1"),
        [format!("double precision {} {}", qual(H, &n("df")), qual(H, &n("m")))]
    );
    assert_eq!(triggers(c), [format!("{H}t D"), format!("{H}v O")]);
    assert_eq!(strings(c, COMMENTS_SQL), expected_comments(o));
}

/// Each trigger's relation and state.
fn triggers(c: &mut Client) -> Vec<String> {
    strings(c, "SELECT r.relname || ' ' || g.tgenabled::text FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid JOIN pg_namespace s ON s.oid = r.relnamespace WHERE s.nspname = $1 AND NOT g.tgisinternal")
}

#[test]
fn rendered_statements_create_alter_comment_and_drop_each_kind() {
    let o = objects();
    let db = TestDb::create("render_objects");
    victim(&db);
    let mut c = db.client();
    c.batch_execute("SET search_path = ''").unwrap();

    run(&db, "create", &render_script(&plan(create_ops(&o)), H));
    check_created(&mut c, &o);

    let add2 = Function {
        definition: o.add.definition.replace("a + 1", "a + 2"),
        ..o.add.clone()
    };
    let state = |e: Option<&str>| {
        Op::EnableTrigger(Trigger {
            enabled: e.map(str::to_string),
            ..o.on_table.clone()
        })
    };
    let domain = |action| Op::AlterDomain {
        schema: H.into(),
        name: n("d"),
        action,
    };
    let composite = |action| Op::AlterComposite {
        schema: H.into(),
        name: n("c"),
        action,
    };
    run(
        &db,
        "always",
        &render_script(&plan(vec![state(Some("A"))]), H),
    );
    assert_eq!(triggers(&mut c), [format!("{H}t A"), format!("{H}v O")]);
    run(
        &db,
        "replica",
        &render_script(&plan(vec![state(Some("R"))]), H),
    );
    assert_eq!(triggers(&mut c), [format!("{H}t R"), format!("{H}v O")]);
    let alter = vec![
        Op::ReplaceFunction(add2),
        state(None),
        domain(DomainAction::SetDefault(Some("2.00".into()))),
        domain(DomainAction::SetNotNull(false)),
        domain(DomainAction::AddCheck {
            name: n("3"),
            definition: "CHECK ((VALUE <> (5)::numeric))".into(),
            not_valid: true,
        }),
        domain(DomainAction::ValidateCheck(n("2"))),
        domain(DomainAction::RenameCheck {
            from: H.into(),
            to: n("n"),
        }),
        composite(AttributeAction::Add(attribute("y", "numeric(4,1)", None))),
        composite(AttributeAction::Drop("l".into())),
        composite(AttributeAction::AlterType(attribute(H, "bigint", None))),
        Op::Comment {
            on: CommentOn::Object(CommentTarget::Schema { name: H.into() }),
            text: None,
        },
    ];
    run(&db, "alter", &render_script(&plan(alter), H));
    let add = qual(H, &n("f"));
    assert_eq!(one(&mut c, &format!("SELECT {add}(1)::text")), "3");
    assert_eq!(triggers(&mut c), [format!("{H}t O"), format!("{H}v O")]);
    assert_eq!(
        strings(&mut c, "SELECT t.typnotnull || ' ' || t.typdefault FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1 AND t.typname = $1 || 'd'"),
        ["false 2.00"]
    );
    assert_eq!(
        strings(&mut c, "SELECT con.conname || ' ' || con.convalidated FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1"),
        [format!("{H}2 true"), format!("{H}3 false"), format!("{H}n true")]
    );
    assert_eq!(
        strings(&mut c, "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace s ON s.oid = r.relnamespace WHERE s.nspname = $1 AND r.relname = $1 || 'c' AND a.attnum > 0 AND NOT a.attisdropped"),
        [format!("d {}", qual(H, &n("d"))), format!("{H} bigint"), "y numeric(4,1)".to_string()]
    );
    let comments = strings(&mut c, COMMENTS_SQL);
    assert_eq!(
        comments.len(),
        o.comments.len() - 1,
        "the schema's comment is gone"
    );
    assert!(!comments.iter().any(|x| x.starts_with("pg_namespace")));

    let drop = vec![
        Op::DropTrigger(o.on_table.clone()),
        Op::DropTrigger(o.on_view.clone()),
        Op::DropRange(o.range.clone()),
        Op::DropComposite(o.composite.clone()),
        Op::DropDomain(o.domain.clone()),
        Op::DropDomain(o.text_domain.clone()),
        Op::DropFunction(o.add.clone()),
        Op::DropFunction(o.trigger_fn.clone()),
        Op::DropFunction(o.procedure.clone()),
        Op::DropFunction(o.diff_fn.clone()),
    ];
    run(&db, "drop", &render_script(&plan(drop), H));
    assert!(triggers(&mut c).is_empty());
    let left = strings(&mut c, "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace WHERE s.nspname = $1 \
         UNION ALL SELECT t.typname::text FROM pg_type t JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1 AND t.typtype IN ('d', 'r', 'm') \
         UNION ALL SELECT t.typname::text FROM pg_type t JOIN pg_class r ON r.oid = t.typrelid JOIN pg_namespace s ON s.oid = t.typnamespace WHERE s.nspname = $1 AND r.relkind = 'c'");
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(victim_rows(&mut c), 3);
}

/// The model of the same objects, as the introspection would read them back.
fn schema(o: &Objects) -> Schema {
    let mut s = Schema {
        schemas: BTreeSet::from(["public".to_string(), H.to_string()]),
        ..Schema::default()
    };
    let mut table = o.table.clone();
    table.checks.push(schemadiff::model::Check {
        name: Some(n("k")),
        expr: String::new(),
        definition: Some(CHECK.into()),
    });
    table.indexes.insert(n("i"), index(o));
    s.tables.insert(table.key(), table);
    s.views.insert(qualified_key(H, &n("v")), o.view.clone());
    for f in [&o.add, &o.trigger_fn, &o.procedure, &o.diff_fn] {
        s.functions.insert(f.key(), f.clone());
    }
    for d in [&o.domain, &o.text_domain] {
        s.domains
            .insert(qualified_key(&d.schema, &d.name), d.clone());
    }
    s.composites
        .insert(qualified_key(H, &n("c")), o.composite.clone());
    s.ranges.insert(qualified_key(H, &n("r")), o.range.clone());
    s.sequences
        .insert(qualified_key(H, &n("q")), o.sequence.clone());
    for t in [&o.on_table, &o.on_view] {
        s.triggers
            .insert(schemadiff::model::trigger_key(&t.table, &t.name), t.clone());
    }
    for (on, text) in &o.comments {
        let comment = Comment {
            on: on.clone(),
            text: text.clone(),
        };
        s.comments.insert(on.key(), comment);
    }
    s
}

#[test]
fn the_canonical_ddl_of_each_kind_loads_as_printed() {
    let o = objects();
    let s = schema(&o);
    let db = TestDb::create("render_objects_ddl");
    victim(&db);
    let ddl = schemadiff::render::postgres::schema_ddl(&s);
    // The composite type uses the domain: printed after it.
    let at = |what: &str| {
        ddl.find(what)
            .unwrap_or_else(|| panic!("{what} missing:\n{ddl}"))
    };
    assert!(
        at(&format!("CREATE DOMAIN {}", qual(H, &n("d"))))
            < at(&format!("CREATE TYPE {}", qual(H, &n("c"))))
    );
    run(&db, "canonical", &ddl);
    let mut c = db.client();
    check_created(&mut c, &o);
    assert_eq!(victim_rows(&mut c), 3);
}

#[test]
fn the_snapshot_files_of_each_kind_load_through_the_declare_path() {
    let o = objects();
    let s = schema(&o);
    let files = schemadiff::render::snapshot::postgres::files(&s);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert!(
        names.contains(&"_types.sql")
            && names.contains(&"_functions.sql")
            && names.contains(&"_views.sql"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"_other.sql"),
        "every object has its home: {names:?}"
    );
    let all: String = files.values().cloned().collect();
    assert_eq!(
        all.matches("COMMENT ON").count(),
        o.comments.len(),
        "each comment once:\n{all}"
    );
    let db = TestDb::create("render_objects_snap");
    victim(&db);
    let mut c = db.client();
    let sources: Vec<schemadiff::declare::SourceFile> = files
        .iter()
        .map(|(name, text)| schemadiff::declare::SourceFile {
            path: name.into(),
            text: text.clone(),
        })
        .collect();
    schemadiff::declare::load_postgres(&mut c, &sources).unwrap_or_else(|e| panic!("{e}\n{all}"));
    check_created(&mut c, &o);
    assert_eq!(victim_rows(&mut c), 3);
}
