//! Functions and procedures, domains, composite and range types: created, replaced,
//! dropped, and dropped and created again, each in dependency order across the kinds.
//!
//! What is created goes in the earliest phase its dependencies allow ([`create_phase`]):
//! before the tables ([`Phase::CreateRoutine`]: tables' defaults, CHECKs, indexes and
//! generated columns may call it), after the new tables whose row type it takes
//! ([`Phase::CreateLateRoutine`]), after the new views whose row type it takes
//! ([`Phase::CreateAfterViews`]); within a phase in topological order over `depends_on`
//! (a function before the domain whose CHECK calls it, a domain before the function taking
//! it). Drops go last ([`Phase::DropRoutine`]), in reverse order, except those taking the
//! row type of a table being dropped, which go before it ([`Phase::DropRowTypeRoutine`]).
//!
//! A function whose result type, procedure-ness or parameters change cannot be replaced
//! (PostgreSQL: "cannot change return type of existing function", "cannot change name of
//! input parameter", "cannot remove parameter defaults from existing function"): it is
//! dropped once what depends on it is gone ([`Phase::DropReplacedRoutine`], after the
//! tables are dropped) and created again before anything is created
//! ([`Phase::CreateReplacedRoutine`]); its dependents (from the server's `pg_depend`, in
//! `from.dependents`) are dropped before and made again after ([`recreate_dependents`]).

use super::{hazard, Op, Phase, Steps, TableName};
use crate::model::{
    qualified_key, CompositeType, Dependent, Domain, Function, RangeType, Schema, Table, View,
};
use crate::plan::order::dependency_order;
use crate::plan::{Hazard, HazardKind};
use std::collections::{BTreeMap, BTreeSet};

mod column_users;

/// An object of the kinds planned here.
#[derive(Debug, Clone)]
pub(crate) enum Routine {
    Function(Function),
    Domain(Domain),
    Composite(CompositeType),
    Range(RangeType),
}

impl Routine {
    pub(crate) fn key(&self) -> String {
        match self {
            Routine::Function(f) => f.key(),
            Routine::Domain(d) => qualified_key(&d.schema, &d.name),
            Routine::Composite(t) => qualified_key(&t.schema, &t.name),
            Routine::Range(r) => qualified_key(&r.schema, &r.name),
        }
    }

    fn depends_on(&self) -> &[String] {
        match self {
            Routine::Function(f) => &f.depends_on,
            Routine::Domain(d) => &d.depends_on,
            Routine::Composite(t) => &t.depends_on,
            Routine::Range(r) => &r.depends_on,
        }
    }

    /// What it is, for hazard texts: `function public.f(a integer)`, `domain public.d`.
    pub(crate) fn describe(&self) -> String {
        let kind = match self {
            Routine::Function(f) if f.procedure => "procedure",
            Routine::Function(_) => "function",
            Routine::Domain(_) => "domain",
            Routine::Composite(_) => "type",
            Routine::Range(_) => "range type",
        };
        format!("{kind} {}", self.key())
    }

    /// The steps that create it. A domain's `NOT VALID` CHECKs are added after it:
    /// `CREATE DOMAIN` refuses them ("check constraints for domains cannot be marked NOT
    /// VALID").
    fn create(&self, replace: bool) -> Vec<Op> {
        match self {
            Routine::Function(f) if replace => vec![Op::ReplaceFunction(f.clone())],
            Routine::Function(f) => vec![Op::CreateFunction(f.clone())],
            Routine::Domain(d) => {
                let (later, now): (Vec<_>, Vec<_>) =
                    d.checks.iter().cloned().partition(|c| !c.valid);
                let mut ops = vec![Op::CreateDomain(Domain {
                    checks: now,
                    ..d.clone()
                })];
                for c in later {
                    ops.push(Op::AlterDomain {
                        schema: d.schema.clone(),
                        name: d.name.clone(),
                        action: super::DomainAction::AddCheck {
                            definition: super::domains::bare_check(&c.definition),
                            name: c.name,
                            not_valid: true,
                        },
                    });
                }
                ops
            }
            Routine::Composite(t) => vec![Op::CreateComposite(t.clone())],
            Routine::Range(r) => vec![Op::CreateRange(r.clone())],
        }
    }

