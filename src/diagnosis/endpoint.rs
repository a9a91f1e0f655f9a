//! The findings of one endpoint, one function per layer. A layer that fails stops the ones
//! after it: what they would say is explained by it.

use super::{FindingCode, Severity, EXPIRY_WARNING_DAYS};
use crate::frameworks::{self, Framework};
use crate::i18n::{Dialogue, Msg, NoGreeting};
use crate::knowledge::errors::{classify_reply, names_security_defaults, ErrorKind};
use crate::model::{
    AuthOutcome, EhloOutcome, EndpointObservation, GreetingOutcome, HandshakeOutcome, ReplySummary,
    SendOutcome, SmtpObservation, StarttlsOutcome, TcpState, TlsObservation, Verification,
};
use crate::model::{Broken, EhloFailure, Interception, Security};

/// A finding about one endpoint, before endpoints of the same port are merged.
#[derive(Debug, Clone)]
pub(super) struct EndpointFinding {
    pub(super) code: FindingCode,
    pub(super) severity: Severity,
    pub(super) msg: Msg,
    pub(super) evidence: Option<String>,
}

fn err(code: FindingCode, msg: Msg, evidence: Option<String>) -> EndpointFinding {
    EndpointFinding {
        code,
        severity: Severity::Error,
        msg,
        evidence,
    }
}

/// Every finding of `ep`, earliest layer first.
pub(super) fn endpoint_findings(
    ep: &EndpointObservation,
    other_port_works: Option<u16>,
    now_unix: i64,
    framework: Framework,
    hosting: Option<crate::model::Hosting>,
) -> Vec<EndpointFinding> {
    if let Some(f) = tcp_finding(ep, other_port_works, hosting) {
        return vec![f];
    }
    let mut out: Vec<EndpointFinding> = mode_note(ep).into_iter().collect();
    if let Some(smtp) = &ep.smtp {
        let (found, go_on) = smtp_findings(ep.port, smtp);
        out.extend(found);
        if !go_on {
            return out;
        }
    }
    out.extend(auth_finding(ep));
    out.extend(send_finding(ep, framework));
    if let Some(tls) = &ep.tls {
        out.extend(tls_findings(ep.port, tls, now_unix));
    }
    out.extend(
        ep.smtp
            .as_ref()
            .and_then(|s| ehlo_after_tls_finding(ep.port, s)),
    );
    out
}

/// EHLO after STARTTLS, when it got no acceptance: said after the TLS findings (the
/// certificate is still worth knowing), and an SMTP-layer cause all the same.
fn ehlo_after_tls_finding(port: u16, smtp: &SmtpObservation) -> Option<EndpointFinding> {
    if let Some(failure) = &smtp.ehlo_after_tls_failed {
        return Some(ehlo_failed(port, failure, true));
    }
    smtp.ehlo_after_tls
        .as_ref()
        .and_then(|e| ehlo_finding(port, e))
}

/// The connect, when it did not open.
fn tcp_finding(
    ep: &EndpointObservation,
    other_port_works: Option<u16>,
    hosting: Option<crate::model::Hosting>,
) -> Option<EndpointFinding> {
    let port = ep.port;
    let errno = ep.tcp.os_error.as_ref().map(|e| {
        e.name.clone().unwrap_or_default() + &e.code.map(|c| format!(" ({c})")).unwrap_or_default()
    });
    let detail = errno.clone().unwrap_or_default();
    let (code, msg, evidence) = match ep.tcp.state {
        TcpState::Open => return None,
        TcpState::Filtered => (
            FindingCode::TcpFiltered,
            Msg::TcpFiltered {
                port,
                syns: ep.tcp.syns,
                secs: ep.tcp.ms / 1000.0,
                other_port_works,
                blocked_by: crate::knowledge::hosting::blocking(hosting, port).map(|p| p.name),
            },
            Some(format!(
                "{} SYN / {} attempts unanswered in {:.0} ms",
                ep.tcp.syns, ep.tcp.attempts, ep.tcp.ms
            )),
        ),
        TcpState::Refused => (
            FindingCode::TcpRefused,
            Msg::TcpRefused {
                port,
                other_port_works,
            },
            errno,
        ),
        TcpState::Unreachable => (
            FindingCode::TcpUnreachable,
            Msg::TcpUnreachable { port, detail },
            errno,
        ),
        // Out of descriptors or buffers: still this machine not opening the connection, but
        // no firewall's doing, and said so.
        TcpState::Denied if ep.tcp.os_error.as_ref().is_some_and(|e| e.local_resource) => (
            FindingCode::TcpDenied,
            Msg::TcpLocalResource { port, detail },
            errno,
        ),
        TcpState::Denied => (
            FindingCode::TcpDenied,
            Msg::TcpDenied { port, detail },
            errno,
        ),
    };
    Some(err(code, msg, evidence))
}

