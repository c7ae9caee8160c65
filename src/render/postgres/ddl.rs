//! CREATE TABLE and column definitions for PostgreSQL, and the canonical DDL of a schema.

use super::objects::{
    comment_target, composite_sql, domain_statements, function_definition, range_sql,
    trigger_not_default, trigger_state_sql,
};
use super::policy::{create_policy_sql, switches_sql};
use crate::model::{Check, Column, CommentTarget, Schema, SequenceOptions, Table, Trigger, View};
use crate::sqltext::{quote_literal, quote_pg_ident as ident, quote_pg_qualified as qual};
use std::collections::BTreeSet;

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
    create_table_of(t, |_| true, true)
}

/// `CREATE TABLE` of `t` with the CHECKs `check` keeps, and with its foreign keys when
/// `foreign_keys`.
fn create_table_of(t: &Table, check: impl Fn(&Check) -> bool, foreign_keys: bool) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    let cons = (t.primary_key.iter().map(|p| (&p.name, &p.definition)))
        .chain(t.uniques.iter().map(|u| (&u.name, &u.definition)))
        .chain((t.checks.iter().filter(|c| check(c))).map(|c| (&c.name, &c.definition)))
        .chain((t.foreign_keys.iter().filter(|_| foreign_keys)).map(|f| (&f.name, &f.definition)));
    for (name, def) in cons {
        lines.push(format!(
            "CONSTRAINT {} {}",
            ident(name.as_deref().unwrap_or_default()),
            def.as_deref().unwrap_or_default()
        ));
    }
    let name = qual(t.schema.as_deref().unwrap_or("public"), &t.name);
    let by = match &t.partition_by {
        Some(key) => format!(" PARTITION BY {key}"),
        None => String::new(),
    };
    if let Some(p) = &t.partition_of {
        // A partition's columns are its parent's; only its own constraints are listed.
        let list = match lines.is_empty() {
            true => String::new(),
            false => format!(" (\n    {}\n)", lines.join(",\n    ")),
        };
        let parent = qual(&p.parent.schema, &p.parent.name);
        return format!(
            "CREATE TABLE {name} PARTITION OF {parent}{list} {}{by}",
            p.bound
        );
    }
    let inherits = match t.inherits.is_empty() {
        true => String::new(),
        false => {
            let parents: Vec<String> = (t.inherits.iter())
                .map(|p| qual(&p.schema, &p.name))
                .collect();
            format!(" INHERITS ({})", parents.join(", "))
        }
    };
    let list = match lines.is_empty() {
        true => "()".to_string(),
        false => format!("(\n    {}\n)", lines.join(",\n    ")),
    };
    format!("CREATE TABLE {name} {list}{inherits}{by}")
}

/// `COMMENT ON target IS …;` when `text` is one (`target` printed only then: a snapshot
/// of 2,000 tables asks for 50,000 columns).
fn comment(out: &mut Vec<String>, target: impl FnOnce() -> String, text: &Option<String>) {
    if let Some(t) = text {
        out.push(format!("COMMENT ON {} IS {};", target(), quote_literal(t)));
    }
}

/// `COMMENT ON … IS …;` when [`Schema::comments`] holds one on `target`.
fn comment_on(out: &mut Vec<String>, s: &Schema, target: CommentTarget) {
    if let Some(c) = s.comments.get(&target.key()) {
        out.push(format!(
            "COMMENT ON {} IS {};",
            comment_target(&target),
            quote_literal(&c.text)
        ));
    }
}

/// Namespaces, extensions, enum types, sequences, then domains, composite and range types
/// in dependency order, each with its comments.
pub fn types_ddl(s: &Schema) -> String {
    let mut out = Vec::new();
    namespaces_to_sequences(&mut out, s);
    for (_, key) in types_and_functions(s) {
        if !s.functions.contains_key(&key) {
            type_or_function(&mut out, s, &key);
        }
    }
    join(out)
}

/// Functions and procedures, each definition as the server prints it and its comment, in
/// dependency order (a `BEGIN ATOMIC` body calling another function first).
pub fn functions_ddl(s: &Schema) -> String {
    let mut out = Vec::new();
    for (_, key) in types_and_functions(s) {
        if s.functions.contains_key(&key) {
            type_or_function(&mut out, s, &key);
        }
    }
    join(out)
}

fn namespaces_to_sequences(out: &mut Vec<String>, s: &Schema) {
    for n in &s.schemas {
        if n != "public" {
            out.push(format!("CREATE SCHEMA {};", ident(n)));
        }
        comment_on(out, s, CommentTarget::Schema { name: n.clone() });
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
        comment(out, || format!("TYPE {name}"), &e.comment);
    }
    for q in s.sequences.values() {
        out.push(format!(
            "CREATE SEQUENCE {} {};",
            qual(&q.schema, &q.name),
            sequence_options(&q.options, true)
        ));
        let (schema, name) = (q.schema.clone(), q.name.clone());
        comment_on(out, s, CommentTarget::Sequence { schema, name });
    }
}

