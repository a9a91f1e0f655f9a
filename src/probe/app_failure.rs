//! How the application's own client failed, classified once, here. The scripts
//! (`app_client.py`, `app_client.js`) send the raw facts of what their runtime raised: Python's
//! exception classes and codes, nodemailer's and Node's codes. This module maps them to an
//! [`AppErrorKind`] with ordered tables: the first row that applies decides, and facts no row
//! knows (a future exception class, a new code) are [`AppErrorKind::Other`].
//!
//! Everything here came from the child process: it is only compared with fixed names, never
//! stored or shown.

use crate::model::AppErrorKind as K;
use crate::model::AppRuntime;
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;

/// The most exception classes read of a Python failure.
const TYPES_CAP: usize = 16;

/// Where in the dialogue the client was when it failed, as the scripts name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The TCP connect.
    Connect,
    /// Connected, waiting for the greeting.
    Greeting,
    /// EHLO (or HELO).
    Ehlo,
    /// STARTTLS and its handshake.
    Starttls,
    /// The login.
    Login,
    /// The test message.
    Send,
}

impl Stage {
    /// The stage a script named, when it is one of these.
    pub(crate) fn parse(word: &str) -> Option<Stage> {
        Some(match word {
            "connect" => Stage::Connect,
            "greeting" => Stage::Greeting,
            "ehlo" => Stage::Ehlo,
            "starttls" => Stage::Starttls,
            "login" => Stage::Login,
            "send" => Stage::Send,
            _ => return None,
        })
    }
}

/// What Python raised (`app_client.py`'s `facts_of`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct PythonFacts {
    /// The exception's class and its bases from `builtins`, `smtplib`, `ssl` and `socket`, most
    /// specific first, as `module.QualName` (`ssl.SSLCertVerificationError`): a class of
    /// another module (Django's, the project's) is known by those it derives from.
    #[serde(deserialize_with = "lenient")]
    pub(crate) types: Vec<String>,
    /// OpenSSL's certificate check result (`X509_V_ERR_*`), of a failed verification.
    #[serde(deserialize_with = "lenient")]
    pub(crate) verify_code: Option<i64>,
    /// OpenSSL's reason of an `ssl.SSLError` (`WRONG_VERSION_NUMBER`).
    #[serde(deserialize_with = "lenient")]
    pub(crate) reason: Option<String>,
    /// The name of a system error's errno in the runtime's own table (`EHOSTUNREACH`).
    #[serde(deserialize_with = "lenient")]
    pub(crate) errno: Option<String>,
    /// The Windows socket error (`10061`), on Windows.
    #[serde(deserialize_with = "lenient")]
    pub(crate) winerror: Option<i64>,
}

/// What nodemailer (and Node under it) raised (`app_client.js`'s `factsOf`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct NodeFacts {
    /// The error's `code`: nodemailer's (`EAUTH`, `ESOCKET`…) or Node's.
    #[serde(deserialize_with = "lenient")]
    pub(crate) code: Option<String>,
    /// The code nodemailer replaced with its own (`originalCode`).
    #[serde(deserialize_with = "lenient")]
    pub(crate) original_code: Option<String>,
    /// The code of the TLS socket's own error, as the script saw it emitted.
    #[serde(deserialize_with = "lenient")]
    pub(crate) tls_code: Option<String>,
    /// The system error's name (`ECONNREFUSED`), from its `errno`.
    #[serde(deserialize_with = "lenient")]
    pub(crate) errno: Option<String>,
    /// The SMTP command nodemailer was at (`CONN`, `EHLO`, `AUTH PLAIN`, `RCPT TO`, `API`).
    #[serde(deserialize_with = "lenient")]
    pub(crate) command: Option<String>,
    /// The server's reply code, when a reply is what failed.
    #[serde(deserialize_with = "lenient")]
    pub(crate) response_code: Option<i64>,
    /// Whether the TCP connect had succeeded.
    #[serde(deserialize_with = "lenient")]
    pub(crate) connected: bool,
}

/// A field of the wrong type is read as absent, never as the whole answer unreadable.
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// The raw facts of one failure, as its runtime saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Facts {
    /// Python's (Django's client, or smtplib as Flask-Mail uses it), with the stage its
    /// script recorded.
    Python(PythonFacts, Option<Stage>),
    /// nodemailer's.
    Node(NodeFacts),
}

impl Facts {
    /// The facts a script of `runtime` sent (`null` when it sent none), with the stage it
    /// named.
    pub(crate) fn read(
        runtime: AppRuntime,
        facts: &serde_json::Value,
        stage: Option<&str>,
    ) -> Facts {
        match runtime {
            AppRuntime::Python => Facts::Python(
                PythonFacts::deserialize(facts).unwrap_or_default(),
                stage.and_then(Stage::parse),
            ),
            AppRuntime::Node => Facts::Node(NodeFacts::deserialize(facts).unwrap_or_default()),
        }
    }
}

