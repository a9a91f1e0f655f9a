//! `smtp-doctor diff A.json B.json`: "it works on my laptop and not on the new server: what
//! differs?" Compares two JSON reports endpoint by endpoint (port and address family).

use crate::model::{Container, DnsOutcome, EndpointObservation, Family, Hosting};
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

/// A step's one-word state, `—` when it did not run.
fn smtp_state(ep: &EndpointObservation) -> String {
    ep.smtp_state().map_or("—", |s| s.as_str()).to_string()
}

fn tls_state(ep: &EndpointObservation) -> String {
    match &ep.tls {
        None => "—".into(),
        Some(t) => match t.version() {
            Some(version) => format!("{version} {}", t.state().as_str()),
            None => t.state().as_str().into(),
        },
    }
}

fn dns_state(o: &DnsOutcome) -> String {
    match o {
        DnsOutcome::Failed { reason } => format!("{} ({reason})", o.as_str()),
        _ => o.as_str().into(),
    }
}

fn issuer(ep: &EndpointObservation) -> String {
    ep.tls
        .as_ref()
        .and_then(|t| t.chain.first())
        .map(|c| c.issuer.clone())
        .unwrap_or_else(|| "—".into())
}

/// The hosting provider as `diff` has always shown it (the names of the model's variants).
fn hosting_name(h: Hosting) -> &'static str {
    match h {
        Hosting::AwsEc2 => "AwsEc2",
        Hosting::GoogleCloud => "GoogleCloud",
        Hosting::Azure => "Azure",
        Hosting::DigitalOcean => "DigitalOcean",
        Hosting::Hetzner => "Hetzner",
        Hosting::Linode => "Linode",
        Hosting::Vultr => "Vultr",
        Hosting::OracleCloud => "OracleCloud",
        Hosting::AlibabaCloud => "AlibabaCloud",
    }
}

/// The container runtime as `diff` has always shown it.
fn container_name(c: Container) -> &'static str {
    match c {
        Container::Docker => "Docker",
        Container::Podman => "Podman",
        Container::Kubernetes => "Kubernetes",
        Container::Lxc => "Lxc",
    }
}

fn family_name(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "ipv4",
        Family::Ipv6 => "ipv6",
    }
}

/// The differences found so far.
#[derive(Default)]
struct Differences(Vec<Difference>);

impl Differences {
    /// Reports read back from files are untrusted text: what a difference shows is escaped.
    fn compare(&mut self, what: String, a: String, b: String, matters: bool) {
        if a != b {
            let e = |s: String| crate::printable::escape(s.as_bytes());
            self.0.push(Difference {
                what: e(what),
                a: e(a),
                b: e(b),
                matters,
            });
        }
    }
}

/// Compares two reports.
pub fn diff(a: &Report, b: &Report) -> Vec<Difference> {
    let mut out = Differences::default();
    out.compare("host".into(), a.host.clone(), b.host.clone(), true);
    let verdict = |r: &Report| r.verdict.as_str().to_string();
    out.compare("verdict".into(), verdict(a), verdict(b), true);
    let cause = |r: &Report| r.cause.map_or("—", |c| c.as_str()).to_string();
    out.compare("cause".into(), cause(a), cause(b), true);
    let dns = |r: &Report| dns_state(&r.dns.outcome);
    out.compare("dns".into(), dns(a), dns(b), true);
    let addrs = |r: &Report| {
        let v: Vec<String> = r.dns.addresses.iter().map(|x| x.to_string()).collect();
        v.join(", ")
    };
    out.compare("dns addresses".into(), addrs(a), addrs(b), false);
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
        let label = format!("{port}/{}", family_name(family));
        compare_endpoint(&mut out, &label, find(a).as_ref(), find(b).as_ref());
    }
    compare_app_client(&mut out, a, b);
    let env = |r: &Report| {
        let e = &r.environment;
        let mut parts: Vec<String> = Vec::new();
        if let Some(h) = e.hosting {
            parts.push(hosting_name(h).to_string());
        }
        if e.wsl {
            parts.push("WSL".into());
        }
        if let Some(c) = e.container {
            parts.push(container_name(c).to_string());
        }
        if parts.is_empty() {
            "—".into()
        } else {
            parts.join(", ")
        }
    };
    out.compare("machine".into(), env(a), env(b), false);
    out.0
}

