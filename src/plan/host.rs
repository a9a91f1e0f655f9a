//! The host to probe, as the plan reads it: with a port, and the names it may be pointed at.

use super::PlanError;
pub use crate::model::Host;

impl Host {
    /// Parses `host`, `host:port`, `[v6]:port`, `[v6]` or a bare IPv6 address (whose colons
    /// are not a port).
    pub fn parse_with_port(text: &str) -> Result<(Host, Option<u16>), PlanError> {
        let bad = || PlanError::BadHost(text.to_string());
        if let Some(rest) = text.strip_prefix('[') {
            let (inner, after) = rest.split_once(']').ok_or_else(bad)?;
            let host = Host::parse(&format!("[{inner}]"))?;
            return match after.strip_prefix(':') {
                Some(p) => Ok((host, Some(super::parse_port(p)?))),
                None if after.is_empty() => Ok((host, None)),
                None => Err(bad()),
            };
        }
        match text.split_once(':') {
            Some((h, p)) if !p.contains(':') => Ok((Host::parse(h)?, Some(super::parse_port(p)?))),
            _ => Ok((Host::parse(text)?, None)),
        }
    }
}

impl Host {
    /// The registrable domain of a name (its public suffix plus one label, by Mozilla's Public
    /// Suffix List: `example.co.uk` for `smtp.example.co.uk`); `None` for an IP address or a
    /// name that is itself a public suffix.
    pub fn registrable_domain(&self) -> Option<&str> {
        match self {
            Host::Name(name) => psl::domain_str(name),
            Host::Ip(_) => None,
        }
    }

    /// `name` (from a certificate, say) as a host the user may be pointed at instead of this
    /// one: a DNS name exactly as written (no wildcard, no IP, nothing escaped or IDNA had to
    /// change) inside this host's registrable domain. A certificate for any other domain is no
    /// advice to follow: a man in the middle can hold a valid one for its own.
    pub fn alternative_within_domain(&self, name: &str) -> Option<Host> {
        let candidate = Host::parse(name).ok()?;
        let Host::Name(spelled) = &candidate else {
            return None;
        };
        if spelled != &name.trim_end_matches('.').to_ascii_lowercase() || candidate == *self {
            return None;
        }
        let mine = self.registrable_domain()?;
        (candidate.registrable_domain()? == mine).then_some(candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_for_every_way_of_writing_a_host() {
        let cases = [
            ("smtp.gmail.com", "smtp.gmail.com"),
            ("SMTP.Gmail.COM", "smtp.gmail.com"),
            ("smtp.gmail.com.", "smtp.gmail.com"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("BÜCHER.example.", "xn--bcher-kva.example"),
            ("correo.españa.es", "correo.xn--espaa-rta.es"),
            ("192.0.2.1", "192.0.2.1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("_smtp.example.com", "_smtp.example.com"),
            ("localhost", "localhost"),
        ];
        for (input, want) in cases {
            assert_eq!(Host::parse(input).unwrap().to_string(), want, "{input}");
        }
        assert_eq!(
            Host::parse("[::1]").unwrap().ip(),
            Some("::1".parse().unwrap())
        );
        assert_eq!(Host::parse("mx.test").unwrap().ip(), None);
    }

    /// Regression: on a name mismatch the fix named whatever the certificate showed, a SAN
    /// carrying code or terminal escapes included.
    #[test]
    fn only_names_inside_the_registrable_domain_are_alternatives() {
        let gmail = Host::parse("smtp.gmail.com").unwrap();
        let ok = |h: &Host, n: &str| h.alternative_within_domain(n).map(|c| c.to_string());
        assert_eq!(
            ok(&gmail, "smtp-relay.gmail.com").as_deref(),
            Some("smtp-relay.gmail.com")
        );
        assert_eq!(
            ok(&gmail, "SMTP-relay.Gmail.com.").as_deref(),
            Some("smtp-relay.gmail.com")
        );
        let uk = Host::parse("smtp.shop.co.uk").unwrap();
        assert_eq!(
            ok(&uk, "mail.shop.co.uk").as_deref(),
            Some("mail.shop.co.uk")
        );
        assert_eq!(
            ok(&uk, "mail.other.co.uk"),
            None,
            "co.uk is a public suffix"
        );
        for hostile in [
            "smtp.gmail.com",
            "mail.evil.test",
            "*.gmail.com",
            "192.0.2.1",
            "gmail.com.evil.test",
            "smtp.h.test\"\nimport os; os.system(\"touch pwned\")\nEMAIL_HOST_X = \"",
            "smtp.gmail.com\u{1b}]52;c;aGk=\u{7}",
            "smtp\\u{1b}.gmail.com",
            "smtp.hostgator.com",
        ] {
            assert_eq!(ok(&gmail, hostile), None, "{hostile:?}");
        }
        assert_eq!(
            ok(&Host::parse("192.0.2.1").unwrap(), "mail.example.com"),
            None
        );
    }

    #[test]
    fn host_and_port_in_one_word() {
        let ok = |t: &str| {
            let (h, p) = Host::parse_with_port(t).unwrap();
            (h.to_string(), p)
        };
        assert_eq!(ok("smtp.gmail.com"), ("smtp.gmail.com".into(), None));
        assert_eq!(
            ok("smtp.gmail.com:465"),
            ("smtp.gmail.com".into(), Some(465))
        );
        assert_eq!(ok("[::1]:2525"), ("::1".into(), Some(2525)));
        assert_eq!(ok("[::1]"), ("::1".into(), None));
        assert_eq!(ok("2001:db8::1"), ("2001:db8::1".into(), None));
        assert_eq!(ok("192.0.2.1:25"), ("192.0.2.1".into(), Some(25)));
        for bad in [
            "h:0", "h:x", "h:", "[::1]x", "[::1", "[h]:25", ":25", "a b:25",
        ] {
            assert!(Host::parse_with_port(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_host() {
        for bad in [
            "",
            ".",
            "..",
            "a..b",
            "-a.example",
            "a-.example",
            "smtp gmail.com",
            "smtp.gmail.com:587",
            "[192.0.2.1]",
            "[::1",
            "1.2.3",
            "999.1.1.1",
            "a\u{7}b.example",
            "ex\u{202e}ample.com",
            &"a".repeat(64),
            &format!("{}.com", "a.".repeat(130)),
            "smtp.gmail.com..",
            "user@smtp.gmail.com",
        ] {
            assert!(Host::parse(bad).is_err(), "{bad:?}");
        }
    }
}
