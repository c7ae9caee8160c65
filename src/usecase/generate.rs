//! `generate` (a revision from snapshots/ to schemas/, or from the live database) and
//! `merge` (a revision that joins heads): new revision files and the snapshot, written all
//! or nothing.

use super::config::Project;
use super::{
    allowed_kinds, blocking, declared, declared_snapshots, dev, graph, open, privileges, record,
    unmanaged, Error, Note, Safety,
};
use crate::engine::{self, known_heads, Engine, Target};
use crate::model::{Renames, Schema};
use crate::plan::Hazard;
use crate::revision::{self, Graph};
use crate::threads::joined;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `generate` is asked.
#[derive(Debug, Clone, Default)]
pub struct GenerateRequest {
    /// `-m`.
    pub message: String,
    /// `--from-db`: compare the live database (at head) instead of snapshots/.
    pub from_db: bool,
    /// `--empty`: write the revision even without changes, with empty sections.
    pub empty: bool,
    /// `--rev-id`: the new revision's id (default: a random one).
    pub rev_id: Option<String>,
    pub safety: Safety,
}

/// What `generate` did.
#[derive(Debug)]
pub enum Generated {
    /// No changes, nothing written.
    NoChanges,
    /// `--strict` stopped it: this many blocking hazards, and the objects of schemas/
    /// schemadiff does not manage (key, what it is); nothing written.
    Blocked {
        hazards: usize,
        unmanaged: Vec<(String, String)>,
    },
    /// The revision file written.
    Written(PathBuf),
}

/// Before `generate` on any engine: a generate killed between renaming the snapshots and
/// the revision left snapshots/ ahead of migrations/; going on would say "No changes
/// detected" and lose its changes.
pub fn check_not_interrupted(p: &Project) -> Result<(), Error> {
    Ok(crate::publish::check_not_interrupted(&[
        p.snapshots(),
        p.migrations(),
    ])?)
}

