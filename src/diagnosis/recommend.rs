//! The fixes, best first: a port that works from here, then what the cause asks for.

use super::in_the_way::{self, Blocked};
use super::verdict::{cause_for, PortStatus};
use super::{working_security, Finding, FindingCode, Options, PortHealth, Recommendation, Said};
use crate::frameworks::{self, Framework};
use crate::i18n::Msg;
use crate::model::{Host, Observations, Os, Security};
use std::collections::BTreeMap;

/// A fix that is only words.
pub(super) fn plain_rec(msg: Msg) -> Recommendation<Said> {
    Recommendation {
        port: None,
        security: None,
        message: msg.into(),
        settings: BTreeMap::new(),
        commands: Vec::new(),
    }
}

/// The fix "use `port` with `security`", in the framework's settings.
pub(super) fn use_port(
    host: &Host,
    port: u16,
    security: Security,
    failing_port: u16,
    opts: &Options,
) -> Recommendation<Said> {
    let msg = Msg::RecUsePort {
        port,
        security,
        failing_port,
    };
    Recommendation {
        port: Some(port),
        security: Some(security),
        message: msg.into(),
        settings: frameworks::port_settings_for(
            opts.framework,
            &host.to_string(),
            opts.login_user.as_deref(),
            port,
            security,
        ),
        commands: Vec::new(),
    }
}

/// The fixes for a `check`: none when every port works.
pub(super) fn recommend(
    obs: &Observations,
    ports: &[PortStatus],
    findings: &[Finding<Said>],
    opts: &Options,
) -> Vec<Recommendation<Said>> {
    let mut recs = Vec::new();
    let Some(failing) = ports.iter().find(|s| s.health != PortHealth::Healthy) else {
        return recs;
    };
    let cause = cause_for(findings, Some(failing.port));
    // The server refused the message or the client itself (the send layer): no port fixes that.
    // The other ports completed only their handshake, and the same server refuses there too.
    let another_port_helps = cause.is_none_or(|c| c.layer() != super::finding::Layer::Send);
    // IPv6 broken: the port itself works over IPv4.
    if failing.health == PortHealth::Partial && cause == Some(FindingCode::NetIpv6Broken) {
        recs.push(plain_rec(Msg::RecPreferIpv4 { port: failing.port }));
    }
    // A port that works from here, tested end to end: the first fix. Implicit TLS first
    // (RFC 8314 prefers it), then in the order asked.
    let mut healthy: Vec<(u16, Security)> = ports
        .iter()
        .filter(|s| s.health == PortHealth::Healthy)
        .filter_map(|s| working_security(obs, s.port).map(|sec| (s.port, sec)))
        .collect();
    healthy.sort_by_key(|(_, s)| *s != Security::ImplicitTls);
    for (port, security) in healthy.into_iter().filter(|_| another_port_helps) {
        recs.push(use_port(&obs.host, port, security, failing.port, opts));
    }
    if let Some(cause) = cause {
        recs.extend(for_cause(obs, ports, findings, failing.port, cause, opts));
    }
    recs
}