/// The kind of the failure.
pub(crate) fn classify(facts: &Facts) -> K {
    match facts {
        Facts::Python(f, stage) => python(f, *stage),
        Facts::Node(f) => node(f),
    }
}

/// What an exception class means; the other facts decide some of them, and `None` hands the
/// failure on to the next row.
#[derive(Debug, Clone, Copy)]
enum PyMeaning {
    /// Always this kind.
    Is(K),
    /// A failed certificate check: its `verify_code` says which.
    CertCheck,
    /// Another `ssl.SSLError`: its `reason` says which.
    SslReason,
    /// The server closed: before the greeting it never greeted.
    Closed,
    /// A reply that is an error: EHLO's only.
    ReplyInEhlo,
    /// A timeout: at the connect, else while waiting for a reply.
    TimedOut,
    /// A system error: its errno's name, else its Windows error.
    SystemError,
}

/// Python's exception classes, in the order they are tried: a subclass before its bases.
const PYTHON: &[(&str, PyMeaning)] = &[
    ("ssl.SSLCertVerificationError", PyMeaning::CertCheck),
    // Before Python 3.7, a name mismatch was its own class (a ValueError).
    ("ssl.CertificateError", PyMeaning::Is(K::CertNameMismatch)),
    ("ssl.SSLError", PyMeaning::SslReason),
    ("smtplib.SMTPHeloError", PyMeaning::Is(K::EhloRejected)),
    (
        "smtplib.SMTPAuthenticationError",
        PyMeaning::Is(K::AuthRejected),
    ),
    (
        "smtplib.SMTPNotSupportedError",
        PyMeaning::Is(K::NotSupported),
    ),
    (
        "smtplib.SMTPSenderRefused",
        PyMeaning::Is(K::SenderRejected),
    ),
    (
        "smtplib.SMTPRecipientsRefused",
        PyMeaning::Is(K::RecipientRejected),
    ),
    ("smtplib.SMTPDataError", PyMeaning::Is(K::DataRejected)),
    (
        "smtplib.SMTPConnectError",
        PyMeaning::Is(K::GreetingRejected),
    ),
    ("smtplib.SMTPServerDisconnected", PyMeaning::Closed),
    ("smtplib.SMTPResponseException", PyMeaning::ReplyInEhlo),
    ("socket.gaierror", PyMeaning::Is(K::Dns)),
    ("builtins.TimeoutError", PyMeaning::TimedOut),
    // Before Python 3.10, socket.timeout was not TimeoutError.
    ("socket.timeout", PyMeaning::TimedOut),
    ("builtins.ConnectionRefusedError", PyMeaning::Is(K::Refused)),
    ("builtins.OSError", PyMeaning::SystemError),
    // Django refuses its own settings with one (both TLS flags set).
    ("builtins.ValueError", PyMeaning::Is(K::Config)),
];

/// OpenSSL's certificate check results that mean a validity period, or a host name, missed.
const VERIFY_CODES: &[(i64, K)] = &[
    // X509_V_ERR_CERT_NOT_YET_VALID
    (9, K::CertExpired),
    // X509_V_ERR_CERT_HAS_EXPIRED
    (10, K::CertExpired),
    // X509_V_ERR_HOSTNAME_MISMATCH
    (62, K::CertNameMismatch),
];

/// OpenSSL's reasons of a failed handshake that say what went wrong.
const SSL_REASONS: &[(&str, K)] = &[
    ("WRONG_VERSION_NUMBER", K::WrongVersionNumber),
    ("UNSUPPORTED_PROTOCOL", K::TlsVersion),
    ("TLSV1_ALERT_PROTOCOL_VERSION", K::TlsVersion),
    ("NO_PROTOCOLS_AVAILABLE", K::TlsVersion),
    ("VERSION_TOO_LOW", K::TlsVersion),
    ("VERSION_TOO_HIGH", K::TlsVersion),
];

/// System errors by their errno's name. On Windows, Python names the Winsock ones (`WSAE…`)
/// where the C library's name is taken by another number.
const PYTHON_ERRNO: &[(&str, K)] = &[
    ("EHOSTUNREACH", K::Unreachable),
    ("ENETUNREACH", K::Unreachable),
    ("WSAEHOSTUNREACH", K::Unreachable),
    ("WSAENETUNREACH", K::Unreachable),
    ("EACCES", K::Denied),
    ("EPERM", K::Denied),
    ("WSAEACCES", K::Denied),
];

