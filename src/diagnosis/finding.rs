//! Findings: the diagnosis' vocabulary. Codes are stable (docs/CONTRACT.md); messages are not.

use crate::model::Security;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

macro_rules! finding_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $layer:ident; )*) => {
        /// A stable finding code. The JSON spelling is the contract's (`tcp.filtered`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum FindingCode {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )*
        }

        impl FindingCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FindingCode] = &[ $(FindingCode::$variant),* ];

            /// The stable spelling, e.g. `"tcp.filtered"`.
            pub fn as_str(self) -> &'static str {
                match self { $(FindingCode::$variant => $code,)* }
            }

            /// The protocol layer the finding belongs to; earlier layers explain later ones.
            pub fn layer(self) -> Layer {
                match self { $(FindingCode::$variant => Layer::$layer,)* }
            }
        }
    };
}

finding_codes! {
    /// Settings ask for both STARTTLS and implicit TLS.
    ConfigConflictingTlsFlags = "config.conflicting_tls_flags", Config;
    /// Settings ask for STARTTLS on a port that speaks implicit TLS.
    ConfigStarttlsOnImplicitPort = "config.starttls_on_implicit_port", Config;
    /// Settings ask for implicit TLS on a port that starts in plain text.
    ConfigImplicitTlsOnStarttlsPort = "config.implicit_tls_on_starttls_port", Config;
    /// The host setting is malformed (`smtp.gmail.com,`, `https://smtp.gmail.com`).
    ConfigHostMalformed = "config.host_malformed", Config;
    /// `localhost` inside a container names the container itself, not the machine's server.
    ConfigLocalhostInContainer = "config.localhost_in_container", Config;
    /// `localhost` inside WSL 2 names the Linux VM, not Windows.
    ConfigLocalhostInWsl = "config.localhost_in_wsl", Config;
    /// A one-label name (a Compose service) used where it does not resolve.
    ConfigServiceNameUnresolved = "config.service_name_unresolved", Config;
    /// No timeout is set: the application may wait forever (Django's default).
    ConfigNoTimeout = "config.no_timeout", Config;
    /// Settings use no TLS at all although the server offers it.
    ConfigTlsDisabled = "config.tls_disabled", Config;
    /// The name does not exist.
    DnsNxdomain = "dns.nxdomain", Dns;
    /// The name exists but has no A/AAAA address.
    DnsNoAddress = "dns.no_address", Dns;
    /// No answer from the resolver.
    DnsFailed = "dns.failed", Dns;
    /// The port works over one address family and not the other.
    NetIpv6Broken = "net.ipv6_broken", Tcp;
    /// The network answers SMTP for the target with another server (a hosting proxy).
    NetSmtpRedirected = "net.smtp_redirected", Tcp;
    /// Every SMTP port dropped while the control port (443) of the same address answers.
    NetSmtpBlocked = "net.smtp_blocked", Tcp;
    /// Connect timed out: packets silently dropped.
    TcpFiltered = "tcp.filtered", Tcp;
    /// Connection actively refused.
    TcpRefused = "tcp.refused", Tcp;
    /// No route to the host or network.
    TcpUnreachable = "tcp.unreachable", Tcp;
    /// This machine refused to open the connection.
    TcpDenied = "tcp.denied", Tcp;
    /// Connected, but no 220 greeting before the timeout.
    SmtpNoGreeting = "smtp.no_greeting", Smtp;
    /// A 4xx/5xx greeting.
    SmtpRejectedGreeting = "smtp.rejected_greeting", Smtp;
    /// The peer does not speak SMTP.
    SmtpNotSmtp = "smtp.not_smtp", Smtp;
    /// STARTTLS not offered on a port used with STARTTLS.
    SmtpStarttlsMissing = "smtp.starttls_missing", Smtp;
    /// The server rejected EHLO (and HELO).
    SmtpEhloRejected = "smtp.ehlo_rejected", Smtp;
    /// A port expected to start in plain text speaks implicit TLS (info).
    PortSpeaksImplicitTls = "port.speaks_implicit_tls", Smtp;
    /// A port expected to speak implicit TLS starts in plain text (info).
    PortStartsInPlainText = "port.starts_in_plain_text", Smtp;
    /// TLS negotiation failed.
    TlsHandshakeFailed = "tls.handshake_failed", Tls;
    /// The chain does not lead to a trusted root.
    TlsCertUntrusted = "tls.cert_untrusted", Tls;
    /// The certificate is expired or not yet valid.
    TlsCertExpired = "tls.cert_expired", Tls;
    /// The certificate is not valid for the host name.
    TlsCertNameMismatch = "tls.cert_name_mismatch", Tls;
    /// The chain was issued by TLS-inspecting software.
    TlsIntercepted = "tls.intercepted", Tls;
    /// The certificate expires soon.
    TlsCertExpiringSoon = "tls.cert_expiring_soon", Tls;
    /// Credentials are set but no usable AUTH mechanism is offered.
    AuthNotOffered = "auth.not_offered", Auth;
    /// The server rejected the credentials.
    AuthFailed = "auth.failed", Auth;
    /// The provider requires an app password.
    AuthAppPasswordRequired = "auth.app_password_required", Auth;
    /// The provider has disabled password AUTH.
    AuthBasicAuthDisabled = "auth.basic_auth_disabled", Auth;
    /// Credentials were not sent over an unverified connection.
    AuthRefusedPlaintext = "auth.refused_plaintext", Auth;
    /// MAIL FROM rejected.
    SendSenderRejected = "send.sender_rejected", Send;
    /// RCPT TO rejected.
    SendRecipientRejected = "send.recipient_rejected", Send;
    /// DATA rejected.
    SendMessageRejected = "send.message_rejected", Send;
    /// The application's runtime does not trust a chain smtp-doctor trusts.
    AppTrustStoreMissingCa = "app.trust_store_missing_ca", Tls;
    /// The name the application's client announces in EHLO is invalid or refused.
    SmtpEhloNameInvalid = "smtp.ehlo_name_invalid", Smtp;
    /// The application's runtime and the server share no TLS version.
    AppTlsVersionMismatch = "app.tls_version_mismatch", Tls;
    /// The application's runtime cannot connect where smtp-doctor can.
    AppConnectionBlocked = "app.connection_blocked", Tcp;
    /// The application's login is rejected where smtp-doctor's is accepted.
    AppLoginRejected = "app.login_rejected", Auth;
    /// The application's client fails in another way where smtp-doctor's probe works.
    AppClientFailed = "app.client_failed", Send;
    /// The application's client works where smtp-doctor's probe does not (a warning).
    AppClientWorks = "app.client_works", Send;
    /// The credentials break a rule of the provider's, seen before any login (a warning).
    AuthCredentialsSuspect = "auth.credentials_suspect", Auth;
    /// The provider asks for an interactive sign-in (Gmail 534 5.7.14).
    AuthWebLoginRequired = "auth.web_login_required", Auth;
    /// Too many logins or connections: try again later (454 4.7.0, 421 4.7.0).
    AuthRateLimited = "auth.rate_limited", Auth;
    /// The server requires a login before it takes mail, and none was made.
    AuthRequired = "auth.required", Auth;
    /// The server refuses to relay for an unauthenticated client.
    SendRelayDenied = "send.relay_denied", Send;
    /// A sending limit was hit (550 5.4.5).
    SendQuotaExceeded = "send.quota_exceeded", Send;
    /// The provider requires a verified sender.
    SendSenderNotVerified = "send.sender_not_verified", Send;
    /// A receiver defers mail from this address or domain for its rate or complaints (Gmail
    /// 4.7.28, Yahoo TSS04).
    SendThrottled = "send.throttled", Send;
    /// A receiver refuses the sending address: it is on a blocklist (Yahoo BL21).
    SendIpBlocklisted = "send.ip_blocklisted", Send;
    /// The sender's domain does not exist (no SOA, MX or address).
    DomainNotFound = "domain.not_found", Domain;
    /// A free-mail From sent through another service.
    DomainFreemailFrom = "domain.freemail_from", Domain;
    /// The sender's domain could not be checked (no answer from the resolver).
    DomainLookupFailed = "domain.lookup_failed", Domain;
    /// No SPF record.
    DomainSpfMissing = "domain.spf_missing", Domain;
    /// More than one SPF record.
    DomainSpfMultiple = "domain.spf_multiple", Domain;
    /// The SPF record does not parse.
    DomainSpfInvalid = "domain.spf_invalid", Domain;
    /// SPF evaluation needs more than 10 DNS-querying terms.
    DomainSpfTooManyLookups = "domain.spf_too_many_lookups", Domain;
    /// More than 2 SPF lookups return no answer.
    DomainSpfVoidLookups = "domain.spf_void_lookups", Domain;
    /// SPF does not authorise the sending service (or your server's address).
    DomainSpfProviderNotAuthorised = "domain.spf_provider_not_authorised", Domain;
    /// No DKIM key at the provider's selectors.
    DomainDkimMissing = "domain.dkim_missing", Domain;
    /// A DKIM key record has an empty `p=`.
    DomainDkimRevoked = "domain.dkim_revoked", Domain;
    /// A DKIM key record has `t=y`.
    DomainDkimTesting = "domain.dkim_testing", Domain;
    /// A DKIM key shorter than 1024 bits.
    DomainDkimKeyTooShort = "domain.dkim_key_too_short", Domain;
    /// A DKIM selector's CNAME leads to no record.
    DomainDkimDangling = "domain.dkim_dangling", Domain;
    /// No DMARC record for the domain or its organisational domain.
    DomainDmarcMissing = "domain.dmarc_missing", Domain;
    /// The DMARC record does not parse, or there are several.
    DomainDmarcInvalid = "domain.dmarc_invalid", Domain;
    /// Neither SPF nor DKIM can pass aligned, and the policy is quarantine or reject.
    DomainDmarcWillFail = "domain.dmarc_will_fail", Domain;
    /// Your own server's address has no reverse DNS name.
    DomainPtrMissing = "domain.ptr_missing", Domain;
    /// The reverse name does not resolve back to the address.
    DomainPtrMismatch = "domain.ptr_mismatch", Domain;
}

