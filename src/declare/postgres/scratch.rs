//! Scratch databases: created on the dev server for a load, dropped after it (on a thread
//! of their own when the program asks for that), and on Ctrl-C.

use super::super::Error;
use super::{cluster, intake};
use crate::introspect::postgres::connect::{connect_config, Config};
use crate::pg_error::db_message;
use postgres::error::SqlState;
use postgres::Client;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Scratch databases that exist right now, so that Ctrl-C can drop them.
static ACTIVE: Mutex<Vec<(Config, String)>> = Mutex::new(Vec::new());
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static HANDLER: Mutex<()> = Mutex::new(());

/// Call before exiting: if Ctrl-C arrived, waits for its handler to drop the scratch
/// databases and end the process with 130 (so this then never returns).
pub fn finish_interrupt() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        let _wait = HANDLER.lock();
    }
}

/// Proof that Ctrl-C's cleanup ran: holds back [`finish_interrupt`] while it lives, so the
/// program's signal handler keeps it until the process has exited.
#[must_use = "keep it until the process exits"]
pub struct ScratchDropped {
    _held: Option<MutexGuard<'static, ()>>,
}

/// Drops every live scratch database (and stops every throwaway cluster), for a Ctrl-C handler that then ends the process (the
/// program's, in `main.rs`; a library user keeps its own signal handling). Keep the
/// returned value until exit: a main thread that sees the interruption then waits in
/// [`finish_interrupt`] instead of exiting first with the error the dropped connection
/// gave it.
pub fn drop_scratch_databases() -> ScratchDropped {
    let held = HANDLER.lock().ok();
    INTERRUPTED.store(true, Ordering::SeqCst);
    let active = ACTIVE.lock().map(|a| a.clone()).unwrap_or_default();
    for (config, name) in active {
        if let Ok(mut admin) = connect_config(&config) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
    cluster::stop_all();
    ScratchDropped { _held: held }
}

/// Whether [`ScratchDb::release`] drops on a thread, and the drops under way.
static BACKGROUND: AtomicBool = AtomicBool::new(false);
static PENDING: Mutex<Vec<std::thread::JoinHandle<()>>> = Mutex::new(Vec::new());

/// From now on [`ScratchDb::release`] drops a scratch database on a thread of its own; the
/// program then calls [`wait_for_scratch_drops`] before it exits (the CLI does, at the end
/// of every command), so that none is left behind.
pub fn drop_scratch_in_background() {
    BACKGROUND.store(true, Ordering::SeqCst);
}

/// Waits for the scratch databases being dropped on threads.
pub fn wait_for_scratch_drops() {
    let pending: Vec<_> = PENDING
        .lock()
        .map(|mut p| p.drain(..).collect())
        .unwrap_or_default();
    for handle in pending {
        let _ = handle.join();
    }
}

/// A temporary database, dropped when this guard goes out of scope.
pub struct ScratchDb {
    pub(super) admin: Client,
    pub name: String,
    pub config: Config,
}

impl ScratchDb {
    /// Creates `schemadiff_scratch_<pid>_<n>` on the server `server` points at.
    pub fn create(server: &Config) -> Result<ScratchDb, Error> {
        let scratch = |e: &dyn std::fmt::Display| Error::Scratch {
            message: e.to_string(),
        };
        let mut admin = connect_config(server).map_err(|e| scratch(&e))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("schemadiff_scratch_{}_{n}", std::process::id());
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name} TEMPLATE template0"),
        ] {
            if let Err(e) = admin.batch_execute(&sql) {
                if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
                    return Err(intake::no_createdb(&mut admin, server));
                }
                return Err(scratch(&db_message(&e)));
            }
        }
        if let Ok(mut active) = ACTIVE.lock() {
            active.push((server.clone(), name.clone()));
        }
        // Throwaway: a commit in it need not wait for its WAL to reach the disk (each table
        // of a parallel load commits on its own). Loads as well without.
        let _ = admin.batch_execute(&format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        ));
        let mut config = server.clone();
        config.dbname(&name);
        Ok(ScratchDb {
            admin,
            name,
            config,
        })
    }

    /// Drops the database: now, or on a thread of its own when the program asked for that
    /// ([`drop_scratch_in_background`]; the server's `DROP DATABASE` waits for a checkpoint,
    /// which the rest of a command need not wait for).
    pub fn release(self) {
        if !BACKGROUND.load(Ordering::SeqCst) {
            return;
        }
        let handle = std::thread::spawn(move || drop(self));
        if let Ok(mut pending) = PENDING.lock() {
            pending.push(handle);
        }
    }

    /// Connects to the scratch database.
    pub fn connect(&self) -> Result<Client, Error> {
        connect_config(&self.config).map_err(|e| Error::Scratch {
            message: e.to_string(),
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let result = self.admin.batch_execute(&sql);
        if let Ok(mut active) = ACTIVE.lock() {
            active.retain(|(_, n)| *n != self.name);
        }
        if let Err(e) = result {
            eprintln!(
                "warning: could not drop scratch database {}: {}",
                self.name,
                db_message(&e)
            );
        }
    }
}
