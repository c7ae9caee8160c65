//! SQLite scripts that run as printed: `sqlite3 -bail app.db < up.sql`.
//!
//! Layout: a header, `PRAGMA foreign_keys = OFF` *before* `BEGIN` when the plan rebuilds or
//! drops tables (inside a transaction the pragma is a no-op and `DROP TABLE` would cascade
//! into child rows: <https://www.sqlite.org/pragma.html#pragma_foreign_keys>), every step
//! with a comment saying what and why, `COMMIT`, then the pragma back on.

mod ddl;

pub use ddl::{column_def, create_index, create_table, create_virtual_table, schema_ddl};

use crate::model::Table;
use crate::plan::sqlite::{Guarded, Op, Plan, Rebuild, Why};
use crate::render::{format_steps, OpText, RenderedStep};
use crate::sqltext::{comment, quote_ident, quote_literal};

/// Directive line marking scripts that need foreign keys off around the transaction; a
/// runner that wraps scripts in its own transaction must honour it.
pub const FK_OFF_DIRECTIVE: &str = "-- schemadiff:foreign-keys-off";

/// Reports whether a section carries [`FK_OFF_DIRECTIVE`] on a line of its own: a name or
/// string that holds that line (inside its quotes) does not switch foreign keys off.
pub fn needs_foreign_keys_off(section: &str) -> bool {
    crate::sqltext::top_level_lines(section)
        .iter()
        .any(|(_, line)| line.trim() == FK_OFF_DIRECTIVE)
}

/// Returns the plan's steps rendered one by one.
pub fn render_steps(plan: &Plan) -> Vec<RenderedStep> {
    crate::render::render_steps(plan, op_sql)
}

/// Returns the whole script for `plan`; `title` names it in the header.
pub fn render_script(plan: &Plan, title: &str) -> String {
    let mut out = comment::line(&format!("schemadiff: {title}"));
    out.push_str("-- Run as printed: sqlite3 -bail app.db < script.sql\n");
    if plan.is_empty() {
        out.push_str("-- No changes.\n");
        return out;
    }
    wrap(&mut out, plan.settings.foreign_keys_off, &render_body(plan));
    out
}

/// Wraps a body in its transaction, with foreign keys off around it when `fk_off`: what
/// `render_script` prints and what a runner executes.
pub fn wrap(out: &mut String, fk_off: bool, body: &str) {
    if fk_off {
        out.push_str(FK_OFF_DIRECTIVE);
        out.push_str("\n\n-- Foreign keys off outside the transaction, where the pragma takes effect: with\n-- them on, DROP TABLE deletes the rows first and ON DELETE actions fire in child tables.\nPRAGMA foreign_keys = OFF;\n");
    }
    out.push_str("\nBEGIN;\n");
    out.push_str(body);
    out.push_str("\nCOMMIT;\n");
    if fk_off {
        out.push_str("\nPRAGMA foreign_keys = ON;\n");
    }
}

/// Returns the plan's steps, each with its hazard and comment lines, without the
/// transaction and pragmas around them (a revision file's sections hold this).
pub fn render_body(plan: &Plan) -> String {
    format_steps(&render_steps(plan))
}

