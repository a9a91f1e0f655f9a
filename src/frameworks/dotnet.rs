//! .NET MailKit: `SmtpClient.Connect(host, port, SecureSocketOptions)`.

use super::{Names, SettingValue, Settings, Spec};
use crate::model::Security;

/// The `SecureSocketOptions` member (`SslOnConnect`, `StartTls`, `None`).
pub(crate) const SECURE_SOCKET_OPTIONS: &str = "SecureSocketOptions";

/// The names of `Connect`'s arguments and of the credentials.
pub(crate) const NAMES: Names = Names {
    host: "Host",
    port: "Port",
    user: "UserName",
    password: "Password",
};

pub(super) const SPEC: Spec = Spec {
    name: "dotnet",
    settings_file: "SmtpClient.Connect(...)",
    snippet_lang: "csharp",
    names: NAMES,
    host_key: NAMES.host,
    port_settings,
    snippet,
    windows_program: "dotnet.exe",
    sender: "the From address of the MimeMessage",
    tls_and_timeout: super::TlsAndTimeoutNames {
        starttls: "SecureSocketOptions.StartTls",
        implicit_tls: "SecureSocketOptions.SslOnConnect",
        timeout: super::Timeout::Bounded {
            default: "2 min (MailKit Timeout)",
        },
    },
};

fn port_settings(_host: &str, _user: Option<&str>, port: u16, security: Security) -> Settings {
    let option = match security {
        Security::ImplicitTls => "SslOnConnect",
        Security::Starttls => "StartTls",
        Security::Plain => "None",
    };
    Settings::from([
        (NAMES.port.into(), SettingValue::port(port)),
        (SECURE_SOCKET_OPTIONS.into(), SettingValue::code(option)),
    ])
}

fn snippet(settings: &Settings) -> String {
    let port = settings
        .get(NAMES.port)
        .map(|p| p.to_string())
        .unwrap_or_default();
    match settings.get(SECURE_SOCKET_OPTIONS) {
        Some(opt) => format!("client.Connect(host, {port}, SecureSocketOptions.{opt});\n"),
        None => settings
            .iter()
            .map(|(k, v)| {
                format!(
                    "// {k} = {}\n",
                    super::value::double_quoted(v.as_str(), &[])
                )
            })
            .collect(),
    }
}
