//! The catalog cache: the normalized model of declared PostgreSQL DDL (what the scratch
//! database's introspection produced), stored as JSON so that the next run on the same
//! files and server skips the scratch database, whose load takes seconds on a large schema.
//! On SQLite the same store holds models SQLite computes from text alone (see
//! [`sqlite_cached`]): declared files, replayed revisions, and a live database's catalog.
//!
//! An entry is keyed by a SHA-256 of everything the model depends on: each file's path and
//! bytes in order, the server's `server_version_num`, host, port and user, template0's
//! encoding, collation and locale provider (the scratch database is created from it), the
//! schema filter (`--schema`), and [`FORMAT`] with the crate version. A PostgreSQL entry
//! holds the model and, beside it, its [`Dependents`] (which the model's own JSON leaves
//! out: `inspect --json` does not show them). Entries are written to
//! a temporary file and renamed; reading one never fails a command: a missing, unreadable
//! or unparsable entry means the scratch database is used as without a cache.

use super::postgres::declare_postgres_in;
use super::postgres::{incremental, kept};
use super::{Error, SourceFile};
use crate::introspect::postgres::connect::{connect_config, Config};
use crate::model::{Dependent, Dependents, Schema};
use postgres::config::Host;
use postgres::Client;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Changes whenever the stored form or what goes into the key changes.
// 3: canonical SQLite expressions, view and trigger texts keep quotes in literals doubled
// (entries of 2 hold the broken texts).
// 4: PostgreSQL models at the fixed point of the server's print (entries of 3 hold the
// first print of each expression).
// 5: SQLite virtual tables in the model (entries of 4 have none).
// 6: PostgreSQL entries hold the model's dependents beside it (entries of 5 lose them, and
// a function re-created from a cached model would be planned without what depends on it).
// 7: PostgreSQL tables hold their row-level security switches and policies (entries of 6
// list them as unmanaged, and a diff against one would drop every policy).
// 8: PostgreSQL models hold privileges, default privileges and owners (entries of 7 have
// none, and a declared GRANT would be lost).
pub const FORMAT: &str = "schemadiff catalog cache 8";

