//! The throwaway PostgreSQL cluster: started from the installed binaries when declared DDL
//! needs normalizing and no server is given (or the target's role may not create
//! databases), used, then stopped and removed; a clear error naming --dev-url when no
//! binaries are found.

mod common;
mod pg;

use pg::TestDb;
use std::path::{Path, PathBuf};

/// A directory under /tmp that the `postgres` user can enter (the cluster's TMPDIR when the
/// tests run as root), removed when dropped.
struct Tmp(PathBuf);

impl Tmp {
    fn new(label: &str) -> Tmp {
        use std::os::unix::fs::PermissionsExt;
        let dir = PathBuf::from("/tmp").join(format!(
            "schemadiff_throwaway_test_{}_{label}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("clusters")).unwrap();
        for d in [dir.clone(), dir.join("clusters")] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        Tmp(dir)
    }
    fn clusters(&self) -> PathBuf {
        self.0.join("clusters")
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Processes whose command line names `dir`.
fn processes_under(dir: &Path) -> Vec<String> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle))
        .collect()
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn files_to_files_diff_without_a_server_starts_and_removes_a_throwaway_cluster() {
    let tmp = Tmp::new("files");
    let a = write(&tmp.0, "a.sql", "CREATE TABLE t (id int PRIMARY KEY);\n");
    let b = write(
        &tmp.0,
        "b.sql",
        "CREATE TABLE t (id int PRIMARY KEY, qty numeric(10, 2) CHECK (qty >= 0));\n",
    );
    let args = [
        "diff",
        "--from",
        a.to_str().unwrap(),
        "--to",
        b.to_str().unwrap(),
        "--dialect",
        "postgres",
    ];
    let cache = common::cache_dir();
    let env = [("TMPDIR", tmp.clusters()), ("SCHEMADIFF_CACHE_DIR", cache)];
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    let run = common::run_env(&tmp.0, &args, &env);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("Using a throwaway PostgreSQL")
            && run.stderr.contains("(no dev URL and no database URL)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("ALTER TABLE public.t ADD COLUMN qty numeric(10,2)"),
        "{}",
        run.stdout
    );
    // Gone: the directory, and every process that ran in it.
    assert_eq!(entries(&tmp.clusters()), Vec::<String>::new());
    assert_eq!(processes_under(&tmp.clusters()), Vec::<String>::new());

    // The same script as on a server of the user's.
    let server = pg::server_url();
    let with_dev: Vec<&str> = args.iter().copied().chain(["--dev-url", &server]).collect();
    let given = common::run_in(&tmp.0, &with_dev);
    assert_eq!(given.code, 0, "{}", given.stderr);
    assert_eq!(run.stdout, given.stdout);
    assert!(!given.stderr.contains("throwaway"), "{}", given.stderr);

    // --quiet hides the line; inspect uses the cluster too.
    let quiet = common::run_env(
        &tmp.0,
        &[
            "--quiet",
            "inspect",
            b.to_str().unwrap(),
            "--dialect",
            "postgres",
        ],
        &env,
    );
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        quiet.stdout.contains("CREATE TABLE public.t"),
        "{}",
        quiet.stdout
    );
    assert!(!quiet.stderr.contains("throwaway"), "{}", quiet.stderr);
    assert_eq!(entries(&tmp.clusters()), Vec::<String>::new());
}

#[test]
fn no_binaries_is_an_error_naming_dev_url_and_the_setting_can_forbid_the_cluster() {
    let tmp = Tmp::new("nobin");
    let a = write(&tmp.0, "a.sql", "CREATE TABLE t (id int);\n");
    let empty = tmp.0.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let args = [
        "diff",
        "--from",
        a.to_str().unwrap(),
        "--to",
        a.to_str().unwrap(),
        "--dialect",
        "postgres",
    ];
    let run = common::run_env(
        &tmp.0,
        &args,
        &[
            ("SCHEMADIFF_PG_BIN", &empty),
            ("PATH", Path::new("")),
            ("TMPDIR", &tmp.clusters()),
        ],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let err = run.flat_stderr();
    assert!(
        err.contains("no PostgreSQL server binaries (initdb, pg_ctl) were found")
            && err.contains("SCHEMADIFF_PG_BIN=")
            && err.contains("--dev-url"),
        "{err}"
    );
    assert_eq!(entries(&tmp.clusters()), Vec::<String>::new());

    let forbidden = common::run_env(
        &tmp.0,
        &args,
        &[
            ("SCHEMADIFF_NO_THROWAWAY", Path::new("1")),
            ("TMPDIR", &tmp.clusters()),
        ],
    );
    assert_eq!(forbidden.code, 2, "{}", forbidden.stderr);
    let err = forbidden.flat_stderr();
    assert!(
        err.contains("none is given") && err.contains("--dev-url"),
        "{err}"
    );
    assert_eq!(entries(&tmp.clusters()), Vec::<String>::new());
}

/// A login role without CREATEDB, dropped when the guard goes (also on a failed test).
struct NoCreatedbRole {
    name: String,
}

impl NoCreatedbRole {
    fn create() -> NoCreatedbRole {
        let name = format!("schemadiff_nocreatedb_{}", std::process::id());
        let mut admin = pg::admin();
        admin
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN NOCREATEDB NOSUPERUSER"
            ))
            .unwrap();
        NoCreatedbRole { name }
    }