/// A port that speaks another mode than it was expected to (info).
fn mode_note(ep: &EndpointObservation) -> Option<EndpointFinding> {
    let port = ep.port;
    if ep.security == ep.expected_security {
        return None;
    }
    let (code, msg) = match ep.security {
        Security::ImplicitTls => (
            FindingCode::PortSpeaksImplicitTls,
            Msg::PortSpeaksImplicitTls { port },
        ),
        Security::Starttls if ep.expected_security == Security::ImplicitTls => (
            FindingCode::PortStartsInPlainText,
            Msg::PortStartsInPlainText { port },
        ),
        _ => return None,
    };
    Some(EndpointFinding {
        code,
        severity: Severity::Info,
        msg,
        evidence: None,
    })
}

/// The dialogue before TLS, and whether the later layers still have something to say.
fn smtp_findings(port: u16, smtp: &SmtpObservation) -> (Vec<EndpointFinding>, bool) {
    if let Some(f) = greeting_finding(port, &smtp.greeting) {
        return (vec![f], false);
    }
    if let Some(failure) = &smtp.ehlo_failed {
        return (vec![ehlo_failed(port, failure, false)], false);
    }
    if let Some(f) = smtp.ehlo.as_ref().and_then(|e| ehlo_finding(port, e)) {
        return (vec![f], false);
    }
    match &smtp.starttls {
        // No early stop: a login tried anyway (or withheld) is said too.
        Some(StarttlsOutcome::NotOffered) => (
            vec![err(
                FindingCode::SmtpStarttlsMissing,
                Msg::SmtpStarttlsMissing { port, reply: None },
                None,
            )],
            true,
        ),
        Some(StarttlsOutcome::Refused { reply }) => {
            (vec![starttls_missing(port, reply.to_string())], false)
        }
        Some(StarttlsOutcome::NoReply { broke }) => (
            vec![broke_off(
                FindingCode::SmtpStarttlsMissing,
                port,
                Dialogue::Starttls,
                broke,
            )],
            false,
        ),
        _ => (Vec::new(), true),
    }
}

/// A dialogue that broke off: what broke is said in words, its evidence kept as is.
fn broke_off(code: FindingCode, port: u16, during: Dialogue, broke: &Broken) -> EndpointFinding {
    err(
        code,
        Msg::DialogueBroke {
            port,
            during,
            broke: broke.clone(),
        },
        Some(broke.evidence()),
    )
}

fn starttls_missing(port: u16, reply: String) -> EndpointFinding {
    err(
        FindingCode::SmtpStarttlsMissing,
        Msg::SmtpStarttlsMissing {
            port,
            reply: Some(reply.clone()),
        },
        Some(reply),
    )
}

