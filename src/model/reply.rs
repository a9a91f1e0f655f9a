//! SMTP replies as kept in the observations.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One SMTP reply (RFC 5321 §4.2): a code and one or more lines of text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line, escaped, without the code.
    pub lines: Vec<String>,
}

impl Reply {
    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }
    /// All lines, joined for display.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }
    /// The enhanced status code (RFC 3463) at the start of the first line, e.g. `5.7.9`.
    pub fn enhanced_code(&self) -> Option<EnhancedCode> {
        EnhancedCode::at_start(self.lines.first()?)
    }
    /// The code and text as one line, for evidence.
    pub fn summary(&self) -> String {
        ReplySummary::from(self).to_string()
    }
}

/// An enhanced status code (RFC 3463), e.g. `5.7.9`: a class (2, 4 or 5), a subject and a
/// detail of one to three digits each, kept as the server wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EnhancedCode(String);

impl EnhancedCode {
    /// The code that starts `text` (before its first whitespace), if it is one.
    pub fn at_start(text: &str) -> Option<EnhancedCode> {
        let first = text.split_whitespace().next()?;
        let parts: Vec<&str> = first.split('.').collect();
        let ok = parts.len() == 3
            && matches!(parts[0], "2" | "4" | "5")
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| EnhancedCode(first.to_string()))
    }
    /// The code as written, e.g. `5.7.9`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reply as kept in the observations and the report: its code, its text (escaped, lines
/// joined, the enhanced status code at its start when the server sent one) and that enhanced
/// code, parsed once when the reply is kept. Its `Display` is the reply as one line,
/// `code enhanced text` (e.g. `535 5.7.8 Username and Password not accepted`).
///
/// On the wire (JSON) it is `{"code", "text"}`; the enhanced code is not written again, except
/// where the report always had it as a key of its own (see `with_enhanced`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CodeText", into = "CodeText")]
pub struct ReplySummary {
    /// Reply code.
    pub code: u16,
    /// The enhanced status code at the start of the text.
    pub enhanced: Option<EnhancedCode>,
    /// Reply text, with the enhanced code at its start when there is one.
    pub text: String,
}

impl ReplySummary {
    /// A reply kept from its code and its (escaped) text.
    pub fn new(code: u16, text: String) -> ReplySummary {
        let enhanced = EnhancedCode::at_start(&text);
        ReplySummary {
            code,
            enhanced,
            text,
        }
    }
    /// The reply's code and its first line only (the EHLO reply: its other lines are the
    /// extensions, kept apart).
    pub fn first_line(r: &Reply) -> ReplySummary {
        ReplySummary {
            code: r.code,
            enhanced: r.enhanced_code(),
            text: r.lines.first().cloned().unwrap_or_default(),
        }
    }
    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }
    /// The enhanced code as text, when there is one.
    pub fn enhanced_str(&self) -> Option<&str> {
        self.enhanced.as_ref().map(EnhancedCode::as_str)
    }
}

impl fmt::Display for ReplySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The text starts with the enhanced code when the server sent one, so this is
        // `code enhanced text` as the server wrote it.
        write!(f, "{} {}", self.code, self.text)
    }
}

impl From<&Reply> for ReplySummary {
    fn from(r: &Reply) -> Self {
        ReplySummary {
            code: r.code,
            enhanced: r.enhanced_code(),
            text: r.text(),
        }
    }
}

/// A reply's form in JSON.
#[derive(Serialize, Deserialize)]
struct CodeText {
    code: u16,
    text: String,
}

impl From<CodeText> for ReplySummary {
    fn from(w: CodeText) -> Self {
        ReplySummary::new(w.code, w.text)
    }
}

impl From<ReplySummary> for CodeText {
    fn from(r: ReplySummary) -> Self {
        CodeText {
            code: r.code,
            text: r.text,
        }
    }
}

/// A reply written with its enhanced code as a key of its own, between code and text
/// (`{"code", "enhanced", "text"}`): the form of a refused login in the report. Use with
/// `#[serde(flatten, with = "with_enhanced")]`.
pub(crate) mod with_enhanced {
    use super::{EnhancedCode, ReplySummary};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct CodeEnhancedText {
        code: u16,
        enhanced: Option<EnhancedCode>,
        text: String,
    }

