//! The revision file: a header, `-- migrate:up` and `-- migrate:down` sections.

use super::Error;
use crate::sqltext::comment;
use std::path::{Path, PathBuf};

/// One revision as read from (or written to) its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: String,
    pub parents: Vec<String>,
    pub message: String,
    pub created: String,
    pub up: String,
    pub down: String,
    pub path: PathBuf,
    /// SHA-256 of the file's bytes: an applied revision whose file changed is refused.
    pub checksum: String,
}

/// Returns the SHA-256 of `text` in hex.
pub fn checksum(text: &str) -> String {
    crate::fingerprint::sha256_hex(text.as_bytes())
}

/// Returns `YYYYMMDD_HHMMSS_<id>_<slug>.sql`.
pub fn file_name(stamp: &str, id: &str, message: &str) -> String {
    let mut slug: String = message
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while slug.contains("__") {
        slug = slug.replace("__", "_");
    }
    let slug = slug.trim_matches('_');
    let slug: String = slug.chars().take(48).collect();
    format!(
        "{stamp}_{id}_{}.sql",
        if slug.is_empty() { "revision" } else { &slug }
    )
}

/// Returns the text of a revision file. Each header field is one comment line (the message
/// escaped by [`comment::line`]; ids are checked when the file is read back).
pub fn render(
    id: &str,
    parents: &[String],
    message: &str,
    created: &str,
    up: &str,
    down: &str,
) -> String {
    let mut out = String::from("-- schemadiff revision\n");
    out.push_str(&comment::line(&format!("id: {id}")));
    out.push_str(&comment::line(&format!("parents: {}", parents.join(" "))));
    out.push_str(&comment::line(&format!("message: {message}")));
    out.push_str(&comment::line(&format!("created: {created}")));
    out.push_str("\n-- migrate:up\n");
    out.push_str(up.trim_matches('\n'));
    out.push_str("\n\n-- migrate:down\n");
    out.push_str(down.trim_matches('\n'));
    out.push('\n');
    out
}

