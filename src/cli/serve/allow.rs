//! `--allow`: which targets may be probed. Checked on every address actually dialled, and
//! before any DNS where the name and port alone already decide a refusal.
//!
//! An IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`) address is dialled as the
//! IPv4 address it reaches, so every rule matches it as that IPv4 address: `--allow ::/0`
//! admits IPv6, never IPv4 in disguise.
//!
//! Pure (no I/O, only the library, `ipnet` and `std`): the fuzz crate includes this file.

use smtp_doctor::Host;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One `--allow` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AllowRule {
    /// Any port of these addresses.
    Net(ipnet::IpNet),
    /// One host (or every name under a domain) on one port, or on any port (`None`).
    HostPort(HostPattern, Option<u16>),
}

/// The host half of a `HOST:PORT` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// This address.
    Ip(IpAddr),
    /// This name.
    Name(String),
    /// Every name under this domain (`*.example.com`; not the domain itself).
    Under(String),
}

/// The address a connection to `ip` reaches: the IPv4 address inside an IPv4-mapped or
/// IPv4-compatible IPv6 address, else `ip` itself (`::` and `::1` are IPv6's own).
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let compatible = s[..6].iter().all(|&x| x == 0) && !(s[6] == 0 && s[7] <= 1);
    compatible.then(|| Ipv4Addr::from((u128::from(v6) & 0xffff_ffff) as u32))
}

/// A network written in IPv6 over IPv4 (`::ffff:10.0.0.0/104`) is that IPv4 network.
fn canonical_net(net: ipnet::IpNet) -> ipnet::IpNet {
    let ipnet::IpNet::V6(v6) = net else {
        return net;
    };
    if v6.prefix_len() < 96 {
        return net;
    }
    match embedded_v4(v6.network()).or_else(|| v6.network().to_ipv4_mapped()) {
        Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
            .map(|n| ipnet::IpNet::V4(n.trunc()))
            .unwrap_or(net),
        None => net,
    }
}