/// What the root cause of the failing port asks for.
fn for_cause(
    obs: &Observations,
    ports: &[PortStatus],
    findings: &[Finding<Said>],
    failing_port: u16,
    cause: FindingCode,
    opts: &Options,
) -> Vec<Recommendation<Said>> {
    use FindingCode as C;
    let plain = |msg: Msg| vec![plain_rec(msg)];
    let every_port_failed = ports.iter().all(|s| s.health == PortHealth::Failed);
    let host = obs.host.to_string();
    match cause {
        C::TcpDenied
            if obs
                .on_port(failing_port)
                .any(|e| e.tcp.os_error.as_ref().is_some_and(|o| o.local_resource)) =>
        {
            plain(Msg::RecFewerAtOnce)
        }
        C::AuthWebLoginRequired
        | C::AuthRateLimited
        | C::AuthRequired
        | C::SendRelayDenied
        | C::SendQuotaExceeded
        | C::SendSenderNotVerified => {
            use crate::knowledge::errors::documented;
            let kind = super::vocabulary::kind_for(cause);
            let provider = crate::knowledge::providers::for_host(&obs.host);
            let mut recs: Vec<Recommendation<Said>> = provider
                .filter(|_| cause == C::AuthWebLoginRequired)
                .map(|p| plain_rec(Msg::RecProvider { en: p.en, es: p.es }))
                .into_iter()
                .collect();
            let names = opts.framework.names();
            let generic = match cause {
                // Refused for not logging in, and no login was set: the login is the fix.
                C::SendRelayDenied | C::AuthRequired if opts.login_user.is_none() => {
                    Some(Msg::RecSetCredentials {
                        user: names.user,
                        password: names.password,
                    })
                }
                C::SendRelayDenied | C::AuthRequired => Some(Msg::RecServerAdmin),
                C::SendSenderNotVerified => Some(Msg::RecVerifySender {
                    sender: frameworks::sender_setting(opts.framework),
                }),
                C::AuthWebLoginRequired if recs.is_empty() => Some(Msg::RecServerAdmin),
                C::AuthWebLoginRequired => None,
                _ => Some(Msg::RecWaitForLimit),
            };
            recs.extend(generic.map(plain_rec));
            if let Some((name, url)) =
                provider.and_then(|p| Some((p.name, documented(p.id, kind?)?)))
            {
                recs.push(plain_rec(Msg::RecProviderDoc {
                    provider: name,
                    url,
                }));
            }
            recs
        }
        C::NetSmtpRedirected => {
            let proxy = redirect_proxy(obs);
            plain(Msg::RecRedirected { proxy })
        }
        C::NetSmtpBlocked => {
            match crate::knowledge::hosting::blocking_any(obs.environment.hosting, &obs.ports) {
                Some(p) => vec![hosting_rec(p)],
                // A rule or product of this machine may drop them all: named first, when one
                // is; then the network advice.
                None => {
                    let named =
                        in_the_way::recommendations(obs, failing_port, Blocked::Probe, None);
                    let (found, unread): (Vec<_>, Vec<_>) =
                        named.into_iter().partition(in_the_way::names_something);
                    found
                        .into_iter()
                        .chain(plain(Msg::RecOutboundBlocked))
                        .chain(unread)
                        .collect()
                }
            }
        }
        C::TcpFiltered
            if crate::knowledge::hosting::blocking(obs.environment.hosting, failing_port)
                .is_some() =>
        {
            // A cloud VM's own block: antivirus and firewall advice would be wrong here.
            let policy = crate::knowledge::hosting::blocking(obs.environment.hosting, failing_port);
            policy.map(hosting_rec).into_iter().collect()
        }
        C::TcpFiltered | C::TcpDenied => {
            let blocked = |s: &PortStatus| {
                s.health == PortHealth::Failed
                    && matches!(
                        cause_for(findings, Some(s.port)),
                        Some(C::TcpFiltered | C::TcpDenied)
                    )
            };
            let mut recs = Vec::new();
            // What this machine runs that is in the way, by name, before the generic advice.
            let named = in_the_way::recommendations(obs, failing_port, Blocked::Probe, None);
            if ports.iter().all(blocked) && !named.iter().any(in_the_way::names_something) {
                recs.push(plain_rec(Msg::RecOutboundBlocked));
            }
            recs.extend(named);
            recs.push(allow_through(obs, failing_port, opts.framework));
            recs
        }
        C::TlsIntercepted => {
            let product = obs
                .endpoints
                .iter()
                .find_map(|e| e.tls.as_ref()?.interception.as_ref()?.product.clone());
            let named =
                in_the_way::recommendations(obs, failing_port, Blocked::Probe, product.as_deref());
            let mut recs = named;
            recs.push(plain_rec(Msg::RecInterception { product }));
            recs
        }
        C::TlsCertNameMismatch => vec![certificate_name(obs, failing_port, opts.framework)],
        C::AuthAppPasswordRequired
        | C::AuthBasicAuthDisabled
        | C::AuthFailed
        | C::AuthNotOffered => {
            // A refused login with credentials that break the provider's own rule: that rule
            // first (the lint is confirmed by the refusal).
            let confirmed = obs
                .credential_lints
                .iter()
                .filter(|_| cause == C::AuthFailed)
                .map(|lint| {
                    let user = super::login_user_shown(obs);
                    plain_rec(Msg::AuthCredentialsSuspect { lint: *lint, user })
                });
            confirmed
                .chain(
                    crate::knowledge::providers::for_host(&obs.host)
                        .map(|p| plain_rec(Msg::RecProvider { en: p.en, es: p.es })),
                )
                .collect()
        }
        // It greeted as a mail server, then answered EHLO with something that is not SMTP.
        C::SmtpNotSmtp
            if obs.on_port(failing_port).any(|e| {
                e.smtp
                    .as_ref()
                    .is_some_and(|s| s.ehlo_failed.is_some() || s.ehlo_after_tls_failed.is_some())
            }) =>
        {
            plain(Msg::RecBrokenEhlo { port: failing_port })
        }
        C::SmtpNotSmtp => plain(Msg::RecCheckHostAndPort {
            host,
            port: failing_port,
        }),
        C::TcpRefused if every_port_failed => plain(Msg::RecRefusedEverywhere { host }),
        C::TcpUnreachable => plain(Msg::RecCheckRoute),
        C::TlsCertUntrusted => plain(Msg::RecTrustPrivateCa),
        C::TlsCertExpired
        | C::SmtpRejectedGreeting
        | C::SmtpNoGreeting
        | C::SmtpStarttlsMissing
        | C::SmtpEhloRejected
        | C::TlsHandshakeFailed => plain(Msg::RecServerAdmin),
        _ => Vec::new(),
    }
}

