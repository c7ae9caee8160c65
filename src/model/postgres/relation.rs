//! The schema and name of the relation a PostgreSQL trigger is on, read off its definition.
//!
//! A trigger's `table` is the relation's key, `schema.name`, which cannot be split safely:
//! `a.b.c` is schema `a.b` with table `c` or schema `a` with table `b.c`. The server's
//! `pg_get_triggerdef` text names the relation with both parts quoted where needed
//! (`quote_identifier`), so it is read from there and checked against the key.

/// A token of a trigger definition before its `ON`.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    /// A word: a keyword or a bare identifier (`quoted` false), or a quoted identifier
    /// with its `""` undoubled.
    Word { text: String, quoted: bool },
    /// Any other single character (`,` between `UPDATE OF` columns, `.`).
    Punct(char),
}

/// Splits `sql` into words, quoted identifiers and single punctuation characters; stops at
/// an unterminated quoted identifier.
fn tokens(sql: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        text.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    text.push(c);
                }
            }
            if !closed {
                break;
            }
            out.push(Token::Word { text, quoted: true });
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '$' {
                    text.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Token::Word {
                text,
                quoted: false,
            });
        } else {
            chars.next();
            out.push(Token::Punct(c));
        }
    }
    out
}

/// Returns the schema and name of the relation the trigger defined by `sql` (the server's
/// `pg_get_triggerdef(oid, false)`, read with an empty `search_path`) is on, when its
/// relation is written `schema.name` there and that is `table_key`; `None` otherwise.
///
/// The text is `CREATE [CONSTRAINT] TRIGGER name {BEFORE|AFTER|INSTEAD OF} event [OR …]
/// ON relation …` (`ruleutils.c`, `pg_get_triggerdef_worker`); before `ON` there are only
/// keywords, the name and `UPDATE OF` columns, each of them quoted when it is a keyword or
/// holds anything but lower-case letters, digits and `_`.
pub fn trigger_relation(sql: &str, table_key: &str) -> Option<(String, String)> {
    let tokens = tokens(sql);
    let keyword = |t: &Token, k: &str| matches!(t, Token::Word { text, quoted: false } if text.eq_ignore_ascii_case(k));
    let mut i = 0;
    let mut expect = |k: &str, optional: bool| -> Option<()> {
        if tokens.get(i).is_some_and(|t| keyword(t, k)) {
            i += 1;
            Some(())
        } else if optional {
            Some(())
        } else {
            None
        }
    };
    expect("CREATE", false)?;
    expect("CONSTRAINT", true)?;
    expect("TRIGGER", false)?;
    // The trigger's own name, then the timing and events up to `ON`.
    let on = i + 1 + tokens.get(i + 1..)?.iter().position(|t| keyword(t, "ON"))?;
    match tokens.get(on + 1..on + 4)? {
        [Token::Word { text: schema, .. }, Token::Punct('.'), Token::Word { text: name, .. }]
            if super::super::qualified_key(schema, name) == table_key =>
        {
            Some((schema.clone(), name.clone()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dotted_schema_and_a_dotted_table_are_told_apart() {
        let sql =
            r#"CREATE TRIGGER t BEFORE INSERT ON "a.b".c FOR EACH ROW EXECUTE FUNCTION "a.b".f()"#;
        assert_eq!(
            trigger_relation(sql, "a.b.c"),
            Some(("a.b".into(), "c".into()))
        );
        let sql =
            r#"CREATE TRIGGER t BEFORE INSERT ON a."b.c" FOR EACH ROW EXECUTE FUNCTION a.f()"#;
        assert_eq!(
            trigger_relation(sql, "a.b.c"),
            Some(("a".into(), "b.c".into()))
        );
    }

    #[test]
    fn names_holding_on_quotes_and_line_breaks_do_not_mislead_it() {
        let sql =
            "CREATE CONSTRAINT TRIGGER \"x ON y.z\" AFTER UPDATE OF \"ON\", \"a\"\"b\nON c.d\" \
                   ON \"s \"\"q\"\"\".\"t\nON u.v\" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW \
                   WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION s.f('ON x.y')";
        assert_eq!(
            trigger_relation(sql, "s \"q\".t\nON u.v"),
            Some(("s \"q\"".into(), "t\nON u.v".into()))
        );
    }

    #[test]
    fn another_relation_or_an_unqualified_one_is_none() {
        let sql =
            "CREATE TRIGGER t AFTER DELETE ON public.a FOR EACH STATEMENT EXECUTE FUNCTION f()";
        assert_eq!(trigger_relation(sql, "public.b"), None);
        assert_eq!(
            trigger_relation(
                "CREATE TRIGGER t AFTER DELETE ON a FOR EACH ROW",
                "public.a"
            ),
            None
        );
        assert_eq!(trigger_relation("CREATE TRIGGER \"t", "public.a"), None);
        assert_eq!(trigger_relation("", "public.a"), None);
    }
}