    fn drop(&self) -> Op {
        match self {
            Routine::Function(f) => Op::DropFunction(f.clone()),
            Routine::Domain(d) => Op::DropDomain(d.clone()),
            Routine::Composite(t) => Op::DropComposite(t.clone()),
            Routine::Range(r) => Op::DropRange(r.clone()),
        }
    }
}

/// The routine changes of a changeset, planned together once all are known (see
/// [`Routines::finish`]).
#[derive(Default)]
pub(crate) struct Routines {
    creates: Vec<Routine>,
    /// `CREATE OR REPLACE` in place.
    replaces: Vec<Function>,
    /// Dropped and created again, with the hazards of the drop.
    recreates: Vec<(Routine, Routine, Vec<Hazard>)>,
    drops: Vec<Routine>,
    /// Drops that must happen before a re-created function goes (they depend on it).
    early_drops: Vec<Routine>,
    /// Views (keys) dropped and created again around a re-created routine they use.
    views: BTreeSet<String>,
    /// Re-created functions created after the tables are altered (their body names a
    /// column the plan changes).
    late: BTreeSet<String>,
}

impl Routines {
    pub(crate) fn create(&mut self, r: Routine) {
        self.creates.push(r);
    }

    pub(crate) fn drop(&mut self, r: Routine) {
        self.drops.push(r);
    }

    pub(crate) fn recreate(&mut self, old: Routine, new: Routine, hazards: Vec<Hazard>) {
        self.recreates.push((old, new, hazards));
    }

    /// Views `keys` are dropped and created again around the re-created routines.
    pub(crate) fn recreate_views(&mut self, keys: BTreeSet<String>) {
        self.views.extend(keys);
    }

    /// A function whose definition changed: replaced in place when PostgreSQL allows it.
    pub(crate) fn replace(&mut self, before: &Function, after: &Function) {
        if replaceable(before, after) {
            self.replaces.push(after.clone());
        } else {
            let why = recreate_reason(before, after);
            let old = Routine::Function(before.clone());
            self.recreates
                .push((old, Routine::Function(after.clone()), vec![why]));
        }
    }

    /// Plans everything collected: range types changed, functions re-created with their
    /// dependents (views go into `views`, triggers into `triggers`), creates and drops in
    /// order.
    pub(crate) fn finish(
        mut self,
        steps: &mut Steps,
        views: &mut (Vec<View>, Vec<View>),
        triggers: &mut super::triggers::Triggers,
        from: &Schema,
        to: &Schema,
    ) {
        self.pair_ranges(from);
        self.pair_signatures();
        self.column_users(&steps.changed_columns, from, to);
        self.close_over_functions(from, to);
        for k in std::mem::take(&mut self.views) {
            recreate_view(views, &k, from, to);
        }
        // The steps making each re-created function's dependents again, by its new key.
        let mut remade: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for (old, new, hazards) in &mut self.recreates {
            if let (Routine::Function(f), Routine::Function(_)) = (&*old, &*new) {
                let start = steps.list.len();
                recreate_dependents(steps, views, triggers, f, from, to, hazards);
                remade.push((new.key(), start..steps.list.len()));
            }
        }
        let mut created: Vec<(Routine, bool, bool)> = Vec::new();
        created.extend(self.creates.into_iter().map(|r| (r, false, false)));
        created.extend(
            self.replaces
                .into_iter()
                .map(|f| (Routine::Function(f), false, true)),
        );
        let mut replaced_drops = self.early_drops;
        let mut drop_hazards: BTreeMap<String, Vec<Hazard>> = BTreeMap::new();
        for (old, new, hazards) in self.recreates {
            drop_hazards.insert(old.key(), hazards);
            replaced_drops.push(old);
            created.push((new, true, false));
        }
        let views_gone: BTreeSet<String> = (from.views.keys())
            .filter(|k| !to.views.contains_key(*k))
            .cloned()
            .collect();
        let tables_gone: BTreeSet<String> = (from.tables.keys())
            .filter(|k| !to.tables.contains_key(*k))
            .cloned()
            .collect();
        let view_typed = row_typed_drops(&mut self.drops, views_gone);
        let view_phase = Phase::DropViewRowTypeRoutine;
        order_drops(steps, view_typed, view_phase, BTreeMap::new());
        let row_typed = row_typed_drops(&mut self.drops, tables_gone);
        order_drops(steps, row_typed, Phase::DropRowTypeRoutine, BTreeMap::new());
        order_drops(
            steps,
            replaced_drops,
            Phase::DropReplacedRoutine,
            drop_hazards,
        );
        order_drops(steps, self.drops, Phase::DropRoutine, BTreeMap::new());
        let phase_of = order_creates(steps, created, &self.late, from, to);
        remake_after(steps, &remade, &phase_of);
    }