/// Protocol layers, in the order a connection goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// The application's settings.
    Config,
    /// Name resolution.
    Dns,
    /// TCP connect (and address-family reachability).
    Tcp,
    /// The SMTP dialogue before TLS.
    Smtp,
    /// TLS and certificates.
    Tls,
    /// Login.
    Auth,
    /// Sending a message.
    Send,
    /// The sender's domain (SPF, DKIM, DMARC, PTR): whether the mail will be accepted after
    /// it is sent. Last: a domain finding never explains a path that does not work.
    Domain,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Good to know.
    Info,
    /// Works, but something needs attention.
    Warning,
    /// This breaks sending.
    Error,
}

/// One diagnosed fact with what to do about it. The diagnosis makes a `Finding<Said>`: what it
/// says, typed. A report carries a `Finding` (`Finding<String>`): the same, its message rendered
/// in the report's language (see [`Said`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding<M = String> {
    /// Stable code.
    pub code: FindingCode,
    /// How bad it is.
    pub severity: Severity,
    /// The port concerned, or `None` for findings about no single port.
    pub port: Option<u16>,
    /// The addresses concerned, when it is about some of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<IpAddr>,
    /// What it means and what to do: typed ([`Said`]) in the diagnosis, a sentence in a report.
    pub message: M,
    /// The raw evidence (a reply, an errno, an issuer), escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl<M> Finding<M> {
    /// The same finding, its message turned into another form (rendered, for a report).
    pub fn map_message<N>(self, render: impl FnOnce(M) -> N) -> Finding<N> {
        Finding {
            code: self.code,
            severity: self.severity,
            port: self.port,
            addresses: self.addresses,
            message: render(self.message),
            evidence: self.evidence,
        }
    }
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Everything probed works securely.
    Ok,
    /// Some paths work, some do not.
    Degraded,
    /// Nothing works.
    Failed,
}

