//! Enum types and sequences.

use super::{hazard, CommentOn, Op, Phase, SequenceOf, Steps, TableName};
use crate::model::{EnumType, Schema, Sequence, SequenceOptions, Table};
use crate::plan::HazardKind;
use crate::sqltext::quote_pg_qualified;
use std::collections::BTreeSet;

pub fn create_enum(steps: &mut Steps, e: &EnumType) {
    steps.push(Phase::CreateEnum, Op::CreateEnum(e.clone()));
    if e.comment.is_some() {
        steps.push(Phase::Comment, type_comment(e));
    }
}

fn type_comment(e: &EnumType) -> Op {
    Op::Comment {
        on: CommentOn::Type(TableName {
            schema: e.schema.clone(),
            name: e.name.clone(),
        }),
        text: e.comment.clone(),
    }
}

/// Labels only added (old order kept): `ADD VALUE` each in place. Otherwise the type is
/// re-created and every column using it converted through text.
pub fn alter_enum(
    steps: &mut Steps,
    before: &EnumType,
    after: &EnumType,
    from: &Schema,
    to: &Schema,
    affected: &mut BTreeSet<String>,
) {
    if before.comment != after.comment {
        steps.push(Phase::Comment, type_comment(after));
    }
    if before.labels == after.labels {
        return;
    }
    let kept: Vec<&String> = after
        .labels
        .iter()
        .filter(|l| before.labels.contains(l))
        .collect();
    if kept.len() == before.labels.len() && kept.iter().zip(&before.labels).all(|(a, b)| *a == b) {
        for (i, label) in after.labels.iter().enumerate() {
            if before.labels.contains(label) {
                continue;
            }
            let position = match i {
                0 => after.labels.get(1).map(|n| (true, n.clone())),
                _ => Some((false, after.labels[i - 1].clone())),
            };
            let op = Op::AddEnumValue {
                ty: before.clone(),
                label: label.clone(),
                position,
            };
            steps.push(Phase::NoTransaction, op);
        }
        return;
    }
    recreate_enum(steps, before, after, from, to, affected);
}

fn recreate_enum(
    steps: &mut Steps,
    before: &EnumType,
    after: &EnumType,
    from: &Schema,
    to: &Schema,
    affected: &mut BTreeSet<String>,
) {
    let mut base = before.name.clone();
    while base.len() > 63 - "_old".len() {
        base.pop(); // PostgreSQL would cut `<63 bytes>_old` back to the name itself
    }
    let old_name = format!("{base}_old");
    let removed: Vec<&String> = before
        .labels
        .iter()
        .filter(|l| !after.labels.contains(l))
        .collect();
    let detail = if removed.is_empty() {
        format!(
            "re-creates type {}.{} to reorder its labels; every column using it is rewritten",
            after.schema, after.name
        )
    } else {
        format!(
            "re-creates type {}.{} without {}; fails if a row still holds one, and rewrites every column using it",
            after.schema,
            after.name,
            removed.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ")
        )
    };
    let rename = Op::RenameEnum {
        ty: before.clone(),
        to: old_name.clone(),
    };
    let kind = if removed.is_empty() {
        HazardKind::RewritesTable
    } else {
        HazardKind::EnumValueRemoval
    };
    steps.risky(Phase::RecreateEnum, rename, vec![hazard(kind, detail)]);
    steps.push(Phase::RecreateEnum, Op::CreateEnum(after.clone()));
    let type_name = quote_pg_qualified(&after.schema, &after.name);
    steps.recreated_enums.insert(type_name.clone());
    steps.recreated_enums.insert(format!("{type_name}[]"));
    let mut converted = BTreeSet::new();
    for (key, table) in &from.tables {
        let Some(target) = to.tables.get(key) else {
            continue;
        };
        for col in &table.columns {
            let array = col.ty == format!("{type_name}[]");
            if col.ty != type_name && !array {
                continue;
            }
            let Some(new_col) = target.column(&col.name) else {
                continue;
            };
            affected.insert(key.clone());
            steps.table_changes(key);
            if converted.insert(key.clone()) {
                rebuild_dependents(steps, table, target, &type_name);
            }
            let name = TableName::of(table);
            let quoted = crate::sqltext::quote_pg_ident(&col.name);
            let using = if array {
                format!("{quoted}::text[]::{type_name}[]")
            } else {
                format!("{quoted}::text::{type_name}")
            };
            if col.default.is_some() {
                let op = Op::SetDefault {
                    table: name.clone(),
                    column: col.name.clone(),
                    default: None,
                };
                steps.push(Phase::ConvertEnum, op);
            }
            let op = Op::AlterType {
                table: name.clone(),
                column: new_col.clone(),
                using,
            };
            steps.push(Phase::ConvertEnum, op);
            if new_col.default.is_some() {
                let op = Op::SetDefault {
                    table: name,
                    column: col.name.clone(),
                    default: new_col.default.clone(),
                };
                steps.push(Phase::ConvertEnum, op);
            }
        }
    }
    let mut old = before.clone();
    old.name = old_name;
    steps.push(Phase::ConvertEnum, Op::DropEnum(old));
}

