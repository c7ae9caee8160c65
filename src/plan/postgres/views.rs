//! Views around table changes: which views a change forces to be dropped and created again,
//! and in what order.
//!
//! PostgreSQL refuses to drop or retype a column a view reads, and lets everything else
//! happen under a view. A view is re-created when it reads, directly or through other
//! views, a table whose change concerns every reader (a rename, an enum type re-created),
//! or a column that is dropped or retyped. Which columns a view reads comes from its
//! definition as the server prints it (`pg_get_viewdef` names every column it reads,
//! `*` expanded; a whole-row reference prints as `alias.*`): a view whose text names
//! none of the changed columns and has no whole-row reference is left alone. Words are
//! compared, not resolved, so a view naming a column of another table with the same name
//! is re-created too: over-approximating costs one re-created view, never a failed script.

use super::{hazard, CommentOn, Op, Phase, Steps, TableName};
use crate::model::{Schema, View};
use crate::plan::order::dependency_order;
use crate::plan::{Hazard, HazardKind};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn view_key(v: &View) -> String {
    crate::model::qualified_key(v.schema.as_deref().unwrap_or(""), &v.name)
}

/// Adds to the drop/create lists every view that reads (directly or through other views) a
/// table in `affected` — only the changed columns of it when `changed` says which — or a
/// view being dropped. A worklist over the readers of each object, so a long chain costs
/// linear time.
pub(crate) fn dependent_views(
    views: &mut (Vec<View>, Vec<View>),
    affected: &BTreeSet<String>,
    changed: &BTreeMap<String, Option<BTreeSet<String>>>,
    from: &Schema,
    to: &Schema,
) {
    let mut readers: BTreeMap<&str, Vec<&View>> = BTreeMap::new();
    for v in from.views.values() {
        for d in &v.depends_on {
            readers.entry(d.as_str()).or_default().push(v);
        }
    }
    let mut dropped: BTreeSet<String> = views.0.iter().map(view_key).collect();
    let mut created: BTreeSet<String> = views.1.iter().map(view_key).collect();
    let mut todo: Vec<String> = affected.iter().chain(dropped.iter()).cloned().collect();
    while let Some(hit) = todo.pop() {
        // A view being dropped, or a table changed as a whole, reaches every reader.
        let columns = match changed.get(&hit) {
            Some(Some(columns)) if !dropped.contains(&hit) => Some(columns),
            _ => None,
        };
        for v in readers.get(hit.as_str()).into_iter().flatten() {
            if columns.is_some_and(|c| !reads_any(&v.sql, c)) {
                continue;
            }
            let key = view_key(v);
            if !dropped.insert(key.clone()) {
                continue;
            }
            views.0.push((*v).clone());
            if let Some(new) = to.views.get(&key) {
                if created.insert(key.clone()) {
                    views.1.push(new.clone());
                }
            }
            todo.push(key);
        }
    }
}

/// Whether view text `sql` may read one of `columns`: it names one of them (a word, quoted
/// or not), has a whole-row reference (`alias.*`), or cannot be tokenized.
pub(crate) fn reads_any(sql: &str, columns: &BTreeSet<String>) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
        return true;
    };
    let mut previous: Option<&Token> = None;
    for t in &tokens {
        match t {
            Token::Word(w) => {
                let name = match w.quote_style {
                    Some(_) => w.value.clone(),
                    None => w.value.to_lowercase(),
                };
                if columns.contains(&name) {
                    return true;
                }
            }
            Token::Mul if matches!(previous, Some(Token::Period)) => return true,
            _ => {}
        }
        if !matches!(t, Token::Whitespace(_)) {
            previous = Some(t);
        }
    }
    false
}

/// A view whose only change is its comment gets `COMMENT ON`, not a drop and a create
/// (which would lose its grants): the pair leaves `views`.
pub(crate) fn comment_only(steps: &mut Steps, views: &mut (Vec<View>, Vec<View>)) {
    let bare = |v: &View| View {
        comment: None,
        ..v.clone()
    };
    let mut commented = Vec::new();
    for old in &views.0 {
        if let Some(new) = views
            .1
            .iter()
            .find(|n| view_key(n) == view_key(old) && bare(n) == bare(old))
        {
            commented.push(new.clone());
        }
    }
    for v in &commented {
        let key = view_key(v);
        views.0.retain(|o| view_key(o) != key);
        views.1.retain(|n| view_key(n) != key);
        steps.push(Phase::Comment, view_comment(v));
    }
}

