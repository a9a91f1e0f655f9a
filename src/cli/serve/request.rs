//! What a request asks for, read from its untrusted parts: the query string, the scrape
//! timeout header and the Host header. Pure (no I/O, only the library, `url` and `std`): the
//! fuzz crate includes this file, and each function answers any input without panicking.

use smtp_doctor::{Host, Timing};
use std::net::IpAddr;
use std::time::Duration;

/// What is kept back from Prometheus's scrape timeout for the answer to travel.
pub(crate) const SCRAPE_OFFSET: Duration = Duration::from_millis(500);
/// The longest query string accepted.
pub(crate) const MAX_QUERY: usize = 2048;
/// Query parameters that would carry a credential: refused, never used.
const CREDENTIAL_PARAMS: &[&str] = &[
    "user", "username", "login", "password", "pass", "passwd", "secret", "token", "auth",
];
/// The DNS wait is a multiple of this: resolvers are built per wait, so the waits a stream of
/// scrape timeouts can ask for are few.
const DNS_STEP: Duration = Duration::from_millis(250);

/// What a `/probe` query asks for.
#[derive(Debug, PartialEq)]
pub(crate) struct Query {
    pub(crate) host: Host,
    pub(crate) port: Option<u16>,
    /// The module named (`None`: the default one).
    pub(crate) module: Option<String>,
    pub(crate) json: bool,
}

/// Parses the query string; the error is the one-line reason of a 400 (it never quotes a
/// credential parameter's value).
pub(crate) fn parse_query(query: &str) -> Result<Query, String> {
    if query.len() > MAX_QUERY {
        return Err(format!("the query is longer than {MAX_QUERY} bytes"));
    }
    let mut target = None;
    let mut module = None;
    let mut json = false;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let quoted = || smtp_doctor::escape(value.as_bytes());
        match key.as_ref() {
            k if CREDENTIAL_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                return Err(format!(
                    "credentials are never taken from the URL (parameter {}); they come from the environment or a file of a --config module",
                    smtp_doctor::escape(k.as_bytes())
                ));
            }
            "target" if target.is_some() => return Err("target= is given twice".into()),
            "target" => target = Some(value.into_owned()),
            "module" if value.is_empty() => {}
            "module" => module = Some(value.into_owned()),
            "format" if value == "json" => json = true,
            "format" if value == "prometheus" || value.is_empty() => {}
            "format" => return Err(format!("unknown format {}: json or prometheus", quoted())),
            other => {
                return Err(format!(
                    "unknown parameter {}: target, module and format are understood",
                    smtp_doctor::escape(other.as_bytes())
                ))
            }
        }
    }
    let target = target.ok_or("target= is missing: /probe?target=HOST[:PORT]")?;
    let (host, port) = Host::parse_with_port(target.trim())
        .map_err(|e| smtp_doctor::escape(e.to_string().as_bytes()))?;
    Ok(Query {
        host,
        port,
        module,
        json,
    })
}

/// How long this probe may take: Prometheus's scrape timeout less the offset, capped by
/// `--timeout` (or the default).
pub(crate) fn budget(cap: Duration, scrape_timeout: Option<&str>) -> Duration {
    let scrape = scrape_timeout
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| {
            let s = Duration::from_secs_f64(s.min(3600.0));
            if s > SCRAPE_OFFSET * 2 {
                s - SCRAPE_OFFSET
            } else {
                s / 2
            }
        });
    scrape.map_or(cap, |s| s.min(cap))
}

/// The check's timing shrunk to fit `budget`: each step a share of it, so that a silent peer
/// still becomes a finding (filtered, no greeting) before the probe's end. The DNS wait is
/// rounded down to a step (at least 100 ms), so it takes few distinct values.
pub(crate) fn timing_within(budget: Duration) -> Timing {
    let mut t = Timing::new(None);
    t.connect_wait = t.connect_wait.min(budget / 2);
    t.step = t.step.min(budget / 3);
    let dns = t.dns.min(budget / 3);
    let steps = dns.as_millis() / DNS_STEP.as_millis();
    t.dns = match u32::try_from(steps) {
        Ok(n) if n > 0 => DNS_STEP * n,
        _ => Duration::from_millis(100),
    };
    let wait = t.connect_wait;
    t.connect_attempts.retain(|d| d.is_zero() || *d < wait);
    t
}

