//! What snapshots/ cannot hold and need: the statements of the declared files that create
//! objects of kinds schemadiff does not model (aggregates, operators, casts, collations,
//! text search objects, conversions). A snapshot is printed from the model, so a view that
//! calls an aggregate (pagila's `group_concat`) is refused when snapshots/ are loaded alone;
//! `generate` and `check` load these statements with them (docs/real-schemas.md).

use super::super::SourceFile;
use crate::sqltext::split_pg_statements;

/// The statements of `files` that create unmodelled objects named in `used_by` (a cast,
/// which has no name, always), with the session settings (`SET search_path …`) they may
/// rely on: one file per declared file that has some, under the declared file's path,
/// every other statement blanked so that lines and columns stay those of the declared file.
/// An object `used_by` does not name is left out: it may be built on a function only
/// `files` have. A file that cannot be split gives nothing (its own load reports the error).
pub fn prerequisites(files: &[SourceFile], used_by: &[SourceFile]) -> Vec<SourceFile> {
    let used: String = used_by
        .iter()
        .map(|f| f.text.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    for f in files.iter().filter(|f| may_create_unmodelled(&f.text)) {
        let Ok(stmts) = split_pg_statements(&f.text) else {
            continue;
        };
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut creates = false;
        for s in &stmts {
            let words = leading_words(&s.text);
            let create = creates_unmodelled(&words)
                && created_name(&s.text).is_none_or(|n| names(&used, &n));
            if create || is_setting(&words) {
                let mut end = s.offset + s.text.len();
                let rest = &f.text[end..];
                if let Some(semi) = rest.find(|c: char| !c.is_whitespace()) {
                    if rest[semi..].starts_with(';') {
                        end += semi + 1;
                    }
                }
                kept.push((s.offset, end));
                creates |= create;
            }
        }
        if !creates {
            continue;
        }
        let mut text = String::with_capacity(f.text.len());
        let mut at = 0;
        for (start, end) in kept {
            text.extend(f.text[at..start].chars().map(blank));
            text.push_str(&f.text[start..end]);
            at = end;
        }
        text.extend(f.text[at..].chars().map(blank));
        out.push(SourceFile {
            path: f.path.clone(),
            text,
        });
    }
    out
}

/// Whether a statement of `text` may create an object of a kind schemadiff does not model:
/// some `create` in it (anywhere, even in a comment or a string) is followed by the words
/// [`creates_unmodelled`] looks for. Splitting a large file into statements takes longer
/// than the rest of this module; most files have no such statement, and this says so
/// without splitting.
fn may_create_unmodelled(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("create").any(|(at, _)| {
        let words: Vec<String> = lower[at..]
            .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
            .filter(|w| !w.is_empty())
            .take(4)
            .map(str::to_ascii_uppercase)
            .collect();
        creates_unmodelled(&words)
    })
}

fn blank(c: char) -> char {
    if c == '\n' {
        '\n'
    } else {
        ' '
    }
}

/// The first four words of a statement, upper-cased.
fn leading_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect()
}

fn creates_unmodelled(words: &[String]) -> bool {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let kind = match w.as_slice() {
        ["CREATE", "OR", "REPLACE", kind, ..] => *kind,
        ["CREATE", "DEFAULT", kind, ..] => *kind,
        ["CREATE", kind, ..] => *kind,
        _ => return false,
    };
    matches!(
        kind,
        "AGGREGATE" | "OPERATOR" | "CAST" | "COLLATION" | "TEXT" | "CONVERSION"
    )
}

/// The last part of the name a `CREATE` of an unmodelled kind gives, lower-cased and
/// unquoted; `None` for a cast (no name).
fn created_name(text: &str) -> Option<String> {
    const SKIP: [&str; 19] = [
        "CREATE",
        "OR",
        "REPLACE",
        "DEFAULT",
        "AGGREGATE",
        "OPERATOR",
        "CLASS",
        "FAMILY",
        "COLLATION",
        "CONVERSION",
        "TEXT",
        "SEARCH",
        "IF",
        "NOT",
        "EXISTS",
        "CONFIGURATION",
        "DICTIONARY",
        "PARSER",
        "TEMPLATE",
    ];
    let mut rest = text.trim_start();
    loop {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '(')
            .unwrap_or(rest.len());
        let word = rest[..end].to_ascii_uppercase();
        if word.is_empty() || word == "CAST" {
            return None;
        }
        if !SKIP.contains(&word.as_str()) {
            let last = rest[..end].rsplit('.').next().unwrap_or_default();
            let last = last.trim_matches('"').to_lowercase();
            return (!last.is_empty()).then_some(last);
        }
        rest = rest[end..].trim_start();
    }
}

