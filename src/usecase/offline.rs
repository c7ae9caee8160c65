//! `check --offline`: the part of `check` that needs no database of the project: changes in
//! `schemas/` that no revision holds (`schemas/` against `snapshots/`), and with `strict`
//! the objects in `schemas/` schemadiff does not manage. For pre-commit hooks and CI jobs
//! without a database. The project's database is never opened; on PostgreSQL the declared
//! DDL is still normalized on the dev server, as `generate` does.

use super::check::{declared_pair, pending_problem, unmanaged_declared_problem, Problem};
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

    Ok(pending_problem::<E>(&models)
        .into_iter()
        .chain(unmanaged_declared_problem(&models, strict))
        .collect())
}
