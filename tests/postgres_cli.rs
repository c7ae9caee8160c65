//! PostgreSQL through the command line and the introspection's cost: query counts that do
//! not grow with the schema, connection and DDL errors that say where and what to do,
//! statements sqlparser cannot read, unmanaged objects, scratch databases dropped.

mod common;
mod pg;

use pg::TestDb;
use std::fmt::Write as _;
use std::process::Command;

fn schemadiff(args: &[&str]) -> common::Run {
    common::run_in(std::path::Path::new("."), args)
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
    let (mut counts, mut pair_counts) = (Vec::new(), Vec::new());
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
        // Two connections sharing one snapshot read the same schema, also in a fixed
        // number of round trips.
        let pair =
            schemadiff::introspect::postgres::introspect_pair(&mut client, &mut db.client(), &[])
                .unwrap();
        assert_eq!(pair.schema, read.schema);
        pair_counts.push(pair.queries);
        // A helper that cannot import the snapshot (another database): one connection
        // reads it all.
        let alone =
            schemadiff::introspect::postgres::introspect_pair(&mut client, &mut pg::admin(), &[])
                .unwrap();
        assert_eq!(alone.schema, read.schema);
        assert_eq!(alone.queries, read.queries);
    }
    assert_eq!(counts[0], counts[1], "queries for 10 vs 2,000 tables");
    assert!(counts[0] <= 18, "{} queries", counts[0]);
    assert_eq!(pair_counts[0], pair_counts[1], "two connections");
    assert!(pair_counts[0] <= 19, "{} round trips", pair_counts[0]);
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
    let spawned = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(["diff", "--from", &db.url(), "--to"])
        .arg(dir.join("s.sql"))
        .env("SCHEMADIFF_CACHE_DIR", common::cache_dir())
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pattern = format!("schemadiff_scratch_{}_%", spawned.id());
    let child = spawned.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert_eq!(child.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s.sql:3:27"), "{stderr}");
    assert!(stderr.contains("nosuchtype"), "{stderr}");
    let mut admin = pg::admin();
    let left = admin
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            &[&pattern],
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

/// Since issue 16 a partitioned table is managed: a diff to files without it drops its
/// partitions, then it, and says nothing is unmanaged.
#[test]
fn partitioned_tables_are_managed() {
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
    assert!(!r.stderr.contains("not managed"), "{}", r.stderr);
    let (part, parent) = (
        r.stdout.find("DROP TABLE public.events_2026;"),
        r.stdout.find("DROP TABLE public.events;"),
    );
    assert!(part.is_some() && part < parent, "{}", r.stdout);
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
    // With the throwaway cluster forbidden (it is tested in tests/pg_throwaway.rs).
    let r = common::run_env(
        std::path::Path::new("."),
        &["diff", "--from", f, "--to", f, "--dialect", "postgres"],
        &[("SCHEMADIFF_NO_THROWAWAY", std::path::Path::new("1"))],
    );
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

#[test]
fn ctrl_c_drops_the_scratch_database() {
    let db = TestDb::create("ctrl_c");
    let dir = common::temp_dir("pg_ctrl_c");
    std::fs::write(dir.join("s.sql"), tables(4000)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_schemadiff"))
        .args(["diff", "--from", &db.url(), "--to"])
        .arg(dir.join("s.sql"))
        .env("SCHEMADIFF_CACHE_DIR", common::cache_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pattern = format!("schemadiff_scratch_{}_%", child.id());
    let mut admin = pg::admin();
    let count = |admin: &mut postgres::Client| -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
                &[&pattern],
            )
            .unwrap()
            .get(0)
    };
    let started = std::time::Instant::now();
    while count(&mut admin) == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be interrupted"
        );
        assert!(
            started.elapsed().as_secs() < 30,
            "no scratch database appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&mut admin), 0, "scratch database left after Ctrl-C");
}

#[test]
fn schema_flag_limits_the_comparison_to_the_named_namespaces() {
    let db = TestDb::create("schema_flag");
    db.client()
        .batch_execute(
            "CREATE SCHEMA app; CREATE SCHEMA audit;
             CREATE TABLE app.users (id int PRIMARY KEY);
             CREATE TABLE audit.log (id int);",
        )
        .unwrap();
    let dir = common::temp_dir("pg_schema_flag");
    std::fs::write(
        dir.join("s.sql"),
        "CREATE SCHEMA app; CREATE TABLE app.users (id int PRIMARY KEY, email text);\n",
    )
    .unwrap();
    let file = dir.join("s.sql");
    let file = file.to_str().unwrap();
    let all = schemadiff(&["diff", "--from", &db.url(), "--to", file]);
    assert!(
        all.stdout.contains("DROP TABLE audit.log"),
        "{}",
        all.stdout
    );
    let only = schemadiff(&["diff", "--from", &db.url(), "--to", file, "--schema", "app"]);
    assert_eq!(only.code, 0, "{}", only.stderr);
    assert!(!only.stdout.contains("audit"), "{}", only.stdout);
    assert!(
        only.stdout
            .contains("ALTER TABLE app.users ADD COLUMN email text"),
        "{}",
        only.stdout
    );
}

#[test]
fn schema_qualified_rename_hints_apply_and_passwords_are_never_printed() {
    let db = TestDb::create("rename_redact");
    db.client()
        .batch_execute("CREATE TABLE customers (id int PRIMARY KEY, fullname text);")
        .unwrap();
    let dir = common::temp_dir("pg_rename_redact");
    std::fs::write(
        dir.join("s.sql"),
        "CREATE TABLE customers (id int PRIMARY KEY, display_name text);\n",
    )
    .unwrap();
    let file = dir.join("s.sql");
    let file = file.to_str().unwrap();
    let url = db.url().replace("postgres@", "postgres:s3cret@");
    for format in ["sql", "json"] {
        let r = schemadiff(&[
            "diff",
            "--from",
            &url,
            "--to",
            file,
            "--format",
            format,
            "--rename",
            "public.customers.fullname=display_name",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains("RENAME COLUMN fullname TO display_name"),
            "{}",
            r.stdout
        );
        assert!(
            !r.stdout.contains("s3cret") && !r.stderr.contains("s3cret"),
            "{}",
            r.stdout
        );
    }
    // --dev-url alone makes .sql sources PostgreSQL DDL.
    let both = schemadiff(&[
        "diff",
        "--from",
        file,
        "--to",
        file,
        "--dev-url",
        &pg::server_url(),
    ]);
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert!(both.stdout.contains("psql"), "{}", both.stdout);
}

#[test]
fn an_unhinted_table_rename_fails_strict_naming_the_flag_and_the_flag_keeps_the_rows() {
    let db = TestDb::create("table_rename");
    db.client()
        .batch_execute(
            "CREATE TABLE customer (id serial PRIMARY KEY, name text NOT NULL);
             INSERT INTO customer (name) VALUES ('Ann'), ('Bob');",
        )
        .unwrap();
    let dir = common::temp_dir("pg_table_rename");
    let file = dir.join("s.sql");
    std::fs::write(
        &file,
        "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let url = db.url();
    let strict = schemadiff(&["diff", "--from", &url, "--to", file, "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict.flat_stderr().contains("hazard[likely-rename]")
            && strict.flat_stderr().contains("--rename customer=customers"),
        "{}",
        strict.stderr
    );
    let hinted = schemadiff(&[
        "diff",
        "--from",
        &url,
        "--to",
        file,
        "--strict",
        "--rename",
        "public.customer=customers",
    ]);
    assert_eq!(hinted.code, 0, "{}", hinted.stderr);
    assert!(!hinted.stdout.contains("DROP TABLE"), "{}", hinted.stdout);
    let script = dir.join("up.sql");
    std::fs::write(&script, &hinted.stdout).unwrap();
    let (ok, err) = pg::psql(&url, &script);
    assert!(ok, "{err}");
    let names: Vec<String> = db
        .client()
        .query("SELECT name FROM customers ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Ann", "Bob"]);
    // The sequence kept its position: the next row gets id 3.
    let id: i32 = db
        .client()
        .query_one(
            "INSERT INTO customers (name) VALUES ('Cy') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(id, 3);
    let again = schemadiff(&["diff", "--from", &url, "--to", file, "--exit-code"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

/// The catalog cache's models (`pg-<sha256>.json`) in `dir` (not the bases of incremental
/// loads, `pg-base-<sha256>.json`).
fn cache_entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        name.ends_with(".json") && !name.starts_with("pg-base-")
    });
    out.sort();
    out
}

#[test]
fn declared_ddl_is_read_from_the_catalog_cache_until_a_byte_changes() {
    use schemadiff::model::Schema;
    let db = TestDb::create("catalog_cache");
    let dir = common::temp_dir("pg_catalog_cache");
    let cache = dir.join("cache");
    let file = dir.join("s.sql");
    std::fs::write(&file, "CREATE TABLE a (id int PRIMARY KEY);\n").unwrap();
    let file = file.to_str().unwrap();
    let url = db.url();
    let diff = |extra: &[&str], env: &[(&str, &std::path::Path)]| {
        let mut args = vec!["diff", "--from", url.as_str(), "--to", file];
        args.extend_from_slice(extra);
        let mut env = env.to_vec();
        env.push(("SCHEMADIFF_CACHE_DIR", &cache));
        let run = common::run_env(std::path::Path::new("."), &args, &env);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
    };

    // First run: a miss, the scratch database's model is stored.
    assert!(diff(&[], &[]).contains("CREATE TABLE public.a"));
    let entries = cache_entries(&cache);
    assert_eq!(entries.len(), 1, "{entries:?}");
    // Mark the stored model: a second run that prints the mark read it instead of loading
    // the file into a scratch database.
    // An entry holds the model under "schema" (its dependents beside it).
    let mut entry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&entries[0]).unwrap()).unwrap();
    let mut stored: Schema = serde_json::from_value(entry["schema"].clone()).unwrap();
    let mut write_entry = |stored: &Schema| {
        entry["schema"] = serde_json::to_value(stored).unwrap();
        std::fs::write(&entries[0], serde_json::to_vec(&entry).unwrap()).unwrap();
    };
    let mut marker = stored.tables["public.a"].clone();
    marker.name = "from_cache".into();
    stored.tables.insert("public.from_cache".into(), marker);
    write_entry(&stored);
    assert!(diff(&[], &[]).contains("CREATE TABLE public.from_cache"));
    let inspect = common::run_env(
        std::path::Path::new("."),
        &["inspect", file, "--dialect", "postgres", "--dev-url", &url],
        &[("SCHEMADIFF_CACHE_DIR", &cache)],
    );
    assert!(inspect.stdout.contains("from_cache"), "{}", inspect.stdout);

    // Turned off, by flag or environment: the scratch database again.
    assert!(!diff(&["--no-cache"], &[]).contains("from_cache"));
    let no = std::path::Path::new("1");
    assert!(!diff(&[], &[("SCHEMADIFF_NO_CACHE", no)]).contains("from_cache"));
    // Another --schema filter is another key.
    assert!(!diff(&["--schema", "public"], &[]).contains("from_cache"));
    assert_eq!(cache_entries(&cache).len(), 2);

    // One byte changed (a -> b): a miss. (The model of the previous version is where the
    // changed table is reloaded into, so the marked one is put back first.)
    stored.tables.remove("public.from_cache");
    write_entry(&stored);
    std::fs::write(file, "CREATE TABLE b (id int PRIMARY KEY);\n").unwrap();
    let changed = diff(&[], &[]);
    assert!(changed.contains("CREATE TABLE public.b"), "{changed}");
    assert!(!changed.contains("from_cache"), "{changed}");
    assert_eq!(cache_entries(&cache).len(), 3);

    // A damaged entry is no error: the scratch database is used and the entry rewritten.
    std::fs::write(file, "CREATE TABLE a (id int PRIMARY KEY);\n").unwrap();
    std::fs::write(&entries[0], b"{ not json").unwrap();
    let repaired = diff(&[], &[]);
    assert!(repaired.contains("CREATE TABLE public.a"), "{repaired}");
    assert!(!repaired.contains("from_cache"), "{repaired}");
    let again: Result<serde_json::Value, _> =
        serde_json::from_slice(&std::fs::read(&entries[0]).unwrap());
    let again = again.map(|e| serde_json::from_value::<Schema>(e["schema"].clone()));
    assert!(matches!(again, Ok(Ok(_))), "entry not rewritten");
}
