//! SQLite introspection: a fixed handful of bulk queries, whatever the table count.
//!
//! `pragma_table_list` gives STRICT and WITHOUT ROWID; `pragma_table_xinfo` (joined with
//! `sqlite_schema`, one query for every table) gives columns in order with declared type,
//! NOT NULL, default, primary-key position and generated kind; the stored `CREATE` text
//! gives what no pragma reports (see [`parse`]); `pragma_foreign_key_list` and
//! `pragma_index_xinfo` then confirm what was parsed (see [`verify`]). When sqlparser refuses
//! a stored `CREATE TABLE` (a type name only SQLite knows), it is read again after the
//! rewrites of [`forms`]. Virtual tables are read by module and arguments ([`vtab`]); the
//! shadow tables of their modules, SQLite's own tables (`sqlite_%`) and schemadiff's
//! bookkeeping tables (`schemadiff_%`) are left out.

mod forms;
mod parse;
mod verify;
mod vtab;

use super::Error;
use crate::model::{Column, Index, PrimaryKey, Schema, Table, Trigger, View, VirtualTable};
use crate::sqltext::{canonical_expr_text, canonical_statement};
use rusqlite::Connection;
use std::collections::BTreeMap;

/// Returns the schema of the `main` database of `conn`.
pub fn introspect(conn: &Connection) -> Result<Schema, Error> {
    let (objects, virtuals) = schema_objects(conn)?;
    let options = table_options(conn)?;
    let mut columns = table_columns(conn)?;
    let mut texts = parse_texts(&objects);
    let mut schema = Schema {
        virtual_tables: virtual_tables(conn, &virtuals)?,
        ..Schema::default()
    };
    for (obj, text) in objects.iter().zip(texts.iter_mut()) {
        let (Some(&(strict, without_rowid)), Text::Table(text)) = (options.get(&obj.name), text)
        else {
            continue; // not a table, or a virtual or shadow table
        };
        let text = std::mem::replace(text, Err(String::new()));
        let cols = columns.remove(&obj.name).unwrap_or_default();
        let table = build_table(obj, text, cols, strict, without_rowid)?;
        schema.tables.insert(obj.name.clone(), table);
    }
    for (obj, text) in objects.iter().zip(texts) {
        match text {
            Text::Index(parsed) => add_index(&mut schema, obj, parsed)?,
            Text::Canonical(sql) if obj.kind == "view" => {
                let view = View {
                    name: obj.name.clone(),
                    sql,
                    ..Default::default()
                };
                schema.views.insert(obj.name.clone(), view);
            }
            Text::Canonical(sql) if schema.tables.contains_key(&obj.table) => {
                let trigger = Trigger {
                    name: obj.name.clone(),
                    table: obj.table.clone(),
                    sql,
                    enabled: None,
                };
                schema.triggers.insert(obj.name.clone(), trigger);
            }
            _ => {}
        }
    }
    verify::verify(conn, &schema)?;
    Ok(schema)
}

/// What the stored text of one object gives.
enum Text {
    Table(Result<parse::TableText, String>),
    Index(Result<parse::IndexText, String>),
    /// Views and triggers: their canonical statement.
    Canonical(String),
    Other,
}

fn parse_text(obj: &Object) -> Text {
    match obj.kind.as_str() {
        "table" => Text::Table(parse::table_text(&obj.sql)),
        "index" => Text::Index(parse::index_text(&obj.sql)),
        "view" | "trigger" => Text::Canonical(canonical_statement(&obj.sql)),
        _ => Text::Other,
    }
}

/// Parses the stored texts, on every core for big schemas: parsing is pure and is most of
/// the time introspection takes (the catalog queries stay on the one connection).
fn parse_texts(objects: &[Object]) -> Vec<Text> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if workers < 2 || objects.len() < 256 {
        return objects.iter().map(parse_text).collect();
    }
    let size = objects.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = objects
            .chunks(size)
            .map(|chunk| scope.spawn(move || chunk.iter().map(parse_text).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| crate::threads::joined(h))
            .collect()
    })
}

/// Reports whether SQLite and schemadiff leave `name` alone.
pub fn is_internal(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("sqlite_") || lower.starts_with("schemadiff_")
}

struct Object {
    kind: String,
    name: String,
    table: String,
    sql: String,
}

/// Returns the ordinary objects and, apart, the virtual tables.
fn schema_objects(conn: &Connection) -> Result<(Vec<Object>, Vec<Object>), Error> {
    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema \
         WHERE sql IS NOT NULL ORDER BY type, name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Object {
            kind: r.get(0)?,
            name: r.get(1)?,
            table: r.get(2)?,
            sql: r.get(3)?,
        })
    })?;
    let (mut out, mut virtuals) = (Vec::new(), Vec::new());
    for row in rows {
        let obj = row?;
        if is_internal(&obj.name) || is_internal(&obj.table) {
            continue;
        }
        if is_virtual(&obj) {
            virtuals.push(obj);
        } else {
            out.push(obj);
        }
    }
    Ok((out, virtuals))
}

