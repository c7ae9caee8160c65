//! PostgreSQL scripts that run as printed: `psql -v ON_ERROR_STOP=1 -f script.sql`.
//!
//! Layout: a header; statements that cannot or should not run in a transaction first
//! (marked `-- schemadiff:no-transaction`): session settings (timeouts, `check_function_bodies`), `ALTER TYPE … ADD VALUE`
//! (a label added in a transaction cannot be used before it commits), `CREATE/DROP INDEX
//! CONCURRENTLY`; then every other step inside one `BEGIN … COMMIT`, so a failure leaves the
//! database as it was; then, after the commit, `VALIDATE CONSTRAINT` and what waits for it.

mod ddl;
mod objects;
mod policy;
mod privileges;

pub use privileges::privileges_ddl;

pub use ddl::{
    create_table, functions_ddl, other_ddl, schema_ddl, table_ddl, types_ddl, views_ddl,
};

use crate::plan::postgres::{CommentOn, Op, Phase, Plan, SequenceOf, TableName};
use crate::plan::{Planned, Section};
use crate::render::{format_steps, OpText, RenderedStep};
use crate::sqltext::{comment, quote_literal, quote_pg_ident as ident, quote_pg_qualified as qual};

/// Directive above statements a runner must execute outside a transaction.
pub const NO_TRANSACTION: &str = "-- schemadiff:no-transaction";

fn table(t: &TableName) -> String {
    qual(&t.schema, &t.name)
}

/// Returns the plan's steps rendered one by one.
pub fn render_steps(plan: &Plan) -> Vec<RenderedStep> {
    crate::render::render_steps(plan, op_sql)
}

/// Returns the whole script; `title` names it in the header.
pub fn render_script(plan: &Plan, title: &str) -> String {
    let mut out = comment::line(&format!("schemadiff: {title}"));
    out.push_str("-- Run as printed: psql -v ON_ERROR_STOP=1 -f script.sql\n");
    if plan.is_empty() {
        out.push_str("-- No changes.\n");
        return out;
    }
    out.push_str(&render_body(plan));
    out
}

/// The steps without the header: what runs before the transaction, the transaction, and
/// what runs after it commits.
pub fn render_body(plan: &Plan) -> String {
    let part = |section: Section| -> Vec<RenderedStep> {
        plan.steps
            .iter()
            .filter(|s| s.section() == section)
            .map(render_step)
            .collect()
    };
    let before_phases: std::collections::BTreeSet<Phase> = plan
        .steps
        .iter()
        .filter(|s| s.section() == Section::BeforeTransaction)
        .map(|s| s.phase)
        .collect();
    let before = part(Section::BeforeTransaction);
    let inside = part(Section::InTransaction);
    let after = part(Section::AfterCommit);
    let mut out = String::new();
    if !before.is_empty() {
        out.push('\n');
        out.push_str(NO_TRANSACTION);
        out.push('\n');
        out.push_str(&comment::line(&format!(
            "Outside the transaction: {}",
            outside_what(&before_phases)
        )));
        out.push_str(under_heading(&format_steps(&before)));
    }
    if !inside.is_empty() {
        out.push_str("\nBEGIN;\n");
        out.push_str(&format_steps(&inside));
        out.push_str("\nCOMMIT;\n");
    }
    if !after.is_empty() {
        out.push('\n');
        out.push_str(NO_TRANSACTION);
        out.push('\n');
        out.push_str(&comment::line(
            "After the commit: validation scans that let writes go on.",
        ));
        out.push_str(under_heading(&format_steps(&after)));
    }
    out
}

/// Steps right under a heading line: without the blank line that opens each step.
fn under_heading(steps: &str) -> &str {
    steps.strip_prefix('\n').unwrap_or(steps)
}

/// What the part before the transaction holds, for its heading comment.
fn outside_what(phases: &std::collections::BTreeSet<Phase>) -> String {
    let mut what = Vec::new();
    if phases.contains(&Phase::Preamble) {
        what.push("session settings");
    }
    if phases.contains(&Phase::NoTransaction) {
        what.push("new enum labels (committed before the transaction that may use them)");
    }
    if phases.contains(&Phase::DropIndexConcurrently)
        || phases.contains(&Phase::CreateIndexConcurrently)
    {
        what.push("index changes made CONCURRENTLY, without blocking writes");
    }
    if phases.contains(&Phase::DetachConcurrently) {
        what.push("partitions detached CONCURRENTLY, without blocking queries on the parent");
    }
    format!("{}.", what.join("; "))
}