    /// Writes `code`, `enhanced`, `text`.
    pub(crate) fn serialize<S: Serializer>(r: &ReplySummary, s: S) -> Result<S::Ok, S::Error> {
        CodeEnhancedText {
            code: r.code,
            enhanced: r.enhanced.clone(),
            text: r.text.clone(),
        }
        .serialize(s)
    }

    /// Reads `code`, `enhanced`, `text`; the enhanced code as recorded.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ReplySummary, D::Error> {
        let w = CodeEnhancedText::deserialize(d)?;
        Ok(ReplySummary {
            code: w.code,
            enhanced: w.enhanced,
            text: w.text,
        })
    }
}

/// How an SMTP dialogue broke off before a reply could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Broken {
    /// Nothing (complete) arrived before the deadline.
    Timeout,
    /// The server closed the connection.
    Closed,
    /// A reply line longer than the limit.
    LineTooLong,
    /// More data than one connection may send, or too many reply lines.
    TooMuchData,
    /// A socket or TLS error.
    Failed {
        /// The error, escaped.
        detail: String,
    },
    /// A line that is not an SMTP reply.
    NotSmtp {
        /// The line, escaped.
        line: String,
    },
}

impl Broken {
    /// The fact as evidence (technical, not translated).
    pub fn evidence(&self) -> String {
        match self {
            Broken::Timeout => "timed out".into(),
            Broken::Closed => "connection closed".into(),
            Broken::LineTooLong => "line too long".into(),
            Broken::TooMuchData => "too much data".into(),
            Broken::Failed { detail } => format!("read failed: {detail}"),
            Broken::NotSmtp { line } => format!("not SMTP: {line}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_codes() {
        let r = Reply {
            code: 534,
            lines: vec!["5.7.9 Application-specific password required.".into()],
        };
        assert_eq!(
            r.enhanced_code().as_ref().map(EnhancedCode::as_str),
            Some("5.7.9")
        );
        let r = Reply {
            code: 535,
            lines: vec!["Authentication failed".into()],
        };
        assert_eq!(r.enhanced_code(), None);
    }

    /// Every observation that keeps a reply is written as before: the same keys in the same
    /// order, `enhanced` only where a refused login always had it.
    #[test]
    fn replies_keep_their_json() {
        use crate::model::StarttlsOutcome;
        use crate::model::{AuthOutcome, EhloOutcome, GreetingOutcome, SendObservation};
        fn same<T: serde::Serialize + serde::de::DeserializeOwned>(json: &str) -> T {
            let v: T = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&v).unwrap(), json);
            v
        }
        same::<GreetingOutcome>(r#"{"status":"ok","code":220,"text":"mx ESMTP","ms":1.5}"#);
        same::<GreetingOutcome>(r#"{"status":"rejected","code":554,"text":"5.7.1 no","ms":2.0}"#);
        same::<EhloOutcome>(
            r#"{"code":250,"text":"mx","ms":3.0,"capabilities":{"starttls":true,"auth":[],"size":null,"eightbitmime":false,"smtputf8":false,"pipelining":false,"enhanced_status_codes":false,"chunking":false},"used_helo":false}"#,
        );
        same::<StarttlsOutcome>(r#"{"status":"ready","code":220}"#);
        same::<StarttlsOutcome>(
            r#"{"status":"refused","code":454,"text":"4.7.0 TLS not available"}"#,
        );
        same::<AuthOutcome>(r#"{"status":"accepted","code":235,"text":"2.7.0 Accepted"}"#);
        let refused = same::<AuthOutcome>(
            r#"{"status":"rejected","code":535,"enhanced":"5.7.8","text":"5.7.8 Username and Password not accepted."}"#,
        );
        same::<AuthOutcome>(r#"{"status":"rejected","code":535,"enhanced":null,"text":"bad"}"#);
        same::<SendObservation>(
            r#"{"from":"a@example.com","to":"b@example.com","message_id":"<1@x>","mail_from":{"code":250,"text":"2.1.0 Ok"},"rcpt_to":{"code":550,"text":"5.1.1 unknown"},"data":null,"final_reply":null,"queue_id":null,"outcome":{"status":"recipient_rejected"}}"#,
        );
        // One line, code then enhanced code then words, as evidence always had it.
        let shown = serde_json::to_value(&refused).unwrap();
        assert_eq!(shown["enhanced"], "5.7.8");
    }
}