/// Windows socket errors that Python leaves without an errno it maps.
const WINSOCK: &[(i64, K)] = &[
    (10060, K::Timeout),
    (10061, K::Refused),
    (10051, K::Unreachable),
    (10065, K::Unreachable),
    (10013, K::Denied),
];

fn find<Q: PartialEq + ?Sized, T: std::borrow::Borrow<Q>>(table: &[(T, K)], key: &Q) -> Option<K> {
    table
        .iter()
        .find(|(k, _)| k.borrow() == key)
        .map(|(_, kind)| *kind)
}

fn python(f: &PythonFacts, stage: Option<Stage>) -> K {
    let types = &f.types[..f.types.len().min(TYPES_CAP)];
    PYTHON
        .iter()
        .filter(|(class, _)| types.iter().any(|t| t == class))
        .find_map(|(_, meaning)| python_meaning(*meaning, f, stage))
        .unwrap_or(K::Other)
}

fn python_meaning(meaning: PyMeaning, f: &PythonFacts, stage: Option<Stage>) -> Option<K> {
    match meaning {
        PyMeaning::Is(kind) => Some(kind),
        PyMeaning::CertCheck => Some(
            f.verify_code
                .and_then(|c| find(VERIFY_CODES, &c))
                .unwrap_or(K::CertUntrusted),
        ),
        PyMeaning::SslReason => Some(
            f.reason
                .as_deref()
                .and_then(|r| find::<str, _>(SSL_REASONS, r))
                .unwrap_or(K::TlsFailed),
        ),
        PyMeaning::Closed => Some(if stage == Some(Stage::Greeting) {
            K::NoGreeting
        } else {
            K::Disconnected
        }),
        PyMeaning::ReplyInEhlo => (stage == Some(Stage::Ehlo)).then_some(K::EhloRejected),
        PyMeaning::TimedOut => Some(if stage == Some(Stage::Connect) {
            K::Timeout
        } else {
            K::NoGreeting
        }),
        PyMeaning::SystemError => f
            .errno
            .as_deref()
            .and_then(|e| find::<str, _>(PYTHON_ERRNO, e))
            .or_else(|| f.winerror.and_then(|w| find(WINSOCK, &w))),
    }
}

/// The TLS errors Node reports by code (OpenSSL's verify results and Node's own).
const NODE_TLS: &[(&str, K)] = &[
    ("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", K::CertUntrusted),
    ("UNABLE_TO_GET_ISSUER_CERT", K::CertUntrusted),
    ("SELF_SIGNED_CERT_IN_CHAIN", K::CertUntrusted),
    ("DEPTH_ZERO_SELF_SIGNED_CERT", K::CertUntrusted),
    ("UNABLE_TO_VERIFY_LEAF_SIGNATURE", K::CertUntrusted),
    ("CERT_UNTRUSTED", K::CertUntrusted),
    ("CERT_HAS_EXPIRED", K::CertExpired),
    ("CERT_NOT_YET_VALID", K::CertExpired),
    ("ERR_TLS_CERT_ALTNAME_INVALID", K::CertNameMismatch),
    ("ERR_SSL_WRONG_VERSION_NUMBER", K::WrongVersionNumber),
    ("ERR_SSL_UNSUPPORTED_PROTOCOL", K::TlsVersion),
    ("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", K::TlsVersion),
    ("ERR_SSL_NO_PROTOCOLS_AVAILABLE", K::TlsVersion),
];

/// System errors by name.
const NODE_ERRNO: &[(&str, K)] = &[
    ("ECONNREFUSED", K::Refused),
    ("ETIMEDOUT", K::Timeout),
    ("EHOSTUNREACH", K::Unreachable),
    ("ENETUNREACH", K::Unreachable),
    ("EACCES", K::Denied),
    ("EPERM", K::Denied),
    ("ENOTFOUND", K::Dns),
    ("EAI_AGAIN", K::Dns),
];

/// A string fact that is there (an empty one is not).
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl NodeFacts {
    /// The TLS error's code: the socket's own, else the one nodemailer replaced when it is a
    /// TLS code.
    fn tls(&self) -> Option<&str> {
        given(&self.tls_code).or_else(|| {
            given(&self.original_code).filter(|c| find::<str, _>(NODE_TLS, c).is_some())
        })
    }

    /// The error's type as the report shows it: `Error`, nodemailer's code, the TLS code
    /// (`Error ESOCKET (CERT_HAS_EXPIRED)`).
    pub(crate) fn error_type(&self) -> String {
        let mut shown = "Error".to_string();
        if let Some(code) = given(&self.code) {
            shown = format!("{shown} {code}");
        }
        if let Some(tls) = self.tls() {
            shown = format!("{shown} ({tls})");
        }
        shown
    }
}

