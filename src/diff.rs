//! `smtp-doctor diff A.json B.json`: "it works on my laptop and not on the new server: what
//! differs?" Compares two JSON reports endpoint by endpoint (port and address family).

use crate::model::GreetingOutcome;
use crate::model::{DnsOutcome, EndpointObservation, Family};
use crate::model::{HandshakeOutcome, Verification};
use crate::report::Report;
use std::collections::BTreeSet;

/// One difference between the two reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What is compared, e.g. `587/ipv4 tcp`.
    pub what: String,
    /// Its value in A.
    pub a: String,
    /// Its value in B.
    pub b: String,
    /// Whether it changes whether mail can be sent (timings and addresses do not).
    pub matters: bool,
}

fn greeting(ep: &EndpointObservation) -> String {
    match ep.smtp.as_ref().map(|s| &s.greeting) {
        None => "—".into(),
        Some(GreetingOutcome::Ok { code, .. }) => format!("{code}"),
        Some(GreetingOutcome::Rejected { code, .. }) => format!("rejected {code}"),
        Some(GreetingOutcome::Silent { .. }) => "no greeting".into(),
        Some(GreetingOutcome::Closed { .. }) => "closed".into(),
        Some(GreetingOutcome::NotSmtp { .. }) => "not SMTP".into(),
    }
}

fn tls_state(ep: &EndpointObservation) -> String {
    match &ep.tls {
        None => "—".into(),
        Some(t) => match (&t.handshake, &t.verification) {
            (HandshakeOutcome::Failed { .. }, _) => "handshake failed".into(),
            (HandshakeOutcome::Done { version, .. }, Some(Verification::Verified)) => {
                format!("{version} verified")
            }
            (HandshakeOutcome::Done { version, .. }, Some(v)) => {
                let why = match v {
                    Verification::Expired { .. } => "expired",
                    Verification::NameMismatch { .. } => "wrong name",
                    Verification::Untrusted { .. } => "untrusted",
                    _ => "invalid",
                };
                format!("{version} {why}")
            }
            (HandshakeOutcome::Done { version, .. }, None) => version.clone(),
        },
    }
}

fn issuer(ep: &EndpointObservation) -> String {
    ep.tls
        .as_ref()
        .and_then(|t| t.chain.first())
        .map(|c| c.issuer.clone())
        .unwrap_or_else(|| "—".into())
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "ipv4",
        Family::Ipv6 => "ipv6",
    }
}

/// Compares two reports.
pub fn diff(a: &Report, b: &Report) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |what: String, x: String, y: String, matters: bool| {
        if x != y {
            out.push(Difference {
                what,
                a: x,
                b: y,
                matters,
            });
        }
    };
    push("host".into(), a.host.clone(), b.host.clone(), true);
    push(
        "verdict".into(),
        a.verdict.as_str().into(),
        b.verdict.as_str().into(),
        true,
    );
    let cause = |r: &Report| {
        r.cause
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| "—".into())
    };
    push("cause".into(), cause(a), cause(b), true);
    let outcome = |o: &DnsOutcome| match o {
        DnsOutcome::Resolved => "resolved".to_string(),
        DnsOutcome::NxDomain => "NXDOMAIN".to_string(),
        DnsOutcome::NoAddress => "no address".to_string(),
        DnsOutcome::Failed { reason } => format!("failed ({reason})"),
    };
    push(
        "dns".into(),
        outcome(&a.dns.outcome),
        outcome(&b.dns.outcome),
        true,
    );
    let addrs = |r: &Report| {
        let v: Vec<String> = r.dns.addresses.iter().map(|x| x.to_string()).collect();
        v.join(", ")
    };
    push("dns addresses".into(), addrs(a), addrs(b), false);
    // Endpoints by (port, family): addresses differ between networks, families do not.
    let keys: BTreeSet<(u16, u8)> = a
        .endpoints
        .iter()
        .chain(&b.endpoints)
        .map(|e| (e.port, matches!(e.family, Family::Ipv6) as u8))
        .collect();
    for (port, fam) in keys {
        let family = if fam == 0 { Family::Ipv4 } else { Family::Ipv6 };
        let find = |r: &Report| {
            r.endpoints
                .iter()
                .find(|e| e.port == port && e.family == family)
                .cloned()
        };
        let label = |what: &str| format!("{port}/{} {what}", family_name(family));
        match (find(a), find(b)) {
            (Some(x), Some(y)) => {
                push(
                    label("tcp"),
                    x.tcp.state.as_str().into(),
                    y.tcp.state.as_str().into(),
                    true,
                );
                push(
                    label("speaks"),
                    x.security.as_str().into(),
                    y.security.as_str().into(),
                    true,
                );
                push(label("smtp"), greeting(&x), greeting(&y), true);
                push(label("tls"), tls_state(&x), tls_state(&y), true);
                // A different issuer on the same service is how interception shows.
                push(label("certificate issuer"), issuer(&x), issuer(&y), true);
            }
            (Some(_), None) => push(label("endpoint"), "probed".into(), "absent".into(), true),
            (None, Some(_)) => push(label("endpoint"), "absent".into(), "probed".into(), true),
            (None, None) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_reports_do_not_differ() {
        let json = include_str!("../tests/fixtures/observations/incident_gmail_dual_stack.json");
        let obs: crate::model::Observations = serde_json::from_str(json).unwrap();
        let opts = crate::diagnosis::Options::default();
        let d = crate::diagnosis::diagnose(&obs, &opts);
        let r = Report::new("check", obs, d, &opts);
        assert!(diff(&r, &r).is_empty());
    }
}
