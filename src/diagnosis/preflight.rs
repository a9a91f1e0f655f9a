//! Preflight: the application's configured path, tested exactly, with the alternatives on the
//! same host tested beside it. The diagnosis here is pure, like [`crate::diagnosis`], and builds
//! on it: the per-port findings are the same, the verdict and the cause are about the
//! configured path.

use super::recommend::{plain_rec, use_port};
use super::verdict::{verdict_and_cause, with_domain, Judged};
use super::{port_statuses, Diagnosis, Options};
use crate::diagnosis::{self, endpoint_is_healthy};
use crate::diagnosis::{Finding, FindingCode, Recommendation, Said, Severity};
use crate::frameworks;
use crate::i18n::Msg;
use crate::model::{ConfiguredPath, EndpointObservation, Host, Observations, Security, TlsSetting};

fn finding(code: FindingCode, severity: Severity, port: Option<u16>, msg: Msg) -> Finding<Said> {
    Finding {
        code,
        severity,
        port,
        addresses: Vec::new(),
        message: msg.into(),
        evidence: None,
    }
}

/// Whether an endpoint works in the mode the application is configured for.
fn works_as_configured(ep: &EndpointObservation, path: &ConfiguredPath) -> bool {
    match path.security {
        TlsSetting::BothFlags => false,
        TlsSetting::Mode(Security::Plain) => {
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
        TlsSetting::Mode(sec) => endpoint_is_healthy(ep) && ep.security == sec,
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
    let restated = |f: &Finding<Said>| {
        mode_mismatch
            && f.port == Some(path.port)
            && matches!(
                f.code,
                FindingCode::PortSpeaksImplicitTls | FindingCode::PortStartsInPlainText
            )
    };
    findings.extend(base.findings.into_iter().filter(|f| !restated(f)));
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));

    // The host as written, and where the host cannot mean what it says (a container's
    // localhost, a Compose name outside Compose).
    let (host_findings, host_recs) = host_findings(obs, path, opts);
    let host_broken = host_findings.iter().any(|f| f.severity == Severity::Error);
    for (i, f) in host_findings.into_iter().enumerate() {
        findings.insert(i, f);
    }
    let works = !host_broken
        && path.security != TlsSetting::BothFlags
        && !configured.is_empty()
        && configured.iter().all(|e| works_as_configured(e, path));
    // The application's own client: a divergence from the probe is said first, and when it is
    // what stops the configured path it is the cause (the verdict rule's case) and its fix the
    // only one.
    let app = super::app_client::assess(obs, path, works);
    let blocking = app.iter().find(|a| a.blocks).cloned();
    // Another path: another port that works, or the same port in the mode it really speaks.
    let judged = Judged::Configured {
        port: path.port,
        works,
        same_port_is_another_path: mode_mismatch || path.security == TlsSetting::BothFlags,
        app_fails: blocking.as_ref().map(|b| b.finding.code),
    };
    let (verdict, cause) = with_domain(
        verdict_and_cause(&findings, &port_statuses(obs), judged),
        &findings,
    );
    for (i, a) in app.into_iter().enumerate() {
        findings.insert(i, a.finding);
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    if let Some(block) = blocking {
        return Diagnosis {
            verdict,
            cause,
            findings,
            recommendations: block.recommendations,
        };
    }
    let recommendations = if works {
        // A path that works is not made to look degraded by a timeout it has not needed.
        for f in &mut findings {
            if f.code == FindingCode::ConfigNoTimeout {
                f.severity = Severity::Info;
            }
        }
        Vec::new()
    } else {
        let mut recs = host_recs;
        recs.extend(recommend(
            obs,
            path,
            mode_mismatch,
            base.recommendations,
            opts,
        ));
        if path.timeout.is_none() && hung(&findings, path.port) {
            add_timeout(&mut recs, opts);
        }
        recs
    };
    let mut recommendations = recommendations;
    // The sender's domain: its fixes (the DNS records) after the path's.
    if let Some(domain) = &obs.domain {
        recommendations.extend(super::domain::assess(domain).1);
    }
    Diagnosis {
        verdict,
        cause,
        findings,
        recommendations,
    }
}

/// What is wrong with the configured host itself: malformed as written (the corrected host
/// was tested), `localhost` where it cannot be the server, a one-label name that does not
/// resolve here.
fn host_findings(
    obs: &Observations,
    path: &ConfiguredPath,
    opts: &Options,
) -> (Vec<Finding<Said>>, Vec<Recommendation<Said>>) {
    let setting = opts.framework.names().host;
    let mut findings = Vec::new();
    let mut recs = Vec::new();
    if let Some(written) = &path.host_as_written {
        let msg = Msg::ConfigHostMalformed {
            setting,
            written: written.clone(),
            corrected: path.host.to_string(),
        };
        let code = FindingCode::ConfigHostMalformed;
        findings.push(finding(code, Severity::Error, None, msg));
        let fix = Msg::RecSetHost {
            setting,
            host: path.host.to_string(),
        };
        recs.push(Recommendation {
            port: None,
            security: None,
            message: fix.into(),
            settings: frameworks::host_settings(opts.framework, &path.host.to_string()),
            commands: Vec::new(),
        });
    }
    let configured: Vec<&EndpointObservation> = obs.on_port(path.port).collect();
    let answered = configured
        .iter()
        .any(|e| e.tcp.state == crate::model::TcpState::Open);
    let loopback = path.host.is_loopback();
    if loopback && !answered && !configured.is_empty() {
        let (host, port) = (path.host.to_string(), path.port);
        let found = if obs.environment.container.is_some() {
            Some((
                FindingCode::ConfigLocalhostInContainer,
                Msg::ConfigLocalhostInContainer { host, port },
            ))
        } else if obs.environment.wsl {
            Some((
                FindingCode::ConfigLocalhostInWsl,
                Msg::ConfigLocalhostInWsl { host, port },
            ))
        } else {
            None
        };
        if let Some((code, msg)) = found {
            findings.push(finding(code, Severity::Error, None, msg));
        }
    }
    let one_label = matches!(&path.host, Host::Name(n) if !n.contains('.')) && !loopback;
    let unresolved = matches!(obs.dns.outcome, crate::model::DnsOutcome::NxDomain);
    if one_label && unresolved {
        let msg = Msg::ConfigServiceNameUnresolved {
            host: path.host.to_string(),
            in_container: obs.environment.container.is_some(),
        };
        let code = FindingCode::ConfigServiceNameUnresolved;
        findings.push(finding(code, Severity::Error, None, msg));
    }
    (findings, recs)
}

/// What the settings themselves get wrong, and whether they name the wrong mode for the port.
fn settings_findings(
    path: &ConfiguredPath,
    reached: Option<&EndpointObservation>,
    opts: &Options,
) -> (Vec<Finding<Said>>, bool) {
    let names = frameworks::tls_and_timeout_names(opts.framework);
    let mut findings = Vec::new();
    if path.security == TlsSetting::BothFlags {
        let msg = Msg::ConfigConflictingTlsFlags {
            framework: opts.framework,
            starttls: names.starttls,
            implicit_tls: names.implicit_tls,
        };
        let code = FindingCode::ConfigConflictingTlsFlags;
        findings.push(finding(code, Severity::Error, None, msg));
    }
    let mode = match (reached, path.security.mode()) {
        (Some(ep), Some(sec)) => mode_finding(path, sec, ep.security),
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
    // Only where the library would wait forever: nodemailer, MailKit, Symfony Mailer… time out
    // on their own.
    let waits_forever = !matches!(names.timeout, frameworks::Timeout::Bounded { .. });
    if path.timeout.is_none() && waits_forever {
        let msg = Msg::ConfigNoTimeout {
            framework: opts.framework,
            timeout: names.timeout,
        };
        let code = FindingCode::ConfigNoTimeout;
        findings.push(finding(code, Severity::Warning, None, msg));
    }
    (findings, mode_mismatch)
}

/// The configured mode against the mode the port was found to speak.
fn mode_finding(
    path: &ConfiguredPath,
    configured: Security,
    found: Security,
) -> Option<Finding<Said>> {
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
    Some(finding(code, severity, Some(port), msg))
}

/// Whether the application, configured so, would hang rather than fail: the port drops its
/// packets, never greets, or speaks implicit TLS to a client that waits for a greeting.
fn hung(findings: &[Finding<Said>], port: u16) -> bool {
    findings.iter().any(|f| {
        f.port.is_none_or(|p| p == port)
            && matches!(
                f.code,
                FindingCode::TcpFiltered
                    | FindingCode::SmtpNoGreeting
                    | FindingCode::ConfigStarttlsOnImplicitPort
            )
    })
}

/// The app hung and has no timeout: the first settings fix sets one too, so the next failure
/// is an error message instead of a hang.
fn add_timeout(recs: &mut [Recommendation<Said>], opts: &Options) {
    let names = frameworks::tls_and_timeout_names(opts.framework);
    let frameworks::Timeout::Setting { name, example } = names.timeout else {
        return;
    };
    if let Some(first) = recs.first_mut().filter(|r| !r.settings.is_empty()) {
        first
            .settings
            .insert(name.to_string(), frameworks::SettingValue::int(example));
    }
}

fn recommend(
    obs: &Observations,
    path: &ConfiguredPath,
    mode_mismatch: bool,
    base: Vec<Recommendation<Said>>,
    opts: &Options,
) -> Vec<Recommendation<Said>> {
    let mut recs = Vec::new();
    // The same port in the mode it really speaks, when that works: the smallest change. TLS
    // turned off where the port offers STARTTLS is fixed the same way.
    let same_port = if mode_mismatch
        || matches!(
            path.security,
            TlsSetting::BothFlags | TlsSetting::Mode(Security::Plain)
        ) {
        diagnosis::working_security(obs, path.port).filter(|s| Some(*s) != path.security.mode())
    } else {
        None
    };
    if let Some(sec) = same_port {
        recs.push(use_port(&path.host, path.port, sec, path.port, opts));
    }
    for r in base {
        // The same change twice (a port fix found both ways); advice without a port is
        // the same only when it says the same (compared as the diagnosis said it, not as
        // the catalogue words it).
        let duplicate = recs.iter().any(|x| {
            x.port == r.port
                && x.security == r.security
                && x.settings == r.settings
                && (r.port.is_some() || x.message == r.message)
        });
        if !duplicate {
            recs.push(r);
        }
    }
    if recs.is_empty() {
        recs.push(plain_rec(Msg::RecServerAdmin));
    }
    recs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::Said;
    use crate::frameworks::Framework;
    use crate::i18n::Lang;

    /// The incident replayed as a preflight whose settings turn both TLS modes on and set no
    /// timeout: the conflicting-flags message and the no-timeout one (if any).
    /// The origin incident's observations (587 dropped, 465 open) and a Django project that
    /// configures 587 with STARTTLS.
    fn incident() -> (Observations, ConfiguredPath) {
        let json = include_str!("../../tests/fixtures/observations/incident_gmail_dual_stack.json");
        let path = ConfiguredPath {
            host: Host::parse("smtp.gmail.com").unwrap(),
            port: 587,
            security: TlsSetting::Mode(Security::Starttls),
            timeout: None,
            login: false,
            send: false,
            host_as_written: None,
        };
        (serde_json::from_str(json).unwrap(), path)
    }

    fn settings_messages(framework: Framework, lang: Lang) -> (String, Option<String>) {
        let (obs, mut path) = incident();
        path.security = TlsSetting::BothFlags;
        let d = diagnose(
            &obs,
            &path,
            &Options {
                lang,
                framework,
                ..Default::default()
            },
        );
        let message = |code| {
            d.findings
                .iter()
                .find(|f| f.code == code)
                .map(|f| crate::report::sentence(&f.message, lang))
        };
        (
            message(FindingCode::ConfigConflictingTlsFlags).expect("conflicting flags"),
            message(FindingCode::ConfigNoTimeout),
        )
    }

    #[test]
    fn fixes_without_a_port_are_told_apart_by_what_they_say() {
        let (obs, path) = incident();
        let opts = Options::default();
        let base = vec![
            plain_rec(Msg::RecServerAdmin),
            // The same fix again: said once.
            plain_rec(Msg::RecServerAdmin),
            plain_rec(Msg::RecCheckRoute),
        ];
        let recs = recommend(&obs, &path, false, base, &opts);
        let said: Vec<&Said> = recs.iter().map(|r| &r.message).collect();
        assert_eq!(
            said,
            [
                &Said::from(Msg::RecServerAdmin),
                &Said::from(Msg::RecCheckRoute)
            ]
        );
    }

    #[test]
    fn settings_findings_name_the_frameworks_own_settings() {
        // (framework, names the conflicting-flags finding must use, the timeout advice: None
        // where the mail library times out on its own)
        let table: &[(Framework, &[&str], Option<&str>)] = &[
            (
                Framework::Django,
                &["EMAIL_USE_TLS", "EMAIL_USE_SSL"],
                Some("EMAIL_TIMEOUT"),
            ),
            (
                Framework::Laravel,
                &["MAIL_ENCRYPTION", "MAIL_SCHEME"],
                None,
            ),
            (Framework::Node, &["requireTLS", "secure"], None),
            (
                Framework::Flask,
                &["MAIL_USE_TLS", "MAIL_USE_SSL"],
                Some("socket.setdefaulttimeout(10)"),
            ),
            (
                Framework::Spring,
                &[
                    "spring.mail.properties.mail.smtp.starttls.enable",
                    "spring.mail.properties.mail.smtp.ssl.enable",
                ],
                Some("spring.mail.properties.mail.smtp.timeout"),
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
                match (timeout, &no_timeout) {
                    (Some(t), Some(m)) => assert!(m.contains(t), "{framework:?} {lang:?}: {m}"),
                    (None, None) => {}
                    _ => panic!("{framework:?} {lang:?}: expected {timeout:?}, got {no_timeout:?}"),
                }
                if framework != Framework::Django {
                    for text in std::iter::once(&conflict).chain(no_timeout.as_ref()) {
                        assert!(
                            !text.contains("EMAIL_") && !text.contains("Django"),
                            "{framework:?} {lang:?} names Django: {text}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_hang_without_timeout_gets_one_in_the_first_fix_and_a_working_path_only_a_note() {
        let (obs, mut path) = incident();
        // 587 drops its packets: the app hangs; the fix moves it to 465 and sets a timeout.
        let opts = Options::default();
        let d = diagnose(&obs, &path, &opts);
        let first = &d.recommendations[0];
        assert_eq!(first.port, Some(465));
        assert_eq!(first.settings["EMAIL_TIMEOUT"], "10");
        let spring = Options {
            framework: Framework::Spring,
            ..Options::default()
        };
        let d = diagnose(&obs, &path, &spring);
        assert_eq!(
            d.recommendations[0].settings["spring.mail.properties.mail.smtp.timeout"],
            "10000"
        );
        // With a timeout set, the fix is only the port.
        path.timeout = Some(10.0);
        let d = diagnose(&obs, &path, &opts);
        assert!(!d.recommendations[0].settings.contains_key("EMAIL_TIMEOUT"));
        // 465 works as configured: the missing timeout is a note, not a warning.
        path.port = 465;
        path.security = TlsSetting::Mode(Security::ImplicitTls);
        path.timeout = None;
        let d = diagnose(&obs, &path, &opts);
        let note = d
            .findings
            .iter()
            .find(|f| f.code == FindingCode::ConfigNoTimeout)
            .unwrap();
        assert_eq!(note.severity, Severity::Info);
        assert!(d.recommendations.is_empty());
    }
}