fn node(f: &NodeFacts) -> K {
    if let Some(tls) = f.tls() {
        if let Some(kind) = find::<str, _>(NODE_TLS, tls) {
            return kind;
        }
        if tls.starts_with("ERR_SSL") {
            return K::TlsFailed;
        }
    }
    let code = given(&f.code).unwrap_or_default();
    if code == "EDNS" {
        return K::Dns;
    }
    if let Some(kind) = given(&f.errno).and_then(|e| find::<str, _>(NODE_ERRNO, e)) {
        return kind;
    }
    // JavaScript's upper case, as nodemailer's own comparisons see it.
    let command = given(&f.command).unwrap_or_default().to_uppercase();
    let replied = f.response_code.is_some_and(|c| c != 0);
    match code {
        "EAUTH" if replied => K::AuthRejected,
        // Raised before any command: the transport's own options (missing credentials).
        "EAUTH" if command == "API" => K::Config,
        "EAUTH" => K::NotSupported,
        "ETIMEDOUT" if f.connected => K::NoGreeting,
        "ETIMEDOUT" => K::Timeout,
        "EENVELOPE" if command.starts_with("RCPT") => K::RecipientRejected,
        "EENVELOPE" => K::SenderRejected,
        "EMESSAGE" => K::DataRejected,
        "ETLS" => K::NotSupported,
        "EPROTOCOL" if command == "EHLO" || command == "HELO" => K::EhloRejected,
        "ECONNECTION" if command == "CONN" && replied => K::GreetingRejected,
        "ECONNECTION" => K::Disconnected,
        _ => K::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classes every exception of these runtimes derives from, after its own.
    const OS: &str = r#""builtins.OSError", "builtins.Exception", "builtins.BaseException""#;
    const SMTP: &str = r#""smtplib.SMTPException", "builtins.OSError", "builtins.Exception", "builtins.BaseException""#;
    const REPLY: &str = r#""smtplib.SMTPResponseException", "smtplib.SMTPException", "builtins.OSError", "builtins.Exception", "builtins.BaseException""#;
    const CERT: &str = r#""ssl.SSLCertVerificationError", "ssl.SSLError", "builtins.OSError", "builtins.ValueError", "builtins.Exception", "builtins.BaseException""#;

    fn python(facts: &str, stage: &str) -> K {
        let value: serde_json::Value = serde_json::from_str(facts).unwrap();
        classify(&Facts::read(AppRuntime::Python, &value, Some(stage)))
    }

    fn node(facts: &str) -> K {
        let value: serde_json::Value = serde_json::from_str(facts).unwrap();
        classify(&Facts::read(AppRuntime::Node, &value, Some("connect")))
    }

    /// Each case as the real runtime reported it: Debian's Python 3.11 (its smtplib and ssl,
    /// through app_client.py's own stage tracking) and nodemailer 10.6.1 on Node 20, against
    /// loopback servers made to fail that way (certificates expired, not yet valid, for
    /// another name or address, self-signed, of an unknown CA; a TLS 1.3-only server to a
    /// client capped at 1.2; replies refusing each command; a server closing or silent; a
    /// full accept queue; a closed port; an unreachable or prohibited route and no resolver in
    /// a network namespace). Rows marked "made" are facts no lab here produces (another OS,
    /// an older runtime, a server nodemailer answers otherwise), built as those runtimes
    /// give them.
    #[test]
    fn every_python_row_classifies_the_facts_the_runtime_gives() {
        let cases: &[(&str, String, &str, K)] = &[
            ("expired", format!(r#"{{"types": [{CERT}], "verify_code": 10, "reason": "CERTIFICATE_VERIFY_FAILED"}}"#), "starttls", K::CertExpired),
            ("not yet valid", format!(r#"{{"types": [{CERT}], "verify_code": 9, "reason": "CERTIFICATE_VERIFY_FAILED"}}"#), "starttls", K::CertExpired),
            ("another host name", format!(r#"{{"types": [{CERT}], "verify_code": 62, "reason": "CERTIFICATE_VERIFY_FAILED"}}"#), "starttls", K::CertNameMismatch),
            // OpenSSL's IP address mismatch (64) is not a name mismatch to Python's client.
            ("another address", format!(r#"{{"types": [{CERT}], "verify_code": 64, "reason": "CERTIFICATE_VERIFY_FAILED"}}"#), "starttls", K::CertUntrusted),
            ("self-signed", format!(r#"{{"types": [{CERT}], "verify_code": 18, "reason": "CERTIFICATE_VERIFY_FAILED"}}"#), "starttls", K::CertUntrusted),
            ("unknown CA", format!(r#"{{"types": [{CERT}], "verify_code": 20, "reason": "CERTIFICATE_VERIFY_FAILED"}}"#), "starttls", K::CertUntrusted),
            ("made: Python 3.6's name mismatch", r#"{"types": ["ssl.CertificateError", "builtins.ValueError", "builtins.Exception", "builtins.BaseException"]}"#.into(), "starttls", K::CertNameMismatch),
            ("TLS to a plain port", format!(r#"{{"types": ["ssl.SSLError", {OS}], "reason": "WRONG_VERSION_NUMBER"}}"#), "greeting", K::WrongVersionNumber),
            ("no shared TLS version", format!(r#"{{"types": ["ssl.SSLError", {OS}], "reason": "TLSV1_ALERT_PROTOCOL_VERSION"}}"#), "starttls", K::TlsVersion),
            ("made: unsupported protocol", format!(r#"{{"types": ["ssl.SSLError", {OS}], "reason": "UNSUPPORTED_PROTOCOL"}}"#), "starttls", K::TlsVersion),
            ("made: no protocols", format!(r#"{{"types": ["ssl.SSLError", {OS}], "reason": "NO_PROTOCOLS_AVAILABLE"}}"#), "starttls", K::TlsVersion),
            ("made: version too low", format!(r#"{{"types": ["ssl.SSLError", {OS}], "reason": "VERSION_TOO_LOW"}}"#), "greeting", K::TlsVersion),
            ("made: version too high", format!(r#"{{"types": ["ssl.SSLError", {OS}], "reason": "VERSION_TOO_HIGH"}}"#), "greeting", K::TlsVersion),
            // A TLS 1.0 server with an EC key: "legacy sigalg disallowed", no reason.
            ("another TLS failure", format!(r#"{{"types": ["ssl.SSLError", {OS}]}}"#), "starttls", K::TlsFailed),
            ("EHLO and HELO refused", format!(r#"{{"types": ["smtplib.SMTPHeloError", {REPLY}]}}"#), "starttls", K::EhloRejected),
            ("535", format!(r#"{{"types": ["smtplib.SMTPAuthenticationError", {REPLY}]}}"#), "login", K::AuthRejected),
            ("no STARTTLS", format!(r#"{{"types": ["smtplib.SMTPNotSupportedError", {SMTP}]}}"#), "starttls", K::NotSupported),
            ("no AUTH", format!(r#"{{"types": ["smtplib.SMTPNotSupportedError", {SMTP}]}}"#), "login", K::NotSupported),
            ("MAIL refused", format!(r#"{{"types": ["smtplib.SMTPSenderRefused", {REPLY}]}}"#), "send", K::SenderRejected),
            ("RCPT refused", format!(r#"{{"types": ["smtplib.SMTPRecipientsRefused", {SMTP}]}}"#), "send", K::RecipientRejected),
            ("DATA refused", format!(r#"{{"types": ["smtplib.SMTPDataError", {REPLY}]}}"#), "send", K::DataRejected),
            ("554 greeting", format!(r#"{{"types": ["smtplib.SMTPConnectError", {REPLY}]}}"#), "greeting", K::GreetingRejected),
            ("closed before the greeting", format!(r#"{{"types": ["smtplib.SMTPServerDisconnected", {SMTP}]}}"#), "greeting", K::NoGreeting),
            ("closed at MAIL", format!(r#"{{"types": ["smtplib.SMTPServerDisconnected", {SMTP}]}}"#), "send", K::Disconnected),
            ("made: a reply error in EHLO", format!(r#"{{"types": ["smtplib.SMTPResponseException", {SMTP}]}}"#), "ehlo", K::EhloRejected),
            ("made: a reply error elsewhere", format!(r#"{{"types": ["smtplib.SMTPResponseException", {SMTP}]}}"#), "starttls", K::Other),
            ("no resolver", format!(r#"{{"types": ["socket.gaierror", {OS}]}}"#), "connect", K::Dns),
            ("full accept queue", format!(r#"{{"types": ["builtins.TimeoutError", {OS}]}}"#), "connect", K::Timeout),
            ("made: a read timed out", format!(r#"{{"types": ["builtins.TimeoutError", {OS}]}}"#), "starttls", K::NoGreeting),
            ("made: Python 3.9's timeout", format!(r#"{{"types": ["socket.timeout", {OS}]}}"#), "connect", K::Timeout),
            ("closed port", format!(r#"{{"types": ["builtins.ConnectionRefusedError", "builtins.ConnectionError", {OS}], "errno": "ECONNREFUSED"}}"#), "connect", K::Refused),
            ("unreachable route", format!(r#"{{"types": [{OS}], "errno": "EHOSTUNREACH"}}"#), "connect", K::Unreachable),
            ("no route", format!(r#"{{"types": [{OS}], "errno": "ENETUNREACH"}}"#), "connect", K::Unreachable),
            ("prohibited route", format!(r#"{{"types": ["builtins.PermissionError", {OS}], "errno": "EACCES"}}"#), "connect", K::Denied),
            ("made: a firewall's EPERM", format!(r#"{{"types": ["builtins.PermissionError", {OS}], "errno": "EPERM"}}"#), "connect", K::Denied),
            ("made: Windows' WSAEACCES", format!(r#"{{"types": ["builtins.PermissionError", {OS}], "errno": "WSAEACCES", "winerror": 10013}}"#), "connect", K::Denied),
            ("made: Windows' unreachable", format!(r#"{{"types": [{OS}], "errno": "WSAEHOSTUNREACH", "winerror": 10065}}"#), "connect", K::Unreachable),
            ("made: Windows' refusal", format!(r#"{{"types": [{OS}], "winerror": 10061}}"#), "connect", K::Refused),
            ("made: Windows' timeout", format!(r#"{{"types": [{OS}], "winerror": 10060}}"#), "connect", K::Timeout),
            ("made: Windows' network unreachable", format!(r#"{{"types": [{OS}], "winerror": 10051}}"#), "connect", K::Unreachable),
            ("made: Windows' access denied", format!(r#"{{"types": [{OS}], "winerror": 10013}}"#), "connect", K::Denied),
            // The server closed in the handshake after 220 to STARTTLS.
            ("reset in the handshake", format!(r#"{{"types": ["builtins.ConnectionResetError", "builtins.ConnectionError", {OS}], "errno": "ECONNRESET"}}"#), "starttls", K::Other),
            ("Django's refusal of both TLS flags", r#"{"types": ["builtins.ValueError", "builtins.Exception", "builtins.BaseException"]}"#.into(), "connect", K::Config),
            ("anything else", r#"{"types": ["builtins.RuntimeError", "builtins.Exception", "builtins.BaseException"]}"#.into(), "connect", K::Other),
        ];
        for (case, facts, stage, kind) in cases {
            assert_eq!(python(facts, stage), *kind, "{case}: {facts} at {stage}");
        }
    }

    #[test]
    fn every_node_row_classifies_the_facts_the_runtime_gives() {
        let tls = |code: &str| {
            format!(
                r#"{{"code": "ESOCKET", "original_code": "{code}", "tls_code": "{code}", "command": "CONN", "connected": true}}"#
            )
        };
        let cases: &[(&str, String, K)] = &[
            ("expired", tls("CERT_HAS_EXPIRED"), K::CertExpired),
            ("not yet valid", tls("CERT_NOT_YET_VALID"), K::CertExpired),
            ("another address", tls("ERR_TLS_CERT_ALTNAME_INVALID"), K::CertNameMismatch),
            ("self-signed", tls("DEPTH_ZERO_SELF_SIGNED_CERT"), K::CertUntrusted),
            ("unknown CA, the leaf alone", tls("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), K::CertUntrusted),
            ("made: unknown CA, with its chain", tls("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"), K::CertUntrusted),
            ("made: an issuer missing", tls("UNABLE_TO_GET_ISSUER_CERT"), K::CertUntrusted),
            ("made: a self-signed root", tls("SELF_SIGNED_CERT_IN_CHAIN"), K::CertUntrusted),
            ("made: untrusted", tls("CERT_UNTRUSTED"), K::CertUntrusted),
            ("TLS to a plain port", tls("ERR_SSL_WRONG_VERSION_NUMBER"), K::WrongVersionNumber),
            ("a TLS 1.0 server", tls("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"), K::TlsVersion),
            ("made: unsupported protocol", tls("ERR_SSL_UNSUPPORTED_PROTOCOL"), K::TlsVersion),
            ("made: no protocols", tls("ERR_SSL_NO_PROTOCOLS_AVAILABLE"), K::TlsVersion),
            ("made: another OpenSSL failure", tls("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"), K::TlsFailed),
            // Seen only in the code nodemailer replaced (an older nodemailer's socket error).
            ("made: the TLS code kept by nodemailer alone", r#"{"code": "ETLS", "original_code": "CERT_HAS_EXPIRED", "command": "CONN", "connected": true}"#.into(), K::CertExpired),
            ("made: a code replaced that is not TLS's", r#"{"code": "ETLS", "original_code": "EPIPE", "command": "STARTTLS", "connected": true}"#.into(), K::NotSupported),
            ("closed in the handshake", tls("ECONNRESET"), K::Other),
            ("no resolver", r#"{"code": "EDNS", "original_code": "EAI_AGAIN", "errno": "EAI_AGAIN", "command": "CONN", "connected": false}"#.into(), K::Dns),
            ("made: no such name", r#"{"code": "EDNS", "original_code": "ENOTFOUND", "errno": "ENOTFOUND", "command": "CONN", "connected": false}"#.into(), K::Dns),
            ("made: an older nodemailer's name error", r#"{"code": "ESOCKET", "errno": "ENOTFOUND", "command": "CONN", "connected": false}"#.into(), K::Dns),
            ("closed port", r#"{"code": "ESOCKET", "original_code": "ECONNREFUSED", "errno": "ECONNREFUSED", "command": "CONN", "connected": false}"#.into(), K::Refused),
            // The e2e lab's refused port (IPv4 and IPv6 tried): no errno, the code replaced
            // alone says it. Other, as the script's own classifier said.
            ("refused, every address", r#"{"code": "ESOCKET", "original_code": "ECONNREFUSED", "command": "CONN", "connected": false}"#.into(), K::Other),
            ("unreachable route", r#"{"code": "ESOCKET", "original_code": "EHOSTUNREACH", "errno": "EHOSTUNREACH", "command": "CONN", "connected": false}"#.into(), K::Unreachable),
            ("no route", r#"{"code": "ESOCKET", "original_code": "ENETUNREACH", "errno": "ENETUNREACH", "command": "CONN", "connected": false}"#.into(), K::Unreachable),
            ("prohibited route", r#"{"code": "ESOCKET", "original_code": "EACCES", "errno": "EACCES", "command": "CONN", "connected": false}"#.into(), K::Denied),
            ("made: a firewall's EPERM", r#"{"code": "ESOCKET", "errno": "EPERM", "command": "CONN", "connected": false}"#.into(), K::Denied),
            ("made: the kernel's timeout", r#"{"code": "ESOCKET", "errno": "ETIMEDOUT", "command": "CONN", "connected": false}"#.into(), K::Timeout),
            ("full accept queue", r#"{"code": "ETIMEDOUT", "command": "CONN", "connected": false}"#.into(), K::Timeout),
            ("silent server", r#"{"code": "ETIMEDOUT", "command": "CONN", "connected": true}"#.into(), K::NoGreeting),
            ("535", r#"{"code": "EAUTH", "command": "AUTH PLAIN", "response_code": 535, "connected": true}"#.into(), K::AuthRejected),
            ("no password in the options", r#"{"code": "EAUTH", "command": "API", "connected": true}"#.into(), K::Config),
            ("made: no AUTH mechanism in common", r#"{"code": "EAUTH", "command": "AUTH LOGIN", "connected": true}"#.into(), K::NotSupported),
            ("MAIL refused", r#"{"code": "EENVELOPE", "command": "MAIL FROM", "response_code": 550, "connected": true}"#.into(), K::SenderRejected),
            ("RCPT refused", r#"{"code": "EENVELOPE", "command": "RCPT TO", "response_code": 550, "connected": true}"#.into(), K::RecipientRejected),
            ("DATA refused", r#"{"code": "EMESSAGE", "command": "DATA", "response_code": 554, "connected": true}"#.into(), K::DataRejected),
            ("made: requireTLS, no STARTTLS", r#"{"code": "ETLS", "command": "STARTTLS", "connected": true}"#.into(), K::NotSupported),
            ("made: an older nodemailer's EHLO refusal", r#"{"code": "EPROTOCOL", "command": "EHLO", "response_code": 501, "connected": true}"#.into(), K::EhloRejected),
            ("made: HELO refused", r#"{"code": "EPROTOCOL", "command": "helo", "response_code": 501, "connected": true}"#.into(), K::EhloRejected),
            // nodemailer 10 says a 554 greeting is a protocol error, and EHLO's 501 a
            // connection error: what it says is what is classified.
            ("554 greeting", r#"{"code": "EPROTOCOL", "command": "CONN", "response_code": 554, "connected": true}"#.into(), K::Other),
            ("EHLO and HELO refused", r#"{"code": "ECONNECTION", "command": "EHLO", "response_code": 501, "connected": true}"#.into(), K::Disconnected),
            ("made: an older nodemailer's 554 greeting", r#"{"code": "ECONNECTION", "command": "CONN", "response_code": 554, "connected": true}"#.into(), K::GreetingRejected),
            ("closed before the greeting", r#"{"code": "ECONNECTION", "command": "CONN", "connected": true}"#.into(), K::Disconnected),
            ("made: a new code", r#"{"code": "EBRANDNEW", "command": "CONN", "connected": true}"#.into(), K::Other),
        ];
        for (case, facts, kind) in cases {
            assert_eq!(node(facts), *kind, "{case}: {facts}");
        }
    }

    /// Each row of each table decides the facts made for it: no row is shadowed by another.
    #[test]
    fn every_row_of_every_table_decides_its_own_case() {
        let py = |facts: serde_json::Value, stage| {
            classify(&Facts::read(AppRuntime::Python, &facts, Some(stage)))
        };
        let js = |facts: serde_json::Value| classify(&Facts::read(AppRuntime::Node, &facts, None));
        for (class, meaning) in PYTHON {
            if let PyMeaning::Is(kind) = meaning {
                assert_eq!(
                    py(serde_json::json!({"types": [class]}), "connect"),
                    *kind,
                    "{class}"
                );
            }
        }
        for (code, kind) in VERIFY_CODES {
            let facts =
                serde_json::json!({"types": ["ssl.SSLCertVerificationError"], "verify_code": code});
            assert_eq!(py(facts, "starttls"), *kind, "{code}");
        }
        for (reason, kind) in SSL_REASONS {
            let facts = serde_json::json!({"types": ["ssl.SSLError"], "reason": reason});
            assert_eq!(py(facts, "starttls"), *kind, "{reason}");
        }
        for (name, kind) in PYTHON_ERRNO {
            let facts = serde_json::json!({"types": ["builtins.OSError"], "errno": name});
            assert_eq!(py(facts, "connect"), *kind, "{name}");
        }
        for (winerror, kind) in WINSOCK {
            let facts = serde_json::json!({"types": ["builtins.OSError"], "winerror": winerror});
            assert_eq!(py(facts, "connect"), *kind, "{winerror}");
        }
        for (code, kind) in NODE_TLS {
            assert_eq!(
                js(serde_json::json!({"code": "ESOCKET", "tls_code": code})),
                *kind,
                "{code}"
            );
        }
        for (name, kind) in NODE_ERRNO {
            assert_eq!(
                js(serde_json::json!({"code": "ESOCKET", "errno": name})),
                *kind,
                "{name}"
            );
        }
    }

    #[test]
    fn a_subclass_from_elsewhere_classifies_by_its_bases_and_unknown_facts_are_other() {
        // A class of another module before the ones known (a project's own): its bases decide.
        let django = format!(
            r#"{{"types": ["myapp.mail.LoginFailed", "smtplib.SMTPAuthenticationError", {REPLY}]}}"#
        );
        assert_eq!(python(&django, "login"), K::AuthRejected);
        for unknown in [
            r#"{"types": ["builtins.ExceptionGroup", "builtins.BaseExceptionGroup", "builtins.Exception", "builtins.BaseException"]}"#,
            r#"{"types": []}"#,
            r#"{}"#,
            "null",
            r#"{"types": "ssl.SSLError", "verify_code": "10", "errno": 113}"#,
            r#"[1, 2]"#,
        ] {
            assert_eq!(python(unknown, "connect"), K::Other, "{unknown}");
            assert_eq!(node(unknown), K::Other, "{unknown}");
        }
        // A field of the wrong type is dropped, not the others.
        assert_eq!(
            python(
                r#"{"types": ["ssl.SSLCertVerificationError", "ssl.SSLError"], "verify_code": "10"}"#,
                "starttls"
            ),
            K::CertUntrusted
        );
        assert_eq!(
            node(r#"{"code": "EAUTH", "command": ["API"], "response_code": "535"}"#),
            K::NotSupported
        );
        // An unknown stage is no stage: a timeout there is not the connect's.
        let timeout = format!(r#"{{"types": ["builtins.TimeoutError", {OS}]}}"#);
        assert_eq!(python(&timeout, "elsewhere"), K::NoGreeting);
        // Only the first classes are read.
        let mut many: Vec<String> = (0..TYPES_CAP).map(|i| format!("\"m.C{i}\"")).collect();
        many.push("\"smtplib.SMTPAuthenticationError\"".into());
        let many = format!(r#"{{"types": [{}]}}"#, many.join(", "));
        assert_eq!(python(&many, "login"), K::Other);
    }

    #[test]
    fn nodemailers_error_type_names_its_code_and_the_tls_code() {
        let shown = |facts: &str| match Facts::read(
            AppRuntime::Node,
            &serde_json::from_str(facts).unwrap(),
            None,
        ) {
            Facts::Node(f) => f.error_type(),
            Facts::Python(..) => unreachable!(),
        };
        assert_eq!(
            shown(
                r#"{"code": "ESOCKET", "original_code": "CERT_HAS_EXPIRED", "tls_code": "CERT_HAS_EXPIRED"}"#
            ),
            "Error ESOCKET (CERT_HAS_EXPIRED)"
        );
        assert_eq!(
            shown(
                r#"{"code": "ESOCKET", "original_code": "ECONNREFUSED", "errno": "ECONNREFUSED"}"#
            ),
            "Error ESOCKET"
        );
        assert_eq!(
            shown(r#"{"code": "ETLS", "original_code": "CERT_HAS_EXPIRED"}"#),
            "Error ETLS (CERT_HAS_EXPIRED)"
        );
        assert_eq!(shown(r#"{"code": "EAUTH"}"#), "Error EAUTH");
        assert_eq!(shown("null"), "Error");
    }
}
