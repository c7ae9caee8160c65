//! The edit shapes of tests/routines_edits_pg.rs (every one alone) with hostile names: the
//! schema, the function, the domain, the composite and range types, the trigger functions,
//! the triggers and the constraints are named with quotes, double quotes, dots, `*/`, `--`,
//! line breaks, `$$`, a psql meta-command and a statement; the canary table `victim` must
//! keep its rows through every script.

mod pg;
mod routines_gen;

use routines_gen::edits::{hostile_names, only, run, EDITS, KNOWN_BUGS};
use routines_gen::parallel;

const SEED: u64 = 0x5eed_0015_0004;
/// Round trips run at once.
const THREADS: usize = 3;

#[test]
fn every_edit_shape_alone_with_hostile_names() {
    // The renaming reached every name it should.
    let sql = hostile_names(&routines_gen::edits::base().sql());
    for plain in [
        "app.",
        "TRIGGER t_touch",
        "CONSTRAINT pos_positive",
        "SCHEMA app",
    ] {
        assert!(!sql.contains(plain), "{plain} left in:\n{sql}");
    }
    let only = only();
    let failures = parallel(EDITS.len(), THREADS, |i| {
        let name = EDITS[i].0;
        let chosen = only
            .as_ref()
            .map_or(!KNOWN_BUGS.contains(&name), |o| o.iter().any(|s| s == name));
        if !chosen {
            return Ok(());
        }
        run(&format!("hedit15_{i}"), &[name], SEED ^ i as u64, true)
    });
    assert!(
        failures.is_empty(),
        "{} failing shapes:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
