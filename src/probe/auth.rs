//! AUTH step (RFC 4954): PLAIN, LOGIN and XOAUTH2, only over TLS whose certificate verified
//! (unless the user explicitly allows otherwise). Secrets never reach the transcript.

use super::command::{plain_response, xoauth2_response, Command};
use super::wire::{ReplyError, Wire};
use crate::model::{AuthObservation, AuthOutcome, Reply, Unprotected};
use crate::plan::{Credentials, SecretKind};
use base64::prelude::{Engine as _, BASE64_STANDARD};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant as Deadline;

/// Picks the mechanism for this secret among those offered.
pub(crate) fn choose_mechanism(offered: &[String], kind: SecretKind) -> Option<&'static str> {
    let has = |m: &str| offered.iter().any(|o| o.eq_ignore_ascii_case(m));
    match kind {
        SecretKind::OauthToken => has("XOAUTH2").then_some("XOAUTH2"),
        SecretKind::Password if has("PLAIN") => Some("PLAIN"),
        SecretKind::Password if has("LOGIN") => Some("LOGIN"),
        SecretKind::Password => None,
    }
}

/// The observation for credentials withheld from an unverified connection.
pub(crate) fn refused_plaintext(
    creds: &Credentials,
    reason: Unprotected,
    ms: f64,
) -> AuthObservation {
    AuthObservation {
        user: creds.user.clone(),
        mechanism: None,
        outcome: AuthOutcome::RefusedPlaintext { reason },
        ms,
    }
}

fn outcome_of(result: Result<Reply, ReplyError>) -> AuthOutcome {
    match result {
        Ok(r) if r.code == 235 => AuthOutcome::Accepted { reply: (&r).into() },
        Ok(r) => AuthOutcome::Rejected { reply: (&r).into() },
        Err(e) => AuthOutcome::NoReply { broke: e.into() },
    }
}

/// Every form in which a server could echo the secret back: raw, base64 of it (with and
/// without padding, and URL-safe), base64 of each mechanism's whole payload (PLAIN's
/// `\0user\0secret`, XOAUTH2's string), percent-encoded and hex. The user name alone is not
/// secret (the transcript shows it).
pub(crate) fn echo_forms(user: &str, secret: &str) -> Vec<String> {
    use base64::prelude::BASE64_URL_SAFE;
    if secret.is_empty() {
        return Vec::new();
    }
    let payloads = [
        secret.to_string(),
        plain_response(user, secret),
        format!("{user}\0{secret}"),
        xoauth2_response(user, secret),
    ];
    let mut forms = vec![secret.to_string()];
    for p in &payloads {
        for b64 in [BASE64_STANDARD.encode(p), BASE64_URL_SAFE.encode(p)] {
            forms.push(b64.trim_end_matches('=').to_string());
            forms.push(b64);
        }
    }
    let hex = crate::printable::hex(secret.as_bytes());
    forms.push(hex.to_ascii_uppercase());
    forms.push(hex);
    let percent = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let percent_lower: String = secret
        .bytes()
        .map(|b| match b {
            b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            b => format!("%{b:02x}"),
        })
        .collect();
    forms.push(percent_lower);
    forms.push(percent);
    forms.retain(|f| !f.is_empty());
    forms
}

