//! Unique constraints set aside so that their table can be created with no files.
//!
//! A partitioned table's unique keys must all hold its partition column ([`super::fileless`]),
//! so a table with a primary key and a unique constraint on other columns (`id` and `email`)
//! kept its files, and each of its indexes cost the server an `fsync` (about a millisecond
//! here; docs/performance.md). Such a table is now created partitioned without the unique
//! constraints that lack the partition column, each of which is created instead on a
//! sibling: a partitioned table of the same name and columns (`LIKE`) in a schema of its
//! own ([`SCHEMA_PREFIX`]), partitioned by the constraint's first column. The server names
//! and prints the constraint there as it would on the table (an unnamed one is
//! `table_column_key` on either, and its definition names no table); after the load the
//! constraints are read off the siblings ([`read`]), the sibling schemas are dropped before
//! the model is read back, and each constraint joins its table's model ([`attach`]).
//!
//! Only where nothing else could tell the difference:
//!
//! - the constraint is written in the `CREATE TABLE` (a column's `UNIQUE` or a table
//!   constraint `[CONSTRAINT name] UNIQUE (…)`), and no foreign key of the load points at
//!   its columns;
//! - the table's other statements are indexes, comments on the table, its columns and the
//!   indexes the statements create, and grants (no statement names the constraint or its
//!   index);
//! - the name it gets is no other relation's or constraint's in the table's schema after the
//!   load ([`clashes`]): the server would have chosen another there.

use crate::model::{Schema, Unique};
use crate::sqltext::pg_lex::{self, Kind, Tok};
use crate::sqltext::quote_pg_ident;
use std::collections::{BTreeMap, BTreeSet};

/// The schemas the siblings are created in: this prefix and a number.
pub const SCHEMA_PREFIX: &str = "schemadiff_detached_";

/// A unique constraint of a `CREATE TABLE`: its columns, its text to add on a sibling, and
/// the bytes of the statement it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UniqueAt {
    columns: Vec<String>,
    /// The column's name as written, for a column's `UNIQUE`.
    column: Option<String>,
    text: String,
    cut: (usize, usize),
}

/// A `CREATE TABLE` with unique constraints set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detached {
    /// The statement without them.
    pub create: String,
    /// Per constraint: the sibling's schema and the statements that create it there.
    pub siblings: Siblings,
}

/// Per constraint set aside: the sibling's schema and the statements that create it there.
pub type Siblings = Vec<(String, Vec<String>)>;

/// The constraints the server named on the siblings: (sibling schema, constraint).
pub type Read = Vec<(String, Unique)>;

/// `create` (a table's `CREATE TABLE`, one of `others` statements about it) without the
/// unique constraints whose columns hold none of `kept_columns` (the partition column's
/// candidates), each set aside on a sibling in schema `SCHEMA_PREFIX` + `next` (counted on);
/// `None` when one of them cannot be (see the module documentation). `referenced`: the
/// column sets foreign keys point at in this table (`None` when one is not known).
pub fn detach(
    create: &str,
    others: &[&str],
    partition_column: &str,
    referenced: Option<&[BTreeSet<String>]>,
    next: &mut usize,
) -> Option<Detached> {
    let referenced = referenced?;
    if !others.iter().all(|o| harmless(o, others)) {
        return None;
    }
    let (name, uniques) = uniques(create)?;
    let away: Vec<&UniqueAt> = (uniques.iter())
        .filter(|u| !u.columns.iter().any(|c| c == partition_column))
        .collect();
    let pointed_at = |u: &UniqueAt| {
        let cols: BTreeSet<String> = u.columns.iter().cloned().collect();
        referenced.contains(&cols)
    };
    if away.is_empty() || away.iter().any(|u| pointed_at(u)) {
        return None;
    }
    let mut text = create.to_string();
    for u in away.iter().rev() {
        text.replace_range(u.cut.0..u.cut.1, "");
    }
    let mut siblings = Vec::new();
    for u in away {
        let schema = format!("{SCHEMA_PREFIX}{next}");
        *next += 1;
        let sibling = format!("{schema}.{name}");
        let first = match &u.column {
            Some(written) => written.clone(),
            None => quote_pg_ident(u.columns.first()?),
        };
        let add = &u.text;
        siblings.push((
            schema.clone(),
            vec![
                format!("CREATE SCHEMA {schema}"),
                format!(
                    "CREATE TABLE {sibling} (LIKE {}) PARTITION BY RANGE ({first})",
                    written_name(create)?
                ),
                format!("ALTER TABLE {sibling} ADD {add}"),
            ],
        ));
    }
    Some(Detached {
        create: text,
        siblings,
    })
}

