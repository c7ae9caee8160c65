//! Writes plans as SQL scripts (and their JSON form) and schemas as canonical DDL. Pure.
//!
//! The root holds what both engines share: the rendered step and hazard (the JSON form),
//! a plan's steps rendered with their phase and hazards ([`render_steps`]), and their script
//! text; each engine's child renders its own operations into them.
//! Must not import `introspect`, `apply` or `cli`.

pub mod postgres;
pub mod snapshot;
pub mod sqlite;

use crate::plan::{Hazard, Op, Plan, Planned};
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

impl RenderedHazard {
    /// Returns `h` as scripts and JSON show it.
    pub fn of(h: &Hazard) -> RenderedHazard {
        let info = h.kind.info();
        RenderedHazard {
            code: info.code,
            blocking: info.blocking,
            detail: h.detail.clone(),
            doc: info.doc,
        }
    }
}

/// The comment lines and statements of one operation, as an engine's child writes them.
pub type OpText = (Vec<String>, Vec<String>);

/// Returns one step rendered: its phase's name, its hazards, and `op_text` of its operation.
pub fn render_step<O: Op>(step: &Planned<O>, op_text: impl Fn(&O) -> OpText) -> RenderedStep {
    let (comment, statements) = op_text(&step.op);
    RenderedStep {
        phase: format!("{:?}", step.phase),
        hazards: step.hazards.iter().map(RenderedHazard::of).collect(),
        comment,
        statements,
    }
}

/// Returns the plan's steps rendered one by one (see [`render_step`]).
pub fn render_steps<O: Op>(plan: &Plan<O>, op_text: impl Fn(&O) -> OpText) -> Vec<RenderedStep> {
    plan.steps
        .iter()
        .map(|s| render_step(s, &op_text))
        .collect()
}

/// Writes rendered steps as script text: hazards, comments, statements (both engines).
pub fn format_steps(steps: &[RenderedStep]) -> String {
    let mut out = String::new();
    for step in steps {
        out.push('\n');
        for h in &step.hazards {
            out.push_str(&comment::line(&format!(
                "hazard[{}]: {} (see: schemadiff explain {})",
                h.code, h.detail, h.code
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
