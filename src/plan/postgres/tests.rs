//! Plans of functions, domains, composite and range types, triggers and comments, from
//! hand-built schemas through the differ: the order of the steps and their hazards.

use super::*;
use crate::diff::{diff, postgres::RULES, Renames};
use crate::model::{Check, Comment, Dependent, Dependents, DomainCheck};

fn function(name: &str, args: &str, result: &str, depends_on: &[&str]) -> Function {
    Function {
        schema: "public".into(),
        name: name.into(),
        identity_args: args.into(),
        procedure: false,
        arguments: args.into(),
        result: Some(result.into()),
        definition: format!(
            "CREATE OR REPLACE FUNCTION public.{name}({args})\n RETURNS {result}\n LANGUAGE sql\nAS $function$SELECT 1$function$\n"
        ),
        depends_on: depends_on.iter().map(|s| s.to_string()).collect(),
    }
}

fn table(name: &str, columns: &[(&str, &str)]) -> Table {
    Table {
        schema: Some("public".into()),
        name: name.into(),
        columns: columns
            .iter()
            .map(|(n, ty)| Column {
                name: n.to_string(),
                ty: ty.to_string(),
                ..Column::default()
            })
            .collect(),
        ..Table::default()
    }
}

fn view(name: &str, sql: &str, depends_on: &[&str]) -> View {
    View {
        schema: Some("public".into()),
        name: name.into(),
        sql: sql.into(),
        depends_on: depends_on.iter().map(|s| s.to_string()).collect(),
        ..View::default()
    }
}

fn domain(name: &str, base: &str, checks: &[(&str, &str, bool)], depends_on: &[&str]) -> Domain {
    Domain {
        schema: "public".into(),
        name: name.into(),
        base_type: base.into(),
        not_null: false,
        default: None,
        collation: None,
        checks: checks
            .iter()
            .map(|(n, d, valid)| DomainCheck {
                name: n.to_string(),
                definition: d.to_string(),
                valid: *valid,
            })
            .collect(),
        depends_on: depends_on.iter().map(|s| s.to_string()).collect(),
    }
}

fn trigger(table: &str, name: &str, function: &str, enabled: Option<&str>) -> Trigger {
    Trigger {
        name: name.into(),
        table: table.into(),
        sql: format!("CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"),
        enabled: enabled.map(str::to_string),
    }
}

#[derive(Default)]
struct S(Schema);

impl S {
    fn f(mut self, f: Function) -> S {
        self.0.functions.insert(f.key(), f);
        self
    }
    fn t(mut self, t: Table) -> S {
        self.0.tables.insert(t.key(), t);
        self
    }
    fn v(mut self, v: View) -> S {
        self.0.views.insert(views::view_key(&v), v);
        self
    }
    fn d(mut self, d: Domain) -> S {
        self.0
            .domains
            .insert(crate::model::qualified_key(&d.schema, &d.name), d);
        self
    }
    fn tr(mut self, t: Trigger) -> S {
        self.0
            .triggers
            .insert(crate::model::trigger_key(&t.table, &t.name), t);
        self
    }
    fn c(mut self, t: CompositeType) -> S {
        self.0
            .composites
            .insert(crate::model::qualified_key(&t.schema, &t.name), t);
        self
    }
    fn r(mut self, r: RangeType) -> S {
        self.0
            .ranges
            .insert(crate::model::qualified_key(&r.schema, &r.name), r);
        self
    }
    fn note(mut self, on: CommentTarget, text: &str) -> S {
        let c = Comment {
            on,
            text: text.into(),
        };
        self.0.comments.insert(c.on.key(), c);
        self
    }
    fn deps(mut self, key: &str, ds: Vec<Dependent>) -> S {
        self.0.dependents.0.insert(key.into(), ds);
        self
    }
}

fn plan_with(from: &Schema, to: &Schema, options: &LockOptions) -> Plan {
    let changes = diff(&RULES, from, to, &Renames::default());
    plan_postgres_with(&changes, from, to, options)
}

fn plan(from: &S, to: &S) -> Plan {
    plan_with(&from.0, &to.0, &LockOptions::default())
}

