//! The apply lock covers the whole decision, on real SQLite files and a real PostgreSQL
//! server, through the binary: `upgrade head` and `downgrade base` started at once, and four
//! first-time `upgrade`s on a fresh database, 20 rounds each; afterwards the version table
//! names exactly the revisions whose tables exist, and every run exited 0.
//!
//! The revisions form one line, each creating one table (and taking a moment, so that runs
//! overlap):
//!
//! ```text
//! a1a1a1a1a1a1 (t1) ─► b2b2b2b2b2b2 (t2) ─► c3c3c3c3c3c3 (t3)
//! ```

mod common;
mod pg;

use pg::TestDb;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REVS: [(&str, &str); 3] = [
    ("a1a1a1a1a1a1", "t1"),
    ("b2b2b2b2b2b2", "t2"),
    ("c3c3c3c3c3c3", "t3"),
];

const ROUNDS: usize = 20;

#[derive(Clone, Copy, PartialEq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// A project with the three revisions, on `url`.
fn project(name: &str, engine: Engine, url: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    let dialect = if engine == Engine::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    std::fs::write(
        dir.join("schemadiff.toml"),
        format!("dialect = \"{dialect}\"\ndatabase_url = \"{url}\"\nlock_timeout_seconds = 120\n"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    let mut parents: Vec<String> = Vec::new();
    for (id, table) in REVS {
        let (up, down) = match engine {
            // A few tens of milliseconds of work per revision, so that two runs overlap.
            Engine::Sqlite => (
                format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY);\nINSERT INTO {table} SELECT x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000) SELECT x FROM c);\n"),
                format!("DROP TABLE {table};\n"),
            ),
            Engine::Postgres => (
                format!("CREATE TABLE {table} (id int);\nSELECT pg_sleep(0.03);\n"),
                format!("DROP TABLE {table};\nSELECT pg_sleep(0.03);\n"),
            ),
        };
        let text =
            schemadiff::revision::render(id, &parents, table, "2026-12-06T00:00:00Z", &up, &down);
        let file = format!("20261206_00000{}_{id}_{table}.sql", parents.len());
        std::fs::write(dir.join("migrations").join(file), text).unwrap();
        parents = vec![id.to_string()];
    }
    dir
}

/// The recorded heads and the tables that exist (schemadiff's own left out).
trait State {
    fn heads(&self) -> Vec<String>;
    fn tables(&self) -> BTreeSet<String>;
    fn ups(&self) -> i64;
}

struct SqliteDb(PathBuf);

