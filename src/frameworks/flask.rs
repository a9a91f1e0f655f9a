//! Flask-Mail: `MAIL_USE_TLS` is STARTTLS, `MAIL_USE_SSL` implicit TLS.

use super::{Names, SettingValue, Settings, Spec};
use crate::model::Security;

/// STARTTLS (`True` / `False`).
pub(crate) const USE_TLS: &str = "MAIL_USE_TLS";
/// Implicit TLS (`True` / `False`).
pub(crate) const USE_SSL: &str = "MAIL_USE_SSL";

/// The names Flask-Mail reads.
pub(crate) const NAMES: Names = Names {
    host: "MAIL_SERVER",
    port: "MAIL_PORT",
    user: "MAIL_USERNAME",
    password: "MAIL_PASSWORD",
};

pub(super) const SPEC: Spec = Spec {
    name: "flask",
    settings_file: "config.py",
    snippet_lang: "python",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet: super::django::python_snippet,
    windows_program: "python.exe",
    sender: "MAIL_DEFAULT_SENDER",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: USE_TLS,
        implicit_tls: USE_SSL,
        timeout: super::Timeout::InCode {
            code: "socket.setdefaulttimeout(10)",
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
