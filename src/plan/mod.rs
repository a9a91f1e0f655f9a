//! The plan: what to probe, validated once, before any packet leaves.

mod app_client;
pub(crate) mod credentials;
mod host;
mod mailbox;

pub use app_client::{AppClientPlan, AppClientStep};
pub use credentials::{Credentials, Secret, SecretKind, SendPlan};
pub use host::Host;
pub use mailbox::Mailbox;

use crate::model::{ConfiguredPath, Security, DEFAULT_PORTS};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

impl From<crate::model::BadHost> for PlanError {
    fn from(e: crate::model::BadHost) -> PlanError {
        PlanError::BadHost(e.0)
    }
}

/// Invalid input, said in one line the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The host is neither a DNS name nor an IP address.
    #[error("invalid host {0:?}: expected a name like smtp.example.com or an IP address")]
    BadHost(String),
    /// A `--resolve` value did not parse.
    #[error("invalid --resolve {0:?}: expected HOST=ADDRESS, e.g. smtp.example.com=192.0.2.10")]
    BadResolve(String),
    /// A `--connect-to` value did not parse.
    #[error("invalid --connect-to {0:?}: expected HOST:PORT:ADDRESS:PORT, e.g. smtp.example.com:587:127.0.0.1:2587")]
    BadConnectTo(String),
    /// A `--dns-server` value did not parse.
    #[error("invalid --dns-server {0:?}: expected an IP address with an optional port, e.g. 192.0.2.53 or [2001:db8::53]:5353")]
    BadDnsServer(String),
    /// A timeout out of range.
    #[error("invalid timeout {0:?}: expected seconds greater than 0 and at most 3600, e.g. 2.5")]
    BadTimeout(String),
    /// A port out of range.
    #[error("invalid port {0:?}: expected a number from 1 to 65535")]
    BadPort(String),
    /// A sender or recipient that is not an RFC 5321 mailbox.
    #[error("invalid address {value}: {why}; expected a mailbox like name@example.com")]
    BadMailbox {
        /// The value, escaped.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A `--ca-file` that cannot be read or holds no certificate.
    #[error("cannot use --ca-file {path}: {why}")]
    BadCaFile {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
}

/// Reads the PEM certificates of a `--ca-file` (DER each).
pub fn load_ca_file(path: &std::path::Path) -> Result<Vec<Vec<u8>>, PlanError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad = |why: String| PlanError::BadCaFile {
        path: path.display().to_string(),
        why,
    };
    let bytes = crate::files::read_bytes(path, crate::files::FileKind::CaFile).map_err(|e| {
        bad(match e {
            crate::files::FileError::Io { why, .. } => why,
            crate::files::FileError::NotRegular { what, .. } => {
                format!("not a regular file ({what})")
            }
            crate::files::FileError::TooLarge { limit, .. } => {
                format!("larger than the limit of {limit}")
            }
        })
    })?;
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| bad(format!("not a PEM certificate file ({e})")))?;
        certs.push(cert.as_ref().to_vec());
    }
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// Checks that `host` is an IP literal or a syntactically valid DNS name, and returns its
/// one spelling (see [`Host`]).
pub fn validate_host(host: &str) -> Result<Host, PlanError> {
    Ok(Host::parse(host)?)
}

/// Parses a port from 1 to 65535.
pub fn parse_port(text: &str) -> Result<u16, PlanError> {
    match text.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(PlanError::BadPort(text.to_string())),
    }
}

/// Parses a timeout in (decimal) seconds.
pub fn parse_timeout(text: &str) -> Result<Duration, PlanError> {
    let bad = || PlanError::BadTimeout(text.to_string());
    let secs: f64 = text.trim().parse().map_err(|_| bad())?;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    t.parse().ok()
}

/// `--resolve HOST=ADDR`: use ADDR for HOST instead of DNS (like curl's `--resolve`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    /// The host.
    pub host: Host,
    /// The address to use.
    pub address: IpAddr,
}

impl FromStr for ResolveOverride {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, PlanError> {
        let bad = || PlanError::BadResolve(s.to_string());
        // curl's HOST:PORT:ADDR form is accepted too, since people type it from habit.
        let (host, addr) = if let Some((h, a)) = s.split_once('=') {
            (h, a)
        } else {
            let mut parts = s.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(h), Some(p), Some(a)) if parse_port(p).is_ok() => (h, a),
                _ => return Err(bad()),
            }
        };
        let host = Host::parse(host).map_err(|_| bad())?;
        let address = parse_ip(addr).ok_or_else(bad)?;
        Ok(ResolveOverride { host, address })
    }
}

