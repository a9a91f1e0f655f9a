//! Preflight: the application's configured path, tested exactly, with the alternatives on the
//! same host tested beside it. The diagnosis here is pure, like [`crate::diagnosis`], and builds
//! on it: the per-port findings are the same, the verdict and the cause are about the
//! configured path.

use super::recommend::{plain_rec, use_port};
use super::verdict::{verdict_and_cause, Judged};
use super::{port_statuses, Diagnosis, Options};
use crate::diagnosis::{self, endpoint_is_healthy};
use crate::diagnosis::{Finding, FindingCode, Recommendation, Severity};
use crate::frameworks;
use crate::i18n::{self, Msg};
use crate::model::{ConfiguredPath, EndpointObservation, Observations, Security};

fn finding(
    code: FindingCode,
    severity: Severity,
    port: Option<u16>,
    msg: &Msg,
    opts: &Options,
) -> Finding {
    Finding {
        code,
        severity,
        port,
        addresses: Vec::new(),
        message: i18n::text(opts.lang, msg),
        evidence: None,
    }
}

/// Whether an endpoint works in the mode the application is configured for.
fn works_as_configured(ep: &EndpointObservation, path: &ConfiguredPath) -> bool {
    match path.security {
        None => false,
        Some(Security::Plain) => {
            // No TLS: the greeting and EHLO must work, and no login may be needed.
            let smtp_ok = ep.smtp.as_ref().is_some_and(|s| {
                matches!(s.greeting, crate::model::GreetingOutcome::Ok { .. })
                    && s.ehlo.as_ref().is_some_and(|e| e.accepted())
            });
            smtp_ok
                && !path.login
                && ep
                    .send
                    .as_ref()
                    .is_none_or(|s| s.outcome == crate::model::SendOutcome::Accepted)
        }
        Some(sec) => endpoint_is_healthy(ep) && ep.security == sec,
    }
}

/// Observations of a preflight → diagnosis of the configured path.
pub fn diagnose(obs: &Observations, path: &ConfiguredPath, opts: &Options) -> Diagnosis {
    let base = diagnosis::diagnose(obs, opts);
    let configured: Vec<&EndpointObservation> = obs.on_port(path.port).collect();
    let reached = configured
        .iter()
        .find(|e| e.smtp.is_some() || e.tls.is_some())
        .copied();
    // Settings findings first: they explain what the probes then show.
    let (mut findings, mode_mismatch) = settings_findings(path, reached, opts);
    // The probes' findings; the port's own "speaks implicit TLS" note is said as a settings
    // finding when it contradicts the settings.
    let restated = |f: &Finding| {
        mode_mismatch
            && f.port == Some(path.port)
            && matches!(
                f.code,
                FindingCode::PortSpeaksImplicitTls | FindingCode::PortStartsInPlainText
            )
    };
    findings.extend(base.findings.into_iter().filter(|f| !restated(f)));
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let works = path.security.is_some()
        && !configured.is_empty()
        && configured.iter().all(|e| works_as_configured(e, path));
    // Another path: another port that works, or the same port in the mode it really speaks.
    let judged = Judged::Configured {
        port: path.port,
        works,
        same_port_is_another_path: mode_mismatch || path.security.is_none(),
    };
    let (verdict, cause) = verdict_and_cause(&findings, &port_statuses(obs), judged);
    let recommendations = if works {
        Vec::new()
    } else {
        recommend(obs, path, mode_mismatch, base.recommendations, opts)
    };
    Diagnosis {
        verdict,
        cause,
        findings,
        recommendations,
    }
}

/// What the settings themselves get wrong, and whether they name the wrong mode for the port.
fn settings_findings(
    path: &ConfiguredPath,
    reached: Option<&EndpointObservation>,
    opts: &Options,
) -> (Vec<Finding>, bool) {
    let names = frameworks::tls_and_timeout_names(opts.framework);
    let mut findings = Vec::new();
    if path.security.is_none() {
        let msg = Msg::ConfigConflictingTlsFlags {
            framework: opts.framework,
            starttls: names.starttls,
            implicit_tls: names.implicit_tls,
        };
        let code = FindingCode::ConfigConflictingTlsFlags;
        findings.push(finding(code, Severity::Error, None, &msg, opts));
    }
    let mode = match (reached, path.security) {
        (Some(ep), Some(sec)) => mode_finding(path, sec, ep.security, opts),
        _ => None,
    };
    let mode_mismatch = mode.as_ref().is_some_and(|f| {
        matches!(
            f.code,
            FindingCode::ConfigStarttlsOnImplicitPort
                | FindingCode::ConfigImplicitTlsOnStarttlsPort
        )
    });
    findings.extend(mode);
    if path.timeout.is_none() {
        let msg = Msg::ConfigNoTimeout {
            framework: opts.framework,
            setting: names.timeout,
            example: names.timeout_example,
        };
        let code = FindingCode::ConfigNoTimeout;
        findings.push(finding(code, Severity::Warning, None, &msg, opts));
    }
    (findings, mode_mismatch)
}