/// `generate` on engine `E`: both sides declared at once (each a scratch load or a cache
/// read), the renames, both plans, the hazards, then the revision and the snapshot.
pub fn generate<E: Engine>(
    p: &Project,
    a: &GenerateRequest,
    notes: &dyn Fn(Note),
) -> Result<Generated, Error> {
    let mut clock = crate::progress::Laps::start();
    let target = Target {
        version: None,
        options: p.config.postgres.clone(),
        flags: a.safety.flags.clone(),
    };
    // An engine without lock options refuses their flags before anything is read; one with
    // them checks the options once the models are loaded (as `generate` always did).
    if !E::LOCK_OPTIONS {
        E::caps(&target, &Renames::default())?;
    }
    let g = graph(p)?;
    let parents: Vec<String> = g.head()?.map(str::to_string).into_iter().collect();
    let id = new_id(&g, a.rev_id.as_deref(), &[&a.message, &parents.join(" ")])?;
    let dev = dev::<E>(p)?;
    let managed = privileges::managed(&p.config.postgres, &a.safety.flags);
    privileges::before_declaring(&managed);
    let (before, after) = std::thread::scope(|s| {
        let after = s.spawn(|| declared::<E>(&dev, &p.schemas()));
        let before = if a.from_db {
            live_at_head::<E>(p, &g)
        } else if revision::snapshot::exists(&p.snapshots()) {
            declared_snapshots::<E>(&dev, p)
        } else {
            Ok(Schema::default())
        };
        let after = crate::threads::joined(after);
        (before, after)
    });
    let (before, loaded) = (before?, after?);
    clock.lap("the models");
    let mut before = match a.from_db {
        true => E::normalize_live(&dev, before, &loaded, engine::Cache::from_env().as_ref()),
        false => before,
    };
    E::baseline(&mut before);
    // Three at once (CPU work of 40, 30 and 45 ms at 2,000 tables): what the check record
    // needs of the declared model as loaded; the plans, on a copy of it scoped here; the
    // snapshot, printed from that copy once it is scoped.
    let mut after = Schema::default();
    let slot = &mut after;
    let (recorded, snapshot, compared, server) = std::thread::scope(|s| {
        // The dev server's version, for the record and the snapshot's model (a connection).
        let server = s.spawn(|| E::print_version(&dev).ok());
        let recorded = s.spawn(|| record::Declared::of::<E>(p, &loaded));
        *slot = loaded.clone();
        privileges::declared_side(slot, &managed, a.from_db.then_some(&p.config.postgres));
        // Shared from here on, with the thread that prints the snapshot.
        let scoped: &Schema = { slot };
        let snapshot = s.spawn(|| E::snapshot(scoped));
        let compared = compare::<E>(p, a, &target, &managed, &mut before, scoped, notes);
        let recorded = joined(recorded);
        (recorded, joined(snapshot), compared, joined(server))
    });
    let Compared {
        up,
        down,
        not_delivered,
    } = compared?;
    if up.is_empty() && !a.empty && not_delivered.is_empty() {
        // Nothing to write, and snapshots/ is proven to declare what schemas/ does (under
        // the project's own `manage`): the record is written or refreshed, so that `check`
        // can rely on it (a project generated before there were records gets one here).
        let proven = !a.from_db
            && a.safety.flags.manage.is_none()
            && E::differences(&before, &after).is_empty();
        if let (true, Some(head)) = (proven, parents.first()) {
            refresh_record::<E>(p, recorded, server, &g, head)?;
        }
        std::mem::forget((before, after, loaded, up, down, snapshot));
        clock.lap("compared");
        explain_laps(&clock);
        return Ok(Generated::NoChanges);
    }
    if !E::LOCK_OPTIONS && p.config.postgres.any() {
        notes(Note::OptionsIgnored {
            path: &p.path,
            dialect: E::DIALECT.name(),
        });
    }
    let hazards: Vec<&Hazard> = up.hazards().collect();
    let blocked = strict_blocks(p, a, &hazards, notes)?;
    if blocked.is_some() || !not_delivered.is_empty() {
        return Ok(Generated::Blocked {
            hazards: blocked.unwrap_or(0),
            unmanaged: not_delivered,
        });
    }
    let (up_sql, down_sql) = if a.empty {
        (String::new(), String::new())
    } else {
        (E::section(&up), E::section(&down))
    };
    clock.lap("compared, planned and printed");
    let record = RecordOf {
        declared: recorded,
        graph: &g,
        head: (!a.empty).then_some(id.as_str()),
        server: server.clone(),
    };
    // The declared model as loaded, to store for the snapshot printed from it (see
    // `store_snapshot`); not with `--from-db`, whose snapshot is printed with roles mapped.
    let cache = engine::Cache::from_env().filter(|_| !a.from_db);
    let printed = cache
        .as_ref()
        .and_then(|_| privileges::as_printed(loaded, &managed, &after, server.as_deref()));
    // The snapshot's model is stored while the files are written and synced.
    let written = std::thread::scope(|s| {
        if let (Some(cache), Some(printed)) = (&cache, &printed) {
            s.spawn(|| store_snapshot::<E>(p, &dev, cache, printed, &snapshot));
        }
        write_revision::<E>(
            p, &id, &parents, &a.message, &up_sql, &down_sql, &snapshot, record,
        )
    });
    clock.lap(match printed {
        Some(_) => "written (and the new snapshot's model stored)",
        None => "written",
    });
    explain_laps(&clock);
    // Freeing the models of a large schema one allocation at a time takes longer than
    // reading them from the cache did; the process ends right after this.
    std::mem::forget((before, after, up, down, printed));
    written.map(Generated::Written)
}

/// The plans both ways between the models, scoped, and the objects of schemas/ no revision
/// would create when `--strict` stops for them.
struct Compared<Op: crate::plan::Op> {
    up: crate::plan::Plan<Op>,
    down: crate::plan::Plan<Op>,
    not_delivered: Vec<(String, String)>,
}

/// Scopes `before` (`after` is scoped already) and plans both ways, renames included.
fn compare<E: Engine>(
    p: &Project,
    a: &GenerateRequest,
    target: &Target,
    managed: &[crate::Managed],
    before: &mut Schema,
    after: &Schema,
    notes: &dyn Fn(Note),
) -> Result<Compared<E::Op>, Error> {
    if a.from_db {
        privileges::live_side(before, managed);
        privileges::check_roles(after, before)?;
    } else {
        privileges::declared_side(before, managed, None);
    }
    unmanaged::note_all(&[before, after], notes);
    // Objects of schemas/ no revision would create: `--strict` stops here even when there
    // is nothing else to write (an `--empty` revision is written by hand, so it may hold
    // them).
    let not_delivered = match a.safety.strict && !a.empty {
        true => unmanaged::declared(after),
        false => Vec::new(),
    };
    let hints = || engine::rename_hints(&engine::read_sources(&p.schemas())?);
    let renames = E::renames(&a.safety.rename, &hints, before, after)?;
    let caps = E::caps(target, &Renames::default())?;
    let up = E::plan(&E::diff(before, after, &renames), before, after, &caps);
    let down = E::plan(
        &E::diff(after, before, &renames.inverse()),
        after,
        before,
        &caps,
    );
    Ok(Compared {
        up,
        down,
        not_delivered,
    })
}

