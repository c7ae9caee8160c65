//! `.env` files, as the guides our users come from keep `DATABASE_URL` there: `KEY=VALUE`
//! lines, an optional `export ` prefix, `#` comments (whole lines, or after a space in an
//! unquoted value), values in single quotes (taken as written) or double quotes (`\n`,
//! `\t`, `\"`, `\\` escapes; may span lines). No `${VAR}` expansion. The process
//! environment wins: a variable already set is never replaced.

use std::path::{Path, PathBuf};

/// The file next to `schemadiff.toml` (or in the current directory) read by default.
pub const FILE: &str = ".env";

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("{}:{line}: {message}", path.display())]
    #[diagnostic(help(
        "write KEY=VALUE lines (optionally `export KEY=VALUE`), quote values with spaces or #, comments start with #"
    ))]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot read the env file {}", path.display())]
    #[diagnostic(help("check the path given to --env-file"))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Parses the text of a `.env` file into `(key, value)` pairs in file order; errors carry
/// the 1-based line.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let number = i + 1;
        let line = lines[i].trim();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, rest)) = line.split_once('=') else {
            // A bare name declares a variable without a value (python-dotenv): nothing to set.
            if is_name(line) {
                continue;
            }
            return Err((number, format!("no `=` in `{}`", short(line))));
        };
        let key = key.trim();
        if !is_name(key) {
            return Err((number, format!("`{}` is not a variable name", short(key))));
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                // A quoted value may go on over the following lines.
                let mut body = rest[1..].to_string();
                loop {
                    if let Some((value, after)) = closing(&body, q) {
                        let after = after.trim();
                        if !(after.is_empty() || after.starts_with('#')) {
                            return Err((
                                number,
                                format!("text after the closing quote: `{}`", short(after)),
                            ));
                        }
                        break value;
                    }
                    let Some(next) = lines.get(i) else {
                        return Err((number, format!("no closing {q} for the value of {key}")));
                    };
                    body.push('\n');
                    body.push_str(next);
                    i += 1;
                }
            }
            _ => match rest.find(" #").or_else(|| rest.find("\t#")) {
                Some(c) => rest[..c].trim_end().to_string(),
                None => rest.trim_end().to_string(),
            },
        };
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn is_name(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The value inside `quote`s at the start of `body` (after the opening quote) and the text
/// after the closing one; `None` when it does not close.
fn closing(body: &str, quote: char) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quote == '"' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, e @ ('"' | '\\' | '$'))) => value.push(e),
                Some((_, e)) => {
                    value.push('\\');
                    value.push(e);
                }
                None => value.push('\\'),
            },
            c if c == quote => return Some((value, &body[i + c.len_utf8()..])),
            c => value.push(c),
        }
    }
    None
}

/// At most 40 characters of `text`, for messages (a line may hold a secret further on).
fn short(text: &str) -> String {
    let cut: String = text.chars().take(40).collect();
    let cut = crate::redact::redact(&cut);
    if text.chars().count() > 40 {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Reads `path` and sets each variable that the process environment does not have; returns
/// the names it set. A missing file is not an error unless `required` (`--env-file`).
pub fn load(path: &Path, required: bool) -> Result<Vec<String>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let pairs =
        parse(&crate::textfile::normalize(&text)).map_err(|(line, message)| Error::Syntax {
            path: path.to_path_buf(),
            line,
            message,
        })?;
    let mut set = Vec::new();
    for (key, value) in pairs {
        if std::env::var_os(&key).is_none() {
            // Called once, at the start of the command, before any thread reads the
            // environment.
            std::env::set_var(&key, value);
            set.push(key);
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap_or_else(|(l, m)| panic!("line {l}: {m}"))
    }

    #[test]
    fn reads_the_forms_dotenv_files_use() {
        let text = "# a comment\n\
                    DATABASE_URL=postgresql://u:p@db/app?sslmode=require\n\
                    export PGSSLMODE = verify-full\n\
                    \n\
                    PLAIN=a b # trailing comment\n\
                    HASH=a#b\n\
                    SINGLE='a # not a comment \\n'\n\
                    DOUBLE=\"line\\nnext \\\"q\\\" # kept\"  # comment\n\
                    EMPTY=\n\
                    MULTI=\"first\n\
                    second\"\n\
                    dotted.key=1\n\
                    BARE_NAME\n";
        let want: Vec<(String, String)> = [
            ("DATABASE_URL", "postgresql://u:p@db/app?sslmode=require"),
            ("PGSSLMODE", "verify-full"),
            ("PLAIN", "a b"),
            ("HASH", "a#b"),
            ("SINGLE", "a # not a comment \\n"),
            ("DOUBLE", "line\nnext \"q\" # kept"),
            ("EMPTY", ""),
            ("MULTI", "first\nsecond"),
            ("dotted.key", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs(text), want);
    }

    #[test]
    fn says_which_line_is_wrong() {
        for (text, line, wanted) in [
            ("A=1\nnot a pair\n", 2, "no `=`"),
            ("A=1\n1A=2\n", 2, "not a variable name"),
            ("X='it''s'\n", 1, "after the closing quote"),
            ("A=1\nB=\"open\nC=2\n", 2, "no closing"),
            ("=x\n", 1, "not a variable name"),
        ] {
            let (l, m) = parse(text).unwrap_err();
            assert_eq!(l, line, "{text:?}: {m}");
            assert!(m.contains(wanted), "{text:?}: {m}");
        }
        let (_, m) = parse("postgresql://u:secret@h/db\n").unwrap_err();
        assert!(!m.contains("secret"), "{m}");
    }
}
