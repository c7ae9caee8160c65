//! Plans of issue 15's second wave: `OUT` parameters and defaults of functions, domains
//! used by columns.

use super::*;

/// `f(p integer, OUT n bigint)` with its identity and full argument lists as the server
/// prints them.
fn with_args(name: &str, identity: &str, arguments: &str, result: &str) -> Function {
    Function {
        identity_args: identity.into(),
        arguments: arguments.into(),
        ..function(name, arguments, result, &[])
    }
}

#[test]
fn an_out_parameter_added_drops_the_old_function_before_creating_the_new_one() {
    let old = with_args(
        "stats",
        "p integer, OUT n bigint",
        "p integer, OUT n bigint",
        "bigint",
    );
    let new = with_args(
        "stats",
        "p integer, OUT n bigint, OUT t numeric",
        "p integer, OUT n bigint, OUT t numeric",
        "record",
    );
    let p = plan(&S::default().f(old.clone()), &S::default().f(new.clone()));
    assert_eq!(
        steps(&p),
        [
            "Preamble SetTimeout check_function_bodies=off",
            "DropReplacedRoutine DropFunction public.stats(p integer, OUT n bigint)",
            "CreateReplacedRoutine CreateFunction public.stats(p integer, OUT n bigint, OUT t numeric)",
        ]
    );
    assert_eq!(codes(&p), ["recreates-function"]);
    // The way back too.
    let p = plan(&S::default().f(new), &S::default().f(old));
    assert_eq!(
        steps(&p)[1],
        "DropReplacedRoutine DropFunction public.stats(p integer, OUT n bigint, OUT t numeric)"
    );
}

#[test]
fn a_default_changed_or_added_is_replaced_in_place_and_one_removed_is_recreated() {
    let f = |args: &str| with_args("f", "a integer, b integer", args, "integer");
    let none = f("a integer, b integer");
    let one = f("a integer, b integer DEFAULT 1");
    let two = f("a integer, b integer DEFAULT 2");
    let replaced = |from: &Function, to: &Function| {
        let p = plan(&S::default().f(from.clone()), &S::default().f(to.clone()));
        steps(&p)[1..] == ["CreateRoutine ReplaceFunction public.f(a integer, b integer)"]
    };
    assert!(replaced(&one, &two));
    assert!(replaced(&none, &one));
    assert!(!replaced(&one, &none));
    let p = plan(&S::default().f(one), &S::default().f(none));
    assert_eq!(
        steps(&p)[1..],
        [
            "DropReplacedRoutine DropFunction public.f(a integer, b integer)",
            "CreateReplacedRoutine CreateFunction public.f(a integer, b integer)",
        ]
    );
    // A parameter's name or mode is not a default.
    let renamed = f("a integer, c integer DEFAULT 1");
    assert!(!replaced(&two, &renamed));
    let inout = f("a integer, INOUT b integer DEFAULT 1");
    assert!(!replaced(&two, &inout));
}

/// Domain `pos` as `d`, used by column `x` of table `t` (an array of it when `array`), a
/// view reading that column, and the server's dependents.
fn domain_in_use(d: Domain, array: bool) -> S {
    let ty = if array { "public.pos[]" } else { "public.pos" };
    S::default()
        .d(d)
        .t(table("t", &[("id", "integer"), ("x", ty)]))
        .v(view("v", "SELECT t.x FROM public.t", &["public.t"]))
        .deps(
            "public.pos",
            vec![Dependent::Other("column public.t.x".into())],
        )
}

