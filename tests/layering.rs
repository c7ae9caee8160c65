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

#[path = "layering/scan.rs"]
mod scan;

use scan::{code_only, imports, module_of, rust_files, target_file};

/// Homes for files outside every part of `layering.json` until issue 13 moves them:
/// (path prefix, part, why).
const INTERIM_HOMES: &[(&str, &str, &str)] = &[
    ("src/sqltext/", "Model", "leaf text helpers (quoting, splitting, canonical text) that import nothing in the crate; issue 13 moves quoting into each engine's render child"),
    ("src/textfile.rs", "Model", "leaf helper (BOM and line endings), imports nothing in the crate"),
    ("src/progress.rs", "Model", "leaf helper (progress counts told to a sink the caller installs), imports nothing in the crate; declare and the use cases report, the CLI draws"),
    ("src/fingerprint.rs", "Model", "leaf helper (SHA-256 fingerprints in hex), imports nothing in the crate; the cache keys, the check record, revision checksums and the incremental reload share it"),
    ("src/redact.rs", "Model", "leaf helper (hides passwords in URLs), imports nothing in the crate"),
    ("src/pg_error.rs", "Model", "leaf helper (formats a PostgreSQL driver error), imports nothing in the crate; declare, introspect and apply share it, and apply may reach neither declare nor introspect"),
    ("src/threads.rs", "Model", "leaf helper (joins a scoped thread, its panic carried on), imports nothing in the crate; declare, introspect, publish and the use cases run work side by side"),
    ("src/publish.rs", "Revision", "writes revision and snapshot files all or nothing: files on disk"),
    ("src/publish/", "Revision", "tests of publish.rs"),
];

/// Parts whose reach is their own arrows only: a facade hides what stands behind it.
const FACADES: &[&str] = &["Engine", "UseCases", "Cli"];

/// A current violation, allowed until the named issue 13 step removes it:
/// (file, imported module, rule, reason it exists and the step that removes it).
type Allowed = (&'static str, &'static str, &'static str, &'static str);

/// Today's violations. Never add to this list; delete an entry when its import goes.
#[rustfmt::skip]
const ALLOWED: &[Allowed] = &[
    ("src/declare/cache.rs", "crate::introspect::postgres", "engine", "issue 13 step 4: each engine loads through its declare child; the cache stays engine-free"),
    ("src/declare/cache.rs", "crate::introspect::sqlite", "engine", "issue 13 step 4: each engine loads through its declare child; the cache stays engine-free"),
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
    let _q = ('"', '\'', '\\', '\u{22}');
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
    let blanked: String = code_only(r#"f('\'', '"', "s // t", /* c */ x); // d"#)
        .iter()
        .collect();
    assert_eq!(blanked, r#"f('  ', ' ', "      ",         x);     "#);
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
