//! Exact settings for a fix, in the names of the application's framework, and the snippet to
//! paste. Django is the default (docs/CONTRACT.md's keys). Each framework's file holds the names it
//! reads, the settings of a fix in its types, and its snippet; this file holds the enum and the
//! dispatch. `settings/` reads the names from here.

use crate::model::Security;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) mod django;
pub(crate) mod dotnet;
pub(crate) mod email_url;
pub(crate) mod flask;
pub(crate) mod laravel;
pub(crate) mod node;
pub(crate) mod phpmailer;
pub(crate) mod rails;
pub(crate) mod spring;
mod value;

pub use value::{SettingValue, Settings, ValueKind};

/// The frameworks whose setting names we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// Django `settings.py` (`EMAIL_USE_TLS` is STARTTLS, `EMAIL_USE_SSL` implicit TLS).
    #[default]
    Django,
    /// Flask-Mail (`MAIL_USE_TLS` / `MAIL_USE_SSL`).
    Flask,
    /// Laravel `.env` (`MAIL_SCHEME` since Laravel 11, `MAIL_ENCRYPTION` before).
    Laravel,
    /// Rails ActionMailer `smtp_settings`.
    Rails,
    /// Node.js nodemailer (`secure` / `requireTLS`).
    Node,
    /// Spring Boot `spring.mail.*`.
    Spring,
    /// .NET MailKit (`SecureSocketOptions`).
    Dotnet,
    /// PHPMailer (`SMTPSecure`).
    Phpmailer,
    /// A generic `EMAIL_URL` (django-environ / dj-email-url form).
    Url,
}

impl Framework {
    /// Every framework, for help texts and tests.
    pub const ALL: &'static [Framework] = &[
        Framework::Django,
        Framework::Flask,
        Framework::Laravel,
        Framework::Rails,
        Framework::Node,
        Framework::Spring,
        Framework::Dotnet,
        Framework::Phpmailer,
        Framework::Url,
    ];

    /// The names this framework reads host, port and credentials from.
    pub(crate) fn names(self) -> &'static Names {
        &self.spec().names
    }

    fn spec(self) -> &'static Spec {
        match self {
            Framework::Django => &django::SPEC,
            Framework::Flask => &flask::SPEC,
            Framework::Laravel => &laravel::SPEC,
            Framework::Rails => &rails::SPEC,
            Framework::Node => &node::SPEC,
            Framework::Spring => &spring::SPEC,
            Framework::Dotnet => &dotnet::SPEC,
            Framework::Phpmailer => &phpmailer::SPEC,
            Framework::Url => &email_url::SPEC,
        }
    }

    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// Where the settings live, for the report.
    pub fn settings_file(self) -> &'static str {
        self.spec().settings_file
    }

    /// The code-fence language of the snippet.
    pub fn snippet_lang(self) -> &'static str {
        self.spec().snippet_lang
    }
}

