//! `schemadiff explain [KIND]`: the list, a page, an unknown kind (exit 2), and the command a
//! script's hazard line names works as written.

mod common;

use common::{root, run_in};

#[test]
fn explain_lists_every_kind_with_its_summary() {
    let r = run_in(&root(), &["explain"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for kind in schemadiff::HazardKind::ALL {
        let info = kind.info();
        let line = r
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(info.code))
            .unwrap_or_else(|| panic!("{} not listed:\n{}", info.code, r.stdout));
        assert!(line.ends_with(info.summary), "{line}");
        let blocks = if info.blocking { "blocking" } else { "informs" };
        assert_eq!(line.split_whitespace().nth(1), Some(blocks), "{line}");
    }
}

#[test]
fn explain_kind_prints_the_page_of_the_repository() {
    let r = run_in(&root(), &["explain", "deletes-data"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = common::read(&root().join("docs/hazards/deletes-data.md"));
    let shown: String = page
        .split_inclusive('\n')
        .filter(|l| !l.trim_start().starts_with("<!-- doc-example"))
        .collect();
    assert_eq!(r.stdout, shown);
}

/// The annotations that tell the docs' example runner how to run a block are not part of
/// the page a reader sees: `explain` leaves them out, and nothing else.
#[test]
fn explain_leaves_out_the_example_runner_annotations() {
    let page = common::read(&root().join("docs/hazards/may-fail-on-existing-rows.md"));
    let annotations = page
        .lines()
        .filter(|l| l.trim_start().starts_with("<!-- doc-example"))
        .count();
    assert!(annotations > 0, "the page has no annotation to leave out");
    let r = run_in(&root(), &["explain", "may-fail-on-existing-rows"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("doc-example"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), page.lines().count() - annotations);
}

#[test]
fn explain_unknown_kind_exits_2_and_lists_the_kinds() {
    let r = run_in(&root(), &["explain", "deletes-rows"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    let err = r.flat_stderr();
    assert!(err.contains("unknown hazard kind `deletes-rows`"), "{err}");
    // miette may wrap a line after a hyphen
    let joined = err.replace("- ", "-");
    for kind in schemadiff::HazardKind::ALL {
        let code = kind.info().code;
        assert!(joined.contains(code), "{code} missing: {err}");
    }
}

/// The hazard line says `see: schemadiff explain CODE`, not a path the user does not have,
/// and that command prints the page.
#[test]
fn hazard_lines_name_a_command_that_works() {
    let f = "fixtures/sqlite/drop_column";
    let r = run_in(
        &root(),
        &[
            "diff",
            "--from",
            &format!("{f}/before.sql"),
            "--to",
            &format!("{f}/after.sql"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("-- hazard[deletes-data]"))
        .expect("a deletes-data hazard line");
    assert!(!line.contains("docs/hazards"), "{line}");
    let command = line
        .split("(see: ")
        .nth(1)
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no `(see: …)` in {line}"));
    assert_eq!(command, "schemadiff explain deletes-data");
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let page = run_in(&root(), &args);
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(page.stdout.starts_with("# Hazard: `deletes-data`"));
}
