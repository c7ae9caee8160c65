//! PostgreSQL's lexical rules, at the speed of a byte scan: what splitting a file into
//! statements and telling what each is about need, without building sqlparser tokens
//! (a word's text, a keyword lookup and an allocation per token made splitting a 1 MB
//! file a tenth of a second; this scan does it in a few milliseconds).
//!
//! The rules are the server's (`scan.l`; <https://www.postgresql.org/docs/current/sql-syntax-lexical.html>):
//!
//! - whitespace is space, tab, newline, carriage return, form feed and vertical tab;
//! - `--` comments run to the end of the line, `/* … */` comments nest;
//! - a word starts with a letter, `_` or any byte of a multi-byte character and goes on
//!   with those, digits and `$`;
//! - `'…'` strings double their quotes and take backslashes literally
//!   (`standard_conforming_strings`, on since 9.1); `E'…'` strings also escape with a
//!   backslash; `B'…'`, `X'…'`, `N'…'` and `U&'…'` are strings too;
//! - `"…"` (and `U&"…"`) are quoted names, doubling their quotes;
//! - `$tag$ … $tag$` (the tag may be empty) is a string; `$1` is a parameter;
//! - anything else is a number or one punctuation byte.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An unquoted word: a keyword or a name, folded to lower case by the server.
    Word,
    /// A quoted name, `"…"` or `U&"…"`, quotes included.
    Quoted,
    /// A string constant of any form, quotes included.
    String,
    /// A number or a parameter (`$1`).
    Number,
    /// One byte of punctuation or an operator character.
    Punct,
}

/// A token: its kind and its byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    /// The token's text in `src`.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Whether this is the unquoted word `word` (given in lower case), in any case.
    pub fn is_word(&self, src: &str, word: &str) -> bool {
        self.kind == Kind::Word && self.text(src).eq_ignore_ascii_case(word)
    }

    /// The sqlparser keyword this unquoted word is (`NoKeyword` for other words and for
    /// every other token), as sqlparser's tokenizer tells it.
    pub fn keyword(&self, src: &str) -> sqlparser::keywords::Keyword {
        use sqlparser::keywords::{Keyword, ALL_KEYWORDS, ALL_KEYWORDS_INDEX};
        if self.kind != Kind::Word {
            return Keyword::NoKeyword;
        }
        let word = self.text(src).as_bytes();
        let upper = |b: &u8| b.to_ascii_uppercase();
        ALL_KEYWORDS
            .binary_search_by(|probe| (probe.bytes()).cmp(word.iter().map(upper)))
            .map_or(Keyword::NoKeyword, |i| ALL_KEYWORDS_INDEX[i])
    }

    /// Whether this is the punctuation byte `b`.
    pub fn is_punct(&self, src: &str, b: u8) -> bool {
        self.kind == Kind::Punct && src.as_bytes()[self.start] == b
    }

    /// The name this token stands for: an unquoted word folded as the server folds it
    /// (ASCII letters to lower case), a quoted name with its quotes removed and doubled
    /// quotes undone; `None` for other tokens.
    pub fn name(&self, src: &str) -> Option<String> {
        let text = self.text(src);
        match self.kind {
            Kind::Word => Some(text.to_ascii_lowercase()),
            Kind::Quoted => {
                let inner = text
                    .strip_prefix("U&")
                    .or(text.strip_prefix("u&"))
                    .unwrap_or(text);
                Some(inner[1..inner.len() - 1].replace("\"\"", "\""))
            }
            _ => None,
        }
    }
}

/// Text the scan cannot read: an unterminated string, quoted name, dollar-quoted string or
/// comment, with the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: &'static str,
    pub offset: usize,
}

/// The tokens of `src`, comments and whitespace left out.
pub struct Lexer<'a> {
    src: &'a str,
    at: usize,
    failed: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            at: 0,
            failed: false,
        }
    }
}

/// The tokens of `src`, or the first place it cannot be read.
pub fn tokens(src: &str) -> Result<Vec<Tok>, LexError> {
    Lexer::new(src).collect()
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x0b)
}

