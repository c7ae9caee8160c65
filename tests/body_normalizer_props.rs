//! Generated inputs for the function-body normalizer (`sqltext::body`, issue 15), no server:
//! seeded definitions (plpgsql and sql bodies with string literals, `E''` strings with
//! escapes, dollar quotes with tags, quoted identifiers, `--` and `/* */` comments) must
//!
//! (a) normalize to the same text after re-spacing wherever whitespace already is (keeping a
//!     line break where the module says one is meaningful: after a `--` comment and after a
//!     string literal);
//! (b) normalize to a different text after any change inside a literal, a dollar quote or a
//!     quoted identifier, any non-whitespace change inside a comment, or the removal of the
//!     line break ending a `--` comment;
//! (c) never panic, whatever the input (random bytes, random Unicode, truncated definitions).
//!
//! Seeded (a 64-bit LCG, as in tests/sqlite_types.rs): a failure prints the case number and
//! both texts, and reproduces with the same constants.

use schemadiff::sqltext::body::{normalize_definition, same_function_text};

const SEED: u64 = 0x5eed_0015_b0d1;
/// Definitions generated for (a) and (b).
const CASES: usize = 3000;
/// Random texts for (c).
const NOISE: usize = 3000;

struct Gen(u64);

impl Gen {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len())]
    }

    /// A non-empty whitespace run, with a line break when `newline`, without one otherwise.
    fn space(&mut self, newline: bool) -> String {
        let mut s = String::new();
        for _ in 0..=self.next(3) {
            s.push_str(self.pick(&[" ", " ", "  ", "\t", "\x0c"]));
        }
        if newline {
            let at = self.next(s.len() + 1);
            let nl = self.pick(&["\n", "\r\n", "\n\n", "\r"]);
            s.insert_str(at, nl);
        }
        s
    }
}

/// What a token is: it decides which separators may touch it and what an edit may do.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Punct,
    /// `'…'`, `E'…'`: a line break after it is meaningful.
    Literal,
    QuotedIdent,
    Dollar,
    LineComment,
    BlockComment,
}

/// A token as pieces: the opening, the content pieces (an edit inserts between pieces, so it
/// never splits an escape), and the closing.
#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    open: String,
    pieces: Vec<String>,
    close: String,
}

impl Token {
    fn text(&self) -> String {
        format!("{}{}{}", self.open, self.pieces.concat(), self.close)
    }
}

const WORDS: &[&str] = &[
    "BEGIN", "RETURN", "END", "SELECT", "a", "x", "IF", "THEN", "perform", "é_ü", "v$1", "$1",
    "raise", "notice", "E", "e", "coalesce", "null", "FROM", "日本",
];
const PUNCT: &[&str] = &[
    ";", "+", "(", ")", ",", ":=", "||", "=", "<>", "::", "[", "]",
];
/// Content pieces of literals and comments: spaces, quotes of the other kinds, comment
/// openers, dollar signs, Unicode.
const CONTENT: &[&str] = &[
    "a", "b", "Z", " ", "  ", "\t", "\n", "\"", "--", "/", "*", "é", "$", "x y", "\\", ";", "😀",
    "\u{a0}", "\u{2028}",
];

fn content(g: &mut Gen, extra: &[&str], forbid: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..g.next(6) {
        // Extra pieces are well-formed escapes; plain ones must not contain a forbidden text.
        if !extra.is_empty() && g.next(3) == 0 {
            out.push(g.pick(extra).to_string());
        } else {
            let p = g.pick(CONTENT);
            if !forbid.iter().any(|f| p.contains(f)) {
                out.push(p.to_string());
            }
        }
    }
    out
}

