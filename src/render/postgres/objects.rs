//! Statements for PostgreSQL functions and procedures, triggers, domains, composite and
//! range types, and comments on the objects kept in [`crate::model::Schema::comments`]:
//! the render arms of their operations, and what the canonical printer ([`super::ddl`])
//! writes for them.
//!
//! Names go through the one quoting function; texts the server printed (function and
//! trigger definitions, `pg_get_constraintdef`, `format_type`, qualified collations,
//! operator classes and `regproc` names, identity arguments) are already quoted by it and
//! are written as they are.

use super::one;
use crate::model::postgres::trigger_relation;
use crate::model::{Attribute, CommentTarget, CompositeType, Domain, Function, RangeType, Trigger};
use crate::plan::postgres::{AttributeAction, DomainAction};
use crate::render::OpText;
use crate::sqltext::{quote_pg_ident as ident, quote_pg_qualified as qual};

/// The word a statement names a routine with, and the one a comment line uses.
fn routine(f: &Function) -> (&'static str, &'static str) {
    if f.procedure {
        ("PROCEDURE", "procedure")
    } else {
        ("FUNCTION", "function")
    }
}

/// The server's `CREATE OR REPLACE FUNCTION|PROCEDURE` text without the line break
/// `pg_get_functiondef` ends it with (after the closing `$function$` or `END` nothing
/// else follows, so nothing is lost).
pub(super) fn function_definition(f: &Function) -> String {
    f.definition.trim_end().to_string()
}

pub(super) fn create_function(f: &Function) -> OpText {
    one(
        format!("New {} {}", routine(f).1, f.key()),
        function_definition(f),
    )
}

pub(super) fn replace_function(f: &Function) -> OpText {
    one(
        format!(
            "The {} {} changes; its signature and result stay, so it is replaced in place",
            routine(f).1,
            f.key()
        ),
        function_definition(f),
    )
}

pub(super) fn drop_function(f: &Function) -> OpText {
    let (word, what) = routine(f);
    one(
        format!("The {what} {} is gone", f.key()),
        format!(
            "DROP {word} {}({})",
            qual(&f.schema, &f.name),
            f.identity_args
        ),
    )
}

/// The quoted `schema.name` of the relation a trigger is on, read off its definition
/// ([`trigger_relation`]); a definition that does not name it (never the server's) falls
/// back on the key split at its first dot.
pub(super) fn trigger_on(t: &Trigger) -> String {
    match trigger_relation(&t.sql, &t.table) {
        Some((schema, name)) => qual(&schema, &name),
        None => {
            let (schema, name) = t.table.split_once('.').unwrap_or(("public", &t.table));
            qual(schema, name)
        }
    }
}

/// `ALTER TABLE … ENABLE|DISABLE [REPLICA|ALWAYS] TRIGGER name` for the trigger's
/// `enabled` state (`None` and `O`: enabled). Works on tables, partitioned and foreign
/// tables; a view's triggers always fire (PostgreSQL 15: "ALTER action DISABLE TRIGGER
/// cannot be performed on relation … This operation is not supported for views", and
/// `ALTER VIEW` has no such form), so a view's trigger never has another state.
pub(super) fn trigger_state_sql(relation: &str, t: &Trigger) -> String {
    let action = match t.enabled.as_deref() {
        Some("D") => "DISABLE TRIGGER",
        Some("R") => "ENABLE REPLICA TRIGGER",
        Some("A") => "ENABLE ALWAYS TRIGGER",
        _ => "ENABLE TRIGGER",
    };
    format!("ALTER TABLE {relation} {action} {}", ident(&t.name))
}

/// Reports whether the trigger is in another state than the one `CREATE TRIGGER` leaves.
pub(super) fn trigger_not_default(t: &Trigger) -> bool {
    t.enabled.as_deref().is_some_and(|e| e != "O")
}

fn trigger_state_words(t: &Trigger) -> &'static str {
    match t.enabled.as_deref() {
        Some("D") => "is disabled",
        Some("R") => "fires only in replica mode",
        Some("A") => "fires in every replication mode",
        _ => "is enabled",
    }
}

/// `CREATE TRIGGER` as the server printed it, then its state when it is not enabled (so
/// the new trigger is as the model says whether or not an [`EnableTrigger`] follows).
///
/// [`EnableTrigger`]: crate::plan::postgres::Op::EnableTrigger
pub(super) fn create_trigger(t: &Trigger) -> OpText {
    let mut statements = vec![t.sql.clone()];
    let mut comment = format!("New trigger {} on {}", t.name, t.table);
    if trigger_not_default(t) {
        statements.push(trigger_state_sql(&trigger_on(t), t));
        comment.push_str(&format!(", which {}", trigger_state_words(t)));
    }
    (vec![comment], statements)
}

