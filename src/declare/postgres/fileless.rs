//! Tables created with no files. PostgreSQL creates a file for every table, TOAST table and
//! index, and on some file systems each costs about a millisecond (docs/performance.md,
//! issue 18); a partitioned table with no partition has none, nor have its indexes, and it
//! reads back as the same table with a partition key. So the incremental reload creates a
//! changed table as one, and a full load on several connections every table of a group
//! (`parallel.rs`), partitioned by a column every key of the table holds; the partition key
//! is forgotten after reading it back.
//!
//! Only where that is known to read back the same (tests/pg_incremental.rs compares every
//! such table with a full load, tests/pg_parallel_load.rs the full load with the serial one,
//! which runs the statements as written): the table's statements are its
//! `CREATE TABLE name (…)`
//! with nothing after the column list, indexes, comments, grants, and `ALTER TABLE`s that
//! neither rename nor retype; none says anything partitioned tables refuse or keep apart
//! (`UNLOGGED`, `INHERITS`, `EXCLUDE`, `NO INHERIT`, `NOT VALID`, `ONLY`, policies, rules,
//! storage parameters, `CLUSTER`, `REPLICA IDENTITY`, tablespaces), nor does any other
//! statement of the load that names it ([`kept_by`]). Triggers, comments
//! (on indexes too, since the catalog query reads partitioned indexes' comments) and
//! grants read back the same. A unique key
//! must hold the partition column, so the column is one every primary key, unique
//! constraint and unique index holds as a plain column; a table with no key is partitioned
//! by its first column of a common built-in type. Anything the server still refuses makes
//! the load run again with the files as written (see `Reload::load` and `load`).

use crate::model::qualified_key;
use crate::sqltext::quote_pg_ident;
use sqlparser::keywords::Keyword;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An unquoted word: its keyword and its text as PostgreSQL folds it.
    Word(Keyword, String),
    Quoted(String),
    Open,
    Close,
    Comma,
    Dot,
    Other,
}

fn toks(text: &str) -> Option<Vec<Tok>> {
    use crate::sqltext::pg_lex::{Kind, Lexer};
    Lexer::new(text)
        .map(|t| {
            let t = t.ok()?;
            Some(match t.kind {
                Kind::Word => Tok::Word(t.keyword(text), t.text(text).to_ascii_lowercase()),
                Kind::Quoted => Tok::Quoted(t.name(text)?),
                Kind::Punct => match text.as_bytes()[t.start] {
                    b'(' => Tok::Open,
                    b')' => Tok::Close,
                    b',' => Tok::Comma,
                    b'.' => Tok::Dot,
                    _ => Tok::Other,
                },
                _ => Tok::Other,
            })
        })
        .collect()
}

fn kw(t: Option<&Tok>, k: Keyword) -> bool {
    matches!(t, Some(Tok::Word(w, _)) if *w == k)
}

fn ident(t: Option<&Tok>) -> Option<String> {
    match t? {
        Tok::Word(_, v) | Tok::Quoted(v) => Some(v.clone()),
        _ => None,
    }
}

/// Words after which a table keeps its files: what partitioned tables refuse, read apart,
/// or (`SET UNLOGGED` before PostgreSQL 18) silently ignore.
const KEEP_FILES: &[Keyword] = &[
    Keyword::UNLOGGED,
    Keyword::LOGGED,
    Keyword::TEMP,
    Keyword::TEMPORARY,
    Keyword::INHERITS,
    Keyword::INHERIT,
    Keyword::PARTITION,
    Keyword::POLICY,
    Keyword::RULE,
    Keyword::EXCLUDE,
    Keyword::CLUSTER,
    Keyword::REPLICA,
    Keyword::TABLESPACE,
    Keyword::ONLY,
    Keyword::CONCURRENTLY,
    Keyword::VALID,
    Keyword::RENAME,
    Keyword::RESET,
    Keyword::ACCESS,
    Keyword::OF,
];

/// Whether `text` (a statement that is not one of a table's own) says anything in
/// [`KEEP_FILES`] or sets storage parameters: then every name it holds (as PostgreSQL folds
/// it) keeps its files; `None` when it cannot be read, and every table keeps them.
pub(crate) fn kept_by(text: &str) -> Option<BTreeSet<String>> {
    let ts = toks(text)?;
    if !keeps_files(&ts) {
        return Some(BTreeSet::new());
    }
    Some(ts.iter().filter_map(|t| ident(Some(t))).collect())
}

