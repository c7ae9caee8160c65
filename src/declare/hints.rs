//! `-- schemadiff:renamed-from OLD` comments in declared DDL: on their own line above a
//! `CREATE TABLE`, the table was renamed from OLD; above a `CREATE TYPE … AS ENUM`, the enum
//! type was (OLD bare or schema-qualified); after a column definition on the same
//! line, or on their own line above it, that column was. They stay in the files after the
//! migration has run, so a hint that no longer applies is skipped (see
//! [`Renames::applicable`]), unlike a `--rename` flag, which must apply.

use super::error::{Judge, Position};
use super::{Error, SourceFile};
use crate::model::Renames;
use crate::sqltext::dialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace, Word};

const MARKER: &str = "schemadiff:renamed-from";

/// Returns the rename hints written as comments in `files`.
pub fn rename_hints(files: &[SourceFile]) -> Result<Renames, Error> {
    let mut out = Renames::default();
    for file in files.iter().filter(|f| f.text.contains(MARKER)) {
        scan(file, &mut out)?;
    }
    Ok(out)
}

/// Where the scan is: outside a statement, in a CREATE TABLE header, or in its column list.
#[derive(Default)]
struct State {
    in_table: bool,
    depth: i32,
    table: Option<String>,
    pending_table: Option<(String, Position)>,
    element: Option<String>,
    /// The column (or constraint) definition begun most recently: what a trailing comment
    /// after its comma refers to.
    last_element: Option<String>,
    pending_column: Option<(String, Position)>,
    last_line: u64,
    words_in_statement: usize,
    /// A `.` followed the table's name: the next word qualifies it (`schema.table`).
    qualify: bool,
    /// In a `CREATE TYPE` header: its name so far, and whether `AS` was read.
    ty: Option<TypeHeader>,
}

#[derive(Default)]
struct TypeHeader {
    name: String,
    dot: bool,
    after_as: bool,
}

fn scan(file: &SourceFile, out: &mut Renames) -> Result<(), Error> {
    let Ok(tokens) = Tokenizer::new(&dialect(), &file.text).tokenize_with_location() else {
        return Ok(()); // the statement splitter reports the position of that error
    };
    let mut st = State::default();
    for t in &tokens {
        if let Some(old) = comment_hint(t) {
            let pos = position(file, t);
            let Some(old) = old else {
                return Err(Error::rejected(
                    Judge::Schemadiff,
                    pos,
                    "expected a name after schemadiff:renamed-from".into(),
                ));
            };
            hint(&mut st, old, pos, t.span.start.line, out)?;
            continue;
        }
        if matches!(t.token, Token::Whitespace(_)) {
            continue;
        }
        step(&mut st, t, out)?;
        st.last_line = t.span.end.line;
    }
    Ok(())
}

fn hint(
    st: &mut State,
    old: String,
    pos: Position,
    line: u64,
    out: &mut Renames,
) -> Result<(), Error> {
    let trailing = line == st.last_line;
    match (st.in_table, st.depth) {
        (true, 1) if trailing && st.last_element.as_deref().is_some_and(|e| !e.starts_with('\0')) => {
            let (table, column) = (st.table.clone().unwrap_or_default(), st.last_element.clone().unwrap_or_default());
            out.add(&table, &old, &column);
        }
        (true, 1) if trailing && st.last_element.is_none() => {
            out.add_table(&old, st.table.as_deref().unwrap_or_default());
        }
        (true, 1) => st.pending_column = Some((old, pos)),
        (false, _) => st.pending_table = Some((old, pos)),
        _ => return Err(Error::rejected(Judge::Schemadiff, pos, "a schemadiff:renamed-from comment belongs above a CREATE TABLE or next to a column definition".into())),
    }
    Ok(())
}

