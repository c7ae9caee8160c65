//! The two engines behind [`Target`]: SQLite files driven by `sqlite3 -bail`, PostgreSQL
//! databases driven by `psql -v ON_ERROR_STOP=1`; both shells run in the round's directory.

use super::gen::Engine;
use super::round::{Target, SENTINEL_ROWS};
use crate::pg::TestDb;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// SQLite databases are files in the round's directory.
pub struct Sqlite;

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite:///").expect("a sqlite:/// URL")
}

impl Target for Sqlite {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    fn database(&mut self, dir: &Path, role: &str) -> String {
        format!("sqlite:///{}", dir.join(format!("{role}.db")).display())
    }

    fn shell(&self, dir: &Path, url: &str, script: &str) -> Result<(), String> {
        let mut child = Command::new("sqlite3")
            .arg("-bail")
            .arg(sqlite_path(url))
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the sqlite3 shell is required by this test: apt-get install sqlite3");
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(script.as_bytes());
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() && stderr.is_empty() {
            Ok(())
        } else {
            Err(format!("exit {:?}: {stderr}", out.status.code()))
        }
    }

    fn sentinel_rows(&self, url: &str) -> Result<i64, String> {
        let conn = rusqlite::Connection::open(sqlite_path(url)).map_err(|e| e.to_string())?;
        conn.query_row("SELECT count(*) FROM sentinel", [], |r| r.get(0))
            .map_err(|e| e.to_string())
    }

    fn seed(&self, url: &str) -> Result<(), String> {
        let conn = rusqlite::Connection::open(sqlite_path(url)).map_err(|e| e.to_string())?;
        let values: Vec<String> = (1..=SENTINEL_ROWS).map(|i| format!("({i})")).collect();
        let sql = format!("INSERT INTO sentinel VALUES {}", values.join(", "));
        conn.execute(&sql, [])
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// PostgreSQL databases named `schemadiff_t<pid>_<label>_<role>`, dropped with the target.
pub struct Postgres {
    pub label: String,
    pub dbs: Vec<TestDb>,
}

fn pg_client(url: &str) -> Result<postgres::Client, String> {
    postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())
}

impl Target for Postgres {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    fn database(&mut self, _dir: &Path, role: &str) -> String {
        let db = TestDb::create(&format!("{}_{role}", self.label));
        let url = db.url();
        self.dbs.push(db);
        url
    }

    fn shell(&self, dir: &Path, url: &str, script: &str) -> Result<(), String> {
        let file = dir.join("psql_input.sql");
        std::fs::write(&file, script).unwrap();
        let out = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
            .arg(&file)
            .current_dir(dir)
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .output()
            .expect("psql is required by this test: apt-get install postgresql-client");
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn sentinel_rows(&self, url: &str) -> Result<i64, String> {
        pg_client(url)?
            .query_one("SELECT count(*) FROM public.sentinel", &[])
            .map(|r| r.get(0))
            .map_err(|e| e.to_string())
    }

    fn seed(&self, url: &str) -> Result<(), String> {
        let sql = format!("INSERT INTO public.sentinel SELECT generate_series(1, {SENTINEL_ROWS})");
        pg_client(url)?
            .batch_execute(&sql)
            .map_err(|e| e.to_string())
    }
}
