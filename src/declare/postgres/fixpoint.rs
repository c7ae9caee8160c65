//! The fixed point of PostgreSQL's deparse (docs/decisions.md, "Fixed-point normalization").
//!
//! The server stores an expression as a parse tree and prints it back (`pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_viewdef`); that text, loaded again,
//! need not print the same: `status IN ('a','b')` on a `varchar` prints as
//! `((status)::text = ANY ((ARRAY['a'::character varying, …])::text[]))`, which loads as an
//! array of casts and prints differently again. A revision or a snapshot carries the text
//! schemadiff read; a database built from it holds the second print. So the model of
//! declared DDL is the fixed point: after the files are loaded, every expression the model
//! holds is issued again **in the same scratch database** (where every object it may name
//! exists, modelled or not) and read back, until no text changes:
//!
//! - CHECK and EXCLUDE constraints: dropped and added again from their definition;
//! - column defaults: set again;
//! - indexes with an expression key or a predicate: dropped and created again;
//! - generated columns and view bodies, which cannot be replaced in place (PostgreSQL 15 has
//!   no `SET EXPRESSION`; a materialized view has no `OR REPLACE`): the text is loaded as a
//!   probe (a column added to the same table, a view of the same kind in the same schema)
//!   inside a transaction that is rolled back, and the probe's print replaces the text;
//! - functions with a `BEGIN ATOMIC`/`RETURN` body, triggers with a `WHEN`, domains'
//!   CHECKs and defaults, policies' `USING` and `WITH CHECK` (`ALTER POLICY`): issued again
//!   in place ([`routines`]).
//!
//! Only the objects whose text changed in a pass are issued in the next one; after
//! [`MAX_PASSES`] passes the objects still changing are reported ([`Error::NotConverging`]).
//! A statement the server refuses (an inherited constraint, an index a constraint depends
//! on) leaves that object's text as it was read.

mod probes;
mod routines;
mod subset;

use super::super::{Error, SourceFile};
use crate::introspect::postgres as pg;
use crate::model::{Schema, Table};
use crate::pg_error::db_message;
use crate::sqltext::{quote_pg_ident, quote_pg_qualified};
use probes::{probe_of, run_probes};
use std::collections::{BTreeMap, BTreeSet};

/// Passes after the first read: PostgreSQL's prints settle after one more (see the module
/// documentation); more than this means a text that keeps changing.
pub const MAX_PASSES: usize = 4;

/// Turns the fixed-point step off, for the mutation test of the expression corpus
/// (`SCHEMADIFF_NO_FIXPOINT=1`): the model is then the first print, as before.
fn disabled() -> bool {
    std::env::var_os("SCHEMADIFF_NO_FIXPOINT").is_some_and(|v| !v.is_empty() && v != "0")
}

/// An object whose text the server prints from a parse tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Obj {
    /// A CHECK or EXCLUDE constraint: table key, constraint name.
    Check(String, String),
    /// A column default: table key, column.
    Default(String, String),
    /// A generated column: table key, column.
    Generated(String, String),
    /// An index with an expression key or a predicate: table or view key, index name.
    Index(String, String),
    /// A view or materialized view: its key.
    View(String),
    /// A function or procedure with a parsed body: its key.
    Function(String),
    /// A trigger with a `WHEN` condition: its key.
    Trigger(String),
    /// A domain's CHECK: domain key, constraint name.
    DomainCheck(String, String),
    /// A domain's default: domain key.
    DomainDefault(String),
    /// A row-level security policy's `USING` and `WITH CHECK`: table key, policy name.
    Policy(String, String),
}

impl Obj {
    fn describe(&self) -> String {
        match self {
            Obj::Check(t, c) => format!("constraint {c} of {t}"),
            Obj::Default(t, c) => format!("the default of {t}.{c}"),
            Obj::Generated(t, c) => format!("generated column {t}.{c}"),
            Obj::Index(t, i) => format!("index {i} on {t}"),
            Obj::View(v) => format!("view {v}"),
            other => routines::describe(other).unwrap_or_default(),
        }
    }
}

