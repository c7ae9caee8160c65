//! Connecting to PostgreSQL as libpq does (its `sslmode`s over rustls, its environment
//! variables and password file), with errors that say where and what to try. No message
//! here holds a password: the URL is never echoed, and messages pass through
//! [`crate::redact::redact`].

mod params;
mod tls;

pub use params::{SslMode, Tls};
pub use tls::Rustls;

use postgres::config::{Host, SslMode as DriverSslMode};
use postgres::Client;
use std::path::Path;

/// A server that could not be reached or refused the connection.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot connect to PostgreSQL at {host}:{port}, database `{database}`: {message}")]
#[diagnostic(help("{hint}"))]
pub struct ConnectError {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub message: String,
    pub hint: String,
}

/// Where and how to connect: the driver's configuration (reached through `Deref`) and the
/// TLS parameters it does not hold.
#[derive(Debug, Clone)]
pub struct Config {
    driver: postgres::Config,
    pub tls: Tls,
}

impl std::ops::Deref for Config {
    type Target = postgres::Config;
    fn deref(&self) -> &postgres::Config {
        &self.driver
    }
}

impl std::ops::DerefMut for Config {
    fn deref_mut(&mut self) -> &mut postgres::Config {
        &mut self.driver
    }
}

impl Config {
    /// A server on the Unix socket in directory `dir` (no TLS: none over a socket).
    pub fn unix_socket(dir: &Path, port: u16, user: &str, dbname: &str) -> Config {
        let mut driver = postgres::Config::new();
        driver
            .host_path(dir)
            .port(port)
            .user(user)
            .dbname(dbname)
            .ssl_mode(DriverSslMode::Disable)
            .connect_timeout(std::time::Duration::from_secs(10));
        let tls = Tls {
            mode: SslMode::Disable,
            mode_given: false,
            root_cert: None,
            cert: None,
            key: None,
        };
        Config { driver, tls }
    }
}

impl std::str::FromStr for Config {
    type Err = ConnectError;
    /// [`config`]: the URL, with libpq's environment for what it leaves out.
    fn from_str(url: &str) -> Result<Config, ConnectError> {
        config(url)
    }
}

/// Where a URL points, for messages.
pub fn describe(config: &postgres::Config) -> (String, u16, String) {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let database = config.get_dbname().unwrap_or(user).to_string();
    (host, port, database)
}

/// Parses a `postgresql://` URL (driver suffixes already removed), filling what it leaves
/// out from the environment as libpq does.
pub fn config(url: &str) -> Result<Config, ConnectError> {
    let env = |k: &str| std::env::var(k).ok();
    config_with(url, &env, params::home().as_deref())
}

/// [`config`] with the environment and home directory given.
pub fn config_with(
    url: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Config, ConnectError> {
    let given = params::extract(url);
    let mut driver = given
        .url
        .parse::<postgres::Config>()
        .map_err(|e| ConnectError {
            host: "?".into(),
            port: 0,
            database: "?".into(),
            message: crate::redact::redact(&format!("invalid URL: {}", source_chain(&e))),
            hint: "write it as postgresql://user[:password]@host[:port]/database[?sslmode=require]"
                .into(),
        })?;
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    if driver.get_hosts().is_empty() {
        match var("PGHOST") {
            Some(h) if h.starts_with('/') => driver.host_path(h),
            Some(h) => driver.host(&h),
            None => driver.host("localhost"),
        };
    }
    if driver.get_ports().is_empty() {
        if let Some(port) = var("PGPORT").and_then(|p| p.parse().ok()) {
            driver.port(port);
        }
    }
    if driver.get_user().is_none() {
        let user = var("PGUSER")
            .or_else(|| var("USER"))
            .unwrap_or_else(|| "postgres".into());
        driver.user(&user);
    }
    if driver.get_dbname().is_none() {
        if let Some(db) = var("PGDATABASE") {
            driver.dbname(&db);
        }
    }
    if driver.get_password().is_none() {
        if let Some(pw) = var("PGPASSWORD").or_else(|| pgpass_password(&driver, env, home)) {
            driver.password(pw);
        }
    }
    if driver.get_connect_timeout().is_none() {
        let seconds = var("PGCONNECT_TIMEOUT")
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|&s| s > 0)
            .unwrap_or(10);
        driver.connect_timeout(std::time::Duration::from_secs(seconds));
    }
    let tls = params::tls(&given, env, home).map_err(|message| {
        let (host, port, database) = describe(&driver);
        ConnectError {
            host,
            port,
            database,
            message,
            hint: "sslmode is one of disable, allow, prefer (the default), require, verify-ca, verify-full".into(),
        }
    })?;
    Ok(Config { driver, tls })
}

fn pgpass_password(
    driver: &postgres::Config,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Option<String> {
    let file = params::pgpass_file(env, home)?;
    let text = std::fs::read_to_string(file).ok()?;
    let (host, port, database) = describe(driver);
    let host = if host.starts_with('/') {
        "localhost".to_string()
    } else {
        host
    };
    params::pgpass_lookup(
        &text,
        &host,
        port,
        &database,
        driver.get_user().unwrap_or(""),
    )
}

/// The connector a cancel request uses (over TLS when the connection was).
pub fn cancel_tls(config: &Config) -> Option<Rustls> {
    tls::connector(&config.tls).ok()
}

/// Connects with the configuration's `sslmode` (TLS is never tried over a Unix socket,
/// as in libpq).
pub fn connect_config(config: &Config) -> Result<Client, ConnectError> {
    let fail = |message: String| {
        let (host, port, database) = describe(config);
        let message = crate::redact::redact(&message);
        let hint = hint_for(&message, config, &host, port, &database);
        ConnectError {
            host,
            port,
            database,
            message,
            hint,
        }
    };
    let socket = matches!(config.get_hosts().first(), Some(h) if !matches!(h, Host::Tcp(_)));
    let mode = if socket {
        SslMode::Disable
    } else {
        config.tls.mode
    };
    let connector = tls::connector(&Tls {
        mode,
        ..config.tls.clone()
    })
    .map_err(fail)?;
    let mut driver = config.driver.clone();
    let attempt = |driver: &mut postgres::Config, m: DriverSslMode| {
        driver.ssl_mode(m);
        driver.connect(connector.clone()).map_err(|e| {
            e.as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_else(|| source_chain(&e))
        })
    };
    match mode {
        SslMode::Disable => attempt(&mut driver, DriverSslMode::Disable),
        SslMode::Allow => attempt(&mut driver, DriverSslMode::Disable)
            .or_else(|_| attempt(&mut driver, DriverSslMode::Require)),
        SslMode::Prefer => attempt(&mut driver, DriverSslMode::Prefer),
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            attempt(&mut driver, DriverSslMode::Require)
        }
    }
    .map_err(fail)
}

