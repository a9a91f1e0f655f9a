//! A generic `EMAIL_URL` (django-environ / dj-email-url form). Its discrete overrides are
//! Django's names.

use super::{SettingValue, Settings, Spec};
use crate::model::Security;

/// The variable that holds the URL.
pub const EMAIL_URL: &str = "EMAIL_URL";

pub(super) const SPEC: Spec = Spec {
    name: "url",
    settings_file: ".env",
    snippet_lang: "dotenv",
    names: super::django::NAMES,
    host_key: "EMAIL_URL host",
    port_settings,
    snippet: super::laravel::dotenv_snippet,
    windows_program: "python.exe",
    sender: "DEFAULT_FROM_EMAIL",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: "smtp+tls://",
        implicit_tls: "smtp+ssl://",
        timeout: super::Timeout::Setting {
            name: super::django::TIMEOUT,
            example: 10,
        },
    },
};

/// The scheme that means `security` (django-environ: only `smtp+ssl` is implicit TLS).
pub fn scheme(security: Security) -> &'static str {
    match security {
        Security::ImplicitTls => "smtp+ssl",
        Security::Starttls => "smtp+tls",
        Security::Plain => "smtp",
    }
}

fn port_settings(host: &str, port: u16, security: Security) -> Settings {
    let scheme = scheme(security);
    Settings::from([(
        EMAIL_URL.into(),
        SettingValue::str(format!("{scheme}://USER:PASSWORD@{host}:{port}")),
    )])
}