pub(super) fn drop_trigger(t: &Trigger) -> OpText {
    one(
        format!("Trigger {} on {} is gone", t.name, t.table),
        format!("DROP TRIGGER {} ON {}", ident(&t.name), trigger_on(t)),
    )
}

pub(super) fn enable_trigger(t: &Trigger) -> OpText {
    one(
        format!(
            "Trigger {} on {} {}",
            t.name,
            t.table,
            trigger_state_words(t)
        ),
        trigger_state_sql(&trigger_on(t), t),
    )
}

fn collate(collation: &Option<String>) -> String {
    collation
        .as_ref()
        .map(|c| format!(" COLLATE {c}"))
        .unwrap_or_default()
}

/// A CHECK definition without the ` NOT VALID` the server appends to an unvalidated one.
fn check_body(definition: &str) -> &str {
    definition.strip_suffix(" NOT VALID").unwrap_or(definition)
}

/// `CREATE DOMAIN` with its validated CHECKs, then one `ALTER DOMAIN … ADD CONSTRAINT …
/// NOT VALID` per unvalidated one (`CREATE DOMAIN` accepts no `NOT VALID`).
pub(super) fn domain_statements(d: &Domain) -> Vec<String> {
    let name = qual(&d.schema, &d.name);
    let mut create = format!("CREATE DOMAIN {name} AS {}", d.base_type);
    create.push_str(&collate(&d.collation));
    if let Some(e) = &d.default {
        create.push_str(&format!(" DEFAULT {e}"));
    }
    if d.not_null {
        create.push_str(" NOT NULL");
    }
    let mut later = Vec::new();
    for c in &d.checks {
        if c.valid && !c.definition.ends_with(" NOT VALID") {
            create.push_str(&format!(" CONSTRAINT {} {}", ident(&c.name), c.definition));
        } else {
            later.push(format!(
                "ALTER DOMAIN {name} ADD CONSTRAINT {} {} NOT VALID",
                ident(&c.name),
                check_body(&c.definition)
            ));
        }
    }
    let mut out = vec![create];
    out.extend(later);
    out
}

pub(super) fn create_domain(d: &Domain) -> OpText {
    (
        vec![format!("New domain {}.{}", d.schema, d.name)],
        domain_statements(d),
    )
}

pub(super) fn drop_domain(d: &Domain) -> OpText {
    one(
        format!("Domain {}.{} is gone", d.schema, d.name),
        format!("DROP DOMAIN {}", qual(&d.schema, &d.name)),
    )
}

pub(super) fn alter_domain(schema: &str, name: &str, action: &DomainAction) -> OpText {
    let (what, sql) = match action {
        DomainAction::SetDefault(Some(e)) => {
            ("gets a new default".to_string(), format!("SET DEFAULT {e}"))
        }
        DomainAction::SetDefault(None) => ("loses its default".into(), "DROP DEFAULT".into()),
        DomainAction::SetNotNull(true) => ("becomes NOT NULL".into(), "SET NOT NULL".into()),
        DomainAction::SetNotNull(false) => ("is no longer NOT NULL".into(), "DROP NOT NULL".into()),
        DomainAction::AddCheck {
            name: check,
            definition,
            not_valid,
        } => (
            format!(
                "gets the constraint {check}{}",
                if *not_valid {
                    " (NOT VALID: existing values are not checked)"
                } else {
                    ""
                }
            ),
            format!(
                "ADD CONSTRAINT {} {}{}",
                ident(check),
                check_body(definition),
                if *not_valid { " NOT VALID" } else { "" }
            ),
        ),
        DomainAction::DropCheck(check) => (
            format!("loses the constraint {check}"),
            format!("DROP CONSTRAINT {}", ident(check)),
        ),
        DomainAction::ValidateCheck(check) => (
            format!("validates the constraint {check}: checks every value of the columns using it"),
            format!("VALIDATE CONSTRAINT {}", ident(check)),
        ),
        DomainAction::RenameCheck { from, to } => (
            format!("renames the constraint {from} to {to} (same definition)"),
            format!("RENAME CONSTRAINT {} TO {}", ident(from), ident(to)),
        ),
    };
    one(
        format!("Domain {schema}.{name} {what}"),
        format!("ALTER DOMAIN {} {sql}", qual(schema, name)),
    )
}

/// One attribute as `CREATE TYPE … AS (…)` and `ADD ATTRIBUTE` write it.
fn attribute(a: &Attribute) -> String {
    format!("{} {}{}", ident(&a.name), a.ty, collate(&a.collation))
}

pub(super) fn composite_sql(c: &CompositeType) -> String {
    let name = qual(&c.schema, &c.name);
    if c.attributes.is_empty() {
        return format!("CREATE TYPE {name} AS ()");
    }
    let attributes: Vec<String> = c.attributes.iter().map(attribute).collect();
    format!(
        "CREATE TYPE {name} AS (\n    {}\n)",
        attributes.join(",\n    ")
    )
}

