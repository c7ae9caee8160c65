//! Reads what the pragmas omit from the stored `CREATE` text in `sqlite_schema.sql`:
//! CHECK constraints, COLLATE, constraint names, generated expressions, DEFERRABLE,
//! AUTOINCREMENT, index expressions and partial-index predicates.

use super::forms;
use crate::model::{Check, FkAction, ForeignKey, Generated, IndexPart, Unique};
use crate::sqltext::{canonical_expr, dialect};
use sqlparser::ast::{
    ColumnOption, ConstraintCharacteristics, CreateIndex, DeferrableInitial, ForeignKeyConstraint,
    GeneratedExpressionMode, Ident, ObjectName, OrderBySort, ReferentialAction, Statement,
    TableConstraint,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeMap;

/// The parts of a `CREATE TABLE` that only its text holds.
#[derive(Debug, Default)]
pub struct TableText {
    /// Canonical defaults, by column.
    pub defaults: BTreeMap<String, String>,
    pub collations: BTreeMap<String, String>,
    pub generated: BTreeMap<String, Generated>,
    pub checks: Vec<Check>,
    pub uniques: Vec<Unique>,
    pub foreign_keys: Vec<ForeignKey>,
    pub pk_name: Option<String>,
    pub autoincrement: bool,
    /// A column-level `PRIMARY KEY DESC` (then not the rowid alias).
    pub pk_desc: bool,
    /// Clauses SQLite accepts that the model cannot carry yet; reading fails on them
    /// rather than dropping them silently.
    pub unsupported: Vec<String>,
}

/// Parses a stored `CREATE TABLE` statement.
pub fn table_text(sql: &str) -> Result<TableText, String> {
    let dialect = dialect();
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize()
        .map_err(|e| e.to_string())?;
    let tokens = strip_table_options(tokens);
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let conflict = words.windows(2).any(|w| {
        matches!((w[0], w[1]), (Token::Word(a), Token::Word(b))
            if a.keyword == Keyword::ON && b.keyword == Keyword::CONFLICT && a.quote_style.is_none())
    });
    if conflict {
        return Err(
            "ON CONFLICT clauses are not supported yet (schemadiff would lose them on a rebuild)"
                .into(),
        );
    }
    let keyword = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == k);
    let pk_desc = words.windows(3).any(|w| {
        keyword(w[0], Keyword::PRIMARY)
            && keyword(w[1], Keyword::KEY)
            && keyword(w[2], Keyword::DESC)
    });
    let autoincrement = tokens.iter().any(
        |t| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::AUTOINCREMENT),
    );
    // sqlparser knows fewer type names than SQLite, which takes any run of identifiers
    // with up to two signed numbers (`UNSIGNED BIG INT`, `NATIONAL VARYING CHARACTER(20)`).
    // The types come from `pragma_table_xinfo`, so on a parse error the text is read again
    // without them, as SQLite's own grammar delimits them.
    let stmt = match Parser::new(&dialect)
        .with_tokens(tokens.clone())
        .parse_statement()
    {
        Ok(stmt) => stmt,
        Err(first) => Parser::new(&dialect)
            .with_tokens(forms::sqlite_forms(forms::strip_column_types(tokens), 2))
            .parse_statement()
            .map_err(|_| first.to_string())?,
    };
    let Statement::CreateTable(ct) = stmt else {
        return Err("not a CREATE TABLE statement".into());
    };
    let mut out = TableText {
        autoincrement,
        pk_desc,
        ..TableText::default()
    };
    for col in &ct.columns {
        for def in &col.options {
            let name = def.name.as_ref().map(|i| i.value.clone());
            column_option(&mut out, &col.name.value, name, &def.option);
        }
    }
    for c in &ct.constraints {
        table_constraint(&mut out, c);
    }
    if let Some(first) = out.unsupported.first() {
        return Err(format!(
            "{first} is not supported yet (schemadiff would lose it on a rebuild)"
        ));
    }
    out.checks.sort();
    out.uniques.sort();
    out.foreign_keys.sort();
    Ok(out)
}

fn column_option(out: &mut TableText, column: &str, name: Option<String>, opt: &ColumnOption) {
    match opt {
        ColumnOption::Default(expr) => {
            out.defaults.insert(column.into(), canonical_expr(expr));
        }
        ColumnOption::Collation(c) => {
            out.collations
                .insert(column.into(), object_name(c).to_uppercase());
        }
        ColumnOption::Generated {
            generation_expr: Some(expr),
            generation_expr_mode,
            ..
        } => {
            let stored = matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored));
            let expr = canonical_expr(expr);
            out.generated
                .insert(column.into(), Generated { expr, stored });
        }
        ColumnOption::Check(c) => out.checks.push(Check {
            name: name.or_else(|| ident(&c.name)),
            expr: canonical_expr(&c.expr),
            ..Default::default()
        }),
        ColumnOption::Unique(u) => out.uniques.push(Unique {
            name: name.or_else(|| ident(&u.name)),
            columns: vec![column.into()],
            ..Default::default()
        }),
        ColumnOption::PrimaryKey(pk) => out.pk_name = name.or_else(|| ident(&pk.name)),
        ColumnOption::OnConflict(_) => out
            .unsupported
            .push(format!("ON CONFLICT on column {column}")),
        ColumnOption::ForeignKey(fk) => {
            let mut fk = foreign_key(fk);
            fk.name = name.or(fk.name);
            fk.columns = vec![column.into()];
            out.foreign_keys.push(fk);
        }
        _ => {}
    }
}

