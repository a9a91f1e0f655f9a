//! Exact settings for a fix, in the names of the application's framework, and the snippet to
//! paste. Django is the default (CONTRACT.md's keys).

use crate::model::Security;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Django => "django",
            Framework::Flask => "flask",
            Framework::Laravel => "laravel",
            Framework::Rails => "rails",
            Framework::Node => "node",
            Framework::Spring => "spring",
            Framework::Dotnet => "dotnet",
            Framework::Phpmailer => "phpmailer",
            Framework::Url => "url",
        }
    }

    /// Where the settings live, for the report.
    pub fn settings_file(self) -> &'static str {
        match self {
            Framework::Django => "settings.py",
            Framework::Flask => "config.py",
            Framework::Laravel => ".env",
            Framework::Rails => "config/environments/production.rb",
            Framework::Node => "nodemailer.createTransport({...})",
            Framework::Spring => "application.properties",
            Framework::Dotnet => "SmtpClient.Connect(...)",
            Framework::Phpmailer => "$mail = new PHPMailer(true);",
            Framework::Url => ".env",
        }
    }

    /// The code-fence language of the snippet.
    pub fn snippet_lang(self) -> &'static str {
        match self {
            Framework::Django | Framework::Flask => "python",
            Framework::Laravel | Framework::Url => "dotenv",
            Framework::Rails => "ruby",
            Framework::Node => "js",
            Framework::Spring => "properties",
            Framework::Dotnet => "csharp",
            Framework::Phpmailer => "php",
        }
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

