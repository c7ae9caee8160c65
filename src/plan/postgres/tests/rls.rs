//! Plans of row-level security (issue 16): where policies and switches go among the other
//! steps, and what takes a policy down and back up.

use super::*;
use crate::model::{Policy, PolicyCommand};

fn policy(name: &str, using: &str) -> Policy {
    Policy {
        name: name.into(),
        permissive: true,
        command: PolicyCommand::Select,
        roles: vec![crate::model::PUBLIC_ROLE.into()],
        using: Some(using.into()),
        with_check: None,
    }
}

/// Table `t (id integer, level <ty>)` with row-level security on and `policies`.
fn t(ty: &str, policies: &[Policy]) -> Table {
    let mut t = table("t", &[("id", "integer"), ("level", ty)]);
    t.row_security = true;
    t.policies = policies
        .iter()
        .map(|p| (p.name.clone(), p.clone()))
        .collect();
    t
}

/// Each step as `Phase Op`, policies and switches with their names.
fn order(p: &Plan) -> Vec<String> {
    p.steps
        .iter()
        .map(|s| match &s.op {
            Op::CreatePolicy { policy, .. } => {
                format!("{:?} CreatePolicy {}", s.phase, policy.name)
            }
            Op::DropPolicy { name, .. } => format!("{:?} DropPolicy {name}", s.phase),
            Op::AlterPolicy { name, .. } => format!("{:?} AlterPolicy {name}", s.phase),
            Op::RowSecurity { enable, force, .. } => {
                format!("{:?} RowSecurity {enable:?} {force:?}", s.phase)
            }
            Op::CreateFunction(f) | Op::DropFunction(f) => format!("{:?} {}", s.phase, f.key()),
            Op::AlterType { column, .. } => format!("{:?} AlterType {}", s.phase, column.name),
            Op::CreateTable(t) | Op::DropTable(t) => format!("{:?} Table {}", s.phase, t.name),
            _ => format!("{:?}", s.phase),
        })
        .filter(|s| !s.starts_with("Preamble"))
        .collect()
}

#[test]
fn a_policy_is_taken_down_and_back_up_around_its_function_recreated() {
    let p = policy("p", "(level <= public.clearance())");
    let old = function("clearance", "", "integer", &[]);
    let new = function("clearance", "", "bigint", &[]);
    let dep = Dependent::Policy {
        table: "public.t".into(),
        name: "p".into(),
    };
    let from = S::default()
        .f(old.clone())
        .t(t("integer", std::slice::from_ref(&p)))
        .deps(&old.key(), vec![dep]);
    let to = S::default().f(new).t(t("integer", &[p]));
    let got = plan(&from, &to);
    assert_eq!(
        order(&got),
        [
            "DropPolicy DropPolicy p",
            "DropReplacedRoutine public.clearance()",
            "CreateReplacedRoutine public.clearance()",
            "CreatePolicy CreatePolicy p",
        ]
    );
    assert!(codes(&got).contains(&"recreates-function"));
}

#[test]
fn a_policy_naming_a_retyped_column_is_taken_down_and_back_up() {
    let p = policy("p", "(level <= 3)");
    let other = policy("q", "(id > 0)");
    let from = S::default().t(t("integer", &[p.clone(), other.clone()]));
    let to = S::default().t(t("bigint", &[p, other]));
    assert_eq!(
        order(&plan(&from, &to)),
        [
            "DropPolicy DropPolicy p",
            "AlterTable AlterType level",
            "CreatePolicy CreatePolicy p",
        ]
    );
}

#[test]
fn policies_come_after_the_table_and_the_switches_last_and_a_dropped_table_takes_them() {
    let mut table = t("integer", &[policy("p", "(level > 0)")]);
    table.force_row_security = true;
    let with = S::default().t(table);
    assert_eq!(
        order(&plan(&S::default(), &with)),
        [
            "CreateTable Table t",
            "CreatePolicy CreatePolicy p",
            "RowSecurity RowSecurity Some(true) Some(true)",
        ]
    );
    assert_eq!(order(&plan(&with, &S::default())), ["DropTable Table t"]);
}

#[test]
fn an_altered_policy_reading_a_dropped_table_is_dropped_before_it() {
    let reads = policy("p", "(id IN ( SELECT x.id FROM public.gone x))");
    let after = policy("p", "(id > 0)");
    let gone = table("gone", &[("id", "integer")]);
    let from = S::default().t(gone).t(t("integer", &[reads]));
    let to = S::default().t(t("integer", &[after]));
    assert_eq!(
        order(&plan(&from, &to)),
        [
            "DropPolicy DropPolicy p",
            "DropTable Table gone",
            "CreatePolicy CreatePolicy p",
        ]
    );
    let kept = S::default()
        .t(table("gone", &[("id", "integer")]))
        .t(t("integer", &[policy("p", "(id > 1)")]));
    assert_eq!(
        order(&plan(&to, &kept)),
        ["CreateTable Table gone", "CreatePolicy AlterPolicy p"]
    );
}
