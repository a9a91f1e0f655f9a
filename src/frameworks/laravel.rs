//! Laravel `.env`: `MAIL_SCHEME` (`smtp` / `smtps`, Laravel 11 and later) and
//! `MAIL_ENCRYPTION` (`tls` / `ssl` / `null`, before).

use super::{Names, SettingValue, Settings, Spec};
use crate::model::Security;

/// `smtp` or `smtps` (implicit TLS), Laravel 11 and later.
pub(crate) const SCHEME: &str = "MAIL_SCHEME";
/// `tls`, `ssl` or `null`, before Laravel 11.
pub(crate) const ENCRYPTION: &str = "MAIL_ENCRYPTION";

/// The names Laravel reads.
pub(crate) const NAMES: Names = Names {
    host: "MAIL_HOST",
    port: "MAIL_PORT",
    user: "MAIL_USERNAME",
    password: "MAIL_PASSWORD",
};

pub(super) const SPEC: Spec = Spec {
    name: "laravel",
    settings_file: ".env",
    snippet_lang: "dotenv",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet: dotenv_snippet,
    windows_program: "php.exe",
    sender: "MAIL_FROM_ADDRESS",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: "MAIL_ENCRYPTION=tls",
        implicit_tls: "MAIL_SCHEME=smtps",
        timeout: super::Timeout::Bounded {
            default: "60 s (PHP default_socket_timeout)",
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    let scheme = match security {
        Security::ImplicitTls => "smtps",
        Security::Starttls | Security::Plain => "smtp",
    };
    let encryption = match security {
        Security::ImplicitTls => SettingValue::str("ssl"),
        Security::Starttls => SettingValue::str("tls"),
        Security::Plain => SettingValue::code("null"),
    };
    Settings::from([
        (NAMES.port.into(), SettingValue::port(port)),
        (SCHEME.into(), SettingValue::str(scheme)),
        (ENCRYPTION.into(), encryption),
    ])
}

/// `NAME=value` lines, as dotenv and Java properties files write them.
pub(super) fn dotenv_snippet(settings: &Settings) -> String {
    let mut out = String::new();
    for (k, v) in settings {
        out.push_str(&format!("{k}={}\n", super::value::env_value(v.as_str())));
    }
    out
}

/// `application.properties` lines, each value escaped by `java.util.Properties`' rules.
pub(super) fn properties_snippet(settings: &Settings) -> String {
    let mut out = String::new();
    for (k, v) in settings {
        out.push_str(&format!(
            "{k}={}\n",
            super::value::properties_value(v.as_str())
        ));
    }
    out
}
