//! Loading a large schema on several connections at once (docs/decisions.md, "Parallel
//! scratch load"). The serial load is the reference: the parallel one must give the same
//! model, so it is used only when the files have a shape where that can be vouched for, and
//! checked afterwards.
//!
//! The statements are sorted into three phases, each statement keeping its file position:
//!
//! 1. the *prelude*, on one connection in file order: schemas, extensions, types, domains,
//!    functions, sequences (what tables use);
//! 2. one *group* per table: its `CREATE TABLE`, its indexes, its `ALTER TABLE`s and the
//!    comments on it and its columns, in file order. Groups run on `connections`
//!    connections, each group one implicit transaction, a group only after the groups of
//!    the tables it references (`REFERENCES`) committed;
//! 3. the *postlude*, on one connection in file order: views, triggers, policies, grants,
//!    the other comments.
//!
//! A statement of the prelude or postlude the server refuses, and every group that fails
//! (or waits on one that failed, or on a cycle), goes to the serial retry of the ordinary
//! load, which reports a real error at its file position.
//!
//! What would make the order matter keeps the whole load serial ([`plan`] says `None`):
//! anything that is not sorted into a phase (renames, drops, `DO` blocks, default privileges,
//! grants `ON ALL TABLES`, …), a table made
//! from another one (`INHERITS`, `PARTITION`, `LIKE`, `OF`, `AS`), and a view or function
//! written before a statement that adds, drops or retypes a column (`SELECT *` is expanded
//! when the view is created). Names that PostgreSQL chooses (`t_c_key`, `t_id_seq`, …) depend
//! on what exists when the object is created: after a parallel load, [`order_dependent`]
//! looks for a chosen name with a number appended (two objects wanted the same name), and
//! the caller then loads the files again serially.

use super::Pending;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeMap;

/// Connections a large load uses by default (see docs/performance.md for the measurements).
pub const DEFAULT_CONNECTIONS: usize = 3;

/// Fewer tables than this load serially: the extra connections cost more than they save.
pub const MIN_GROUPS: usize = 64;

/// How a load runs: `connections` 1 is the serial load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    pub connections: usize,
    pub min_groups: usize,
    /// A table group creates its table with no files where that reads back the same
    /// (`fileless.rs`); the serial load always runs the statements as written.
    pub fileless: bool,
}

impl LoadOptions {
    /// The serial load.
    pub const SERIAL: LoadOptions = LoadOptions {
        connections: 1,
        min_groups: usize::MAX,
        fileless: false,
    };

    /// [`DEFAULT_CONNECTIONS`] from [`MIN_GROUPS`] tables on.
    pub const DEFAULT: LoadOptions = LoadOptions {
        connections: DEFAULT_CONNECTIONS,
        min_groups: MIN_GROUPS,
        fileless: true,
    };

    /// [`LoadOptions::DEFAULT`], with `SCHEMADIFF_LOAD_CONNECTIONS` connections when that is
    /// set to a number (1 loads serially), and every table created as written when
    /// `SCHEMADIFF_LOAD_FILES=all` (the reference the benchmarks compare with).
    pub fn from_env() -> LoadOptions {
        let connections = std::env::var("SCHEMADIFF_LOAD_CONNECTIONS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(DEFAULT_CONNECTIONS)
            .clamp(1, 16);
        LoadOptions {
            connections,
            fileless: std::env::var("SCHEMADIFF_LOAD_FILES").map_or(true, |v| v.trim() != "all"),
            ..LoadOptions::DEFAULT
        }
    }
}

/// The phase of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Prelude,
    /// A statement about one table (key: its unqualified name as PostgreSQL folds it),
    /// the tables it references, and whether it adds, drops or retypes a column.
    Group {
        table: String,
        references: Vec<String>,
        reshapes: bool,
    },
    Postlude,
    /// Order may matter: the load stays serial.
    Serial,
}

/// Statements (indexes into the pending list) by phase.
#[derive(Debug, Default)]
pub struct Plan {
    pub prelude: Vec<usize>,
    pub groups: Vec<Group>,
    pub postlude: Vec<usize>,
}

/// One table's statements and the groups it waits for.
#[derive(Debug, Default)]
pub struct Group {
    /// The table's unqualified name as PostgreSQL folds it.
    pub table: String,
    pub statements: Vec<usize>,
    pub after: Vec<usize>,
}