/// Where [`schema_ddl`] prints a type or function: with the types, or, for one that needs
/// a table or a view (a function taking its row type or whose `BEGIN ATOMIC` body reads
/// it, a composite type with an attribute of its row type) or something that does, after
/// the tables or after the views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Types,
    AfterTables,
    AfterViews,
}

/// Domains, composite and range types and functions in one stable topological order of
/// their `depends_on` (a domain over a domain, a range after its subtype difference
/// function, a function after the types it takes), ties and cycles by key; each with its
/// [`Stage`].
fn types_and_functions(s: &Schema) -> Vec<(Stage, String)> {
    let keys: BTreeSet<String> = (s.domains.keys())
        .chain(s.composites.keys())
        .chain(s.ranges.keys())
        .chain(s.functions.keys())
        .cloned()
        .collect();
    let deps = (s.domains.iter().map(|(k, d)| (k, &d.depends_on)))
        .chain(s.composites.iter().map(|(k, c)| (k, &c.depends_on)))
        .chain(s.ranges.iter().map(|(k, r)| (k, &r.depends_on)))
        .chain(s.functions.iter().map(|(k, f)| (k, &f.depends_on)));
    let edges: Vec<(String, String)> = deps
        .flat_map(|(k, on)| on.iter().map(move |d| (d.clone(), k.clone())))
        .collect();
    let order = crate::plan::order::dependency_order(&keys, &edges);
    let mut stages: std::collections::BTreeMap<&str, Stage> = std::collections::BTreeMap::new();
    // `order` borrows `keys`: the keys are copied out.
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let depends_on = (s.functions.get(key).map(|f| &f.depends_on))
            .or_else(|| s.domains.get(key).map(|d| &d.depends_on))
            .or_else(|| s.composites.get(key).map(|c| &c.depends_on))
            .or_else(|| s.ranges.get(key).map(|r| &r.depends_on));
        let stage = (depends_on.into_iter().flatten())
            .map(|d| {
                if s.tables.contains_key(d) {
                    Stage::AfterTables
                } else if s.views.contains_key(d) {
                    Stage::AfterViews
                } else {
                    stages.get(d.as_str()).copied().unwrap_or(Stage::Types)
                }
            })
            .max()
            .unwrap_or(Stage::Types);
        stages.insert(key, stage);
        out.push((stage, key.to_string()));
    }
    out
}

/// The statements of the domain, composite or range type or function with key `key`, and
/// its comments.
fn type_or_function(out: &mut Vec<String>, s: &Schema, key: &str) {
    if let Some(f) = s.functions.get(key) {
        out.push(format!("{};", function_definition(f)));
        comment_on(out, s, function_comment_target(f));
        return;
    }
    if let Some(d) = s.domains.get(key) {
        out.extend(domain_statements(d).into_iter().map(|st| st + ";"));
    } else if let Some(c) = s.composites.get(key) {
        out.push(format!("{};", composite_sql(c)));
    } else if let Some(r) = s.ranges.get(key) {
        out.push(format!("{};", range_sql(r)));
    }
    for target in type_comment_targets(s, key) {
        comment_on(out, s, target);
    }
}

/// What a comment can be on in the type with key `key`: the domain and its constraints,
/// the composite type and its attributes, the range type.
fn type_comment_targets(s: &Schema, key: &str) -> Vec<CommentTarget> {
    if let Some(d) = s.domains.get(key) {
        let (schema, name) = (d.schema.clone(), d.name.clone());
        let checks = d.checks.iter().map(|c| CommentTarget::DomainConstraint {
            schema: schema.clone(),
            domain: name.clone(),
            name: c.name.clone(),
        });
        let mut out = vec![CommentTarget::Domain {
            schema: schema.clone(),
            name: name.clone(),
        }];
        out.extend(checks);
        out
    } else if let Some(c) = s.composites.get(key) {
        let mut out = vec![CommentTarget::Type {
            schema: c.schema.clone(),
            name: c.name.clone(),
        }];
        out.extend(c.attributes.iter().map(|a| CommentTarget::Attribute {
            schema: c.schema.clone(),
            ty: c.name.clone(),
            name: a.name.clone(),
        }));
        out
    } else if let Some(r) = s.ranges.get(key) {
        vec![CommentTarget::Type {
            schema: r.schema.clone(),
            name: r.name.clone(),
        }]
    } else {
        Vec::new()
    }
}

fn function_comment_target(f: &crate::model::Function) -> CommentTarget {
    CommentTarget::Function {
        schema: f.schema.clone(),
        name: f.name.clone(),
        identity_args: f.identity_args.clone(),
        procedure: f.procedure,
    }
}