/// While `generate` writes `snapshot`, stores `printed` in `cache` as the model of the new
/// snapshots/, so that the next `generate` reads it instead of loading every snapshot
/// file. `printed` is the declared model as loaded, less what the snapshot leaves out
/// ([`privileges::as_printed`]); both sides are scoped the same way after loading (the
/// scoping is idempotent), and a load of the printed model gives it back (docs/decisions.md,
/// "Fixed-point normalization"; tests/generate_edit_cache_pg.rs). Not stored when the
/// snapshots would be declared with prerequisites from schemas/ (another key). The key is
/// that of the files as printed, not as read back: a model stored for files that did not
/// reach the disk, or that sit beside others, is one no key of the files in place names.
fn store_snapshot<E: Engine>(
    p: &Project,
    dev: &E::Dev,
    cache: &engine::Cache,
    printed: &Schema,
    snapshot: &BTreeMap<String, String>,
) -> bool {
    let Ok(schemas) = engine::read_sources(&p.schemas()) else {
        return false;
    };
    let dir = p.snapshots();
    let files: Vec<engine::SourceFile> = snapshot
        .iter()
        .map(|(name, text)| engine::SourceFile {
            path: dir.join(name),
            text: text.clone(),
        })
        .collect();
    if !engine::prerequisites(&schemas, &files).is_empty() {
        return false;
    }
    E::store_printed(dev, &files, printed, cache)
}

/// `generate --from-db`: the live schema, refused unless the database is at head
/// ("Target database is not up to date", as Alembic says).
fn live_at_head<E: Engine>(p: &Project, g: &Graph) -> Result<Schema, Error> {
    let mut db = open::<E>(p, false)?;
    let applied = known_heads(E::adapter(&mut db), g)?;
    let head: Vec<String> = g.heads().iter().map(|s| s.to_string()).collect();
    if applied != head {
        return Err(Error::NotAtHead { at: applied, head });
    }
    Ok(E::read(&mut db)?)
}

/// Notes the hazards of the revision `generate` is about to write; returns the number of
/// blocking ones when `--strict` must stop it (a blocking hazard that neither `--allow`
/// nor `[safety] allow` accepts). An `--empty` revision holds none of the plan, so none of
/// its hazards.
fn strict_blocks(
    p: &Project,
    a: &GenerateRequest,
    hazards: &[&Hazard],
    notes: &dyn Fn(Note),
) -> Result<Option<usize>, Error> {
    if a.empty {
        return Ok(None);
    }
    let allowed = allowed_kinds(&a.safety.allow, Some(&p.config))?;
    for h in hazards {
        notes(Note::Hazard(h));
    }
    let blocked = blocking(hazards, &allowed).len();
    Ok((a.safety.strict && blocked > 0).then_some(blocked))
}

/// What the check record of a new revision is made of.
struct RecordOf<'a> {
    declared: record::Declared,
    /// The graph before the new revision.
    graph: &'a Graph,
    /// The new revision, unless it is written by hand (`--empty`).
    head: Option<&'a str>,
    /// The dev server's version (`None`: not known, no record).
    server: Option<String>,
}

/// `generate` found nothing to write: the check record is written for `head` when it
/// differs from the one in place (not at all when it cannot be made).
/// `server` is the dev server's version (`None`: not known, no record).
fn refresh_record<E: Engine>(
    p: &Project,
    declared: record::Declared,
    server: Option<String>,
    g: &Graph,
    head: &str,
) -> Result<(), Error> {
    let Some(server) = server else {
        return Ok(());
    };
    let Ok(snapshots) = record::dir(&p.snapshots()) else {
        return Ok(());
    };
    let Ok(new) = record::after_generate::<E>(p, declared, snapshots, g, Some(head), server) else {
        return Ok(());
    };
    let (path, text) = (record::path(p), new.text());
    if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    crate::publish::publish(&[(path, text.into_bytes())], &[], &crate::publish::RealFs)?;
    Ok(())
}

