//! Virtual tables' stored text: the module and its arguments of `CREATE VIRTUAL TABLE name
//! USING module(…)`, read with a small lexer of its own (sqlparser does not parse module
//! arguments, which SQLite hands to the module as raw text).

use super::parse::unquote;

/// Reads the module and its arguments from a stored `CREATE VIRTUAL TABLE name USING
/// module[(arg, …)]`: the arguments are the text between the parentheses split at the commas
/// outside strings, quoted names, comments and nested parentheses, each without comments and
/// with runs of whitespace outside quotes as one space (so a re-indented file is the same
/// virtual table).
pub fn virtual_table_text(sql: &str) -> Result<(String, Vec<String>), String> {
    let pieces = scan(sql)?;
    let using = pieces
        .iter()
        .position(|p| matches!(p, Piece::Word(w) if w.eq_ignore_ascii_case("using")))
        .ok_or("no USING clause")?;
    let module = match pieces.get(using + 1) {
        Some(Piece::Word(w)) => w.to_ascii_lowercase(),
        Some(Piece::Quoted(q)) => unquote(q.to_string()).to_ascii_lowercase(),
        _ => return Err("no module name after USING".into()),
    };
    let mut args = Vec::new();
    if let Some(Piece::Open(start)) = pieces.get(using + 2) {
        let mut depth = 0usize;
        let mut from = start + 1;
        for p in &pieces[using + 2..] {
            match p {
                Piece::Open(_) => depth += 1,
                Piece::Close(at) => {
                    depth -= 1;
                    if depth == 0 {
                        let last = clean(&sql[from..*at]);
                        if !last.is_empty() || !args.is_empty() {
                            args.push(last);
                        }
                        break;
                    }
                }
                // SQLite's grammar lets `;` through to a module (rtree takes it in a column
                // name); written back into a script it would end the statement for any
                // runner that splits statements, so such a table is not read.
                Piece::Semi => {
                    return Err(
                        "a ';' in the module arguments cannot be written back safely".into(),
                    )
                }
                Piece::Comma(at) if depth == 1 => {
                    args.push(clean(&sql[from..*at]));
                    from = at + 1;
                }
                _ => {}
            }
        }
        if depth != 0 {
            return Err("unbalanced parentheses in the module arguments".into());
        }
    }
    Ok((module, args))
}

/// What [`scan`] sees: words, quoted text, and the byte offsets of parentheses and commas.
enum Piece<'a> {
    Word(&'a str),
    Quoted(&'a str),
    Open(usize),
    Close(usize),
    Comma(usize),
    Semi,
}

/// A lexer just fine enough to find `USING`, the module and the argument boundaries: it
/// steps over strings, quoted names (`"…"`, `` `…` ``, `[…]`) and comments.
fn scan(sql: &str) -> Result<Vec<Piece<'_>>, String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let close = |from: usize, end: &[u8]| {
            find(bytes, from, end).ok_or_else(|| "unterminated quote or comment".to_string())
        };
        match b {
            b'(' => out.push(Piece::Open(i)),
            b')' => out.push(Piece::Close(i)),
            b',' => out.push(Piece::Comma(i)),
            b';' => out.push(Piece::Semi),
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                loop {
                    j = close(j, &[b])?;
                    if bytes.get(j + 1) == Some(&b) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                out.push(Piece::Quoted(&sql[i..=j]));
                i = j;
            }
            b'[' => {
                let j = close(i + 1, b"]")?;
                out.push(Piece::Quoted(&sql[i..=j]));
                i = j;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = find(bytes, i, b"\n").unwrap_or(bytes.len());
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = close(i + 2, b"*/")? + 1;
            }
            _ if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 => {
                let mut j = i;
                while j < bytes.len()
                    && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] >= 0x80)
                {
                    j += 1;
                }
                out.push(Piece::Word(&sql[i..j]));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(out)
}

/// Returns one argument without its comments, whitespace runs outside quotes as one space,
/// trimmed. The argument comes from a [`scan`] that found every quote and comment closed.
fn clean(arg: &str) -> String {
    let bytes = arg.as_bytes();
    let mut out = String::with_capacity(arg.len());
    let mut i = 0;
    let mut space = false;
    while i < bytes.len() {
        let b = bytes[i];
        let end = match b {
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                while let Some(k) = find(bytes, j, &[b]) {
                    if bytes.get(k + 1) == Some(&b) {
                        j = k + 2;
                    } else {
                        j = k;
                        break;
                    }
                }
                Some(j.min(bytes.len() - 1))
            }
            b'[' => find(bytes, i, b"]"),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = find(bytes, i, b"\n").unwrap_or(bytes.len());
                space = true;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |k| k + 1);
                space = true;
                continue;
            }
            _ if b.is_ascii_whitespace() => {
                space = true;
                i += 1;
                continue;
            }
            _ => None,
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        let stop = end.unwrap_or(i).min(bytes.len() - 1);
        // Quotes and `[` are ASCII, so these are character boundaries; other bytes go one
        // character at a time.
        let next = if end.is_some() {
            stop + 1
        } else {
            i + arg[i..].chars().next().map_or(1, char::len_utf8)
        };
        out.push_str(&arg[i..next]);
        i = next;
    }
    out
}

/// Returns the offset of the first byte of `end` at or after `from` (its last byte for a
/// two-byte `end`).
fn find(bytes: &[u8], from: usize, end: &[u8]) -> Option<usize> {
    (from..bytes.len())
        .find(|&k| bytes[k..].starts_with(end))
        .map(|k| k + end.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_virtual_table_arguments() {
        let (m, a) = virtual_table_text(
            "CREATE VIRTUAL TABLE \"d (x)\" using FTS5( title,  body , tokenize = 'porter, unicode61' , \
             content=[a,b], x /* a, b */ y, p(1, 2) )",
        )
        .unwrap();
        assert_eq!(m, "fts5");
        assert_eq!(
            a,
            [
                "title",
                "body",
                "tokenize = 'porter, unicode61'",
                "content=[a,b]",
                "x y",
                "p(1, 2)"
            ]
        );
        let (m, a) = virtual_table_text("CREATE VIRTUAL TABLE f3 USING fts3").unwrap();
        assert_eq!((m.as_str(), a.len()), ("fts3", 0));
        let (_, a) = virtual_table_text("CREATE VIRTUAL TABLE f USING fts4()").unwrap();
        assert!(a.is_empty());
        assert!(virtual_table_text("CREATE VIRTUAL TABLE f USING fts4('a)").is_err());
        assert!(
            virtual_table_text("CREATE VIRTUAL TABLE r USING rtree(id, a; DROP TABLE t, b)")
                .is_err()
        );
        let (_, a) =
            virtual_table_text("CREATE VIRTUAL TABLE r USING rtree(id, 'a;b', c)").unwrap();
        assert_eq!(a, ["id", "'a;b'", "c"]);
        let (_, a) =
            virtual_table_text("CREATE VIRTUAL TABLE f USING fts5(a -- one\n,\n  b   'x  y'\t)")
                .unwrap();
        assert_eq!(a, ["a", "b 'x  y'"]);
    }
}
