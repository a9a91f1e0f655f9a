//! Mailboxes for MAIL FROM and RCPT TO, checked against RFC 5321 §4.1.2 before any packet:
//! a value that is not a mailbox (a CR or LF that would start a second command, a `>` that
//! would close the path) never reaches the wire.

use super::{Host, PlanError};
use std::fmt;

/// An RFC 5321 `Mailbox` (`Local-part "@" ( Domain / address-literal )`), with RFC 6531's
/// UTF-8 in the local part; at most 64 octets before the `@` and 254 in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox(String);

impl Mailbox {
    /// Checks `text` is one mailbox (no angle brackets, no display name).
    pub fn parse(text: &str) -> Result<Mailbox, PlanError> {
        let bad = |why: &'static str| PlanError::BadMailbox {
            value: crate::printable::escape(text.as_bytes()),
            why,
        };
        let at = text.rfind('@').ok_or(bad("it has no @"))?;
        let (local, domain) = (&text[..at], &text[at + 1..]);
        if local.is_empty() {
            return Err(bad("nothing before the @"));
        }
        if local.len() > 64 || text.len() > 254 {
            return Err(bad(
                "longer than RFC 5321 allows (64 before the @, 254 in all)",
            ));
        }
        let local_ok =
            if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
                quoted_ok(inner)
            } else {
                local
                    .split('.')
                    .all(|atom| !atom.is_empty() && atom.chars().all(atext))
            };
        if !local_ok {
            return Err(bad("the part before the @ holds characters a mailbox cannot (spaces, <>, CR/LF, controls)"));
        }
        let domain_ok = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
            Some(literal) => {
                let ip = literal.strip_prefix("IPv6:").unwrap_or(literal);
                ip.parse::<std::net::IpAddr>()
                    .is_ok_and(|a| a.is_ipv6() == literal.starts_with("IPv6:"))
            }
            None => {
                !domain.is_empty()
                    && domain.parse::<std::net::IpAddr>().is_err()
                    && Host::parse(domain).is_ok()
            }
        };
        if !domain_ok {
            return Err(bad("the part after the @ is not a domain name"));
        }
        Ok(Mailbox(text.to_string()))
    }

    /// The mailbox as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5321 `atext`, and RFC 6531's non-ASCII (never a control, bidi or invisible character).
fn atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii()
            && crate::printable::escape(c.encode_utf8(&mut [0; 4]).as_bytes()).len()
                == c.len_utf8())
}

/// The inside of a `Quoted-string`: `qtextSMTP` and `quoted-pairSMTP` (printable ASCII and
/// space; a backslash quotes the next one).
fn quoted_ok(inner: &str) -> bool {
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if !chars.next().is_some_and(|q| (' '..='~').contains(&q)) {
                    return false;
                }
            }
            '"' => return false,
            c if (' '..='~').contains(&c) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "\"john doe\"@example.com",
            "user@[192.0.2.1]",
            "user@[IPv6:2001:db8::1]",
            "josé@example.es",
            "x@localhost",
        ] {
            assert!(Mailbox::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "alice@h.test>\nRCPT TO:<victim@evil.test",
            "alice@h.test\r\nRCPT TO:<victim@evil.test>",
            "a@b.test\n",
            "a\r@b.test",
            "<a@b.test>",
            "a b@c.test",
            "a@",
            "@b.test",
            "ab.test",
            "a..b@c.test",
            ".a@c.test",
            "a@b.test>",
            "a@b_c .test",
            "a@192.0.2.1",
            "a@[IPv6:192.0.2.1]",
            "\"a\nb\"@c.test",
            "\"a\"b\"@c.test",
            "a\u{1b}[31m@c.test",
            "a\u{202e}@c.test",
        ] {
            let e = Mailbox::parse(bad).unwrap_err().to_string();
            assert!(
                !e.contains('\n') && !e.contains('\r') && !e.contains('\u{1b}'),
                "{e}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(Mailbox::parse(&long).is_err());
    }
}
