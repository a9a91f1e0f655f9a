//! The login step as observed.

use super::{Broken, ReplySummary};
use serde::{Deserialize, Serialize};

/// How the login went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum AuthOutcome {
    /// 235: logged in.
    Accepted {
        /// The reply.
        #[serde(flatten)]
        reply: ReplySummary,
    },
    /// The server refused the credentials (or the mechanism).
    Rejected {
        /// The refusal, written with its enhanced status code (e.g. `5.7.9`) as a key.
        #[serde(flatten, with = "super::with_enhanced")]
        reply: ReplySummary,
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

/// Something about the credentials that the provider is known to refuse, seen before any login
/// (the secret itself is never recorded: only which rule it breaks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialLint {
    /// SendGrid's SMTP user is literally `apikey`.
    SendgridUserNotApikey,
    /// Amazon SES's SMTP user is an access key id (`AKIA…`, 20 characters).
    SesUserNotAccessKeyId,
    /// The password has the shape of an IAM secret access key (40 characters): SES needs the
    /// SMTP password derived from it (44 characters), for the region of the host.
    SesPasswordIsIamSecret,
    /// Gmail's user is the full address.
    GmailUserNotAddress,
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