/// A revision section: the steps without `BEGIN`/`COMMIT` (the runner wraps them in its
/// transaction), each statement that must run outside it preceded by [`NO_TRANSACTION`].
/// Such statements before the first transactional one run before the transaction, the
/// others after it commits.
pub fn render_section(plan: &Plan) -> String {
    let mut out = String::new();
    for step in &plan.steps {
        if step.section() != Section::InTransaction {
            out.push('\n');
            out.push_str(NO_TRANSACTION);
        }
        out.push_str(&format_steps(&[render_step(step)]));
    }
    out
}

fn render_step(step: &Planned<Op>) -> RenderedStep {
    crate::render::render_step(step, op_sql)
}

/// `CREATE [UNIQUE] INDEX name …` as `pg_get_indexdef` prints it, made concurrent and
/// idempotent.
fn concurrently(definition: &str) -> String {
    for prefix in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(rest) = definition.strip_prefix(prefix) {
            return format!("{prefix}CONCURRENTLY IF NOT EXISTS {rest}");
        }
    }
    definition.to_string()
}

fn one(comment: String, sql: String) -> (Vec<String>, Vec<String>) {
    (vec![comment], vec![sql])
}

fn alter(t: &TableName, rest: String) -> String {
    format!("ALTER TABLE {} {rest}", table(t))
}

