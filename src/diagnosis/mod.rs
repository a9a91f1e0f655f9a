//! Diagnosis: a pure function from observations to findings, verdict, cause and fixes.
//! No I/O here, so every failure mode is tested on hand-built or recorded observations.

mod app_client;
pub(crate) mod domain;
mod endpoint;
pub(crate) mod finding;
pub(crate) mod in_the_way;
pub(crate) mod preflight;
mod recommend;
mod redirect;
mod verdict;
pub(crate) mod vocabulary;

pub use finding::Said;
pub(crate) use finding::Saying;
pub use finding::{Finding, FindingCode, Recommendation, Severity, Verdict};

use crate::frameworks;
use crate::i18n::Msg;
use crate::model::{DnsOutcome, EndpointObservation, Family, Observations, Security, TcpState};
use crate::model::{GreetingOutcome, SendOutcome};
use endpoint::{endpoint_findings, EndpointFinding};
use recommend::plain_rec;
use std::net::IpAddr;
use verdict::{verdict_and_cause, with_domain, Judged, PortStatus};

/// The user the login was tried with, escaped, as the credentials' findings and fixes show it.
fn login_user_shown(obs: &Observations) -> String {
    obs.endpoints
        .iter()
        .find_map(|e| {
            e.auth
                .as_ref()
                .map(|a| crate::printable::escape(a.user.as_bytes()))
        })
        .unwrap_or_default()
}

/// Certificates expiring within this many days get a warning.
pub(crate) const EXPIRY_WARNING_DAYS: i64 = 14;

/// What the diagnosis needs besides the observations, and the report's language.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The language the report is written in. The diagnosis does not read it: what it says is
    /// typed ([`Said`]), and rendered where the report is built.
    pub lang: crate::i18n::Lang,
    /// Whose setting names the fixes use.
    pub framework: frameworks::Framework,
    /// The login user, for fixes that spell it (an `EMAIL_URL`); never a secret.
    pub login_user: Option<String>,
}

/// The outcome of [`diagnose`].
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// Overall answer.
    pub verdict: Verdict,
    /// Root cause, `None` when ok.
    pub cause: Option<FindingCode>,
    /// Findings, errors first.
    pub findings: Vec<Finding<Said>>,
    /// Fixes, best first.
    pub recommendations: Vec<Recommendation<Said>>,
}

/// How well a port did across its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortHealth {
    Healthy,
    Partial,
    Failed,
}

/// Observations → diagnosis. Pure.
pub fn diagnose(obs: &Observations, opts: &Options) -> Diagnosis {
    let ports = port_statuses(obs);
    let (domain_findings, domain_recs) =
        obs.domain.as_ref().map(domain::assess).unwrap_or_default();
    if let Some((finding, rec)) = dns_failure(obs) {
        let mut findings = vec![finding];
        findings.extend(domain_findings);
        let (verdict, cause) = verdict_and_cause(&findings, &ports, Judged::EveryPort);
        let mut recommendations = vec![rec];
        recommendations.extend(domain_recs);
        return Diagnosis {
            verdict,
            cause,
            findings,
            recommendations,
        };
    }
    let mut findings: Vec<Finding<Said>> = Vec::new();
    for status in &ports {
        findings.extend(port_findings(obs, status, &ports, opts));
    }
    // Another server answering for a public provider explains its certificate: said first.
    for (i, f) in redirect::findings(obs).into_iter().enumerate() {
        findings.insert(i, f);
    }
    // What the credentials break of the provider's rules: warnings, never the cause.
    for lint in &obs.credential_lints {
        let user = login_user_shown(obs);
        findings.push(Finding {
            code: FindingCode::AuthCredentialsSuspect,
            severity: Severity::Warning,
            port: None,
            addresses: Vec::new(),
            message: Msg::AuthCredentialsSuspect { lint: *lint, user }.into(),
            evidence: None,
        });
    }
    // A blocked network explains its dropped ports: said first.
    if let Some(blocked) = smtp_blocked(obs) {
        findings.insert(0, blocked);
    }
    // The sender's domain: after the path's findings, and never their cause.
    findings.extend(domain_findings);
    // Errors first, then warnings, then info; stable within a severity (port order).
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let (verdict, cause) = with_domain(
        verdict_and_cause(&findings, &ports, Judged::EveryPort),
        &findings,
    );
    let mut recommendations = recommend::recommend(obs, &ports, &findings, opts);
    recommendations.extend(domain_recs);
    Diagnosis {
        verdict,
        cause,
        findings,
        recommendations,
    }
}

