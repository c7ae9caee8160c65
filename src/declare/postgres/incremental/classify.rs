//! What each statement is about: its [`Role`] from its first words (PostgreSQL's lexical
//! rules, [`crate::sqltext::pg_lex`]; names folded as the server folds them), and the names
//! it mentions.

use super::Role;
use crate::model::qualified_key;
use sqlparser::keywords::Keyword;
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
    use crate::sqltext::pg_lex::{Kind, Lexer};
    (Lexer::new(text).map(|t| {
        let t = t.ok()?;
        Some(match t.kind {
            Kind::Word => Word::Kw(t.keyword(text), t.text(text).to_ascii_lowercase()),
            Kind::Quoted => Word::Quoted(t.name(text)?),
            Kind::Punct if t.is_punct(text, b'.') => Word::Dot,
            _ => Word::Other,
        })
    }))
    .collect()
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
            if is_kw(ws.get(i), K::TYPE) {
                i += 1;
                let key = qualified(&ws, &mut i)?;
                let is_enum = is_kw(ws.get(i), K::AS) && is_kw(ws.get(i + 1), K::ENUM);
                return Some(if is_enum {
                    Role::Enum(key)
                } else {
                    Role::Other
                });
            }
            skip(&ws, &mut i, &[K::CONSTRAINT]);
            if matches!(ws.get(i), Some(Word::Kw(_, w)) if w == "trigger" || w == "policy") {
                // `CREATE [CONSTRAINT] TRIGGER name … ON table`, `CREATE POLICY name ON table`.
                return on_relation(&ws, i + 2).map(Role::Table);
            }
            let other = [
                K::SCHEMA,
                K::EXTENSION,
                K::SEQUENCE,
                K::DOMAIN,
                K::FUNCTION,
                K::PROCEDURE,
                K::COLLATION,
            ];
            other
                .iter()
                .any(|k| is_kw(ws.get(i), *k))
                .then_some(Role::Other)
        }
        Word::Kw(K::ALTER, _) => alter_role(&ws),
        Word::Kw(K::COMMENT, _) if is_kw(ws.get(1), K::ON) => comment_role(&ws),
        Word::Kw(K::GRANT | K::REVOKE, _) => grant_role(&ws),
        Word::Kw(K::SET, _) => set_role(&ws),
        _ => None,
    }
}

/// The relation named after the first `ON` at or after `from` (`ON [ONLY] [schema.]name`).
fn on_relation(ws: &[Word], from: usize) -> Option<String> {
    let on = from
        + ws.get(from..)?
            .iter()
            .position(|w| is_kw(Some(w), Keyword::ON))?;
    let mut j = on + 1;
    skip(ws, &mut j, &[Keyword::TABLE, Keyword::ONLY]);
    qualified(ws, &mut j)
}

/// What an `ALTER` statement is about.
fn alter_role(ws: &[Word]) -> Option<Role> {
    use Keyword as K;
    let mut i = 2;
    let after_name = |i: &mut usize| -> Option<String> {
        skip(ws, i, &[K::IF, K::EXISTS, K::ONLY]);
        qualified(ws, i)
    };
    match ws.get(1)? {
        Word::Kw(K::TABLE, _) => Some(Role::Table(after_name(&mut i)?)),
        Word::Kw(K::VIEW, _) => Some(Role::View(after_name(&mut i)?)),
        Word::Kw(K::INDEX, _) => Some(Role::Index(after_name(&mut i)?)),
        Word::Kw(K::TYPE, _) => {
            let key = after_name(&mut i)?;
            // Labels added or renamed: an enum's; other changes are checked as types are.
            let labels = is_kw(ws.get(i + 1), K::VALUE);
            Some(if labels { Role::Enum(key) } else { Role::Other })
        }
        Word::Kw(K::SEQUENCE, _) => {
            after_name(&mut i)?;
            // `OWNED BY [schema.]table.column` ties it to that table.
            let Some(owned) = (i..ws.len()).find(|&j| is_kw(ws.get(j), K::OWNED)) else {
                return Some(Role::Other);
            };
            let mut j = owned + 2;
            let a = ident(ws.get(j))?;
            j += 1;
            if ws.get(j) != Some(&Word::Dot) {
                return None; // OWNED BY NONE
            }
            let b = ident(ws.get(j + 1))?;
            Some(match (ws.get(j + 2), ident(ws.get(j + 3))) {
                (Some(Word::Dot), Some(_)) => Role::Table(qualified_key(&a, &b)),
                _ => Role::Table(qualified_key("public", &a)),
            })
        }
        Word::Kw(K::SCHEMA | K::FUNCTION | K::PROCEDURE | K::DOMAIN | K::EXTENSION, _) => {
            Some(Role::Other)
        }
        _ => None,
    }
}

