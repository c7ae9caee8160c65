//! A table rebuild: SQLite's "12-step" procedure for changes `ALTER TABLE` cannot make
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>): create the new table under a
//! temporary name, copy the rows with an explicit column map, drop the old table, rename the
//! new one, re-create its indexes.

use crate::diff::{same_column, TableChange};
use crate::model::{Column, Schema, Table};

/// One column of the copy: `target` receives `source` (a column of the old table), or
/// `IFNULL(source, backfill)` when the column becomes NOT NULL with a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyColumn {
    pub target: String,
    pub source: String,
    pub backfill: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuild {
    pub before: Table,
    pub after: Table,
    /// The name the new table is created under before the rename.
    pub temp_name: String,
    pub copy: Vec<CopyColumn>,
    /// Copy the rowid too, as `(name in the new table, name in the old one)`: the table has a
    /// rowid but no `INTEGER PRIMARY KEY` alias, and rowids must survive (other rows and
    /// applications may point at them). The name is the first of `rowid`, `_rowid_`, `oid`
    /// that no column shadows; `None` when all three are (see [`Rebuild::renumbers_rowids`]).
    pub keep_rowid: Option<(String, String)>,
    /// Carry the AUTOINCREMENT high-water mark in `sqlite_sequence` over to the new table.
    pub carry_sequence: bool,
    /// Columns of the old table whose values the copy does not keep.
    pub lost_columns: Vec<String>,
    /// New NOT NULL columns without a default: existing rows need a value only the reviewer
    /// can write. The copy puts a marked `NULL` there, which fails on a non-empty table.
    pub backfills: Vec<String>,
    /// What changed, one line each, for the comment above the step.
    pub reasons: Vec<String>,
}

impl Rebuild {
    pub(super) fn new(tc: &TableChange, _to: &Schema) -> Rebuild {
        let (before, after) = (&tc.before, &tc.after);
        let copy = tc
            .sources
            .iter()
            .filter_map(|(target, source)| {
                let to_col = after.column(target)?;
                let from_col = before.column(source.as_deref()?)?;
                if to_col.generated.is_some() {
                    return None;
                }
                let becomes_not_null = to_col.not_null && !from_col.not_null;
                Some(CopyColumn {
                    target: target.clone(),
                    source: from_col.name.clone(),
                    backfill: to_col.default.clone().filter(|_| becomes_not_null),
                })
            })
            .collect();
        let lost_columns = tc
            .dropped
            .iter()
            .filter(|c| before.column(c).is_some_and(|c| c.generated.is_none()))
            .cloned()
            .collect();
        let backfills = tc
            .sources
            .iter()
            .filter(|(_, source)| source.is_none())
            .filter_map(|(target, _)| after.column(target))
            .filter(|c| c.not_null && c.default.is_none() && c.generated.is_none())
            .map(|c| c.name.clone())
            .collect();
        let autoinc = |t: &Table| t.primary_key.as_ref().is_some_and(|pk| pk.autoincrement);
        Rebuild {
            temp_name: format!("schemadiff_new_{}", after.name),
            copy,
            keep_rowid: rowid_copied(before, after)
                .and_then(|_| Some((rowid_name(after)?, rowid_name(before)?))),
            carry_sequence: autoinc(before) && autoinc(after),
            lost_columns,
            backfills,
            reasons: describe_change(tc),
            before: before.clone(),
            after: after.clone(),
        }
    }
}

impl Rebuild {
    /// Reports whether the copy must keep rowids but cannot name them (columns called
    /// `rowid`, `_rowid_` and `oid` shadow every name): the new table numbers its rows afresh.
    pub fn renumbers_rowids(&self) -> bool {
        rowid_copied(&self.before, &self.after).is_some() && self.keep_rowid.is_none()
    }
}

/// `Some` when both tables have rowids and the new one no alias column to carry them.
fn rowid_copied(before: &Table, after: &Table) -> Option<()> {
    (!before.without_rowid && !after.without_rowid && !after.has_rowid_alias()).then_some(())
}

/// The first of the rowid's names that no column of `t` shadows
/// (<https://www.sqlite.org/lang_createtable.html#rowid>).
fn rowid_name(t: &Table) -> Option<String> {
    ["rowid", "_rowid_", "oid"]
        .into_iter()
        .find(|a| !t.columns.iter().any(|c| c.name.eq_ignore_ascii_case(a)))
        .map(str::to_string)
}

