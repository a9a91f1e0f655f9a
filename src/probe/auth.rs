//! AUTH step (RFC 4954): PLAIN, LOGIN and XOAUTH2, only over TLS whose certificate verified
//! (unless the user explicitly allows otherwise). Secrets never reach the transcript.

use super::wire::{ReplyError, Wire};
use crate::model::{AuthObservation, AuthOutcome, Reply, Unprotected};
use crate::plan::{Credentials, SecretKind};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant as Deadline;

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
pub fn refused_plaintext(creds: &Credentials, reason: Unprotected, ms: f64) -> AuthObservation {
    AuthObservation {
        user: creds.user.clone(),
        mechanism: None,
        outcome: AuthOutcome::RefusedPlaintext { reason },
        ms,
    }
}

fn outcome_of(result: Result<Reply, ReplyError>) -> AuthOutcome {
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
        Err(e) => AuthOutcome::NoReply { broke: e.into() },
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
            let token = BASE64_STANDARD.encode(format!("\0{user}\0{secret}").as_bytes());
            let sent = wire
                .send(&format!("AUTH PLAIN {token}"), "AUTH PLAIN ****", deadline)
                .await;
            match sent {
                Ok(()) => outcome_of(wire.read_reply(deadline).await),
                Err(e) => AuthOutcome::NoReply { broke: e.into() },
            }
        }
        "LOGIN" => login(wire, user, secret, deadline).await,
        _ => {
            let token = BASE64_STANDARD
                .encode(format!("user={user}\x01auth=Bearer {secret}\x01\x01").as_bytes());
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
                Err(e) => AuthOutcome::NoReply { broke: e.into() },
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
            &BASE64_STANDARD.encode(user.as_bytes()),
            &format!(
                "{} (user name, base64)",
                BASE64_STANDARD.encode(user.as_bytes())
            ),
            deadline,
        )
        .await
    {
        return AuthOutcome::NoReply { broke: e.into() };
    }
    match wire.read_reply(deadline).await {
        Ok(r) if r.code == 334 => {}
        other => return outcome_of(other),
    }
    if let Err(e) = wire
        .send(&BASE64_STANDARD.encode(secret.as_bytes()), "****", deadline)
        .await
    {
        return AuthOutcome::NoReply { broke: e.into() };
    }
    outcome_of(wire.read_reply(deadline).await)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