/// The application's own client, where both reports ran it: its outcome matters; its runtime,
/// TLS library, trust store and EHLO name are the usual reasons the same app works on one
/// machine and not on the other.
fn compare_app_client(out: &mut Differences, a: &Report, b: &Report) {
    let (Some(x), Some(y)) = (&a.app_client, &b.app_client) else {
        return;
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let outcome = |c: &crate::report::AppClientReport| {
        let o = c.outcome.as_str().to_string();
        match &c.error {
            Some(e) => format!("{o}: {e}"),
            None => o,
        }
    };
    out.compare("app client".into(), outcome(x), outcome(y), true);
    let runtime =
        |c: &crate::report::AppClientReport| format!("{} {}", opt(&c.program), opt(&c.version));
    out.compare("app runtime".into(), runtime(x), runtime(y), false);
    out.compare(
        "app TLS library".into(),
        opt(&x.tls_library),
        opt(&y.tls_library),
        false,
    );
    out.compare(
        "app trust store".into(),
        x.trust_store.join(", "),
        y.trust_store.join(", "),
        false,
    );
    out.compare(
        "app EHLO name".into(),
        opt(&x.ehlo_name),
        opt(&y.ehlo_name),
        false,
    );
}

/// One endpoint's steps, in A and in B.
fn compare_endpoint(
    out: &mut Differences,
    label: &str,
    a: Option<&EndpointObservation>,
    b: Option<&EndpointObservation>,
) {
    let what = |step: &str| format!("{label} {step}");
    let (x, y) = match (a, b) {
        (Some(x), Some(y)) => (x, y),
        (Some(_), None) => {
            return out.compare(what("endpoint"), "probed".into(), "absent".into(), true)
        }
        (None, Some(_)) => {
            return out.compare(what("endpoint"), "absent".into(), "probed".into(), true)
        }
        (None, None) => return,
    };
    let tcp = |e: &EndpointObservation| e.tcp.state.as_str().to_string();
    out.compare(what("tcp"), tcp(x), tcp(y), true);
    let speaks = |e: &EndpointObservation| e.security.as_str().to_string();
    out.compare(what("speaks"), speaks(x), speaks(y), true);
    out.compare(what("smtp"), smtp_state(x), smtp_state(y), true);
    out.compare(what("tls"), tls_state(x), tls_state(y), true);
    // A different issuer on the same service is how interception shows.
    out.compare(what("certificate issuer"), issuer(x), issuer(y), true);
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

    #[test]
    fn a_report_whose_host_was_edited_into_no_host_is_still_compared() {
        // diff reads reports back from files that may have been edited by hand: a host that
        // is not one is shown, escaped, never a reason to refuse the file.
        let json = include_str!("../tests/fixtures/observations/incident_gmail_dual_stack.json");
        let obs: crate::model::Observations = serde_json::from_str(json).unwrap();
        let opts = crate::diagnosis::Options::default();
        let d = crate::diagnosis::diagnose(&obs, &opts);
        let a = Report::new("check", obs, d, &opts);
        let mut edited = serde_json::to_value(&a).unwrap();
        edited["host"] = "our relay (old) \u{1b}[2J".into();
        let b: Report = serde_json::from_value(edited).expect("an edited host still reads");
        let host = diff(&a, &b)
            .into_iter()
            .find(|x| x.what == "host")
            .expect("compared");
        assert_eq!(
            (host.a.as_str(), host.b.as_str()),
            ("smtp.gmail.com", r"our relay (old) \u{1b}[2J")
        );
    }

    #[test]
    fn the_apps_own_client_on_two_machines_is_compared() {
        let json = include_str!("../tests/fixtures/observations/incident_gmail_dual_stack.json");
        let obs: crate::model::Observations = serde_json::from_str(json).unwrap();
        let opts = crate::diagnosis::Options::default();
        let d = crate::diagnosis::diagnose(&obs, &opts);
        let mut laptop = Report::new("preflight", obs, d, &opts);
        let client = |outcome, error: Option<&str>, store: &str| crate::report::AppClientReport {
            client: Some(crate::model::AppClientKind::Django),
            runtime: Some(crate::model::AppRuntime::Python),
            program: Some("/p/.venv/bin/python".into()),
            version: Some("3.12.1".into()),
            tls_library: Some("OpenSSL 3.0.11".into()),
            library_version: None,
            ehlo_name: Some("laptop.local".into()),
            trust_store: vec![store.into()],
            trusted_roots: None,
            verifies_certificates: Some(true),
            tls_minimum: None,
            proxies: Vec::new(),
            outcome,
            error: error.map(str::to_string),
            error_kind: None,
            smtp_code: None,
            stage: None,
            reason: None,
            skip: None,
            ran: Vec::new(),
            skipped_steps: Vec::new(),
            ms: 1.0,
            timings: Default::default(),
        };
        laptop.app_client = Some(client(
            crate::model::AppOutcome::Ok,
            None,
            "/etc/ssl/cert.pem",
        ));
        let mut server = laptop.clone();
        server.app_client = Some(client(
            crate::model::AppOutcome::Failed,
            Some("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED]"),
            "/usr/local/ssl/cert.pem",
        ));
        let d = diff(&laptop, &server);
        let app = d.iter().find(|x| x.what == "app client").expect("compared");
        assert!(
            app.matters && app.b.contains("CERTIFICATE_VERIFY_FAILED"),
            "{d:?}"
        );
        assert!(d.iter().any(|x| x.what == "app trust store" && !x.matters));
    }

    #[test]
    fn the_machine_and_the_app_client_are_shown_in_their_words() {
        let json = include_str!("../tests/fixtures/observations/incident_gmail_dual_stack.json");
        let obs: crate::model::Observations = serde_json::from_str(json).unwrap();
        let opts = crate::diagnosis::Options::default();
        let d = crate::diagnosis::diagnose(&obs, &opts);
        let a = Report::new("check", obs, d, &opts);
        let mut b = a.clone();
        b.environment.hosting = Some(Hosting::AwsEc2);
        b.environment.wsl = true;
        b.environment.container = Some(Container::Kubernetes);
        let d = diff(&a, &b);
        let machine = d.iter().find(|x| x.what == "machine").expect("compared");
        assert_eq!(
            (machine.a.as_str(), machine.b.as_str()),
            ("—", "AwsEc2, WSL, Kubernetes")
        );
        let mut c = b.clone();
        c.environment.hosting = Some(Hosting::AlibabaCloud);
        c.environment.container = Some(Container::Lxc);
        let d = diff(&b, &c);
        let machine = d.iter().find(|x| x.what == "machine").expect("compared");
        assert_eq!(machine.b, "AlibabaCloud, WSL, Lxc");
        for (outcome, word) in [
            (crate::model::AppOutcome::Ok, "ok"),
            (crate::model::AppOutcome::Failed, "failed"),
            (crate::model::AppOutcome::Skipped, "skipped"),
        ] {
            assert_eq!(outcome.as_str(), word);
            assert_eq!(
                serde_json::to_string(&outcome).unwrap(),
                format!("\"{word}\"")
            );
        }
    }

    #[test]
    fn steps_are_compared_by_their_state() {
        let report = |json: &str| {
            let obs: crate::model::Observations = serde_json::from_str(json).unwrap();
            let opts = crate::diagnosis::Options::default();
            let d = crate::diagnosis::diagnose(&obs, &opts);
            Report::new("check", obs, d, &opts)
        };
        let fixture = |name: &str| {
            let path = format!(
                "{}/tests/fixtures/observations/{name}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            report(&std::fs::read_to_string(path).unwrap())
        };
        let good = fixture("healthy_starttls_and_implicit_tls");
        let d = diff(&good, &fixture("untrusted_certificate"));
        let tls: Vec<(&str, &str)> = d
            .iter()
            .filter(|x| x.what.ends_with(" tls"))
            .map(|x| (x.a.as_str(), x.b.as_str()))
            .collect();
        assert!(
            tls.contains(&("TLSv1.3 verified", "TLSv1.3 untrusted")),
            "{d:?}"
        );
        let d = diff(&good, &fixture("no_starttls_offered"));
        assert!(
            d.iter()
                .any(|x| x.what.ends_with(" smtp") && x.b == "no_starttls"),
            "{d:?}"
        );
    }
}
