//! The one rule for the verdict and the root cause, for `check` (every probed port) and for
//! `preflight` (the configured path).

use super::{Finding, FindingCode, PortHealth, Said, Severity, Verdict};

/// How one probed port did across its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PortStatus {
    pub(super) port: u16,
    pub(super) health: PortHealth,
}

/// The path a verdict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Judged {
    /// `check`: every probed port must complete its handshake.
    EveryPort,
    /// `preflight`: the application's configured path.
    Configured {
        /// The configured port.
        port: u16,
        /// It works end to end in the configured mode.
        works: bool,
        /// The same port in the mode it really speaks counts as another path (the settings
        /// name the wrong mode, or both).
        same_port_is_another_path: bool,
        /// The application's own client fails where smtp-doctor's probe of the same path
        /// works, for this reason (a finding about the app's runtime): the path does not work
        /// for the application, whatever the probe saw, and this is why.
        app_fails: Option<FindingCode>,
    },
}

/// Verdict and root cause. The cause explains the failure of the path judged: the configured
/// port for a preflight, the first failing port for a check (and, for a preflight whose own
/// port says nothing, the first failing port too).
pub(super) fn verdict_and_cause(
    findings: &[Finding<Said>],
    ports: &[PortStatus],
    judged: Judged,
) -> (Verdict, Option<FindingCode>) {
    let first_failing = ports
        .iter()
        .find(|s| s.health != PortHealth::Healthy)
        .map(|s| s.port);
    let verdict = verdict(ports, judged);
    let cause = match (verdict, judged) {
        (Verdict::Ok, _) => None,
        (_, Judged::EveryPort) => cause_for(findings, first_failing),
        (
            _,
            Judged::Configured {
                app_fails: Some(code),
                ..
            },
        ) => Some(code),
        (_, Judged::Configured { port, .. }) => {
            cause_for(findings, Some(port)).or_else(|| cause_for(findings, first_failing))
        }
    };
    (verdict, cause)
}

/// A domain finding never hides a path finding: it changes nothing when the path does not
/// work (the path's cause stays the cause); when the path works and a domain check fails, the
/// verdict is degraded and the cause is the first domain error (they come root cause first).
pub(super) fn with_domain(
    (verdict, cause): (Verdict, Option<FindingCode>),
    findings: &[Finding<Said>],
) -> (Verdict, Option<FindingCode>) {
    if verdict != Verdict::Ok {
        return (verdict, cause);
    }
    match findings
        .iter()
        .find(|f| f.severity == Severity::Error && f.code.layer() == super::finding::Layer::Domain)
    {
        Some(f) => (Verdict::Degraded, Some(f.code)),
        None => (verdict, cause),
    }
}

fn verdict(ports: &[PortStatus], judged: Judged) -> Verdict {
    let health = |h: PortHealth| move |s: &PortStatus| s.health == h;
    match judged {
        // Nothing probed is nothing that works.
        Judged::EveryPort if ports.iter().all(health(PortHealth::Failed)) => Verdict::Failed,
        Judged::EveryPort if ports.iter().all(health(PortHealth::Healthy)) => Verdict::Ok,
        Judged::EveryPort => Verdict::Degraded,
        // Nothing else is tried for the application: its own client is how it sends.
        Judged::Configured {
            app_fails: Some(_), ..
        } => Verdict::Failed,
        Judged::Configured { works: true, .. } => Verdict::Ok,
        Judged::Configured {
            port,
            same_port_is_another_path,
            ..
        } => {
            let another_path_works = ports.iter().any(|s| {
                s.health != PortHealth::Failed && (s.port != port || same_port_is_another_path)
            });
            if another_path_works {
                Verdict::Degraded
            } else {
                Verdict::Failed
            }
        }
    }
}

/// The root cause among the errors about `port` (and about no single port): the earliest
/// layer, and within a layer the more explanatory code; the first listed on a tie.
pub(super) fn cause_for(findings: &[Finding<Said>], port: Option<u16>) -> Option<FindingCode> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error && (f.port.is_none() || f.port == port))
        .min_by_key(|f| (f.code.layer(), cause_rank(f.code)))
        .map(|f| f.code)
}

