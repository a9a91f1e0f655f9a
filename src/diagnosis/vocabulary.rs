//! The one table between the vocabularies of what failed: an error text's kind
//! ([`ErrorKind`], from `knowledge::errors`) → the contract's finding code and the likely
//! causes ([`Cause`]); the application's own client's failure ([`AppErrorKind`]) → the finding
//! about its runtime; a finding code → what the application shows ([`Symptom`]). `explain`,
//! the endpoint findings (a provider's reply to smtp-doctor's own login or message), the app
//! client's assessment and the fixes (where a provider documents a refusal) all read them here.
//! The matches are exhaustive: a new kind without a row does not compile.

use super::finding::{FindingCode, Layer};
pub(crate) use crate::knowledge::causes::{Cause, Symptom};
use crate::knowledge::errors::ErrorKind;
use crate::model::AppErrorKind;

/// What an error kind means to the diagnosis, on no particular port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meaning {
    /// The contract's finding code, when the kind says enough for one.
    pub code: Option<FindingCode>,
    /// The likely causes, most likely first.
    pub causes: &'static [Cause],
}

/// The table: one row per kind.
pub(crate) const fn meaning(kind: ErrorKind) -> Meaning {
    use Cause as C;
    use ErrorKind as K;
    use FindingCode as F;
    let (code, causes): (Option<FindingCode>, &'static [Cause]) = match kind {
        K::ConflictingTlsFlags => (Some(F::ConfigConflictingTlsFlags), &[C::BothTlsFlags]),
        K::DnsNxdomain => (Some(F::DnsNxdomain), &[C::HostTypo, C::HostMalformed]),
        K::DnsFailed => (Some(F::DnsFailed), &[C::NoDns, C::HostMalformed]),
        K::ConnectTimeout => (
            Some(F::TcpFiltered),
            &[
                C::FirewallOrAntivirus,
                C::ProviderBlocksSmtp,
                C::BrokenIpv6,
                C::WrongHostOrPort,
                C::ServerDown,
            ],
        ),
        K::ConnectRefused => (
            Some(F::TcpRefused),
            &[C::NothingListens, C::FirewallRejects, C::WrongHostOrPort],
        ),
        K::Unreachable => (
            Some(F::TcpUnreachable),
            &[C::NoRoute, C::BrokenIpv6, C::ProviderBlocksSmtp],
        ),
        K::Denied => (
            Some(F::TcpDenied),
            &[C::LocalPolicy, C::FirewallOrAntivirus],
        ),
        // The text does not say how the connect failed: no one code fits.
        K::ConnectFailed => (
            None,
            &[
                C::FirewallOrAntivirus,
                C::ProviderBlocksSmtp,
                C::WrongHostOrPort,
            ],
        ),
        // On 465 these are the STARTTLS-on-an-implicit-port mistake: see `code_for`.
        K::NoGreeting | K::ConnectionClosed => (
            Some(F::SmtpNoGreeting),
            &[
                C::StarttlsOnImplicitPort,
                C::Interceptor,
                C::ServerDropsClient,
            ],
        ),
        K::WrongVersionNumber => (
            Some(F::ConfigImplicitTlsOnStarttlsPort),
            &[C::ImplicitTlsOnStarttlsPort, C::Interceptor],
        ),
        K::TlsHandshake => (
            Some(F::TlsHandshakeFailed),
            &[
                C::ImplicitTlsOnStarttlsPort,
                C::TlsVersionOrCiphers,
                C::Interceptor,
            ],
        ),
        K::TlsVersion => (
            Some(F::TlsHandshakeFailed),
            &[C::TlsVersionOrCiphers, C::Interceptor],
        ),
        K::CertUntrusted => (
            Some(F::TlsCertUntrusted),
            &[C::RuntimeTrustStore, C::Interceptor, C::PrivateCa],
        ),
        K::CertExpired => (
            Some(F::TlsCertExpired),
            &[C::ServerCertExpired, C::ClockWrong, C::Interceptor],
        ),
        K::CertNameMismatch => (
            Some(F::TlsCertNameMismatch),
            &[C::HostNotOnCertificate, C::Interceptor],
        ),
        K::StarttlsMissing => (
            Some(F::SmtpStarttlsMissing),
            &[C::NoStarttlsHere, C::Interceptor],
        ),
        K::StarttlsRequired => (Some(F::ConfigTlsDisabled), &[C::TlsTurnedOff]),
        K::EhloRejected => (
            Some(F::SmtpEhloRejected),
            &[C::EhloNameInvalid, C::ServerDropsClient],
        ),
        K::AuthFailed => (
            Some(F::AuthFailed),
            &[
                C::WrongCredentials,
                C::NeedsAppPassword,
                C::FullAddressAsUser,
                C::SmtpAuthDisabled,
            ],
        ),
        K::AppPasswordRequired => (Some(F::AuthAppPasswordRequired), &[C::NeedsAppPassword]),
        K::WebLoginRequired => (
            Some(F::AuthWebLoginRequired),
            &[C::SignInWithBrowser, C::NeedsAppPassword],
        ),
        K::BasicAuthDisabled => (Some(F::AuthBasicAuthDisabled), &[C::SmtpAuthDisabled]),
        K::AuthNotOffered => (
            Some(F::AuthNotOffered),
            &[C::AuthOnlyAfterTls, C::NoStarttlsHere],
        ),
        K::RateLimited => (
            Some(F::AuthRateLimited),
            &[C::TooManyAttempts, C::EhloNameInvalid],
        ),
        K::AuthRequired => (
            Some(F::AuthRequired),
            &[C::NotLoggedIn, C::AuthOnlyAfterTls],
        ),
        K::RelayDenied => (
            Some(F::SendRelayDenied),
            &[C::NotLoggedIn, C::AuthOnlyAfterTls, C::WrongHostOrPort],
        ),
        K::QuotaExceeded => (Some(F::SendQuotaExceeded), &[C::SendingLimit]),
        K::SenderNotVerified => (
            Some(F::SendSenderNotVerified),
            &[C::VerifySender, C::FromMustMatchLogin],
        ),
        K::SenderRejected => (
            Some(F::SendSenderRejected),
            &[C::FromMustMatchLogin, C::VerifySender],
        ),
        K::RecipientRejected => (Some(F::SendRecipientRejected), &[C::RecipientTypo]),
        K::MessageRejected => (Some(F::SendMessageRejected), &[C::ContentRefused]),
        K::DomainUnauthenticated => (
            Some(F::DomainDmarcWillFail),
            &[
                C::DomainNotAuthenticated,
                C::DkimNotSigning,
                C::SpfNotAuthorising,
            ],
        ),
        K::DomainSpf => (
            Some(F::DomainSpfProviderNotAuthorised),
            &[C::SpfNotAuthorising],
        ),
        K::DomainDkim => (Some(F::DomainDkimMissing), &[C::DkimNotSigning]),
        K::DomainAlignment => (
            Some(F::DomainDmarcWillFail),
            &[C::DomainNotAuthenticated, C::DkimNotSigning],
        ),
        K::DomainNoDmarc => (Some(F::DomainDmarcMissing), &[C::NoDmarcRecord]),
        K::DomainPtr => (Some(F::DomainPtrMissing), &[C::NoReverseDns]),
        K::ReceiverRequiresTls => (Some(F::ConfigTlsDisabled), &[C::DeliveredWithoutTls]),
        K::ReceiverThrottled => (Some(F::SendThrottled), &[C::SenderReputation]),
        K::IpBlocklisted => (Some(F::SendIpBlocklisted), &[C::AddressBlocklisted]),
    };
    Meaning { code, causes }
}

