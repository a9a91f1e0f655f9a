//! Who to log in as and what to send: secrets that never reach any output.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A password or token: shown as `****` everywhere, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// What kind of secret we hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A password (PLAIN / LOGIN).
    Password,
    /// An OAuth 2 access token (XOAUTH2).
    OauthToken,
}

/// Who to log in as.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password or token.
    pub secret: Secret,
    /// Which of the two.
    pub kind: SecretKind,
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPlan {
    /// Envelope and header sender.
    pub from: super::Mailbox,
    /// Envelope and header recipient.
    pub to: super::Mailbox,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(****)");
    }
}
