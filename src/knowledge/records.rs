//! The text of SPF (RFC 7208), DKIM key (RFC 6376 §3.6.1) and DMARC (RFC 7489 §6.3) records,
//! parsed. Pure functions: the DNS answers they read are hostile text, so nothing here panics
//! and every error says which term is wrong.

use crate::model::{Alignment, DkimKeyState, DmarcPolicy, DmarcRecord};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn esc(text: &str) -> String {
    crate::printable::escape(text.as_bytes())
}

/// Most DNS-querying terms RFC 7208 §4.6.4 allows.
pub(crate) const SPF_LOOKUP_LIMIT: u32 = 10;
/// Most void lookups RFC 7208 §4.6.4 advises.
pub(crate) const SPF_VOID_LIMIT: u32 = 2;

/// The policy a receiver applies: `p=none` changes nothing.
pub(crate) fn enforcing(policy: Option<DmarcPolicy>) -> bool {
    matches!(policy, Some(DmarcPolicy::Quarantine | DmarcPolicy::Reject))
}

/// An SPF qualifier (RFC 7208 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `+`
    Pass,
    /// `-`
    Fail,
    /// `~`
    Softfail,
    /// `?`
    Neutral,
}

/// An SPF mechanism (RFC 7208 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`
    All,
    /// `include:domain`
    Include(String),
    /// `a[:domain][/v4][//v6]`
    A(Option<String>, u8, u8),
    /// `mx[:domain][/v4][//v6]`
    Mx(Option<String>, u8, u8),
    /// `ptr[:domain]`
    Ptr(Option<String>),
    /// `ip4:addr[/len]`
    Ip4(Ipv4Addr, u8),
    /// `ip6:addr[/len]`
    Ip6(Ipv6Addr, u8),
    /// `exists:domain`
    Exists(String),
}

impl Mechanism {
    /// Whether the mechanism makes a DNS query (and so counts toward the limit of 10).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include(_)
                | Mechanism::A(..)
                | Mechanism::Mx(..)
                | Mechanism::Ptr(_)
                | Mechanism::Exists(_)
        )
    }
}

/// One directive: qualifier and mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The qualifier (`+` when absent).
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
}

/// An SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpfRecord {
    /// Directives, in order.
    pub directives: Vec<Directive>,
    /// `redirect=`.
    pub redirect: Option<String>,
}

/// A TXT record that is an SPF record: `v=spf1` alone or followed by a space (RFC 7208 §4.5).
pub fn is_spf(txt: &str) -> bool {
    let lower = txt.trim_start().to_ascii_lowercase();
    lower == "v=spf1" || lower.starts_with("v=spf1 ")
}

/// A TXT record that is a DMARC record (RFC 7489 §6.6.3: starts with `v=DMARC1`).
pub fn is_dmarc(txt: &str) -> bool {
    let t = txt.trim_start();
    let Some(rest) = t.get(..8).filter(|v| v.eq_ignore_ascii_case("v=dmarc1")) else {
        return false;
    };
    let rest = t[rest.len()..].trim_start();
    rest.is_empty() || rest.starts_with(';')
}

/// Whether a domain-spec uses macros (`%{i}`): it cannot be resolved without a message.
pub(crate) fn has_macro(domain: &str) -> bool {
    domain.contains('%')
}

fn domain_spec(value: &str, term: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value.len() <= 253
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' || b == b'%');
    let macro_ok = !has_macro(value) || valid_macros(value);
    if ok && macro_ok && (has_macro(value) || value.contains('.')) {
        Ok(value.trim_end_matches('.').to_ascii_lowercase())
    } else {
        Err(format!("{term}: \"{}\" is not a domain", esc(value)))
    }
}

