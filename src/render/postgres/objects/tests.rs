//! The SQL of each operation on functions, triggers, domains, composite and range types
//! and comments, from hand-built model values; hostile names stay quoted and out of the
//! comment lines.

use super::super::{op_sql, render_script};
use crate::model::{
    Attribute, CommentTarget, CompositeType, Domain, DomainCheck, Function, RangeType, Trigger,
};
use crate::plan::postgres::{AttributeAction, CommentOn, DomainAction, Op, Phase, Plan};
use crate::plan::Planned;

/// A name with a dot, quotes, a space, a comment end and a line break with a statement.
/// (Built with `concat!` so that the source scan of comment lines, tests/comment_scan.rs,
/// does not take this test input for a comment line built outside the sanitizer.)
const HOSTILE: &str = concat!("a.b \"q\" */ x\nDROP TABLE victim; -", "-");
/// `HOSTILE` quoted as PostgreSQL reads it back.
const HOSTILE_Q: &str = "\"a.b \"\"q\"\" */ x\nDROP TABLE victim; --\"";

fn sql(op: Op) -> Vec<String> {
    op_sql(&op).1
}

fn function(procedure: bool) -> Function {
    Function {
        schema: "app".into(),
        name: "add one".into(),
        identity_args: "a integer, \"B\" text".into(),
        procedure,
        arguments: "a integer, \"B\" text DEFAULT 'x'::text".into(),
        result: (!procedure).then(|| "integer".into()),
        definition: "CREATE OR REPLACE FUNCTION app.\"add one\"(a integer, \"B\" text DEFAULT 'x'::text)\n RETURNS integer\n LANGUAGE sql\nAS $function$select a + 1$function$\n".into(),
        depends_on: Vec::new(),
    }
}

#[test]
fn functions_are_created_replaced_and_dropped_by_signature() {
    let f = function(false);
    let create = sql(Op::CreateFunction(f.clone()));
    assert_eq!(create, vec![f.definition.trim_end().to_string()]);
    assert!(create[0].ends_with("$function$"), "no trailing line break");
    assert_eq!(sql(Op::ReplaceFunction(f.clone())), create);
    assert_eq!(
        sql(Op::DropFunction(f)),
        ["DROP FUNCTION app.\"add one\"(a integer, \"B\" text)"]
    );
    let p = Function {
        identity_args: "INOUT a integer, OUT b integer".into(),
        ..function(true)
    };
    assert_eq!(
        sql(Op::DropFunction(p)),
        ["DROP PROCEDURE app.\"add one\"(INOUT a integer, OUT b integer)"]
    );
}

fn trigger(schema_q: &str, table_q: &str, key: &str, enabled: Option<&str>) -> Trigger {
    Trigger {
        name: "Audit".into(),
        table: key.into(),
        sql: format!(
            "CREATE TRIGGER \"Audit\" BEFORE UPDATE OF x ON {schema_q}.{table_q} FOR EACH ROW EXECUTE FUNCTION app.f()"
        ),
        enabled: enabled.map(str::to_string),
    }
}

#[test]
fn triggers_name_their_table_as_the_definition_does() {
    // `a.b.c`: schema `a.b`, table `c` - not schema `a`, table `b.c`.
    let t = trigger("\"a.b\"", "c", "a.b.c", None);
    assert_eq!(sql(Op::CreateTrigger(t.clone())), vec![t.sql.clone()]);
    assert_eq!(
        sql(Op::DropTrigger(t.clone())),
        ["DROP TRIGGER \"Audit\" ON \"a.b\".c"]
    );
    let t = trigger("a", "\"b.c\"", "a.b.c", None);
    assert_eq!(
        sql(Op::DropTrigger(t)),
        ["DROP TRIGGER \"Audit\" ON a.\"b.c\""]
    );
    let t = trigger(HOSTILE_Q, HOSTILE_Q, &format!("{HOSTILE}.{HOSTILE}"), None);
    assert_eq!(
        sql(Op::DropTrigger(t)),
        [format!("DROP TRIGGER \"Audit\" ON {HOSTILE_Q}.{HOSTILE_Q}")]
    );
}

