//! Recognises the machine from local files (Linux: DMI strings in `/sys/class/dmi/id`,
//! `/proc/version`, container markers). Windows (the registry's SystemManufacturer) and macOS
//! have equivalents that are not read yet: there, nothing is recognised.

use crate::model::{Container, Environment, Hosting};
use std::io::Read;
use std::path::{Path, PathBuf};

/// When set, stands for `/`: fixture folders stand for a cloud VM, WSL or a container (and,
/// with a `smtp-doctor-security.json` in them, for the machine's security state). Meant for
/// tests, and honoured by every build, release included: the end-to-end tier and the
/// benchmarks run the release binary. It opens no door: whoever sets this process's
/// environment already chooses what it runs and loads (`PATH`, `LD_PRELOAD`), and the override
/// only chooses where this machine's description is read from, parsed as untrusted as `/sys`.
pub(crate) const ROOT_OVERRIDE: &str = "SMTP_DOCTOR_TEST_ROOT";

/// Azure's fixed chassis asset tag (local Hyper-V VMs share the vendor strings, not this tag).
const AZURE_ASSET_TAG: &str = "7783-7084-3265-9085-8269-3286-77";

/// The machine this runs on, read once per process: it does not change between the runs of
/// `--targets` or `serve`'s probes.
pub(crate) fn detect() -> Environment {
    static MACHINE: std::sync::OnceLock<Environment> = std::sync::OnceLock::new();
    MACHINE
        .get_or_init(|| {
            if !cfg!(target_os = "linux") {
                return Environment::default();
            }
            let root = std::env::var_os(ROOT_OVERRIDE)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/"));
            let kubernetes = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
            detect_in(&root, kubernetes)
        })
        .clone()
}

/// The first 4 KiB of a small system file, trimmed; `None` when absent or unreadable.
fn small(root: &Path, path: &str) -> Option<String> {
    read_small(&root.join(path))
}