static DISABLED: AtomicBool = AtomicBool::new(false);
static TMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Turns the cache off for this process (the CLI's `--no-cache`).
pub fn disable() {
    DISABLED.store(true, Ordering::SeqCst);
}

/// Where the lines saying how a model was obtained go (`generate --verbose`); none by
/// default.
static EXPLAIN: std::sync::Mutex<Option<fn(&str)>> = std::sync::Mutex::new(None);

/// Sends a line for each model obtained through the cache after an edit to `sink`: what
/// was reloaded, or why everything was loaded again.
pub fn explain_to(sink: fn(&str)) {
    *EXPLAIN.lock().unwrap_or_else(|e| e.into_inner()) = Some(sink);
}

/// Sends `line` to the sink [`explain_to`] set, if any.
pub fn explain(line: &str) {
    if let Some(sink) = *EXPLAIN.lock().unwrap_or_else(|e| e.into_inner()) {
        sink(line);
    }
}

/// Whether the cache is off for this process: `--no-cache` or `SCHEMADIFF_NO_CACHE` set
/// (other than `0`).
pub fn disabled() -> bool {
    DISABLED.load(Ordering::SeqCst)
        || std::env::var_os("SCHEMADIFF_NO_CACHE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A directory of cache entries.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache in `dir` (created on the first write).
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// The cache the environment asks for: none after [`disable`] or with
    /// `SCHEMADIFF_NO_CACHE` set (other than `0`); else `$SCHEMADIFF_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/schemadiff`, else `~/.cache/schemadiff`; none when no directory is
    /// known.
    pub fn from_env() -> Option<Cache> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        if DISABLED.load(Ordering::SeqCst) || var("SCHEMADIFF_NO_CACHE").is_some_and(|v| v != "0") {
            return None;
        }
        if let Some(dir) = var("SCHEMADIFF_CACHE_DIR") {
            return Some(Cache::at(dir));
        }
        // XDG Base Directory: a relative XDG_CACHE_HOME is invalid and ignored.
        if let Some(xdg) = var("XDG_CACHE_HOME").map(PathBuf::from) {
            if xdg.is_absolute() {
                return Some(Cache::at(xdg.join("schemadiff")));
            }
        }
        var("HOME").map(|home| Cache::at(PathBuf::from(home).join(".cache").join("schemadiff")))
    }

    /// The directory entries live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `key` (keys carry their engine's prefix: `pg-…`, `sqlite-…`).
    fn entry(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The stored SQLite model for `key`, else what `miss` computes, then stored.
    fn get_or<E>(&self, key: &str, miss: impl FnOnce() -> Result<Schema, E>) -> Result<Schema, E> {
        if let Some(schema) = self.get(key) {
            return Ok(schema);
        }
        let schema = miss()?;
        self.put(key, &schema);
        Ok(schema)
    }

    /// The stored PostgreSQL model for `key` with its dependents, if there is a readable
    /// one.
    pub fn get_model(&self, key: &str) -> Option<Schema> {
        let entry: PgEntry = self.get(key)?;
        let mut schema = entry.schema;
        schema.dependents = Dependents(entry.dependents);
        schema.environment.user = entry.user;
        Some(schema)
    }

    /// Stores the PostgreSQL model `schema` with its dependents under `key`.
    pub fn put_model(&self, key: &str, schema: &Schema) {
        let entry = PgEntryRef {
            schema,
            dependents: &schema.dependents.0,
            user: &schema.environment.user,
        };
        self.put(key, &entry);
    }

    /// As [`Cache::get_or`], for a PostgreSQL model (with its dependents).
    fn get_model_or<E>(
        &self,
        key: &str,
        miss: impl FnOnce() -> Result<Schema, E>,
    ) -> Result<Schema, E> {
        if let Some(schema) = self.get_model(key) {
            return Ok(schema);
        }
        let schema = miss()?;
        self.put_model(key, &schema);
        Ok(schema)
    }

    /// The stored model (or other value) for `key`, if there is a readable one.
    pub fn get<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let bytes = std::fs::read(self.entry(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `schema` under `key`; failures are ignored (the cache only saves time).
    pub fn put<T: serde::Serialize>(&self, key: &str, schema: &T) {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = self
                .dir
                .join(format!(".pg-{key}.{}.{n}.tmp", std::process::id()));
            let json = serde_json::to_vec(schema).map_err(std::io::Error::other)?;
            std::fs::write(&tmp, json).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })?;
            std::fs::rename(&tmp, self.entry(key)).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
        };
        if write().is_ok() {
            self.prune(MAX_ENTRIES);
        }
    }

    /// Removes the least recently written entries beyond the newest `keep` (each entry of
    /// a 2,000-table schema is about 5 MB; a live SQLite catalog adds one per change).
    fn prune(&self, keep: usize) {
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = dir
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .collect();
        if entries.len() <= keep {
            return;
        }
        entries.sort();
        for (_, path) in &entries[..entries.len() - keep] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A stored PostgreSQL entry: the model, and what depends on each of its functions and
/// types ([`Schema::dependents`], which the model's JSON skips).
#[derive(Deserialize)]
struct PgEntry {
    schema: Schema,
    dependents: BTreeMap<String, Vec<Dependent>>,
    /// The role that loaded the model (what a new object's default privileges follow).
    #[serde(default)]
    user: String,
}

/// [`PgEntry`] as written, borrowing the model.
#[derive(Serialize)]
struct PgEntryRef<'a> {
    schema: &'a Schema,
    dependents: &'a BTreeMap<String, Vec<Dependent>>,
    user: &'a str,
}

/// Entries kept in a cache directory: the newest by write time.
pub const MAX_ENTRIES: usize = 64;

/// How PostgreSQL and SQLite entries' keys (and file names) begin.
pub const PG_PREFIX: &str = "pg-";
const SQLITE_PREFIX: &str = "sqlite-";

/// A SHA-256 over length-prefixed fields, so that no two inputs run together alike, the
/// first ones the cache's format and schemadiff's version.
struct KeyHasher(crate::fingerprint::Fields);

impl KeyHasher {
    fn new() -> KeyHasher {
        let mut h = KeyHasher(crate::fingerprint::Fields::new());
        h.field(FORMAT.as_bytes());
        h.field(env!("CARGO_PKG_VERSION").as_bytes());
        h
    }

    fn field(&mut self, bytes: &[u8]) {
        self.0.field(bytes);
    }

    fn hex(self) -> String {
        self.0.hex()
    }
}

/// What the normalized model depends on besides the files: the server and its template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerId {
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
    /// The server's `server_version_num`, user, then template0's encoding, collation,
    /// ctype and (PostgreSQL 15+) locale provider and ICU locale.
    pub settings: Vec<Option<String>>,
}

/// Asks the server `server` points at, through `client`, what [`ServerId`] needs (one short
/// query).
pub fn server_id(client: &mut Client, server: &Config) -> Result<ServerId, Error> {
    // to_jsonb so that columns PostgreSQL 14 lacks read as NULL instead of failing.
    let row = client
        .query_one(
            "SELECT pg_catalog.current_setting('server_version_num'), current_user::text,
                    pg_catalog.pg_encoding_to_char(d.encoding)::text,
                    d.datcollate::text, d.datctype::text,
                    pg_catalog.to_jsonb(d) ->> 'datlocprovider',
                    pg_catalog.to_jsonb(d) ->> 'daticulocale'
             FROM pg_catalog.pg_database d WHERE d.datname = 'template0'",
            &[],
        )
        .map_err(|e| Error::Scratch {
            message: super::db_message(&e),
        })?;
    Ok(ServerId {
        hosts: server
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            })
            .collect(),
        ports: server.get_ports().to_vec(),
        settings: (0..row.len()).map(|i| row.get(i)).collect(),
    })
}

