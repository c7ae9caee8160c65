//! The ~5 % changed variant of the generated schema ([`change`]), part of `schema_gen.rs`
//! (included from it with `#[path]`).

use super::*;

/// What the changed variant did.
#[derive(Default, Debug)]
pub struct Edits {
    pub changed_tables: usize,
    pub added_columns: usize,
    pub dropped_columns: usize,
    pub retyped_columns: usize,
    pub changed_defaults: usize,
    pub added_indexes: usize,
    pub dropped_indexes: usize,
    pub added_foreign_keys: usize,
    pub dropped_foreign_keys: usize,
    pub added_tables: usize,
    pub dropped_tables: usize,
}

/// The ~5 % changed variant. Every 20th table (5 %) gets one edit, in turn: a column added
/// (every other one `boolean NOT NULL DEFAULT false`, else `text`), a column dropped, a default changed, an index
/// added, an index dropped, a column retyped (`integer` → `bigint`, `varchar(n)` → `text`,
/// wider `numeric`), a foreign key added (with its new column), a foreign key dropped (the
/// column stays). Then 1 % of the tables are dropped (ones no other table or view refers
/// to) and as many new tables are added at the end. An edit that does not fit its table
/// falls back to adding an index.
pub fn change(model: &mut Model) -> Edits {
    let mut edits = Edits::default();
    let n = model.tables.len();
    let targets: Vec<(String, &'static str)> = model
        .tables
        .iter()
        .filter_map(|t| t.key_type.map(|k| (t.name.clone(), k)))
        .collect();
    for i in 0..n {
        if i % 20 != 10 {
            continue;
        }
        edits.changed_tables += 1;
        let t = &mut model.tables[i];
        let mut kind = (i / 20) % 8;
        if kind == 1 {
            match t.cols.iter().rposition(|c| !c.pinned && !c.primary_key) {
                Some(j) => {
                    t.cols.remove(j);
                    edits.dropped_columns += 1;
                }
                None => kind = 3,
            }
        }
        if kind == 2 {
            let target = t.cols.iter_mut().find(|c| {
                c.identity.is_none() && !c.primary_key && c.references.is_none() && {
                    matches!(c.kind, Kind::Int | Kind::Numeric | Kind::Bool | Kind::Text)
                }
            });
            match target {
                Some(c) => {
                    c.default = Some(other_default(c).into());
                    edits.changed_defaults += 1;
                }
                None => kind = 3,
            }
        }
        if kind == 5 {
            let target = t.cols.iter_mut().find(|c| {
                !c.pinned
                    && !c.primary_key
                    && matches!(c.kind, Kind::Int | Kind::Varchar | Kind::Numeric)
            });
            match target {
                Some(c) => {
                    c.ty = match c.kind {
                        Kind::Int => "bigint".into(),
                        Kind::Varchar => "text".into(),
                        _ => {
                            let (p, s) = c.ty["numeric(".len()..c.ty.len() - 1]
                                .split_once(',')
                                .expect("numeric(p,s)");
                            let p: u32 = p.parse().expect("precision");
                            format!("numeric({},{s})", p + 2)
                        }
                    };
                    edits.retyped_columns += 1;
                }
                None => kind = 3,
            }
        }
        if kind == 6 {
            // To the nearest table at least 5 back that can be a target.
            let parent = targets.iter().rev().find(|(name, _)| {
                *name < t.name && name.as_str() <= format!("t{:04}", i - 5).as_str()
            });
            match parent {
                Some((parent, ty)) => {
                    let kind = if *ty == "uuid" { Kind::Uuid } else { Kind::Big };
                    let mut c = Col::new(format!("added_{parent}_id"), (*ty).into(), kind);
                    c.references = Some(format!("{parent} (id) ON DELETE SET NULL"));
                    c.pinned = true;
                    t.cols.push(c);
                    edits.added_foreign_keys += 1;
                }
                None => kind = 3,
            }
        }
        if kind == 7 {
            match t.cols.iter_mut().find(|c| c.references.is_some()) {
                Some(c) => {
                    c.references = None;
                    edits.dropped_foreign_keys += 1;
                }
                None => kind = 3,
            }
        }
        match kind {
            0 => {
                let mut c = Col::new("added_note".into(), "text".into(), Kind::Text);
                if i % 320 == 10 {
                    c = Col::new("added_flag".into(), "boolean".into(), Kind::Bool);
                    c.not_null = true;
                    c.default = Some("false".into());
                }
                t.cols.push(c);
                edits.added_columns += 1;
            }
            3 => {
                t.indexes.push(format!(
                    "CREATE INDEX {n}_added ON {n} (id DESC)",
                    n = t.name
                ));
                edits.added_indexes += 1;
            }
            4 => {
                t.indexes.pop();
                edits.dropped_indexes += 1;
            }
            _ => {}
        }
    }

    // 1 % of the tables dropped: from table 55 of each hundred on, the first one that no
    // other table's foreign key or view names and that the edits above left alone.
    let referenced = |tables: &[Table], name: &str| -> bool {
        let prefix = format!("{name} ");
        tables.iter().any(|t| {
            t.cols.iter().any(|c| {
                c.references
                    .as_deref()
                    .is_some_and(|r| r.starts_with(&prefix))
            }) || t
                .view
                .as_deref()
                .is_some_and(|v| v.contains(&format!("JOIN {name} ")) && t.name != name)
        })
    };
    let mut dropped = Vec::new();
    for start in (55..n).step_by(100) {
        let end = (start + 40).min(n);
        let free = |j: &usize| j % 20 != 10 && !referenced(&model.tables, &model.tables[*j].name);
        if let Some(j) = (start..end).find(free) {
            dropped.push(j);
        }
    }
    if dropped.is_empty() && n > 1 {
        // Small schemas: the last table is never referenced.
        dropped.push(n - 1);
    }
    for &j in dropped.iter().rev() {
        model.tables.remove(j);
        edits.dropped_tables += 1;
    }

    // As many new tables, generated like the others, with foreign keys to existing ones.
    let mut rng = Rng(0xadd0_0000 + n as u64);
    for k in 0..dropped.len() {
        let t = table(
            &mut rng,
            n + k,
            format!("added_t{k:03}"),
            &model.tables,
            model.dialect,
        );
        model.tables.push(t);
        edits.added_tables += 1;
    }
    edits
}

/// Another default for an integer, numeric, boolean or text column than the one it has.
pub fn other_default(c: &Col) -> &'static str {
    match (c.kind, c.default.as_deref()) {
        (Kind::Bool, Some("false")) => "true",
        (Kind::Bool, _) => "false",
        (Kind::Text, Some("''")) => "'n/a'",
        (Kind::Text, _) => "''",
        (_, Some("0")) => "1",
        _ => "0",
    }
}