/// `--connect-to HOST:PORT:ADDR:PORT2`: the logical HOST:PORT is reached at ADDR:PORT2, with
/// names and certificate checks unchanged (like curl's `--connect-to`). An empty HOST matches
/// every host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The logical host, or `None` for any host.
    pub host: Option<Host>,
    /// The logical port.
    pub port: u16,
    /// Where to connect instead.
    pub target: SocketAddr,
}

impl FromStr for ConnectTo {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, PlanError> {
        let bad = || PlanError::BadConnectTo(s.to_string());
        // HOST and ADDR may be bracketed IPv6; split at the colons outside brackets.
        let mut fields = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                ':' if depth == 0 => {
                    fields.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        fields.push(&s[start..]);
        let [host, port, addr, port2] = fields.as_slice() else {
            return Err(bad());
        };
        let host = if host.is_empty() {
            None
        } else {
            Some(Host::parse(host).map_err(|_| bad())?)
        };
        let port = parse_port(port).map_err(|_| bad())?;
        let ip = parse_ip(addr).ok_or_else(bad)?;
        let port2 = parse_port(port2).map_err(|_| bad())?;
        Ok(ConnectTo {
            host,
            port,
            target: SocketAddr::new(ip, port2),
        })
    }
}

/// `--dns-server ADDR[:PORT]`.
pub fn parse_dns_server(text: &str) -> Result<SocketAddr, PlanError> {
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Ok(sa);
    }
    parse_ip(text)
        .map(|ip| SocketAddr::new(ip, 53))
        .ok_or_else(|| PlanError::BadDnsServer(text.to_string()))
}

/// One port to probe and what it is expected to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPlan {
    /// The port.
    pub port: u16,
    /// How it is tested first; the probes find out what it really speaks.
    pub security: Security,
}

/// Timeouts and the connect schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// How long an unanswered connect is waited for before the port is called filtered.
    pub connect_wait: Duration,
    /// When fresh connection attempts start while earlier ones are unanswered, from the
    /// first. Each sends its own SYN, so one lost SYN cannot make an open port look filtered.
    pub connect_attempts: Vec<Duration>,
    /// Every later step (greeting, each reply, TLS handshake).
    pub step: Duration,
    /// The DNS query.
    pub dns: Duration,
    /// Whether the connect wait may shrink once another port of the same host has answered
    /// (default timing only: a user's `--timeout` is waited in full).
    pub adaptive: bool,
}

impl Timing {
    /// Default connect wait: a SYN lost on a live path is answered by the next fresh attempt
    /// within a few hundred milliseconds, so 1.5 s with four attempts calls a dropped port
    /// filtered quickly while an open port with one lost SYN still opens.
    pub const DEFAULT_CONNECT_WAIT: Duration = Duration::from_millis(1500);
    /// Default for each later step.
    pub const DEFAULT_STEP: Duration = Duration::from_secs(5);

    /// Defaults, or every step bounded by the user's `--timeout` (which may be longer).
    pub fn new(user_timeout: Option<Duration>) -> Timing {
        let (connect_wait, step, dns) = match user_timeout {
            Some(t) => (t, t, t),
            None => (
                Self::DEFAULT_CONNECT_WAIT,
                Self::DEFAULT_STEP,
                Duration::from_secs(3),
            ),
        };
        let schedule = [0u64, 250, 500, 1000];
        let connect_attempts = schedule
            .iter()
            .map(|&ms| Duration::from_millis(ms))
            .filter(|d| d.is_zero() || *d < connect_wait)
            .collect();
        Timing {
            connect_wait,
            connect_attempts,
            step,
            dns,
            adaptive: user_timeout.is_none(),
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::new(None)
    }
}

/// The sender's domain step: the sender and the DKIM selectors to look at besides the
/// provider's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheck {
    /// The sender address (`From`).
    pub sender: Mailbox,
    /// `--dkim-selector` values.
    pub dkim_selectors: Vec<String>,
}