/// Every printed text of `schema`, by object.
fn texts(schema: &Schema) -> BTreeMap<Obj, String> {
    let mut out = BTreeMap::new();
    for (key, table) in &schema.tables {
        for check in &table.checks {
            if let Some(name) = &check.name {
                let text = check
                    .definition
                    .clone()
                    .unwrap_or_else(|| check.expr.clone());
                out.insert(Obj::Check(key.clone(), name.clone()), text);
            }
        }
        for column in &table.columns {
            if let Some(g) = &column.generated {
                out.insert(
                    Obj::Generated(key.clone(), column.name.clone()),
                    g.expr.clone(),
                );
            } else if let Some(d) = &column.default {
                out.insert(Obj::Default(key.clone(), column.name.clone()), d.clone());
            }
        }
        for (name, index) in &table.indexes {
            if let Some(def) = expression_index(table, index) {
                out.insert(Obj::Index(key.clone(), name.clone()), def);
            }
        }
    }
    for (key, view) in &schema.views {
        out.insert(Obj::View(key.clone()), view.sql.clone());
        for (name, index) in &view.indexes {
            if index.predicate.is_some() || index.columns.iter().any(|p| p.expr.contains('(')) {
                if let Some(def) = &index.definition {
                    out.insert(Obj::Index(key.clone(), name.clone()), def.clone());
                }
            }
        }
    }
    routines::texts(schema, &mut out);
    out
}

/// The definition of `index` when it has a predicate or a key that is not a plain column.
fn expression_index(table: &Table, index: &crate::model::Index) -> Option<String> {
    let plain = |expr: &str| {
        table
            .columns
            .iter()
            .any(|c| quote_pg_ident(&c.name) == expr)
    };
    let computed = index.predicate.is_some() || index.columns.iter().any(|p| !plain(&p.expr));
    computed.then(|| index.definition.clone()).flatten()
}

/// The quoted, qualified name of the relation with key `key` in `schema`.
fn relation(schema: &Schema, key: &str) -> Option<(String, String)> {
    if let Some(t) = schema.tables.get(key) {
        return Some((
            t.schema.clone().unwrap_or_else(|| "public".into()),
            t.name.clone(),
        ));
    }
    let v = schema.views.get(key)?;
    Some((
        v.schema.clone().unwrap_or_else(|| "public".into()),
        v.name.clone(),
    ))
}

/// The model of the scratch database `client` holds (first read as `first`, for the
/// schemas `only`) at the fixed point of the server's print.
pub fn settle(
    client: &mut impl pg::Snapshot,
    first: Schema,
    only: &[String],
) -> Result<Schema, Error> {
    settle_with(client, first, only, &BTreeSet::new())
}

/// The classes settled in `known`, a model at the fixed point: the class (its text and the
/// types of the columns it may name) of every constraint, default and index it holds. That
/// text printed as itself there, and objects of one class print alike.
pub fn settled_classes(known: &Schema) -> Settled {
    Settled(
        texts(known)
            .iter()
            .filter_map(|(obj, text)| class_of(known, obj, text))
            .collect(),
    )
}

/// What [`settled_classes`] found (opaque outside this module).
pub struct Settled(BTreeSet<Class>);

/// As [`settle`], taking as settled every object of a class in `settled`. The incremental
/// reload passes the classes of the model it starts from ([`settled_classes`], worked out
/// while the server runs the statements), so that the unchanged texts of a changed table
/// are not issued again.
pub fn settle_known(
    client: &mut impl pg::Snapshot,
    first: Schema,
    only: &[String],
    settled: &Settled,
) -> Result<Schema, Error> {
    settle_with(client, first, only, &settled.0)
}