/// `AlterType` steps as `Phase column type USING`.
fn moves(p: &Plan) -> Vec<String> {
    p.steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::AlterType { column, using, .. } => Some(format!(
                "{:?} {} {} [{using}]",
                s.phase, column.name, column.ty
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn a_domain_whose_base_type_changes_moves_its_columns_out_and_back() {
    let old = domain("pos", "integer", &[], &[]);
    let new = domain("pos", "bigint", &[], &[]);
    let p = plan(&domain_in_use(old, false), &domain_in_use(new, false));
    assert_eq!(
        moves(&p),
        [
            "DropTable x integer [x::integer]",
            "AlterTable x public.pos []",
        ]
    );
    let order: Vec<String> = steps(&p)
        .into_iter()
        .filter(|s| !s.contains("AlterType"))
        .collect();
    assert_eq!(
        order,
        [
            "DropView DropView v",
            "DropReplacedRoutine DropDomain pos",
            "CreateReplacedRoutine CreateDomain pos",
            "CreateView CreateView v",
        ]
    );
    assert_eq!(
        codes(&p),
        [
            "recreates-view",
            "rewrites-table",
            "may-fail-on-existing-rows"
        ]
    );
    // Something else using it still stops the script.
    let old = domain("pos", "integer", &[], &[]);
    let new = domain("pos", "bigint", &[], &[]);
    let f = Dependent::Function("public.f(p public.pos)".into());
    let with_f = |d: Domain| {
        domain_in_use(d, false).deps(
            "public.pos",
            vec![Dependent::Other("column public.t.x".into()), f.clone()],
        )
    };
    let p = plan(&with_f(old), &with_f(new));
    assert_eq!(codes(&p), ["unsupported-change"]);
    assert!(moves(&p).is_empty());
}

#[test]
fn a_check_added_to_a_domain_an_array_column_holds_recreates_it_around_the_column() {
    let old = domain("pos", "integer", &[], &[]);
    let new = domain(
        "pos",
        "integer",
        &[("pos_check", "CHECK ((VALUE > 0))", true)],
        &[],
    );
    let p = plan(
        &domain_in_use(old.clone(), true),
        &domain_in_use(new.clone(), true),
    );
    assert_eq!(
        moves(&p),
        [
            "DropTable x integer[] [x::integer[]]",
            "AlterTable x public.pos[] []",
        ]
    );
    assert!(steps(&p).contains(&"CreateReplacedRoutine CreateDomain pos".to_string()));
    assert_eq!(
        codes(&p),
        [
            "recreates-view",
            "rewrites-table",
            "may-fail-on-existing-rows"
        ]
    );
    // Not an array: ALTER DOMAIN in place; dropping the CHECK needs no move either.
    let p = plan(
        &domain_in_use(old.clone(), false),
        &domain_in_use(new.clone(), false),
    );
    assert!(moves(&p).is_empty());
    let p = plan(&domain_in_use(new, true), &domain_in_use(old, true));
    assert!(moves(&p).is_empty());
    assert_eq!(
        steps(&p),
        ["AlterRoutine AlterDomain pos DropCheck(\"pos_check\")"]
    );
}

#[test]
fn a_recreated_function_created_after_a_new_table_has_its_dependents_made_after_it() {
    let (before, mut after) = recreated_function();
    // The new f takes the row type of a table this plan creates: created late.
    let key = "public.f(x integer)";
    let f = after.0.functions.get_mut(key).unwrap();
    f.depends_on = vec!["public.n".into()];
    let after = after.t(table("n", &[("a", "integer")]));
    let p = plan(&before, &after);
    let s = steps(&p);
    let at = |step: &str| s.iter().position(|x| x == step).unwrap();
    let create = at("CreateLateRoutine CreateFunction public.f(x integer)");
    assert!(at("CreateLateRoutine SetDefault x Some(\"public.f(1)\")") > create);
    assert!(at("CreateLateRoutine AddConstraint t_x_check") > create);
    assert!(at("CreateView CreateView v") > create);
    // The drops stay before the function's drop.
    assert!(
        at("DropConstraint DropConstraint t_x_check")
            < at("DropReplacedRoutine DropFunction public.f(x integer)")
    );
}

#[test]
fn a_function_taking_a_dropped_views_row_type_is_dropped_before_the_view() {
    let v = view("v", "SELECT 1 AS a", &[]);
    let f = function("f", "r public.v", "integer", &["public.v"]);
    let g = function("g", "x integer", "integer", &["public.f(r public.v)"]);
    let p = plan(&S::default().v(v).f(f).f(g), &S::default());
    assert_eq!(
        steps(&p),
        [
            "DropViewRowTypeRoutine DropFunction public.g(x integer)",
            "DropViewRowTypeRoutine DropFunction public.f(r public.v)",
            "DropView DropView v",
        ]
    );
}

#[test]
fn an_index_of_a_materialized_view_calling_a_recreated_function_is_rebuilt_around_it() {
    let index = Index {
        name: "mv_idx".into(),
        table: "public.mv".into(),
        unique: false,
        columns: Vec::new(),
        predicate: None,
        definition: Some("CREATE INDEX mv_idx ON public.mv USING btree (public.f(a))".into()),
    };
    let mut mv = view("mv", "SELECT 1 AS a", &[]);
    mv.materialized = true;
    mv.indexes.insert("mv_idx".into(), index);
    let key = "public.f(x integer)";
    let dependents = vec![Dependent::Index {
        table: "public.mv".into(),
        name: "mv_idx".into(),
    }];
    let before = S::default()
        .f(function("f", "x integer", "integer", &[]))
        .v(mv.clone())
        .deps(key, dependents);
    let after = S::default()
        .f(function("f", "x integer", "bigint", &[]))
        .v(mv);
    let p = plan(&before, &after);
    let s: Vec<String> = steps(&p)
        .into_iter()
        .map(|s| s.chars().take(60).collect())
        .collect();
    assert_eq!(
        s,
        [
            "Preamble SetTimeout check_function_bodies=off",
            "DropIndex DropIndex DropIndex { schema: \"public\", name: \"mv_",
            "DropReplacedRoutine DropFunction public.f(x integer)",
            "CreateReplacedRoutine CreateFunction public.f(x integer)",
            "CreateViewIndex CreateIndex CreateIndex(Index { name: \"mv_id",
        ]
    );
}

#[test]
fn a_column_whose_table_goes_is_not_moved() {
    let old = domain("pos", "integer", &[], &[]);
    let new = domain("pos", "bigint", &[], &[]);
    let p = plan(&domain_in_use(old, false), &S::default().d(new));
    assert!(moves(&p).is_empty());
    assert!(codes(&p).iter().all(|c| *c != "unsupported-change"));
    let s = steps(&p);
    let at = |step: &str| s.iter().position(|x| x == step).unwrap();
    assert!(at("DropTable DropTable t") < at("DropReplacedRoutine DropDomain pos"));
}

#[test]
fn an_attribute_type_change_of_a_stored_composite_moves_its_columns_through_text() {
    let before = composite(&[("a", "integer"), ("b", "text")]);
    let after = composite(&[("a", "bigint"), ("b", "text")]);
    let used = |t: CompositeType| {
        S::default()
            .c(t)
            .t(table("t", &[("p", "public.pair"), ("ps", "public.pair[]")]))
            .deps(
                "public.pair",
                vec![Dependent::Other("column public.t.p".into())],
            )
    };
    let p = plan(&used(before.clone()), &used(after.clone()));
    assert_eq!(
        moves(&p),
        [
            "DropTable p text [p::text]",
            "DropTable ps text[] [ps::text[]]",
            "AlterTable p public.pair [p::public.pair]",
            "AlterTable ps public.pair[] [ps::public.pair[]]",
        ]
    );
    let alter = p
        .steps
        .iter()
        .position(|s| matches!(s.op, Op::AlterComposite { .. }))
        .unwrap();
    assert_eq!(p.steps[alter].phase, Phase::DropReplacedRoutine);
    assert!(!codes(&p).contains(&"unsupported-change"));
    // Nested in another type: still refused.
    let nested = |t: CompositeType| {
        used(t).deps(
            "public.pair",
            vec![
                Dependent::Other("column public.t.p".into()),
                Dependent::Type("public.outer".into()),
            ],
        )
    };
    let p = plan(&nested(before), &nested(after));
    assert!(moves(&p).is_empty());
    assert_eq!(codes(&p), ["unsupported-change"]);
}