fn step(st: &mut State, t: &TokenWithSpan, out: &mut Renames) -> Result<(), Error> {
    match &t.token {
        Token::SemiColon if st.depth == 0 => {
            if let Some((_, pos)) = st.pending_table.take() {
                return Err(misplaced(pos));
            }
            *st = State {
                last_line: st.last_line,
                ..State::default()
            };
        }
        Token::LParen => {
            st.depth += 1;
            if st.depth == 1 && st.in_table {
                st.element = None;
                if let (Some((old, _)), Some(table)) = (st.pending_table.take(), &st.table) {
                    out.add_table(&old, table);
                }
            }
        }
        Token::Period if st.in_table && st.depth == 0 && st.table.is_some() => st.qualify = true,
        Token::Period if st.depth == 0 => {
            if let Some(ty) = &mut st.ty {
                ty.dot = !ty.after_as;
            }
        }
        Token::RParen => st.depth -= 1,
        Token::Comma if st.in_table && st.depth == 1 => st.element = Some(String::new()),
        Token::Word(w) => word(st, w, out)?,
        _ => {}
    }
    Ok(())
}

fn word(st: &mut State, w: &Word, out: &mut Renames) -> Result<(), Error> {
    let bare = w.quote_style.is_none();
    if !st.in_table && st.depth == 0 {
        st.words_in_statement += 1;
        if st.words_in_statement == 2 && bare && w.keyword == Keyword::TABLE {
            st.in_table = true;
        } else if st.words_in_statement == 2 && bare && w.keyword == Keyword::TYPE {
            st.ty = Some(TypeHeader::default());
        } else if let Some(ty) = &mut st.ty {
            type_word(ty, w, &mut st.pending_table, out)?;
        } else if st.words_in_statement == 2 {
            if let Some((_, pos)) = st.pending_table.take() {
                return Err(misplaced(pos));
            }
        }
    } else if st.in_table && st.depth == 0 && st.qualify {
        st.qualify = false;
        if let Some(schema) = st.table.take() {
            st.table = Some(format!("{schema}.{}", w.value));
        }
    } else if st.in_table && st.depth == 0 && st.table.is_none() {
        if !(bare && matches!(w.keyword, Keyword::IF | Keyword::NOT | Keyword::EXISTS)) {
            st.table = Some(w.value.clone());
        }
    } else if st.in_table && st.depth == 1 && st.element.as_deref().is_none_or(str::is_empty) {
        let constraint = bare
            && matches!(
                w.keyword,
                Keyword::CONSTRAINT
                    | Keyword::PRIMARY
                    | Keyword::UNIQUE
                    | Keyword::CHECK
                    | Keyword::FOREIGN
            );
        if let Some((old, pos)) = st.pending_column.take() {
            if constraint {
                return Err(Error::rejected(Judge::Schemadiff, pos, "a schemadiff:renamed-from comment must be next to a column definition, not a constraint".into()));
            }
            out.add(st.table.as_deref().unwrap_or_default(), &old, &w.value);
        }
        st.element = Some(if constraint {
            "\0constraint".into()
        } else {
            w.value.clone()
        });
        st.last_element = st.element.clone();
    }
    Ok(())
}

/// One word of a `CREATE TYPE name AS …` header: a pending hint applies to the type when
/// `AS` is followed by `ENUM`, and is misplaced otherwise.
fn type_word(
    ty: &mut TypeHeader,
    w: &Word,
    pending: &mut Option<(String, Position)>,
    out: &mut Renames,
) -> Result<(), Error> {
    let bare = w.quote_style.is_none();
    if ty.after_as {
        if let Some((old, pos)) = pending.take() {
            if !(bare && w.value.eq_ignore_ascii_case("enum")) {
                return Err(misplaced(pos));
            }
            out.add_type(&old, &ty.name);
        }
    } else if bare && w.keyword == Keyword::AS && !ty.name.is_empty() && !ty.dot {
        ty.after_as = true;
    } else if ty.dot {
        ty.dot = false;
        ty.name = format!("{}.{}", ty.name, w.value);
    } else {
        ty.name = w.value.clone();
    }
    Ok(())
}

fn misplaced(pos: Position) -> Error {
    Error::rejected(
        Judge::Schemadiff,
        pos,
        "a schemadiff:renamed-from comment above a statement must precede a CREATE TABLE or a CREATE TYPE … AS ENUM".into(),
    )
}

