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

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            ty: ty.into(),
            ..Column::default()
        }
    }

    fn table(name: &str, cols: &[(&str, &str)]) -> Table {
        Table {
            name: name.into(),
            columns: cols.iter().map(|(n, t)| col(n, t)).collect(),
            ..Table::default()
        }
    }

    /// Same type, names aside (both hooks), as a test rule.
    fn rule(tables: Pairing) -> RenameRule {
        RenameRule {
            same_column: |a, b| a.ty == b.ty,
            same_table: |a, b| {
                a.columns.len() == b.columns.len()
                    && a.columns.iter().zip(&b.columns).all(|(x, y)| x.ty == y.ty)
            },
            tables,
        }
    }

    fn changes(list: Vec<Change>) -> Changeset {
        Changeset { changes: list }
    }

    #[test]
    fn a_table_pairs_with_its_only_twin_or_only_as_the_only_pair() {
        let old = table("old", &[("a", "INT")]);
        let other = table("other", &[("b", "TEXT")]);
        let new = table("new", &[("a", "INT")]);
        let two_drops = changes(vec![
            Change::DropTable(old.clone()),
            Change::DropTable(other.clone()),
            Change::CreateTable(new.clone()),
        ]);
        // Two drops: no pair under OnlyPair; `old` has one twin under UniqueTwin.
        assert!(likely_renames(&two_drops, &rule(Pairing::OnlyPair)).is_empty());
        let found = likely_renames(&two_drops, &rule(Pairing::UniqueTwin));
        assert_eq!(
            found,
            vec![LikelyRename::Table {
                from: &old,
                to: &new
            }]
        );
        assert_eq!(table_of(&found, &old), Some(&new));
        assert_eq!(table_of(&found, &other), None);
        // Two twins: no one of them is the rename.
        let two_twins = changes(vec![
            Change::DropTable(old.clone()),
            Change::CreateTable(new.clone()),
            Change::CreateTable(table("new2", &[("x", "INT")])),
        ]);
        assert!(likely_renames(&two_twins, &rule(Pairing::UniqueTwin)).is_empty());
        // One drop, one create of another shape: none.
        let unlike = changes(vec![
            Change::DropTable(old.clone()),
            Change::CreateTable(other.clone()),
        ]);
        assert!(likely_renames(&unlike, &rule(Pairing::OnlyPair)).is_empty());
    }

    #[test]
    fn a_column_pairs_only_when_one_is_dropped_and_one_added() {
        let before = table("t", &[("id", "INT"), ("a", "TEXT")]);
        let after = table("t", &[("id", "INT"), ("b", "TEXT")]);
        let tc = |after: Table| TableChange {
            sources: after
                .columns
                .iter()
                .map(|c| (c.name.clone(), (c.name == "id").then(|| "id".to_string())))
                .collect(),
            before: before.clone(),
            after,
            dropped: vec!["a".into()],
            renamed: Vec::new(),
        };
        let one = changes(vec![Change::AlterTable(Box::new(tc(after.clone())))]);
        let found = likely_renames(&one, &rule(Pairing::OnlyPair));
        assert_eq!(found.len(), 1);
        assert_eq!(
            column_of(&found, &after, "a").map(|c| c.name.as_str()),
            Some("b")
        );
        assert_eq!(column_of(&found, &after, "id"), None);
        // Two added columns: either could be the rename, so neither is.
        let two = table("t", &[("id", "INT"), ("b", "TEXT"), ("c", "TEXT")]);
        let two = changes(vec![Change::AlterTable(Box::new(tc(two)))]);
        assert!(likely_renames(&two, &rule(Pairing::OnlyPair)).is_empty());
        // Another type: not the same shape.
        let other = table("t", &[("id", "INT"), ("b", "INT")]);
        let other = changes(vec![Change::AlterTable(Box::new(tc(other)))]);
        assert!(likely_renames(&other, &rule(Pairing::UniqueTwin)).is_empty());
    }
}
