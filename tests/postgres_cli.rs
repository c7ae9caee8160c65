//! PostgreSQL through the command line and the introspection's cost: query counts that do
//! not grow with the schema, connection and DDL errors that say where and what to do,
//! statements sqlparser cannot read, unmanaged objects, scratch databases dropped.

mod common;
mod pg;

use pg::TestDb;
use std::fmt::Write as _;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn schemadiff(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// `n` tables, each with a foreign key to the previous one, an index and a check.
fn tables(n: usize) -> String {
    let mut sql = String::new();
    for i in 0..n {
        let fk = if i > 0 {
            format!(", parent bigint REFERENCES t{} (id)", i - 1)
        } else {
            String::new()
        };
        writeln!(
            sql,
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '', qty int CHECK (qty >= 0){fk});\nCREATE INDEX t{i}_name ON t{i} (lower(name)) WHERE qty > 0;"
        )
        .unwrap();
    }
    sql
}

#[test]
fn introspection_sends_the_same_number_of_queries_for_10_and_2000_tables() {
    let mut counts = Vec::new();
    for n in [10, 2000] {
        let db = TestDb::create(&format!("qcount_{n}"));
        let mut client = db.client();
        for chunk in tables(n)
            .split_inclusive('\n')
            .collect::<Vec<_>>()
            .chunks(200)
        {
            client.batch_execute(&chunk.concat()).unwrap();
        }
        let read = schemadiff::introspect::postgres::introspect(&mut client, &[]).unwrap();
        assert_eq!(read.schema.tables.len(), n);
        let indexes: usize = read.schema.tables.values().map(|t| t.indexes.len()).sum();
        assert_eq!(indexes, n);
        let fks: usize = read
            .schema
            .tables
            .values()
            .map(|t| t.foreign_keys.len())
            .sum();
        assert_eq!(fks, n - 1);
        counts.push(read.queries);
    }
    assert_eq!(counts[0], counts[1], "queries for 10 vs 2,000 tables");
    assert!(counts[0] <= 10, "{} queries", counts[0]);
}

#[test]
fn connection_failure_names_host_port_database_and_what_to_try() {
    let dir = common::temp_dir("pg_conn_fail");
    std::fs::write(dir.join("s.sql"), "CREATE TABLE t (id int);").unwrap();
    let to = dir.join("s.sql");
    let r = schemadiff(&[
        "diff",
        "--from",
        "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere_db",
        "--to",
        to.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    for needle in ["127.0.0.1:1", "nowhere_db", "pg_isready"] {
        assert!(
            r.stderr.contains(needle),
            "`{needle}` missing in:\n{}",
            r.stderr
        );
    }
    assert!(r.stdout.is_empty());
}

#[test]
fn declared_ddl_error_names_file_line_and_column_and_drops_the_scratch_database() {
    let db = TestDb::create("ddl_error");
    let dir = common::temp_dir("pg_ddl_error");
    std::fs::write(
        dir.join("s.sql"),
        "CREATE TABLE a (id int PRIMARY KEY);\n\nCREATE TABLE b (id int, x nosuchtype);\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(["diff", "--from", &db.url(), "--to"])
        .arg(dir.join("s.sql"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert_eq!(child.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s.sql:3:27"), "{stderr}");
    assert!(stderr.contains("nosuchtype"), "{stderr}");
    let mut admin = pg::admin();
    let left = admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'schemadiff_scratch_%' AND datname NOT IN (SELECT datname FROM pg_stat_activity WHERE datname IS NOT NULL)",
            &[],
        )
        .unwrap();
    assert!(
        left.is_empty(),
        "scratch databases left behind: {}",
        left.len()
    );
}

#[test]
fn statements_sqlparser_cannot_read_still_load_and_round_trip() {
    let db = TestDb::create("exclude");
    let dir = common::temp_dir("pg_exclude");
    let ddl = "CREATE TABLE rooms (id int PRIMARY KEY, during tsrange NOT NULL,\n  EXCLUDE USING gist (during WITH &&)) WITH (fillfactor = 70);\n";
    std::fs::write(dir.join("s.sql"), ddl).unwrap();
    let file = dir.join("s.sql");
    let r = schemadiff(&["diff", "--from", &db.url(), "--to", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("EXCLUDE USING gist"), "{}", r.stdout);
    std::fs::write(dir.join("up.sql"), &r.stdout).unwrap();
    let (ok, err) = pg::psql(&db.url(), &dir.join("up.sql"));
    assert!(ok, "{err}");
    let again = schemadiff(&[
        "diff",
        "--from",
        &db.url(),
        "--to",
        file.to_str().unwrap(),
        "--exit-code",
    ]);
    assert_eq!(again.code, 0, "re-diff not empty:\n{}", again.stdout);
}

#[test]
fn partitioned_tables_are_reported_and_left_alone() {
    let db = TestDb::create("partitioned");
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        )
        .unwrap();
    let dir = common::temp_dir("pg_partitioned");
    std::fs::write(dir.join("s.sql"), "CREATE TABLE other (id int);\n").unwrap();
    let file = dir.join("s.sql");
    let r = schemadiff(&["diff", "--from", &db.url(), "--to", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("public.events (partitioned table) is not managed"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("DROP TABLE"), "{}", r.stdout);
    assert!(
        r.stdout.contains("CREATE TABLE public.other"),
        "{}",
        r.stdout
    );
}

#[test]
fn inspect_prints_the_normalized_schema_and_json() {
    let db = TestDb::create("inspect");
    let mut client = db.client();
    client
        .batch_execute("CREATE TYPE mood AS ENUM ('a', 'b'); CREATE TABLE \"Users\" (id serial PRIMARY KEY, m mood DEFAULT 'a', total numeric CHECK (total >= 0));")
        .unwrap();
    let r = schemadiff(&["inspect", &db.url()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("CREATE TYPE public.mood AS ENUM ('a', 'b');"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("CREATE TABLE public.\"Users\""),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("CHECK ((total >= (0)::numeric))"),
        "{}",
        r.stdout
    );
    let j = schemadiff(&["inspect", &db.url(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["enums"]["public.mood"]["labels"][1], "b");
    assert!(v["sequences"]["public.Users_id_seq"]["owned_by"].is_array());
}

#[test]
fn declared_files_need_a_server_when_neither_side_is_a_url() {
    let dir = common::temp_dir("pg_no_server");
    std::fs::write(dir.join("a.sql"), "CREATE TABLE t (id int);").unwrap();
    let f = dir.join("a.sql");
    let f = f.to_str().unwrap();
    let r = schemadiff(&["diff", "--from", f, "--to", f, "--dialect", "postgres"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--dev-url"), "{}", r.stderr);
    let url = pg::server_url();
    let ok = schemadiff(&[
        "diff",
        "--from",
        f,
        "--to",
        f,
        "--dialect",
        "postgres",
        "--dev-url",
        &url,
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("No changes"), "{}", ok.stdout);
}
