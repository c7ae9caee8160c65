//! A table's place in a partition or inheritance tree: `ATTACH`/`DETACH PARTITION`,
//! `INHERIT`/`NO INHERIT`, and the refusal to change how a table is partitioned (a data
//! migration). What a table takes from a parent is the parent's in the model, so a table
//! leaving a parent gains it as its own (the server makes it local) and a table joining one
//! stops having it: [`alter`] returns the change the column and constraint ALTERs are then
//! planned from.

use super::{hazard, Op, Phase, Steps, TableName};
use crate::diff::{Change, Changeset, Renamed, TableChange};
use crate::model::{Check, Index, PartitionOf, PrimaryKey, Schema, Table, TableRef, Unique};
use crate::plan::{HazardKind, LockOptions};
use std::collections::BTreeSet;

/// The parents of `t`: its partition parent, then the tables it inherits.
fn parents(t: &Table) -> Vec<TableRef> {
    (t.partition_of.iter().map(|p| p.parent.clone()))
        .chain(t.inherits.iter().cloned())
        .collect()
}

/// Whether partitioned table `parent` has a `DEFAULT` partition in `schema`.
pub(crate) fn has_default_partition(schema: &Schema, parent: &str) -> bool {
    schema.tables.values().any(|t| {
        t.partition_of
            .as_ref()
            .is_some_and(|p| p.parent.key() == parent && p.bound == "DEFAULT")
    })
}

/// Whether a foreign key of `schema` references partitioned table `key` or a table it is a
/// partition of.
pub(crate) fn referenced(schema: &Schema, key: &str) -> bool {
    let mut chain = vec![key.to_string()];
    let mut at = key.to_string();
    while let Some(p) = (schema.tables.get(&at)).and_then(|t| t.partition_of.as_ref()) {
        at = p.parent.key();
        if chain.contains(&at) {
            break;
        }
        chain.push(at.clone());
    }
    (schema.tables.values())
        .flat_map(|t| &t.foreign_keys)
        .any(|f| chain.contains(&f.ref_table))
}

/// Plans the partition and inheritance changes of `tc`; returns `tc` as the column and
/// constraint ALTERs see it.
pub(super) fn alter(
    steps: &mut Steps,
    tc: &TableChange,
    (from, to): (&Schema, &Schema),
    options: &LockOptions,
) -> TableChange {
    let (before, after) = (&tc.before, &tc.after);
    let name = TableName::of(after);
    let key = after.key();
    if before.partition_by != after.partition_by {
        refuse(steps, &key, before, after);
    }
    let detach = |steps: &mut Steps, parent: &TableRef, concurrently: bool| {
        let op = Op::DetachPartition {
            table: name.clone(),
            parent: parent.clone(),
            concurrently,
        };
        let phase = match concurrently {
            true => Phase::DetachConcurrently,
            false => Phase::DetachPartition,
        };
        steps.push(phase, op);
        if concurrently {
            // The server adds a CHECK copying the old bound, which the declared table does
            // not have: dropped first thing in the transaction, so that the next diff is
            // empty. Its name is the server's choice; every other CHECK's is known.
            let parent_checks = from.tables.get(&parent.key()).map(|p| &p.checks);
            let mut keep: Vec<String> = (before.checks.iter())
                .chain(parent_checks.into_iter().flatten())
                .filter_map(|c| c.name.clone())
                .chain(before.inherited.constraints.iter().map(|(n, _)| n.clone()))
                .collect();
            keep.sort();
            keep.dedup();
            let op = Op::DropDetachedBoundCheck {
                table: name.clone(),
                keep,
            };
            steps.push(Phase::DetachPartition, op);
        }
    };
    match (&before.partition_of, &after.partition_of) {
        (Some(a), Some(b)) if a == b => {}
        (Some(a), None) => {
            // Not allowed with a DEFAULT partition, nor inside a transaction block.
            let concurrently =
                options.concurrent_indexes && !has_default_partition(from, &a.parent.key());
            detach(steps, &a.parent, concurrently);
        }
        (None, Some(b)) => attach(steps, &name, b, from),
        (Some(a), Some(b)) => {
            detach(steps, &a.parent, false);
            attach(steps, &name, b, from);
        }
        (None, None) => {}
    }
    for p in before
        .inherits
        .iter()
        .filter(|p| !after.inherits.contains(p))
    {
        let op = Op::NoInherit {
            table: name.clone(),
            parent: p.clone(),
        };
        steps.push(Phase::DetachPartition, op);
    }
    joined_checks(steps, tc, to);
    for p in after
        .inherits
        .iter()
        .filter(|p| !before.inherits.contains(p))
    {
        let op = Op::Inherit {
            table: name.clone(),
            parent: p.clone(),
        };
        steps.push(Phase::AttachPartition, op);
    }
    adjusted(tc, from, to)
}

