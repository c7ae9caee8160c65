//! Hides secrets in database URLs and connection strings before they are printed: the
//! password of `user:password@`, and the value of every parameter whose name ends in
//! `password` (`password=`, `sslpassword=`, any case), in a URL's query or in a libpq
//! `key=value` connection string. Every URL that reaches output or an error message goes
//! through [`redact`]. Imports nothing from the crate.

/// Returns `message` with every copy of `url` (a URL or path it quotes) redacted, and its
/// own passwords too.
pub fn redact_in(message: &str, url: &str) -> String {
    if url.is_empty() {
        return redact(message);
    }
    let parts: Vec<String> = message.split(url).map(redact).collect();
    parts.join(&redact(url))
}

/// Returns `text` with its passwords replaced by `***`.
pub fn redact(text: &str) -> String {
    redact_params(&redact_userinfo(text))
}

/// `scheme://user:secret@host` → `scheme://user:***@host`, and `user:secret@host` without a
/// scheme likewise (the userinfo ends at the last `@` before the path, query or fragment).
fn redact_userinfo(text: &str) -> String {
    // Without a scheme (`user:secret@host/db` given where a URL belongs), the userinfo
    // starts the text, which is one word.
    let s = match text.find("://") {
        Some(s) => s + 3,
        None if !text.contains(char::is_whitespace) => 0,
        None => return text.to_string(),
    };
    let rest = &text[s..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return text.to_string();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &text[..s], &rest[at..]),
        None => text.to_string(),
    }
}

/// Replaces the value of every `…password=value` parameter: up to `&`, `#` or white space,
/// or a quoted `'…'` value of a `key=value` connection string.
fn redact_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim_end();
        let key_start = key
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        out.push_str(&rest[..=eq]);
        rest = &rest[eq + 1..];
        if !key[key_start..].to_ascii_lowercase().ends_with("password") {
            continue;
        }
        let spaces = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..spaces]);
        rest = &rest[spaces..];
        let end = value_end(rest);
        out.push_str("***");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The length of the parameter value at the start of `text`.
fn value_end(text: &str) -> usize {
    if let Some(quoted) = text.strip_prefix('\'') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '\'' if !escaped => return i + 2,
                _ => escaped = false,
            }
        }
        return text.len();
    }
    text.find(|c: char| c == '&' || c == '#' || c.is_whitespace())
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::{redact, redact_in};

    #[test]
    fn hides_every_password() {
        for (url, want) in [
            ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
            ("postgresql://u:s@cret@h:5/db", "postgresql://u:***@h:5/db"),
            (
                "postgresql://u@h/db?password=secret",
                "postgresql://u@h/db?password=***",
            ),
            (
                "postgres://h/db?sslmode=require&PassWord=secret&application_name=x",
                "postgres://h/db?sslmode=require&PassWord=***&application_name=x",
            ),
            (
                "postgresql://h/db?sslpassword=secret",
                "postgresql://h/db?sslpassword=***",
            ),
            (
                "postgresql://u@h/db?options=a@b",
                "postgresql://u@h/db?options=a@b",
            ),
            (
                "host=h user=u password=secret dbname=d",
                "host=h user=u password=*** dbname=d",
            ),
            (
                "host=h password = 'se cr\\'et' dbname=d",
                "host=h password = *** dbname=d",
            ),
            ("sqlite:///app.db", "sqlite:///app.db"),
            ("u:secret@h/db", "u:***@h/db"),
            ("dir/a:b@c.db", "dir/a:b@c.db"),
            ("schemas/a=b.sql", "schemas/a=b.sql"),
        ] {
            assert_eq!(redact(url), want, "{url}");
            let message = format!("cannot open {url}: unable to open {url}");
            assert_eq!(
                redact_in(&message, url),
                format!("cannot open {want}: unable to open {want}")
            );
            assert!(!redact(url).contains("secret"));
        }
    }
}