/// The cache key of `files` normalized on `server` and read back for the schemas `only`.
pub fn key(files: &[SourceFile], server: &ServerId, only: &[String]) -> String {
    let mut h = KeyHasher::new();
    for host in &server.hosts {
        h.field(host.as_bytes());
    }
    h.field(b"ports");
    for port in &server.ports {
        h.field(&port.to_le_bytes());
    }
    h.field(b"settings");
    for s in &server.settings {
        h.field(s.as_deref().unwrap_or("\0null").as_bytes());
    }
    if crate::declare::postgres::intake::runs_owner_statements() {
        h.field(b"owners");
    }
    h.field(b"only");
    for name in only {
        h.field(name.as_bytes());
    }
    h.field(b"files");
    for file in files {
        h.field(file.path.to_string_lossy().as_bytes());
        h.field(file.text.as_bytes());
    }
    format!("{PG_PREFIX}{}", h.hex())
}

/// As [`declare_postgres_in`], through `cache` when one is given: a stored model for the
/// same key is returned without a scratch database; otherwise the model is stored.
pub fn declare_postgres_cached(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
    cache: Option<&Cache>,
) -> Result<Schema, Error> {
    declare_postgres_how(files, server, only, cache).map(|(schema, _)| schema)
}

/// How [`declare_postgres_how`] obtained a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obtained {
    /// Read from the cache: the same files on the same server before.
    Stored,
    /// The model of an earlier version of the files with the changed tables reloaded
    /// (see [`super::incremental`]).
    Incremental,
    /// Every statement loaded into a scratch database.
    Loaded,
}