fn table_constraint(out: &mut TableText, c: &TableConstraint) {
    match c {
        TableConstraint::Check(c) => out.checks.push(Check {
            name: ident(&c.name),
            expr: canonical_expr(&c.expr),
            ..Default::default()
        }),
        TableConstraint::Unique(u) => out.uniques.push(Unique {
            name: ident(&u.name),
            columns: u
                .columns
                .iter()
                .map(|c| c.column.expr.to_string())
                .map(unquote)
                .collect(),
            ..Default::default()
        }),
        TableConstraint::PrimaryKey(pk) => out.pk_name = ident(&pk.name),
        TableConstraint::ForeignKey(fk) => out.foreign_keys.push(foreign_key(fk)),
        _ => {}
    }
}

fn foreign_key(fk: &ForeignKeyConstraint) -> ForeignKey {
    ForeignKey {
        name: ident(&fk.name),
        columns: fk.columns.iter().map(|i| i.value.clone()).collect(),
        ref_table: object_name(&fk.foreign_table),
        ref_columns: fk
            .referred_columns
            .iter()
            .map(|i| i.value.clone())
            .collect(),
        on_delete: action(fk.on_delete),
        on_update: action(fk.on_update),
        deferred: is_deferred(fk.characteristics.as_ref()),
        ..Default::default()
    }
}

/// SQLite defers a foreign key only for `DEFERRABLE INITIALLY DEFERRED`
/// (<https://www.sqlite.org/foreignkeys.html#fk_deferred>).
fn is_deferred(c: Option<&ConstraintCharacteristics>) -> bool {
    c.is_some_and(|c| {
        c.deferrable == Some(true) && c.initially == Some(DeferrableInitial::Deferred)
    })
}

fn action(a: Option<ReferentialAction>) -> FkAction {
    match a {
        None | Some(ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

fn ident(i: &Option<Ident>) -> Option<String> {
    i.as_ref().map(|i| i.value.clone())
}

fn object_name(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_else(|| n.to_string())
}

/// Removes quotes from a displayed single identifier (`"a b"` → `a b`).
pub(super) fn unquote(s: String) -> String {
    let quoted = s.len() >= 2
        && matches!(
            (s.as_bytes()[0], s.as_bytes()[s.len() - 1]),
            (b'"', b'"') | (b'`', b'`') | (b'[', b']')
        );
    if quoted {
        s[1..s.len() - 1].replace("\"\"", "\"")
    } else {
        s
    }
}

/// Cuts `STRICT`, `WITHOUT ROWID` and their combinations after the column list (sqlparser
/// rejects `STRICT, WITHOUT ROWID`; the pragmas report both options anyway).
fn strip_table_options(mut tokens: Vec<Token>) -> Vec<Token> {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    tokens.truncate(i + 1);
                    return tokens;
                }
            }
            _ => {}
        }
    }
    tokens
}

/// The parts of a `CREATE INDEX` the model keeps.
pub struct IndexText {
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    pub predicate: Option<String>,
}

/// Parses a stored `CREATE INDEX` statement.
pub fn index_text(sql: &str) -> Result<IndexText, String> {
    let dialect = dialect();
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize()
        .map_err(|e| e.to_string())?;
    let parse = |tokens| Parser::new(&dialect).with_tokens(tokens).parse_statement();
    let stmt = match parse(tokens.clone()) {
        Ok(stmt) => stmt,
        // Key expressions and the predicate in forms only SQLite reads (see `forms`).
        Err(first) => parse(forms::sqlite_forms(tokens, 0)).map_err(|_| first.to_string())?,
    };
    let Statement::CreateIndex(ci) = stmt else {
        return Err("not a CREATE INDEX statement".into());
    };
    Ok(index_parts(&ci))
}

