//! A declared schema loaded on several connections gives exactly the model the serial load
//! gives (docs/decisions.md, "Parallel scratch load"): on the fixture corpus, on a generated
//! schema, and where the order of creation would show (names PostgreSQL chooses, a view's
//! `*`, inheritance), which must make the load serial again. The parallel load creates
//! tables with no files where it can (`src/declare/postgres/fileless.rs`), the serial one as
//! written: the same comparisons prove that those tables read back the same, and that what
//! the server refuses of them is loaded again as written.

mod common;
mod pg;

#[path = "../benches/common/schema_gen.rs"]
mod schema_gen;

#[path = "../benches/common/edit_gen.rs"]
mod edit_gen;

use schemadiff::declare::{
    declare_postgres_with, loads_in_parallel, loads_with_no_files, LoadOptions, SourceFile,
};
use schemadiff::introspect::postgres::connect::Config;
use std::path::PathBuf;

fn server() -> Config {
    let _ = pg::admin(); // fails saying how to start the server
    schemadiff::introspect::postgres::connect::config(&pg::server_url()).unwrap()
}

/// Three connections, whatever the number of tables, tables with no files where they can.
const PARALLEL: LoadOptions = LoadOptions {
    connections: 3,
    min_groups: 0,
    fileless: true,
};

fn file(name: &str, text: &str) -> Vec<SourceFile> {
    vec![SourceFile {
        path: PathBuf::from(name),
        text: text.to_string(),
    }]
}