/// Every SMTP port dropped on every address while the control port of the same address
/// answers: the network blocks outbound SMTP (said with the cloud provider's policy when the
/// machine is one of its VMs). When the control port is dropped too, nothing is said: the host
/// may be unreachable altogether.
fn smtp_blocked(obs: &Observations) -> Option<Finding<Said>> {
    let control = obs.control.as_ref().filter(|c| c.answered())?;
    let all_dropped = !obs.endpoints.is_empty()
        && obs
            .endpoints
            .iter()
            .all(|e| e.tcp.state == crate::model::TcpState::Filtered);
    if !all_dropped {
        return None;
    }
    let hosting = crate::knowledge::hosting::blocking_any(obs.environment.hosting, &obs.ports);
    let msg = Msg::NetSmtpBlocked {
        ports: obs.ports.clone(),
        control_port: control.port,
        hosting: hosting.map(|p| p.hosting),
    };
    let mut evidence = vec![format!(
        "port {} on {}: {} in {:.0} ms",
        control.port,
        control.address,
        control.tcp.state.as_str(),
        control.tcp.ms
    )];
    evidence.extend(obs.environment.evidence.iter().cloned());
    if let Some(p) = hosting {
        evidence.push(p.source.to_string());
    }
    Some(Finding {
        code: FindingCode::NetSmtpBlocked,
        severity: Severity::Error,
        port: None,
        addresses: vec![control.address],
        message: msg.into(),
        evidence: Some(evidence.join("; ")),
    })
}

/// The DNS step's finding and fix, when the name did not resolve.
fn dns_failure(obs: &Observations) -> Option<(Finding<Said>, Recommendation<Said>)> {
    let host = obs.host.to_string();
    let resolver_answers = obs.dns.resolver_answers == Some(true);
    let (code, msg, evidence) = match &obs.dns.outcome {
        DnsOutcome::Resolved => return None,
        DnsOutcome::NxDomain => (FindingCode::DnsNxdomain, Msg::DnsNxdomain { host }, None),
        DnsOutcome::NoAddress => (FindingCode::DnsNoAddress, Msg::DnsNoAddress { host }, None),
        DnsOutcome::Failed { reason } => {
            let reason = reason.clone();
            let msg = if resolver_answers {
                Msg::DnsFailedForName {
                    host,
                    reason: reason.clone(),
                }
            } else {
                Msg::DnsFailed {
                    host,
                    reason: reason.clone(),
                }
            };
            (FindingCode::DnsFailed, msg, Some(reason))
        }
    };
    let rec = match code {
        FindingCode::DnsFailed if !resolver_answers => Msg::RecCheckResolver,
        _ => Msg::RecCheckHostName {
            host: obs.host.to_string(),
        },
    };
    let finding = Finding {
        code,
        severity: Severity::Error,
        port: None,
        addresses: Vec::new(),
        message: msg.into(),
        evidence,
    };
    Some((finding, plain_rec(rec)))
}

/// Every port asked for, with how it did.
fn port_statuses(obs: &Observations) -> Vec<PortStatus> {
    obs.ports
        .iter()
        .map(|&port| PortStatus {
            port,
            health: port_health(obs, port),
        })
        .collect()
}

/// The findings of one port: its endpoints' findings merged, and a broken address family.
fn port_findings(
    obs: &Observations,
    status: &PortStatus,
    ports: &[PortStatus],
    opts: &Options,
) -> Vec<Finding<Said>> {
    let port = status.port;
    let eps: Vec<&EndpointObservation> = obs.on_port(port).collect();
    // Another port that works, to say "the server answers on 465, so it is not down".
    let other_port_works = ports
        .iter()
        .find(|s| s.health == PortHealth::Healthy && s.port != port)
        .map(|s| s.port);
    let mut found: Vec<Finding<Said>> = Vec::new();
    for ep in &eps {
        for f in endpoint_findings(
            ep,
            other_port_works,
            obs.observed_at_unix,
            opts.framework,
            obs.environment.hosting,
        ) {
            merge(&mut found, f, ep.address, port);
        }
    }
    if status.health == PortHealth::Partial {
        if let Some((works, fails)) = family_split(&eps) {
            let addresses = eps
                .iter()
                .filter(|e| e.family == fails)
                .map(|e| e.address)
                .collect();
            let broken = Finding {
                code: FindingCode::NetIpv6Broken,
                severity: Severity::Error,
                port: Some(port),
                addresses,
                message: Msg::Ipv6Broken { port, works, fails }.into(),
                evidence: None,
            };
            found.insert(0, broken);
        }
    }
    found
}