fn starts_word(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn continues_word(b: u8) -> bool {
    starts_word(b) || b.is_ascii_digit() || b == b'$'
}

impl Iterator for Lexer<'_> {
    type Item = Result<Tok, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let b = self.src.as_bytes();
        loop {
            let i = self.at;
            let c = *b.get(i)?;
            let next = b.get(i + 1).copied();
            if is_space(c) {
                self.at += 1;
                continue;
            }
            if c == b'-' && next == Some(b'-') {
                self.at = memchr(b, b'\n', i).map_or(b.len(), |n| n + 1);
                continue;
            }
            if c == b'/' && next == Some(b'*') {
                match block_comment_end(b, i) {
                    Some(end) => {
                        self.at = end;
                        continue;
                    }
                    None => return self.fail("Unterminated block comment", i),
                }
            }
            let scanned = match c {
                b'\'' => quoted(b, i, i, b'\'', false).map(|e| (Kind::String, e)),
                b'"' => quoted(b, i, i, b'"', false).map(|e| (Kind::Quoted, e)),
                b'$' => dollar(b, i),
                _ if starts_word(c) => word_or_prefixed(b, i),
                b'0'..=b'9' => Ok((Kind::Number, number(b, i))),
                b'.' if next.is_some_and(|n| n.is_ascii_digit()) => {
                    Ok((Kind::Number, number(b, i)))
                }
                _ => Ok((Kind::Punct, i + 1)),
            };
            return match scanned {
                Ok((kind, end)) => {
                    self.at = end;
                    Some(Ok(Tok {
                        kind,
                        start: i,
                        end,
                    }))
                }
                Err(e) => self.fail(e.message, e.offset),
            };
        }
    }
}

impl Lexer<'_> {
    fn fail(&mut self, message: &'static str, offset: usize) -> Option<Result<Tok, LexError>> {
        self.failed = true;
        Some(Err(LexError { message, offset }))
    }
}

fn memchr(b: &[u8], needle: u8, from: usize) -> Option<usize> {
    b[from..]
        .iter()
        .position(|x| *x == needle)
        .map(|p| from + p)
}