/// The CHECKs of the parents `tc`'s table joins that it lacks (by name), added before
/// `ATTACH PARTITION` or `INHERIT`, which require them ("child table is missing
/// constraint"); the server then merges them into the parent's.
fn joined_checks(steps: &mut Steps, tc: &TableChange, to: &Schema) {
    let (old, new) = (parents(&tc.before), parents(&tc.after));
    let name = TableName::of(&tc.after);
    let key = tc.after.key();
    let joined = (new.iter().filter(|p| !old.contains(p))).filter_map(|p| to.tables.get(&p.key()));
    for parent in joined {
        for c in &parent.checks {
            if tc.before.checks.iter().any(|x| x.name == c.name) {
                continue;
            }
            let (n, def) = (
                c.name.clone().unwrap_or_default(),
                c.definition.clone().unwrap_or_default(),
            );
            let detail = format!(
                "adding constraint {n} to {key} (its parent's, which it must have to join it) checks every existing row and fails if one violates it"
            );
            let hazards = vec![
                hazard(HazardKind::MayFailOnExistingRows, detail),
                hazard(
                    HazardKind::LocksTable,
                    super::table::lock_detail(&n, &def, &key),
                ),
            ];
            let op = Op::AddConstraint {
                table: name.clone(),
                name: n,
                definition: def,
            };
            steps.risky(Phase::AlterTable, op, hazards);
        }
    }
}

/// `ATTACH PARTITION`: the server scans the table for rows outside the bound (and a
/// `DEFAULT` partition for rows inside it).
fn attach(steps: &mut Steps, name: &TableName, p: &PartitionOf, from: &Schema) {
    let key = crate::model::qualified_key(&name.schema, &name.name);
    let parent = p.parent.key();
    let mut detail = format!(
        "attaching {key} to {parent} ({}) fails if a row of {key} lies outside the bound",
        p.bound
    );
    if has_default_partition(from, &parent) {
        detail.push_str(&format!(
            ", or if a row of {parent}'s DEFAULT partition lies inside it"
        ));
    }
    let lock = format!(
        "scans {key} to check its rows against the bound while it holds a lock that blocks writes to it"
    );
    let op = Op::AttachPartition {
        table: name.clone(),
        partition: p.clone(),
    };
    let hazards = vec![
        hazard(HazardKind::MayFailOnExistingRows, detail),
        hazard(HazardKind::LocksTable, lock),
    ];
    steps.risky(Phase::AttachPartition, op, hazards);
}

/// A changed partitioning scheme: refused, with why and what to do instead.
fn refuse(steps: &mut Steps, key: &str, before: &Table, after: &Table) {
    let scheme = |t: &Table| match &t.partition_by {
        Some(p) => format!("PARTITION BY {p}"),
        None => "not partitioned".to_string(),
    };
    let reason = format!(
        "schemadiff does not change how table {key} is partitioned ({} -> {}): that moves every row into other tables, a data migration; create the new table beside it, copy the rows, then swap the names, in a revision of its own",
        scheme(before),
        scheme(after)
    );
    let op = Op::Refuse {
        reason: reason.clone(),
    };
    let hazards = vec![hazard(HazardKind::UnsupportedChange, reason)];
    steps.risky(Phase::Preamble, op, hazards);
}

/// `tc` with what the table gains from parents it leaves (the server makes their columns,
/// CHECKs and a partition's foreign keys its own) and without what it loses to parents it
/// joins (its columns and CHECKs that the parent has are merged into the parent's).
fn adjusted(tc: &TableChange, from: &Schema, to: &Schema) -> TableChange {
    let (old, new) = (parents(&tc.before), parents(&tc.after));
    if old == new {
        return tc.clone();
    }
    let mut out = tc.clone();
    if leaves_partition(tc) {
        // Its copies of the parent's keys become its own, under the names they have.
        for (name, def) in &tc.before.inherited.constraints {
            if def.starts_with("PRIMARY KEY") {
                out.before.primary_key = Some(PrimaryKey {
                    name: Some(name.clone()),
                    definition: Some(def.clone()),
                    ..PrimaryKey::default()
                });
            } else if def.starts_with("UNIQUE") {
                out.before.uniques.push(Unique {
                    name: Some(name.clone()),
                    definition: Some(def.clone()),
                    ..Unique::default()
                });
            } else {
                out.before.checks.push(Check {
                    name: Some(name.clone()),
                    expr: def.clone(),
                    definition: Some(def.clone()),
                });
            }
        }
        out.before.uniques.sort();
    }
    let left = old.iter().filter(|p| !new.contains(p));
    for parent in left.filter_map(|p| from.tables.get(&p.key())) {
        let partition = tc.before.partition_of.is_some();
        for c in &parent.columns {
            if tc.after.column(&c.name).is_some() && out.before.column(&c.name).is_none() {
                out.before.columns.push(c.clone());
            }
        }
        for c in &parent.checks {
            if !out.before.checks.iter().any(|x| x.name == c.name) {
                out.before.checks.push(c.clone());
            }
        }
        if partition {
            for f in &parent.foreign_keys {
                if !out.before.foreign_keys.iter().any(|x| x.name == f.name) {
                    out.before.foreign_keys.push(f.clone());
                }
            }
        }
    }
    let joined: Vec<&Table> = (new.iter().filter(|p| !old.contains(p)))
        .filter_map(|p| to.tables.get(&p.key()))
        .collect();
    for parent in &joined {
        out.before.checks.retain(|c| !parent.checks.contains(c));
        // ATTACH adopts a key the table already has with the parent's definition.
        if tc.after.partition_of.is_some() {
            let def = |pk: &Option<PrimaryKey>| pk.as_ref().and_then(|k| k.definition.clone());
            if def(&out.before.primary_key).is_some()
                && def(&out.before.primary_key) == def(&parent.primary_key)
            {
                out.before.primary_key = None;
            }
            (out.before.uniques)
                .retain(|u| !parent.uniques.iter().any(|p| p.definition == u.definition));
        }
        if tc.after.partition_of.is_some() {
            out.before
                .foreign_keys
                .retain(|f| !parent.foreign_keys.contains(f));
        }
    }
    out.before.checks.sort();
    out.before.foreign_keys.sort();
    for (col, source) in &mut out.sources {
        if source.is_none() && out.before.column(col).is_some() {
            *source = Some(col.clone());
        }
    }
    let inherited = |c: &String| joined.iter().any(|p| p.column(c).is_some());
    out.dropped.retain(|c| !inherited(c));
    out.before
        .columns
        .retain(|c| tc.after.column(&c.name).is_some() || !inherited(&c.name));
    out
}