/// Everything a run needs to know, validated.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The host to probe, normalised.
    pub host: Host,
    /// Ports in the order asked.
    pub ports: Vec<PortPlan>,
    /// `--resolve` overrides.
    pub resolve: Vec<ResolveOverride>,
    /// `--connect-to` redirections.
    pub connect_to: Vec<ConnectTo>,
    /// `--dns-server`, or `None` for the system resolver.
    pub dns_server: Option<SocketAddr>,
    /// Timeouts.
    pub timing: Timing,
    /// Extra trusted roots (DER), from `--ca-file` or the demo's lab CA.
    pub extra_roots: Vec<Vec<u8>>,
    /// The name we announce in EHLO.
    pub ehlo_name: String,
    /// Log in with these, when set.
    pub credentials: Option<crate::plan::Credentials>,
    /// Send credentials even over a connection that is not encrypted and verified.
    pub insecure_auth: bool,
    /// Send a test message, when set.
    pub send: Option<crate::plan::SendPlan>,
    /// The port the test message goes through (the application's configured port).
    pub send_port: Option<u16>,
    /// Preflight: the application's own client, run beside the probe.
    pub app_client: Option<AppClientStep>,
    /// Ports tried only when none of `ports` connects: the provider's extra submission port
    /// (2525 at SendGrid, Mailgun, Brevo…), for networks that block 587 and 465.
    pub fallback_ports: Vec<PortPlan>,
    /// A port that is not SMTP (443) to connect to once on the first address, so that SMTP
    /// ports that are all dropped can be told from a host that is unreachable.
    pub control_port: Option<u16>,
    /// Read this machine's security state (products, firewall rules) when a port is filtered,
    /// denied or intercepted: the command line does; a library caller or `serve` opts in.
    pub machine_security: bool,
    /// Check the sender's domain (SPF, DKIM, DMARC, PTR) beside the probes.
    pub domain: Option<DomainCheck>,
}

/// The provider's extra submission port, when the ports are the defaults.
fn fallback_ports(host: &Host, defaults: bool) -> Vec<PortPlan> {
    crate::knowledge::providers::extra_submission_port(host)
        .filter(|_| defaults)
        .map(|port| PortPlan {
            port,
            security: Security::Starttls,
        })
        .into_iter()
        .collect()
}

impl Plan {
    /// A plan for `host` on `ports` (default 587 and 465) with default timing.
    pub fn new(host: &str, ports: &[u16]) -> Result<Plan, PlanError> {
        Plan::for_host(Host::parse(host)?, ports)
    }

    /// A plan for a host already validated, on `ports` (default 587 and 465), default timing.
    pub fn for_host(host: Host, ports: &[u16]) -> Result<Plan, PlanError> {
        let fallback = fallback_ports(&host, ports.is_empty());
        let ports = if ports.is_empty() {
            &DEFAULT_PORTS[..]
        } else {
            ports
        };
        let mut seen = Vec::new();
        for &p in ports {
            if p == 0 {
                return Err(PlanError::BadPort("0".into()));
            }
            if !seen.contains(&p) {
                seen.push(p);
            }
        }
        Ok(Plan {
            host,
            ports: seen
                .into_iter()
                .map(|port| PortPlan {
                    port,
                    security: Security::conventional_for_port(port),
                })
                .collect(),
            resolve: Vec::new(),
            connect_to: Vec::new(),
            dns_server: None,
            timing: Timing::default(),
            extra_roots: Vec::new(),
            ehlo_name: "smtp-doctor.localdomain".to_string(),
            credentials: None,
            insecure_auth: false,
            send: None,
            send_port: None,
            app_client: None,
            control_port: None,
            machine_security: false,
            fallback_ports: fallback,
            domain: None,
        })
    }

    /// Where to connect for the logical `address`:`port` of this plan's host.
    pub fn connect_target(&self, address: IpAddr, port: u16) -> SocketAddr {
        self.connect_to
            .iter()
            .find(|c| c.port == port && c.host.as_ref().is_none_or(|h| *h == self.host))
            .map(|c| c.target)
            .unwrap_or(SocketAddr::new(address, port))
    }
}

impl fmt::Display for PortPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.port, self.security.as_str())
    }
}

