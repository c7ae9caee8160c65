//! The one sanitizer for text in comments, headers and messages, for both engines.
//!
//! A name, default, CHECK body, enum label, URL or revision field can hold any character.
//! Copied raw into a `-- …` line, a line break ends the comment and what follows runs:
//! SQL, a `sqlite3` dot-command (`.shell`) or a `psql` meta-command (`\!`). Every comment
//! line that carries such text is built here, by [`line`]; its output is one line that
//! starts with `-- ` and holds no line break, whatever the input.
//!
//! The escape is visible and unambiguous: `\` becomes `\\`; `\n`, `\r`, `\t` keep their
//! usual spelling; other control characters below U+0080 become `\xNN`; the C1 controls
//! (U+0080–U+009F, NEL among them), the Unicode line and paragraph separators and the
//! bidirectional controls (which reorder what a reviewer sees) become `\u{NNNN}`.
//! [`unescape`] reverses it exactly.
//!
//! Line breaks, per engine: PostgreSQL's scanner and psql end a `--` comment at `\n` or
//! `\r` (`newline [\n\r]` in `scan.l` and `psqlscan.l`); SQLite's at `\n`
//! (<https://www.sqlite.org/lang_comment.html>). Vertical tab, form feed, NEL, U+2028 and
//! U+2029 end no comment in either engine, but editors and terminals show some of them as
//! line breaks, so a reviewer would read a different script than the one that runs.

use std::fmt;

/// Reports whether `c` is escaped: control characters, Unicode line and paragraph
/// separators, bidirectional formatting controls, and `\` itself.
fn escaped(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Writes the escape of one character.
fn escape_char(out: &mut String, c: char) {
    use fmt::Write as _;
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Returns `text` with control characters, line separators, bidirectional controls and
/// `\` escaped visibly; the result holds no line break of any engine or terminal.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if escaped(c) {
            escape_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Returns the comment line `-- <text escaped>` with its `\n`: one line whatever `text`
/// holds, starting with `--` (never with `\` or `.`).
pub fn line(text: &str) -> String {
    format!("-- {}\n", escape(text))
}

/// Returns `/* <text escaped> */` for inside a statement; `*` is escaped too (`\x2a`), so
/// the comment can neither end early nor open a nested one (PostgreSQL nests `/* */`).
pub fn block(text: &str) -> String {
    format!("/* {} */", escape(text).replace('*', "\\x2a"))
}

/// Returns the text of a comment line (what follows `-- `), or `None` for another line:
/// how readers of schemadiff's own files find their header fields and hazard lines.
pub fn text_of(line: &str) -> Option<&str> {
    line.strip_prefix("-- ")
}

/// Text for a terminal message, escaped as [`escape`] does (a name cannot move the
/// cursor, clear the screen or fake a line of output).
#[derive(Debug, Clone, Copy)]
pub struct Printable<'a>(pub &'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(self.0))
    }
}

/// Returns the text [`escape`] was given; an unknown or cut escape is kept as written
/// (files from versions that did not escape read as they did).
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match decode_one(rest) {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('\\');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes the escape at the start of `s` (which starts with `\`): the character and the
/// escape's length in bytes.
fn decode_one(s: &str) -> Option<(char, usize)> {
    let simple = match s.as_bytes().get(1)? {
        b'\\' => Some('\\'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, 2));
    }
    if let Some(digits) = s.strip_prefix("\\x").and_then(|h| h.get(..2)) {
        return Some((hex(digits)?, 4));
    }
    let body = s.strip_prefix("\\u{")?;
    let end = body.find('}')?;
    Some((hex(&body[..end])?, 3 + end + 1))
}

/// The character of 1 to 6 hex digits (no sign, no other character).
fn hex(digits: &str) -> Option<char> {
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(digits, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character that ends or seems to end a line in some engine, shell or viewer.
    const BREAKS: &[char] = &[
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{85}', '\u{2028}', '\u{2029}',
    ];

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        /// A string of up to 24 characters drawn mostly from the dangerous ones.
        fn text(&mut self) -> String {
            let pool: Vec<char> = (0u32..0x20)
                .chain(0x7f..0xa0)
                .filter_map(char::from_u32)
                .chain("\\.-*/;'\"$ abcxu{}0\u{2028}\u{2029}\u{202e}\u{2066}é😀".chars())
                .collect();
            let len = (self.next() % 25) as usize;
            (0..len)
                .map(|_| match self.next() % 8 {
                    0 => char::from_u32((self.next() % 0x11_0000) as u32).unwrap_or('?'),
                    _ => pool[(self.next() % pool.len() as u64) as usize],
                })
                .collect()
        }
    }

    fn check_line(text: &str) {
        let out = line(text);
        let body = out.strip_suffix('\n').expect("ends with its newline");
        assert!(body.starts_with("-- "), "{out:?}");
        assert!(!body.contains(BREAKS), "{text:?} -> {out:?}");
        assert!(!body.chars().any(char::is_control), "{text:?} -> {out:?}");
        let e = escape(text);
        assert!(!e.contains(BREAKS), "{text:?} -> {e:?}");
        assert_eq!(unescape(&e), text, "escape is not reversible for {text:?}");
    }

    #[test]
    fn no_line_break_comes_out_and_the_escape_reverses_exactly() {
        let mut rng = Rng(0x5eed_c0de_1234_5678);
        for _ in 0..20_000 {
            check_line(&rng.text());
        }
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            check_line(&format!("{c}x{c}"));
        }
    }

    #[test]
    fn distinct_texts_give_distinct_lines() {
        let mut rng = Rng(42);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..20_000 {
            let t = rng.text();
            if let Some(other) = seen.insert(line(&t), t.clone()) {
                assert_eq!(other, t, "two texts give the same line");
            }
        }
        // Texts that spell an escape differ from the character they stand for.
        assert_ne!(line("\n"), line("\\n"));
        assert_ne!(line("\\x0a"), line("\n"));
    }

    #[test]
    fn ordinary_text_is_unchanged_and_payloads_are_visible() {
        assert_eq!(line("Create table users."), "-- Create table users.\n");
        assert_eq!(
            line("Drop table ä_名前 \"q\" 'x' ;"),
            "-- Drop table ä_名前 \"q\" 'x' ;\n"
        );
        assert_eq!(
            line("y\nDELETE FROM victim;\n"),
            "-- y\\nDELETE FROM victim;\\n\n"
        );
        assert_eq!(line("\n.shell x\r\\! y"), "-- \\n.shell x\\r\\\\! y\n");
        assert_eq!(
            escape("\u{1b}[2J\u{85}\u{2028}\t"),
            "\\x1b[2J\\u{85}\\u{2028}\\t"
        );
        assert_eq!(block("a */ b /* c"), "/* a \\x2a/ b /\\x2a c */");
        assert_eq!(Printable("a\u{1b}b").to_string(), "a\\x1bb");
        assert_eq!(unescape("old \\q style \\x4"), "old \\q style \\x4");
    }

    #[test]
    fn a_block_comment_never_closes_or_nests() {
        let mut rng = Rng(7);
        for _ in 0..20_000 {
            let t = rng.text();
            let b = block(&t);
            let inner = &b[2..b.len() - 2];
            assert!(
                !inner.contains("*/") && !inner.contains("/*"),
                "{t:?} -> {b:?}"
            );
            assert!(!b.contains(BREAKS), "{t:?} -> {b:?}");
        }
    }
}