/// Within a layer: settings that cannot work at all explain more than a mode mismatch, which
/// explains more than what the probes see; a broken address family or an interceptor explains
/// the timeouts and certificate errors it causes.
fn cause_rank(code: FindingCode) -> u8 {
    match code {
        FindingCode::ConfigConflictingTlsFlags => 0,
        FindingCode::ConfigStarttlsOnImplicitPort
        | FindingCode::ConfigImplicitTlsOnStarttlsPort => 1,
        FindingCode::NetSmtpBlocked | FindingCode::NetSmtpRedirected => 0,
        FindingCode::NetIpv6Broken | FindingCode::TlsIntercepted => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: FindingCode, port: Option<u16>) -> Finding<Said> {
        Finding {
            code,
            severity: Severity::Error,
            port,
            addresses: Vec::new(),
            // What it says does not count here: any message.
            message: crate::i18n::Msg::RecServerAdmin.into(),
            evidence: None,
        }
    }

    fn status(port: u16, health: PortHealth) -> PortStatus {
        PortStatus { port, health }
    }

    #[test]
    fn a_blocked_network_explains_its_dropped_ports() {
        let findings = [
            error(FindingCode::TcpFiltered, Some(587)),
            error(FindingCode::TcpFiltered, Some(465)),
            error(FindingCode::NetSmtpBlocked, None),
        ];
        assert_eq!(
            cause_for(&findings, Some(587)),
            Some(FindingCode::NetSmtpBlocked)
        );
    }

    #[test]
    fn check_blames_the_first_failing_port_at_its_earliest_layer() {
        let findings = [
            error(FindingCode::TlsCertExpired, Some(465)),
            error(FindingCode::TlsHandshakeFailed, Some(587)),
            error(FindingCode::TcpFiltered, Some(587)),
        ];
        let ports = [
            status(587, PortHealth::Failed),
            status(465, PortHealth::Failed),
        ];
        let got = verdict_and_cause(&findings, &ports, Judged::EveryPort);
        assert_eq!(got, (Verdict::Failed, Some(FindingCode::TcpFiltered)));
        let ports = [
            status(587, PortHealth::Healthy),
            status(465, PortHealth::Failed),
        ];
        let got = verdict_and_cause(&findings, &ports, Judged::EveryPort);
        assert_eq!(got, (Verdict::Degraded, Some(FindingCode::TlsCertExpired)));
        assert_eq!(
            verdict_and_cause(&findings, &[], Judged::EveryPort).0,
            Verdict::Failed
        );
    }

    #[test]
    fn preflight_blames_the_configured_path_and_settings_first() {
        let findings = [
            error(FindingCode::TcpFiltered, Some(587)),
            error(FindingCode::ConfigStarttlsOnImplicitPort, Some(465)),
            error(FindingCode::SmtpNoGreeting, Some(465)),
        ];
        let ports = [
            status(587, PortHealth::Failed),
            status(465, PortHealth::Healthy),
        ];
        let judged = |same_port_is_another_path| Judged::Configured {
            port: 465,
            works: false,
            same_port_is_another_path,
            app_fails: None,
        };
        assert_eq!(
            verdict_and_cause(&findings, &ports, judged(true)),
            (
                Verdict::Degraded,
                Some(FindingCode::ConfigStarttlsOnImplicitPort)
            )
        );
        assert_eq!(
            verdict_and_cause(&findings, &ports, judged(false)).0,
            Verdict::Failed
        );
        // Nothing said about the configured port: the first failing port explains it.
        let only_587 = &findings[..1];
        assert_eq!(
            verdict_and_cause(only_587, &ports, judged(true)).1,
            Some(FindingCode::TcpFiltered)
        );
    }

    #[test]
    fn a_domain_finding_degrades_a_working_path_and_never_hides_a_broken_one() {
        let domain = error(FindingCode::DomainDmarcWillFail, None);
        let ports = [status(587, PortHealth::Healthy)];
        let findings = [domain.clone()];
        let got = with_domain(
            verdict_and_cause(&findings, &ports, Judged::EveryPort),
            &findings,
        );
        assert_eq!(
            got,
            (Verdict::Degraded, Some(FindingCode::DomainDmarcWillFail))
        );
        let findings = [domain, error(FindingCode::TcpFiltered, Some(587))];
        let ports = [status(587, PortHealth::Failed)];
        let got = with_domain(
            verdict_and_cause(&findings, &ports, Judged::EveryPort),
            &findings,
        );
        assert_eq!(got, (Verdict::Failed, Some(FindingCode::TcpFiltered)));
        // A warning (no DMARC record) leaves a working path ok.
        let mut warning = error(FindingCode::DomainDmarcMissing, None);
        warning.severity = Severity::Warning;
        let ports = [status(587, PortHealth::Healthy)];
        let findings = [warning];
        let got = with_domain(
            verdict_and_cause(&findings, &ports, Judged::EveryPort),
            &findings,
        );
        assert_eq!(got, (Verdict::Ok, None));
    }

    #[test]
    fn an_application_whose_own_client_fails_fails_its_path_for_that_reason() {
        // The probe's path works and another port too; a domain error is there as well.
        let findings = [
            error(FindingCode::DomainDmarcWillFail, None),
            error(FindingCode::TcpFiltered, Some(25)),
        ];
        let ports = [
            status(587, PortHealth::Healthy),
            status(25, PortHealth::Failed),
        ];
        let judged = |app_fails| Judged::Configured {
            port: 587,
            works: true,
            same_port_is_another_path: false,
            app_fails,
        };
        let blocked = Some(FindingCode::AppTrustStoreMissingCa);
        let got = with_domain(
            verdict_and_cause(&findings, &ports, judged(blocked)),
            &findings,
        );
        assert_eq!(got, (Verdict::Failed, blocked));
        let got = with_domain(
            verdict_and_cause(&findings, &ports, judged(None)),
            &findings,
        );
        assert_eq!(
            got,
            (Verdict::Degraded, Some(FindingCode::DomainDmarcWillFail))
        );
    }

    #[test]
    fn within_a_layer_the_more_explanatory_code_wins() {
        let findings = [
            error(FindingCode::TcpFiltered, Some(587)),
            error(FindingCode::NetIpv6Broken, Some(587)),
        ];
        assert_eq!(
            cause_for(&findings, Some(587)),
            Some(FindingCode::NetIpv6Broken)
        );
        let dns = [error(FindingCode::DnsFailed, None)];
        assert_eq!(cause_for(&dns, Some(587)), Some(FindingCode::DnsFailed));
        assert_eq!(cause_for(&dns, None), Some(FindingCode::DnsFailed));
    }
}
