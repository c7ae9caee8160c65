//! The catalog cache: the normalized model of declared PostgreSQL DDL (what the scratch
//! database's introspection produced), stored as JSON so that the next run on the same
//! files and server skips the scratch database, whose load takes seconds on a large schema.
//!
//! An entry is keyed by a SHA-256 of everything the model depends on: each file's path and
//! bytes in order, the server's `server_version_num`, host, port and user, template0's
//! encoding, collation and locale provider (the scratch database is created from it), the
//! schema filter (`--schema`), and [`FORMAT`] with the crate version. Entries are written to
//! a temporary file and renamed; reading one never fails a command: a missing, unreadable
//! or unparsable entry means the scratch database is used as without a cache.

use super::postgres::declare_postgres_in;
use super::{Error, SourceFile};
use crate::introspect::postgres::connect::connect_config;
use crate::model::Schema;
use postgres::config::Host;
use postgres::{Client, Config};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Changes whenever the stored form or what goes into the key changes.
pub const FORMAT: &str = "schemadiff catalog cache 2";

static DISABLED: AtomicBool = AtomicBool::new(false);
static TMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Turns the cache off for this process (the CLI's `--no-cache`).
pub fn disable() {
    DISABLED.store(true, Ordering::SeqCst);
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

    fn entry(&self, key: &str) -> PathBuf {
        self.dir.join(format!("pg-{key}.json"))
    }

    /// The stored model for `key`, if there is a readable one.
    pub fn get(&self, key: &str) -> Option<Schema> {
        let bytes = std::fs::read(self.entry(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `schema` under `key`; failures are ignored (the cache only saves time).
    pub fn put(&self, key: &str, schema: &Schema) {
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
        let _ = write();
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
    let mut h = Sha256::new();
    // Every field is length-prefixed, so that no two inputs run together alike.
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(FORMAT.as_bytes());
    field(env!("CARGO_PKG_VERSION").as_bytes());
    for host in &server.hosts {
        field(host.as_bytes());
    }
    field(b"ports");
    for port in &server.ports {
        field(&port.to_le_bytes());
    }
    field(b"settings");
    for s in &server.settings {
        field(s.as_deref().unwrap_or("\0null").as_bytes());
    }
    field(b"only");
    for name in only {
        field(name.as_bytes());
    }
    field(b"files");
    for file in files {
        field(file.path.to_string_lossy().as_bytes());
        field(file.text.as_bytes());
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// As [`declare_postgres_in`], through `cache` when one is given: a stored model for the
/// same key is returned without a scratch database; otherwise the model is stored.
pub fn declare_postgres_cached(
    files: &[SourceFile],
    server: &Config,
    only: &[String],
    cache: Option<&Cache>,
) -> Result<Schema, Error> {
    cached(files, server, only, cache, || {
        declare_postgres_in(files, server, only)
    })
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
    // Not reachable: the same error the scratch database would give, without a second
    // wait for the connection timeout.
    let mut client = connect_config(server).map_err(|e| Error::Scratch {
        message: e.to_string(),
    })?;
    let id = server_id(&mut client, server);
    drop(client);
    let Ok(id) = id else {
        return miss();
    };
    let key = key(files, &id, only);
    if let Some(schema) = cache.get(&key) {
        return Ok(schema);
    }
    let schema = miss()?;
    cache.put(&key, &schema);
    Ok(schema)
}
