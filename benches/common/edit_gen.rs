//! Seeded random edits of a generated PostgreSQL schema, the shapes a user makes, for the
//! incremental reload's tests and `examples/gen_schema.rs --edit` (included with `#[path]`
//! next to `schema_gen.rs`, which it uses as `crate::schema_gen`).
//!
//! A [`Project`] is a [`Model`] with the statements a real `schemas/` also holds: comments
//! on columns and indexes, grants, and a trigger with its function on some tables.
//! [`random_edit`] edits `count` tables, each with one shape drawn from [`SHAPES`]: a column
//! added, dropped, retyped, or its default changed; an index added or dropped; a foreign
//! key added (to an unchanged table) or dropped; a CHECK or UNIQUE added; a comment on a
//! column or on an index changed; a view added over the table; the table dropped (when
//! nothing refers to it) or a new one added; an enum label added.
#![allow(dead_code)]

use crate::schema_gen::{other_default, Col, Kind, Model, Rng, ENUMS};
use std::fmt::Write as _;

/// A statement about one table, kept with it (dropped with it).
#[derive(Clone, Debug)]
pub struct Extra {
    pub table: String,
    /// The index it comments on, when it does: dropped with the index.
    pub index: Option<String>,
    pub sql: String,
}

pub struct Project {
    pub model: Model,
    pub extras: Vec<Extra>,
    /// Labels added to the generator's enum types: (type, label).
    pub labels: Vec<(String, String)>,
}

/// The shapes [`random_edit`] draws from, with their weights.
pub const SHAPES: [(&str, usize); 15] = [
    ("column added", 12),
    ("column dropped", 8),
    ("column retyped", 8),
    ("default changed", 8),
    ("index added", 8),
    ("index dropped", 5),
    ("foreign key added", 8),
    ("foreign key dropped", 5),
    ("check added", 6),
    ("unique added", 5),
    ("column comment changed", 5),
    ("index comment changed", 5),
    ("view added", 4),
    ("table dropped", 4),
    ("table added", 5),
];

impl Project {
    /// `model` with comments on every 7th table's first column and index, a grant on every
    /// 9th table, and a trigger (with its function) on every 25th.
    pub fn new(model: Model) -> Project {
        let mut extras = Vec::new();
        for (i, t) in model.tables.iter().enumerate() {
            let name = &t.name;
            if i % 7 == 3 {
                extras.push(Extra {
                    table: name.clone(),
                    index: None,
                    sql: format!("COMMENT ON COLUMN {name}.id IS 'the key of {name}'"),
                });
                if let Some(ix) = t.indexes.first().and_then(|s| index_name(s)) {
                    extras.push(Extra {
                        table: name.clone(),
                        index: Some(ix.clone()),
                        sql: format!("COMMENT ON INDEX {ix} IS 'for lookups'"),
                    });
                }
            }
            if i % 9 == 4 {
                extras.push(Extra {
                    table: name.clone(),
                    index: None,
                    sql: format!("GRANT SELECT ON {name} TO PUBLIC"),
                });
            }
            if i % 25 == 5 {
                extras.push(Extra {
                    table: name.clone(),
                    index: None,
                    sql: format!("CREATE FUNCTION {name}_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND\n$$"),
                });
                extras.push(Extra {
                    table: name.clone(),
                    index: None,
                    sql: format!("CREATE TRIGGER {name}_touch BEFORE UPDATE ON {name} FOR EACH ROW EXECUTE FUNCTION {name}_touch()"),
                });
            }
        }
        Project {
            model,
            extras,
            labels: Vec::new(),
        }
    }

    /// The declared file.
    pub fn sql(&self) -> String {
        let mut s = String::new();
        for stmt in self.model.statements() {
            let stmt = self.with_labels(stmt);
            if stmt.starts_with("CREATE TABLE") || stmt.starts_with("CREATE VIEW") {
                s.push('\n');
            }
            writeln!(s, "{stmt};").unwrap();
        }
        for e in &self.extras {
            let Some(t) = self.model.tables.iter().find(|t| t.name == e.table) else {
                continue;
            };
            let index_there = e.index.as_ref().is_none_or(|ix| {
                t.indexes
                    .iter()
                    .any(|s| index_name(s).as_deref() == Some(ix.as_str()))
            });
            if index_there {
                writeln!(s, "{};", e.sql).unwrap();
            }
        }
        s
    }

