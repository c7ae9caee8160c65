//! Keeps the crate's layering: every `src/**/*.rs` file belongs to one part of
//! `docs/layering.json` (a committed copy of the team's `shared/docs/layering.json`), and every
//! crate-internal import (`use crate::…`, `crate::`/`super::` paths in code, `pub use`) must
//! follow an allowed arrow, break no `never` rule, and cross no engine boundary.
//!
//! Today's code breaks several rules; each such import is listed in [`ALLOWED`] with the
//! issue 13 step that removes it. The test fails on a violation that is not listed and on a
//! listed one that no longer exists, so the list only shrinks. How the rules are read (which
//! reach is allowed, where the files outside any part live) is written in
//! `docs/architecture.md` ("Layering rules").

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Homes for files outside every part of `layering.json` until issue 13 moves them:
/// (path prefix, part, why).
const INTERIM_HOMES: &[(&str, &str, &str)] = &[
    ("src/sqltext/", "Model", "leaf text helpers (quoting, splitting, canonical text) that import nothing in the crate; issue 13 moves quoting into each engine's render child"),
    ("src/textfile.rs", "Model", "leaf helper (BOM and line endings), imports nothing in the crate"),
    ("src/redact.rs", "Model", "leaf helper (hides passwords in URLs), imports nothing in the crate"),
    ("src/publish.rs", "Revision", "writes revision and snapshot files all or nothing: files on disk"),
    ("src/publish/", "Revision", "tests of publish.rs"),
    ("src/snapshot.rs", "Revision", "snapshots on disk; the review's target is revision/snapshot.rs with the text from render"),
    ("src/source.rs", "UseCases", "parses a --from/--to source and loads it: a use case (target usecase/source.rs)"),
    ("src/config.rs", "Cli", "schemadiff.toml: the CLI's arguments and config"),
];

/// Parts whose reach is their own arrows only: a facade hides what stands behind it.
const FACADES: &[&str] = &["Engine", "UseCases", "Cli"];

/// A current violation, allowed until the named issue 13 step removes it:
/// (file, imported module, rule, reason it exists and the step that removes it).
type Allowed = (&'static str, &'static str, &'static str, &'static str);

/// Today's violations. Never add to this list; delete an entry when its import goes.
#[rustfmt::skip]
const ALLOWED: &[Allowed] = &[
    ("src/apply/postgres.rs", "crate::apply::sqlite", "engine", "issue 13 step 1: the version and history table names move to the engine-free apply root"),
    ("src/apply/postgres.rs", "crate::declare", "never", "issue 13 step 1: the PostgreSQL error formatter (declare::db_message) moves next to the PostgreSQL connection code"),
    ("src/cli/check.rs", "crate::apply", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/check.rs", "crate::declare", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/check.rs", "crate::introspect", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/check.rs", "crate::model", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/check.rs", "crate::revision", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/check.rs", "crate::snapshot", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/db.rs", "crate::apply", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/db.rs", "crate::declare", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/db.rs", "crate::diff", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/db.rs", "crate::introspect", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/db.rs", "crate::model", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/db.rs", "crate::plan", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::apply", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::declare", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::diff", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::introspect", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::model", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::plan", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::publish", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::render", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/mod.rs", "crate::revision", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::apply", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::declare", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::diff", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::model", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::plan", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::publish", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::redact", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::render", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::revision", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow.rs", "crate::snapshot", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::apply", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::declare", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::diff", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::introspect", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::model", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::plan", "never", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::render", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::revision", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::snapshot", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/cli/workflow_pg.rs", "crate::sqltext", "arrow", "issue 13 step 4: the CLI calls use cases and names no stage"),
    ("src/config.rs", "crate::plan", "never", "issue 13 step 4: the PostgreSQL lock options become part of the engine Target; the CLI names no stage"),
    ("src/config.rs", "crate::textfile", "arrow", "issue 13 step 4: the use case reads the project config; the CLI names no stage"),
    ("src/declare/cache.rs", "crate::introspect::postgres", "engine", "issue 13 step 4: each engine loads through its declare child; the cache stays engine-free"),
    ("src/declare/cache.rs", "crate::introspect::sqlite", "engine", "issue 13 step 4: each engine loads through its declare child; the cache stays engine-free"),
    ("src/declare/hints.rs", "crate::diff", "never", "issue 13 step 1: Renames (plain hint data) moves into model"),
    ("src/declare/incremental.rs", "crate::introspect::postgres", "engine", "issue 13 step 4: the incremental PostgreSQL reload moves into declare/postgres/"),
    ("src/main.rs", "crate::declare", "arrow", "issue 13 step 4: the scratch-database interrupt handling is reached through the library facade"),
    ("src/render/postgres/mod.rs", "crate::render::sqlite", "engine", "issue 13 step 1: RenderedStep, RenderedHazard and format_steps move to the engine-free render root"),
    ("src/snapshot.rs", "crate::render::postgres", "engine", "issue 13 step 1: snapshot printing moves into render (behind its engine-free root), file writing into revision"),
    ("src/snapshot.rs", "crate::render::sqlite", "engine", "issue 13 step 1: snapshot printing moves into render (behind its engine-free root), file writing into revision"),
    ("src/source.rs", "crate::declare", "arrow", "issue 13 step 4: source loading becomes usecase/source.rs and reaches declare and introspect through Engine"),
    ("src/source.rs", "crate::introspect", "arrow", "issue 13 step 4: source loading becomes usecase/source.rs and reaches declare and introspect through Engine"),
];