/// A table's statements (`texts`, in file order) with no files, setting unique constraints
/// aside where [`super::fileless::without_files`] alone cannot: the index of its `CREATE
/// TABLE`, that statement partitioned, and per constraint set aside its sibling's schema and
/// statements (numbered from `next`, counted on). `referenced`: as for [`detach`].
pub fn without_files(
    texts: &[&str],
    referenced: Option<&[BTreeSet<String>]>,
    next: &mut usize,
) -> Option<(usize, String, Siblings)> {
    if let Some((at, text)) = super::fileless::without_files(texts) {
        return Some((at, text, Vec::new()));
    }
    let creates = |t: &str| {
        let toks = pg_lex::tokens(t).ok();
        toks.is_some_and(|toks| name_span(t, &toks).is_some())
    };
    let create = texts.iter().position(|t| creates(t))?;
    let others: Vec<&str> = (texts.iter().enumerate())
        .filter(|(n, _)| *n != create)
        .map(|(_, t)| *t)
        .collect();
    for column in candidates(texts[create]) {
        let mut counter = *next;
        let Some(d) = detach(texts[create], &others, &column, referenced, &mut counter) else {
            continue;
        };
        let mut cut = texts.to_vec();
        cut[create] = &d.create;
        if let Some((at, text)) = super::fileless::without_files(&cut) {
            *next = counter;
            return Some((at, text, d.siblings));
        }
    }
    None
}

/// The columns a partition column may be chosen from when unique constraints are set
/// aside: the primary key's (a column's `PRIMARY KEY` or the table constraint's), else the
/// first unique constraint's.
pub fn candidates(create: &str) -> Vec<String> {
    let Ok(t) = pg_lex::tokens(create) else {
        return Vec::new();
    };
    for (i, tok) in t.iter().enumerate() {
        if tok.is_word(create, "primary") && t.get(i + 1).is_some_and(|k| k.is_word(create, "key"))
        {
            if let Some(cols) = key_columns(create, &t[i + 2..]) {
                return cols;
            }
            // A column's `PRIMARY KEY`: the column starts its element.
            let start = (0..i)
                .rev()
                .find(|&j| t[j].is_punct(create, b',') || t[j].is_punct(create, b'('))
                .map_or(0, |j| j + 1);
            return t
                .get(start)
                .and_then(|c| c.name(create))
                .into_iter()
                .collect();
        }
    }
    uniques(create)
        .and_then(|(_, u)| u.into_iter().next())
        .map(|u| u.columns)
        .unwrap_or_default()
}

/// Whether `text`, a statement about the table beside its `CREATE TABLE`, cannot name a
/// constraint set aside or its index: an index, a grant, a comment on the table, a column
/// or an index `all` creates.
fn harmless(text: &str, all: &[&str]) -> bool {
    let Ok(t) = pg_lex::tokens(text) else {
        return false;
    };
    let w = |i: usize, word: &str| t.get(i).is_some_and(|x| x.is_word(text, word));
    if w(0, "create") && (w(1, "index") || (w(1, "unique") && w(2, "index"))) {
        return true;
    }
    if w(0, "grant") || w(0, "revoke") {
        return true;
    }
    if !(w(0, "comment") && w(1, "on")) {
        return false;
    }
    if w(2, "table") || w(2, "column") {
        return true;
    }
    // `COMMENT ON INDEX [schema.]name`: one of the statements creates it.
    let Some(index) = w(2, "index").then(|| last_name(text, &t[3..])).flatten() else {
        return false;
    };
    all.iter().any(|o| {
        let Ok(ot) = pg_lex::tokens(o) else {
            return false;
        };
        let at = |i: usize, word: &str| ot.get(i).is_some_and(|x| x.is_word(o, word));
        let name_at = if at(1, "unique") { 3 } else { 2 };
        at(0, "create")
            && at(name_at - 1, "index")
            && ot.get(name_at).and_then(|n| n.name(o)).as_deref() == Some(index.as_str())
    })
}

/// The last name of `[schema.]name` at the start of `t`.
fn last_name(src: &str, t: &[Tok]) -> Option<String> {
    match t.get(1) {
        Some(dot) if dot.is_punct(src, b'.') => t.get(2)?.name(src),
        _ => t.first()?.name(src),
    }
}

/// The table's name as written in `CREATE TABLE [IF NOT EXISTS] name (`.
fn written_name(create: &str) -> Option<&str> {
    let t = pg_lex::tokens(create).ok()?;
    let (start, end) = name_span(create, &t)?;
    Some(&create[t[start].start..t[end - 1].end])
}

