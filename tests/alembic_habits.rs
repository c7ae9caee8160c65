//! Alembic's habits and the truth at the edges (issue 17, items 3 and 4), end to end on
//! SQLite through the binary: every fix a message suggests is run as printed.

mod common;

use common::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

/// A project whose schemas/ holds `schemas/v1` of this repository.
fn project(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    ok(&dir, &["init"]);
    std::fs::remove_file(dir.join("schemas/schema.sql")).unwrap();
    set_schema(&dir, "v1");
    dir
}

fn set_schema(dir: &Path, version: &str) {
    for entry in std::fs::read_dir(root().join("schemas").join(version)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join("schemas").join(p.file_name().unwrap())).unwrap();
    }
}

fn revisions(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The revision file whose message is `message`.
fn rev_file(dir: &Path, message: &str) -> PathBuf {
    revisions(dir)
        .into_iter()
        .find(|p| {
            read(p)
                .lines()
                .any(|l| l == format!("-- message: {message}"))
        })
        .unwrap_or_else(|| panic!("no revision with message {message}"))
}

fn id_of(path: &Path) -> String {
    read(path)
        .lines()
        .find_map(|l| l.strip_prefix("-- id: "))
        .unwrap()
        .to_string()
}

fn heads(dir: &Path) -> Vec<String> {
    common::sqlite_strings(&dir.join("app.db"), common::HEADS_SQL)
}

/// The first `` `schemadiff …` `` command in `text`, split as a shell would split it
/// (double quotes group words), without the leading `schemadiff`.
fn suggested(text: &str) -> Vec<String> {
    let start = text
        .find("`schemadiff ")
        .unwrap_or_else(|| panic!("no suggested command in:\n{text}"));
    let rest = &text[start + "`schemadiff ".len()..];
    let command = &rest[..rest.find('`').expect("closing backtick")];
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Runs the command `text` suggests; it must succeed.
fn run_suggested(dir: &Path, text: &str) -> Run {
    let words = suggested(text);
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    ok(dir, &args)
}

/// Every `` `schemadiff …` `` command in `text`, each as [`suggested`] reads it.
fn all_suggested(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("`schemadiff ") {
        out.push(suggested(&rest[at..]));
        let after = &rest[at + 1..];
        rest = &after[after.find('`').map_or(after.len(), |e| e + 1)..];
    }
    out
}

/// Writes revision `id` on `parent` that creates table `table`.
fn branch(dir: &Path, id: &str, parent: &str, table: &str) {
    let text = schemadiff::revision::render(
        id,
        &[parent.to_string()],
        &format!("add {table}"),
        "2026-11-21T00:00:00Z",
        &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n"),
        &format!("DROP TABLE {table};\n"),
    );
    let name = format!("20261121_000000_{id}_add_{table}.sql");
    std::fs::write(dir.join("migrations").join(name), text).unwrap();
}

/// A project at v1 (applied) with two branches on it, `aaaaaaaaaaaa` (table ta) and
/// `bbbbbbbbbbbb` (table tb), neither applied; returns v1's id.
fn two_branches(name: &str) -> (PathBuf, String) {
    let dir = project(name);
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    let v1 = id_of(&rev_file(&dir, "v1"));
    branch(&dir, "aaaaaaaaaaaa", &v1, "ta");
    branch(&dir, "bbbbbbbbbbbb", &v1, "tb");
    (dir, v1)
}

fn tables(dir: &Path) -> Vec<String> {
    common::sqlite_strings(
        &dir.join("app.db"),
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('ta', 'tb') ORDER BY 1",
    )
}

#[test]
fn check_and_verify_report_an_edited_applied_revision_as_upgrade_does() {
    let dir = project("ah-edited");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
    let path = rev_file(&dir, "v1");
    let id = id_of(&path);
    std::fs::write(&path, read(&path) + "\n-- an edit after it was applied\n").unwrap();

    // upgrade's refusal, the words check and verify must use.
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let refused = sd(&dir, &["upgrade"]);
    assert_eq!(refused.code, 2);
    let words = format!("revision {id} was applied with checksum");
    assert!(refused.stderr.contains(&words), "{}", refused.stderr);

    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("[edited-revision]") && r.stdout.contains(&words),
        "{}",
        r.stdout
    );
    let json = sd(&dir, &["check", "--format", "json"]);
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"edited-revision"), "{kinds:?}");

    let verify = sd(&dir, &["verify"]);
    assert_eq!(verify.code, 1, "{}\n{}", verify.stdout, verify.stderr);
    assert!(
        verify.stdout.contains("FAILED") && verify.stdout.contains(&words),
        "{}",
        verify.stdout
    );

    // The fix check prints works as printed.
    let fix = r
        .stdout
        .lines()
        .find(|l| l.contains("--accept-edited"))
        .unwrap();
    run_suggested(&dir, fix);
    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(ok(&dir, &["verify"]).stdout.contains("verify: ok"));
}

