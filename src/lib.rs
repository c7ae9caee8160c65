//! schemadiff: declared SQL schemas and live databases in one normalized model, diffed into
//! reviewable upgrade and downgrade scripts.
//!
//! The pipeline reads off the modules: [`declare`] and [`introspect`] produce a
//! [`model::Schema`]; [`diff::diff`] compares two; [`plan::plan`] orders the changes into
//! steps; [`render`] writes SQL. `diff`, `plan` and `render` do no I/O.

pub mod model;
pub mod sqltext;
pub mod introspect;
pub mod declare;
