//! What snapshots/ cannot hold and need: the statements of the declared files that create
//! objects of kinds schemadiff does not model (aggregates, operators, casts, collations,
//! text search objects, conversions). A snapshot is printed from the model, so a view that
//! calls an aggregate (pagila's `group_concat`) is refused when snapshots/ are loaded alone;
//! `generate` and `check` load these statements with them (docs/real-schemas.md).

use super::super::SourceFile;
use crate::sqltext::split_pg_statements;

/// The statements of `files` that create unmodelled objects, with the session settings
/// (`SET search_path …`) they may rely on: one file per declared file that has some, under
/// the declared file's path, every other statement blanked so that lines and columns stay
/// those of the declared file. A file that cannot be split gives nothing (its own load
/// reports the error).
pub fn prerequisites(files: &[SourceFile]) -> Vec<SourceFile> {
    let mut out = Vec::new();
    for f in files {
        let Ok(stmts) = split_pg_statements(&f.text) else {
            continue;
        };
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut creates = false;
        for s in &stmts {
            let words = leading_words(&s.text);
            let create = creates_unmodelled(&words);
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
        let out = prerequisites(&[file(src)]);
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
        assert!(prerequisites(&[file(src)]).is_empty());
        let ops = "create operator === (leftarg = int, rightarg = int, function = int4eq);\ncreate cast (text as int) with inout;";
        assert_eq!(prerequisites(&[file(ops)])[0].text, ops);
    }
}