    fn with_labels(&self, stmt: String) -> String {
        let mut stmt = stmt;
        for (ty, label) in &self.labels {
            if stmt.starts_with(&format!("CREATE TYPE {ty} AS ENUM (")) {
                stmt = format!("{}, '{label}')", &stmt[..stmt.len() - 1]);
            }
        }
        stmt
    }
}

/// The name in `CREATE INDEX name ON …`.
fn index_name(sql: &str) -> Option<String> {
    let rest = sql.strip_prefix("CREATE INDEX ")?;
    Some(rest.split_whitespace().next()?.to_string())
}

/// Whether any other table's foreign key, view or extra statement names `name`.
fn referenced(p: &Project, name: &str) -> bool {
    let key = format!("{name} (");
    let join = format!("JOIN {name} ");
    p.model.tables.iter().filter(|t| t.name != name).any(|t| {
        t.cols
            .iter()
            .any(|c| c.references.as_deref().is_some_and(|r| r.starts_with(&key)))
            || t.view.as_deref().is_some_and(|v| v.contains(&join))
    })
}

/// Edits `count` tables of `p` (at least one), each with a shape drawn by `seed`; an enum
/// label is added too with one chance in four. Returns the shapes applied, in order.
pub fn random_edit(p: &mut Project, seed: u64, count: usize) -> Vec<&'static str> {
    let mut rng = Rng(0xed17_0000 ^ seed.wrapping_mul(0x9e37_79b9));
    let weights: Vec<usize> = SHAPES.iter().map(|s| s.1).collect();
    let mut done = Vec::new();
    let mut touched: Vec<String> = Vec::new();
    for k in 0..count.max(1) {
        let n = p.model.tables.len();
        let i = (0..n)
            .map(|_| rng.below(n))
            .find(|&i| !touched.contains(&p.model.tables[i].name))
            .unwrap_or(0);
        let name = p.model.tables[i].name.clone();
        touched.push(name.clone());
        let mut shape = SHAPES[rng.weighted(&weights)].0;
        if !apply(p, &mut rng, i, shape, seed, k) {
            // What does not fit the table: an index added, which always does.
            shape = "index added";
            apply(p, &mut rng, i, shape, seed, k);
        }
        done.push(shape);
    }
    if rng.percent(25) {
        let (ty, _) = ENUMS[rng.below(ENUMS.len())];
        p.labels
            .push((ty.to_string(), format!("added_{seed}_{}", p.labels.len())));
        done.push("enum label added");
    }
    done
}

