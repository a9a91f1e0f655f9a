//! Diagnosis: a pure function from observations to findings, verdict, cause and fixes.
//! No I/O here, so every failure mode is tested on hand-built or recorded observations.

pub mod finding;
pub mod preflight;

pub use finding::{Finding, FindingCode, Recommendation, Severity, Verdict};

use crate::frameworks;
use crate::i18n::{self, Lang, Msg};
use crate::knowledge::rejections::{classify_rejection, RejectionKind};
use crate::model::{
    AuthOutcome, GreetingOutcome, HandshakeOutcome, SendOutcome, StarttlsOutcome, Verification,
};
use crate::model::{DnsOutcome, EndpointObservation, Family, Observations, Security, TcpState};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Certificates expiring within this many days get a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// What the diagnosis needs besides the observations.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Language of the messages.
    pub lang: Lang,
    /// Whose setting names the fixes use.
    pub framework: frameworks::Framework,
}

/// The outcome of [`diagnose`].
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// Overall answer.
    pub verdict: Verdict,
    /// Root cause, `None` when ok.
    pub cause: Option<FindingCode>,
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Fixes, best first.
    pub recommendations: Vec<Recommendation>,
}

/// A finding about one endpoint, before endpoints of the same port are merged.
#[derive(Debug, Clone)]
struct EndpointFinding {
    code: FindingCode,
    severity: Severity,
    msg: Msg,
    evidence: Option<String>,
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
    let lang = opts.lang;
    let host = &obs.host;
    let dns_finding = match &obs.dns.outcome {
        DnsOutcome::Resolved => None,
        DnsOutcome::NxDomain => Some((
            FindingCode::DnsNxdomain,
            Msg::DnsNxdomain { host: host.clone() },
            None,
        )),
        DnsOutcome::NoAddress => Some((
            FindingCode::DnsNoAddress,
            Msg::DnsNoAddress { host: host.clone() },
            None,
        )),
        DnsOutcome::Failed { reason } => {
            let (host, reason) = (host.clone(), reason.clone());
            let msg = if obs.dns.resolver_answers == Some(true) {
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
            Some((FindingCode::DnsFailed, msg, Some(reason)))
        }
    };
    if let Some((code, msg, evidence)) = dns_finding {
        let rec = match code {
            FindingCode::DnsFailed if obs.dns.resolver_answers != Some(true) => {
                Msg::RecCheckResolver
            }
            _ => Msg::RecCheckHostName { host: host.clone() },
        };
        return Diagnosis {
            verdict: Verdict::Failed,
            cause: Some(code),
            findings: vec![Finding {
                code,
                severity: Severity::Error,
                port: None,
                addresses: Vec::new(),
                message: i18n::text(lang, &msg),
                evidence,
            }],
            recommendations: vec![plain_rec(lang, &rec)],
        };
    }

    // Which ports work at all, to say "the server answers on 465, so it is not down".
    let healthy_ports: Vec<u16> = obs
        .ports
        .iter()
        .copied()
        .filter(|&p| port_health(obs, p) == PortHealth::Healthy)
        .collect();

    let mut findings: Vec<Finding> = Vec::new();
    let mut port_causes: Vec<(u16, PortHealth, Option<FindingCode>)> = Vec::new();
    for &port in &obs.ports {
        let eps: Vec<&EndpointObservation> =
            obs.endpoints.iter().filter(|e| e.port == port).collect();
        let other_port_works = healthy_ports.iter().copied().find(|&p| p != port);
        let mut port_findings: Vec<Finding> = Vec::new();
        for ep in &eps {
            for f in endpoint_findings(ep, other_port_works, obs.observed_at_unix) {
                merge(&mut port_findings, f, ep.address, port, lang);
            }
        }
        let health = port_health(obs, port);
        if health == PortHealth::Partial {
            if let Some((works, fails)) = family_split(&eps) {
                port_findings.insert(
                    0,
                    Finding {
                        code: FindingCode::NetIpv6Broken,
                        severity: Severity::Error,
                        port: Some(port),
                        addresses: eps
                            .iter()
                            .filter(|e| e.family == fails)
                            .map(|e| e.address)
                            .collect(),
                        message: i18n::text(lang, &Msg::Ipv6Broken { port, works, fails }),
                        evidence: None,
                    },
                );
            }
        }
        let cause = if health == PortHealth::Healthy {
            None
        } else {
            port_findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .min_by_key(|f| (f.code.layer(), cause_priority(f.code)))
                .map(|f| f.code)
        };
        port_causes.push((port, health, cause));
        findings.extend(port_findings);
    }
    // Errors first, then warnings, then info; stable within a severity (port order).
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let all_healthy = port_causes
        .iter()
        .all(|(_, h, _)| *h == PortHealth::Healthy);
    let none_healthy = port_causes.iter().all(|(_, h, _)| *h == PortHealth::Failed);
    let verdict = if obs.endpoints.is_empty() {
        Verdict::Failed
    } else if all_healthy {
        Verdict::Ok
    } else if none_healthy {
        Verdict::Failed
    } else {
        Verdict::Degraded
    };
    let first_failing = port_causes
        .iter()
        .find(|(_, h, _)| *h != PortHealth::Healthy);
    let cause = if verdict == Verdict::Ok {
        None
    } else {
        first_failing.and_then(|(_, _, c)| *c)
    };
    let recommendations = recommend(obs, &port_causes, opts);
    Diagnosis {
        verdict,
        cause,
        findings,
        recommendations,
    }
}

/// Within a layer, the more explanatory code wins the cause.
fn cause_priority(code: FindingCode) -> u8 {
    match code {
        FindingCode::NetIpv6Broken => 0,
        FindingCode::TlsIntercepted => 0,
        _ => 1,
    }
}

/// An endpoint completes greeting, EHLO and TLS with a verified certificate, and the login
/// and test message where they were tried on it.
pub fn endpoint_is_healthy(ep: &EndpointObservation) -> bool {
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
pub fn transport_is_healthy(ep: &EndpointObservation) -> bool {
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
pub fn port_works(obs: &Observations, port: u16) -> bool {
    port_health(obs, port) != PortHealth::Failed
}

fn port_health(obs: &Observations, port: u16) -> PortHealth {
    let eps: Vec<&EndpointObservation> = obs.endpoints.iter().filter(|e| e.port == port).collect();
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

fn merge(into: &mut Vec<Finding>, f: EndpointFinding, address: IpAddr, port: u16, lang: Lang) {
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
        message: i18n::text(lang, &f.msg),
        evidence: f.evidence,
    });
}

fn endpoint_findings(
    ep: &EndpointObservation,
    other_port_works: Option<u16>,
    now_unix: i64,
) -> Vec<EndpointFinding> {
    let port = ep.port;
    let mut out = Vec::new();
    let err = |code, msg, evidence| EndpointFinding {
        code,
        severity: Severity::Error,
        msg,
        evidence,
    };
    let errno = ep.tcp.os_error.as_ref().map(|e| {
        e.name.clone().unwrap_or_default() + &e.code.map(|c| format!(" ({c})")).unwrap_or_default()
    });
    match ep.tcp.state {
        TcpState::Open => {}
        TcpState::Filtered => {
            out.push(err(
                FindingCode::TcpFiltered,
                Msg::TcpFiltered {
                    port,
                    syns: ep.tcp.syns,
                    secs: ep.tcp.ms / 1000.0,
                    other_port_works,
                },
                Some(format!(
                    "{} SYN / {} attempts unanswered in {:.0} ms",
                    ep.tcp.syns, ep.tcp.attempts, ep.tcp.ms
                )),
            ));
            return out;
        }
        TcpState::Refused => {
            out.push(err(
                FindingCode::TcpRefused,
                Msg::TcpRefused {
                    port,
                    other_port_works,
                },
                errno,
            ));
            return out;
        }
        TcpState::Unreachable => {
            let detail = errno.clone().unwrap_or_default();
            out.push(err(
                FindingCode::TcpUnreachable,
                Msg::TcpUnreachable { port, detail },
                errno,
            ));
            return out;
        }
        TcpState::Denied => {
            let detail = errno.clone().unwrap_or_default();
            out.push(err(
                FindingCode::TcpDenied,
                Msg::TcpDenied { port, detail },
                errno,
            ));
            return out;
        }
    }
    if ep.security != ep.expected_security {
        let msg = match ep.security {
            Security::ImplicitTls => Some((
                FindingCode::PortSpeaksImplicitTls,
                Msg::PortSpeaksImplicitTls { port },
            )),
            Security::Starttls if ep.expected_security == Security::ImplicitTls => Some((
                FindingCode::PortStartsInPlainText,
                Msg::PortStartsInPlainText { port },
            )),
            _ => None,
        };
        if let Some((code, msg)) = msg {
            out.push(EndpointFinding {
                code,
                severity: Severity::Info,
                msg,
                evidence: None,
            });
        }
    }
    if let Some(smtp) = &ep.smtp {
        match &smtp.greeting {
            GreetingOutcome::Ok { .. } => {}
            GreetingOutcome::Silent { waited_ms } => {
                out.push(err(
                    FindingCode::SmtpNoGreeting,
                    Msg::SmtpNoGreeting {
                        port,
                        secs: waited_ms / 1000.0,
                    },
                    None,
                ));
                return out;
            }
            GreetingOutcome::Closed { .. } => {
                out.push(err(
                    FindingCode::SmtpNoGreeting,
                    Msg::SmtpNoGreeting { port, secs: 0.0 },
                    Some("the server closed the connection without a greeting".into()),
                ));
                return out;
            }
            GreetingOutcome::Rejected { code, text, .. } => {
                let reply = format!("{code} {text}");
                out.push(err(
                    FindingCode::SmtpRejectedGreeting,
                    Msg::SmtpRejectedGreeting {
                        port,
                        reply: reply.clone(),
                    },
                    Some(reply),
                ));
                return out;
            }
            GreetingOutcome::NotSmtp { evidence, .. } => {
                out.push(err(
                    FindingCode::SmtpNotSmtp,
                    Msg::SmtpNotSmtp {
                        port,
                        evidence: evidence.clone(),
                    },
                    Some(evidence.clone()),
                ));
                return out;
            }
        }
        if let Some(ehlo) = &smtp.ehlo {
            if !ehlo.accepted() {
                let reply = format!("{} {}", ehlo.code, ehlo.text);
                out.push(err(
                    FindingCode::SmtpEhloRejected,
                    Msg::SmtpEhloRejected {
                        port,
                        reply: reply.clone(),
                    },
                    Some(reply),
                ));
                return out;
            }
        }
        match &smtp.starttls {
            Some(StarttlsOutcome::NotOffered) => {
                out.push(err(
                    FindingCode::SmtpStarttlsMissing,
                    Msg::SmtpStarttlsMissing { port, reply: None },
                    None,
                ));
                // No early return: a login tried anyway (or withheld) is said too.
            }
            Some(StarttlsOutcome::Refused { code, text }) => {
                let reply = format!("{code} {text}");
                out.push(err(
                    FindingCode::SmtpStarttlsMissing,
                    Msg::SmtpStarttlsMissing {
                        port,
                        reply: Some(reply.clone()),
                    },
                    Some(reply),
                ));
                return out;
            }
            Some(StarttlsOutcome::NoReply { reason }) => {
                out.push(err(
                    FindingCode::SmtpStarttlsMissing,
                    Msg::SmtpStarttlsMissing {
                        port,
                        reply: Some(reason.clone()),
                    },
                    Some(reason.clone()),
                ));
                return out;
            }
            _ => {}
        }
    }
    out.extend(auth_and_send_findings(ep));
    let Some(tls) = &ep.tls else { return out };
    if let HandshakeOutcome::Failed { reason, .. } = &tls.handshake {
        out.push(err(
            FindingCode::TlsHandshakeFailed,
            Msg::TlsHandshakeFailed {
                port,
                reason: reason.clone(),
            },
            Some(reason.clone()),
        ));
        return out;
    }
    let leaf = tls.chain.first();
    if let Some(i) = &tls.interception {
        let msg = Msg::TlsIntercepted {
            port,
            product: i.product.clone(),
            issuer: i.issuer.clone(),
            trusted: i.trusted_locally,
        };
        let severity = if i.trusted_locally {
            Severity::Warning
        } else {
            Severity::Error
        };
        out.push(EndpointFinding {
            code: FindingCode::TlsIntercepted,
            severity,
            msg,
            evidence: Some(i.issuer.clone()),
        });
    }
    match &tls.verification {
        Some(Verification::Verified) | None => {}
        Some(Verification::Expired { detail }) => out.push(err(
            FindingCode::TlsCertExpired,
            Msg::TlsCertExpired {
                port,
                not_after: leaf.map(|c| c.not_after.clone()).unwrap_or_default(),
            },
            Some(detail.clone()),
        )),
        Some(Verification::NameMismatch {
            expected,
            presented,
        }) => out.push(err(
            FindingCode::TlsCertNameMismatch,
            Msg::TlsCertNameMismatch {
                port,
                expected: expected.clone(),
                presented: presented.join(", "),
            },
            Some(format!("certificate names: {}", presented.join(", "))),
        )),
        Some(Verification::Untrusted { detail }) | Some(Verification::Invalid { detail }) => out
            .push(err(
                FindingCode::TlsCertUntrusted,
                Msg::TlsCertUntrusted {
                    port,
                    issuer: leaf.map(|c| c.issuer.clone()).unwrap_or_default(),
                },
                Some(detail.clone()),
            )),
    }
    if let Some(leaf) = leaf {
        let days = (leaf.not_after_unix - now_unix).div_euclid(86_400);
        if tls.verification == Some(Verification::Verified)
            && (0..EXPIRY_WARNING_DAYS).contains(&days)
        {
            out.push(EndpointFinding {
                code: FindingCode::TlsCertExpiringSoon,
                severity: Severity::Warning,
                msg: Msg::TlsCertExpiringSoon {
                    port,
                    days,
                    not_after: leaf.not_after.clone(),
                },
                evidence: None,
            });
        }
    }
    out
}

/// Findings of the login and the test message.
fn auth_and_send_findings(ep: &EndpointObservation) -> Vec<EndpointFinding> {
    let port = ep.port;
    let mut out = Vec::new();
    let err = |code, msg, evidence: String| EndpointFinding {
        code,
        severity: Severity::Error,
        msg,
        evidence: Some(evidence),
    };
    if let Some(auth) = &ep.auth {
        match &auth.outcome {
            AuthOutcome::Accepted { .. } => {}
            AuthOutcome::Rejected {
                code,
                enhanced,
                text,
            } => {
                let reply = format!("{code} {text}");
                let (c, msg) = match classify_rejection(*code, enhanced.as_deref(), text) {
                    RejectionKind::AppPasswordRequired => (
                        FindingCode::AuthAppPasswordRequired,
                        Msg::AuthAppPasswordRequired {
                            port,
                            reply: reply.clone(),
                        },
                    ),
                    RejectionKind::BasicAuthDisabledTenant => (
                        FindingCode::AuthBasicAuthDisabled,
                        Msg::AuthBasicAuthDisabled {
                            port,
                            reply: reply.clone(),
                            security_defaults: false,
                        },
                    ),
                    RejectionKind::BasicAuthDisabledSecurityDefaults => (
                        FindingCode::AuthBasicAuthDisabled,
                        Msg::AuthBasicAuthDisabled {
                            port,
                            reply: reply.clone(),
                            security_defaults: true,
                        },
                    ),
                    RejectionKind::Failed => (
                        FindingCode::AuthFailed,
                        Msg::AuthFailed {
                            port,
                            reply: reply.clone(),
                        },
                    ),
                };
                out.push(err(c, msg, reply));
            }
            AuthOutcome::NotOffered { offered } => {
                let offered = if offered.is_empty() {
                    "—".to_string()
                } else {
                    offered.join(" ")
                };
                out.push(err(
                    FindingCode::AuthNotOffered,
                    Msg::AuthNotOffered {
                        port,
                        offered: offered.clone(),
                    },
                    format!("AUTH offered: {offered}"),
                ));
            }
            AuthOutcome::RefusedPlaintext { reason } => {
                out.push(err(
                    FindingCode::AuthRefusedPlaintext,
                    Msg::AuthRefusedPlaintext {
                        port,
                        reason: reason.clone(),
                    },
                    reason.clone(),
                ));
            }
            AuthOutcome::NoReply { reason } => {
                out.push(err(
                    FindingCode::AuthFailed,
                    Msg::AuthFailed {
                        port,
                        reply: reason.clone(),
                    },
                    reason.clone(),
                ));
            }
        }
    }
    if let Some(send) = &ep.send {
        let reply = |r: &Option<crate::model::ReplySummary>| {
            r.as_ref()
                .map(|r| format!("{} {}", r.code, r.text))
                .unwrap_or_default()
        };
        match &send.outcome {
            SendOutcome::Accepted => {}
            SendOutcome::SenderRejected => {
                let r = reply(&send.mail_from);
                out.push(err(
                    FindingCode::SendSenderRejected,
                    Msg::SendSenderRejected {
                        port,
                        reply: r.clone(),
                    },
                    r,
                ));
            }
            SendOutcome::RecipientRejected => {
                let r = reply(&send.rcpt_to);
                out.push(err(
                    FindingCode::SendRecipientRejected,
                    Msg::SendRecipientRejected {
                        port,
                        reply: r.clone(),
                    },
                    r,
                ));
            }
            SendOutcome::MessageRejected => {
                let r = if send.final_reply.is_some() {
                    reply(&send.final_reply)
                } else {
                    reply(&send.data)
                };
                out.push(err(
                    FindingCode::SendMessageRejected,
                    Msg::SendMessageRejected {
                        port,
                        reply: r.clone(),
                    },
                    r,
                ));
            }
            SendOutcome::Interrupted { reason } => {
                out.push(err(
                    FindingCode::SendMessageRejected,
                    Msg::SendMessageRejected {
                        port,
                        reply: reason.clone(),
                    },
                    reason.clone(),
                ));
            }
        }
    }
    out
}

fn plain_rec(lang: Lang, msg: &Msg) -> Recommendation {
    Recommendation {
        port: None,
        security: None,
        message: i18n::text(lang, msg),
        settings: BTreeMap::new(),
        commands: Vec::new(),
    }
}

/// The security a port was found to speak, when it works (login and message included).
pub fn working_security(obs: &Observations, port: u16) -> Option<Security> {
    if !port_works(obs, port) {
        return None;
    }
    obs.endpoints
        .iter()
        .find(|e| e.port == port && endpoint_is_healthy(e))
        .map(|e| e.security)
}

fn recommend(
    obs: &Observations,
    ports: &[(u16, PortHealth, Option<FindingCode>)],
    opts: &Options,
) -> Vec<Recommendation> {
    let lang = opts.lang;
    let fw = opts.framework;
    let mut recs = Vec::new();
    let Some(&(failing_port, health, cause)) =
        ports.iter().find(|(_, h, _)| *h != PortHealth::Healthy)
    else {
        return recs;
    };
    // IPv6 broken: the port itself works over IPv4.
    if health == PortHealth::Partial && cause == Some(FindingCode::NetIpv6Broken) {
        recs.push(plain_rec(lang, &Msg::RecPreferIpv4 { port: failing_port }));
    }
    // A port that works from here, tested end to end: the first fix. Implicit TLS first
    // (RFC 8314 prefers it), then in the order asked.
    let mut healthy: Vec<(u16, Security)> = ports
        .iter()
        .filter(|(_, h, _)| *h == PortHealth::Healthy)
        .filter_map(|(p, _, _)| working_security(obs, *p).map(|s| (*p, s)))
        .collect();
    healthy.sort_by_key(|(_, s)| *s != Security::ImplicitTls);
    for (port, security) in healthy {
        recs.push(Recommendation {
            port: Some(port),
            security: Some(security),
            message: i18n::text(
                lang,
                &Msg::RecUsePort {
                    port,
                    security,
                    failing_port,
                },
            ),
            settings: frameworks::port_settings(fw, &obs.host, port, security),
            commands: Vec::new(),
        });
    }
    let failing_security = obs
        .endpoints
        .iter()
        .find(|e| e.port == failing_port)
        .map(|e| e.security);
    match cause {
        Some(FindingCode::TcpFiltered) | Some(FindingCode::TcpDenied) => {
            let every_port_blocked = ports.iter().all(|(_, h, c)| {
                *h == PortHealth::Failed
                    && matches!(
                        c,
                        Some(FindingCode::TcpFiltered) | Some(FindingCode::TcpDenied)
                    )
            });
            if every_port_blocked {
                recs.push(plain_rec(lang, &Msg::RecOutboundBlocked));
            }
            recs.push(Recommendation {
                port: Some(failing_port),
                security: failing_security,
                message: i18n::text(lang, &Msg::RecAllowThrough { port: failing_port }),
                settings: BTreeMap::new(),
                // Windows Defender Firewall, from an elevated PowerShell; the program path is
                // the application's interpreter or executable.
                commands: vec![format!(
                    "New-NetFirewallRule -DisplayName \"SMTP out {failing_port}\" -Direction Outbound -Protocol TCP -RemotePort {failing_port} -Program \"C:\\path\\to\\python.exe\" -Action Allow"
                )],
            });
        }
        Some(FindingCode::TlsIntercepted) => {
            let product = obs
                .endpoints
                .iter()
                .find_map(|e| e.tls.as_ref()?.interception.as_ref()?.product.clone());
            recs.push(plain_rec(lang, &Msg::RecInterception { product }));
        }
        Some(FindingCode::TlsCertNameMismatch) => {
            let name = obs.endpoints.iter().find_map(|e| {
                e.tls
                    .as_ref()?
                    .chain
                    .first()?
                    .names
                    .iter()
                    .find(|n| !n.starts_with('*'))
                    .cloned()
            });
            if let Some(name) = name {
                recs.push(Recommendation {
                    port: Some(failing_port),
                    security: failing_security,
                    message: i18n::text(lang, &Msg::RecUseCertificateName { name: name.clone() }),
                    settings: frameworks::host_settings(fw, &name),
                    commands: Vec::new(),
                });
            }
        }
        Some(
            FindingCode::AuthAppPasswordRequired
            | FindingCode::AuthBasicAuthDisabled
            | FindingCode::AuthFailed
            | FindingCode::AuthNotOffered,
        ) => {
            if let Some(p) = crate::knowledge::providers::for_host(&obs.host) {
                recs.push(plain_rec(lang, &Msg::RecProvider { en: p.en, es: p.es }));
            }
        }
        Some(FindingCode::SmtpNotSmtp) => recs.push(plain_rec(
            lang,
            &Msg::RecCheckHostAndPort {
                host: obs.host.clone(),
                port: failing_port,
            },
        )),
        Some(FindingCode::TcpRefused) if ports.iter().all(|(_, h, _)| *h == PortHealth::Failed) => {
            recs.push(plain_rec(
                lang,
                &Msg::RecRefusedEverywhere {
                    host: obs.host.clone(),
                },
            ))
        }
        Some(FindingCode::TcpUnreachable) => recs.push(plain_rec(lang, &Msg::RecCheckRoute)),
        Some(FindingCode::TlsCertUntrusted) => recs.push(plain_rec(lang, &Msg::RecTrustPrivateCa)),
        Some(
            FindingCode::TlsCertExpired
            | FindingCode::SmtpRejectedGreeting
            | FindingCode::SmtpNoGreeting
            | FindingCode::SmtpStarttlsMissing
            | FindingCode::SmtpEhloRejected
            | FindingCode::TlsHandshakeFailed,
        ) => recs.push(plain_rec(lang, &Msg::RecServerAdmin)),
        _ => {}
    }
    recs
}