/// Writes a new revision file, the snapshot and the check record, all or nothing: every
/// temporary is written and synced first, the snapshot files are renamed into place, the
/// revision last; on an error the previous snapshot files are put back (see
/// [`crate::publish`]).
#[allow(clippy::too_many_arguments)]
fn write_revision<E: Engine>(
    p: &Project,
    id: &str,
    parents: &[String],
    message: &str,
    up_sql: &str,
    down_sql: &str,
    snapshot: &BTreeMap<String, String>,
    record: RecordOf,
) -> Result<PathBuf, Error> {
    let (created, stamp) = revision::utc_now();
    let text = revision::render(id, parents, message, &created, up_sql, down_sql);
    let dir = p.migrations();
    crate::publish::create_dir(&dir)?;
    let path = dir.join(revision::file_name(&stamp, id, message));
    let (mut writes, mut stale) = revision::snapshot::changes(&p.snapshots(), snapshot)?;
    // The record of the new state; when it cannot be made, none (an old one would not
    // match the new snapshot anyway, but it would say why at each `check`).
    let new = revision::parse(&path, &text).ok().and_then(|rev| {
        let revs = record.graph.ordered().cloned().chain([rev]).collect();
        let graph = Graph::new(revs).ok()?;
        let snapshots = record::files(snapshot.iter().map(|(n, t)| (n.clone(), t.as_str())));
        record::after_generate::<E>(
            p,
            record.declared,
            snapshots,
            &graph,
            record.head,
            record.server?,
        )
        .ok()
    });
    let record_path = record::path(p);
    match new {
        Some(new) => writes.push((record_path, new.text().into_bytes())),
        None if record_path.exists() => stale.push(record_path),
        None => {}
    }
    writes.push((path.clone(), text.into_bytes()));
    crate::publish::publish(&writes, &stale, &crate::publish::RealFs)?;
    Ok(path)
}

/// The new revision's id: `rev_id` (`--rev-id`) when given, which must be a valid id no
/// revision has; else 12 hex digits of a hash over the time and `seed`.
fn new_id(g: &Graph, rev_id: Option<&str>, seed: &[&str]) -> Result<String, Error> {
    let Some(id) = rev_id else {
        let seed = format!("{:?}{}", std::time::SystemTime::now(), seed.join("\n"));
        return Ok(revision::checksum(&seed)[..12].to_string());
    };
    let reserved = matches!(
        revision::Target::parse(id),
        revision::Target::Head | revision::Target::Heads | revision::Target::Base
    );
    if !revision::valid_id(id) || reserved {
        return Err(Error::BadRevId { id: id.to_string() });
    }
    if let Some(taken) = g.get(id) {
        return Err(Error::RevIdTaken {
            id: id.to_string(),
            path: taken.path.clone(),
        });
    }
    Ok(id.to_string())
}

/// `merge`: a revision with no statements whose parents are `revisions` (default, or
/// `heads`: every head); each must be a head.
pub fn merge(
    p: &Project,
    revisions: &[String],
    message: &str,
    rev_id: Option<&str>,
) -> Result<PathBuf, Error> {
    let g = graph(p)?;
    let all_heads = revisions.is_empty() || revisions == ["heads"];
    let parents: Vec<String> = if all_heads {
        g.heads().iter().map(|s| s.to_string()).collect()
    } else {
        revisions
            .iter()
            .map(|r| g.resolve(r).map(str::to_string))
            .collect::<Result<_, _>>()?
    };
    if parents.len() < 2 {
        return Err(Error::NothingToMerge);
    }
    let tips = g.heads();
    if let Some(not_head) = parents.iter().find(|r| !tips.contains(&r.as_str())) {
        return Err(Error::NotAHead {
            id: not_head.clone(),
            heads: tips.iter().map(|t| t.to_string()).collect(),
        });
    }
    let id = new_id(&g, rev_id, &[message, &parents.join(" ")])?;
    let (created, stamp) = revision::utc_now();
    let text = revision::render(&id, &parents, message, &created, "", "");
    let path = p
        .migrations()
        .join(revision::file_name(&stamp, &id, message));
    // A full disk leaves no half-written revision (see `crate::publish`).
    crate::publish::publish(
        &[(path.clone(), text.into_bytes())],
        &[],
        &crate::publish::RealFs,
    )?;
    Ok(path)
}

/// `--verbose`: "generate: the models 1.62 s, compared, planned and printed 0.07 s, …; 1.95 s
/// in all".
fn explain_laps(clock: &crate::progress::Laps) {
    engine::explain(&format!(
        "generate: {}; {:.2} s in all",
        clock.steps(),
        clock.total()
    ));
}
