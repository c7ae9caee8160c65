//! Function definitions compared without whitespace noise: the server prints its own
//! header (`pg_get_functiondef`), but the body is the user's text verbatim, so an edit that
//! only re-indents a body must not count as a change (issue 15).
//!
//! [`normalize_definition`] collapses every run of whitespace outside literals to one space.
//! It never removes whitespace and never touches anything else, so two texts it makes equal
//! differ only in how much whitespace separates the same tokens. It is conservative:
//!
//! - single-quoted literals (`E'…'` with backslash escapes), quoted identifiers and dollar-
//!   quoted strings nested in a body are kept verbatim;
//! - the body itself (the outer dollar quote) is only normalized for `LANGUAGE sql` and
//!   `LANGUAGE plpgsql`, whose lexers treat whitespace as PostgreSQL's does; any other
//!   language (Python cares about indentation) keeps its body verbatim;
//! - a line break that ends a `--` comment stays a line break (the comment would otherwise
//!   swallow what follows), and so does one after a string literal (`'a'` newline `'b'` is one
//!   literal, `'a' 'b'` a syntax error);
//! - text it cannot scan (an unterminated quote or comment) gives `None`, and the caller
//!   compares the raw texts.
//!
//! Lexical rules: <https://www.postgresql.org/docs/current/sql-syntax-lexical.html>.

