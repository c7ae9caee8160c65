//! The source scanner of `tests/layering.rs`: finds each file's crate-internal imports by
//! plain text scanning (comments and literals blanked, `use` trees expanded, `super::` and
//! `self::` resolved), so the layering test needs no parser and no extra crate.

use std::path::{Path, PathBuf};

/// One crate-internal reference found in a source file.
#[derive(Debug, Clone)]
pub struct Import {
    pub line: usize,
    /// The path as resolved from the crate root, e.g. `crate::declare::db_message`.
    pub path: Vec<String>,
}

/// Returns every `.rs` file under `dir`, sorted, as paths relative to `root`.
pub fn rust_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under root");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Returns the text with comments and the contents of string and character literals
/// replaced by spaces; line breaks are kept, so line numbers stay.
pub fn code_only(text: &str) -> Vec<char> {
    let src: Vec<char> = text.chars().collect();
    let mut out = src.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut out[from..to.max(from)] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let next = src.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            let end = src[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(src.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < src.len() && depth > 0 {
                if src[j] == '/' && src.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 1;
                } else if src[j] == '*' && src.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 1;
                }
                j += 1;
            }
            blank(&mut out, i, j);
            i = j;
        } else if c == 'r' && (i == 0 || !ident(src[i - 1])) && matches!(next, Some('"' | '#')) {
            let hashes = src[i + 1..].iter().take_while(|&&c| c == '#').count();
            if src.get(i + 1 + hashes) != Some(&'"') {
                i += 1;
                continue;
            }
            let mut j = i + 2 + hashes;
            while j < src.len() {
                if src[j] == '"'
                    && src[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes
                {
                    break;
                }
                j += 1;
            }
            blank(&mut out, i + 2 + hashes, j);
            i = j + 1 + hashes;
        } else if c == '"' {
            let mut j = i + 1;
            while j < src.len() && src[j] != '"' {
                j += if src[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j.min(src.len()));
            i = j + 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or else a lifetime ('a).
            // The escaped character itself may be a quote ('\''): search after it.
            let end = if next == Some('\\') {
                src.get(i + 3..)
                    .and_then(|rest| rest.iter().position(|&c| c == '\''))
                    .map(|n| i + 3 + n + 1)
            } else if src.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, i + 1, end - 1);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Returns the crate module path of a file: `src/apply/sqlite.rs` is `crate::apply::sqlite`.
pub fn module_of(file: &str) -> Vec<String> {
    let rel = file
        .strip_prefix("src/")
        .unwrap_or(file)
        .strip_suffix(".rs")
        .unwrap_or(file);
    let mut path = vec!["crate".to_string()];
    if rel == "lib" || rel == "main" {
        return path;
    }
    path.extend(rel.split('/').filter(|s| *s != "mod").map(str::to_string));
    path
}

/// Returns the file (or folder, as `…/mod.rs`) that defines the module a crate path names:
/// the deepest existing module along the path; items fall back to their module's file.
pub fn target_file(src: &Path, path: &[String]) -> String {
    let mut dir = src.to_path_buf();
    let mut file = "src/lib.rs".to_string();
    for seg in path.iter().skip(1) {
        if dir.join(seg).is_dir() {
            dir = dir.join(seg);
            let rel = dir
                .strip_prefix(src.parent().expect("root"))
                .expect("under root");
            file = format!("{}/mod.rs", rel.to_string_lossy());
        } else if dir.join(format!("{seg}.rs")).is_file() {
            let rel = dir.join(format!("{seg}.rs"));
            file = rel
                .strip_prefix(src.parent().expect("root"))
                .expect("under root")
                .to_string_lossy()
                .into();
            break;
        } else {
            break;
        }
    }
    file
}

/// Splits use-tree text into tokens: identifiers, `::`, `{`, `}`, `,`, `*`.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
            continue;
        }
        if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".into());
            i += 1;
        } else if "{},*".contains(c) {
            out.push(c.to_string());
        }
        i += 1;
    }
    out
}

/// Expands a use tree (`crate::{a, b::{c, d as e}}`) into its leaf paths; `self` in a
/// group names the group's prefix, a glob names its module.
fn expand(toks: &[String], at: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    while *at < toks.len() {
        let t = toks[*at].as_str();
        match t {
            "::" => *at += 1,
            "{" => {
                *at += 1;
                while *at < toks.len() && toks[*at] != "}" {
                    expand(toks, at, &path, out);
                    if toks.get(*at).map(String::as_str) == Some(",") {
                        *at += 1;
                    }
                }
                *at += 1;
                return;
            }
            "*" => {
                *at += 1;
                break;
            }
            "," | "}" => break,
            "as" => {
                *at += 2;
                break;
            }
            "self" if !path.is_empty() => *at += 1,
            _ => {
                path.push(t.to_string());
                *at += 1;
            }
        }
    }
    out.push(path);
}