#[test]
fn trigger_states_each_have_their_alter_table() {
    let cases = [
        (None, "ENABLE TRIGGER"),
        (Some("O"), "ENABLE TRIGGER"),
        (Some("D"), "DISABLE TRIGGER"),
        (Some("R"), "ENABLE REPLICA TRIGGER"),
        (Some("A"), "ENABLE ALWAYS TRIGGER"),
    ];
    for (enabled, action) in cases {
        let t = trigger("app", "t", "app.t", enabled);
        let alter = format!("ALTER TABLE app.t {action} \"Audit\"");
        assert_eq!(sql(Op::EnableTrigger(t.clone())), vec![alter.clone()]);
        // A new trigger is created in the state the model says.
        let create = sql(Op::CreateTrigger(t.clone()));
        if matches!(enabled, None | Some("O")) {
            assert_eq!(create, vec![t.sql.clone()]);
        } else {
            assert_eq!(create, [t.sql.clone(), alter]);
        }
    }
}

fn domain() -> Domain {
    Domain {
        schema: "app".into(),
        name: "Positive".into(),
        base_type: "numeric(10,2)".into(),
        not_null: true,
        default: Some("1.00".into()),
        collation: None,
        checks: vec![
            DomainCheck {
                name: "later".into(),
                definition: "CHECK ((VALUE < (1000)::numeric)) NOT VALID".into(),
                valid: false,
            },
            DomainCheck {
                name: "positive".into(),
                definition: "CHECK ((VALUE > (0)::numeric))".into(),
                valid: true,
            },
        ],
        depends_on: Vec::new(),
    }
}

#[test]
fn a_domain_gets_its_valid_checks_inline_and_the_others_not_valid_after() {
    assert_eq!(
        sql(Op::CreateDomain(domain())),
        [
            "CREATE DOMAIN app.\"Positive\" AS numeric(10,2) DEFAULT 1.00 NOT NULL CONSTRAINT positive CHECK ((VALUE > (0)::numeric))",
            "ALTER DOMAIN app.\"Positive\" ADD CONSTRAINT later CHECK ((VALUE < (1000)::numeric)) NOT VALID",
        ]
    );
    let text = Domain {
        base_type: "text".into(),
        collation: Some("pg_catalog.\"C\"".into()),
        not_null: false,
        default: None,
        checks: Vec::new(),
        ..domain()
    };
    assert_eq!(
        sql(Op::CreateDomain(text.clone())),
        ["CREATE DOMAIN app.\"Positive\" AS text COLLATE pg_catalog.\"C\""]
    );
    assert_eq!(sql(Op::DropDomain(text)), ["DROP DOMAIN app.\"Positive\""]);
}

#[test]
fn domain_alterations() {
    let alter = |action| {
        sql(Op::AlterDomain {
            schema: "app".into(),
            name: "d".into(),
            action,
        })
        .join(";")
    };
    let check = |definition: &str, not_valid| DomainAction::AddCheck {
        name: "c 1".into(),
        definition: definition.into(),
        not_valid,
    };
    let cases = [
        (
            DomainAction::SetDefault(Some("'x'::text".into())),
            "SET DEFAULT 'x'::text",
        ),
        (DomainAction::SetDefault(None), "DROP DEFAULT"),
        (DomainAction::SetNotNull(true), "SET NOT NULL"),
        (DomainAction::SetNotNull(false), "DROP NOT NULL"),
        (
            check("CHECK ((VALUE <> ''::text))", false),
            "ADD CONSTRAINT \"c 1\" CHECK ((VALUE <> ''::text))",
        ),
        (
            check("CHECK ((VALUE <> ''::text))", true),
            "ADD CONSTRAINT \"c 1\" CHECK ((VALUE <> ''::text)) NOT VALID",
        ),
        // The server's text of an unvalidated CHECK already ends so: not written twice.
        (
            check("CHECK ((VALUE <> ''::text)) NOT VALID", true),
            "ADD CONSTRAINT \"c 1\" CHECK ((VALUE <> ''::text)) NOT VALID",
        ),
        (
            DomainAction::DropCheck("c 1".into()),
            "DROP CONSTRAINT \"c 1\"",
        ),
        (
            DomainAction::ValidateCheck("c 1".into()),
            "VALIDATE CONSTRAINT \"c 1\"",
        ),
        (
            DomainAction::RenameCheck {
                from: "c 1".into(),
                to: "Order".into(),
            },
            "RENAME CONSTRAINT \"c 1\" TO \"Order\"",
        ),
    ];
    for (action, expected) in cases {
        assert_eq!(alter(action), format!("ALTER DOMAIN app.d {expected}"));
    }
}

