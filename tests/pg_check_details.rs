//! PostgreSQL `check` names what drifted in a table — the column, the constraint — as
//! SQLite's does, not only "table changed" (issue 17, item 4).

mod common;
mod pg;

#[test]
fn postgres_check_names_the_column_and_constraint_changed_by_hand() {
    let db = pg::TestDb::create("check_details");
    let dir = common::temp_dir("pg_check_details");
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(
        dir.join("schemadiff.toml"),
        format!(
            "dialect = \"postgres\"\ndatabase_url = \"{}\"\ndev_url = \"{}\"\n",
            db.url(),
            pg::server_url()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("schemas/app.sql"),
        "CREATE TABLE t (id integer PRIMARY KEY, qty integer, note text);\n",
    )
    .unwrap();
    common::ok_in(&dir, &["generate", "-m", "first"]);
    common::ok_in(&dir, &["upgrade", "head"]);
    common::ok_in(&dir, &["check"]);
    db.client()
        .batch_execute(
            "ALTER TABLE t ALTER COLUMN qty TYPE bigint; \
             ALTER TABLE t ADD CONSTRAINT t_note_check CHECK (note <> '')",
        )
        .unwrap();
    let run = common::run_in(&dir, &["check"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("table public.t: column qty: type integer -> bigint"),
        "{all}"
    );
    assert!(
        all.contains("constraint t_note_check added (CHECK ((note <> ''::text)))"),
        "{all}"
    );
}