fn greeting_finding(port: u16, greeting: &GreetingOutcome) -> Option<EndpointFinding> {
    Some(match greeting {
        GreetingOutcome::Ok { .. } => return None,
        GreetingOutcome::Silent {
            waited_ms,
            lines,
            bytes,
        } => {
            let (how, evidence) = if *bytes == 0 {
                (NoGreeting::Silence, None)
            } else {
                (
                    NoGreeting::Unfinished {
                        lines: *lines,
                        bytes: *bytes,
                    },
                    Some(format!(
                        "greeting unfinished at the timeout: {lines} complete lines, {bytes} bytes"
                    )),
                )
            };
            err(
                FindingCode::SmtpNoGreeting,
                Msg::SmtpNoGreeting {
                    port,
                    secs: waited_ms / 1000.0,
                    how,
                },
                evidence,
            )
        }
        GreetingOutcome::Closed { ms, lines, bytes } => err(
            FindingCode::SmtpNoGreeting,
            Msg::SmtpNoGreeting {
                port,
                secs: ms / 1000.0,
                how: NoGreeting::Closed {
                    lines: *lines,
                    bytes: *bytes,
                },
            },
            Some(if *bytes == 0 {
                "the server closed the connection without a greeting".into()
            } else {
                format!("the server closed the connection mid-greeting, after {bytes} bytes")
            }),
        ),
        GreetingOutcome::Rejected { reply, .. } => {
            let reply = reply.to_string();
            err(
                FindingCode::SmtpRejectedGreeting,
                Msg::SmtpRejectedGreeting {
                    port,
                    reply: reply.clone(),
                },
                Some(reply),
            )
        }
        GreetingOutcome::NotSmtp { evidence, .. } => err(
            FindingCode::SmtpNotSmtp,
            Msg::SmtpNotSmtp {
                port,
                evidence: evidence.clone(),
            },
            Some(evidence.clone()),
        ),
    })
}

/// EHLO with no usable reply. Some of a reply that is not a valid one (a bad code, a line
/// or a reply without end, cut off) is `smtp.not_smtp`; no reply at all (silence, a close,
/// a socket error) is `smtp.ehlo_rejected`, like a refusal: the server does not take EHLO.
fn ehlo_failed(port: u16, failure: &EhloFailure, after_tls: bool) -> EndpointFinding {
    let code = if failure.got_an_invalid_reply() {
        FindingCode::SmtpNotSmtp
    } else {
        FindingCode::SmtpEhloRejected
    };
    err(
        code,
        Msg::SmtpEhloFailed {
            port,
            after_tls,
            failure: failure.clone(),
        },
        Some(failure.evidence()),
    )
}

fn ehlo_finding(port: u16, ehlo: &EhloOutcome) -> Option<EndpointFinding> {
    if ehlo.accepted() {
        return None;
    }
    let reply = ehlo.reply.to_string();
    Some(err(
        FindingCode::SmtpEhloRejected,
        Msg::SmtpEhloRejected {
            port,
            reply: reply.clone(),
        },
        Some(reply),
    ))
}

/// The login, when it did not succeed.
fn auth_finding(ep: &EndpointObservation) -> Option<EndpointFinding> {
    let port = ep.port;
    let (code, msg, evidence) = match &ep.auth.as_ref()?.outcome {
        AuthOutcome::Accepted { .. } => return None,
        AuthOutcome::Rejected { reply } => {
            let kind = classify_reply(reply.code, reply.enhanced_str(), &reply.text);
            let security_defaults = names_security_defaults(&reply.text);
            let reply = reply.to_string();
            let (c, msg) = auth_rejection(port, kind, security_defaults, reply.clone());
            (c, msg, reply)
        }
        AuthOutcome::NotOffered { offered } => {
            let offered = if offered.is_empty() {
                "—".to_string()
            } else {
                offered.join(" ")
            };
            let evidence = format!("AUTH offered: {offered}");
            let msg = Msg::AuthNotOffered { port, offered };
            (FindingCode::AuthNotOffered, msg, evidence)
        }
        AuthOutcome::RefusedPlaintext { reason } => (
            FindingCode::AuthRefusedPlaintext,
            Msg::AuthRefusedPlaintext {
                port,
                reason: *reason,
            },
            reason.evidence().to_string(),
        ),
        AuthOutcome::NoReply { broke } => {
            return Some(broke_off(
                FindingCode::AuthFailed,
                port,
                Dialogue::Auth,
                broke,
            ))
        }
    };
    Some(err(code, msg, Some(evidence)))
}

