//! PostgreSQL test support: the server URL, databases that drop themselves, psql.

#![allow(dead_code)]

use postgres::{Client, NoTls};
use std::path::Path;
use std::process::Command;

/// The server tests use: `SCHEMADIFF_TEST_PG` or the local one CI starts.
pub fn server_url() -> String {
    std::env::var("SCHEMADIFF_TEST_PG")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".into())
}

/// Connects to the test server or fails saying how to start it (never skips).
pub fn admin() -> Client {
    Client::connect(&server_url(), NoTls).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL tests need a server at {} ({e}). Start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` \
             or point SCHEMADIFF_TEST_PG at one (user with CREATEDB)",
            server_url()
        )
    })
}

/// Roles the policy (`rls_*`) and privilege (`priv_*`) fixtures and tests name: roles are
/// cluster-wide, so every test that needs them creates them here if missing (kept between
/// runs; a concurrent run creating them too is fine), never by a fixture's before.sql, and
/// never drops them (tests run in parallel). A fresh server has none of them.
pub const TEST_ROLES: &[&str] = &[
    "schemadiff_reader",
    "schemadiff_writer",
    "schemadiff odd\"role",
    "schemadiff_app",
    "schemadiff_ro",
    "schemadiff_owner",
];

/// Creates the [`TEST_ROLES`] that are missing.
pub fn ensure_test_roles() {
    let mut admin = admin();
    for role in TEST_ROLES {
        let sql = format!(
            "DO $$ BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
            schemadiff::sqltext::quote_pg_ident(role)
        );
        admin.batch_execute(&sql).expect("create a test role");
    }
}

/// A database named `schemadiff_t<pid>_<n>_<label>` (unique within the process, so tests
/// may create them in parallel), dropped when the guard goes (also on panic).
pub struct TestDb {
    pub name: String,
    admin: Client,
}

impl TestDb {
    pub fn create(label: &str) -> TestDb {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut admin = admin();
        let mut name = format!("schemadiff_t{}_{n}_{label}", std::process::id());
        name.truncate(63);
        let name = name.to_ascii_lowercase();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0"))
            .unwrap();
        TestDb { name, admin }
    }

    pub fn url(&self) -> String {
        let base = server_url();
        let (head, _) = base.rsplit_once('/').expect("URL with a database");
        format!("{head}/{}", self.name)
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.url(), NoTls).unwrap()
    }

    /// `pg_dump -s` of this database with more `flags`, as a user would have it in a file.
    pub fn pg_dump_schema(&self, flags: &[&str]) -> String {
        let out = Command::new("pg_dump")
            .args(["-s", "-d", &self.url()])
            .args(flags)
            .output()
            .expect("pg_dump is required by this test: apt-get install postgresql-client");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ));
    }
}

/// Runs a script file with `psql -v ON_ERROR_STOP=1`, as users are told to; returns success
/// and stderr.
pub fn psql(url: &str, script: &Path) -> (bool, String) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(script)
        .output()
        .expect("psql is required by the PostgreSQL tests: apt-get install postgresql-client");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}
