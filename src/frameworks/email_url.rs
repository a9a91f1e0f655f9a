//! A generic `EMAIL_URL` (django-environ / dj-email-url form). Its discrete overrides are
//! Django's names.

use super::{SettingValue, Settings, Spec};
use crate::model::Security;

/// The variable that holds the URL.
pub(crate) const EMAIL_URL: &str = "EMAIL_URL";

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
pub(crate) fn scheme(security: Security) -> &'static str {
    match security {
        Security::ImplicitTls => "smtp+ssl",
        Security::Starttls => "smtp+tls",
        Security::Plain => "smtp",
    }
}

/// Stands for the password in a URL fix: it is never printed, and a placeholder that looks
/// like a password would be pasted as one.
pub(crate) const KEEP_PASSWORD: &str = "<current-password>";

/// The URL to use: the login user's own name (percent-encoded, as the URL needs it) and the
/// password left as [`KEEP_PASSWORD`] for the user to keep from the current URL.
fn port_settings(host: &str, user: Option<&str>, port: u16, security: Security) -> Settings {
    let scheme = scheme(security);
    let userinfo = match user {
        Some(u) => format!(
            "{}:{KEEP_PASSWORD}@",
            percent_encoding::utf8_percent_encode(u, USERINFO)
        ),
        None => format!("<user>:{KEEP_PASSWORD}@"),
    };
    Settings::from([(
        EMAIL_URL.into(),
        SettingValue::str(format!("{scheme}://{userinfo}{host}:{port}")),
    )])
}

/// What must be escaped in a URL's user name (RFC 3986 userinfo: `:` and `@` above all).
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
