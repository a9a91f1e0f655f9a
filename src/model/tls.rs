//! The TLS step as observed: handshake, chain, verification, signs of interception.

use super::Security;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A negotiated TLS version. Written as OpenSSL and rustls name them (`TLSv1.3`); a version
/// rustls does not name is kept as its code point (`0x0301`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
    /// Any other version, as written (`0x0301`; empty when the library named none).
    Other(String),
}

impl TlsVersion {
    /// The version with this code point on the wire (`0x0304` is TLS 1.3).
    pub fn from_code(code: u16) -> TlsVersion {
        match code {
            0x0303 => TlsVersion::Tls12,
            0x0304 => TlsVersion::Tls13,
            other => TlsVersion::Other(format!("0x{other:04x}")),
        }
    }
    /// The version as written: `TLSv1.3`, `TLSv1.2`, or the code point.
    pub fn as_str(&self) -> &str {
        match self {
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
            TlsVersion::Other(s) => s,
        }
    }
    /// The version a text names, as [`TlsVersion::as_str`] writes it.
    pub fn parse(s: &str) -> TlsVersion {
        match s {
            "TLSv1.2" => TlsVersion::Tls12,
            "TLSv1.3" => TlsVersion::Tls13,
            other => TlsVersion::Other(other.to_string()),
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TlsVersion, D::Error> {
        Ok(TlsVersion::parse(&String::deserialize(d)?))
    }
}

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
        version: TlsVersion,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The version is written as it always was: rustls's names, else the code point, else
    /// nothing.
    #[test]
    fn tls_versions_keep_their_spelling() {
        for (code, written) in [(0x0304, "TLSv1.3"), (0x0303, "TLSv1.2"), (0x0301, "0x0301")] {
            let v = TlsVersion::from_code(code);
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{written}\""));
            assert_eq!(serde_json::from_str::<TlsVersion>(&json).unwrap(), v);
        }
        let none: TlsVersion = serde_json::from_str("\"\"").unwrap();
        assert_eq!(none, TlsVersion::Other(String::new()));
        assert_eq!(none.to_string(), "");
    }
}
