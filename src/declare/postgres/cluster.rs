//! A throwaway PostgreSQL cluster for normalizing declared DDL when no server is given (or
//! the target's refuses `CREATE DATABASE`): `initdb` and `pg_ctl` from the installed
//! PostgreSQL binaries, on a private directory whose Unix socket is the only way in
//! (`listen_addresses = ''`), without durability (`fsync`, `synchronous_commit`,
//! `full_page_writes` off). Stopped (`pg_ctl stop -m immediate`) and removed when the
//! [`Cluster`] is dropped, also on error, and by [`stop_all`] on Ctrl-C.
//!
//! Binaries: `SCHEMADIFF_PG_BIN`, else `/usr/lib/postgresql/MAJOR/bin` of the target's major
//! version when known, else `pg_config --bindir`, the newest `/usr/lib/postgresql/*/bin`,
//! then `PATH`. `initdb` refuses to run as root: as root the tools run as the `postgres`
//! user through `setpriv`. `SCHEMADIFF_NO_THROWAWAY=1` forbids the cluster.

use super::super::Error;
use crate::introspect::postgres::connect::{connect_config, Config};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Clusters running now, so that Ctrl-C can stop and remove them.
static ACTIVE: Mutex<Vec<Stopper>> = Mutex::new(Vec::new());
static COUNTER: AtomicUsize = AtomicUsize::new(0);
static QUIET: AtomicBool = AtomicBool::new(false);

/// The port the cluster's socket file is named after (nothing listens on TCP).
const PORT: u16 = 5432;

/// `--quiet`: do not print the "Using a throwaway …" line.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::SeqCst);
}

/// Whether `--quiet` was given.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::SeqCst)
}

/// Whether `server` is a throwaway cluster running now (its socket is in the cluster's
/// directory).
pub fn is_throwaway(server: &Config) -> bool {
    let Some(postgres::config::Host::Unix(socket)) = server.get_hosts().first() else {
        return false;
    };
    ACTIVE
        .lock()
        .is_ok_and(|active| active.iter().any(|s| socket.starts_with(&s.root)))
}

/// Whether a throwaway cluster may be started (`SCHEMADIFF_NO_THROWAWAY` unset, empty or 0).
pub fn allowed() -> bool {
    std::env::var("SCHEMADIFF_NO_THROWAWAY").map_or(true, |v| v.is_empty() || v == "0")
}

/// The server where declared DDL is normalized: a given one, or a throwaway cluster that
/// lives as long as this value (and its clones in scratch databases).
pub struct DevServer {
    config: Config,
    cluster: Option<Arc<Cluster>>,
}

impl DevServer {
    /// A server of the user's (the dev URL or the target's).
    pub fn at(config: Config) -> DevServer {
        DevServer {
            config,
            cluster: None,
        }
    }

    /// A new throwaway cluster of major version `major` when known; `why` ends the line
    /// that announces it.
    pub fn throwaway(major: Option<u32>, why: &str) -> Result<DevServer, Error> {
        let cluster = Cluster::start(major, why)?;
        Ok(DevServer {
            config: cluster.config.clone(),
            cluster: Some(Arc::new(cluster)),
        })
    }

    /// The throwaway cluster's directory, if this is one.
    pub fn throwaway_dir(&self) -> Option<&Path> {
        self.cluster.as_ref().map(|c| c.stopper.root.as_path())
    }
}

impl Deref for DevServer {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.config
    }
}

/// The dev server when the target's server is the candidate: it, unless its role may not
/// create databases (then a throwaway cluster of its major version, when allowed). A
/// server that cannot be asked is kept: using it reports why.
pub fn for_target(config: Config) -> Result<DevServer, Error> {
    if !allowed() {
        return Ok(DevServer::at(config));
    }
    let Ok(mut client) = connect_config(&config) else {
        return Ok(DevServer::at(config));
    };
    let row = client.query_opt(
        "SELECT r.rolcreatedb OR r.rolsuper, r.rolname::text, \
         current_setting('server_version_num')::int \
         FROM pg_roles r WHERE r.rolname = current_user",
        &[],
    );
    drop(client);
    match row {
        Ok(Some(row)) if !row.get::<_, bool>(0) => {
            let role: String = row.get(1);
            let version: i32 = row.get(2);
            let why = format!(
                "no dev URL, and role {} may not create databases on the target's server",
                crate::sqltext::quote_pg_ident(&role)
            );
            DevServer::throwaway(u32::try_from(version / 10000).ok(), &why)
        }
        _ => Ok(DevServer::at(config)),
    }
}

/// What stops and removes a cluster (kept apart so that Ctrl-C can run it too).
#[derive(Clone)]
struct Stopper {
    root: PathBuf,
    bin: PathBuf,
    /// As root: the `postgres` user's uid and gid, to run the tools as.
    as_postgres: Option<(u32, u32)>,
}