pub(super) fn create_composite(c: &CompositeType) -> OpText {
    one(
        format!("New composite type {}.{}", c.schema, c.name),
        composite_sql(c),
    )
}

pub(super) fn drop_composite(c: &CompositeType) -> OpText {
    one(
        format!("Type {}.{} is gone", c.schema, c.name),
        format!("DROP TYPE {}", qual(&c.schema, &c.name)),
    )
}

/// `ALTER TYPE … ADD|DROP|ALTER ATTRIBUTE`. PostgreSQL refuses `ALTER ATTRIBUTE … SET DATA
/// TYPE` while a table column has the type ("cannot alter type … because column … uses
/// it"); adding and dropping an attribute are allowed.
pub(super) fn alter_composite(schema: &str, name: &str, action: &AttributeAction) -> OpText {
    let (what, sql) = match action {
        AttributeAction::Add(a) => (
            format!("gets the attribute {}", a.name),
            format!("ADD ATTRIBUTE {}", attribute(a)),
        ),
        AttributeAction::Drop(a) => (
            format!("loses the attribute {a}"),
            format!("DROP ATTRIBUTE {}", ident(a)),
        ),
        AttributeAction::AlterType(a) => (
            format!("attribute {} becomes {}", a.name, a.ty),
            format!(
                "ALTER ATTRIBUTE {} SET DATA TYPE {}{}",
                ident(&a.name),
                a.ty,
                collate(&a.collation)
            ),
        ),
    };
    one(
        format!("Type {schema}.{name}: {what}"),
        format!("ALTER TYPE {} {sql}", qual(schema, name)),
    )
}

/// `CREATE TYPE … AS RANGE (…)`. The multirange type's name is qualified with the range's
/// schema: unqualified, the server looks for a schema to create it in on the
/// `search_path` ("no schema has been selected to create in" when it is empty).
pub(super) fn range_sql(r: &RangeType) -> String {
    let mut options = vec![format!("SUBTYPE = {}", r.subtype)];
    let named = [
        ("SUBTYPE_OPCLASS", &r.opclass),
        ("COLLATION", &r.collation),
        ("CANONICAL", &r.canonical),
        ("SUBTYPE_DIFF", &r.subtype_diff),
    ];
    for (option, value) in named {
        if let Some(v) = value {
            options.push(format!("{option} = {v}"));
        }
    }
    if let Some(m) = &r.multirange {
        options.push(format!("MULTIRANGE_TYPE_NAME = {}", qual(&r.schema, m)));
    }
    format!(
        "CREATE TYPE {} AS RANGE ({})",
        qual(&r.schema, &r.name),
        options.join(", ")
    )
}

pub(super) fn create_range(r: &RangeType) -> OpText {
    one(
        format!("New range type {}.{}", r.schema, r.name),
        range_sql(r),
    )
}

pub(super) fn drop_range(r: &RangeType) -> OpText {
    one(
        format!(
            "Type {}.{} is gone (its multirange type with it)",
            r.schema, r.name
        ),
        format!("DROP TYPE {}", qual(&r.schema, &r.name)),
    )
}

/// What `COMMENT ON` names for a comment kept in [`crate::model::Schema::comments`].
pub(super) fn comment_target(t: &CommentTarget) -> String {
    match t {
        CommentTarget::Schema { name } => format!("SCHEMA {}", ident(name)),
        CommentTarget::Index { schema, name } => format!("INDEX {}", qual(schema, name)),
        CommentTarget::Constraint {
            schema,
            table,
            name,
        } => format!("CONSTRAINT {} ON {}", ident(name), qual(schema, table)),
        CommentTarget::Sequence { schema, name } => format!("SEQUENCE {}", qual(schema, name)),
        CommentTarget::Function {
            schema,
            name,
            identity_args,
            procedure,
        } => format!(
            "{} {}({identity_args})",
            if *procedure { "PROCEDURE" } else { "FUNCTION" },
            qual(schema, name)
        ),
        CommentTarget::Trigger {
            schema,
            table,
            name,
        } => format!("TRIGGER {} ON {}", ident(name), qual(schema, table)),
        CommentTarget::Policy {
            schema,
            table,
            name,
        } => format!("POLICY {} ON {}", ident(name), qual(schema, table)),
        CommentTarget::Domain { schema, name } => format!("DOMAIN {}", qual(schema, name)),
        CommentTarget::DomainConstraint {
            schema,
            domain,
            name,
        } => format!(
            "CONSTRAINT {} ON DOMAIN {}",
            ident(name),
            qual(schema, domain)
        ),
        CommentTarget::Type { schema, name } => format!("TYPE {}", qual(schema, name)),
        CommentTarget::Attribute { schema, ty, name } => {
            format!("COLUMN {}.{}", qual(schema, ty), ident(name))
        }
    }
}

#[cfg(test)]
mod tests;
