//! No password reaches output: every command of a PostgreSQL project whose URL carries one
//! (as `user:password@` and as `?password=`), its scripts, JSON reports and error messages,
//! and the errors for URLs that cannot be used, are searched for the secret.

mod common;
mod pg;

use common::*;
use pg::TestDb;
use std::path::Path;

const SECRET: &str = "Sw0rdf1sh";

/// Every command's stdout and stderr, tagged with its arguments.
fn outputs(dir: &Path, url: &str, runs: &[&[&str]]) -> Vec<(String, Run)> {
    runs.iter()
        .map(|args| {
            let cache = cache_dir();
            let env: [(&str, &Path); 2] = [
                ("DATABASE_URL", Path::new(url)),
                ("SCHEMADIFF_CACHE_DIR", &cache),
            ];
            (format!("{args:?}"), run_env(dir, args, &env))
        })
        .collect()
}

/// Asserts that no output holds the secret, and that each shows what it was expected to.
fn assert_hidden(runs: &[(String, Run)]) {
    for (args, r) in runs {
        for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !text
                    .to_ascii_lowercase()
                    .contains(&SECRET.to_ascii_lowercase()),
                "{args} printed the password on {stream}:\n{text}"
            );
        }
    }
}

#[test]
fn no_command_of_a_postgres_project_prints_its_password() {
    let db = TestDb::create("secrets");
    let url = db
        .url()
        .replace("postgres@", &format!("postgres:{SECRET}@"))
        + &format!("?password={SECRET}&application_name=schemadiff_test");
    let dir = temp_dir("secrets-pg");
    ok_in(&dir, &["init", "--dialect", "postgres"]);
    let cfg = std::fs::read_to_string(dir.join("schemadiff.toml")).unwrap();
    std::fs::write(
        dir.join("schemadiff.toml"),
        cfg.replace("postgresql://localhost/app", &url),
    )
    .unwrap();
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE t (id int PRIMARY KEY);\n",
    )
    .unwrap();
    let runs = outputs(
        &dir,
        &url,
        &[
            &["generate", "-m", "first"],
            &["upgrade", "head"],
            &["upgrade", "--sql", "base:head"],
            &["current"],
            &["check"],
            &["check", "--format", "json"],
            &["diff", "--from", &url, "--to", "schemas"],
            &[
                "diff", "--format", "json", "--from", &url, "--to", "schemas",
            ],
            &[
                "diff",
                "--from",
                "schemas",
                "--to",
                "schemas",
                "--dev-url",
                &url,
            ],
            &["inspect", &url],
            &["inspect", "--format", "json", &url],
        ],
    );
    let code = |i: usize| runs[i].1.code;
    assert_eq!(
        (0..runs.len()).map(code).collect::<Vec<_>>(),
        vec![0; runs.len()],
        "every command ran"
    );
    let (_, diff_sql) = &runs[6];
    assert!(
        diff_sql.stdout.contains("postgres:***@") && diff_sql.stdout.contains("password=***"),
        "{}",
        diff_sql.stdout
    );
    let (_, diff_json) = &runs[7];
    assert!(
        diff_json.stdout.contains("password=***"),
        "{}",
        diff_json.stdout
    );
    assert_hidden(&runs);
}

#[test]
fn no_error_about_a_url_prints_its_password() {
    let dir = temp_dir("secrets-errors");
    std::fs::write(dir.join("a.sql"), "CREATE TABLE t (id int);\n").unwrap();
    let bad = [
        format!("postgresql://postgres:{SECRET}@127.0.0.1:1/postgres?password={SECRET}"),
        format!("postgresql://postgres:{SECRET}@127.0.0.1:notaport/postgres"),
        format!("postgresql://postgres@127.0.0.1/postgres?sslpassword={SECRET}"),
        format!("postgresql://nosuchrole:{SECRET}@127.0.0.1/postgres?password={SECRET}"),
        format!("postgresql://postgres@127.0.0.1/schemadiff_no_such_db?password={SECRET}"),
        format!("mysql://root:{SECRET}@127.0.0.1/app?PassWord={SECRET}"),
    ];
    let mut runs = Vec::new();
    for url in &bad {
        runs.extend(outputs(
            &dir,
            url,
            &[&["diff", "--from", url, "--to", "a.sql"], &["inspect", url]],
        ));
        runs.extend(outputs(
            &dir,
            url,
            &[&["diff", "--from", "a.sql", "--to", "a.sql", "--dev-url", url]],
        ));
    }
    // A SQLite project whose database_url is not a SQLite URL echoes it in its error.
    ok_in(&dir, &["init"]);
    let pg = &bad[0];
    let mysql = &bad[5];
    runs.extend(outputs(
        &dir,
        pg,
        &[&["upgrade"], &["current"], &["check", "--format", "json"]],
    ));
    runs.extend(outputs(&dir, mysql, &[&["upgrade"], &["current"]]));
    // Not URLs at all, where a URL belongs: echoed as paths, still without the password.
    let no_scheme = format!("root:{SECRET}@nohost/app");
    runs.extend(outputs(&dir, &no_scheme, &[&["upgrade"], &["current"]]));
    let key_value = format!("host=127.0.0.1 password={SECRET}");
    runs.extend(outputs(&dir, &key_value, &[&["current"], &["check"]]));
    // A PostgreSQL project that cannot connect.
    let pg_dir = dir.join("pg");
    std::fs::create_dir_all(&pg_dir).unwrap();
    ok_in(&pg_dir, &["init", "--dialect", "postgres"]);
    for url in &bad {
        runs.extend(outputs(
            &pg_dir,
            url,
            &[
                &["upgrade"],
                &["generate", "-m", "x"],
                &["check", "--format", "json"],
            ],
        ));
    }
    for (args, r) in &runs {
        assert_eq!(r.code, 2, "{args} fails:\n{}", r.stderr);
        assert!(!r.stderr.trim().is_empty(), "{args} says why");
    }
    assert!(
        runs.iter().any(|(_, r)| r.stderr.contains("root:***@")),
        "the redacted URL is still shown"
    );
    assert_hidden(&runs);
}
