//! TLS step: handshake (STARTTLS or implicit), what was negotiated, the certificate chain, and
//! whether it verifies — recorded even when it does not.
//!
//! The handshake itself accepts any chain (signatures are still checked) so that a failed
//! verification still shows the TLS version and who issued the certificate; the chain is then
//! verified explicitly, and a connection whose chain did not verify is never trusted with
//! credentials.

use crate::knowledge::interception;
use crate::model::{
    CertificateInfo, HandshakeOutcome, Interception, Security, TlsFailure, TlsObservation,
    TlsVersion, Verification,
};
use ring::digest;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, InvalidMessage, RootCertStore,
    SignatureScheme,
};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use x509_parser::prelude::*;

/// TLS configuration shared by every probe of a run: built once.
#[derive(Clone)]
pub(crate) struct TlsContext {
    config: Arc<ClientConfig>,
    /// The machine's trust store plus the extra roots.
    trusted: Arc<dyn ServerCertVerifier>,
    /// The public web PKI only (webpki-roots), to recognise local-only roots.
    public: Arc<WebPkiServerVerifier>,
    /// Only the roots the user vouched for (`--ca-file`), if any.
    vouched: Option<Arc<WebPkiServerVerifier>>,
}

impl std::fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsContext")
    }
}

/// Why the TLS context could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS: {0}")]
pub struct TlsSetupError(String);