/// The phases of `pending`, or `None` when the load must stay serial.
pub fn plan(pending: &[Pending<'_>], options: LoadOptions) -> Option<Plan> {
    if options.connections < 2 {
        return None;
    }
    let mut out = Plan::default();
    let mut by_table: BTreeMap<String, usize> = BTreeMap::new();
    let mut references: Vec<Vec<String>> = Vec::new();
    // A view, rule or function seen so far: a later reshaping statement keeps it serial.
    let mut captures = false;
    for (i, (_, stmt, _)) in pending.iter().enumerate() {
        match role(&stmt.text) {
            Role::Serial => return None,
            Role::Prelude => {
                captures |= captures_columns(&stmt.text);
                out.prelude.push(i);
            }
            Role::Postlude => {
                captures |= captures_columns(&stmt.text);
                out.postlude.push(i);
            }
            Role::Group {
                table,
                references: refs,
                reshapes,
            } => {
                if reshapes && captures {
                    return None;
                }
                let g = *by_table.entry(table.clone()).or_insert_with(|| {
                    out.groups.push(Group {
                        table,
                        ..Group::default()
                    });
                    references.push(Vec::new());
                    out.groups.len() - 1
                });
                out.groups[g].statements.push(i);
                references[g].extend(refs);
            }
        }
    }
    if out.groups.len() < options.min_groups.max(2) {
        return None;
    }
    for (g, refs) in references.into_iter().enumerate() {
        let mut after: Vec<usize> = refs
            .iter()
            .filter_map(|r| by_table.get(r).copied())
            .filter(|&d| d != g)
            .collect();
        after.sort_unstable();
        after.dedup();
        out.groups[g].after = after;
    }
    Some(out)
}

/// Whether `text` may capture a table's columns when it is created (a view's `*`, a
/// function's body).
fn captures_columns(text: &str) -> bool {
    let t = words(text);
    let kw = |i: usize| t.get(i).and_then(keyword);
    let mut i = 1;
    if kw(i) == Some(Keyword::OR) {
        i += 2;
    }
    while matches!(
        kw(i),
        Some(Keyword::TEMP | Keyword::TEMPORARY | Keyword::RECURSIVE | Keyword::MATERIALIZED)
    ) {
        i += 1;
    }
    kw(0) == Some(Keyword::CREATE)
        && matches!(
            kw(i),
            Some(Keyword::VIEW | Keyword::RULE | Keyword::FUNCTION | Keyword::PROCEDURE)
        )
}

/// The tokens of `text` without whitespace and comments.
fn words(text: &str) -> Vec<Token> {
    Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect()
}

/// The keyword of an unquoted word.
fn keyword(t: &Token) -> Option<Keyword> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

/// A name part as PostgreSQL folds it: unquoted words in lower case.
fn folded(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        Token::Word(w) if w.quote_style == Some('"') => Some(w.value.clone()),
        _ => None,
    }
}

/// The (possibly qualified) name at `t[i..]`: its last part and the index after it.
fn name_at(t: &[Token], mut i: usize) -> Option<(String, usize)> {
    let mut last = folded(t.get(i)?)?;
    i += 1;
    while matches!(t.get(i), Some(Token::Period)) {
        last = folded(t.get(i + 1)?)?;
        i += 2;
    }
    Some((last, i))
}

/// The parts of the (possibly qualified) name at `t[i..]`.
fn parts_at(t: &[Token], mut i: usize) -> Option<Vec<String>> {
    let mut parts = vec![folded(t.get(i)?)?];
    i += 1;
    while matches!(t.get(i), Some(Token::Period)) {
        parts.push(folded(t.get(i + 1)?)?);
        i += 2;
    }
    Some(parts)
}

/// Every table named after `REFERENCES` in `t`.
fn referenced(t: &[Token]) -> Vec<String> {
    (0..t.len())
        .filter(|&i| keyword(&t[i]) == Some(Keyword::REFERENCES))
        .filter_map(|i| name_at(t, i + 1).map(|(n, _)| n))
        .collect()
}

/// Tokens at parenthesis depth 0 with their indexes.
fn top_level(t: &[Token]) -> Vec<(usize, &Token)> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        match tok {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth == 0 => out.push((i, tok)),
            _ => {}
        }
    }
    out
}

