//! A private PostgreSQL cluster that accepts only TLS over TCP, for the TLS tests: initdb +
//! pg_ctl on a temporary directory and a free port, certificates made with the `openssl`
//! command (a CA, a server certificate for `localhost`, a client certificate, and a second,
//! unrelated CA), and a `pg_hba.conf` with `hostssl` lines only. Stopped and removed when
//! the guard is dropped, also on a failed test. Missing binaries fail the test with how to
//! install them (never skip).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The running cluster and its files.
pub struct TlsCluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    as_postgres: bool,
}

fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The directory holding `initdb` and `pg_ctl`: `SCHEMADIFF_PG_BIN`, the newest
/// `/usr/lib/postgresql/*/bin`, or `PATH`.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SCHEMADIFF_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .unwrap_or_else(|| {
            panic!(
                "the TLS tests start a private PostgreSQL cluster and need initdb and pg_ctl: \
                 install the server binaries (`apt-get install postgresql`) or point \
                 SCHEMADIFF_PG_BIN at their directory"
            )
        })
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("the TLS tests make certificates with the openssl command ({e}): `apt-get install openssl`")
        });
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`NAME.crt`, `NAME.key`).
fn make_ca(dir: &Path, name: &str) {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=schemadiff test {name}"),
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
}

/// A leaf certificate `NAME.crt` signed by `ca`, with `cn` and the given extensions.
fn make_leaf(dir: &Path, name: &str, cn: &str, ca: &str, ext: &str) {
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            &format!("/CN={cn}"),
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
        ],
        dir,
    );
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &format!("{name}.crt"),
            "-extfile",
            &format!("{name}.ext"),
        ],
        dir,
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl TlsCluster {
    /// Starts the cluster; `hba` lines are appended to the `hostssl`-only rules.
    pub fn start(label: &str) -> TlsCluster {
        let bin = bin_dir();
        let dir =
            std::env::temp_dir().join(format!("schemadiff_tls_{}_{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("certs")).unwrap();
        let as_postgres = is_root();
        let cluster = TlsCluster {
            dir,
            port: free_port(),
            bin,
            as_postgres,
        };
        let certs = cluster.dir.join("certs");
        make_ca(&certs, "ca");
        make_ca(&certs, "other_ca");
        make_leaf(
            &certs,
            "server",
            "localhost",
            "ca",
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        );
        make_leaf(
            &certs,
            "client",
            "certuser",
            "ca",
            "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
        );
        set_mode(&certs.join("server.key"), 0o600);
        if as_postgres {
            run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&cluster.dir),
                "chown of the cluster directory to postgres (initdb refuses to run as root)",
            );
        }
        let data = cluster.dir.join("data");
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        let conf = format!(
            "\nport = {}\nlisten_addresses = 'localhost'\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = '{c}/server.crt'\nssl_key_file = '{c}/server.key'\n\
             ssl_ca_file = '{c}/ca.crt'\nfsync = off\n",
            cluster.port,
            cluster.dir.display(),
            c = certs.display()
        );
        append(&data.join("postgresql.conf"), &conf);
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all certuser all cert\n\
             hostssl all pwuser all scram-sha-256\n\
             hostssl all all all trust\n",
        )
        .unwrap();
        let log = cluster.dir.join("server.log");
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        cluster
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(&self.dir);
        run(&mut cmd, &format!("{} {}", exe.display(), args.join(" ")))
    }

    /// A certificate or key file the test made.
    pub fn cert(&self, name: &str) -> String {
        self.dir.join("certs").join(name).display().to_string()
    }

    /// `postgresql://USER@HOST:PORT/postgres` plus `query`.
    pub fn url(&self, user: &str, host: &str, query: &str) -> String {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!("postgresql://{user}@{host}:{}/postgres{q}", self.port)
    }

    /// Runs SQL as the superuser over the cluster's Unix socket; returns its output
    /// (unaligned, tuples only).
    pub fn psql(&self, sql: &str) -> String {
        let (dir, port) = (self.dir.display().to_string(), self.port.to_string());
        let out = run(
            Command::new("psql").args([
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                &dir,
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ]),
            "psql on the TLS cluster",
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let _ = cmd
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
