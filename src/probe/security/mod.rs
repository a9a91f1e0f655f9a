//! Who is in the way on this machine: its security products and the firewall rules that block
//! a probed port, read without administrator rights where the OS allows it (Windows Security
//! Center, Windows Defender Firewall's rules), as root only where it does not (nftables,
//! iptables). Every query is bounded; one that fails or is not implemented says so and costs
//! nothing. Decoding and matching are pure ([`decode`]).

pub mod decode;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
// COM: the `windows` crate's calls are unsafe by signature (see the module's note).
#[cfg(windows)]
#[allow(unsafe_code)]
mod windows;

use crate::model::{SecurityObservation, SecuritySource, Unread, UnreadReason};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The longest the machine's security queries may take, counted in the time to verdict.
pub(crate) const LIMIT: Duration = Duration::from_millis(300);

/// What the queries look for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ask {
    /// The ports probed.
    pub ports: Vec<u16>,
    /// The addresses dialled (a rule for other addresses is not in the way).
    // Read by the Linux sources only: elsewhere no source matches rules by address yet.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub addresses: Vec<IpAddr>,
}

/// The sources this OS has, for saying which timed out.
fn sources() -> &'static [SecuritySource] {
    if cfg!(windows) {
        &[
            SecuritySource::WindowsSecurityCenter,
            SecuritySource::WindowsFirewall,
        ]
    } else if cfg!(target_os = "macos") {
        &[SecuritySource::MacosApplications]
    } else {
        &[SecuritySource::Nftables]
    }
}

/// Reads this machine's security state (blocking; each query bounded by `limit`).
pub(crate) fn gather(ask: &Ask, limit: Duration) -> SecurityObservation {
    let started = Instant::now();
    #[allow(unused_mut)]
    let mut obs = SecurityObservation::default();
    #[cfg(target_os = "linux")]
    linux::gather(ask, limit, &mut obs);
    #[cfg(windows)]
    windows::gather(ask, limit, &mut obs);
    #[cfg(target_os = "macos")]
    macos::gather(ask, limit, &mut obs);
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    {
        let _ = (ask, limit);
        obs.unread.push(Unread {
            source: SecuritySource::Nftables,
            reason: UnreadReason::NotImplemented,
            detail: None,
        });
    }
    obs.program = std::env::current_exe()
        .ok()
        .map(|p| crate::printable::escape(p.to_string_lossy().as_bytes()));
    obs.ms = started.elapsed().as_secs_f64() * 1000.0;
    obs
}

/// The observation for one run: the machine's, or under a test root (`SMTP_DOCTOR_TEST_ROOT`,
/// which stands for the machine) the fixture `smtp-doctor-security.json` there, or nothing.
/// The override is honoured by every build; `ROOT_OVERRIDE` says why that is safe.
pub(crate) async fn for_run(ask: Ask) -> Option<SecurityObservation> {
    match std::env::var_os(super::environment::ROOT_OVERRIDE) {
        Some(root) => fixture(std::path::Path::new(&root)),
        None => Some(gather_bounded(ask).await),
    }
}

/// The fixture `smtp-doctor-security.json` under a test root; `None` when it is absent,
/// unreadable, not a regular file, too large or not an observation. Read like every other file
/// (a FIFO would hang an unbounded read, `/dev/zero` would never end); it is a JSON document
/// the tool writes, so it gets a report's limit.
fn fixture(root: &std::path::Path) -> Option<SecurityObservation> {
    let path = root.join("smtp-doctor-security.json");
    let bytes = crate::files::read_bytes(&path, crate::files::FileKind::Report).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// [`gather`] on a blocking thread, waited for at most [`LIMIT`]: past it, every source of this
/// OS is "timed out" and the thread is left to finish on its own (its child is killed at the
/// same limit by the runner).
pub(crate) async fn gather_bounded(ask: Ask) -> SecurityObservation {
    let started = Instant::now();
    let task = tokio::task::spawn_blocking(move || gather(&ask, LIMIT));
    match tokio::time::timeout(LIMIT + Duration::from_millis(50), task).await {
        Ok(Ok(obs)) => obs,
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(_)) | Err(_) => SecurityObservation {
            unread: sources()
                .iter()
                .map(|s| Unread {
                    source: *s,
                    reason: UnreadReason::TimedOut,
                    detail: None,
                })
                .collect(),
            ms: started.elapsed().as_secs_f64() * 1000.0,
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "smtp-doctor-security-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_fixture_is_read() {
        let dir = root("ok");
        let obs = SecurityObservation::default();
        let json = serde_json::to_string(&obs).unwrap();
        std::fs::write(dir.join("smtp-doctor-security.json"), json).unwrap();
        assert_eq!(fixture(&dir), Some(obs));
    }

    #[test]
    fn an_over_large_fixture_is_not_read() {
        let dir = root("large");
        // A valid observation, padded past the limit: only the size refuses it.
        let mut json = serde_json::to_vec(&SecurityObservation::default()).unwrap();
        let limit = crate::files::FileKind::Report.limit() as usize;
        json.resize(limit + 1, b' ');
        std::fs::write(dir.join("smtp-doctor-security.json"), json).unwrap();
        assert_eq!(fixture(&dir), None);
    }

    // A FIFO with no writer blocks an ordinary open() for ever.
    #[cfg(unix)]
    #[test]
    fn a_fifo_fixture_is_refused_without_hanging() {
        let dir = root("fifo");
        let fifo = dir.join("smtp-doctor-security.json");
        let _ = std::fs::remove_file(&fifo);
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).unwrap();
        assert_eq!(fixture(&dir), None);
    }
}
