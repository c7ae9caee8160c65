//! Canonical forms, so that two spellings of the same SQL compare equal.
//!
//! Expressions (defaults, CHECKs, generated columns, index keys and predicates) go through
//! sqlparser: identifiers are re-quoted by [`quote_ident`], unquoted function names
//! lower-cased, redundant parentheses dropped. Whole statements (views, triggers) are
//! compared token by token: comments and whitespace runs become one space, keywords are
//! upper-cased, identifiers re-quoted. SQLite itself rewrites stored SQL on `RENAME`
//! (it quotes the new name), which is why quoting must not matter.

use super::quote::{is_bare_ident, is_keyword, quote_ident, quote_literal};
use sqlparser::ast::{visit_expressions_mut, Expr, Ident, ObjectNamePart};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace, Word};
use std::collections::BTreeSet;
use std::ops::ControlFlow;

/// Returns the canonical text of an already parsed expression.
pub fn canonical_expr(expr: &Expr) -> String {
    let mut expr = expr.clone();
    let _ = visit_expressions_mut(&mut expr, |e| {
        normalize_node(e);
        pre_escape(e);
        ControlFlow::<()>::Continue(())
    });
    while let Expr::Nested(inner) = expr {
        expr = *inner;
    }
    expr.to_string()
}

/// Doubles the quotes inside string literals and quoted identifiers, which sqlparser's
/// Display then prints as they are. Left to sqlparser, a quote next to another quote or after
/// a backslash stays single: `'\'; DROP …'` would end the literal early.
fn pre_escape(e: &mut Expr) {
    let ident = |i: &mut Ident| {
        if i.quote_style == Some('"') {
            i.value = i.value.replace('"', "\"\"");
        }
    };
    match e {
        Expr::Value(v) => {
            if let sqlparser::ast::Value::SingleQuotedString(s) = &mut v.value {
                *s = s.replace('\'', "''");
            }
        }
        Expr::Identifier(i) => ident(i),
        Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(ident),
        _ => {}
    }
}

/// Parses `text` as one SQLite expression and returns its canonical text.
pub fn canonical_expr_text(text: &str) -> Result<String, ParserError> {
    let dialect = super::dialect();
    let mut parser = Parser::new(&dialect).try_with_sql(text)?;
    let expr = parser.parse_expr()?;
    if parser.peek_token().token != Token::EOF {
        return Err(ParserError::ParserError(format!(
            "unexpected text after expression: {text}"
        )));
    }
    Ok(canonical_expr(&expr))
}

fn normalize_node(e: &mut Expr) {
    match e {
        Expr::Identifier(ident) => requote(ident),
        Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(requote),
        Expr::Function(f) => {
            for part in &mut f.name.0 {
                if let ObjectNamePart::Identifier(ident) = part {
                    if ident.quote_style.is_none() {
                        ident.value = ident.value.to_ascii_lowercase();
                    }
                }
            }
        }
        Expr::Nested(inner) if is_atom(inner) => {
            let inner = std::mem::replace(inner.as_mut(), Expr::value(sqlparser::ast::Value::Null));
            *e = inner;
        }
        _ => {}
    }
}

/// Atoms never need parentheses around them.
fn is_atom(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Value(_)
            | Expr::Function(_)
            | Expr::Nested(_)
            | Expr::Cast { .. }
    )
}

fn requote(ident: &mut Ident) {
    ident.quote_style = if is_bare_ident(&ident.value) {
        None
    } else {
        Some('"')
    };
}

