//! Entry points for the fuzz targets (`fuzz/`) and the tests that feed the crate hostile or
//! recorded bytes (`tests/properties.rs`, `tests/security.rs`): thin wrappers over the
//! functions that read untrusted input, which are otherwise private. Hidden from the
//! documentation and not a stable API: they change with the code they wrap.

use crate::model::{Capabilities, CertificateInfo, Reply, TranscriptLine};
use crate::settings::Origin;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use crate::knowledge::errors::MAX_INPUT;
pub use crate::knowledge::records::{is_dmarc, is_spf, parse_dkim, parse_dmarc, parse_spf};
pub use crate::knowledge::records::{Directive, Mechanism, Qualifier, SpfRecord};
pub use crate::printable::escape;
pub use crate::probe::security::decode;
pub use crate::probe::wire::{MAX_LINE, MAX_REPLY_LINES, MAX_TOTAL};
pub use crate::settings::dotenv::parse_dotenv;
pub use crate::settings::email_url::{mask_url, parse_email_url, EmailUrl};

/// The error-text classifier behind `explain`.
pub fn classify_error(text: &str) -> crate::explain::Classified {
    crate::knowledge::errors::classify(text)
}

/// The `step` label the exposition gives a finding's code.
pub fn step_of(code: crate::diagnosis::FindingCode) -> &'static str {
    crate::render::prometheus::step_of(code)
}

/// One SMTP reply line: `Some((code, more_lines_follow, text))`.
pub fn parse_reply_line(line: &str) -> Option<(u16, bool, &str)> {
    crate::probe::wire::parse_reply_line(line)
}

/// The capabilities of an EHLO reply.
pub fn capabilities(reply: &Reply) -> Capabilities {
    Capabilities::parse(reply)
}

/// A peer that sends `data` in reads of at most `chunk` bytes, then closes; what is
/// written to it is discarded.
struct Replay<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl AsyncRead for Replay<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = this.data.len().min(this.chunk).min(buf.remaining());
        buf.put_slice(&this.data[..n]);
        this.data = &this.data[n..];
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// What the wire made of a server's bytes.
#[derive(Debug)]
pub struct Dialogue {
    /// Every complete reply, in order.
    pub replies: Vec<Reply>,
    /// Why reading stopped (the last error, as evidence).
    pub end: String,
    /// The transcript kept of it.
    pub transcript: Vec<TranscriptLine>,
}

/// Reads replies from `data` (delivered `chunk` bytes at a time) as the SMTP probe does,
/// sending a command before each, until the wire reports an error or end of input.
pub fn read_replies(data: &[u8], chunk: usize) -> Dialogue {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime");
    }
    let peer = Replay {
        data,
        chunk: chunk.max(1),
    };
    RT.with(|rt| {
        rt.block_on(async {
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3600);
            let mut wire = crate::probe::wire::Wire::new(peer, std::time::Instant::now());
            let mut replies = Vec::new();
            let end = loop {
                let read = if replies.is_empty() {
                    wire.read_reply(deadline).await
                } else {
                    let ehlo = crate::probe::command::Command::Ehlo("fuzz.test");
                    wire.command(&ehlo, deadline).await
                };
                match read {
                    Ok(reply) => replies.push(reply),
                    Err(e) => break crate::model::Broken::from(e).evidence(),
                }
            };
            let (_, transcript) = wire.into_parts();
            Dialogue {
                replies,
                end,
                transcript,
            }
        })
    })
}

/// The settings.py reader (the one Flask's config.py also goes through, with its own
/// prefix); every environment lookup answers `env`.
pub fn parse_python_settings(text: &str, env: Option<&str>) -> Vec<(String, String, Origin)> {
    let lookup = |_: &str| env.map(str::to_string);
    crate::settings::parse_django_settings(text, "settings.py", &lookup)
}

/// The `application.properties` reader (`java.util.Properties.load` rules); a file it
/// refuses (a malformed `\\uXXXX`) gives nothing.
pub fn parse_properties(text: &str) -> Vec<(String, String, Origin)> {
    crate::settings::parse_properties(text, "application.properties").unwrap_or_default()
}

/// The `application.yml` reader; a file that is not YAML gives nothing.
pub fn flatten_yaml(text: &str) -> Vec<(String, String, Origin)> {
    crate::settings::flatten_yaml(text, "application.yml").unwrap_or_default()
}

/// The `diff` command's reader of a JSON report.
pub fn read_report(text: &str) -> Result<crate::report::Report, serde_json::Error> {
    serde_json::from_str(text)
}

/// Compares two reports as `diff` does.
pub fn diff(a: &crate::report::Report, b: &crate::report::Report) -> Vec<crate::diff::Difference> {
    crate::diff::diff(a, b)
}

/// The facts of a DER certificate, as shown in the report.
pub fn describe_certificate(der: &[u8]) -> Option<CertificateInfo> {
    crate::probe::tls::describe(&rustls::pki_types::CertificateDer::from(der))
}
