//! The canonical DDL printer: one spelling for every model object. `inspect`, the rebuild's
//! `CREATE TABLE` and snapshots all come from here, and `declare` of its output gives the
//! same model back (tested on every fixture).

use crate::model::{Column, ForeignKey, Index, Schema, Table, VirtualTable};
use crate::sqltext::{is_bare_ident, is_constant_literal, quote_ident};

/// Returns `CREATE TABLE` for `table`, under `name_override` when given (rebuilds).
pub fn create_table(table: &Table, name_override: Option<&str>) -> String {
    let name = name_override.unwrap_or(&table.name);
    let inline_pk = table
        .primary_key
        .as_ref()
        .filter(|pk| pk.columns.len() == 1);
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            let pk = inline_pk.filter(|pk| pk.columns[0] == c.name);
            column_def(
                c,
                pk.map(|pk| (pk.name.as_deref(), pk.desc, pk.autoincrement)),
                None,
            )
        })
        .collect();
    if let Some(pk) = table.primary_key.as_ref().filter(|pk| pk.columns.len() > 1) {
        lines.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_name(&pk.name),
            idents(&pk.columns)
        ));
    }
    for u in &table.uniques {
        lines.push(format!(
            "{}UNIQUE ({})",
            constraint_name(&u.name),
            idents(&u.columns)
        ));
    }
    for c in &table.checks {
        lines.push(format!("{}CHECK ({})", constraint_name(&c.name), c.expr));
    }
    for fk in &table.foreign_keys {
        lines.push(format!(
            "{}FOREIGN KEY ({}) {}",
            constraint_name(&fk.name),
            idents(&fk.columns),
            references(fk)
        ));
    }
    let mut options = Vec::new();
    if table.strict {
        options.push("STRICT");
    }
    if table.without_rowid {
        options.push("WITHOUT ROWID");
    }
    let suffix = if options.is_empty() {
        String::new()
    } else {
        format!(" {}", options.join(", "))
    };
    format!(
        "CREATE TABLE {} (\n  {}\n){suffix}",
        quote_ident(name),
        lines.join(",\n  ")
    )
}

/// Returns a column definition. `pk` inlines `PRIMARY KEY [DESC] [AUTOINCREMENT]` with its
/// constraint name; `fk` inlines a column-level `REFERENCES` (for `ADD COLUMN`).
pub fn column_def(
    c: &Column,
    pk: Option<(Option<&str>, bool, bool)>,
    fk: Option<&ForeignKey>,
) -> String {
    let mut s = quote_ident(&c.name);
    if !c.ty.is_empty() {
        s.push(' ');
        s.push_str(&type_sql(&c.ty));
    }
    if let Some((name, desc, autoincrement)) = pk {
        s.push(' ');
        s.push_str(&constraint_name(&name.map(str::to_string)));
        s.push_str("PRIMARY KEY");
        if desc {
            s.push_str(" DESC");
        }
        if autoincrement {
            s.push_str(" AUTOINCREMENT");
        }
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(&default_sql(d));
    }
    if let Some(coll) = &c.collation {
        s.push_str(" COLLATE ");
        s.push_str(&quote_ident(coll));
    }
    if let Some(g) = &c.generated {
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expr));
    }
    if let Some(fk) = fk {
        s.push(' ');
        s.push_str(&constraint_name(&fk.name));
        s.push_str(&references(fk));
    }
    s
}

/// Returns a declared type as DDL: as it is when SQLite's grammar reads it back as the same
/// type (bare identifiers, then `(n)` or `(n, m)` of signed numbers), otherwise in double
/// quotes. SQLite strips a type's enclosing quotes when it stores it, so `pragma_table_xinfo`
/// reports the same text either way, with the same affinity; a type that came from a quoted
/// string (`'x); DROP TABLE t; --'`) thus never leaves its quotes.
fn type_sql(ty: &str) -> String {
    if is_plain_type(ty) {
        ty.to_string()
    } else {
        format!("\"{}\"", ty.replace('"', "\"\""))
    }
}

