//! PostgreSQL triggers: dropped before the views go ([`Phase::DropTrigger`]), created once
//! every table, view and function exists ([`Phase::CreateTrigger`]), their enabled state set
//! after ([`Phase::EnableTrigger`]). A changed definition is a drop and a create in the same
//! transaction; a trigger on a table or view being dropped goes with it; a trigger on a
//! view dropped and created again is created again with it.
//!
//! Also the comments kept in `Schema::comments` ([`comments`]): a changed comment is its own
//! `COMMENT ON`, and an object the plan creates again gets its comment back.

use super::{CommentOn, Op, Phase, Steps, TableName};
use crate::diff::Change;
use crate::model::{qualified_key, CommentTarget, Schema, Trigger};
use std::collections::{BTreeMap, BTreeSet};

/// The trigger changes of a changeset, by trigger key.
#[derive(Default)]
pub(crate) struct Triggers {
    drops: BTreeMap<String, Trigger>,
    creates: BTreeMap<String, Trigger>,
    enables: BTreeMap<String, Trigger>,
}

fn key(t: &Trigger) -> String {
    crate::model::trigger_key(&t.table, &t.name)
}

impl Triggers {
    pub(crate) fn add(&mut self, change: &Change) {
        match change {
            Change::DropTrigger(t) => {
                self.drops.insert(key(t), t.clone());
            }
            Change::CreateTrigger(t) => {
                self.creates.insert(key(t), t.clone());
            }
            Change::AlterTrigger { after, .. } => {
                self.enables.insert(key(after), after.clone());
            }
            _ => {}
        }
    }

    /// Trigger `key` dropped (as `from` has it) and created again (as `to` has it).
    pub(crate) fn recreate(&mut self, key: &str, from: &Schema, to: &Schema) {
        if let Some(t) = from.triggers.get(key) {
            self.drops.insert(key.to_string(), t.clone());
        }
        if let Some(t) = to.triggers.get(key) {
            self.creates.insert(key.to_string(), t.clone());
        }
    }

    /// Triggers on a table whose columns are retyped or dropped (`changed`, see
    /// [`super::Steps::changed_columns`]) and whose definition names one of them (`UPDATE
    /// OF` list, `WHEN`): dropped before and created again after (when `to` keeps them), as
    /// the server refuses the change while they exist ("cannot alter type of a column used
    /// in a trigger definition"). A textual check: `pg_depend` facts do not say which
    /// columns a trigger names.
    pub(crate) fn column_users(
        &mut self,
        changed: &BTreeMap<String, Option<BTreeSet<String>>>,
        from: &Schema,
        to: &Schema,
    ) {
        for (k, t) in &from.triggers {
            let Some(Some(columns)) = changed.get(&t.table) else {
                continue;
            };
            let head = ["EXECUTE FUNCTION", "EXECUTE PROCEDURE"]
                .iter()
                .find_map(|w| t.sql.rfind(w).map(|i| &t.sql[..i]))
                .unwrap_or(&t.sql);
            if super::views::reads_any(head, columns) {
                self.recreate(k, from, to);
            }
        }
    }

    /// Plans the triggers. `gone` holds the tables and views the plan drops (for good or to
    /// create again), `back` the views it creates again.
    pub(crate) fn plan(
        mut self,
        steps: &mut Steps,
        gone: &BTreeSet<String>,
        back: &BTreeSet<String>,
        from: &Schema,
        to: &Schema,
    ) {
        for (k, t) in &from.triggers {
            if back.contains(&t.table) {
                if let Some(new) = to.triggers.get(k) {
                    self.creates.entry(k.clone()).or_insert_with(|| new.clone());
                }
            }
        }
        for t in self.drops.values() {
            if !gone.contains(&t.table) {
                steps.push(Phase::DropTrigger, Op::DropTrigger(t.clone()));
            }
        }
        for t in self.creates.values() {
            steps.push(Phase::CreateTrigger, Op::CreateTrigger(t.clone()));
            if t.enabled.is_some() {
                steps.push(Phase::EnableTrigger, Op::EnableTrigger(t.clone()));
            }
        }
        for (k, t) in &self.enables {
            if !self.creates.contains_key(k) {
                steps.push(Phase::EnableTrigger, Op::EnableTrigger(t.clone()));
            }
        }
    }
}

