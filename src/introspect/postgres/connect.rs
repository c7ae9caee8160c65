//! Connecting to PostgreSQL with errors that say where and what to try. No message here
//! holds a password: the URL is never echoed, and messages pass through
//! [`crate::redact::redact`].

use postgres::{Client, Config, NoTls};

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

/// Where a URL points, for messages.
pub fn describe(config: &Config) -> (String, u16, String) {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("");
    let database = config.get_dbname().unwrap_or(user).to_string();
    (host, port, database)
}

/// Parses a `postgresql://` URL (driver suffixes already removed).
pub fn config(url: &str) -> Result<Config, ConnectError> {
    url.parse::<Config>().map_err(|e| ConnectError {
        host: "?".into(),
        port: 0,
        database: "?".into(),
        message: crate::redact::redact(&format!("invalid URL: {}", source_chain(&e))),
        hint: "write it as postgresql://user[:password]@host[:port]/database".into(),
    })
}

/// Connects without TLS (local and CI servers; use a URL to a local proxy for TLS).
pub fn connect_config(config: &Config) -> Result<Client, ConnectError> {
    let mut config = config.clone();
    if config.get_user().is_none() {
        let user = std::env::var("PGUSER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "postgres".into());
        config.user(&user);
    }
    if config.get_hosts().is_empty() {
        config.host("localhost");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    config.connect(NoTls).map_err(|e| {
        let (host, port, database) = describe(&config);
        let message = crate::redact::redact(
            &e.as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_else(|| source_chain(&e)),
        );
        let hint = hint_for(&message, &host, port, &database);
        ConnectError {
            host,
            port,
            database,
            message,
            hint,
        }
    })
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

fn hint_for(message: &str, host: &str, port: u16, database: &str) -> String {
    if message.contains("refused") || message.contains("timed out") {
        format!("is the server running and listening on {host}:{port}? Try `pg_isready -h {host} -p {port}`; on Debian start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`")
    } else if message.starts_with("role") && message.contains("does not exist") {
        format!("use a user that exists on {host}:{port} in the URL (postgresql://postgres@{host}/{database}), or create the role (`createuser -h {host} -p {port} NAME`)")
    } else if message.contains("does not exist") && message.contains("database") {
        format!("create it first (`createdb -h {host} -p {port} {database}`) or fix the database name in the URL")
    } else if message.contains("authentication") || message.contains("password") {
        "check the user and password in the URL (postgresql://user:password@host/db) or the server's pg_hba.conf".into()
    } else {
        format!(
            "check the URL; try `psql -h {host} -p {port} {database}` to see the server's answer"
        )
    }
}