/// Resolves a path written in module `here` to a path from the crate root, or `None` for
/// another crate's path.
fn resolve(src: &Path, here: &[String], path: &[String], in_main: bool) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    let mut base: Vec<String> = match first {
        "crate" => return Some(path.to_vec()),
        "schemadiff" if in_main => {
            let mut p = vec!["crate".to_string()];
            p.extend(path[1..].iter().cloned());
            return Some(p);
        }
        "self" => here.to_vec(),
        "super" => here.to_vec(),
        _ => {
            // A relative path names a child module of `here` if that child exists.
            let mut p = here.to_vec();
            p.push(first.to_string());
            let file = target_file(src, &p);
            let named = module_of(&file);
            return (named.len() == p.len() && !in_main).then(|| {
                let mut full = here.to_vec();
                full.extend(path.iter().cloned());
                full
            });
        }
    };
    let mut rest = path;
    while let Some(seg) = rest.first() {
        match seg.as_str() {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Returns whether `chars[i..]` starts with `word` as a whole word.
fn word_at(chars: &[char], i: usize, word: &str) -> bool {
    let ident = |c: &char| c.is_alphanumeric() || *c == '_';
    let len = word.len();
    word.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
        && (i == 0 || !(ident(&chars[i - 1]) || chars[i - 1] == ':'))
        && !chars.get(i + len).is_some_and(ident)
}

/// Returns the crate-internal imports of one file, outside `#[cfg(test)]` modules: `use`
/// items (also `pub use` and those inside functions) and `crate::`/`super::` paths in code.
pub fn imports(src: &Path, file: &str, text: &str) -> Vec<Import> {
    let code = code_only(text);
    let in_main = file == "src/main.rs";
    let base = module_of(file);
    let breaks: Vec<usize> = code
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == '\n')
        .map(|(i, _)| i)
        .collect();
    let line_at = |i: usize| breaks.partition_point(|&b| b < i) + 1;
    // (brace depth at which the inline module closes, its name, whether it is test code)
    let mut mods: Vec<(usize, String, bool)> = Vec::new();
    let mut depth = 0usize;
    let mut pending: Option<(String, bool)> = None;
    let mut out = Vec::new();
    let whole_test = base.last().is_some_and(|m| m == "tests");
    let mut i = 0;
    while i < code.len() {
        let testing = whole_test || mods.iter().any(|m| m.2);
        let here = || {
            let mut here = base.clone();
            here.extend(mods.iter().map(|m| m.1.clone()));
            here
        };
        match code[i] {
            '{' => {
                depth += 1;
                if let Some((name, test)) = pending.take() {
                    mods.push((depth, name, test));
                }
                i += 1;
                continue;
            }
            '}' => {
                if mods.last().is_some_and(|m| m.0 == depth) {
                    mods.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            ';' => pending = None,
            _ => {}
        }
        if word_at(&code, i, "mod") {
            let rest: String = code[i + 3..]
                .iter()
                .take_while(|c| **c != '{' && **c != ';')
                .collect();
            let before: String = code[i.saturating_sub(40)..i].iter().collect();
            let attrs = before
                .trim_end()
                .trim_end_matches("pub(crate)")
                .trim_end_matches("pub")
                .trim_end();
            let test = attrs.ends_with("#[cfg(test)]");
            pending = Some((rest.trim().to_string(), test));
            i += 3;
            continue;
        }
        if word_at(&code, i, "use") {
            let end = code[i..]
                .iter()
                .position(|&c| c == ';')
                .map_or(code.len(), |n| i + n);
            let tree: String = code[i + 3..end].iter().collect();
            let toks = tokens(&tree);
            let mut leaves = Vec::new();
            let mut at = 0;
            while at < toks.len() {
                expand(&toks, &mut at, &[], &mut leaves);
                at += 1;
            }
            if !testing {
                let line = line_at(i);
                for leaf in leaves {
                    if let Some(path) = resolve(src, &here(), &leaf, in_main) {
                        out.push(Import { line, path });
                    }
                }
            }
            i = end + 1;
            continue;
        }
        let starts = [
            "crate",
            "super",
            if in_main { "schemadiff" } else { "crate" },
        ];
        let at_root = mods.is_empty() && base.len() == 1 && !in_main;
        let word = starts
            .iter()
            .find(|w| word_at(&code, i, w) && code.get(i + w.len()) == Some(&':'));
        let relative_root = at_root && word.is_none() && (i == 0 || !code[i - 1].is_alphanumeric());
        if word.is_some() || relative_root {
            let segs: String = code[i..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == ':')
                .collect();
            let path: Vec<String> = segs
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if path.len() > 1 && !testing {
                if let Some(path) = resolve(src, &here(), &path, in_main) {
                    out.push(Import {
                        line: line_at(i),
                        path,
                    });
                }
            }
            i += segs.len().max(1);
            continue;
        }
        i += 1;
    }
    out
}
