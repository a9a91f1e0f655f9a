//! The wire: bounded reads of SMTP replies, sends, and the transcript of both.
//!
//! Text from the network is hostile: every read is bounded in time (a deadline for the whole
//! reply, so a server trickling one byte a second cannot stretch it), in line length and in
//! total size, and everything kept is escaped so no control character reaches a terminal.

use super::command::Command;
use crate::model::{Broken, Direction, Reply, TranscriptLine};
use crate::printable::escape;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant as Deadline;

/// The longest reply line accepted (RFC 5321 §4.5.3.1.5 says 512 octets; servers exceed it).
pub const MAX_LINE: usize = 2048;
/// The most bytes read from one connection.
pub const MAX_TOTAL: usize = 256 * 1024;
/// The most lines in one multi-line reply.
pub const MAX_REPLY_LINES: usize = 200;

/// How much of an unfinished line the transcript shows.
const UNFINISHED_SHOWN: usize = 120;

/// Why a read produced no line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ReadError {
    /// Nothing (complete) arrived before the deadline.
    #[error("timed out")]
    Timeout,
    /// The peer closed the connection.
    #[error("connection closed")]
    Closed,
    /// A line longer than [`MAX_LINE`].
    #[error("line too long")]
    LineTooLong,
    /// More than [`MAX_TOTAL`] bytes.
    #[error("too much data")]
    TooMuchData,
    /// A multi-line reply of more than [`MAX_REPLY_LINES`] lines.
    #[error("too many reply lines")]
    TooManyLines,
    /// A socket error (reset, TLS failure).
    #[error("read failed: {0}")]
    Failed(String),
}

/// Why no reply could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// No line at all.
    Read(ReadError),
    /// A line that is not an SMTP reply line (an SSH banner, HTTP).
    NotSmtp(String),
}

/// Parses one reply line: `Some((code, more_lines_follow, text))`.
pub(crate) fn parse_reply_line(line: &str) -> Option<(u16, bool, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 3
        || !bytes[..3].iter().all(u8::is_ascii_digit)
        || !(b'2'..=b'5').contains(&bytes[0])
    {
        return None;
    }
    let code: u16 = line[..3].parse().ok()?;
    match bytes.get(3) {
        None => Some((code, false, "")),
        Some(b' ') => Some((code, false, &line[4..])),
        Some(b'-') => Some((code, true, &line[4..])),
        Some(_) => None,
    }
}

impl From<ReadError> for Broken {
    fn from(e: ReadError) -> Broken {
        match e {
            ReadError::Timeout => Broken::Timeout,
            ReadError::Closed => Broken::Closed,
            ReadError::LineTooLong => Broken::LineTooLong,
            ReadError::TooMuchData | ReadError::TooManyLines => Broken::TooMuchData,
            ReadError::Failed(detail) => Broken::Failed { detail },
        }
    }
}

impl From<ReplyError> for Broken {
    fn from(e: ReplyError) -> Broken {
        match e {
            ReplyError::Read(e) => e.into(),
            ReplyError::NotSmtp(line) => Broken::NotSmtp { line },
        }
    }
}

/// A connection with a bounded reader and a transcript.
pub(crate) struct Wire<S> {
    stream: S,
    buf: Vec<u8>,
    total: usize,
    opened: Instant,
    /// Forms of a secret that must never be kept if the server echoes them.
    redact: Vec<String>,
    /// Everything sent and received, escaped.
    pub transcript: Vec<TranscriptLine>,
}

/// What replaces a secret echoed by the server.
pub(crate) const REDACTED: &str = "****";

/// `text` with every occurrence of each form replaced by [`REDACTED`].
pub(crate) fn redact(text: &str, forms: &[String]) -> String {
    redacted(text, forms).into_owned()
}

/// [`redact`], borrowing `text` when no form occurs in it (every reply line of a probe
/// without credentials): the line is then kept without a copy.
fn redacted<'a>(text: &'a str, forms: &[String]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for form in forms.iter().filter(|f| !f.is_empty()) {
        if out.contains(form.as_str()) {
            out = Cow::Owned(out.replace(form.as_str(), REDACTED));
        }
    }
    out
}

impl<S: AsyncRead + AsyncWrite + Unpin> Wire<S> {
    /// Wraps a stream; `opened` is when its connection was established.
    pub(crate) fn new(stream: S, opened: Instant) -> Self {
        Wire {
            stream,
            buf: Vec::new(),
            total: 0,
            opened,
            redact: Vec::new(),
            transcript: Vec::new(),
        }
    }

    /// Milliseconds since the connection opened.
    pub(crate) fn elapsed_ms(&self) -> f64 {
        self.opened.elapsed().as_secs_f64() * 1000.0
    }

    /// Notes an event (not wire text) in the transcript.
    pub(crate) fn note(&mut self, text: impl Into<String>) {
        let ms = self.elapsed_ms();
        self.transcript.push(TranscriptLine {
            ms,
            dir: Direction::Event,
            text: text.into(),
        });
    }