/// What a `GRANT` or `REVOKE` of privileges is about: the one table or view named after
/// `ON [TABLE]`, or (`ON SEQUENCE`, `FUNCTION`, `SCHEMA`, `TYPE`, …) not one table. Grants
/// of roles and `ALL TABLES IN SCHEMA` are not handled.
fn grant_role(ws: &[Word]) -> Option<Role> {
    use Keyword as K;
    let on = ws.iter().position(|w| is_kw(Some(w), K::ON))?;
    let mut j = on + 1;
    if is_kw(ws.get(j), K::ALL) {
        return None;
    }
    match ws.get(j)? {
        Word::Kw(K::SEQUENCE, _) => {
            // One sequence: about the table that owns it, if one does.
            j += 1;
            let key = qualified(ws, &mut j)?;
            Some(match ws.get(j) {
                Some(Word::Kw(K::TO | K::FROM, _)) => Role::Sequence(key),
                _ => Role::Other,
            })
        }
        Word::Kw(K::FUNCTION | K::PROCEDURE | K::SCHEMA | K::TYPE | K::DOMAIN, _) => {
            Some(Role::Other)
        }
        _ => {
            skip(ws, &mut j, &[K::TABLE]);
            let key = qualified(ws, &mut j)?;
            // One table: the next word is TO or FROM (not a list).
            matches!(ws.get(j), Some(Word::Kw(K::TO | K::FROM, _))).then_some(Role::Table(key))
        }
    }
}

/// A `SET` of a setting that does not change what the statements after it create.
fn set_role(ws: &[Word]) -> Option<Role> {
    const HARMLESS: [&str; 9] = [
        "check_function_bodies",
        "client_min_messages",
        "statement_timeout",
        "lock_timeout",
        "idle_in_transaction_session_timeout",
        "client_encoding",
        "xmloption",
        "row_security",
        "default_table_access_method",
    ];
    let mut i = 1;
    skip(ws, &mut i, &[Keyword::SESSION]);
    match ws.get(i)? {
        Word::Kw(_, name) if HARMLESS.contains(&name.as_str()) => Some(Role::Other),
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
        Word::Kw(K::MATERIALIZED, _) if is_kw(ws.get(3), K::VIEW) => {
            i = 4;
            Some(Role::View(qualified(ws, &mut i)?))
        }
        Word::Kw(K::INDEX, _) => Some(Role::Index(qualified(ws, &mut i)?)),
        // `COMMENT ON CONSTRAINT name ON [DOMAIN] x`: a table's, unless on a domain.
        Word::Kw(K::CONSTRAINT | K::TRIGGER | K::POLICY, _) => {
            if is_kw(ws.get(5), K::DOMAIN) {
                return Some(Role::Other);
            }
            on_relation(ws, 4).map(Role::Table)
        }
        Word::Kw(K::TYPE, _) => Some(Role::Enum(qualified(ws, &mut i)?)),
        Word::Kw(K::SEQUENCE, _) => Some(Role::Sequence(qualified(ws, &mut i)?)),
        Word::Kw(K::SCHEMA | K::EXTENSION | K::DOMAIN | K::FUNCTION | K::PROCEDURE, _) => {
            Some(Role::Other)
        }
        _ => None,
    }
}

/// What a statement does with a sequence (see `sequences.rs`).
#[derive(Debug, PartialEq)]
pub(super) enum SequenceUse {
    /// `CREATE SEQUENCE [IF NOT EXISTS] name`: its key.
    Creates(String),
    /// `ALTER SEQUENCE name OWNED BY table.column`: the sequence's and the table's keys.
    Owned(String, String),
    /// Any other statement with `SEQUENCE name[, name…]`: their keys.
    Names(Vec<String>),
}

/// What `text` does with a sequence; `None` when it names none (or cannot be read).
pub(super) fn sequence_use(text: &str) -> Option<SequenceUse> {
    use Keyword as K;
    let mentions = text
        .as_bytes()
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"sequence"));
    if !mentions {
        return None;
    }
    let ws = words(text)?;
    let at = ws.iter().position(|w| is_kw(Some(w), K::SEQUENCE))?;
    let mut i = at + 1;
    skip(&ws, &mut i, &[K::IF, K::NOT, K::EXISTS]);
    let first = qualified(&ws, &mut i)?;
    let create = is_kw(ws.first(), K::CREATE);
    if create
        && (1..at).all(|j| {
            matches!(
                ws.get(j),
                Some(Word::Kw(K::TEMP | K::TEMPORARY | K::UNLOGGED, _))
            )
        })
    {
        return Some(SequenceUse::Creates(first));
    }
    if is_kw(ws.first(), K::ALTER) && at == 1 {
        if let Some(Role::Table(table)) = alter_role(&ws) {
            return Some(SequenceUse::Owned(first, table));
        }
    }
    let mut names = vec![first];
    while ws.get(i) == Some(&Word::Other) && i + 1 < ws.len() {
        // `, name`: the comma is an `Other` word.
        i += 1;
        match qualified(&ws, &mut i) {
            Some(n) => names.push(n),
            None => break,
        }
    }
    Some(SequenceUse::Names(names))
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