/// Reads each virtual table's module and arguments from its stored text, after asking
/// SQLite to connect it: a module this SQLite does not have is an error, since its shadow
/// tables could then not be told from the user's own.
fn virtual_tables(
    conn: &Connection,
    objects: &[Object],
) -> Result<BTreeMap<String, VirtualTable>, Error> {
    let mut out = BTreeMap::new();
    for obj in objects {
        let (module, args) =
            vtab::virtual_table_text(&obj.sql).map_err(|message| Error::Unreadable {
                kind: "virtual table",
                name: obj.name.clone(),
                message,
                sql: obj.sql.clone(),
            })?;
        let connect = conn
            .prepare("SELECT count(*) FROM pragma_table_xinfo(?1)")
            .and_then(|mut s| s.query_row([&obj.name], |r| r.get::<_, i64>(0)));
        if let Err(e) = connect {
            return Err(Error::Module {
                name: obj.name.clone(),
                module,
                message: e.to_string(),
            });
        }
        let table = VirtualTable {
            name: obj.name.clone(),
            module,
            args,
        };
        out.insert(obj.name.clone(), table);
    }
    Ok(out)
}

/// Virtual tables (`CREATE VIRTUAL TABLE`) are owned by their module: modelled by module and
/// arguments only, without columns, and their shadow tables not at all.
fn is_virtual(obj: &Object) -> bool {
    obj.kind == "table"
        && obj
            .sql
            .split_whitespace()
            .nth(1)
            .is_some_and(|w| w.eq_ignore_ascii_case("virtual"))
}

/// Returns `(strict, without_rowid)` per ordinary table. Virtual tables and the shadow
/// tables their modules create (FTS5's `x_data`, `x_idx`, …) are not listed: they belong to
/// the module, and schemadiff leaves them alone.
fn table_options(conn: &Connection) -> Result<BTreeMap<String, (bool, bool)>, Error> {
    let mut stmt = conn.prepare(
        "SELECT name, strict, wr FROM pragma_table_list WHERE schema = 'main' AND type = 'table'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (r.get::<_, bool>(1)?, r.get::<_, bool>(2)?),
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One row of `pragma_table_xinfo`.
struct RawColumn {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

fn table_columns(conn: &Connection) -> Result<BTreeMap<String, Vec<RawColumn>>, Error> {
    let mut stmt = conn.prepare(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
         FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS p \
         WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%' \
         ORDER BY m.name, p.cid",
    )?;
    let mut out: BTreeMap<String, Vec<RawColumn>> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let col = RawColumn {
            name: r.get(1)?,
            ty: r.get(2)?,
            not_null: r.get(3)?,
            default: r.get(4)?,
            pk: r.get(5)?,
            hidden: r.get(6)?,
        };
        out.entry(r.get(0)?).or_default().push(col);
    }
    Ok(out)
}

fn build_table(
    obj: &Object,
    text: Result<parse::TableText, String>,
    raw: Vec<RawColumn>,
    strict: bool,
    without_rowid: bool,
) -> Result<Table, Error> {
    let unreadable = |message: String| Error::Unreadable {
        kind: "table",
        name: obj.name.clone(),
        message,
        sql: obj.sql.clone(),
    };
    let mut text = text.map_err(unreadable)?;
    let mut pk: Vec<(i64, String)> = Vec::new();
    let mut columns = Vec::with_capacity(raw.len());
    for c in raw {
        if c.pk > 0 {
            pk.push((c.pk, c.name.clone()));
        }
        let generated = text.generated.remove(&c.name);
        if generated.is_none() && matches!(c.hidden, 2 | 3) {
            return Err(unreadable(format!(
                "no expression found for generated column {}",
                c.name
            )));
        }
        // The parsed default is the same text the pragma reports; parsing it again would
        // only cost time. The pragma's text is the fallback.
        let default = match text.defaults.remove(&c.name) {
            Some(d) => Some(d),
            None => c.default.map(|d| canonical_expr_text(&d).unwrap_or(d)),
        };
        columns.push(Column {
            collation: text.collations.remove(&c.name),
            ty: normalize_type(&c.ty),
            name: c.name,
            not_null: c.not_null,
            default,
            generated,
            ..Default::default()
        });
    }
    pk.sort();
    let primary_key = (!pk.is_empty()).then(|| PrimaryKey {
        name: text.pk_name.take(),
        columns: pk.into_iter().map(|(_, n)| n).collect(),
        autoincrement: text.autoincrement,
        desc: text.pk_desc,
        ..Default::default()
    });
    Ok(Table {
        name: obj.name.clone(),
        columns,
        primary_key,
        uniques: text.uniques,
        checks: text.checks,
        foreign_keys: text.foreign_keys,
        indexes: BTreeMap::new(),
        strict,
        without_rowid,
        ..Default::default()
    })
}

fn add_index(
    schema: &mut Schema,
    obj: &Object,
    parsed: Result<parse::IndexText, String>,
) -> Result<(), Error> {
    let parsed = parsed.map_err(|message| Error::Unreadable {
        kind: "index",
        name: obj.name.clone(),
        message,
        sql: obj.sql.clone(),
    })?;
    if let Some(table) = schema.tables.get_mut(&obj.table) {
        let index = Index {
            name: obj.name.clone(),
            table: obj.table.clone(),
            unique: parsed.unique,
            columns: parsed.parts,
            predicate: parsed.predicate,
            ..Default::default()
        };
        table.indexes.insert(obj.name.clone(), index);
    }
    Ok(())
}

/// Returns a declared type in canonical spelling: upper case, single spaces, no spaces
/// inside parentheses (`varchar ( 10 )` → `VARCHAR(10)`). Affinity rules read the same.
pub fn normalize_type(ty: &str) -> String {
    let upper = ty.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let mut out = words.join(" ");
    for (from, to) in [
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        (", ", ","),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}