/// Returns `Some(Some(old))` for a renamed-from comment, `Some(None)` when the name is missing.
fn comment_hint(t: &TokenWithSpan) -> Option<Option<String>> {
    let text = match &t.token {
        Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => comment.as_str(),
        Token::Whitespace(Whitespace::MultiLineComment(c)) => c.as_str(),
        _ => return None,
    };
    let rest = text.trim().strip_prefix(MARKER)?;
    let name = rest
        .split_whitespace()
        .next()
        .map(|n| n.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']'));
    Some(name.filter(|n| !n.is_empty()).map(str::to_string))
}

fn position(file: &SourceFile, t: &TokenWithSpan) -> Position {
    let offset = crate::sqltext::byte_offset(&file.text, t.span.start);
    Position::new(file, t.span.start.line, t.span.start.column, offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::declare_sqlite;

    fn hints(text: &str) -> Result<Renames, Error> {
        rename_hints(&[SourceFile {
            path: "s.sql".into(),
            text: text.into(),
        }])
    }

    #[test]
    fn reads_table_and_column_hints_in_every_placement() {
        let text = "-- schemadiff:renamed-from users\nCREATE TABLE accounts (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT, -- schemadiff:renamed-from name\n  -- schemadiff:renamed-from mail\n  email TEXT,\n  CHECK (id > 0)\n);\nCREATE TABLE b ( -- schemadiff:renamed-from a\n  x INT /* schemadiff:renamed-from y */\n);";
        let r = hints(text).unwrap();
        assert_eq!(r.old_table("accounts"), Some("users"));
        assert_eq!(r.old_table("b"), Some("a"));
        assert_eq!(r.old_name("accounts", "full_name"), Some("name"));
        assert_eq!(r.old_name("accounts", "email"), Some("mail"));
        assert_eq!(r.old_name("b", "x"), Some("y"));
    }

    #[test]
    fn reads_enum_type_hints_bare_or_qualified() {
        let text = "CREATE SCHEMA billing;\n-- schemadiff:renamed-from status\nCREATE TYPE billing.state AS ENUM ('a', 'b');\n/* schemadiff:renamed-from public.mood */\nCREATE TYPE \"Feeling\" AS ENUM ('x');\nCREATE TABLE t (\n  s billing.state -- schemadiff:renamed-from status\n);";
        let r = hints(text).unwrap();
        let mut expected = Renames::default();
        expected.add_type("status", "billing.state");
        expected.add_type("public.mood", "Feeling");
        expected.add("t", "status", "s");
        assert_eq!(r, expected);
    }

    #[test]
    fn misplaced_or_empty_hints_are_errors_with_a_position() {
        let cases = [
            (
                "CREATE TABLE t (\n  a INT,\n  -- schemadiff:renamed-from b\n  CHECK (a > 0)\n);",
                "s.sql:3:3",
            ),
            (
                "-- schemadiff:renamed-from x\nCREATE INDEX i ON t (a);",
                "s.sql:1:1",
            ),
            (
                "CREATE TABLE t (a INT -- schemadiff:renamed-from\n);",
                "s.sql:1:23",
            ),
            (
                "-- schemadiff:renamed-from p\nCREATE TYPE pair AS (a int, b int);",
                "s.sql:1:1",
            ),
            (
                "-- schemadiff:renamed-from r\nCREATE TYPE span AS RANGE (subtype = int);",
                "s.sql:1:1",
            ),
            (
                "CREATE TYPE e AS ENUM (\n  -- schemadiff:renamed-from x\n  'a');",
                "s.sql:2:3",
            ),
        ];
        for (text, at) in cases {
            let err = hints(text).unwrap_err().to_string();
            assert!(err.contains(at), "{err}");
        }
    }

    #[test]
    fn hints_that_already_ran_are_skipped() {
        let file = |t: &str| {
            vec![SourceFile {
                path: "s.sql".into(),
                text: t.into(),
            }]
        };
        let declared = "CREATE TABLE t (\n  full_name TEXT -- schemadiff:renamed-from name\n);";
        let to = declare_sqlite(&file(declared)).unwrap();
        let before = declare_sqlite(&file("CREATE TABLE t (name TEXT);")).unwrap();
        let r = hints(declared).unwrap();
        assert_eq!(
            r.applicable(&before, &to).old_name("t", "full_name"),
            Some("name")
        );
        assert_eq!(
            r.applicable(&to, &to),
            Renames::default(),
            "already renamed: nothing to do"
        );
    }
}