fn attribute(name: &str, ty: &str, collation: Option<&str>) -> Attribute {
    Attribute {
        name: name.into(),
        ty: ty.into(),
        collation: collation.map(str::to_string),
    }
}

#[test]
fn composite_types_and_their_attributes() {
    let c = CompositeType {
        schema: "app".into(),
        name: "pair".into(),
        attributes: vec![
            attribute("x", "integer", None),
            attribute("Label", "text", Some("pg_catalog.\"C\"")),
            attribute("m", "app.mood[]", None),
        ],
        depends_on: Vec::new(),
    };
    assert_eq!(
        sql(Op::CreateComposite(c.clone())),
        ["CREATE TYPE app.pair AS (\n    x integer,\n    \"Label\" text COLLATE pg_catalog.\"C\",\n    m app.mood[]\n)"]
    );
    let empty = CompositeType {
        attributes: Vec::new(),
        ..c.clone()
    };
    assert_eq!(
        sql(Op::CreateComposite(empty)),
        ["CREATE TYPE app.pair AS ()"]
    );
    assert_eq!(sql(Op::DropComposite(c)), ["DROP TYPE app.pair"]);
    let alter = |action| {
        sql(Op::AlterComposite {
            schema: "app".into(),
            name: "pair".into(),
            action,
        })
    };
    assert_eq!(
        alter(AttributeAction::Add(attribute("y", "numeric(4,1)", None))),
        ["ALTER TYPE app.pair ADD ATTRIBUTE y numeric(4,1)"]
    );
    assert_eq!(
        alter(AttributeAction::Drop("Label".into())),
        ["ALTER TYPE app.pair DROP ATTRIBUTE \"Label\""]
    );
    assert_eq!(
        alter(AttributeAction::AlterType(attribute("Label", "character varying(5)", Some("pg_catalog.\"POSIX\"")))),
        ["ALTER TYPE app.pair ALTER ATTRIBUTE \"Label\" SET DATA TYPE character varying(5) COLLATE pg_catalog.\"POSIX\""]
    );
}

#[test]
fn range_types_with_every_option() {
    let r = RangeType {
        schema: "app".into(),
        name: "Span".into(),
        subtype: "double precision".into(),
        opclass: Some("pg_catalog.float8_ops".into()),
        collation: None,
        canonical: None,
        subtype_diff: Some("app.\"diff\"".into()),
        multirange: Some("Spans".into()),
        depends_on: Vec::new(),
    };
    assert_eq!(
        sql(Op::CreateRange(r.clone())),
        ["CREATE TYPE app.\"Span\" AS RANGE (SUBTYPE = double precision, SUBTYPE_OPCLASS = pg_catalog.float8_ops, SUBTYPE_DIFF = app.\"diff\", MULTIRANGE_TYPE_NAME = app.\"Spans\")"]
    );
    let text = RangeType {
        subtype: "text".into(),
        opclass: None,
        collation: Some("pg_catalog.\"C\"".into()),
        canonical: Some("app.canon".into()),
        subtype_diff: None,
        multirange: None,
        ..r.clone()
    };
    assert_eq!(
        sql(Op::CreateRange(text)),
        ["CREATE TYPE app.\"Span\" AS RANGE (SUBTYPE = text, COLLATION = pg_catalog.\"C\", CANONICAL = app.canon)"]
    );
    assert_eq!(sql(Op::DropRange(r)), ["DROP TYPE app.\"Span\""]);
}

