//! PHPMailer: `$mail->SMTPSecure` (`PHPMailer::ENCRYPTION_SMTPS` is implicit TLS,
//! `PHPMailer::ENCRYPTION_STARTTLS` STARTTLS).

use super::{Names, SettingValue, Settings, Spec, ValueKind};
use crate::model::Security;

/// The encryption property.
pub(crate) const SMTP_SECURE: &str = "SMTPSecure";

/// PHPMailer's properties.
pub(crate) const NAMES: Names = Names {
    host: "Host",
    port: "Port",
    user: "Username",
    password: "Password",
};

pub(super) const SPEC: Spec = Spec {
    name: "phpmailer",
    settings_file: "$mail = new PHPMailer(true);",
    snippet_lang: "php",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet,
    windows_program: "php.exe",
    sender: "setFrom()",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: "PHPMailer::ENCRYPTION_STARTTLS",
        implicit_tls: "PHPMailer::ENCRYPTION_SMTPS",
        timeout: super::Timeout::Bounded {
            default: "300 s (PHPMailer Timeout)",
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    let secure = match security {
        Security::ImplicitTls => SettingValue::code("PHPMailer::ENCRYPTION_SMTPS"),
        Security::Starttls => SettingValue::code("PHPMailer::ENCRYPTION_STARTTLS"),
        Security::Plain => SettingValue::str(""),
    };
    Settings::from([
        (NAMES.port.into(), SettingValue::port(port)),
        (SMTP_SECURE.into(), secure),
    ])
}

/// A PHP single-quoted literal: nothing is interpolated; only `\` and `'` are escaped. A value
/// with a control, bidi or invisible character is written double-quoted instead, those as
/// `\u{…}` (PHP 7) and `$` escaped, so it cannot end its line.
fn single_quoted(s: &str) -> String {
    if !s.chars().any(super::value::needs_unicode_escape) {
        return format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    }
    super::value::dollar_quoted(s, |c| format!("\\u{{{:x}}}", c as u32))
}

fn snippet(settings: &Settings) -> String {
    let mut out = String::new();
    for (k, v) in settings {
        let v = match v.kind() {
            ValueKind::Str => single_quoted(v.as_str()),
            _ => v.to_string(),
        };
        out.push_str(&format!("$mail->{k} = {v};\n"));
    }
    out
}