impl TlsContext {
    /// Builds the context: OS trust store plus `extra_roots` (DER).
    pub(crate) fn new(extra_roots: &[Vec<u8>]) -> Result<TlsContext, TlsSetupError> {
        let mut provider = rustls::crypto::ring::default_provider();
        // SHA-256 suites first: SHA-384 has no hardware help on many CPUs, and it was 6 % of
        // client CPU in `check --targets` profiles (BENCHMARKS.md). Both are strong.
        provider.cipher_suites.sort_by_key(|s| match s.suite() {
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256 => 0,
            rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => 1,
            rustls::CipherSuite::TLS13_AES_256_GCM_SHA384 => 2,
            _ => 3,
        });
        let provider = Arc::new(provider);
        let extra: Vec<CertificateDer<'static>> = extra_roots
            .iter()
            .map(|d| CertificateDer::from(d.clone()))
            .collect();
        let vouched = if extra.is_empty() {
            None
        } else {
            let mut store = RootCertStore::empty();
            for cert in extra.iter().cloned() {
                store
                    .add(cert)
                    .map_err(|e| TlsSetupError(format!("a --ca-file certificate: {e}")))?;
            }
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| TlsSetupError(e.to_string()))?,
            )
        };
        let trusted = machine_verifier(extra, vouched.clone(), provider.clone())?;
        let public_roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let public =
            WebPkiServerVerifier::builder_with_provider(Arc::new(public_roots), provider.clone())
                .build()
                .map_err(|e| TlsSetupError(e.to_string()))?;
        let config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(RecordOnlyVerifier { provider }))
            .with_no_client_auth();
        Ok(TlsContext {
            config: Arc::new(config),
            trusted,
            public,
            vouched,
        })
    }

    /// Runs a handshake on `stream` for `host`; returns the observation and, when TLS is up,
    /// the TLS stream. `recorded` holds the first bytes the server sent, to tell a plain-text
    /// greeting from a TLS failure.
    pub(crate) async fn handshake<S>(
        &self,
        stream: S,
        host: &str,
        mode: Security,
        deadline: tokio::time::Instant,
    ) -> (TlsObservation, Option<TlsOver<S>>, Vec<u8>)
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let started = std::time::Instant::now();
        let server_name = match ServerName::try_from(host.to_string()) {
            Ok(n) => n,
            Err(e) => {
                let obs = failed(
                    mode,
                    host,
                    TlsFailure::BadServerName,
                    format!("invalid server name: {e}"),
                    started,
                );
                return (obs, None, Vec::new());
            }
        };
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let recorder = Recorder::new(stream);
        let first_bytes = recorder.first_bytes.clone();
        let result =
            tokio::time::timeout_at(deadline, connector.connect(server_name.clone(), recorder))
                .await;
        let seen = first_bytes.lock().map(|b| b.clone()).unwrap_or_default();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Err(_) => (
                failed(
                    mode,
                    host,
                    TlsFailure::NoReply,
                    "no TLS reply before the timeout".into(),
                    started,
                ),
                None,
                seen,
            ),
            Ok(Err(err)) => {
                let (kind, reason) = match err
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
                {
                    Some(tls) => (failure_kind(tls), describe_tls_error(tls)),
                    None => (
                        TlsFailure::ConnectionLost,
                        format!("connection lost during the handshake ({})", err.kind()),
                    ),
                };
                (failed(mode, host, kind, reason, started), None, seen)
            }
            Ok(Ok(tls)) => {
                let (_, conn) = tls.get_ref();
                let obs = self.established(conn, &server_name, host, mode, ms);
                (obs, Some(tls), seen)
            }
        }
    }

    /// What an established session shows: version, cipher suite, the chain and its verdict.
    fn established(
        &self,
        conn: &rustls::ClientConnection,
        server_name: &ServerName<'static>,
        host: &str,
        mode: Security,
        ms: f64,
    ) -> TlsObservation {
        let version = conn
            .protocol_version()
            .map_or(TlsVersion::Other(String::new()), |v| {
                TlsVersion::from_code(u16::from(v))
            });
        let cipher = conn
            .negotiated_cipher_suite()
            .map(|c| suite_name(c.suite()))
            .unwrap_or_default();
        // Read where the session keeps them: no copy of the chain's bytes.
        let certs: &[CertificateDer<'static>] = conn.peer_certificates().unwrap_or(&[]);
        let chain: Vec<CertificateInfo> = certs.iter().filter_map(|c| describe(c)).collect();
        let verification = self.verify(certs, server_name, host, &chain);
        let interception = self.interception(certs, server_name, host, &chain, &verification);
        TlsObservation {
            mode,
            server_name: host.to_string(),
            handshake: HandshakeOutcome::Done {
                version,
                cipher,
                ms,
            },
            chain,
            verification: Some(verification),
            interception,
        }
    }

    fn verify(
        &self,
        certs: &[CertificateDer<'static>],
        name: &ServerName<'static>,
        bare: &str,
        chain: &[CertificateInfo],
    ) -> Verification {
        let Some((leaf, intermediates)) = certs.split_first() else {
            return Verification::Invalid {
                detail: "the server sent no certificate".into(),
            };
        };
        match self
            .trusted
            .verify_server_cert(leaf, intermediates, name, &[], UnixTime::now())
        {
            Ok(_) => Verification::Verified,
            Err(err) => classify_verification(&err, bare, chain),
        }
    }

    fn interception(
        &self,
        certs: &[CertificateDer<'static>],
        name: &ServerName<'static>,
        host: &str,
        chain: &[CertificateInfo],
        verification: &Verification,
    ) -> Option<Interception> {
        let trusted_locally = *verification == Verification::Verified;
        // 1. A known product's name anywhere in the chain.
        for cert in chain {
            for dn in [&cert.issuer, &cert.subject] {
                if let Some(p) = interception::product_in(dn) {
                    return Some(Interception {
                        product: Some(p.product.to_string()),
                        issuer: cert.issuer.clone(),
                        trusted_locally,
                    });
                }
            }
        }
        // 2. A public provider's chain that only a local root accepts.
        if !trusted_locally || !interception::is_public_provider(host) {
            return None;
        }
        let (leaf, intermediates) = certs.split_first()?;
        let now = UnixTime::now();
        if self
            .public
            .verify_server_cert(leaf, intermediates, name, &[], now)
            .is_ok()
        {
            return None;
        }
        if let Some(vouched) = &self.vouched {
            if vouched
                .verify_server_cert(leaf, intermediates, name, &[], now)
                .is_ok()
            {
                return None;
            }
        }
        Some(Interception {
            product: None,
            issuer: chain.last().map(|c| c.issuer.clone()).unwrap_or_default(),
            trusted_locally,
        })
    }
}

/// The machine's trust store plus the extra roots: rustls-platform-verifier with extra roots.
#[cfg(not(windows))]
fn machine_verifier(
    extra: Vec<CertificateDer<'static>>,
    _vouched: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsSetupError> {
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
        .map_err(|e| TlsSetupError(e.to_string()))?;
    Ok(Arc::new(verifier))
}

/// On Windows, the OS store and the extra roots are two verifiers, each complete (chain, name,
/// validity), and a chain either accepts is trusted. The platform verifier's own extra-roots
/// path creates a chain engine with a configuration Wine rejects (`Invalid parameter`), so the
/// build that is tested under Wine could not probe at all; this path is the same on both.
#[cfg(windows)]
fn machine_verifier(
    _extra: Vec<CertificateDer<'static>>,
    vouched: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TlsSetupError> {
    let os: Arc<dyn ServerCertVerifier> = Arc::new(
        rustls_platform_verifier::Verifier::new(provider)
            .map_err(|e| TlsSetupError(e.to_string()))?,
    );
    Ok(match vouched {
        None => os,
        Some(vouched) => Arc::new(EitherVerifier {
            primary: os,
            fallback: vouched,
        }),
    })
}

/// Trusts a chain that either verifier fully accepts; neither is weakened. When both refuse,
/// the more specific refusal is kept (an expired or wrong-name certificate says more than an
/// opaque error code, which says more than "unknown issuer"), the primary's on a tie.
#[cfg(any(windows, test))]
#[derive(Debug)]
struct EitherVerifier {
    primary: Arc<dyn ServerCertVerifier>,
    fallback: Arc<dyn ServerCertVerifier>,
}

#[cfg(any(windows, test))]
impl EitherVerifier {
    /// How much a refusal tells. An unknown issuer is what a verifier without the right root
    /// says about any chain, so it tells least. A named fact about the certificate (its dates,
    /// its names, its revocation, its purpose) tells most: the verifier that names it checked
    /// it, and the report turns it into a precise finding. Between them, an opaque refusal:
    /// the OS verifier's bare error code (`Other`), a signature or an encoding not accepted.
    /// So an opaque refusal from one side never hides a named fact from the other. It
    /// happens: Wine's crypt32 refuses a valid P-256 signature whose r or s is under 32 bytes
    /// (a leading zero byte: one signature in 128), and the Windows verifier reports that
    /// TRUST_E_CERT_SIGNATURE as `Other`, ahead of the untrusted root, for a chain the
    /// --ca-file verifier finds expired or issued for another name.
    fn specificity(err: &rustls::Error) -> u8 {
        match err {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => 0,
                CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
                | CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. }
                | CertificateError::Revoked
                | CertificateError::InvalidPurpose
                | CertificateError::InvalidPurposeContext { .. } => 3,
                _ => 2,
            },
            _ => 1,
        }
    }
}

#[cfg(any(windows, test))]
impl ServerCertVerifier for EitherVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let first = match self.primary.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(ok) => return Ok(ok),
            Err(e) => e,
        };
        match self.fallback.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(ok) => Ok(ok),
            Err(second) if Self::specificity(&second) > Self::specificity(&first) => Err(second),
            Err(_) => Err(first),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.primary.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.primary.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.primary.supported_verify_schemes()
    }
}

