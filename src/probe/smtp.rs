//! SMTP dialogue step: greeting, EHLO (RFC 5321 §4.1.1.1), STARTTLS (RFC 3207), QUIT.
//!
//! Replies are recorded as they come; a 4xx/5xx is an observation, never an error. A reply
//! that never comes, or comes malformed, is an observation too, with what arrived of it.

use super::command::Command;
use super::wire::{ReadError, ReplyError, Wire, MAX_LINE, MAX_REPLY_LINES, MAX_TOTAL};
use crate::model::{
    Capabilities, EhloFailure, EhloOutcome, GreetingOutcome, ReplySummary, StarttlsOutcome,
};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant as Deadline;

/// How much of a reply arrived: complete lines and bytes (including a partial last line).
#[derive(Debug, Clone, Copy)]
struct Arrived {
    lines: usize,
    bytes: usize,
}

/// Where a reply's reading started, to tell afterwards how much of it arrived.
struct Mark {
    transcript: usize,
    received: usize,
}

impl Mark {
    fn at<S: AsyncRead + AsyncWrite + Unpin>(wire: &Wire<S>) -> Mark {
        Mark {
            transcript: wire.transcript.len(),
            received: wire.received(),
        }
    }

    fn arrived<S: AsyncRead + AsyncWrite + Unpin>(&self, wire: &Wire<S>) -> Arrived {
        Arrived {
            lines: wire.server_lines_since(self.transcript),
            bytes: wire.received().saturating_sub(self.received),
        }
    }
}

/// Reads the greeting before `deadline`.
pub(crate) async fn read_greeting<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    deadline: Deadline,
    started_waiting: Deadline,
) -> GreetingOutcome {
    let mark = Mark::at(wire);
    let result = wire.read_reply(deadline).await;
    let ms = wire.elapsed_ms();
    let Arrived { lines, bytes } = mark.arrived(wire);
    match result {
        Ok(reply) if reply.is_positive() => GreetingOutcome::Ok {
            reply: (&reply).into(),
            ms,
        },
        Ok(reply) => GreetingOutcome::Rejected {
            reply: (&reply).into(),
            ms,
        },
        Err(ReplyError::NotSmtp(evidence)) => GreetingOutcome::NotSmtp { evidence, ms },
        Err(ReplyError::Read(ReadError::Closed)) => GreetingOutcome::Closed { ms, lines, bytes },
        Err(ReplyError::Read(ReadError::Timeout)) => GreetingOutcome::Silent {
            waited_ms: started_waiting.elapsed().as_secs_f64() * 1000.0,
            lines,
            bytes,
        },
        // Garbage that never ends a line is not SMTP either.
        Err(ReplyError::Read(e)) => GreetingOutcome::NotSmtp {
            evidence: format!("({e})"),
            ms,
        },
    }
}

/// Sends EHLO (falling back to HELO when refused with 5xx) before `deadline`. A complete
/// reply, whatever its code, is an outcome; no usable reply is a failure saying what came.
pub(crate) async fn ehlo<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    name: &str,
    deadline: Deadline,
) -> Result<EhloOutcome, EhloFailure> {
    let reply = command(wire, &Command::Ehlo(name), deadline).await?;
    if reply.is_positive() {
        return Ok(EhloOutcome {
            reply: ReplySummary::first_line(&reply),
            ms: wire.elapsed_ms(),
            capabilities: Capabilities::parse(&reply),
            used_helo: false,
        });
    }
    if (500..600).contains(&reply.code) {
        let helo = command(wire, &Command::Helo(name), deadline).await?;
        return Ok(EhloOutcome {
            reply: (&helo).into(),
            ms: wire.elapsed_ms(),
            capabilities: Capabilities::default(),
            used_helo: true,
        });
    }
    Ok(EhloOutcome {
        reply: (&reply).into(),
        ms: wire.elapsed_ms(),
        capabilities: Capabilities::default(),
        used_helo: false,
    })
}

/// One EHLO/HELO command and its reply, or what went wrong with the reply.
async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    cmd: &Command<'_>,
    deadline: Deadline,
) -> Result<crate::model::Reply, EhloFailure> {
    let sent_at = Deadline::now();
    let mark = Mark::at(wire);
    let result = wire.command(cmd, deadline).await;
    let Arrived { lines, bytes } = mark.arrived(wire);
    result.map_err(|e| match e {
        ReplyError::NotSmtp(line) => EhloFailure::BadReplyLine { line },
        ReplyError::Read(ReadError::LineTooLong) => EhloFailure::LineTooLong { limit: MAX_LINE },
        ReplyError::Read(ReadError::TooManyLines) => EhloFailure::TooManyLines {
            limit: MAX_REPLY_LINES,
        },
        ReplyError::Read(ReadError::TooMuchData) => EhloFailure::TooMuchData { limit: MAX_TOTAL },
        ReplyError::Read(ReadError::Closed) => EhloFailure::Closed { lines, bytes },
        ReplyError::Read(ReadError::Timeout) => EhloFailure::TimedOut {
            secs: sent_at.elapsed().as_secs_f64(),
            lines,
            bytes,
        },
        ReplyError::Read(ReadError::Failed(detail)) => EhloFailure::Failed { detail },
    })
}

/// Sends STARTTLS and reads the go-ahead.
pub(crate) async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(
    wire: &mut Wire<S>,
    deadline: Deadline,
) -> StarttlsOutcome {
    match wire.command(&Command::Starttls, deadline).await {
        Ok(reply) if reply.code == 220 => StarttlsOutcome::Ready { code: reply.code },
        Ok(reply) => StarttlsOutcome::Refused {
            reply: (&reply).into(),
        },
        Err(e) => StarttlsOutcome::NoReply { broke: e.into() },
    }
}

/// Says goodbye politely, without waiting long: the verdict does not depend on it.
pub(crate) async fn quit<S: AsyncRead + AsyncWrite + Unpin>(wire: &mut Wire<S>) {
    let deadline = Deadline::now() + Duration::from_millis(300);
    let _ = wire.command(&Command::Quit, deadline).await;
}
