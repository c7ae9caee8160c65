//! `--format json` of the revision commands on SQLite, through the binary: real values (ids,
//! counts, flags), the error object on a failed revision, `--sql` refused; docs/json.md
//! lists exactly the fields each command prints; the progress line reports monotonic counts
//! up to the total to an installed sink, and prints nothing when stderr is not a terminal.

mod common;
#[path = "json_output/fields.rs"]
mod fields;

use common::{ok_in as ok, run_in as sd, temp_dir, Run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A project of hand-written revisions: `r1` (table t1, one statement), then `ra` and `rb`
/// branching from it (tables ta, tb); no snapshots.
fn project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    ok(&dir, &["init"]);
    write_rev(
        &dir,
        "r1",
        &[],
        "first",
        "CREATE TABLE t1 (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE t1;\n",
    );
    for (id, table) in [("ra", "ta"), ("rb", "tb")] {
        write_rev(
            &dir,
            id,
            &["r1"],
            &format!("add {table}"),
            &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);\nCREATE INDEX {table}_i ON {table} (id);\n"),
            &format!("DROP TABLE {table};\n"),
        );
    }
    dir
}

fn write_rev(
    dir: &Path,
    id: &str,
    parents: &[&str],
    message: &str,
    up: &str,
    down: &str,
) -> PathBuf {
    let parents: Vec<String> = parents.iter().map(|p| p.to_string()).collect();
    let text =
        schemadiff::revision::render(id, &parents, message, "2026-11-21T00:00:00Z", up, down);
    let path = dir
        .join("migrations")
        .join(format!("20261121_000000_{id}.sql"));
    std::fs::write(&path, text).unwrap();
    path
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", r.stdout, r.stderr))
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn col(v: &Value, key: &str) -> Vec<Value> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].clone())
        .collect()
}

#[test]
fn upgrade_and_downgrade_report_what_ran_and_where_the_database_is() {
    let dir = project("json-move");
    let up = json(&ok(&dir, &["upgrade", "heads", "--format", "json"]));
    assert_eq!(up["command"], "upgrade");
    assert_eq!(up["target"], "heads");
    assert_eq!(ids(&up["from"]), Vec::<String>::new());
    assert_eq!(ids(&up["to"]), ["ra", "rb"]);
    let revs = &up["revisions"];
    assert_eq!(col(revs, "id"), ["r1", "ra", "rb"]);
    assert_eq!(col(revs, "statements"), [1, 2, 2]);
    assert_eq!(col(revs, "direction"), ["up", "up", "up"]);
    assert!(revs[0]["duration_ms"].is_u64() && up["duration_ms"].is_u64());
    assert_eq!(up["error"], Value::Null);

    let nothing = ok(&dir, &["upgrade", "heads", "--format", "json"]);
    let nothing_json = json(&nothing);
    assert_eq!(nothing_json["revisions"], serde_json::json!([]));
    assert_eq!(ids(&nothing_json["from"]), ["ra", "rb"]);
    assert!(
        nothing.stderr.contains("Nothing to do for heads"),
        "{}",
        nothing.stderr
    );

    let down = json(&ok(&dir, &["downgrade", "rb", "--format", "json"]));
    assert_eq!(down["command"], "downgrade");
    assert_eq!(ids(&down["from"]), ["ra", "rb"]);
    assert_eq!(col(&down["revisions"], "id"), ["ra"]);
    assert_eq!(col(&down["revisions"], "direction"), ["down"]);
    assert_eq!(col(&down["revisions"], "statements"), [1]);
    assert_eq!(ids(&down["to"]), ["rb"]);
}

#[test]
fn a_failed_revision_is_named_with_its_statement_and_what_was_rolled_back() {
    let dir = project("json-fail");
    let path = write_rev(
        &dir,
        "rc",
        &["ra", "rb"],
        "broken",
        "CREATE TABLE tc (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
        "DROP TABLE tc;\n",
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let line_of =
        |needle: &str| 1 + text.lines().position(|l| l.starts_with(needle)).unwrap() as u64;
    let r = sd(&dir, &["upgrade", "--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no such table: nowhere"), "{}", r.stderr);
    let doc = json(&r);
    assert_eq!(col(&doc["revisions"], "id"), ["r1", "ra", "rb"]);
    assert_eq!(ids(&doc["to"]), ["ra", "rb"]);
    let e = &doc["error"];
    assert_eq!(e["revision"], "rc");
    assert_eq!(e["statement"]["line"], line_of("INSERT INTO nowhere"));
    assert_eq!(e["statement"]["text"], "INSERT INTO nowhere VALUES (1)");
    assert_eq!(e["stays_applied"], serde_json::json!([]));
    assert_eq!(col(&e["rolled_back"], "line"), [line_of("CREATE TABLE tc")]);
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("no such table: nowhere"));
    assert!(e["help"].as_str().unwrap().contains("fix the statement"));
}