/// The tokens of the table's name (`start..end`) in a plain `CREATE TABLE`.
fn name_span(src: &str, t: &[Tok]) -> Option<(usize, usize)> {
    if !(t.first()?.is_word(src, "create") && t.get(1)?.is_word(src, "table")) {
        return None;
    }
    let mut i = 2;
    if t.get(i)?.is_word(src, "if") {
        i += 3;
    }
    let start = i;
    t.get(i)?.name(src)?;
    if t.get(i + 1)?.is_punct(src, b'.') {
        t.get(i + 2)?.name(src)?;
        i += 2;
    }
    Some((start, i + 1))
}

/// The table's last name as written and the unique constraints of a plain `CREATE TABLE`
/// whose column list ends the statement; `None` for any other form.
fn uniques(create: &str) -> Option<(String, Vec<UniqueAt>)> {
    let t = pg_lex::tokens(create).ok()?;
    let (_, end) = name_span(create, &t)?;
    let name = t[end - 1].text(create).to_string();
    let open = end;
    if !t.get(open)?.is_punct(create, b'(') {
        return None;
    }
    // The elements of the list, by token ranges, and the commas between them.
    let mut elements = Vec::new();
    let mut depth = 0;
    let mut from = open + 1;
    let mut close = None;
    for (i, tok) in t.iter().enumerate().skip(open) {
        if tok.is_punct(create, b'(') {
            depth += 1;
        } else if tok.is_punct(create, b')') {
            depth -= 1;
            if depth == 0 {
                elements.push((from, i));
                close = Some(i);
                break;
            }
        } else if depth == 1 && tok.is_punct(create, b',') {
            elements.push((from, i));
            from = i + 1;
        }
    }
    if close? + 1 != t.len() || elements.iter().any(|(a, b)| a >= b) {
        return None;
    }
    let mut out = Vec::new();
    for (n, &(a, b)) in elements.iter().enumerate() {
        let e = &t[a..b];
        let w = |i: usize, word: &str| e.get(i).is_some_and(|x| x.is_word(create, word));
        let table_constraint = w(0, "unique") || (w(0, "constraint") && w(2, "unique"));
        if table_constraint {
            let at = if w(0, "unique") { 0 } else { 2 };
            let columns = key_columns(create, &e[at + 1..])?;
            // The element and the comma before it (after it, for the first).
            let cut = match n {
                0 => (e[0].start, t[b].end),
                _ => (t[a - 1].start, e[e.len() - 1].end),
            };
            out.push(UniqueAt {
                columns,
                column: None,
                text: create[e[0].start..e[e.len() - 1].end].to_string(),
                cut,
            });
            continue;
        }
        let starts_other = [
            "constraint",
            "primary",
            "check",
            "foreign",
            "exclude",
            "like",
        ];
        if starts_other.iter().any(|k| w(0, k)) {
            continue;
        }
        out.extend(column_unique(create, e)?);
    }
    Some((name, out))
}

/// The columns of `[NULLS [NOT] DISTINCT] (a, b …)` at the start of `t`.
fn key_columns(src: &str, t: &[Tok]) -> Option<Vec<String>> {
    let mut i = 0;
    if t.get(i)?.is_word(src, "nulls") {
        i += if t.get(i + 1)?.is_word(src, "not") {
            3
        } else {
            2
        };
    }
    if !t.get(i)?.is_punct(src, b'(') {
        return None;
    }
    let mut columns = Vec::new();
    for tok in &t[i + 1..] {
        match tok.kind {
            _ if tok.is_punct(src, b')') => return Some(columns),
            _ if tok.is_punct(src, b',') => {}
            Kind::Word | Kind::Quoted => columns.push(tok.name(src)?),
            _ => return None,
        }
    }
    None
}

