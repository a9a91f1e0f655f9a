//! Preflight: the application's configured path, tested exactly, with the alternatives on the
//! same host tested beside it. The diagnosis here is pure, like [`crate::diagnosis`], and builds
//! on it: the per-port findings are the same, the verdict and the cause are about the
//! configured path.

use crate::diagnosis::{self, endpoint_is_healthy, Diagnosis, Options};
use crate::diagnosis::{Finding, FindingCode, Recommendation, Severity, Verdict};
use crate::frameworks;
use crate::i18n::{self, Msg};
use crate::model::{ConfiguredPath, EndpointObservation, Observations, Security};
use std::collections::BTreeMap;

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
    let mut findings: Vec<Finding> = Vec::new();
    let configured: Vec<&EndpointObservation> = obs
        .endpoints
        .iter()
        .filter(|e| e.port == path.port)
        .collect();
    let reached: Option<&&EndpointObservation> = configured
        .iter()
        .find(|e| e.smtp.is_some() || e.tls.is_some());
    // Settings findings first: they explain what the probes then show.
    let names = frameworks::tls_and_timeout_names(opts.framework);
    if path.security.is_none() {
        let msg = Msg::ConfigConflictingTlsFlags {
            framework: opts.framework,
            starttls: names.starttls,
            implicit_tls: names.implicit_tls,
        };
        findings.push(finding(
            FindingCode::ConfigConflictingTlsFlags,
            Severity::Error,
            None,
            &msg,
            opts,
        ));
    }
    let mut mode_mismatch = false;
    if let (Some(ep), Some(sec)) = (reached, path.security) {
        let found = ep.security;
        let code = match (sec, found) {
            (Security::Starttls | Security::Plain, Security::ImplicitTls) => Some((
                FindingCode::ConfigStarttlsOnImplicitPort,
                Msg::ConfigStarttlsOnImplicitPort { port: path.port },
            )),
            (Security::ImplicitTls, Security::Starttls | Security::Plain) => Some((
                FindingCode::ConfigImplicitTlsOnStarttlsPort,
                Msg::ConfigImplicitTlsOnStarttlsPort { port: path.port },
            )),
            (Security::Plain, Security::Starttls) => {
                let sev = if path.login {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                findings.push(finding(
                    FindingCode::ConfigTlsDisabled,
                    sev,
                    Some(path.port),
                    &Msg::ConfigTlsDisabled { port: path.port },
                    opts,
                ));
                None
            }
            _ => None,
        };
        if let Some((code, msg)) = code {
            findings.push(finding(code, Severity::Error, Some(path.port), &msg, opts));
            mode_mismatch = true;
        }
    }
    if path.timeout.is_none() {
        findings.push(finding(
            FindingCode::ConfigNoTimeout,
            Severity::Warning,
            None,
            &Msg::ConfigNoTimeout {
                framework: opts.framework,
                setting: names.timeout,
                example: names.timeout_example,
            },
            opts,
        ));
    }
    // The probes' findings; the port's own "speaks implicit TLS" note is said as a settings
    // finding above when it contradicts the settings.
    for f in base.findings {
        let restated = mode_mismatch
            && f.port == Some(path.port)
            && matches!(
                f.code,
                FindingCode::PortSpeaksImplicitTls | FindingCode::PortStartsInPlainText
            );
        if !restated {
            findings.push(f);
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let configured_works = path.security.is_some()
        && !configured.is_empty()
        && configured.iter().all(|e| works_as_configured(e, path));
    // Another path: another port that works, or the same port in the mode it really speaks.
    let other_works = obs.ports.iter().any(|&p| {
        diagnosis::port_works(obs, p)
            && (p != path.port || mode_mismatch || path.security.is_none())
    });
    let verdict = if configured_works {
        Verdict::Ok
    } else if other_works {
        Verdict::Degraded
    } else {
        Verdict::Failed
    };
    let cause = if configured_works {
        None
    } else {
        findings
            .iter()
            .filter(|f| {
                f.severity == Severity::Error && (f.port.is_none() || f.port == Some(path.port))
            })
            .min_by_key(|f| (f.code.layer(), cause_rank(f.code)))
            .map(|f| f.code)
            .or(base.cause)
    };
    let recommendations = if configured_works {
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

fn cause_rank(code: FindingCode) -> u8 {
    match code {
        FindingCode::ConfigConflictingTlsFlags => 0,
        FindingCode::ConfigStarttlsOnImplicitPort
        | FindingCode::ConfigImplicitTlsOnStarttlsPort => 1,
        FindingCode::NetIpv6Broken | FindingCode::TlsIntercepted => 2,
        _ => 3,
    }
}

fn recommend(
    obs: &Observations,
    path: &ConfiguredPath,
    mode_mismatch: bool,
    base: Vec<Recommendation>,
    opts: &Options,
) -> Vec<Recommendation> {
    let mut recs = Vec::new();
    // The same port in the mode it really speaks, when that works: the smallest change.
    let same_port = if mode_mismatch || path.security.is_none() {
        diagnosis::working_security(obs, path.port)
    } else {
        None
    };
    if let Some(sec) = same_port {
        recs.push(Recommendation {
            port: Some(path.port),
            security: Some(sec),
            message: i18n::text(
                opts.lang,
                &Msg::RecUsePort {
                    port: path.port,
                    security: sec,
                    failing_port: path.port,
                },
            ),
            settings: frameworks::port_settings(opts.framework, &path.host, path.port, sec),
            commands: Vec::new(),
        });
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
        recs.push(Recommendation {
            port: None,
            security: None,
            message: i18n::text(opts.lang, &Msg::RecServerAdmin),
            settings: BTreeMap::new(),
            commands: Vec::new(),
        });
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
