//! Splits a DDL file into statements with their positions, without parsing them.
//!
//! Works on sqlparser tokens, so `;` inside strings, comments and trigger bodies
//! (`BEGIN … END`) does not split. Positions are 1-based line and column of the statement's
//! first token, plus its byte offset, for error reports.

use super::pg_lex::{Kind, Lexer, Tok};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// What a statement creates, from its leading keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatementKind {
    Table,
    /// `CREATE VIRTUAL TABLE`: loaded (triggers may write to it) but owned by its module.
    VirtualTable,
    Index,
    View,
    Trigger,
    /// Anything that is not `CREATE TABLE|INDEX|VIEW|TRIGGER`.
    Other,
}

/// One statement of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub kind: StatementKind,
    /// Lower-cased name of the table or view the statement creates or is attached to (the
    /// table of an index, the table or view of a trigger), when it can be told.
    pub owner: Option<String>,
    /// Lower-cased name of the object the statement creates.
    pub name: Option<String>,
    pub line: u64,
    pub column: u64,
    /// Byte offset of the first character in the file.
    pub offset: usize,
}

/// A file that cannot even be tokenized (e.g. an unterminated string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    pub message: String,
    pub line: u64,
    pub column: u64,
    pub offset: usize,
}

/// Returns the statements of `src` in file order.
pub fn split_statements(src: &str) -> Result<Vec<Statement>, SplitError> {
    split_with(&super::dialect(), src, Bodies::Trigger)
}

/// Returns the statements of PostgreSQL DDL in file order (dollar-quoted bodies, `E''`
/// strings, nested comments and `BEGIN ATOMIC … END` function bodies do not split).
///
/// Scans with [`super::pg_lex`], PostgreSQL's own lexical rules.
pub fn split_pg_statements(src: &str) -> Result<Vec<Statement>, SplitError> {
    let lines = Lines::new(src);
    let error = |e: super::pg_lex::LexError| {
        let (line, column) = lines.position(src, e.offset);
        SplitError {
            message: e.message.to_string(),
            line,
            column,
            offset: e.offset,
        }
    };
    let mut out = Vec::new();
    let mut statement: Vec<Tok> = Vec::new();
    let mut body = PgBody::default();
    for tok in Lexer::new(src) {
        let tok = tok.map_err(error)?;
        if tok.is_punct(src, b';') {
            if statement.is_empty() {
                continue; // an empty statement
            }
            if body.depth <= 0 && body.atomic == 0 {
                out.push(make_pg(src, &lines, &statement));
                statement.clear();
                body = PgBody::default();
                continue;
            }
        }
        body.read(src, &tok, statement.last());
        statement.push(tok);
    }
    if !statement.is_empty() {
        out.push(make_pg(src, &lines, &statement));
    }
    Ok(out)
}

/// Where a PostgreSQL statement is: how deep in parentheses, in `BEGIN ATOMIC … END`
/// bodies, and in `CASE … END` inside such a body.
#[derive(Default)]
struct PgBody {
    depth: i64,
    atomic: i64,
    cases: i64,
}

impl PgBody {
    fn read(&mut self, src: &str, tok: &Tok, before: Option<&Tok>) {
        match tok.kind {
            Kind::Punct if tok.is_punct(src, b'(') => self.depth += 1,
            Kind::Punct if tok.is_punct(src, b')') => self.depth -= 1,
            Kind::Word => {
                let begun = before.is_some_and(|b| b.is_word(src, "begin"));
                if self.atomic == 0 && begun && tok.is_word(src, "atomic") {
                    self.atomic += 1;
                } else if self.atomic > 0 && tok.is_word(src, "case") {
                    self.cases += 1;
                } else if self.atomic > 0 && tok.is_word(src, "end") {
                    match self.cases > 0 {
                        true => self.cases -= 1,
                        false => self.atomic -= 1,
                    }
                }
            }
            _ => {}
        }
    }
}

