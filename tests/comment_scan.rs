//! Comment lines are built only by the sanitizer (`sqltext::comment`): a scan of every
//! string literal in `src/` for a `-- ` line or a `/* */` comment that takes text from
//! outside the literal (a `{}` placeholder, or a literal that stops in the middle of a
//! comment line so that the caller appends to it). Fixed directive lines are listed below.

mod common;

use std::path::{Path, PathBuf};

/// The sanitizer itself, which builds the lines.
const SANITIZER: &str = "src/sqltext/comment.rs";

/// Literals that end inside a comment line on purpose: directive constants and the lines
/// the revision parser looks for (whole lines, compared, never appended to).
const WHOLE_LINES: &[&str] = &[
    "-- schemadiff:foreign-keys-off",
    "-- schemadiff:no-transaction",
    "-- schemadiff revision",
    "-- migrate:up",
    "-- migrate:down",
];

/// One string literal: where it starts and its value (escapes decoded).
struct Literal {
    line: usize,
    value: String,
}

/// Returns the string literals of Rust source `src` (comments, char literals and
/// lifetimes skipped; raw strings and escapes handled).
fn literals(src: &str) -> Vec<Literal> {
    let b: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i = skip_block_comment(&b, i, &mut line);
        } else if c == '\'' {
            i = skip_char_or_lifetime(&b, i);
        } else if c == '"' || (c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&b, i))
        {
            let start = line;
            let (value, end) = if c == '"' {
                cooked(&b, i + 1)
            } else {
                raw(&b, i + 1)
            };
            line += b[i..end].iter().filter(|c| **c == '\n').count();
            // A byte string (`b"--"`) cannot be pushed into a script's `String`.
            if !(c == '"' && i > 0 && b[i - 1] == 'b' && !ident_before(&b, i - 1)) {
                out.push(Literal { line: start, value });
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

fn skip_block_comment(b: &[char], mut i: usize, line: &mut usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i] == '/' && b.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            *line += usize::from(b[i] == '\n');
            i += 1;
        }
    }
    i
}

/// `'x'`, `'\n'`, `'\u{2028}'` or a lifetime `'a`.
fn skip_char_or_lifetime(b: &[char], i: usize) -> usize {
    if b.get(i + 1) == Some(&'\\') {
        let mut j = i + 2;
        while j < b.len() && b[j] != '\'' {
            j += 1;
        }
        return j + 1;
    }
    if b.get(i + 2) == Some(&'\'') {
        return i + 3;
    }
    i + 1
}

/// A `"…"` literal starting after its quote: its value and the index after it.
fn cooked(b: &[char], mut i: usize) -> (String, usize) {
    let mut v = String::new();
    while i < b.len() && b[i] != '"' {
        if b[i] != '\\' {
            v.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        match b.get(i) {
            Some('n') => v.push('\n'),
            Some('r') => v.push('\r'),
            Some('t') => v.push('\t'),
            Some('0') => v.push('\0'),
            Some('\n') => {
                while i + 1 < b.len() && b[i + 1].is_whitespace() {
                    i += 1;
                }
            }
            Some('x') => {
                let hex: String = b[i + 1..i + 3].iter().collect();
                v.push(char::from(u8::from_str_radix(&hex, 16).unwrap()));
                i += 2;
            }
            Some('u') => {
                let close = (i..b.len()).find(|j| b[*j] == '}').unwrap();
                let hex: String = b[i + 2..close].iter().collect();
                v.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                i = close;
            }
            Some(other) => v.push(*other),
            None => {}
        }
        i += 1;
    }
    (v, i + 1)
}

/// A raw literal starting after its `r`: its value and the index after it.
fn raw(b: &[char], mut i: usize) -> (String, usize) {
    let mut hashes = 0;
    while b[i] == '#' {
        hashes += 1;
        i += 1;
    }
    i += 1;
    let close: String = std::iter::once('"')
        .chain(std::iter::repeat_n('#', hashes))
        .collect();
    let rest: String = b[i..].iter().collect();
    let end = rest.find(&close).expect("closed raw string");
    let value = rest[..end].to_string();
    (
        value.clone(),
        i + value.chars().count() + close.chars().count(),
    )
}

/// Why `value` builds a comment outside the sanitizer, if it does.
fn violation(value: &str) -> Option<&'static str> {
    if WHOLE_LINES.contains(&value) {
        return None;
    }
    let lines: Vec<&str> = value.split('\n').collect();
    for (n, l) in lines.iter().enumerate() {
        let Some(at) = comment_start(l) else {
            continue;
        };
        if has_placeholder(&l[at..]) {
            return Some("a `-- ` line with a placeholder");
        }
        if n == lines.len() - 1 {
            return Some("a literal that stops inside a `-- ` line (the caller appends to it)");
        }
    }
    if let Some(open) = value.find("/*") {
        let inner = value[open..].split("*/").next().unwrap_or_default();
        if has_placeholder(inner) || !value[open..].contains("*/") {
            return Some("a `/* */` comment with a placeholder or appended text");
        }
    }
    None
}

/// Where a SQL comment starts in one line of a literal: `--` first on the line, or after
/// a statement's `;`. (Messages that mention a directive in backticks or prose are not
/// comment lines.)
fn comment_start(l: &str) -> Option<usize> {
    // `--strict` is a flag; a comment's `--` is followed by a space or ends the line.
    let opens = |s: &str| s == "--" || s.starts_with("-- ");
    let body = l.trim_start();
    if opens(body) {
        return Some(l.len() - body.len());
    }
    let semi = l.find(';')?;
    let after = &l[semi + 1..];
    let rest = after.trim_start();
    opens(rest).then(|| semi + 1 + after.len() - rest.len())
}

/// A `{…}` format placeholder (`{{` is a literal brace).
fn has_placeholder(s: &str) -> bool {
    s.replace("{{", "").contains('{')
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Returns `file:line: why: literal` for every violation under `src/`.
fn scan(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().to_string();
        if rel == SANITIZER {
            continue;
        }
        let src = std::fs::read_to_string(&f).unwrap();
        // Unit tests may hold comment lines as expected output or input.
        let code = src.split("#[cfg(test)]").next().unwrap_or_default();
        for lit in literals(code) {
            if let Some(why) = violation(&lit.value) {
                found.push(format!("{rel}:{}: {why}: {:?}", lit.line, lit.value));
            }
        }
    }
    found
}

#[test]
fn no_comment_line_is_built_outside_the_sanitizer() {
    let found = scan(&common::root());
    assert!(
        found.is_empty(),
        "build these through sqltext::comment::line (or ::block):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    let src = r##"
        // "-- {ignored} in a comment"
        let a = format!("-- Drop table {}", t);
        out.push_str("\n-- ");
        let b = 'x'; let c = '"';
        fn f<'a>(x: &'a str) {}
        let d = format!("NULL /* {} */", n);
        let ok = "-- a fixed line\n";
        let ok2 = format!("{x} --{{not}} a comment\n");
        let e = format!("{stmt}; -- {why}\n"); let bytes = b"-- {";
        let raw = r#"x
-- {y}"#;
    "##;
    let found: Vec<(usize, &str)> = literals(src)
        .iter()
        .filter_map(|l| violation(&l.value).map(|w| (l.line, w)))
        .collect();
    let lines: Vec<usize> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4, 7, 10, 11], "{found:?}");
}
