//! The login step as observed.

use super::Broken;
use serde::{Deserialize, Serialize};

/// How the login went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum AuthOutcome {
    /// 235: logged in.
    Accepted {
        /// Reply code.
        code: u16,
        /// Reply text.
        text: String,
    },
    /// The server refused the credentials (or the mechanism).
    Rejected {
        /// Reply code.
        code: u16,
        /// Enhanced status code, e.g. `5.7.9`.
        enhanced: Option<String>,
        /// Reply text.
        text: String,
    },
    /// No mechanism we can use with this kind of secret.
    NotOffered {
        /// What the server offered.
        offered: Vec<String>,
    },
    /// Credentials were not sent: the connection was not encrypted and verified.
    RefusedPlaintext {
        /// Why the connection did not qualify.
        reason: Unprotected,
    },
    /// The dialogue broke off.
    NoReply {
        /// What happened.
        broke: Broken,
    },
}

/// Why a connection was not trusted with credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unprotected {
    /// No TLS at all.
    NotEncrypted,
    /// TLS, but the server's certificate did not verify.
    NotVerified,
}

impl Unprotected {
    /// The fact, as evidence: `no TLS` or `TLS certificate not verified`.
    pub fn evidence(self) -> &'static str {
        match self {
            Unprotected::NotEncrypted => "no TLS",
            Unprotected::NotVerified => "TLS certificate not verified",
        }
    }
}

/// The AUTH step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthObservation {
    /// The user name (not secret).
    pub user: String,
    /// The mechanism used.
    pub mechanism: Option<String>,
    /// How it went.
    pub outcome: AuthOutcome,
    /// Milliseconds after connect.
    pub ms: f64,
}

impl AuthObservation {
    /// Logged in.
    pub fn accepted(&self) -> bool {
        matches!(self.outcome, AuthOutcome::Accepted { .. })
    }
}