/// `%{x...}`, `%%`, `%_`, `%-` only (RFC 7208 §7.1).
fn valid_macros(value: &str) -> bool {
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('%' | '_' | '-') => {}
            Some('{') => {
                let Some(letter) = chars.next() else {
                    return false;
                };
                if !"slodiphcrtvSLODIPHCRTV".contains(letter) {
                    return false;
                }
                if !chars.by_ref().any(|c| c == '}') {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

fn cidr(text: &str, max: u8, term: &str) -> Result<u8, String> {
    match text.parse::<u8>() {
        Ok(n) if n <= max && (text == "0" || !text.starts_with('0')) => Ok(n),
        _ => Err(format!(
            "{term}: /{} is not a prefix length up to {max}",
            esc(text)
        )),
    }
}

/// `[:domain][/v4][//v6]` of `a` and `mx`.
fn a_args(rest: &str, term: &str) -> Result<(Option<String>, u8, u8), String> {
    let (domain_part, cidrs) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let domain = match domain_part.strip_prefix(':') {
        Some(d) => Some(domain_spec(d, term)?),
        None if domain_part.is_empty() => None,
        None => return Err(format!("{term}: unexpected \"{}\"", esc(domain_part))),
    };
    let (mut v4, mut v6) = (32, 128);
    if let Some(c) = cidrs.strip_prefix("//") {
        v6 = cidr(c, 128, term)?;
    } else if let Some(c) = cidrs.strip_prefix('/') {
        match c.split_once("//") {
            Some((a, b)) => {
                v4 = cidr(a, 32, term)?;
                v6 = cidr(b, 128, term)?;
            }
            None => v4 = cidr(c, 32, term)?,
        }
    }
    Ok((domain, v4, v6))
}

/// Parses an SPF record (RFC 7208 §4.6, §12 ABNF). An unknown mechanism, a malformed term or
/// a repeated `redirect=` is a permanent error; unknown modifiers are ignored, as the RFC says.
pub fn parse_spf(txt: &str) -> Result<SpfRecord, String> {
    if !is_spf(txt) {
        return Err("the record does not start with v=spf1".into());
    }
    let mut record = SpfRecord::default();
    let mut exp_seen = false;
    for term in txt.split_ascii_whitespace().skip(1) {
        let printable = crate::printable::escape(term.as_bytes());
        // A modifier: name=value, the name starting with a letter.
        if let Some((name, value)) = term.split_once('=') {
            let name_ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if name_ok && !name.contains(':') {
                match name.to_ascii_lowercase().as_str() {
                    "redirect" => {
                        if record.redirect.is_some() {
                            return Err("redirect= appears twice".into());
                        }
                        record.redirect = Some(domain_spec(value, &printable)?);
                    }
                    "exp" => {
                        if exp_seen {
                            return Err("exp= appears twice".into());
                        }
                        exp_seen = true;
                        domain_spec(value, &printable)?;
                    }
                    _ => {}
                }
                continue;
            }
        }
        let (qualifier, body) = match term.as_bytes()[0] {
            b'+' => (Qualifier::Pass, &term[1..]),
            b'-' => (Qualifier::Fail, &term[1..]),
            b'~' => (Qualifier::Softfail, &term[1..]),
            b'?' => (Qualifier::Neutral, &term[1..]),
            _ => (Qualifier::Pass, term),
        };
        let lower = body.to_ascii_lowercase();
        let name_end = lower.find([':', '/']).unwrap_or(lower.len());
        let (name, rest) = (&lower[..name_end], &body[name_end..]);
        let arg = |prefix_required: bool| -> Result<String, String> {
            match rest.strip_prefix(':') {
                Some(d) => domain_spec(d, &printable),
                None if prefix_required => Err(format!("{printable}: a domain is required")),
                None => Err(format!("{printable}: unexpected \"{}\"", esc(rest))),
            }
        };
        let mechanism = match name {
            "all" if rest.is_empty() => Mechanism::All,
            "include" => Mechanism::Include(arg(true)?),
            "exists" => Mechanism::Exists(arg(true)?),
            "a" => {
                let (d, v4, v6) = a_args(rest, &printable)?;
                Mechanism::A(d, v4, v6)
            }
            "mx" => {
                let (d, v4, v6) = a_args(rest, &printable)?;
                Mechanism::Mx(d, v4, v6)
            }
            "ptr" if rest.is_empty() => Mechanism::Ptr(None),
            "ptr" => Mechanism::Ptr(Some(arg(true)?)),
            "ip4" => {
                let value = rest
                    .strip_prefix(':')
                    .ok_or_else(|| format!("{printable}: an address is required"))?;
                let (addr, len) = value.split_once('/').unwrap_or((value, "32"));
                let addr: Ipv4Addr = addr.parse().map_err(|_| {
                    format!("{printable}: \"{}\" is not an IPv4 address", esc(addr))
                })?;
                Mechanism::Ip4(addr, cidr(len, 32, &printable)?)
            }
            "ip6" => {
                let value = rest
                    .strip_prefix(':')
                    .ok_or_else(|| format!("{printable}: an address is required"))?;
                let (addr, len) = value.split_once('/').unwrap_or((value, "128"));
                let addr: Ipv6Addr = addr.parse().map_err(|_| {
                    format!("{printable}: \"{}\" is not an IPv6 address", esc(addr))
                })?;
                Mechanism::Ip6(addr, cidr(len, 128, &printable)?)
            }
            _ => return Err(format!("{printable}: unknown mechanism")),
        };
        record.directives.push(Directive {
            qualifier,
            mechanism,
        });
    }
    Ok(record)
}

/// Whether `ip` is inside `net`/`len`.
pub(crate) fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// `tag=value` pairs of a DKIM or DMARC record (RFC 6376 §3.2), names lowercased.
fn tags(txt: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for part in txt.split(';') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!(
                "\"{}\" is not tag=value",
                crate::printable::escape(part.as_bytes())
            ));
        };
        let name = name.trim().to_ascii_lowercase();
        if out.iter().any(|(n, _)| *n == name) {
            return Err(format!("the tag {} appears twice", esc(&name)));
        }
        out.push((name, value.trim().to_string()));
    }
    Ok(out)
}

