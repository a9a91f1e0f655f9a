//! `net.smtp_redirected`: a public provider's port answered by another server, the way shared
//! hosting transparently redirects outbound SMTP to its own. Recognised when the server names a
//! known hosting company (its greeting, EHLO name or certificate, or cPanel's Exim banner), or
//! when both its SMTP name and its certificate belong to another registrable domain (an
//! antivirus that inspects TLS re-signs the provider's own name, so it is not taken for this).

use super::{Finding, FindingCode, Said, Severity};
use crate::i18n::Msg;
use crate::knowledge::hosting::{smtp_proxy, CPANEL_BANNER};
use crate::model::{EndpointObservation, GreetingOutcome, Observations, Verification};
use crate::plan::Host;

/// The name a greeting or EHLO line starts with, when it is a DNS name.
fn leading_name(text: &str) -> Option<Host> {
    let word = text.split_whitespace().next()?;
    word.contains('.').then(|| Host::parse(word).ok()).flatten()
}

/// Whether `name` is outside the target's registrable domain and the provider's own domains.
fn foreign(obs: &Observations, target: &Host, name: &Host) -> bool {
    let Some(theirs) = name.registrable_domain() else {
        return false;
    };
    let ours = target.registrable_domain();
    let provider = crate::knowledge::providers::for_host(&obs.host);
    ours != Some(theirs) && !provider.is_some_and(|p| p.suffixes.contains(&theirs))
}

/// The foreign names an endpoint shows (greeting, EHLO, certificate), escaped and joined, and
/// the hosting company when recognised; `(None, None)` when it looks like the target.
pub(super) fn foreign_names(
    obs: &Observations,
    ep: &EndpointObservation,
) -> (Option<String>, Option<&'static str>) {
    let target = &obs.host;
    if crate::knowledge::providers::for_host(&obs.host).is_none() {
        return (None, None);
    }
    let smtp = ep.smtp.as_ref();
    let greeting = smtp.and_then(|s| match &s.greeting {
        GreetingOutcome::Ok { reply, .. } | GreetingOutcome::Rejected { reply, .. } => {
            Some(reply.text.as_str())
        }
        _ => None,
    });
    let ehlo = smtp
        .and_then(|s| s.ehlo.as_ref())
        .map(|e| e.reply.text.as_str());
    let smtp_names: Vec<Host> = [greeting, ehlo]
        .into_iter()
        .flatten()
        .filter_map(leading_name)
        .filter(|n| foreign(obs, target, n))
        .collect();
    let cert_names: Vec<Host> = match ep.tls.as_ref().and_then(|t| t.verification.as_ref()) {
        Some(Verification::NameMismatch { presented, .. }) => presented
            .iter()
            .filter_map(|n| Host::parse(n.trim_start_matches("*.")).ok())
            .filter(|n| foreign(obs, target, n))
            .collect(),
        _ => Vec::new(),
    };
    let proxy = smtp_names
        .iter()
        .chain(&cert_names)
        .find_map(|n| smtp_proxy(n.registrable_domain()?))
        .map(|p| p.name)
        .or_else(|| {
            greeting
                .filter(|g| g.contains(CPANEL_BANNER))
                .map(|_| "cPanel (Exim)")
        });
    let redirected = proxy.is_some() || (!smtp_names.is_empty() && !cert_names.is_empty());
    if !redirected {
        return (None, None);
    }
    let mut names: Vec<String> = Vec::new();
    for n in smtp_names.iter().chain(&cert_names) {
        let s = n.to_string();
        if !names.contains(&s) {
            names.push(s);
        }
    }
    let names = if names.is_empty() {
        greeting.unwrap_or_default().chars().take(120).collect()
    } else {
        names.join(", ")
    };
    (Some(crate::printable::escape(names.as_bytes())), proxy)
}

/// One finding per port answered by another server.
pub(super) fn findings(obs: &Observations) -> Vec<Finding<Said>> {
    let mut out: Vec<Finding<Said>> = Vec::new();
    for ep in &obs.endpoints {
        if out.iter().any(|f| f.port == Some(ep.port)) {
            continue;
        }
        let (Some(names), proxy) = foreign_names(obs, ep) else {
            continue;
        };
        let evidence = match ep.smtp.as_ref().map(|s| &s.greeting) {
            Some(GreetingOutcome::Ok { reply, .. }) => Some(reply.to_string()),
            _ => None,
        };
        let msg = Msg::NetSmtpRedirected {
            port: ep.port,
            host: obs.host.to_string(),
            names,
            proxy,
        };
        out.push(Finding {
            code: FindingCode::NetSmtpRedirected,
            severity: Severity::Error,
            port: Some(ep.port),
            addresses: vec![ep.address],
            message: msg.into(),
            evidence,
        });
    }
    out
}