/// Reports whether `id` is a valid revision id: 1 to 64 ASCII letters, digits or `_`
/// (generated ids are 12 hex digits), so that an id is safe in a comment, a file name and
/// a SQL literal alike.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Parses a revision file.
pub fn parse(path: &Path, text: &str) -> Result<Revision, Error> {
    let bad = |reason: &str| Error::Malformed {
        path: path.to_path_buf(),
        reason: reason.into(),
    };
    if !text.starts_with("-- schemadiff revision") {
        return Err(bad("the first line is not `-- schemadiff revision`"));
    }
    let field = |name: &str| {
        text.lines()
            .take_while(|l| l.trim() != "-- migrate:up")
            .find_map(|l| comment::text_of(l)?.strip_prefix(name)?.strip_prefix(':'))
            .map(|v| v.trim().to_string())
    };
    let id = field("id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("no `-- id:` line"))?;
    let parents = field("parents").ok_or_else(|| bad("no `-- parents:` line"))?;
    let parents: Vec<String> = parents.split_whitespace().map(str::to_string).collect();
    for (line, value) in std::iter::once(("id", &id)).chain(parents.iter().map(|p| ("parents", p)))
    {
        if !valid_id(value) {
            return Err(Error::BadId {
                path: path.to_path_buf(),
                line,
                value: value.clone(),
            });
        }
    }
    let up_at = text
        .find("\n-- migrate:up\n")
        .ok_or_else(|| bad("no `-- migrate:up` line"))?;
    let down_at = find_down(text, up_at).ok_or_else(|| bad("no `-- migrate:down` line"))?;
    if down_at < up_at {
        return Err(bad("`-- migrate:down` comes before `-- migrate:up`"));
    }
    Ok(Revision {
        id,
        parents,
        message: comment::unescape(&field("message").unwrap_or_default()),
        created: field("created").unwrap_or_default(),
        up: text[up_at + "\n-- migrate:up\n".len()..down_at].to_string(),
        down: text[down_at + "\n-- migrate:down\n".len()..].to_string(),
        path: path.to_path_buf(),
        checksum: checksum(text),
    })
}

const DOWN: &str = "-- migrate:down";

/// Returns where the `-- migrate:down` line begins (its leading newline): the first such
/// line after `up_at` outside a quoted name, a string and a comment, so that a name or
/// literal holding that line cannot split the file. A file whose quotes do not close falls
/// back to the first occurrence (its SQL then fails where it is wrong).
fn find_down(text: &str, up_at: usize) -> Option<usize> {
    let whole_line = |at: usize| text[at + DOWN.len()..].starts_with('\n');
    crate::sqltext::top_level_lines(text)
        .into_iter()
        .find(|(at, line)| *at > up_at && *line == DOWN && whole_line(*at))
        .map(|(at, _)| at - 1)
        .or_else(|| {
            let marker = format!("\n{DOWN}\n");
            text[up_at..].find(&marker).map(|at| up_at + at)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_files() {
        let text = render(
            "3f2a9c1b7d4e",
            &["9b1c0d2e4f6a".into()],
            "add users",
            "2026-11-21T14:30:52Z",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
            "DROP TABLE users;\n",
        );
        let r = parse(Path::new("x.sql"), &text).unwrap();
        assert_eq!(r.id, "3f2a9c1b7d4e");
        assert_eq!(r.parents, ["9b1c0d2e4f6a"]);
        assert_eq!(r.message, "add users");
        assert_eq!(r.up, "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
        assert_eq!(r.down, "DROP TABLE users;\n");
        assert_eq!(r.checksum.len(), 64);
        assert_eq!(
            file_name("20261121_143052", "3f2a9c1b7d4e", "Add users & posts!"),
            "20261121_143052_3f2a9c1b7d4e_add_users_posts.sql"
        );
        assert!(parse(Path::new("y.sql"), "CREATE TABLE x (a);").is_err());
    }

    #[test]
    fn a_marker_line_inside_a_name_or_string_does_not_split_the_file() {
        for up in [
            "CREATE TABLE \"x\n-- migrate:down\nDELETE FROM v;\" (a);\n",
            "INSERT INTO t VALUES ('it''s\n-- migrate:down\n');\n",
            "/* a\n-- migrate:down\n */ SELECT 1; -- it's\nSELECT `b\n-- migrate:down\n`;\n",
            "SELECT 'é', \"名\n-- migrate:down\n\";\n",
        ] {
            let text = render("abc", &[], "m", "now", up, "DROP TABLE x;\n");
            let r = parse(Path::new("x.sql"), &text).unwrap();
            assert_eq!(r.up, up, "{text}");
            assert_eq!(r.down, "DROP TABLE x;\n");
        }
        let unclosed = render("abc", &[], "m", "now", "SELECT 'x;\n", "SELECT 1;\n");
        let r = parse(Path::new("x.sql"), &unclosed).unwrap();
        assert_eq!(r.down, "SELECT 1;\n");
    }

    #[test]
    fn ids_are_letters_digits_and_underscores_up_to_64() {
        for good in ["3f2a9c1b7d4e", "A_1", &"a".repeat(64)] {
            assert!(valid_id(good), "{good}");
        }
        for bad in [
            "",
            "a b",
            "a'b",
            "a\rb",
            "a-b",
            "é",
            &"a".repeat(65),
            "a\u{2028}",
        ] {
            assert!(!valid_id(bad), "{bad:?}");
        }
        let text = render("abc", &["ok".into()], "m", "now", "", "")
            .replace("-- parents: ok", "-- parents: ok x;y");
        match parse(Path::new("m/x.sql"), &text) {
            Err(Error::BadId { path, line, value }) => {
                let got = (path.to_str(), line, value.as_str());
                assert_eq!(got, (Some("m/x.sql"), "parents", "x;y"));
            }
            other => panic!("{other:?}"),
        }
    }
}