    /// A function dropped and one created with the same name and number of input
    /// parameters (one each) may be the same function whose parameter names or `OUT`
    /// parameters changed (the identity arguments name the `OUT` ones too, but the server
    /// tells functions apart by their input types: "function … already exists with same
    /// argument types", "cannot change return type of existing function"): the old one is
    /// dropped, with its dependents, before the new one is created.
    fn pair_signatures(&mut self) {
        let sig = |r: &Routine| match r {
            Routine::Function(f) => Some((f.schema.clone(), f.name.clone(), input_arity(f))),
            _ => None,
        };
        let count = |list: &[Routine], s: &(String, String, usize)| {
            list.iter().filter(|r| sig(r).as_ref() == Some(s)).count()
        };
        let mut i = 0;
        while i < self.drops.len() {
            let Some(s) = sig(&self.drops[i]) else {
                i += 1;
                continue;
            };
            let j = self
                .creates
                .iter()
                .position(|r| sig(r).as_ref() == Some(&s));
            let (Some(j), 1, 1) = (j, count(&self.drops, &s), count(&self.creates, &s)) else {
                i += 1;
                continue;
            };
            let (old, new) = (self.drops.remove(i), self.creates.remove(j));
            let detail = format!(
                "{} is dropped and {} created in its place (same name and number of input parameters: PostgreSQL may take them for the same signature): grants on it are lost, and what depends on it is dropped and made again",
                old.describe(),
                new.describe()
            );
            let hz = vec![hazard(HazardKind::RecreatesFunction, detail)];
            self.recreates.push((old, new, hz));
        }
    }

    /// Functions whose `BEGIN ATOMIC` body calls a re-created function are re-created with
    /// it (or, when they go anyway, dropped before it).
    fn close_over_functions(&mut self, from: &Schema, to: &Schema) {
        let mut todo: Vec<String> = self
            .recreates
            .iter()
            .filter(|(o, _, _)| matches!(o, Routine::Function(_)))
            .map(|(o, _, _)| o.key())
            .collect();
        let mut seen: BTreeSet<String> = todo.iter().cloned().collect();
        while let Some(key) = todo.pop() {
            for d in from.dependents.of(&key) {
                let Dependent::Function(k) = d else { continue };
                if !seen.insert(k.clone()) {
                    continue;
                }
                let Some(old) = from.functions.get(k) else {
                    continue;
                };
                if let Some(i) = self.drops.iter().position(|r| r.key() == *k) {
                    self.early_drops.push(self.drops.remove(i));
                    continue;
                }
                let Some(new) = to.functions.get(k) else {
                    continue;
                };
                self.replaces.retain(|f| f.key() != *k);
                let detail = format!(
                    "{} is dropped and created again with {}, which it calls: grants on it are lost",
                    Routine::Function(old.clone()).describe(),
                    key
                );
                let hz = vec![hazard(HazardKind::RecreatesFunction, detail)];
                let (old, new) = (
                    Routine::Function(old.clone()),
                    Routine::Function(new.clone()),
                );
                self.recreates.push((old, new, hz));
                todo.push(k.clone());
            }
        }
    }
}

/// Takes out of `drops` the routines that take the row type of a table or view the plan
/// drops (keys in `early`), and those that need them: `DROP TABLE` and `DROP VIEW` refuse
/// while a function's signature names its row type, so they go before it.
fn row_typed_drops(drops: &mut Vec<Routine>, mut early: BTreeSet<String>) -> Vec<Routine> {
    let mut out = Vec::new();
    loop {
        let (now, rest): (Vec<Routine>, Vec<Routine>) = std::mem::take(drops)
            .into_iter()
            .partition(|r| r.depends_on().iter().any(|d| early.contains(d)));
        *drops = rest;
        if now.is_empty() {
            return out;
        }
        early.extend(now.iter().map(Routine::key));
        out.extend(now);
    }
}