    /// `db`'s URL as this role.
    fn url(&self, db: &TestDb) -> String {
        db.url()
            .replacen("postgres@", &format!("{}@", self.name), 1)
    }
}

impl Drop for NoCreatedbRole {
    fn drop(&mut self) {
        let mut admin = pg::admin();
        let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name));
    }
}

#[test]
fn a_target_role_without_createdb_falls_back_to_a_throwaway_cluster() {
    let tmp = Tmp::new("nocreatedb");
    let db = TestDb::create("throwaway_nocreatedb");
    db.client()
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY)")
        .unwrap();
    let role = NoCreatedbRole::create();
    let mut admin_db = db.client();
    admin_db
        .batch_execute(&format!(
            "GRANT ALL ON SCHEMA public TO {0}; ALTER TABLE t OWNER TO {0}",
            role.name
        ))
        .unwrap();
    drop(admin_db);
    let target = role.url(&db);
    let to = write(
        &tmp.0,
        "to.sql",
        "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL DEFAULT '');\n",
    );
    let env = [
        ("TMPDIR", tmp.clusters()),
        ("SCHEMADIFF_CACHE_DIR", common::cache_dir()),
    ];
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();

    // diff: live target against declared files.
    let args = ["diff", "--from", &target, "--to", to.to_str().unwrap()];
    let run = common::run_env(&tmp.0, &args, &env);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("Using a throwaway PostgreSQL 15 cluster")
            && run.stderr.contains(&format!(
                "no dev URL, and role {} may not create databases on the target's server",
                role.name
            )),
        "{}",
        run.stderr
    );
    let server = pg::server_url();
    let with_dev: Vec<&str> = args.iter().copied().chain(["--dev-url", &server]).collect();
    let given = common::run_in(&tmp.0, &with_dev);
    assert_eq!(given.code, 0, "{}", given.stderr);
    assert_eq!(run.stdout, given.stdout);
    assert!(
        run.stdout.contains("ADD COLUMN name text"),
        "{}",
        run.stdout
    );

    // generate: a project whose database_url is the target, with and without dev_url.
    let mut revisions = Vec::new();
    for (label, dev_url) in [("fallback", None), ("dev", Some(pg::server_url()))] {
        let project = tmp.0.join(label);
        std::fs::create_dir_all(project.join("schemas")).unwrap();
        let dev_line = dev_url.map_or(String::new(), |u| format!("dev_url = \"{u}\"\n"));
        write(
            &project,
            "schemadiff.toml",
            &format!("dialect = \"postgres\"\ndatabase_url = \"{target}\"\n{dev_line}"),
        );
        write(
            &project.join("schemas"),
            "app.sql",
            "CREATE TABLE t (id int PRIMARY KEY, qty int CHECK (qty > 0));\n",
        );
        let run = common::run_env(
            &project,
            &["generate", "-m", "first", "--rev-id", "0001"],
            &env,
        );
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert_eq!(
            run.stderr.contains("Using a throwaway PostgreSQL"),
            label == "fallback",
            "{}",
            run.stderr
        );
        let migrations = project.join("migrations");
        let file = entries(&migrations)
            .into_iter()
            .find(|f| f.contains("0001") && f.ends_with(".sql"))
            .expect("the revision file");
        let text = std::fs::read_to_string(migrations.join(file)).unwrap();
        let body: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("-- created:"))
            .collect();
        revisions.push(body.join("\n"));
    }
    assert_eq!(revisions[0], revisions[1]);
    assert!(revisions[0].contains("CHECK"), "{}", revisions[0]);
    assert_eq!(entries(&tmp.clusters()), Vec::<String>::new());
    assert_eq!(processes_under(&tmp.clusters()), Vec::<String>::new());
}
