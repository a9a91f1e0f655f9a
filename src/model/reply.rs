//! SMTP replies as kept in the observations.

use serde::{Deserialize, Serialize};

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
    /// The enhanced status code (RFC 3463) at the start of the text, e.g. `5.7.9`.
    pub fn enhanced_code(&self) -> Option<String> {
        let first = self.lines.first()?.split_whitespace().next()?;
        let parts: Vec<&str> = first.split('.').collect();
        let ok = parts.len() == 3
            && matches!(parts[0], "2" | "4" | "5")
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| first.to_string())
    }
    /// The code and text as one line, for evidence.
    pub fn summary(&self) -> String {
        format!("{} {}", self.code, self.text())
    }
}

/// A reply, as kept in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySummary {
    /// Reply code.
    pub code: u16,
    /// Reply text.
    pub text: String,
}

impl From<&Reply> for ReplySummary {
    fn from(r: &Reply) -> Self {
        ReplySummary {
            code: r.code,
            text: r.text(),
        }
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
        assert_eq!(r.enhanced_code().as_deref(), Some("5.7.9"));
        let r = Reply {
            code: 535,
            lines: vec!["Authentication failed".into()],
        };
        assert_eq!(r.enhanced_code(), None);
    }
}