/// Each step as `Phase Op name`, in order.
fn steps(p: &Plan) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| {
            let what = match &s.op {
                Op::CreateFunction(f) | Op::DropFunction(f) | Op::ReplaceFunction(f) => f.key(),
                Op::CreateDomain(d) | Op::DropDomain(d) => d.name.clone(),
                Op::AlterDomain { name, action, .. } => format!("{name} {action:?}"),
                Op::CreateComposite(t) | Op::DropComposite(t) => t.name.clone(),
                Op::AlterComposite { name, action, .. } => format!("{name} {action:?}"),
                Op::CreateRange(r) | Op::DropRange(r) => r.name.clone(),
                Op::CreateTable(t) | Op::DropTable(t) => t.name.clone(),
                Op::CreateView(v) | Op::DropView(v) => v.name.clone(),
                Op::CreateTrigger(t) | Op::DropTrigger(t) | Op::EnableTrigger(t) => t.name.clone(),
                Op::AddConstraint { name, .. } | Op::DropConstraint { name, .. } => name.clone(),
                Op::SetDefault {
                    column, default, ..
                } => format!("{column} {default:?}"),
                Op::SetTimeout { setting, value } => format!("{setting}={value}"),
                Op::Comment { on, text } => format!("{on:?} {text:?}"),
                other => format!("{other:?}").chars().take(40).collect(),
            };
            let op = format!("{:?}", s.op);
            let kind = op.split(['(', ' ', '{']).next().unwrap_or_default();
            format!("{:?} {kind} {what}", s.phase)
        })
        .collect()
}

fn codes(p: &Plan) -> Vec<&'static str> {
    p.hazards().map(|h| h.kind.info().code).collect()
}

#[test]
fn functions_a_table_calls_come_before_it_and_functions_taking_its_row_type_after() {
    let check_fn = function("positive", "x integer", "boolean", &[]);
    let row_fn = function("total", "o public.orders", "numeric", &["public.orders"]);
    let mut orders = table("orders", &[("amount", "integer")]);
    orders.checks.push(Check {
        name: Some("orders_amount_check".into()),
        expr: "public.positive(amount)".into(),
        definition: Some("CHECK (public.positive(amount))".into()),
    });
    let v = view(
        "totals",
        "SELECT public.total(o.*) FROM public.orders o",
        &["public.orders"],
    );
    let to = S::default().f(check_fn).f(row_fn).t(orders).v(v);
    let got = steps(&plan(&to, &S::default()));
    assert_eq!(
        got,
        [
            "DropView DropView totals",
            "DropRowTypeRoutine DropFunction public.total(o public.orders)",
            "DropTable DropTable orders",
            "DropRoutine DropFunction public.positive(x integer)",
        ],
        "the downgrade drops the function taking the table's row type before the table"
    );
    let got = steps(&plan(&S::default(), &to));
    assert_eq!(
        got,
        [
            "Preamble SetTimeout check_function_bodies=off",
            "CreateRoutine CreateFunction public.positive(x integer)",
            "CreateTable CreateTable orders",
            "CreateLateRoutine CreateFunction public.total(o public.orders)",
            "CreateView CreateView totals",
        ]
    );
}

#[test]
fn routines_of_every_kind_are_created_in_dependency_order_and_dropped_in_reverse() {
    // is_even ──► even (domain CHECK calls it) ──► half (takes the domain)
    //                                          └─► pair (composite of it)
    let is_even = function("is_even", "x integer", "boolean", &[]);
    let even = domain(
        "even",
        "integer",
        &[("even_check", "CHECK (public.is_even(VALUE))", true)],
        &["public.is_even(x integer)"],
    );
    let half = function("half", "x public.even", "integer", &["public.even"]);
    let pair = CompositeType {
        schema: "public".into(),
        name: "a_pair".into(),
        attributes: vec![Attribute {
            name: "left".into(),
            ty: "public.even".into(),
            collation: None,
        }],
        depends_on: vec!["public.even".into()],
    };
    let all = S::default().f(is_even).d(even).f(half).c(pair);
    let up = steps(&plan(&S::default(), &all));
    assert_eq!(
        up,
        [
            "Preamble SetTimeout check_function_bodies=off",
            "CreateRoutine CreateFunction public.is_even(x integer)",
            "CreateRoutine CreateDomain even",
            "CreateRoutine CreateComposite a_pair",
            "CreateRoutine CreateFunction public.half(x public.even)",
        ]
    );
    // The downgrade: the same planner with the sides swapped.
    let down = steps(&plan(&all, &S::default()));
    assert_eq!(
        down,
        [
            "DropRoutine DropFunction public.half(x public.even)",
            "DropRoutine DropComposite a_pair",
            "DropRoutine DropDomain even",
            "DropRoutine DropFunction public.is_even(x integer)",
        ]
    );
}