/// Reports whether two function definitions are the same but for whitespace outside
/// literals (see the module documentation); when either cannot be scanned, whether they are
/// equal.
pub fn same_function_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (normalize_definition(a), normalize_definition(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Returns `def` with whitespace runs collapsed as the module documentation says, or `None`
/// when it cannot be scanned.
pub fn normalize_definition(def: &str) -> Option<String> {
    let chars: Vec<char> = def.chars().collect();
    let mut words = Vec::new();
    collapse(&chars, Body::Verbatim, Some(&mut words))?;
    // The server prints the language on a line of its own (` LANGUAGE plpgsql`): a function
    // named `language` or a parameter named so is not it.
    let language = words
        .windows(2)
        .find(|w| w[0].1 && w[0].0.eq_ignore_ascii_case("LANGUAGE"))
        .map(|w| w[1].0.to_ascii_lowercase());
    let body = match language.as_deref() {
        Some("sql" | "plpgsql") => Body::Normalize,
        _ => Body::Verbatim,
    };
    collapse(&chars, body, None)
}

/// What happens to a dollar-quoted string met at this level.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    /// The function's body: normalized with the same rules, its own dollar quotes verbatim.
    Normalize,
    Verbatim,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// PostgreSQL's identifier characters (`ident_cont`): ASCII letters and digits, `_`, `$`, and
/// every non-ASCII character (the scanner takes any byte with the high bit set).
fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

/// Collapses `text`; the outer level's words go to `words` when given, each with whether it
/// starts a line (only whitespace before it on its line).
fn collapse(
    text: &[char],
    body: Body,
    mut words: Option<&mut Vec<(String, bool)>>,
) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut line_start = true;
    // A line break must survive the next whitespace run (after a `--` comment or a literal).
    let mut keep_newline = false;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if is_space(c) {
            let start = i;
            while i < text.len() && is_space(text[i]) {
                i += 1;
            }
            let newline = text[start..i].iter().any(|c| matches!(c, '\n' | '\r'));
            out.push(if keep_newline && newline { '\n' } else { ' ' });
            keep_newline = false;
            line_start |= newline;
            continue;
        }
        let at_line_start = std::mem::replace(&mut line_start, false);
        keep_newline = false;
        let prev = i.checked_sub(1).map(|p| text[p]);
        match c {
            '\'' => {
                let escapes = matches!(prev, Some('E' | 'e'))
                    && !i.checked_sub(2).is_some_and(|p| is_ident(text[p]));
                let end = quoted_end(text, i, '\'', escapes)?;
                out.extend(&text[i..end]);
                i = end;
                keep_newline = true;
            }
            '"' => {
                let end = quoted_end(text, i, '"', false)?;
                out.extend(&text[i..end]);
                i = end;
            }
            '-' if text.get(i + 1) == Some(&'-') => {
                let end = text[i..]
                    .iter()
                    .position(|c| matches!(c, '\n' | '\r'))
                    .map_or(text.len(), |n| i + n);
                let comment: String = text[i..end].iter().collect();
                out.push_str(&comment.split_whitespace().collect::<Vec<_>>().join(" "));
                i = end;
                keep_newline = true;
            }
            '/' if text.get(i + 1) == Some(&'*') => {
                let end = block_comment_end(text, i)?;
                let comment: String = text[i..end].iter().collect();
                out.push_str(&comment.split_whitespace().collect::<Vec<_>>().join(" "));
                i = end;
            }
            '$' if !prev.is_some_and(is_ident) => match dollar_tag(text, i) {
                Some(tag_len) => {
                    let close = find(text, &text[i..i + tag_len], i + tag_len)?;
                    out.extend(&text[i..i + tag_len]);
                    let inner = &text[i + tag_len..close];
                    match body {
                        Body::Normalize => out.push_str(&collapse(inner, Body::Verbatim, None)?),
                        Body::Verbatim => out.extend(inner),
                    }
                    out.extend(&text[close..close + tag_len]);
                    i = close + tag_len;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            c if is_ident(c) => {
                let start = i;
                while i < text.len() && is_ident(text[i]) {
                    i += 1;
                }
                let word: String = text[start..i].iter().collect();
                if let Some(words) = words.as_deref_mut() {
                    words.push((word.clone(), at_line_start));
                }
                out.push_str(&word);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(out)
}

/// The index after the literal or quoted identifier opening at `start` (a doubled quote
/// stays inside; with `escapes`, a backslash escapes the next character).
fn quoted_end(text: &[char], start: usize, quote: char, escapes: bool) -> Option<usize> {
    let mut i = start + 1;
    while i < text.len() {
        match text[i] {
            '\\' if escapes => i += 2,
            c if c == quote => {
                if text.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The index after the block comment opening at `start` (they nest).
fn block_comment_end(text: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < text.len() {
        match (text[i], text[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The length of the dollar-quote delimiter (`$$`, `$tag$`) at `start`, if one opens there.
fn dollar_tag(text: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if text.get(i).is_some_and(|c| c.is_ascii_digit()) {
        return None; // `$1`: a parameter
    }
    // `dolq_cont`: identifier characters but `$`.
    while i < text.len() && text[i] != '$' && is_ident(text[i]) {
        i += 1;
    }
    (text.get(i) == Some(&'$')).then_some(i + 1 - start)
}

/// The first index at or after `from` where `needle` occurs.
fn find(text: &[char], needle: &[char], from: usize) -> Option<usize> {
    (from..=text.len().checked_sub(needle.len())?).find(|&i| text[i..i + needle.len()] == *needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plpgsql(body: &str) -> String {
        format!("CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE plpgsql\nAS $function$\n{body}\n$function$\n")
    }

    #[test]
    fn reindented_bodies_are_the_same() {
        let a = plpgsql("BEGIN\n  RETURN a + 1;\nEND;");
        let b = plpgsql("BEGIN\n\n        RETURN a   +\t1;\n  END;   ");
        assert!(same_function_text(&a, &b));
        assert!(!same_function_text(
            &a,
            &plpgsql("BEGIN RETURN a + 2; END;")
        ));
        // Whitespace is collapsed, never removed.
        assert!(!same_function_text(&a, &plpgsql("BEGIN RETURN a+1; END;")));
    }

    #[test]
    fn literals_and_quoted_names_keep_their_whitespace() {
        let a = plpgsql("BEGIN RETURN length('a  b') + \"my  col\"; END;");
        let b = plpgsql("BEGIN RETURN length('a b') + \"my  col\"; END;");
        let c = plpgsql("BEGIN RETURN length('a  b') + \"my col\"; END;");
        assert!(!same_function_text(&a, &b));
        assert!(!same_function_text(&a, &c));
        // An escaped quote does not end an E'' literal; a doubled one does not end any.
        let e = |s| plpgsql(&format!("BEGIN RETURN E'it\\'s  {s}' || 'x''  y'; END;"));
        assert!(!same_function_text(&e("a"), &e("b")));
        assert!(same_function_text(
            &e("a"),
            &e("a").replace("BEGIN ", "BEGIN\n  ")
        ));
        assert!(!same_function_text(
            &plpgsql("BEGIN RETURN 'x''  y'; END;"),
            &plpgsql("BEGIN RETURN 'x'' y'; END;")
        ));
    }

    #[test]
    fn a_line_comment_keeps_the_line_break_that_ends_it() {
        let a = plpgsql("BEGIN -- note\n  RETURN 1; END;");
        let b = plpgsql("BEGIN -- note\nRETURN 1; END;");
        let swallowed = plpgsql("BEGIN -- note RETURN 1; END;");
        assert!(same_function_text(&a, &b));
        assert!(!same_function_text(&a, &swallowed));
        // Quotes in comments are not literals.
        let c = plpgsql("BEGIN /* it's */ RETURN   1; END;");
        assert!(same_function_text(
            &c,
            &plpgsql("BEGIN /* it's */ RETURN 1; END;")
        ));
    }

    #[test]
    fn nested_dollar_quotes_are_verbatim() {
        let a = plpgsql("BEGIN EXECUTE $q$SELECT  1$q$; RETURN $1; END;");
        let b = plpgsql("BEGIN EXECUTE $q$SELECT 1$q$; RETURN $1; END;");
        assert!(!same_function_text(&a, &b));
        assert!(same_function_text(&a, &a.replace("BEGIN ", "BEGIN\n\t")));
    }

    #[test]
    fn other_languages_keep_their_body() {
        let py = |body: &str| {
            format!("CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE plpython3u\nAS $function$\n{body}\n$function$\n")
        };
        assert!(!same_function_text(
            &py("if x:\n    return 1"),
            &py("if x:\n  return 1")
        ));
        // The server's header still may differ in whitespace only.
        assert!(same_function_text(
            &py("return 1"),
            &py("return 1").replace("\n RETURNS", "  RETURNS")
        ));
    }

    #[test]
    fn the_language_is_the_one_on_its_own_line() {
        // A function named `language` whose parameter is named `sql` is not an SQL function:
        // its Python body keeps its indentation.
        let py = |body: &str| {
            format!("CREATE OR REPLACE FUNCTION public.language(sql integer)\n RETURNS integer\n LANGUAGE plpython3u\nAS $function$\n{body}\n$function$\n")
        };
        assert!(!same_function_text(
            &py("if sql:\n    return 1"),
            &py("if sql:\n  return 1")
        ));
        let sql = py("SELECT  1").replace("plpython3u", "sql");
        assert!(same_function_text(
            &sql,
            &sql.replace("SELECT  1", "SELECT 1")
        ));
    }

    #[test]
    fn unscannable_text_compares_raw() {
        let open = plpgsql("BEGIN RETURN 'oops; END;");
        assert_eq!(normalize_definition(&open), None);
        assert!(!same_function_text(
            &open,
            &open.replace("BEGIN ", "BEGIN  ")
        ));
        assert!(same_function_text(&open, &open));
    }

    #[test]
    fn any_non_ascii_character_may_make_a_dollar_tag() {
        // `$→$` opens a dollar quote for the server (tags take any non-ASCII character), so
        // its content is verbatim; `→$q$` is one identifier, not a dollar quote.
        let a = plpgsql("BEGIN RETURN $→$a  b$→$; END;");
        let b = plpgsql("BEGIN RETURN $→$a b$→$; END;");
        assert!(!same_function_text(&a, &b));
        assert!(same_function_text(&a, &a.replace("BEGIN ", "BEGIN\n  ")));
        let c = plpgsql("BEGIN RETURN \"→$q$\" + →$q$  + 1; END;");
        assert!(same_function_text(&c, &c.replace("  +", " +")));
    }

    #[test]
    fn a_line_break_after_a_literal_stays() {
        let a = plpgsql("BEGIN RETURN 'a'\n'b'; END;");
        let b = plpgsql("BEGIN RETURN 'a' 'b'; END;");
        assert!(!same_function_text(&a, &b));
    }
}