/// A column definition's `[CONSTRAINT name] UNIQUE …` clause, if it has one.
fn column_unique(src: &str, e: &[Tok]) -> Option<Option<UniqueAt>> {
    let column = e.first()?.name(src)?;
    let mut depth = 0;
    let mut at = None;
    for (i, tok) in e.iter().enumerate().skip(1) {
        if tok.is_punct(src, b'(') {
            depth += 1;
        } else if tok.is_punct(src, b')') {
            depth -= 1;
        } else if depth == 0 && tok.is_word(src, "unique") {
            if at.is_some() {
                return None;
            }
            at = Some(i);
        }
    }
    let Some(at) = at else {
        return Some(None);
    };
    let named = at >= 3 && e[at - 2].is_word(src, "constraint");
    let start = if named { at - 2 } else { at };
    // The clause runs to the next column constraint.
    let mut end = at + 1;
    let mut depth = 0;
    while let Some(tok) = e.get(end) {
        if tok.is_punct(src, b'(') {
            depth += 1;
        } else if tok.is_punct(src, b')') {
            depth -= 1;
        } else if depth == 0 {
            let next_is = |word: &str| e.get(end + 1).is_some_and(|n| n.is_word(src, word));
            let before_is = |word: &str| e[end - 1].is_word(src, word);
            let other = [
                "constraint",
                "null",
                "check",
                "default",
                "generated",
                "primary",
            ]
            .iter()
            .chain(&["references", "collate", "unique"])
            .any(|k| tok.is_word(src, k));
            let not_null = tok.is_word(src, "not") && !next_is("deferrable") && !before_is("nulls");
            let null = tok.is_word(src, "null") && !before_is("not");
            if (other && !tok.is_word(src, "null")) || not_null || null {
                break;
            }
        }
        end += 1;
    }
    // As a table constraint: the column list after `UNIQUE [NULLS [NOT] DISTINCT]`.
    let mut list_at = at + 1;
    if e.get(list_at).is_some_and(|t| t.is_word(src, "nulls")) {
        let not = e.get(list_at + 1).is_some_and(|t| t.is_word(src, "not"));
        list_at += if not { 3 } else { 2 };
    }
    let written = e[0].text(src);
    let head = &src[e[start].start..e[list_at - 1].end];
    let text = match list_at < end {
        true => format!(
            "{head} ({written}) {}",
            &src[e[list_at].start..e[end - 1].end]
        ),
        false => format!("{head} ({written})"),
    };
    Some(Some(UniqueAt {
        columns: vec![column],
        column: Some(written.to_string()),
        text,
        cut: (e[start].start, e[end - 1].end),
    }))
}

/// The statement that reads the constraints off the siblings (before they are dropped).
pub const READ: &str = "SELECT n.nspname, con.conname, pg_catalog.pg_get_constraintdef(con.oid), \
     ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) \
           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
           ORDER BY k.ord)::text[] \
     FROM pg_catalog.pg_constraint con \
     JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE con.contype = 'u' AND n.nspname = ANY ($1::text[])";