#[test]
fn a_changed_body_is_replaced_in_place() {
    let old = function("f", "x integer", "integer", &[]);
    let mut new = old.clone();
    new.definition = new.definition.replace("SELECT 1", "SELECT 2");
    let p = plan(&S::default().f(old), &S::default().f(new));
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "CreateRoutine ReplaceFunction public.f(x integer)",
        ]
    );
    assert!(codes(&p).is_empty());
}

/// `f(x integer)` returning `integer` becomes returning `bigint`, with a view, a trigger,
/// a CHECK and a default that call it.
fn recreated_function() -> (S, S) {
    let key = "public.f(x integer)";
    let mut t = table("t", &[("x", "integer")]);
    t.columns[0].default = Some("public.f(1)".into());
    t.checks.push(Check {
        name: Some("t_x_check".into()),
        expr: "public.f(x) > 0".into(),
        definition: Some("CHECK ((public.f(x) > 0))".into()),
    });
    let v = view(
        "v",
        "SELECT public.f(t.x) AS y FROM public.t",
        &["public.t"],
    );
    let tg = trigger("public.t", "tg", "public.g", None);
    let dependents = vec![
        Dependent::View("public.v".into()),
        Dependent::Trigger("public.t.tg".into()),
        Dependent::Constraint {
            table: "public.t".into(),
            name: "t_x_check".into(),
        },
        Dependent::Default {
            table: "public.t".into(),
            column: "x".into(),
        },
    ];
    let before = S::default()
        .f(function("f", "x integer", "integer", &[]))
        .t(t.clone())
        .v(v.clone())
        .tr(tg.clone())
        .deps(key, dependents);
    let after = S::default()
        .f(function("f", "x integer", "bigint", &[]))
        .t(t)
        .v(v)
        .tr(tg);
    (before, after)
}

#[test]
fn a_function_whose_result_changes_is_dropped_and_created_with_its_dependents() {
    let (before, after) = recreated_function();
    let p = plan(&before, &after);
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "DropTrigger DropTrigger tg",
            "DropView DropView v",
            "DropConstraint DropConstraint t_x_check",
            "DropConstraint SetDefault x None",
            "DropReplacedRoutine DropFunction public.f(x integer)",
            "CreateReplacedRoutine CreateFunction public.f(x integer)",
            "AlterTable SetDefault x Some(\"public.f(1)\")",
            "AddConstraint AddConstraint t_x_check",
            "CreateView CreateView v",
            "CreateTrigger CreateTrigger tg",
        ]
    );
    let drop = p
        .steps
        .iter()
        .find(|s| matches!(s.op, Op::DropFunction(_)))
        .unwrap();
    let kinds: Vec<_> = drop.hazards.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [HazardKind::RecreatesFunction, HazardKind::RecreatesFunction]
    );
    assert!(
        drop.hazards[1].detail.contains("view public.v"),
        "{:?}",
        drop.hazards
    );
    // Downgrade: the same shape the other way round.
    let mut back_from = after.0.clone();
    back_from.dependents = before.0.dependents.clone();
    let down = steps(&plan_with(&back_from, &before.0, &LockOptions::default()));
    assert!(down.contains(&"DropReplacedRoutine DropFunction public.f(x integer)".to_string()));
    assert!(down.contains(&"CreateView CreateView v".to_string()));
}

