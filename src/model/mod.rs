//! Observations: pure data describing what the probes saw. Facts, never opinions.
//!
//! Every type here serialises to the JSON report; the field names are part of the
//! report's shape (see docs/CONTRACT.md, schema 1). This is the bottom layer: it imports nothing
//! of the crate, and every other layer may use it.

mod app_client;
mod auth;
mod config;
mod domain;
mod environment;
mod host;
mod reply;
mod security;
mod send;
mod smtp;
mod state;
mod tls;

pub use app_client::{
    AppClientKind, AppClientObservation, AppError, AppErrorKind, AppOutcome, AppRuntime, AppStep,
    AppTimings, SkipReason, SkippedStep, StepSkip, StepTiming, TimedStep,
};
pub use auth::{AuthObservation, AuthOutcome, CredentialLint, Unprotected};
pub use config::ConfiguredPath;
pub use domain::{
    Alignment, DkimKeyState, DkimSelectorObservation, DmarcObservation, DmarcPolicy, DmarcRecord,
    DomainExistence, DomainObservation, ProviderId, PtrObservation, SpfObservation, SpfResult,
};
pub use environment::{Container, ControlObservation, Environment, Hosting};
pub use host::{BadHost, Host};
pub(crate) use reply::with_enhanced;
pub use reply::{Broken, EnhancedCode, Reply, ReplySummary};
pub use security::{
    FirewallProfile, FirewallRule, ProductKind, ProductState, RuleAction, ScanningRoot,
    SecurityObservation, SecurityProduct, SecuritySource, Unread, UnreadReason,
};
pub use send::{SendObservation, SendOutcome};
pub use smtp::{
    Capabilities, EhloFailure, EhloOutcome, GreetingOutcome, SmtpObservation, StarttlsOutcome,
};
pub use state::{SmtpState, TlsState};
pub use tls::{
    CertificateInfo, HandshakeOutcome, Interception, TlsFailure, TlsObservation, TlsVersion,
    Verification,
};

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// How a port is (or is expected to be) secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP, no TLS at all.
    Plain,
    /// Plain text first, then `STARTTLS` (RFC 3207), as on port 587.
    Starttls,
    /// TLS from the first byte (RFC 8314), as on port 465.
    ImplicitTls,
}

/// Port 587, message submission: plain text first, then STARTTLS (RFC 6409).
pub const SUBMISSION_PORT: u16 = 587;
/// Port 465, message submission over TLS from the first byte (RFC 8314 §7.3).
pub const SUBMISSIONS_PORT: u16 = 465;
/// The ports tried when none is given: submission, then submission over implicit TLS.
pub const DEFAULT_PORTS: [u16; 2] = [SUBMISSION_PORT, SUBMISSIONS_PORT];

impl Security {
    /// What a port conventionally speaks (RFC 8314 §3, RFC 6409).
    pub fn conventional_for_port(port: u16) -> Security {
        match port {
            SUBMISSIONS_PORT | 993 | 995 => Security::ImplicitTls,
            _ => Security::Starttls,
        }
    }

    /// The JSON spelling, for renderers.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Plain => "plain",
            Security::Starttls => "starttls",
            Security::ImplicitTls => "implicit_tls",
        }
    }
}

/// The TLS mode an application's settings ask for: one mode, or both flags at once (STARTTLS
/// and implicit TLS both set, which Django refuses and other clients resolve one way or the
/// other). In JSON it is the mode, or `null` for both flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsSetting {
    /// One mode (no TLS, STARTTLS or implicit TLS).
    Mode(Security),
    /// STARTTLS and implicit TLS are both set.
    BothFlags,
}

