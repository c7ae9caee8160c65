//! The revision workflow commands (Alembic's vocabulary): init, generate, upgrade,
//! downgrade, current, history, heads, stamp, merge.

use super::{args, write_stdout, Error, Outcome};
use crate::apply::{self, sqlite::Sqlite, Adapter, Direction};
use crate::config::{self, Project};
use crate::declare::{read_sources, rename_hints};
use crate::diff;
use crate::model::{Renames, Schema};
use crate::plan::{self, Caps, Plan};
use crate::render::sqlite::{needs_foreign_keys_off, render_body, wrap, FK_OFF_DIRECTIVE};
use crate::revision::{self, Graph, Target};
use crate::source::Source;
use crate::sqltext::comment::{self, Printable};
use std::path::Path;
use std::time::Duration;

pub(super) fn project(cli_config: Option<&Path>) -> Result<Project, Error> {
    let p = Project::load(cli_config)?;
    if !matches!(
        p.config.dialect.as_str(),
        "sqlite" | "postgres" | "postgresql"
    ) {
        return Err(Error::UnknownDialect {
            path: p.path.clone(),
            dialect: p.config.dialect.clone(),
        });
    }
    Ok(p)
}

pub(super) fn graph(p: &Project) -> Result<Graph, Error> {
    Ok(Graph::new(revision::load_dir(&p.migrations())?)?)
}

pub fn init(a: args::InitArgs) -> Result<Outcome, Error> {
    let dialect = match a.dialect {
        crate::source::Dialect::Sqlite => "sqlite",
        crate::source::Dialect::Postgres => "postgres",
    };
    for path in config::init(&a.dir, dialect)? {
        eprintln!("  Creating {}", path.display());
    }
    eprintln!("Edit schemas/, then run `schemadiff generate -m \"first revision\"`.");
    Ok(Outcome::Clean)
}

pub fn generate(cfg: Option<&Path>, a: args::GenerateArgs) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    // A generate killed between renaming the snapshots and the revision left snapshots/
    // ahead of migrations/; going on would say "No changes detected" and lose its changes.
    crate::publish::check_not_interrupted(&[p.snapshots(), p.migrations()])?;
    if is_postgres(&p) {
        return super::workflow_pg::generate(&p, a);
    }
    super::sqlite_has_no_lock_options(&a.safety)?;
    let g = graph(&p)?;
    let parents: Vec<String> = g.head()?.map(str::to_string).into_iter().collect();
    let before = if a.from_db {
        live_at_head(&p, &g)?
    } else if crate::revision::snapshot::exists(&p.snapshots()) {
        declared_dir(&p.snapshots())?
    } else {
        Schema::default()
    };
    let after = declared_dir(&p.schemas())?;
    let flags = Renames::parse(&a.safety.rename)?;
    flags.check(&before, &after)?;
    let files = read_sources(&p.schemas())
        .map_err(|e| Error::Source(crate::source::Error::Declare(Box::new(e))))?;
    let mut renames = rename_hints(&files)
        .map_err(|e| Error::Source(crate::source::Error::Declare(Box::new(e))))?
        .applicable(&before, &after);
    renames.merge(flags);
    let caps = Caps::bundled();
    let up = plan::plan(
        &diff::diff(&before, &after, &renames),
        &before,
        &after,
        caps,
    );
    let down = plan::plan(
        &diff::diff(&after, &before, &renames.inverse()),
        &after,
        &before,
        caps,
    );
    if up.is_empty() && !a.empty {
        eprintln!("No changes detected");
        return Ok(Outcome::Clean);
    }
    if p.config.postgres != crate::plan::postgres::PgOptions::default() {
        eprintln!(
            "schemadiff: note: [postgres] in {} does not apply: the project's dialect is sqlite",
            p.path.display()
        );
    }
    let hazards: Vec<&plan::Hazard> = up.hazards.iter().map(|(_, h)| h).collect();
    if strict_blocks(&p, &a, &hazards)? {
        return Ok(Outcome::Changes);
    }
    let (up_sql, down_sql) = if a.empty {
        (String::new(), String::new())
    } else {
        (section(&up), section(&down))
    };
    let snapshot = crate::render::snapshot::sqlite::files(&after);
    write_revision(&p, &parents, &a.message, &up_sql, &down_sql, &snapshot)
}

