//! Plans of issue 15's third wave: triggers and `BEGIN ATOMIC` bodies naming a column that
//! changes, a range type's function user dropped with the change.

use super::*;

/// Table `t (id integer, name <ty>)`.
fn t(ty: &str) -> Table {
    table("t", &[("id", "integer"), ("name", ty)])
}

/// Trigger `tg` on `t` whose definition is `head` then `EXECUTE FUNCTION public.g()`.
fn trigger_on_t(head: &str) -> Trigger {
    Trigger {
        sql: format!(
            "CREATE TRIGGER tg {head} ON public.t FOR EACH ROW EXECUTE FUNCTION public.g()"
        ),
        ..trigger("public.t", "tg", "public.g", None)
    }
}

/// `names()` selecting `t.name` in a `BEGIN ATOMIC` body.
fn names_fn() -> Function {
    Function {
        definition: "CREATE OR REPLACE FUNCTION public.names()\n RETURNS SETOF text\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT t.name\n    FROM public.t;\nEND".into(),
        ..function("names", "", "SETOF text", &["public.t"])
    }
}

#[test]
fn a_trigger_naming_a_retyped_column_is_dropped_before_and_created_after() {
    let g = function("g", "", "trigger", &[]);
    for head in [
        "AFTER UPDATE OF name",
        "AFTER UPDATE WHEN ((new.name IS NOT NULL))",
    ] {
        let side = |ty: &str| S::default().t(t(ty)).f(g.clone()).tr(trigger_on_t(head));
        let got = steps(&plan(&side("text"), &side("character varying(50)")));
        assert_eq!(
            got,
            [
                "DropTrigger DropTrigger tg",
                "AlterTable AlterType AlterType { table: TableName { schema: \"",
                "CreateTrigger CreateTrigger tg",
            ],
            "{head}"
        );
    }
    // A trigger naming another column stays.
    let side = |ty: &str| {
        let tr = trigger_on_t("AFTER UPDATE OF id");
        S::default().t(t(ty)).f(g.clone()).tr(tr)
    };
    let got = steps(&plan(&side("text"), &side("character varying(50)")));
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn an_atomic_body_naming_a_retyped_column_is_created_again_after_the_change() {
    let side = |ty: &str| S::default().t(t(ty)).f(names_fn());
    let p = plan(&side("text"), &side("character varying(50)"));
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "DropReplacedRoutine DropFunction public.names()",
            "AlterTable AlterType AlterType { table: TableName { schema: \"",
            "CreateLateRoutine CreateFunction public.names()",
        ]
    );
    assert!(codes(&p).contains(&"recreates-function"));
    // Dropped with the column: before it; and created back after the column is added.
    let with = S::default().t(t("text")).f(names_fn());
    let without = S::default().t(table("t", &[("id", "integer")]));
    assert_eq!(
        steps(&plan(&with, &without)),
        [
            "DropReplacedRoutine DropFunction public.names()",
            "AlterTable DropColumn DropColumn { table: TableName { schema: ",
        ]
    );
    assert_eq!(
        steps(&plan(&without, &with))[1..],
        [
            "AlterTable AddColumn AddColumn { table: TableName { schema: \"",
            "CreateLateRoutine CreateFunction public.names()",
        ]
    );
}

#[test]
fn a_function_using_a_changed_range_dropped_with_it_is_no_user_and_goes_first() {
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
    let rf = function("rf", "x public.r", "boolean", &["public.r"]);
    let from = S::default()
        .r(range("integer"))
        .f(rf.clone())
        .deps("public.r", vec![Dependent::Function(rf.key())]);
    let p = plan(&from, &S::default().r(range("bigint")));
    assert_eq!(
        steps(&p),
        [
            "DropReplacedRoutine DropFunction public.rf(x public.r)",
            "DropReplacedRoutine DropRange r",
            "CreateReplacedRoutine CreateRange r",
        ]
    );
    assert!(!codes(&p).contains(&"unsupported-change"));
}