/// Logs in with the best mechanism offered. The caller has checked the connection qualifies.
pub(crate) async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
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
    // Before the first byte of it is sent: whatever the server says from here on is kept
    // with any echo of the secret replaced.
    wire.redact_from_now_on(echo_forms(user, secret));
    let outcome = match mechanism {
        "PLAIN" => {
            let sent = wire
                .send(&Command::AuthPlain { user, secret }, deadline)
                .await;
            match sent {
                Ok(()) => outcome_of(wire.read_reply(deadline).await),
                Err(e) => AuthOutcome::NoReply { broke: e.into() },
            }
        }
        "LOGIN" => login(wire, user, secret, deadline).await,
        _ => {
            let token = secret;
            let sent = wire
                .send(&Command::AuthXoauth2 { user, token }, deadline)
                .await;
            match sent {
                Ok(()) => match wire.read_reply(deadline).await {
                    // 334 carries a JSON error; an empty line asks for the final reply.
                    Ok(r) if r.code == 334 => {
                        let _ = wire.send(&Command::Empty, deadline).await;
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
    match wire.command(&Command::AuthLogin, deadline).await {
        Ok(r) if r.code == 334 => {}
        other => return outcome_of(other),
    }
    if let Err(e) = wire.send(&Command::LoginUser(user), deadline).await {
        return AuthOutcome::NoReply { broke: e.into() };
    }
    match wire.read_reply(deadline).await {
        Ok(r) if r.code == 334 => {}
        other => return outcome_of(other),
    }
    if let Err(e) = wire.send(&Command::LoginSecret(secret), deadline).await {
        return AuthOutcome::NoReply { broke: e.into() };
    }
    outcome_of(wire.read_reply(deadline).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Secret;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    const USER: &str = "alice@h.test";
    const SECRET: &str = "S3cr3t-Pa55/word!";

    /// A server that answers each line of the login with the line itself, base64-decoded
    /// too, as a "failure" (the worst echo), then 535 with both.
    async fn echo_login(mechanism: &'static str, kind: SecretKind) -> (AuthObservation, String) {
        let (client, server) = tokio::io::duplex(1 << 16);
        tokio::spawn(async move {
            let mut s = BufReader::new(server);
            let mut line = String::new();
            let mut seen = Vec::new();
            loop {
                line.clear();
                if s.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let l = line.trim_end().to_string();
                let decoded = l
                    .rsplit(' ')
                    .next()
                    .and_then(|t| BASE64_STANDARD.decode(t).ok())
                    .map(|d| String::from_utf8_lossy(&d).replace(['\0', '\x01'], " "))
                    .unwrap_or_default();
                seen.push(format!("{l} = {decoded}"));
                let reply = if seen.len() < 3 && mechanism == "LOGIN" {
                    format!("334 {l} {decoded}\r\n")
                } else {
                    format!("535-{l}\r\n535 5.7.8 bad: {}\r\n", seen.join(" / "))
                };
                if s.get_mut().write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
        let mut wire = Wire::new(client, std::time::Instant::now());
        let creds = Credentials {
            user: USER.into(),
            secret: Secret::new(SECRET),
            kind,
        };
        let deadline = Deadline::now() + std::time::Duration::from_secs(2);
        let obs = authenticate(&mut wire, &[mechanism.to_string()], &creds, deadline).await;
        let kept: Vec<String> = wire.transcript.iter().map(|t| t.text.clone()).collect();
        (obs, kept.join("\n"))
    }

    #[tokio::test]
    async fn an_echoed_secret_is_redacted_in_every_encoding() {
        for (mechanism, kind) in [
            ("PLAIN", SecretKind::Password),
            ("LOGIN", SecretKind::Password),
            ("XOAUTH2", SecretKind::OauthToken),
        ] {
            let (obs, transcript) = echo_login(mechanism, kind).await;
            let outcome = format!("{:?}", obs.outcome);
            assert!(outcome.contains("535"), "{mechanism}: {outcome}");
            assert!(transcript.contains("****"), "{mechanism}: {transcript}");
            let forms = [
                SECRET.to_string(),
                BASE64_STANDARD.encode(SECRET),
                BASE64_STANDARD.encode(format!("\0{USER}\0{SECRET}")),
                BASE64_STANDARD.encode(format!("user={USER}\x01auth=Bearer {SECRET}\x01\x01")),
            ];
            for form in &forms {
                assert!(!outcome.contains(form.as_str()), "{mechanism}: {outcome}");
                assert!(
                    !transcript.contains(form.as_str()),
                    "{mechanism}: {transcript}"
                );
            }
        }
    }

    #[test]
    fn echo_forms_cover_hex_percent_and_unpadded_base64() {
        let forms = echo_forms("u", "pa ss");
        for want in [
            "pa ss",
            "cGEgc3M=",
            "cGEgc3M",
            "7061207373",
            "pa%20ss",
            "AHUAcGEgc3M=",
        ] {
            assert!(forms.iter().any(|f| f == want), "{want} not in {forms:?}");
        }
        assert!(echo_forms("u", "").is_empty());
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
}