fn op_sql(op: &Op) -> OpText {
    match op {
        Op::CreateSchema(s) => one(format!("New schema {s}"), format!("CREATE SCHEMA {}", ident(s))),
        Op::DropSchema(s) => one(format!("Schema {s} is gone"), format!("DROP SCHEMA {}", ident(s))),
        Op::CreateExtension(e) => one(
            format!("New extension {}", e.name),
            format!("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}", ident(&e.name), ident(&e.schema)),
        ),
        Op::DropExtension(e) => one(format!("Extension {} is gone", e.name), format!("DROP EXTENSION {}", ident(&e.name))),
        Op::CreateEnum(e) => {
            let labels: Vec<String> = e.labels.iter().map(|l| quote_literal(l)).collect();
            one(
                format!("New enum type {}.{}", e.schema, e.name),
                format!("CREATE TYPE {} AS ENUM ({})", qual(&e.schema, &e.name), labels.join(", ")),
            )
        }
        Op::DropEnum(e) => one(format!("Type {}.{} is gone", e.schema, e.name), format!("DROP TYPE {}", qual(&e.schema, &e.name))),
        Op::AddEnumValue { ty, label, position } => {
            let pos = match position {
                Some((true, l)) => format!(" BEFORE {}", quote_literal(l)),
                Some((false, l)) => format!(" AFTER {}", quote_literal(l)),
                None => String::new(),
            };
            one(
                format!("New label {label} of {}.{}", ty.schema, ty.name),
                format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{pos}", qual(&ty.schema, &ty.name), quote_literal(label)),
            )
        }
        Op::RenameEnum { ty, to } => one(
            format!("Re-create {}.{}: the old type steps aside until its columns are converted", ty.schema, ty.name),
            format!("ALTER TYPE {} RENAME TO {}", qual(&ty.schema, &ty.name), ident(to)),
        ),
        Op::RenameTable(r) => one(
            format!("Table {} is renamed to {} (hinted): its rows, indexes and constraints go with it", r.from, r.to),
            format!("ALTER TABLE {} RENAME TO {}", qual(&r.schema, &r.from), ident(&r.to)),
        ),
        Op::RenameType(r) => one(
            format!("Type {} is renamed to {} (hinted): its columns and labels go with it", r.from, r.to),
            format!("ALTER TYPE {} RENAME TO {}", qual(&r.schema, &r.from), ident(&r.to)),
        ),
        Op::RenameSequence(r) => one(
            format!("Sequence {} follows its table's name: {} (it keeps its position)", r.from, r.to),
            format!("ALTER SEQUENCE {} RENAME TO {}", qual(&r.schema, &r.from), ident(&r.to)),
        ),
        Op::RenameIndex(r) => one(
            format!("Index {} is renamed to {} (same definition)", r.from, r.to),
            format!("ALTER INDEX {} RENAME TO {}", qual(&r.schema, &r.from), ident(&r.to)),
        ),
        Op::RenameConstraint { table: t, from, to } => one(
            format!("Constraint {from} is renamed to {to} (same definition)"),
            alter(t, format!("RENAME CONSTRAINT {} TO {}", ident(from), ident(to))),
        ),
        Op::CreateSequence(q) => one(
            format!("New sequence {}.{}", q.schema, q.name),
            format!("CREATE SEQUENCE {} {}", qual(&q.schema, &q.name), ddl::sequence_options(&q.options, true)),
        ),
        Op::AlterSequence(q) => one(
            format!("Sequence {}.{} changes", q.schema, q.name),
            format!("ALTER SEQUENCE {} {}", qual(&q.schema, &q.name), ddl::sequence_options(&q.options, true)),
        ),
        Op::SequenceOwnedBy(q) => {
            let owner = match &q.owned_by {
                Some((t, c)) => {
                    let (s, n) = t.split_once('.').unwrap_or(("public", t));
                    format!("{}.{}", qual(s, n), ident(c))
                }
                None => "NONE".into(),
            };
            one(
                format!("Sequence {}.{} belongs to its column", q.schema, q.name),
                format!("ALTER SEQUENCE {} OWNED BY {owner}", qual(&q.schema, &q.name)),
            )
        }
        Op::DropSequence(q) => one(format!("Sequence {}.{} is gone", q.schema, q.name), format!("DROP SEQUENCE {}", qual(&q.schema, &q.name))),
        Op::CreateTable(t) => one(format!("New table {}", t.key()), create_table(t)),
        Op::DropTable(t) => one(
            format!("Table {} is gone", t.key()),
            format!("DROP TABLE {}", qual(t.schema.as_deref().unwrap_or("public"), &t.name)),
        ),
        Op::AddColumn { table: t, column } => one(
            format!("New column {}", column.name),
            alter(t, format!("ADD COLUMN {}", ddl::column_def(column))),
        ),
        Op::DropColumn { table: t, column } => one(format!("Column {column} is gone"), alter(t, format!("DROP COLUMN {}", ident(column)))),
        Op::RenameColumn { table: t, from, to } => one(
            format!("Column {from} is renamed to {to} (hinted)"),
            alter(t, format!("RENAME COLUMN {} TO {}", ident(from), ident(to))),
        ),
        Op::AlterType { table: t, column, using } => {
            let collate = column
                .collation
                .as_ref()
                .map(|c| format!(" COLLATE {}", ident(c)))
                .unwrap_or_default();
            one(
                format!("Column {} becomes {}", column.name, column.ty),
                alter(t, format!("ALTER COLUMN {} TYPE {}{collate}{}", ident(&column.name), column.ty, if using.is_empty() { String::new() } else { format!(" USING {using}") })),
            )
        }
        Op::SetDefault { table: t, column, default } => match default {
            Some(d) => one(format!("Default of {column}"), alter(t, format!("ALTER COLUMN {} SET DEFAULT {d}", ident(column)))),
            None => one(format!("Column {column} loses its default"), alter(t, format!("ALTER COLUMN {} DROP DEFAULT", ident(column)))),
        },
        Op::SetNotNull { table: t, column, not_null } => {
            let (word, what) = if *not_null { ("SET", "becomes") } else { ("DROP", "is no longer") };
            one(format!("Column {column} {what} NOT NULL"), alter(t, format!("ALTER COLUMN {} {word} NOT NULL", ident(column))))
        }
        Op::Backfill { table: t, column } => one(
            format!("schemadiff:backfill: replace NULL with the value existing rows of {} should get, or SET NOT NULL below fails on a non-empty table", t.name),
            format!("UPDATE {} SET {} = NULL /* schemadiff:backfill */ WHERE {} IS NULL", table(t), ident(column), ident(column)),
        ),
        Op::AddIdentity { table: t, column } => one(
            format!("Column {} becomes an identity column", column.name),
            alter(t, format!("ALTER COLUMN {} ADD {}", ident(&column.name), ddl::identity(column).unwrap_or_default())),
        ),
        Op::DropIdentity { table: t, column } => one(format!("Column {column} is no longer an identity column"), alter(t, format!("ALTER COLUMN {} DROP IDENTITY", ident(column)))),
        Op::AlterIdentity { table: t, column } => {
            let id = column.identity.as_ref().expect("AlterIdentity carries an identity column");
            let kind = if id.always { "ALWAYS" } else { "BY DEFAULT" };
            let o = &id.options;
            one(
                format!("Identity of {} changes", column.name),
                alter(
                    t,
                    format!(
                        "ALTER COLUMN {} SET GENERATED {kind} SET INCREMENT BY {} SET MINVALUE {} SET MAXVALUE {} SET START WITH {} SET CACHE {} SET {}CYCLE",
                        ident(&column.name), o.increment, o.min, o.max, o.start, o.cache, if o.cycle { "" } else { "NO " }
                    ),
                ),
            )
        }
        Op::SequenceForward { sequence, unused, bound, ascending } => {
            let (what, regclass) = match sequence {
                SequenceOf::Named { schema, name } => (
                    format!("Sequence {schema}.{name}"),
                    format!("{}::regclass", quote_literal(&qual(schema, name))),
                ),
                SequenceOf::Identity { table: t, column } => (
                    format!("Sequence of identity column {column}"),
                    format!("pg_get_serial_sequence({}, {})::regclass", quote_literal(&table(t)), quote_literal(column)),
                ),
            };
            let (side, behind) = if *ascending { ("MINVALUE", "<") } else { ("MAXVALUE", ">") };
            one(
                format!("{what} moves forward to its new {side} {bound} if its value is behind it"),
                format!(
                    "SELECT setval(q.s, {bound}, false) FROM (SELECT r.s, COALESCE(pg_sequence_last_value(r.s), {unused}) AS v FROM (SELECT {regclass} AS s) AS r) AS q WHERE q.v {behind} {bound}"
                ),
            )
        }
        Op::DropExpression { table: t, column } => one(
            format!("Column {column} is no longer generated (keeps its values)"),
            alter(t, format!("ALTER COLUMN {} DROP EXPRESSION", ident(column))),
        ),
        Op::AddConstraint { table: t, name, definition } => one(
            format!("Constraint {name}"),
            alter(t, format!("ADD CONSTRAINT {} {definition}", ident(name))),
        ),
        Op::DropConstraint { table: t, name } => one(format!("Constraint {name} is gone or changes"), alter(t, format!("DROP CONSTRAINT {}", ident(name)))),
        Op::CreateIndex(i) => one(format!("Index {}", i.name), i.definition.clone().unwrap_or_default()),
        Op::DropIndex { schema, name } => one(format!("Index {name} is gone or changes"), format!("DROP INDEX {}", qual(schema, name))),
        Op::CreateIndexConcurrently(i) => one(
            format!("Index {}, built without blocking writes (IF NOT EXISTS: safe to re-run)", i.name),
            concurrently(i.definition.as_deref().unwrap_or_default()),
        ),
        Op::DropIndexConcurrently { schema, name } => one(
            format!("Index {name} is gone or changes, dropped without blocking writes"),
            format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qual(schema, name)),
        ),
        Op::ValidateConstraint { table: t, name } => one(
            format!("Validate {name}: scans the rows without blocking writes"),
            alter(t, format!("VALIDATE CONSTRAINT {}", ident(name))),
        ),
        Op::SetTimeout { setting, value } => one(
            if setting == "check_function_bodies" {
                "Function bodies are checked when they run, not when created: a body may name what this script creates later (as pg_dump's output does)".to_string()
            } else if setting == "lock_timeout" {
                format!("Every statement below waits at most {value} for a lock, then fails instead of queueing others behind it")
            } else {
                format!("Every statement below fails if it runs longer than {value}")
            },
            format!("SET {setting} = {}", quote_literal(value)),
        ),
        Op::CreateView(v) => one(format!("View {}", v.name), v.sql.clone()),
        Op::DropView(v) => {
            let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            one(
                format!("View {} is dropped (re-created below if it stays)", v.name),
                format!("DROP {kind} {}", qual(v.schema.as_deref().unwrap_or("public"), &v.name)),
            )
        }
        Op::Comment { on, text } => {
            let target = match on {
                CommentOn::Table(t) => format!("TABLE {}", table(t)),
                CommentOn::Column(t, c) => format!("COLUMN {}.{}", table(t), ident(c)),
                CommentOn::View { view, materialized } => format!("{} {}", if *materialized { "MATERIALIZED VIEW" } else { "VIEW" }, table(view)),
                CommentOn::Type(t) => format!("TYPE {}", table(t)),
                CommentOn::Object(o) => objects::comment_target(o),
            };
            let what = match on {
                CommentOn::Object(o) => format!("Comment on {}", o.key()),
                _ => "Comment".into(),
            };
            let value = text.as_deref().map_or_else(|| "NULL".to_string(), quote_literal);
            one(what, format!("COMMENT ON {target} IS {value}"))
        }
        Op::CreateFunction(f) => objects::create_function(f),
        Op::ReplaceFunction(f) => objects::replace_function(f),
        Op::DropFunction(f) => objects::drop_function(f),
        Op::Grant { .. } | Op::DefaultPrivileges { .. } | Op::Owner { .. } => {
            privileges::op_sql(op).unwrap_or_default()
        }
        Op::CreateTrigger(t) => objects::create_trigger(t),
        Op::DropTrigger(t) => objects::drop_trigger(t),
        Op::EnableTrigger(t) => objects::enable_trigger(t),
        Op::CreateDomain(d) => objects::create_domain(d),
        Op::DropDomain(d) => objects::drop_domain(d),
        Op::AlterDomain { schema, name, action } => objects::alter_domain(schema, name, action),
        Op::CreateComposite(c) => objects::create_composite(c),
        Op::DropComposite(c) => objects::drop_composite(c),
        Op::AlterComposite { schema, name, action } => objects::alter_composite(schema, name, action),
        Op::CreateRange(r) => objects::create_range(r),
        Op::DropRange(r) => objects::drop_range(r),
        Op::CreatePolicy { table: t, policy } => policy::create_policy(t, policy),
        Op::DropPolicy { table: t, name } => policy::drop_policy(t, name),
        Op::AlterPolicy { table: t, name, roles, using, with_check } => policy::alter_policy(t, name, roles, using, with_check),
        Op::RowSecurity { table: t, enable, force } => policy::row_security(t, *enable, *force),
        Op::AttachPartition { table: t, partition: p } => one(
            format!("{}.{} becomes a partition of {} ({})", t.schema, t.name, p.parent.key(), p.bound),
            format!(
                "ALTER TABLE {} ATTACH PARTITION {} {}",
                qual(&p.parent.schema, &p.parent.name),
                table(t),
                p.bound
            ),
        ),
        Op::DetachPartition { table: t, parent, concurrently } => one(
            format!("{}.{} is no longer a partition of {} (it keeps its rows)", t.schema, t.name, parent.key()),
            format!(
                "ALTER TABLE {} DETACH PARTITION {}{}",
                qual(&parent.schema, &parent.name),
                table(t),
                if *concurrently { " CONCURRENTLY" } else { "" }
            ),
        ),
        Op::Inherit { table: t, parent } => one(
            format!("{}.{} inherits {}", t.schema, t.name, parent.key()),
            alter(t, format!("INHERIT {}", qual(&parent.schema, &parent.name))),
        ),
        Op::NoInherit { table: t, parent } => one(
            format!("{}.{} no longer inherits {} (it keeps the columns as its own)", t.schema, t.name, parent.key()),
            alter(t, format!("NO INHERIT {}", qual(&parent.schema, &parent.name))),
        ),
        Op::DropDetachedBoundCheck { table: t, keep } => {
            // Names stay inside literals; the DO body is itself a literal.
            let keep: Vec<String> = keep.iter().map(|k| quote_literal(k)).collect();
            let target = quote_literal(&table(t));
            let body = format!(
                "DECLARE c name; BEGIN SELECT conname INTO c FROM pg_catalog.pg_constraint WHERE conrelid = {target}::regclass AND contype = 'c' AND NOT (conname = ANY (ARRAY[{}]::name[])) ORDER BY oid DESC LIMIT 1; IF c IS NOT NULL THEN EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', {target}, c); END IF; END",
                keep.join(", ")
            );
            one(
                format!("{}.{}: the CHECK that DETACH … CONCURRENTLY added (a copy of the old bound, named by the server) is dropped", t.schema, t.name),
                format!("DO {}", quote_literal(&body)),
            )
        }
        Op::Refuse { reason } => {
            // The reason is a literal inside a literal: the DO body is itself quoted.
            let body = format!("BEGIN RAISE EXCEPTION USING MESSAGE = {}; END", quote_literal(reason));
            one(format!("Refused: {reason}"), format!("DO {}", quote_literal(&body)))
        }
    }
}