/// A PostgreSQL statement from its tokens (at least one), as [`make`] does.
fn make_pg(src: &str, lines: &Lines, tokens: &[Tok]) -> Statement {
    let (first, last) = (tokens[0], tokens[tokens.len() - 1]);
    let (line, column) = lines.position(src, first.start);
    let words: Vec<&str> = (tokens.iter())
        .filter(|t| t.kind == Kind::Word)
        .take(3)
        .map(|t| t.text(src))
        .collect();
    let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    let kind = match words.as_slice() {
        [c, t, ..] if is(c, "create") && is(t, "table") => StatementKind::Table,
        [c, v, t] if is(c, "create") && is(v, "virtual") && is(t, "table") => {
            StatementKind::VirtualTable
        }
        [c, i, ..] if is(c, "create") && is(i, "index") => StatementKind::Index,
        [c, u, i] if is(c, "create") && is(u, "unique") && is(i, "index") => StatementKind::Index,
        [c, v, ..] if is(c, "create") && is(v, "view") => StatementKind::View,
        [c, t, ..] if is(c, "create") && is(t, "trigger") => StatementKind::Trigger,
        _ => StatementKind::Other,
    };
    let key = match kind {
        StatementKind::Table | StatementKind::VirtualTable => Some("table"),
        StatementKind::View => Some("view"),
        StatementKind::Index => Some("index"),
        StatementKind::Trigger => Some("trigger"),
        StatementKind::Other => None,
    };
    let name = key.and_then(|k| pg_name_after(src, tokens, k));
    let owner = match kind {
        StatementKind::Index | StatementKind::Trigger => pg_name_after(src, tokens, "on"),
        _ => name.clone(),
    };
    Statement {
        text: src[first.start..last.end].to_string(),
        kind,
        owner,
        name,
        line,
        column,
        offset: first.start,
    }
}

/// As [`name_after`]: the name after the first `key`, skipping `IF NOT EXISTS` and a
/// schema, lower-cased.
fn pg_name_after(src: &str, tokens: &[Tok], key: &str) -> Option<String> {
    let mut i = tokens.iter().position(|t| t.is_word(src, key))? + 1;
    if tokens.get(i).is_some_and(|t| t.is_word(src, "if")) {
        i += 3;
    }
    if tokens.get(i + 1).is_some_and(|t| t.is_punct(src, b'.')) {
        i += 2;
    }
    let t = tokens.get(i)?;
    match t.kind {
        Kind::Word | Kind::Quoted => t.name(src).map(|n| n.to_lowercase()),
        _ => None,
    }
}

/// Which `BEGIN … END` bodies hold `;` that do not end the statement.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bodies {
    /// SQLite: the body of `CREATE [TEMP] TRIGGER`, which must end with `END`.
    Trigger,
    /// PostgreSQL: a SQL-standard function body, `BEGIN ATOMIC … END` (a PostgreSQL
    /// trigger has no body and ends at its first `;`). PostgreSQL files are split with
    /// [`super::pg_lex`] now; this stays as the oracle its tests compare with.
    #[cfg_attr(not(test), allow(dead_code))]
    Atomic,
}

fn split_with(
    dialect: &dyn sqlparser::dialect::Dialect,
    src: &str,
    bodies: Bodies,
) -> Result<Vec<Statement>, SplitError> {
    let tokens = Tokenizer::new(dialect, src)
        .tokenize_with_location()
        .map_err(|e| SplitError {
            message: e.message.clone(),
            line: e.location.line,
            column: e.location.column,
            offset: byte_offset(src, e.location),
        })?;
    let lines = Lines::new(src);
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, t) in tokens.iter().enumerate() {
        if matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            continue;
        }
        if t.token == Token::SemiColon && start.is_none() {
            continue; // an empty statement
        }
        let first = *start.get_or_insert(i);
        if t.token == Token::SemiColon && ends_here(&tokens[first..i], bodies) {
            out.push(make(src, &lines, &tokens[first..i]));
            start = None;
        }
    }
    if let Some(first) = start {
        let rest: Vec<TokenWithSpan> = tokens[first..]
            .iter()
            .filter(|t| t.token != Token::EOF)
            .cloned()
            .collect();
        if !rest.is_empty() {
            out.push(make(src, &lines, &rest));
        }
    }
    Ok(out)
}

