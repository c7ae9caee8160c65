//! libpq's connection parameters that the driver does not read itself: `sslmode` with all six
//! of libpq's values, `sslrootcert`, `sslcert`, `sslkey` (from the URL's query, else
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY`, else libpq's files under
//! `~/.postgresql/`), and the `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`
//! variables and the password file (`PGPASSFILE`, else `~/.pgpass`) for what the URL leaves
//! out. The environment is read through a function so that tests pass their own.

use std::path::{Path, PathBuf};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SslMode {
    /// Plain only.
    Disable,
    /// Plain first; TLS (unverified) when the server refuses a plain connection.
    Allow,
    /// TLS (unverified) when the server offers it, plain otherwise: libpq's default.
    Prefer,
    /// TLS, certificate not checked (checked as `verify-ca` when a root certificate is given).
    Require,
    /// TLS, certificate chain checked against `sslrootcert`; host name not checked.
    VerifyCa,
    /// TLS, chain and host name checked.
    VerifyFull,
}

impl SslMode {
    pub const NAMES: [&'static str; 6] = [
        "disable",
        "allow",
        "prefer",
        "require",
        "verify-ca",
        "verify-full",
    ];

    pub fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Whether the server's certificate chain is checked.
    pub fn verifies(self) -> bool {
        self >= SslMode::VerifyCa
    }
}

/// The TLS side of a connection: mode and certificate files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// `sslmode` came from the URL or `PGSSLMODE` (not libpq's default).
    pub mode_given: bool,
    /// CA certificates (PEM) the server's chain must lead to; `system` names the system's
    /// bundle.
    pub root_cert: Option<PathBuf>,
    /// Client certificate and key (PEM), sent when the server asks for one.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// The libpq parameters taken out of a URL's query, and the URL without them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    pub url: String,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<String>,
    pub sslkey: Option<String>,
}

/// Takes `sslmode`, `sslrootcert`, `sslcert` and `sslkey` out of `url`'s query (the driver
/// knows three of libpq's six modes and none of the files); values are percent-decoded.
pub fn extract(url: &str) -> Extracted {
    let mut out = Extracted::default();
    let Some((base, query)) = url.split_once('?') else {
        out.url = url.to_string();
        return out;
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match key {
            "sslmode" => out.sslmode = Some(value),
            "sslrootcert" => out.sslrootcert = Some(value),
            "sslcert" => out.sslcert = Some(value),
            "sslkey" => out.sslkey = Some(value),
            _ => kept.push(pair),
        }
    }
    out.url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The TLS parameters: the URL's, else the environment's, else libpq's defaults (`prefer`;
/// `~/.postgresql/root.crt`, `postgresql.crt` and `postgresql.key` when they exist).
pub fn tls(
    given: &Extracted,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Tls, String> {
    let pick = |url: &Option<String>, var: &str| {
        url.clone().or_else(|| env(var)).filter(|v| !v.is_empty())
    };
    let mode_text = pick(&given.sslmode, "PGSSLMODE");
    let system = pick(&given.sslrootcert, "PGSSLROOTCERT").as_deref() == Some("system");
    let mode = match &mode_text {
        Some(m) => SslMode::parse(m).ok_or_else(|| {
            format!(
                "invalid sslmode `{m}`: use one of {}",
                SslMode::NAMES.join(", ")
            )
        })?,
        // As libpq 16: the system's CAs mean any server a CA vouches for, so the host name
        // must be checked.
        None if system => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    if system && mode != SslMode::VerifyFull {
        return Err(format!(
            "weak sslmode `{}` may not be used with sslrootcert=system: use sslmode=verify-full",
            mode.name()
        ));
    }
    let default_file = |name: &str| {
        home.map(|h| h.join(".postgresql").join(name))
            .filter(|p| p.is_file())
    };
    let root_cert = pick(&given.sslrootcert, "PGSSLROOTCERT")
        .map(PathBuf::from)
        .or_else(|| default_file("root.crt"));
    let cert = pick(&given.sslcert, "PGSSLCERT")
        .map(PathBuf::from)
        .or_else(|| default_file("postgresql.crt"));
    let key = pick(&given.sslkey, "PGSSLKEY")
        .map(PathBuf::from)
        .or_else(|| default_file("postgresql.key"));
    Ok(Tls {
        mode,
        mode_given: mode_text.is_some(),
        root_cert,
        cert,
        key,
    })
}

/// One line of a password file: `host:port:database:user:password`, `*` matching anything,
/// `\:` and `\\` escaped.
fn pgpass_fields(line: &str) -> Option<[String; 5]> {
    let mut fields: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut()?.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

/// The password of the first line of the password file `text` that matches, as libpq reads
/// it (`localhost` stands for a Unix socket).
pub fn pgpass_lookup(
    text: &str,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(pgpass_fields)
        .find(|[h, p, d, u, _]| {
            let m = |pattern: &str, value: &str| pattern == "*" || pattern == value;
            m(h, host) && m(p, &port) && m(d, database) && m(u, user)
        })
        .map(|[.., password]| password)
}

/// The password file: `PGPASSFILE`, else `~/.pgpass`. Like libpq, a file that others can
/// read (group or world permission bits) is not used.
pub fn pgpass_file(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Option<PathBuf> {
    let path = env("PGPASSFILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".pgpass")))?;
    let meta = std::fs::metadata(&path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return None;
        }
    }
    meta.is_file().then_some(path)
}

/// The user's home directory.
pub fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn takes_libpq_tls_parameters_out_of_the_query() {
        let e = extract("postgresql://u@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca%20x.pem&connect_timeout=3");
        assert_eq!(
            e.url,
            "postgresql://u@h/db?application_name=x&connect_timeout=3"
        );
        assert_eq!(e.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(e.sslrootcert.as_deref(), Some("/tmp/ca x.pem"));
        let e = extract("postgresql://h/db?sslmode=require");
        assert_eq!(e.url, "postgresql://h/db");
        assert_eq!(extract("postgresql://h/db").url, "postgresql://h/db");
    }

    #[test]
    fn url_wins_over_environment_and_prefer_is_the_default() {
        let env = |k: &str| match k {
            "PGSSLMODE" => Some("verify-ca".to_string()),
            "PGSSLROOTCERT" => Some("/env/ca.pem".to_string()),
            _ => None,
        };
        let t = tls(&extract("postgresql://h/db"), &env, None).unwrap();
        assert_eq!(t.mode, SslMode::VerifyCa);
        assert!(t.mode_given);
        assert_eq!(t.root_cert, Some(PathBuf::from("/env/ca.pem")));
        let t = tls(&extract("postgresql://h/db?sslmode=disable"), &env, None).unwrap();
        assert_eq!(t.mode, SslMode::Disable);
        let t = tls(&extract("postgresql://h/db"), &no_env, None).unwrap();
        assert_eq!(
            (t.mode, t.mode_given, t.root_cert),
            (SslMode::Prefer, false, None)
        );
        let e = tls(&extract("postgresql://h/db?sslmode=verify"), &no_env, None).unwrap_err();
        assert!(e.contains("verify-full"), "{e}");
        // sslrootcert=system: verify-full by default, weaker modes refused (libpq 16).
        let t = tls(
            &extract("postgresql://h/db?sslrootcert=system"),
            &no_env,
            None,
        )
        .unwrap();
        assert_eq!((t.mode, t.mode_given), (SslMode::VerifyFull, false));
        let e = tls(
            &extract("postgresql://h/db?sslrootcert=system&sslmode=require"),
            &no_env,
            None,
        )
        .unwrap_err();
        assert!(e.contains("weak sslmode `require`"), "{e}");
    }

    #[test]
    fn default_files_under_home_are_used_when_present() {
        let home = std::env::temp_dir().join(format!("schemadiff_home_{}", std::process::id()));
        std::fs::create_dir_all(home.join(".postgresql")).unwrap();
        std::fs::write(home.join(".postgresql/root.crt"), "x").unwrap();
        let t = tls(&extract("postgresql://h/db"), &no_env, Some(&home)).unwrap();
        assert_eq!(t.root_cert, Some(home.join(".postgresql/root.crt")));
        assert_eq!(t.cert, None);
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn pgpass_matches_like_libpq() {
        let text = "# comment\nother:5432:*:u:no\nh:5432:db:u:first\n*:*:*:u:pa\\:ss\\\\word\n";
        assert_eq!(
            pgpass_lookup(text, "h", 5432, "db", "u").as_deref(),
            Some("first")
        );
        assert_eq!(
            pgpass_lookup(text, "h", 5433, "db", "u").as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(pgpass_lookup(text, "h", 5432, "db", "v"), None);
    }

    #[cfg(unix)]
    #[test]
    fn pgpass_readable_by_others_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("schemadiff_pgpass_{}", std::process::id()));
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        let p = path.display().to_string();
        let env = move |k: &str| (k == "PGPASSFILE").then(|| p.clone());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(pgpass_file(&env, None), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(pgpass_file(&env, None), Some(path.clone()));
        std::fs::remove_file(&path).unwrap();
    }
}
