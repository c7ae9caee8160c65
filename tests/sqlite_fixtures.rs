//! The SQLite fixture suite: every directory under `fixtures/sqlite/` is a case, proven on a
//! real database with rows in it.
//!
//! Per case: `declare(ddl) == introspect(database built from ddl)` for both sides; the
//! canonical printer round-trips; `diff(A, A)` is empty; then before + seed → upgrade →
//! introspection equals `after`, rows and unchanged values preserved, AUTOINCREMENT sequences
//! kept, no new foreign-key violations, re-diff empty → downgrade → equals `before`, and (unless
//! the case is lossy) exactly the seeded data again. Scripts are snapshotted under
//! `snapshots/sqlite/`.

mod common;

use common::*;
use rusqlite::Connection;
use schemadiff::declare::{declare_sqlite, read_sources};
use schemadiff::diff::{self, diff, Renames};
use schemadiff::introspect::sqlite::introspect;
use schemadiff::model::Schema;
use schemadiff::plan::sqlite::plan_schemas as plan_sqlite;
use schemadiff::plan::sqlite::Caps;
use schemadiff::render::sqlite::{render_script, schema_ddl};
use std::path::Path;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    renames: Vec<String>,
    #[serde(default)]
    lossy: bool,
    rebuilds: Option<Vec<String>>,
    /// The upgrade must fail on the seeded rows with an error containing this text, and
    /// leave schema and data exactly as they were.
    upgrade_fails: Option<String>,
    /// The exact set of hazard kinds the upgrade carries (codes such as `deletes-data`).
    hazards: Option<Vec<String>>,
    /// Every hint that applies: `renames` plus `-- schemadiff:renamed-from` comments.
    #[serde(skip)]
    all_renames: Renames,
}

/// Runs every case as a test of its own (`cargo test --test sqlite_fixtures <case>`).
fn main() -> std::process::ExitCode {
    common::runner::main("sqlite", 50, || {}, run_case)
}

fn run_case(dir: &Path, name: &str) {
    let mut case: Case = toml::from_str(&read(&dir.join("case.toml"))).expect("case.toml");
    assert!(!case.description.is_empty());
    let flags = Renames::parse(&case.renames).expect("renames");
    let before = declared(&dir.join("before.sql"));
    let after = declared(&dir.join("after.sql"));
    flags
        .check(&before, &after)
        .expect("the case's rename hints apply");
    // Hints written as comments in after.sql, as the CLI reads them.
    let files = read_sources(&dir.join("after.sql")).unwrap();
    let comments = schemadiff::declare::rename_hints(&files).expect("hints");
    let mut renames = comments.applicable(&before, &after);
    renames.merge(flags);
    case.all_renames = renames.clone();
    let case = &case;
    for (side, schema) in [("before", &before), ("after", &after)] {
        assert_declare_matches_live(&dir.join(format!("{side}.sql")), schema);
        assert_printer_round_trips(schema, side);
        assert!(
            diff(&diff::sqlite::RULES, schema, schema, &Renames::default()).is_empty(),
            "diff({side}, {side}) not empty"
        );
    }
    let caps = Caps::bundled();
    let up = plan_sqlite(&before, &after, &renames, caps);
    let down = plan_sqlite(&after, &before, &renames.inverse(), caps);
    if let Some(expected) = &case.rebuilds {
        let mut got: Vec<&str> = up.rebuilt_tables();
        got.sort();
        assert_eq!(got, *expected, "tables rebuilt by the upgrade");
    }
    if let Some(expected) = &case.hazards {
        let mut got: Vec<&str> = up.hazards().map(|h| h.kind.info().code).collect();
        got.sort();
        got.dedup();
        let mut expected = expected.clone();
        expected.sort();
        assert_eq!(got, expected, "hazard kinds of the upgrade");
    }
    let up_sql = render_script(&up, &format!("upgrade ({name})"));
    let down_sql = render_script(&down, &format!("downgrade ({name})"));
    snapshot_settings("sqlite").bind(|| {
        insta::assert_snapshot!(format!("{name}__up"), up_sql);
        insta::assert_snapshot!(format!("{name}__down"), down_sql);
    });
    apply_round_trip(dir, case, (&before, &after), (&up_sql, &down_sql));
}

