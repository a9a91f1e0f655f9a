//! SMTP dialogue step: greeting, EHLO (RFC 5321 §4.1.1.1), STARTTLS (RFC 3207), QUIT.
//!
//! Replies are recorded as they come; a 4xx/5xx is an observation, never an error.

use super::wire::{ReplyError, Wire};
use crate::model::{Capabilities, EhloOutcome, GreetingOutcome, StarttlsOutcome};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant as Deadline;

/// Reads the greeting before `deadline`.
pub async fn read_greeting<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    deadline: Deadline,
    started_waiting: Deadline,
) -> GreetingOutcome {
    let result = wire.read_reply(deadline).await;
    let ms = wire.elapsed_ms();
    match result {
        Ok(reply) if reply.is_positive() => GreetingOutcome::Ok {
            code: reply.code,
            text: reply.text(),
            ms,
        },
        Ok(reply) => GreetingOutcome::Rejected {
            code: reply.code,
            text: reply.text(),
            ms,
        },
        Err(ReplyError::NotSmtp(evidence)) => GreetingOutcome::NotSmtp { evidence, ms },
        Err(ReplyError::Read(super::wire::ReadError::Closed)) => GreetingOutcome::Closed { ms },
        Err(ReplyError::Read(super::wire::ReadError::Timeout)) => GreetingOutcome::Silent {
            waited_ms: started_waiting.elapsed().as_secs_f64() * 1000.0,
        },
        // Garbage that never ends a line is not SMTP either.
        Err(ReplyError::Read(e)) => GreetingOutcome::NotSmtp {
            evidence: format!("({e})"),
            ms,
        },
    }
}

/// Sends EHLO (falling back to HELO when refused with 5xx) before `deadline`.
pub async fn ehlo<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    name: &str,
    deadline: Deadline,
) -> Result<EhloOutcome, ReplyError> {
    let reply = wire.command(&format!("EHLO {name}"), deadline).await?;
    if reply.is_positive() {
        return Ok(EhloOutcome {
            code: reply.code,
            text: reply.lines.first().cloned().unwrap_or_default(),
            ms: wire.elapsed_ms(),
            capabilities: Capabilities::parse(&reply),
            used_helo: false,
        });
    }
    if (500..600).contains(&reply.code) {
        let helo = wire.command(&format!("HELO {name}"), deadline).await?;
        return Ok(EhloOutcome {
            code: helo.code,
            text: helo.text(),
            ms: wire.elapsed_ms(),
            capabilities: Capabilities::default(),
            used_helo: true,
        });
    }
    Ok(EhloOutcome {
        code: reply.code,
        text: reply.text(),
        ms: wire.elapsed_ms(),
        capabilities: Capabilities::default(),
        used_helo: false,
    })
}

/// Sends STARTTLS and reads the go-ahead.
pub async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    deadline: Deadline,
) -> StarttlsOutcome {
    match wire.command("STARTTLS", deadline).await {
        Ok(reply) if reply.code == 220 => StarttlsOutcome::Ready { code: reply.code },
        Ok(reply) => StarttlsOutcome::Refused {
            code: reply.code,
            text: reply.text(),
        },
        Err(e) => StarttlsOutcome::NoReply { broke: e.into() },
    }
}

/// Says goodbye politely, without waiting long: the verdict does not depend on it.
pub async fn quit<S: AsyncRead + AsyncWrite + Unpin>(wire: &mut Wire<S>) {
    let deadline = Deadline::now() + Duration::from_millis(300);
    let _ = wire.command("QUIT", deadline).await;
}
