//! CREATE TABLE and column definitions for PostgreSQL, and the canonical DDL of a schema.

use crate::model::{Column, Schema, SequenceOptions, Table};
use crate::sqltext::{quote_literal, quote_pg_ident as ident, quote_pg_qualified as qual};

/// Sequence parameters, all spelled out (`AS` only where allowed).
pub fn sequence_options(o: &SequenceOptions, with_type: bool) -> String {
    let ty = if with_type && !o.ty.is_empty() {
        format!("AS {} ", o.ty)
    } else {
        String::new()
    };
    format!(
        "{ty}INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}CYCLE",
        o.increment,
        o.min,
        o.max,
        o.start,
        o.cache,
        if o.cycle { "" } else { "NO " }
    )
}

/// `GENERATED … AS IDENTITY (…)` of an identity column.
pub fn identity(c: &Column) -> Option<String> {
    let id = c.identity.as_ref()?;
    let kind = if id.always { "ALWAYS" } else { "BY DEFAULT" };
    Some(format!(
        "GENERATED {kind} AS IDENTITY ({})",
        sequence_options(&id.options, false)
    ))
}

/// One column definition.
pub fn column_def(c: &Column) -> String {
    let mut out = format!("{} {}", ident(&c.name), c.ty);
    if let Some(coll) = &c.collation {
        out.push_str(&format!(" COLLATE {}", ident(coll)));
    }
    if let Some(g) = &c.generated {
        out.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr));
    }
    if let Some(d) = &c.default {
        out.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(id) = identity(c) {
        out.push(' ');
        out.push_str(&id);
    }
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    out
}

/// `CREATE TABLE` with columns and every constraint in the table (foreign keys too).
pub fn create_table(t: &Table) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    let mut cons = Vec::new();
    if let Some(pk) = &t.primary_key {
        cons.push((pk.name.clone(), pk.definition.clone()));
    }
    cons.extend(
        t.uniques
            .iter()
            .map(|u| (u.name.clone(), u.definition.clone())),
    );
    cons.extend(
        t.checks
            .iter()
            .map(|c| (c.name.clone(), c.definition.clone())),
    );
    cons.extend(
        t.foreign_keys
            .iter()
            .map(|f| (f.name.clone(), f.definition.clone())),
    );
    for (name, def) in cons {
        lines.push(format!(
            "CONSTRAINT {} {}",
            ident(&name.unwrap_or_default()),
            def.unwrap_or_default()
        ));
    }
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        qual(t.schema.as_deref().unwrap_or("public"), &t.name),
        lines.join(",\n    ")
    )
}

/// `COMMENT ON … IS …;` when there is a comment.
fn comment(out: &mut Vec<String>, target: String, text: &Option<String>) {
    if let Some(t) = text {
        out.push(format!("COMMENT ON {target} IS {};", quote_literal(t)));
    }
}

/// Namespaces, extensions, enum types and sequences.
pub fn types_ddl(s: &Schema) -> String {
    let mut out = Vec::new();
    for n in s.schemas.iter().filter(|n| *n != "public") {
        out.push(format!("CREATE SCHEMA {};", ident(n)));
    }
    for e in s.extensions.values() {
        out.push(format!(
            "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};",
            ident(&e.name),
            ident(&e.schema)
        ));
    }
    for e in s.enums.values() {
        let labels: Vec<String> = e.labels.iter().map(|l| quote_literal(l)).collect();
        let name = qual(&e.schema, &e.name);
        out.push(format!(
            "CREATE TYPE {name} AS ENUM ({});",
            labels.join(", ")
        ));
        comment(&mut out, format!("TYPE {name}"), &e.comment);
    }
    for q in s.sequences.values() {
        out.push(format!(
            "CREATE SEQUENCE {} {};",
            qual(&q.schema, &q.name),
            sequence_options(&q.options, true)
        ));
    }
    join(out)
}

/// One table: CREATE TABLE, its foreign keys, indexes, owned sequences and comments.
pub fn table_ddl(s: &Schema, t: &Table) -> String {
    let name = qual(t.schema.as_deref().unwrap_or("public"), &t.name);
    let mut bare = t.clone();
    bare.foreign_keys.clear();
    // CREATE TABLE ignores NOT VALID, so such a CHECK is added after it, as a foreign key is.
    let (later, now): (Vec<_>, Vec<_>) = bare.checks.into_iter().partition(|c| {
        c.definition
            .as_deref()
            .is_some_and(|d| d.ends_with(" NOT VALID"))
    });
    bare.checks = now;
    let mut out = vec![format!("{};", create_table(&bare))];
    let added = later
        .iter()
        .map(|c| (&c.name, &c.definition))
        .chain(t.foreign_keys.iter().map(|f| (&f.name, &f.definition)));
    for (n, def) in added {
        out.push(format!(
            "ALTER TABLE {name} ADD CONSTRAINT {} {};",
            ident(n.as_deref().unwrap_or_default()),
            def.clone().unwrap_or_default()
        ));
    }
    for i in t.indexes.values() {
        out.push(format!("{};", i.definition.clone().unwrap_or_default()));
    }
    let key = t.key();
    for q in s.sequences.values() {
        if let Some((_, c)) = q.owned_by.as_ref().filter(|(k, _)| *k == key) {
            out.push(format!(
                "ALTER SEQUENCE {} OWNED BY {name}.{};",
                qual(&q.schema, &q.name),
                ident(c)
            ));
        }
    }
    comment(&mut out, format!("TABLE {name}"), &t.comment);
    for c in &t.columns {
        comment(
            &mut out,
            format!("COLUMN {name}.{}", ident(&c.name)),
            &c.comment,
        );
    }
    join(out)
}

/// Views in dependency order, with their comments.
pub fn views_ddl(s: &Schema) -> String {
    let keys: std::collections::BTreeSet<String> = s.views.keys().cloned().collect();
    let edges: Vec<(String, String)> = s
        .views
        .iter()
        .flat_map(|(k, v)| v.depends_on.iter().map(move |d| (d.clone(), k.clone())))
        .collect();
    let mut out = Vec::new();
    for key in crate::plan::order::dependency_order(&keys, &edges) {
        let v = &s.views[key];
        out.push(format!("{};", v.sql));
        for i in v.indexes.values() {
            out.push(format!("{};", i.definition.clone().unwrap_or_default()));
        }
        let kind = if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        };
        let name = qual(v.schema.as_deref().unwrap_or("public"), &v.name);
        comment(&mut out, format!("{kind} {name}"), &v.comment);
    }
    join(out)
}

fn join(parts: Vec<String>) -> String {
    if parts.is_empty() {
        String::new()
    } else {
        parts.join("\n") + "\n"
    }
}

/// The canonical DDL of a whole PostgreSQL schema (what `inspect` prints).
pub fn schema_ddl(s: &Schema) -> String {
    let mut parts = vec![types_ddl(s)];
    parts.extend(s.tables.values().map(|t| table_ddl(s, t)));
    parts.push(views_ddl(s));
    for (key, what) in &s.unmanaged {
        parts.push(crate::sqltext::comment::line(&format!(
            "not managed by schemadiff: {key} ({what})"
        )));
    }
    parts.retain(|p| !p.is_empty());
    parts.join("\n")
}
