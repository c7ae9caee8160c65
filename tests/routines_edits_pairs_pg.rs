//! Comment edits on every issue-15 kind (set and drop, each alone) and pairs where one edit
//! creates an object again and another changes its comment (tests/routines_gen/edits.rs,
//! `comment_shapes` and `PAIRS`), through the round trip of tests/routines_edits_pg.rs.

mod pg;
mod routines_gen;

use routines_gen::edits::{comment_shapes, run, PAIRS};
use routines_gen::parallel;

const SEED: u64 = 0x5eed_0015_0005;
/// Round trips run at once.
const THREADS: usize = 3;

fn report(what: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failing {what}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_comment_shape_alone() {
    let shapes = comment_shapes();
    let failures = parallel(shapes.len(), THREADS, |i| {
        run(
            &format!("cedit15_{i}"),
            &[&shapes[i]],
            SEED ^ i as u64,
            false,
        )
    });
    report("comment shapes", failures);
}

#[test]
fn recreated_objects_with_comment_edits() {
    let failures = parallel(PAIRS.len(), THREADS, |i| {
        run(&format!("pair15_{i}"), &PAIRS[i], SEED ^ i as u64, false)
    });
    report("pairs", failures);
}