fn failed(
    mode: Security,
    host: &str,
    kind: TlsFailure,
    reason: String,
    started: std::time::Instant,
) -> TlsObservation {
    TlsObservation {
        mode,
        server_name: host.to_string(),
        handshake: HandshakeOutcome::Failed {
            kind,
            reason,
            ms: started.elapsed().as_secs_f64() * 1000.0,
        },
        chain: Vec::new(),
        verification: None,
        interception: None,
    }
}

/// Maps a verification error by its type.
fn classify_verification(
    err: &rustls::Error,
    host: &str,
    chain: &[CertificateInfo],
) -> Verification {
    let detail = describe_tls_error(err);
    match err {
        rustls::Error::InvalidCertificate(cert_err) => match cert_err {
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => Verification::Expired { detail },
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Verification::NameMismatch {
                    expected: host.to_string(),
                    presented: chain.first().map(|c| c.names.clone()).unwrap_or_default(),
                }
            }
            CertificateError::UnknownIssuer => Verification::Untrusted { detail },
            _ => Verification::Invalid { detail },
        },
        _ => Verification::Invalid { detail },
    }
}

/// The IANA name of a cipher suite (`TLS13_AES_128_GCM_SHA256`), or its number.
fn suite_name(suite: rustls::CipherSuite) -> String {
    suite
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("0x{:04x}", u16::from(suite)))
}

/// The kind of a handshake failure, from the error's type.
fn failure_kind(err: &rustls::Error) -> TlsFailure {
    match err {
        rustls::Error::AlertReceived(_) => TlsFailure::Alert,
        rustls::Error::PeerIncompatible(_) => TlsFailure::Incompatible,
        rustls::Error::InvalidMessage(
            InvalidMessage::HandshakePayloadTooLarge
            | InvalidMessage::CertificatePayloadTooLarge
            | InvalidMessage::MessageTooLarge,
        ) => TlsFailure::TooLarge,
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            TlsFailure::NotTls
        }
        _ => TlsFailure::Other,
    }
}