/// Drops the `COMMENT ON` of [`comment_only`] for a view that is created again anyway
/// (its create sets the comment).
pub(crate) fn comments_with_creates(steps: &mut Steps, creates: &[View]) {
    steps.list.retain(|s| match &s.op {
        Op::Comment {
            on: CommentOn::View { view, .. },
            ..
        } if s.phase == Phase::Comment => !creates
            .iter()
            .any(|v| v.name == view.name && v.schema.as_deref().unwrap_or("") == view.schema),
        _ => true,
    });
}

fn view_comment(v: &View) -> Op {
    Op::Comment {
        on: CommentOn::View {
            view: TableName {
                schema: v.schema.clone().unwrap_or_default(),
                name: v.name.clone(),
            },
            materialized: v.materialized,
        },
        text: v.comment.clone(),
    }
}

/// What a view dropped and created again does not get back: what schemadiff does not model
/// on it (grants, `INSTEAD OF` triggers, rules), as a blocking hazard naming the view. What
/// it models (the comment, a materialized view's indexes, its triggers) is created again
/// with it.
fn lost(key: &str, new: &View, to: &Schema) -> Hazard {
    let mut back = Vec::new();
    if new.comment.is_some() {
        back.push("its comment");
    }
    if !new.indexes.is_empty() {
        back.push("its indexes");
    }
    if to.triggers.values().any(|t| t.table == key) {
        back.push("its triggers");
    }
    let restored = match back.as_slice() {
        [] => String::new(),
        ["its comment"] => "its comment comes back, but ".to_string(),
        _ => format!("{} come back, but ", back.join(" and ")),
    };
    let detail = format!(
        "view {key} is dropped and created again: {restored}grants on it and rules it may have are lost (schemadiff does not model them); grant or create them again after the script"
    );
    hazard(HazardKind::RecreatesView, detail)
}

/// Drops in reverse dependency order, creates in dependency order, comments after. A view
/// dropped and created again carries a [`HazardKind::RecreatesView`] hazard.
pub(crate) fn order_views(
    steps: &mut Steps,
    views: (Vec<View>, Vec<View>),
    from: &Schema,
    to: &Schema,
) {
    let (drops, creates) = views;
    let edges = |s: &Schema| -> Vec<(String, String)> {
        s.views
            .values()
            .flat_map(|v| v.depends_on.iter().map(move |d| (d.clone(), view_key(v))))
            .collect()
    };
    let drops: BTreeMap<String, View> = drops.into_iter().map(|v| (view_key(&v), v)).collect();
    let keys: BTreeSet<String> = drops.keys().cloned().collect();
    let mut order = dependency_order(&keys, &edges(from));
    order.reverse();
    let creates: BTreeMap<String, View> = creates.into_iter().map(|v| (view_key(&v), v)).collect();
    for key in order {
        if let Some(v) = drops.get(key) {
            let hazards = creates
                .get(key)
                .map(|new| lost(key, new, to))
                .into_iter()
                .collect();
            steps.risky(Phase::DropView, Op::DropView(v.clone()), hazards);
        }
    }
    let keys: BTreeSet<String> = creates.keys().cloned().collect();
    for key in dependency_order(&keys, &edges(to)) {
        if let Some(v) = creates.get(key) {
            steps.push(Phase::CreateView, Op::CreateView(v.clone()));
            for index in v.indexes.values() {
                steps.push(Phase::CreateViewIndex, Op::CreateIndex(index.clone()));
            }
            if v.comment.is_some() {
                steps.push(Phase::CreateView, view_comment(v));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reads_any;
    use std::collections::BTreeSet;

    fn reads(sql: &str, col: &str) -> bool {
        reads_any(sql, &BTreeSet::from([col.to_string()]))
    }

    #[test]
    fn a_view_reads_the_columns_it_names() {
        let sql = "CREATE VIEW public.v AS SELECT o.id, o.\"Total\" FROM public.orders o WHERE o.note <> 'status'";
        assert!(reads(sql, "id"));
        assert!(reads(sql, "Total"));
        assert!(!reads(sql, "total"), "a quoted name keeps its case");
        assert!(reads(sql, "note"));
        assert!(!reads(sql, "status"), "a string is not a column");
        assert!(!reads(sql, "amount"));
    }

    #[test]
    fn a_whole_row_reference_reads_every_column() {
        assert!(reads(
            "CREATE VIEW v AS SELECT row_to_json(o.*) AS j FROM orders o",
            "amount"
        ));
        assert!(reads("CREATE VIEW v AS SELECT o.* FROM orders o", "amount"));
        assert!(!reads(
            "CREATE VIEW v AS SELECT 2 * 3 AS six FROM orders o",
            "amount"
        ));
    }
}
