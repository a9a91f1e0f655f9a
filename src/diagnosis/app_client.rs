//! The application's own client against smtp-doctor's probe: where they differ, which one is
//! right, and what to change in the application's runtime. Pure, like the rest of diagnosis.

use super::{Finding, FindingCode, Recommendation, Said, Severity};
use crate::i18n::{self, app_client::AppMsg};
use crate::model::{
    AppClientKind, AppClientObservation, AppErrorKind, AppOutcome, AppRuntime, ConfiguredPath,
    Observations, Os,
};
use std::collections::BTreeMap;

/// One finding about the application's client, with its fixes.
#[derive(Debug, Clone)]
pub(super) struct Assessed {
    pub(super) finding: Finding<Said>,
    pub(super) recommendations: Vec<Recommendation<Said>>,
    /// It is what stops the configured path (smtp-doctor's probe works, the app's does not).
    pub(super) blocks: bool,
}

/// The findings about the application's client, given whether smtp-doctor's own probe of the
/// configured path works.
pub(super) fn assess(obs: &Observations, path: &ConfiguredPath, own_works: bool) -> Vec<Assessed> {
    let Some(app) = &obs.app_client else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match (app.outcome, own_works) {
        (AppOutcome::Failed, true) => out.push(divergence(obs, app, path)),
        // A client that did not run every step (its login withheld, say) is not known to work:
        // its step line says what it left out, as a note.
        (AppOutcome::Ok, false) if app.skipped_steps.is_empty() => {
            let msg = AppMsg::ClientWorks {
                who: i18n::app_client::who(app),
                verifies: app.verifies_certificates,
            };
            out.push(plain(
                FindingCode::AppClientWorks,
                Severity::Warning,
                path,
                msg,
            ));
        }
        _ => {}
    }
    let refused = out
        .iter()
        .any(|a| a.finding.code == FindingCode::SmtpEhloNameInvalid);
    if let Some(name) = app.ehlo_name.as_deref() {
        if !refused && app.outcome != AppOutcome::Skipped && !valid_ehlo_name(name) {
            let msg = AppMsg::EhloNameInvalid { name: name.into() };
            let code = FindingCode::SmtpEhloNameInvalid;
            out.push(plain(code, Severity::Warning, path, msg));
        }
    }
    out
}

fn plain(code: FindingCode, severity: Severity, path: &ConfiguredPath, msg: AppMsg) -> Assessed {
    Assessed {
        finding: Finding {
            code,
            severity,
            port: Some(path.port),
            addresses: Vec::new(),
            message: msg.into(),
            evidence: None,
        },
        recommendations: Vec::new(),
        blocks: false,
    }
}

/// smtp-doctor's probe works and the application's client fails: why, and the fix.
fn divergence(obs: &Observations, app: &AppClientObservation, path: &ConfiguredPath) -> Assessed {
    let error = app.error.as_ref();
    let kind = error.map_or(AppErrorKind::Other, |e| e.kind);
    let smtp_code = error.and_then(|e| e.smtp_code);
    let who = i18n::app_client::who(app);
    let runtime = app.runtime.unwrap_or(AppRuntime::Python);
    let (code, msg, fix, commands) = match super::vocabulary::app_divergence(kind) {
        code @ FindingCode::AppTrustStoreMissingCa => (
            code,
            AppMsg::TrustStoreMissingCa {
                who,
                store: app.trust_store.join(", "),
                roots: app.trusted_roots,
            },
            AppMsg::RecTrustStore { runtime },
            trust_store_commands(app, obs.os),
        ),
        code @ FindingCode::SmtpEhloNameInvalid => {
            let name = app.ehlo_name.clone().unwrap_or_default();
            let valid = valid_name_like(&name);
            let client = app.client.unwrap_or(AppClientKind::Smtplib);
            (
                code,
                AppMsg::EhloNameRefused {
                    name,
                    code: smtp_code,
                },
                AppMsg::RecEhloName {
                    client,
                    valid: valid.clone(),
                },
                ehlo_commands(client, &valid, obs.os),
            )
        }
        code @ FindingCode::AppTlsVersionMismatch => (
            code,
            AppMsg::TlsVersion {
                who,
                library: app.tls_library.clone().unwrap_or_default(),
            },
            AppMsg::RecTlsVersion,
            Vec::new(),
        ),
        code @ FindingCode::AppConnectionBlocked => {
            let program = app.program.clone().unwrap_or_default();
            let commands = allow_program_commands(&program, path.port, obs.os);
            (
                code,
                AppMsg::ConnectionBlocked { who, kind },
                AppMsg::RecAllowProgram {
                    program,
                    port: path.port,
                },
                commands,
            )
        }
        code @ FindingCode::AppLoginRejected => (
            code,
            AppMsg::LoginRejected { code: smtp_code },
            AppMsg::RecCheckAppCredentials,
            Vec::new(),
        ),
        _ => (
            FindingCode::AppClientFailed,
            AppMsg::ClientFailed { who },
            AppMsg::RecReadAppError,
            Vec::new(),
        ),
    };
    let mut assessed = plain(code, Severity::Error, path, msg);
    assessed.finding.evidence = error.map(|e| format!("{}: {}", e.error_type, e.message));
    assessed.blocks = true;
    // A rule or product of this machine that blocks the app's runtime, by name, first.
    if code == FindingCode::AppConnectionBlocked {
        assessed.recommendations = super::in_the_way::recommendations(
            obs,
            path.port,
            super::in_the_way::Blocked::App(app.program.as_deref().unwrap_or_default()),
            None,
        );
    }
    assessed.recommendations.push(Recommendation {
        port: None,
        security: None,
        message: fix.into(),
        settings: BTreeMap::new(),
        commands,
    });
    assessed
}