fn every_target(schema: &str, name: &str) -> Vec<(CommentTarget, String)> {
    let (s, n) = (schema.to_string(), name.to_string());
    let q = crate::sqltext::quote_pg_qualified(schema, name);
    let i = crate::sqltext::quote_pg_ident(name);
    vec![
        (
            CommentTarget::Schema { name: s.clone() },
            format!("SCHEMA {}", crate::sqltext::quote_pg_ident(schema)),
        ),
        (
            CommentTarget::Index {
                schema: s.clone(),
                name: n.clone(),
            },
            format!("INDEX {q}"),
        ),
        (
            CommentTarget::Constraint {
                schema: s.clone(),
                table: n.clone(),
                name: n.clone(),
            },
            format!("CONSTRAINT {i} ON {q}"),
        ),
        (
            CommentTarget::Sequence {
                schema: s.clone(),
                name: n.clone(),
            },
            format!("SEQUENCE {q}"),
        ),
        (
            CommentTarget::Function {
                schema: s.clone(),
                name: n.clone(),
                identity_args: "a integer".into(),
                procedure: false,
            },
            format!("FUNCTION {q}(a integer)"),
        ),
        (
            CommentTarget::Function {
                schema: s.clone(),
                name: n.clone(),
                identity_args: String::new(),
                procedure: true,
            },
            format!("PROCEDURE {q}()"),
        ),
        (
            CommentTarget::Trigger {
                schema: s.clone(),
                table: n.clone(),
                name: n.clone(),
            },
            format!("TRIGGER {i} ON {q}"),
        ),
        (
            CommentTarget::Domain {
                schema: s.clone(),
                name: n.clone(),
            },
            format!("DOMAIN {q}"),
        ),
        (
            CommentTarget::DomainConstraint {
                schema: s.clone(),
                domain: n.clone(),
                name: n.clone(),
            },
            format!("CONSTRAINT {i} ON DOMAIN {q}"),
        ),
        (
            CommentTarget::Type {
                schema: s.clone(),
                name: n.clone(),
            },
            format!("TYPE {q}"),
        ),
        (
            CommentTarget::Attribute {
                schema: s.clone(),
                ty: n.clone(),
                name: n.clone(),
            },
            format!("COLUMN {q}.{i}"),
        ),
    ]
}

#[test]
fn comments_on_every_kind() {
    for (schema, name) in [("app", "x"), ("a.b", "Y z"), (HOSTILE, HOSTILE)] {
        for (target, named) in every_target(schema, name) {
            let set = Op::Comment {
                on: CommentOn::Object(target.clone()),
                text: Some("it's".into()),
            };
            assert_eq!(sql(set), [format!("COMMENT ON {named} IS 'it''s'")]);
            let unset = Op::Comment {
                on: CommentOn::Object(target),
                text: None,
            };
            assert_eq!(sql(unset), [format!("COMMENT ON {named} IS NULL")]);
        }
    }
}