/// Whether a Host header (or a request's authority) names this machine's loopback: `localhost`,
/// an address of 127.0.0.0/8 or `[::1]` (an IPv4-mapped form too), with or without a port, or
/// one of `extra` (`--allow-host`, lower case). A page from another origin that rebinds its
/// name to 127.0.0.1 still sends its own name here.
///
/// This is a guard against DNS rebinding on an HTTP header, not the host a probe tests, so it
/// deliberately does not go through [`crate::model::Host`]: that type's loopback test accepts
/// every `*.localhost` name, which another local origin may serve, and knows nothing of the
/// port and brackets a Host header carries. Only the exact names above pass.
pub(crate) fn loopback_host(value: &str, extra: &[String]) -> bool {
    let value = value.trim();
    let host = if let Some(rest) = value.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return false;
        };
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(port_ok)) {
            return false;
        }
        return inner
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| super::allow::canonical(IpAddr::V6(ip)).is_loopback());
    } else {
        match value.split_once(':') {
            Some((host, port)) if port_ok(port) => host,
            Some(_) => return false,
            None => value,
        }
    };
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        return ip.is_loopback();
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if name.is_empty() {
        return false;
    }
    name == "localhost" || extra.contains(&name)
}

fn port_ok(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// An `--allow-host` value: a name or an address, kept in lower case without a final dot.
pub(crate) fn allow_host_arg(s: &str) -> Result<String, String> {
    let name = s.trim().trim_end_matches('.');
    match Host::parse(name) {
        Ok(Host::Name(n)) => Ok(n.to_ascii_lowercase()),
        _ => Err(format!(
            "invalid --allow-host {:?}: expected a name like exporter.example.com (addresses of 127.0.0.0/8 and [::1] are always accepted)",
            smtp_doctor::escape(s.as_bytes())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_validated_and_credentials_refused_without_echo() {
        let q = parse_query("target=smtp.gmail.com:465&module=default").unwrap();
        assert_eq!(
            (q.host.to_string(), q.port, q.json, q.module.as_deref()),
            ("smtp.gmail.com".into(), Some(465), false, Some("default"))
        );
        let q = parse_query("target=%5B%3A%3A1%5D&format=json").unwrap();
        assert_eq!(
            (q.host.to_string(), q.port, q.json, q.module),
            ("::1".into(), None, true, None)
        );
        for (query, needle) in [
            ("", "missing"),
            ("target=a%20b", "invalid host"),
            ("target=h:70000", "invalid port"),
            ("target=h&debug=1", "unknown parameter"),
            ("target=h&target=i", "twice"),
            (
                "target=h&password=hunter2secret",
                "never taken from the URL",
            ),
            ("target=h&User=me", "never taken from the URL"),
        ] {
            let e = parse_query(query).unwrap_err();
            assert!(e.contains(needle), "{query}: {e}");
            assert!(!e.contains("hunter2secret") && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn the_scrape_timeout_bounds_the_probe() {
        let cap = Duration::from_secs(10);
        assert_eq!(budget(cap, None), cap);
        assert_eq!(budget(cap, Some("4")), Duration::from_millis(3500));
        assert_eq!(budget(cap, Some("60")), cap);
        assert_eq!(budget(cap, Some("0.8")), Duration::from_millis(400));
        assert_eq!(budget(cap, Some("nonsense")), cap);
        assert_eq!(budget(cap, Some("-3")), cap);
        let t = timing_within(Duration::from_millis(1500));
        assert!(
            t.connect_wait <= Duration::from_millis(750) && t.step <= Duration::from_millis(500)
        );
        assert!(t
            .connect_attempts
            .iter()
            .all(|d| *d < t.connect_wait || d.is_zero()));
        assert_eq!(
            timing_within(Duration::from_secs(10)).connect_wait,
            Timing::DEFAULT_CONNECT_WAIT
        );
    }

    #[test]
    fn any_stream_of_scrape_timeouts_asks_for_few_dns_waits() {
        let cap = Duration::from_secs(3600);
        let waits: std::collections::BTreeSet<Duration> = (0..100_000u32)
            .map(|i| {
                let header = format!("{}", f64::from(i) * 0.0371);
                timing_within(budget(cap, Some(&header))).dns
            })
            .collect();
        assert!(waits.len() <= 13, "{waits:?}");
        assert!(waits.iter().all(|d| *d >= Duration::from_millis(100)));
    }

    #[test]
    fn only_loopback_hosts_unless_added() {
        let extra = ["exporter.example".to_string()];
        for ok in [
            "localhost",
            "LocalHost:9925",
            "localhost.",
            "127.0.0.1",
            "127.9.9.9:1",
            "[::1]",
            "[::1]:9925",
            "[::ffff:127.0.0.1]:80",
            "exporter.example:9925",
            "Exporter.Example",
        ] {
            assert!(loopback_host(ok, &extra), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:9925",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "10.0.0.1",
            "[::2]",
            "[::1",
            "[::1]x",
            "::1",
            "localhost:",
            "localhost:99999999",
            "",
            ":9925",
            "0.0.0.0",
        ] {
            assert!(!loopback_host(bad, &extra), "{bad}");
        }
        assert_eq!(
            allow_host_arg("Grafana.Example.").unwrap(),
            "grafana.example"
        );
        assert!(allow_host_arg("a b").is_err());
        assert!(allow_host_arg("10.0.0.1").is_err());
    }
}
