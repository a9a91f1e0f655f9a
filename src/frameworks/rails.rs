//! Rails ActionMailer `smtp_settings`: `tls` is implicit TLS, `enable_starttls_auto` STARTTLS.

use super::value::double_quoted;
use super::{Names, SettingValue, Settings, Spec, ValueKind};
use crate::model::Security;

/// Implicit TLS (`true` / `false`).
pub(crate) const TLS: &str = "tls";
/// STARTTLS when offered (`true` / `false`).
pub(crate) const STARTTLS_AUTO: &str = "enable_starttls_auto";

/// The keys of `smtp_settings`.
pub(crate) const NAMES: Names = Names {
    host: "address",
    port: "port",
    user: "user_name",
    password: "password",
};

pub(super) const SPEC: Spec = Spec {
    name: "rails",
    settings_file: "config/environments/production.rb",
    snippet_lang: "ruby",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet,
    windows_program: "ruby.exe",
    sender: "default from: (ActionMailer)",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: STARTTLS_AUTO,
        implicit_tls: TLS,
        timeout: super::Timeout::Bounded {
            default: "5 s to connect and per read (mail gem)",
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    super::port_and_flags(
        NAMES.port,
        port,
        security,
        [TLS, STARTTLS_AUTO],
        SettingValue::lower_bool,
    )
}

fn snippet(settings: &Settings) -> String {
    let mut out = String::from("config.action_mailer.smtp_settings = {\n");
    for (k, v) in settings {
        let v = match v.kind() {
            // `#` too: `#{` interpolates in a Ruby double-quoted string.
            ValueKind::Str => double_quoted(v.as_str(), &['#']),
            _ => v.to_string(),
        };
        out.push_str(&format!("  {k}: {v},\n"));
    }
    out.push_str("  # keep address, user_name, password, authentication as they are\n}\n");
    out
}
