//! The one place where operating-system errors become TCP states.
//!
//! Raw codes collide across platforms (61 is ECONNREFUSED on macOS but ENODATA on Linux), so
//! the table is keyed by platform. Keeping the Windows table here lets it be tested on Linux.

use crate::model::{OsErrorEvidence, TcpState};
use std::io;

/// The error-code family of an operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    /// Linux errno values.
    Linux,
    /// macOS / BSD errno values.
    MacOs,
    /// Windows Sockets (WSA) codes.
    Windows,
}

impl Platform {
    /// The platform this binary runs on.
    pub(crate) fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd"
        )) {
            Platform::MacOs
        } else {
            Platform::Linux
        }
    }
}

/// (code, name, state) for each connect error that has a meaning for us.
const LINUX: &[(i32, &str, TcpState)] = &[
    (1, "EPERM", TcpState::Denied),
    (13, "EACCES", TcpState::Denied),
    (99, "EADDRNOTAVAIL", TcpState::Unreachable),
    (100, "ENETDOWN", TcpState::Unreachable),
    (101, "ENETUNREACH", TcpState::Unreachable),
    (104, "ECONNRESET", TcpState::Refused),
    (110, "ETIMEDOUT", TcpState::Filtered),
    (111, "ECONNREFUSED", TcpState::Refused),
    (112, "EHOSTDOWN", TcpState::Unreachable),
    (113, "EHOSTUNREACH", TcpState::Unreachable),
];

const MACOS: &[(i32, &str, TcpState)] = &[
    (1, "EPERM", TcpState::Denied),
    (13, "EACCES", TcpState::Denied),
    (49, "EADDRNOTAVAIL", TcpState::Unreachable),
    (50, "ENETDOWN", TcpState::Unreachable),
    (51, "ENETUNREACH", TcpState::Unreachable),
    (54, "ECONNRESET", TcpState::Refused),
    (60, "ETIMEDOUT", TcpState::Filtered),
    (61, "ECONNREFUSED", TcpState::Refused),
    (64, "EHOSTDOWN", TcpState::Unreachable),
    (65, "EHOSTUNREACH", TcpState::Unreachable),
];

const WINDOWS: &[(i32, &str, TcpState)] = &[
    (10013, "WSAEACCES", TcpState::Denied),
    (10049, "WSAEADDRNOTAVAIL", TcpState::Unreachable),
    (10050, "WSAENETDOWN", TcpState::Unreachable),
    (10051, "WSAENETUNREACH", TcpState::Unreachable),
    (10054, "WSAECONNRESET", TcpState::Refused),
    (10060, "WSAETIMEDOUT", TcpState::Filtered),
    (10061, "WSAECONNREFUSED", TcpState::Refused),
    (10064, "WSAEHOSTDOWN", TcpState::Unreachable),
    (10065, "WSAEHOSTUNREACH", TcpState::Unreachable),
];

/// (code, name) of the errors that mean this machine ran out of something (descriptors,
/// buffers, memory), not that the network answered anything.
const LOCAL: &[(Platform, i32, &str)] = &[
    (Platform::Linux, 12, "ENOMEM"),
    (Platform::Linux, 23, "ENFILE"),
    (Platform::Linux, 24, "EMFILE"),
    (Platform::Linux, 105, "ENOBUFS"),
    (Platform::MacOs, 12, "ENOMEM"),
    (Platform::MacOs, 23, "ENFILE"),
    (Platform::MacOs, 24, "EMFILE"),
    (Platform::MacOs, 55, "ENOBUFS"),
    (Platform::Windows, 10024, "WSAEMFILE"),
    (Platform::Windows, 10055, "WSAENOBUFS"),
];

/// The name of a local resource error on `platform` (see [`LOCAL`]).
fn local_resource(platform: Platform, code: Option<i32>) -> Option<&'static str> {
    LOCAL
        .iter()
        .find(|(p, c, _)| *p == platform && Some(*c) == code)
        .map(|(_, _, name)| *name)
}

/// True when `err` means this machine ran out of descriptors or buffers.
pub(crate) fn is_local_resource(platform: Platform, err: &io::Error) -> bool {
    local_resource(platform, err.raw_os_error()).is_some()
        || err.kind() == io::ErrorKind::OutOfMemory
}

fn table(platform: Platform) -> &'static [(i32, &'static str, TcpState)] {
    match platform {
        Platform::Linux => LINUX,
        Platform::MacOs => MACOS,
        Platform::Windows => WINDOWS,
    }
}