/// The hosting company whose server answered in the target's place, when recognised.
fn redirect_proxy(obs: &Observations) -> Option<&'static str> {
    obs.endpoints
        .iter()
        .find_map(|e| super::redirect::foreign_names(obs, e).1)
}

/// The cloud provider's own way out of its SMTP block, with its page.
fn hosting_rec(policy: &crate::knowledge::hosting::HostingPolicy) -> Recommendation<Said> {
    Recommendation {
        port: None,
        security: None,
        message: Said(super::finding::Saying::Hosting(policy.hosting)),
        settings: BTreeMap::new(),
        commands: Vec::new(),
    }
}

/// The security the failing port was tested with.
fn security_of(obs: &Observations, port: u16) -> Option<Security> {
    obs.on_port(port).next().map(|e| e.security)
}

/// Keep the port and let the program through the firewall or antivirus.
fn allow_through(obs: &Observations, port: u16, fw: Framework) -> Recommendation<Said> {
    // Windows Defender Firewall, from an elevated PowerShell, for the framework's runtime. Other
    // systems have no one firewall to write a rule for: the message says what to allow.
    let commands = match obs.os {
        Os::Windows => vec![format!(
            "New-NetFirewallRule -DisplayName \"SMTP out {port}\" -Direction Outbound -Protocol TCP -RemotePort {port} -Program \"C:\\path\\to\\{}\" -Action Allow",
            frameworks::windows_program(fw)
        )],
        Os::Macos | Os::Linux | Os::Other => Vec::new(),
    };
    let msg = Msg::RecAllowThrough { port, os: obs.os };
    Recommendation {
        port: Some(port),
        security: security_of(obs, port),
        message: msg.into(),
        settings: BTreeMap::new(),
        commands,
    }
}

/// Use the name the certificate is valid for, only when it is a DNS name in the configured
/// host's registrable domain that resolves to an address that answered (the engine checks it).
/// Otherwise the certificate names someone else: a proxy or the network answering in the
/// server's place, whose name is no advice to follow.
fn certificate_name(obs: &Observations, port: u16, fw: Framework) -> Recommendation<Said> {
    let Some(name) = obs
        .certificate_name
        .as_ref()
        .filter(|c| c.answered)
        .map(|c| c.name.clone())
    else {
        let presented = obs
            .endpoints
            .iter()
            .find_map(|e| e.tls.as_ref()?.chain.first()?.names.first().cloned());
        return plain_rec(Msg::RecCertificateNameUnrelated {
            host: obs.host.to_string(),
            presented,
        });
    };
    let msg = Msg::RecUseCertificateName { name: name.clone() };
    Recommendation {
        port: Some(port),
        security: security_of(obs, port),
        message: msg.into(),
        settings: frameworks::host_settings(fw, &name),
        commands: Vec::new(),
    }
}