/// Parses one `--allow` value: a CIDR or an address (any port), or `HOST:PORT`.
pub(crate) fn parse_allow(s: &str) -> Result<AllowRule, String> {
    let bad = || {
        format!(
            "invalid --allow {:?}: expected a CIDR like 10.0.0.0/8 or HOST:PORT like smtp.example.com:587 (PORT may be *)",
            smtp_doctor::escape(s.as_bytes())
        )
    };
    let s = s.trim();
    if let Ok(net) = s.parse::<ipnet::IpNet>() {
        return Ok(AllowRule::Net(canonical_net(net.trunc())));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(AllowRule::Net(ipnet::IpNet::from(canonical(ip))));
    }
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    let port = match port {
        "*" => None,
        p => Some(smtp_doctor::parse_port(p).map_err(|_| bad())?),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let pattern = if let Ok(ip) = host.parse::<IpAddr>() {
        HostPattern::Ip(canonical(ip))
    } else if let Some(domain) = host.strip_prefix("*.") {
        HostPattern::Under(Host::parse(domain).map_err(|_| bad())?.to_string())
    } else {
        match Host::parse(host).map_err(|_| bad())? {
            Host::Ip(ip) => HostPattern::Ip(canonical(ip)),
            name => HostPattern::Name(name.to_string()),
        }
    };
    Ok(AllowRule::HostPort(pattern, port))
}

impl HostPattern {
    fn names(&self, host: &Host) -> bool {
        let name = host.to_string();
        match self {
            HostPattern::Ip(_) => false,
            HostPattern::Name(n) => *n == name,
            HostPattern::Under(d) => name
                .strip_suffix(d.as_str())
                .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
        }
    }
}

impl AllowRule {
    fn allows(&self, host: &Host, address: IpAddr, port: u16) -> bool {
        let address = canonical(address);
        match self {
            AllowRule::Net(net) => net.contains(&address),
            AllowRule::HostPort(pattern, p) => {
                if p.is_some_and(|p| p != port) {
                    return false;
                }
                match pattern {
                    HostPattern::Ip(ip) => *ip == address,
                    _ => pattern.names(host),
                }
            }
        }
    }

    /// Whether some address `host` may resolve to could be allowed on `port`.
    fn may_allow(&self, host: &Host, port: u16) -> bool {
        match self {
            AllowRule::Net(net) => host.ip().is_none_or(|ip| net.contains(&canonical(ip))),
            AllowRule::HostPort(pattern, p) => {
                if p.is_some_and(|p| p != port) {
                    return false;
                }
                match pattern {
                    HostPattern::Ip(ip) => host.ip().is_none_or(|a| canonical(a) == *ip),
                    _ => pattern.names(host),
                }
            }
        }
    }
}

/// Whether `rules` allow dialling `address:port` for `host` (no rules: everything).
pub(crate) fn allowed(rules: &[AllowRule], host: &Host, address: IpAddr, port: u16) -> bool {
    rules.is_empty() || rules.iter().any(|r| r.allows(host, address, port))
}

/// Whether `host:port` could be allowed whatever its DNS says: when not, the request is
/// refused before any name is resolved.
pub(crate) fn may_be_allowed(rules: &[AllowRule], host: &Host, port: u16) -> bool {
    rules.is_empty() || rules.iter().any(|r| r.may_allow(host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Host {
        Host::parse(s).unwrap()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn allow_rules_parse_and_match_the_dialled_address() {
        let rules: Vec<AllowRule> = [
            "10.0.0.0/8",
            "192.0.2.7",
            "smtp.gmail.com:465",
            "*.example.com:*",
            "[::1]:587",
        ]
        .iter()
        .map(|s| parse_allow(s).unwrap())
        .collect();
        let gmail = host("smtp.gmail.com");
        assert!(allowed(&rules, &gmail, ip("10.1.2.3"), 25));
        assert!(allowed(&rules, &gmail, ip("192.0.2.7"), 587));
        assert!(!allowed(&rules, &gmail, ip("192.0.2.8"), 587));
        assert!(allowed(&rules, &gmail, ip("203.0.113.1"), 465));
        assert!(!allowed(&rules, &gmail, ip("203.0.113.1"), 587));
        let mx = host("mx.example.com");
        assert!(allowed(&rules, &mx, ip("203.0.113.1"), 2525));
        assert!(!allowed(
            &rules,
            &host("example.com"),
            ip("203.0.113.1"),
            25
        ));
        let evil = host("evilexample.com");
        assert!(!allowed(&rules, &evil, ip("203.0.113.1"), 25));
        assert!(allowed(&rules, &host("::1"), ip("::1"), 587));
        assert!(!allowed(&rules, &host("::1"), ip("::1"), 465));
        assert!(allowed(&[], &gmail, ip("127.0.0.1"), 1));
        for bad in ["", "smtp.gmail.com", "10.0.0.0/33", "a b:25", "h:0", "h:x"] {
            assert!(parse_allow(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_ipv4_mapped_or_compatible_address_is_matched_as_its_ipv4_address() {
        let any_v6 = [parse_allow("::/0").unwrap()];
        let lo = host("127.0.0.1");
        for dialled in [
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::127.0.0.1",
            "127.0.0.1",
        ] {
            assert!(!allowed(&any_v6, &lo, ip(dialled), 587), "{dialled}");
        }
        assert!(allowed(&any_v6, &lo, ip("::1"), 587));
        assert!(allowed(&any_v6, &lo, ip("2001:db8::1"), 587));
        let rule = [parse_allow("[::ffff:127.0.0.1]:587").unwrap()];
        assert!(allowed(&rule, &lo, ip("127.0.0.1"), 587));
        let rule = [parse_allow("::ffff:10.0.0.0/104").unwrap()];
        assert_eq!(rule[0], parse_allow("10.0.0.0/8").unwrap());
        assert!(allowed(&rule, &lo, ip("::ffff:10.9.9.9"), 25));
        assert!(!allowed(&rule, &lo, ip("::ffff:11.0.0.1"), 25));
        assert_eq!(canonical(ip("::")), ip("::"));
        assert_eq!(canonical(ip("::1")), ip("::1"));
        assert_eq!(canonical(ip("::2")), ip("0.0.0.2"));
    }

    #[test]
    fn a_name_that_no_rule_can_admit_is_refused_before_dns() {
        let rules = [
            parse_allow("smtp.example.com:587").unwrap(),
            parse_allow("[192.0.2.1]:465").unwrap(),
        ];
        assert!(may_be_allowed(&rules, &host("smtp.example.com"), 587));
        assert!(!may_be_allowed(&rules, &host("smtp.example.com"), 25));
        assert!(!may_be_allowed(&rules, &host("other.example"), 587));
        // A name may resolve to 192.0.2.1: only its DNS can tell.
        assert!(may_be_allowed(&rules, &host("other.example"), 465));
        assert!(!may_be_allowed(&rules, &host("192.0.2.2"), 465));
        let nets = [parse_allow("10.0.0.0/8").unwrap()];
        assert!(may_be_allowed(&nets, &host("any.example"), 25));
        assert!(!may_be_allowed(&nets, &host("::ffff:127.0.0.1"), 25));
        assert!(may_be_allowed(&[], &host("any.example"), 25));
    }
}
