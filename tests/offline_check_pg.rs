//! `check --offline` on a PostgreSQL project (the pre-commit hook): the project's database is
//! never opened nor created; the declared DDL is normalized on the dev server.

mod common;
mod pg;

#[test]
fn postgres_check_offline_never_opens_the_database() {
    // Fails (never skips) when the server is down, saying how to start it.
    let mut admin = pg::admin();
    let dev = pg::TestDb::create("offline_dev");
    // The project's database: a name on the same server that no one creates.
    let absent = format!("schemadiff_t{}_offline_absent", std::process::id());
    let (head, _) = dev
        .url()
        .rsplit_once('/')
        .map(|(h, t)| (h.to_string(), t.to_string()))
        .unwrap();
    let url = format!("{head}/{absent}");

    let dir = common::temp_dir("offline_check_pg");
    common::ok_in(&dir, &["init", "--dialect", "postgres"]);
    // database_url the absent database, dev_url the test database (a top-level key: put
    // before any table of the file).
    let cfg = common::read(&dir.join("schemadiff.toml")).replace(
        "database_url = \"postgresql://localhost/app\"",
        &format!("database_url = \"{url}\"\ndev_url = \"{}\"", dev.url()),
    );
    std::fs::write(dir.join("schemadiff.toml"), cfg).unwrap();
    assert!(common::read(&dir.join("schemadiff.toml")).contains(&absent));
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) CHECK (total >= 0));\n",
    )
    .unwrap();
    common::ok_in(&dir, &["generate", "-m", "orders"]);

    let run = |args: &[&str]| common::run_in(&dir, args);
    let clean = run(&["check", "--offline"]);
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
    // The full check needs the database, which does not exist: an error.
    assert_eq!(run(&["check"]).code, 2);

    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2) CHECK (total >= 0), note text);\n",
    )
    .unwrap();
    let found = run(&["check", "--offline"]);
    assert_eq!(found.code, 1, "{}\n{}", found.stdout, found.stderr);
    assert!(
        found.stdout.contains("[unrevisioned-changes]"),
        "{}",
        found.stdout
    );
    assert!(
        found
            .stdout
            .contains("- table public.orders: column note added"),
        "{}",
        found.stdout
    );

    let exists = admin
        .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&absent])
        .unwrap();
    assert!(exists.is_empty(), "check --offline created {absent}");
}
