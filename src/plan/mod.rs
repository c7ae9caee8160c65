//! Orders a [`Changeset`](crate::diff::Changeset) into executable steps with their hazards.
//! Pure: no I/O.
//!
//! The root is engine-free: the plan shell [`Plan<O>`] (ordered [`Planned`] steps, each with
//! the hazards it carries), the [`Section`] of the script a step runs in, the hazard kinds
//! ([`hazard`]), the likely-rename rule ([`rename`]), dependency ordering ([`order`]), the
//! lock-aware options ([`LockOptions`]) and the typed refusal ([`Error`]). Each engine's child
//! brings its operations and phases ([`Op`]): [`sqlite`] and [`postgres`].
//!
//! What an engine needs around the transaction that is not a step (SQLite's
//! `PRAGMA foreign_keys = OFF` frame, which must sit outside `BEGIN … COMMIT` to take
//! effect and is not one of the steps a reviewer reads) is the engine's [`Op::Settings`]:
//! plain data on the plan (`sqlite::Settings { foreign_keys_off }`; PostgreSQL has none), so
//! the shell names no engine. Statements that do run outside the transaction are steps
//! whose phase maps to [`Section::BeforeTransaction`] or [`Section::AfterCommit`].

pub mod hazard;
pub mod order;
pub mod postgres;
pub mod rename;
pub mod sqlite;

pub use hazard::{Hazard, HazardInfo, HazardKind};

use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// Where in a script a step runs, relative to its one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Before `BEGIN`: session settings, statements the engine refuses inside a
    /// transaction (`ALTER TYPE … ADD VALUE`, `CREATE INDEX CONCURRENTLY`).
    BeforeTransaction,
    /// Inside the transaction: all or nothing.
    InTransaction,
    /// After `COMMIT`: what must not hold the transaction's locks (`VALIDATE CONSTRAINT`).
    AfterCommit,
}

/// An engine's operation: the kinds of step its planner emits and its renderer writes.
pub trait Op: Debug + Clone + PartialEq + Eq {
    /// Execution order of the kinds of steps (steps are sorted by it, stable within one).
    type Phase: Debug + Clone + Copy + PartialEq + Eq + PartialOrd + Ord;
    /// What the engine's script needs around its transaction that is not a step.
    type Settings: Debug + Clone + Default + PartialEq + Eq;

    /// Returns the section of the script `phase` runs in.
    fn section(phase: Self::Phase) -> Section;
}

/// One step: its phase, its operation and the hazards a reviewer must see before running it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned<O: Op> {
    pub phase: O::Phase,
    pub op: O,
    pub hazards: Vec<Hazard>,
}

impl<O: Op> Planned<O> {
    /// Returns a step without hazards.
    pub fn new(phase: O::Phase, op: O) -> Planned<O> {
        Planned {
            phase,
            op,
            hazards: Vec::new(),
        }
    }

    /// Returns the section of the script the step runs in.
    pub fn section(&self) -> Section {
        O::section(self.phase)
    }
}

/// An ordered plan of one engine's operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<O: Op> {
    pub steps: Vec<Planned<O>>,
    pub settings: O::Settings,
}

impl<O: Op> Default for Plan<O> {
    fn default() -> Plan<O> {
        Plan {
            steps: Vec::new(),
            settings: O::Settings::default(),
        }
    }
}

impl<O: Op> Plan<O> {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every hazard of the plan, in step order.
    pub fn hazards(&self) -> impl Iterator<Item = &Hazard> {
        self.steps.iter().flat_map(|s| s.hazards.iter())
    }

    /// The blocking hazards that `allowed` does not accept (what `--strict` fails on).
    pub fn blocking(&self, allowed: &[HazardKind]) -> Vec<&Hazard> {
        self.hazards()
            .filter(|h| h.kind.info().blocking && !allowed.contains(&h.kind))
            .collect()
    }
}

/// How a plan treats locks (`[postgres]` in schemadiff.toml, or flags). Engine-free data:
/// PostgreSQL's planner carries them out; an engine that cannot refuses them
/// ([`Error::Unsupported`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LockOptions {
    /// `CREATE/DROP INDEX CONCURRENTLY` for indexes of existing tables, outside the
    /// transaction.
    pub concurrent_indexes: bool,
    /// CHECK and foreign keys on existing tables added `NOT VALID`, then validated after
    /// the commit; `SET NOT NULL` through a validated CHECK.
    pub not_valid: bool,
    /// `SET lock_timeout` before every statement, e.g. `5s`.
    pub lock_timeout: Option<String>,
    /// `SET statement_timeout` before every statement, e.g. `15min`.
    pub statement_timeout: Option<String>,
    /// `manage = [...]`: the privilege kinds compared (none when absent). Not a lock
    /// option: it lives in `[postgres]` beside them.
    pub manage: Option<Vec<crate::model::privileges::Managed>>,
    /// `[postgres.roles]`: a role a declared file names → its name on this target.
    pub roles: std::collections::BTreeMap<String, String>,
}

impl LockOptions {
    /// Reports whether any lock option asks for something (the default asks for nothing).
    pub fn any(&self) -> bool {
        let locks = |o: &LockOptions| {
            (
                o.concurrent_indexes,
                o.not_valid,
                o.lock_timeout.clone(),
                o.statement_timeout.clone(),
            )
        };
        locks(self) != locks(&LockOptions::default())
    }

    /// The privilege kinds compared.
    pub fn managed(&self) -> &[crate::model::privileges::Managed] {
        self.manage.as_deref().unwrap_or_default()
    }
}

/// What an engine (at the version its capabilities say) cannot carry out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// Lock-aware options: the engine locks the whole database for every write.
    LockOptions,
    /// A table rename: the engine's `RENAME TO` would leave other tables' foreign keys
    /// pointing at the old name.
    TableRename,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unsupported::LockOptions => {
                "lock-aware options (concurrent index builds, NOT VALID, timeouts)"
            }
            Unsupported::TableRename => "table renames",
        })
    }
}

/// Why a plan cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The CLI words each case with its flags (`cli::Error`).
    #[error("{engine} cannot carry out {what}")]
    Unsupported {
        engine: &'static str,
        what: Unsupported,
    },
    /// A version text that does not parse (`--sqlite-version`).
    #[error("invalid version `{}`", crate::sqltext::comment::Printable(.0))]
    Version(String),
}
