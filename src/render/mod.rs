//! Writes plans as SQL scripts (and their JSON form) and schemas as canonical DDL. Pure.
//!
//! The root holds what both engines share: the rendered step and hazard (the JSON form) and
//! their script text; each engine's child renders its own plan's operations into them.
//! Must not import `introspect`, `apply` or `cli`.

pub mod postgres;
pub mod snapshot;
pub mod sqlite;

use crate::sqltext::comment;
use serde::Serialize;

/// One rendered step: comment lines (raw text, without `-- `: [`format_steps`] writes them
/// through [`comment::line`]) and complete SQL statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedStep {
    pub phase: String,
    pub hazards: Vec<RenderedHazard>,
    pub comment: Vec<String>,
    pub statements: Vec<String>,
}

/// A hazard as scripts and JSON show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedHazard {
    pub code: &'static str,
    pub blocking: bool,
    pub detail: String,
    pub doc: &'static str,
}

/// Writes rendered steps as script text: hazards, comments, statements (both engines).
pub fn format_steps(steps: &[RenderedStep]) -> String {
    let mut out = String::new();
    for step in steps {
        out.push('\n');
        for h in &step.hazards {
            out.push_str(&comment::line(&format!(
                "hazard[{}]: {} (see {})",
                h.code, h.detail, h.doc
            )));
        }
        for line in &step.comment {
            out.push_str(&comment::line(line));
        }
        for stmt in &step.statements {
            out.push_str(stmt);
            out.push_str(";\n");
        }
    }
    out
}
