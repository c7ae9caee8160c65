//! Files as users and other programs leave them: a SQLite database locked by another
//! process, declared schemas, snapshots, revisions, `schemadiff.toml` and `--from/--to`
//! files with a UTF-8 byte order mark or CRLF line endings, and a table name too long for
//! a snapshot file name.

mod common;
mod pg;

use common::*;
use rusqlite::Connection;
use std::path::Path;

/// A SQLite project with one revision applied to `app.db`; the lock wait is 1 s.
fn project(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    ok_in(&dir, &["init"]);
    let cfg = read(&dir.join("schemadiff.toml"))
        .replace("lock_timeout_seconds = 30", "lock_timeout_seconds = 1");
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n",
    )
    .unwrap();
    ok_in(&dir, &["generate", "-m", "first"]);
    ok_in(&dir, &["upgrade", "head"]);
    dir
}

#[test]
fn a_locked_database_is_called_locked_not_corrupt() {
    let dir = project("files-locked");
    let holder = Connection::open(dir.join("app.db")).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO t (name) VALUES ('x');")
        .unwrap();
    let runs: [&[&str]; 5] = [
        &["current"],
        &["upgrade", "head"],
        &["check"],
        &["inspect", "sqlite:///app.db"],
        &["diff", "--from", "sqlite:///app.db", "--to", "schemas"],
    ];
    for args in runs {
        let r = run_in(&dir, args);
        let err = r.flat_stderr();
        assert_eq!(r.code, 2, "{args:?}: {err}");
        assert!(
            err.contains("app.db is locked by another process"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("wait for it to finish") && err.contains("fuser"),
            "{args:?} says what to do: {err}"
        );
        assert!(!err.contains("not a SQLite database"), "{args:?}: {err}");
    }
    holder.execute_batch("COMMIT").unwrap();
    for args in runs {
        ok_in(&dir, args);
    }
}

/// How a Windows editor may save a file.
#[derive(Clone, Copy, Debug)]
enum Style {
    Bom,
    Crlf,
    BomCrlf,
}

impl Style {
    fn apply(self, text: &str) -> String {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let crlf = |t: &str| t.replace("\r\n", "\n").replace('\n', "\r\n");
        match self {
            Style::Bom => format!("\u{feff}{text}"),
            Style::Crlf => crlf(text),
            Style::BomCrlf => format!("\u{feff}{}", crlf(text)),
        }
    }

    /// Rewrites every file under `dir` (recursively) in this style.
    fn rewrite_dir(self, dir: &Path) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                self.rewrite_dir(&p);
            } else {
                std::fs::write(&p, self.apply(&read(&p))).unwrap();
            }
        }
    }
}

const V1: &str = "-- users of the app\nCREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL\n);\nCREATE VIEW emails AS\n  SELECT email\n  FROM users;\n";
const V2: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  -- schemadiff:renamed-from email\n  mail TEXT NOT NULL,\n  name TEXT\n);\nCREATE VIEW emails AS\n  SELECT mail\n  FROM users;\n";

/// The whole SQLite workflow with every file schemadiff reads saved in `style`.
fn workflow_in_style(style: Style) {
    let dir = temp_dir(&format!("files-style-{style:?}"));
    ok_in(&dir, &["init"]);
    let toml = dir.join("schemadiff.toml");
    std::fs::write(&toml, style.apply(&read(&toml))).unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), style.apply(V1)).unwrap();
    ok_in(&dir, &["generate", "-m", "v1"]);
    // Revisions and snapshots as a checkout with autocrlf leaves them.
    style.rewrite_dir(&dir.join("migrations"));
    style.rewrite_dir(&dir.join("snapshots"));
    let nothing = ok_in(&dir, &["generate", "-m", "nothing"]);
    assert!(
        nothing.stderr.contains("No changes detected"),
        "{style:?}: {}",
        nothing.stderr
    );
    ok_in(&dir, &["upgrade", "head"]);
    ok_in(&dir, &["check"]);
    let conn = Connection::open(dir.join("app.db")).unwrap();
    conn.execute("INSERT INTO users (id, email) VALUES (1, 'a@x.io')", [])
        .unwrap();
    std::fs::write(dir.join("schemas/schema.sql"), style.apply(V2)).unwrap();
    ok_in(&dir, &["generate", "-m", "v2"]);
    let rev = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| read(p).contains("-- message: v2"))
        .unwrap();
    assert!(
        read(&rev).contains("RENAME COLUMN"),
        "{style:?}: the CRLF/BOM rename hint is read:\n{}",
        read(&rev)
    );
    style.rewrite_dir(&dir.join("migrations"));
    style.rewrite_dir(&dir.join("snapshots"));
    ok_in(&dir, &["upgrade", "head"]);
    ok_in(&dir, &["check"]);
    let mail: String = conn
        .query_row("SELECT mail FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mail, "a@x.io");
    ok_in(&dir, &["downgrade", "-1"]);
    ok_in(&dir, &["upgrade", "--sql", "base:head"]);
    // --from/--to files in the style against plain ones: no difference.
    std::fs::write(dir.join("styled.sql"), style.apply(V2)).unwrap();
    std::fs::write(dir.join("plain.sql"), V2).unwrap();
    for (from, to) in [("styled.sql", "plain.sql"), ("plain.sql", "styled.sql")] {
        let r = run_in(&dir, &["diff", "--exit-code", "--from", from, "--to", to]);
        assert_eq!(
            r.code, 0,
            "{style:?} {from} -> {to}: {}{}",
            r.stdout, r.stderr
        );
    }
}