impl Stopper {
    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    fn tool(&self, name: &str) -> Command {
        let exe = self.bin.join(name);
        let mut cmd = if let Some((uid, gid)) = self.as_postgres {
            // setpriv stops reading its own options at the command.
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.current_dir(&self.root);
        cmd
    }

    /// Stops the server if it runs and removes the directory.
    fn stop(&self) {
        if self.data().join("postmaster.pid").exists() {
            let _ = self
                .tool("pg_ctl")
                .args(["stop", "-s", "-w", "-m", "immediate", "-D"])
                .arg(self.data())
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Stops and removes every running throwaway cluster (for Ctrl-C).
pub fn stop_all() {
    let active = ACTIVE.lock().map(|a| a.clone()).unwrap_or_default();
    for s in active {
        s.stop();
    }
}

/// A running throwaway cluster, stopped and removed on drop.
pub struct Cluster {
    stopper: Stopper,
    config: Config,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Scratch databases being dropped on threads may be this cluster's.
        super::wait_for_scratch_drops();
        self.stopper.stop();
        if let Ok(mut active) = ACTIVE.lock() {
            active.retain(|s| s.root != self.stopper.root);
        }
    }
}

impl Cluster {
    fn start(major: Option<u32>, why: &str) -> Result<Cluster, Error> {
        let bin = find_bin(major)?;
        let version = bin_major(&bin);
        let owner = if running_as_root() {
            Some(postgres_user()?)
        } else {
            None
        };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("schemadiff_pg_{}_{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).map_err(|e| failed("create its directory", &e))?;
        let stopper = Stopper {
            root: root.clone(),
            bin,
            as_postgres: owner,
        };
        if let Ok(mut active) = ACTIVE.lock() {
            active.push(stopper.clone());
        }
        let config = Config::unix_socket(&root, PORT, "postgres", "postgres");
        // From here on, dropping the value removes what was made.
        let cluster = Cluster { stopper, config };
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&root, Some(uid), Some(gid))
                .map_err(|e| failed("give its directory to the postgres user", &e))?;
        }
        cluster.init()?;
        cluster.run_server()?;
        if !QUIET.load(Ordering::SeqCst) {
            let version = version.map_or_else(String::new, |v| format!(" {v}"));
            let other = match (major, version.trim().parse::<u32>().ok()) {
                (Some(want), Some(have)) if want != have => {
                    format!("; the target runs PostgreSQL {want}, whose binaries were not found")
                }
                _ => String::new(),
            };
            eprintln!(
                "Using a throwaway PostgreSQL{version} cluster in {} ({why}{other})",
                crate::sqltext::comment::Printable(&root.display().to_string())
            );
        }
        Ok(cluster)
    }

    fn init(&self) -> Result<(), Error> {
        let s = &self.stopper;
        let out = s
            .tool("initdb")
            .args(["--no-sync", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .args(["-U", "postgres", "-D"])
            .arg(s.data())
            .output();
        checked("initdb", out)?;
        let settings = format!(
            "\n# schemadiff throwaway cluster\nlisten_addresses = ''\nport = {PORT}\n\
             unix_socket_directories = '{}'\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\n",
            s.root.display().to_string().replace('\'', "''")
        );
        let conf = s.data().join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|e| failed("initdb", &e))?;
        text.push_str(&settings);
        std::fs::write(&conf, text).map_err(|e| failed("configure it", &e))
    }

    fn run_server(&self) -> Result<(), Error> {
        let s = &self.stopper;
        let out = s
            .tool("pg_ctl")
            .args(["start", "-s", "-w", "-t", "60", "-D"])
            .arg(s.data())
            .arg("-l")
            .arg(s.root.join("server.log"))
            .output();
        checked("pg_ctl start", out).map_err(|e| match e {
            Error::Throwaway { step, message } => {
                let log = std::fs::read_to_string(s.root.join("server.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                Error::Throwaway {
                    step,
                    message: format!("{message} {}", tail.join(" ")).trim().to_string(),
                }
            }
            other => other,
        })
    }
}

fn failed(step: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Throwaway {
        step: step.to_string(),
        message: e.to_string(),
    }
}

fn checked(step: &str, out: std::io::Result<Output>) -> Result<(), Error> {
    let out = out.map_err(|e| failed(step, &e))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Err(failed(step, &text.join(" ")))
}

/// Whether this process runs as root (its `/proc/self` belongs to its user).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata("/proc/self") {
        Ok(m) => m.uid() == 0,
        Err(_) => Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0"),
    }
}

/// The `postgres` user's uid and gid, to run the tools as when this process is root.
fn postgres_user() -> Result<(u32, u32), Error> {
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok((uid, gid)),
        _ => Err(failed(
            "run initdb",
            &"this process runs as root, which initdb refuses, and there is no `postgres` user to run it as",
        )),
    }
}

fn usable(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

/// The installed `/usr/lib/postgresql/*/bin` directories, newest first.
fn installed() -> Vec<(u32, PathBuf)> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, bin)| usable(bin))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
}

/// The directory holding `initdb` and `pg_ctl` (see the module's comment for the order).
fn find_bin(major: Option<u32>) -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("SCHEMADIFF_PG_BIN").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        if usable(&dir) {
            return Ok(dir);
        }
        return Err(Error::NoPgBinaries {
            searched: format!(
                "SCHEMADIFF_PG_BIN={}",
                crate::sqltext::comment::Printable(&dir.display().to_string())
            ),
        });
    }
    let installed = installed();
    if let Some((_, bin)) = installed.iter().find(|(v, _)| Some(*v) == major) {
        return Ok(bin.clone());
    }
    let pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let path = std::env::var_os("PATH").unwrap_or_default();
    pg_config
        .into_iter()
        .chain(installed.into_iter().map(|(_, bin)| bin))
        .chain(std::env::split_paths(&path))
        .find(|d| usable(d))
        .ok_or_else(|| Error::NoPgBinaries {
            searched: "`pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH".into(),
        })
}

/// The major version of the binaries in `bin` (`pg_ctl --version`).
fn bin_major(bin: &Path) -> Option<String> {
    let out = Command::new(bin.join("pg_ctl"))
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().last()?;
    Some(version.split('.').next()?.to_string())
}
