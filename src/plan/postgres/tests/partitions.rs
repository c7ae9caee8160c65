//! Partitioned tables and inheritance: one change on the parent, attach/detach, refusals.

use super::*;
use crate::model::{PartitionOf, TableRef};
use crate::plan::Op as _;

fn parent(name: &str, by: &str) -> Table {
    Table {
        partition_by: Some(by.into()),
        ..table(name, &[("id", "integer"), ("at", "date")])
    }
}

fn partition(name: &str, of: &str, bound: &str) -> Table {
    Table {
        partition_of: Some(PartitionOf {
            parent: TableRef {
                schema: "public".into(),
                name: of.into(),
            },
            bound: bound.into(),
        }),
        ..table(name, &[])
    }
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.tables.insert(t.key(), t);
    }
    s
}

const JAN: &str = "FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')";

#[test]
fn a_column_added_to_a_parent_is_one_alter_on_the_parent() {
    let from = schema(vec![
        parent("events", "RANGE (at)"),
        partition("events_a", "events", JAN),
        partition("events_b", "events", "DEFAULT"),
    ]);
    let mut to = from.clone();
    let p = to.tables.get_mut("public.events").unwrap();
    p.columns.push(Column {
        name: "kind".into(),
        ty: "text".into(),
        ..Column::default()
    });
    let p = plan_with(&from, &to, &LockOptions::default());
    assert_eq!(steps(&p).len(), 1, "{:?}", steps(&p));
    assert!(matches!(&p.steps[0].op, Op::AddColumn { table, .. } if table.name == "events"));
}

#[test]
fn partitions_are_created_after_their_parent_and_dropped_before_it() {
    // The parent's key sorts after its partitions'.
    let to = schema(vec![
        parent("z_events", "RANGE (at)"),
        partition("a_sub", "z_events", JAN),
        partition("b_leaf", "a_sub", "DEFAULT"),
    ]);
    let names = |p: &Plan| -> Vec<String> {
        p.steps
            .iter()
            .filter_map(|s| match &s.op {
                Op::CreateTable(t) | Op::DropTable(t) => Some(t.name.clone()),
                _ => None,
            })
            .collect()
    };
    let up = plan_with(&Schema::default(), &to, &LockOptions::default());
    assert_eq!(names(&up), ["z_events", "a_sub", "b_leaf"]);
    let down = plan_with(&to, &Schema::default(), &LockOptions::default());
    assert_eq!(names(&down), ["b_leaf", "a_sub", "z_events"]);
}

#[test]
fn a_detach_is_concurrent_under_the_option_outside_the_transaction_unless_a_default_exists() {
    let from = schema(vec![
        parent("events", "RANGE (at)"),
        partition("events_a", "events", JAN),
    ]);
    let mut to = from.clone();
    let standalone = table("events_a", &[("id", "integer"), ("at", "date")]);
    to.tables.insert(standalone.key(), standalone);
    let options = LockOptions {
        concurrent_indexes: true,
        ..LockOptions::default()
    };
    let p = plan_with(&from, &to, &options);
    // The columns come from the parent: no ADD COLUMN. The CHECK the server adds to the
    // detached table is dropped in the transaction.
    assert_eq!(p.steps.len(), 2, "{:?}", steps(&p));
    assert!(matches!(
        &p.steps[1].op,
        Op::DropDetachedBoundCheck { keep, .. } if keep.is_empty()
    ));
    assert_eq!(p.steps[1].phase, Phase::DetachPartition);
    assert!(matches!(
        &p.steps[0].op,
        Op::DetachPartition {
            concurrently: true,
            ..
        }
    ));
    assert_eq!(
        Op::section(p.steps[0].phase),
        crate::plan::Section::BeforeTransaction
    );
    // Not allowed with a DEFAULT partition: in the transaction.
    let mut from = from;
    let d = partition("events_d", "events", "DEFAULT");
    from.tables.insert(d.key(), d.clone());
    to.tables.insert(d.key(), d);
    let p = plan_with(&from, &to, &options);
    assert!(matches!(
        &p.steps[0].op,
        Op::DetachPartition {
            concurrently: false,
            ..
        }
    ));
    assert_eq!(p.steps[0].phase, Phase::DetachPartition);
    let p = plan_with(&from, &to, &LockOptions::default());
    assert!(matches!(
        &p.steps[0].op,
        Op::DetachPartition {
            concurrently: false,
            ..
        }
    ));
}

#[test]
fn a_changed_partitioning_scheme_is_refused_before_anything_runs() {
    let from = schema(vec![parent("events", "RANGE (at)")]);
    for by in [Some("LIST (id)"), None] {
        let mut to = from.clone();
        to.tables.get_mut("public.events").unwrap().partition_by = by.map(str::to_string);
        let p = plan_with(&from, &to, &LockOptions::default());
        assert_eq!(codes(&p), ["unsupported-change"]);
        assert_eq!(p.steps[0].phase, Phase::Preamble);
        assert!(matches!(&p.steps[0].op, Op::Refuse { reason } if reason.contains("RANGE (at)")));
    }
}

