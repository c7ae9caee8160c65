//! `.env` and `--env-file`, the process environment winning over them, the one "Using …"
//! line on stderr (never a password; `-q` hides it; stdout stays clean JSON), and `init`
//! taking its dialect from `DATABASE_URL`. No server needed: PostgreSQL URLs point at a
//! closed port, and the line comes before the connection.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

const CLEARED: [&str; 6] = [
    "DATABASE_URL",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGHOST",
    "PGPORT",
    "PGUSER",
];

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemadiff"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .current_dir(dir);
    for v in CLEARED {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr)
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schemadiff_env_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let r = run(&dir, &["init", ".", "--dialect", "sqlite"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // No database_url in the project file: only the environment names one.
    let toml = dir.join("schemadiff.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("database_url"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&toml, text).unwrap();
    // Empty files are empty SQLite databases (schemadiff never creates one when reading).
    for db in [
        "from_dotenv.db",
        "from_env.db",
        "from_ci.db",
        "app.db",
        "x.db",
    ] {
        std::fs::write(dir.join(db), "").unwrap();
    }
    dir
}

fn using_lines(r: &Run) -> usize {
    r.stderr.matches("Using ").count()
}

#[test]
fn dotenv_beside_the_project_names_the_database() {
    let dir = project("beside");
    let r = run(&dir, &["current"], &[]);
    assert_eq!(r.code, 2, "no database without .env: {}", r.stderr);
    assert!(r.stderr.contains("no database to migrate"), "{}", r.stderr);

    std::fs::write(
        dir.join(".env"),
        "# the app's settings\nexport DATABASE_URL='sqlite:///from_dotenv.db' # local\nOTHER=1\n",
    )
    .unwrap();
    let r = run(&dir, &["current"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Using sqlite:///from_dotenv.db"),
        "{}",
        r.stderr
    );
    assert_eq!(using_lines(&r), 1, "{}", r.stderr);
    assert!(r.stdout.contains("<base>"), "{}", r.stdout);

    // -q hides the line, and only the line.
    let r = run(&dir, &["current", "-q"], &[]);
    assert_eq!((r.code, using_lines(&r)), (0, 0), "{}", r.stderr);
    assert!(r.stdout.contains("<base>"), "{}", r.stdout);

    // The process environment wins over .env.
    let r = run(
        &dir,
        &["current"],
        &[("DATABASE_URL", "sqlite:///from_env.db")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Using sqlite:///from_env.db"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("from_dotenv"), "{}", r.stderr);

    // --env-file replaces .env; a missing one is an error.
    std::fs::write(dir.join("ci.env"), "DATABASE_URL=sqlite:///from_ci.db\n").unwrap();
    let r = run(&dir, &["--env-file", "ci.env", "current"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Using sqlite:///from_ci.db"),
        "{}",
        r.stderr
    );
    let r = run(&dir, &["current", "--env-file", "missing.env"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot read the env file missing.env"),
        "{}",
        r.stderr
    );

    // A broken line is named with its file and number, without its secret.
    std::fs::write(dir.join(".env"), "A=1\npostgresql://u:hunter2@h/db\n").unwrap();
    let r = run(&dir, &["current"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(".env:2: no `=`"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);

    // Commands without a database print no line.
    std::fs::write(dir.join(".env"), "DATABASE_URL=sqlite:///x.db\n").unwrap();
    for args in [&["heads"][..], &["history"], &["upgrade", "head", "--sql"]] {
        let r = run(&dir, args, &[]);
        assert_eq!((r.code, using_lines(&r)), (0, 0), "{args:?}: {}", r.stderr);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dotenv_of_the_config_directory_and_libpq_variables() {
    let dir = project("config_dir");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        dir.join(".env"),
        "DATABASE_URL=postgresql://app:hunter2@127.0.0.1:1/shop\nPGSSLMODE=verify-full\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("schemadiff.toml"),
        std::fs::read_to_string(dir.join("schemadiff.toml"))
            .unwrap()
            .replace("dialect = \"sqlite\"", "dialect = \"postgres\""),
    )
    .unwrap();
    let config = dir.join("schemadiff.toml").display().to_string();
    let r = run(&elsewhere, &["--config", &config, "current"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // PGSSLMODE from .env reaches the connection: verify-full without a CA certificate.
    assert!(
        r.stderr
            .contains("Using postgresql://app@127.0.0.1:1/shop?sslmode=verify-full"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("sslrootcert=PATH"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_names_its_databases_and_dev_server() {
    let dir = project("diff");
    std::fs::write(dir.join("a.sql"), "CREATE TABLE t (id int);\n").unwrap();
    let r = run(
        &dir,
        &["diff", "--from", "sqlite:///app.db", "--to", "a.sql"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(using_lines(&r), 1, "{}", r.stderr);
    assert!(r.stderr.contains("Using sqlite:///app.db"), "{}", r.stderr);
    // The dev server's line comes before the connection (to a closed port here).
    let r = run(
        &dir,
        &[
            "inspect",
            "a.sql",
            "--dialect",
            "postgres",
            "--dev-url",
            "postgresql://app:hunter2@127.0.0.1:1/x",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Using postgresql://app@127.0.0.1:1 for scratch databases"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_stdout_stays_clean() {
    let dir = project("json");
    std::fs::write(dir.join(".env"), "DATABASE_URL=sqlite:///app.db\n").unwrap();
    let r = run(&dir, &["check", "--format", "json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Using sqlite:///app.db"), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("stdout is JSON");
    assert_eq!(v["clean"], true);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_takes_the_dialect_from_database_url() {
    let base = std::env::temp_dir().join(format!("schemadiff_env_{}_init", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let dialect = |dir: &Path| {
        std::fs::read_to_string(dir.join("schemadiff.toml"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("dialect"))
            .unwrap()
            .to_string()
    };
    // From .env in the directory being initialised.
    let a = base.join("a");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::write(
        a.join(".env"),
        "DATABASE_URL=postgresql+psycopg2://u@db/app\n",
    )
    .unwrap();
    let r = run(&base, &["init", "a"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(dialect(&a), "dialect = \"postgres\"");
    assert!(r.stderr.contains("from DATABASE_URL"), "{}", r.stderr);
    // From the environment; --dialect wins; nothing set: sqlite.
    let r = run(
        &base,
        &["init", "b"],
        &[("DATABASE_URL", "postgres://u@db/app")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(dialect(&base.join("b")), "dialect = \"postgres\"");
    let r = run(
        &base,
        &["init", "c", "--dialect", "sqlite"],
        &[("DATABASE_URL", "postgres://u@db/app")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(dialect(&base.join("c")), "dialect = \"sqlite\"");
    let r = run(&base, &["init", "d"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(dialect(&base.join("d")), "dialect = \"sqlite\"");
    std::fs::remove_dir_all(&base).unwrap();
}