/// Reports whether a `;` after `tokens` closes the statement: not inside parentheses, a
/// trigger body (SQLite) or a `BEGIN ATOMIC` body (PostgreSQL).
fn ends_here(tokens: &[TokenWithSpan], bodies: Bodies) -> bool {
    let words: Vec<Keyword> = tokens.iter().filter_map(keyword).take(4).collect();
    let is_trigger = bodies == Bodies::Trigger
        && (matches!(words.as_slice(), [Keyword::CREATE, Keyword::TRIGGER, ..])
            || matches!(
                words.as_slice(),
                [
                    Keyword::CREATE,
                    Keyword::TEMP | Keyword::TEMPORARY,
                    Keyword::TRIGGER,
                    ..
                ]
            ));
    let solid: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut depth = 0i64;
    let mut body = 0i64;
    let mut cases = 0i64;
    for (i, t) in solid.iter().enumerate() {
        let opens = |w: &sqlparser::tokenizer::Word| match bodies {
            Bodies::Trigger => is_trigger,
            Bodies::Atomic => {
                body == 0
                    && w.keyword == Keyword::BEGIN
                    && solid.get(i + 1).and_then(|n| keyword(n)) == Some(Keyword::ATOMIC)
            }
        };
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(w) if w.quote_style.is_none() => match w.keyword {
                Keyword::BEGIN if opens(w) => body += 1,
                Keyword::CASE if body > 0 => cases += 1,
                Keyword::END if cases > 0 => cases -= 1,
                Keyword::END if body > 0 => body -= 1,
                _ => {}
            },
            _ => {}
        }
    }
    let complete_trigger = !is_trigger || (body == 0 && ends_with_end(tokens));
    depth <= 0 && body == 0 && complete_trigger
}

fn ends_with_end(tokens: &[TokenWithSpan]) -> bool {
    tokens
        .iter()
        .rev()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))
        .and_then(keyword)
        == Some(Keyword::END)
}

fn keyword(t: &TokenWithSpan) -> Option<Keyword> {
    match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

fn make(src: &str, lines: &Lines, tokens: &[TokenWithSpan]) -> Statement {
    let first = &tokens[0];
    let last = tokens
        .iter()
        .rev()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))
        .unwrap_or(first);
    let offset = lines.offset(src, first.span.start);
    let end = lines.offset(src, last.span.end).max(offset);
    let kind = kind_of(tokens);
    Statement {
        text: src[offset..end].to_string(),
        owner: owner(kind, tokens),
        name: created_name(kind, tokens),
        kind,
        line: first.span.start.line,
        column: first.span.start.column,
        offset,
    }
}

fn kind_of(tokens: &[TokenWithSpan]) -> StatementKind {
    let words: Vec<Keyword> = tokens.iter().filter_map(keyword).take(3).collect();
    match words.as_slice() {
        [Keyword::CREATE, Keyword::TABLE, ..] => StatementKind::Table,
        [Keyword::CREATE, Keyword::VIRTUAL, Keyword::TABLE] => StatementKind::VirtualTable,
        [Keyword::CREATE, Keyword::INDEX, ..]
        | [Keyword::CREATE, Keyword::UNIQUE, Keyword::INDEX] => StatementKind::Index,
        [Keyword::CREATE, Keyword::VIEW, ..] => StatementKind::View,
        [Keyword::CREATE, Keyword::TRIGGER, ..] => StatementKind::Trigger,
        _ => StatementKind::Other,
    }
}

/// Returns the owner name: the created table or view itself, the table of an index, the
/// table or view of a trigger.
fn owner(kind: StatementKind, tokens: &[TokenWithSpan]) -> Option<String> {
    match kind {
        StatementKind::Index | StatementKind::Trigger => name_after(tokens, &[Keyword::ON]),
        _ => created_name(kind, tokens),
    }
}