/// The configured mode against the mode the port was found to speak.
fn mode_finding(
    path: &ConfiguredPath,
    configured: Security,
    found: Security,
    opts: &Options,
) -> Option<Finding> {
    let port = path.port;
    let (code, severity, msg) = match (configured, found) {
        (Security::Starttls | Security::Plain, Security::ImplicitTls) => (
            FindingCode::ConfigStarttlsOnImplicitPort,
            Severity::Error,
            Msg::ConfigStarttlsOnImplicitPort { port },
        ),
        (Security::ImplicitTls, Security::Starttls | Security::Plain) => (
            FindingCode::ConfigImplicitTlsOnStarttlsPort,
            Severity::Error,
            Msg::ConfigImplicitTlsOnStarttlsPort { port },
        ),
        // TLS off although the server offers it: an error when a password would travel.
        (Security::Plain, Security::Starttls) => (
            FindingCode::ConfigTlsDisabled,
            if path.login {
                Severity::Error
            } else {
                Severity::Warning
            },
            Msg::ConfigTlsDisabled { port },
        ),
        _ => return None,
    };
    Some(finding(code, severity, Some(port), &msg, opts))
}

fn recommend(
    obs: &Observations,
    path: &ConfiguredPath,
    mode_mismatch: bool,
    base: Vec<Recommendation>,
    opts: &Options,
) -> Vec<Recommendation> {
    let mut recs = Vec::new();
    // The same port in the mode it really speaks, when that works: the smallest change. TLS
    // turned off where the port offers STARTTLS is fixed the same way.
    let same_port =
        if mode_mismatch || path.security.is_none() || path.security == Some(Security::Plain) {
            diagnosis::working_security(obs, path.port).filter(|s| Some(*s) != path.security)
        } else {
            None
        };
    if let Some(sec) = same_port {
        recs.push(use_port(&path.host, path.port, sec, path.port, opts));
    }
    for r in base {
        let duplicate = recs
            .iter()
            .any(|x| x.port == r.port && x.security == r.security && x.settings == r.settings);
        if !duplicate {
            recs.push(r);
        }
    }
    if recs.is_empty() {
        recs.push(plain_rec(opts.lang, &Msg::RecServerAdmin));
    }
    recs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::Framework;
    use crate::i18n::Lang;

    /// The incident replayed as a preflight whose settings turn both TLS modes on and set no
    /// timeout.
    fn settings_messages(framework: Framework, lang: Lang) -> (String, String) {
        let json = include_str!("../../tests/fixtures/observations/incident_gmail_dual_stack.json");
        let obs: Observations = serde_json::from_str(json).unwrap();
        let path = ConfiguredPath {
            host: "smtp.gmail.com".into(),
            port: 587,
            security: None,
            timeout: None,
            login: false,
            send: false,
        };
        let d = diagnose(&obs, &path, &Options { lang, framework });
        let message = |code| {
            d.findings
                .iter()
                .find(|f| f.code == code)
                .unwrap_or_else(|| panic!("{code:?} missing: {:?}", d.findings))
                .message
                .clone()
        };
        (
            message(FindingCode::ConfigConflictingTlsFlags),
            message(FindingCode::ConfigNoTimeout),
        )
    }

    #[test]
    fn settings_findings_name_the_frameworks_own_settings() {
        // (framework, names the conflicting-flags finding must use, the timeout setting)
        let table: &[(Framework, &[&str], &str)] = &[
            (
                Framework::Django,
                &["EMAIL_USE_TLS", "EMAIL_USE_SSL"],
                "EMAIL_TIMEOUT",
            ),
            (
                Framework::Laravel,
                &["MAIL_ENCRYPTION", "MAIL_SCHEME"],
                "mail.mailers.smtp.timeout",
            ),
            (
                Framework::Spring,
                &[
                    "spring.mail.properties.mail.smtp.starttls.enable",
                    "spring.mail.properties.mail.smtp.ssl.enable",
                ],
                "spring.mail.properties.mail.smtp.timeout",
            ),
        ];
        for &(framework, flags, timeout) in table {
            for lang in [Lang::En, Lang::Es] {
                let (conflict, no_timeout) = settings_messages(framework, lang);
                for name in flags {
                    assert!(
                        conflict.contains(name),
                        "{framework:?} {lang:?}: {conflict}"
                    );
                }
                assert!(
                    no_timeout.contains(timeout),
                    "{framework:?} {lang:?}: {no_timeout}"
                );
                if framework != Framework::Django {
                    for text in [&conflict, &no_timeout] {
                        assert!(
                            !text.contains("EMAIL_") && !text.contains("Django"),
                            "{framework:?} {lang:?} names Django: {text}"
                        );
                    }
                }
            }
        }
    }
}