fn role(text: &str) -> Role {
    let t = words(text);
    let kw = |i: usize| t.get(i).and_then(keyword);
    match (kw(0), kw(1)) {
        (Some(Keyword::CREATE), _) => create_role(&t),
        (Some(Keyword::ALTER), Some(Keyword::TABLE)) => alter_table_role(&t),
        (Some(Keyword::ALTER), Some(Keyword::TYPE | Keyword::DOMAIN | Keyword::FUNCTION)) => {
            if has_rename_or_schema(&t) {
                Role::Serial
            } else {
                Role::Prelude
            }
        }
        (
            Some(Keyword::ALTER),
            Some(
                Keyword::SEQUENCE
                | Keyword::VIEW
                | Keyword::MATERIALIZED
                | Keyword::INDEX
                | Keyword::POLICY
                | Keyword::PROCEDURE
                | Keyword::EXTENSION,
            ),
        ) => {
            if has_rename_or_schema(&t)
                || top_level(&t)
                    .iter()
                    .any(|(_, w)| matches!(keyword(w), Some(Keyword::ATTACH | Keyword::DEPENDS)))
            {
                Role::Serial
            } else {
                Role::Postlude
            }
        }
        (Some(Keyword::COMMENT), Some(Keyword::ON)) => comment_role(&t),
        // `ON ALL TABLES IN SCHEMA` grants on what exists at that point of the files.
        (Some(Keyword::GRANT | Keyword::REVOKE), _) if on_all(&t) => Role::Serial,
        (Some(Keyword::GRANT | Keyword::REVOKE | Keyword::SELECT), _) => Role::Postlude,
        _ => Role::Serial,
    }
}

/// `GRANT … ON ALL TABLES|SEQUENCES|FUNCTIONS|… IN SCHEMA`.
fn on_all(t: &[Token]) -> bool {
    t.windows(2)
        .any(|w| keyword(&w[0]) == Some(Keyword::ON) && keyword(&w[1]) == Some(Keyword::ALL))
}

fn has_rename_or_schema(t: &[Token]) -> bool {
    top_level(t).windows(2).any(|w| {
        keyword(w[0].1) == Some(Keyword::RENAME)
            || (keyword(w[0].1) == Some(Keyword::SET) && keyword(w[1].1) == Some(Keyword::SCHEMA))
    }) || top_level(t)
        .last()
        .is_some_and(|(_, w)| keyword(w) == Some(Keyword::RENAME))
}

fn create_role(t: &[Token]) -> Role {
    let kw = |i: usize| t.get(i).and_then(keyword);
    let mut i = 1;
    if kw(1) == Some(Keyword::OR) && kw(2) == Some(Keyword::REPLACE) {
        i = 3;
    }
    match kw(i) {
        Some(Keyword::TABLE) => create_table_role(t, i + 1),
        Some(Keyword::UNLOGGED) if kw(i + 1) == Some(Keyword::TABLE) => create_table_role(t, i + 2),
        Some(Keyword::UNIQUE) if kw(i + 1) == Some(Keyword::INDEX) => create_index_role(t),
        Some(Keyword::INDEX) => create_index_role(t),
        Some(
            Keyword::SCHEMA
            | Keyword::EXTENSION
            | Keyword::TYPE
            | Keyword::DOMAIN
            | Keyword::FUNCTION
            | Keyword::PROCEDURE
            | Keyword::AGGREGATE
            | Keyword::SEQUENCE
            | Keyword::COLLATION,
        ) => Role::Prelude,
        Some(
            Keyword::VIEW
            | Keyword::RECURSIVE
            | Keyword::MATERIALIZED
            | Keyword::TRIGGER
            | Keyword::CONSTRAINT
            | Keyword::POLICY
            | Keyword::RULE
            | Keyword::STATISTICS,
        ) => Role::Postlude,
        _ => Role::Serial,
    }
}

/// `CREATE [UNLOGGED] TABLE [IF NOT EXISTS] name ( … )` with `t[i]` after `TABLE`.
fn create_table_role(t: &[Token], mut i: usize) -> Role {
    if keyword_at(t, i) == Some(Keyword::IF) {
        i += 3;
    }
    let Some((table, after)) = name_at(t, i) else {
        return Role::Serial;
    };
    if !matches!(t.get(after), Some(Token::LParen)) {
        return Role::Serial; // OF type, AS query, PARTITION OF
    }
    // A table made from another one, or partitioned (its partitions are made from it).
    let top = top_level(&t[after..]);
    let derived = top.iter().any(|(_, w)| {
        matches!(
            keyword(w),
            Some(Keyword::INHERITS | Keyword::PARTITION | Keyword::AS)
        )
    });
    let mut depth = 0i32;
    let mut prev: Option<&Token> = None;
    let mut like = false;
    for tok in &t[after..] {
        match tok {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth == 1
                && keyword(tok) == Some(Keyword::LIKE)
                && matches!(prev, Some(Token::LParen | Token::Comma)) =>
            {
                like = true
            }
            _ => {}
        }
        prev = Some(tok);
    }
    if derived || like {
        return Role::Serial;
    }
    Role::Group {
        table,
        references: referenced(t),
        reshapes: false,
    }
}