impl Verdict {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Degraded => "degraded",
            Verdict::Failed => "failed",
        }
    }
}

/// What a finding or a fix says, as the diagnosis chose it: a message of the catalogue, typed.
/// The diagnosis decides and compares with this, never with a sentence (the catalogue's
/// rendering, in the reader's language). It is rendered once, where a report is built for its
/// language (`report::sentence`): the report is what every output is made from, and a report
/// read back from JSON is then the same thing as one just built, a sentence and nothing else.
///
/// Opaque to library users: the catalogue's messages are the crate's own business, so what
/// a user gets of it is its sentence, from the report (`Report::new`) or `sentence`.
#[derive(Debug, Clone, PartialEq)]
pub struct Said(pub(crate) Saying);

/// The kinds of message a [`Said`] holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Saying {
    /// A message of the catalogue.
    Msg(Box<crate::i18n::Msg>),
    /// A message about the application's own client.
    App(Box<crate::i18n::app_client::AppMsg>),
    /// A message about the sender's domain.
    Domain(Box<crate::i18n::domain::DomainMsg>),
    /// A cloud provider's own way out of its SMTP block (its page, in its words).
    Hosting(crate::model::Hosting),
}

impl From<crate::i18n::Msg> for Said {
    fn from(msg: crate::i18n::Msg) -> Said {
        Said(Saying::Msg(Box::new(msg)))
    }
}