/// The parameters of an argument list (split at commas outside parentheses and quotes),
/// trimmed.
pub(crate) fn split_args(args: &str) -> Vec<&str> {
    if args.trim().is_empty() {
        return Vec::new();
    }
    let (mut depth, mut quoted, mut start) = (0i32, None, 0);
    let mut out = Vec::new();
    for (i, c) in args.char_indices() {
        match (c, quoted) {
            ('"' | '\'', None) => quoted = Some(c),
            (q, Some(open)) if q == open => quoted = None,
            (_, Some(_)) => {}
            ('(', None) => depth += 1,
            (')', None) => depth -= 1,
            (',', None) if depth == 0 => {
                out.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(args[start..].trim());
    out
}

/// The number of parameters that tell a function apart: all but its `OUT` ones (a
/// procedure's `OUT` parameters count).
fn input_arity(f: &Function) -> usize {
    split_args(&f.identity_args)
        .into_iter()
        .filter(|a| f.procedure || !a.starts_with("OUT "))
        .count()
}

/// Whether `CREATE OR REPLACE` can turn `before` into `after`: same result type, same kind,
/// same parameters (modes, names, types, `OUT` and `TABLE` columns); defaults may change or
/// be added, not removed ("cannot remove parameter defaults from existing function").
pub(crate) fn replaceable(before: &Function, after: &Function) -> bool {
    before.result == after.result
        && before.procedure == after.procedure
        && defaults_only(&before.arguments, &after.arguments)
}

/// Whether argument list `after` is `before` with default values changed or added only.
fn defaults_only(before: &str, after: &str) -> bool {
    let (b, a) = (split_args(before), split_args(after));
    let split = |arg: &str| match arg.split_once(" DEFAULT ") {
        Some((head, _)) => (head.to_string(), true),
        None => (arg.to_string(), false),
    };
    b.len() == a.len()
        && b.iter().zip(&a).all(|(b, a)| {
            let ((bh, bd), (ah, ad)) = (split(b), split(a));
            bh == ah && (ad || !bd)
        })
}

fn recreate_reason(before: &Function, after: &Function) -> Hazard {
    let what = if before.procedure != after.procedure {
        "it changes between function and procedure"
    } else if before.result != after.result {
        "its result type changes"
    } else {
        "its parameter names, modes or defaults change"
    };
    let detail = format!(
        "{} is dropped and created again ({what}, which CREATE OR REPLACE cannot do): grants on it are lost, and what depends on it is dropped and made again",
        Routine::Function(after.clone()).describe()
    );
    hazard(HazardKind::RecreatesFunction, detail)
}

/// An [`HazardKind::UnsupportedChange`] when `users` is not empty: the drop fails on the
/// server while they use `what`.
pub(crate) fn refuse_in_use(what: &str, why: &str, users: &[String]) -> Vec<Hazard> {
    if users.is_empty() {
        return Vec::new();
    }
    let detail = format!(
        "{what} is dropped and created again, but {}: {why}, so the script stops here; change them by hand (create the new {what} under another name, move them to it, drop the old one)",
        users_text(users)
    );
    vec![hazard(HazardKind::UnsupportedChange, detail)]
}

fn users_text(users: &[String]) -> String {
    match users {
        [one] => format!("{one} uses it"),
        _ => format!("{} use it", users.join(", ")),
    }
}

/// What uses the type `ns.name` in `schema`: table columns of that type (or an array of
/// it) and the dependents the server lists.
pub(crate) fn uses(schema: &Schema, ns: &str, name: &str) -> Vec<String> {
    let ty = crate::sqltext::quote_pg_qualified(ns, name);
    let array = format!("{ty}[]");
    let mut out: Vec<String> = schema
        .tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(|c| c.ty == ty || c.ty == array)
                .map(move |c| format!("column {}.{}", t.key(), c.name))
        })
        .collect();
    out.extend(
        schema
            .dependents
            .of(&qualified_key(ns, name))
            .iter()
            .map(describe),
    );
    out.sort();
    out.dedup();
    out
}

/// A dependent, for messages.
pub(crate) fn describe(d: &Dependent) -> String {
    match d {
        Dependent::View(k) => format!("view {k}"),
        Dependent::Trigger(k) => format!("trigger {k}"),
        Dependent::Policy { table, name } => format!("policy {name} of {table}"),
        Dependent::Constraint { table, name } => format!("constraint {name} of {table}"),
        Dependent::Default { table, column } => format!("the default of column {table}.{column}"),
        Dependent::Generated { table, column } => format!("generated column {table}.{column}"),
        Dependent::Index { table, name } => format!("index {name} of {table}"),
        Dependent::Domain(k) => format!("domain {k}"),
        Dependent::Function(k) => format!("function {k}"),
        Dependent::Type(k) => format!("type {k}"),
        Dependent::Other(what) => what.clone(),
    }
}

/// The earliest phase a created routine can go in, its dependencies aside: after the views
/// or tables whose row type it takes that this plan creates (or re-creates), else before
/// the tables (after the drops when it is created again).
fn create_phase(r: &Routine, recreated: bool, from: &Schema, to: &Schema) -> Phase {
    let deps = r.depends_on();
    let new_view = |d: &String| {
        to.views
            .get(d)
            .is_some_and(|v| from.views.get(d) != Some(v))
    };
    let new_table = |d: &String| to.tables.contains_key(d) && !from.tables.contains_key(d);
    if deps.iter().any(new_view) {
        Phase::CreateAfterViews
    } else if deps.iter().any(new_table) {
        Phase::CreateLateRoutine
    } else if recreated {
        Phase::CreateReplacedRoutine
    } else {
        Phase::CreateRoutine
    }
}

/// A re-created function created late (after the new tables or views whose row type it
/// takes: [`Phase::CreateLateRoutine`], [`Phase::CreateAfterViews`]) has its dependents
/// (constraints, defaults, indexes, domain CHECKs) made again after it, in its phase,
/// rather than in their own earlier phases.
fn remake_after(
    steps: &mut Steps,
    remade: &[(String, std::ops::Range<usize>)],
    phase_of: &BTreeMap<String, Phase>,
) {
    let mut moved: BTreeMap<usize, Phase> = BTreeMap::new();
    for (key, range) in remade {
        let Some(&late) = phase_of.get(key) else {
            continue;
        };
        if late < Phase::CreateLateRoutine {
            continue;
        }
        for i in range.clone() {
            let p = steps.list[i].phase;
            if p > Phase::CreateReplacedRoutine && p < late {
                moved.insert(i, late);
            }
        }
    }
    let mut again = Vec::new();
    for (&i, &late) in moved.iter().rev() {
        let mut step = steps.list.remove(i);
        step.phase = late;
        again.push(step);
    }
    again.reverse();
    steps.list.extend(again);
}

/// Creates (`(routine, re-created, replaced in place)`) in dependency order; each in the
/// phase [`create_phase`] gives it, or a later one when something it needs goes there.
/// Returns the phase of each, by key.
fn order_creates(
    steps: &mut Steps,
    created: Vec<(Routine, bool, bool)>,
    late: &BTreeSet<String>,
    from: &Schema,
    to: &Schema,
) -> BTreeMap<String, Phase> {
    let edges: Vec<(String, String)> = created
        .iter()
        .flat_map(|(r, _, _)| {
            let key = r.key();
            r.depends_on().iter().map(move |d| (d.clone(), key.clone()))
        })
        .collect();
    let by_key: BTreeMap<String, (Routine, bool, bool)> =
        created.into_iter().map(|c| (c.0.key(), c)).collect();
    let keys: BTreeSet<String> = by_key.keys().cloned().collect();
    let mut phase_of: BTreeMap<&str, Phase> = BTreeMap::new();
    for key in dependency_order(&keys, &edges) {
        let Some((r, recreated, replace)) = by_key.get(key) else {
            continue;
        };
        let mut phase = create_phase(r, *recreated, from, to);
        if late.contains(key) {
            phase = phase.max(Phase::CreateLateRoutine);
        }
        for d in r.depends_on() {
            if let Some(p) = phase_of.get(d.as_str()) {
                phase = phase.max(*p);
            }
        }
        phase_of.insert(key, phase);
        for op in r.create(*replace) {
            steps.push(phase, op);
        }
    }
    phase_of
        .into_iter()
        .map(|(k, p)| (k.to_string(), p))
        .collect()
}

/// Drops in reverse dependency order (over `from`'s `depends_on`), with their hazards.
fn order_drops(
    steps: &mut Steps,
    drops: Vec<Routine>,
    phase: Phase,
    mut hazards: BTreeMap<String, Vec<Hazard>>,
) {
    let edges: Vec<(String, String)> = drops
        .iter()
        .flat_map(|r| {
            let key = r.key();
            r.depends_on().iter().map(move |d| (d.clone(), key.clone()))
        })
        .collect();
    let by_key: BTreeMap<String, Routine> = drops.into_iter().map(|r| (r.key(), r)).collect();
    let keys: BTreeSet<String> = by_key.keys().cloned().collect();
    let mut order = dependency_order(&keys, &edges);
    order.reverse();
    for key in order {
        if let Some(r) = by_key.get(key) {
            let hz = hazards.remove(key).unwrap_or_default();
            steps.risky(phase, r.drop(), hz);
        }
    }
}

/// Pushes `op` unless the same step is already planned (a table change that drops the same
/// constraint, say).
fn push_once(steps: &mut Steps, phase: Phase, op: Op) {
    if !steps.list.iter().any(|s| s.phase == phase && s.op == op) {
        steps.push(phase, op);
    }
}

/// What depends on function `f`, re-created: views into `views`, triggers into
/// `triggers`, table constraints, column defaults, indexes and domain CHECKs dropped before
/// and made again after (as `to` has them); what cannot be made again is an
/// [`HazardKind::UnsupportedChange`] in `hazards` (the drop then fails on the server).
fn recreate_dependents(
    steps: &mut Steps,
    views: &mut (Vec<View>, Vec<View>),
    triggers: &mut super::triggers::Triggers,
    f: &Function,
    from: &Schema,
    to: &Schema,
    hazards: &mut Vec<Hazard>,
) {
    let key = f.key();
    let mut made_again = Vec::new();
    let mut refused = Vec::new();
    for d in from.dependents.of(&key) {
        match d {
            Dependent::View(k) => recreate_view(views, k, from, to),
            Dependent::Trigger(k) => triggers.recreate(k, from, to),
            // A policy of a table schemadiff does not manage cannot be made again.
            Dependent::Policy { table, name } if from.tables.contains_key(table) => {
                let policy = (table.clone(), name.clone());
                steps.recreated_policies.insert(policy);
            }
            Dependent::Policy { .. } => {
                refused.push(describe(d));
                continue;
            }
            Dependent::Constraint { table, name } => constraint(steps, table, name, from, to),
            Dependent::Default { table, column } => default(steps, table, column, from, to),
            Dependent::Index { table, name } => index(steps, table, name, from, to),
            Dependent::Domain(k) => {
                if !super::domains::recreate_calls(steps, k, f, from, to) {
                    refused.push(describe(d));
                    continue;
                }
            }
            Dependent::Function(_) => {}
            Dependent::Generated { .. } | Dependent::Type(_) | Dependent::Other(_) => {
                refused.push(describe(d));
                continue;
            }
        }
        made_again.push(describe(d));
    }
    let name = Routine::Function(f.clone()).describe();
    if !made_again.is_empty() {
        let detail = format!(
            "{name} is dropped and created again with what depends on it: {} (briefly absent, inside the transaction)",
            made_again.join(", ")
        );
        hazards.push(hazard(HazardKind::RecreatesFunction, detail));
    }
    if !refused.is_empty() {
        let detail = format!(
            "{name} must be dropped and created again, but {} cannot be made again by schemadiff (PostgreSQL cannot drop a generated column's expression's function, nor a type's support function, while they use it), so the script stops here; drop them by hand first (e.g. ALTER TABLE … ALTER COLUMN … DROP EXPRESSION, or drop and re-add the column), run the script, then make them again",
            refused.join(", ")
        );
        hazards.push(hazard(HazardKind::UnsupportedChange, detail));
    }
}

/// View `k` dropped (as `from` has it) and created again (as `to` has it).
fn recreate_view(views: &mut (Vec<View>, Vec<View>), k: &str, from: &Schema, to: &Schema) {
    if let Some(v) = from.views.get(k) {
        if !views.0.iter().any(|o| super::views::view_key(o) == k) {
            views.0.push(v.clone());
        }
    }
    if let Some(v) = to.views.get(k) {
        if !views.1.iter().any(|o| super::views::view_key(o) == k) {
            views.1.push(v.clone());
        }
    }
}

/// Table `key` of `schema`.
fn table<'a>(schema: &'a Schema, key: &str) -> Option<&'a Table> {
    schema.tables.get(key)
}

