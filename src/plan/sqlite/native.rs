//! Decides whether SQLite's native `ALTER TABLE` can carry out a table change.
//!
//! The test is a simulation: apply to the `before` table exactly what `DROP COLUMN`,
//! `RENAME COLUMN` and `ADD COLUMN` would do (SQLite rewrites references on rename), and go
//! native only when the result equals the `after` table. Anything else is a rebuild, so a
//! native path can never leave the table different from what was declared.
//! Rules: <https://www.sqlite.org/lang_altertable.html>.

use super::Caps;
use crate::diff::TableChange;
use crate::model::{Column, ForeignKey, Table};
use crate::sqltext::{is_constant_literal, rename_column_in_expr};

/// The native operations for one table, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeOps {
    pub drops: Vec<String>,
    pub renames: Vec<(String, String)>,
    pub adds: Vec<(Column, Option<ForeignKey>)>,
}

impl NativeOps {
    /// Reports whether there is nothing to run (a table rename already rewrote the table).
    pub fn is_empty(&self) -> bool {
        self.drops.is_empty() && self.renames.is_empty() && self.adds.is_empty()
    }
}

/// Returns the native operations for `tc`, or `None` when the table must be rebuilt.
/// `table_renames` (`old -> new`) are the table renames that run first: SQLite rewrites
/// foreign keys that reference a renamed table (since 3.26), so the simulation does too.
pub fn native_ops(
    tc: &TableChange,
    caps: Caps,
    table_renames: &[(String, String)],
) -> Option<NativeOps> {
    let (before, after) = (&tc.before, &tc.after);
    if (!tc.renamed.is_empty() && !caps.can_rename_column())
        || (!tc.dropped.is_empty() && !caps.can_drop_column())
    {
        return None;
    }
    let mut t = before.clone();
    for fk in &mut t.foreign_keys {
        if let Some((_, new)) = table_renames
            .iter()
            .find(|(old, _)| old.eq_ignore_ascii_case(&fk.ref_table))
        {
            fk.ref_table = new.clone();
        }
    }
    for name in &tc.dropped {
        t.columns.retain(|c| &c.name != name);
    }
    for (old, new) in &tc.renamed {
        if before.column(new).is_some() {
            return None;
        }
        rename_column(&mut t, old, new);
    }
    let kept = t.columns.len();
    let tail = after.columns.get(kept..)?;
    let mut adds = Vec::new();
    for col in tail {
        if before.column(&col.name).is_some() || !addable(col, after) {
            return None;
        }
        let fk = after
            .foreign_keys
            .iter()
            .find(|fk| fk.columns == [col.name.clone()])
            .cloned();
        if let Some(fk) = &fk {
            t.foreign_keys.push(fk.clone());
        }
        t.columns.push(col.clone());
        adds.push((col.clone(), fk));
    }
    t.foreign_keys.sort();
    t.indexes = after.indexes.clone();
    (t == *after).then(|| NativeOps {
        drops: tc.dropped.clone(),
        renames: tc.renamed.clone(),
        adds,
    })
}

/// `ADD COLUMN` limits: no PRIMARY KEY or UNIQUE, no STORED generated column, a constant
/// default only, NOT NULL needs a non-NULL default, and a foreign key needs a NULL default.
fn addable(col: &Column, after: &Table) -> bool {
    let in_key = after
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.contains(&col.name))
        || after.uniques.iter().any(|u| u.columns.contains(&col.name));
    let has_fk = after
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(&col.name));
    let null_default = col
        .default
        .as_deref()
        .is_none_or(|d| d.eq_ignore_ascii_case("NULL"));
    let default_ok = col.default.as_deref().is_none_or(is_constant_literal);
    let stored = col.generated.as_ref().is_some_and(|g| g.stored);
    let not_null_without_value = col.not_null && col.generated.is_none() && null_default;
    !in_key && !stored && default_ok && !not_null_without_value && (!has_fk || null_default)
}

/// Renames a column in `t` the way SQLite's `RENAME COLUMN` rewrites the table.
fn rename_column(t: &mut Table, old: &str, new: &str) {
    let rename = |name: &mut String| {
        if name == old {
            *name = new.to_string();
        }
    };
    for c in &mut t.columns {
        rename(&mut c.name);
        if let Some(g) = &mut c.generated {
            g.expr = rename_column_in_expr(&g.expr, old, new);
        }
    }
    if let Some(pk) = &mut t.primary_key {
        pk.columns.iter_mut().for_each(rename);
    }
    for u in &mut t.uniques {
        u.columns.iter_mut().for_each(rename);
    }
    for fk in &mut t.foreign_keys {
        fk.columns.iter_mut().for_each(rename);
        if fk.ref_table == t.name {
            fk.ref_columns.iter_mut().for_each(rename);
        }
    }
    for ck in &mut t.checks {
        ck.expr = rename_column_in_expr(&ck.expr, old, new);
    }
    t.uniques.sort();
    t.checks.sort();
    t.foreign_keys.sort();
}