/// Applies `shape` to table `i`; whether it fitted.
fn apply(p: &mut Project, rng: &mut Rng, i: usize, shape: &str, seed: u64, k: usize) -> bool {
    let tag = format!("e{seed}_{k}");
    let name = p.model.tables[i].name.clone();
    let targets: Vec<(String, &'static str)> = (p.model.tables.iter())
        .filter(|t| t.name != name)
        .filter_map(|t| t.key_type.map(|ty| (t.name.clone(), ty)))
        .collect();
    let t = &mut p.model.tables[i];
    let free = |c: &Col| !c.pinned && !c.primary_key && c.identity.is_none();
    match shape {
        "column added" => {
            let mut c = Col::new(format!("added_{tag}"), "text".into(), Kind::Text);
            if rng.percent(40) {
                c = Col::new(format!("added_{tag}"), "boolean".into(), Kind::Bool);
                c.not_null = true;
                c.default = Some("false".into());
            }
            t.cols.push(c);
        }
        "column dropped" => match t.cols.iter().rposition(free) {
            Some(j) => {
                t.cols.remove(j);
            }
            None => return false,
        },
        "column retyped" => {
            let Some(c) = t
                .cols
                .iter_mut()
                .find(|c| free(c) && matches!(c.kind, Kind::Int | Kind::Varchar | Kind::Numeric))
            else {
                return false;
            };
            c.ty = match c.kind {
                Kind::Int => "bigint".into(),
                Kind::Varchar => "text".into(),
                _ => {
                    let (p_, s) = c.ty["numeric(".len()..c.ty.len() - 1]
                        .split_once(',')
                        .expect("numeric(p,s)");
                    format!("numeric({},{s})", p_.parse::<u32>().expect("precision") + 2)
                }
            };
        }
        "default changed" => {
            let Some(c) = t.cols.iter_mut().find(|c| {
                free(c) && matches!(c.kind, Kind::Int | Kind::Numeric | Kind::Bool | Kind::Text)
            }) else {
                return false;
            };
            c.default = Some(other_default(c).into());
        }
        "index added" => {
            let j = rng.below(t.cols.len());
            t.cols[j].pinned = true;
            let col = &t.cols[j].name;
            t.indexes
                .push(format!("CREATE INDEX {name}_{tag} ON {name} ({col}, id)"));
        }
        "index dropped" => {
            if t.indexes.pop().is_none() {
                return false;
            }
        }
        "foreign key added" => {
            if targets.is_empty() {
                return false;
            }
            let (parent, ty) = &targets[rng.below(targets.len())];
            let kind = if *ty == "uuid" { Kind::Uuid } else { Kind::Big };
            let mut c = Col::new(format!("{parent}_{tag}"), (*ty).into(), kind);
            c.references = Some(format!("{parent} (id) ON DELETE SET NULL"));
            c.pinned = true;
            t.cols.push(c);
        }
        "foreign key dropped" => match t.cols.iter_mut().find(|c| c.references.is_some()) {
            Some(c) => c.references = None,
            None => return false,
        },
        "check added" => {
            let Some(c) = (t.cols.iter_mut())
                .find(|c| matches!(c.kind, Kind::Int | Kind::Numeric) && c.check.is_none())
            else {
                return false;
            };
            // Unnamed: PostgreSQL names it `<table>_<column>_check`.
            c.check = Some(format!("{} > -1", c.name));
            c.pinned = true;
        }
        "unique added" => {
            let Some(c) = (t.cols.iter_mut())
                .find(|c| matches!(c.kind, Kind::Varchar | Kind::Uuid) && !c.unique)
            else {
                return false;
            };
            c.unique = true;
            c.pinned = true;
        }
        "column comment changed" => {
            p.extras.push(Extra {
                table: name.clone(),
                index: None,
                sql: format!("COMMENT ON COLUMN {name}.id IS 'edited {tag}'"),
            });
        }
        "index comment changed" => {
            let Some(ix) = t.indexes.first().and_then(|s| index_name(s)) else {
                return false;
            };
            p.extras.push(Extra {
                table: name.clone(),
                index: Some(ix.clone()),
                sql: format!("COMMENT ON INDEX {ix} IS 'edited {tag}'"),
            });
        }
        "view added" => {
            p.extras.push(Extra {
                table: name.clone(),
                index: None,
                sql: format!("CREATE VIEW v_{name}_{tag} AS SELECT id FROM {name}"),
            });
        }
        "table dropped" => {
            let has_view = t.view.is_some();
            if has_view || referenced(p, &name) {
                return false;
            }
            p.model.tables.remove(i);
        }
        "table added" => {
            // A copy of this table under a new name, with its own indexes and constraints.
            let mut copy = t.clone();
            let new = format!("{name}_{tag}");
            let rename = |s: &str| {
                (s.replace(&format!("{name} "), "\u{0} "))
                    .replace(&format!("{name}_"), "\u{0}_")
                    .replace('\u{0}', &new)
            };
            copy.name = new.clone();
            copy.indexes = copy.indexes.iter().map(|s| rename(s)).collect();
            copy.constraints = copy.constraints.iter().map(|s| rename(s)).collect();
            copy.view = None;
            p.model.tables.push(copy);
        }
        _ => return false,
    }
    true
}
