//! `diff` (the upgrade script between two sources) and `inspect` (one source as canonical
//! DDL or JSON).

use super::config::Project;
use super::source::{redact, Source};
use super::{allowed_kinds, privileges, unmanaged, Error, Note, Safety};
use crate::engine::{self, Cache, DevUrl, Dialect, Engine, Target};
use crate::model::Renames;
use crate::plan::Hazard;
use std::path::Path;

/// What `diff` is asked.
#[derive(Debug, Clone, Default)]
pub struct DiffRequest {
    pub from: String,
    pub to: String,
    /// `--dialect`: how declared files are read (default: the database side's engine).
    pub dialect: Option<Dialect>,
    /// `--dev-url`: the server that normalizes declared PostgreSQL DDL.
    pub dev_url: Option<String>,
    /// `--schema`: on PostgreSQL, the schemas to read (all when empty).
    pub schema: Vec<String>,
    /// The version of the engine that will run the script (`--sqlite-version`).
    pub version: Option<String>,
    /// JSON instead of the SQL script.
    pub json: bool,
    pub safety: Safety,
}

/// `diff`'s sources, parsed, and the engine they are compared as.
pub struct Prepared {
    pub project: Option<Project>,
    pub from: Source,
    pub to: Source,
    pub dialect: Dialect,
}

/// What `diff` found.
#[derive(Debug)]
pub struct DiffReport {
    /// The script (or JSON).
    pub text: String,
    /// The hazards `--strict` blocks (its caller decides whether `--strict` is on).
    pub blocked: Vec<Hazard>,
    /// The objects a declared side holds that schemadiff does not manage (key, what it
    /// is): no script creates or drops them, so `--strict` fails (its caller decides).
    pub unmanaged: Vec<(String, String)>,
    /// Whether there is nothing to do.
    pub empty: bool,
}

/// Loads the project named by `--config` (`diff` reads `[safety]` and `[postgres]` only
/// from one named so), parses both sources and picks the engine: `--dialect`, else a
/// database side's, else the dev server's engine when one is given, else the default.
pub fn prepare(req: &DiffRequest, config: Option<&Path>) -> Result<Prepared, Error> {
    let project = config.map(|c| Project::load(Some(c))).transpose()?;
    let from = Source::parse(&req.from)?;
    let to = Source::parse(&req.to)?;
    let dialect = req
        .dialect
        .or(from.dialect())
        .or(to.dialect())
        .or(req.dev_url.as_ref().map(|_| Dialect::DEV_SERVER))
        .unwrap_or(Dialect::DEFAULT);
    Renames::parse(&req.safety.rename)?;
    Ok(Prepared {
        project,
        from,
        to,
        dialect,
    })
}