fn settle_with(
    client: &mut impl pg::Snapshot,
    first: Schema,
    only: &[String],
    settled: &BTreeSet<Class>,
) -> Result<Schema, Error> {
    if disabled() {
        return Ok(first);
    }
    let scratch = |e: postgres::Error| Error::Scratch {
        message: db_message(&e),
    };
    client
        .batch_execute("SET search_path = ''")
        .map_err(scratch)?;
    let mut current = first;
    // What was issued for each object: a text that printed as itself is settled.
    let mut issued: BTreeMap<Obj, String> = BTreeMap::new();
    // The probes' prints, which the database does not hold (generated columns, views).
    let mut overlay: BTreeMap<Obj, String> = BTreeMap::new();
    // Classes whose representative printed differently: their objects are issued each.
    let mut unstable: BTreeSet<Class> = BTreeSet::new();
    for _ in 0..=MAX_PASSES {
        let now = texts(&current);
        let todo: Vec<(&Obj, &String)> = now
            .iter()
            .filter(|(o, t)| issued.get(*o) != Some(*t))
            .collect();
        if todo.is_empty() {
            return Ok(current);
        }
        let mut in_place = Vec::new();
        // The objects issued again (whether or not a statement could be made for them).
        let mut reissued: Vec<Obj> = Vec::new();
        let mut probes = Vec::new();
        // Objects of one class print alike: one is issued, the others wait for its print.
        let mut classes: BTreeMap<Class, Vec<(Obj, String)>> = BTreeMap::new();
        for (obj, text) in &todo {
            let (obj, text) = ((*obj).clone(), (*text).clone());
            match &obj {
                Obj::Generated(..) | Obj::View(_) => {
                    probes.extend(probe_of(&current, &obj, &text, probes.len()));
                    issued.insert(obj, text);
                }
                _ => match class_of(&current, &obj, &text).filter(|c| !unstable.contains(c)) {
                    Some(class) if settled.contains(&class) => {
                        issued.insert(obj, text);
                    }
                    Some(class) => {
                        let members = classes.entry(class).or_default();
                        if members.is_empty() {
                            in_place.extend(reissue(&current, &obj, &text));
                            reissued.push(obj.clone());
                        }
                        members.push((obj, text));
                    }
                    None => {
                        in_place.extend(reissue(&current, &obj, &text));
                        reissued.push(obj.clone());
                        issued.insert(obj, text);
                    }
                },
            }
        }
        overlay.extend(run_probes(client, &probes));
        let mut next = if in_place.is_empty() {
            current.clone()
        } else {
            run_each(client, &in_place);
            match reread(client, &current, &reissued).map_err(scratch)? {
                Some(schema) => {
                    // Tests build with debug assertions: every reread is checked against
                    // reading everything again.
                    #[cfg(debug_assertions)]
                    {
                        let mut whole = pg::introspect(client, only).map_err(scratch)?.schema;
                        apply(&mut whole, &overlay);
                        assert_eq!(schema.tables, whole.tables, "a reread differs");
                    }
                    schema
                }
                None => pg::introspect(client, only).map_err(scratch)?.schema,
            }
        };
        let read = texts(&next);
        for (class, members) in classes {
            let (rep, text) = &members[0];
            if read.get(rep) == Some(text) {
                issued.extend(members);
            } else {
                issued.insert(rep.clone(), text.clone());
                unstable.insert(class);
            }
        }
        apply(&mut next, &overlay);
        routines::keep(&mut next, &mut current);
        current = next;
    }
    let now = texts(&current);
    let objects: Vec<String> = now
        .iter()
        .filter(|(o, t)| issued.get(*o) != Some(*t))
        .map(|(o, _)| o.describe())
        .collect();
    Err(Error::NotConverging {
        passes: MAX_PASSES,
        objects,
    })
}

/// What the print of a constraint's, default's or index's text depends on besides the
/// text: objects of one class print alike.
type Class = (u8, String);

/// The class of an object's text. A default's print depends on its text and the column's
/// type and collation; a constraint's on its text and the types and collations of the
/// table's columns it may name (every column whose name is in the text); an index's on
/// its predicate and key expressions likewise (its definition also holds its names, which
/// the print does not depend on). `None` when the object is not found.
fn class_of(schema: &Schema, obj: &Obj, text: &str) -> Option<Class> {
    let field = |s: &str| format!("{}:{s}", s.len());
    let column = |c: &crate::model::Column| {
        format!(
            "{}{}{}",
            field(&c.name),
            field(&c.ty),
            field(c.collation.as_deref().unwrap_or(""))
        )
    };
    let named = |table: &Table, texts: &[&str]| -> String {
        table
            .columns
            .iter()
            .filter(|c| texts.iter().any(|t| t.contains(c.name.as_str())))
            .map(column)
            .collect()
    };
    match obj {
        Obj::Default(t, name) => {
            let c = schema
                .tables
                .get(t)?
                .columns
                .iter()
                .find(|c| c.name == *name)?;
            // Not its name: a default names no column.
            let ty = format!(
                "{}{}",
                field(&c.ty),
                field(c.collation.as_deref().unwrap_or(""))
            );
            Some((0, format!("{}{ty}", field(text))))
        }
        Obj::Check(t, _) => {
            let table = schema.tables.get(t)?;
            Some((1, format!("{}{}", field(text), named(table, &[text]))))
        }
        Obj::Index(t, name) => {
            // Indexes of materialized views are issued each.
            let table = schema.tables.get(t)?;
            let index = table.indexes.get(name)?;
            let mut parts: Vec<&str> = index.columns.iter().map(|p| p.expr.as_str()).collect();
            parts.extend(index.predicate.as_deref());
            let key: String = parts.iter().map(|p| field(p)).collect();
            Some((2, format!("{key}{}", named(table, &parts))))
        }
        _ => None,
    }
}

