//! What each statement is about: its [`Role`] from its first words (PostgreSQL's
//! tokenizer, names folded as the server folds them), and the names it mentions.

use super::Role;
use crate::model::qualified_key;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeSet;

/// The words of a statement: unquoted words (keyword and lower-cased text, as PostgreSQL
/// folds them), quoted identifiers, and `.` marks.
#[derive(Debug, Clone, PartialEq)]
enum Word {
    Kw(Keyword, String),
    Quoted(String),
    Dot,
    Other,
}

fn words(text: &str) -> Option<Vec<Word>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .ok()?;
    Some(
        tokens
            .into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .map(|t| match t {
                Token::Word(w) if w.quote_style.is_none() => {
                    Word::Kw(w.keyword, w.value.to_lowercase())
                }
                Token::Word(w) if w.quote_style == Some('"') => Word::Quoted(w.value),
                Token::Period => Word::Dot,
                _ => Word::Other,
            })
            .collect(),
    )
}

fn is_kw(w: Option<&Word>, k: Keyword) -> bool {
    matches!(w, Some(Word::Kw(kw, _)) if *kw == k)
}

fn ident(w: Option<&Word>) -> Option<String> {
    match w? {
        Word::Kw(_, v) => Some(v.clone()),
        Word::Quoted(v) => Some(v.clone()),
        _ => None,
    }
}

/// Reads `[schema.]name` at `*i` (unqualified means `public`), advancing `*i`.
fn qualified(ws: &[Word], i: &mut usize) -> Option<String> {
    let first = ident(ws.get(*i))?;
    if ws.get(*i + 1) == Some(&Word::Dot) {
        let second = ident(ws.get(*i + 2))?;
        *i += 3;
        return Some(qualified_key(&first, &second));
    }
    *i += 1;
    Some(qualified_key("public", &first))
}

/// Skips the keywords `ks` in order where present.
fn skip(ws: &[Word], i: &mut usize, ks: &[Keyword]) {
    for k in ks {
        if is_kw(ws.get(*i), *k) {
            *i += 1;
        }
    }
}

/// What `text` is about; `None` for statements this module does not know.
pub(super) fn role(text: &str) -> Option<Role> {
    use Keyword as K;
    let ws = words(text)?;
    let mut i = 1;
    match ws.first()? {
        Word::Kw(K::CREATE, _) => {
            skip(&ws, &mut i, &[K::OR, K::REPLACE, K::UNLOGGED]);
            if is_kw(ws.get(i), K::TABLE) {
                i += 1;
                skip(&ws, &mut i, &[K::IF, K::NOT, K::EXISTS]);
                let key = qualified(&ws, &mut i)?;
                // Partitions and inheritance children are not managed the same way.
                let special = ws
                    .iter()
                    .any(|w| matches!(w, Word::Kw(K::PARTITION | K::INHERITS, _)));
                return (!special).then_some(Role::Table(key));
            }
            skip(&ws, &mut i, &[K::UNIQUE]);
            if is_kw(ws.get(i), K::INDEX) {
                let on = ws.iter().position(|w| is_kw(Some(w), K::ON))?;
                let mut j = on + 1;
                skip(&ws, &mut j, &[K::ONLY]);
                return Some(Role::Table(qualified(&ws, &mut j)?));
            }
            skip(&ws, &mut i, &[K::MATERIALIZED]);
            if is_kw(ws.get(i), K::VIEW) {
                i += 1;
                skip(&ws, &mut i, &[K::IF, K::NOT, K::EXISTS]);
                return Some(Role::View(qualified(&ws, &mut i)?));
            }
            let other = [
                K::SCHEMA,
                K::TYPE,
                K::EXTENSION,
                K::SEQUENCE,
                K::DOMAIN,
                K::FUNCTION,
                K::COLLATION,
            ];
            other
                .iter()
                .any(|k| is_kw(ws.get(i), *k))
                .then_some(Role::Other)
        }
        Word::Kw(K::ALTER, _) if is_kw(ws.get(1), K::TABLE) => {
            i = 2;
            skip(&ws, &mut i, &[K::IF, K::EXISTS, K::ONLY]);
            Some(Role::Table(qualified(&ws, &mut i)?))
        }
        Word::Kw(K::COMMENT, _) if is_kw(ws.get(1), K::ON) => comment_role(&ws),
        _ => None,
    }
}

/// What a `COMMENT ON` statement is about.
fn comment_role(ws: &[Word]) -> Option<Role> {
    use Keyword as K;
    let mut i = 3;
    match ws.get(2)? {
        Word::Kw(K::TABLE, _) => Some(Role::Table(qualified(ws, &mut i)?)),
        Word::Kw(K::VIEW, _) => Some(Role::View(qualified(ws, &mut i)?)),
        Word::Kw(K::COLUMN, _) => {
            // [schema.]table.column
            let a = ident(ws.get(3))?;
            if ws.get(4) != Some(&Word::Dot) {
                return None;
            }
            let b = ident(ws.get(5))?;
            match (ws.get(6), ident(ws.get(7))) {
                (Some(Word::Dot), Some(_)) => Some(Role::Table(qualified_key(&a, &b))),
                _ => Some(Role::Table(qualified_key("public", &a))),
            }
        }
        Word::Kw(K::SCHEMA | K::TYPE | K::EXTENSION | K::SEQUENCE | K::DOMAIN, _) => {
            Some(Role::Other)
        }
        _ => None,
    }
}

/// Whether `text` is a `CREATE TABLE`.
pub(super) fn creates_table(text: &str) -> bool {
    let ws = words(text).unwrap_or_default();
    let mut i = 1;
    skip(&ws, &mut i, &[Keyword::UNLOGGED]);
    is_kw(ws.first(), Keyword::CREATE) && is_kw(ws.get(i), Keyword::TABLE)
}

/// Whether `text` creates a view: `Some(true)` for a materialized one, `None` when it does
/// not create one.
pub(super) fn creates_view(text: &str) -> Option<bool> {
    let ws = words(text).unwrap_or_default();
    let mut i = 1;
    skip(&ws, &mut i, &[Keyword::OR, Keyword::REPLACE]);
    let materialized = is_kw(ws.get(i), Keyword::MATERIALIZED);
    if materialized {
        i += 1;
    }
    (is_kw(ws.first(), Keyword::CREATE) && is_kw(ws.get(i), Keyword::VIEW)).then_some(materialized)
}

/// The keys of the tables named after `REFERENCES` in `text`.
pub(super) fn referenced_tables(text: &str) -> Option<BTreeSet<String>> {
    let ws = words(text)?;
    let mut out = BTreeSet::new();
    for (n, w) in ws.iter().enumerate() {
        if is_kw(Some(w), Keyword::REFERENCES) {
            let mut i = n + 1;
            out.insert(qualified(&ws, &mut i)?);
        }
    }
    Some(out)
}

/// Every name in `text` as a key: `a.b` as it is, a lone `a` as `public.a`.
pub(super) fn names_in(text: &str) -> BTreeSet<String> {
    let ws = words(text).unwrap_or_default();
    let mut out = BTreeSet::new();
    for i in 0..ws.len() {
        let mut j = i;
        if let Some(key) = qualified(&ws, &mut j) {
            out.insert(key);
        }
    }
    out
}