/// What a rejected login means, by the provider's reply (`knowledge::errors`) and its finding
/// code in the one table (`vocabulary`); a login refusal it does not name is a failed login.
fn auth_rejection(
    port: u16,
    kind: Option<ErrorKind>,
    security_defaults: bool,
    reply: String,
) -> (FindingCode, Msg) {
    let code = kind.and_then(|k| super::vocabulary::meaning(k).code);
    match code {
        Some(FindingCode::AuthAppPasswordRequired) => (
            FindingCode::AuthAppPasswordRequired,
            Msg::AuthAppPasswordRequired { port, reply },
        ),
        Some(FindingCode::AuthWebLoginRequired) => (
            FindingCode::AuthWebLoginRequired,
            Msg::AuthWebLoginRequired { port, reply },
        ),
        Some(FindingCode::AuthBasicAuthDisabled) => (
            FindingCode::AuthBasicAuthDisabled,
            Msg::AuthBasicAuthDisabled {
                port,
                reply,
                security_defaults,
            },
        ),
        Some(FindingCode::AuthRateLimited) => (
            FindingCode::AuthRateLimited,
            Msg::AuthRateLimited { port, reply },
        ),
        _ => (FindingCode::AuthFailed, Msg::AuthFailed { port, reply }),
    }
}

/// A refused envelope or message that the provider's reply explains further: relaying without
/// a login, a sender the provider has not verified, a sending limit, a rate limit.
fn send_refinement(
    port: u16,
    stage: FindingCode,
    reply: &Option<ReplySummary>,
) -> Option<(FindingCode, Msg)> {
    let r = reply.as_ref()?;
    let reply = r.to_string();
    let kind = classify_reply(r.code, None, &r.text)?;
    let code = super::vocabulary::meaning(kind).code;
    Some(match code {
        Some(FindingCode::AuthRequired) => {
            (FindingCode::AuthRequired, Msg::AuthRequired { port, reply })
        }
        Some(FindingCode::SendRelayDenied) => (
            FindingCode::SendRelayDenied,
            Msg::SendRelayDenied { port, reply },
        ),
        Some(FindingCode::SendSenderNotVerified) => (
            FindingCode::SendSenderNotVerified,
            Msg::SendSenderNotVerified { port, reply },
        ),
        Some(FindingCode::SendQuotaExceeded) => (
            FindingCode::SendQuotaExceeded,
            Msg::SendQuotaExceeded { port, reply },
        ),
        Some(FindingCode::AuthRateLimited) => (
            FindingCode::AuthRateLimited,
            Msg::AuthRateLimited { port, reply },
        ),
        Some(code @ (FindingCode::SendThrottled | FindingCode::SendIpBlocklisted)) => {
            (code, Msg::SendRefusedByReceiver { port, reply, kind })
        }
        // The sender's domain, refused by the receiving side: the step's own code (the
        // domain codes are the DNS checks' facts), said with what the reply means.
        _ if kind.is_receiver_policy() => (stage, Msg::SendRefusedByReceiver { port, reply, kind }),
        _ => return None,
    })
}

/// The test message, when it was not accepted.
fn send_finding(ep: &EndpointObservation, framework: Framework) -> Option<EndpointFinding> {
    let port = ep.port;
    let send = ep.send.as_ref()?;
    let reply =
        |r: &Option<ReplySummary>| r.as_ref().map(ReplySummary::to_string).unwrap_or_default();
    let (refusal, stage) = match &send.outcome {
        SendOutcome::SenderRejected => (&send.mail_from, FindingCode::SendSenderRejected),
        SendOutcome::RecipientRejected => (&send.rcpt_to, FindingCode::SendRecipientRejected),
        SendOutcome::MessageRejected if send.final_reply.is_some() => {
            (&send.final_reply, FindingCode::SendMessageRejected)
        }
        SendOutcome::MessageRejected => (&send.data, FindingCode::SendMessageRejected),
        _ => (&None, FindingCode::SendMessageRejected),
    };
    if let Some((code, msg)) = send_refinement(port, stage, refusal) {
        let evidence = reply(refusal);
        return Some(err(code, msg, Some(evidence)));
    }
    let (code, reply) = match &send.outcome {
        SendOutcome::Accepted => return None,
        SendOutcome::SenderRejected => (FindingCode::SendSenderRejected, reply(&send.mail_from)),
        SendOutcome::RecipientRejected => {
            (FindingCode::SendRecipientRejected, reply(&send.rcpt_to))
        }
        SendOutcome::MessageRejected if send.final_reply.is_some() => {
            (FindingCode::SendMessageRejected, reply(&send.final_reply))
        }
        SendOutcome::MessageRejected => (FindingCode::SendMessageRejected, reply(&send.data)),
        SendOutcome::Interrupted { broke } => {
            return Some(broke_off(
                FindingCode::SendMessageRejected,
                port,
                Dialogue::Send,
                broke,
            ))
        }
    };
    let msg = match code {
        FindingCode::SendSenderRejected => Msg::SendSenderRejected {
            port,
            reply: reply.clone(),
            sender: frameworks::sender_setting(framework),
        },
        FindingCode::SendRecipientRejected => Msg::SendRecipientRejected {
            port,
            reply: reply.clone(),
        },
        _ => Msg::SendMessageRejected {
            port,
            reply: reply.clone(),
        },
    };
    Some(err(code, msg, Some(reply)))
}