/// Whether `s` may go into a printed command between double quotes as it is: letters,
/// digits and a few path characters, nothing a shell or PowerShell expands.
fn command_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " /\\:._-+()".contains(c))
}

fn trust_store_commands(app: &AppClientObservation, os: Os) -> Vec<String> {
    match app.runtime {
        Some(AppRuntime::Node) => vec![match os {
            Os::Windows => "setx NODE_EXTRA_CA_CERTS \"C:\\path\\to\\ca.pem\"".to_string(),
            _ => "export NODE_EXTRA_CA_CERTS=/path/to/ca.pem".to_string(),
        }],
        _ => {
            let python = app
                .program
                .as_deref()
                .filter(|p| command_safe(p))
                .map_or("python".to_string(), |p| format!("\"{p}\""));
            let mut commands = Vec::new();
            let framework_build = app
                .program
                .as_deref()
                .is_some_and(|p| p.contains("Python.framework"));
            if os == Os::Macos && framework_build {
                if let Some(minor) = app.version.as_deref().and_then(major_minor) {
                    commands.push(format!(
                        "open \"/Applications/Python {minor}/Install Certificates.command\""
                    ));
                }
            }
            commands.push(format!("{python} -m pip install truststore"));
            commands.push("import truststore; truststore.inject_into_ssl()".to_string());
            commands
        }
    }
}

/// `3.11` of `3.11.2`, when it is digits.
fn major_minor(version: &str) -> Option<String> {
    let mut parts = version.split('.');
    let (a, b) = (parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    (digits(a) && digits(b)).then(|| format!("{a}.{b}"))
}

fn ehlo_commands(client: AppClientKind, valid: &str, os: Os) -> Vec<String> {
    let mut commands = Vec::new();
    match client {
        AppClientKind::Django => commands.push(format!(
            "from django.core.mail.utils import DNS_NAME; DNS_NAME._fqdn = \"{valid}\""
        )),
        AppClientKind::Nodemailer => commands.push(format!(
            "nodemailer.createTransport({{ /* … */ name: \"{valid}\" }})"
        )),
        AppClientKind::Smtplib => {}
    }
    let label = valid.split('.').next().unwrap_or(valid);
    commands.push(match os {
        Os::Windows => format!("Rename-Computer -NewName \"{label}\" -Restart"),
        Os::Macos => format!("sudo scutil --set HostName {valid}"),
        Os::Linux | Os::Other => format!("sudo hostnamectl set-hostname {valid}"),
    });
    commands
}

fn allow_program_commands(program: &str, port: u16, os: Os) -> Vec<String> {
    match os {
        Os::Windows if command_safe(program) => vec![format!(
            "New-NetFirewallRule -DisplayName \"SMTP out {port}\" -Direction Outbound -Protocol TCP -RemotePort {port} -Program \"{program}\" -Action Allow"
        )],
        _ => Vec::new(),
    }
}

/// Whether `name` is a valid EHLO argument (RFC 5321 `Domain` or an address literal).
pub(crate) fn valid_ehlo_name(name: &str) -> bool {
    if name.starts_with('[') && name.ends_with(']') && name.len() > 2 {
        return true;
    }
    !name.is_empty()
        && name.len() <= 255
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A valid host name like `name`: every other character a hyphen, no empty label.
fn valid_name_like(name: &str) -> String {
    let labels: Vec<String> = name
        .split('.')
        .map(|label| {
            let mapped: String = label
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            mapped.trim_matches('-').chars().take(63).collect()
        })
        .filter(|l: &String| !l.is_empty())
        .collect();
    if labels.is_empty() {
        "mail-client.example.com".to_string()
    } else {
        labels.join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ehlo_names_follow_rfc_5321() {
        for ok in [
            "host",
            "a.example.com",
            "DESKTOP-ABC",
            "[127.0.0.1]",
            "x1.y-2.z",
        ] {
            assert!(valid_ehlo_name(ok), "{ok}");
        }
        for bad in [
            "DESKTOP_ABC",
            "my pc",
            "",
            "-a",
            "a-",
            "a..b",
            "é.example",
            "a\\u{1b}b",
        ] {
            assert!(!valid_ehlo_name(bad), "{bad}");
        }
        assert_eq!(valid_name_like("DESKTOP_ABC"), "DESKTOP-ABC");
        assert_eq!(valid_name_like("my pc.local"), "my-pc.local");
        assert_eq!(valid_name_like("_"), "mail-client.example.com");
        assert!(valid_ehlo_name(&valid_name_like("$(rm -rf ~)\"`")));
    }

    #[test]
    fn only_plain_paths_go_into_commands() {
        assert!(command_safe("C:\\Python311\\python.exe"));
        assert!(command_safe("/p/.venv/bin/python"));
        for bad in ["a\"b", "$(x)", "a`b", "a;b", "a\\u{1b}b", "a&b", ""] {
            assert!(!command_safe(bad), "{bad}");
        }
        assert_eq!(major_minor("3.11.2").as_deref(), Some("3.11"));
        assert_eq!(major_minor("3.x"), None);
    }
}
