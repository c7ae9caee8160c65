//! Token rewrites for stored `CREATE TABLE` texts sqlparser refuses: what SQLite's grammar
//! reads there, put in a form sqlparser reads with the same meaning. Used only after a first
//! parse fails (see [`super::parse::table_text`]); the column types themselves come from
//! `pragma_table_xinfo`.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

/// Words that end a column's type name in SQLite's grammar (`typetoken` is followed by the
/// column constraints, and each of these starts one).
const TYPE_END: [Keyword; 11] = [
    Keyword::CONSTRAINT,
    Keyword::DEFAULT,
    Keyword::NULL,
    Keyword::NOT,
    Keyword::PRIMARY,
    Keyword::UNIQUE,
    Keyword::CHECK,
    Keyword::REFERENCES,
    Keyword::COLLATE,
    Keyword::GENERATED,
    Keyword::AS,
];

/// Words that start a table constraint in the column list.
const TABLE_CONSTRAINT: [Keyword; 5] = [
    Keyword::CONSTRAINT,
    Keyword::PRIMARY,
    Keyword::UNIQUE,
    Keyword::CHECK,
    Keyword::FOREIGN,
];

/// Removes every column's type name from a `CREATE TABLE`'s tokens, delimited as SQLite's
/// grammar does: `typetoken ::= typename [ "(" signed [ "," signed ] ")" ]`, where
/// `typename` is one or more identifiers or strings, up to the first word that starts a
/// column constraint. Table constraints are kept as they are.
pub(super) fn strip_column_types(tokens: Vec<Token>) -> Vec<Token> {
    let Some(open) = tokens.iter().position(|t| matches!(t, Token::LParen)) else {
        return tokens;
    };
    let mut out: Vec<Token> = tokens[..=open].to_vec();
    let mut it = tokens.into_iter().skip(open + 1).peekable();
    let mut depth = 1usize;
    let mut start = true;
    while let Some(t) = it.next() {
        match &t {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 1 => start = true,
            _ => {}
        }
        let element_start =
            depth == 1 && start && !matches!(t, Token::Whitespace(_) | Token::Comma);
        if !element_start {
            out.push(t);
            continue;
        }
        start = false;
        let constraint = is_bare(&t, &TABLE_CONSTRAINT);
        // SQLite takes a string where a column name belongs (`'d' INT`).
        let t = match t {
            Token::SingleQuotedString(name) => Token::make_word(&name, Some('"')),
            t => t,
        };
        out.push(t);
        if !constraint {
            skip_type(&mut it, &mut out);
        }
    }
    out
}

/// Rewrites expression forms SQLite reads and sqlparser does not into ones that mean the
/// same: postfix `ISNULL`/`NOTNULL` into `IS [NOT] NULL`, and a multi-word type in `CAST(x AS
/// UNSIGNED BIG INT)` into one quoted name, whose quotes SQLite strips (so the affinity is
/// the same). Only at parenthesis depth `min_depth` or deeper: 2 in a `CREATE TABLE`, below
/// the column list, so a column name is never touched; 0 in a `CREATE INDEX`.
pub(super) fn sqlite_forms(tokens: Vec<Token>, min_depth: usize) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut depth = 0usize;
    let mut cast_depths: Vec<usize> = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while let Some(t) = it.next() {
        match &t {
            Token::LParen => {
                depth += 1;
                let cast = out
                    .iter()
                    .rev()
                    .find(|t| !matches!(t, Token::Whitespace(_)))
                    .is_some_and(|p| is_bare(p, &[Keyword::CAST]));
                if cast {
                    cast_depths.push(depth);
                }
            }
            Token::RParen => {
                if cast_depths.last() == Some(&depth) {
                    cast_depths.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Token::Word(w) if depth >= min_depth && w.quote_style.is_none() => {
                let postfix = match w.value.to_ascii_uppercase().as_str() {
                    "ISNULL" => Some("IS NULL"),
                    "NOTNULL" => Some("IS NOT NULL"),
                    _ => None,
                };
                if let Some(words) = postfix {
                    for (i, word) in words.split(' ').enumerate() {
                        if i > 0 {
                            out.push(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
                        }
                        out.push(Token::make_word(word, None));
                    }
                    continue;
                }
                if w.keyword == Keyword::AS && cast_depths.last() == Some(&depth) {
                    out.push(t);
                    cast_type(&mut it, &mut out);
                    continue;
                }
            }
            _ => {}
        }
        out.push(t);
    }
    out
}

/// After `CAST(x AS`: joins a type of two or more words into one quoted name; one word (or
/// a name already quoted) stays as it is.
fn cast_type(it: &mut std::iter::Peekable<impl Iterator<Item = Token>>, out: &mut Vec<Token>) {
    let mut taken: Vec<Token> = Vec::new();
    while let Some(next) = it.peek() {
        match next {
            Token::Whitespace(_) | Token::Word(_) => taken.extend(it.next()),
            _ => break,
        }
    }
    let words: Vec<&str> = taken
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w.value.as_str()),
            _ => None,
        })
        .collect();
    if words.len() < 2 {
        out.extend(taken);
        return;
    }
    let joined = Token::make_word(&words.join(" "), Some('"'));
    out.push(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
    out.push(joined);
}

fn is_bare(t: &Token, set: &[Keyword]) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && set.contains(&w.keyword))
}

/// Drops the type name after a column name (whitespace is kept).
fn skip_type(it: &mut std::iter::Peekable<impl Iterator<Item = Token>>, out: &mut Vec<Token>) {
    let mut typed = false;
    while let Some(next) = it.peek() {
        match next {
            Token::Whitespace(_) => out.extend(it.next()),
            Token::Word(_) | Token::SingleQuotedString(_) | Token::DoubleQuotedString(_)
                if !is_bare(next, &TYPE_END) =>
            {
                it.next();
                typed = true;
            }
            Token::LParen if typed => {
                let mut inner = 0usize;
                for t in it.by_ref() {
                    match t {
                        Token::LParen => inner += 1,
                        Token::RParen => inner = inner.saturating_sub(1),
                        _ => {}
                    }
                    if inner == 0 {
                        break;
                    }
                }
                return;
            }
            _ => return,
        }
    }
}