/// Whether `tc`'s table stops being a partition of the parent it had.
fn leaves_partition(tc: &TableChange) -> bool {
    let parent = |t: &Table| t.partition_of.as_ref().map(|p| p.parent.clone());
    parent(&tc.before).is_some() && parent(&tc.before) != parent(&tc.after)
}

/// Whether `tc`'s table becomes a partition of a parent it did not have.
fn joins_partition(tc: &TableChange) -> bool {
    let parent = |t: &Table| t.partition_of.as_ref().map(|p| p.parent.clone());
    parent(&tc.after).is_some() && parent(&tc.before) != parent(&tc.after)
}

/// An index's definition after its table: what two indexes of the same shape share
/// whatever their names and tables (`USING btree (a)`, with `INCLUDE` and predicate).
fn shape(i: &Index) -> Option<(bool, String)> {
    let (_, rest) = i.definition.as_deref()?.split_once(" ON ")?;
    let (_, shape) = rest.split_once(" USING ")?;
    Some((i.unique, shape.to_string()))
}

/// Index changes that attach and detach make moot: a detached partition keeps its copies
/// of the parent's indexes (a declared one of the same shape is that copy, renamed when its
/// name differs), and ATTACH adopts an index of the parent's shape the table already has.
#[derive(Default)]
pub(super) struct IndexMoves {
    skip: BTreeSet<(bool, String, String)>,
    pub(super) renames: Vec<Renamed>,
}

impl IndexMoves {
    pub(super) fn new(changes: &Changeset, to: &Schema) -> IndexMoves {
        let mut out = IndexMoves::default();
        let tables: Vec<&TableChange> = (changes.changes.iter())
            .filter_map(|c| match c {
                Change::AlterTable(tc) => Some(&**tc),
                _ => None,
            })
            .collect();
        for c in &changes.changes {
            match c {
                Change::CreateIndex(i) => {
                    let copy = (tables.iter())
                        .filter(|tc| tc.after.key() == i.table && leaves_partition(tc))
                        .flat_map(|tc| &tc.before.inherited.indexes)
                        .find(|x| shape(x).is_some() && shape(x) == shape(i));
                    if let Some(copy) = copy {
                        out.skip.insert((true, i.table.clone(), i.name.clone()));
                        if copy.name != i.name {
                            let schema = tables
                                .iter()
                                .find(|tc| tc.after.key() == i.table)
                                .and_then(|tc| tc.after.schema.clone())
                                .unwrap_or_default();
                            out.renames.push(Renamed {
                                schema,
                                from: copy.name.clone(),
                                to: i.name.clone(),
                            });
                        }
                    }
                }
                Change::DropIndex(i) => {
                    let adopted = (tables.iter())
                        .filter(|tc| tc.after.key() == i.table && joins_partition(tc))
                        .filter_map(|tc| tc.after.partition_of.as_ref())
                        .filter_map(|p| to.tables.get(&p.parent.key()))
                        .flat_map(|parent| parent.indexes.values())
                        .any(|x| shape(x).is_some() && shape(x) == shape(i));
                    if adopted {
                        out.skip.insert((false, i.table.clone(), i.name.clone()));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Whether `change` is an index change attach or detach makes moot.
    pub(super) fn moot(&self, change: &Change) -> bool {
        match change {
            Change::CreateIndex(i) => {
                (self.skip).contains(&(true, i.table.clone(), i.name.clone()))
            }
            Change::DropIndex(i) => (self.skip).contains(&(false, i.table.clone(), i.name.clone())),
            _ => false,
        }
    }
}
