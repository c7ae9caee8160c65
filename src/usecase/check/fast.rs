//! `check` without loading anything into a scratch database, where the check record
//! ([`super::super::record`]) vouches for the result: the slow path's answer exactly, or
//! the slow path itself (each function says why it does not apply).

use super::super::config::Project;
use super::super::record::{self, Record};
use crate::engine::{self, Engine};
use crate::model::Schema;
use crate::revision::Revision;

/// The project's check record when `check` may use it; else why not.
pub(super) fn record<E: Engine>(p: &Project) -> Result<Record, String> {
    if engine::cache_disabled() {
        return Err("the check record is not read with --no-cache".into());
    }
    let r = record::read(p)?;
    match r.mismatch(&record::Context::of::<E>(p)) {
        Some(why) => Err(format!(
            "{} is not used: {why}; `schemadiff generate` rewrites it",
            record::path(p).display()
        )),
        None => Ok(r),
    }
}

/// `snapshots/` and `schemas/` when the record says they agree (the files `generate`
/// read and the snapshot it wrote from them, on the same server version): two stand-ins
/// with no differences that hold what `check` reads of the declared side besides them,
/// its unmanaged objects. Why not, otherwise.
pub(super) fn declared<E: Engine>(
    r: &Record,
    p: &Project,
    dev: &E::Dev,
) -> Result<(Schema, Schema), String> {
    if record::dir(&p.schemas())? != r.schemas {
        return Err("schemas/ changed since the record was written".into());
    }
    if record::dir(&p.snapshots())? != r.snapshots {
        return Err("snapshots/ changed since the record was written".into());
    }
    let server = E::print_version(dev).map_err(|e| e.to_string())?;
    if server != r.server {
        return Err(format!(
            "the record was written with server version {}, the dev server is {server}",
            r.server
        ));
    }
    let stand_in = Schema {
        unmanaged: r.declared_unmanaged.clone(),
        ..Schema::default()
    };
    Ok((stand_in.clone(), stand_in))
}

/// Whether `live` (read at `applied`, whose revisions are `revs`) is the model the record
/// holds for that revision: then the replay is not needed, there is no drift. `live` has
/// the privilege kinds not managed dropped, as `check` compares it. `Ok` says what
/// matched; `Err` why the replay is needed.
pub(super) fn live(
    r: &Record,
    applied: &[String],
    revs: &[&Revision],
    live: &mut Schema,
) -> Result<String, String> {
    let [id] = applied else {
        return Err(match applied.len() {
            0 => "the database is at base".into(),
            _ => "the database is at several heads".into(),
        });
    };
    let Some(at) = r.revisions.get(id) else {
        return Err(format!("the record has no model of revision {id}"));
    };
    if record::migrations(revs) != at.migrations {
        return Err(format!(
            "the revisions up to {id} changed since the record was written"
        ));
    }
    if record::live_model(live, &r.context) != at.model {
        return Err(format!(
            "the database's schema is not the model recorded for revision {id} (drift, or a print the revisions do not repeat): replaying them to compare"
        ));
    }
    Ok(format!(
        "the database's schema is the model recorded for revision {id}: no drift, revisions not replayed"
    ))
}