impl Plan {
    /// The plan that tests the configured path and the alternatives on the same host: the
    /// configured port in the configured mode, then 587 (STARTTLS) and 465 (implicit TLS).
    pub fn preflight(
        path: &ConfiguredPath,
        user_timeout: Option<Duration>,
    ) -> Result<Plan, PlanError> {
        let mut ports = vec![path.port];
        for alt in DEFAULT_PORTS {
            if !ports.contains(&alt) {
                ports.push(alt);
            }
        }
        let mut plan = Plan::for_host(path.host.clone(), &ports)?;
        plan.fallback_ports = fallback_ports(&plan.host, true)
            .into_iter()
            .filter(|p| !ports.contains(&p.port))
            .collect();
        // The configured port is tested the way the application will use it first.
        if let Some(sec) = path.security.mode() {
            plan.ports[0] = PortPlan {
                port: path.port,
                security: if sec == Security::Plain {
                    Security::Starttls
                } else {
                    sec
                },
            };
        }
        plan.timing = Timing::new(user_timeout);
        plan.send_port = Some(path.port);
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "smtp.gmail.com",
            "localhost",
            "127.0.0.1",
            "::1",
            "[::1]",
            "mail_1.x.test.",
        ] {
            assert!(validate_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "smtp..gmail.com",
            "-a.com",
            "a b",
            "http://x",
            "999.1.1.1",
            "1.2.3",
            "[zz]",
        ] {
            assert!(validate_host(bad).is_err(), "{bad}");
        }
        assert_eq!(
            validate_host("SMTP.Gmail.com").unwrap().to_string(),
            "smtp.gmail.com"
        );
    }

    #[test]
    fn ports_and_timeouts() {
        assert_eq!(parse_port("587"), Ok(587));
        assert!(parse_port("0").is_err());
        assert!(parse_port("70000").is_err());
        assert!(parse_port("abc").is_err());
        assert_eq!(parse_timeout("2.5"), Ok(Duration::from_millis(2500)));
        for bad in ["-1", "0", "nan", "inf", "x", "4000"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resolve_overrides() {
        let r: ResolveOverride = "smtp.gmail.com=192.0.2.1".parse().unwrap();
        assert_eq!(r.address, "192.0.2.1".parse::<IpAddr>().unwrap());
        let r: ResolveOverride = "smtp.gmail.com=[2001:db8::1]".parse().unwrap();
        assert!(r.address.is_ipv6());
        let r: ResolveOverride = "smtp.gmail.com:587:192.0.2.1".parse().unwrap();
        assert_eq!(r.host.to_string(), "smtp.gmail.com");
        for bad in ["smtp.gmail.com", "=1.2.3.4", "x=notanip", "x=1.2.3"] {
            assert!(bad.parse::<ResolveOverride>().is_err(), "{bad}");
        }
    }

    #[test]
    fn connect_to() {
        let c: ConnectTo = "smtp.gmail.com:587:127.0.0.1:2587".parse().unwrap();
        assert_eq!(c.target, "127.0.0.1:2587".parse().unwrap());
        let c: ConnectTo = ":465:[::1]:2465".parse().unwrap();
        assert_eq!(c.host, None);
        assert_eq!(c.target, "[::1]:2465".parse().unwrap());
        for bad in ["a:1:2", "a:0:127.0.0.1:1", "a:1:b:2", "a:1:127.0.0.1:70000"] {
            assert!(bad.parse::<ConnectTo>().is_err(), "{bad}");
        }
        let mut plan = Plan::new("smtp.gmail.com", &[587]).unwrap();
        plan.connect_to
            .push("smtp.gmail.com:587:127.0.0.1:2587".parse().unwrap());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            plan.connect_target(ip, 587),
            "127.0.0.1:2587".parse().unwrap()
        );
        assert_eq!(plan.connect_target(ip, 465), SocketAddr::new(ip, 465));
    }

    #[test]
    fn default_schedule_stays_inside_the_wait() {
        let t = Timing::new(Some(Duration::from_millis(400)));
        assert_eq!(
            t.connect_attempts,
            vec![Duration::ZERO, Duration::from_millis(250)]
        );
        assert_eq!(Timing::default().connect_attempts.len(), 4);
    }

    #[test]
    fn dns_server() {
        assert_eq!(parse_dns_server("127.0.0.1").unwrap().port(), 53);
        assert_eq!(parse_dns_server("127.0.0.1:5353").unwrap().port(), 5353);
        assert_eq!(parse_dns_server("[::1]:5353").unwrap().port(), 5353);
        assert!(parse_dns_server("dns.google").is_err());
    }
}
