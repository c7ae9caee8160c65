//! The field paths of a JSON document, and those docs/json.md lists for each command.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every field path of `v`: `a.b` for field `b` of object `a`, `a[].b` for field `b` of the
/// objects in array `a` (an array of scalars, or an empty one, is only its own path).
pub fn paths(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(v, "", &mut out);
    out
}

fn walk(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                out.insert(path.clone());
                walk(value, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// The fields docs/json.md lists, by section: a `## ` heading names the section (its first
/// word in backticks, or `Errors` as `errors`; `upgrade and downgrade` is `upgrade`), and
/// each table row that starts with a backticked path lists one field.
pub fn documented(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut section = None;
    for line in doc.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            let name = title.trim_start_matches('`');
            let name = name.split(['`', ' ']).next().unwrap_or_default();
            section = Some(name.to_lowercase());
            continue;
        }
        let (Some(section), Some(row)) = (&section, line.strip_prefix("| `")) else {
            continue;
        };
        if let Some((field, _)) = row.split_once('`') {
            out.entry(section.clone())
                .or_default()
                .insert(field.to_string());
        }
    }
    out
}