fn op_sql(op: &Op) -> OpText {
    match op {
        Op::RenameTable { from, to } => rename_table(from, to),
        Op::Baseline(g) => baseline(g),
        Op::DropTrigger { trigger, why } => (
            vec![format!(
                "Drop trigger {}{}",
                trigger.name,
                why_text(why, true)
            )],
            vec![format!("DROP TRIGGER {}", quote_ident(&trigger.name))],
        ),
        Op::DropView { view, why } => (
            vec![format!("Drop view {}{}", view.name, why_text(why, true))],
            vec![format!("DROP VIEW {}", quote_ident(&view.name))],
        ),
        Op::DropIndex { index } => (
            vec![format!("Drop index {} on {}.", index.name, index.table)],
            vec![format!("DROP INDEX {}", quote_ident(&index.name))],
        ),
        Op::DropTable { table } => drop_table(table),
        Op::CreateTable { table, cycle } => create_table_step(table, cycle),
        Op::DropVirtualTable { table, recreated } => (
            vec![format!(
                "Drop virtual table {} (module {}){}",
                table.name,
                table.module,
                if *recreated {
                    "; created again below with its new definition."
                } else {
                    "; its module drops its shadow tables."
                }
            )],
            vec![format!("DROP TABLE {}", quote_ident(&table.name))],
        ),
        Op::CreateVirtualTable { table, recreated } => (
            vec![format!(
                "Create virtual table {} (module {}){}",
                table.name,
                table.module,
                if *recreated {
                    " with its new definition."
                } else {
                    "."
                }
            )],
            vec![create_virtual_table(table)],
        ),
        Op::DropColumn { table, column } => (
            vec![format!(
                "Drop column {table}.{column} (native ALTER TABLE … DROP COLUMN)."
            )],
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                quote_ident(table),
                quote_ident(column)
            )],
        ),
        Op::RenameColumn { table, from, to } => (
            vec![format!(
                "Rename column {table}.{from} to {to} (native; SQLite rewrites references to it)."
            )],
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                quote_ident(table),
                quote_ident(from),
                quote_ident(to)
            )],
        ),
        Op::AddColumn { table, column, fk } => (
            vec![format!(
                "Add column {table}.{} (native ALTER TABLE … ADD COLUMN).",
                column.name
            )],
            vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                quote_ident(table),
                column_def(column, None, fk.as_ref())
            )],
        ),
        Op::Rebuild(r) => rebuild(r),
        Op::CreateIndex { index } => (
            vec![format!("Create index {} on {}.", index.name, index.table)],
            vec![create_index(index)],
        ),
        Op::CreateView { view, why } => (
            vec![format!("Create view {}{}", view.name, why_text(why, false))],
            vec![view.sql.clone()],
        ),
        Op::CreateTrigger { trigger, why } => (
            vec![format!(
                "Create trigger {} on {}{}",
                trigger.name,
                trigger.table,
                why_text(why, false)
            )],
            vec![trigger.sql.clone()],
        ),
        Op::Guard(g) => guard(g),
    }
}

fn why_text(why: &Why, dropping: bool) -> String {
    match (why, dropping) {
        (Why::Declared, _) => ".".into(),
        (Why::DependsOn(names), true) => format!(
            ": it references {}, changed below; re-created afterwards.",
            names.join(", ")
        ),
        (Why::DependsOn(names), false) => {
            format!(
                " again (dropped above because it references {}).",
                names.join(", ")
            )
        }
    }
}

/// SQLite refuses `RENAME TO` a name that differs only in case ("there is already another
/// table … with this name"), so such a rename goes through a temporary name.
fn rename_table(from: &str, to: &str) -> (Vec<String>, Vec<String>) {
    let comment = vec![format!(
        "Rename table {from} to {to} (native; SQLite rewrites references in foreign keys, views and triggers)."
    )];
    let stmt = |a: &str, b: &str| {
        format!(
            "ALTER TABLE {} RENAME TO {}",
            quote_ident(a),
            quote_ident(b)
        )
    };
    if from.eq_ignore_ascii_case(to) {
        let tmp = format!("schemadiff_rename_{to}");
        (comment, vec![stmt(from, &tmp), stmt(&tmp, to)])
    } else {
        (comment, vec![stmt(from, to)])
    }
}

fn drop_table(table: &Table) -> (Vec<String>, Vec<String>) {
    (
        vec![format!("Drop table {}.", table.name)],
        vec![format!("DROP TABLE {}", quote_ident(&table.name))],
    )
}