/// The triggers on the relation with key `key` (keys are `trigger_key(key, name)`, so
/// they sit together in the map; a dotted name of another relation can share the
/// prefix, hence the check of `table`).
fn triggers_on<'a>(s: &'a Schema, key: &'a str) -> impl Iterator<Item = &'a Trigger> + 'a {
    let prefix = format!("{key}.");
    s.triggers
        .range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
        .map(|(_, t)| t)
        .filter(move |t| t.table == key)
}

/// A trigger on the relation `schema.name`: `CREATE TRIGGER` as the server printed it, its
/// state when not enabled, its comment.
fn trigger_ddl(out: &mut Vec<String>, s: &Schema, schema: &str, name: &str, t: &Trigger) {
    out.push(format!("{};", t.sql));
    if trigger_not_default(t) {
        out.push(format!("{};", trigger_state_sql(&qual(schema, name), t)));
    }
    let target = CommentTarget::Trigger {
        schema: schema.to_string(),
        table: name.to_string(),
        name: t.name.clone(),
    };
    comment_on(out, s, target);
}

/// What a comment can be on in a table besides the table and its columns: its constraints
/// and indexes (the index behind a primary key or unique constraint too).
fn table_comment_targets(t: &Table) -> Vec<CommentTarget> {
    let schema = t.schema.clone().unwrap_or_default();
    let constraints = (t.primary_key.iter().map(|p| &p.name))
        .chain(t.uniques.iter().map(|u| &u.name))
        .chain(t.checks.iter().map(|c| &c.name))
        .chain(t.foreign_keys.iter().map(|f| &f.name))
        .flatten();
    let mut out: Vec<CommentTarget> = constraints
        .map(|n| CommentTarget::Constraint {
            schema: schema.clone(),
            table: t.name.clone(),
            name: n.clone(),
        })
        .collect();
    let constraint_indexes = (t.primary_key.iter().map(|p| &p.name))
        .chain(t.uniques.iter().map(|u| &u.name))
        .flatten();
    let indexes: BTreeSet<&String> = t.indexes.keys().chain(constraint_indexes).collect();
    out.extend(indexes.into_iter().map(|n| CommentTarget::Index {
        schema: schema.clone(),
        name: n.clone(),
    }));
    out.extend(t.policies.keys().map(|n| CommentTarget::Policy {
        schema: schema.clone(),
        table: t.name.clone(),
        name: n.clone(),
    }));
    out
}

/// What a comment can be on in a view besides the view: a materialized view's indexes.
fn view_comment_targets(v: &View) -> Vec<CommentTarget> {
    let schema = v.schema.clone().unwrap_or_default();
    (v.indexes.keys())
        .map(|n| CommentTarget::Index {
            schema: schema.clone(),
            name: n.clone(),
        })
        .collect()
}

/// Triggers on a relation that is neither a table nor a view of the schema, and comments
/// on an object no other part prints (none when the model is whole). Printed so that
/// nothing the model holds is left out.
pub fn other_ddl(s: &Schema) -> String {
    let mut out = Vec::new();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut place = |targets: Vec<CommentTarget>| {
        placed.extend(targets.iter().map(CommentTarget::key));
    };
    place(
        (s.schemas.iter())
            .map(|n| CommentTarget::Schema { name: n.clone() })
            .collect(),
    );
    place(
        (s.sequences.values())
            .map(|q| CommentTarget::Sequence {
                schema: q.schema.clone(),
                name: q.name.clone(),
            })
            .collect(),
    );
    for key in s
        .domains
        .keys()
        .chain(s.composites.keys())
        .chain(s.ranges.keys())
    {
        place(type_comment_targets(s, key));
    }
    place(s.functions.values().map(function_comment_target).collect());
    s.tables
        .values()
        .for_each(|t| place(table_comment_targets(t)));
    s.views
        .values()
        .for_each(|v| place(view_comment_targets(v)));
    for t in s.triggers.values() {
        let relation = (s.tables.get(&t.table))
            .map(|x| (x.schema.clone().unwrap_or_default(), x.name.clone()))
            .or_else(|| {
                (s.views.get(&t.table))
                    .map(|v| (v.schema.clone().unwrap_or_default(), v.name.clone()))
            });
        if let Some((schema, table)) = relation {
            let name = t.name.clone();
            place(vec![CommentTarget::Trigger {
                schema,
                table,
                name,
            }]);
        }
    }
    for t in s.triggers.values() {
        if !s.tables.contains_key(&t.table) && !s.views.contains_key(&t.table) {
            let (schema, name) = crate::model::postgres::trigger_relation(&t.sql, &t.table)
                .unwrap_or_else(|| {
                    let (a, b) = t.table.split_once('.').unwrap_or(("public", &t.table));
                    (a.to_string(), b.to_string())
                });
            trigger_ddl(&mut out, s, &schema, &name, t);
            placed.insert(
                CommentTarget::Trigger {
                    schema,
                    table: name,
                    name: t.name.clone(),
                }
                .key(),
            );
        }
    }
    for (key, c) in &s.comments {
        if !placed.contains(key) {
            out.push(format!(
                "COMMENT ON {} IS {};",
                comment_target(&c.on),
                quote_literal(&c.text)
            ));
        }
    }
    join(out)
}