fn keyword_at(t: &[Token], i: usize) -> Option<Keyword> {
    t.get(i).and_then(keyword)
}

/// `CREATE [UNIQUE] INDEX … ON [ONLY] table …`.
fn create_index_role(t: &[Token]) -> Role {
    let on = top_level(t)
        .into_iter()
        .find(|(_, w)| keyword(w) == Some(Keyword::ON));
    let Some((mut i, _)) = on else {
        return Role::Serial;
    };
    i += 1;
    if keyword_at(t, i) == Some(Keyword::ONLY) {
        i += 1;
    }
    match name_at(t, i) {
        Some((table, _)) => Role::Group {
            table,
            references: Vec::new(),
            reshapes: false,
        },
        None => Role::Serial,
    }
}

/// `ALTER TABLE [IF EXISTS] [ONLY] name action, …`.
fn alter_table_role(t: &[Token]) -> Role {
    let mut i = 2;
    if keyword_at(t, i) == Some(Keyword::IF) {
        i += 2;
    }
    if keyword_at(t, i) == Some(Keyword::ONLY) {
        i += 1;
    }
    let Some((table, after)) = name_at(t, i) else {
        return Role::Serial;
    };
    let rest = &t[after..];
    let mut reshapes = false;
    // The actions, split at top-level commas.
    let mut actions: Vec<Vec<&Token>> = vec![Vec::new()];
    let mut depth = 0i32;
    for tok in rest {
        match tok {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                actions.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            if let Some(a) = actions.last_mut() {
                a.push(tok);
            }
        }
    }
    for action in &actions {
        let k = |i: usize| action.get(i).and_then(|w| keyword(w));
        match k(0) {
            Some(Keyword::ADD) => {
                reshapes |= !matches!(
                    k(1),
                    Some(
                        Keyword::CONSTRAINT
                            | Keyword::PRIMARY
                            | Keyword::UNIQUE
                            | Keyword::CHECK
                            | Keyword::FOREIGN
                            | Keyword::EXCLUDE
                    )
                )
            }
            Some(Keyword::DROP) => reshapes |= k(1) != Some(Keyword::CONSTRAINT),
            Some(Keyword::ALTER) => {
                reshapes |= action.iter().any(|w| keyword(w) == Some(Keyword::TYPE))
            }
            Some(
                Keyword::RENAME
                | Keyword::INHERIT
                | Keyword::NO
                | Keyword::ATTACH
                | Keyword::DETACH
                | Keyword::OF
                | Keyword::NOT,
            ) => return Role::Serial,
            Some(Keyword::SET) if k(1) == Some(Keyword::SCHEMA) => return Role::Serial,
            _ => {}
        }
    }
    Role::Group {
        table,
        references: referenced(t),
        reshapes,
    }
}

/// `COMMENT ON TABLE t` and `COMMENT ON COLUMN t.c` belong to the table's group, the others
/// to the postlude.
fn comment_role(t: &[Token]) -> Role {
    let table = match keyword_at(t, 2) {
        Some(Keyword::TABLE) => name_at(t, 3).map(|(n, _)| n),
        Some(Keyword::COLUMN) => parts_at(t, 3).and_then(|p| {
            let n = p.len();
            (n >= 2).then(|| p[n - 2].clone())
        }),
        _ => None,
    };
    match table {
        Some(table) => Role::Group {
            table,
            references: Vec::new(),
            reshapes: false,
        },
        None => Role::Postlude,
    }
}

/// Whether a name PostgreSQL chose has a number appended in the database `client` is
/// connected to: two objects wanted the same name, and which one got it depended on the
/// order they were created in.
pub fn order_dependent(client: &mut postgres::Client) -> Result<bool, postgres::Error> {
    let row = client.query_one(ORDER_DEPENDENT, &[])?;
    Ok(row.get::<_, bool>(0))
}

const ORDER_DEPENDENT: &str = r"SELECT EXISTS (
    SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_toast%'
      AND c.relname ~ '_(pkey|key|excl|idx|seq)[0-9]+$'
    UNION ALL
    SELECT 1 FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND k.conname ~ '_(pkey|key|excl|fkey|check)[0-9]+$'
)";

#[cfg(test)]
mod tests {
    use super::*;