/// `generate --from-db`: the live schema, refused unless the database is at head
/// ("Target database is not up to date", as Alembic says).
pub(super) fn live_at_head(p: &Project, g: &Graph) -> Result<Schema, Error> {
    let mut db = super::db::Db::live(p)?;
    let applied = apply::known_heads(db.engine(), g)?;
    let head: Vec<String> = g.heads().iter().map(|s| s.to_string()).collect();
    if applied != head {
        return Err(Error::NotAtHead { at: applied, head });
    }
    db.read()
}

/// Writes a new revision file and the snapshot, all or nothing: every temporary is written
/// and synced first, the snapshot files are renamed into place, the revision last; on an
/// error the previous snapshot files are put back (see [`crate::publish`]).
pub(super) fn write_revision(
    p: &Project,
    parents: &[String],
    message: &str,
    up_sql: &str,
    down_sql: &str,
    snapshot: &std::collections::BTreeMap<String, String>,
) -> Result<Outcome, Error> {
    let (created, stamp) = revision::utc_now();
    let seed = format!(
        "{created}{:?}{}{}",
        std::time::SystemTime::now(),
        message,
        parents.join(" ")
    );
    let id = revision::checksum(&seed)[..12].to_string();
    let text = revision::render(&id, parents, message, &created, up_sql, down_sql);
    let dir = p.migrations();
    crate::publish::create_dir(&dir)?;
    let path = dir.join(revision::file_name(&stamp, &id, message));
    let (mut writes, stale) = crate::revision::snapshot::changes(&p.snapshots(), snapshot)?;
    writes.push((path.clone(), text.into_bytes()));
    crate::publish::publish(&writes, &stale, &crate::publish::RealFs)?;
    eprintln!("  Generating {} ... done", path.display());
    Ok(Outcome::Clean)
}

/// Declares the `.sql` files of `dir`.
pub(super) fn declared_dir(dir: &Path) -> Result<Schema, Error> {
    let files =
        read_sources(dir).map_err(|e| Error::Source(crate::source::Error::Declare(Box::new(e))))?;
    let cache = crate::declare::Cache::from_env();
    crate::declare::declare_sqlite_cached(&files, cache.as_ref())
        .map_err(|e| Error::Source(crate::source::Error::Declare(Box::new(e))))
}

/// A revision section: the foreign-keys-off directive when needed, then the steps.
fn section(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.foreign_keys_off {
        out.push_str(FK_OFF_DIRECTIVE);
        out.push('\n');
    }
    out.push_str(&render_body(plan));
    out
}

/// Reports whether the project's dialect is PostgreSQL.
pub(super) fn is_postgres(p: &Project) -> bool {
    p.config.dialect.starts_with("postgres")
}

/// The project's engine, SQLite or PostgreSQL by its URL.
pub(super) fn any_engine(p: &Project, create: bool) -> Result<Box<dyn Adapter>, Error> {
    if is_postgres(p) {
        return super::workflow_pg::engine(p).map(|e| Box::new(e) as Box<dyn Adapter>);
    }
    Ok(Box::new(open_engine(p, create)?))
}

/// Opens the project's database read-write (a journal left by a killed run can only be
/// rolled back by a writer), with the lock timeout set before the first query. `create`:
/// whether a missing database file may be created (upgrade, stamp) or is an error.
pub(super) fn open_engine(p: &Project, create: bool) -> Result<Sqlite, Error> {
    let url = p.database_url()?;
    let path = match Source::parse(&url) {
        Ok(Source::Sqlite(Some(path))) => path,
        Err(crate::source::Error::Missing { path }) if create => path,
        Err(e) => return Err(e.into()),
        Ok(_) => {
            return Err(Error::NotSqliteUrl {
                url: crate::source::redact(&url),
            })
        }
    };
    if !create && !path.exists() {
        return Err(Error::Source(crate::source::Error::Missing { path }));
    }
    let conn = rusqlite::Connection::open(&path).map_err(|e| {
        let path = path.display().to_string();
        Error::OpenDatabase {
            reason: crate::redact::redact_in(&e.to_string(), &path),
            path: crate::redact::redact(&path),
        }
    })?;
    let wait = Duration::from_secs(p.config.lock_timeout_seconds);
    let engine = Sqlite::new(conn, wait)?;
    crate::source::check_readable(engine.connection(), &path, wait)?;
    Ok(engine)
}