/// Returns `text` (a canonical expression) with column `old` renamed to `new`, as SQLite's
/// `ALTER TABLE … RENAME COLUMN` rewrites it. Text that does not parse is returned as is.
pub fn rename_column_in_expr(text: &str, old: &str, new: &str) -> String {
    let dialect = super::dialect();
    let Ok(mut parser) = Parser::new(&dialect).try_with_sql(text) else {
        return text.to_string();
    };
    let Ok(mut expr) = parser.parse_expr() else {
        return text.to_string();
    };
    let _ = visit_expressions_mut(&mut expr, |e| {
        match e {
            Expr::Identifier(i) if i.value.eq_ignore_ascii_case(old) => i.value = new.to_string(),
            Expr::CompoundIdentifier(parts) => {
                if let Some(i) = parts
                    .last_mut()
                    .filter(|i| i.value.eq_ignore_ascii_case(old))
                {
                    i.value = new.to_string();
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    canonical_expr(&expr)
}

/// Reports whether a canonical expression is a constant literal (a number, string, blob,
/// NULL, TRUE/FALSE, or a signed number): what `ALTER TABLE … ADD COLUMN` accepts as a
/// default (<https://www.sqlite.org/lang_altertable.html#altertabaddcol>).
pub fn is_constant_literal(text: &str) -> bool {
    let dialect = super::dialect();
    let Ok(mut parser) = Parser::new(&dialect).try_with_sql(text) else {
        return false;
    };
    match parser.parse_expr() {
        Ok(Expr::Value(_)) => true,
        Ok(Expr::UnaryOp { expr, .. }) => matches!(*expr, Expr::Value(_)),
        _ => false,
    }
}

/// Returns the canonical text of a whole statement (used for views and triggers).
pub fn canonical_statement(sql: &str) -> String {
    let dialect = super::dialect();
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return sql.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    let mut out = String::with_capacity(sql.len());
    let mut pending_space = false;
    for token in &tokens {
        if let Token::Whitespace(ws) = token {
            pending_space |= matches!(
                ws,
                Whitespace::Space
                    | Whitespace::Newline
                    | Whitespace::Tab
                    | Whitespace::SingleLineComment { .. }
                    | Whitespace::MultiLineComment(_)
            );
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        match token {
            Token::Word(word) => out.push_str(&canonical_word(word)),
            // The tokenizer unescapes `''`; its Display would not double it again.
            Token::SingleQuotedString(s) => out.push_str(&quote_literal(s)),
            other => out.push_str(&other.to_string()),
        }
    }
    while out.ends_with(';') || out.ends_with(' ') {
        out.pop();
    }
    out
}

fn canonical_word(word: &Word) -> String {
    if word.quote_style.is_some() {
        return quote_ident(&word.value);
    }
    if is_keyword(&word.value) {
        word.value.to_ascii_uppercase()
    } else {
        word.value.clone()
    }
}

/// Returns every identifier-like word in `sql`, lower-cased: the names a view or trigger
/// may reference. Over-approximates (a column named like a table counts), which is safe:
/// a false reference only re-creates one more view or trigger.
pub fn referenced_names(sql: &str) -> BTreeSet<String> {
    let dialect = super::dialect();
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return sql
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
    };
    tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) if w.quote_style.is_some() || !is_keyword(&w.value) => {
                Some(w.value.to_lowercase())
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_compare_in_like_forms() {
        let same = [
            ("(age > 0)", "age > 0"),
            ("((\"age\" > 0))", "age>0"),
            ("LOWER(\"email\")", "lower(email)"),
            ("(lower('ABC'))", "lower('ABC')"),
        ];
        for (a, b) in same {
            assert_eq!(
                canonical_expr_text(a).unwrap(),
                canonical_expr_text(b).unwrap()
            );
        }
        assert_eq!(canonical_expr_text("(a + b) * c").unwrap(), "(a + b) * c");
        assert_eq!(
            canonical_expr_text("\"group\" > 1").unwrap(),
            "\"group\" > 1"
        );
    }

    #[test]
    fn canonical_expression_escapes_quotes_next_to_quotes_and_backslashes() {
        for (text, value) in [
            ("'\\''; DROP TABLE t; --'", "\\'; DROP TABLE t; --"),
            ("'a'''''", "a''"),
            ("\"c\"\"\"\"x\" = 1", ""),
        ] {
            let out = canonical_expr_text(text).unwrap();
            assert_eq!(out, text, "{value}");
            assert_eq!(canonical_expr_text(&out).unwrap(), out);
        }
    }

    #[test]
    fn canonical_statement_keeps_quotes_in_literals_doubled() {
        let sql = "CREATE VIEW v AS SELECT a FROM t WHERE a <> '''x' AND b = 'it''s'";
        assert_eq!(canonical_statement(sql), sql);
    }

    #[test]
    fn canonical_expression_is_a_fixed_point() {
        for text in [
            "(a + b) * -c",
            "x IN ('a', 'b')",
            "CAST(x AS TEXT) || 'it''s'",
        ] {
            let once = canonical_expr_text(text).unwrap();
            assert_eq!(canonical_expr_text(&once).unwrap(), once);
        }
    }

    #[test]
    fn statements_ignore_layout_comments_and_quoting() {
        let a = "CREATE VIEW v AS\n  SELECT \"id\", name -- the name\n  FROM t;";
        let b = "create view v as select id, name from t";
        assert_eq!(canonical_statement(a), canonical_statement(b));
        assert_eq!(
            canonical_statement(b),
            "CREATE VIEW v AS SELECT id, name FROM t"
        );
    }

    #[test]
    fn renames_columns_inside_expressions() {
        assert_eq!(
            rename_column_in_expr("\"Name\" <> '' AND t.name <> 'name'", "name", "full_name"),
            "full_name <> '' AND t.full_name <> 'name'"
        );
    }

    #[test]
    fn knows_constant_literals() {
        for lit in ["0", "-1.5", "'x'", "NULL", "X'00'", "TRUE"] {
            assert!(is_constant_literal(lit), "{lit}");
        }
        for expr in ["CURRENT_TIMESTAMP", "lower('A')", "1 + 2"] {
            assert!(!is_constant_literal(expr), "{expr}");
        }
    }

    #[test]
    fn references_include_quoted_names() {
        let names = referenced_names("CREATE VIEW v AS SELECT * FROM \"Order Items\" JOIN t");
        assert!(names.contains("order items"));
        assert!(names.contains("t"));
        assert!(!names.contains("select"));
    }
}
