//! Quoting of SQLite identifiers and string literals. Every identifier and literal the
//! renderer writes goes through these two functions.

/// SQLite's keywords (<https://www.sqlite.org/lang_keywords.html>) plus words that read as
/// values when bare (TRUE, FALSE, ROWID, STRICT). An identifier spelled like one is quoted.
const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FALSE",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWID",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "STRICT",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "TRUE",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// Reports whether `word` is an SQLite keyword (case-insensitive).
pub fn is_keyword(word: &str) -> bool {
    in_table(KEYWORDS, word)
}

/// Whether `word`, upper-cased, is in the sorted upper-case `table` (no allocation: the
/// snapshot of 2,000 tables asks this for every name it prints).
fn in_table(table: &[&str], word: &str) -> bool {
    let upper = word.bytes().map(|b| b.to_ascii_uppercase());
    table
        .binary_search_by(|k| k.bytes().cmp(upper.clone()))
        .is_ok()
}

/// Reports whether `name` can be written bare: `[A-Za-z_][A-Za-z0-9_]*` and not a keyword.
pub fn is_bare_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(name)
}

/// Returns `name` as an SQLite identifier: bare when that is unambiguous, otherwise in
/// double quotes with embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    if is_bare_ident(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// PostgreSQL keywords that are reserved or cannot name a column or type, beyond [`KEYWORDS`]
/// (<https://www.postgresql.org/docs/15/sql-keywords-appendix.html>).
const PG_KEYWORDS: &[&str] = &[
    "ANALYSE",
    "ANY",
    "ARRAY",
    "ASYMMETRIC",
    "AUTHORIZATION",
    "BIGINT",
    "BINARY",
    "BIT",
    "BOOLEAN",
    "BOTH",
    "CHAR",
    "CHARACTER",
    "COALESCE",
    "COLLATION",
    "CONCURRENTLY",
    "CURRENT_CATALOG",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_USER",
    "DEC",
    "DECIMAL",
    "FETCH",
    "FLOAT",
    "FOR",
    "FREEZE",
    "GRANT",
    "GREATEST",
    "GROUPING",
    "ILIKE",
    "INOUT",
    "INT",
    "INTEGER",
    "INTERVAL",
    "LATERAL",
    "LEADING",
    "LEAST",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NATIONAL",
    "NCHAR",
    "NONE",
    "NORMALIZE",
    "NULLIF",
    "NUMERIC",
    "OFFSET",
    "ONLY",
    "OUT",
    "OVERLAPS",
    "OVERLAY",
    "PLACING",
    "POSITION",
    "PRECISION",
    "REAL",
    "RETURNING",
    "ROW",
    "SESSION_USER",
    "SETOF",
    "SIMILAR",
    "SMALLINT",
    "SOME",
    "SUBSTRING",
    "SYMMETRIC",
    "SYSTEM_USER",
    "TABLESAMPLE",
    "TIME",
    "TIMESTAMP",
    "TRAILING",
    "TREAT",
    "TRIM",
    "USER",
    "VALUES",
    "VARCHAR",
    "VARIADIC",
    "VERBOSE",
    "XMLATTRIBUTES",
    "XMLCONCAT",
    "XMLELEMENT",
    "XMLEXISTS",
    "XMLFOREST",
    "XMLNAMESPACES",
    "XMLPARSE",
    "XMLPI",
    "XMLROOT",
    "XMLSERIALIZE",
    "XMLTABLE",
];

/// Returns `name` as a PostgreSQL identifier: bare only when it is lower case
/// (`[a-z_][a-z0-9_]*`, which PostgreSQL would not fold) and no keyword of either engine;
/// otherwise double-quoted. Extra quoting is harmless; too little would change the name.
pub fn quote_pg_ident(name: &str) -> String {
    let lower = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if lower && !is_keyword(name) && !in_table(PG_KEYWORDS, name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Returns `schema.name` with both parts quoted for PostgreSQL.
pub fn quote_pg_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_pg_ident(schema), quote_pg_ident(name))
}

/// Returns `value` as an SQL string literal in single quotes.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_table_is_sorted_for_binary_search() {
        let mut sorted = KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, KEYWORDS);
        let mut sorted = PG_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, PG_KEYWORDS);
        for table in [KEYWORDS, PG_KEYWORDS] {
            for word in table {
                assert!(in_table(table, word) && in_table(table, &word.to_lowercase()));
            }
        }
        assert!(!in_table(PG_KEYWORDS, "arrays") && !in_table(PG_KEYWORDS, "arra"));
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("group"), "\"group\"");
        assert_eq!(quote_ident("order items"), "\"order items\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1st"), "\"1st\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn postgres_quotes_case_and_keywords() {
        assert_eq!(quote_pg_ident("users"), "users");
        assert_eq!(quote_pg_ident("Users"), "\"Users\"");
        assert_eq!(quote_pg_ident("user"), "\"user\"");
        assert_eq!(quote_pg_ident("order"), "\"order\"");
        assert_eq!(quote_pg_ident("Last Name"), "\"Last Name\"");
        assert_eq!(quote_pg_qualified("app", "t1"), "app.t1");
    }
}