/// Returns what differs between the two sides of a table change, one line per difference.
pub fn describe_change(tc: &TableChange) -> Vec<String> {
    let (b, a) = (&tc.before, &tc.after);
    let mut out = Vec::new();
    for (old, new) in &tc.renamed {
        out.push(format!("column {old} renamed to {new}"));
    }
    for (target, source) in &tc.sources {
        let to_col = a.column(target);
        match source.as_deref().and_then(|s| b.column(s)) {
            None => out.push(format!("column {target} added")),
            Some(from_col) => {
                if let Some(to_col) = to_col {
                    column_changes(from_col, to_col, &mut out);
                }
            }
        }
    }
    for c in &tc.dropped {
        out.push(format!("column {c} dropped"));
    }
    let kept: Vec<&String> = tc.sources.iter().filter_map(|(_, s)| s.as_ref()).collect();
    let before_order: Vec<&String> = b
        .columns
        .iter()
        .map(|c| &c.name)
        .filter(|n| kept.contains(n))
        .collect();
    if kept != before_order {
        out.push("column order changed".into());
    }
    if b.primary_key != a.primary_key {
        out.push("primary key changed".into());
    }
    set_changes(
        "UNIQUE",
        &b.uniques,
        &a.uniques,
        |u| format!("({})", u.columns.join(", ")),
        &mut out,
    );
    set_changes(
        "CHECK",
        &b.checks,
        &a.checks,
        |c| format!("({})", c.expr),
        &mut out,
    );
    set_changes(
        "FOREIGN KEY",
        &b.foreign_keys,
        &a.foreign_keys,
        foreign_key_text,
        &mut out,
    );
    if b.strict != a.strict {
        out.push(format!(
            "STRICT {}",
            if a.strict { "added" } else { "removed" }
        ));
    }
    if b.without_rowid != a.without_rowid {
        out.push(format!(
            "WITHOUT ROWID {}",
            if a.without_rowid { "added" } else { "removed" }
        ));
    }
    out
}

/// Describes a foreign key in full, so that a change of action or deferral is visible.
fn foreign_key_text(f: &crate::model::ForeignKey) -> String {
    let mut s = format!("({}) -> {}", f.columns.join(", "), f.ref_table);
    if !f.ref_columns.is_empty() {
        s.push_str(&format!(" ({})", f.ref_columns.join(", ")));
    }
    for (what, action) in [("ON DELETE", f.on_delete), ("ON UPDATE", f.on_update)] {
        if action != crate::model::FkAction::NoAction {
            s.push_str(&format!(" {what} {}", action.sql()));
        }
    }
    if f.deferred {
        s.push_str(" DEFERRABLE INITIALLY DEFERRED");
    }
    s
}

/// Lists constraints removed from and added to a sorted list, e.g. `CHECK (x > 0) added`.
fn set_changes<T: PartialEq>(
    kind: &str,
    before: &[T],
    after: &[T],
    show: impl Fn(&T) -> String,
    out: &mut Vec<String>,
) {
    for item in before.iter().filter(|i| !after.contains(i)) {
        out.push(format!("{kind} {} removed", show(item)));
    }
    for item in after.iter().filter(|i| !before.contains(i)) {
        out.push(format!("{kind} {} added", show(item)));
    }
}

fn column_changes(from: &Column, to: &Column, out: &mut Vec<String>) {
    let renamed = Column {
        name: to.name.clone(),
        ..from.clone()
    };
    if same_column(&renamed, to) {
        return;
    }
    let n = &to.name;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    if from.ty != to.ty {
        out.push(format!(
            "column {n}: type {} -> {}",
            or_none(&from.ty),
            or_none(&to.ty)
        ));
    }
    if from.not_null != to.not_null {
        out.push(format!(
            "column {n}: {}",
            if to.not_null {
                "NULL -> NOT NULL"
            } else {
                "NOT NULL -> NULL"
            }
        ));
    }
    if from.default != to.default {
        out.push(format!(
            "column {n}: default {} -> {}",
            show(&from.default),
            show(&to.default)
        ));
    }
    if from.collation != to.collation {
        out.push(format!(
            "column {n}: collation {} -> {}",
            show(&from.collation),
            show(&to.collation)
        ));
    }
    if from.generated != to.generated {
        out.push(format!("column {n}: generated expression changed"));
    }
}

fn or_none(ty: &str) -> &str {
    if ty.is_empty() {
        "(none)"
    } else {
        ty
    }
}