fn py_bool(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

fn bool_lower(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

/// The settings keys to change to use `port` with `security` on `host`.
pub fn port_settings(
    fw: Framework,
    host: &str,
    port: u16,
    security: Security,
) -> BTreeMap<String, String> {
    let implicit = security == Security::ImplicitTls;
    let starttls = security == Security::Starttls;
    let pairs: Vec<(&str, String)> = match fw {
        Framework::Django => vec![
            ("EMAIL_PORT", port.to_string()),
            ("EMAIL_USE_SSL", py_bool(implicit)),
            ("EMAIL_USE_TLS", py_bool(starttls)),
        ],
        Framework::Flask => vec![
            ("MAIL_PORT", port.to_string()),
            ("MAIL_USE_SSL", py_bool(implicit)),
            ("MAIL_USE_TLS", py_bool(starttls)),
        ],
        Framework::Laravel => vec![
            ("MAIL_PORT", port.to_string()),
            (
                "MAIL_SCHEME",
                if implicit { "smtps" } else { "smtp" }.to_string(),
            ),
            (
                "MAIL_ENCRYPTION",
                if implicit {
                    "ssl"
                } else if starttls {
                    "tls"
                } else {
                    "null"
                }
                .to_string(),
            ),
        ],
        Framework::Rails => vec![
            ("port", port.to_string()),
            ("tls", bool_lower(implicit)),
            ("enable_starttls_auto", bool_lower(starttls)),
        ],
        Framework::Node => vec![
            ("port", port.to_string()),
            ("secure", bool_lower(implicit)),
            ("requireTLS", bool_lower(starttls)),
        ],
        Framework::Spring => vec![
            ("spring.mail.port", port.to_string()),
            (
                "spring.mail.properties.mail.smtp.ssl.enable",
                bool_lower(implicit),
            ),
            (
                "spring.mail.properties.mail.smtp.starttls.enable",
                bool_lower(starttls),
            ),
            (
                "spring.mail.properties.mail.smtp.starttls.required",
                bool_lower(starttls),
            ),
        ],
        Framework::Dotnet => vec![
            ("Port", port.to_string()),
            (
                "SecureSocketOptions",
                match security {
                    Security::ImplicitTls => "SslOnConnect",
                    Security::Starttls => "StartTls",
                    Security::Plain => "None",
                }
                .to_string(),
            ),
        ],
        Framework::Phpmailer => vec![
            ("Port", port.to_string()),
            (
                "SMTPSecure",
                match security {
                    Security::ImplicitTls => "PHPMailer::ENCRYPTION_SMTPS",
                    Security::Starttls => "PHPMailer::ENCRYPTION_STARTTLS",
                    Security::Plain => "''",
                }
                .to_string(),
            ),
        ],
        Framework::Url => {
            let scheme = match security {
                Security::ImplicitTls => "smtp+ssl",
                Security::Starttls => "smtp+tls",
                Security::Plain => "smtp",
            };
            vec![(
                "EMAIL_URL",
                format!("{scheme}://USER:PASSWORD@{host}:{port}"),
            )]
        }
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The settings key for the host name.
pub fn host_settings(fw: Framework, host: &str) -> BTreeMap<String, String> {
    let key = match fw {
        Framework::Django => "EMAIL_HOST",
        Framework::Flask => "MAIL_SERVER",
        Framework::Laravel => "MAIL_HOST",
        Framework::Rails => "address",
        Framework::Node => "host",
        Framework::Spring => "spring.mail.host",
        Framework::Dotnet => "Host",
        Framework::Phpmailer => "Host",
        Framework::Url => "EMAIL_URL host",
    };
    BTreeMap::from([(key.to_string(), host.to_string())])
}

/// The names of a framework's TLS-mode and timeout settings, for the findings about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsAndTimeoutNames {
    /// What turns STARTTLS on.
    pub starttls: &'static str,
    /// What turns implicit TLS on.
    pub implicit_tls: &'static str,
    /// The timeout setting.
    pub timeout: &'static str,
    /// A sensible timeout in that setting's unit (seconds or milliseconds).
    pub timeout_example: &'static str,
}

/// The names of `fw`'s TLS-mode and timeout settings.
pub fn tls_and_timeout_names(fw: Framework) -> TlsAndTimeoutNames {
    let (starttls, implicit_tls, timeout, timeout_example) = match fw {
        Framework::Django => ("EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "10"),
        Framework::Flask => ("MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_TIMEOUT", "10"),
        Framework::Laravel => (
            "MAIL_ENCRYPTION=tls",
            "MAIL_SCHEME=smtps",
            "mail.mailers.smtp.timeout",
            "10",
        ),
        Framework::Rails => ("enable_starttls_auto", "tls", "open_timeout", "10"),
        Framework::Node => ("requireTLS", "secure", "connectionTimeout", "10000"),
        Framework::Spring => (
            "spring.mail.properties.mail.smtp.starttls.enable",
            "spring.mail.properties.mail.smtp.ssl.enable",
            "spring.mail.properties.mail.smtp.timeout",
            "10000",
        ),
        Framework::Dotnet => (
            "SecureSocketOptions.StartTls",
            "SecureSocketOptions.SslOnConnect",
            "Timeout",
            "10000",
        ),
        Framework::Phpmailer => (
            "PHPMailer::ENCRYPTION_STARTTLS",
            "PHPMailer::ENCRYPTION_SMTPS",
            "Timeout",
            "10",
        ),
        Framework::Url => ("smtp+tls://", "smtp+ssl://", "?timeout= in EMAIL_URL", "10"),
    };
    TlsAndTimeoutNames {
        starttls,
        implicit_tls,
        timeout,
        timeout_example,
    }
}

/// The settings as code to paste, in the framework's own syntax.
pub fn snippet(fw: Framework, settings: &BTreeMap<String, String>) -> String {
    let quoted = |v: &str| {
        if v.parse::<u64>().is_ok()
            || matches!(v, "True" | "False" | "true" | "false" | "null")
            || v.starts_with("PHPMailer::")
            || v == "''"
        {
            v.to_string()
        } else {
            format!("\"{v}\"")
        }
    };
    let mut out = String::new();
    match fw {
        Framework::Django | Framework::Flask => {
            for (k, v) in settings {
                out.push_str(&format!("{k} = {}\n", quoted(v)));
            }
        }
        Framework::Laravel | Framework::Url | Framework::Spring => {
            for (k, v) in settings {
                out.push_str(&format!("{k}={v}\n"));
            }
        }
        Framework::Rails => {
            out.push_str("config.action_mailer.smtp_settings = {\n");
            for (k, v) in settings {
                let v = if k == "address" {
                    format!("\"{v}\"")
                } else {
                    v.clone()
                };
                out.push_str(&format!("  {k}: {v},\n"));
            }
            out.push_str("  # keep address, user_name, password, authentication as they are\n}\n");
        }
        Framework::Node => {
            out.push_str("nodemailer.createTransport({\n");
            for (k, v) in settings {
                out.push_str(&format!("  {k}: {},\n", quoted(v)));
            }
            out.push_str("  // keep host and auth as they are\n});\n");
        }
        Framework::Dotnet => {
            let port = settings.get("Port").cloned().unwrap_or_default();
            match settings.get("SecureSocketOptions") {
                Some(opt) => out.push_str(&format!(
                    "client.Connect(host, {port}, SecureSocketOptions.{opt});\n"
                )),
                None => {
                    for (k, v) in settings {
                        out.push_str(&format!("// {k} = {v}\n"));
                    }
                }
            }
        }
        Framework::Phpmailer => {
            for (k, v) in settings {
                out.push_str(&format!("$mail->{k} = {};\n", quoted(v)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let url = port_settings(Framework::Url, "smtp.gmail.com", 465, Security::ImplicitTls);
        assert_eq!(
            url["EMAIL_URL"],
            "smtp+ssl://USER:PASSWORD@smtp.gmail.com:465"
        );
        let django = port_settings(Framework::Django, "h", 465, Security::ImplicitTls);
        assert_eq!(
            snippet(Framework::Django, &django),
            "EMAIL_PORT = 465\nEMAIL_USE_SSL = True\nEMAIL_USE_TLS = False\n"
        );
    }
}
