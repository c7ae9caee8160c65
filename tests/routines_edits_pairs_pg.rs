//! Seeded combinations of 2 to 4 edit shapes; comment edits on every issue-15 kind (set and drop, each alone) and pairs where one edit
//! creates an object again and another changes its comment (tests/routines_gen/edits.rs,
//! `comment_shapes` and `PAIRS`), through the round trip of tests/routines_edits_pg.rs.

mod pg;
mod routines_gen;

use routines_gen::edits::{comment_shapes, run, EDITS, KNOWN_BUGS, PAIRS, REFUSED};
use routines_gen::{parallel, Gen};

const SEED: u64 = 0x5eed_0015_0005;
/// Seed and number of the seeded combinations of edits.
const COMBO_SEED: u64 = 0x5eed_0015_0003;
const COMBOS: usize = 6;
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

#[test]
fn seeded_edit_combinations() {
    let mut g = Gen(COMBO_SEED);
    let combos: Vec<Vec<&str>> = (0..COMBOS)
        .map(|_| {
            let n = 2 + g.next(3);
            let mut shapes: Vec<&str> = Vec::new();
            while shapes.len() < n {
                let s = EDITS[g.next(EDITS.len())].0;
                // A refused shape would hide the others.
                if !shapes.contains(&s)
                    && !REFUSED.iter().any(|(r, _)| *r == s)
                    && !KNOWN_BUGS.contains(&s)
                {
                    shapes.push(s);
                }
            }
            shapes
        })
        .collect();
    let failures = parallel(COMBOS, THREADS, |case| {
        let seed = COMBO_SEED.wrapping_add(case as u64);
        run(&format!("combo15_{case}"), &combos[case], seed, false)
    });
    assert!(
        failures.is_empty(),
        "{} failing combinations:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