#[test]
fn verify_without_a_database_says_it_did_not_compare_applied_revisions() {
    let dir = project("ah-verify-nodb");
    ok(&dir, &["generate", "-m", "v1"]);
    let r = ok(&dir, &["verify"]);
    assert!(
        r.stdout.contains("verify: ok (1 revision(s)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("was not read") && r.stderr.contains("app.db does not exist"),
        "{}",
        r.stderr
    );
    assert!(!dir.join("app.db").exists(), "verify never creates it");
    ok(&dir, &["upgrade"]);
    let r = ok(&dir, &["verify"]);
    assert!(!r.stderr.contains("was not read"), "{}", r.stderr);
    let _ = Connection::open(dir.join("app.db")).unwrap();
    assert_eq!(heads(&dir).len(), 1);
}

#[test]
fn revision_is_generate_in_alembics_spelling_with_rev_id() {
    let dir = project("ah-revision");
    let help = ok(&dir, &["--help"]).stdout;
    assert!(help.contains("revision"), "{help}");
    let help = ok(&dir, &["revision", "--help"]).stdout;
    assert!(
        help.contains("--autogenerate") && help.contains("--rev-id"),
        "{help}"
    );

    // revision --autogenerate -m = generate -m: the changes of schemas/.
    ok(
        &dir,
        &[
            "revision",
            "--autogenerate",
            "-m",
            "v1",
            "--rev-id",
            "0001_v1",
        ],
    );
    let v1 = rev_file(&dir, "v1");
    let text = read(&v1);
    assert!(
        text.contains("-- id: 0001_v1\n") && text.contains("CREATE TABLE"),
        "{text}"
    );
    assert!(v1
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .contains("_0001_v1_"));

    // revision -m = generate --empty -m: empty sections, on the head.
    ok(&dir, &["revision", "-m", "by hand", "--rev-id", "0002"]);
    let text = read(&rev_file(&dir, "by hand"));
    assert!(
        text.contains("-- id: 0002\n") && text.contains("-- parents: 0001_v1\n"),
        "{text}"
    );
    let (up, down) = text.split_once("-- migrate:down").unwrap();
    let statements = |s: &str| {
        s.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("--"))
            .count()
    };
    assert_eq!((statements(up), statements(down)), (0, 0), "{text}");
    ok(&dir, &["upgrade"]);
    assert_eq!(heads(&dir), ["0002"]);

    // An id already used names its file; a bad or reserved id is refused; nothing written.
    let before = revisions(&dir).len();
    let r = sd(&dir, &["revision", "-m", "again", "--rev-id", "0001_v1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let file = v1.file_name().unwrap().to_str().unwrap();
    assert!(r.flat_stderr().contains(file), "{}", r.stderr);
    for bad in ["a-b", "head", "heads", "base", ""] {
        let r = sd(&dir, &["generate", "--empty", "-m", "bad", "--rev-id", bad]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(
            r.flat_stderr().contains("is not a revision id"),
            "{bad}: {}",
            r.stderr
        );
    }
    assert_eq!(revisions(&dir).len(), before);
}

#[test]
fn merge_heads_and_the_fixes_check_suggests_for_two_heads_work() {
    let (dir, _) = two_branches("ah-merge-heads");
    // upgrade head with two heads: its suggestion runs as printed.
    let r = sd(&dir, &["upgrade", "head"]);
    assert_eq!(r.code, 2);
    let flat = r.flat_stderr();
    assert!(
        flat.contains("`schemadiff merge -m \"merge heads\" heads`"),
        "{flat}"
    );
    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let fix = r
        .stdout
        .lines()
        .find(|l| l.contains("fix:") && l.contains("merge"))
        .unwrap();
    let fixes = all_suggested(fix);
    assert_eq!(
        fixes,
        [
            vec!["merge", "-m", "merge heads", "heads"],
            vec!["upgrade", "head"],
            vec!["upgrade", "heads"],
        ],
        "{fix}"
    );
    // Second way, on a copy: upgrade heads applies both branches, and check is clean.
    let copy = temp_dir("ah-merge-heads-copy");
    for sub in ["schemas", "migrations", "snapshots"] {
        std::fs::create_dir_all(copy.join(sub)).unwrap();
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, copy.join(sub).join(p.file_name().unwrap())).unwrap();
        }
    }
    for f in ["schemadiff.toml", "app.db"] {
        std::fs::copy(dir.join(f), copy.join(f)).unwrap();
    }
    let args: Vec<&str> = fixes[2].iter().map(String::as_str).collect();
    ok(&copy, &args);
    assert_eq!(sd(&copy, &["check"]).code, 0);

    // First way: merge heads (Alembic's spelling), then upgrade head.
    run_suggested(&dir, fix);
    let merge = rev_file(&dir, "merge heads");
    assert!(
        read(&merge).contains("-- parents: aaaaaaaaaaaa bbbbbbbbbbbb\n"),
        "{}",
        read(&merge)
    );
    let r = sd(&dir, &["check"]);
    assert_eq!(r.code, 1);
    let fix = r.stdout.lines().find(|l| l.contains("fix:")).unwrap();
    assert_eq!(all_suggested(fix), [vec!["upgrade", "head"]], "{fix}");
    run_suggested(&dir, fix);
    assert_eq!(sd(&dir, &["check"]).code, 0);
    assert_eq!(tables(&dir), ["ta", "tb"]);

    // merge --rev-id; merge heads with one head has nothing to merge.
    branch(&dir, "cccccccccccc", &id_of(&merge), "tc");
    branch(&dir, "dddddddddddd", &id_of(&merge), "td");
    ok(&dir, &["merge", "-m", "second", "heads", "--rev-id", "m2"]);
    assert!(read(&rev_file(&dir, "second")).contains("-- id: m2\n"));
    assert_eq!(sd(&dir, &["merge", "-m", "none", "heads"]).code, 2);
}

#[test]
fn downgrade_minus_one_after_a_merge_goes_back_along_the_path_upgrade_took() {
    let (dir, v1) = two_branches("ah-down-merge");
    ok(&dir, &["merge", "-m", "join", "--rev-id", "mmmmmmmmmmmm"]);
    // b first, then a and the merge: going back undoes the merge, then a, then b.
    ok(&dir, &["upgrade", "bbbbbbbbbbbb"]);
    ok(&dir, &["upgrade", "head"]);
    assert_eq!(heads(&dir), ["mmmmmmmmmmmm"]);
    let r = ok(&dir, &["downgrade", "-1"]);
    assert!(r.stderr.contains("mmmmmmmmmmmm"), "{}", r.stderr);
    assert_eq!(heads(&dir), ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
    ok(&dir, &["downgrade", "-1"]);
    assert_eq!(heads(&dir), ["bbbbbbbbbbbb"]);
    assert_eq!(tables(&dir), ["tb"]);
    ok(&dir, &["upgrade", "head"]);
    // -2 in one go: the merge, then a (applied last again).
    ok(&dir, &["downgrade", "-2"]);
    assert_eq!(heads(&dir), ["bbbbbbbbbbbb"]);
    ok(&dir, &["downgrade", "-1"]);
    assert_eq!(heads(&dir), [v1]);

    // Stamped at both heads, nothing says which came last: the error names the revision
    // that undoes each, and that command works. (Without the merge, there are two heads.)
    std::fs::remove_file(rev_file(&dir, "join")).unwrap();
    ok(&dir, &["upgrade", "heads"]);
    ok(&dir, &["stamp", "heads"]);
    let r = sd(&dir, &["downgrade", "-1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let flat = r.flat_stderr();
    assert!(
        flat.contains("`schemadiff downgrade bbbbbbbbbbbb` undoes aaaaaaaaaaaa")
            && flat.contains("`schemadiff downgrade aaaaaaaaaaaa` undoes bbbbbbbbbbbb"),
        "{flat}"
    );
    run_suggested(&dir, &flat);
    assert_eq!(heads(&dir), ["bbbbbbbbbbbb"]);
    assert_eq!(tables(&dir), ["tb"]);
}

#[test]
fn history_indicates_current_and_verbose_upgrade_prints_statements_and_times() {
    let dir = project("ah-history-i");
    ok(&dir, &["generate", "-m", "v1"]);
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let v1 = id_of(&rev_file(&dir, "v1"));
    let v2 = id_of(&rev_file(&dir, "v2"));

    // -v: each statement as it runs and the time per revision, on stderr; -q keeps them
    // but drops the "Using" line.
    let r = ok(&dir, &["upgrade", &v1, "-v", "-q"]);
    assert!(!r.stderr.contains("Using "), "{}", r.stderr);
    assert!(
        r.stderr.contains("    CREATE TABLE") && r.stderr.contains(&format!("up {v1} ran in ")),
        "{}",
        r.stderr
    );
    let quiet = ok(&dir, &["upgrade"]);
    assert!(
        !quiet.stderr.contains("CREATE TABLE") && !quiet.stderr.contains("ran in"),
        "{}",
        quiet.stderr
    );
    let r = ok(&dir, &["downgrade", "-1", "--verbose"]);
    assert!(
        r.stderr.contains("    DROP TABLE") && r.stderr.contains(&format!("down {v2} ran in ")),
        "{}",
        r.stderr
    );

    // history -i marks the revision the database is at.
    let h = ok(&dir, &["history", "-i"]).stdout;
    assert!(h.contains(&format!("-> {v1} (current), v1")), "{h}");
    assert!(h.contains(&format!("-> {v2} (head), v2")), "{h}");
    ok(&dir, &["upgrade"]);
    let h = ok(&dir, &["history", "--indicate-current"]).stdout;
    assert!(h.contains(&format!("-> {v2} (head) (current), v2")), "{h}");
    assert!(!h.contains(&format!("-> {v1} (current)")), "{h}");
    // Without -i the database is not read.
    let h = ok(&dir, &["history"]).stdout;
    assert!(!h.contains("(current)"), "{h}");
}

#[test]
fn a_missing_revision_suggests_stamp_purge_which_works() {
    let dir = project("ah-missing-rev");
    ok(&dir, &["generate", "-m", "v1"]);
    ok(&dir, &["upgrade"]);
    // The database records a revision no file has (a branch deleted, a file lost).
    Connection::open(dir.join("app.db"))
        .unwrap()
        .execute(
            "UPDATE schemadiff_version SET version_num = 'deadbeef0000'",
            [],
        )
        .unwrap();
    for cmd in [&["upgrade"][..], &["current"], &["stamp", "head"]] {
        let r = sd(&dir, cmd);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stderr);
        let flat = r.flat_stderr();
        assert!(
            flat.contains("deadbeef0000") && flat.contains("`schemadiff stamp --purge head`"),
            "{cmd:?}: {flat}"
        );
    }
    let r = sd(&dir, &["upgrade"]);
    run_suggested(&dir, &r.flat_stderr());
    assert_eq!(heads(&dir), [id_of(&rev_file(&dir, "v1"))]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
}

#[test]
fn a_missing_or_empty_migrations_dir_beside_snapshots_is_an_error_naming_both() {
    let dir = project("ah-no-migrations");
    ok(&dir, &["generate", "-m", "v1"]);
    for (how, remove) in [("empty", false), ("missing", true)] {
        for f in revisions(&dir) {
            std::fs::remove_file(f).unwrap();
        }
        if remove {
            std::fs::remove_dir(dir.join("migrations")).unwrap();
        }
        for cmd in [
            &["history"][..],
            &["heads"],
            &["generate", "-m", "again"],
            &["check"],
        ] {
            let r = sd(&dir, cmd);
            assert_eq!(r.code, 2, "{how} {cmd:?}: {}\n{}", r.stdout, r.stderr);
            let flat = r.flat_stderr();
            assert!(
                flat.contains("migrations holds no revision")
                    && flat.contains("snapshots holds the schema"),
                "{how} {cmd:?}: {flat}"
            );
        }
        assert!(!dir.join("migrations").exists() || revisions(&dir).is_empty());
        if remove {
            std::fs::create_dir(dir.join("migrations")).unwrap();
        }
    }
    // A new project (both empty) is fine.
    let fresh = temp_dir("ah-no-migrations-fresh");
    ok(&fresh, &["init"]);
    assert_eq!(ok(&fresh, &["history"]).stdout, "");
}

#[test]
fn upgrading_a_hand_built_database_says_to_stamp_it_and_that_works() {
    let dir = project("ah-hand-built");
    ok(&dir, &["generate", "-m", "v1"]);
    let conn = Connection::open(dir.join("app.db")).unwrap();
    schemadiff::declare::load_sqlite(
        &conn,
        &schemadiff::declare::read_sources(&root().join("schemas/v1")).unwrap(),
    )
    .unwrap();
    drop(conn);
    let r = sd(&dir, &["upgrade"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let flat = r.flat_stderr();
    assert!(
        flat.contains("already exists")
            && flat.contains("built without schemadiff")
            && flat.contains("`schemadiff stamp head`")
            && !flat.contains("fix the statement in the revision file"),
        "{flat}"
    );
    run_suggested(&dir, &flat);
    ok(&dir, &["upgrade"]);
    assert_eq!(sd(&dir, &["check"]).code, 0);
    // A failure on a database schemadiff built keeps the usual advice.
    set_schema(&dir, "v2");
    ok(&dir, &["generate", "-m", "v2"]);
    let v2 = rev_file(&dir, "v2");
    std::fs::write(
        &v2,
        read(&v2).replace(
            "-- migrate:down",
            "INSERT INTO nowhere VALUES (1);\n-- migrate:down",
        ),
    )
    .unwrap();
    let r = sd(&dir, &["upgrade"]);
    assert_eq!(r.code, 2);
    assert!(
        !r.flat_stderr().contains("built without schemadiff"),
        "{}",
        r.stderr
    );
}

#[test]
fn upgrade_and_downgrade_help_list_only_the_targets_they_accept() {
    let dir = project("ah-move-help");
    let target_line = |cmd: &str| -> String {
        let help = ok(&dir, &[cmd, "--help"]).stdout;
        help.lines()
            .find(|l| l.trim_start().starts_with("[TARGET]"))
            .unwrap_or_else(|| panic!("{help}"))
            .to_string()
    };
    let down = target_line("downgrade");
    assert!(down.contains("base") && down.contains("-N"), "{down}");
    assert!(!down.contains("head,") && !down.contains("+N"), "{down}");
    let up = target_line("upgrade");
    assert!(up.contains("heads") && up.contains("+N"), "{up}");
    assert!(!up.contains("base") && !up.contains("-N"), "{up}");
    // What each refuses is what its help leaves out, and what it lists works.
    ok(&dir, &["generate", "-m", "v1"]);
    for (cmd, target) in [
        ("downgrade", "head"),
        ("downgrade", "+1"),
        ("upgrade", "base"),
        ("upgrade", "-1"),
    ] {
        let r = sd(&dir, &[cmd, target]);
        assert_eq!(r.code, 2, "{cmd} {target}: {}", r.stderr);
    }
    ok(&dir, &["upgrade", "+1"]);
    ok(&dir, &["downgrade", "-1"]);
    ok(&dir, &["upgrade", "heads"]);
    ok(&dir, &["downgrade", "base"]);
}
