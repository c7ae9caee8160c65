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
