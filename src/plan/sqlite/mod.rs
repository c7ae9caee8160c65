//! Orders a SQLite [`Changeset`] into executable [`Op`]s. Pure: no I/O.
//!
//! Decides native `ALTER TABLE` versus a table rebuild (`native.rs`), which views and
//! triggers must be dropped and re-created around the change, which tables the foreign-key
//! check covers, and the order of everything ([`Phase`], [`order`]). Every step runs inside
//! the one transaction; `PRAGMA foreign_keys = OFF` around it is the plan's [`Settings`].

pub mod affinity;
mod caps;
mod hazards;
mod native;
mod rebuild;

pub use caps::Caps;
pub use native::NativeOps;
pub use rebuild::{describe_change, CopyColumn, Rebuild};

use super::order;
use super::Section;
use crate::diff::{Change, Changeset, TableChange};
use crate::model::{
    Column, ForeignKey, Index, Renames, Schema, Table, Trigger, View, VirtualTable,
};
use crate::sqltext::referenced_names;
use std::collections::{BTreeMap, BTreeSet};

/// A SQLite plan.
pub type Plan = super::Plan<Op>;

/// Why a view or trigger is dropped or created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// It is new, changed or removed in the target.
    Declared,
    /// Its SQL references tables or views the plan rebuilds, alters or drops; SQLite would
    /// refuse the rename at the end of a rebuild while it exists.
    DependsOn(Vec<String>),
}

/// One operation of a plan; `render::sqlite` writes its SQL. Steps run in [`Phase`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    RenameTable {
        from: String,
        to: String,
    },
    Baseline(Guarded),
    DropTrigger {
        trigger: Trigger,
        why: Why,
    },
    DropView {
        view: View,
        why: Why,
    },
    DropIndex {
        index: Index,
    },
    DropTable {
        table: Table,
    },
    CreateTable {
        table: Table,
        cycle: Vec<String>,
    },
    /// `recreated`: the same name is created again below with another module or arguments.
    DropVirtualTable {
        table: VirtualTable,
        recreated: bool,
    },
    /// `recreated`: the old definition is dropped above.
    CreateVirtualTable {
        table: VirtualTable,
        recreated: bool,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
        fk: Option<ForeignKey>,
    },
    Rebuild(Box<Rebuild>),
    CreateIndex {
        index: Index,
    },
    CreateView {
        view: View,
        why: Why,
    },
    CreateTrigger {
        trigger: Trigger,
        why: Why,
    },
    Guard(Guarded),
}

/// Execution order of the kinds of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// First, so every later step (and the foreign-key baseline) uses the target's names;
    /// SQLite rewrites references in foreign keys, views and triggers.
    RenameTable,
    /// Before anything changes: row counts of rebuilt tables and the foreign-key violations
    /// that already exist, so that only what this script introduces counts.
    Baseline,
    /// Triggers and views go first: SQLite re-checks them on every ALTER TABLE RENAME.
    DropTrigger,
    DropView,
    /// Indexes before columns: DROP COLUMN refuses an indexed column.
    DropIndex,
    /// Children before parents (reverse dependency order).
    DropTable,
    /// Parents before children.
    CreateTable,
    /// Virtual tables after the ordinary tables: a module such as an external-content FTS
    /// table may read one when it is created; before the rebuilds, so that every table a
    /// trigger or view names exists when a rebuild's rename re-checks them.
    DropVirtualTable,
    CreateVirtualTable,
    /// Native ALTERs: drop, then rename (a rename may take a dropped name), then add.
    AlterColumn,
    Rebuild,
    /// Indexes after the columns they cover exist.
    CreateIndex,
    /// Views after every table; triggers after the views they may read.
    CreateView,
    CreateTrigger,
    /// Last, inside the transaction, so a failed check rolls everything back.
    Guard,
}

impl Op {
    /// Returns the phase the operation runs in.
    pub fn phase(&self) -> Phase {
        match self {
            Op::RenameTable { .. } => Phase::RenameTable,
            Op::Baseline(_) => Phase::Baseline,
            Op::DropTrigger { .. } => Phase::DropTrigger,
            Op::DropView { .. } => Phase::DropView,
            Op::DropIndex { .. } => Phase::DropIndex,
            Op::DropTable { .. } => Phase::DropTable,
            Op::CreateTable { .. } => Phase::CreateTable,
            Op::DropVirtualTable { .. } => Phase::DropVirtualTable,
            Op::CreateVirtualTable { .. } => Phase::CreateVirtualTable,
            Op::DropColumn { .. } | Op::RenameColumn { .. } | Op::AddColumn { .. } => {
                Phase::AlterColumn
            }
            Op::Rebuild(_) => Phase::Rebuild,
            Op::CreateIndex { .. } => Phase::CreateIndex,
            Op::CreateView { .. } => Phase::CreateView,
            Op::CreateTrigger { .. } => Phase::CreateTrigger,
            Op::Guard(_) => Phase::Guard,
        }
    }
}