impl TlsSetting {
    /// The setting two flags make: STARTTLS asked for, implicit TLS asked for.
    pub fn from_flags(starttls: bool, implicit_tls: bool) -> TlsSetting {
        match (starttls, implicit_tls) {
            (true, true) => TlsSetting::BothFlags,
            (true, false) => TlsSetting::Mode(Security::Starttls),
            (false, true) => TlsSetting::Mode(Security::ImplicitTls),
            (false, false) => TlsSetting::Mode(Security::Plain),
        }
    }
    /// The one mode asked for, `None` when both flags are set.
    pub fn mode(self) -> Option<Security> {
        match self {
            TlsSetting::Mode(s) => Some(s),
            TlsSetting::BothFlags => None,
        }
    }
}

impl Serialize for TlsSetting {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.mode().serialize(s)
    }
}

impl<'de> Deserialize<'de> for TlsSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TlsSetting, D::Error> {
        Ok(Option::<Security>::deserialize(d)?.map_or(TlsSetting::BothFlags, TlsSetting::Mode))
    }
}

/// Address family of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// IPv4.
    Ipv4,
    /// IPv6.
    Ipv6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }
}

/// Where the addresses came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "server")]
pub enum DnsSource {
    /// The operating system's resolver configuration (resolv.conf, registry).
    System,
    /// A DNS server named with `--dns-server`.
    Server(String),
    /// `--resolve HOST=ADDR` on the command line; DNS was not asked.
    Override,
    /// The host is an IP address literal; DNS was not asked.
    Literal,
}

/// What the resolver answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum DnsOutcome {
    /// At least one A or AAAA address.
    Resolved,
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// The name exists but has no A/AAAA record.
    NoAddress,
    /// No usable answer: timeout, SERVFAIL, refused, no network.
    Failed {
        /// What went wrong, as the resolver said it.
        reason: String,
    },
}

/// The DNS step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DnsObservation {
    /// The name looked up (an IP literal is not looked up: its source says so).
    pub host: Host,
    /// Where the answer came from.
    pub source: DnsSource,
    /// The classified answer.
    pub outcome: DnsOutcome,
    /// Every address found, IPv4 first.
    pub addresses: Vec<IpAddr>,
    /// Time taken, in milliseconds.
    pub ms: f64,
    /// When the lookup failed: whether the same resolver answered a control query (the root
    /// zone's NS). `true` means the resolver works and the trouble is this name's own DNS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver_answers: Option<bool>,
}

/// The state of a TCP connection attempt, as docs/CONTRACT.md names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TcpState {
    /// The three-way handshake completed.
    Open,
    /// The peer answered with a RST: nothing listens, or a firewall rejects.
    Refused,
    /// No answer at all within the wait: packets silently dropped.
    Filtered,
    /// No route: ICMP unreachable / prohibited, or no route on this machine.
    Unreachable,
    /// This machine refused to open the connection (EACCES/EPERM, WSAEACCES).
    Denied,
}

impl TcpState {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TcpState::Open => "open",
            TcpState::Refused => "refused",
            TcpState::Filtered => "filtered",
            TcpState::Unreachable => "unreachable",
            TcpState::Denied => "denied",
        }
    }
}

/// The operating-system error behind a failed connect, kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsErrorEvidence {
    /// The raw code (errno, or the Windows WSA code).
    pub code: Option<i32>,
    /// Its symbolic name where known (`ECONNREFUSED`, `WSAETIMEDOUT`).
    pub name: Option<String>,
    /// This machine ran out of a resource (file descriptors, buffers: EMFILE, ENFILE,
    /// ENOBUFS): the error says nothing about the network.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local_resource: bool,
}

/// The TCP step of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TcpObservation {
    /// What happened.
    pub state: TcpState,
    /// Milliseconds until the handshake, the error, or the end of the wait.
    pub ms: f64,
    /// How many connection attempts were started (each sends its own SYN).
    pub attempts: u32,
    /// How many SYNs went out, counting the kernel's retransmissions (estimate).
    pub syns: u32,
    /// The OS error behind a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_error: Option<OsErrorEvidence>,
}