/// A table constraint calling the function: dropped, and added again as `to` has it.
fn constraint(steps: &mut Steps, key: &str, name: &str, from: &Schema, to: &Schema) {
    let def = |s: &Schema| -> Option<(TableName, String)> {
        let t = table(s, key)?;
        let all = super::fk_defs(&t.foreign_keys)
            .into_iter()
            .chain(t.checks.iter().map(|c| {
                let n = c.name.clone().unwrap_or_default();
                (n, c.definition.clone().unwrap_or_default())
            }))
            .chain(t.uniques.iter().map(|u| {
                let n = u.name.clone().unwrap_or_default();
                (n, u.definition.clone().unwrap_or_default())
            }));
        let d = all.into_iter().find(|(n, _)| n == name)?.1;
        Some((TableName::of(t), d))
    };
    let phases = |d: &str| {
        if d.starts_with("FOREIGN KEY") {
            (Phase::DropForeignKey, Phase::AddForeignKey)
        } else {
            (Phase::DropConstraint, Phase::AddConstraint)
        }
    };
    if let Some((t, d)) = def(from) {
        let op = Op::DropConstraint {
            table: t,
            name: name.to_string(),
        };
        push_once(steps, phases(&d).0, op);
    }
    if let Some((t, d)) = def(to) {
        let phase = phases(&d).1;
        let op = Op::AddConstraint {
            table: t,
            name: name.to_string(),
            definition: d,
        };
        push_once(steps, phase, op);
    }
}