/// Whether a greeting that never came (or a connection closed before it) is about port 465,
/// where it is the STARTTLS-on-an-implicit-port mistake rather than a missing greeting.
fn greeting_on_implicit_port(kind: ErrorKind, port: Option<u16>) -> Option<bool> {
    matches!(kind, ErrorKind::NoGreeting | ErrorKind::ConnectionClosed)
        .then_some(port == Some(crate::model::SUBMISSIONS_PORT))
}

/// The finding code for what a text says, on `port` when the text names one.
pub(crate) fn code_for(kind: ErrorKind, port: Option<u16>) -> Option<FindingCode> {
    match greeting_on_implicit_port(kind, port) {
        Some(true) => Some(FindingCode::ConfigStarttlsOnImplicitPort),
        _ => meaning(kind).code,
    }
}

/// The likely causes of `kind`, most likely first, on `port` when the text names one: a
/// missing greeting on a port known not to be 465 is an interceptor before the mode mistake.
pub(crate) fn causes_for(kind: ErrorKind, port: Option<u16>) -> Vec<Cause> {
    let mut causes = meaning(kind).causes.to_vec();
    if greeting_on_implicit_port(kind, port) == Some(false) && port.is_some() {
        causes.swap(0, 1);
    }
    causes
}

/// The kind a finding code stands for, where a provider's reply is what decided it (so where
/// the provider documents it can be looked up): the first kind whose row has this code.
pub(crate) fn kind_for(code: FindingCode) -> Option<ErrorKind> {
    ErrorKind::ALL
        .iter()
        .copied()
        .find(|k| meaning(*k).code == Some(code))
}

