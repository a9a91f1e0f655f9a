//! The SMTP dialogue as observed: greeting, EHLO capabilities, STARTTLS.

use super::{Broken, Reply, ReplySummary};
use serde::{Deserialize, Serialize};

/// What the server said first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum GreetingOutcome {
    /// A 2xx greeting.
    Ok {
        /// The greeting (220).
        #[serde(flatten)]
        reply: ReplySummary,
        /// Milliseconds after connect.
        ms: f64,
    },
    /// A 4xx/5xx greeting: busy, blocked.
    Rejected {
        /// The greeting.
        #[serde(flatten)]
        reply: ReplySummary,
        /// Milliseconds after connect.
        ms: f64,
    },
    /// No complete greeting arrived before the deadline: nothing at all, or (when `bytes`
    /// is not 0) the start of one that never ended.
    Silent {
        /// How long we waited.
        waited_ms: f64,
        /// Complete greeting lines received (`220-…` continuation lines).
        #[serde(default, skip_serializing_if = "is_zero")]
        lines: usize,
        /// Bytes of greeting received.
        #[serde(default, skip_serializing_if = "is_zero")]
        bytes: usize,
    },
    /// The peer closed the connection before its greeting ended: without a word (`bytes`
    /// is 0) or in the middle of it.
    Closed {
        /// Milliseconds after connect.
        ms: f64,
        /// Complete greeting lines received before the close.
        #[serde(default, skip_serializing_if = "is_zero")]
        lines: usize,
        /// Bytes received before the close.
        #[serde(default, skip_serializing_if = "is_zero")]
        bytes: usize,
    },
    /// The peer said something that is not SMTP.
    NotSmtp {
        /// What it said, escaped.
        evidence: String,
        /// Milliseconds after connect.
        ms: f64,
    },
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Why EHLO (or the HELO after it) got no reply that could be used. A complete 4xx/5xx
/// reply is not a failure of this kind: it is an [`EhloOutcome`] with that code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EhloFailure {
    /// A reply line longer than `limit` bytes.
    LineTooLong {
        /// The longest line accepted.
        limit: usize,
    },
    /// A multi-line reply that went on past `limit` lines (an endless `250-` continuation).
    TooManyLines {
        /// The most lines accepted in one reply.
        limit: usize,
    },
    /// More than `limit` bytes on the connection.
    TooMuchData {
        /// The most bytes read from one connection.
        limit: usize,
    },
    /// A line that is not an SMTP reply line (a code such as 199 or 000, or none at all).
    BadReplyLine {
        /// The line, escaped.
        line: String,
    },
    /// The server closed the connection before its reply ended.
    Closed {
        /// Complete lines of the reply received before (0 with `bytes` 0: without a word).
        lines: usize,
        /// Bytes of the reply received before.
        bytes: usize,
    },
    /// The reply had not ended when the timeout ran out.
    TimedOut {
        /// Seconds waited for the reply.
        secs: f64,
        /// Complete lines of the reply received (still arriving when `bytes` is not 0).
        lines: usize,
        /// Bytes of the reply received.
        bytes: usize,
    },
    /// A socket or TLS error.
    Failed {
        /// The error, escaped.
        detail: String,
    },
}

impl EhloFailure {
    /// Some of a reply came but it was not a valid one (too long, endless, a bad code, cut
    /// off), as opposed to no reply at all.
    pub fn got_an_invalid_reply(&self) -> bool {
        match self {
            EhloFailure::LineTooLong { .. }
            | EhloFailure::TooManyLines { .. }
            | EhloFailure::TooMuchData { .. }
            | EhloFailure::BadReplyLine { .. } => true,
            EhloFailure::Closed { bytes, .. } | EhloFailure::TimedOut { bytes, .. } => *bytes > 0,
            EhloFailure::Failed { .. } => false,
        }
    }

    /// The fact as evidence (technical, not translated).
    pub fn evidence(&self) -> String {
        match self {
            EhloFailure::LineTooLong { limit } => {
                format!("EHLO reply: line too long (over {limit} bytes)")
            }
            EhloFailure::TooManyLines { limit } => {
                format!("EHLO reply: too many lines (over {limit})")
            }
            EhloFailure::TooMuchData { limit } => {
                format!("EHLO reply: too much data (over {limit} bytes)")
            }
            EhloFailure::BadReplyLine { line } => {
                format!("EHLO reply: not an SMTP reply line: {line}")
            }
            EhloFailure::Closed { lines, bytes } => {
                format!("EHLO reply: connection closed after {lines} lines, {bytes} bytes")
            }
            EhloFailure::TimedOut { secs, lines, bytes } => {
                format!("EHLO reply: timed out after {secs:.1} s, {lines} lines, {bytes} bytes")
            }
            EhloFailure::Failed { detail } => format!("EHLO reply: read failed: {detail}"),
        }
    }
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
    /// The reply: its code and first line (the server's name and banner).
    #[serde(flatten)]
    pub reply: ReplySummary,
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
        self.reply.is_positive()
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
        /// The refusal.
        #[serde(flatten)]
        reply: ReplySummary,
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
    /// Why EHLO got no usable reply, when it did not (then `ehlo` is `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo_failed: Option<EhloFailure>,
    /// Why EHLO after STARTTLS got no usable reply, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ehlo_after_tls_failed: Option<EhloFailure>,
}

impl SmtpObservation {
    /// The capabilities that count: after TLS when there was STARTTLS (the ones announced
    /// in plain text do not count once the session went on to TLS).
    pub fn effective_capabilities(&self) -> Option<&Capabilities> {
        let upgraded = matches!(self.starttls, Some(StarttlsOutcome::Ready { .. }));
        let ehlo = if upgraded {
            self.ehlo_after_tls.as_ref()
        } else {
            self.ehlo_after_tls.as_ref().or(self.ehlo.as_ref())
        };
        ehlo.filter(|e| e.accepted()).map(|e| &e.capabilities)
    }

    /// An SMTP observation with only a greeting (the dialogue went no further).
    pub fn greeted(greeting: GreetingOutcome) -> SmtpObservation {
        SmtpObservation {
            greeting,
            ehlo: None,
            starttls: None,
            ehlo_after_tls: None,
            ehlo_failed: None,
            ehlo_after_tls_failed: None,
        }
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
