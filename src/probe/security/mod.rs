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
    pub addresses: Vec<IpAddr>,
}

/// One read of the machine, before matching: what it found (products, profiles, scanning
/// roots, which sources were read and which not) and the firewall rules it holds, matched
/// against each target's ports and addresses by [`Snapshot::matched`]. One read serves every
/// target that needs it: the read is a child process, a blocking thread and the whole trust
/// store; matching is a walk over rules already decoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    /// Everything but the rules in the way of a target.
    found: SecurityObservation,
    rules: Rules,
}

/// A firewall's rules as read, each OS's own kind.
#[derive(Debug, Clone, Default)]
enum Rules {
    /// None read (not available, not allowed, failed), or all already in the observation.
    #[default]
    None,
    /// nftables' ruleset, decoded.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Nftables(decode::NftRuleset),
    /// `iptables-save`'s output, where nft is not installed.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Iptables(String),
    /// Windows Defender Firewall's rules.
    #[cfg_attr(not(windows), allow(dead_code))]
    Windows(Vec<decode::WindowsRule>),
}

impl Snapshot {
    /// The observation for one target: what was found, with the rules that block its ports
    /// (and, where the rules say, its addresses).
    pub(crate) fn matched(&self, ask: &Ask) -> SecurityObservation {
        let mut obs = self.found.clone();
        match &self.rules {
            Rules::None => {}
            Rules::Nftables(ruleset) => obs
                .rules
                .extend(ruleset.blocking(&ask.ports, &ask.addresses)),
            Rules::Iptables(save) => {
                obs.rules
                    .extend(decode::iptables_rules(save, &ask.ports, &ask.addresses))
            }
            Rules::Windows(rules) => obs
                .rules
                .extend(decode::windows_blocking(rules, &ask.ports)),
        }
        obs
    }
}

impl From<SecurityObservation> for Snapshot {
    /// An observation already matched (a test root's fixture, a timed-out read): given as it
    /// is to every target.
    fn from(found: SecurityObservation) -> Snapshot {
        Snapshot {
            found,
            rules: Rules::None,
        }
    }
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

/// Reads this machine's security state (blocking; each query bounded by `limit`), to be
/// matched per target.
pub(crate) fn read(limit: Duration) -> Snapshot {
    let started = Instant::now();
    #[allow(unused_mut)]
    let mut found = SecurityObservation::default();
    #[cfg(target_os = "linux")]
    let rules = linux::read(limit, &mut found);
    #[cfg(windows)]
    let rules = windows::read(limit, &mut found);
    #[cfg(target_os = "macos")]
    let rules = macos::read(limit, &mut found);
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    let rules = {
        let _ = limit;
        found.unread.push(Unread {
            source: SecuritySource::Nftables,
            reason: UnreadReason::NotImplemented,
            detail: None,
        });
        Rules::None
    };
    found.program = std::env::current_exe()
        .ok()
        .map(|p| crate::printable::escape(p.to_string_lossy().as_bytes()));
    found.ms = started.elapsed().as_secs_f64() * 1000.0;
    Snapshot { found, rules }
}

/// The read for a run: the machine's, or under a test root (`SMTP_DOCTOR_TEST_ROOT`, which
/// stands for the machine) the fixture `smtp-doctor-security.json` there, or nothing.
/// The override is honoured by every build; `ROOT_OVERRIDE` says why that is safe.
pub(crate) async fn for_run() -> Option<Snapshot> {
    match std::env::var_os(super::environment::ROOT_OVERRIDE) {
        Some(root) => fixture(std::path::Path::new(&root)).map(Snapshot::from),
        None => Some(read_bounded().await),
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

/// [`read`] on a blocking thread, waited for at most [`LIMIT`]: past it, every source of this
/// OS is "timed out" and the thread is left to finish on its own (its child is killed at the
/// same limit by the runner).
pub(crate) async fn read_bounded() -> Snapshot {
    let started = Instant::now();
    let task = tokio::task::spawn_blocking(move || read(LIMIT));
    match tokio::time::timeout(LIMIT + Duration::from_millis(50), task).await {
        Ok(Ok(snapshot)) => snapshot,
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(_)) | Err(_) => Snapshot::from(SecurityObservation {
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
        }),
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
    fn one_read_is_matched_for_each_target_as_a_read_of_its_own_would_be() {
        let json = include_str!("../../../tests/fixtures/security/nftables_output_rules.json");
        let mut found = SecurityObservation::default();
        found.read.push(SecuritySource::TrustStore);
        found.read.push(SecuritySource::Nftables);
        let snapshot = Snapshot {
            found,
            rules: Rules::Nftables(decode::NftRuleset::parse(json).unwrap()),
        };
        let here: Vec<IpAddr> = vec!["10.0.0.5".parse().unwrap()];
        let there: Vec<IpAddr> = vec!["192.0.2.7".parse().unwrap()];
        for (ports, addresses) in [
            (vec![587], &here),
            (vec![2525], &there),
            (vec![2525], &here),
        ] {
            let ask = Ask {
                ports: ports.clone(),
                addresses: addresses.clone(),
            };
            let obs = snapshot.matched(&ask);
            assert_eq!(
                obs.rules,
                decode::nftables_rules(json, &ports, addresses).unwrap()
            );
            assert_eq!(
                obs.read,
                vec![SecuritySource::TrustStore, SecuritySource::Nftables]
            );
        }
        assert_eq!(snapshot.matched(&Ask::default()).rules, vec![]);
        assert_eq!(
            snapshot
                .matched(&Ask {
                    ports: vec![587],
                    addresses: here.clone()
                })
                .rules
                .len(),
            1
        );
        assert!(snapshot
            .matched(&Ask {
                ports: vec![2525],
                addresses: here
            })
            .rules
            .is_empty());
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