/// Declares `files` serially and in parallel; they must give the same model.
fn same_model(server: &Config, files: &[SourceFile]) {
    let serial = declare_postgres_with(files, server, &[], LoadOptions::SERIAL);
    let parallel = declare_postgres_with(files, server, &[], PARALLEL);
    match (serial, parallel) {
        (Ok(a), Ok(b)) => assert!(
            a == b,
            "{}: the parallel load's model differs from the serial one:\nserial: {a:#?}\nparallel: {b:#?}",
            files[0].path.display()
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!(
            "{}: serial {:?}, parallel {:?}",
            files[0].path.display(),
            a.map(|_| "ok"),
            b.map(|_| "ok")
        ),
    }
}

#[test]
fn fixture_corpus_loads_alike_serially_and_in_parallel() {
    // The rls_* and priv_* fixtures grant to these; without them both loads fail alike.
    pg::ensure_test_roles();
    let server = server();
    let (mut parallel, mut no_files) = (0, 0);
    let all = std::env::var("SCHEMADIFF_PARALLEL_CORPUS").is_ok_and(|v| v == "all");
    for case in common::cases("postgres") {
        for side in ["before.sql", "after.sql"] {
            let path = case.join(side);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let files = vec![SourceFile { path, text }];
            // A file the plan keeps serial is loaded the same way both times.
            if !loads_in_parallel(&files, PARALLEL).unwrap_or(false) {
                continue;
            }
            parallel += 1;
            // Every fourth file in CI (two scratch loads each, ~3 minutes for all of them);
            // SCHEMADIFF_PARALLEL_CORPUS=all compares every one.
            if all || parallel % 4 == 1 {
                no_files += loads_with_no_files(&files, PARALLEL).unwrap().len();
                same_model(&server, &files);
            }
        }
    }
    // About 80 of the 770 files have two tables or more and nothing that keeps them serial.
    assert!(
        parallel >= 40,
        "only {parallel} fixture files load in parallel"
    );
    assert!(
        no_files >= 20,
        "only {no_files} tables of the files compared were created with no files"
    );
}

#[test]
fn generated_schema_loads_alike_serially_and_in_parallel() {
    let model = schema_gen::generate(300, schema_gen::Dialect::Postgres);
    let files = file("schema.sql", &model.sql());
    assert!(loads_in_parallel(&files, LoadOptions::DEFAULT).unwrap());
    let no_files = loads_with_no_files(&files, LoadOptions::DEFAULT).unwrap();
    assert!(
        no_files.len() >= 150,
        "{} of 300 tables with no files",
        no_files.len()
    );
    same_model(&server(), &files);
}

#[test]
fn randomly_edited_schemas_load_alike_serially_and_in_parallel() {
    // The edit generator's shapes (columns added, dropped and retyped, defaults, indexes,
    // foreign keys, CHECK and UNIQUE, comments, views, tables added and dropped, enum
    // labels), on a fifth of the tables, for three seeds.
    let server = server();
    for seed in 0..3 {
        let mut p =
            edit_gen::Project::new(schema_gen::generate(120, schema_gen::Dialect::Postgres));
        let shapes = edit_gen::random_edit(&mut p, seed, 24);
        let files = file(&format!("edit{seed}.sql"), &p.sql());
        let no_files = loads_with_no_files(&files, PARALLEL).unwrap();
        assert!(
            no_files.len() >= 40,
            "seed {seed}: {} tables with no files",
            no_files.len()
        );
        println!(
            "seed {seed}: {} tables with no files; {shapes:?}",
            no_files.len()
        );
        same_model(&server, &files);
    }
}

#[test]
fn a_table_the_server_refuses_with_no_files_is_created_as_written() {
    // With no key, `t` would be partitioned by its first column, which it then drops.
    let sql = with_filler(
        "CREATE TABLE t (a int, b text);
         ALTER TABLE t DROP COLUMN a;
         ",
    );
    let files = file("dropped.sql", &sql);
    assert!(loads_with_no_files(&files, PARALLEL).unwrap().contains("t"));
    same_model(&server(), &files);
}

#[test]
fn a_statement_refused_on_a_table_with_no_files_loads_everything_as_written() {
    // A row trigger with a transition table is refused on a partitioned table; it comes
    // after every table group, so the whole load runs again as written.
    let sql = with_filler(
        "CREATE TABLE t (id int PRIMARY KEY, b text);
         CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
         CREATE TRIGGER log AFTER INSERT ON t REFERENCING NEW TABLE AS added
           FOR EACH ROW EXECUTE FUNCTION f();
         ",
    );
    let files = file("transition.sql", &sql);
    assert!(loads_with_no_files(&files, PARALLEL).unwrap().contains("t"));
    same_model(&server(), &files);
}

#[test]
fn what_partitioned_tables_keep_apart_keeps_the_files() {
    let sql = with_filler(
        "CREATE TABLE t (id int PRIMARY KEY);
         CREATE TABLE u (id int PRIMARY KEY);
         CREATE TABLE w (id int PRIMARY KEY);
         CREATE VIEW v AS SELECT id FROM ONLY t;
         CREATE POLICY p ON u USING (true);
         ",
    );
    let files = file("kept.sql", &sql);
    let no_files = loads_with_no_files(&files, PARALLEL).unwrap();
    // (The filler tables' unique constraints are set aside: they have no files either.)
    let mut want = std::collections::BTreeSet::from(["w".to_string()]);
    want.extend((0..6).map(|i| format!("filler{i}")));
    assert_eq!(no_files, want);
    same_model(&server(), &files);
}

/// Tables whose unique constraints share no column load with no files, the constraints
/// set aside on siblings and read back onto them, and give the serial load's model: quoted
/// names in a schema, named, deferrable and `NULLS NOT DISTINCT` constraints, a table
/// comment and an index. Tables a sibling cannot stand for keep their files: a foreign
/// key points at the constraint; an `ALTER TABLE` of the table. And loads that must run
/// again as written: a comment on the constraint in another phase, a name the server
/// chose otherwise (another table's index has it).
#[test]
fn unique_constraints_set_aside_load_alike_serially_and_in_parallel() {
    let server = server();
    let sql = with_filler(
        r#"CREATE SCHEMA billing;
         CREATE TABLE billing."Acct" ("Id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             email text NOT NULL UNIQUE NULLS NOT DISTINCT, code int CONSTRAINT acct_code UNIQUE DEFERRABLE,
             a int, b int, CONSTRAINT "Acct AB" UNIQUE (a, b));
         COMMENT ON TABLE billing."Acct" IS 'accounts';
         CREATE INDEX acct_email ON billing."Acct" (email);
         CREATE TABLE pointed (id int PRIMARY KEY, code text UNIQUE);
         CREATE TABLE pointing (id int PRIMARY KEY, code text REFERENCES pointed (code));
         CREATE TABLE altered (id int PRIMARY KEY, code text UNIQUE);
         ALTER TABLE altered ADD COLUMN note text;
         "#,
    );
    let files = file("aside.sql", &sql);
    let no_files = loads_with_no_files(&files, PARALLEL).unwrap();
    for t in ["Acct", "pointing", "filler0"] {
        assert!(no_files.contains(t), "{t}: {no_files:?}");
    }
    for t in ["pointed", "altered"] {
        assert!(!no_files.contains(t), "{t}: {no_files:?}");
    }
    same_model(&server, &files);
    let commented = with_filler(
        "CREATE TABLE t (id int PRIMARY KEY, code text UNIQUE);
         CREATE VIEW v AS SELECT 1 AS one;
         COMMENT ON CONSTRAINT t_code_key ON t IS 'the code';
         ",
    );
    same_model(&server, &file("aside_comment.sql", &commented));
    let clash = with_filler(
        "CREATE TABLE first (id int PRIMARY KEY);
         CREATE INDEX second_code_key ON first (id);
         CREATE TABLE second (id int PRIMARY KEY, code text UNIQUE);
         ",
    );
    let files = file("aside_clash.sql", &clash);
    assert!(loads_with_no_files(&files, PARALLEL)
        .unwrap()
        .contains("second"));
    same_model(&server, &files);
}

/// Filler tables, so that the plan has groups to spread.
fn with_filler(sql: &str) -> String {
    let mut s = sql.to_string();
    for i in 0..6 {
        s.push_str(&format!(
            "CREATE TABLE filler{i} (id int PRIMARY KEY, v text UNIQUE);\n"
        ));
    }
    s
}

#[test]
fn a_name_two_tables_want_goes_where_the_serial_load_puts_it() {
    // Serially `a` gets `a_b_c_key` and `a_b` gets `a_b_c_key1`; in parallel, `a_b` starts
    // while `a` waits for `z` (slow: many indexes), and would take `a_b_c_key`.
    let mut sql = String::from("CREATE TABLE z (id int PRIMARY KEY");
    for i in 0..40 {
        sql.push_str(&format!(", c{i} int UNIQUE"));
    }
    sql.push_str(");\n");
    sql.push_str(
        "CREATE TABLE a (b_c int UNIQUE, z int REFERENCES z);
         CREATE TABLE a_b (c int UNIQUE);
         ",
    );
    let files = file("names.sql", &with_filler(&sql));
    assert!(loads_in_parallel(&files, PARALLEL).unwrap());
    same_model(&server(), &files);
}

#[test]
fn a_view_written_before_a_column_is_added_sees_the_table_as_then() {
    let sql = with_filler(
        "CREATE TABLE t (a int);
         CREATE VIEW v AS SELECT * FROM t;
         ALTER TABLE t ADD COLUMN b int;
         ",
    );
    let files = file("view.sql", &sql);
    assert!(!loads_in_parallel(&files, PARALLEL).unwrap());
    same_model(&server(), &files);
}

#[test]
fn an_inheriting_table_keeps_the_serial_column_order() {
    let sql = with_filler(
        "CREATE TABLE p (a int);
         CREATE TABLE c (x int) INHERITS (p);
         ALTER TABLE p ADD COLUMN b int;
         ",
    );
    let files = file("inherits.sql", &sql);
    assert!(!loads_in_parallel(&files, PARALLEL).unwrap());
    same_model(&server(), &files);
}

#[test]
fn an_error_is_reported_at_the_same_place() {
    let sql = with_filler(
        "CREATE TABLE t (a int REFERENCES nowhere (id));
         CREATE TABLE u (a int);
         ",
    );
    let files = file("error.sql", &sql);
    assert!(loads_in_parallel(&files, PARALLEL).unwrap());
    same_model(&server(), &files);
}