/// Reads the constraints off the siblings in `schemas` and drops those schemas.
pub fn read(
    client: &mut impl postgres::GenericClient,
    schemas: &[String],
) -> Result<Read, postgres::Error> {
    let mut out = Vec::new();
    for row in client.query(READ, &[&schemas])? {
        out.push((
            row.get::<_, String>(0),
            Unique {
                name: Some(row.get(1)),
                columns: row.get(3),
                definition: Some(row.get(2)),
            },
        ));
    }
    let list: Vec<String> = schemas.iter().map(|s| quote_pg_ident(s)).collect();
    if !list.is_empty() {
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", list.join(", "));
        client.batch_execute(&drop)?;
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Puts each constraint read off a sibling in `schema` back on its table (`tables`: per
/// sibling schema, the table's key); `Err` with the table's key when one is missing or a
/// constraint's name is another relation's or constraint's in its schema ([`clashes`]).
pub fn attach(
    schema: &mut Schema,
    read: Read,
    tables: &BTreeMap<String, String>,
) -> Result<(), String> {
    let mut touched = BTreeSet::new();
    for (sibling, unique) in read {
        let key = tables.get(&sibling).ok_or_else(|| sibling.clone())?;
        let table = schema.tables.get_mut(key).ok_or_else(|| key.clone())?;
        table.uniques.push(unique);
        table.uniques.sort();
        touched.insert(key.clone());
    }
    let names = names_by_schema(schema);
    for key in touched {
        if clashes(schema, &names, &key) {
            return Err(key);
        }
    }
    Ok(())
}

/// How many relations and constraints bear each name, by schema.
type Names<'a> = BTreeMap<(&'a str, &'a str), usize>;

/// Every relation's and constraint's name in `schema`, counted by schema (one pass: a
/// load sets aside constraints of thousands of tables).
fn names_by_schema(schema: &Schema) -> Names<'_> {
    let mut all: Vec<(&str, &str)> = Vec::new();
    for t in schema.tables.values() {
        let ns = t.schema.as_deref().unwrap_or("");
        all.push((ns, &t.name));
        all.extend(t.indexes.keys().map(|i| (ns, i.as_str())));
        let constraints = (t.primary_key.iter().map(|c| &c.name))
            .chain(t.uniques.iter().map(|c| &c.name))
            .chain(t.checks.iter().map(|c| &c.name))
            .chain(t.foreign_keys.iter().map(|c| &c.name));
        all.extend(constraints.flatten().map(|c| (ns, c.as_str())));
    }
    for v in schema.views.values() {
        let ns = v.schema.as_deref().unwrap_or("");
        all.push((ns, &v.name));
        all.extend(v.indexes.keys().map(|i| (ns, i.as_str())));
    }
    all.extend(
        schema
            .sequences
            .values()
            .map(|s| (s.schema.as_str(), s.name.as_str())),
    );
    let mut out: Names<'_> = BTreeMap::new();
    for name in all {
        *out.entry(name).or_default() += 1;
    }
    out
}

/// Whether a unique constraint of table `key` has a name another relation or constraint of
/// its schema has (or another of its constraints): a full load would have named one of
/// them differently.
fn clashes(schema: &Schema, names: &Names<'_>, key: &str) -> bool {
    let Some(table) = schema.tables.get(key) else {
        return true;
    };
    let ns = table.schema.as_deref().unwrap_or("");
    (table.uniques.iter().filter_map(|u| u.name.as_deref()))
        .any(|n| names.get(&(ns, n)).copied().unwrap_or(0) != 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detached(create: &str) -> Option<Detached> {
        detach(create, &[], "id", Some(&[]), &mut 1)
    }

    #[test]
    fn unique_constraints_without_the_partition_column_go_to_siblings() {
        let d = detached(
            "CREATE TABLE s.\"T\" (id int PRIMARY KEY, email text NOT NULL UNIQUE NULLS NOT DISTINCT DEFAULT 'x', a int, b int, CONSTRAINT ab UNIQUE (a, b) DEFERRABLE, UNIQUE (id, a))",
        )
        .unwrap();
        assert_eq!(
            d.create,
            "CREATE TABLE s.\"T\" (id int PRIMARY KEY, email text NOT NULL  DEFAULT 'x', a int, b int, UNIQUE (id, a))"
        );
        assert_eq!(
            d.siblings,
            [
                (
                    "schemadiff_detached_1".to_string(),
                    vec![
                        "CREATE SCHEMA schemadiff_detached_1".to_string(),
                        "CREATE TABLE schemadiff_detached_1.\"T\" (LIKE s.\"T\") PARTITION BY RANGE (email)".to_string(),
                        "ALTER TABLE schemadiff_detached_1.\"T\" ADD UNIQUE NULLS NOT DISTINCT (email)".to_string(),
                    ]
                ),
                (
                    "schemadiff_detached_2".to_string(),
                    vec![
                        "CREATE SCHEMA schemadiff_detached_2".to_string(),
                        "CREATE TABLE schemadiff_detached_2.\"T\" (LIKE s.\"T\") PARTITION BY RANGE (a)".to_string(),
                        "ALTER TABLE schemadiff_detached_2.\"T\" ADD CONSTRAINT ab UNIQUE (a, b) DEFERRABLE".to_string(),
                    ]
                ),
            ]
        );
    }

    #[test]
    fn what_a_sibling_cannot_stand_for_keeps_the_constraint() {
        // A foreign key points at it.
        let email = BTreeSet::from(["email".to_string()]);
        let t = "CREATE TABLE t (id int PRIMARY KEY, email text UNIQUE)";
        assert!(detach(t, &[], "id", Some(&[email]), &mut 1).is_none());
        assert!(detach(t, &[], "id", None, &mut 1).is_none());
        // A statement could name its index or the constraint.
        for other in [
            "COMMENT ON INDEX t_email_key IS 'x'",
            "COMMENT ON CONSTRAINT t_email_key ON t IS 'x'",
            "ALTER TABLE t ADD CHECK (id > 0)",
        ] {
            assert!(
                detach(t, &[other], "id", Some(&[]), &mut 1).is_none(),
                "{other}"
            );
        }
        let fine = ["CREATE INDEX i ON t (email)", "COMMENT ON INDEX i IS 'x'"];
        assert!(detach(t, &fine, "id", Some(&[]), &mut 1).is_some());
        // Nothing to set aside, or not a plain CREATE TABLE.
        assert!(detached("CREATE TABLE t (id int PRIMARY KEY, e text)").is_none());
        assert!(
            detached("CREATE TABLE t (id int, e text UNIQUE) WITH (fillfactor = 50)").is_none()
        );
    }
}
