//! `schemadiff.toml`: where a project keeps its schemas, revisions and snapshots, and which
//! database it migrates (`DATABASE_URL` wins over `database_url`).

use crate::engine::Dialect;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FILE: &str = "schemadiff.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_dialect")]
    pub dialect: String,
    pub database_url: Option<String>,
    /// PostgreSQL: the server where declared DDL (schemas/, snapshots/) is loaded into a
    /// scratch database to be normalized; default: the server of `database_url`.
    #[serde(default)]
    pub dev_url: Option<String>,
    #[serde(default = "schemas")]
    pub schemas: PathBuf,
    #[serde(default = "migrations")]
    pub migrations: PathBuf,
    #[serde(default = "snapshots")]
    pub snapshots: PathBuf,
    /// How long a runner waits for another one's migration lock.
    #[serde(default = "lock_timeout")]
    pub lock_timeout_seconds: u64,
    /// `[safety]`: hazard kinds `--strict` accepts in this project.
    #[serde(default)]
    pub safety: Safety,
    /// `[postgres]`: lock-aware plans (concurrent indexes, NOT VALID, timeouts).
    #[serde(default)]
    pub postgres: crate::engine::LockOptions,
}

/// The `[safety]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Safety {
    /// Hazard codes `--strict` accepts, as `--allow` does.
    #[serde(default)]
    pub allow: Vec<String>,
}

fn default_dialect() -> String {
    Dialect::DEFAULT.name().into()
}
fn schemas() -> PathBuf {
    "schemas".into()
}
fn migrations() -> PathBuf {
    "migrations".into()
}
fn snapshots() -> PathBuf {
    "snapshots".into()
}
fn lock_timeout() -> u64 {
    30
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("no {} in {}", FILE, dir.display())]
    #[diagnostic(help("run `schemadiff init` to create a project here, or pass --config PATH"))]
    Missing { dir: PathBuf },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("no database to migrate: set DATABASE_URL or database_url in {}", path.display())]
    NoDatabase { path: PathBuf },
    #[error("{} already exists; not overwriting it", path.display())]
    Exists { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A loaded project: its config and the directory paths are relative to.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub path: PathBuf,
    pub config: Config,
}

impl Project {
    /// Loads `path`, or `./schemadiff.toml`.
    pub fn load(path: Option<&Path>) -> Result<Project, Error> {
        let path = path.map_or_else(|| PathBuf::from(FILE), Path::to_path_buf);
        let text = std::fs::read_to_string(&path).map_err(|_| Error::Missing {
            dir: path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        })?;
        let config: Config =
            toml::from_str(&crate::textfile::normalize(&text)).map_err(|e| Error::Invalid {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Ok(Project { root, path, config })
    }

    pub fn schemas(&self) -> PathBuf {
        self.root.join(&self.config.schemas)
    }
    pub fn migrations(&self) -> PathBuf {
        self.root.join(&self.config.migrations)
    }
    pub fn snapshots(&self) -> PathBuf {
        self.root.join(&self.config.snapshots)
    }

    /// The engine the project's `dialect` names (the default for a name `project` refuses).
    pub fn dialect(&self) -> Dialect {
        Dialect::from_config(&self.config.dialect).unwrap_or(Dialect::DEFAULT)
    }

    /// The server where declared DDL is normalized: `dev_url`, else `database_url`'s.
    pub fn dev_url(&self) -> Result<String, Error> {
        match &self.config.dev_url {
            Some(u) => Ok(u.clone()),
            None => self.database_url(),
        }
    }

    /// How long a runner waits for another one's migration lock.
    pub fn lock_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.config.lock_timeout_seconds)
    }

    /// The database URL: `DATABASE_URL`, else `database_url`. A relative `sqlite:///` path
    /// is relative to the current directory, as in SQLAlchemy.
    pub fn database_url(&self) -> Result<String, Error> {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(|| self.config.database_url.clone())
            .ok_or_else(|| Error::NoDatabase {
                path: self.path.clone(),
            })
    }
}

/// Writes a working skeleton into `dir`; returns what it created.
pub fn init(dir: &Path, dialect: Dialect) -> Result<Vec<PathBuf>, Error> {
    let path = dir.join(FILE);
    if path.exists() {
        return Err(Error::Exists { path });
    }
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io { path: p, source }
    };
    let mut made = Vec::new();
    for sub in ["schemas", "migrations", "snapshots"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(io(&d))?;
        made.push(d);
    }
    let url = dialect.example_url();
    let dialect = dialect.name();
    let text = format!(
        "# schemadiff project. schemas/migrations/snapshots paths are relative to this file;\n# a relative sqlite:/// URL is relative to the current directory, as in SQLAlchemy.\ndialect = \"{dialect}\"\n# DATABASE_URL, when set, wins over this.\ndatabase_url = \"{url}\"\nschemas = \"schemas\"        # declared DDL: edit these\nmigrations = \"migrations\"  # revisions written by `schemadiff generate`\nsnapshots = \"snapshots\"    # canonical DDL at head, rewritten by `generate`\nlock_timeout_seconds = 30\n"
    );
    std::fs::write(&path, text).map_err(io(&path))?;
    made.push(path);
    let example = dir.join("schemas").join("schema.sql");
    if !example.exists() {
        std::fs::write(&example, "-- Declare the schema you want here; `schemadiff generate -m MSG` writes the migration.\n")
            .map_err(io(&example))?;
        made.push(example);
    }
    Ok(made)
}