/// The rule an import breaks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    /// A pair in `layering.json`'s `never` list, with its reason.
    Never(String),
    /// No arrow (nor a path of arrows through stages) leads from the part to the other.
    Arrow,
    /// An engine's code imports another engine's child, or engine-free code outside the
    /// engine seam imports another part's engine child.
    Engine,
}

impl Rule {
    /// Returns the rule's name as written in [`ALLOWED`].
    fn name(&self) -> &'static str {
        match self {
            Rule::Never(_) => "never",
            Rule::Arrow => "arrow",
            Rule::Engine => "engine",
        }
    }
}

/// One crate-internal reference found in a source file.
#[derive(Debug, Clone)]
struct Import {
    line: usize,
    /// The path as resolved from the crate root, e.g. `crate::declare::db_message`.
    path: Vec<String>,
}

/// One import that breaks a rule.
#[derive(Debug)]
struct Violation {
    file: String,
    line: usize,
    import: String,
    module: String,
    from: String,
    to: String,
    rule: Rule,
}

impl Violation {
    /// Returns the one-line description: file, line, import, rule and reason.
    fn describe(&self) -> String {
        let why = match &self.rule {
            Rule::Never(reason) => format!("{} -> {} is forbidden: {reason}", self.from, self.to),
            Rule::Arrow => format!(
                "{} -> {} is not an arrow of docs/layering.json (nor a path of arrows through stages)",
                self.from, self.to
            ),
            Rule::Engine => format!(
                "{} -> {}: an engine's code imports no other engine's child, and engine-free code \
                 imports no other part's engine child (only the engine seam ties them together)",
                self.from, self.to
            ),
        };
        format!(
            "{}:{}: `{}` [{}] {why}",
            self.file,
            self.line,
            self.import,
            self.rule.name()
        )
    }
}

/// The parts, allowed arrows and forbidden pairs read from `docs/layering.json`.
struct Layering {
    /// (path prefix, part), longest prefix first.
    homes: Vec<(String, String)>,
    arrows: BTreeSet<(String, String)>,
    never: BTreeMap<(String, String), String>,
}

impl Layering {
    /// Reads `docs/layering.json` and adds [`INTERIM_HOMES`].
    fn load(root: &Path) -> Layering {
        let path = root.join("docs/layering.json");
        let text = std::fs::read_to_string(&path).expect("docs/layering.json is readable");
        let json: Value = serde_json::from_str(&text).expect("docs/layering.json is valid JSON");
        let mut homes = Vec::new();
        for (part, spec) in json["parts"].as_object().expect("parts") {
            for prefix in spec["is"].as_array().expect("is") {
                homes.push((prefix.as_str().expect("prefix").to_string(), part.clone()));
            }
        }
        for (prefix, part, _) in INTERIM_HOMES {
            assert!(
                json["parts"].get(part).is_some(),
                "interim home names unknown part {part}"
            );
            homes.push((prefix.to_string(), part.to_string()));
        }
        homes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let pair = |v: &Value| {
            let a = v.as_array().expect("a pair");
            (
                a[0].as_str().expect("part").to_string(),
                a[1].as_str().expect("part").to_string(),
            )
        };
        let arrows = json["arrows"]
            .as_array()
            .expect("arrows")
            .iter()
            .map(pair)
            .collect();
        let never = json["never"]
            .as_array()
            .expect("never")
            .iter()
            .map(|v| (pair(v), v[2].as_str().expect("reason").to_string()))
            .collect();
        Layering {
            homes,
            arrows,
            never,
        }
    }

