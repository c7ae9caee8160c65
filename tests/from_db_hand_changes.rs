//! What `generate --from-db` does with a change made by hand in a database at head, on both
//! engines, as docs/commands/generate.md says (issue 17, item 4): the revision takes that
//! database to schemas/, so a hand change schemas/ lacks is undone by it, and one schemas/
//! has too is left out of it (the database has it already); `generate` without --from-db
//! (snapshots/ to schemas/) puts it in the revision.

mod common;
mod pg;

use std::path::{Path, PathBuf};

fn project(name: &str, toml: &str, schema: &str) -> PathBuf {
    let dir = common::temp_dir(name);
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(dir.join("schemadiff.toml"), toml).unwrap();
    std::fs::write(dir.join("schemas/app.sql"), schema).unwrap();
    dir
}

/// The upgrade section of revision `id`.
fn upgrade_of(dir: &Path, id: &str) -> String {
    let migrations = dir.join("migrations");
    let file = std::fs::read_dir(&migrations)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains(id))
        .expect("the revision");
    let text = std::fs::read_to_string(file).unwrap();
    let up = text.split("migrate:down").next().unwrap_or_default();
    up.to_string()
}

/// The project at head, then `hand` run on its database by hand; returns the upgrade
/// sections of `generate --from-db` and of `generate` for schemas/ `next`.
fn run(dir: &Path, hand: &dyn Fn(), next: &str, label: &str) -> (String, String) {
    common::ok_in(
        dir,
        &["generate", "-m", "first", "--rev-id", &format!("{label}1")],
    );
    common::ok_in(dir, &["upgrade", "head"]);
    hand();
    std::fs::write(dir.join("schemas/app.sql"), next).unwrap();
    let id = format!("{label}2");
    let snap = dir.join("snapshots");
    let kept = dir.join("snapshots_at_first");
    common::copy_dir(&snap, &kept);
    common::ok_in(dir, &["generate", "-m", "db", "--from-db", "--rev-id", &id]);
    let from_db = upgrade_of(dir, &id);
    // The same again without --from-db: snapshots/ (at the first revision) to schemas/.
    for e in std::fs::read_dir(dir.join("migrations")).unwrap().flatten() {
        if e.path().to_string_lossy().contains(&id) {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    std::fs::remove_dir_all(&snap).unwrap();
    common::copy_dir(&kept, &snap);
    std::fs::remove_dir_all(&kept).unwrap();
    common::ok_in(
        dir,
        &["generate", "-m", "again", "--rev-id", &format!("{label}3")],
    );
    (from_db, upgrade_of(dir, &format!("{label}3")))
}

const V1: &str = "CREATE TABLE t (id integer PRIMARY KEY);\n";
const V2: &str = "CREATE TABLE t (id integer PRIMARY KEY, note text);\n";

#[test]
fn sqlite_from_db_leaves_out_a_hand_change_schemas_has_and_undoes_one_it_lacks() {
    let dir = project(
        "from_db_hand_sqlite",
        "dialect = \"sqlite\"\ndatabase_url = \"sqlite:///app.db\"\n",
        V1,
    );
    let db = dir.join("app.db");
    let add = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "ALTER TABLE t ADD COLUMN note text; ALTER TABLE t ADD COLUMN extra int;",
        )
        .unwrap();
    };
    let (from_db, plain) = run(&dir, &add, V2, "s");
    assert!(!from_db.contains("ADD COLUMN note"), "{from_db}");
    assert!(
        from_db.contains("extra"),
        "the hand column schemas/ lacks is dropped: {from_db}"
    );
    assert!(plain.contains("ADD COLUMN note"), "{plain}");
    assert!(!plain.contains("extra"), "{plain}");
}

#[test]
fn postgres_from_db_leaves_out_a_hand_change_schemas_has_and_undoes_one_it_lacks() {
    let test_db = pg::TestDb::create("from_db_hand");
    let dir = project(
        "from_db_hand_pg",
        &format!(
            "dialect = \"postgres\"\ndatabase_url = \"{}\"\ndev_url = \"{}\"\n",
            test_db.url(),
            pg::server_url()
        ),
        V1,
    );
    let add = || {
        test_db
            .client()
            .batch_execute(
                "ALTER TABLE t ADD COLUMN note text; ALTER TABLE t ADD COLUMN extra int;",
            )
            .unwrap();
    };
    let (from_db, plain) = run(&dir, &add, V2, "p");
    assert!(!from_db.contains("ADD COLUMN note"), "{from_db}");
    assert!(from_db.contains("DROP COLUMN extra"), "{from_db}");
    assert!(plain.contains("ADD COLUMN note"), "{plain}");
    assert!(!plain.contains("extra"), "{plain}");
}
