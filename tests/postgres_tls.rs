//! TLS against a server that accepts nothing else over TCP (a private cluster started by
//! the test, see `pg_tls/mod.rs`): each `sslmode`, root and client certificates, libpq's
//! environment variables and password file, and a project's generate/upgrade/check over
//! verify-full. The messages of the failures are checked for what they tell the user.

mod pg_tls;

use pg_tls::TlsCluster;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LIBPQ_VARS: [&str; 12] = [
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "DATABASE_URL",
    "SCHEMADIFF_NO_CACHE",
];

/// The binary with a clean libpq environment, an empty home (no ~/.postgresql, no
/// ~/.pgpass) and `env` set, in `dir`.
fn schemadiff(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemadiff"));
    for v in LIBPQ_VARS {
        cmd.env_remove(v);
    }
    cmd.env("HOME", dir).current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run schemadiff")
}

/// Stderr as one line: miette's frame and wrapping taken out.
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `inspect URL` must succeed.
fn connects(home: &Path, url: &str, env: &[(&str, &str)]) {
    let o = schemadiff(home, env, &["inspect", url]);
    assert!(
        o.status.success(),
        "inspect {url} with {env:?} failed: {}",
        stderr(&o)
    );
}

/// `inspect URL` must fail (exit 2) with every one of `wanted` in its message.
fn refused(home: &Path, url: &str, env: &[(&str, &str)], wanted: &[&str]) {
    let o = schemadiff(home, env, &["inspect", url]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "inspect {url}: {err}");
    for w in wanted {
        assert!(err.contains(w), "inspect {url}: no `{w}` in: {err}");
    }
}