/// What the guard at the end of a script with rebuilds verifies against the baseline taken
/// at its start: no rebuilt table (`counted`) that held rows is empty (the copy is one
/// all-or-nothing statement, so emptiness is what a failed copy looks like), and the tables
/// in `fk_tables` have no foreign-key violation that was not there before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    pub counted: Vec<String>,
    pub fk_tables: Vec<String>,
}

/// What a SQLite script needs around its transaction: `foreign_keys_off` asks for
/// `PRAGMA foreign_keys = OFF` before it and back on after it (outside the transaction,
/// where the pragma takes effect).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    pub foreign_keys_off: bool,
}

impl super::Op for Op {
    type Phase = Phase;
    type Settings = Settings;

    /// Every SQLite step runs inside the transaction.
    fn section(_: Phase) -> Section {
        Section::InTransaction
    }
}

impl super::Plan<Op> {
    /// Returns the names of the tables the plan rebuilds.
    pub fn rebuilt_tables(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|s| match &s.op {
                Op::Rebuild(r) => Some(r.after.name.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Returns the steps that turn `from` into `to` given their `changes`.
pub fn plan(changes: &Changeset, from: &Schema, to: &Schema, caps: Caps) -> Plan {
    let mut b = Builder {
        table_renames: table_renames(changes),
        ..Builder::default()
    };
    for change in &changes.changes {
        b.classify(change, caps);
    }
    let (ops, foreign_keys_off) = b.finish(from, to);
    Plan {
        steps: hazards::assess(ops, changes, from),
        settings: Settings { foreign_keys_off },
    }
}

/// Returns the plan that turns `from` into `to` under `renames`: diff, then plan.
pub fn plan_schemas(from: &Schema, to: &Schema, renames: &Renames, caps: Caps) -> Plan {
    plan(
        &crate::diff::diff(&crate::diff::sqlite::RULES, from, to, renames),
        from,
        to,
        caps,
    )
}

/// Tables a hint renames (or whose name changes case), `old -> new`.
fn table_renames(changes: &Changeset) -> Vec<(String, String)> {
    changes
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable(r) => Some((r.from.clone(), r.to.clone())),
            _ => None,
        })
        .collect()
}

#[derive(Default)]
struct Builder {
    table_renames: Vec<(String, String)>,
    created: BTreeMap<String, Table>,
    dropped: BTreeMap<String, Table>,
    native: BTreeMap<String, NativeOps>,
    rebuilds: BTreeMap<String, TableChange>,
    index_drops: Vec<Index>,
    index_creates: Vec<Index>,
    views: (Vec<View>, Vec<View>),
    triggers: (Vec<Trigger>, Vec<Trigger>),
    virtual_tables: (Vec<VirtualTable>, Vec<VirtualTable>),
}

impl Builder {
    fn classify(&mut self, change: &Change, caps: Caps) {
        match change {
            Change::CreateTable(t) => {
                self.created.insert(t.name.clone(), t.clone());
            }
            Change::DropTable(t) => {
                self.dropped.insert(t.name.clone(), t.clone());
            }
            // Read before the first change (`table_renames`); a renamed table's changes
            // follow as an `AlterTable` that already compares it under its new name.
            Change::RenameTable(_) => {}
            Change::AlterTable(tc) => self.alter((**tc).clone(), caps),
            Change::DropIndex(i) => self.index_drops.push(i.clone()),
            Change::CreateIndex(i) => self.index_creates.push(i.clone()),
            Change::DropView(v) => self.views.0.push(v.clone()),
            Change::CreateView(v) => self.views.1.push(v.clone()),
            Change::DropTrigger(t) => self.triggers.0.push(t.clone()),
            Change::CreateTrigger(t) => self.triggers.1.push(t.clone()),
            Change::DropVirtualTable(v) => self.virtual_tables.0.push(v.clone()),
            Change::CreateVirtualTable(v) => self.virtual_tables.1.push(v.clone()),
            // Other engines' objects: SQLite's diff rules never produce them.
            _ => {}
        }
    }

    fn alter(&mut self, tc: TableChange, caps: Caps) {
        let name = tc.after.name.clone();
        match native::native_ops(&tc, caps, &self.table_renames) {
            Some(ops) if ops.is_empty() => {}
            Some(ops) => {
                self.native.insert(name, ops);
            }
            None => {
                self.rebuilds.insert(name, tc);
            }
        }
    }

    /// Returns the operations in phase order and whether foreign keys must be off.
    fn finish(self, from: &Schema, to: &Schema) -> (Vec<Op>, bool) {
        let mut steps = Vec::new();
        for (from, to) in &self.table_renames {
            steps.push(Op::RenameTable {
                from: from.clone(),
                to: to.clone(),
            });
        }
        let renamed = self.table_renames.iter().flat_map(|(a, b)| [a, b]);
        let touched: BTreeSet<String> = self
            .dropped
            .keys()
            .chain(self.native.keys())
            .chain(self.rebuilds.keys())
            .chain(renamed)
            .chain(self.virtual_tables.0.iter().map(|v| &v.name))
            .cloned()
            .collect();
        dependents(&self, from, to, &touched, &mut steps);
        self.table_steps(to, &mut steps);
        if !self.rebuilds.is_empty() {
            let guarded = Guarded {
                counted: self.rebuilds.keys().cloned().collect(),
                fk_tables: fk_check_tables(&self.rebuilds, from, to),
            };
            steps.push(Op::Baseline(guarded.clone()));
            steps.push(Op::Guard(guarded));
        }
        steps.sort_by_key(Op::phase);
        let foreign_keys_off = !self.rebuilds.is_empty() || !self.dropped.is_empty();
        (steps, foreign_keys_off)
    }

    fn table_steps(&self, to: &Schema, steps: &mut Vec<Op>) {
        let gone =
            |i: &Index| self.dropped.contains_key(&i.table) || self.rebuilds.contains_key(&i.table);
        for index in self.index_drops.iter().filter(|i| !gone(i)) {
            steps.push(Op::DropIndex {
                index: index.clone(),
            });
        }
        for name in table_order(&self.dropped).into_iter().rev() {
            steps.push(Op::DropTable {
                table: self.dropped[name].clone(),
            });
        }
        let cycles = order::cycles(
            &self.created.keys().cloned().collect(),
            &fk_edges(&self.created),
        );
        for name in table_order(&self.created) {
            let cycle = cycles
                .iter()
                .find(|c| c.iter().any(|n| n == name))
                .cloned()
                .unwrap_or_default();
            steps.push(Op::CreateTable {
                table: self.created[name].clone(),
                cycle,
            });
        }
        for (table, ops) in &self.native {
            native_steps(table, ops, steps);
        }
        for name in table_order(
            &self
                .rebuilds
                .iter()
                .map(|(k, v)| (k.clone(), v.after.clone()))
                .collect(),
        ) {
            steps.push(Op::Rebuild(Box::new(Rebuild::new(
                &self.rebuilds[name],
                to,
            ))));
        }
        let (gone, new) = &self.virtual_tables;
        let recreated =
            |v: &VirtualTable, other: &[VirtualTable]| other.iter().any(|o| o.name == v.name);
        for v in gone {
            steps.push(Op::DropVirtualTable {
                table: v.clone(),
                recreated: recreated(v, new),
            });
        }
        for v in new {
            steps.push(Op::CreateVirtualTable {
                table: v.clone(),
                recreated: recreated(v, gone),
            });
        }
        let rebuilt = |i: &Index| self.rebuilds.contains_key(&i.table);
        for index in self.index_creates.iter().filter(|i| !rebuilt(i)) {
            steps.push(Op::CreateIndex {
                index: index.clone(),
            });
        }
    }
}

fn native_steps(table: &str, ops: &NativeOps, steps: &mut Vec<Op>) {
    for column in &ops.drops {
        steps.push(Op::DropColumn {
            table: table.into(),
            column: column.clone(),
        });
    }
    for (from, to) in &ops.renames {
        steps.push(Op::RenameColumn {
            table: table.into(),
            from: from.clone(),
            to: to.clone(),
        });
    }
    for (column, fk) in &ops.adds {
        steps.push(Op::AddColumn {
            table: table.into(),
            column: column.clone(),
            fk: fk.clone(),
        });
    }
}

/// Parent → child edges among `tables`.
fn fk_edges(tables: &BTreeMap<String, Table>) -> Vec<(String, String)> {
    tables
        .values()
        .flat_map(|t| {
            t.referenced_tables()
                .map(|p| (p.to_string(), t.name.clone()))
        })
        .collect()
}

fn table_order(tables: &BTreeMap<String, Table>) -> Vec<&str> {
    order::ordered_keys(tables, &fk_edges(tables))
}

/// Tables whose foreign keys the final check covers: every rebuilt table that has foreign
/// keys, and every table (existing before the script) with a foreign key to a rebuilt one.
/// Empty when no foreign key is involved, and then the plan has no check.
fn fk_check_tables(
    rebuilds: &BTreeMap<String, TableChange>,
    from: &Schema,
    to: &Schema,
) -> Vec<String> {
    let mut out: BTreeSet<String> = rebuilds
        .values()
        .filter(|tc| !tc.after.foreign_keys.is_empty())
        .map(|tc| tc.after.name.clone())
        .collect();
    for t in to
        .tables
        .values()
        .filter(|t| from.tables.contains_key(&t.name))
    {
        if t.referenced_tables().any(|p| rebuilds.contains_key(p)) {
            out.insert(t.name.clone());
        }
    }
    out.into_iter().collect()
}

/// Adds drop and create steps for views and triggers: those the changeset names, those that
/// reference a touched table, and, transitively, those that reference a dropped view.
fn dependents(
    b: &Builder,
    from: &Schema,
    to: &Schema,
    touched: &BTreeSet<String>,
    steps: &mut Vec<Op>,
) {
    let lower = |s: &str| s.to_lowercase();
    let mut hit: BTreeSet<String> = touched.iter().map(|t| lower(t)).collect();
    let mut drops: BTreeMap<String, Why> = BTreeMap::new();
    for v in &b.views.0 {
        drops.insert(lower(&v.name), Why::Declared);
        hit.insert(lower(&v.name));
    }
    for t in &b.triggers.0 {
        drops.insert(lower(&t.name), Why::Declared);
    }
    view_closure(from, &mut hit, &mut drops);
    for t in from.triggers.values() {
        let mut refs: Vec<String> = referenced_names(&t.sql)
            .intersection(&hit)
            .cloned()
            .collect();
        if hit.contains(&lower(&t.table)) && !refs.contains(&lower(&t.table)) {
            refs.push(lower(&t.table));
        }
        if !refs.is_empty() && !drops.contains_key(&lower(&t.name)) {
            drops.insert(lower(&t.name), Why::DependsOn(refs));
        }
    }
    let why = |name: &str| drops.get(&lower(name)).cloned();
    for t in from.triggers.values() {
        if let Some(why) = why(&t.name) {
            steps.push(Op::DropTrigger {
                trigger: t.clone(),
                why,
            });
        }
    }
    for name in view_order(&from.views).into_iter().rev() {
        if let Some(why) = why(name) {
            steps.push(Op::DropView {
                view: from.views[name].clone(),
                why,
            });
        }
    }
    let created: BTreeSet<String> = b
        .views
        .1
        .iter()
        .map(|v| v.name.clone())
        .chain(b.triggers.1.iter().map(|t| t.name.clone()))
        .collect();
    let create_why = |name: &str| {
        if created.contains(name) {
            Some(Why::Declared)
        } else {
            why(name)
        }
    };
    for name in view_order(&to.views) {
        if let Some(why) = create_why(name) {
            steps.push(Op::CreateView {
                view: to.views[name].clone(),
                why,
            });
        }
    }
    for t in to.triggers.values() {
        if let Some(why) = create_why(&t.name) {
            steps.push(Op::CreateTrigger {
                trigger: t.clone(),
                why,
            });
        }
    }
}

/// Adds to `drops` every view of `from` that reads a name in `hit`, directly or through
/// other views, with the names it reads; `hit` grows with them. A worklist over the readers
/// of each name (each view's SQL parsed once), so a long chain costs linear time.
fn view_closure(from: &Schema, hit: &mut BTreeSet<String>, drops: &mut BTreeMap<String, Why>) {
    let refs: BTreeMap<String, BTreeSet<String>> = from
        .views
        .values()
        .map(|v| (v.name.to_lowercase(), referenced_names(&v.sql)))
        .collect();
    let mut readers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (view, names) in &refs {
        for n in names {
            readers.entry(n.as_str()).or_default().push(view.as_str());
        }
    }
    let mut todo: Vec<String> = hit.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        for view in readers.get(name.as_str()).into_iter().flatten() {
            if drops.contains_key(*view) || **view == name {
                continue;
            }
            drops.insert(view.to_string(), Why::DependsOn(Vec::new()));
            hit.insert(view.to_string());
            todo.push(view.to_string());
        }
    }
    // Each names every touched table and dropped view it reads.
    for (view, why) in drops.iter_mut() {
        if let (Why::DependsOn(names), Some(read)) = (why, refs.get(view)) {
            *names = read
                .intersection(hit)
                .filter(|n| *n != view)
                .cloned()
                .collect();
        }
    }
}

/// Views ordered so that a view comes after the views it selects from.
pub fn view_order(views: &BTreeMap<String, View>) -> Vec<&str> {
    let by_lower: BTreeMap<String, String> = views
        .keys()
        .map(|k| (k.to_lowercase(), k.clone()))
        .collect();
    let mut edges = Vec::new();
    for v in views.values() {
        for r in referenced_names(&v.sql) {
            if let Some(dep) = by_lower.get(&r).filter(|d| **d != v.name) {
                edges.push((dep.clone(), v.name.clone()));
            }
        }
    }
    order::ordered_keys(views, &edges)
}
