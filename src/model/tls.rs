//! The TLS step as observed: handshake, chain, verification, signs of interception.

use super::Security;
use serde::{Deserialize, Serialize};

/// One certificate of the chain, as presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS names and IP addresses the certificate is valid for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Start of validity, RFC 3339 (UTC).
    pub not_before: String,
    /// End of validity, RFC 3339 (UTC).
    pub not_after: String,
    /// End of validity, seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// Key algorithm and size, e.g. `RSA 2048`, `EC P-256`.
    pub key: String,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

/// The verdict on the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Verification {
    /// Chains to a trusted root, valid now, valid for the name.
    Verified,
    /// Expired or not yet valid.
    Expired {
        /// What the verifier said.
        detail: String,
    },
    /// Not valid for the host name.
    NameMismatch {
        /// The name we asked for.
        expected: String,
        /// The names the certificate carries.
        presented: Vec<String>,
    },
    /// Does not lead to a trusted root.
    Untrusted {
        /// What the verifier said.
        detail: String,
    },
    /// Any other reason (bad signature, revoked, bad encoding).
    Invalid {
        /// What the verifier said.
        detail: String,
    },
}

/// Why the chain is believed to be forged by TLS-inspecting software.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interception {
    /// The product, when its name is in the chain.
    pub product: Option<String>,
    /// The issuer that gave it away.
    pub issuer: String,
    /// Whether the machine trusts the forging root (mail then works, but is read on the way).
    pub trusted_locally: bool,
}

/// What the handshake produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum HandshakeOutcome {
    /// TLS is up.
    Done {
        /// `TLSv1.3`, `TLSv1.2`.
        version: String,
        /// The cipher suite.
        cipher: String,
        /// Handshake time in milliseconds.
        ms: f64,
    },
    /// TLS could not be negotiated.
    Failed {
        /// What kind of failure: decided from the TLS library's typed error, never its text.
        #[serde(default)]
        kind: TlsFailure,
        /// Why, in words, for evidence (alert, version, cipher).
        reason: String,
        /// Milliseconds until the failure.
        ms: f64,
    },
}

/// Why a TLS handshake failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsFailure {
    /// No reply to the ClientHello before the deadline.
    NoReply,
    /// The server answered with a TLS alert.
    Alert,
    /// No TLS version or cipher suite in common.
    Incompatible,
    /// The reply is not TLS.
    NotTls,
    /// The server sent one handshake message (in practice its certificate chain) larger than
    /// any TLS client accepts (65,535 bytes).
    TooLarge,
    /// The connection closed or broke during the handshake.
    ConnectionLost,
    /// The host cannot be a TLS server name.
    BadServerName,
    /// Anything else the TLS library refused.
    #[default]
    Other,
}

/// The TLS step of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsObservation {
    /// STARTTLS or implicit TLS.
    pub mode: Security,
    /// The name that was checked against the certificate.
    pub server_name: String,
    /// The handshake.
    pub handshake: HandshakeOutcome,
    /// The chain as the server sent it, leaf first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<CertificateInfo>,
    /// The verdict on the chain (absent when the handshake failed before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// Signs of TLS inspection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interception: Option<Interception>,
}

impl TlsObservation {
    /// TLS is up and the chain verified.
    pub fn is_secure(&self) -> bool {
        matches!(self.handshake, HandshakeOutcome::Done { .. })
            && self.verification == Some(Verification::Verified)
    }
}