/// A short, human description of a rustls error, for evidence only.
fn describe_tls_error(err: &rustls::Error) -> String {
    match err {
        rustls::Error::AlertReceived(alert) => match alert.as_str() {
            Some(name) => format!("the server sent the TLS alert {name}"),
            None => format!("the server sent the TLS alert {}", u8::from(*alert)),
        },
        rustls::Error::PeerIncompatible(_) => {
            format!("no TLS version or cipher in common ({err})")
        }
        rustls::Error::InvalidMessage(
            InvalidMessage::HandshakePayloadTooLarge
            | InvalidMessage::CertificatePayloadTooLarge
            | InvalidMessage::MessageTooLarge,
        ) => format!("the server sent a TLS handshake message over the 65,535-byte limit ({err})"),
        rustls::Error::InvalidMessage(_) => format!("the reply is not TLS ({err})"),
        other => other.to_string(),
    }
}

/// Parses a certificate's facts.
pub(crate) fn describe(der: &CertificateDer<'_>) -> Option<CertificateInfo> {
    let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => names.push(crate::printable::escape(d.as_bytes())),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => names.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(b);
                        names.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let key = match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(point)) => match point.data().len() {
            65 => "EC P-256".to_string(),
            97 => "EC P-384".to_string(),
            133 => "EC P-521".to_string(),
            n => format!("EC ({n}-byte point)"),
        },
        _ => cert.public_key().algorithm.algorithm.to_id_string(),
    };
    let sha = digest::digest(&digest::SHA256, der.as_ref());
    Some(CertificateInfo {
        subject: crate::printable::escape_owned(cert.subject().to_string()),
        issuer: crate::printable::escape_owned(cert.issuer().to_string()),
        names,
        not_before: crate::printable::rfc3339(cert.validity().not_before.timestamp()),
        not_after: crate::printable::rfc3339(cert.validity().not_after.timestamp()),
        not_after_unix: cert.validity().not_after.timestamp(),
        key,
        sha256: crate::printable::hex(sha.as_ref()),
    })
}

/// Accepts the chain during the handshake (it is verified right after, see the module doc);
/// handshake signatures are still checked, so the peer must hold the certificate's key.
#[derive(Debug)]
struct RecordOnlyVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for RecordOnlyVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS stream over a recorded stream.
pub(crate) type TlsOver<S> = tokio_rustls::client::TlsStream<Recorder<S>>;

/// A stream that keeps the first bytes the peer sent, to recognise a plain-text greeting that
/// arrives where a TLS ServerHello was expected.
pub(crate) struct Recorder<S> {
    inner: S,
    first_bytes: Arc<Mutex<Vec<u8>>>,
    /// Bytes recorded so far: once at the limit, reads no longer take the lock.
    recorded: usize,
}

const RECORD_LIMIT: usize = 512;

