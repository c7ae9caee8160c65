//! TLS for the driver with rustls (no system OpenSSL): a `MakeTlsConnect` over tokio-rustls
//! whose certificate check follows libpq's `sslmode`: none for `allow`/`prefer`/`require`
//! (encrypted, unauthenticated, as libpq), the chain only for `verify-ca`, chain and host
//! name for `verify-full`.

use super::params::{SslMode, Tls};
use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Where the system's CA bundle usually is, for `sslrootcert=system` (after `SSL_CERT_FILE`).
const SYSTEM_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

/// The connector handed to the driver.
#[derive(Clone)]
pub struct Rustls {
    config: Arc<ClientConfig>,
}

/// Builds the connector for `tls`; errors name the file and what to do.
pub fn connector(tls: &Tls) -> Result<Rustls, String> {
    // ring rather than aws-lc-rs (no cmake, a smaller build); deprecated only for lacking
    // post-quantum key exchange, which PostgreSQL's servers (OpenSSL) do not offer yet
    // either. See docs/decisions.md.
    #[allow(deprecated)]
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let algorithms = provider.signature_verification_algorithms;
    let builder =
        if tls.mode.verifies() || (tls.mode == SslMode::Require && tls.root_cert.is_some()) {
            let roots = roots(tls)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("cannot use the root certificates: {e}"))?;
            let verifier = Verify {
                webpki,
                check_host: tls.mode == SslMode::VerifyFull,
                algorithms,
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAny(algorithms)))
        };
    let config = match (&tls.cert, &tls.key) {
        (Some(cert), Some(key)) => {
            let certs = read_certs(cert, "sslcert")?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("cannot read the client key sslkey={}: {e}", key.display()))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("cannot use the client certificate: {e}"))?
        }
        (Some(_), None) => {
            return Err(
                "sslcert is set but sslkey is not: give both (or PGSSLCERT and PGSSLKEY)".into(),
            )
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Rustls {
        config: Arc::new(config),
    })
}

/// The root certificates of `sslrootcert` (or the system's bundle for `system`).
fn roots(tls: &Tls) -> Result<RootCertStore, String> {
    let Some(path) = &tls.root_cert else {
        return Err(format!(
            "sslmode={} needs the certificate of the CA that signed the server's certificate, and there is none: \
give it with sslrootcert=PATH in the URL or PGSSLROOTCERT (libpq's default ~/.postgresql/root.crt does not exist), \
use sslrootcert=system for the system's trusted CAs, or use sslmode=require to encrypt without checking the certificate",
            tls.mode.name()
        ));
    };
    let path = if path.as_os_str() == "system" {
        system_bundle()?
    } else {
        path.clone()
    };
    let mut store = RootCertStore::empty();
    for cert in read_certs(&path, "sslrootcert")? {
        store
            .add(cert)
            .map_err(|e| format!("cannot use sslrootcert={}: {e}", path.display()))?;
    }
    Ok(store)
}

fn system_bundle() -> Result<PathBuf, String> {
    std::env::var("SSL_CERT_FILE")
        .ok()
        .filter(|p| !p.is_empty())
        .into_iter()
        .chain(SYSTEM_BUNDLES.iter().map(|s| s.to_string()))
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "sslrootcert=system: no CA bundle found (SSL_CERT_FILE, {}); install the ca-certificates package or give sslrootcert=PATH",
                SYSTEM_BUNDLES.join(", ")
            )
        })
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot read {what}={}: {e}", path.display());
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(&e))?;
    if certs.is_empty() {
        return Err(fail(&"no PEM certificate in it"));
    }
    Ok(certs)
}

/// `verify-ca` (host name not checked) and `verify-full`.
#[derive(Debug)]
struct Verify {
    webpki: Arc<WebPkiServerVerifier>,
    check_host: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verify {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_host => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `allow`, `prefer`, `require`: encryption without authentication of the server, as libpq.
#[derive(Debug)]
struct AcceptAny(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

impl<S> MakeTlsConnect<S> for Rustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Stream<S>;
    type TlsConnect = Connect;
    type Error = io::Error;

    /// The driver asks for a connector before it knows whether TLS is used (also for a
    /// Unix socket, with an empty name): a name that is not one fails only a handshake.
    fn make_tls_connect(&mut self, domain: &str) -> io::Result<Connect> {
        let name = ServerName::try_from(domain.to_string()).map_err(|e| e.to_string());
        Ok(Connect {
            connector: tokio_rustls::TlsConnector::from(self.config.clone()),
            name,
        })
    }
}

/// One handshake.
pub struct Connect {
    connector: tokio_rustls::TlsConnector,
    name: Result<ServerName<'static>, String>,
}

type Handshake<S> = Pin<Box<dyn Future<Output = io::Result<Stream<S>>> + Send>>;

impl<S> TlsConnect<S> for Connect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = Stream<S>;
    type Error = io::Error;
    type Future = Handshake<S>;

    fn connect(self, stream: S) -> Handshake<S> {
        match self.name {
            Ok(name) => {
                let connect = self.connector.connect(name, stream);
                Box::pin(async move { connect.await.map(Stream) })
            }
            Err(e) => Box::pin(async move {
                Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("no host name for TLS: {e}"),
                ))
            }),
        }
    }
}

/// An encrypted connection (no channel binding: SCRAM runs without `-PLUS`).
pub struct Stream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for Stream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