/// Classifies a failed connect by its raw OS code on `platform`, falling back to the portable
/// `io::ErrorKind` when the code is unknown. `None` means the error says nothing about the
/// network path (e.g. out of file descriptors) and must be reported as it is.
pub(crate) fn classify(
    platform: Platform,
    raw: Option<i32>,
    kind: io::ErrorKind,
) -> Option<TcpState> {
    if let Some(code) = raw {
        if let Some(&(_, _, state)) = table(platform).iter().find(|(c, _, _)| *c == code) {
            return Some(state);
        }
    }
    match kind {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
            Some(TcpState::Refused)
        }
        io::ErrorKind::TimedOut => Some(TcpState::Filtered),
        io::ErrorKind::PermissionDenied => Some(TcpState::Denied),
        io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NetworkDown
        | io::ErrorKind::AddrNotAvailable => Some(TcpState::Unreachable),
        _ => None,
    }
}

/// The evidence to keep for an OS error on `platform`.
pub(crate) fn evidence(platform: Platform, err: &io::Error) -> OsErrorEvidence {
    let code = err.raw_os_error();
    let name = code.and_then(|c| {
        table(platform)
            .iter()
            .find(|(k, _, _)| *k == c)
            .map(|(_, n, _)| n.to_string())
            .or_else(|| local_resource(platform, Some(c)).map(str::to_string))
    });
    OsErrorEvidence {
        code,
        name: name.or_else(|| Some(format!("{:?}", err.kind()))),
        local_resource: is_local_resource(platform, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io::ErrorKind as K;

    #[test]
    fn raw_codes_map_per_platform() {
        let cases: &[(Platform, i32, Option<TcpState>)] = &[
            (Platform::Windows, 10060, Some(TcpState::Filtered)),
            (Platform::Windows, 10061, Some(TcpState::Refused)),
            (Platform::Windows, 10013, Some(TcpState::Denied)),
            (Platform::Windows, 10051, Some(TcpState::Unreachable)),
            (Platform::Windows, 10065, Some(TcpState::Unreachable)),
            (Platform::Windows, 10054, Some(TcpState::Refused)),
            (Platform::Linux, 110, Some(TcpState::Filtered)),
            (Platform::Linux, 111, Some(TcpState::Refused)),
            (Platform::Linux, 113, Some(TcpState::Unreachable)),
            (Platform::Linux, 101, Some(TcpState::Unreachable)),
            (Platform::Linux, 1, Some(TcpState::Denied)),
            (Platform::Linux, 13, Some(TcpState::Denied)),
            (Platform::MacOs, 60, Some(TcpState::Filtered)),
            (Platform::MacOs, 61, Some(TcpState::Refused)),
            (Platform::MacOs, 65, Some(TcpState::Unreachable)),
            // 61 is ENODATA on Linux: it must not read as "refused" there.
            (Platform::Linux, 61, None),
            (Platform::Linux, 24, None), // EMFILE: says nothing about the network
        ];
        for &(platform, code, want) in cases {
            assert_eq!(
                classify(platform, Some(code), K::Other),
                want,
                "{platform:?} code {code}"
            );
        }
    }

    #[test]
    fn kind_is_the_fallback_without_a_known_code() {
        assert_eq!(
            classify(Platform::Linux, None, K::ConnectionRefused),
            Some(TcpState::Refused)
        );
        assert_eq!(
            classify(Platform::Windows, Some(1), K::TimedOut),
            Some(TcpState::Filtered)
        );
        assert_eq!(
            classify(Platform::Linux, None, K::PermissionDenied),
            Some(TcpState::Denied)
        );
        assert_eq!(classify(Platform::Linux, None, K::OutOfMemory), None);
    }

    /// Regression: EMFILE under `--targets` read as "a local firewall blocks this program".
    #[test]
    fn running_out_of_descriptors_is_local_not_a_network_state() {
        for (platform, code, name) in [
            (Platform::Linux, 24, "EMFILE"),
            (Platform::Linux, 23, "ENFILE"),
            (Platform::Linux, 105, "ENOBUFS"),
            (Platform::MacOs, 55, "ENOBUFS"),
            (Platform::Windows, 10024, "WSAEMFILE"),
            (Platform::Windows, 10055, "WSAENOBUFS"),
        ] {
            let err = io::Error::from_raw_os_error(code);
            assert!(is_local_resource(platform, &err), "{name}");
            let ev = evidence(platform, &err);
            assert!(
                ev.local_resource && ev.name.as_deref() == Some(name),
                "{ev:?}"
            );
            assert_eq!(classify(platform, Some(code), K::Other), None, "{name}");
        }
        assert!(!is_local_resource(
            Platform::Linux,
            &io::Error::from_raw_os_error(111)
        ));
    }

    #[test]
    fn evidence_names_the_code() {
        let err = io::Error::from_raw_os_error(10060);
        let ev = evidence(Platform::Windows, &err);
        assert_eq!(ev.code, Some(10060));
        assert_eq!(ev.name.as_deref(), Some("WSAETIMEDOUT"));
    }
}
