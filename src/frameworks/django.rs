//! Django `settings.py`: `EMAIL_USE_TLS` is STARTTLS, `EMAIL_USE_SSL` implicit TLS. These are
//! also docs/CONTRACT.md's keys, used when no settings source was read.

use super::value::double_quoted;
use super::{Names, SettingValue, Settings, Spec, ValueKind};
use crate::model::Security;

/// Every Django email setting starts with this.
pub(crate) const PREFIX: &str = "EMAIL_";
/// STARTTLS (`True` / `False`).
pub(crate) const USE_TLS: &str = "EMAIL_USE_TLS";
/// Implicit TLS (`True` / `False`).
pub(crate) const USE_SSL: &str = "EMAIL_USE_SSL";
/// Timeout in seconds; unset means Django waits forever.
pub(crate) const TIMEOUT: &str = "EMAIL_TIMEOUT";
/// The mail backend class.
pub(crate) const BACKEND: &str = "EMAIL_BACKEND";

/// The names Django reads.
pub(crate) const NAMES: Names = Names {
    host: "EMAIL_HOST",
    port: "EMAIL_PORT",
    user: "EMAIL_HOST_USER",
    password: "EMAIL_HOST_PASSWORD",
};

pub(super) const SPEC: Spec = Spec {
    name: "django",
    settings_file: "settings.py",
    snippet_lang: "python",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet: python_snippet,
    windows_program: "python.exe",
    sender: "DEFAULT_FROM_EMAIL",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: USE_TLS,
        implicit_tls: USE_SSL,
        timeout: super::Timeout::Setting {
            name: TIMEOUT,
            example: 10,
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    super::port_and_flags(
        NAMES.port,
        port,
        security,
        [USE_SSL, USE_TLS],
        SettingValue::python_bool,
    )
}

/// `NAME = value` lines, strings as Python string literals (Django and Flask).
pub(super) fn python_snippet(settings: &Settings) -> String {
    let mut out = String::new();
    for (k, v) in settings {
        let v = match v.kind() {
            ValueKind::Str => double_quoted(v.as_str(), &[]),
            _ => v.to_string(),
        };
        out.push_str(&format!("{k} = {v}\n"));
    }
    out
}