/// The statements that issue `text` again in place, for a constraint, default or index.
fn reissue(schema: &Schema, obj: &Obj, text: &str) -> Option<String> {
    Some(match obj {
        Obj::Check(t, name) => {
            let (ns, rel) = relation(schema, t)?;
            let name = quote_pg_ident(name);
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} {text}",
                quote_pg_qualified(&ns, &rel)
            )
        }
        Obj::Default(t, column) => {
            let (ns, rel) = relation(schema, t)?;
            format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {text}",
                quote_pg_qualified(&ns, &rel),
                quote_pg_ident(column)
            )
        }
        Obj::Index(t, name) => {
            let (ns, _) = relation(schema, t)?;
            format!("DROP INDEX {};\n{text}", quote_pg_qualified(&ns, name))
        }
        Obj::Generated(..) | Obj::View(_) => return None,
        other => return routines::reissue(schema, other, text),
    })
}

/// `schema` with the texts of `objects` read again from the database, when they are all
/// column defaults and CHECK constraints (read as the introspection reads them); `None`
/// for any other kind, which a whole introspection reads again. Issuing a default or a
/// CHECK again changes nothing else the model holds, and reading a few texts back costs
/// a fraction of reading everything (a tenth of a second for 200 tables).
fn reread(
    client: &mut impl pg::Snapshot,
    schema: &Schema,
    objects: &[Obj],
) -> Result<Option<Schema>, postgres::Error> {
    if !objects
        .iter()
        .all(|o| matches!(o, Obj::Default(..) | Obj::Check(..)))
    {
        return Ok(None);
    }
    const DEFAULT: &str = "SELECT pg_catalog.pg_get_expr(ad.adbin, 0) \
         FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_attribute a \
           ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
         WHERE ad.adrelid = $1::text::regclass AND a.attname::text = $2::text";
    const CHECK: &str =
        "SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint \
         WHERE conrelid = $1::text::regclass AND conname::text = $2::text";
    let mut out = schema.clone();
    for obj in objects {
        let (Obj::Default(t, name) | Obj::Check(t, name)) = obj else {
            return Ok(None);
        };
        let Some((ns, rel)) = relation(schema, t) else {
            return Ok(None);
        };
        let query = match obj {
            Obj::Default(..) => DEFAULT,
            _ => CHECK,
        };
        let relation = quote_pg_qualified(&ns, &rel);
        let Some(row) = client.query_opt(query, &[&relation, name])? else {
            return Ok(None);
        };
        let text: Option<String> = row.get(0);
        let Some(table) = out.tables.get_mut(t) else {
            return Ok(None);
        };
        match obj {
            Obj::Default(..) => match table.columns.iter_mut().find(|c| c.name == *name) {
                Some(c) if c.generated.is_none() => c.default = text,
                _ => return Ok(None),
            },
            _ => match table
                .checks
                .iter_mut()
                .find(|c| c.name.as_ref() == Some(name))
            {
                Some(c) => {
                    let Some(text) = text else {
                        return Ok(None);
                    };
                    c.expr = text.clone();
                    c.definition = Some(text);
                }
                None => return Ok(None),
            },
        }
    }
    Ok(Some(out))
}

/// Runs `statements` in batches, then one by one those of a batch the server refused
/// (each alone; a refused one leaves its object as it was).
fn run_each(client: &mut impl pg::Snapshot, statements: &[String]) {
    for chunk in statements.chunks(200) {
        let batch: String = chunk.iter().map(|s| format!("{s};\n")).collect();
        if !attempt(client, &batch) {
            for s in chunk {
                attempt(client, s);
            }
        }
    }
}