fn token(g: &mut Gen, nested_dollar: bool) -> Token {
    let t = |kind, open: &str, pieces, close: &str| Token {
        kind,
        open: open.into(),
        pieces,
        close: close.into(),
    };
    match g.next(12) {
        0..=3 => t(Kind::Word, "", vec![g.pick(WORDS).into()], ""),
        4..=5 => t(Kind::Punct, "", vec![g.pick(PUNCT).into()], ""),
        6 => t(Kind::Literal, "'", content(g, &["''", "'' "], &["'"]), "'"),
        7 => {
            // E'…': backslash escapes (an escaped quote, an escaped backslash) and doubled quotes.
            let pieces = content(g, &["\\'", "\\\\", "''", "\\n"], &["'"]);
            let pieces = pieces
                .into_iter()
                .map(|p| if p == "\\" { "\\\\".to_string() } else { p })
                .collect();
            t(Kind::Literal, g.pick(&["E'", "e'"]), pieces, "'")
        }
        8 => t(
            Kind::QuotedIdent,
            "\"",
            content(g, &["\"\""], &["\""]),
            "\"",
        ),
        9 if nested_dollar => {
            let tag = g.pick(&["$q$", "$_x1$", "$é$", "$→$", "$\u{a0}$", "$$"]);
            let pieces = content(g, &["'", "'a'"], &["$"]);
            t(Kind::Dollar, tag, pieces, tag)
        }
        10 => t(
            Kind::LineComment,
            "--",
            content(g, &["'", "/*", "*/"], &["\n", "\r"]),
            "",
        ),
        _ => {
            let nest = g.next(4) == 0;
            let mut pieces = content(g, &["'", "--"], &["*/", "/*", "*", "/"]);
            if nest {
                pieces.push("/* inner */".into());
            }
            t(Kind::BlockComment, "/*", pieces, "*/")
        }
    }
}

/// A definition: header and body tokens, and the separators around and between them.
#[derive(Clone)]
struct Def {
    language: &'static str,
    tokens: Vec<Token>,
    /// `tokens.len() + 1` separators: before the first token, between tokens, after the last.
    seps: Vec<String>,
}

/// Whether the separator after `t` must keep (or may not gain) a line break.
fn newline_matters(t: Option<&Token>) -> bool {
    t.is_some_and(|t| matches!(t.kind, Kind::Literal | Kind::LineComment))
}

/// Whether two tokens may touch without whitespace without becoming other tokens.
fn may_touch(a: &Token, b: &Token) -> bool {
    (a.kind == Kind::Punct || b.kind == Kind::Punct)
        && !(a.kind == Kind::Word && b.kind == Kind::Literal)
        && a.kind != Kind::LineComment
        && !(a.kind == Kind::Punct && b.kind == Kind::Punct)
}

fn def(g: &mut Gen) -> Def {
    let language = g.pick(&["plpgsql", "sql"]);
    let tokens: Vec<Token> = (0..1 + g.next(14)).map(|_| token(g, true)).collect();
    let mut seps = Vec::new();
    for i in 0..=tokens.len() {
        let before = i.checked_sub(1).map(|p| &tokens[p]);
        let touch = match (before, tokens.get(i)) {
            (Some(a), Some(b)) => may_touch(a, b) && g.next(2) == 0,
            _ => false,
        };
        let sep = if touch {
            String::new()
        } else if before.is_some_and(|t| t.kind == Kind::LineComment) {
            g.space(true)
        } else {
            let nl = g.next(3) == 0;
            g.space(nl)
        };
        seps.push(sep);
    }
    Def {
        language,
        tokens,
        seps,
    }
}

impl Def {
    fn render(&self, header_space: &[String; 4]) -> String {
        let mut body = String::new();
        for (i, t) in self.tokens.iter().enumerate() {
            body.push_str(&self.seps[i]);
            body.push_str(&t.text());
        }
        body.push_str(&self.seps[self.tokens.len()]);
        let [s0, s1, s2, s3] = header_space;
        format!(
            "CREATE OR REPLACE FUNCTION public.f(a integer){s0}RETURNS integer{s1}LANGUAGE{s2}{}{s3}AS $function${body}$function$\n",
            self.language
        )
    }

    fn plain(&self) -> String {
        self.render(&["\n ".into(), "\n ".into(), " ".into(), "\n".into()])
    }

    /// The same tokens, every whitespace run replaced by another one that keeps a line break
    /// where one is meaningful.
    fn respaced(&self, g: &mut Gen) -> String {
        let mut other = self.clone();
        for (i, sep) in other.seps.iter_mut().enumerate() {
            if sep.is_empty() {
                continue;
            }
            let before = i.checked_sub(1).map(|p| &self.tokens[p]);
            let nl = if newline_matters(before) {
                sep.contains(['\n', '\r'])
            } else {
                g.next(2) == 0
            };
            *sep = g.space(nl);
        }
        let mut header: [String; 4] = Default::default();
        for (k, h) in header.iter_mut().enumerate() {
            // The server prints LANGUAGE on a line of its own (after s1).
            let nl = k == 1 || (k != 2 && g.next(2) == 0);
            *h = g.space(nl);
        }
        other.render(&header)
    }
}

