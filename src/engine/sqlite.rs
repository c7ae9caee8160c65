//! SQLite behind the engine seam: glue from [`Engine`] to the SQLite child of each stage,
//! and opening SQLite database files (read-only for sources, read-write to migrate).

use super::{Adapter, Cache, Dialect, Engine, Error, Revision, SourceFile, Target, UrlOf};
use crate::apply::sqlite::Sqlite as Runner;
use crate::declare::cache;
use crate::diff::{Change, Changeset};
use crate::model::{Renames, Schema};
use crate::plan::sqlite::{Caps, Op, Plan};
use crate::plan::{Error as PlanError, Unsupported};
use crate::redact::{redact, redact_in};
use crate::render::sqlite as render;
use crate::render::RenderedStep;
use crate::revision::Graph;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `database_url` that `init` writes.
pub const EXAMPLE_URL: &str = "sqlite:///app.db";

/// SQLite: an in-process engine; declared DDL is loaded into an in-memory database.
pub struct Sqlite;

impl Engine for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
    const LOCK_OPTIONS: bool = false;
    type Caps = Caps;
    type Op = Op;
    type Dev = ();
    type Db = Runner;

    /// The plan stage settles the capabilities; the errors say which flag asked.
    fn caps(target: &Target, renames: &Renames) -> Result<Caps, Error> {
        let version = target.version.as_deref();
        Caps::settle(version, &target.flags, renames).map_err(|e| match e {
            PlanError::Unsupported {
                what: Unsupported::LockOptions,
                ..
            } => Error::PostgresOnlyFlags,
            PlanError::Unsupported {
                what: Unsupported::TableRename,
                ..
            } => Error::TableRenameUnsupported(version.unwrap_or_default().to_string()),
            PlanError::Version(v) => Error::Version(v),
        })
    }

    fn renames(
        flags: &[String],
        hints: &dyn Fn() -> Result<Renames, Error>,
        before: &Schema,
        after: &Schema,
    ) -> Result<Renames, Error> {
        let flags = Renames::parse(flags)?;
        flags.check(before, after)?;
        let mut renames = hints()?.applicable(before, after);
        renames.merge(flags);
        Ok(renames)
    }

    fn baseline(_: &mut Schema) {}

    fn diff_rules() -> &'static crate::diff::Rules {
        &crate::diff::sqlite::RULES
    }

    fn differences(from: &Schema, to: &Schema) -> Vec<String> {
        let changes = Self::diff(from, to, &Renames::default());
        changes
            .changes
            .iter()
            .map(|c| match c {
                Change::AlterTable(tc) => format!(
                    "table {}: {}",
                    tc.after.name,
                    crate::plan::sqlite::describe_change(tc).join("; ")
                ),
                other => other.summary(),
            })
            .collect()
    }

    fn plan(changes: &Changeset, from: &Schema, to: &Schema, caps: &Caps) -> Plan {
        crate::plan::sqlite::plan(changes, from, to, *caps)
    }

    fn script(plan: &Plan, title: &str) -> String {
        render::render_script(plan, title)
    }

    fn json(plan: &Plan, from: String, to: String, changes: usize) -> String {
        #[derive(serde::Serialize)]
        struct DiffJson<'a> {
            from: String,
            to: String,
            changes: usize,
            rebuilds: Vec<&'a str>,
            foreign_keys_off: bool,
            steps: Vec<RenderedStep>,
        }
        super::json(&DiffJson {
            from,
            to,
            changes,
            rebuilds: plan.rebuilt_tables(),
            foreign_keys_off: plan.settings.foreign_keys_off,
            steps: render::render_steps(plan),
        })
    }

    fn section(plan: &Plan) -> String {
        let mut out = String::new();
        if plan.settings.foreign_keys_off {
            out.push_str(render::FK_OFF_DIRECTIVE);
            out.push('\n');
        }
        out.push_str(&render::render_body(plan));
        out
    }

    fn schema_ddl(schema: &Schema) -> String {
        render::schema_ddl(schema)
    }

    fn snapshot(schema: &Schema) -> BTreeMap<String, String> {
        crate::render::snapshot::sqlite::files(schema)
    }

    fn offline_header() -> String {
        crate::apply::sqlite::offline_header()
    }

    fn offline_revision(out: &mut String, running: &str, sql: &str, heads: &[String]) {
        crate::apply::sqlite::offline_revision(out, running, sql, heads);
    }

    fn dev<X: From<Error>>(_: UrlOf<'_, X>) -> Result<(), X> {
        Ok(())
    }

    fn declare(
        files: &[SourceFile],
        _: &(),
        _: &[String],
        cache: Option<&Cache>,
    ) -> Result<Schema, Error> {
        Ok(crate::declare::declare_sqlite_cached(files, cache)?)
    }

    /// The SQLite library's version (declared DDL is loaded into it).
    fn print_version(_: &()) -> Result<String, Error> {
        Ok(rusqlite::version().to_string())
    }

    fn same_declared(cache: &Cache, a: &[SourceFile], b: &[SourceFile]) -> bool {
        let (a, b) = (cache::declared_inputs(a), cache::declared_inputs(b));
        cache::sqlite_same_stored(cache, &a, &b)
    }

    /// Nothing to store: the model of the printed files is computed from their text, which
    /// is fast and cached under their own key when first declared.
    fn store_printed(_: &(), _: &[SourceFile], _: &Schema, _: &Cache) -> bool {
        false
    }

    fn open(url: &str, lock_timeout: Duration, create: bool) -> Result<Runner, Error> {
        let path = match super::Database::from_url(url) {
            Some(Ok(super::Database::Sqlite(Some(path)))) => path,
            Some(Ok(_)) => return Err(Error::NotSqliteUrl { url: redact(url) }),
            Some(Err(scheme)) => {
                return Err(Error::UnknownScheme {
                    scheme: redact(&scheme),
                    source_text: redact(url),
                })
            }
            None => {
                let path = PathBuf::from(url);
                match std::fs::metadata(&path) {
                    Err(_) if create => path,
                    Err(_) => return Err(Error::Missing { path }),
                    Ok(meta) if meta.is_dir() || is_sql(&path) => {
                        return Err(Error::NotSqliteUrl { url: redact(url) })
                    }
                    Ok(meta) if is_database_file(&path, meta.len()) => path,
                    Ok(_) => return Err(Error::Unrecognized { path }),
                }
            }
        };
        if !create && !path.exists() {
            return Err(Error::Missing { path });
        }
        let conn = Connection::open(&path).map_err(|e| {
            let path = path.display().to_string();
            Error::OpenDatabase {
                reason: redact_in(&e.to_string(), &path),
                path: redact(&path),
            }
        })?;
        let runner = Runner::new(conn, lock_timeout)?;
        check_readable(runner.connection(), &path, lock_timeout)?;
        Ok(runner)
    }

    fn scratch(_: &()) -> Result<Runner, Error> {
        let conn = Connection::open_in_memory().map_err(Error::Scratch)?;
        Ok(Runner::new(conn, Duration::from_secs(1))?)
    }

    fn adapter(db: &mut Runner) -> &mut dyn Adapter {
        db
    }

    fn read(db: &mut Runner) -> Result<Schema, Error> {
        crate::introspect::sqlite::introspect(db.connection()).map_err(|e| Error::ReadSchema {
            reason: e.to_string(),
        })
    }

    /// SQLite keeps the text it was given: nothing to settle.
    fn normalize_live(_: &(), live: Schema, _: &Schema, _: Option<&Cache>) -> Schema {
        live
    }

    fn read_live(db: &mut Runner, cache: Option<&Cache>) -> Result<Schema, Error> {
        crate::declare::introspect_sqlite_cached(db.connection(), cache).map_err(|e| {
            Error::ReadSchema {
                reason: e.to_string(),
            }
        })
    }

    fn replay_matches(db: &mut Runner, revs: &[&Revision], cache: &Cache) -> bool {
        let Ok(catalog) = cache::catalog_texts(db.connection()) else {
            return false;
        };
        let (a, b) = (replay_inputs(revs), cache::live_inputs(&catalog));
        cache::sqlite_same_stored(cache, &a, &b)
    }

    fn replay(
        _: &(),
        revs: &[&Revision],
        graph: &Graph,
        cache: Option<&Cache>,
    ) -> Result<Schema, Error> {
        cache::sqlite_cached(&replay_inputs(revs), cache, || {
            let mut scratch = Self::scratch(&())?;
            scratch.ensure_tables()?;
            for (n, rev) in revs.iter().enumerate() {
                scratch.run(rev, super::Direction::Up, graph, &|_| false, &|_| {})?;
                crate::progress::report(crate::progress::Task::Replay, n + 1, revs.len());
            }
            crate::progress::finish();
            Self::read(&mut scratch)
        })
    }
}

