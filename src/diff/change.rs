//! The differ's output: a [`Changeset`] of [`Change`]s, the same types for every engine.
//!
//! **Table renames have one encoding**: a [`Change::RenameTable`], and when the renamed table
//! differs in more than its name, an [`Change::AlterTable`] after it whose `before` is the old
//! table as it stands after the rename (its name, its self-references and its indexes already
//! the new name's). So `before.name == after.name` in every `AlterTable`, and the planners read
//! renames from `RenameTable` only.

use crate::model::privileges::{AclDiff, AclTarget, DefaultPrivileges};
use crate::model::{
    CommentTarget, CompositeType, Domain, EnumType, Extension, Function, Index, Policy, RangeType,
    Sequence, Table, Trigger, View, VirtualTable,
};

/// What differs between two schemas, in a deterministic order (by kind, then name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changeset {
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateTable(Table),
    DropTable(Table),
    AlterTable(Box<TableChange>),
    CreateIndex(Index),
    DropIndex(Index),
    CreateView(View),
    DropView(View),
    CreateTrigger(Trigger),
    DropTrigger(Trigger),
    /// SQLite: a virtual table is new, or its module or arguments changed (then a
    /// [`Change::DropVirtualTable`] of the old one comes first).
    CreateVirtualTable(VirtualTable),
    DropVirtualTable(VirtualTable),
    // PostgreSQL only.
    CreateSchema(String),
    DropSchema(String),
    CreateExtension(Extension),
    DropExtension(Extension),
    CreateEnum(EnumType),
    DropEnum(EnumType),
    AlterEnum {
        before: EnumType,
        after: EnumType,
    },
    CreateSequence(Sequence),
    DropSequence(Sequence),
    /// A table renamed (a hint, or on SQLite a name in another case): the one encoding of a
    /// table rename on every engine (see the module's documentation).
    RenameTable(Renamed),
    /// PostgreSQL: a serial column's sequence renamed with its table.
    RenameSequence(Renamed),
    /// PostgreSQL: a hinted enum type rename (`ALTER TYPE … RENAME TO`). What follows compares
    /// the type and everything naming it under the new name.
    RenameEnum(Renamed),
    AlterSequence {
        before: Sequence,
        after: Sequence,
    },
    /// PostgreSQL: a function or procedure is new (another signature is another function).
    CreateFunction(Function),
    DropFunction(Function),
    /// PostgreSQL: same signature (key), another definition beyond whitespace. The planner
    /// decides between `CREATE OR REPLACE` and drop + create (result type, parameter names
    /// or defaults, function ↔ procedure).
    ReplaceFunction {
        before: Function,
        after: Function,
    },
    /// PostgreSQL: a trigger whose definition is the same but its enabled state.
    AlterTrigger {
        before: Trigger,
        after: Trigger,
    },
    CreateDomain(Domain),
    DropDomain(Domain),
    AlterDomain {
        before: Domain,
        after: Domain,
    },
    CreateComposite(CompositeType),
    DropComposite(CompositeType),
    AlterComposite {
        before: CompositeType,
        after: CompositeType,
    },
    /// A range type is new or changed (a changed one is dropped first: PostgreSQL cannot
    /// alter a range type's definition).
    CreateRange(RangeType),
    DropRange(RangeType),
    /// PostgreSQL: a table's row-level security switches change (`ENABLE`/`DISABLE`,
    /// `FORCE`/`NO FORCE`); `Some` for each that changes, to its new value. Also for a
    /// new table whose switches are on.
    RowSecurity {
        schema: String,
        table: String,
        enable: Option<bool>,
        force: Option<bool>,
    },
    /// PostgreSQL: a policy is new on a table (also on a new table), or is created again
    /// after a [`Change::DropPolicy`] because its command, kind (permissive or
    /// restrictive) changed or an expression was removed, which `ALTER POLICY` cannot do.
    CreatePolicy {
        schema: String,
        table: String,
        policy: Policy,
    },
    /// PostgreSQL: a policy is gone from a table that stays (or is dropped to be created
    /// again). A dropped table takes its policies with it: no change for them.
    DropPolicy {
        schema: String,
        table: String,
        policy: Policy,
    },
    /// PostgreSQL: same name, command and kind; other roles, `USING` or `WITH CHECK`
    /// (`ALTER POLICY`).
    AlterPolicy {
        schema: String,
        table: String,
        before: Policy,
        after: Policy,
    },
    /// PostgreSQL: a comment set, changed or removed on an object kept in
    /// [`crate::model::Schema::comments`]. Objects created or dropped carry theirs along:
    /// this is for objects on both sides, and for new objects' comments.
    Comment {
        on: CommentTarget,
        before: Option<String>,
        after: Option<String>,
    },
    /// PostgreSQL: the privileges of an object of the target differ (each side as the
    /// difference from the built-in default). For a new object the planner compares the
    /// target's with what the object gets when created.
    Privileges {
        on: AclTarget,
        before: AclDiff,
        after: AclDiff,
    },
    /// PostgreSQL: default privileges (`ALTER DEFAULT PRIVILEGES`) set, changed or gone.
    DefaultPrivileges {
        before: Option<DefaultPrivileges>,
        after: Option<DefaultPrivileges>,
    },
    /// PostgreSQL: an object on both sides has another owner.
    Owner {
        on: AclTarget,
        before: String,
        after: String,
    },
}

/// A table present on both sides whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableChange {
    pub before: Table,
    pub after: Table,
    /// For each column of `after`, in order: the `before` column it carries data from.
    pub sources: Vec<(String, Option<String>)>,
    /// Columns of `before` no `after` column carries.
    pub dropped: Vec<String>,
    /// Hinted renames `(old, new)` that apply.
    pub renamed: Vec<(String, String)>,
}