/// What the application's own client failing with `kind` means where smtp-doctor's probe of
/// the same path works: the finding about the application's runtime.
pub(crate) fn app_divergence(kind: AppErrorKind) -> FindingCode {
    use AppErrorKind as A;
    use FindingCode as F;
    match kind {
        A::CertUntrusted => F::AppTrustStoreMissingCa,
        A::EhloRejected => F::SmtpEhloNameInvalid,
        A::TlsVersion => F::AppTlsVersionMismatch,
        // What the probe got through and the app did not: something on this machine stops
        // the app's runtime.
        A::Timeout | A::Refused | A::Unreachable | A::Denied | A::Dns | A::NoGreeting => {
            F::AppConnectionBlocked
        }
        A::AuthRejected => F::AppLoginRejected,
        A::Disconnected
        | A::GreetingRejected
        | A::CertExpired
        | A::CertNameMismatch
        | A::WrongVersionNumber
        | A::TlsFailed
        | A::NotSupported
        | A::SenderRejected
        | A::RecipientRejected
        | A::DataRejected
        | A::Config
        | A::Other => F::AppClientFailed,
    }
}

impl FindingCode {
    /// What the application itself reports when this is the cause.
    pub fn symptom(self) -> Symptom {
        use FindingCode as C;
        match self {
            C::TcpFiltered => Symptom::ConnectTimeout,
            C::TcpRefused => Symptom::ConnectRefused,
            C::TcpUnreachable => Symptom::NoRoute,
            C::TcpDenied => Symptom::ConnectDenied,
            C::SmtpNoGreeting | C::ConfigStarttlsOnImplicitPort => Symptom::GreetingTimeout,
            C::ConfigImplicitTlsOnStarttlsPort => Symptom::WrongVersionNumber,
            C::TlsCertUntrusted
            | C::TlsCertExpired
            | C::TlsCertNameMismatch
            | C::TlsCertExpiringSoon
            | C::TlsIntercepted => Symptom::CertificateVerifyFailed,
            C::SmtpStarttlsMissing => Symptom::StarttlsNotSupported,
            C::AppTrustStoreMissingCa => Symptom::CertificateVerifyFailed,
            c if c.layer() == Layer::Dns => Symptom::NameNotResolved,
            c if c.layer() == Layer::Auth => Symptom::AuthenticationError,
            _ => Symptom::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_row_with_causes_and_a_code_unless_the_text_cannot_tell() {
        assert!(ErrorKind::ALL.len() >= 40);
        for kind in ErrorKind::ALL {
            let m = meaning(*kind);
            assert!(!m.causes.is_empty(), "{kind:?} has no cause");
            let mut unique = m.causes.to_vec();
            unique.dedup();
            assert_eq!(unique.len(), m.causes.len(), "{kind:?} repeats a cause");
            assert_eq!(
                m.code.is_none(),
                *kind == ErrorKind::ConnectFailed,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_code_decided_by_a_provider_reply_leads_back_to_its_kind() {
        use ErrorKind as K;
        use FindingCode as F;
        for (code, kind) in [
            (F::AuthWebLoginRequired, K::WebLoginRequired),
            (F::AuthRateLimited, K::RateLimited),
            (F::AuthRequired, K::AuthRequired),
            (F::SendRelayDenied, K::RelayDenied),
            (F::SendQuotaExceeded, K::QuotaExceeded),
            (F::SendSenderNotVerified, K::SenderNotVerified),
        ] {
            assert_eq!(kind_for(code), Some(kind), "{code:?}");
        }
        for kind in ErrorKind::ALL {
            if let Some(code) = meaning(*kind).code {
                assert_eq!(kind_for(code).and_then(|k| meaning(k).code), Some(code));
            }
        }
    }

    #[test]
    fn a_missing_greeting_is_the_mode_mistake_only_on_465() {
        let k = ErrorKind::NoGreeting;
        assert_eq!(
            code_for(k, Some(465)),
            Some(FindingCode::ConfigStarttlsOnImplicitPort)
        );
        assert_eq!(code_for(k, Some(587)), Some(FindingCode::SmtpNoGreeting));
        assert_eq!(code_for(k, None), Some(FindingCode::SmtpNoGreeting));
        assert_eq!(causes_for(k, Some(465))[0], Cause::StarttlsOnImplicitPort);
        assert_eq!(causes_for(k, None)[0], Cause::StarttlsOnImplicitPort);
        assert_eq!(causes_for(k, Some(587))[0], Cause::Interceptor);
    }
}