/// The end of the block comment starting at `i` (nested comments included).
fn block_comment_end(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        match (b[j], b[j + 1]) {
            (b'/', b'*') => {
                depth += 1;
                j += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// The end of a quoted token whose opening quote `q` is at `open` (`start` is where the
/// token starts, before a prefix); doubled quotes go on, and a backslash escapes the next
/// byte when `escapes`.
fn quoted(b: &[u8], start: usize, open: usize, q: u8, escapes: bool) -> Result<usize, LexError> {
    let mut j = open + 1;
    while j < b.len() {
        match b[j] {
            x if x == q && b.get(j + 1) == Some(&q) => j += 2,
            x if x == q => return Ok(j + 1),
            b'\\' if escapes => j += 2,
            _ => j += 1,
        }
    }
    Err(LexError {
        message: match q {
            b'"' => "Unterminated quoted identifier",
            _ => "Unterminated string literal",
        },
        offset: start,
    })
}

/// A dollar-quoted string, a parameter or a lone `$` at `i`.
fn dollar(b: &[u8], i: usize) -> Result<(Kind, usize), LexError> {
    let mut j = i + 1;
    if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
        while b.get(j).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
        }
        return Ok((Kind::Number, j));
    }
    if b.get(j).is_some_and(|c| starts_word(*c)) {
        while b
            .get(j)
            .is_some_and(|c| starts_word(*c) || c.is_ascii_digit())
        {
            j += 1;
        }
    }
    if b.get(j) != Some(&b'$') {
        return Ok((Kind::Punct, i + 1));
    }
    let tag = &b[i..=j];
    let body = j + 1;
    let close = b[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .ok_or(LexError {
            message: "Unterminated dollar-quoted string",
            offset: i,
        })?;
    Ok((Kind::String, body + close + tag.len()))
}

/// A word at `i`, or a string or quoted name with a prefix (`E'…'`, `B'…'`, `X'…'`,
/// `N'…'`, `U&'…'`, `U&"…"`).
fn word_or_prefixed(b: &[u8], i: usize) -> Result<(Kind, usize), LexError> {
    let c = b[i].to_ascii_lowercase();
    match (c, b.get(i + 1), b.get(i + 2)) {
        (b'e', Some(b'\''), _) => return Ok((Kind::String, quoted(b, i, i + 1, b'\'', true)?)),
        (b'b' | b'x' | b'n', Some(b'\''), _) => {
            return Ok((Kind::String, quoted(b, i, i + 1, b'\'', false)?))
        }
        (b'u', Some(b'&'), Some(b'\'')) => {
            return Ok((Kind::String, quoted(b, i, i + 2, b'\'', false)?))
        }
        (b'u', Some(b'&'), Some(b'"')) => {
            return Ok((Kind::Quoted, quoted(b, i, i + 2, b'"', false)?))
        }
        _ => {}
    }
    let mut j = i + 1;
    while b.get(j).is_some_and(|c| continues_word(*c)) {
        j += 1;
    }
    Ok((Kind::Word, j))
}

/// The end of a number at `i`: digits, a fraction, an exponent.
fn number(b: &[u8], i: usize) -> usize {
    let digits = |mut j: usize| {
        while b.get(j).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            j += 1;
        }
        j
    };
    let mut j = digits(i);
    // `1..2` is not a fraction; `1.` and `.5` are.
    if b.get(j) == Some(&b'.') && b.get(j + 1) != Some(&b'.') {
        j = digits(j + 1);
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(j + 1), Some(b'+' | b'-')));
        if b.get(j + 1 + sign).is_some_and(|c| c.is_ascii_digit()) {
            j = digits(j + 1 + sign);
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokens(src)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    #[test]
    fn strings_names_comments_and_dollar_quotes() {
        use Kind::*;
        assert_eq!(
            kinds("SELECT 'a''b;', E'\\';', \"x\"\"y\", $f$ ; $$ $f$, $1 -- ;\n/* /* ; */ */ a$b"),
            [
                (Word, "SELECT"),
                (String, "'a''b;'"),
                (Punct, ","),
                (String, "E'\\';'"),
                (Punct, ","),
                (Quoted, "\"x\"\"y\""),
                (Punct, ","),
                (String, "$f$ ; $$ $f$"),
                (Punct, ","),
                (Number, "$1"),
                (Word, "a$b"),
            ]
        );
        assert_eq!(
            kinds("x'0F' U&'d\\0061' u&\"n\" 1.5e-3 .5 3"),
            [
                (String, "x'0F'"),
                (String, "U&'d\\0061'"),
                (Quoted, "u&\"n\""),
                (Number, "1.5e-3"),
                (Number, ".5"),
                (Number, "3"),
            ]
        );
        // A backslash is literal in a standard string.
        assert_eq!(kinds("'a\\' b"), [(String, "'a\\'"), (Word, "b")]);
    }

    #[test]
    fn unterminated_text_is_an_error_at_its_start() {
        for (src, at) in [
            ("a 'b", 2),
            ("a \"b", 2),
            ("a $x$ b $y$", 2),
            ("a /* /* */", 2),
            ("a E'\\'", 2),
        ] {
            let err = tokens(src).unwrap_err();
            assert_eq!(err.offset, at, "{src}: {err:?}");
        }
    }

    #[test]
    fn keywords_are_sqlparsers() {
        use sqlparser::keywords::Keyword;
        let src = "create Table \"table\" tablex _ zone";
        let kws: Vec<_> = tokens(src)
            .unwrap()
            .iter()
            .map(|t| t.keyword(src))
            .collect();
        assert_eq!(
            kws,
            [
                Keyword::CREATE,
                Keyword::TABLE,
                Keyword::NoKeyword,
                Keyword::NoKeyword,
                Keyword::NoKeyword,
                Keyword::ZONE
            ]
        );
    }

    #[test]
    fn names_fold_as_the_server_folds_them() {
        let src = "Users \"Mixed\"\"Q\" U&\"x\" ÉTÉ";
        let names: Vec<_> = tokens(src)
            .unwrap()
            .iter()
            .map(|t| t.name(src).unwrap())
            .collect();
        assert_eq!(names, ["users", "Mixed\"Q", "x", "ÉtÉ"]);
    }
}
