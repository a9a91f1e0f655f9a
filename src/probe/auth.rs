//! AUTH step (RFC 4954): PLAIN, LOGIN and XOAUTH2, only over TLS whose certificate verified
//! (unless the user explicitly allows otherwise). Secrets never reach the transcript.

use super::wire::{ReplyError, Wire};
use crate::base64;
use serde::{Deserialize, Serialize};
use std::fmt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant as Deadline;

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
        reason: String,
    },
    /// The dialogue broke off.
    NoReply {
        /// What happened.
        reason: String,
    },
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

/// Picks the mechanism for this secret among those offered.
pub fn choose_mechanism(offered: &[String], kind: SecretKind) -> Option<&'static str> {
    let has = |m: &str| offered.iter().any(|o| o.eq_ignore_ascii_case(m));
    match kind {
        SecretKind::OauthToken => has("XOAUTH2").then_some("XOAUTH2"),
        SecretKind::Password if has("PLAIN") => Some("PLAIN"),
        SecretKind::Password if has("LOGIN") => Some("LOGIN"),
        SecretKind::Password => None,
    }
}

/// The observation for credentials withheld from an unverified connection.
pub fn refused_plaintext(creds: &Credentials, reason: &str, ms: f64) -> AuthObservation {
    AuthObservation {
        user: creds.user.clone(),
        mechanism: None,
        outcome: AuthOutcome::RefusedPlaintext {
            reason: reason.to_string(),
        },
        ms,
    }
}

fn outcome_of(result: Result<super::wire::Reply, ReplyError>) -> AuthOutcome {
    match result {
        Ok(r) if r.code == 235 => AuthOutcome::Accepted {
            code: r.code,
            text: r.text(),
        },
        Ok(r) => AuthOutcome::Rejected {
            code: r.code,
            enhanced: r.enhanced_code(),
            text: r.text(),
        },
        Err(ReplyError::Read(e)) => AuthOutcome::NoReply {
            reason: e.to_string(),
        },
        Err(ReplyError::NotSmtp(t)) => AuthOutcome::NoReply { reason: t },
    }
}

/// Logs in with the best mechanism offered. The caller has checked the connection qualifies.
pub async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    offered: &[String],
    creds: &Credentials,
    deadline: Deadline,
) -> AuthObservation {
    let Some(mechanism) = choose_mechanism(offered, creds.kind) else {
        return AuthObservation {
            user: creds.user.clone(),
            mechanism: None,
            outcome: AuthOutcome::NotOffered {
                offered: offered.to_vec(),
            },
            ms: wire.elapsed_ms(),
        };
    };
    let user = &creds.user;
    let secret = creds.secret.expose();
    let outcome = match mechanism {
        "PLAIN" => {
            let token = base64::encode(format!("\0{user}\0{secret}").as_bytes());
            let sent = wire
                .send(&format!("AUTH PLAIN {token}"), "AUTH PLAIN ****", deadline)
                .await;
            match sent {
                Ok(()) => outcome_of(wire.read_reply(deadline).await),
                Err(e) => AuthOutcome::NoReply {
                    reason: e.to_string(),
                },
            }
        }
        "LOGIN" => login(wire, user, secret, deadline).await,
        _ => {
            let token =
                base64::encode(format!("user={user}\x01auth=Bearer {secret}\x01\x01").as_bytes());
            let sent = wire
                .send(
                    &format!("AUTH XOAUTH2 {token}"),
                    "AUTH XOAUTH2 ****",
                    deadline,
                )
                .await;
            match sent {
                Ok(()) => match wire.read_reply(deadline).await {
                    // 334 carries a JSON error; an empty line asks for the final reply.
                    Ok(r) if r.code == 334 => {
                        let _ = wire.send("", "", deadline).await;
                        outcome_of(wire.read_reply(deadline).await)
                    }
                    other => outcome_of(other),
                },
                Err(e) => AuthOutcome::NoReply {
                    reason: e.to_string(),
                },
            }
        }
    };
    AuthObservation {
        user: user.clone(),
        mechanism: Some(mechanism.to_string()),
        outcome,
        ms: wire.elapsed_ms(),
    }
}