/// Lists the hazards of the revision `generate` is about to write on stderr; returns whether
/// `--strict` must stop it (a blocking hazard that neither `--allow` nor `[safety] allow`
/// accepts). An `--empty` revision holds none of the plan, so none of its hazards.
pub(super) fn strict_blocks(
    p: &Project,
    a: &args::GenerateArgs,
    hazards: &[&plan::Hazard],
) -> Result<bool, Error> {
    if a.empty {
        return Ok(false);
    }
    let allowed = super::allowed_kinds(&a.safety.allow, Some(&p.config))?;
    for h in hazards {
        let info = h.kind.info();
        eprintln!(
            "  hazard[{}]: {} (see {})",
            info.code,
            Printable(&h.detail),
            info.doc
        );
    }
    let blocked = hazards
        .iter()
        .filter(|h| h.kind.info().blocking && !allowed.contains(&h.kind))
        .count();
    if a.safety.strict && blocked > 0 {
        eprintln!("--strict: {blocked} blocking hazard(s); nothing written");
        return Ok(true);
    }
    Ok(false)
}

/// "Running upgrade A -> B, message" before each revision runs (so a failure shows what
/// committed before it), with "[n/m]" on a terminal.
fn progress_up(n: usize, total: usize, rev: &revision::Revision) {
    announce(
        "upgrade",
        n,
        total,
        or_base(&rev.parents.join(", ")),
        &rev.id,
        &rev.message,
    );
}

fn progress_down(n: usize, total: usize, rev: &revision::Revision) {
    announce(
        "downgrade",
        n,
        total,
        &rev.id,
        or_base(&rev.parents.join(", ")),
        &rev.message,
    );
}

fn announce(verb: &str, n: usize, total: usize, from: &str, to: &str, message: &str) {
    use std::io::IsTerminal;
    let count = if std::io::stderr().is_terminal() {
        format!("[{n}/{total}] ")
    } else {
        String::new()
    };
    let message = Printable(message);
    eprintln!("{count}Running {verb} {from} -> {to}, {message}");
}

pub fn upgrade(cfg: Option<&Path>, a: args::MoveArgs, dir: Direction) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let default = if dir == Direction::Up { "head" } else { "-1" };
    let target_text = a.target.clone().unwrap_or_else(|| default.into());
    if a.sql && is_postgres(&p) {
        return super::workflow_pg::offline(&g, &target_text, dir);
    }
    if a.sql {
        return offline(&g, &target_text, dir);
    }
    let mut e = any_engine(&p, true)?;
    let target = Target::parse(&target_text);
    let progress: apply::Progress = match dir {
        Direction::Up => &progress_up,
        Direction::Down => &progress_down,
    };
    let request = apply::Request {
        target: &target,
        dir,
        accept: &a.accept_edited,
        progress,
        waiting: &|| waiting(&p),
    };
    let ran = apply::migrate(e.as_mut(), &g, &request)?;
    if ran.is_empty() {
        eprintln!("Nothing to do for {target_text}");
    }
    Ok(Outcome::Clean)
}

/// Says that another run holds the migration lock and how long this one waits for it.
fn waiting(p: &Project) {
    eprintln!(
        "Waiting for the migration lock: another schemadiff run holds it (up to lock_timeout_seconds = {} s)",
        p.config.lock_timeout_seconds
    );
}

fn or_base(s: &str) -> &str {
    if s.is_empty() {
        "<base>"
    } else {
        s
    }
}

