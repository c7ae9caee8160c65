//! What the packages and hooks rely on (docs/distribution.md): the shell completions and man
//! pages name every subcommand, and `check --offline` (the pre-commit hook) finds the
//! changes `check` finds in schemas/ without a database.

mod common;

use clap::CommandFactory;
use common::Run;
use schemadiff::cli::Cli;
use std::path::{Path, PathBuf};

fn sd(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args)
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    common::ok_in(dir, args)
}

/// The subcommands `--help` lists (the hidden ones left out).
fn subcommands() -> Vec<String> {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    // The list itself must be the real one, not an empty or truncated definition.
    for known in [
        "diff",
        "generate",
        "upgrade",
        "check",
        "verify",
        "completions",
        "man",
    ] {
        assert!(names.iter().any(|n| n == known), "{known} not in {names:?}");
    }
    names
}

#[test]
fn completions_name_every_subcommand_in_each_shell() {
    let dir = common::temp_dir("dist_completions");
    for (shell, marker) in [
        ("bash", "complete -F _schemadiff"),
        ("zsh", "#compdef schemadiff"),
        ("fish", "complete -c schemadiff"),
    ] {
        let out = ok(&dir, &["completions", shell]).stdout;
        assert!(out.contains(marker), "{shell}: no `{marker}` in\n{out}");
        for name in subcommands() {
            assert!(
                out.contains(&name),
                "{shell} completions do not mention `{name}`"
            );
        }
        // A flag of a subcommand, too: the definition is complete, not only the names.
        assert!(out.contains("exit-code"), "{shell}: no --exit-code");
    }
    let bad = sd(&dir, &["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn man_page_names_every_subcommand_and_dir_writes_one_page_each() {
    let dir = common::temp_dir("dist_man");
    let page = ok(&dir, &["man"]).stdout;
    assert!(page.contains(".TH schemadiff 1"), "{page}");
    for name in subcommands() {
        assert!(
            page.contains(&format!("schemadiff\\-{name}(1)")),
            "the man page does not list `{name}`"
        );
    }
    ok(&dir, &["man", "--dir", "man/man1"]);
    for name in subcommands() {
        let sub = common::read(&dir.join(format!("man/man1/schemadiff-{name}.1")));
        assert!(sub.contains(".TH schemadiff-"), "{name}: {sub}");
    }
    assert!(dir.join("man/man1/schemadiff.1").is_file());

    // A file where the directory should be: exit 2, naming the path.
    std::fs::write(dir.join("taken"), "").unwrap();
    let r = sd(&dir, &["man", "--dir", "taken"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r
        .flat_stderr()
        .contains("cannot write the man pages into taken"));
}

/// A SQLite project with the repository's `schemas/v1`, revisioned; its database was never
/// created (and `DATABASE_URL` points at a directory that does not exist).
fn project(name: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    ok(&dir, &["init"]);
    std::fs::remove_file(dir.join("schemas/schema.sql")).unwrap();
    copy_schema(&dir, "v1");
    ok(&dir, &["generate", "-m", "v1"]);
    dir
}

fn copy_schema(dir: &Path, version: &str) {
    for entry in std::fs::read_dir(common::root().join("schemas").join(version)).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.join("schemas").join(p.file_name().unwrap())).unwrap();
    }
}

fn offline(dir: &Path, extra: &[&str]) -> Run {
    let args: Vec<&str> = ["check", "--offline"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    common::run_env(
        dir,
        &args,
        &[
            ("DATABASE_URL", Path::new("sqlite:///no/such/dir/app.db")),
            ("SCHEMADIFF_CACHE_DIR", &common::cache_dir()),
        ],
    )
}

#[test]
fn check_offline_is_clean_then_fails_on_an_unrevisioned_edit_without_a_database() {
    let dir = project("dist_offline");
    let clean = offline(&dir, &[]);
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
    assert!(clean
        .stdout
        .contains("--offline: the database was not read"));
    // The full check needs the database, which does not exist.
    let online = common::run_env(
        &dir,
        &["check"],
        &[("DATABASE_URL", Path::new("sqlite:///no/such/dir/app.db"))],
    );
    assert_eq!(online.code, 2, "{}", online.stderr);
    assert!(!dir.join("no").exists());

    copy_schema(&dir, "v2");
    let found = offline(&dir, &["--format", "json"]);
    assert_eq!(found.code, 1, "{}\n{}", found.stdout, found.stderr);
    let json: serde_json::Value = serde_json::from_str(&found.stdout).unwrap();
    assert_eq!(json["clean"], false);
    assert_eq!(json["problems"].as_array().unwrap().len(), 1);
    let problem = &json["problems"][0];
    assert_eq!(problem["kind"], "unrevisioned-changes");
    assert!(problem["details"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("table tags is new")));

    // The same problem, word for word, as `check` with a database at head reports.
    let url = format!("sqlite:///{}", dir.join("app.db").display());
    let env = [("DATABASE_URL", Path::new(&url))];
    copy_schema_back(&dir);
    assert_eq!(common::run_env(&dir, &["upgrade", "head"], &env).code, 0);
    copy_schema(&dir, "v2");
    let full = common::run_env(&dir, &["check", "--format", "json"], &env);
    assert_eq!(full.code, 1, "{}", full.stderr);
    let full: serde_json::Value = serde_json::from_str(&full.stdout).unwrap();
    assert_eq!(full, json);

    // Once generated, clean again.
    ok(&dir, &["generate", "-m", "v2"]);
    assert_eq!(offline(&dir, &[]).code, 0);
}

/// schemas/ back to exactly `schemas/v1` (v2 adds files v1 does not have).
fn copy_schema_back(dir: &Path) {
    std::fs::remove_dir_all(dir.join("schemas")).unwrap();
    std::fs::create_dir(dir.join("schemas")).unwrap();
    copy_schema(dir, "v1");
}

#[test]
fn check_offline_text_report_names_the_fix() {
    let dir = project("dist_offline_text");
    std::fs::write(
        dir.join("schemas/zz_extra.sql"),
        "CREATE TABLE extra (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    let r = offline(&dir, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("[unrevisioned-changes]"), "{}", r.stdout);
    assert!(r.stdout.contains("- table extra is new"), "{}", r.stdout);
    // The fix it names works here, offline, and makes the check pass.
    assert!(r.stdout.contains("fix: run `schemadiff generate -m MSG`"));
    ok(&dir, &["generate", "-m", "extra"]);
    assert_eq!(offline(&dir, &[]).code, 0);
    // Outside a project: an error (exit 2), not a clean check.
    let none = common::temp_dir("dist_offline_none");
    assert_eq!(offline(&none, &[]).code, 2);
}