#[test]
fn a_generated_column_calling_a_recreated_function_is_refused_with_a_hazard() {
    let (before, after) = recreated_function();
    let before = before.deps(
        "public.f(x integer)",
        vec![Dependent::Generated {
            table: "public.t".into(),
            column: "y".into(),
        }],
    );
    let p = plan(&before, &after);
    assert!(codes(&p).contains(&"unsupported-change"), "{:?}", codes(&p));
    let h = p
        .hazards()
        .find(|h| h.kind == HazardKind::UnsupportedChange)
        .unwrap();
    assert!(
        h.detail.contains("generated column public.t.y"),
        "{}",
        h.detail
    );
}

#[test]
fn triggers_follow_their_tables_views_and_enabled_state() {
    let t = table("t", &[("x", "integer")]);
    let g = function("g", "", "trigger", &[]);
    let on = trigger("public.t", "tg", "public.g", None);
    let off = trigger("public.t", "tg", "public.g", Some("D"));
    let base = || S::default().t(t.clone()).f(g.clone());
    // Only the enabled state: ALTER TABLE … DISABLE TRIGGER.
    let got = steps(&plan(&base().tr(on.clone()), &base().tr(off.clone())));
    assert_eq!(got, ["EnableTrigger EnableTrigger tg"]);
    // A new trigger, disabled: created, then disabled.
    let got = steps(&plan(&base(), &base().tr(off.clone())));
    assert_eq!(
        got,
        [
            "CreateTrigger CreateTrigger tg",
            "EnableTrigger EnableTrigger tg"
        ]
    );
    // Its table dropped: the trigger goes with it.
    let got = steps(&plan(&base().tr(on.clone()), &S::default().f(g.clone())));
    assert_eq!(got, ["DropTable DropTable t"]);
    // A trigger on a view dropped and created again is created again.
    let v1 = view("v", "SELECT 1", &[]);
    let v2 = view("v", "SELECT 2", &[]);
    let iot = trigger("public.v", "iot", "public.g", None);
    let p = plan(
        &S::default().f(g.clone()).v(v1).tr(iot.clone()),
        &S::default().f(g).v(v2).tr(iot),
    );
    let detail = &p.hazards().next().unwrap().detail;
    assert!(detail.contains("its triggers come back"), "{detail}");
    let got = steps(&p);
    assert_eq!(
        got,
        [
            "DropView DropView v",
            "CreateView CreateView v",
            "CreateTrigger CreateTrigger iot"
        ]
    );
}

#[test]
fn a_redefined_trigger_is_dropped_and_created_and_keeps_its_comment() {
    let t = table("t", &[("x", "integer")]);
    let old = trigger("public.t", "tg", "public.g", None);
    let mut new = old.clone();
    new.sql = new.sql.replace("BEFORE INSERT", "BEFORE UPDATE");
    let on = CommentTarget::Trigger {
        schema: "public".into(),
        table: "t".into(),
        name: "tg".into(),
    };
    let from = S::default().t(t.clone()).tr(old).note(on.clone(), "audit");
    let to = S::default().t(t).tr(new).note(on, "audit");
    let got = steps(&plan(&from, &to));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "DropTrigger DropTrigger tg");
    assert_eq!(got[1], "CreateTrigger CreateTrigger tg");
    assert!(
        got[2].starts_with("Comment Comment Object(Trigger"),
        "{got:?}"
    );
    assert!(got[2].ends_with("Some(\"audit\")"), "{got:?}");
}

fn in_use(d: Domain) -> S {
    S::default().d(d).t(table("t", &[("x", "public.pos")]))
}