/// Indexes and CHECKs that name the enum type (a partial index's `state <> 'done'::status`)
/// would compare the old type with the new one during the conversion: unchanged ones are
/// dropped before and re-created after (changed ones the differ already drops and adds).
fn rebuild_dependents(steps: &mut Steps, before: &Table, after: &Table, type_name: &str) {
    let name = TableName::of(before);
    for (iname, index) in &before.indexes {
        let mentions = index
            .definition
            .as_deref()
            .is_some_and(|d| d.contains(type_name));
        if mentions && after.indexes.get(iname) == Some(index) {
            let schema = name.schema.clone();
            steps.push(
                Phase::DropIndex,
                Op::DropIndex {
                    schema,
                    name: iname.clone(),
                },
            );
            steps.push(Phase::CreateIndex, Op::CreateIndex(index.clone()));
        }
    }
    for check in &before.checks {
        let def = check.definition.clone().unwrap_or_default();
        if def.contains(type_name) && after.checks.contains(check) {
            let cname = check.name.clone().unwrap_or_default();
            let drop = Op::DropConstraint {
                table: name.clone(),
                name: cname.clone(),
            };
            steps.push(Phase::DropConstraint, drop);
            let add = Op::AddConstraint {
                table: name.clone(),
                name: cname,
                definition: def,
            };
            steps.push(Phase::AddConstraint, add);
        }
    }
}

pub fn create_sequence(steps: &mut Steps, q: &Sequence) {
    steps.push(Phase::CreateSequence, Op::CreateSequence(q.clone()));
    if q.owned_by.is_some() {
        steps.push(Phase::SequenceOwnedBy, Op::SequenceOwnedBy(q.clone()));
    }
}

/// A serial column's sequence goes with its table or column; others are dropped last.
pub fn drop_sequence(steps: &mut Steps, q: &Sequence, to: &Schema) {
    let goes_with_owner = q.owned_by.as_ref().is_some_and(|(table, column)| {
        to.tables
            .get(table)
            .is_none_or(|t| t.column(column).is_none())
    });
    if !goes_with_owner {
        steps.push(Phase::DropSequence, Op::DropSequence(q.clone()));
    }
}

/// The step that moves a sequence forward to the bound of `after` it counts away from, when
/// that bound moves ahead of the one of `before` and of its start (see
/// [`Op::SequenceForward`]). A bound moved
/// on the side a sequence counts towards is left to the server, which refuses it when the
/// value is past it: moving the sequence back could hand out values again.
pub fn into_bounds(
    sequence: SequenceOf,
    before: &SequenceOptions,
    after: &SequenceOptions,
) -> Option<Op> {
    let ascending = after.increment > 0;
    // A sequence counts from its start: a bound that stays behind the old start cannot be
    // ahead of the value (unless a `setval` or a cycle took it back; the server then refuses
    // the ALTER and the script rolls back).
    let (bound, ahead) = if ascending {
        (
            after.min,
            after.min > before.min && after.min > before.start,
        )
    } else {
        (
            after.max,
            after.max < before.max && after.max < before.start,
        )
    };
    ahead.then_some(Op::SequenceForward {
        sequence,
        unused: before.start,
        bound,
        ascending,
    })
}

pub fn alter_sequence(steps: &mut Steps, before: &Sequence, after: &Sequence) {
    if before.options != after.options {
        let of = SequenceOf::Named {
            schema: before.schema.clone(),
            name: before.name.clone(),
        };
        if let Some(op) = into_bounds(of, &before.options, &after.options) {
            steps.push(Phase::CreateSequence, op);
        }
        steps.push(Phase::CreateSequence, Op::AlterSequence(after.clone()));
    }
    if before.owned_by != after.owned_by {
        steps.push(Phase::SequenceOwnedBy, Op::SequenceOwnedBy(after.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(start: i64, increment: i64, min: i64, max: i64) -> SequenceOptions {
        SequenceOptions {
            ty: "integer".into(),
            start,
            increment,
            min,
            max,
            cache: 1,
            cycle: false,
        }
    }

    fn forward(before: SequenceOptions, after: SequenceOptions) -> Option<(i64, bool)> {
        let of = SequenceOf::Named {
            schema: "public".into(),
            name: "s".into(),
        };
        match into_bounds(of, &before, &after)? {
            Op::SequenceForward {
                bound, ascending, ..
            } => Some((bound, ascending)),
            _ => None,
        }
    }

    #[test]
    fn a_sequence_moves_forward_only_past_its_start() {
        // MINVALUE raised above the start: the value may be behind it.
        assert_eq!(
            forward(options(1, 1, 1, 100), options(50, 1, 50, 100)),
            Some((50, true))
        );
        // Raised, but not past the start: the value cannot be behind it.
        assert_eq!(
            forward(options(100, 1, 1, 999), options(100, 1, 100, 999)),
            None
        );
        // The bound an ascending sequence counts towards is left to the server.
        assert_eq!(forward(options(1, 1, 1, 1000), options(1, 1, 1, 10)), None);
        // Descending: MAXVALUE lowered below the start.
        assert_eq!(
            forward(options(-1, -1, -100, -1), options(-10, -1, -100, -10)),
            Some((-10, false))
        );
    }
}