/// Every operation with `HOSTILE` in every name it carries.
fn hostile_ops() -> Vec<Op> {
    let h = HOSTILE.to_string();
    let f = Function {
        schema: h.clone(),
        name: h.clone(),
        ..function(false)
    };
    let t = Trigger {
        name: h.clone(),
        ..trigger(
            HOSTILE_Q,
            HOSTILE_Q,
            &format!("{HOSTILE}.{HOSTILE}"),
            Some("D"),
        )
    };
    let d = Domain {
        schema: h.clone(),
        name: h.clone(),
        checks: vec![DomainCheck {
            name: h.clone(),
            definition: "CHECK ((VALUE > (0)::numeric)) NOT VALID".into(),
            valid: false,
        }],
        ..domain()
    };
    let c = CompositeType {
        schema: h.clone(),
        name: h.clone(),
        attributes: vec![attribute(&h, "integer", None)],
        depends_on: Vec::new(),
    };
    let r = RangeType {
        schema: h.clone(),
        name: h.clone(),
        subtype: "integer".into(),
        opclass: None,
        collation: None,
        canonical: None,
        subtype_diff: None,
        multirange: Some(h.clone()),
        depends_on: Vec::new(),
    };
    let alter_domain = |action| Op::AlterDomain {
        schema: h.clone(),
        name: h.clone(),
        action,
    };
    let alter_type = |action| Op::AlterComposite {
        schema: h.clone(),
        name: h.clone(),
        action,
    };
    let mut ops = vec![
        Op::CreateFunction(f.clone()),
        Op::ReplaceFunction(f.clone()),
        Op::DropFunction(f),
        Op::CreateTrigger(t.clone()),
        Op::EnableTrigger(t.clone()),
        Op::DropTrigger(t),
        Op::CreateDomain(d.clone()),
        Op::DropDomain(d),
        alter_domain(DomainAction::AddCheck {
            name: h.clone(),
            definition: "CHECK ((VALUE > (0)::numeric))".into(),
            not_valid: true,
        }),
        alter_domain(DomainAction::DropCheck(h.clone())),
        alter_domain(DomainAction::ValidateCheck(h.clone())),
        alter_domain(DomainAction::RenameCheck {
            from: h.clone(),
            to: h.clone(),
        }),
        Op::CreateComposite(c.clone()),
        Op::DropComposite(c),
        alter_type(AttributeAction::Add(attribute(&h, "integer", None))),
        alter_type(AttributeAction::Drop(h.clone())),
        alter_type(AttributeAction::AlterType(attribute(&h, "bigint", None))),
        Op::CreateRange(r.clone()),
        Op::DropRange(r),
    ];
    ops.extend(
        every_target(HOSTILE, HOSTILE)
            .into_iter()
            .map(|(target, _)| Op::Comment {
                on: CommentOn::Object(target),
                text: Some(h.clone()),
            }),
    );
    ops
}

#[test]
fn hostile_names_stay_quoted_and_out_of_comment_lines() {
    let plan = Plan {
        steps: hostile_ops()
            .into_iter()
            .map(|op| Planned::new(Phase::AlterTable, op))
            .collect(),
        settings: (),
    };
    let script = render_script(&plan, "hostile");
    // The payload's second line only ever follows the opening of a quoted name or
    // literal: never at the start of a line of its own outside one.
    // Each line that starts with the payload continues a quoted name (or literal) opened
    // on the line before: count them against the quoted spellings.
    let count = script
        .lines()
        .filter(|l| l.starts_with("DROP TABLE victim"))
        .count();
    let quoted = script.matches(HOSTILE_Q).count();
    let literal = script
        .matches(&crate::sqltext::quote_literal(HOSTILE))
        .count();
    assert_eq!(
        count,
        quoted + literal,
        "every payload line is inside a quoted name:\n{script}"
    );
    for line in script.lines().filter(|l| l.starts_with(concat!("-", "-"))) {
        assert!(
            !line.contains("DROP TABLE victim") || line.contains("\\n"),
            "{line}"
        );
    }
}

#[test]
fn the_comment_lines_name_each_object() {
    let f = function(true);
    assert_eq!(
        op_sql(&Op::DropFunction(f)).0,
        ["The procedure app.add one(a integer, \"B\" text) is gone"]
    );
    let t = trigger("app", "t", "app.t", Some("D"));
    assert_eq!(
        op_sql(&Op::EnableTrigger(t)).0,
        ["Trigger Audit on app.t is disabled"]
    );
    let c = Op::Comment {
        on: CommentOn::Object(CommentTarget::Schema { name: "app".into() }),
        text: None,
    };
    assert_eq!(op_sql(&c).0, ["Comment on schema app"]);
}