    /// Returns the part a file belongs to, if any.
    fn part_of(&self, file: &str) -> Option<&str> {
        self.homes
            .iter()
            .find(|(prefix, _)| file.starts_with(prefix.as_str()))
            .map(|(_, p)| p.as_str())
    }

    /// Returns whether `from` may import `to`: the same part, an arrow, or a path of arrows
    /// whose inner parts are all stages (a facade's reach stops at its own arrows).
    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut seen = BTreeSet::from([from.to_string()]);
        let mut todo = vec![from.to_string()];
        while let Some(at) = todo.pop() {
            if at == to {
                return true;
            }
            if at != from && FACADES.contains(&at.as_str()) {
                continue;
            }
            for (a, b) in &self.arrows {
                if *a == at && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        false
    }
}

/// Returns the engine a file's path names (`sqlite`/`postgres` as a folder or file stem).
fn engine_of(file: &str) -> Option<&'static str> {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let mut parts: Vec<&str> = rel.split('/').collect();
    if let Some(last) = parts.last_mut() {
        *last = last.strip_suffix(".rs").unwrap_or(last);
    }
    parts.iter().find_map(|p| match *p {
        "sqlite" => Some("sqlite"),
        "postgres" => Some("postgres"),
        _ => None,
    })
}

/// Returns every `.rs` file under `dir`, sorted, as paths relative to `root`.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
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
fn code_only(text: &str) -> Vec<char> {
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
            let end = if next == Some('\\') {
                src[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|n| i + 2 + n + 1)
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
fn module_of(file: &str) -> Vec<String> {
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
fn target_file(src: &Path, path: &[String]) -> String {
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
fn imports(src: &Path, file: &str, text: &str) -> Vec<Import> {
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

/// The repository root and the crate's `src/`.
fn root() -> (PathBuf, PathBuf) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    (root, src)
}

/// Returns the rule an import from `file` to `target` (a module's file) breaks, if any.
fn broken_rule(layering: &Layering, file: &str, target: &str) -> Option<(Rule, String, String)> {
    let from = layering.part_of(file)?.to_string();
    let to = layering.part_of(target)?.to_string();
    if from != to {
        if let Some(reason) = layering.never.get(&(from.clone(), to.clone())) {
            return Some((Rule::Never(reason.clone()), from, to));
        }
        if !layering.reaches(&from, &to) {
            return Some((Rule::Arrow, from, to));
        }
    }
    let other = engine_of(target)?;
    let crossing = match engine_of(file) {
        Some(own) => own != other,
        None => from != to && from != "Engine" && !(from == "UseCases" && to == "Engine"),
    };
    crossing.then_some((
        Rule::Engine,
        format!("{from} ({file})"),
        format!("{to} ({other} child)"),
    ))
}

/// Returns the module an allow-list entry names: `crate::<top>`, or `crate::<top>::<engine>`
/// for the engine rule.
fn module_key(target: &str, rule: &Rule) -> String {
    let module = module_of(target);
    let keep = match rule {
        Rule::Engine => module
            .iter()
            .position(|s| s == "sqlite" || s == "postgres")
            .map_or(2, |p| p + 1),
        _ => 2,
    };
    module
        .iter()
        .take(keep)
        .cloned()
        .collect::<Vec<_>>()
        .join("::")
}

/// Returns every import in `src/` that breaks a rule, in file and line order.
fn violations(layering: &Layering) -> Vec<Violation> {
    let (root, src) = root();
    let mut files = Vec::new();
    rust_files(&root, &src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(root.join(&file)).expect("source is readable");
        for import in imports(&src, &file, &text) {
            let target = target_file(&src, &import.path);
            if let Some((rule, from, to)) = broken_rule(layering, &file, &target) {
                out.push(Violation {
                    file: file.clone(),
                    line: import.line,
                    import: import.path.join("::"),
                    module: module_key(&target, &rule),
                    from,
                    to,
                    rule,
                });
            }
        }
    }
    out
}

#[test]
fn every_source_file_has_a_part() {
    let (root, src) = root();
    let layering = Layering::load(&root);
    let mut files = Vec::new();
    rust_files(&root, &src, &mut files);
    assert!(
        files.len() > 40,
        "expected the crate's sources under {}, found {files:?}",
        src.display()
    );
    let homeless: Vec<&String> = files
        .iter()
        .filter(|f| layering.part_of(f).is_none())
        .collect();
    assert!(
        homeless.is_empty(),
        "these files belong to no part of docs/layering.json: {homeless:?}\n\
         put them under a part's folder, or (for a file issue 13 will move) add an interim home \
         to INTERIM_HOMES in tests/layering.rs and docs/architecture.md"
    );
}

#[test]
fn layering_json_names_known_parts() {
    let (root, _) = root();
    let layering = Layering::load(&root);
    let parts: BTreeSet<&str> = layering.homes.iter().map(|(_, p)| p.as_str()).collect();
    for (a, b) in layering.arrows.iter().chain(layering.never.keys()) {
        assert!(
            parts.contains(a.as_str()) && parts.contains(b.as_str()),
            "unknown part in {a} -> {b}"
        );
    }
    for pair in layering.never.keys() {
        assert!(
            !layering.arrows.contains(pair),
            "{pair:?} is both an arrow and forbidden"
        );
    }
    for (_, _, rule, why) in ALLOWED {
        assert!(
            ["never", "arrow", "engine"].contains(rule),
            "unknown rule {rule}"
        );
        assert!(
            why.contains("issue 13 step"),
            "allow-list entry without its step: {why}"
        );
    }
}

#[test]
fn imports_follow_the_layering() {
    let (root, _) = root();
    let layering = Layering::load(&root);
    let found = violations(&layering);
    let allowed: BTreeSet<(&str, &str, &str)> =
        ALLOWED.iter().map(|(f, m, r, _)| (*f, *m, *r)).collect();
    let mut report = String::new();
    let mut seen = BTreeSet::new();
    for v in &found {
        let key = (v.file.as_str(), v.module.as_str(), v.rule.name());
        seen.insert(key);
        if !allowed.contains(&key) {
            let _ = writeln!(report, "new violation: {}", v.describe());
            let _ = writeln!(
                report,
                "    allow-list key: ({:?}, {:?}, {:?})",
                key.0, key.1, key.2
            );
        }
    }
    for (file, module, rule, why) in ALLOWED {
        if !seen.contains(&(*file, *module, *rule)) {
            let _ = writeln!(
                report,
                "allow-listed violation is gone: {file} no longer imports {module} against the {rule} rule \
                 ({why}); delete its entry from ALLOWED in tests/layering.rs (the list only shrinks)"
            );
        }
    }
    assert!(
        report.is_empty(),
        "the crate's imports break docs/layering.json (rules: docs/architecture.md, \"Layering rules\"):\n{report}\
         Fix the import. Do not add to ALLOWED: it lists only the violations issue 13 removes."
    );
}

/// Returns the resolved import paths the scanner finds in `text`, read as if it were `file`.
fn scanned(file: &str, text: &str) -> Vec<String> {
    let (_, src) = root();
    imports(&src, file, text)
        .iter()
        .map(|i| format!("{}:{}", i.line, i.path.join("::")))
        .collect()
}

#[test]
fn scanner_reads_groups_paths_and_skips_comments_strings_and_tests() {
    let text = r##"//! [`crate::cli`] in a doc comment is no import
use crate::{
    model::Schema,
    diff::{self, Renames as R},
};
pub use super::hazard::*;
use postgres::Client;
fn f<'a>(x: &'a str) -> &'a str {
    let _q = '"';
    let _s = "crate::cli::run";
    let _r = r#"crate::apply " crate::cli"#;
    /* crate::cli /* nested */ crate::cli */ crate::render::sqlite::quote(x);
    super::super::plan::order::dependency_order(x)
}
#[cfg(test)]
mod tests {
    use crate::cli;
}
"##;
    assert_eq!(
        scanned("src/plan/postgres/mod.rs", text),
        [
            "2:crate::model::Schema",
            "2:crate::diff",
            "2:crate::diff::Renames",
            "6:crate::plan::hazard",
            "12:crate::render::sqlite::quote",
            "13:crate::plan::order::dependency_order",
        ]
    );
    let root = "pub mod diff;\nuse diff::Renames;\npub fn f() { plan::plan(&x); serde_json::to_string(1) }\n";
    assert_eq!(
        scanned("src/lib.rs", root),
        ["2:crate::diff::Renames", "3:crate::plan::plan"]
    );
    let main = "use schemadiff::cli::{run, Cli};\nfn main() { schemadiff::declare::finish(); }\n";
    assert_eq!(
        scanned("src/main.rs", main),
        [
            "1:crate::cli::run",
            "1:crate::cli::Cli",
            "2:crate::declare::finish"
        ]
    );
}