/// Connects to `url`.
pub fn connect(url: &str) -> Result<Client, ConnectError> {
    connect_config(&config(url)?)
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        text = format!("{text}: {s}");
        cur = s.source();
    }
    text
}

fn hint_for(message: &str, config: &Config, host: &str, port: u16, database: &str) -> String {
    let root = config
        .tls
        .root_cert
        .as_ref()
        .map_or_else(|| "?".into(), |p| p.display().to_string());
    if message.contains("sslrootcert=PATH") {
        "managed services publish their CA certificate (a PEM file): download it and pass sslrootcert=PATH; or sslmode=require to encrypt without checking the server".into()
    } else if message.contains("no encryption") {
        format!("the server accepts only encrypted connections here: add sslmode=require to the URL (postgresql://…@{host}:{port}/{database}?sslmode=require) or set PGSSLMODE=require; sslmode=verify-full with sslrootcert=CA.pem also checks the server's certificate")
    } else if message.contains("not valid for name") || message.contains("NotValidForName") {
        format!("the server's certificate does not name `{host}`: connect with a host name that the certificate lists, or use sslmode=verify-ca to check only that a trusted CA signed it")
    } else if message.contains("UnknownIssuer") || message.contains("BadSignature") {
        format!("the server's certificate is not signed by a CA in sslrootcert={root}: point sslrootcert (or PGSSLROOTCERT) at the CA certificate that signed it")
    } else if message.contains("does not support TLS") {
        format!("the server at {host}:{port} has TLS turned off (ssl = off): use sslmode=prefer or sslmode=disable, or turn ssl on in its postgresql.conf")
    } else if message.contains("CertificateRequired")
        || message.contains("certificate required")
        || message.contains("client certificate")
    {
        "the server asks for a client certificate: give sslcert=PATH and sslkey=PATH in the URL (or PGSSLCERT and PGSSLKEY)".into()
    } else if message.contains("handshake") || message.contains("certificate") {
        "TLS failed: check sslmode, sslrootcert, sslcert and sslkey; sslmode=require encrypts without checking the certificate".into()
    } else if message.contains("refused") || message.contains("timed out") {
        format!("is the server running and listening on {host}:{port}? Try `pg_isready -h {host} -p {port}`; on Debian start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`")
    } else if message.starts_with("role") && message.contains("does not exist") {
        format!("use a user that exists on {host}:{port} in the URL (postgresql://postgres@{host}/{database}), or create the role (`createuser -h {host} -p {port} NAME`)")
    } else if message.contains("does not exist") && message.contains("database") {
        format!("create it first (`createdb -h {host} -p {port} {database}`) or fix the database name in the URL")
    } else if message.contains("authentication") || message.contains("password") {
        "check the user and password in the URL (postgresql://user:password@host/db), PGPASSWORD or ~/.pgpass, or the server's pg_hba.conf".into()
    } else {
        format!(
            "check the URL; try `psql -h {host} -p {port} {database}` to see the server's answer"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_fills_what_the_url_leaves_out() {
        let env = |k: &str| {
            Some(
                match k {
                    "PGHOST" => "db.example",
                    "PGPORT" => "6543",
                    "PGUSER" => "app",
                    "PGDATABASE" => "shop",
                    "PGPASSWORD" => "s3cret",
                    "PGSSLMODE" => "require",
                    "PGCONNECT_TIMEOUT" => "3",
                    _ => return None,
                }
                .to_string(),
            )
        };
        let c = config_with("postgresql://", &env, None).unwrap();
        assert_eq!(
            describe(&c),
            ("db.example".to_string(), 6543, "shop".to_string())
        );
        assert_eq!(c.get_user(), Some("app"));
        assert_eq!(c.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(c.tls.mode, SslMode::Require);
        assert_eq!(
            c.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(3))
        );
        let c = config_with("postgresql://u:pw@h:1/d?sslmode=disable", &env, None).unwrap();
        assert_eq!(describe(&c), ("h".to_string(), 1, "d".to_string()));
        assert_eq!(c.get_password(), Some(&b"pw"[..]));
        assert_eq!(c.tls.mode, SslMode::Disable);
    }

    #[test]
    fn verify_without_a_root_certificate_is_refused_with_advice() {
        let none = |_: &str| None;
        let c = config_with("postgresql://h/d?sslmode=verify-full", &none, None).unwrap();
        let Err(e) = connect_config(&c) else {
            panic!("verify-full without a root certificate connected")
        };
        assert!(e.message.contains("sslrootcert"), "{}", e.message);
        let e = config_with("postgresql://h/d?sslmode=on", &none, None).unwrap_err();
        assert!(e.message.contains("invalid sslmode"), "{}", e.message);
    }
}