fn create_table_step(table: &Table, cycle: &[String]) -> (Vec<String>, Vec<String>) {
    let mut comment = vec![format!("Create table {}.", table.name)];
    if !cycle.is_empty() {
        comment.push(format!(
            "Its foreign keys are part of a cycle ({}); SQLite checks foreign keys when rows are written, so creation order is free.",
            cycle.join(", ")
        ));
    }
    (comment, vec![create_table(table, None)])
}

fn rebuild(r: &Rebuild) -> (Vec<String>, Vec<String>) {
    let name = &r.after.name;
    let mut comment = vec![format!(
        "Rebuild table {name} (create new, copy rows, drop old, rename): {}.",
        r.reasons.join("; ")
    )];
    for column in &r.backfills {
        comment.push(format!(
            "Backfill needed: {column} is NOT NULL without a default. Replace the marked NULL in the INSERT below with its value for existing rows; as generated, the copy fails on a table with rows and the script rolls back."
        ));
    }
    for c in r.copy.iter().filter(|c| c.backfill.is_some()) {
        comment.push(format!("NULLs in {} become its default.", c.target));
    }
    let (old, new) = (quote_ident(name), quote_ident(&r.temp_name));
    let mut stmts = vec![create_table(&r.after, Some(&r.temp_name))];
    stmts.push(copy_rows(r, &old, &new));
    if r.carry_sequence {
        stmts.push(format!(
            "DELETE FROM sqlite_sequence WHERE name = {}",
            quote_literal(&r.temp_name)
        ));
        stmts.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {}",
            quote_literal(&r.temp_name),
            quote_literal(name)
        ));
    }
    stmts.push(format!("DROP TABLE {old}"));
    stmts.push(format!("ALTER TABLE {new} RENAME TO {old}"));
    stmts.extend(r.after.indexes.values().map(create_index));
    (comment, stmts)
}

fn copy_rows(r: &Rebuild, old: &str, new: &str) -> String {
    let mut targets: Vec<String> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    if let Some((target, source)) = &r.keep_rowid {
        targets.push(target.clone());
        sources.push(source.clone());
    }
    for c in &r.copy {
        targets.push(quote_ident(&c.target));
        let src = quote_ident(&c.source);
        sources.push(match &c.backfill {
            Some(default) => format!("IFNULL({src}, {default})"),
            None => src,
        });
    }
    for column in &r.backfills {
        targets.push(quote_ident(column));
        let note = format!(
            "schemadiff:backfill {}.{column}: write its value for existing rows here",
            r.after.name
        );
        sources.push(format!("NULL {}", comment::block(&note)));
    }
    if targets.is_empty() {
        return format!("INSERT INTO {new} DEFAULT VALUES");
    }
    format!(
        "INSERT INTO {new} ({})\n  SELECT {} FROM {old}",
        targets.join(", "),
        sources.join(", ")
    )
}

/// Current foreign-key violations of `tables`, grouped: `(t, r, p, n)` = table, rowid,
/// parent, how many. Counting per key means an old orphan cannot hide a new violation of the
/// same row; in a WITHOUT ROWID table (rowid NULL) it counts per table and parent.
fn violations(tables: &[String]) -> String {
    let each: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT \"table\" AS t, rowid AS r, parent AS p FROM pragma_foreign_key_check({})",
                quote_literal(t)
            )
        })
        .collect();
    format!(
        "SELECT t, r, p, count(*) AS n FROM (\n    {}\n  ) GROUP BY t, r, p",
        each.join("\n    UNION ALL ")
    )
}