/// Returns the name of the created object: the word after `TABLE`, `VIEW`, `INDEX` or
/// `TRIGGER` (skipping `IF NOT EXISTS` and a schema qualifier).
fn created_name(kind: StatementKind, tokens: &[TokenWithSpan]) -> Option<String> {
    let key = match kind {
        StatementKind::Table | StatementKind::VirtualTable => Keyword::TABLE,
        StatementKind::View => Keyword::VIEW,
        StatementKind::Index => Keyword::INDEX,
        StatementKind::Trigger => Keyword::TRIGGER,
        StatementKind::Other => return None,
    };
    name_after(tokens, &[key])
}

fn name_after(tokens: &[TokenWithSpan], keys: &[Keyword]) -> Option<String> {
    let words: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let is_kw = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.keyword == k);
    let mut i = words
        .iter()
        .position(|t| keys.iter().any(|k| is_kw(t, *k)))?
        + 1;
    if words.get(i).is_some_and(|t| is_kw(t, Keyword::IF)) {
        i += 3;
    }
    if words.get(i + 1) == Some(&&Token::Period) {
        i += 2;
    }
    match words.get(i)? {
        Token::Word(w) => Some(w.value.to_lowercase()),
        // SQLite takes a string as a name; the shell's `.schema` prints shadow tables so.
        Token::SingleQuotedString(s) => Some(s.to_lowercase()),
        _ => None,
    }
}

/// Converts a 1-based line/column (in characters) to a byte offset into `src`.
pub fn byte_offset(src: &str, loc: Location) -> usize {
    Lines::new(src).offset(src, loc)
}

/// Byte offsets of line starts, so that each position converts in time proportional to its
/// line's length, not to the file's.
struct Lines(Vec<usize>);

impl Lines {
    fn new(src: &str) -> Lines {
        let starts = std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts.collect())
    }

    /// The 1-based line and column (in characters) of the byte `offset`.
    fn position(&self, src: &str, offset: usize) -> (u64, u64) {
        let line = self.0.partition_point(|start| *start <= offset);
        let start = self.0[line - 1];
        let column = src[start..offset].chars().count() + 1;
        (line as u64, column as u64)
    }

    fn offset(&self, src: &str, loc: Location) -> usize {
        let Some(&start) = self.0.get(loc.line.saturating_sub(1) as usize) else {
            return src.len();
        };
        let col = loc.column.saturating_sub(1) as usize;
        src[start..]
            .char_indices()
            .nth(col)
            .map_or(src.len(), |(i, _)| start + i)
    }
}

