//! Orders a PostgreSQL [`Changeset`] into [`Op`]s. Pure: no I/O.
//!
//! PostgreSQL alters almost everything in place, so there are no rebuilds; the work is the
//! order ([`Phase`]): namespaces, extensions, types and sequences first; views that read
//! changed columns dropped before and re-created after; foreign keys dropped before the
//! keys they rely on and added after every table exists (which also handles cycles) and
//! after the unique indexes they reference ([`keys`]);
//! drops of types, sequences, extensions and namespaces last. Functions, domains, composite
//! and range types are ordered by their dependencies across kinds ([`routines`]: before the
//! tables that call them, after the tables and views whose row type they take), triggers
//! once everything exists ([`triggers`]), comments after every create. `ALTER TYPE … ADD VALUE` runs
//! before the transaction, as the server requires for a value used in the same script: each
//! phase says its [`Section`]. What the server's version allows is its [`Caps`].

mod caps;
mod casts;
mod domain_columns;
mod domains;
mod indexes;
mod keys;
mod lock;
mod partition;
mod policies;
mod privileges;
mod routines;
mod table;
#[cfg(test)]
mod tests;
mod triggers;
mod types;
mod views;

pub use caps::Caps;
pub use lock::valid_timeout;
pub use privileges::transitions as privileges_transitions;

use super::rename::{likely_renames, Pairing, RenameRule};
use super::{Hazard, HazardKind, LockOptions, Planned, Section};
use crate::diff::{Change, Changeset, Renamed};
use crate::model::privileges::{AclTarget, DefaultKind};
use crate::model::{
    Attribute, Column, CommentTarget, CompositeType, Domain, EnumType, Extension, ForeignKey,
    Function, Index, PartitionOf, Policy, RangeType, Schema, Sequence, Table, TableRef, Trigger,
    View,
};
use indexes::{create_index, drop_index, index_renames};
use routines::{Routine, Routines};
use std::collections::{BTreeMap, BTreeSet};
use triggers::Triggers;

/// A table as statements name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn of(table: &Table) -> TableName {
        TableName {
            schema: table.schema.clone().unwrap_or_default(),
            name: table.name.clone(),
        }
    }
}

/// What a comment is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOn {
    Table(TableName),
    Column(TableName, String),
    View {
        view: TableName,
        materialized: bool,
    },
    Type(TableName),
    /// Any object kept in [`crate::model::Schema::comments`].
    Object(CommentTarget),
}

/// What `ALTER DOMAIN` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainAction {
    SetDefault(Option<String>),
    SetNotNull(bool),
    /// `ADD CONSTRAINT name definition` (`definition` as `pg_get_constraintdef` prints it,
    /// ` NOT VALID` appended when `not_valid`).
    AddCheck {
        name: String,
        definition: String,
        not_valid: bool,
    },
    DropCheck(String),
    ValidateCheck(String),
    RenameCheck {
        from: String,
        to: String,
    },
}

/// What `ALTER TYPE` changes on a composite type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeAction {
    Add(Attribute),
    Drop(String),
    /// `ALTER ATTRIBUTE name SET DATA TYPE ty [COLLATE c]`.
    AlterType(Attribute),
}

/// A sequence as a statement finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceOf {
    Named {
        schema: String,
        name: String,
    },
    /// The sequence of an identity column.
    Identity {
        table: TableName,
        column: String,
    },
}