fn index_parts(ci: &CreateIndex) -> IndexText {
    let parts = ci
        .columns
        .iter()
        .map(|c| {
            let desc = matches!(c.column.options.sort, Some(OrderBySort::Desc));
            let (expr, collation) = match &c.column.expr {
                sqlparser::ast::Expr::Collate { expr, collation } => (
                    canonical_expr(expr),
                    Some(object_name(collation).to_uppercase()),
                ),
                e => (canonical_expr(e), None),
            };
            IndexPart {
                expr,
                collation,
                desc,
            }
        })
        .collect();
    IndexText {
        unique: ci.unique,
        parts,
        predicate: ci.predicate.as_ref().map(canonical_expr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_pragmas_omit() {
        let t = table_text(
            "CREATE TABLE t (id INTEGER CONSTRAINT t_pk PRIMARY KEY AUTOINCREMENT, \
             a TEXT COLLATE nocase CONSTRAINT a_ck CHECK (a <> ''), \
             g AS (lower(a)) STORED, p INT REFERENCES parent(id) ON DELETE CASCADE \
             DEFERRABLE INITIALLY DEFERRED, UNIQUE (a, \"g\"), CHECK ((id > 0))) STRICT, WITHOUT ROWID",
        )
        .unwrap();
        assert!(t.autoincrement);
        assert_eq!(t.pk_name.as_deref(), Some("t_pk"));
        assert_eq!(t.collations["a"], "NOCASE");
        assert_eq!(
            t.generated["g"],
            Generated {
                expr: "lower(a)".into(),
                stored: true
            }
        );
        assert_eq!(t.checks.len(), 2);
        assert_eq!(t.checks[0].expr, "id > 0");
        assert_eq!(t.checks[1].name.as_deref(), Some("a_ck"));
        assert_eq!(t.uniques[0].columns, ["a", "g"]);
        assert!(t.foreign_keys[0].deferred);
        assert_eq!(t.foreign_keys[0].on_delete, FkAction::Cascade);
    }

    #[test]
    fn refuses_what_it_would_lose() {
        let err =
            table_text("CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT REPLACE)").unwrap_err();
        assert!(err.contains("ON CONFLICT"), "{err}");
    }

    #[test]
    fn reads_past_type_names_sqlparser_does_not_know() {
        let t = table_text(
            "CREATE TABLE t (a BLOB SUB_TYPE TEXT CHECK (a <> ''), \
             b UNSIGNED BIG INT DEFAULT (1) COLLATE nocase, \
             c NATIONAL VARYING CHARACTER(20) NOT NULL, d VARYING CHARACTER ( 255 ), \
             e DECIMAL(10, -2) CONSTRAINT e_u UNIQUE, f 'odd' \"type\"(+1), \
             CONSTRAINT t_ck CHECK (b > 0), FOREIGN KEY (c) REFERENCES p (x))",
        )
        .unwrap();
        assert_eq!(t.checks.len(), 2);
        assert_eq!(t.checks[0].expr, "a <> ''");
        assert_eq!(t.checks[1].name.as_deref(), Some("t_ck"));
        assert_eq!(t.defaults["b"], "1");
        assert_eq!(t.collations["b"], "NOCASE");
        assert_eq!(t.uniques[0].name.as_deref(), Some("e_u"));
        assert_eq!(t.foreign_keys[0].ref_table, "p");
    }

    #[test]
    fn reads_forms_sqlparser_does_not_know() {
        let t = table_text(
            "CREATE TABLE t (a INT, 'd' TEXT COLLATE nocase, b CHECK (b ISNULL OR b NOTNULL), \
             c CHECK (CAST(c AS UNSIGNED BIG INT) > 0), e CHECK (CAST(e AS INTEGER) > 0))",
        )
        .unwrap();
        assert_eq!(t.collations["d"], "NOCASE");
        let checks: Vec<&str> = t.checks.iter().map(|c| c.expr.as_str()).collect();
        assert_eq!(
            checks,
            [
                "CAST(c AS \"UNSIGNED BIG INT\") > 0",
                "CAST(e AS INTEGER) > 0",
                "b IS NULL OR b IS NOT NULL"
            ]
        );
    }

    #[test]
    fn reads_index_forms_sqlparser_does_not_know() {
        let i = index_text("CREATE INDEX i ON t (CAST(a AS UNSIGNED BIG INT)) WHERE b NOTNULL")
            .unwrap();
        assert_eq!(i.parts[0].expr, "CAST(a AS \"UNSIGNED BIG INT\")");
        assert_eq!(i.predicate.as_deref(), Some("b IS NOT NULL"));
    }

    #[test]
    fn reads_index_keys() {
        let i =
            index_text("CREATE INDEX i ON t (lower(a), b COLLATE nocase DESC) WHERE b IS NOT NULL")
                .unwrap();
        assert_eq!(i.parts[0].expr, "lower(a)");
        assert_eq!(i.parts[1].collation.as_deref(), Some("NOCASE"));
        assert!(i.parts[1].desc);
        assert_eq!(i.predicate.as_deref(), Some("b IS NOT NULL"));
    }
}