/// Runs `sql` in a transaction of its own (a savepoint when the scratch database is loaded
/// inside a transaction), undone when the server refuses any of it.
pub(super) fn alone(
    client: &mut impl postgres::GenericClient,
    sql: &str,
) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute(sql)?;
    tx.commit()
}

/// Whether [`alone`] ran `sql`.
fn attempt(client: &mut impl postgres::GenericClient, sql: &str) -> bool {
    alone(client, sql).is_ok()
}

/// Puts the probes' prints into `schema`.
fn apply(schema: &mut Schema, overlay: &BTreeMap<Obj, String>) {
    for (obj, text) in overlay {
        match obj {
            Obj::Generated(t, column) => {
                let col = schema
                    .tables
                    .get_mut(t)
                    .and_then(|t| t.columns.iter_mut().find(|c| c.name == *column));
                if let Some(g) = col.and_then(|c| c.generated.as_mut()) {
                    g.expr = text.clone();
                }
            }
            Obj::View(key) => {
                if let Some(v) = schema.views.get_mut(key) {
                    v.sql = text.clone();
                }
            }
            _ => {}
        }
    }
}

/// A live model with its expression texts at the fixed point, so that a database built from
/// `schemas/` by hand (`psql -f`, then `stamp head`), which holds the first print, compares
/// equal with the declared model. Only when an object of both `live` and `other` (the side
/// it is compared with) has another text in each: the part of the live model that settles
/// the objects whose texts differ or that `other` lacks ([`subset`]) is printed (`print`,
/// the snapshot printer) and loaded into a scratch database on `server` (through `cache`:
/// the same printed text is not loaded twice), and the settled texts are put into `live`
/// in place of its own, object by object; everything else in `live` stays as read. When
/// that part does not load, the whole live model is printed and loaded (the same texts,
/// at the cost of a full load); when that does not load either (it names objects
/// schemadiff does not model), `live` is returned as read.
pub fn normalize_live(
    live: Schema,
    other: &Schema,
    print: impl Fn(&Schema) -> BTreeMap<String, String>,
    server: &crate::introspect::postgres::connect::Config,
    cache: Option<&super::super::Cache>,
) -> Schema {
    let settled = match subset::of(&live, other) {
        subset::Part::Nothing => return live,
        subset::Part::Some(part) => load(&part, &print, server, cache),
        subset::Part::Whole => None,
    };
    let settled = settled.or_else(|| load(&live, &print, server, cache));
    settled_or_as_read(live, settled)
}

/// [`normalize_live`] with the whole live model printed, as before the subset: what the
/// subset must give the same result as (tests/pg_normalize_subset.rs).
#[doc(hidden)]
pub fn normalize_live_whole(
    live: Schema,
    other: &Schema,
    print: impl Fn(&Schema) -> BTreeMap<String, String>,
    server: &crate::introspect::postgres::connect::Config,
    cache: Option<&super::super::Cache>,
) -> Schema {
    if matches!(subset::of(&live, other), subset::Part::Nothing) {
        return live;
    }
    let settled = load(&live, &print, server, cache);
    settled_or_as_read(live, settled)
}

/// `live` with the texts of `settled`, or as read when nothing settled.
fn settled_or_as_read(live: Schema, settled: Option<Schema>) -> Schema {
    match settled {
        Some(settled) => with_texts_of(live, &settled),
        None => live,
    }
}

/// The part of `live` that [`normalize_live`] loads, when it loads a part rather than
/// nothing or the whole (for tests/pg_normalize_subset.rs).
#[doc(hidden)]
pub fn normalize_live_part(live: &Schema, other: &Schema) -> Option<Schema> {
    match subset::of(live, other) {
        subset::Part::Some(part) => Some(*part),
        _ => None,
    }
}

/// The model of `schema` printed and declared (loaded and settled), `None` when it does
/// not load.
fn load(
    schema: &Schema,
    print: &impl Fn(&Schema) -> BTreeMap<String, String>,
    server: &crate::introspect::postgres::connect::Config,
    cache: Option<&super::super::Cache>,
) -> Option<Schema> {
    let files: Vec<SourceFile> = print(schema)
        .into_iter()
        .map(|(name, text)| SourceFile {
            path: std::path::Path::new("<live database>").join(name),
            text,
        })
        .collect();
    super::super::cache::declare_postgres_cached(&files, server, &[], cache).ok()
}