/// One operation; `render::postgres` writes its SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateSchema(String),
    DropSchema(String),
    CreateExtension(Extension),
    DropExtension(Extension),
    CreateEnum(EnumType),
    DropEnum(EnumType),
    AddEnumValue {
        ty: EnumType,
        label: String,
        /// `(true, x)`: BEFORE x; `(false, x)`: AFTER x.
        position: Option<(bool, String)>,
    },
    RenameEnum {
        ty: EnumType,
        to: String,
    },
    /// `ALTER TABLE … RENAME TO` (hinted).
    RenameTable(Renamed),
    RenameSequence(Renamed),
    /// `ALTER TYPE … RENAME TO` (a hinted enum type rename).
    RenameType(Renamed),
    /// `ALTER INDEX … RENAME TO`: an index whose definition did not change but its name.
    RenameIndex(Renamed),
    /// `ALTER TABLE … RENAME CONSTRAINT`: same definition, another name.
    RenameConstraint {
        table: TableName,
        from: String,
        to: String,
    },
    CreateSequence(Sequence),
    DropSequence(Sequence),
    AlterSequence(Sequence),
    SequenceOwnedBy(Sequence),
    CreateTable(Table),
    DropTable(Table),
    AddColumn {
        table: TableName,
        column: Column,
    },
    DropColumn {
        table: TableName,
        column: String,
    },
    RenameColumn {
        table: TableName,
        from: String,
        to: String,
    },
    AlterType {
        table: TableName,
        column: Column,
        /// The expression converting the old value (`USING`).
        using: String,
    },
    SetDefault {
        table: TableName,
        column: String,
        default: Option<String>,
    },
    SetNotNull {
        table: TableName,
        column: String,
        not_null: bool,
    },
    /// A marked statement the reviewer replaces to fill a new NOT NULL column.
    Backfill {
        table: TableName,
        column: String,
    },
    AddIdentity {
        table: TableName,
        column: Column,
    },
    DropIdentity {
        table: TableName,
        column: String,
    },
    AlterIdentity {
        table: TableName,
        column: Column,
    },
    /// Before an `ALTER` that moves the bound a sequence counts away from (`MINVALUE` up
    /// for an ascending one), which the server refuses while the sequence's value lies
    /// behind it ("RESTART value … cannot be less than MINVALUE"): `setval` to the new
    /// bound, only when its value lies behind. Only forward: a sequence never goes back
    /// to values it may have handed out.
    SequenceForward {
        sequence: SequenceOf,
        /// Its value while never used: its start before the change.
        unused: i64,
        /// The new `MINVALUE` (ascending) or `MAXVALUE` (descending).
        bound: i64,
        ascending: bool,
    },
    DropExpression {
        table: TableName,
        column: String,
    },
    AddConstraint {
        table: TableName,
        name: String,
        definition: String,
    },
    DropConstraint {
        table: TableName,
        name: String,
    },
    CreateIndex(Index),
    DropIndex {
        schema: String,
        name: String,
    },
    /// `CREATE INDEX CONCURRENTLY IF NOT EXISTS`, outside the transaction.
    CreateIndexConcurrently(Index),
    /// `DROP INDEX CONCURRENTLY IF EXISTS`, outside the transaction.
    DropIndexConcurrently {
        schema: String,
        name: String,
    },
    /// `ALTER TABLE … VALIDATE CONSTRAINT`, after the transaction that added it `NOT VALID`.
    ValidateConstraint {
        table: TableName,
        name: String,
    },
    /// A session setting for every statement after it (`lock_timeout`, `statement_timeout`).
    SetTimeout {
        setting: String,
        value: String,
    },
    CreateView(View),
    DropView(View),
    Comment {
        on: CommentOn,
        text: Option<String>,
    },
    /// `CREATE FUNCTION|PROCEDURE` (the model's definition, `OR REPLACE` kept).
    CreateFunction(Function),
    /// `CREATE OR REPLACE` of a function whose signature and result stay.
    ReplaceFunction(Function),
    /// `DROP FUNCTION|PROCEDURE schema.name(identity arguments)`.
    DropFunction(Function),
    /// PostgreSQL's `CREATE TRIGGER` (the model's `pg_get_triggerdef` text).
    CreateTrigger(Trigger),
    /// `DROP TRIGGER name ON table`.
    DropTrigger(Trigger),
    /// `ALTER TABLE … ENABLE|DISABLE [REPLICA|ALWAYS] TRIGGER name`, as the trigger's
    /// `enabled` says.
    EnableTrigger(Trigger),
    CreateDomain(Domain),
    DropDomain(Domain),
    AlterDomain {
        schema: String,
        name: String,
        action: DomainAction,
    },
    CreateComposite(CompositeType),
    DropComposite(CompositeType),
    AlterComposite {
        schema: String,
        name: String,
        action: AttributeAction,
    },
    CreateRange(RangeType),
    DropRange(RangeType),
    /// `CREATE POLICY name ON table AS … FOR … TO … USING (…) WITH CHECK (…)`.
    CreatePolicy {
        table: TableName,
        policy: Policy,
    },
    DropPolicy {
        table: TableName,
        name: String,
    },
    /// `ALTER POLICY name ON table` with what changes (`Some`): roles, `USING`, `WITH CHECK`.
    AlterPolicy {
        table: TableName,
        name: String,
        roles: Option<Vec<String>>,
        using: Option<String>,
        with_check: Option<String>,
    },
    /// `ALTER TABLE … ENABLE|DISABLE ROW LEVEL SECURITY, [NO] FORCE ROW LEVEL SECURITY`,
    /// for each switch that is `Some`.
    RowSecurity {
        table: TableName,
        enable: Option<bool>,
        force: Option<bool>,
    },
    /// `GRANT` / `REVOKE` on an object, one statement per grantee and kind of change.
    Grant {
        on: AclTarget,
        changes: Vec<AclChange>,
    },
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA schema] GRANT|REVOKE … ON kind`.
    DefaultPrivileges {
        role: String,
        schema: Option<String>,
        on: DefaultKind,
        changes: Vec<AclChange>,
    },
    /// `ALTER … OWNER TO role`.
    Owner {
        on: AclTarget,
        role: String,
    },
    /// `ALTER TABLE parent ATTACH PARTITION table FOR VALUES …`.
    AttachPartition {
        table: TableName,
        partition: PartitionOf,
    },
    /// `ALTER TABLE parent DETACH PARTITION table [CONCURRENTLY]` (concurrently: outside
    /// the transaction).
    DetachPartition {
        table: TableName,
        parent: TableRef,
        concurrently: bool,
    },
    /// `ALTER TABLE table INHERIT parent`.
    Inherit {
        table: TableName,
        parent: TableRef,
    },
    /// `ALTER TABLE table NO INHERIT parent`.
    NoInherit {
        table: TableName,
        parent: TableRef,
    },
    /// After `DETACH PARTITION … CONCURRENTLY`: drops the CHECK the server added to the
    /// detached table (a copy of its old bound, under a name the server chooses), that is
    /// the newest CHECK not named in `keep` (the table's own and its parent's).
    DropDetachedBoundCheck {
        table: TableName,
        keep: Vec<String>,
    },
    /// A change schemadiff refuses to carry out (a table's partitioning scheme): a statement
    /// that stops the script with `reason`, before anything else runs.
    Refuse {
        reason: String,
    },
}

/// One privilege given or taken: `GRANT privilege … TO grantee [WITH GRANT OPTION]`
/// (`grant`), `REVOKE [GRANT OPTION FOR] privilege … FROM grantee`; `grantee` `None` is
/// `PUBLIC`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AclChange {
    pub grant: bool,
    pub grant_option: bool,
    pub grantee: Option<String>,
    pub privilege: String,
}

/// Execution order of the kinds of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Session timeouts, before everything.
    Preamble,
    /// `ALTER TYPE … ADD VALUE`, outside the transaction.
    NoTransaction,
    /// Lock-aware index changes on tables the transaction leaves alone, outside it.
    DropIndexConcurrently,
    CreateIndexConcurrently,
    /// `DETACH PARTITION … CONCURRENTLY`, which cannot run in a transaction block.
    DetachConcurrently,
    /// Hinted table renames (and what is named after them), before anything names them.
    Rename,
    CreateSchema,
    CreateExtension,
    /// `ALTER DEFAULT PRIVILEGES`, before the objects they apply to are created.
    DefaultPrivileges,
    CreateEnum,
    /// Functions, domains, composite and range types that need no table or view: tables'
    /// defaults, CHECKs, indexes and generated columns may call or use them. In dependency
    /// order across the kinds.
    CreateRoutine,
    /// `ALTER DOMAIN` and `ALTER TYPE … ATTRIBUTE`, once what their new CHECKs call exists.
    AlterRoutine,
    CreateSequence,
    /// Policies dropped before the functions they call, the tables they read and the
    /// columns they name go.
    DropPolicy,
    /// Triggers dropped before the views and tables they may read go (and before their
    /// functions are dropped).
    DropTrigger,
    /// Routines that take the row type of a view being dropped: `DROP VIEW` refuses while
    /// they exist.
    DropViewRowTypeRoutine,
    DropView,
    /// Routines that take the row type of a table being dropped: `DROP TABLE` refuses while
    /// they exist; after the views that may call them.
    DropRowTypeRoutine,
    /// Partitions detached and parents no longer inherited, before what the table keeps of
    /// its parent as its own may be dropped, and before a parent is dropped.
    DetachPartition,
    DropForeignKey,
    DropIndex,
    DropConstraint,
    DropTable,
    /// Functions (domains, types) dropped to be created again, once their dependents are
    /// gone (views, triggers, constraints, defaults and indexes drop in the phases above).
    DropReplacedRoutine,
    /// … and created again, before the tables and dependents that use them come back.
    CreateReplacedRoutine,
    /// An enum losing or reordering labels: the old type renamed and the new one created.
    RecreateEnum,
    CreateTable,
    AlterTable,
    /// Partitions attached and parents inherited, once both tables have their columns.
    AttachPartition,
    /// Columns moved onto the re-created enum type; the old type dropped.
    ConvertEnum,
    AddConstraint,
    AddForeignKey,
    SequenceOwnedBy,
    CreateIndex,
    /// Foreign keys that reference the columns of a unique index built in `CreateIndex`.
    AddIndexedForeignKey,
    /// Routines that take the row type of a table this plan creates: after the tables,
    /// before the views that may call them.
    CreateLateRoutine,
    CreateView,
    /// Indexes of materialized views created (again) in `CreateView`.
    CreateViewIndex,
    /// Routines that take the row type of a view this plan creates.
    CreateAfterViews,
    /// Triggers, once their tables, views and functions all exist.
    CreateTrigger,
    /// `ALTER TABLE … ENABLE|DISABLE TRIGGER`, after the trigger exists.
    EnableTrigger,
    /// Policies created and altered, once their tables, columns and functions exist.
    CreatePolicy,
    /// `ENABLE`/`FORCE ROW LEVEL SECURITY`, after every other change to the tables.
    RowSecurity,
    Comment,
    /// `ALTER … OWNER TO`, once every object exists.
    Owner,
    /// `GRANT` / `REVOKE` on objects, once they exist (created ones included), before
    /// anything is dropped (a drop takes its privileges along).
    Grant,
    /// Functions, domains, composite and range types dropped, after everything that used
    /// them (reverse dependency order), before the enum types and sequences they may use.
    DropRoutine,
    DropSequence,
    DropEnum,
    DropExtension,
    DropSchema,
    /// `VALIDATE CONSTRAINT` and what waits for it, after the transaction commits.
    AfterCommit,
}

impl super::Op for Op {
    type Phase = Phase;
    /// Nothing: what runs outside the transaction are steps.
    type Settings = ();

    fn section(phase: Phase) -> Section {
        match phase {
            Phase::Preamble
            | Phase::NoTransaction
            | Phase::DropIndexConcurrently
            | Phase::CreateIndexConcurrently
            | Phase::DetachConcurrently => Section::BeforeTransaction,
            Phase::AfterCommit => Section::AfterCommit,
            _ => Section::InTransaction,
        }
    }
}

/// A PostgreSQL plan.
pub type Plan = super::Plan<Op>;

/// PostgreSQL's likely-rename rule: a column with the same type and nullability; a table
/// in the same schema with the same column names and types, when it is the only such one
/// (partitions are never paired).
const RENAMES: RenameRule = RenameRule {
    same_column: |old, new| new.ty == old.ty && new.not_null == old.not_null,
    // Partitions hold no columns of their own: any two would look alike.
    same_table: |old, new| {
        old.partition_of.is_none()
            && new.partition_of.is_none()
            && old.schema == new.schema
            && old.columns.len() == new.columns.len()
            && old
                .columns
                .iter()
                .zip(&new.columns)
                .all(|(a, b)| a.name == b.name && a.ty == b.ty)
    },
    tables: Pairing::UniqueTwin,
};

/// Collects steps; phases order them at the end (stable within a phase).
#[derive(Default)]
pub(crate) struct Steps {
    list: Vec<Planned<Op>>,
    /// Column types (`schema.type` as `format_type` prints it, arrays too) of enums being
    /// re-created: their columns' conversion also sets their defaults.
    pub(crate) recreated_enums: BTreeSet<String>,
    /// Enum types of both sides as `format_type` prints them (the cast table knows them).
    pub(crate) enums: BTreeSet<String>,
    /// What the server can do.
    pub(crate) caps: Caps,
    /// Tables whose changes reach views only through some of their columns (a column
    /// dropped or retyped), with those columns; `None` for a change that concerns every
    /// view of the table (a rename). See [`views::dependent_views`].
    pub(crate) changed_columns: BTreeMap<String, Option<BTreeSet<String>>>,
    /// Policies (table key, name) dropped and created again around a re-created function
    /// they call.
    pub(crate) recreated_policies: BTreeSet<(String, String)>,
}

impl Steps {
    pub(crate) fn push(&mut self, phase: Phase, op: Op) {
        self.list.push(Planned::new(phase, op));
    }

    pub(crate) fn risky(&mut self, phase: Phase, op: Op, hazards: Vec<Hazard>) {
        self.list.push(Planned { phase, op, hazards });
    }

    /// Records that column `column` of table `key` changes in a way views reading it see.
    pub(crate) fn column_changes(&mut self, key: &str, column: &str) {
        let entry = self
            .changed_columns
            .entry(key.to_string())
            .or_insert_with(|| Some(BTreeSet::new()));
        if let Some(columns) = entry {
            columns.insert(column.to_string());
        }
    }

    /// Records that table `key` changes in a way every view reading it sees.
    pub(crate) fn table_changes(&mut self, key: &str) {
        self.changed_columns.insert(key.to_string(), None);
    }
}

pub(crate) fn hazard(kind: HazardKind, detail: String) -> Hazard {
    Hazard { kind, detail }
}

/// Returns the plan that turns `from` into `to` given their `changes`, with the default
/// options (everything in one transaction but `ALTER TYPE … ADD VALUE`).
pub fn plan_postgres(changes: &Changeset, from: &Schema, to: &Schema) -> Plan {
    plan_postgres_with(changes, from, to, &LockOptions::default())
}

/// Returns the plan that turns `from` into `to`, lock-aware as `options` asks, for the
/// server version schemadiff assumes ([`Caps::default`]).
pub fn plan_postgres_with(
    changes: &Changeset,
    from: &Schema,
    to: &Schema,
    options: &LockOptions,
) -> Plan {
    plan_postgres_for(changes, from, to, options, Caps::default())
}

/// Returns the plan that turns `from` into `to` on a server with `caps`, lock-aware as
/// `options` asks.
pub fn plan_postgres_for(
    changes: &Changeset,
    from: &Schema,
    to: &Schema,
    options: &LockOptions,
    caps: Caps,
) -> Plan {
    let likely = likely_renames(changes, &RENAMES);
    // Renamed tables are existing tables under their new names for everything below.
    let renamed = crate::diff::postgres::renamed_schema(from, changes);
    let from: &Schema = &renamed;
    let mut steps = Steps {
        enums: from
            .enums
            .values()
            .chain(to.enums.values())
            .map(|e| crate::sqltext::quote_pg_qualified(&e.schema, &e.name))
            .collect(),
        caps,
        ..Steps::default()
    };
    let mut affected: BTreeSet<String> = BTreeSet::new();
    let mut created_tables = Vec::new();
    let mut dropped_tables = Vec::new();
    let mut views = (Vec::new(), Vec::new());
    let mut routines = Routines::default();
    let mut triggers = Triggers::default();
    let mut policies = policies::Policies::default();
    let mut comments = Vec::new();
    let renamed_indexes = index_renames(changes, from);
    for r in &renamed_indexes {
        steps.push(Phase::Rename, Op::RenameIndex(r.clone()));
    }
    let moves = partition::IndexMoves::new(changes, to);
    for r in &moves.renames {
        steps.push(Phase::AlterTable, Op::RenameIndex(r.clone()));
    }
    let paired = |change: &Change| match change {
        Change::DropIndex(i) => renamed_indexes.iter().any(|r| r.from == i.name),
        Change::CreateIndex(i) => renamed_indexes.iter().any(|r| r.to == i.name),
        _ => false,
    };
    for change in &changes.changes {
        match change {
            Change::RenameTable(r) => {
                let key = crate::model::qualified_key(&r.schema, &r.to);
                steps.table_changes(&key);
                affected.insert(key);
                steps.push(Phase::Rename, Op::RenameTable(r.clone()));
            }
            Change::RenameSequence(r) => steps.push(Phase::Rename, Op::RenameSequence(r.clone())),
            Change::RenameEnum(r) => steps.push(Phase::Rename, Op::RenameType(r.clone())),
            Change::CreateIndex(_) | Change::DropIndex(_) if paired(change) => {}
            Change::CreateIndex(_) | Change::DropIndex(_) if moves.moot(change) => {}
            Change::CreateSchema(s) => steps.push(Phase::CreateSchema, Op::CreateSchema(s.clone())),
            Change::DropSchema(s) => steps.push(Phase::DropSchema, Op::DropSchema(s.clone())),
            Change::CreateExtension(e) => {
                steps.push(Phase::CreateExtension, Op::CreateExtension(e.clone()))
            }
            Change::DropExtension(e) => {
                steps.push(Phase::DropExtension, Op::DropExtension(e.clone()))
            }
            Change::CreateEnum(e) => types::create_enum(&mut steps, e),
            Change::DropEnum(e) => steps.push(Phase::DropEnum, Op::DropEnum(e.clone())),
            Change::AlterEnum { before, after } => {
                let old = types::name_before_renames(before, changes);
                types::alter_enum(&mut steps, (before, old), after, from, to, &mut affected)
            }
            Change::CreateSequence(q) => types::create_sequence(&mut steps, q),
            Change::DropSequence(q) => types::drop_sequence(&mut steps, q, to),
            Change::AlterSequence { before, after } => {
                types::alter_sequence(&mut steps, before, after)
            }
            Change::CreateTable(t) => created_tables.push(t),
            Change::DropTable(t) => dropped_tables.push(t),
            Change::AlterTable(tc) => {
                let tc = partition::alter(&mut steps, tc, (from, to), options);
                table::alter(&mut steps, &tc, &mut affected, &likely)
            }
            Change::CreateIndex(i) => create_index(&mut steps, i, from, changes),
            Change::DropIndex(i) => drop_index(&mut steps, i, from),
            Change::CreateView(v) => views.1.push(v.clone()),
            Change::DropView(v) => views.0.push(v.clone()),
            Change::CreateTrigger(_) | Change::DropTrigger(_) | Change::AlterTrigger { .. } => {
                triggers.add(change)
            }
            Change::CreateFunction(f) => routines.create(Routine::Function(f.clone())),
            Change::DropFunction(f) => routines.drop(Routine::Function(f.clone())),
            Change::ReplaceFunction { before, after } => routines.replace(before, after),
            Change::CreateDomain(d) => routines.create(Routine::Domain(d.clone())),
            Change::DropDomain(d) => routines.drop(Routine::Domain(d.clone())),
            Change::AlterDomain { before, after } => {
                let (sides, schemas) = ((before, after), (from, to));
                domains::alter_domain(
                    &mut steps,
                    &mut routines,
                    sides,
                    schemas,
                    &mut affected,
                    options,
                )
            }
            Change::CreateComposite(t) => routines.create(Routine::Composite(t.clone())),
            Change::DropComposite(t) => routines.drop(Routine::Composite(t.clone())),
            Change::AlterComposite { before, after } => {
                let (sides, schemas) = ((before, after), (from, to));
                domains::alter_composite(&mut steps, &mut routines, sides, schemas, &mut affected)
            }
            Change::CreateRange(r) => routines.create(Routine::Range(r.clone())),
            Change::DropRange(r) => routines.drop(Routine::Range(r.clone())),
            Change::Comment { .. } => comments.push(change),
            Change::RowSecurity { .. }
            | Change::CreatePolicy { .. }
            | Change::DropPolicy { .. }
            | Change::AlterPolicy { .. } => policies.add(change),
            // Planned once every create is known (`privileges::plan`).
            Change::Privileges { .. } | Change::DefaultPrivileges { .. } | Change::Owner { .. } => {
            }
            // SQLite's: PostgreSQL schemas hold no virtual tables.
            Change::CreateVirtualTable(_) | Change::DropVirtualTable(_) => {}
        }
    }
    table::create_tables(&mut steps, &created_tables, from);
    table::drop_tables(&mut steps, &dropped_tables, &likely, from);
    views::comment_only(&mut steps, &mut views);
    triggers.column_users(&steps.changed_columns, from, to);
    routines.finish(&mut steps, &mut views, &mut triggers, from, to);
    views::dependent_views(&mut views, &affected, &steps.changed_columns, from, to);
    let back: BTreeSet<String> = views.1.iter().map(views::view_key).collect();
    let gone: BTreeSet<String> = (views.0.iter().map(views::view_key))
        .chain(dropped_tables.iter().map(|t| t.key()))
        .collect();
    triggers.plan(&mut steps, &gone, &back, from, to);
    policies.plan(&mut steps, &gone, from, to);
    views::comments_with_creates(&mut steps, &views.1);
    // A view created again brings its indexes; its own index changes are then moot.
    // A view dropped takes its indexes with it.
    steps.list.retain(|s| match &s.op {
        Op::CreateIndex(i) => !views.1.iter().any(|v| views::view_key(v) == i.table),
        Op::DropIndex { schema, name } => !views
            .0
            .iter()
            .any(|v| v.schema.as_deref() == Some(schema.as_str()) && v.indexes.contains_key(name)),
        _ => true,
    });
    views::order_views(&mut steps, views, from, to);
    for tc in changes.changes.iter().filter_map(|c| match c {
        Change::AlterTable(tc) if tc.sources.iter().any(|(_, s)| s.is_none()) => Some(tc),
        _ => None,
    }) {
        affected.insert(tc.after.key());
    }
    keys::follow_keys(&mut steps, from, to);
    triggers::comments(&mut steps, &comments, to);
    privileges::plan(&mut steps, changes, from, to, options);
    bodies_unchecked(&mut steps);
    let mut out = lock::apply(steps.list, options, from, &affected);
    out.sort_by_key(|s| s.phase);
    Plan {
        steps: out,
        settings: (),
    }
}

/// `SET check_function_bodies = off` first when the plan creates or replaces a function, so
/// that a SQL function's body may name a table or function the script creates later (as
/// `pg_dump` does). Bodies are checked when first run instead.
/// Source: <https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-CHECK-FUNCTION-BODIES>.
fn bodies_unchecked(steps: &mut Steps) {
    let creates = steps
        .list
        .iter()
        .any(|s| matches!(s.op, Op::CreateFunction(_) | Op::ReplaceFunction(_)));
    if creates {
        let op = Op::SetTimeout {
            setting: "check_function_bodies".into(),
            value: "off".into(),
        };
        steps.push(Phase::Preamble, op);
    }
}

/// Foreign keys of `t` as `(name, definition)`.
pub(crate) fn fk_defs(fks: &[ForeignKey]) -> Vec<(String, String)> {
    fks.iter()
        .map(|f| {
            (
                f.name.clone().unwrap_or_default(),
                f.definition.clone().unwrap_or_default(),
            )
        })
        .collect()
}
