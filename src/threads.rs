//! Scoped threads: what a thread returned, its panic carried on in the thread that joins it
//! (the one pattern every stage that runs work side by side needs).

/// What the thread `h` returned; its panic goes on here.
pub fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