/// The first 4 KiB of a small system file (`/etc/hostname`, a DMI string), trimmed; `None` when
/// absent, unreadable, empty or not a regular file: a FIFO with no writer would block `open`
/// for ever, a device would never end.
pub(crate) fn read_small(path: &Path) -> Option<String> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(4096).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Detection under `root` (`/` outside tests).
pub(crate) fn detect_in(root: &Path, kubernetes: bool) -> Environment {
    let mut env = Environment::default();
    let mut evidence = Vec::new();
    let dmi = |name: &str| small(root, &format!("sys/class/dmi/id/{name}"));
    let fields = [
        "sys_vendor",
        "product_name",
        "product_version",
        "bios_vendor",
        "bios_version",
        "chassis_asset_tag",
    ];
    let values: Vec<(&str, String)> = fields
        .iter()
        .filter_map(|f| dmi(f).map(|v| (*f, v)))
        .collect();
    let get = |f: &str| {
        values
            .iter()
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let lower = |f: &str| get(f).to_ascii_lowercase();
    let hosting = if get("sys_vendor").contains("Amazon EC2")
        || get("bios_vendor").contains("Amazon EC2")
        || lower("bios_version").contains("amazon")
        || lower("product_version").contains("amazon")
    {
        Some(Hosting::AwsEc2)
    } else if get("product_name").contains("Google Compute Engine") || get("sys_vendor") == "Google"
    {
        Some(Hosting::GoogleCloud)
    } else if get("chassis_asset_tag") == AZURE_ASSET_TAG {
        Some(Hosting::Azure)
    } else if get("sys_vendor").starts_with("DigitalOcean") {
        Some(Hosting::DigitalOcean)
    } else if get("sys_vendor").starts_with("Hetzner") {
        Some(Hosting::Hetzner)
    } else if get("sys_vendor").starts_with("Linode") || get("sys_vendor").starts_with("Akamai") {
        Some(Hosting::Linode)
    } else if get("sys_vendor").starts_with("Vultr") {
        Some(Hosting::Vultr)
    } else if get("chassis_asset_tag") == "OracleCloud.com" {
        Some(Hosting::OracleCloud)
    } else if get("sys_vendor").starts_with("Alibaba") {
        Some(Hosting::AlibabaCloud)
    } else {
        None
    };
    if hosting.is_some() {
        for (k, v) in &values {
            if !v.is_empty() {
                evidence.push(env_evidence(&format!("/sys/class/dmi/id/{k}"), v));
            }
        }
    }
    env.hosting = hosting;
    if let Some(version) = small(root, "proc/version") {
        let l = version.to_ascii_lowercase();
        if l.contains("microsoft") || l.contains("wsl") {
            env.wsl = true;
            evidence.push(env_evidence("/proc/version", &version));
        }
    }
    let cgroup = small(root, "proc/1/cgroup").unwrap_or_default();
    env.container = if kubernetes || cgroup.contains("kubepods") {
        Some(Container::Kubernetes)
    } else if root.join(".dockerenv").exists() || cgroup.contains("docker") {
        Some(Container::Docker)
    } else if root.join("run/.containerenv").exists() || cgroup.contains("libpod") {
        Some(Container::Podman)
    } else if cgroup.contains("lxc") {
        Some(Container::Lxc)
    } else {
        None
    };
    if let Some(c) = env.container {
        evidence.push(format!("container: {c:?}").to_ascii_lowercase());
    }
    env.evidence = evidence;
    env
}

fn env_evidence(path: &str, value: &str) -> String {
    let value: String = value.chars().take(200).collect();
    format!("{path}: {}", crate::printable::escape(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(files: &[(&str, &str)]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("smtp-doctor-env-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    // A FIFO with no writer blocks an ordinary open() for ever: one planted where a DMI string
    // or /proc/version is read must not hold the run up.
    #[cfg(unix)]
    #[test]
    fn a_fifo_where_a_system_file_is_read_is_skipped_without_hanging() {
        let dir = fixture(&[("sys/class/dmi/id/product_name", "Google Compute Engine\n")]);
        let fifo = dir.join("sys/class/dmi/id/sys_vendor");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::RUSR).unwrap();
        assert_eq!(small(&dir, "sys/class/dmi/id/sys_vendor"), None);
        assert_eq!(detect_in(&dir, false).hosting, Some(Hosting::GoogleCloud));
    }

    #[test]
    fn cloud_vms_wsl_and_containers_are_recognised_from_local_files() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<Hosting>);
        let cases: &[Case] = &[
            (
                &[("sys/class/dmi/id/sys_vendor", "Amazon EC2\n")],
                Some(Hosting::AwsEc2),
            ),
            (
                &[("sys/class/dmi/id/bios_version", "4.11.amazon\n")],
                Some(Hosting::AwsEc2),
            ),
            (
                &[("sys/class/dmi/id/product_name", "Google Compute Engine\n")],
                Some(Hosting::GoogleCloud),
            ),
            (
                &[
                    ("sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n"),
                    (
                        "sys/class/dmi/id/chassis_asset_tag",
                        "7783-7084-3265-9085-8269-3286-77\n",
                    ),
                ],
                Some(Hosting::Azure),
            ),
            // A local Hyper-V VM: the same vendor, not Azure's tag.
            (
                &[("sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n")],
                None,
            ),
            (
                &[("sys/class/dmi/id/sys_vendor", "DigitalOcean\n")],
                Some(Hosting::DigitalOcean),
            ),
            (
                &[("sys/class/dmi/id/sys_vendor", "Hetzner\n")],
                Some(Hosting::Hetzner),
            ),
            (&[("sys/class/dmi/id/sys_vendor", "LENOVO\n")], None),
        ];
        for (files, hosting) in cases {
            let root = fixture(files);
            let env = detect_in(&root, false);
            assert_eq!(env.hosting, *hosting, "{files:?}");
            assert_eq!(env.evidence.is_empty(), hosting.is_none(), "{env:?}");
            std::fs::remove_dir_all(&root).ok();
        }
        let root = fixture(&[(
            "proc/version",
            "Linux version 5.15.153.1-microsoft-standard-WSL2 (root@x)",
        )]);
        assert!(detect_in(&root, false).wsl);
        std::fs::remove_dir_all(&root).ok();
        let root = fixture(&[(".dockerenv", "")]);
        assert_eq!(detect_in(&root, false).container, Some(Container::Docker));
        assert_eq!(
            detect_in(&root, true).container,
            Some(Container::Kubernetes)
        );
        std::fs::remove_dir_all(&root).ok();
        let root = fixture(&[(
            "sys/class/dmi/id/sys_vendor",
            "Amazon EC2\u{1b}]52;c;x\u{7}",
        )]);
        let env = detect_in(&root, false);
        assert!(
            env.evidence.iter().all(|e| !e.contains('\u{1b}')),
            "{env:?}"
        );
        std::fs::remove_dir_all(&root).ok();
    }
}