/// An endpoint completes greeting, EHLO and TLS with a verified certificate, and the login
/// and test message where they were tried on it.
pub(crate) fn endpoint_is_healthy(ep: &EndpointObservation) -> bool {
    transport_is_healthy(ep) && session_is_ok(ep)
}

/// The login and test message, where tried, worked. They are tried on one address per port,
/// and what they say (a wrong password, a refused sender) is true of the whole port.
fn session_is_ok(ep: &EndpointObservation) -> bool {
    ep.auth.as_ref().is_none_or(|a| a.accepted())
        && ep
            .send
            .as_ref()
            .is_none_or(|s| s.outcome == SendOutcome::Accepted)
}

/// Greeting, EHLO and TLS with a verified certificate: what the network and the server's
/// set-up decide for each address.
pub(crate) fn transport_is_healthy(ep: &EndpointObservation) -> bool {
    if ep.tcp.state != TcpState::Open {
        return false;
    }
    let Some(smtp) = &ep.smtp else { return false };
    if !matches!(smtp.greeting, GreetingOutcome::Ok { .. }) {
        return false;
    }
    let ehlo_ok = smtp.effective_capabilities().is_some();
    let tls_ok = ep.tls.as_ref().is_some_and(|t| t.is_secure());
    ehlo_ok && tls_ok
}

/// Some address of `port` completes the whole path (login and message included, where tried).
pub(crate) fn port_works(obs: &Observations, port: u16) -> bool {
    port_health(obs, port) != PortHealth::Failed
}

fn port_health(obs: &Observations, port: u16) -> PortHealth {
    let eps: Vec<&EndpointObservation> = obs.on_port(port).collect();
    // A failed login or message fails the port on every address.
    if eps.iter().any(|e| !session_is_ok(e)) {
        return PortHealth::Failed;
    }
    let good = eps.iter().filter(|e| transport_is_healthy(e)).count();
    if eps.is_empty() || good == 0 {
        PortHealth::Failed
    } else if good == eps.len() {
        PortHealth::Healthy
    } else {
        PortHealth::Partial
    }
}

/// When every endpoint of one family works and none of the other does: (works, fails).
fn family_split(eps: &[&EndpointObservation]) -> Option<(Family, Family)> {
    let fam = |f: Family| eps.iter().filter(move |e| e.family == f);
    let all_ok = |f: Family| fam(f).count() > 0 && fam(f).all(|e| transport_is_healthy(e));
    let none_ok = |f: Family| fam(f).count() > 0 && fam(f).all(|e| !transport_is_healthy(e));
    if all_ok(Family::Ipv4) && none_ok(Family::Ipv6) {
        Some((Family::Ipv4, Family::Ipv6))
    } else if all_ok(Family::Ipv6) && none_ok(Family::Ipv4) {
        Some((Family::Ipv6, Family::Ipv4))
    } else {
        None
    }
}

fn merge(into: &mut Vec<Finding<Said>>, f: EndpointFinding, address: IpAddr, port: u16) {
    if let Some(existing) = into.iter_mut().find(|e| e.code == f.code) {
        if !existing.addresses.contains(&address) {
            existing.addresses.push(address);
        }
        return;
    }
    into.push(Finding {
        code: f.code,
        severity: f.severity,
        port: Some(port),
        addresses: vec![address],
        message: f.msg.into(),
        evidence: f.evidence,
    });
}

/// The security a port was found to speak, when it works (login and message included).
pub(crate) fn working_security(obs: &Observations, port: u16) -> Option<Security> {
    if !port_works(obs, port) {
        return None;
    }
    obs.on_port(port)
        .find(|e| endpoint_is_healthy(e))
        .map(|e| e.security)
}
