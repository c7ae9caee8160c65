//! The progress line: on a terminal (stderr) and without `--quiet`, one line with counts,
//! redrawn in place while a scratch load or a replay runs and cleared when it ends
//! ("loading declared DDL into a scratch database: 812/2000 statements"). Not installed
//! otherwise, so pipes and CI logs see nothing of it.

use crate::{Progress, Task};
use std::cell::{Cell, RefCell};
use std::io::Write;
use std::time::{Duration, Instant};

/// Redraws at most this often (the last count of a step is always drawn).
const EVERY: Duration = Duration::from_millis(100);

/// Draws the progress line on `out` (stderr in the program).
pub struct Line<W: Write> {
    out: RefCell<W>,
    drawn: Cell<bool>,
    last: Cell<Option<Instant>>,
}

impl<W: Write> Line<W> {
    pub fn new(out: W) -> Line<W> {
        Line {
            out: RefCell::new(out),
            drawn: Cell::new(false),
            last: Cell::new(None),
        }
    }

    #[cfg(test)]
    fn into_inner(self) -> W {
        self.out.into_inner()
    }
}

/// The line's text for `done` of `total` units of `task`; `None` for upgrades and
/// downgrades, whose "[n/m] Running upgrade …" lines already count on a terminal.
fn text(task: Task, done: usize, total: usize) -> Option<String> {
    match task {
        Task::Load => Some(format!(
            "loading declared DDL into a scratch database: {done}/{total} statements"
        )),
        Task::Replay => Some(format!("replaying revisions: {done}/{total}")),
        Task::Upgrade | Task::Downgrade => None,
    }
}

impl<W: Write> Progress for Line<W> {
    fn update(&self, task: Task, done: usize, total: usize) {
        let Some(line) = text(task, done, total) else {
            return;
        };
        let now = Instant::now();
        let due = self.last.get().is_none_or(|t| now - t >= EVERY);
        if !due && done < total {
            return;
        }
        self.last.set(Some(now));
        let mut out = self.out.borrow_mut();
        let _ = write!(out, "\r{line}\x1b[K");
        let _ = out.flush();
        self.drawn.set(true);
    }

    fn finish(&self) {
        if self.drawn.replace(false) {
            let mut out = self.out.borrow_mut();
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
        }
        self.last.set(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_the_final_count_and_is_cleared() {
        let line = Line::new(Vec::new());
        line.update(Task::Load, 1, 3);
        line.update(Task::Load, 2, 3);
        line.update(Task::Load, 3, 3);
        line.update(Task::Upgrade, 1, 2);
        line.finish();
        line.finish();
        let out = String::from_utf8(line.into_inner()).unwrap();
        assert!(
            out.starts_with("\rloading declared DDL into a scratch database: 1/3 statements\x1b[K"),
            "{out:?}"
        );
        assert!(
            out.ends_with(
                "\rloading declared DDL into a scratch database: 3/3 statements\x1b[K\r\x1b[K"
            ),
            "{out:?}"
        );
        assert!(!out.contains("upgrade"), "{out:?}");
    }
}
