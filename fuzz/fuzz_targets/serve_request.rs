//! `serve`'s request handling, from the parts a client or a config controls: the query string,
//! the Host header, the scrape timeout header and an `--allow` rule, split at NUL bytes. The
//! parsing is pure functions in the binary's `src/cli/serve/`, included here by path.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::Host;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
#[path = "common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../../src/cli/serve/allow.rs"]
mod allow;
#[allow(dead_code)]
#[path = "../../src/cli/serve/request.rs"]
mod request;

const CREDENTIAL_KEYS: &[&str] = &[
    "user", "username", "login", "password", "pass", "passwd", "secret", "token", "auth",
];

fn one_safe_line(what: &str, text: &str) {
    common::assert_safe(what, text);
    assert!(!text.contains('\n'), "{what}: {text:?}");
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let host_header = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let scrape = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let rule = String::from_utf8_lossy(parts.next().unwrap_or_default());

    // The query: a 400's reason is one safe line and never quotes a credential's value.
    match request::parse_query(&query) {
        Ok(q) => {
            assert_ne!(q.port, Some(0));
            assert!(q.module.as_deref().is_none_or(|m| !m.is_empty()));
            let shown = q.host.to_string();
            assert_eq!(Host::parse(&shown).ok(), Some(q.host.clone()), "{shown:?}");
        }
        Err(why) => {
            one_safe_line("query", &why);
            // The refusal names the first credential parameter, never its value.
            if why.starts_with("credentials are never taken from the URL") {
                let first = url::form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| CREDENTIAL_KEYS.contains(&k.to_ascii_lowercase().as_str()));
                let (k, v) = first.expect("a credential parameter was refused");
                let _ = v;
                // The only part of the message that varies is the parameter's name.
                let shown_key = smtp_doctor::escape(k.as_bytes());
                let fixed = why.replacen(&format!("(parameter {shown_key})"), "(parameter)", 1);
                assert_eq!(
                    fixed,
                    "credentials are never taken from the URL (parameter); they come from the environment or a file of a --config module"
                );
            }
        }
    }

    // The scrape timeout: never beyond the cap; the steps fit the budget; few DNS waits.
    let cap = Duration::from_secs(10);
    let budget = request::budget(cap, Some(&scrape));
    assert!(budget <= cap && !budget.is_zero(), "{scrape:?}: {budget:?}");
    let t = request::timing_within(budget);
    assert!(t.connect_wait <= budget / 2 && t.step <= budget / 3);
    assert!(t.connect_attempts.iter().all(|d| d.is_zero() || *d < t.connect_wait));
    let ms = t.dns.as_millis();
    assert!(ms == 100 || (ms % 250 == 0 && (250..=3000).contains(&ms)), "{ms}");

    // The Host header: loopback, or a name added; a name under another domain never.
    let extra = ["exporter.example".to_string()];
    if request::loopback_host(&host_header, &extra) {
        let h = host_header.trim().to_ascii_lowercase();
        assert!(
            h.starts_with("localhost")
                || h.starts_with("127.")
                || h.starts_with('[')
                || h.starts_with("exporter.example"),
            "{host_header:?} accepted"
        );
        assert!(!h.contains(['/', '@', ' ', '\\']), "{host_header:?} accepted");
    }
    let suffixed = format!("{}.attacker.example", host_header.trim());
    assert!(!request::loopback_host(&suffixed, &extra), "{suffixed:?}");

    // An --allow rule: an IPv4-mapped or -compatible address is matched as its IPv4 address,
    // and what the name and port refuse before DNS no address admits.
    match allow::parse_allow(&rule) {
        Err(why) => one_safe_line("allow", &why),
        Ok(rule) => {
            let rules = [rule];
            let seed = data.iter().fold(0u32, |h, &b| h.rotate_left(5) ^ u32::from(b));
            let v4 = Ipv4Addr::from(seed);
            let port = (seed >> 16) as u16;
            let hosts = [
                Host::parse("smtp.example.com").unwrap(),
                Host::Ip(IpAddr::V4(v4)),
                Host::Ip(IpAddr::V6(v4.to_ipv6_mapped())),
            ];
            for host in &hosts {
                let plain = allow::allowed(&rules, host, IpAddr::V4(v4), port);
                let mapped = allow::allowed(&rules, host, IpAddr::V6(v4.to_ipv6_mapped()), port);
                assert_eq!(plain, mapped, "{rules:?} {host} {v4} {port}");
                if !allow::may_be_allowed(&rules, host, port) {
                    let dialled = host.ip().unwrap_or(IpAddr::V4(v4));
                    assert!(!allow::allowed(&rules, host, dialled, port), "{rules:?} {host}");
                }
            }
        }
    }
});
