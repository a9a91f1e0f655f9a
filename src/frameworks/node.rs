//! Node.js nodemailer: `secure` is implicit TLS, `requireTLS` STARTTLS.

use super::value::double_quoted;
use super::{Names, SettingValue, Settings, Spec, ValueKind};
use crate::model::Security;

/// Implicit TLS (`true` / `false`).
pub(crate) const SECURE: &str = "secure";
/// STARTTLS required (`true` / `false`).
pub(crate) const REQUIRE_TLS: &str = "requireTLS";
/// Never use STARTTLS, even when offered.
pub(crate) const IGNORE_TLS: &str = "ignoreTLS";

/// The options of `createTransport`.
pub(crate) const NAMES: Names = Names {
    host: "host",
    port: "port",
    user: "auth.user",
    password: "auth.pass",
};

pub(super) const SPEC: Spec = Spec {
    name: "node",
    settings_file: "nodemailer.createTransport({...})",
    snippet_lang: "js",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet,
    windows_program: "node.exe",
    sender: "from (in sendMail)",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: REQUIRE_TLS,
        implicit_tls: SECURE,
        timeout: super::Timeout::Bounded {
            default: "2 min to connect, 30 s for the greeting (nodemailer)",
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    let mut settings = super::port_and_flags(
        NAMES.port,
        port,
        security,
        [SECURE, REQUIRE_TLS],
        SettingValue::lower_bool,
    );
    // `ignoreTLS: true` (TLS turned off) beats `requireTLS`: a TLS fix turns it back off.
    settings.insert(
        IGNORE_TLS.into(),
        SettingValue::lower_bool(security == Security::Plain),
    );
    settings
}

fn snippet(settings: &Settings) -> String {
    let mut out = String::from("nodemailer.createTransport({\n");
    for (k, v) in settings {
        let v = match v.kind() {
            ValueKind::Str => double_quoted(v.as_str(), &[]),
            _ => v.to_string(),
        };
        out.push_str(&format!("  {k}: {v},\n"));
    }
    out.push_str("  // keep host and auth as they are\n});\n");
    out
}