impl State for SqliteDb {
    fn heads(&self) -> Vec<String> {
        common::sqlite_strings(&self.0, common::HEADS_SQL)
    }
    fn tables(&self) -> BTreeSet<String> {
        common::sqlite_strings(
            &self.0,
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'schemadiff%'",
        )
        .into_iter()
        .collect()
    }
    fn ups(&self) -> i64 {
        let conn = rusqlite::Connection::open(&self.0).unwrap();
        conn.query_row(
            "SELECT count(*) FROM schemadiff_history WHERE direction = 'up'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }
}

impl State for TestDb {
    fn heads(&self) -> Vec<String> {
        self.client()
            .query("SELECT version_num FROM schemadiff_version ORDER BY 1", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
    fn tables(&self) -> BTreeSet<String> {
        self.client()
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'schemadiff%'",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
    fn ups(&self) -> i64 {
        self.client()
            .query_one(
                "SELECT count(*) FROM schemadiff_history WHERE direction = 'up'",
                &[],
            )
            .unwrap()
            .get(0)
    }
}

/// The tables the recorded heads stand for (the revisions form one line).
fn tables_of(heads: &[String]) -> BTreeSet<String> {
    let Some(head) = heads.first() else {
        return BTreeSet::new();
    };
    assert_eq!(heads.len(), 1, "one line of revisions has one head");
    let upto = REVS.iter().position(|(id, _)| id == head).unwrap();
    REVS[..=upto].iter().map(|(_, t)| t.to_string()).collect()
}

/// Starts `schemadiff ARGS` in `dir` for each of `commands` at once; their outputs in order.
fn at_once(dir: &Path, commands: &[&[&str]]) -> Vec<Output> {
    let children: Vec<_> = commands
        .iter()
        .map(|args| {
            Command::new(env!("CARGO_BIN_EXE_schemadiff"))
                .args(*args)
                .current_dir(dir)
                .env("NO_COLOR", "1")
                .env_remove("DATABASE_URL")
                .env("SCHEMADIFF_NO_CACHE", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn describe(commands: &[&[&str]], outs: &[Output]) -> String {
    commands
        .iter()
        .zip(outs)
        .map(|(c, o)| {
            format!(
                "{c:?} exited {:?}: {}",
                o.status.code(),
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `upgrade head` and `downgrade base` at once, 20 rounds, each from the first revision (so
/// that both have work to do): both exit 0 each time, and the database ends at base or head
/// (whichever ran last ran whole), with exactly the tables its version table names.
fn upgrade_and_downgrade_at_once(dir: &Path, db: &dyn State) {
    let commands: [&[&str]; 2] = [&["upgrade", "head"], &["downgrade", "base"]];
    for round in 0..ROUNDS {
        common::ok_in(dir, &["downgrade", "base"]);
        common::ok_in(dir, &["upgrade", REVS[0].0]);
        let outs = at_once(dir, &commands);
        let seen = describe(&commands, &outs);
        assert!(
            outs.iter().all(|o| o.status.success()),
            "round {round}:\n{seen}"
        );
        let heads = db.heads();
        assert_eq!(
            db.tables(),
            tables_of(&heads),
            "round {round}: the version table says {heads:?}\n{seen}"
        );
        assert!(
            heads.is_empty() || heads == [REVS[2].0],
            "round {round}: stopped half-way at {heads:?}\n{seen}"
        );
    }
}

/// Four `upgrade head` at once on a fresh database: all exit 0, each revision runs once.
fn first_upgrades_at_once(dir: &Path, db: &dyn State) {
    let commands: [&[&str]; 4] = [&["upgrade", "head"]; 4];
    let outs = at_once(dir, &commands);
    let seen = describe(&commands, &outs);
    assert!(outs.iter().all(|o| o.status.success()), "{seen}");
    assert_eq!(db.heads(), [REVS[2].0], "{seen}");
    assert_eq!(db.tables(), tables_of(&db.heads()), "{seen}");
    assert_eq!(db.ups(), 3, "each revision ran once\n{seen}");
}

#[test]
fn sqlite_upgrade_and_downgrade_at_once_leave_a_true_version_table() {
    let dir = project("apply-race-sqlite", Engine::Sqlite, "sqlite:///app.db");
    upgrade_and_downgrade_at_once(&dir, &SqliteDb(dir.join("app.db")));
}

#[test]
fn sqlite_four_first_time_upgrades_at_once_all_succeed() {
    let dir = project("apply-first-sqlite", Engine::Sqlite, "sqlite:///app.db");
    for round in 0..ROUNDS {
        let db = dir.join("app.db");
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        eprintln!("round {round}");
        first_upgrades_at_once(&dir, &SqliteDb(db));
    }
}

#[test]
fn postgres_upgrade_and_downgrade_at_once_leave_a_true_version_table() {
    let db = TestDb::create("apply_race");
    let dir = project("apply-race-pg", Engine::Postgres, &db.url());
    upgrade_and_downgrade_at_once(&dir, &db);
}

#[test]
fn postgres_four_first_time_upgrades_at_once_all_succeed() {
    for round in 0..ROUNDS {
        let db = TestDb::create(&format!("apply_first{round}"));
        let dir = project("apply-first-pg", Engine::Postgres, &db.url());
        eprintln!("round {round}");
        first_upgrades_at_once(&dir, &db);
    }
}

/// Runs `upgrade head` through the library on `engine`, with a third revision that fails.
fn failing_run(dir: &Path, engine: &mut dyn schemadiff::apply::Adapter) {
    use schemadiff::apply::{migrate, Direction, Error, Request};
    use schemadiff::revision::{load_dir, Graph, Target};
    let file = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(REVS[2].0))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "-- migrate:down",
            "INSERT INTO nowhere VALUES (1);\n-- migrate:down",
        ),
    )
    .unwrap();
    let graph = Graph::new(load_dir(&dir.join("migrations")).unwrap()).unwrap();
    let request = Request {
        target: &Target::Head,
        dir: Direction::Up,
        accept: &[],
        progress: &|_, _, _| {},
        planned: &|_, _| {},
        waiting: &|| {},
        statement: &|_| {},
        ran: &|_, _| {},
    };
    let err = migrate(engine, &graph, &request).unwrap_err();
    assert!(matches!(err, Error::Statement(_)), "{err}");
}

#[test]
fn sqlite_a_failed_run_releases_the_lock_while_its_connection_stays_open() {
    use schemadiff::apply::{sqlite::Sqlite, Adapter as _};
    let dir = project("apply-unlock-sqlite", Engine::Sqlite, "sqlite:///app.db");
    let open = || {
        let conn = rusqlite::Connection::open(dir.join("app.db")).unwrap();
        Sqlite::new(conn, std::time::Duration::from_millis(200)).unwrap()
    };
    let mut first = open();
    failing_run(&dir, &mut first);
    let mut second = open();
    assert!(
        second.try_lock().unwrap(),
        "the lock is free after the failed run"
    );
    second.unlock();
    drop(first);
}

#[test]
fn postgres_a_failed_run_releases_the_lock_while_its_connection_stays_open() {
    use schemadiff::apply::{postgres::Postgres, Adapter as _};
    let db = TestDb::create("apply_unlock");
    let dir = project("apply-unlock-pg", Engine::Postgres, &db.url());
    let open = || Postgres::new(db.client(), std::time::Duration::from_millis(200));
    let mut first = open();
    failing_run(&dir, &mut first);
    let mut second = open();
    assert!(
        second.try_lock().unwrap(),
        "the lock is free after the failed run"
    );
    second.unlock();
    drop(first);
}