#[test]
fn a_bound_change_is_a_detach_then_an_attach_that_may_fail() {
    let from = schema(vec![
        parent("events", "RANGE (at)"),
        partition("events_a", "events", JAN),
    ]);
    let mut to = from.clone();
    let wider = "FOR VALUES FROM ('2024-01-01') TO ('2024-03-01')";
    to.tables
        .get_mut("public.events_a")
        .unwrap()
        .partition_of
        .as_mut()
        .unwrap()
        .bound = wider.into();
    let p = plan_with(&from, &to, &LockOptions::default());
    let ops: Vec<&Op> = p.steps.iter().map(|s| &s.op).collect();
    assert!(matches!(
        ops[..],
        [Op::DetachPartition { .. }, Op::AttachPartition { .. }]
    ));
    assert_eq!(codes(&p), ["may-fail-on-existing-rows", "locks-table"]);
}

#[test]
fn inheritance_changes_are_no_inherit_and_inherit_without_column_changes() {
    let vehicles = table("vehicles", &[("id", "integer")]);
    let child = Table {
        inherits: vec![TableRef {
            schema: "public".into(),
            name: "vehicles".into(),
        }],
        ..table("cars", &[("seats", "integer")])
    };
    let alone = table("cars", &[("id", "integer"), ("seats", "integer")]);
    let with_child = schema(vec![vehicles.clone(), child]);
    let without = schema(vec![vehicles, alone]);
    let p = plan_with(&with_child, &without, &LockOptions::default());
    assert_eq!(p.steps.len(), 1, "{:?}", steps(&p));
    assert!(matches!(&p.steps[0].op, Op::NoInherit { parent, .. } if parent.name == "vehicles"));
    let p = plan_with(&without, &with_child, &LockOptions::default());
    assert_eq!(p.steps.len(), 1, "{:?}", steps(&p));
    assert!(matches!(&p.steps[0].op, Op::Inherit { .. }));
}

#[test]
fn a_renamed_parent_keeps_its_partitions_and_children() {
    let from = schema(vec![
        parent("events", "RANGE (at)"),
        partition("events_a", "events", JAN),
    ]);
    let mut to = schema(vec![
        parent("log", "RANGE (at)"),
        partition("events_a", "log", JAN),
    ]);
    let child = Table {
        inherits: vec![TableRef {
            schema: "public".into(),
            name: "events".into(),
        }],
        ..table("c", &[])
    };
    let mut from = from;
    from.tables.insert(child.key(), child.clone());
    let moved = Table {
        inherits: vec![TableRef {
            schema: "public".into(),
            name: "log".into(),
        }],
        ..child
    };
    to.tables.insert(moved.key(), moved);
    let renames = Renames::parse(&["events=log".to_string()]).unwrap();
    let changes = diff(&RULES, &from, &to, &renames);
    let p = plan_postgres_with(&changes, &from, &to, &LockOptions::default());
    assert_eq!(p.steps.len(), 1, "{:?}", steps(&p));
    assert!(matches!(&p.steps[0].op, Op::RenameTable(r) if r.to == "log"));
}

#[test]
fn a_table_joining_a_parent_gets_its_checks_first_and_valid_even_under_not_valid() {
    let check = Check {
        name: Some("events_id_check".into()),
        expr: "CHECK ((id > 0))".into(),
        definition: Some("CHECK ((id > 0))".into()),
    };
    let mut events = parent("events", "RANGE (at)");
    events.checks.push(check.clone());
    let alone = table("events_a", &[("id", "integer"), ("at", "date")]);
    let from = schema(vec![events.clone(), alone]);
    let to = schema(vec![events, partition("events_a", "events", JAN)]);
    let options = LockOptions {
        not_valid: true,
        ..LockOptions::default()
    };
    let p = plan_with(&from, &to, &options);
    let ops: Vec<&Op> = p.steps.iter().map(|s| &s.op).collect();
    assert!(
        matches!(
            ops[..],
            [Op::AddConstraint { definition, .. }, Op::AttachPartition { .. }]
                if definition == "CHECK ((id > 0))"
        ),
        "{:?}",
        steps(&p)
    );
    // Detached again, the CHECK is the table's own: a standalone declaration without it
    // drops it, after the detach.
    let p = plan_with(&to, &from, &LockOptions::default());
    let ops: Vec<&Op> = p.steps.iter().map(|s| &s.op).collect();
    assert!(
        matches!(
            ops[..],
            [Op::DetachPartition { .. }, Op::DropConstraint { name, .. }] if name == "events_id_check"
        ),
        "{:?}",
        steps(&p)
    );
}