    fn group(table: &str, refs: &[&str], reshapes: bool) -> Role {
        Role::Group {
            table: table.into(),
            references: refs.iter().map(|s| s.to_string()).collect(),
            reshapes,
        }
    }

    #[test]
    fn roles() {
        let cases = [
            ("CREATE SCHEMA app", Role::Prelude),
            ("CREATE TYPE mood AS ENUM ('a')", Role::Prelude),
            (
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
                Role::Prelude,
            ),
            ("CREATE SEQUENCE s", Role::Prelude),
            (
                "CREATE TABLE app.\"T\" (id int PRIMARY KEY, p int REFERENCES app.parent (id))",
                group("T", &["parent"], false),
            ),
            (
                "CREATE UNLOGGED TABLE IF NOT EXISTS Foo (id int)",
                group("foo", &[], false),
            ),
            ("CREATE TABLE c (LIKE p)", Role::Serial),
            (
                "CREATE TABLE c (a int CHECK (a::text LIKE 'x%'))",
                group("c", &[], false),
            ),
            ("CREATE TABLE c () INHERITS (p)", Role::Serial),
            (
                "CREATE TABLE c PARTITION OF p FOR VALUES IN (1)",
                Role::Serial,
            ),
            ("CREATE TABLE p (a int) PARTITION BY LIST (a)", Role::Serial),
            ("CREATE TABLE c OF some_type", Role::Serial),
            ("CREATE TABLE c AS SELECT 1", Role::Serial),
            ("CREATE TEMP TABLE c (a int)", Role::Serial),
            (
                "CREATE UNIQUE INDEX i ON ONLY public.t USING btree (a)",
                group("t", &[], false),
            ),
            ("CREATE INDEX ON t ((lower(a)))", group("t", &[], false)),
            (
                "ALTER TABLE ONLY public.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u(id)",
                group("t", &["u"], false),
            ),
            (
                "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
                group("t", &[], false),
            ),
            ("ALTER TABLE t ADD COLUMN b int", group("t", &[], true)),
            ("ALTER TABLE t ADD b int", group("t", &[], true)),
            ("ALTER TABLE t DROP COLUMN b", group("t", &[], true)),
            ("ALTER TABLE t ALTER b TYPE bigint", group("t", &[], true)),
            ("ALTER TABLE t RENAME TO u", Role::Serial),
            ("ALTER TABLE t RENAME COLUMN a TO b", Role::Serial),
            ("ALTER TABLE t SET SCHEMA s", Role::Serial),
            ("ALTER TABLE t INHERIT p", Role::Serial),
            (
                "ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)",
                Role::Serial,
            ),
            (
                "COMMENT ON COLUMN public.t.a IS 'x'",
                group("t", &[], false),
            ),
            ("COMMENT ON TABLE t IS 'x'", group("t", &[], false)),
            ("COMMENT ON INDEX i IS 'x'", Role::Postlude),
            ("CREATE VIEW v AS SELECT * FROM t", Role::Postlude),
            ("CREATE OR REPLACE VIEW v AS SELECT 1", Role::Postlude),
            (
                "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
                Role::Postlude,
            ),
            ("GRANT SELECT ON t TO r", Role::Postlude),
            (
                "GRANT SELECT ON ALL TABLES IN SCHEMA app TO r",
                Role::Serial,
            ),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO r",
                Role::Serial,
            ),
            ("ALTER SEQUENCE s OWNED BY t.id", Role::Postlude),
            ("ALTER SEQUENCE s RENAME TO s2", Role::Serial),
            ("ALTER TYPE mood ADD VALUE 'b'", Role::Prelude),
            ("ALTER TYPE mood RENAME VALUE 'a' TO 'c'", Role::Serial),
            ("DROP TABLE IF EXISTS t", Role::Serial),
            ("DO $$ BEGIN END $$", Role::Serial),
            ("INSERT INTO t VALUES (1)", Role::Serial),
        ];
        for (sql, want) in cases {
            assert_eq!(role(sql), want, "{sql}");
        }
    }

    #[test]
    fn captures() {
        assert!(captures_columns("CREATE VIEW v AS SELECT * FROM t"));
        assert!(captures_columns(
            "CREATE OR REPLACE TEMP VIEW v AS SELECT 1"
        ));
        assert!(captures_columns("CREATE MATERIALIZED VIEW v AS SELECT 1"));
        assert!(captures_columns("CREATE FUNCTION f() RETURNS int RETURN 1"));
        assert!(!captures_columns("CREATE TABLE t (a int)"));
        assert!(!captures_columns("CREATE INDEX i ON t (a)"));
    }
}