fn baseline(g: &Guarded) -> (Vec<String>, Vec<String>) {
    let mut comment = vec![format!(
        "Baseline for the guard before COMMIT: whether {} hold rows",
        g.counted.join(", ")
    )];
    let counts: Vec<String> = g
        .counted
        .iter()
        .map(|t| {
            format!(
                "SELECT {} AS name, EXISTS (SELECT 1 FROM {}) AS n",
                quote_literal(t),
                quote_ident(t)
            )
        })
        .collect();
    let mut stmts = vec![format!(
        "CREATE TEMP TABLE schemadiff_had_rows AS\n  {}",
        counts.join("\n  UNION ALL ")
    )];
    if !g.fk_tables.is_empty() {
        comment.push(format!(
            "and the foreign-key violations that already exist in {} (a pre-existing orphan row does not block).",
            g.fk_tables.join(", ")
        ));
        stmts.push(format!(
            "CREATE TEMP TABLE schemadiff_fk_baseline AS\n  {}",
            violations(&g.fk_tables)
        ));
    } else if let Some(last) = comment.last_mut() {
        last.push('.');
    }
    (comment, stmts)
}

const ROWS_LOST: &str =
    "schemadiff: a rebuilt table lost its rows (the copy failed); nothing was applied";
const NEW_VIOLATIONS: &str =
    "schemadiff: this migration introduces foreign key violations (see PRAGMA foreign_key_check); nothing was applied";

fn guard(g: &Guarded) -> (Vec<String>, Vec<String>) {
    let comment = vec![
        "Guard: no rebuilt table lost its rows and no new foreign-key violation appears. The copy"
            .into(),
        "is one INSERT … SELECT, all rows or none, so a failed copy shows as an empty table."
            .into(),
        "INSERT OR ROLLBACK: a failed check rolls the whole transaction back, even in a runner"
            .into(),
        "that carries on after an error, so a failed copy can never be committed.".into(),
    ];
    let lost: Vec<String> = g
        .counted
        .iter()
        .map(|t| {
            format!(
                "((SELECT n FROM temp.schemadiff_had_rows WHERE name = {}) <> EXISTS (SELECT 1 FROM {}))",
                quote_literal(t),
                quote_ident(t)
            )
        })
        .collect();
    let new_violations = if g.fk_tables.is_empty() {
        "0".to_string()
    } else {
        format!(
            "(SELECT count(*) FROM (\n  {}\n  ) AS cur WHERE cur.n > IFNULL((SELECT b.n FROM temp.schemadiff_fk_baseline AS b\n    WHERE b.t = cur.t AND b.r IS cur.r AND b.p = cur.p), 0))",
            violations(&g.fk_tables)
        )
    };
    let mut stmts = vec![
        format!(
            "CREATE TEMP TABLE schemadiff_guard (\n  rows_lost INTEGER CONSTRAINT {} CHECK (rows_lost = 0),\n  new_fk_violations INTEGER CONSTRAINT {} CHECK (new_fk_violations = 0)\n)",
            quote_ident(ROWS_LOST),
            quote_ident(NEW_VIOLATIONS)
        ),
        format!(
            "INSERT OR ROLLBACK INTO temp.schemadiff_guard (rows_lost, new_fk_violations) SELECT\n  {},\n  {}",
            lost.join(" + "),
            new_violations
        ),
        "DROP TABLE temp.schemadiff_guard".into(),
        "DROP TABLE temp.schemadiff_had_rows".into(),
    ];
    if !g.fk_tables.is_empty() {
        stmts.push("DROP TABLE temp.schemadiff_fk_baseline".into());
    }
    (comment, stmts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_foreign_keys_off_directive_counts_only_on_its_own_line() {
        let quoted = "CREATE TABLE \"x\n-- schemadiff:foreign-keys-off\n\" (a);\n";
        assert!(!needs_foreign_keys_off(quoted));
        let literal = "INSERT INTO t VALUES ('\n  -- schemadiff:foreign-keys-off\n');\n";
        assert!(!needs_foreign_keys_off(literal));
        assert!(needs_foreign_keys_off(&format!(
            "{FK_OFF_DIRECTIVE}\n{quoted}"
        )));
        assert!(needs_foreign_keys_off(&format!(
            "{quoted}  {FK_OFF_DIRECTIVE} \n"
        )));
    }
}