fn declared(path: &Path) -> Schema {
    let files = read_sources(path).expect("read");
    declare_sqlite(&files).unwrap_or_else(|e| panic!("declare {}: {e}", path.display()))
}

/// A database built by executing the file verbatim reads back as the declared model.
fn assert_declare_matches_live(path: &Path, declared: &Schema) {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(&read(path)).unwrap();
    let live = introspect(&conn).unwrap();
    assert_eq!(
        &live,
        declared,
        "introspect(db from {}) != declare",
        path.display()
    );
}

/// The canonical DDL printer's output declares the same model back.
fn assert_printer_round_trips(schema: &Schema, side: &str) {
    let ddl = schema_ddl(schema);
    let file = schemadiff::declare::SourceFile {
        path: format!("{side}.canonical.sql").into(),
        text: ddl.clone(),
    };
    let again = declare_sqlite(&[file])
        .unwrap_or_else(|e| panic!("canonical DDL of {side} rejected: {e}\n{ddl}"));
    assert_eq!(
        &again, schema,
        "canonical DDL of {side} does not round-trip:\n{ddl}"
    );
}

fn apply_round_trip(
    dir: &Path,
    case: &Case,
    (before, after): (&Schema, &Schema),
    (up_sql, down_sql): (&str, &str),
) {
    let tmp = temp_dir(&format!(
        "sqlite-{}",
        dir.file_name().unwrap().to_string_lossy()
    ));
    let conn = seeded_db(&tmp.join("db.sqlite"), dir, case);
    let seeded = data(&conn, before);
    let seqs = sequences(&conn);
    let violations = fk_violations(&conn);
    let changed = changed_virtual_tables(before, after);
    let unmanaged = unmanaged_counts(&conn, before, &changed);
    assert_shell_applies(
        &tmp.join("shell.sqlite"),
        dir,
        case,
        before,
        after,
        up_sql,
        &seeded,
    );

    if let Some(expected) = &case.upgrade_fails {
        let err = conn
            .execute_batch(up_sql)
            .expect_err("the upgrade must fail on these rows");
        assert!(
            err.to_string().contains(expected.as_str()),
            "upgrade failed with `{err}`, expected `{expected}`"
        );
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK").unwrap();
        }
        assert_eq!(
            &introspect(&conn).unwrap(),
            before,
            "a failed upgrade changed the schema"
        );
        assert_eq!(
            data(&conn, before),
            seeded,
            "a failed upgrade changed the data"
        );
        return;
    }
    conn.execute_batch(up_sql)
        .unwrap_or_else(|e| panic!("upgrade failed: {e}\n{up_sql}"));
    assert!(conn.is_autocommit(), "upgrade left a transaction open");
    let live = introspect(&conn).unwrap();
    assert_eq!(
        &live, after,
        "after upgrade, the database differs from after.sql"
    );
    assert!(
        diff(&diff::sqlite::RULES, &live, after, &Renames::default()).is_empty(),
        "re-diff after upgrade not empty"
    );
    assert_rows_kept(&conn, before, after, case, &seeded);
    assert_sequences_kept(&conn, before, after, &seqs);
    assert_eq!(
        unmanaged_counts(&conn, after, &changed),
        unmanaged,
        "virtual or shadow tables changed"
    );
    assert_eq!(
        fk_violations(&conn),
        violations,
        "the upgrade changed foreign-key violations"
    );

    conn.execute_batch(down_sql)
        .unwrap_or_else(|e| panic!("downgrade failed: {e}\n{down_sql}"));
    let live = introspect(&conn).unwrap();
    assert_eq!(
        &live, before,
        "after downgrade, the database differs from before.sql"
    );
    assert!(plan_sqlite(&live, before, &Renames::default(), Caps::bundled()).is_empty());
    if !case.lossy {
        assert_eq!(
            data(&conn, before),
            seeded,
            "the round trip changed the data"
        );
    }
}

/// Builds `before.sql` + seed rows in a database file, with foreign keys on afterwards, as
/// applications run (the setting under which naive rebuilds cascade).
fn seeded_db(path: &Path, dir: &Path, case: &Case) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&read(&dir.join("before.sql"))).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn.execute_batch(&case.seed).expect("seed");
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    conn
}