    /// Bytes received but not yet consumed as lines.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes received on this connection so far.
    pub(crate) fn received(&self) -> usize {
        self.total
    }

    /// Lines the server sent since the transcript had `since` entries.
    pub(crate) fn server_lines_since(&self, since: usize) -> usize {
        self.transcript
            .iter()
            .skip(since)
            .filter(|t| t.dir == Direction::Server)
            .count()
    }

    /// From now on, every reply is kept with these forms of a secret replaced by
    /// [`REDACTED`] (a server that echoes a password must not get it printed). Longest
    /// first, so a form that contains another is replaced whole.
    pub(crate) fn redact_from_now_on(&mut self, forms: impl IntoIterator<Item = String>) {
        for form in forms {
            let escaped = escape(form.as_bytes());
            for f in [form, escaped] {
                if !f.is_empty() && !self.redact.contains(&f) {
                    self.redact.push(f);
                }
            }
        }
        self.redact.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// Waits before `deadline` for one whole line in the buffer: its length without CRLF, and
    /// the bytes it takes with its line end (to be drained once the line is used). The line
    /// is read where it lies rather than copied out first.
    async fn next_line(&mut self, deadline: Deadline) -> Result<(usize, usize), ReadError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let len = match pos {
                    0 => 0,
                    _ if self.buf[pos - 1] == b'\r' => pos - 1,
                    _ => pos,
                };
                if len > MAX_LINE {
                    return Err(ReadError::LineTooLong);
                }
                return Ok((len, pos + 1));
            }
            if self.buf.len() > MAX_LINE {
                return Err(ReadError::LineTooLong);
            }
            if self.total >= MAX_TOTAL {
                return Err(ReadError::TooMuchData);
            }
            let mut chunk = [0u8; 4096];
            let want = chunk.len().min(MAX_TOTAL - self.total);
            let n = match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk[..want]))
                .await
            {
                Err(_) => return Err(ReadError::Timeout),
                Ok(Err(e)) => return Err(ReadError::Failed(e.kind().to_string())),
                Ok(Ok(0)) => return Err(ReadError::Closed),
                Ok(Ok(n)) => n,
            };
            self.total += n;
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads one complete (possibly multi-line) reply before `deadline`.
    pub(crate) async fn read_reply(&mut self, deadline: Deadline) -> Result<Reply, ReplyError> {
        let mut lines = Vec::new();
        loop {
            let (len, used) = match self.next_line(deadline).await {
                Ok(line) => line,
                Err(e) => {
                    // What arrived of an unfinished line is evidence too (bounded, escaped).
                    let note = match self.buf.len() {
                        0 => format!("({e})"),
                        n => {
                            let shown = &self.buf[..n.min(UNFINISHED_SHOWN)];
                            let more = if n > UNFINISHED_SHOWN { "…" } else { "" };
                            let text = redact(&escape(shown), &self.redact);
                            format!("({e}; unfinished line of {n} bytes: \"{text}{more}\")")
                        }
                    };
                    self.note(note);
                    return Err(ReplyError::Read(e));
                }
            };
            let text = escape(&self.buf[..len]);
            self.buf.drain(..used);
            // The code is parsed before redaction, so a secret made of digits cannot turn a
            // reply into something else; only the text after it (and its separator, the
            // fourth byte) is redacted. A line with nothing to redact is kept as it is.
            let parsed = parse_reply_line(&text).map(|(code, more, _)| (code, more));
            let from = if parsed.is_some() {
                text.len().min(4)
            } else {
                0
            };
            let kept = match redacted(&text[from..], &self.redact) {
                Cow::Borrowed(_) => text,
                Cow::Owned(rest) => format!("{}{rest}", &text[..from]),
            };
            let ms = self.elapsed_ms();
            let Some((code, more)) = parsed else {
                self.transcript.push(TranscriptLine {
                    ms,
                    dir: Direction::Server,
                    text: kept.clone(),
                });
                return Err(ReplyError::NotSmtp(kept));
            };
            lines.push(kept[from..].to_string());
            self.transcript.push(TranscriptLine {
                ms,
                dir: Direction::Server,
                text: kept,
            });
            if !more {
                return Ok(Reply { code, lines });
            }
            if lines.len() >= MAX_REPLY_LINES {
                let note = format!("({})", ReadError::TooManyLines);
                self.note(note);
                return Err(ReplyError::Read(ReadError::TooManyLines));
            }
        }
    }

    /// Sends one command line (CRLF added); the transcript records its shown form.
    pub(crate) async fn send(
        &mut self,
        cmd: &Command<'_>,
        deadline: Deadline,
    ) -> Result<(), ReadError> {
        let ms = self.elapsed_ms();
        self.transcript.push(TranscriptLine {
            ms,
            dir: Direction::Client,
            text: cmd.shown().into_owned(),
        });
        let mut data = Vec::with_capacity(64);
        // Writing into a Vec cannot fail.
        let _ = std::io::Write::write_fmt(&mut data, format_args!("{cmd}\r\n"));
        match tokio::time::timeout_at(deadline, async {
            self.stream.write_all(&data).await?;
            self.stream.flush().await
        })
        .await
        {
            Err(_) => Err(ReadError::Timeout),
            Ok(Err(e)) => Err(ReadError::Failed(e.kind().to_string())),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// Sends a command and reads its reply.
    pub(crate) async fn command(
        &mut self,
        cmd: &Command<'_>,
        deadline: Deadline,
    ) -> Result<Reply, ReplyError> {
        self.send(cmd, deadline).await.map_err(ReplyError::Read)?;
        self.read_reply(deadline).await
    }

    /// Gives the stream back (to start TLS on it), with the transcript.
    pub(crate) fn into_parts(self) -> (S, Vec<TranscriptLine>) {
        (self.stream, self.transcript)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines() {
        assert_eq!(
            parse_reply_line("220 mx ESMTP"),
            Some((220, false, "mx ESMTP"))
        );
        assert_eq!(
            parse_reply_line("250-PIPELINING"),
            Some((250, true, "PIPELINING"))
        );
        assert_eq!(parse_reply_line("250 "), Some((250, false, "")));
        assert_eq!(parse_reply_line("250"), Some((250, false, "")));
        assert_eq!(parse_reply_line("SSH-2.0-OpenSSH_9.2"), None);
        assert_eq!(parse_reply_line("HTTP/1.1 400 Bad Request"), None);
        assert_eq!(parse_reply_line("2500 x"), None);
        assert_eq!(parse_reply_line("099 x"), None);
    }

    #[tokio::test]
    async fn multi_line_reply_and_limits() {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        server
            .write_all(b"250-mx.test\r\n250-STARTTLS\r\n250 \r\n")
            .await
            .unwrap();
        let mut wire = Wire::new(client, Instant::now());
        let deadline = Deadline::now() + std::time::Duration::from_secs(1);
        let reply = wire.read_reply(deadline).await.unwrap();
        assert_eq!(reply.code, 250);
        assert_eq!(reply.lines, vec!["mx.test", "STARTTLS", ""]);
        server.write_all(&vec![b'x'; MAX_LINE + 10]).await.unwrap();
        assert_eq!(
            wire.read_reply(deadline).await,
            Err(ReplyError::Read(ReadError::LineTooLong))
        );
    }

    #[tokio::test]
    async fn echoed_secrets_are_redacted_but_never_the_code() {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        server
            .write_all(b"535-you said 535 and c2VjcmV0\r\n535 5.7.8 c2VjcmV0\r\nSSH c2VjcmV0\r\n")
            .await
            .unwrap();
        let mut wire = Wire::new(client, Instant::now());
        wire.redact_from_now_on(["535".to_string(), "c2VjcmV0".to_string()]);
        let deadline = Deadline::now() + std::time::Duration::from_secs(1);
        let reply = wire.read_reply(deadline).await.unwrap();
        assert_eq!(reply.code, 535);
        assert_eq!(reply.lines, vec!["you said **** and ****", "5.7.8 ****"]);
        assert_eq!(
            wire.read_reply(deadline).await,
            Err(ReplyError::NotSmtp("SSH ****".into()))
        );
        let kept: Vec<&str> = wire.transcript.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            kept,
            vec!["535-you said **** and ****", "535 5.7.8 ****", "SSH ****"]
        );
    }

    #[tokio::test]
    async fn too_many_lines_and_what_arrived() {
        let (client, mut server) = tokio::io::duplex(1 << 20);
        let endless = "250-X\r\n".repeat(MAX_REPLY_LINES + 5);
        server.write_all(endless.as_bytes()).await.unwrap();
        let mut wire = Wire::new(client, Instant::now());
        let deadline = Deadline::now() + std::time::Duration::from_secs(1);
        assert_eq!(
            wire.read_reply(deadline).await,
            Err(ReplyError::Read(ReadError::TooManyLines))
        );
        assert_eq!(wire.server_lines_since(0), MAX_REPLY_LINES);
        assert!(wire.received() >= MAX_REPLY_LINES * 7);
    }

    #[tokio::test]
    async fn deadline_bounds_a_trickle() {
        let (client, mut server) = tokio::io::duplex(64);
        tokio::spawn(async move {
            for _ in 0..100 {
                if server.write_all(b"2").await.is_err() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        });
        let mut wire = Wire::new(client, Instant::now());
        // Without the deadline the read would end in `Closed` after the trickle's 2 s.
        let deadline = Deadline::now() + std::time::Duration::from_millis(150);
        assert_eq!(
            wire.read_reply(deadline).await,
            Err(ReplyError::Read(ReadError::Timeout))
        );
    }
}