/// `live` with every printed text that `settled` has for the same object.
fn with_texts_of(mut live: Schema, settled: &Schema) -> Schema {
    for (key, table) in live.tables.iter_mut() {
        let Some(other) = settled.tables.get(key) else {
            continue;
        };
        let names: BTreeSet<&Option<String>> = table.checks.iter().map(|c| &c.name).collect();
        let theirs: BTreeSet<&Option<String>> = other.checks.iter().map(|c| &c.name).collect();
        if names == theirs {
            table.checks = other.checks.clone();
        }
        for column in table.columns.iter_mut() {
            let Some(o) = other.columns.iter().find(|c| c.name == column.name) else {
                continue;
            };
            if column.default.is_some() && o.default.is_some() {
                column.default = o.default.clone();
            }
            if let (Some(g), Some(og)) = (column.generated.as_mut(), &o.generated) {
                g.expr = og.expr.clone();
            }
        }
        for (name, index) in table.indexes.iter_mut() {
            if let Some(o) = other.indexes.get(name) {
                *index = o.clone();
            }
        }
    }
    routines::with_texts_of(&mut live, settled);
    for (key, view) in live.views.iter_mut() {
        if let Some(o) = settled.views.get(key) {
            view.sql = o.sql.clone();
            for (name, index) in view.indexes.iter_mut() {
                if let Some(oi) = o.indexes.get(name) {
                    *index = oi.clone();
                }
            }
        }
    }
    live
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, Column};

    fn table(name: &str, columns: &[(&str, &str)], check: &str) -> (String, Table) {
        let table = Table {
            schema: Some("public".into()),
            name: name.into(),
            columns: columns
                .iter()
                .map(|(n, ty)| Column {
                    name: n.to_string(),
                    ty: ty.to_string(),
                    default: Some("'a'::character varying".into()),
                    ..Column::default()
                })
                .collect(),
            checks: vec![Check {
                name: Some(format!("{name}_check")),
                expr: check.into(),
                definition: Some(check.into()),
            }],
            ..Table::default()
        };
        (format!("public.{name}"), table)
    }

    #[test]
    fn one_class_holds_equal_texts_on_columns_of_equal_types_only() {
        let check = "CHECK ((status = 'a'))";
        let schema = Schema {
            tables: [
                table(
                    "a",
                    &[("status", "character varying(20)"), ("x", "int")],
                    check,
                ),
                table(
                    "b",
                    &[("status", "character varying(20)"), ("y", "text")],
                    check,
                ),
                table("c", &[("status", "text")], check),
                table(
                    "d",
                    &[("status", "character varying(20)")],
                    "CHECK ((status <> 'a'))",
                ),
            ]
            .into_iter()
            .collect(),
            ..Schema::default()
        };
        let class = |t: &str, obj: Obj| {
            let text = &texts(&schema)[&obj];
            class_of(&schema, &obj, text).unwrap_or_else(|| panic!("no class for {t}"))
        };
        let chk = |t: &str| class(t, Obj::Check(format!("public.{t}"), format!("{t}_check")));
        let def = |t: &str| class(t, Obj::Default(format!("public.{t}"), "status".into()));
        // Columns the text does not name do not matter; the named column's type does.
        assert_eq!(chk("a"), chk("b"));
        assert_ne!(chk("a"), chk("c"));
        assert_ne!(chk("a"), chk("d"));
        assert_eq!(def("a"), def("b"));
        assert_ne!(def("a"), def("c"));
        assert_ne!(chk("a"), def("a"));
    }

    #[test]
    fn live_texts_are_replaced_object_by_object() {
        let (key, live) = table("a", &[("status", "character varying(20)")], "CHECK (first)");
        let (_, mut settled) = table(
            "a",
            &[("status", "character varying(20)")],
            "CHECK (second)",
        );
        settled.columns[0].default = Some("'b'::text".into());
        settled.comment = Some("not taken".into());
        let live = Schema {
            tables: [(key.clone(), live)].into_iter().collect(),
            ..Schema::default()
        };
        let settled = Schema {
            tables: [(key.clone(), settled)].into_iter().collect(),
            ..Schema::default()
        };
        let out = with_texts_of(live, &settled);
        let t = &out.tables[&key];
        assert_eq!(t.checks[0].expr, "CHECK (second)");
        assert_eq!(t.columns[0].default.as_deref(), Some("'b'::text"));
        assert_eq!(t.comment, None);
    }
}