/// The script runs as printed in the `sqlite3` shell: `sqlite3 -bail db < up.sql`.
fn assert_shell_applies(
    path: &Path,
    dir: &Path,
    case: &Case,
    before: &Schema,
    after: &Schema,
    up_sql: &str,
    seeded: &std::collections::BTreeMap<String, Vec<Vec<String>>>,
) {
    drop(seeded_db(path, dir, case));
    let (ok, stderr) = sqlite3_shell(path, up_sql);
    let conn = Connection::open(path).unwrap();
    if case.upgrade_fails.is_some() {
        assert!(!ok, "sqlite3 -bail applied an upgrade that must fail");
        assert_unchanged(&conn, before, seeded, "sqlite3 -bail");
        // Without -bail the shell carries on after the error: the guard must still roll
        // the whole transaction back, so nothing is committed.
        drop(conn);
        std::fs::remove_file(path).unwrap();
        drop(seeded_db(path, dir, case));
        let (ok, _) = sqlite3_shell_with(path, up_sql, false);
        assert!(
            !ok,
            "sqlite3 without -bail reported no error for an upgrade that must fail"
        );
        let conn = Connection::open(path).unwrap();
        assert_unchanged(&conn, before, seeded, "sqlite3 without -bail");
        return;
    }
    assert!(ok, "sqlite3 -bail failed: {stderr}");
    assert_eq!(
        &introspect(&conn).unwrap(),
        after,
        "sqlite3: the database differs from after.sql"
    );
    assert_rows_kept(&conn, before, after, case, seeded);
}

fn assert_unchanged(
    conn: &Connection,
    before: &Schema,
    seeded: &std::collections::BTreeMap<String, Vec<Vec<String>>>,
    runner: &str,
) {
    let live = introspect(conn).unwrap();
    assert_eq!(
        &live, before,
        "{runner}: a failed upgrade changed the schema"
    );
    assert_eq!(
        &data(conn, before),
        seeded,
        "{runner}: a failed upgrade changed the data"
    );
}

/// Row counts of tables on both sides are unchanged, and so are the values of every column
/// whose definition did not change (following rename hints).
fn assert_rows_kept(
    conn: &Connection,
    before: &Schema,
    after: &Schema,
    case: &Case,
    seeded: &std::collections::BTreeMap<String, Vec<Vec<String>>>,
) {
    let renames = &case.all_renames;
    let find = |s: &Schema, n: &str| {
        s.tables
            .values()
            .find(|t| t.name.eq_ignore_ascii_case(n))
            .cloned()
    };
    for (name, new) in &after.tables {
        let hinted = renames.old_table(name).and_then(|o| find(before, o));
        let Some(old) = hinted.or_else(|| find(before, name)) else {
            continue;
        };
        let count = seeded[&old.name].len();
        assert_eq!(
            rows(conn, name, &[]).len(),
            count,
            "row count of {name} changed"
        );
        let mut src = Vec::new();
        let mut dst = Vec::new();
        for col in &new.columns {
            let from = renames.old_name(name, &col.name).unwrap_or(&col.name);
            let Some(pos) = old
                .columns
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(from))
            else {
                continue;
            };
            let old_col = &old.columns[pos];
            let renamed = schemadiff::model::Column {
                name: col.name.clone(),
                ..old_col.clone()
            };
            if renamed == *col {
                src.push(pos);
                dst.push(col.name.clone());
            }
        }
        let project = |rows: &Vec<Vec<String>>| {
            let mut out: Vec<Vec<String>> = rows
                .iter()
                .map(|r| src.iter().map(|i| r[*i].clone()).collect())
                .collect();
            out.sort();
            out
        };
        assert_eq!(
            rows(conn, name, &dst),
            project(&seeded[&old.name]),
            "values of unchanged columns of {name}"
        );
    }
}

fn assert_sequences_kept(
    conn: &Connection,
    before: &Schema,
    after: &Schema,
    seqs: &std::collections::BTreeMap<String, i64>,
) {
    let autoinc = |s: &Schema, t: &str| {
        s.tables
            .get(t)
            .and_then(|t| t.primary_key.as_ref())
            .is_some_and(|pk| pk.autoincrement)
    };
    let now = sequences(conn);
    for (table, seq) in seqs {
        if autoinc(before, table) && autoinc(after, table) {
            assert_eq!(
                now.get(table),
                Some(seq),
                "AUTOINCREMENT sequence of {table}"
            );
        }
    }
}
