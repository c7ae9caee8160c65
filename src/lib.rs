//! schemadiff: declared SQL schemas and live databases in one normalized model, diffed into
//! reviewable upgrade and downgrade scripts.
//!
//! The pipeline reads off the modules: [`declare`] and [`introspect`] produce a
//! [`model::Schema`]; [`diff::diff`] compares two; [`plan::plan`] orders the changes into
//! steps; [`render`] writes SQL. `diff`, `plan` and `render` do no I/O.

pub mod apply;
pub mod config;
pub mod declare;
pub mod diff;
pub mod introspect;
pub mod model;
pub mod pg_error;
pub mod plan;
pub mod publish;
pub mod redact;
pub mod render;
pub mod revision;
/// The snapshot files on disk, still reachable at their former path `schemadiff::snapshot`.
pub use revision::snapshot;
pub mod sqltext;
pub mod textfile;

use model::{Renames, Schema};
use plan::{Caps, Plan};

/// Returns the SQLite plan that turns `from` into `to`: diff, then plan.
pub fn plan_sqlite(from: &Schema, to: &Schema, renames: &Renames, caps: Caps) -> Plan {
    let changes = diff::diff(&diff::SQLITE, from, to, renames);
    plan::plan(&changes, from, to, caps)
}
pub mod cli;
pub mod source;