fn policy(value: &str, tag: &str) -> Result<DmarcPolicy, String> {
    match value.to_ascii_lowercase().as_str() {
        "none" => Ok(DmarcPolicy::None),
        "quarantine" => Ok(DmarcPolicy::Quarantine),
        "reject" => Ok(DmarcPolicy::Reject),
        _ => Err(format!(
            "{tag}={} is not none, quarantine or reject",
            crate::printable::escape(value.as_bytes())
        )),
    }
}

fn alignment(value: &str, tag: &str) -> Result<Alignment, String> {
    match value.to_ascii_lowercase().as_str() {
        "r" => Ok(Alignment::Relaxed),
        "s" => Ok(Alignment::Strict),
        _ => Err(format!(
            "{tag}={} is not r or s",
            crate::printable::escape(value.as_bytes())
        )),
    }
}

/// Parses a DMARC record (RFC 7489 §6.3, §6.6.3). A `p=` that is not a policy makes the record
/// invalid (receivers then treat the domain as having no DMARC record); a missing `p=` is
/// `none` when `rua=` is valid, as §6.6.3 says, and an error otherwise.
pub fn parse_dmarc(txt: &str) -> Result<DmarcRecord, String> {
    let tags = tags(txt)?;
    match tags.first() {
        Some((n, v)) if n == "v" && v.eq_ignore_ascii_case("DMARC1") => {}
        _ => return Err("the record does not start with v=DMARC1".into()),
    }
    let get = |name: &str| {
        tags.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let policy_value = match get("p") {
        Some(p) => policy(p, "p")?,
        None if get("rua").is_some_and(|r| r.to_ascii_lowercase().contains("mailto:")) => {
            DmarcPolicy::None
        }
        None => return Err("there is no p= tag".into()),
    };
    let subdomain_policy = get("sp").map(|v| policy(v, "sp")).transpose()?;
    let adkim = get("adkim")
        .map(|v| alignment(v, "adkim"))
        .transpose()?
        .unwrap_or(Alignment::Relaxed);
    let aspf = get("aspf")
        .map(|v| alignment(v, "aspf"))
        .transpose()?
        .unwrap_or(Alignment::Relaxed);
    let pct = match get("pct") {
        Some(v) => match v.parse::<u8>() {
            Ok(n) if n <= 100 => n,
            _ => {
                return Err(format!(
                    "pct={} is not a number from 0 to 100",
                    crate::printable::escape(v.as_bytes())
                ))
            }
        },
        None => 100,
    };
    Ok(DmarcRecord {
        policy: policy_value,
        subdomain_policy,
        adkim,
        aspf,
        pct,
    })
}

/// What a DKIM key record says (RFC 6376 §3.6.1): revoked (`p=` empty), testing (`t=y`), the
/// key type and its length.
pub fn parse_dkim(txt: &str) -> DkimKeyState {
    let tags = match tags(txt) {
        Ok(t) => t,
        Err(why) => return DkimKeyState::Invalid { why },
    };
    if let Some(pos) = tags.iter().position(|(n, _)| n == "v") {
        if pos != 0 || !tags[pos].1.eq_ignore_ascii_case("DKIM1") {
            return DkimKeyState::Invalid {
                why: "v= is not DKIM1 as the first tag".into(),
            };
        }
    }
    let get = |name: &str| {
        tags.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(p) = get("p") else {
        return DkimKeyState::Invalid {
            why: "there is no p= tag".into(),
        };
    };
    let key_type = get("k").unwrap_or("rsa").to_ascii_lowercase();
    let testing = get("t").is_some_and(|t| t.split(':').any(|f| f.trim() == "y"));
    let p: String = p.chars().filter(|c| !c.is_whitespace()).collect();
    if p.is_empty() {
        return DkimKeyState::Key {
            key_type,
            bits: None,
            revoked: true,
            testing,
        };
    }
    use base64::prelude::{Engine as _, BASE64_STANDARD};
    let Ok(der) = BASE64_STANDARD.decode(p.as_bytes()) else {
        return DkimKeyState::Invalid {
            why: "p= is not base64".into(),
        };
    };
    let bits = match key_type.as_str() {
        "rsa" => rsa_bits(&der),
        "ed25519" if der.len() == 32 => Some(256),
        _ => None,
    };
    if key_type == "rsa" && bits.is_none() {
        return DkimKeyState::Invalid {
            why: "p= is not an RSA public key".into(),
        };
    }
    DkimKeyState::Key {
        key_type,
        bits,
        revoked: false,
        testing,
    }
}

/// The modulus length of an RSA key given as SubjectPublicKeyInfo (what DKIM publishes) or as
/// a bare RSAPublicKey (which some signers publish).
fn rsa_bits(der: &[u8]) -> Option<u32> {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::{PublicKey, RSAPublicKey};
    use x509_parser::x509::SubjectPublicKeyInfo;
    let modulus_bits = |m: &[u8]| -> Option<u32> {
        let m: &[u8] = &m[m.iter().position(|&b| b != 0)?..];
        Some((m.len() as u32 - 1) * 8 + (8 - m[0].leading_zeros()))
    };
    if let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(der) {
        if let Ok(PublicKey::RSA(rsa)) = spki.parsed() {
            return modulus_bits(rsa.modulus);
        }
        return None;
    }
    RSAPublicKey::from_der(der)
        .ok()
        .and_then(|(_, rsa)| modulus_bits(rsa.modulus))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_terms_parse_and_count() {
        let r = parse_spf(
            "v=spf1 ip4:192.0.2.0/24 a mx:mail.example.com/28 include:_spf.google.com ~all",
        )
        .unwrap();
        assert_eq!(r.directives.len(), 5);
        assert_eq!(
            r.directives
                .iter()
                .filter(|d| d.mechanism.queries_dns())
                .count(),
            3
        );
        assert_eq!(r.directives[4].qualifier, Qualifier::Softfail);
        assert!(parse_spf("v=spf1 redirect=_spf.example.com")
            .unwrap()
            .redirect
            .is_some());
        assert!(parse_spf("v=spf1 a/24//64 -all").is_ok());
        assert!(parse_spf("v=spf1 exists:%{i}._spf.example.com -all").is_ok());
        // Unknown modifiers are ignored (RFC 7208 §6).
        assert!(parse_spf("v=spf1 foo=bar -all").is_ok());
        for bad in [
            "v=spf1 include -all",
            "v=spf1 ip4:300.1.1.1 -all",
            "v=spf1 ip4:192.0.2.1/33",
            "v=spf1 inclde:_spf.google.com ~all",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 include:%{z}.example.com",
            "v=spf10 -all",
        ] {
            assert!(parse_spf(bad).is_err(), "{bad}");
        }
        assert!(is_spf("v=spf1"));
        assert!(is_spf("V=SPF1 -all"));
        assert!(!is_spf("v=spf10 -all"));
    }

    #[test]
    fn dmarc_policies_and_modes() {
        let r = parse_dmarc("v=DMARC1; p=reject; sp=quarantine; adkim=s; pct=50").unwrap();
        assert_eq!(r.policy, DmarcPolicy::Reject);
        assert_eq!(r.subdomain_policy, Some(DmarcPolicy::Quarantine));
        assert_eq!(r.adkim, Alignment::Strict);
        assert_eq!(r.aspf, Alignment::Relaxed);
        assert_eq!(r.pct, 50);
        assert!(parse_dmarc("v=DMARC1; p=rejected").is_err());
        assert!(parse_dmarc("p=reject; v=DMARC1").is_err());
        assert!(parse_dmarc("v=DMARC1; adkim=x; p=none").is_err());
        assert_eq!(
            parse_dmarc("v=DMARC1; rua=mailto:d@example.com")
                .unwrap()
                .policy,
            DmarcPolicy::None
        );
        assert!(is_dmarc("v=DMARC1; p=none"));
        assert!(!is_dmarc("v=DMARC10; p=none"));
    }

    #[test]
    fn dkim_states() {
        assert!(matches!(
            parse_dkim("v=DKIM1; k=rsa; p="),
            DkimKeyState::Key { revoked: true, .. }
        ));
        assert!(matches!(
            parse_dkim("v=DKIM1; t=y; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
            DkimKeyState::Key {
                testing: true,
                bits: Some(256),
                ..
            }
        ));
        assert!(matches!(
            parse_dkim("v=DKIM1; p=!!!"),
            DkimKeyState::Invalid { .. }
        ));
        assert!(matches!(parse_dkim("k=rsa"), DkimKeyState::Invalid { .. }));
    }

    #[test]
    fn networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("192.0.2.77"), ip("192.0.2.0"), 24));
        assert!(!in_network(ip("192.0.3.1"), ip("192.0.2.0"), 24));
        assert!(in_network(ip("192.0.3.1"), ip("0.0.0.0"), 0));
        assert!(in_network(ip("2001:db8::1"), ip("2001:db8::"), 32));
        assert!(!in_network(ip("2001:db8::1"), ip("192.0.2.0"), 0));
    }
}