/// Whether `text` (lower-cased) names `name`: as a word for an identifier, anywhere for an
/// operator's symbol.
fn names(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    if !name.chars().all(word) {
        return text.contains(name);
    }
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back().is_none_or(|c| !word(c));
        let after = text[i + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| !word(c));
        before && after
    })
}

fn is_setting(words: &[String]) -> bool {
    matches!(words.first().map(String::as_str), Some("SET"))
        || words.first().is_some_and(|w| {
            w.starts_with("SELECT") && words.iter().any(|w| w.contains("SET_CONFIG"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "schemas/a.sql".into(),
            text: text.into(),
        }
    }

    #[test]
    fn keeps_aggregates_and_settings_in_place_and_blanks_the_rest() {
        let src = "SET search_path = public;\nCREATE TABLE t (x text);\nCREATE AGGREGATE g(text) (\n  SFUNC = f, STYPE = text\n);\nCREATE VIEW v AS SELECT g(x) FROM t;\n";
        let out = prerequisites(
            &[file(src)],
            &[file("CREATE VIEW v AS SELECT public.g(x) FROM t")],
        );
        assert_eq!(out.len(), 1);
        let text = &out[0].text;
        assert_eq!(text.len(), src.len());
        assert_eq!(text.lines().count(), src.lines().count());
        assert_eq!(text.lines().next(), Some("SET search_path = public;"));
        assert!(text.contains("CREATE AGGREGATE g(text) (\n  SFUNC = f, STYPE = text\n);"));
        assert!(!text.contains("TABLE") && !text.contains("VIEW"), "{text}");
        assert_eq!(text.find("CREATE AGGREGATE"), src.find("CREATE AGGREGATE"));
    }

    #[test]
    fn a_file_without_unmodelled_objects_gives_nothing() {
        let src = "SET search_path = public;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE TEXT_T (x int);";
        assert!(prerequisites(&[file(src)], &[file(src)]).is_empty());
        let ops = "create operator === (leftarg = int, rightarg = int, function = int4eq);\ncreate cast (text as int) with inout;";
        let used = file("SELECT 1 === 2");
        assert_eq!(prerequisites(&[file(ops)], &[used])[0].text, ops);
    }

    #[test]
    fn only_files_that_may_create_unmodelled_objects_are_split() {
        assert!(!may_create_unmodelled(
            "CREATE TABLE t (x text);\nCREATE INDEX ON t (lower(x));\nCREATE VIEW v AS SELECT 1;"
        ));
        for src in [
            "create table t (x int);\nCreate Aggregate g(int) (sfunc = f, stype = int)",
            "CREATE OR REPLACE AGGREGATE g(int) (SFUNC = f, STYPE = int)",
            "CREATE DEFAULT CONVERSION c FOR 'LATIN1' TO 'UTF8' FROM f",
            "CREATE\n  TEXT SEARCH CONFIGURATION s.fts (COPY = english)",
            "x;CREATE CAST(text AS int) WITH INOUT;",
        ] {
            assert!(may_create_unmodelled(src), "{src}");
        }
        // A file split in full and one not split at all give what they gave before.
        let src = "CREATE TABLE t (x text);\nCREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);";
        assert_eq!(
            prerequisites(&[file(src)], &[file("SELECT 1 === 2")]).len(),
            1
        );
    }

    #[test]
    fn an_object_the_snapshots_do_not_name_is_left_out() {
        let src = "CREATE AGGREGATE public.\"Cat\"(text) (SFUNC = f, STYPE = text);\nCREATE AGGREGATE dog(text) (SFUNC = g, STYPE = text);\nCREATE COLLATION german (provider = icu, locale = 'de');\nCREATE TEXT SEARCH CONFIGURATION s.fts (COPY = english);";
        let used = file("SELECT cat(a), catalog(b) COLLATE german, to_tsvector('fts', c)");
        let out = prerequisites(&[file(src)], &[used]);
        let text = &out[0].text;
        assert!(text.contains("\"Cat\""), "{text}");
        assert!(!text.contains("dog"), "{text}");
        assert!(text.contains("german"), "{text}");
        assert!(text.contains("s.fts"), "{text}");
        assert_eq!(
            created_name("CREATE OPERATOR public.=== (LEFTARG = int)").as_deref(),
            Some("===")
        );
        assert_eq!(created_name("create cast (a as b) with inout"), None);
        assert_eq!(
            created_name("CREATE COLLATION IF NOT EXISTS de (locale = 'de')").as_deref(),
            Some("de")
        );
    }
}
