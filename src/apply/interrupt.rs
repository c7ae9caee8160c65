//! Ctrl-C during an apply run. The program's signal handler calls [`interrupt`]; when a run
//! is under way, that marks it interrupted and asks its engine to cancel the running
//! statement (a PostgreSQL cancel request, `sqlite3_interrupt`). The run then sees the
//! failed statement or the mark, rolls back, releases its lock and reports what stays
//! applied. A second Ctrl-C is left to the handler (which ends the process at once).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Cancels what the engine is running right now; safe to call from another thread.
pub type Canceller = Arc<dyn Fn() + Send + Sync>;

/// The canceller of the run under way, if any.
static ACTIVE: Mutex<Option<Canceller>> = Mutex::new(None);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Set once the run has seen the interruption: the cancel requests stop.
static SEEN: AtomicBool = AtomicBool::new(false);

/// How often, and how many times, a cancel request is repeated: one that arrives between
/// two statements cancels nothing, so it is sent again until the run has seen it.
const REPEAT_EVERY: Duration = Duration::from_millis(200);
const REPEATS: usize = 25;

/// Handles Ctrl-C for the run under way; returns whether there was one to stop (if not, or
/// if this is a second Ctrl-C, the caller handles the signal itself).
pub fn interrupt() -> bool {
    let Some(cancel) = ACTIVE.lock().ok().and_then(|a| a.clone()) else {
        return false;
    };
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        return false;
    }
    for _ in 0..REPEATS {
        if SEEN.load(Ordering::SeqCst) || !active() {
            break;
        }
        cancel();
        std::thread::sleep(REPEAT_EVERY);
    }
    true
}

fn active() -> bool {
    ACTIVE.lock().map(|a| a.is_some()).unwrap_or(false)
}

/// Reports whether the run was interrupted (and, when it was, marks the interruption seen).
pub fn interrupted() -> bool {
    let yes = INTERRUPTED.load(Ordering::SeqCst);
    if yes {
        SEEN.store(true, Ordering::SeqCst);
    }
    yes
}

/// A run that Ctrl-C can stop, until this value is dropped.
pub struct Watch(());

/// Registers `cancel` as the way to stop the run under way.
pub fn watch(cancel: Canceller) -> Watch {
    INTERRUPTED.store(false, Ordering::SeqCst);
    SEEN.store(false, Ordering::SeqCst);
    if let Ok(mut active) = ACTIVE.lock() {
        *active = Some(cancel);
    }
    Watch(())
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(mut active) = ACTIVE.lock() {
            *active = None;
        }
    }
}