/// As [`declare_postgres_cached`], saying how the model was obtained. After an edit, the
/// model of the files' previous version (the same file or directory; its statements are
/// kept as a "base" entry) is updated by reloading only the changed tables and views when
/// that can be vouched for.
pub fn declare_postgres_how(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
    cache: Option<&Cache>,
) -> Result<(Schema, Obtained), Error> {
    let started = std::time::Instant::now();
    let load = || declare_postgres_in(files, server, only).map(|s| (s, Obtained::Loaded));
    let Some(cache) = cache else {
        return load();
    };
    let Some(id) = reachable_server_id(server)? else {
        return load();
    };
    let key = key(files, &id, only);
    let base_key = incremental::base_key(files, &id, only);
    let base: Option<incremental::Base> = cache.get(&base_key);
    let remember = |current: &incremental::Classified| {
        if let Some(new_base) = incremental::base_of(current, &key) {
            cache.put(&base_key, &new_base);
        }
    };
    if let Some(schema) = cache.get_model(&key) {
        if base.as_ref().is_none_or(|b| b.model_key != key) {
            remember(&incremental::classified(files, base.as_ref()));
        }
        explain(&format!(
            "{}: read from the cache",
            incremental::place(files).display()
        ));
        return Ok((schema, Obtained::Stored));
    }
    let place = incremental::place(files).display().to_string();
    let (current, step) = match base {
        None => {
            explain(&format!(
                "{place}: loading every statement: no earlier version of these files in the cache"
            ));
            (incremental::classified(files, None), None)
        }
        // The scratch database is created and the stored model is read while the
        // statements are compared (40–60 ms for the model of 2,000 tables, 25 ms for
        // their statements).
        Some(b) => std::thread::scope(|s| {
            let mut early = Some(s.spawn(|| kept::Scratch::open(server)));
            let old = s.spawn(|| cache.get_model(&b.model_key));
            let current = incremental::classified(files, Some(&b));
            // The one opened early, then (for a second try) another.
            let scratch = || {
                let (scratch, why) = match early.take() {
                    Some(early) => crate::threads::joined(early),
                    None => kept::Scratch::open(server),
                }?;
                if let Some(why) = why {
                    explain(&format!(
                        "{place}: a new scratch database, not the kept one: {why}"
                    ));
                }
                Ok(scratch)
            };
            let old = crate::threads::joined(old);
            let step = match old {
                Some(old) => incremental::declare(&current, scratch, only, &b, old),
                None => Err(incremental::Fallback {
                    reason: "the model of the earlier version is no longer in the cache",
                    object: None,
                    at: None,
                }),
            };
            let step = match step {
                Ok((schema, note)) => {
                    explain(&format!("{place}: {note}"));
                    Some(schema)
                }
                Err(why) => {
                    explain(&format!("{place}: reloading everything: {why}"));
                    None
                }
            };
            (current, step)
        }),
    };
    let (schema, how) = match step {
        Some(schema) => (schema, Obtained::Incremental),
        None => load()?,
    };
    // A model with stand-ins depends on the target database, which the key does not name.
    let computed = started.elapsed();
    if !super::postgres::leans_on_target(&schema) {
        // The model (5 MB of JSON for 2,000 tables) and the base, side by side.
        std::thread::scope(|s| {
            s.spawn(|| remember(&current));
            cache.put_model(&key, &schema);
        });
    }
    explain(&format!(
        "{place}: {:.2} s in all, {:.2} s of it storing the model in the cache",
        started.elapsed().as_secs_f64(),
        (started.elapsed() - computed).as_secs_f64()
    ));
    Ok((schema, how))
}

