//! Lock-aware PostgreSQL plans, off by default ([`LockOptions`]): indexes on tables the
//! transaction leaves alone are built and dropped `CONCURRENTLY` before it; CHECK and
//! foreign keys on existing tables are added `NOT VALID` in it and validated after it
//! commits; `SET NOT NULL` on an existing column goes through a validated CHECK; session
//! timeouts come first. Pure: rewrites the steps [`super::plan_postgres_with`] collected.

use super::{hazard, Op, Phase, TableName};
use crate::model::{Index, Schema};
use crate::plan::{Hazard, HazardKind, LockOptions, Planned};
use std::collections::BTreeSet;

/// Whether `text` is a PostgreSQL duration schemadiff writes as is: digits and a unit
/// (`us`, `ms`, `s`, `min`, `h`, `d`; bare digits would silently mean milliseconds).
pub fn valid_timeout(text: &str) -> bool {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && matches!(&text[digits..], "us" | "ms" | "s" | "min" | "h" | "d")
}

/// Rewrites `steps` as `o` asks. `affected` holds the tables whose columns the transaction
/// adds, drops, renames or retypes: their indexes are built inside it.
pub fn apply(
    steps: Vec<Planned<Op>>,
    o: &LockOptions,
    from: &Schema,
    affected: &BTreeSet<String>,
) -> Vec<Planned<Op>> {
    let mut out = Vec::with_capacity(steps.len());
    if !steps.is_empty() {
        for (setting, value) in [
            ("lock_timeout", &o.lock_timeout),
            ("statement_timeout", &o.statement_timeout),
        ] {
            if let Some(value) = value {
                let op = Op::SetTimeout {
                    setting: setting.into(),
                    value: value.clone(),
                };
                out.push(step(Phase::Preamble, op, Vec::new()));
            }
        }
    }
    // An index build before the transaction cannot use what the transaction creates
    // (an extension's operator class, an enum type, a function or domain).
    let concurrent = o.concurrent_indexes
        && !steps.iter().any(|s| {
            matches!(
                s.phase,
                Phase::CreateSchema
                    | Phase::CreateExtension
                    | Phase::CreateEnum
                    | Phase::CreateRoutine
                    | Phase::CreateReplacedRoutine
            )
        });
    let backfilled: BTreeSet<(String, String)> = steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::Backfill { table, column } => Some((key(table), column.clone())),
            _ => None,
        })
        .collect();
    for s in steps {
        match s.op {
            // `CREATE INDEX CONCURRENTLY` is not allowed on a partitioned table.
            Op::CreateIndex(i)
                if concurrent
                    && from.tables.contains_key(&i.table)
                    && !partitioned(from, &i.table)
                    && !affected.contains(&i.table) =>
            {
                out.push(create_concurrently(i));
            }
            Op::DropIndex { schema, name }
                if concurrent && droppable(from, affected, &schema, &name) =>
            {
                let op = Op::DropIndexConcurrently { schema, name };
                out.push(step(Phase::DropIndexConcurrently, op, s.hazards));
            }
            Op::AddConstraint {
                table,
                name,
                definition,
                // A parent's CHECK added so that the table may join it (`AlterTable`) must be
                // valid: ATTACH and INHERIT refuse a NOT VALID one.
            } if o.not_valid
                && s.phase != Phase::AlterTable
                && from.tables.contains_key(&key(&table))
                && (definition.starts_with("CHECK")
                    || (definition.starts_with("FOREIGN KEY")
                        && !partitioned(from, &key(&table))))
                && !definition.ends_with("NOT VALID") =>
            {
                let may_fail = s
                    .hazards
                    .iter()
                    .any(|h| h.kind == HazardKind::MayFailOnExistingRows);
                not_valid(&mut out, s.phase, table, name, definition, may_fail);
            }
            Op::SetNotNull {
                table,
                column,
                not_null: true,
            } if o.not_valid && !backfilled.contains(&(key(&table), column.clone())) => {
                not_null_by_check(&mut out, table, column);
            }
            op => out.push(Planned { op, ..s }),
        }
    }
    out
}

/// Whether table `key` of `from` is partitioned: PostgreSQL 15 builds and drops its
/// indexes only in the plain form, and refuses a `NOT VALID` foreign key on it.
fn partitioned(from: &Schema, key: &str) -> bool {
    from.tables
        .get(key)
        .is_some_and(|t| t.partition_by.is_some())
}

fn step(phase: Phase, op: Op, hazards: Vec<Hazard>) -> Planned<Op> {
    Planned { phase, op, hazards }
}

