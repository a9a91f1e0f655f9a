//! Spring Boot `spring.mail.*` (JavaMail properties under `spring.mail.properties.mail.smtp`).

use super::{Names, SettingValue, Settings, Spec};
use crate::model::Security;

/// Every Spring mail setting starts with this.
pub(crate) const PREFIX: &str = "spring.mail.";
/// STARTTLS (`true` / `false`).
pub(crate) const STARTTLS_ENABLE: &str = "spring.mail.properties.mail.smtp.starttls.enable";
/// STARTTLS or fail (`true` / `false`).
pub(crate) const STARTTLS_REQUIRED: &str = "spring.mail.properties.mail.smtp.starttls.required";
/// Implicit TLS (`true` / `false`).
pub(crate) const SSL_ENABLE: &str = "spring.mail.properties.mail.smtp.ssl.enable";
/// Read timeout in milliseconds.
pub(crate) const TIMEOUT_MS: &str = "spring.mail.properties.mail.smtp.timeout";

/// The names Spring Boot reads.
pub(crate) const NAMES: Names = Names {
    host: "spring.mail.host",
    port: "spring.mail.port",
    user: "spring.mail.username",
    password: "spring.mail.password",
};

pub(super) const SPEC: Spec = Spec {
    name: "spring",
    settings_file: "application.properties",
    snippet_lang: "properties",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet: super::laravel::properties_snippet,
    windows_program: "java.exe",
    sender: "the From address of the MimeMessage (setFrom)",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: STARTTLS_ENABLE,
        implicit_tls: SSL_ENABLE,
        timeout: super::Timeout::Setting {
            name: TIMEOUT_MS,
            example: 10000,
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    let implicit = security == Security::ImplicitTls;
    let starttls = security == Security::Starttls;
    Settings::from([
        (NAMES.port.into(), SettingValue::port(port)),
        (SSL_ENABLE.into(), SettingValue::lower_bool(implicit)),
        (STARTTLS_ENABLE.into(), SettingValue::lower_bool(starttls)),
        (STARTTLS_REQUIRED.into(), SettingValue::lower_bool(starttls)),
    ])
}