/// What a replay of `revs` on SQLite is computed from.
fn replay_inputs<'r>(revs: &[&'r Revision]) -> cache::SqliteInputs<'r> {
    cache::SqliteInputs {
        what: "replayed revisions",
        texts: revs
            .iter()
            .map(|r| (r.path.to_string_lossy().into_owned(), r.up.as_str()))
            .collect(),
    }
}

fn is_sql(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

/// `sqlite:///rel.db` → `rel.db`; `sqlite:////abs.db` → `/abs.db`; `sqlite:///:memory:`;
/// `sqlite://rel.db` is accepted as relative (the SQLAlchemy forms, plus one lenient one).
pub fn path_of_url(rest: &str) -> Option<PathBuf> {
    let path = rest.strip_prefix('/').unwrap_or(rest);
    let path = path.split('?').next().unwrap_or(path);
    if path == ":memory:" || path.is_empty() {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

/// Whether a file of `len` bytes is a SQLite database: empty (a valid, empty database) or
/// with SQLite's header.
pub fn is_database_file(path: &Path, len: u64) -> bool {
    use std::io::Read;
    if len == 0 {
        return true;
    }
    let mut buf = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok_and(|_| &buf == b"SQLite format 3\0")
}

/// Reads a database file's schema read-only (`None`: an empty in-memory database).
pub fn read_database(path: Option<&Path>, cache: Option<&Cache>) -> Result<Schema, Error> {
    let Some(path) = path else {
        return Ok(Schema::default());
    };
    let conn = open_read_only(path)?;
    crate::declare::introspect_sqlite_cached(&conn, cache).map_err(|source| Error::Introspect {
        path: path.to_path_buf(),
        source,
    })
}

/// Opens an existing database read-only; a missing file is an error, never created.
pub fn open_read_only(path: &Path) -> Result<Connection, Error> {
    if !path.exists() {
        return Err(Error::Missing {
            path: path.to_path_buf(),
        });
    }
    if path.is_dir() {
        let message =
            "it is a directory (pass declared DDL directories without sqlite:///)".to_string();
        return Err(Error::NotDatabase {
            path: path.to_path_buf(),
            message,
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::NotDatabase {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    conn.busy_timeout(READ_WAIT)
        .map_err(|e| opening_error(path, e, READ_WAIT))?;
    check_readable(&conn, path, READ_WAIT)?;
    Ok(conn)
}

/// How long a read-only open waits for another process's write lock.
const READ_WAIT: Duration = Duration::from_secs(2);

/// Reads the schema table once: a file that is not a database, or one locked by another
/// process (after waiting `waited`), is an error that says which.
fn check_readable(conn: &Connection, path: &Path, waited: Duration) -> Result<(), Error> {
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))
        .map_err(|e| opening_error(path, e, waited))
}

/// Tells a lock (SQLITE_BUSY, SQLITE_LOCKED) apart from a file that is not a database.
fn opening_error(path: &Path, e: rusqlite::Error, waited: Duration) -> Error {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => Error::Locked {
            path: path.to_path_buf(),
            waited_seconds: waited.as_secs(),
        },
        _ => Error::NotDatabase {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    }
}