#[test]
fn a_byte_order_mark_is_read_in_every_file() {
    workflow_in_style(Style::Bom);
}

#[test]
fn crlf_line_endings_are_read_in_every_file() {
    workflow_in_style(Style::Crlf);
}

#[test]
fn both_at_once_are_read_in_every_file() {
    workflow_in_style(Style::BomCrlf);
}

#[test]
fn an_applied_revision_keeps_its_checksum_over_the_file_bytes() {
    let dir = project("files-checksum");
    let rev = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // Saved again with CRLF after it was applied: the bytes changed, so it is refused as
    // edited, as any edit of an applied revision is.
    std::fs::write(&rev, Style::Crlf.apply(&read(&rev))).unwrap();
    let r = run_in(&dir, &["upgrade", "head"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.flat_stderr().contains("must not be edited"),
        "{}",
        r.stderr
    );
}

const PG: &str = "CREATE TABLE items (\n  id bigint PRIMARY KEY,\n  -- the label\n  label text NOT NULL DEFAULT 'none'\n);\nCOMMENT ON TABLE items IS 'Things';\nCREATE VIEW labels AS\n  SELECT label\n  FROM items;\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.label := upper(NEW.label);\n  RETURN NEW;\nEND\n$$;\nCREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();\n";

#[test]
fn a_postgres_declared_file_with_crlf_or_a_bom_equals_the_plain_one() {
    let db = pg::TestDb::create("files_crlf");
    let dir = temp_dir("files-pg-crlf");
    std::fs::write(dir.join("plain.sql"), PG).unwrap();
    for style in [Style::Crlf, Style::Bom, Style::BomCrlf] {
        std::fs::write(dir.join("styled.sql"), style.apply(PG)).unwrap();
        for (from, to) in [("styled.sql", "plain.sql"), ("plain.sql", "styled.sql")] {
            let r = run_in(
                &dir,
                &[
                    "diff",
                    "--exit-code",
                    "--dev-url",
                    &db.url(),
                    "--from",
                    from,
                    "--to",
                    to,
                ],
            );
            assert_eq!(
                r.code, 0,
                "{style:?} {from} -> {to}:\n{}{}",
                r.stdout, r.stderr
            );
        }
    }
    // And loaded into a database, the CRLF file is what the plain one declares.
    std::fs::write(dir.join("styled.sql"), Style::Crlf.apply(PG)).unwrap();
    let url = db.url();
    let script = ok_in(&dir, &["diff", "--from", &url, "--to", "styled.sql"]).stdout;
    std::fs::write(dir.join("up.sql"), &script).unwrap();
    let (applied, err) = pg::psql(&url, &dir.join("up.sql"));
    assert!(applied, "{err}");
    let r = run_in(
        &dir,
        &["diff", "--exit-code", "--from", &url, "--to", "plain.sql"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_table_name_too_long_for_a_file_name_still_generates() {
    let dir = temp_dir("files-long-name");
    ok_in(&dir, &["init"]);
    let long = "a_very_long_table_name_".repeat(13);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        format!("CREATE TABLE {long} (id INTEGER PRIMARY KEY);\nCREATE TABLE {long}2 (id INTEGER PRIMARY KEY);\n"),
    )
    .unwrap();
    ok_in(&dir, &["generate", "-m", "long"]);
    let snapshots: Vec<_> = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".sql"))
        .collect();
    assert_eq!(snapshots.len(), 2, "one file per table: {snapshots:?}");
    assert!(snapshots.iter().all(|n| n.len() < 255 - 5), "{snapshots:?}");
    let again = ok_in(&dir, &["generate", "-m", "again"]);
    assert!(
        again.stderr.contains("No changes detected"),
        "{}",
        again.stderr
    );
    ok_in(&dir, &["upgrade", "head"]);
    ok_in(&dir, &["check"]);
}