impl std::str::FromStr for Framework {
    type Err = String;
    fn from_str(s: &str) -> Result<Framework, String> {
        let s = s.to_ascii_lowercase();
        Framework::ALL
            .iter()
            .copied()
            .find(|f| {
                f.as_str() == s
                    || (s == "nodemailer" && *f == Framework::Node)
                    || (s == "mailkit" && *f == Framework::Dotnet)
            })
            .ok_or_else(|| {
                let names: Vec<&str> = Framework::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown framework {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The names a framework reads the server and the credentials from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Names {
    /// The server's host name.
    pub host: &'static str,
    /// The port.
    pub port: &'static str,
    /// The login user.
    pub user: &'static str,
    /// The login password.
    pub password: &'static str,
}

/// What one framework's file provides.
struct Spec {
    name: &'static str,
    settings_file: &'static str,
    snippet_lang: &'static str,
    names: Names,
    /// The key a host fix names (for `url`, the host part of `EMAIL_URL`).
    host_key: &'static str,
    port_settings: fn(host: &str, user: Option<&str>, port: u16, security: Security) -> Settings,
    snippet: fn(&Settings) -> String,
    /// The executable that sends, on Windows (for a firewall rule).
    windows_program: &'static str,
    /// Where the sender address (MAIL FROM) is set.
    sender: &'static str,
    tls_and_timeout: TlsAndTimeoutNames,
}

/// The executable of `fw`'s runtime on Windows (`python.exe`, `node.exe`, …).
pub(crate) fn windows_program(fw: Framework) -> &'static str {
    fw.spec().windows_program
}

/// Where `fw` sets the sender address (MAIL FROM).
pub(crate) fn sender_setting(fw: Framework) -> &'static str {
    fw.spec().sender
}

/// The names of a framework's TLS-mode and timeout settings, for the findings about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TlsAndTimeoutNames {
    /// What turns STARTTLS on.
    pub starttls: &'static str,
    /// What turns implicit TLS on.
    pub implicit_tls: &'static str,
    /// How the framework's mail library times out, and how to make it.
    pub timeout: Timeout,
}

/// How a framework's mail library behaves when the server stops answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeout {
    /// It waits forever unless this setting is set; `example` is a sensible value in the
    /// setting's unit (seconds or milliseconds).
    Setting {
        /// The setting.
        name: &'static str,
        /// A sensible value.
        example: u32,
    },
    /// It waits forever and has no setting: the fix is this line of code at start-up.
    InCode {
        /// The line.
        code: &'static str,
    },
    /// It gives up on its own after this long (nothing to set).
    Bounded {
        /// The default, in words.
        default: &'static str,
    },
}

/// The names of `fw`'s TLS-mode and timeout settings.
pub(crate) fn tls_and_timeout_names(fw: Framework) -> TlsAndTimeoutNames {
    fw.spec().tls_and_timeout
}

/// The same, for the login `user` where the fix spells it (an `EMAIL_URL`).
pub(crate) fn port_settings_for(
    fw: Framework,
    host: &str,
    user: Option<&str>,
    port: u16,
    security: Security,
) -> Settings {
    (fw.spec().port_settings)(host, user, port, security)
}

/// The settings key for the host name.
pub(crate) fn host_settings(fw: Framework, host: &str) -> Settings {
    BTreeMap::from([(fw.spec().host_key.to_string(), SettingValue::str(host))])
}

/// The settings as code to paste, in the framework's own syntax, each value quoted by its kind.
pub fn snippet(fw: Framework, settings: &Settings) -> String {
    (fw.spec().snippet)(settings)
}

/// How most frameworks spell the mode: the port, and one boolean for implicit TLS and one for
/// STARTTLS, written the framework's way (`flag`).
fn port_and_flags(
    port_key: &str,
    port: u16,
    security: Security,
    [implicit, starttls]: [&str; 2],
    flag: fn(bool) -> SettingValue,
) -> Settings {
    Settings::from([
        (port_key.into(), SettingValue::port(port)),
        (implicit.into(), flag(security == Security::ImplicitTls)),
        (starttls.into(), flag(security == Security::Starttls)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings to use `port` with `security` on `host`, no login user.
    fn port_settings(fw: Framework, host: &str, port: u16, security: Security) -> Settings {
        port_settings_for(fw, host, None, port, security)
    }

    #[test]
    fn django_keys_follow_the_contract() {
        let s = port_settings(Framework::Django, "h", 465, Security::ImplicitTls);
        assert_eq!(s["EMAIL_PORT"], "465");
        assert_eq!(s["EMAIL_USE_SSL"], "True");
        assert_eq!(s["EMAIL_USE_TLS"], "False");
        let s = port_settings(Framework::Django, "h", 587, Security::Starttls);
        assert_eq!(
            (s["EMAIL_USE_TLS"].as_str(), s["EMAIL_USE_SSL"].as_str()),
            ("True", "False")
        );
    }

    #[test]
    fn every_framework_names_the_port_and_mode() {
        for &fw in Framework::ALL {
            for (port, sec) in [(465, Security::ImplicitTls), (587, Security::Starttls)] {
                let s = port_settings(fw, "smtp.gmail.com", port, sec);
                let all: String = s.iter().map(|(k, v)| format!("{k}={v};")).collect();
                assert!(all.contains(&port.to_string()), "{fw:?}: {all}");
                assert!(!snippet(fw, &s).is_empty());
            }
            assert_eq!(fw.as_str().parse::<Framework>(), Ok(fw));
        }
        assert!("cobol".parse::<Framework>().is_err());
    }

    #[test]
    fn framework_specific_spellings() {
        let node = port_settings(Framework::Node, "h", 465, Security::ImplicitTls);
        assert_eq!(
            (node["secure"].as_str(), node["requireTLS"].as_str()),
            ("true", "false")
        );
        let laravel = port_settings(Framework::Laravel, "h", 587, Security::Starttls);
        assert_eq!(laravel["MAIL_ENCRYPTION"], "tls");
        let dotnet = port_settings(Framework::Dotnet, "h", 465, Security::ImplicitTls);
        assert_eq!(
            snippet(Framework::Dotnet, &dotnet),
            "client.Connect(host, 465, SecureSocketOptions.SslOnConnect);\n"
        );
        // Regression: never a placeholder that looks like real credentials; the user's
        // own name, percent-encoded, when it is known.
        let url = port_settings(Framework::Url, "smtp.gmail.com", 465, Security::ImplicitTls);
        assert_eq!(
            url["EMAIL_URL"],
            "smtp+ssl://<user>:<current-password>@smtp.gmail.com:465"
        );
        let url = port_settings_for(
            Framework::Url,
            "smtp.gmail.com",
            Some("me@example.com"),
            465,
            Security::ImplicitTls,
        );
        assert_eq!(
            url["EMAIL_URL"],
            "smtp+ssl://me%40example.com:<current-password>@smtp.gmail.com:465"
        );
        let django = port_settings(Framework::Django, "h", 465, Security::ImplicitTls);
        assert_eq!(
            snippet(Framework::Django, &django),
            "EMAIL_PORT = 465\nEMAIL_USE_SSL = True\nEMAIL_USE_TLS = False\n"
        );
    }

    #[test]
    fn snippets_quote_by_kind_not_by_text() {
        let php = port_settings(Framework::Phpmailer, "h", 25, Security::Plain);
        assert_eq!(
            snippet(Framework::Phpmailer, &php),
            "$mail->Port = 25;\n$mail->SMTPSecure = '';\n"
        );
        // A string that looks like a number or a boolean is still a string.
        let odd = Settings::from([
            ("EMAIL_HOST".to_string(), SettingValue::str("True")),
            ("EMAIL_PORT".to_string(), SettingValue::port(25)),
        ]);
        assert_eq!(
            snippet(Framework::Django, &odd),
            "EMAIL_HOST = \"True\"\nEMAIL_PORT = 25\n"
        );
        let host = host_settings(Framework::Rails, "a\"#{b}");
        assert!(snippet(Framework::Rails, &host).contains(r#"address: "a\"\#{b}","#));
        let laravel = port_settings(Framework::Laravel, "h", 25, Security::Plain);
        assert_eq!(laravel["MAIL_ENCRYPTION"].kind(), ValueKind::Code);
        assert_eq!(host_settings(Framework::Url, "h")["EMAIL_URL host"], "h");
    }

    /// Regression: a value that holds a line end, quotes or `$` must stay one value on one line
    /// in every framework's snippet, quoted by that language's rules.
    #[test]
    fn no_value_can_add_a_line_to_a_snippet() {
        let hostile = "h.test\"\r\nimport os; os.system('x') #$HOME\u{2028}`\n";
        for &fw in Framework::ALL {
            let settings = host_settings(fw, hostile);
            let code = snippet(fw, &settings);
            assert!(
                code.lines().all(|l| !l.trim_start().starts_with("import")),
                "{fw:?}: {code}"
            );
            assert!(
                !code.contains('\r') && !code.contains('\u{2028}'),
                "{fw:?}: {code}"
            );
        }
    }
}