/// Returns the lines of `sql` that start outside a quoted name, a string and a block
/// comment, with their byte offsets: the only lines that can be a directive or a section
/// marker (a name or literal that holds such a line is not one). Quotes are doubled inside
/// quotes in both engines (`'it''s'`, `"a""b"`), so tracking them needs no escapes.
pub fn top_level_lines(sql: &str) -> Vec<(usize, &str)> {
    let bytes = sql.as_bytes();
    let n = bytes.len();
    let mut out = Vec::new();
    let mut i = 0;
    // Jumps from one byte that matters to the next (a 2.4 MB revision is read whole to
    // find its `-- migrate:down` line).
    while i < n {
        if i == 0 || bytes[i - 1] == b'\n' {
            let end = sql[i..].find('\n').map_or(n, |e| i + e);
            out.push((i, &sql[i..end]));
        }
        let Some(j) = (bytes[i..].iter())
            .position(|b| matches!(b, b'\n' | b'\'' | b'"' | b'`' | b'-' | b'/'))
            .map(|j| i + j)
        else {
            break;
        };
        i = match bytes[j] {
            b'\'' | b'"' | b'`' => {
                let q = bytes[j];
                // The closing quote; the lines in between start inside it.
                bytes[j + 1..]
                    .iter()
                    .position(|b| *b == q)
                    .map_or(n, |e| j + 1 + e + 1)
            }
            b'-' if bytes[j + 1..].starts_with(b"-") => bytes[j..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(n, |e| j + e),
            b'/' if bytes[j + 1..].starts_with(b"*") => {
                let close = bytes[j + 2..].windows(2).position(|w| w == b"*/");
                close.map_or(n, |e| j + e + 4)
            }
            _ => j + 1,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time scan [`top_level_lines`] replaced, kept as its oracle.
    fn top_level_lines_one_byte_at_a_time(sql: &str) -> Vec<(usize, &str)> {
        let bytes = sql.as_bytes();
        let mut out = Vec::new();
        let mut quote: Option<u8> = None;
        let mut i = 0;
        while i < bytes.len() {
            let starts_line = i == 0 || bytes[i - 1] == b'\n';
            if starts_line && quote.is_none() {
                let end = sql[i..].find('\n').map_or(sql.len(), |e| i + e);
                out.push((i, &sql[i..end]));
            }
            let rest = &bytes[i..];
            match quote {
                Some(q) if rest[0] == q => quote = None,
                Some(_) => {}
                None if matches!(rest[0], b'\'' | b'"' | b'`') => quote = Some(rest[0]),
                None if rest.starts_with(b"--") => {
                    i += rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
                    continue;
                }
                None if rest.starts_with(b"/*") => {
                    let close = rest[2..].windows(2).position(|w| w == b"*/");
                    i += close.map_or(rest.len(), |e| e + 4);
                    continue;
                }
                None => {}
            }
            i += 1;
        }
        out
    }

    #[test]
    fn top_level_lines_agree_with_the_byte_at_a_time_scan() {
        // Every sequence of up to 5 pieces of what the scan looks at (12^5 inputs).
        let pieces = [
            "\n", "'", "\"", "`", "-", "--", "/", "/*", "*/", "*", "a", " x\n",
        ];
        let mut level = vec![String::new()];
        let mut checked = 0;
        for _ in 0..5 {
            let mut next = Vec::with_capacity(level.len() * pieces.len());
            for s in &level {
                for p in pieces {
                    let t = format!("{s}{p}");
                    assert_eq!(
                        top_level_lines(&t),
                        top_level_lines_one_byte_at_a_time(&t),
                        "{t:?}"
                    );
                    checked += 1;
                    next.push(t);
                }
            }
            level = next;
        }
        assert_eq!(checked, (1..=5).map(|k| 12usize.pow(k)).sum::<usize>());
    }

    #[test]
    fn splits_on_semicolons_outside_strings_and_trigger_bodies() {
        let src = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- c;\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN 1 THEN 'y' END;\n  DELETE FROM a;\nEND;\nCREATE VIEW v AS SELECT 1";
        let stmts = split_statements(src).unwrap();
        let kinds: Vec<_> = stmts.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StatementKind::Table,
                StatementKind::Trigger,
                StatementKind::View
            ]
        );
        assert_eq!(stmts[0].text, "CREATE TABLE a (x TEXT DEFAULT ';')");
        assert!(stmts[1].text.ends_with("END"));
        assert_eq!((stmts[1].line, stmts[1].column), (3, 1));
        assert_eq!(stmts[2].text, "CREATE VIEW v AS SELECT 1");
        let owners: Vec<_> = stmts.iter().map(|s| s.owner.as_deref()).collect();
        assert_eq!(owners, [Some("a"), Some("a"), Some("v")]);
    }

    #[test]
    fn owners_skip_if_not_exists_and_schema() {
        let stmts = split_statements(
            "CREATE TABLE IF NOT EXISTS main.\"Users\" (id); CREATE UNIQUE INDEX i ON users (id); CREATE TRIGGER t INSTEAD OF UPDATE OF x ON v BEGIN SELECT 1; END",
        )
        .unwrap();
        let owners: Vec<_> = stmts.iter().map(|s| s.owner.as_deref()).collect();
        assert_eq!(owners, [Some("users"), Some("users"), Some("v")]);
    }

    #[test]
    fn empty_statements_are_skipped() {
        assert!(split_statements(";; ;\n").unwrap().is_empty());
        assert_eq!(split_statements("; CREATE TABLE a (x);;").unwrap().len(), 1);
    }

    #[test]
    fn reports_unterminated_strings_with_a_position() {
        let err = split_statements("CREATE TABLE a (x DEFAULT 'oops);").unwrap_err();
        assert_eq!(err.line, 1);
    }

    /// The PostgreSQL split as it was, on sqlparser's tokens: the oracle for the scan.
    fn split_pg_by_sqlparser(src: &str) -> Result<Vec<Statement>, SplitError> {
        split_with(
            &sqlparser::dialect::PostgreSqlDialect {},
            src,
            Bodies::Atomic,
        )
    }

    /// Both splits of `src` agree: the same statements (text, kind, names, positions), or
    /// both refuse the text.
    fn agree(src: &str, what: &str) {
        match (split_pg_statements(src), split_pg_by_sqlparser(src)) {
            (Ok(a), Ok(mut b)) => {
                // sqlparser took a string for a name, as SQLite does; PostgreSQL does not.
                for (a, b) in a.iter().zip(b.iter_mut()) {
                    let string = |n: &Option<String>| {
                        n.as_ref()
                            .is_some_and(|n| b.text.to_lowercase().contains(&format!("'{n}'")))
                    };
                    if a.name.is_none() && string(&b.name) {
                        b.name = None;
                    }
                    if a.owner.is_none() && string(&b.owner) {
                        b.owner = None;
                    }
                }
                assert_eq!(a, b, "{what}:\n{src}")
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{what}: the scan gives {a:?}, sqlparser {b:?}:\n{src}"),
        }
    }

    #[test]
    fn the_pg_scan_splits_every_sql_file_of_the_repository_as_sqlparser_did() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "sql") {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["fixtures", "tests", "docs", "examples", "bench", "schemas"] {
            walk(&root.join(dir), &mut files);
        }
        files.retain(|f| !f.starts_with(root.join("bench/out")));
        assert!(files.len() > 500, "{} files", files.len());
        for f in &files {
            let src = std::fs::read_to_string(f).unwrap_or_default();
            agree(&src, &f.display().to_string());
        }
    }

    #[test]
    fn the_pg_scan_splits_generated_text_as_sqlparser_did() {
        const PIECES: &[&str] = &[
            "CREATE",
            "TABLE",
            "INDEX",
            "UNIQUE",
            "VIEW",
            "TRIGGER",
            "ON",
            "IF",
            "NOT",
            "EXISTS",
            "s",
            ".",
            "t",
            "\"Q;\"",
            "\"a\"\"b\"",
            "(",
            ")",
            ";",
            ";",
            ",",
            "'a;b'",
            "'it''s'",
            "E'x\\';'",
            "$$ ; $$",
            "$t$ ; $$ $t$",
            "-- c;\n",
            "/* ; /* x */ ; */",
            "BEGIN",
            "ATOMIC",
            "END",
            "CASE",
            "WHEN",
            "x$y",
            "1.5",
            "$1",
            "é",
            "Ünï",
            " ",
            " ",
            "\n",
            "\t",
            "::",
            "+",
            "-",
            "*",
            "/",
            "'",
            "\"",
            "$",
            "/*",
            "--",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for case in 0..4000 {
            let len = 1 + next() % 40;
            let mut src = String::new();
            // Pieces apart, as statements are written: run together, sqlparser reads some
            // pairs as the server does not (`$1x` is a parameter and a word to the server).
            for _ in 0..len {
                src.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
                src.push(if next() % 4 == 0 { '\n' } else { ' ' });
            }
            agree(&src, &format!("case {case}"));
        }
    }

    #[test]
    fn pg_atomic_bodies_do_not_split_and_pg_triggers_end_at_their_semicolon() {
        let src = "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\n    BEGIN ATOMIC\n SELECT CASE WHEN x > 0 THEN 1 END;\n SELECT (x + 2);\nEND;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION g();\nCREATE TABLE b (begin_at int, \"end\" int);\nCREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;";
        let stmts = split_pg_statements(src).unwrap();
        let starts: Vec<&str> = stmts.iter().map(|s| &s.text[..15]).collect();
        assert_eq!(
            starts,
            [
                "CREATE FUNCTION",
                "CREATE TRIGGER ",
                "CREATE TABLE b ",
                "CREATE FUNCTION"
            ]
        );
        assert!(stmts[0].text.ends_with("SELECT (x + 2);\nEND"));
        assert!(stmts[1].text.ends_with("g()"));
    }
}