/// `diff` on engine `E`: declared files are normalized on `--dev-url` or on the server of
/// a database side (where the engine needs a server).
pub fn diff<E: Engine>(
    req: &DiffRequest,
    prepared: &Prepared,
    notes: &dyn Fn(Note),
) -> Result<DiffReport, Error> {
    let (from, to) = (&prepared.from, &prepared.to);
    let config = prepared.project.as_ref().map(|p| &p.config);
    let allowed = allowed_kinds(&req.safety.allow, config)?;
    let target = Target {
        version: req.version.clone(),
        options: config.map(|c| c.postgres.clone()).unwrap_or_default(),
        flags: req.safety.flags.clone(),
    };
    let caps = E::caps(&target, &Renames::parse(&req.safety.rename)?)?;
    let dev_url = match (
        req.dev_url.as_deref(),
        from.server_url().or(to.server_url()),
    ) {
        (Some(u), _) => DevUrl::Given(url_text(u)),
        (None, Some(u)) => DevUrl::Target(u.to_string()),
        (None, None) => DevUrl::None,
    };
    let managed = privileges::managed(&target.options, &target.flags);
    privileges::before_declaring(&managed);
    let cache = Cache::from_env();
    // One dev server (or throwaway cluster) for both sides. A live side is read on a second
    // thread while the other side loads.
    let mut dev = None;
    let is_db = |s: &Source| matches!(s, Source::Database(_));
    let (mut before, mut after) = if is_db(from) || is_db(to) {
        let (db, files) = if is_db(from) { (from, to) } else { (to, from) };
        let (live, declared) = std::thread::scope(|scope| {
            let live =
                scope.spawn(|| db.load_with::<E>(&mut None, &dev_url, &req.schema, cache.as_ref()));
            let declared = files.load_with::<E>(&mut dev, &dev_url, &req.schema, cache.as_ref());
            let live = crate::threads::joined(live);
            (live, declared)
        });
        let (live, declared) = (live?, declared?);
        if is_db(from) {
            (live, declared)
        } else {
            (declared, live)
        }
    } else {
        let before = from.load_with::<E>(&mut dev, &dev_url, &req.schema, cache.as_ref())?;
        let after = to.load_with::<E>(&mut dev, &dev_url, &req.schema, cache.as_ref())?;
        (before, after)
    };
    let live_side = from.server_url().is_some() || to.server_url().is_some();
    if dev.is_none() && live_side && dev_url != DevUrl::None {
        dev = E::dev(&|| Ok::<_, engine::Error>(dev_url.clone())).ok();
    }
    // A live side is compared at the fixed point of the server's print, as declared DDL is.
    if let Some(server) = dev.as_ref().filter(|_| live_side) {
        if from.server_url().is_some() {
            before = E::normalize_live(server, before, &after, cache.as_ref());
        }
        if to.server_url().is_some() {
            after = E::normalize_live(server, after, &before, cache.as_ref());
        }
    }
    // Privileges: only the managed kinds; declared roles renamed for a live side.
    let live = matches!(from, Source::Database(_)) || matches!(to, Source::Database(_));
    for (source, schema) in [(from, &mut before), (to, &mut after)] {
        match source {
            Source::Files(_) => {
                privileges::declared_side(schema, &managed, live.then_some(&target.options))
            }
            Source::Database(_) => privileges::live_side(schema, &managed),
        }
    }
    match (from, to) {
        (Source::Files(_), Source::Database(_)) => privileges::check_roles(&before, &after)?,
        (Source::Database(_), Source::Files(_)) => privileges::check_roles(&after, &before)?,
        _ => {}
    }
    unmanaged::note_all(&[&before, &after], notes);
    // What the declared side(s) hold that no script would create or drop: `--strict` fails.
    let mut declared_unmanaged = Vec::new();
    for (source, schema) in [(from, &before), (to, &after)] {
        if matches!(source, Source::Files(_)) {
            for object in unmanaged::declared(schema) {
                if !declared_unmanaged.contains(&object) {
                    declared_unmanaged.push(object);
                }
            }
        }
    }
    let hints = || -> Result<Renames, engine::Error> {
        let mut hints = to.rename_hints()?;
        hints.merge(from.rename_hints()?.inverse());
        Ok(hints)
    };
    let renames = E::renames(&req.safety.rename, &hints, &before, &after)?;
    let changes = E::diff(&before, &after, &renames);
    let plan = E::plan(&changes, &before, &after, &caps);
    let text = if req.json {
        E::json(
            &plan,
            redact(&req.from),
            redact(&req.to),
            changes.changes.len(),
        )
    } else {
        let title = format!("from {} to {}", redact(&req.from), redact(&req.to));
        E::script(&plan, &title)
    };
    let blocked = plan.blocking(&allowed).into_iter().cloned().collect();
    Ok(DiffReport {
        text,
        blocked,
        unmanaged: declared_unmanaged,
        empty: plan.is_empty(),
    })
}

/// A URL as given, with a driver suffix removed from a database URL.
fn url_text(text: &str) -> String {
    match engine::Database::from_url(text) {
        Some(Ok(db)) => db
            .server_url()
            .map_or_else(|| text.to_string(), str::to_string),
        _ => text.to_string(),
    }
}

/// What `inspect` is asked.
#[derive(Debug, Clone, Default)]
pub struct InspectRequest {
    pub source: String,
    pub dialect: Option<Dialect>,
    pub dev_url: Option<String>,
    pub schema: Vec<String>,
    pub json: bool,
}

/// Parses `inspect`'s source and picks the engine: `--dialect`, else the database's, else
/// the default.
pub fn prepare_inspect(req: &InspectRequest) -> Result<(Source, Dialect), Error> {
    let src = Source::parse(&req.source)?;
    let dialect = req.dialect.or(src.dialect()).unwrap_or(Dialect::DEFAULT);
    Ok((src, dialect))
}

/// `inspect`: the schema as canonical DDL of `E`, or as JSON.
pub fn inspect<E: Engine>(req: &InspectRequest, src: &Source) -> Result<String, Error> {
    let cache = Cache::from_env();
    let dev_url = match req.dev_url.as_deref() {
        Some(u) => DevUrl::Given(url_text(u)),
        None => DevUrl::None,
    };
    let mut schema = src.load_as::<E>(&dev_url, &req.schema, cache.as_ref())?;
    // Privileges are compared only when a project manages them; `inspect` shows none.
    schema.acl = Default::default();
    Ok(if req.json {
        engine::json(&schema)
    } else {
        E::schema_ddl(&schema)
    })
}