/// Plans the comment changes, then gives every object the plan creates (again) the comment
/// `to` has for it, unless a comment step for it is planned already.
pub(crate) fn comments(steps: &mut Steps, changes: &[&Change], to: &Schema) {
    let mut planned: BTreeSet<String> = BTreeSet::new();
    for c in changes {
        if let Change::Comment { on, after, .. } = c {
            if planned.insert(on.key()) {
                let op = Op::Comment {
                    on: CommentOn::Object(on.clone()),
                    text: after.clone(),
                };
                steps.push(Phase::Comment, op);
            }
        }
    }
    if to.comments.is_empty() {
        return;
    }
    let created: BTreeSet<String> = steps
        .list
        .iter()
        .flat_map(|s| created_keys(&s.op, to))
        .collect();
    for key in created {
        if planned.contains(&key) {
            continue;
        }
        if let Some(c) = to.comments.get(&key) {
            let op = Op::Comment {
                on: CommentOn::Object(c.on.clone()),
                text: Some(c.text.clone()),
            };
            steps.push(Phase::Comment, op);
        }
    }
}

/// The [`CommentTarget::key`]s of what `op` creates.
fn created_keys(op: &Op, to: &Schema) -> Vec<String> {
    let constraint = |t: &TableName, name: &str| {
        CommentTarget::Constraint {
            schema: t.schema.clone(),
            table: t.name.clone(),
            name: name.to_string(),
        }
        .key()
    };
    match op {
        Op::CreateFunction(f) => vec![CommentTarget::Function {
            schema: f.schema.clone(),
            name: f.name.clone(),
            identity_args: f.identity_args.clone(),
            procedure: f.procedure,
        }
        .key()],
        Op::CreateTrigger(t) => vec![format!("trigger {}", key(t))],
        Op::CreatePolicy { table, policy } => vec![CommentTarget::Policy {
            schema: table.schema.clone(),
            table: table.name.clone(),
            name: policy.name.clone(),
        }
        .key()],
        Op::AddConstraint { table, name, .. } => vec![constraint(table, name)],
        Op::CreateIndex(i) | Op::CreateIndexConcurrently(i) => {
            let schema = to
                .tables
                .get(&i.table)
                .and_then(|t| t.schema.clone())
                .or_else(|| to.views.get(&i.table).and_then(|v| v.schema.clone()))
                .unwrap_or_default();
            vec![format!("index {}", qualified_key(&schema, &i.name))]
        }
        Op::CreateDomain(d) => {
            let mut keys = vec![format!("domain {}", qualified_key(&d.schema, &d.name))];
            keys.extend(d.checks.iter().map(|c| {
                format!(
                    "domain constraint {}.{}",
                    qualified_key(&d.schema, &d.name),
                    c.name
                )
            }));
            keys
        }
        Op::AlterDomain {
            schema,
            name,
            action: super::DomainAction::AddCheck { name: check, .. },
        } => vec![format!(
            "domain constraint {}.{check}",
            qualified_key(schema, name)
        )],
        Op::CreateComposite(t) => {
            let key = qualified_key(&t.schema, &t.name);
            let mut keys = vec![format!("type {key}")];
            keys.extend(
                t.attributes
                    .iter()
                    .map(|a| format!("attribute {key}.{}", a.name)),
            );
            keys
        }
        Op::AlterComposite {
            schema,
            name,
            action: super::AttributeAction::Add(a),
        } => vec![format!(
            "attribute {}.{}",
            qualified_key(schema, name),
            a.name
        )],
        Op::CreateRange(r) => vec![format!("type {}", qualified_key(&r.schema, &r.name))],
        Op::CreateSequence(q) => vec![format!("sequence {}", qualified_key(&q.schema, &q.name))],
        Op::CreateSchema(s) => vec![format!("schema {s}")],
        _ => Vec::new(),
    }
}