impl From<crate::i18n::app_client::AppMsg> for Said {
    fn from(msg: crate::i18n::app_client::AppMsg) -> Said {
        Said(Saying::App(Box::new(msg)))
    }
}

impl From<crate::i18n::domain::DomainMsg> for Said {
    fn from(msg: crate::i18n::domain::DomainMsg) -> Said {
        Said(Saying::Domain(Box::new(msg)))
    }
}

/// One thing to change, best first. Like [`Finding`]: `Recommendation<Said>` as the diagnosis
/// makes it, `Recommendation` (its sentence) in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation<M = String> {
    /// The port to use, when the fix is a port.
    pub port: Option<u16>,
    /// The security mode to use with it.
    pub security: Option<Security>,
    /// What to do: typed ([`Said`]) in the diagnosis, in words in a report.
    pub message: M,
    /// The exact settings to change (empty when the fix is not a setting).
    pub settings: crate::frameworks::Settings,
    /// Commands that carry out the fix, where there are some (e.g. a firewall rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
}

impl<M> Recommendation<M> {
    /// The same fix, its message turned into another form (rendered, for a report).
    pub fn map_message<N>(self, render: impl FnOnce(M) -> N) -> Recommendation<N> {
        Recommendation {
            port: self.port,
            security: self.security,
            message: render(self.message),
            settings: self.settings,
            commands: self.commands,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::causes::Symptom;

    #[test]
    fn codes_serialise_as_their_contract_spelling() {
        for code in FindingCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: FindingCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *code);
        }
    }

    #[test]
    fn a_fix_is_written_and_read_back_with_its_sentence_alone() {
        let fix = Recommendation {
            port: Some(465),
            security: Some(Security::ImplicitTls),
            message: Said::from(crate::i18n::Msg::RecServerAdmin),
            settings: Default::default(),
            commands: vec!["a command".into()],
        };
        let fix = fix.map_message(|_| "Use 465.".to_string());
        let json = serde_json::to_value(&fix).unwrap();
        assert_eq!(json["message"], "Use 465.");
        let back: Recommendation = serde_json::from_value(json).unwrap();
        assert_eq!(back, fix);
    }

    #[test]
    fn symptoms_follow_the_code() {
        assert_eq!(
            FindingCode::DnsNoAddress.symptom(),
            Symptom::NameNotResolved
        );
        assert_eq!(
            FindingCode::AuthBasicAuthDisabled.symptom(),
            Symptom::AuthenticationError
        );
        assert_eq!(
            FindingCode::TlsCertExpiringSoon.symptom(),
            Symptom::CertificateVerifyFailed
        );
        assert_eq!(FindingCode::TlsHandshakeFailed.symptom(), Symptom::Other);
        assert_eq!(FindingCode::NetIpv6Broken.symptom(), Symptom::Other);
    }

    #[test]
    fn layers_order_dns_before_tcp_before_tls() {
        assert!(FindingCode::DnsFailed.layer() < FindingCode::TcpFiltered.layer());
        assert!(FindingCode::TcpFiltered.layer() < FindingCode::SmtpNoGreeting.layer());
        assert!(FindingCode::SmtpNoGreeting.layer() < FindingCode::TlsCertExpired.layer());
        assert!(FindingCode::TlsCertExpired.layer() < FindingCode::AuthFailed.layer());
    }
}