/// Stores `schema` as the model of `files` on `server` (read back for `only`), as if they had
/// been loaded: for files printed from `schema` whose load gives it back (a snapshot
/// `generate` just wrote from a declared model; see docs/cache.md). Nothing is stored
/// without a server id, or for a model with stand-ins for the target database (their key
/// would not name it). Whether it was stored.
pub fn store_declared(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
    cache: &Cache,
    schema: &Schema,
) -> bool {
    if super::postgres::leans_on_target(schema) {
        return false;
    }
    let Ok(Some(id)) = reachable_server_id(server) else {
        return false;
    };
    let started = std::time::Instant::now();
    cache.put_model(&key(files, &id, only), schema);
    explain(&format!(
        "{}: the model of the new snapshot stored in the cache ({:.2} s)",
        incremental::place(files).display(),
        started.elapsed().as_secs_f64()
    ));
    true
}

/// The server's [`ServerId`]; `None` when it cannot be asked (the scratch database then
/// reports why); an error when the server cannot be reached at all.
fn reachable_server_id(server: &Config) -> Result<Option<ServerId>, Error> {
    // Not reachable: the same error the scratch database would give, without a second
    // wait for the connection timeout.
    let mut client = connect_config(server).map_err(|e| Error::Scratch {
        message: e.to_string(),
    })?;
    Ok(server_id(&mut client, server).ok())
}

/// The model `miss` computes from `files` on `server` (read back for `only`), through
/// `cache` when one is given: a stored model for the same key is returned without calling
/// `miss`; otherwise what `miss` returns is stored.
pub fn cached(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
    cache: Option<&Cache>,
    miss: impl FnOnce() -> Result<Schema, Error>,
) -> Result<Schema, Error> {
    let Some(cache) = cache else {
        return miss();
    };
    let Some(id) = reachable_server_id(server)? else {
        return miss();
    };
    cache.get_model_or(&key(files, &id, only), miss)
}

/// What a SQLite model is computed from: which computation (`what`: declared files,
/// replayed revisions, a live catalog) and its inputs, each a name and a text.
pub struct SqliteInputs<'a> {
    pub what: &'a str,
    pub texts: Vec<(String, &'a str)>,
}

/// The cache key of a SQLite model: its inputs, the SQLite library's version (what SQLite
/// derives from a text can change between versions) and this crate's format and version.
fn sqlite_key(inputs: &SqliteInputs) -> String {
    let mut h = KeyHasher::new();
    h.field(b"sqlite");
    h.field(rusqlite::version().as_bytes());
    h.field(inputs.what.as_bytes());
    for (name, text) in &inputs.texts {
        h.field(name.as_bytes());
        h.field(text.as_bytes());
    }
    format!("{SQLITE_PREFIX}{}", h.hex())
}

/// The SQLite model `miss` computes from `inputs`, through `cache` when one is given.
///
/// Sound because SQLite keeps a schema as text: every column, constraint, index, view and
/// trigger SQLite reports is derived from the `CREATE` statements it stores, so the same
/// texts on the same SQLite version give the same model. No server, nothing else to ask.
pub fn sqlite_cached<E>(
    inputs: &SqliteInputs,
    cache: Option<&Cache>,
    miss: impl FnOnce() -> Result<Schema, E>,
) -> Result<Schema, E> {
    let Some(cache) = cache else {
        return miss();
    };
    cache.get_or(&sqlite_key(inputs), miss)
}

/// The inputs of declared SQLite `files`.
pub fn declared_inputs(files: &[SourceFile]) -> SqliteInputs<'_> {
    SqliteInputs {
        what: "declared",
        texts: files
            .iter()
            .map(|f| (f.path.to_string_lossy().into_owned(), f.text.as_str()))
            .collect(),
    }
}

/// As [`super::declare_sqlite`], through `cache` when one is given.
pub fn declare_sqlite_cached(files: &[SourceFile], cache: Option<&Cache>) -> Result<Schema, Error> {
    sqlite_cached(&declared_inputs(files), cache, || {
        super::declare_sqlite(files)
    })
}

