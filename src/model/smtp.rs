//! The SMTP dialogue as observed: greeting, EHLO capabilities, STARTTLS.

use super::{Broken, Reply};
use serde::{Deserialize, Serialize};

/// What the server said first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum GreetingOutcome {
    /// A 2xx greeting.
    Ok {
        /// Reply code (220).
        code: u16,
        /// Its text.
        text: String,
        /// Milliseconds after connect.
        ms: f64,
    },
    /// A 4xx/5xx greeting: busy, blocked.
    Rejected {
        /// Reply code.
        code: u16,
        /// Its text.
        text: String,
        /// Milliseconds after connect.
        ms: f64,
    },
    /// Nothing arrived before the deadline.
    Silent {
        /// How long we waited.
        waited_ms: f64,
    },
    /// The peer closed the connection without a word.
    Closed {
        /// Milliseconds after connect.
        ms: f64,
    },
    /// The peer said something that is not SMTP.
    NotSmtp {
        /// What it said, escaped.
        evidence: String,
        /// Milliseconds after connect.
        ms: f64,
    },
}

/// The service extensions a server announced in its EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// STARTTLS (RFC 3207).
    pub starttls: bool,
    /// AUTH mechanisms (RFC 4954), upper case.
    pub auth: Vec<String>,
    /// SIZE limit in bytes (RFC 1870), 0 when announced without a number.
    pub size: Option<u64>,
    /// 8BITMIME (RFC 6152).
    pub eightbitmime: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
    /// PIPELINING (RFC 2920).
    pub pipelining: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub enhanced_status_codes: bool,
    /// CHUNKING (RFC 3030).
    pub chunking: bool,
    /// Every other keyword, as announced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

impl Capabilities {
    /// Parses the lines of a 250 EHLO reply; the first line is the server's name.
    pub fn parse(reply: &Reply) -> Capabilities {
        let mut caps = Capabilities::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let keyword_upper = keyword.to_ascii_uppercase();
            // Old servers announce `AUTH=LOGIN PLAIN`.
            let (name, inline_arg) = match keyword_upper.split_once('=') {
                Some((n, a)) => (n.to_string(), Some(a.to_string())),
                None => (keyword_upper.clone(), None),
            };
            match name.as_str() {
                "STARTTLS" => caps.starttls = true,
                "AUTH" => {
                    for mech in inline_arg
                        .into_iter()
                        .chain(words.map(|w| w.to_ascii_uppercase()))
                    {
                        if !mech.is_empty() && !caps.auth.contains(&mech) {
                            caps.auth.push(mech);
                        }
                    }
                }
                "SIZE" => caps.size = Some(words.next().and_then(|w| w.parse().ok()).unwrap_or(0)),
                "8BITMIME" => caps.eightbitmime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "PIPELINING" => caps.pipelining = true,
                "ENHANCEDSTATUSCODES" => caps.enhanced_status_codes = true,
                "CHUNKING" => caps.chunking = true,
                _ => caps.other.push(line.clone()),
            }
        }
        caps
    }
}

/// The reply to EHLO (or HELO when EHLO was refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EhloOutcome {
    /// Reply code.
    pub code: u16,
    /// The first line (the server's name and banner).
    pub text: String,
    /// Milliseconds after connect.
    pub ms: f64,
    /// Parsed extensions (empty when refused).
    pub capabilities: Capabilities,
    /// HELO was used because EHLO was refused.
    #[serde(default)]
    pub used_helo: bool,
}

impl EhloOutcome {
    /// 250.
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

/// What became of STARTTLS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum StarttlsOutcome {
    /// The server did not announce STARTTLS; it was not tried.
    NotOffered,
    /// 220: go ahead with TLS.
    Ready {
        /// Reply code.
        code: u16,
    },
    /// The server refused it.
    Refused {
        /// Reply code.
        code: u16,
        /// Its text.
        text: String,
    },
    /// No reply before the deadline, or the connection broke.
    NoReply {
        /// What happened.
        broke: Broken,
    },
}

/// The SMTP dialogue of one connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmtpObservation {
    /// The greeting (read over TLS on implicit-TLS ports).
    pub greeting: GreetingOutcome,
    /// EHLO before TLS, or over TLS on implicit-TLS ports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ehlo: Option<EhloOutcome>,
    /// STARTTLS, on ports that start in plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls: Option<StarttlsOutcome>,
    /// EHLO again after STARTTLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ehlo_after_tls: Option<EhloOutcome>,
}

impl SmtpObservation {
    /// The capabilities that count: after TLS when there was STARTTLS.
    pub fn effective_capabilities(&self) -> Option<&Capabilities> {
        self.ehlo_after_tls
            .as_ref()
            .or(self.ehlo.as_ref())
            .filter(|e| e.accepted())
            .map(|e| &e.capabilities)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(lines: &[&str]) -> Reply {
        Reply {
            code: 250,
            lines: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_extensions() {
        let caps = Capabilities::parse(&reply(&[
            "smtp.gmail.com at your service",
            "SIZE 35882577",
            "8BITMIME",
            "STARTTLS",
            "ENHANCEDSTATUSCODES",
            "PIPELINING",
            "CHUNKING",
            "SMTPUTF8",
            "AUTH LOGIN plain XOAUTH2",
            "AUTH=LOGIN",
            "X-FOO bar",
        ]));
        assert!(caps.starttls && caps.eightbitmime && caps.enhanced_status_codes);
        assert!(caps.pipelining && caps.chunking && caps.smtputf8);
        assert_eq!(caps.size, Some(35882577));
        assert_eq!(caps.auth, vec!["LOGIN", "PLAIN", "XOAUTH2"]);
        assert_eq!(caps.other, vec!["X-FOO bar"]);
    }

    #[test]
    fn empty_lines_and_bare_size() {
        let caps = Capabilities::parse(&reply(&["mx", "", "SIZE", "AUTH=PLAIN LOGIN"]));
        assert_eq!(caps.size, Some(0));
        assert_eq!(caps.auth, vec!["PLAIN", "LOGIN"]);
        assert!(!caps.starttls);
        let caps = Capabilities::parse(&reply(&["mx"]));
        assert_eq!(caps, Capabilities::default());
    }
}