#[test]
fn a_new_check_on_a_domain_in_use_may_fail_or_is_validated_after_the_commit() {
    let old = domain("pos", "integer", &[], &[]);
    let new = domain(
        "pos",
        "integer",
        &[("pos_check", "CHECK ((VALUE > 0))", true)],
        &[],
    );
    let p = plan(&in_use(old.clone()), &in_use(new.clone()));
    assert_eq!(
        steps(&p),
        ["AlterRoutine AlterDomain pos AddCheck { name: \"pos_check\", definition: \"CHECK ((VALUE > 0))\", not_valid: false }"]
    );
    assert_eq!(codes(&p), ["may-fail-on-existing-rows"]);
    let options = LockOptions {
        not_valid: true,
        ..LockOptions::default()
    };
    let p = plan_with(&in_use(old).0, &in_use(new).0, &options);
    assert_eq!(
        steps(&p),
        [
            "AlterRoutine AlterDomain pos AddCheck { name: \"pos_check\", definition: \"CHECK ((VALUE > 0))\", not_valid: true }",
            "AfterCommit AlterDomain pos ValidateCheck(\"pos_check\")",
        ]
    );
    assert_eq!(p.steps[1].section(), Section::AfterCommit);
}

#[test]
fn a_domain_whose_base_type_changes_is_recreated() {
    let old = domain("pos", "integer", &[], &[]);
    let new = domain("pos", "bigint", &[], &[]);
    let p = plan(&S::default().d(old.clone()), &S::default().d(new.clone()));
    assert_eq!(
        steps(&p),
        [
            "DropReplacedRoutine DropDomain pos",
            "CreateReplacedRoutine CreateDomain pos"
        ]
    );
    assert!(codes(&p).is_empty());
    // In use by a column: the column is moved out and back (tests/wave2.rs).
    let p = plan(&in_use(old), &in_use(new));
    assert_eq!(codes(&p), ["rewrites-table", "may-fail-on-existing-rows"]);
}

fn composite(attrs: &[(&str, &str)]) -> CompositeType {
    CompositeType {
        schema: "public".into(),
        name: "pair".into(),
        attributes: attrs
            .iter()
            .map(|(n, ty)| Attribute {
                name: n.to_string(),
                ty: ty.to_string(),
                collation: None,
            })
            .collect(),
        depends_on: Vec::new(),
    }
}

#[test]
fn composite_attributes_are_altered_in_place_unless_their_order_changes() {
    let ab = composite(&[("a", "integer"), ("b", "text")]);
    let abc = composite(&[("a", "integer"), ("b", "text"), ("c", "date")]);
    let ba = composite(&[("b", "text"), ("a", "integer")]);
    let a = composite(&[("a", "integer")]);
    let got = steps(&plan(&S::default().c(ab.clone()), &S::default().c(abc)));
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("AlterRoutine AlterComposite pair Add"),
        "{got:?}"
    );
    let got = steps(&plan(
        &S::default().c(ab.clone()),
        &S::default().c(ba.clone()),
    ));
    assert_eq!(
        got,
        [
            "DropReplacedRoutine DropComposite pair",
            "CreateReplacedRoutine CreateComposite pair"
        ]
    );
    let used = |t: CompositeType| S::default().c(t).t(table("t", &[("p", "public.pair")]));
    let p = plan(&used(ab.clone()), &used(a));
    assert_eq!(codes(&p), ["deletes-data"]);
    let p = plan(&used(ab), &used(ba));
    assert_eq!(codes(&p), ["unsupported-change"]);
}

#[test]
fn a_changed_range_type_in_use_is_refused() {
    let range = |subtype: &str| RangeType {
        schema: "public".into(),
        name: "r".into(),
        subtype: subtype.into(),
        opclass: None,
        collation: None,
        canonical: None,
        subtype_diff: None,
        multirange: None,
        depends_on: Vec::new(),
    };
    let got = steps(&plan(
        &S::default().r(range("integer")),
        &S::default().r(range("bigint")),
    ));
    assert_eq!(
        got,
        [
            "DropReplacedRoutine DropRange r",
            "CreateReplacedRoutine CreateRange r"
        ]
    );
    let used = |r| S::default().r(r).t(table("t", &[("span", "public.r")]));
    let p = plan(&used(range("integer")), &used(range("bigint")));
    assert_eq!(codes(&p), ["unsupported-change"]);
}

