//! Progress of long steps (a scratch load of declared DDL, a replay of revisions, an
//! upgrade): counts told to a [`Progress`] sink that the caller installs for the current
//! thread with [`with`]. The stages call [`report`], which does nothing when no sink is
//! installed; drawing a line on a terminal is the CLI's (nothing here prints).

use std::cell::RefCell;
use std::rc::Rc;

/// What is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Task {
    /// Declared DDL loaded into a scratch database (counts: statements).
    Load,
    /// Revisions replayed into a scratch database (counts: revisions run, up then down).
    Replay,
    /// Revisions run by `upgrade` (counts: revisions).
    Upgrade,
    /// Revisions run by `downgrade` (counts: revisions).
    Downgrade,
}

/// Receives the counts of long steps.
pub trait Progress {
    /// `done` of `total` units of `task` are done (`done` grows, up to `total`).
    fn update(&self, task: Task, done: usize, total: usize);
    /// The step ended (successfully or not): a line drawn for it is to be cleared.
    fn finish(&self);
}

thread_local! {
    static SINK: RefCell<Option<Rc<dyn Progress>>> = const { RefCell::new(None) };
}

/// Runs `f` with `sink` receiving this thread's [`report`]s; calls `sink.finish()` at the
/// end (also when `f` fails). Nested calls: the innermost sink receives.
pub fn with<R>(sink: Rc<dyn Progress>, f: impl FnOnce() -> R) -> R {
    let previous = SINK.with(|s| s.borrow_mut().replace(sink.clone()));
    struct Restore(Option<Rc<dyn Progress>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SINK.with(|s| *s.borrow_mut() = self.0.take());
        }
    }
    let restore = Restore(previous);
    let out = f();
    drop(restore);
    sink.finish();
    out
}

/// The installed sink, if any.
fn sink() -> Option<Rc<dyn Progress>> {
    SINK.with(|s| s.borrow().clone())
}

/// Tells the installed sink (if any) that `done` of `total` units of `task` are done.
pub fn report(task: Task, done: usize, total: usize) {
    if let Some(sink) = sink() {
        sink.update(task, done, total);
    }
}

/// Tells the installed sink (if any) that a step ended, so its line is cleared.
pub fn finish() {
    if let Some(sink) = sink() {
        sink.finish();
    }
}

/// The time each step of a command took, for `--verbose`: "name 0.12 s, other 1.05 s".
pub struct Laps {
    started: std::time::Instant,
    since: std::time::Instant,
    laps: Vec<String>,
}

impl Laps {
    pub fn start() -> Laps {
        let now = std::time::Instant::now();
        Laps {
            started: now,
            since: now,
            laps: Vec::new(),
        }
    }

    /// Ends the step `name`, which began at the previous lap (or the start).
    pub fn lap(&mut self, name: &str) {
        let now = std::time::Instant::now();
        self.laps
            .push(format!("{name} {:.2} s", (now - self.since).as_secs_f64()));
        self.since = now;
    }

    /// The steps so far, "name 0.12 s, other 1.05 s".
    pub fn steps(&self) -> String {
        self.laps.join(", ")
    }

    /// Seconds since the start.
    pub fn total(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Recorder(RefCell<Vec<(Task, usize, usize)>>, RefCell<usize>);

    impl Progress for Recorder {
        fn update(&self, task: Task, done: usize, total: usize) {
            self.0.borrow_mut().push((task, done, total));
        }
        fn finish(&self) {
            *self.1.borrow_mut() += 1;
        }
    }

    #[test]
    fn reports_reach_the_installed_sink_only_while_it_is_installed() {
        report(Task::Load, 1, 2);
        let r = Rc::new(Recorder::default());
        with(r.clone(), || report(Task::Load, 1, 2));
        report(Task::Load, 2, 2);
        assert_eq!(*r.0.borrow(), vec![(Task::Load, 1, 2)]);
        assert_eq!(*r.1.borrow(), 1);
    }
}