/// Who a transcript line comes from. JSON: `"c"`, `"s"`, `"i"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// What we sent.
    #[serde(rename = "c")]
    Client,
    /// What the server sent.
    #[serde(rename = "s")]
    Server,
    /// An event (TLS up, a timeout), not a line on the wire.
    #[serde(rename = "i")]
    Event,
}

/// One line of an SMTP or TLS dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Milliseconds since the connection opened.
    pub ms: f64,
    /// Who said it.
    pub dir: Direction,
    /// The text, with control characters escaped.
    pub text: String,
}

/// One (address, port) pair and everything that was learnt about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointObservation {
    /// The logical port (what the application would use).
    pub port: u16,
    /// The logical address.
    pub address: IpAddr,
    /// Address family.
    pub family: Family,
    /// What the port was found to speak, or what it was tested as.
    pub security: Security,
    /// What it was tested as first (the plan's expectation).
    pub expected_security: Security,
    /// Where the connection really went, when `--connect-to` redirected it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connected_to: Option<SocketAddr>,
    /// The TCP step.
    pub tcp: TcpObservation,
    /// The SMTP dialogue, when TCP opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpObservation>,
    /// The TLS handshake, when one was attempted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsObservation>,
    /// The login, when credentials were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthObservation>,
    /// The test message, when one was sent through this endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send: Option<SendObservation>,
    /// Every line exchanged, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<TranscriptLine>,
}

/// Everything the probes saw for one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observations {
    /// The host that was asked for.
    pub host: Host,
    /// The ports that were asked for, in order.
    pub ports: Vec<u16>,
    /// The DNS step.
    pub dns: DnsObservation,
    /// One entry per (address, port), ordered by port as asked, then IPv4 before IPv6.
    pub endpoints: Vec<EndpointObservation>,
    /// Wall-clock time of the whole run, in milliseconds.
    pub elapsed_ms: f64,
    /// When the run happened, seconds since the Unix epoch (certificate ages are counted from it).
    pub observed_at_unix: i64,
    /// The operating system of the machine that probed (where the application runs): fixes
    /// such as firewall commands are written for it.
    #[serde(default)]
    pub os: Os,
    /// On a certificate name mismatch: the certificate's name inside the configured host's
    /// registrable domain, if it has one, and whether it resolves to an address that answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_name: Option<CertificateNameCheck>,
    /// Preflight: the application's own client, run beside the probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_client: Option<AppClientObservation>,
    /// Where smtp-doctor ran (cloud VM, WSL, container), from local facts.
    #[serde(default, skip_serializing_if = "Environment::is_plain")]
    pub environment: Environment,
    /// The control connection to the same address on a port that is not SMTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<ControlObservation>,
    /// What the credentials break of the provider's known rules, seen before any login.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_lints: Vec<CredentialLint>,
    /// The machine's security state (products, blocking firewall rules, what could not be
    /// read), gathered only when a port was filtered, denied or intercepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityObservation>,
    /// The sender's domain (SPF, DKIM, DMARC, PTR), when a sender was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainObservation>,
}

/// A certificate name checked before a fix may suggest it as the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateNameCheck {
    /// The name (a DNS name inside the configured host's registrable domain).
    pub name: String,
    /// What it resolves to.
    pub addresses: Vec<IpAddr>,
    /// One of those addresses answered on a probed port.
    pub answered: bool,
}

/// An operating system, as far as fixes differ between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Os {
    /// Windows.
    Windows,
    /// macOS.
    Macos,
    /// Linux.
    Linux,
    /// Another, or not recorded.
    #[default]
    Other,
}

impl Os {
    /// The system this program runs on.
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::Macos
        } else if cfg!(target_os = "linux") {
            Os::Linux
        } else {
            Os::Other
        }
    }
}

impl Observations {
    /// The endpoints of `port`, every address, in the order probed.
    pub fn on_port(&self, port: u16) -> impl Iterator<Item = &EndpointObservation> {
        self.endpoints.iter().filter(move |e| e.port == port)
    }
}