#[test]
fn a_comment_change_is_a_comment_step_and_a_new_objects_comment_follows_it() {
    let on = CommentTarget::Domain {
        schema: "public".into(),
        name: "pos".into(),
    };
    let d = domain("pos", "integer", &[], &[]);
    let got = steps(&plan(
        &S::default().d(d.clone()).note(on.clone(), "old"),
        &S::default().d(d.clone()).note(on.clone(), "new"),
    ));
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("Comment Comment Object(Domain"),
        "{got:?}"
    );
    let got = steps(&plan(&S::default(), &S::default().d(d).note(on, "new")));
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], "CreateRoutine CreateDomain pos");
    assert!(got[1].starts_with("Comment Comment"), "{got:?}");
}

#[test]
fn dependents_are_never_compared() {
    let a = S::default().deps("x", vec![Dependent::Other("y".into())]);
    assert_eq!(a.0.dependents, Dependents::default());
}

#[test]
fn a_renamed_parameter_drops_the_old_function_before_creating_the_new_one() {
    let old = function("f", "a integer", "integer", &[]);
    let new = function("f", "b integer", "integer", &[]);
    let other = function("f", "a integer, b integer", "integer", &[]);
    let p = plan(&S::default().f(old.clone()), &S::default().f(new));
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "DropReplacedRoutine DropFunction public.f(a integer)",
            "CreateReplacedRoutine CreateFunction public.f(b integer)",
        ]
    );
    assert_eq!(codes(&p), ["recreates-function"]);
    // Another number of parameters is an overload: created first, the old one dropped last.
    let p = plan(&S::default().f(old), &S::default().f(other));
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "CreateRoutine CreateFunction public.f(a integer, b integer)",
            "DropRoutine DropFunction public.f(a integer)",
        ]
    );
}

#[test]
fn what_calls_a_recreated_function_is_recreated_around_it() {
    // f's parameter default goes: CREATE OR REPLACE cannot remove it.
    let key = "public.f(x integer)";
    let mut old = function("f", "x integer", "boolean", &[]);
    old.arguments = "x integer DEFAULT 0".into();
    let new = function("f", "x integer", "boolean", &[]);
    // g's BEGIN ATOMIC body calls f; domain d's CHECK calls f.
    let g = function("g", "", "boolean", &[key]);
    let d = domain(
        "d",
        "integer",
        &[("d_check", "CHECK (public.f(VALUE))", true)],
        &[key],
    );
    let deps = vec![
        Dependent::Function("public.g()".into()),
        Dependent::Domain("public.d".into()),
    ];
    let before = S::default()
        .f(old)
        .f(g.clone())
        .d(d.clone())
        .deps(key, deps);
    let after = S::default().f(new).f(g).d(d);
    let p = plan(&before, &after);
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "DropConstraint AlterDomain d DropCheck(\"d_check\")",
            "DropReplacedRoutine DropFunction public.g()",
            "DropReplacedRoutine DropFunction public.f(x integer)",
            "CreateReplacedRoutine CreateFunction public.f(x integer)",
            "CreateReplacedRoutine CreateFunction public.g()",
            "AddConstraint AlterDomain d AddCheck { name: \"d_check\", definition: \"CHECK (public.f(VALUE))\", not_valid: false }",
        ]
    );
    assert!(
        codes(&p).iter().all(|c| *c == "recreates-function"),
        "{:?}",
        codes(&p)
    );
}

#[test]
fn a_domain_check_renamed_default_and_not_null_are_altered_in_place() {
    let mut old = domain(
        "pos",
        "integer",
        &[("pos_check", "CHECK ((VALUE > 0))", true)],
        &[],
    );
    let mut new = domain(
        "pos",
        "integer",
        &[("positive", "CHECK ((VALUE > 0))", true)],
        &[],
    );
    new.default = Some("1".into());
    new.not_null = true;
    old.not_null = false;
    let p = plan(&in_use(old), &in_use(new));
    assert_eq!(
        steps(&p),
        [
            "AlterRoutine AlterDomain pos SetDefault(Some(\"1\"))",
            "AlterRoutine AlterDomain pos SetNotNull(true)",
            "AlterRoutine AlterDomain pos RenameCheck { from: \"pos_check\", to: \"positive\" }",
        ]
    );
    assert_eq!(codes(&p), ["may-fail-on-existing-rows"]);
}

mod wave2;

mod rls;
mod wave3;

mod partitions;