fn normalized(text: &str, case: usize) -> String {
    normalize_definition(text)
        .unwrap_or_else(|| panic!("case {case}: a generated definition must scan:\n{text}"))
}

#[test]
fn respacing_outside_literals_keeps_the_normalized_text() {
    let mut g = Gen(SEED);
    for case in 0..CASES {
        let d = def(&mut g);
        let a = d.plain();
        let b = d.respaced(&mut g);
        let (na, nb) = (normalized(&a, case), normalized(&b, case));
        assert_eq!(na, nb, "case {case}: re-spaced texts differ:\n{a:?}\n{b:?}");
        assert!(same_function_text(&a, &b), "case {case}");
        // Normalizing is idempotent.
        assert_eq!(
            normalized(&na, case),
            na,
            "case {case}: not idempotent:\n{a:?}"
        );
    }
}

#[test]
fn edits_inside_literals_names_and_comments_are_seen() {
    let mut g = Gen(SEED ^ 0xb);
    let mut edits = 0;
    for case in 0..CASES {
        let d = def(&mut g);
        let a = d.plain();
        let editable: Vec<usize> = (0..d.tokens.len())
            .filter(|&i| !matches!(d.tokens[i].kind, Kind::Word | Kind::Punct))
            .collect();
        if editable.is_empty() {
            continue;
        }
        let i = editable[g.next(editable.len())];
        let mut e = d.clone();
        let t = &mut e.tokens[i];
        let comment = matches!(t.kind, Kind::LineComment | Kind::BlockComment);
        let what = if t.kind == Kind::LineComment && g.next(3) == 0 {
            // The line break ending the comment goes: what follows is swallowed.
            e.seps[i + 1] = " ".into();
            "removed the line break ending a -- comment".to_string()
        } else {
            // Inside a comment only a non-whitespace change is a change.
            let insert = if comment {
                g.pick(&["Z", "é", "'", "--", "x y"])
            } else {
                g.pick(&[" ", "\t", "\n", "Z", "é", "  "])
            };
            let at = g.next(t.pieces.len() + 1);
            t.pieces.insert(at, insert.into());
            format!("inserted {insert:?} in {:?}", t.kind)
        };
        let b = e.plain();
        edits += 1;
        assert!(
            !same_function_text(&a, &b),
            "case {case}: {what} went unseen:\n{a:?}\n{b:?}"
        );
    }
    assert!(edits > CASES / 2, "too few edits: {edits}");
}

/// The characters random texts are made of: everything the scanner looks at, and more.
const NOISE_ATOMS: &[&str] = &[
    "'",
    "\"",
    "$",
    "$$",
    "$q$",
    "$1",
    "E'",
    "e'",
    "\\",
    "--",
    "/*",
    "*/",
    "/",
    "*",
    "-",
    "\n",
    "\r",
    " ",
    "\t",
    "a",
    "é",
    "😀",
    "\u{0}",
    "\u{2028}",
    "LANGUAGE",
    " sql ",
    " plpgsql ",
    "AS",
    "$function$",
    "U&'",
    "\u{feff}",
    "\u{300}",
];

#[test]
fn never_panics_on_arbitrary_text() {
    let mut g = Gen(SEED ^ 0xc);
    for _ in 0..NOISE {
        // Random bytes, read as UTF-8 the lossy way.
        let bytes: Vec<u8> = (0..g.next(80)).map(|_| g.next(256) as u8).collect();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let _ = normalize_definition(&text);
        // Random scanner-relevant atoms.
        let text: String = (0..g.next(40)).map(|_| g.pick(NOISE_ATOMS)).collect();
        let n = normalize_definition(&text);
        if let Some(n) = n {
            assert_eq!(normalize_definition(&n).as_ref(), Some(&n), "{text:?}");
        }
        let _ = same_function_text(&text, &text.replace(' ', "  "));
    }
    // Every prefix of generated definitions (unterminated quotes, comments, dollar quotes).
    for _ in 0..200 {
        let d = def(&mut g).plain();
        let chars: Vec<char> = d.chars().collect();
        for end in 0..chars.len() {
            let prefix: String = chars[..end].iter().collect();
            let _ = normalize_definition(&prefix);
        }
    }
}