fn key(t: &TableName) -> String {
    crate::model::qualified_key(&t.schema, &t.name)
}

fn create_concurrently(i: Index) -> Planned<Op> {
    let mut hazards = vec![hazard(
        HazardKind::IndexBuild,
        format!(
            "builds index {} on existing table {} concurrently: writes go on, the build scans the table twice, and a failed build leaves an INVALID index to drop",
            i.name, i.table
        ),
    )];
    if i.unique {
        hazards.push(hazard(
            HazardKind::MayFailOnExistingRows,
            format!(
                "unique index {} fails if {} holds duplicates",
                i.name, i.table
            ),
        ));
    }
    step(
        Phase::CreateIndexConcurrently,
        Op::CreateIndexConcurrently(i),
        hazards,
    )
}

/// An index can go before the transaction when the transaction leaves its table's columns
/// alone (else a failed transaction would leave the index gone at the old revision) and
/// it is not unique with a foreign key that may rely on it (dropped inside the transaction).
fn droppable(from: &Schema, affected: &BTreeSet<String>, schema: &str, name: &str) -> bool {
    let Some(table) = from
        .tables
        .values()
        .find(|t| t.schema.as_deref() == Some(schema) && t.indexes.contains_key(name))
    else {
        return false;
    };
    if affected.contains(&table.key()) || table.partition_by.is_some() {
        return false;
    }
    let unique = table.indexes.get(name).is_some_and(|i| i.unique);
    let referenced = from
        .tables
        .values()
        .flat_map(|t| &t.foreign_keys)
        .any(|fk| fk.ref_table == table.key() || fk.ref_table == table.name);
    !(unique && referenced)
}

/// `ADD CONSTRAINT … NOT VALID` in the transaction (a brief lock, no scan), then
/// `VALIDATE CONSTRAINT` after the commit (a scan that lets writes go on).
fn not_valid(
    out: &mut Vec<Planned<Op>>,
    phase: Phase,
    table: TableName,
    name: String,
    def: String,
    may_fail: bool,
) {
    let detail = format!(
        "validating {name} on {} fails if a row violates it; the constraint then stays NOT VALID (new rows are checked, old ones not)",
        key(&table)
    );
    let add = Op::AddConstraint {
        table: table.clone(),
        name: name.clone(),
        definition: format!("{def} NOT VALID"),
    };
    out.push(step(phase, add, Vec::new()));
    let validate = Op::ValidateConstraint { table, name };
    let hazards = match may_fail {
        true => vec![hazard(HazardKind::MayFailOnExistingRows, detail)],
        false => Vec::new(),
    };
    out.push(step(Phase::AfterCommit, validate, hazards));
}

/// The name of the CHECK that stands in for NOT NULL while it is validated (≤ 63 bytes).
fn check_name(table: &TableName, column: &str) -> String {
    let mut name = format!("{}_{column}_not_null", table.name);
    while name.len() > 63 {
        name.remove(0);
    }
    name
}

/// `CHECK (col IS NOT NULL) NOT VALID`, validated after the commit; then `SET NOT NULL`
/// (PostgreSQL skips its scan when a valid CHECK proves it) and the CHECK dropped.
fn not_null_by_check(out: &mut Vec<Planned<Op>>, table: TableName, column: String) {
    let name = check_name(&table, &column);
    let quoted = crate::sqltext::quote_pg_ident(&column);
    not_valid(
        out,
        Phase::AlterTable,
        table.clone(),
        name.clone(),
        format!("CHECK ({quoted} IS NOT NULL)"),
        true,
    );
    let set = Op::SetNotNull {
        table: table.clone(),
        column,
        not_null: true,
    };
    out.push(step(Phase::AfterCommit, set, Vec::new()));
    let drop = Op::DropConstraint { table, name };
    out.push(step(Phase::AfterCommit, drop, Vec::new()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_digits_and_a_unit() {
        for ok in ["5s", "250ms", "15min", "1h", "0s", "2d", "10us"] {
            assert!(valid_timeout(ok), "{ok}");
        }
        for bad in [
            "",
            "s",
            "5 s",
            "5sec",
            "5s'; DROP TABLE x; --",
            "-1s",
            "1.5s",
        ] {
            assert!(!valid_timeout(bad), "{bad}");
        }
    }

    #[test]
    fn check_names_fit_in_63_bytes() {
        let t = TableName {
            schema: "public".into(),
            name: "t".repeat(70),
        };
        let name = check_name(&t, "c");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_c_not_null"));
    }
}
