//! The host to probe, normalised once: every layer above gets the same spelling, and carries
//! it as this type rather than as text to be parsed again.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

/// Text that is neither a DNS name nor an IP address (as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadHost(pub String);

impl fmt::Display for BadHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid host {:?}", self.0)
    }
}

/// A validated host: a DNS name (ASCII, lower case, no trailing dot; international names in
/// their `xn--` form) or an IP address (IPv6 without brackets).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Host {
    /// A DNS name.
    Name(String),
    /// An IP literal: no DNS is asked.
    Ip(IpAddr),
}

impl Host {
    /// Parses what a user (or a settings file, or a DNS answer) wrote: `smtp.gmail.com`,
    /// `SMTP.Gmail.com.`, `bücher.example`, `192.0.2.1`, `[2001:db8::1]`, `2001:db8::1`.
    pub fn parse(text: &str) -> Result<Host, BadHost> {
        let bad = || BadHost(text.to_string());
        if let Some(inner) = text.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            return inner
                .parse::<Ipv6Addr>()
                .map(|ip| Host::Ip(IpAddr::V6(ip)))
                .map_err(|_| bad());
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Host::Ip(ip));
        }
        let name = text.strip_suffix('.').unwrap_or(text);
        // International names become their ASCII (punycode) form; anything IDNA refuses
        // (spaces, controls, symbols) is not a host name.
        let ascii = if name.is_ascii() {
            name.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii(name).map_err(|_| bad())?
        };
        if ascii.is_empty() || ascii.len() > 253 {
            return Err(bad());
        }
        for label in ascii.split('.') {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(bad());
            }
        }
        // An all-numeric dotted name is a mistyped IPv4 address, not a host name.
        if ascii
            .split('.')
            .all(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        Ok(Host::Name(ascii))
    }

    /// The address, when the host is an IP literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Host::Ip(ip) => Some(*ip),
            Host::Name(_) => None,
        }
    }

    /// This machine, by name or address: `localhost` (and its subdomains, RFC 6761 §6.3) or a
    /// loopback address.
    pub fn is_loopback(&self) -> bool {
        match self {
            Host::Name(n) => n == "localhost" || n.ends_with(".localhost"),
            Host::Ip(ip) => ip.is_loopback(),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(n) => f.write_str(n),
            Host::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl FromStr for Host {
    type Err = BadHost;
    fn from_str(s: &str) -> Result<Host, BadHost> {
        Host::parse(s)
    }
}

impl PartialEq<str> for Host {
    fn eq(&self, other: &str) -> bool {
        matches!(self, Host::Name(n) if n == other)
            || matches!(self, Host::Ip(ip) if other.parse::<IpAddr>().ok() == Some(*ip))
    }
}

impl Serialize for Host {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Host {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Host, D::Error> {
        let text = String::deserialize(d)?;
        Host::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_by_name_or_address() {
        for (host, loopback) in [
            ("localhost", true),
            ("LOCALHOST.", true),
            ("app.localhost", true),
            ("127.0.0.1", true),
            ("127.1.2.3", true),
            ("::1", true),
            ("[::1]", true),
            ("localhost.example.com", false),
            ("mylocalhost", false),
            ("192.0.2.1", false),
            ("smtp.gmail.com", false),
        ] {
            assert_eq!(Host::parse(host).unwrap().is_loopback(), loopback, "{host}");
        }
    }

    #[test]
    fn written_as_its_one_spelling() {
        let h: Host = serde_json::from_str("\"SMTP.Gmail.com.\"").unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), "\"smtp.gmail.com\"");
        let ip: Host = serde_json::from_str("\"::1\"").unwrap();
        assert_eq!(serde_json::to_string(&ip).unwrap(), "\"::1\"");
        assert!(serde_json::from_str::<Host>("\"a b\"").is_err());
    }
}