fn home(cluster: &TlsCluster, name: &str) -> std::path::PathBuf {
    let dir = cluster.dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn tls_only_server() {
    let c = TlsCluster::start("modes");
    c.psql("CREATE ROLE certuser LOGIN; CREATE ROLE pwuser LOGIN PASSWORD 'pw s3cret';");
    let h = home(&c, "home");
    let (ca, other) = (c.cert("ca.crt"), c.cert("other_ca.crt"));

    // Encrypted without checking the certificate: require, libpq's default prefer, allow.
    connects(&h, &c.url("postgres", "localhost", "sslmode=require"), &[]);
    connects(&h, &c.url("postgres", "127.0.0.1", ""), &[]);
    connects(&h, &c.url("postgres", "127.0.0.1", "sslmode=allow"), &[]);
    connects(&h, &c.url("postgres", "127.0.0.1", "sslmode=prefer"), &[]);

    // No TLS over a Unix socket, whatever sslmode says (as libpq).
    connects(
        &h,
        &format!(
            "postgresql:///postgres?host={}&port={}&user=postgres&sslmode=verify-full",
            c.dir.display(),
            c.port
        ),
        &[],
    );

    // Plain is refused by the server, and the message says what to do.
    refused(
        &h,
        &c.url("postgres", "127.0.0.1", "sslmode=disable"),
        &[],
        &["no encryption", "sslmode=require"],
    );

    // verify-full: chain and host name.
    let q = format!("sslmode=verify-full&sslrootcert={ca}");
    connects(&h, &c.url("postgres", "localhost", &q), &[]);
    refused(
        &h,
        &c.url("postgres", "127.0.0.1", &q),
        &[],
        &[
            "not valid for name",
            "does not name `127.0.0.1`",
            "verify-ca",
        ],
    );
    // verify-ca: the chain only, so the IP address is fine; a wrong CA is not.
    connects(
        &h,
        &c.url(
            "postgres",
            "127.0.0.1",
            &format!("sslmode=verify-ca&sslrootcert={ca}"),
        ),
        &[],
    );
    refused(
        &h,
        &c.url(
            "postgres",
            "localhost",
            &format!("sslmode=verify-ca&sslrootcert={other}"),
        ),
        &[],
        &["UnknownIssuer", "not signed by a CA in sslrootcert="],
    );
    // verify-full without any root certificate: libpq's error, with the ways out.
    refused(
        &h,
        &c.url("postgres", "localhost", "sslmode=verify-full"),
        &[],
        &["sslrootcert=PATH", "sslmode=require"],
    );
    // require with a root certificate checks the chain, as libpq does.
    refused(
        &h,
        &c.url(
            "postgres",
            "localhost",
            &format!("sslmode=require&sslrootcert={other}"),
        ),
        &[],
        &["UnknownIssuer"],
    );

    // The environment: PGSSLMODE and PGSSLROOTCERT, and the URL winning over them.
    connects(
        &h,
        &c.url("postgres", "localhost", ""),
        &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &ca)],
    );
    refused(
        &h,
        &c.url("postgres", "127.0.0.1", ""),
        &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &ca)],
        &["not valid for name"],
    );
    refused(
        &h,
        &c.url("postgres", "localhost", "sslmode=disable"),
        &[("PGSSLMODE", "require")],
        &["no encryption"],
    );
    // sslrootcert=system: the system's bundle (SSL_CERT_FILE first), verify-full by default.
    connects(
        &h,
        &c.url("postgres", "localhost", "sslrootcert=system"),
        &[("SSL_CERT_FILE", &ca)],
    );
    refused(
        &h,
        &c.url("postgres", "127.0.0.1", "sslrootcert=system"),
        &[("SSL_CERT_FILE", &ca)],
        &["not valid for name"],
    );
    refused(
        &h,
        &c.url("postgres", "localhost", "sslrootcert=system"),
        &[("SSL_CERT_FILE", &other)],
        &["UnknownIssuer"],
    );

    // libpq's default root certificate, ~/.postgresql/root.crt.
    let dot = h.join(".postgresql");
    std::fs::create_dir_all(&dot).unwrap();
    std::fs::copy(&ca, dot.join("root.crt")).unwrap();
    connects(
        &h,
        &c.url("postgres", "localhost", "sslmode=verify-full"),
        &[],
    );
    std::fs::remove_dir_all(&dot).unwrap();

    // Client certificates (`cert` authentication for certuser).
    let (cert, key) = (c.cert("client.crt"), c.cert("client.key"));
    connects(
        &h,
        &c.url(
            "certuser",
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={ca}&sslcert={cert}&sslkey={key}"),
        ),
        &[],
    );
    connects(
        &h,
        &c.url("certuser", "localhost", "sslmode=require"),
        &[("PGSSLCERT", &cert), ("PGSSLKEY", &key)],
    );
    refused(
        &h,
        &c.url("certuser", "localhost", "sslmode=require"),
        &[],
        &["client certificate", "sslcert=PATH"],
    );

    // Passwords: PGPASSWORD, the password file, and none.
    let pw_url = c.url("pwuser", "localhost", "sslmode=require");
    connects(&h, &pw_url, &[("PGPASSWORD", "pw s3cret")]);
    let pgpass = h.join("pgpass");
    std::fs::write(
        &pgpass,
        format!("# test\nlocalhost:{}:postgres:pwuser:pw s3cret\n", c.port),
    )
    .unwrap();
    set_mode(&pgpass, 0o600);
    let pgpass_s = pgpass.display().to_string();
    connects(&h, &pw_url, &[("PGPASSFILE", &pgpass_s)]);
    std::fs::copy(&pgpass, h.join(".pgpass")).unwrap();
    set_mode(&h.join(".pgpass"), 0o600);
    connects(&h, &pw_url, &[]);
    // A password file others can read is ignored, as libpq does.
    set_mode(&h.join(".pgpass"), 0o644);
    refused(&h, &pw_url, &[], &["password", "PGPASSWORD"]);
    std::fs::remove_file(h.join(".pgpass")).unwrap();
    // A wrong password is never printed.
    let o = schemadiff(
        &h,
        &[],
        &[
            "inspect",
            &c.url("pwuser:wrong-Secret", "localhost", "sslmode=require"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("wrong-Secret"), "{}", stderr(&o));
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A project whose database URL asks for verify-full: generate (scratch databases on the
/// same server, over TLS), upgrade, check and downgrade.
#[test]
fn project_over_verify_full() {
    let c = TlsCluster::start("project");
    c.psql("CREATE DATABASE app");
    let dir = home(&c, "project");
    let url = format!(
        "postgresql://postgres@localhost:{}/app?sslmode=verify-full&sslrootcert={}",
        c.port,
        c.cert("ca.crt")
    );
    let env = [("DATABASE_URL", url.as_str())];
    let ok = |args: &[&str]| {
        let o = schemadiff(&dir, &env, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o
    };
    ok(&["init", ".", "--dialect", "postgres"]);
    std::fs::write(
        dir.join("schemas/schema.sql"),
        "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);\n",
    )
    .unwrap();
    ok(&["generate", "-m", "items"]);
    ok(&["upgrade", "head"]);
    ok(&["check"]);
    let o = ok(&["inspect", &url]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("CREATE TABLE public.items"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    ok(&["downgrade", "base"]);

    // Ctrl-C during a statement: the cancel request must go over TLS too (the server refuses
    // a plain one), so the run stops at once instead of waiting for the statement.
    ok(&["generate", "--empty", "-m", "slow"]);
    let slow = std::fs::read_dir(dir.join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_slow.sql"))
        .expect("the slow revision");
    let text = std::fs::read_to_string(&slow).unwrap();
    std::fs::write(
        &slow,
        text.replacen(
            "-- migrate:up\n",
            "-- migrate:up\nSELECT pg_sleep(60);\n",
            1,
        ),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_schemadiff"));
    for v in LIBPQ_VARS {
        cmd.env_remove(v);
    }
    let mut child = cmd
        .args(["upgrade", "head"])
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("DATABASE_URL", &url)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()";
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.psql(sleeping) != "1" {
        assert!(
            Instant::now() < deadline,
            "the slow statement never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("still running 30 s after SIGINT: the cancel request did not reach the server");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "exit took {:?}: {err}",
        sent.elapsed()
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(c.psql(sleeping), "0", "the statement still runs: {err}");
    // The same project with the host the certificate does not name fails at connect.
    let wrong = url.replace("@localhost:", "@127.0.0.1:");
    let o = schemadiff(&dir, &[("DATABASE_URL", &wrong)], &["upgrade", "head"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid for name"), "{}", stderr(&o));
}