async fn login<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    user: &str,
    secret: &str,
    deadline: Deadline,
) -> AuthOutcome {
    match wire.command("AUTH LOGIN", deadline).await {
        Ok(r) if r.code == 334 => {}
        other => return outcome_of(other),
    }
    if let Err(e) = wire
        .send(
            &base64::encode(user.as_bytes()),
            &format!("{} (user name, base64)", base64::encode(user.as_bytes())),
            deadline,
        )
        .await
    {
        return AuthOutcome::NoReply {
            reason: e.to_string(),
        };
    }
    match wire.read_reply(deadline).await {
        Ok(r) if r.code == 334 => {}
        other => return outcome_of(other),
    }
    if let Err(e) = wire
        .send(&base64::encode(secret.as_bytes()), "****", deadline)
        .await
    {
        return AuthOutcome::NoReply {
            reason: e.to_string(),
        };
    }
    outcome_of(wire.read_reply(deadline).await)
}

/// What a rejection means, from the provider's code and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Gmail 534 5.7.9: an app password is required (2-step verification is on).
    AppPasswordRequired,
    /// Microsoft 365 535 5.7.139: SMTP AUTH disabled for the tenant or mailbox.
    BasicAuthDisabledTenant,
    /// Microsoft 365 535 5.7.139: blocked by security defaults.
    BasicAuthDisabledSecurityDefaults,
    /// Plain wrong credentials.
    Failed,
}

/// Classifies a rejection. Providers' texts are matched because their codes are shared by
/// several causes (5.7.139 is used for both a disabled tenant and wrong credentials).
pub fn classify_rejection(code: u16, enhanced: Option<&str>, text: &str) -> RejectionKind {
    let lower = text.to_ascii_lowercase();
    if enhanced == Some("5.7.9") || lower.contains("application-specific password") {
        return RejectionKind::AppPasswordRequired;
    }
    if lower.contains("security defaults") {
        return RejectionKind::BasicAuthDisabledSecurityDefaults;
    }
    if lower.contains("smtpclientauthentication is disabled")
        || lower.contains("basic authentication is disabled")
    {
        return RejectionKind::BasicAuthDisabledTenant;
    }
    let _ = code;
    RejectionKind::Failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(****)");
    }

    #[test]
    fn mechanism_choice() {
        let offered = vec![
            "LOGIN".to_string(),
            "PLAIN".to_string(),
            "XOAUTH2".to_string(),
        ];
        assert_eq!(
            choose_mechanism(&offered, SecretKind::Password),
            Some("PLAIN")
        );
        assert_eq!(
            choose_mechanism(&offered[..1], SecretKind::Password),
            Some("LOGIN")
        );
        assert_eq!(
            choose_mechanism(&offered, SecretKind::OauthToken),
            Some("XOAUTH2")
        );
        assert_eq!(
            choose_mechanism(&["XOAUTH2".to_string()], SecretKind::Password),
            None
        );
    }

    #[test]
    fn provider_rejections() {
        use RejectionKind::*;
        let cases = [
            (534, Some("5.7.9"), "5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor", AppPasswordRequired),
            (535, Some("5.7.8"), "5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials", Failed),
            (535, Some("5.7.139"), "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.", BasicAuthDisabledTenant),
            (535, Some("5.7.139"), "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.", BasicAuthDisabledSecurityDefaults),
            (535, Some("5.7.139"), "5.7.139 Authentication unsuccessful, the user credentials were incorrect.", Failed),
            (535, None, "Authentication failed", Failed),
        ];
        for (code, enh, text, want) in cases {
            assert_eq!(classify_rejection(code, enh, text), want, "{text}");
        }
    }
}