/// `--sql`: the scripts for a range, with the version-table statements, for the shell.
fn offline(g: &Graph, target: &str, dir: Direction) -> Result<Outcome, Error> {
    let (from, path) = offline_range(g, target, dir)?;
    let mut out = offline_title(target, dir);
    out.push_str(&format!(
        "-- Run as printed: sqlite3 -bail app.db < script.sql\n\n-- Foreign keys on, as `schemadiff upgrade` runs (the sqlite3 shell starts with them off).\nPRAGMA foreign_keys = ON;\n\nCREATE TABLE IF NOT EXISTS {v} (version_num TEXT PRIMARY KEY NOT NULL);\n",
        v = apply::VERSION_TABLE
    ));
    let mut heads = from;
    for rev in path {
        let sql = if dir == Direction::Up {
            &rev.up
        } else {
            &rev.down
        };
        let next = apply::next_heads(g, &heads, rev, dir);
        let mut body = String::from("\n");
        body.push_str(&running_line(rev, dir));
        body.push_str(sql);
        body.push_str(&format!("\nDELETE FROM {};\n", apply::VERSION_TABLE));
        for h in &next {
            body.push_str(&format!(
                "INSERT INTO {} (version_num) VALUES ({});\n",
                apply::VERSION_TABLE,
                crate::sqltext::quote_literal(h)
            ));
        }
        wrap(&mut out, needs_foreign_keys_off(sql), &body);
        heads = next;
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

/// The first line of `upgrade/downgrade --sql` output (the target is the user's text).
pub(super) fn offline_title(target: &str, dir: Direction) -> String {
    let verb = if dir == Direction::Up {
        "upgrade"
    } else {
        "downgrade"
    };
    comment::line(&format!("schemadiff {verb} --sql {target}"))
}

/// The comment line above a revision's statements in `--sql` output.
pub(super) fn running_line(rev: &revision::Revision, dir: Direction) -> String {
    comment::line(&format!(
        "Running {} {}: {}",
        dir.as_str(),
        rev.id,
        rev.message
    ))
}

/// A `--sql` target (`TO` or `FROM:TO`): the heads it starts from and the revisions to run.
pub(super) fn offline_range<'g>(
    g: &'g Graph,
    target: &str,
    dir: Direction,
) -> Result<(Vec<String>, Vec<&'g revision::Revision>), Error> {
    let (from, to) = match target.split_once(':') {
        Some((f, t)) => (start(g, f)?, t.to_string()),
        None if dir == Direction::Up => (Vec::new(), target.to_string()),
        None => return Err(Error::DowngradeSqlRange),
    };
    let path = match dir {
        Direction::Up => g.upgrade_path(&from, &Target::parse(&to))?,
        Direction::Down => g.downgrade_path(&from, &Target::parse(&to))?,
    };
    Ok((from, path))
}

/// The heads a `--sql` range starts from: `base`, `head`, `heads` or a revision.
fn start(g: &Graph, from: &str) -> Result<Vec<String>, Error> {
    Ok(match Target::parse(from) {
        Target::Base => Vec::new(),
        Target::Head => g.head()?.map(str::to_string).into_iter().collect(),
        Target::Heads => g.heads().iter().map(|s| s.to_string()).collect(),
        _ => vec![g.resolve(from)?.to_string()],
    })
}

pub fn current(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let mut e = any_engine(&p, false)?;
    let heads = apply::known_heads(e.as_mut(), &g)?;
    let tips = g.heads();
    let mut out = if heads.is_empty() {
        "<base> (no revision applied)\n".to_string()
    } else {
        String::new()
    };
    for h in &heads {
        let mark = if tips.contains(&h.as_str()) {
            " (head)"
        } else {
            ""
        };
        out.push_str(&format!("{}{mark}\n", Printable(h)));
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn history(cfg: Option<&Path>, verbose: bool, range: Option<&str>) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let tips = g.heads();
    let mut out = String::new();
    let only: Option<Vec<String>> = match range {
        Some(r) => {
            let r = if r.contains(':') {
                r.to_string()
            } else {
                format!("{r}:head")
            };
            let (_, path) = offline_range(&g, &r, Direction::Up)?;
            Some(path.iter().map(|rev| rev.id.clone()).collect())
        }
        None => None,
    };
    for r in g
        .ordered()
        .rev()
        .filter(|r| only.as_ref().is_none_or(|ids| ids.contains(&r.id)))
    {
        let parents = if r.parents.is_empty() {
            "<base>".to_string()
        } else {
            r.parents.join(", ")
        };
        let mark = if tips.contains(&r.id.as_str()) {
            " (head)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{parents} -> {}{mark}, {}\n",
            r.id,
            Printable(&r.message)
        ));
        if verbose {
            out.push_str(&format!(
                "    file: {}\n    created: {}\n",
                Printable(&r.path.display().to_string()),
                Printable(&r.created)
            ));
            // Read back as written (a hand-edited line is escaped again for the terminal).
            let hazards = r.up.lines().filter_map(comment::text_of);
            for hazard in hazards.filter(|t| t.starts_with("hazard[")) {
                let hazard = comment::unescape(hazard);
                out.push_str(&format!("    {}\n", Printable(&hazard)));
            }
        }
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn branches(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let mut out = String::new();
    for r in g.ordered() {
        let children: Vec<&str> = g
            .ordered()
            .filter(|c| c.parents.contains(&r.id))
            .map(|c| c.id.as_str())
            .collect();
        if children.len() > 1 {
            out.push_str(&format!(
                "{} (branchpoint), {}\n    -> {}\n",
                r.id,
                Printable(&r.message),
                children.join(", ")
            ));
        }
    }
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn show(cfg: Option<&Path>, rev: &str) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let id = match Target::parse(rev) {
        Target::Head => g.head()?.ok_or(Error::NoRevisions)?,
        _ => g.resolve(rev)?,
    };
    let r = g
        .get(id)
        .ok_or_else(|| Error::NoRevision { id: id.to_string() })?;
    let text = std::fs::read_to_string(&r.path).map_err(Error::Output)?;
    write_stdout(&format!(
        "Rev: {}\nParent: {}\nPath: {}\nChecksum: {}\n\n{text}",
        r.id,
        if r.parents.is_empty() {
            "<base>".into()
        } else {
            r.parents.join(", ")
        },
        Printable(&r.path.display().to_string()),
        r.checksum
    ))?;
    Ok(Outcome::Clean)
}

pub fn heads(cfg: Option<&Path>) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let out: String = g.heads().iter().map(|h| format!("{h} (head)\n")).collect();
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

pub fn stamp(cfg: Option<&Path>, a: args::StampArgs) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let heads: Vec<String> = match Target::parse(&a.target) {
        Target::Base => Vec::new(),
        Target::Head => g.head()?.map(str::to_string).into_iter().collect(),
        Target::Heads => g.heads().iter().map(|s| s.to_string()).collect(),
        Target::Rev(r) => vec![g.resolve(&r)?.to_string()],
        Target::Relative(_) => {
            return Err(Error::StampTarget {
                target: a.target.clone(),
            })
        }
    };
    let mut engine = any_engine(&p, true)?;
    // Without --purge, refuses to overwrite what cannot be explained, as Alembic does.
    apply::stamp(engine.as_mut(), &g, &heads, a.purge, &|| waiting(&p))?;
    eprintln!(
        "Stamped: {}",
        if heads.is_empty() {
            "<base>".into()
        } else {
            heads.join(", ")
        }
    );
    Ok(Outcome::Clean)
}

pub fn merge(cfg: Option<&Path>, a: args::MergeArgs) -> Result<Outcome, Error> {
    let p = project(cfg)?;
    let g = graph(&p)?;
    let parents: Vec<String> = if a.revisions.is_empty() {
        g.heads().iter().map(|s| s.to_string()).collect()
    } else {
        a.revisions
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
    let (created, stamp) = revision::utc_now();
    let id = revision::checksum(&format!(
        "{created}{:?}{}",
        std::time::SystemTime::now(),
        parents.join(" ")
    ))[..12]
        .to_string();
    let text = revision::render(&id, &parents, &a.message, &created, "", "");
    let path = p
        .migrations()
        .join(revision::file_name(&stamp, &id, &a.message));
    // A full disk leaves no half-written revision (see `crate::publish`).
    crate::publish::publish(
        &[(path.clone(), text.into_bytes())],
        &[],
        &crate::publish::RealFs,
    )?;
    eprintln!("  Generating {} ... done", path.display());
    Ok(Outcome::Clean)
}