/// A SQLite database's catalog as text: every row of `sqlite_schema` (type, name, table,
/// `CREATE` text), which is everything its model is computed from.
pub fn catalog_texts(conn: &rusqlite::Connection) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM main.sqlite_schema \
         ORDER BY type, name, tbl_name",
    )?;
    let rows = stmt.query_map([], |r| {
        let mut text = String::new();
        for i in 0..4 {
            text.push_str(&r.get::<_, String>(i)?);
            text.push('\0');
        }
        Ok(text)
    })?;
    rows.collect()
}

/// The inputs of a live SQLite catalog read by [`catalog_texts`].
pub fn live_inputs(catalog: &[String]) -> SqliteInputs<'_> {
    SqliteInputs {
        what: "live catalog",
        texts: catalog
            .iter()
            .map(|t| (String::new(), t.as_str()))
            .collect(),
    }
}

/// The schema of the `main` database of `conn`, through `cache` when one is given: the
/// catalog is read every time, and the model parsed from the same texts before is reused.
pub fn introspect_sqlite_cached(
    conn: &rusqlite::Connection,
    cache: Option<&Cache>,
) -> Result<Schema, crate::introspect::Error> {
    let Some(cache) = cache else {
        return crate::introspect::sqlite::introspect(conn);
    };
    let catalog = catalog_texts(conn)?;
    sqlite_cached(&live_inputs(&catalog), Some(cache), || {
        crate::introspect::sqlite::introspect(conn)
    })
}

/// Whether the models of `a` and `b` are both stored in `cache` with the same bytes: then
/// they are the same model, known without parsing either (the JSON of a model is
/// deterministic). `false` says nothing.
pub fn sqlite_same_stored(cache: &Cache, a: &SqliteInputs, b: &SqliteInputs) -> bool {
    let read = |inputs| std::fs::read(cache.entry(&sqlite_key(inputs))).ok();
    // A stored model is a JSON object; anything else was not written by this cache.
    let object = |x: &[u8]| x.first() == Some(&b'{') && x.last() == Some(&b'}');
    match (read(a), read(b)) {
        (Some(x), Some(y)) => object(&x) && x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> Cache {
        let dir =
            std::env::temp_dir().join(format!("schemadiff_cache_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Cache::at(dir)
    }

    fn inputs(text: &str) -> SqliteInputs<'_> {
        SqliteInputs {
            what: "declared",
            texts: vec![("a.sql".into(), text)],
        }
    }

    fn model(table: &str) -> Schema {
        let mut s = Schema::default();
        s.tables.insert(table.into(), Default::default());
        s
    }

    #[test]
    fn a_stored_sqlite_model_is_returned_until_a_text_changes() {
        let cache = dir("sqlite");
        let first: Result<Schema, ()> =
            sqlite_cached(&inputs("x"), Some(&cache), || Ok(model("a")));
        assert_eq!(first.unwrap(), model("a"));
        let again: Result<Schema, ()> =
            sqlite_cached(&inputs("x"), Some(&cache), || panic!("recomputed"));
        assert_eq!(again.unwrap(), model("a"));
        let other: Result<Schema, ()> =
            sqlite_cached(&inputs("y"), Some(&cache), || Ok(model("b")));
        assert_eq!(other.unwrap(), model("b"));
        assert!(sqlite_same_stored(&cache, &inputs("x"), &inputs("x")));
        assert!(!sqlite_same_stored(&cache, &inputs("x"), &inputs("y")));
        assert!(!sqlite_same_stored(
            &cache,
            &inputs("x"),
            &inputs("never stored")
        ));
        let _ = std::fs::remove_dir_all(cache.dir());
    }

    #[test]
    fn the_cache_keeps_its_newest_entries() {
        let cache = dir("prune");
        for i in 0..MAX_ENTRIES + 6 {
            cache.put(&format!("k{i}"), &model("a"));
        }
        let count = std::fs::read_dir(cache.dir()).unwrap().count();
        assert_eq!(count, MAX_ENTRIES);
        let _ = std::fs::remove_dir_all(cache.dir());
    }
}