/// One table: CREATE TABLE, its foreign keys, indexes, owned sequences and comments.
pub fn table_ddl(s: &Schema, t: &Table) -> String {
    let name = qual(t.schema.as_deref().unwrap_or("public"), &t.name);
    // CREATE TABLE ignores NOT VALID, so such a CHECK is added after it, as a foreign key is.
    let later = |c: &Check| {
        c.definition
            .as_deref()
            .is_some_and(|d| d.ends_with(" NOT VALID"))
    };
    let mut out = vec![format!("{};", create_table_of(t, |c| !later(c), false))];
    let added = (t.checks.iter().filter(|c| later(c)))
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
    comment(&mut out, || format!("TABLE {name}"), &t.comment);
    for c in &t.columns {
        comment(
            &mut out,
            || format!("COLUMN {name}.{}", ident(&c.name)),
            &c.comment,
        );
    }
    // A policy's comment follows the policy (below).
    for target in table_comment_targets(t) {
        if !matches!(target, CommentTarget::Policy { .. }) {
            comment_on(&mut out, s, target);
        }
    }
    let schema = t.schema.as_deref().unwrap_or_default();
    for trigger in triggers_on(s, &key) {
        trigger_ddl(&mut out, s, schema, &t.name, trigger);
    }
    row_security_ddl(&mut out, s, t);
    join(out)
}

/// A table's row-level security: its switches when on, its policies by name, each with
/// its comment.
fn row_security_ddl(out: &mut Vec<String>, s: &Schema, t: &Table) {
    let at = crate::plan::postgres::TableName::of(t);
    let enable = t.row_security.then_some(true);
    let force = t.force_row_security.then_some(true);
    if enable.is_some() || force.is_some() {
        out.push(format!("{};", switches_sql(&at, enable, force)));
    }
    for p in t.policies.values() {
        out.push(format!("{};", create_policy_sql(&at, p)));
        let target = CommentTarget::Policy {
            schema: at.schema.clone(),
            table: at.name.clone(),
            name: p.name.clone(),
        };
        comment_on(out, s, target);
    }
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
        let schema = v.schema.as_deref().unwrap_or("public");
        let name = qual(schema, &v.name);
        comment(&mut out, || format!("{kind} {name}"), &v.comment);
        for target in view_comment_targets(v) {
            comment_on(&mut out, s, target);
        }
        for trigger in triggers_on(s, key) {
            trigger_ddl(&mut out, s, schema, &v.name, trigger);
        }
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
    let order = types_and_functions(s);
    let stage = |stage: Stage| {
        let mut out = Vec::new();
        for (_, key) in order.iter().filter(|(st, _)| *st == stage) {
            type_or_function(&mut out, s, key);
        }
        join(out)
    };
    let mut head = Vec::new();
    namespaces_to_sequences(&mut head, s);
    let mut parts = vec![join(head), stage(Stage::Types)];
    parts.extend(parents_first(s).into_iter().map(|t| table_ddl(s, t)));
    parts.push(stage(Stage::AfterTables));
    parts.push(views_ddl(s));
    parts.push(stage(Stage::AfterViews));
    parts.push(other_ddl(s));
    parts.push(super::privileges_ddl(s));
    for (key, what) in &s.unmanaged {
        parts.push(crate::sqltext::comment::line(&format!(
            "not managed by schemadiff: {key} ({what})"
        )));
    }
    parts.retain(|p| !p.is_empty());
    parts.join("\n")
}

/// The tables of `s` by key, each partitioned table and inheritance parent before the
/// tables that name it (deterministic: key order otherwise).
fn parents_first(s: &Schema) -> Vec<&Table> {
    let mut out: Vec<&Table> = Vec::new();
    let mut done = BTreeSet::new();
    fn visit<'a>(
        s: &'a Schema,
        t: &'a Table,
        done: &mut BTreeSet<String>,
        out: &mut Vec<&'a Table>,
    ) {
        if !done.insert(t.key()) {
            return;
        }
        let parents = (t.partition_of.iter().map(|p| p.parent.key()))
            .chain(t.inherits.iter().map(|p| p.key()));
        for parent in parents.filter_map(|k| s.tables.get(&k)) {
            visit(s, parent, done, out);
        }
        out.push(t);
    }
    for t in s.tables.values() {
        visit(s, t, &mut done, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
