//! `check --offline`: the part of `check` that needs no database of the project: changes in
//! `schemas/` that no revision holds (`schemas/` against `snapshots/`), and with `strict`
//! the objects in `schemas/` schemadiff does not manage. For pre-commit hooks and CI jobs
//! without a database. The project's database is never opened; on PostgreSQL the declared
//! DDL is still normalized on the dev server, as `generate` does.

use super::check::{declared_pair, Problem};
use super::config::Project;
use super::{dev, privileges, unmanaged, Error, Note};
use crate::engine::Engine;
use crate::model::Schema;

/// `check --offline` on engine `E`: the problems `check` would report about `schemas/` and
/// `snapshots/` (same kinds, words and details), none when `schemas/` is revisioned. The
/// objects schemadiff does not manage are noted, each once.
pub fn check<E: Engine>(
    p: &Project,
    strict: bool,
    notes: &dyn Fn(Note),
) -> Result<Vec<Problem>, Error> {
    let dev = dev::<E>(p)?;
    let managed = privileges::managed(&p.config.postgres, &Default::default());
    privileges::before_declaring(&managed);
    let mut models = declared_pair::<E>(p, &dev)?;
    if let Some((snap, wanted)) = &mut models {
        privileges::declared_side(snap, &managed, None);
        privileges::declared_side(wanted, &managed, None);
    }
    let read: Vec<&Schema> = models.iter().flat_map(|(a, b)| [a, b]).collect();
    let mut objects = unmanaged::union(&read);
    objects.retain(|_, what| unmanaged::class(what) != unmanaged::Class::InvalidIndex);
    unmanaged::note(&objects, notes);

    let mut problems = Vec::new();
    let pending = models
        .as_ref()
        .map_or_else(Vec::new, |(snap, wanted)| E::differences(snap, wanted));
    if !pending.is_empty() {
        problems.push(Problem {
            kind: "unrevisioned-changes",
            summary: "schemas/ has changes that no revision holds".into(),
            fix: "run `schemadiff generate -m MSG`".into(),
            details: pending,
        });
    }
    let not_delivered: Vec<String> = models
        .iter()
        .flat_map(|(_, wanted)| unmanaged::declared(wanted))
        .map(|(key, what)| format!("{key} ({what})"))
        .collect();
    if strict && !not_delivered.is_empty() {
        problems.push(Problem {
            kind: "unmanaged-declared",
            summary: "schemas/ holds objects schemadiff does not manage: no revision creates, alters or drops them, so they would not reach the database".into(),
            fix: "create them outside schemadiff (by hand, or in a revision written with `generate --empty`) and take them out of schemas/, or wait until schemadiff supports them".into(),
            details: not_delivered,
        });
    }
    Ok(problems)
}
