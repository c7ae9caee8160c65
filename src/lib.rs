//! schemadiff: declared SQL schemas and live databases in one normalized model, diffed into
//! reviewable upgrade and downgrade scripts.
//!
//! The pipeline reads off the modules: [`declare`] and [`introspect`] produce a
//! [`model::Schema`]; [`diff::diff`] compares two; [`plan::sqlite::plan`] and [`plan::postgres::plan_postgres`] order the changes into
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

pub mod cli;
pub mod source;
