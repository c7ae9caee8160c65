//! Edit shapes of issue 15's kinds, generated, on the real server: a base schema with
//! functions (an overload, a view and a table default depending on one), a procedure, a
//! trigger, a domain used by a table, a composite type used by a table, a range type and
//! comments; edits change a body (also whitespace only), the volatility, the result type, a
//! parameter name, the language, add or drop an overload, the trigger's timing, events,
//! WHEN and enabled state, a domain's CHECKs, default and NOT NULL, the attributes of the
//! composite, the range's subtype, and comments (add, change, remove) on every kind.
//!
//! Every shape alone here (`every_edit_shape_alone`); seeded combinations of 2 to 4 in
//! tests/routines_edits_pairs_pg.rs (run time). For each: plan → psql applies → introspect == target
//! (function definitions compared as the differ does) → re-diff empty → plan back → psql
//! applies → introspect == base → re-diff empty (tests/routines_gen/mod.rs, `round_trip`).
//! A failure lists every failing shape with its base and target files.

mod pg;
mod routines_gen;

use routines_gen::edits::{only, run, EDITS, KNOWN_BUGS, NOOP, REFUSED};
use routines_gen::parallel;

const SEED: u64 = 0x5eed_0015_0003;
/// Round trips run at once.
const THREADS: usize = 4;

#[test]
fn every_edit_shape_alone() {
    // Every shape the lists name exists.
    let names: Vec<&str> = REFUSED
        .iter()
        .map(|(n, _)| *n)
        .chain(KNOWN_BUGS.iter().copied())
        .collect();
    for name in names.iter().chain(NOOP) {
        assert!(EDITS.iter().any(|(n, _)| n == name), "no edit shape {name}");
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
        run(&format!("edit15_{i}"), &[name], SEED ^ i as u64, false)
    });
    assert!(
        failures.is_empty(),
        "{} failing shapes:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A column type change under a trigger's `UPDATE OF` column list alone: the trigger is
/// dropped before the `ALTER … TYPE` and created again after (the server refuses the change
/// while it exists: "cannot alter type of a column used in a trigger definition").
#[test]
fn column_type_under_a_trigger_column_list() {
    let base = "CREATE TABLE public.t (id integer PRIMARY KEY, name text);
CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_name AFTER UPDATE OF name ON public.t FOR EACH ROW EXECUTE FUNCTION public.trg();
";
    let target = base.replace("name text", "name varchar(50)");
    if let Err(e) = routines_gen::round_trip("bug15_trg_col", base, &target) {
        panic!("{e}");
    }
}