/// `text` (PostgreSQL expression or definition as the server prints it) with every
/// identifier token naming `old` replaced by `new`, quoted as the server would print it.
/// Strings, comments and other words stay as they are. Text that cannot be tokenized is
/// returned unchanged.
pub fn rename_pg_ident(text: &str, old: &str, new: &str) -> String {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize() else {
        return text.to_string();
    };
    if !tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if w.value == old))
    {
        return text.to_string();
    }
    // Columns are never qualified in what the server prints for one table; a word next to
    // a `.` is a schema or table name.
    let dotted = |i: usize| {
        let near = |t: Option<&Token>| matches!(t, Some(Token::Period));
        near(i.checked_sub(1).and_then(|j| tokens.get(j))) || near(tokens.get(i + 1))
    };
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            Token::Word(w)
                if w.value == old
                    && !dotted(i)
                    && (w.quote_style.is_some() || quote_pg_ident(old) == old) =>
            {
                quote_pg_ident(new)
            }
            // The tokenizer unescapes `''`; its Display would not double it again.
            Token::SingleQuotedString(s) => quote_literal(s),
            other => other.to_string(),
        })
        .collect()
}

/// `text` (as the server prints it, every type name schema-qualified) with each
/// `schema.old` type name replaced by `schema.new`, quoted as the server would print it.
/// Strings, comments and other names stay as they are; untokenizable text is unchanged.
pub fn rename_pg_type(text: &str, schema: &str, old: &str, new: &str) -> String {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize() else {
        return text.to_string();
    };
    let word = |i: usize, name: &str| {
        matches!(tokens.get(i), Some(Token::Word(w)) if w.value == name
            && (w.quote_style.is_some() || quote_pg_ident(name) == name))
    };
    let hits: Vec<usize> = (2..tokens.len())
        .filter(|&i| {
            word(i, old)
                && matches!(tokens.get(i - 1), Some(Token::Period))
                && word(i - 2, schema)
                && !matches!(
                    i.checked_sub(3).and_then(|j| tokens.get(j)),
                    Some(Token::Period)
                )
        })
        .collect();
    if hits.is_empty() {
        return text.to_string();
    }
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            _ if hits.contains(&i) => quote_pg_ident(new),
            Token::SingleQuotedString(s) => quote_literal(s),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod rename_tests {
    use super::{rename_pg_ident, rename_pg_type};

    #[test]
    fn renames_qualified_type_names_only() {
        assert_eq!(
            rename_pg_type(
                "((status = 'status'::billing.status) OR (x = ANY ('{a}'::billing.status[])))",
                "billing",
                "status",
                "State"
            ),
            "((status = 'status'::billing.\"State\") OR (x = ANY ('{a}'::billing.\"State\"[])))"
        );
        assert_eq!(
            rename_pg_type("'a'::other.status", "billing", "status", "s"),
            "'a'::other.status"
        );
        assert_eq!(
            rename_pg_type("db.billing.status", "billing", "status", "s"),
            "db.billing.status"
        );
    }

    #[test]
    fn keeps_quotes_in_literals_doubled() {
        assert_eq!(
            rename_pg_ident("CHECK ((a <> 'it''s'::text))", "a", "b"),
            "CHECK ((b <> 'it''s'::text))"
        );
    }

    #[test]
    fn renames_identifier_tokens_only() {
        assert_eq!(
            rename_pg_ident("CHECK ((name <> 'name'::text))", "name", "full_name"),
            "CHECK ((full_name <> 'name'::text))"
        );
        assert_eq!(
            rename_pg_ident(
                "CREATE INDEX i ON public.t USING btree (lower(name)) WHERE (name_x IS NULL)",
                "name",
                "Full Name"
            ),
            "CREATE INDEX i ON public.t USING btree (lower(\"Full Name\")) WHERE (name_x IS NULL)"
        );
        assert_eq!(
            rename_pg_ident("UNIQUE (\"Old\")", "Old", "new"),
            "UNIQUE (new)"
        );
        assert_eq!(
            rename_pg_ident(
                "CREATE INDEX i ON public.name USING btree (name)",
                "name",
                "n2"
            ),
            "CREATE INDEX i ON public.name USING btree (n2)"
        );
        // An unquoted word never names a mixed-case column.
        assert_eq!(rename_pg_ident("(old)", "Old", "new"), "(old)");
    }
}