/// The name of the index `text` creates (`CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT
/// EXISTS] name ON …`), when it names one.
pub(super) fn created_index(text: &str) -> Option<String> {
    use Keyword as K;
    // Most statements about a table are not indexes: no need to read their words.
    if !text.to_ascii_lowercase().contains("index") {
        return None;
    }
    let ws = words(text)?;
    let mut i = 1;
    skip(&ws, &mut i, &[K::UNIQUE]);
    if !is_kw(ws.first(), K::CREATE) || !is_kw(ws.get(i), K::INDEX) {
        return None;
    }
    i += 1;
    skip(&ws, &mut i, &[K::CONCURRENTLY, K::IF, K::NOT, K::EXISTS]);
    if is_kw(ws.get(i), K::ON) {
        return None;
    }
    ident(ws.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(k: &str) -> Option<Role> {
        Some(Role::Table(k.into()))
    }

    #[test]
    fn each_statement_is_about_its_table_view_enum_or_index() {
        let cases: [(&str, Option<Role>); 26] = [
            ("CREATE TABLE a (id int)", t("public.a")),
            ("CREATE INDEX ON s.a (x)", t("s.a")),
            ("ALTER TABLE ONLY a ADD CHECK (x > 0)", t("public.a")),
            (
                "CREATE TRIGGER tr BEFORE UPDATE OF x ON s.a FOR EACH ROW EXECUTE FUNCTION f()",
                t("s.a"),
            ),
            (
                "CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()",
                t("public.a"),
            ),
            ("CREATE POLICY p ON a USING (true)", t("public.a")),
            (
                "GRANT SELECT, UPDATE (x) ON TABLE a TO PUBLIC",
                t("public.a"),
            ),
            ("REVOKE ALL ON s.a FROM PUBLIC", t("s.a")),
            ("GRANT SELECT ON a, b TO PUBLIC", None),
            ("GRANT SELECT ON ALL TABLES IN SCHEMA s TO PUBLIC", None),
            (
                "GRANT USAGE ON SEQUENCE q TO PUBLIC",
                Some(Role::Sequence("public.q".into())),
            ),
            ("GRANT USAGE ON SEQUENCE q, r TO PUBLIC", Some(Role::Other)),
            (
                "COMMENT ON SEQUENCE s.q IS 'n'",
                Some(Role::Sequence("s.q".into())),
            ),
            ("GRANT r TO u", None),
            ("COMMENT ON CONSTRAINT c ON s.a IS 'x'", t("s.a")),
            (
                "COMMENT ON CONSTRAINT c ON DOMAIN d IS 'x'",
                Some(Role::Other),
            ),
            (
                "COMMENT ON INDEX s.i IS 'x'",
                Some(Role::Index("s.i".into())),
            ),
            (
                "ALTER INDEX i SET (fillfactor = 70)",
                Some(Role::Index("public.i".into())),
            ),
            (
                "CREATE TYPE m AS ENUM ('a')",
                Some(Role::Enum("public.m".into())),
            ),
            (
                "ALTER TYPE m ADD VALUE 'b'",
                Some(Role::Enum("public.m".into())),
            ),
            ("CREATE TYPE p AS (a int)", Some(Role::Other)),
            ("ALTER SEQUENCE q OWNED BY s.a.x", t("s.a")),
            ("ALTER SEQUENCE q RESTART", Some(Role::Other)),
            ("SET check_function_bodies = off", Some(Role::Other)),
            ("SET search_path = s", None),
            ("DO $$ BEGIN END $$", None),
        ];
        for (sql, want) in cases {
            assert_eq!(role(sql), want, "{sql}");
        }
    }

    #[test]
    fn an_index_name_is_read_where_the_statement_gives_one() {
        assert_eq!(
            created_index("CREATE UNIQUE INDEX IF NOT EXISTS i ON a (x)"),
            Some("i".into())
        );
        assert_eq!(created_index("CREATE INDEX ON a (x)"), None);
        assert_eq!(created_index("CREATE TABLE a (x int)"), None);
    }

    #[test]
    fn what_a_statement_does_with_a_sequence() {
        use SequenceUse::*;
        let c = |k: &str| Some(Creates(k.into()));
        assert_eq!(
            sequence_use("CREATE SEQUENCE public.s AS integer START WITH 1"),
            c("public.s")
        );
        assert_eq!(
            sequence_use("CREATE SEQUENCE IF NOT EXISTS \"S\""),
            c("public.S")
        );
        assert_eq!(
            sequence_use("ALTER SEQUENCE public.s OWNED BY public.t.id"),
            Some(Owned("public.s".into(), "public.t".into()))
        );
        assert_eq!(
            sequence_use("GRANT USAGE ON SEQUENCE a, app.b TO r"),
            Some(Names(vec!["public.a".into(), "app.b".into()]))
        );
        assert_eq!(
            sequence_use("COMMENT ON SEQUENCE s IS 'n'"),
            Some(Names(vec!["public.s".into()]))
        );
        assert_eq!(
            sequence_use("ALTER SEQUENCE s RESTART"),
            Some(Names(vec!["public.s".into()]))
        );
        assert_eq!(
            sequence_use("ALTER SEQUENCE s OWNED BY NONE"),
            Some(Names(vec!["public.s".into()]))
        );
        assert_eq!(sequence_use("CREATE TABLE t (id serial)"), None);
    }
}
