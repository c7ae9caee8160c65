//! The text of files users edit (declared schemas, snapshots, revisions, `schemadiff.toml`):
//! a UTF-8 byte order mark is dropped and CRLF line endings become LF, so that files saved
//! by Windows editors read as the same text. In SQL files only the line endings *outside*
//! quoted text change: a carriage return inside a string literal, a quoted name or a
//! dollar-quoted body is data (psql keeps it, and so does the server), while outside them it
//! is only whitespace to both engines. Imports nothing from the crate.

use std::borrow::Cow;

/// Returns `text` without a leading byte order mark and with every CRLF turned into LF.
pub fn normalize(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Returns SQL `text` without a leading byte order mark and with every CRLF outside quoted
/// text (string literals, also `E'…'` with backslash escapes; quoted names in `"…"`,
/// `` `…` `` and `[…]`; dollar-quoted bodies) turned into LF; comments are outside.
pub fn normalize_sql(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains("\r\n") {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut keep = vec![true; b.len()];
    let mut i = 0;
    while i < b.len() {
        i = match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                keep[i] = false;
                i + 1
            }
            b'-' if b.get(i + 1) == Some(&b'-') => line_comment_end(b, i, &mut keep),
            b'/' if b.get(i + 1) == Some(&b'*') => block_comment_end(b, i),
            b'\'' => quoted_end(b, i + 1, b'\'', escapes_backslash(b, i)),
            b'"' => quoted_end(b, i + 1, b'"', false),
            b'`' => quoted_end(b, i + 1, b'`', false),
            b'[' => quoted_end(b, i + 1, b']', false),
            b'$' => dollar_end(b, i),
            _ => i + 1,
        };
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend(b.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| *c));
    // Only ASCII `\r` bytes were removed, so the text stays UTF-8.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

/// Whether the quote at `i` opens an `E'…'` string, where `\'` does not close it.
fn escapes_backslash(b: &[u8], i: usize) -> bool {
    i > 0
        && matches!(b[i - 1], b'E' | b'e')
        && (i < 2 || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_'))
}

/// The index after the quote that closes text opened just before `i` (a doubled quote is
/// one character of the text).
fn quoted_end(b: &[u8], mut i: usize, close: u8, backslash: bool) -> usize {
    while i < b.len() {
        let escaped = backslash && b[i] == b'\\';
        let doubled = b[i] == close && close != b']' && b.get(i + 1) == Some(&close);
        if escaped || doubled {
            i += 2;
        } else if b[i] == close {
            return i + 1;
        } else {
            i += 1;
        }
    }
    i
}

/// The index after a `--` comment, whose line-ending CR is dropped.
fn line_comment_end(b: &[u8], mut i: usize, keep: &mut [bool]) -> usize {
    while i < b.len() && b[i] != b'\n' {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            keep[i] = false;
        }
        i += 1;
    }
    i
}

/// The index after a `/* */` comment (nested, as PostgreSQL reads them).
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// The index after a dollar-quoted body opened at `i` (`$$` or `$tag$`), or after the `$`
/// when it opens none (a parameter such as `$1`).
fn dollar_end(b: &[u8], i: usize) -> usize {
    // `$` inside a name (`price$usd`) opens nothing.
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] >= 0x80) {
        return i + 1;
    }
    let tag_len = b[i + 1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
        .count();
    let close = i + 1 + tag_len;
    let opens = b.get(close) == Some(&b'$') && !b.get(i + 1).is_some_and(u8::is_ascii_digit);
    if !opens {
        return i + 1;
    }
    let tag = &b[i..=close];
    let body = close + 1;
    b[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map_or(b.len(), |at| body + at + tag.len())
}

#[cfg(test)]
mod tests {
    use super::{normalize, normalize_sql};

    #[test]
    fn sql_line_endings_change_outside_quoted_text_only() {
        let text = "\u{feff}CREATE TABLE \"a\r\nb\" (x text DEFAULT 'c\r\nd'); -- hint x\r\n\
                    SELECT E'\\'\r\n', $f$\r\n$f$, `q\r\n`, [r\r\n], $1\r\n/* c\r\n */\r\n";
        assert_eq!(
            normalize_sql(text),
            "CREATE TABLE \"a\r\nb\" (x text DEFAULT 'c\r\nd'); -- hint x\n\
             SELECT E'\\'\r\n', $f$\r\n$f$, `q\r\n`, [r\r\n], $1\n/* c\r\n */\n"
        );
        assert_eq!(normalize_sql("a 'it''s\r\n' b\r\n"), "a 'it''s\r\n' b\n");
        assert_eq!(
            normalize_sql("p$q$ x\r\n"),
            "p$q$ x\n",
            "a `$` inside a name"
        );
        assert_eq!(normalize_sql("a\r\n"), normalize("a\r\n"));
    }

    #[test]
    fn drops_the_byte_order_mark_and_carriage_returns_before_line_feeds() {
        assert_eq!(normalize("\u{feff}a\r\nb\r\n"), "a\nb\n");
        assert_eq!(
            normalize("a\rb\n\u{feff}"),
            "a\rb\n\u{feff}",
            "only a leading BOM, only CRLF"
        );
        assert!(matches!(
            normalize("plain\n"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