/// Whether the tokens say anything in [`KEEP_FILES`], or a storage parameter list
/// (`WITH (…)`, `SET (…)`).
fn keeps_files(ts: &[Tok]) -> bool {
    let keeps = |t: &Tok| KEEP_FILES.iter().any(|k| kw(Some(t), *k));
    ts.iter().any(keeps)
        || ts.windows(2).any(|w| {
            w[1] == Tok::Open && (kw(Some(&w[0]), Keyword::WITH) || kw(Some(&w[0]), Keyword::SET))
        })
}

/// Built-in types with a default B-tree operator class, for a table with no key.
const PLAIN_TYPES: &[&str] = &[
    "smallint",
    "integer",
    "int",
    "int2",
    "int4",
    "int8",
    "bigint",
    "serial",
    "bigserial",
    "smallserial",
    "text",
    "varchar",
    "character",
    "char",
    "uuid",
    "date",
    "timestamp",
    "timestamptz",
    "numeric",
    "decimal",
    "boolean",
    "bool",
];

/// The elements of the parenthesized list opening at `ts[open]`, split at its top-level
/// commas, and the index just past its closing parenthesis.
fn list(ts: &[Tok], open: usize) -> Option<(Vec<&[Tok]>, usize)> {
    if ts.get(open) != Some(&Tok::Open) {
        return None;
    }
    let (mut depth, mut start, mut out) = (0usize, open + 1, Vec::new());
    for (i, t) in ts.iter().enumerate().skip(open) {
        match t {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                if depth == 0 {
                    out.push(&ts[start..i]);
                    return Some((out, i + 1));
                }
            }
            Tok::Comma if depth == 1 => {
                out.push(&ts[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// The tables `text` names after `REFERENCES` (unqualified: `public`), each with the
/// columns it names after them (`None`: the primary key); `None` when that is not read.
pub(crate) fn references(text: &str) -> Option<Vec<(String, Option<BTreeSet<String>>)>> {
    let ts = toks(text)?;
    let mut out = Vec::new();
    for (n, t) in ts.iter().enumerate() {
        if !kw(Some(t), Keyword::REFERENCES) {
            continue;
        }
        let first = ident(ts.get(n + 1))?;
        let (key, next) = match ts.get(n + 2) {
            Some(Tok::Dot) => (qualified_key(&first, &ident(ts.get(n + 3))?), n + 4),
            _ => (qualified_key("public", &first), n + 2),
        };
        let columns = match ts.get(next) {
            Some(Tok::Open) => Some(key_columns(&ts, next)?),
            _ => None,
        };
        out.push((key, columns));
    }
    Some(out)
}

/// The columns of a key's column list `(a, b)` at `ts[open]`.
fn key_columns(ts: &[Tok], open: usize) -> Option<BTreeSet<String>> {
    let (parts, _) = list(ts, open)?;
    parts
        .iter()
        .map(|p| match p {
            [c] => ident(Some(c)),
            _ => None,
        })
        .collect()
}

/// The key at `ts[i]` (`PRIMARY KEY (…)` or `UNIQUE [NULLS [NOT] DISTINCT] (…)`): its
/// columns, `None` when it is written another way (`UNIQUE` after a column, `USING INDEX`).
fn key_at(ts: &[Tok], i: usize) -> Option<BTreeSet<String>> {
    let mut j = i + 1;
    if kw(ts.get(i), Keyword::PRIMARY) {
        if !kw(ts.get(j), Keyword::KEY) {
            return None;
        }
        j += 1;
    } else if kw(ts.get(j), Keyword::NULLS) {
        j += 1 + usize::from(kw(ts.get(j + 1), Keyword::NOT)) + 1;
    }
    key_columns(ts, j)
}

/// The columns of a `CREATE UNIQUE INDEX … ON table [USING method] (…)`'s parts that are a
/// plain column with the default operator class and collation.
fn unique_index_columns(ts: &[Tok]) -> Option<BTreeSet<String>> {
    let on = ts.iter().position(|t| kw(Some(t), Keyword::ON))?;
    let open = ts.iter().skip(on).position(|t| *t == Tok::Open)? + on;
    let (parts, _) = list(ts, open)?;
    let order = |t: &Tok| {
        [
            Keyword::ASC,
            Keyword::DESC,
            Keyword::NULLS,
            Keyword::FIRST,
            Keyword::LAST,
        ]
        .iter()
        .any(|k| kw(Some(t), *k))
    };
    Some(
        parts
            .iter()
            .filter(|p| p.len() == 1 || p[1..].iter().all(order))
            .filter_map(|p| ident(p.first()))
            .collect(),
    )
}

/// One column definition of a `CREATE TABLE` list: its name, whether it may be the
/// partition column of a table with no key, and the key it declares (`PRIMARY KEY`,
/// `UNIQUE` after it).
fn column(def: &[Tok]) -> Option<(String, bool, bool)> {
    let name = ident(def.first())?;
    let stored = def.iter().any(|t| kw(Some(t), Keyword::STORED));
    let plain = matches!(def.get(1), Some(Tok::Word(_, ty)) if PLAIN_TYPES.contains(&ty.as_str()))
        && !matches!(def.get(2), Some(Tok::Dot | Tok::Other))
        && !kw(def.get(2), Keyword::ARRAY)
        && !stored;
    let keyed = def
        .iter()
        .any(|t| kw(Some(t), Keyword::PRIMARY) || kw(Some(t), Keyword::UNIQUE));
    Some((name, plain && !stored, keyed))
}

/// The table whose statements are `statements` (in file order) created with no
/// files: the index of its `CREATE TABLE` and that statement partitioned; `None` when it
/// keeps its files (see the module documentation).
pub(crate) fn without_files(statements: &[&str]) -> Option<(usize, String)> {
    let mut create = None;
    let mut keys: Vec<BTreeSet<String>> = Vec::new();
    let mut columns: Vec<(String, bool)> = Vec::new();
    for (n, text) in statements.iter().enumerate() {
        let ts = toks(text)?;
        if keeps_files(&ts) {
            return None;
        }
        match (ts.first(), ts.get(1)) {
            (Some(c), Some(t)) if kw(Some(c), Keyword::CREATE) && kw(Some(t), Keyword::TABLE) => {
                if create.is_some() {
                    return None;
                }
                let (defs, end) = create_table(&ts)?;
                for def in defs {
                    let named = kw(def.first(), Keyword::CONSTRAINT);
                    let i = if named { 2 } else { 0 };
                    match def.get(i) {
                        Some(t)
                            if kw(Some(t), Keyword::PRIMARY) || kw(Some(t), Keyword::UNIQUE) =>
                        {
                            keys.push(key_at(def, i)?)
                        }
                        Some(t) if kw(Some(t), Keyword::CHECK) || kw(Some(t), Keyword::FOREIGN) => {
                        }
                        _ if named => return None,
                        Some(t) if kw(Some(t), Keyword::LIKE) => return None,
                        _ => {
                            let (name, plain, keyed) = column(def)?;
                            if keyed {
                                keys.push(BTreeSet::from([name.clone()]));
                            }
                            columns.push((name, plain));
                        }
                    }
                }
                if end != ts.len() {
                    return None;
                }
                create = Some(n);
            }
            (Some(c), Some(u)) if kw(Some(c), Keyword::CREATE) && kw(Some(u), Keyword::UNIQUE) => {
                keys.push(unique_index_columns(&ts)?);
            }
            (Some(a), _) if kw(Some(a), Keyword::ALTER) => {
                for (i, t) in ts.iter().enumerate() {
                    if kw(Some(t), Keyword::TYPE) {
                        return None;
                    }
                    if kw(Some(t), Keyword::PRIMARY) || kw(Some(t), Keyword::UNIQUE) {
                        keys.push(key_at(&ts, i)?);
                    }
                }
            }
            _ => {}
        }
    }
    let create = create?;
    let column = match keys.split_first() {
        Some((first, rest)) => columns
            .iter()
            .map(|(c, _)| c)
            .find(|c| first.contains(*c) && rest.iter().all(|k| k.contains(*c)))?,
        None => &columns.iter().find(|(_, plain)| *plain)?.0,
    };
    // On a line of its own: the statement may end with a `--` comment.
    let text = format!(
        "{}\nPARTITION BY RANGE ({})",
        statements[create],
        quote_pg_ident(column)
    );
    Some((create, text))
}

/// The column definitions and constraints of `CREATE TABLE [IF NOT EXISTS] name (…)`, and
/// the index past its list; `None` for any other form (`AS`, `OF`, `PARTITION OF`).
fn create_table(ts: &[Tok]) -> Option<(Vec<&[Tok]>, usize)> {
    let mut i = 2;
    if kw(ts.get(i), Keyword::IF) {
        i += 3;
    }
    ident(ts.get(i))?;
    i += 1;
    if ts.get(i) == Some(&Tok::Dot) {
        ident(ts.get(i + 1))?;
        i += 2;
    }
    list(ts, i)
}

#[cfg(test)]
mod tests {
    use super::without_files;

    fn column(statements: &[&str]) -> Option<String> {
        let (n, text) = without_files(statements)?;
        assert_eq!(n, 0, "the CREATE TABLE is the first statement here");
        Some(text.rsplit_once('(')?.1.trim_end_matches(')').to_string())
    }

    #[test]
    fn the_partition_column_is_one_every_key_holds() {
        let c = |s: &[&str]| column(s);
        assert_eq!(
            c(&["CREATE TABLE t (id int PRIMARY KEY, b text)"]).as_deref(),
            Some("id")
        );
        assert_eq!(
            c(&[
                "CREATE TABLE s.\"T x\" (a int, \"B\" int, PRIMARY KEY (a, \"B\"), UNIQUE (\"B\"))"
            ])
            .as_deref(),
            Some("\"B\"")
        );
        assert_eq!(
            c(&[
                "CREATE TABLE t (a int, b int, CONSTRAINT k PRIMARY KEY (a, b))",
                "CREATE UNIQUE INDEX u ON t (b DESC, lower(x))",
            ])
            .as_deref(),
            Some("b")
        );
        assert_eq!(
            c(&[
                "CREATE TABLE t (id int PRIMARY KEY, e text)",
                "ALTER TABLE t ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (e, id)",
            ])
            .as_deref(),
            Some("id")
        );
        // No key: the first column of a plain type.
        assert_eq!(
            c(&["CREATE TABLE t (j jsonb, n int[], a text)"]).as_deref(),
            Some("a")
        );
        // A `--` comment at the end does not swallow the clause.
        let (_, text) = without_files(&["CREATE TABLE t (id int PRIMARY KEY) -- note"]).unwrap();
        assert!(
            text.ends_with(") -- note\nPARTITION BY RANGE (id)"),
            "{text}"
        );
    }

    #[test]
    fn references_name_their_table_and_columns() {
        let cols = |c: &[&str]| Some(c.iter().map(|c| c.to_string()).collect());
        assert_eq!(
            super::references(
                "CREATE TABLE t (a int REFERENCES s, b int REFERENCES \"S x\".\"U\" (\"K\", k) ON DELETE CASCADE)"
            ),
            Some(vec![
                ("public.s".to_string(), None),
                ("S x.U".to_string(), cols(&["K", "k"])),
            ])
        );
        assert_eq!(
            super::references("ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES s (lower(a))"),
            None
        );
    }

    #[test]
    fn tables_that_keep_their_files() {
        let none = |s: &[&str]| assert_eq!(without_files(s), None, "{s:?}");
        // Keys with no column in common; a key on an expression or another operator class.
        none(&["CREATE TABLE t (id int PRIMARY KEY, e text UNIQUE)"]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "CREATE UNIQUE INDEX ON t (lower(id))",
        ]);
        none(&[
            "CREATE TABLE t (id text PRIMARY KEY)",
            "CREATE UNIQUE INDEX ON t (id text_pattern_ops)",
        ]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "ALTER TABLE t ADD UNIQUE USING INDEX i",
        ]);
        // What partitioned tables refuse or read apart.
        none(&["CREATE UNLOGGED TABLE t (id int PRIMARY KEY)"]);
        none(&["CREATE TABLE t (id int PRIMARY KEY) WITH (fillfactor = 70)"]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "ALTER TABLE t SET (fillfactor = 70)",
        ]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "ALTER TABLE t SET UNLOGGED",
        ]);
        none(&["CREATE TABLE t (id int PRIMARY KEY, CHECK (id > 0) NO INHERIT)"]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "CREATE POLICY p ON t USING (true)",
        ]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "CREATE RULE r AS ON INSERT TO t DO NOTHING",
        ]);
        none(&["CREATE TABLE t (id int PRIMARY KEY, r int REFERENCES s NOT VALID)"]);
        none(&[
            "CREATE TABLE t (id int PRIMARY KEY)",
            "ALTER TABLE t ALTER COLUMN id TYPE bigint",
        ]);
        none(&["CREATE TABLE t (id int PRIMARY KEY, EXCLUDE USING gist (id WITH =))"]);
        none(&["CREATE TABLE t (LIKE s INCLUDING ALL)"]);
        none(&["CREATE TABLE t (id int PRIMARY KEY) INHERITS (s)"]);
        none(&["CREATE TABLE t OF some_type"]);
        none(&["CREATE TABLE t AS SELECT 1 AS id"]);
        // No key and no column of a plain type; a generated column only.
        none(&["CREATE TABLE t (j jsonb, p point)"]);
        none(&["CREATE TABLE t (a int GENERATED ALWAYS AS (1) STORED)"]);
        // Dropped: no CREATE TABLE.
        none(&["COMMENT ON TABLE t IS 'x'"]);
    }
}