#[test]
fn sql_with_json_is_refused_and_other_errors_are_json_too() {
    let dir = project("json-sql");
    let r = sd(&dir, &["upgrade", "--sql", "r1", "--format", "json"]);
    assert_eq!(r.code, 2);
    assert!(json(&r)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--sql"));
    assert!(
        r.stderr.contains("cannot be used with --sql"),
        "{}",
        r.stderr
    );
    // The default format still prints the script.
    let script = ok(&dir, &["upgrade", "--sql", "r1", "--format", "text"]);
    assert!(
        script.stdout.contains("CREATE TABLE t1"),
        "{}",
        script.stdout
    );

    let r = sd(&dir, &["show", "nope", "--format", "json"]);
    assert_eq!(r.code, 2);
    let e = &json(&r)["error"];
    assert_eq!(e["message"], "no revision matches `nope`");
    assert_eq!(e["revision"], Value::Null);
    assert!(
        r.stderr.contains("no revision matches `nope`"),
        "{}",
        r.stderr
    );
}

#[test]
fn history_current_heads_branches_show_stamp_merge_verify_carry_real_values() {
    let dir = project("json-read");
    let heads = json(&ok(&dir, &["heads", "--format", "json"]));
    assert_eq!(ids(&heads["heads"]), ["ra", "rb"]);
    let branches = json(&ok(&dir, &["branches", "--format", "json"]));
    assert_eq!(col(&branches["branches"], "id"), ["r1"]);
    assert_eq!(ids(&branches["branches"][0]["children"]), ["ra", "rb"]);

    ok(&dir, &["upgrade", "ra"]);
    let current = json(&ok(&dir, &["current", "--format", "json"]));
    assert_eq!(col(&current["current"], "id"), ["ra"]);
    assert_eq!(col(&current["current"], "is_head"), [true]);
    assert_eq!(ids(&current["heads"]), ["ra", "rb"]);

    let merge = json(&ok(
        &dir,
        &["merge", "-m", "join", "--rev-id", "rm", "--format", "json"],
    ));
    assert!(
        merge["path"].as_str().unwrap().contains("rm_join"),
        "{merge}"
    );

    let history = json(&ok(&dir, &["history", "-i", "--format", "json"]));
    let revs = &history["revisions"];
    assert_eq!(col(revs, "id")[0], "rm");
    let by_id = |id: &str| {
        revs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("rm")["is_mergepoint"], true);
    assert_eq!(ids(&by_id("rm")["parents"]), ["ra", "rb"]);
    assert_eq!(by_id("rm")["is_head"], true);
    assert_eq!(by_id("r1")["is_branchpoint"], true);
    assert_eq!(by_id("ra")["is_branchpoint"], false);
    assert_eq!(by_id("ra")["is_current"], true);
    assert_eq!(by_id("rb")["is_current"], false);
    assert_eq!(by_id("r1")["created"], "2026-11-21T00:00:00Z");
    let no_i = json(&ok(&dir, &["history", "--format", "json"]));
    assert_eq!(no_i["revisions"][0]["is_current"], Value::Null);

    let show = json(&ok(&dir, &["show", "r1", "--format", "json"]));
    assert_eq!(show["id"], "r1");
    assert_eq!(show["message"], "first");
    assert!(show["upgrade"]
        .as_str()
        .unwrap()
        .contains("CREATE TABLE t1"));
    assert!(show["downgrade"]
        .as_str()
        .unwrap()
        .contains("DROP TABLE t1"));
    assert_eq!(show["checksum"].as_str().unwrap().len(), 64, "{show}");

    let stamp = json(&ok(&dir, &["stamp", "rb", "--format", "json"]));
    assert_eq!(ids(&stamp["heads"]), ["rb"]);

    let verify = json(&ok(&dir, &["verify", "--format", "json"]));
    assert_eq!(verify["ok"], true);
    let steps = &verify["steps"];
    assert_eq!(steps.as_array().unwrap().len(), 8, "{verify}");
    assert_eq!(col(steps, "direction")[..4], ["up", "up", "up", "up"]);
    assert_eq!(col(steps, "id")[4], "rm");
    assert_eq!(verify["problems"], serde_json::json!([]));
}

#[test]
fn a_failed_verify_is_ok_false_with_exit_1_and_ends_at_the_wrong_revision() {
    let dir = project("json-verify");
    // rb's downgrade forgets its table.
    write_rev(
        &dir,
        "rb",
        &["r1"],
        "add tb",
        "CREATE TABLE tb (id INTEGER PRIMARY KEY);\n",
        "SELECT 1;\n",
    );
    let r = sd(&dir, &["verify", "--format", "json"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let doc = json(&r);
    assert_eq!(doc["ok"], false);
    let steps = doc["steps"].as_array().unwrap();
    let last = steps.last().unwrap();
    assert_eq!(
        (&last["id"], &last["direction"], &last["ok"]),
        (&"rb".into(), &"down".into(), &false.into())
    );
    assert!(steps[..steps.len() - 1].iter().all(|s| s["ok"] == true));
    assert!(
        doc["problems"][0]
            .as_str()
            .unwrap()
            .contains("does not restore"),
        "{doc}"
    );
}

/// docs/json.md lists, for each command, exactly the fields its output has.
#[test]
fn docs_json_lists_exactly_the_fields_of_each_command() {
    let dir = project("json-docs");
    let broken = project("json-docs-broken");
    write_rev(
        &broken,
        "rc",
        &["ra", "rb"],
        "broken",
        "CREATE TABLE tc (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
        "SELECT 1;\n",
    );
    let run = |dir: &Path, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        json(&sd(dir, &all))
    };
    let upgrade = run(&dir, &["upgrade", "heads"]);
    let failed = run(&broken, &["upgrade", "heads"]);
    let mut outputs: Vec<(&str, Vec<Value>)> = vec![
        (
            "upgrade",
            vec![upgrade, failed.clone(), run(&dir, &["downgrade", "base"])],
        ),
        ("heads", vec![run(&dir, &["heads"])]),
        ("branches", vec![run(&dir, &["branches"])]),
        ("history", vec![run(&dir, &["history", "-i"])]),
        ("show", vec![run(&dir, &["show", "r1"])]),
        ("verify", vec![run(&dir, &["verify"])]),
        ("stamp", vec![run(&dir, &["stamp", "ra"])]),
    ];
    ok(&dir, &["upgrade", "heads"]);
    outputs.push(("current", vec![run(&dir, &["current"])]));
    let fresh = temp_dir("json-docs-generate");
    ok(&fresh, &["init"]);
    std::fs::write(
        fresh.join("schemas/schema.sql"),
        "CREATE TABLE g (id INTEGER);\n",
    )
    .unwrap();
    let generated = run(&fresh, &["generate", "-m", "g"]);
    outputs.push((
        "generate",
        vec![generated, run(&fresh, &["generate", "-m", "none"])],
    ));
    outputs.push(("merge", vec![run(&dir, &["merge", "-m", "join"])]));
    let error_doc = serde_json::json!({ "error": failed["error"].clone() });
    outputs.push(("errors", vec![run(&dir, &["show", "nope"]), error_doc]));

    let doc = std::fs::read_to_string(common::root().join("docs/json.md")).unwrap();
    let documented = fields::documented(&doc);
    let mut checked = BTreeSet::new();
    for (section, docs) in outputs {
        // The error object's fields are listed once, under Errors.
        let printed: BTreeSet<String> = docs
            .iter()
            .flat_map(fields::paths)
            .filter(|p| section == "errors" || !p.starts_with("error."))
            .collect();
        let listed = documented
            .get(section)
            .unwrap_or_else(|| panic!("docs/json.md has no section for {section}"));
        // Statements that stay applied (no-transaction) and unmanaged objects exist on
        // PostgreSQL only: tests/json_output_pg.rs checks their fields.
        let listed: BTreeSet<String> = listed
            .iter()
            .filter(|f| !f.starts_with("error.stays_applied[]") && !f.starts_with("unmanaged[]"))
            .cloned()
            .collect();
        let undocumented: Vec<_> = printed.difference(&listed).collect();
        let unprinted: Vec<_> = listed.difference(&printed).collect();
        assert!(
            undocumented.is_empty() && unprinted.is_empty(),
            "{section}: printed but not in docs/json.md: {undocumented:?}; in docs/json.md but not printed: {unprinted:?}"
        );
        checked.insert(section.to_string());
    }
    let sections: BTreeSet<String> = documented.keys().cloned().collect();
    assert_eq!(
        sections, checked,
        "docs/json.md sections vs commands checked"
    );
}

/// The progress sink receives monotonic counts that end at the total (a scratch load and a
/// replay, in process).
#[test]
fn progress_counts_grow_to_their_total() {
    use schemadiff::{Progress, Task};
    use std::cell::RefCell;
    use std::rc::Rc;

    #[derive(Default)]
    struct Recorder(RefCell<Vec<(Task, usize, usize)>>);
    impl Progress for Recorder {
        fn update(&self, task: Task, done: usize, total: usize) {
            self.0.borrow_mut().push((task, done, total));
        }
        fn finish(&self) {}
    }

    let dir = project("json-progress");
    let cfg = dir.join("schemadiff.toml");
    let recorder = Rc::new(Recorder::default());
    let verified = schemadiff::with_progress(recorder.clone(), || schemadiff::verify(Some(&cfg)));
    assert!(
        matches!(
            verified,
            Ok(schemadiff::usecase::check::Verified::Ok { .. })
        ),
        "{verified:?}"
    );
    let files = vec![schemadiff::engine::SourceFile {
        path: "s.sql".into(),
        text: "CREATE VIEW v AS SELECT * FROM a; CREATE TABLE a (x); CREATE TABLE b (y);".into(),
    }];
    schemadiff::with_progress(recorder.clone(), || {
        schemadiff::declare::declare_sqlite(&files).unwrap();
    });
    let events = recorder.0.borrow();
    for task in [Task::Replay, Task::Load] {
        let of: Vec<(usize, usize)> = events
            .iter()
            .filter(|e| e.0 == task)
            .map(|e| (e.1, e.2))
            .collect();
        assert!(!of.is_empty(), "no {task:?} events: {events:?}");
        assert!(
            of.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 == w[1].1),
            "{task:?}: {of:?}"
        );
        let (done, total) = *of.last().unwrap();
        assert_eq!(done, total, "{task:?}: {of:?}");
    }
    let replay: Vec<usize> = events
        .iter()
        .filter(|e| e.0 == Task::Replay)
        .map(|e| e.1)
        .collect();
    assert_eq!(replay, [1, 2, 3, 4, 5, 6]);
}

/// With stderr not a terminal (a pipe, as in CI), no progress line is printed.
#[test]
fn no_progress_line_when_stderr_is_not_a_terminal() {
    let dir = project("json-quiet");
    let runs = [
        ok(&dir, &["verify"]),
        ok(&dir, &["upgrade", "heads"]),
        ok(&dir, &["downgrade", "base"]),
    ];
    for r in runs {
        for mark in [
            "\r",
            "\x1b[",
            "scratch database:",
            "replaying revisions",
            "[1/",
        ] {
            assert!(!r.stderr.contains(mark), "{mark:?} in {:?}", r.stderr);
        }
    }
}

#[test]
fn generate_json_says_what_it_wrote() {
    let dir = temp_dir("json-generate");
    ok(&dir, &["init"]);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE g (id INTEGER);\n",
    )
    .unwrap();
    let written = json(&ok(
        &dir,
        &["generate", "-m", "g", "--rev-id", "g1", "--format", "json"],
    ));
    assert_eq!(written["result"], "written");
    let path = written["path"].as_str().unwrap();
    assert!(
        path.ends_with("_g1_g.sql") && dir.join(path).exists(),
        "{written}"
    );
    assert_eq!(written["blocking_hazards"], 0);
    let none = json(&ok(&dir, &["generate", "-m", "again", "--format", "json"]));
    assert_eq!(none["result"], "no_changes");
    assert_eq!(none["path"], Value::Null);
}