/// The handshake, the interception signs, the chain's verification and its expiry.
fn tls_findings(port: u16, tls: &TlsObservation, now_unix: i64) -> Vec<EndpointFinding> {
    if let HandshakeOutcome::Failed { kind, reason, .. } = &tls.handshake {
        let msg = Msg::TlsHandshakeFailed { port, kind: *kind };
        return vec![err(
            FindingCode::TlsHandshakeFailed,
            msg,
            Some(reason.clone()),
        )];
    }
    let mut out = Vec::new();
    out.extend(tls.interception.as_ref().map(|i| intercepted(port, i)));
    out.extend(verification_finding(port, tls));
    out.extend(expiring_soon(port, tls, now_unix));
    out
}

fn intercepted(port: u16, i: &Interception) -> EndpointFinding {
    EndpointFinding {
        code: FindingCode::TlsIntercepted,
        // A locally trusted interceptor lets mail through: a warning, not an error.
        severity: if i.trusted_locally {
            Severity::Warning
        } else {
            Severity::Error
        },
        msg: Msg::TlsIntercepted {
            port,
            product: i.product.clone(),
            issuer: i.issuer.clone(),
            trusted: i.trusted_locally,
        },
        evidence: Some(i.issuer.clone()),
    }
}

fn verification_finding(port: u16, tls: &TlsObservation) -> Option<EndpointFinding> {
    let leaf = tls.chain.first();
    Some(match tls.verification.as_ref()? {
        Verification::Verified => return None,
        Verification::Expired { detail } => err(
            FindingCode::TlsCertExpired,
            Msg::TlsCertExpired {
                port,
                not_after: leaf.map(|c| c.not_after.clone()).unwrap_or_default(),
            },
            Some(detail.clone()),
        ),
        Verification::NameMismatch {
            expected,
            presented,
        } => err(
            FindingCode::TlsCertNameMismatch,
            Msg::TlsCertNameMismatch {
                port,
                expected: expected.clone(),
                presented: presented.join(", "),
            },
            Some(format!("certificate names: {}", presented.join(", "))),
        ),
        Verification::Untrusted { detail } | Verification::Invalid { detail } => err(
            FindingCode::TlsCertUntrusted,
            Msg::TlsCertUntrusted {
                port,
                issuer: leaf.map(|c| c.issuer.clone()).unwrap_or_default(),
            },
            Some(detail.clone()),
        ),
    })
}

fn expiring_soon(port: u16, tls: &TlsObservation, now_unix: i64) -> Option<EndpointFinding> {
    let leaf = tls.chain.first()?;
    let days = (leaf.not_after_unix - now_unix).div_euclid(86_400);
    let soon = tls.verification == Some(Verification::Verified)
        && (0..EXPIRY_WARNING_DAYS).contains(&days);
    soon.then(|| EndpointFinding {
        code: FindingCode::TlsCertExpiringSoon,
        severity: Severity::Warning,
        msg: Msg::TlsCertExpiringSoon {
            port,
            days,
            not_after: leaf.not_after.clone(),
        },
        evidence: None,
    })
}
