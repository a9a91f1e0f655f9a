//! Linux: the nftables ruleset (`nft -j list ruleset`), or `iptables-save` where nft is not
//! installed, read as root only (both need CAP_NET_ADMIN; smtp-doctor never asks for it).

use super::{decode, Rules};
use crate::model::{SecurityObservation, SecuritySource, Unread, UnreadReason};
use crate::runner::{self, Job, Outcome};
use std::path::Path;
use std::time::Duration;

/// The most output read from nft or iptables-save (a large ruleset is still a few hundred KiB).
const CAP: usize = 4 << 20;

/// The program's fixed path in the usual places, else its name (looked up in PATH).
fn program(name: &str) -> Option<String> {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        .iter()
        .map(|d| format!("{d}/{name}"))
        .find(|p| Path::new(p).is_file())
}

fn unread(
    obs: &mut SecurityObservation,
    source: SecuritySource,
    reason: UnreadReason,
    detail: Option<String>,
) {
    obs.unread.push(Unread {
        source,
        reason,
        detail,
    });
}

/// The system's CA bundle (Debian, Ubuntu, Alpine; Fedora and RHEL): where a TLS-scanning
/// product's root is added on Linux. Readable without root.
const BUNDLES: [&str; 2] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
];

/// The roots of TLS-scanning products in the system's CA bundle.
fn trust_store(obs: &mut SecurityObservation) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let Some(bytes) = BUNDLES
        .iter()
        .find_map(|p| crate::files::read_bytes(Path::new(p), crate::files::FileKind::CaFile).ok())
    else {
        return;
    };
    let ders: Vec<CertificateDer> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    obs.scanning_roots = decode::scanning_roots(ders.iter().map(|d| d.as_ref()));
    obs.read.push(SecuritySource::TrustStore);
}

/// Reads the trust store and the firewall's ruleset into `obs`; the ruleset is returned, to
/// be matched against each target's ports and addresses.
pub(super) fn read(limit: Duration, obs: &mut SecurityObservation) -> Rules {
    trust_store(obs);
    let (nft, iptables) = (program("nft"), program("iptables-save"));
    let (source, path, args): (SecuritySource, String, &[&str]) = match (nft, iptables) {
        (Some(p), _) => (SecuritySource::Nftables, p, &["-j", "list", "ruleset"]),
        (None, Some(p)) => (SecuritySource::Iptables, p, &[]),
        (None, None) => {
            unread(
                obs,
                SecuritySource::Nftables,
                UnreadReason::NotAvailable,
                None,
            );
            return Rules::None;
        }
    };
    if !rustix::process::geteuid().is_root() {
        unread(obs, source, UnreadReason::NeedsAdministrator, None);
        return Rules::None;
    }
    let mut job = Job::new(path, args, std::env::temp_dir());
    job.limit = limit;
    job.cap = CAP;
    match runner::run(&job) {
        Outcome::Exited {
            code: Some(0),
            stdout,
            truncated: false,
            ..
        } => {
            let text = String::from_utf8_lossy(&stdout);
            match source {
                SecuritySource::Nftables => match decode::NftRuleset::parse(&text) {
                    Ok(ruleset) => {
                        obs.read.push(source);
                        return Rules::Nftables(ruleset);
                    }
                    Err(e) => unread(obs, source, UnreadReason::Undecodable, Some(e.to_string())),
                },
                _ => {
                    obs.read.push(source);
                    return Rules::Iptables(text.into_owned());
                }
            }
        }
        Outcome::Exited {
            truncated: true, ..
        } => unread(
            obs,
            source,
            UnreadReason::Undecodable,
            Some(format!("more than {CAP} bytes")),
        ),
        Outcome::Exited { code, .. } => unread(
            obs,
            source,
            UnreadReason::Failed,
            Some(match code {
                Some(c) => format!("exit status {c}"),
                None => "killed by a signal".into(),
            }),
        ),
        Outcome::TimedOut { .. } => unread(obs, source, UnreadReason::TimedOut, None),
        Outcome::NotFound => unread(obs, source, UnreadReason::NotAvailable, None),
        Outcome::SpawnFailed(kind) => {
            unread(obs, source, UnreadReason::Failed, Some(format!("{kind:?}")))
        }
    }
    Rules::None
}