fn is_plain_type(ty: &str) -> bool {
    let (words, args) = match ty.find('(') {
        Some(i) => (&ty[..i], Some(&ty[i..])),
        None => (ty, None),
    };
    let words_ok =
        words.split_whitespace().next().is_some() && words.split_whitespace().all(is_bare_ident);
    let args_ok = args.is_none_or(|a| {
        a.strip_prefix('(')
            .and_then(|a| a.strip_suffix(')'))
            .is_some_and(|inner| {
                let parts: Vec<&str> = inner.split(',').collect();
                parts.len() <= 2 && parts.iter().all(|p| is_signed_number(p.trim()))
            })
    });
    words_ok && args_ok
}

/// `[+-]` then a decimal or hexadecimal number, with an optional exponent (`1.5e-3`).
fn is_signed_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let bytes = s.as_bytes();
    bytes
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
        && bytes.iter().enumerate().all(|(i, b)| {
            b.is_ascii_alphanumeric()
                || *b == b'.'
                || (matches!(b, b'+' | b'-') && i > 0 && matches!(bytes[i - 1], b'e' | b'E'))
        })
}

/// Literals and `CURRENT_*` go bare; any other expression needs parentheses.
fn default_sql(d: &str) -> String {
    let upper = d.to_ascii_uppercase();
    let bare = is_constant_literal(d)
        || matches!(
            upper.as_str(),
            "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
        );
    if bare {
        d.to_string()
    } else {
        format!("({d})")
    }
}

fn references(fk: &ForeignKey) -> String {
    let mut s = format!("REFERENCES {}", quote_ident(&fk.ref_table));
    if !fk.ref_columns.is_empty() {
        s.push_str(&format!(" ({})", idents(&fk.ref_columns)));
    }
    if fk.on_delete != crate::model::FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != crate::model::FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.deferred {
        s.push_str(" DEFERRABLE INITIALLY DEFERRED");
    }
    s
}

fn constraint_name(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", quote_ident(n)))
        .unwrap_or_default()
}

fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Returns `CREATE [UNIQUE] INDEX`.
pub fn create_index(i: &Index) -> String {
    let parts: Vec<String> = i
        .columns
        .iter()
        .map(|p| {
            let mut s = p.expr.clone();
            if let Some(c) = &p.collation {
                s.push_str(&format!(" COLLATE {}", quote_ident(c)));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    let unique = if i.unique { "UNIQUE " } else { "" };
    let mut s = format!(
        "CREATE {unique}INDEX {} ON {} ({})",
        quote_ident(&i.name),
        quote_ident(&i.table),
        parts.join(", ")
    );
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// Returns `CREATE VIRTUAL TABLE name USING module(args)`; the arguments are written as
/// SQLite stored them (see `model::VirtualTable`), comma-separated.
pub fn create_virtual_table(v: &VirtualTable) -> String {
    let mut s = format!(
        "CREATE VIRTUAL TABLE {} USING {}",
        quote_ident(&v.name),
        quote_ident(&v.module)
    );
    if !v.args.is_empty() {
        s.push_str(&format!("({})", v.args.join(", ")));
    }
    s
}

/// Returns the whole schema as canonical DDL: tables (each followed by its indexes) by name,
/// virtual tables by name, views in dependency order, triggers by name.
pub fn schema_ddl(schema: &Schema) -> String {
    let mut out = String::new();
    for table in schema.tables.values() {
        out.push_str(&create_table(table, None));
        out.push_str(";\n");
        for index in table.indexes.values() {
            out.push_str(&create_index(index));
            out.push_str(";\n");
        }
        out.push('\n');
    }
    for v in schema.virtual_tables.values() {
        out.push_str(&create_virtual_table(v));
        out.push_str(";\n\n");
    }
    for name in crate::plan::sqlite::view_order(&schema.views) {
        out.push_str(&schema.views[name].sql);
        out.push_str(";\n\n");
    }
    for trigger in schema.triggers.values() {
        out.push_str(&trigger.sql);
        out.push_str(";\n\n");
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