/// A column default calling the function: dropped, and set again as `to` has it.
fn default(steps: &mut Steps, key: &str, column: &str, from: &Schema, to: &Schema) {
    if let Some(t) = table(from, key) {
        let op = Op::SetDefault {
            table: TableName::of(t),
            column: column.to_string(),
            default: None,
        };
        push_once(steps, Phase::DropConstraint, op);
    }
    if let Some(t) = table(to, key) {
        if let Some(d) = t.column(column).and_then(|c| c.default.clone()) {
            let op = Op::SetDefault {
                table: TableName::of(t),
                column: column.to_string(),
                default: Some(d),
            };
            push_once(steps, Phase::AlterTable, op);
        }
    }
}

/// An index calling the function (on a table or a materialized view): dropped, and built
/// again as `to` has it. (A view dropped and created again brings its indexes: the plan
/// then leaves these steps out.)
fn index(steps: &mut Steps, key: &str, name: &str, from: &Schema, to: &Schema) {
    let on_table = |s: &Schema| {
        let t = table(s, key)?;
        Some((t.schema.clone(), t.indexes.get(name)?.clone()))
    };
    let on_view = |s: &Schema| {
        let v = s.views.get(key)?;
        Some((v.schema.clone(), v.indexes.get(name)?.clone()))
    };
    if let Some((schema, _)) = on_table(from).or_else(|| on_view(from)) {
        let op = Op::DropIndex {
            schema: schema.unwrap_or_default(),
            name: name.to_string(),
        };
        push_once(steps, Phase::DropIndex, op);
    }
    if let Some((_, i)) = on_table(to) {
        push_once(steps, Phase::CreateIndex, Op::CreateIndex(i));
    } else if let Some((_, i)) = on_view(to) {
        push_once(steps, Phase::CreateViewIndex, Op::CreateIndex(i));
    }
}