/// An object of namespace `schema` renamed from `from` to `to`. `schema` is empty on an engine
/// without namespaces (SQLite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub schema: String,
    pub from: String,
    pub to: String,
}

impl Change {
    /// One line naming what changes, for reports.
    pub fn summary(&self) -> String {
        match self {
            Change::CreateTable(t) => format!("table {} is new", t.key()),
            Change::DropTable(t) => format!("table {} is gone", t.key()),
            Change::AlterTable(tc) => format!("table {} changed", tc.after.key()),
            Change::CreateIndex(i) => format!("index {} is new or changed", i.name),
            Change::DropIndex(i) => format!("index {} is gone or changed", i.name),
            Change::CreateView(v) => format!("view {} is new or changed", v.name),
            Change::DropView(v) => format!("view {} is gone or changed", v.name),
            Change::CreateTrigger(t) => format!("trigger {} is new or changed", t.name),
            Change::DropTrigger(t) => format!("trigger {} is gone or changed", t.name),
            Change::CreateVirtualTable(v) => {
                format!("virtual table {} is new or changed", v.name)
            }
            Change::DropVirtualTable(v) => {
                format!("virtual table {} is gone or changed", v.name)
            }
            Change::CreateSchema(s) => format!("schema {s} is new"),
            Change::DropSchema(s) => format!("schema {s} is gone"),
            Change::CreateExtension(e) => format!("extension {} is new", e.name),
            Change::DropExtension(e) => format!("extension {} is gone", e.name),
            Change::CreateEnum(e) => format!("type {}.{} is new", e.schema, e.name),
            Change::DropEnum(e) => format!("type {}.{} is gone", e.schema, e.name),
            Change::AlterEnum { after, .. } => {
                format!("type {}.{} has other labels", after.schema, after.name)
            }
            Change::RenameTable(r) if r.schema.is_empty() => {
                format!("table {} is renamed to {}", r.from, r.to)
            }
            Change::RenameTable(r) => {
                format!("table {}.{} is renamed to {}", r.schema, r.from, r.to)
            }
            Change::RenameSequence(r) => {
                format!("sequence {}.{} is renamed to {}", r.schema, r.from, r.to)
            }
            Change::RenameEnum(r) => {
                format!("type {}.{} is renamed to {}", r.schema, r.from, r.to)
            }
            Change::CreateSequence(q) => format!("sequence {}.{} is new", q.schema, q.name),
            Change::DropSequence(q) => format!("sequence {}.{} is gone", q.schema, q.name),
            Change::AlterSequence { after, .. } => {
                format!("sequence {}.{} changed", after.schema, after.name)
            }
            Change::CreateFunction(f) => format!("{} {} is new", routine(f), f.key()),
            Change::DropFunction(f) => format!("{} {} is gone", routine(f), f.key()),
            Change::ReplaceFunction { after, .. } => {
                format!("{} {} changed", routine(after), after.key())
            }
            Change::AlterTrigger { after, .. } => {
                format!(
                    "trigger {} on {} is enabled otherwise",
                    after.name, after.table
                )
            }
            Change::CreateDomain(d) => format!("domain {}.{} is new", d.schema, d.name),
            Change::DropDomain(d) => format!("domain {}.{} is gone", d.schema, d.name),
            Change::AlterDomain { after, .. } => {
                format!("domain {}.{} changed", after.schema, after.name)
            }
            Change::CreateComposite(t) => format!("type {}.{} is new", t.schema, t.name),
            Change::DropComposite(t) => format!("type {}.{} is gone", t.schema, t.name),
            Change::AlterComposite { after, .. } => {
                format!("type {}.{} has other attributes", after.schema, after.name)
            }
            Change::CreateRange(r) => {
                format!("range type {}.{} is new or changed", r.schema, r.name)
            }
            Change::DropRange(r) => {
                format!("range type {}.{} is gone or changed", r.schema, r.name)
            }
            Change::RowSecurity {
                schema,
                table,
                enable,
                force,
            } => {
                let mut what = Vec::new();
                if let Some(e) = enable {
                    what.push(if *e { "enabled" } else { "disabled" });
                }
                if let Some(f) = force {
                    what.push(if *f { "forced" } else { "no longer forced" });
                }
                format!(
                    "row-level security of table {schema}.{table} is {}",
                    what.join(" and ")
                )
            }
            Change::CreatePolicy {
                schema,
                table,
                policy,
            } => format!("policy {} on {schema}.{table} is new", policy.name),
            Change::DropPolicy {
                schema,
                table,
                policy,
            } => format!("policy {} on {schema}.{table} is gone", policy.name),
            Change::AlterPolicy {
                schema,
                table,
                after,
                ..
            } => format!("policy {} on {schema}.{table} changed", after.name),
            Change::Comment { on, after, .. } => match after {
                Some(_) => format!("comment on {} is new or changed", on.key()),
                None => format!("comment on {} is gone", on.key()),
            },
            Change::Privileges { on, .. } => format!("privileges on {} changed", on.key()),
            Change::DefaultPrivileges { before, after } => match (before, after) {
                (_, Some(d)) => format!("default privileges {} are new or changed", d.key()),
                (Some(d), None) => format!("default privileges {} are gone", d.key()),
                (None, None) => "default privileges".into(),
            },
            Change::Owner { on, after, .. } => {
                format!("owner of {} is now {after}", on.key())
            }
        }
    }
}

fn routine(f: &Function) -> &'static str {
    if f.procedure {
        "procedure"
    } else {
        "function"
    }
}

impl Changeset {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}
