//! One rule for drops that look like renames (the `likely-rename` hazard): a column dropped
//! and one added in the same table, or a table dropped and one created, whose shapes match.
//! Each engine says what "the same shape" means and how tables pair up ([`RenameRule`]);
//! the rule itself is here once.

use crate::diff::{Change, Changeset, TableChange};
use crate::model::{Column, Table};

/// How dropped and created tables pair up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// Only a changeset that drops exactly one table and creates exactly one pairs them.
    OnlyPair,
    /// Each dropped table pairs with its twin when exactly one created table is its twin.
    UniqueTwin,
}

/// An engine's part of the rule. Columns pair only when a table change drops exactly one
/// column and adds exactly one (both engines).
#[derive(Debug, Clone, Copy)]
pub struct RenameRule {
    /// Whether an added column has the shape of a dropped one (its name aside).
    pub same_column: fn(&Column, &Column) -> bool,
    /// Whether a created table has the shape of a dropped one (its name aside).
    pub same_table: fn(&Table, &Table) -> bool,
    pub tables: Pairing,
}

/// A drop that looks like a rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikelyRename<'a> {
    /// In `table` (as it is after the change), column `from` is dropped and `to` added.
    Column {
        table: &'a Table,
        from: &'a Column,
        to: &'a Column,
    },
    /// Table `from` is dropped and `to` created.
    Table { from: &'a Table, to: &'a Table },
}

/// Returns the drops of `changes` that look like renames under `rule`: the columns in
/// change order, then the tables in drop order.
pub fn likely_renames<'a>(changes: &'a Changeset, rule: &RenameRule) -> Vec<LikelyRename<'a>> {
    let mut out = Vec::new();
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    for change in &changes.changes {
        match change {
            Change::AlterTable(tc) => out.extend(column_rename(tc, rule)),
            Change::CreateTable(t) => created.push(t),
            Change::DropTable(t) => dropped.push(t),
            _ => {}
        }
    }
    match rule.tables {
        Pairing::OnlyPair => {
            if let ([to], [from]) = (created.as_slice(), dropped.as_slice()) {
                if (rule.same_table)(from, to) {
                    out.push(LikelyRename::Table { from, to });
                }
            }
        }
        Pairing::UniqueTwin => {
            for from in dropped {
                let twins: Vec<&&Table> = created
                    .iter()
                    .filter(|to| (rule.same_table)(from, to))
                    .collect();
                if let [to] = twins.as_slice() {
                    out.push(LikelyRename::Table { from, to });
                }
            }
        }
    }
    out
}

/// The one dropped column of `tc` that looks like its one added column.
fn column_rename<'a>(tc: &'a TableChange, rule: &RenameRule) -> Option<LikelyRename<'a>> {
    let added: Vec<&Column> = tc
        .sources
        .iter()
        .filter(|(_, source)| source.is_none())
        .filter_map(|(name, _)| tc.after.column(name))
        .collect();
    let ([to], [old]) = (added.as_slice(), tc.dropped.as_slice()) else {
        return None;
    };
    let from = tc.before.column(old)?;
    (rule.same_column)(from, to).then_some(LikelyRename::Column {
        table: &tc.after,
        from,
        to,
    })
}

/// Returns the column of `table` whose drop looks like a rename, with the added column.
pub fn column_of<'a>(
    renames: &[LikelyRename<'a>],
    table: &Table,
    column: &str,
) -> Option<&'a Column> {
    renames.iter().find_map(|r| match r {
        LikelyRename::Column { table: t, from, to }
            if t.schema == table.schema && t.name == table.name && from.name == column =>
        {
            Some(*to)
        }
        _ => None,
    })
}

/// Returns the table created where `table`'s drop looks like a rename.
pub fn table_of<'a>(renames: &[LikelyRename<'a>], table: &Table) -> Option<&'a Table> {
    renames.iter().find_map(|r| match r {
        LikelyRename::Table { from, to }
            if from.schema == table.schema && from.name == table.name =>
        {
            Some(*to)
        }
        _ => None,
    })
}