impl<S> Recorder<S> {
    fn new(inner: S) -> Self {
        Recorder {
            inner,
            first_bytes: Arc::new(Mutex::new(Vec::new())),
            recorded: 0,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = res {
            let room = RECORD_LIMIT.saturating_sub(this.recorded);
            if room > 0 {
                let new = &buf.filled()[before..];
                let take = new.len().min(room);
                if let Ok(mut rec) = this.first_bytes.lock() {
                    rec.extend_from_slice(&new[..take]);
                }
                this.recorded += take;
            }
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

// The layer check (tests/layers.rs) reads up to the first `#[cfg(test)]`: the lab is test-only.
#[cfg(test)]
#[cfg(feature = "lab")]
mod tests {
    use super::*;
    use crate::lab::{LabCa, Validity};

    fn only(ca: &LabCa) -> Arc<dyn ServerCertVerifier> {
        let mut store = RootCertStore::empty();
        store.add(CertificateDer::from(ca.root_der())).unwrap();
        WebPkiServerVerifier::builder_with_provider(
            Arc::new(store),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .unwrap()
    }

    fn verdict(
        v: &EitherVerifier,
        ca: &LabCa,
        validity: Validity,
        name: &str,
    ) -> Result<(), rustls::Error> {
        let cert = ca.issue(&["mail.lab.test"], validity).unwrap();
        let (leaf, rest) = cert.chain.split_first().unwrap();
        let name = ServerName::try_from(name.to_string()).unwrap();
        v.verify_server_cert(leaf, rest, &name, &[], UnixTime::now())
            .map(|_| ())
    }

    /// A refusal for an expired certificate (rustls names it with its context when it can).
    fn is_expired(err: &rustls::Error) -> bool {
        matches!(
            err,
            rustls::Error::InvalidCertificate(
                CertificateError::ExpiredContext { .. } | CertificateError::Expired
            )
        )
    }

    /// A refusal for a certificate that does not name the server.
    fn is_wrong_name(err: &rustls::Error) -> bool {
        matches!(
            err,
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. } | CertificateError::NotValidForName
            )
        )
    }

    #[test]
    fn either_verifier_trusts_what_one_side_fully_verifies_and_keeps_the_telling_refusal() {
        let os = LabCa::new("stand-in OS root", "os").unwrap();
        let vouched = LabCa::new("a --ca-file root", "vouched").unwrap();
        let stranger = LabCa::new("nobody's root", "stranger").unwrap();
        let v = EitherVerifier {
            primary: only(&os),
            fallback: only(&vouched),
        };
        let host = "mail.lab.test";
        // Either side's root is enough.
        assert!(verdict(&v, &os, Validity::Current, host).is_ok());
        assert!(verdict(&v, &vouched, Validity::Current, host).is_ok());
        // Neither weakens the other: a root neither holds is refused.
        assert_eq!(
            verdict(&v, &stranger, Validity::Current, host),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            ))
        );
        // An expired or wrong-name certificate under a vouched root is refused, and the refusal
        // says why, not the primary's "unknown issuer".
        let expired = verdict(&v, &vouched, Validity::Expired, host).unwrap_err();
        assert!(is_expired(&expired), "{expired:?}");
        let wrong = verdict(&v, &vouched, Validity::Current, "other.lab.test").unwrap_err();
        assert!(is_wrong_name(&wrong), "{wrong:?}");
        // Same under the OS root, where the refusal is the primary's own.
        let expired = verdict(&v, &os, Validity::Expired, host).unwrap_err();
        assert!(is_expired(&expired), "{expired:?}");
    }

    /// Wine's crypt32 refuses a valid P-256 signature whose r or s is under 32 bytes (one
    /// signature in 128), and the OS verifier then answers with an opaque error code instead
    /// of "unknown issuer". The primary here is a real verifier that wrongly refuses the
    /// signature likewise: it holds a root with the vouched root's name and another key. A
    /// wrong-name or expired certificate under the vouched root must still be refused as such,
    /// never with the primary's vaguer refusal.
    #[test]
    fn either_verifier_keeps_a_named_fact_over_a_primary_that_wrongly_refuses_the_signature() {
        let vouched = LabCa::new("a --ca-file root", "vouched").unwrap();
        let impostor = LabCa::new("a --ca-file root", "vouched").unwrap();
        let v = EitherVerifier {
            primary: only(&impostor),
            fallback: only(&vouched),
        };
        let host = "mail.lab.test";
        // The primary's own refusal is a vague one, not "unknown issuer".
        let vague = verdict(
            &EitherVerifier {
                primary: only(&impostor),
                fallback: only(&impostor),
            },
            &vouched,
            Validity::Current,
            host,
        )
        .unwrap_err();
        assert!(
            !matches!(
                vague,
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
            ),
            "{vague:?}"
        );
        assert!(verdict(&v, &vouched, Validity::Current, host).is_ok());
        let expired = verdict(&v, &vouched, Validity::Expired, host).unwrap_err();
        assert!(is_expired(&expired), "{expired:?}");
        let wrong = verdict(&v, &vouched, Validity::Current, "other.lab.test").unwrap_err();
        assert!(is_wrong_name(&wrong), "{wrong:?}");
    }

    /// The ranking itself, over the refusals the verifiers give: the Windows verifier's opaque
    /// error code (what it answered under Wine: TRUST_E_CERT_SIGNATURE) tells less than a named
    /// fact about the certificate, and more than "unknown issuer".
    #[test]
    fn a_named_fact_about_the_certificate_outranks_an_opaque_refusal() {
        use rustls::OtherError;
        let opaque = rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(
            Arc::new(std::io::Error::from_raw_os_error(0x8009_6004_u32 as i32)),
        )));
        let rank = EitherVerifier::specificity;
        let bad = |e: CertificateError| rank(&rustls::Error::InvalidCertificate(e));
        for named in [
            CertificateError::Expired,
            CertificateError::NotValidYet,
            CertificateError::NotValidForName,
            CertificateError::Revoked,
            CertificateError::InvalidPurpose,
        ] {
            let name = format!("{named:?}");
            assert!(bad(named) > rank(&opaque), "{name}");
        }
        for vague in [
            CertificateError::BadSignature,
            CertificateError::ApplicationVerificationFailure,
            CertificateError::BadEncoding,
        ] {
            assert_eq!(bad(vague), rank(&opaque));
        }
        assert!(rank(&opaque) > rank(&rustls::Error::General("unavailable".into())));
        assert!(
            rank(&rustls::Error::General("unavailable".into()))
                > bad(CertificateError::UnknownIssuer)
        );
    }
}
