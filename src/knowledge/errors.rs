//! The vocabulary of the errors applications print when they cannot send mail: Python's
//! socket/ssl/smtplib (and Django on top), Node's nodemailer, PHPMailer, Symfony/Laravel's
//! mailer, .NET (System.Net.Mail, MailKit), Java Mail, Ruby's Net::SMTP, the operating system's
//! socket errors in their Windows (WinError/WSA) and POSIX (errno) numbers and wordings, and
//! providers' SMTP replies with their enhanced codes.
//!
//! Pure and cheap: [`classify`] reads at most [`MAX_INPUT`] bytes of any text (a whole traceback
//! or log excerpt, or one exception's `Type: message`), never panics, and keeps nothing of the
//! input but a host candidate made only of host-name characters (which a caller still has to
//! validate, e.g. with `plan::validate_host`), a port and a reply code.

use crate::model::ProviderId;

/// The most bytes of a text that are read; the rest is ignored.
pub const MAX_INPUT: usize = 64 * 1024;

macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $variant:ident; )*) => {
        /// What failed, as the text says it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorKind {
            /// Every kind, in declaration order (for the tables keyed by kind and their tests).
            pub const ALL: &'static [ErrorKind] = &[ $(ErrorKind::$variant),* ];
        }
    };
}

error_kinds! {
    /// Both TLS settings are on (Django's "mutually exclusive" error).
    ConflictingTlsFlags;
    /// The name does not exist (NXDOMAIN, "Name or service not known", ENOTFOUND).
    DnsNxdomain;
    /// The resolver gave no answer ("Temporary failure in name resolution", EAI_AGAIN).
    DnsFailed;
    /// The connect timed out (WinError 10060, errno 110, ETIMEDOUT, Net::OpenTimeout).
    ConnectTimeout;
    /// The connect was refused (WinError 10061, errno 111, ECONNREFUSED).
    ConnectRefused;
    /// No route to the host or network (WinError 10051/10065, errno 101/113).
    Unreachable;
    /// This machine refused to open the connection (WinError 10013, EACCES, EPERM).
    Denied;
    /// The connection could not be made, and the text does not say why.
    ConnectFailed;
    /// Connected, then no greeting before the timeout ("Greeting never received").
    NoGreeting;
    /// The server closed the connection before or during the dialogue.
    ConnectionClosed;
    /// TLS spoken to a port that starts in plain text ("wrong version number").
    WrongVersionNumber;
    /// The TLS handshake failed (alert, ciphers, "handshake failure").
    TlsHandshake;
    /// No TLS version both sides accept ("unsupported protocol", "protocol version").
    TlsVersion;
    /// The chain does not lead to a trusted root ("unable to get local issuer certificate",
    /// "PKIX path building failed", "self-signed certificate").
    CertUntrusted;
    /// The certificate is expired or not yet valid.
    CertExpired;
    /// The certificate is not valid for the host name.
    CertNameMismatch;
    /// The server does not offer STARTTLS.
    StarttlsMissing;
    /// The server requires STARTTLS before it goes on ("Must issue a STARTTLS command first").
    StarttlsRequired;
    /// EHLO/HELO refused (e.g. `501 5.5.4 HELO/EHLO argument invalid`).
    EhloRejected;
    /// The server rejected the credentials (535 5.7.8 and the like).
    AuthFailed;
    /// The provider requires an app password (Gmail 534 5.7.9).
    AppPasswordRequired;
    /// The provider asks for an interactive sign-in (Gmail 534 5.7.14).
    WebLoginRequired;
    /// The provider has disabled password AUTH (Microsoft 365 5.7.139, 5.7.30).
    BasicAuthDisabled;
    /// The server offers no AUTH ("SMTP AUTH extension not supported by server").
    AuthNotOffered;
    /// Too many logins or connections: try again later (454 4.7.0, 421 4.7.0, throttling).
    RateLimited;
    /// The server requires a login before it takes mail (530 5.7.0 Authentication Required;
    /// .NET's "requires a secure connection or the client was not authenticated" around it):
    /// the client sent without logging in.
    AuthRequired;
    /// The server refuses to relay for an unauthenticated client (554 5.7.1 Relay access
    /// denied, 530 5.7.57).
    RelayDenied;
    /// A sending limit was hit (550 5.4.5 and the like).
    QuotaExceeded;
    /// The provider requires a verified sender (SES sandbox, SendGrid sender identity,
    /// Microsoft 365 5.7.60).
    SenderNotVerified;
    /// MAIL FROM rejected.
    SenderRejected;
    /// RCPT TO rejected.
    RecipientRejected;
    /// DATA rejected.
    MessageRejected;
    /// A receiver refused the mail as unauthenticated: neither SPF nor DKIM passes aligned and
    /// the domain's DMARC policy refuses it (Gmail 550 5.7.26, Yahoo 550/554 5.7.9, Outlook.com
    /// 550 5.7.515).
    DomainUnauthenticated;
    /// A receiver refused or deferred the mail because SPF did not pass (Gmail 4.7.27/5.7.27).
    DomainSpf;
    /// … because DKIM did not pass (Gmail 4.7.30/5.7.30).
    DomainDkim;
    /// … because the From domain is not aligned with SPF or DKIM (Gmail 4.7.32).
    DomainAlignment;
    /// … because the domain publishes no DMARC record (Gmail 4.7.40).
    DomainNoDmarc;
    /// … because the sending address has no (forward-confirmed) reverse DNS (Gmail 4.7.23,
    /// 5.7.25).
    DomainPtr;
    /// … because the message did not come over TLS (Gmail 4.7.29).
    ReceiverRequiresTls;
    /// A receiver defers mail from this address or domain for its rate or complaints (Gmail
    /// 4.7.28, Yahoo 421 4.7.0 \[TSS04\]).
    ReceiverThrottled;
    /// A receiver refuses the sending address: it is on a blocklist (Yahoo 553 5.7.1 \[BL21\]).
    IpBlocklisted;
}

impl ErrorKind {
    /// A refusal by the receiving side about the sender's domain or address (what
    /// `check --from` examines), not about the connection or the login.
    pub fn is_receiver_policy(self) -> bool {
        use ErrorKind as K;
        matches!(
            self,
            K::DomainUnauthenticated
                | K::DomainSpf
                | K::DomainDkim
                | K::DomainAlignment
                | K::DomainNoDmarc
                | K::DomainPtr
                | K::ReceiverRequiresTls
                | K::ReceiverThrottled
                | K::IpBlocklisted
        )
    }
}

/// The runtime (language and its mail library) that printed the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// Python (socket, ssl, smtplib, Django, Flask-Mail).
    Python,
    /// Node.js (nodemailer).
    Node,
    /// PHP (PHPMailer, Symfony Mailer, Laravel, SwiftMailer).
    Php,
    /// .NET (System.Net.Mail, MailKit).
    Dotnet,
    /// Java (Jakarta/Java Mail, Spring).
    Java,
    /// Ruby (Net::SMTP, ActionMailer).
    Ruby,
}

impl Runtime {
    /// The stable spelling: `python`, `node`, `php`, `dotnet`, `java`, `ruby`.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Python => "python",
            Runtime::Node => "node",
            Runtime::Php => "php",
            Runtime::Dotnet => "dotnet",
            Runtime::Java => "java",
            Runtime::Ruby => "ruby",
        }
    }
}

/// What `classify` found in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Classified {
    /// What failed, when the text says it.
    pub kind: Option<ErrorKind>,
    /// Which runtime printed it, when that shows.
    pub runtime: Option<Runtime>,
    /// The server named in the text: only host-name characters (letters, digits, `.-_:`), at
    /// most 253 of them; not yet validated as a host.
    pub host: Option<String>,
    /// The port named in the text.
    pub port: Option<u16>,
    /// The SMTP reply code quoted in the text (e.g. 535).
    pub code: Option<u16>,
    /// The enhanced status code quoted in the text (e.g. `5.7.8`).
    pub enhanced: Option<String>,
    /// The refusal came in answer to EHLO/HELO (`(EHLO)`, `EHLO command failed`): the name
    /// the client introduced itself with is the first suspect.
    pub at_ehlo: bool,
    /// The sender's domain a receiver's refusal names (`sending domain [example.com]`,
    /// `Unauthenticated email from example.com`): host-name characters only, not validated.
    pub sender_domain: Option<String>,
}

/// Classifies an error text. Reads at most [`MAX_INPUT`] bytes; any bytes are fine.
pub(crate) fn classify(text: &str) -> Classified {
    let mut end = text.len().min(MAX_INPUT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let lower = text.to_lowercase();
    let (code, enhanced) = reply_code(&lower);
    let (host, port) = endpoint(text);
    let port = port.or_else(|| port_word(&lower));
    let kind = kind(&lower, code, enhanced.as_deref());
    let at_ehlo = any(
        &lower,
        &[
            "(ehlo)",
            "ehlo command failed",
            "_actionehlo",
            "helo command failed",
        ],
    );
    let sender_domain = kind
        .filter(|k| k.is_receiver_policy())
        .and_then(|_| sender_domain(&lower));
    Classified {
        kind,
        runtime: runtime(&lower),
        host,
        port,
        code,
        enhanced,
        at_ehlo,
        sender_domain,
    }
}

/// The sender's domain in a receiver's refusal: Outlook.com's `sending domain [X]`, Gmail's
/// `email from X is not accepted`. Only host-name characters are kept.
fn sender_domain(lower: &str) -> Option<String> {
    let after = |marker: &str| -> Option<&str> {
        let i = lower.find(marker)?;
        Some(&lower[i + marker.len()..])
    };
    let raw = after("sending domain [")
        .or_else(|| after("sending domain "))
        .or_else(|| after("unauthenticated email from "))
        .or_else(|| after("email from "))?;
    let name: String = raw
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .take(253)
        .collect();
    let name = name.trim_end_matches('.').to_string();
    (name.contains('.') && !name.starts_with('.')).then_some(name)
}

/// One row of [`PROVIDER_REPLIES`]: the provider (`None` for a server software's own wording),
/// code, enhanced code, reply text, kind, source.
pub(crate) type ProviderReply = (
    Option<ProviderId>,
    u16,
    &'static str,
    &'static str,
    ErrorKind,
    &'static str,
);

/// Providers' refusals as they send them, what they mean, and where the provider documents it:
/// the table [`classify_reply`] is tested on.
pub(crate) const PROVIDER_REPLIES: &[ProviderReply] = &[
    (Some(ProviderId::Google), 534, "5.7.9", "5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor", ErrorKind::AppPasswordRequired, "https://support.google.com/mail/?p=InvalidSecondFactor"),
    (Some(ProviderId::Google), 534, "5.7.14", "5.7.14 <https://accounts.google.com/signin/continue?...> Please log in via your web browser and then try again.", ErrorKind::WebLoginRequired, "https://support.google.com/mail/answer/7126229"),
    (Some(ProviderId::Google), 535, "5.7.8", "5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials", ErrorKind::AuthFailed, "https://support.google.com/mail/?p=BadCredentials"),
    (Some(ProviderId::Google), 454, "4.7.0", "4.7.0 Too many login attempts, please try again later.", ErrorKind::RateLimited, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.0", "4.7.0 Try again later, closing connection. (EHLO)", ErrorKind::RateLimited, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 550, "5.4.5", "5.4.5 Daily user sending limit exceeded.", ErrorKind::QuotaExceeded, "https://support.google.com/a/answer/166852"),
    (Some(ProviderId::Google), 530, "5.7.0", "5.7.0 Authentication Required. Learn more at https://support.google.com/mail/?p=WantAuthError", ErrorKind::AuthRequired, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Microsoft365), 535, "5.7.139", "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", ErrorKind::BasicAuthDisabled, "https://aka.ms/smtp_auth_disabled"),
    (Some(ProviderId::Microsoft365), 535, "5.7.139", "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.", ErrorKind::BasicAuthDisabled, "https://aka.ms/smtp_auth_disabled"),
    (Some(ProviderId::Microsoft365), 550, "5.7.30", "5.7.30 Basic authentication is not supported for Client Submission.", ErrorKind::BasicAuthDisabled, "https://learn.microsoft.com/exchange/troubleshoot/email-delivery/fix-error-code-550-5-7-30"),
    (Some(ProviderId::Microsoft365), 530, "5.7.57", "5.7.57 Client not authenticated to send mail.", ErrorKind::RelayDenied, "https://learn.microsoft.com/exchange/troubleshoot/email-delivery/send-receive-emails-smtp-error"),
    (Some(ProviderId::Microsoft365), 550, "5.7.60", "5.7.60 SMTP; Client does not have permissions to send as this sender.", ErrorKind::SenderNotVerified, "https://learn.microsoft.com/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-60"),
    (Some(ProviderId::AmazonSes), 554, "", "Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: app@example.com", ErrorKind::SenderNotVerified, "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html"),
    (Some(ProviderId::AmazonSes), 454, "", "Throttling failure: Maximum sending rate exceeded.", ErrorKind::RateLimited, "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html"),
    (Some(ProviderId::AmazonSes), 454, "", "Throttling failure: Daily message quota exceeded.", ErrorKind::QuotaExceeded, "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-error-messages.html"),
    (Some(ProviderId::Sendgrid), 550, "", "The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.", ErrorKind::SenderNotVerified, "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/sender-identity"),
    (Some(ProviderId::Sendgrid), 535, "", "Authentication failed: Bad username / password", ErrorKind::AuthFailed, "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api"),
    (None, 554, "5.7.1", "5.7.1 <someone@example.org>: Relay access denied", ErrorKind::RelayDenied, "https://www.postfix.org/SMTPD_ACCESS_README.html"),
    (Some(ProviderId::Google), 550, "5.7.26", "5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail.", ErrorKind::DomainUnauthenticated, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 550, "5.7.26", "5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked. The sender must authenticate with at least one of SPF or DKIM.", ErrorKind::DomainUnauthenticated, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.27", "4.7.27 Your email has been rate limited because SPF authentication didn't pass for this message.", ErrorKind::DomainSpf, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 550, "5.7.27", "5.7.27 This mail has been blocked because the sender is unauthenticated. SPF authentication did not pass for this message.", ErrorKind::DomainSpf, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.30", "4.7.30 Your email has been rate limited because DKIM authentication didn't pass for this message.", ErrorKind::DomainDkim, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 550, "5.7.30", "5.7.30 This mail has been blocked because DKIM authentication didn't pass for this message.", ErrorKind::DomainDkim, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.32", "4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain.", ErrorKind::DomainAlignment, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.40", "4.7.40 Your email has been rate limited because DMARC policy is not enabled for the domain in the From: header.", ErrorKind::DomainNoDmarc, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.23", "4.7.23 The sending IP does not have a PTR record setup, or the corresponding forward DNS entry does not match the sending IP.", ErrorKind::DomainPtr, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 550, "5.7.25", "5.7.25 The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP.", ErrorKind::DomainPtr, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.29", "4.7.29 Your email has been rate limited because this message wasn't sent over a TLS connection.", ErrorKind::ReceiverRequiresTls, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Google), 421, "4.7.28", "4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.", ErrorKind::ReceiverThrottled, "https://support.google.com/a/answer/3726730"),
    (Some(ProviderId::Yahoo), 550, "5.7.9", "5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.", ErrorKind::DomainUnauthenticated, "https://senders.yahooinc.com/smtp-error-codes/"),
    (Some(ProviderId::Yahoo), 554, "5.7.9", "5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes", ErrorKind::DomainUnauthenticated, "https://senders.yahooinc.com/smtp-error-codes/"),
    (Some(ProviderId::Yahoo), 421, "4.7.0", "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", ErrorKind::ReceiverThrottled, "https://senders.yahooinc.com/smtp-error-codes/"),
    (Some(ProviderId::Yahoo), 553, "5.7.1", "5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes", ErrorKind::IpBlocklisted, "https://senders.yahooinc.com/smtp-error-codes/"),
    (Some(ProviderId::OutlookCom), 550, "5.7.515", "5.7.515 Access denied, sending domain [EXAMPLE.COM] doesn't meet the required authentication level.", ErrorKind::DomainUnauthenticated, "https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/strengthening-email-ecosystem-outlook%E2%80%99s-new-requirements-for-high%E2%80%90volume-senders/4399730"),
];

/// Where `provider` documents a refusal of this kind, from [`PROVIDER_REPLIES`].
pub(crate) fn documented(provider: ProviderId, kind: ErrorKind) -> Option<&'static str> {
    PROVIDER_REPLIES
        .iter()
        .find(|row| row.0 == Some(provider) && row.4 == kind)
        .map(|row| row.5)
}

/// What a server's reply means, when it says more than its code: the same vocabulary as
/// [`classify`], for a reply smtp-doctor's own probe received (AUTH, MAIL FROM, RCPT TO, DATA).
/// The text is the server's: at most 2 KiB of it is read.
pub(crate) fn classify_reply(code: u16, enhanced: Option<&str>, text: &str) -> Option<ErrorKind> {
    let mut lower: String = text.chars().take(2048).collect::<String>().to_lowercase();
    lower.insert_str(0, &format!("{code} "));
    let found = reply_code(&lower).1;
    kind(&lower, Some(code), enhanced.or(found.as_deref()))
}

/// Microsoft 365's refusal names its security defaults (not the tenant's SMTP AUTH switch).
pub(crate) fn names_security_defaults(text: &str) -> bool {
    text.to_ascii_lowercase().contains("security defaults")
}

/// One thing a text can say that tells what failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clue {
    /// Words as the libraries print them, in lower case. An errno-style name (`etimedout`,
    /// `eauth`: an `e` and letters only) must stand as a word of its own, so
    /// `modulenotfounderror` is not `enotfound`.
    Phrase(&'static str),
    /// An enhanced status code (`5.7.8`): the reply's own, or one standing alone in the text.
    Enhanced(&'static str),
    /// The reply code.
    Code(u16),
    /// A Windows socket error: its number (WinError, WSA code), its HRESULT-style hex (.NET)
    /// and its WSA name.
    Winsock(&'static str, &'static str, &'static str),
    /// A POSIX errno as the runtimes print it: `[Errno 111]`, `errno 111`, `errno=111`,
    /// `errno: 111`.
    Errno(&'static str),
}

/// One row of [`RULES`]: the text says `kind` when it says one of `any`, and one of `also`
/// when `also` is not empty, and none of `unless`.
#[derive(Debug)]
struct Rule {
    kind: ErrorKind,
    any: &'static [Clue],
    also: &'static [Clue],
    unless: &'static [Clue],
}

const fn row(kind: ErrorKind, any: &'static [Clue]) -> Rule {
    Rule {
        kind,
        any,
        also: &[],
        unless: &[],
    }
}

impl Rule {
    /// Only together with one of `also` (a code shared by two meanings).
    const fn with(self, also: &'static [Clue]) -> Rule {
        Rule { also, ..self }
    }

    /// Never when the text says one of `unless`.
    const fn unless(self, unless: &'static [Clue]) -> Rule {
        Rule { unless, ..self }
    }
}

/// What failed, by what the text says: the first row that matches decides, so a row comes
/// before the rows whose wording or code it shares a part of.
#[rustfmt::skip]
const RULES: &[Rule] = {
    use Clue::{Code as C, Enhanced as E, Errno as N, Phrase as P, Winsock as W};
    use ErrorKind as K;
    &[
    // Settings that cannot work at all.
    row(K::ConflictingTlsFlags, &[P("email_use_tls/email_use_ssl are mutually exclusive")]),
    // Providers' policies: the enhanced code or the wording names them exactly.
    row(K::AppPasswordRequired, &[P("application-specific password")]),
    // Receivers' refusals of the sender's domain or address (Gmail's, Yahoo's and
    // Outlook.com's sender requirements): before the login and rate wordings they share codes
    // with (Gmail's 534 5.7.9 is an app password, Yahoo's 550/554 5.7.9 a policy refusal;
    // Microsoft 365's 5.7.30 is about basic auth, Gmail's about DKIM).
    row(K::DomainUnauthenticated, &[E("5.7.26"), E("5.7.515")]),
    row(K::DomainUnauthenticated, &[E("5.7.9")])
        .with(&[C(550), C(554), P("policy reasons"), P("sender is unauthenticated")]),
    row(K::DomainSpf, &[E("4.7.27"), E("5.7.27")]),
    row(K::DomainDkim, &[E("4.7.30"), E("5.7.30")]).with(&[P("dkim")]),
    row(K::DomainAlignment, &[E("4.7.32")]),
    row(K::DomainNoDmarc, &[E("4.7.40")]),
    row(K::DomainPtr, &[E("4.7.23"), E("5.7.25")]),
    row(K::ReceiverRequiresTls, &[E("4.7.29")]),
    row(K::ReceiverThrottled, &[E("4.7.28"), P("[tss04]")]),
    row(K::IpBlocklisted, &[P("[bl21]"), P("spamhaus")]),
    row(K::WebLoginRequired, &[E("5.7.14"), P("log in via your web browser"), P("log in with your web browser")]),
    row(K::AppPasswordRequired, &[E("5.7.9")]),
    row(K::BasicAuthDisabled, &[E("5.7.139"), E("5.7.30"), P("smtpclientauthentication is disabled"), P("basic authentication is disabled"), P("basic authentication is not supported"), P("security defaults")]),
    row(K::SenderNotVerified, &[E("5.7.60"), P("email address is not verified"), P("address is not verified"), P("verified sender identity"), P("does not have permissions to send as this sender"), P("sender identity")]),
    row(K::QuotaExceeded, &[E("5.4.5"), P("sending limit exceeded"), P("sending quota exceeded"), P("daily message quota exceeded"), P("message quota exceeded"), P("quota exceeded"), P("sending limits")]),
    row(K::RateLimited, &[P("too many login attempts"), P("try again later"), P("throttling failure"), P("temporary authentication failure"), P("rate limit"), P("too many connections"), P("too many concurrent")]),
    row(K::RateLimited, &[E("4.7.0")]).with(&[C(421), C(454)]),
    // .NET says "authentication failed" of a TLS handshake too: those are not the login.
    row(K::AuthFailed, &[E("5.7.8"), C(535), P("username and password not accepted"), P("authentication unsuccessful"), P("authentication failed"), P("smtpauthenticationerror"), P("invalid login"), P("could not authenticate"), P("failed to authenticate"), P("authenticationfailedexception"), P("authenticationexception"), P("bad credentials"), P("incorrect authentication data"), P("eauth")])
        .unless(&[P("authentication failed, see inner exception"), P("authentication failed because the remote party")]),
    row(K::RelayDenied, &[E("5.7.57"), P("relay access denied"), P("relaying denied"), P("relay not permitted"), P("unable to relay"), P("not authenticated to send")]),
    row(K::StarttlsRequired, &[P("must issue a starttls command first"), P("starttls is required to send mail"), P("must issue a starttls")]),
    // After the STARTTLS refusals: .NET wraps "5.7.0 Must issue a STARTTLS command first" in
    // the same "requires a secure connection or the client was not authenticated" sentence.
    row(K::AuthRequired, &[P("authentication required"), P("authentication is required"), P("client was not authenticated"), P("client is not authenticated"), P("client not authenticated")]),
    row(K::AuthNotOffered, &[P("smtp auth extension not supported"), P("auth extension not supported"), P("does not support authentication"), P("authentication not enabled"), P("no supported authentication"), P("authentication mechanism not supported")]),
    // The envelope.
    row(K::SenderRejected, &[P("sender address rejected"), P("smtpsenderrefused"), P("mail command failed"), P("mail from command failed"), P("mailfromfailed"), P("sender rejected")]),
    row(K::RecipientRejected, &[P("recipient address rejected"), P("smtprecipientsrefused"), P("recipient command failed"), P("all recipients were rejected"), P("user unknown"), P("no such user"), P("mailbox unavailable"), P("invalid addresses"), P("does not exist. please try double-checking the recipient"), P("recipientnotaccepted"), E("5.1.1")]),
    row(K::MessageRejected, &[P("data command failed"), P("message rejected"), P("smtpdataerror")]),
    // STARTTLS and EHLO.
    row(K::StarttlsMissing, &[P("starttls extension not supported"), P("starttls is required but host does not support starttls"), P("does not support the starttls extension"), P("server does not support secure connections"), P("does not support starttls"), P("starttls not supported")]),
    row(K::EhloRejected, &[P("helo/ehlo argument"), P("smtphelo"), P("helo command rejected"), P("ehlo command failed"), P("invalid helo"), P("syntactically invalid helo"), P("syntactically invalid ehlo")]),
    row(K::EhloRejected, &[E("5.5.4")]).with(&[C(501)]),
    // TLS.
    row(K::WrongVersionNumber, &[P("wrong version number"), P("wrong_version_number"), P("unrecognized ssl message, plaintext connection"), P("unexpected packet format"), P("packet length too long"), P("unknown protocol"), P("port 587 is typically reserved for plain-text connections")]),
    row(K::CertExpired, &[P("certificate has expired"), P("cert_has_expired"), P("certificate expired"), P("certificateexpiredexception"), P("certificate_expired"), P("validity check failed"), P("certificate is not yet valid"), P("certificatenotyetvalid"), P("nottimevalid")]),
    row(K::CertNameMismatch, &[P("hostname mismatch"), P("host name mismatch"), P("err_tls_cert_altname_invalid"), P("does not match certificate's altnames"), P("doesn't match"), P("no subject alternative dns name matching"), P("no subject alternative names matching"), P("remotecertificatenamemismatch"), P("host name did not match"), P("certificate is not valid for"), P("no alternative certificate subject name matches"), P("peer certificate cn="), P("no name matching"), P("does not match the server certificate"), P("x509: certificate is valid for"), P("notvalidforname"), P("not valid for name")]),
    row(K::CertUntrusted, &[P("certificate_verify_failed"), P("certificate verify failed"), P("unable to get local issuer certificate"), P("unable_to_get_issuer_cert"), P("unable to verify the first certificate"), P("unable_to_verify_leaf_signature"), P("self signed certificate"), P("self-signed certificate"), P("self_signed_cert_in_chain"), P("depth_zero_self_signed_cert"), P("pkix path building failed"), P("pkix path validation failed"), P("unable to find valid certification path"), P("remote certificate is invalid"), P("remotecertificatechainerrors"), P("not trusted by the system"), P("untrusted root"), P("unknown ca"), P("certificate unknown"), P("certificate_unknown"), P("unable to check revocation"), P("certificate could not be validated")]),
    row(K::TlsVersion, &[P("unsupported protocol"), P("protocol version"), P("no protocols available"), P("protocol is disabled or cipher suites are inappropriate"), P("tlsv1_alert_protocol_version"), P("version too low")]),
    row(K::TlsHandshake, &[P("sslhandshakeexception"), P("authentication failed, see inner exception"), P("authentication failed because the remote party"), P("handshake failure"), P("handshake_failure"), P("handshake failed"), P("ssl handshake"), P("tls handshake"), P("establish an ssl or tls connection"), P("ssl routines"), P("sslerror"), P("ssl_error_ssl"), P("could not convert socket to tls"), P("openssl::ssl::sslerror"), P("eproto")]),
    // The greeting: before the connect errors, since it also says "timed out"/ETIMEDOUT.
    row(K::NoGreeting, &[P("greeting never received"), P("connection unexpectedly closed: timed out"), P("timed out waiting for greeting"), P("greeting timeout"), P("no greeting"), P("timeout while waiting for the greeting")]),
    // Not SMTPServerDisconnected by its name: "please run connect() first" is a client used
    // after an earlier failure, which says nothing of the network.
    row(K::ConnectionClosed, &[P("connection unexpectedly closed"), P("connection closed unexpectedly"), P("unexpected socket close"), P("connection closed by remote host"), P("the server unexpectedly disconnected"), P("eof caught"), P("forcibly closed by the remote host"), P("econnreset"), P("connection reset by peer"), P("response: -1")]),
    // DNS.
    row(K::DnsFailed, &[P("temporary failure in name resolution"), P("eai_again"), P("getaddrinfo failed: try again"), P("name resolution failed"), P("server misbehaving"), W("11002", "0x2afa", "wsatry_again"), N("-3")]),
    row(K::DnsNxdomain, &[P("name or service not known"), P("nodename nor servname provided"), P("enotfound"), P("no such host is known"), P("no such host"), P("unknownhostexception"), P("unknown smtp host"), P("getaddrinfo failed"), P("getaddrinfo: name"), P("could not resolve host"), P("host not found"), P("no address associated with hostname"), P("name does not resolve"), P("nxdomain"), P("no se conoce ese host"), P("host desconocido"), W("11001", "0x2af9", "wsahost_not_found"), N("-2")]),
    // The connect, by the number first (same in every language), then by the words.
    row(K::ConnectTimeout, &[W("10060", "0x274c", "wsaetimedout"), N("110"), N("60")]),
    row(K::ConnectRefused, &[W("10061", "0x274d", "wsaeconnrefused"), N("111"), N("61")]),
    row(K::Unreachable, &[W("10051", "0x2743", "wsaenetunreach"), W("10065", "0x2751", "wsaehostunreach"), N("101"), N("113"), N("51"), N("65")]),
    // errno 1 and 13 are too common to stand alone ("npm ERR! errno 1"): their wording decides.
    row(K::Denied, &[W("10013", "0x271d", "wsaeacces")]),
    // es, fr, de, pt wordings of WSAECONNREFUSED and ECONNREFUSED after the English ones.
    row(K::ConnectRefused, &[P("connection refused"), P("econnrefused"), P("actively refused"), P("connectionrefusederror"), P("denegó expresamente"), P("conexión rehusada"), P("conexión rechazada"), P("l’a expressément refusée"), P("l'a expressément refusée"), P("connexion refusée"), P("die verbindung verweigerte"), P("verbindung abgelehnt"), P("recusou ativamente"), P("conexão recusada")]),
    row(K::Unreachable, &[P("network is unreachable"), P("no route to host"), P("enetunreach"), P("ehostunreach"), P("unreachable network"), P("unreachable host"), P("noroutetohostexception"), P("red no accesible"), P("host no accesible"), P("la red es inaccesible"), P("no hay ninguna ruta"), P("réseau inaccessible"), P("hôte inaccessible"), P("netzwerk ist nicht erreichbar"), P("nicht erreichbar"), P("rede inacessível"), P("rede inalcançável")]),
    row(K::Denied, &[P("forbidden by its access permissions"), P("permission denied"), P("operation not permitted"), P("eacces"), P("eperm"), P("permissionerror"), P("prohibida por sus permisos de acceso"), P("interdite par ses autorisations"), P("aufgrund der zugriffsrechte"), P("proibida por suas permissões")]),
    row(K::ConnectTimeout, &[P("connection timed out"), P("connect timed out"), P("operation timed out"), P("connection timeout"), P("etimedout"), P("net::opentimeout"), P("connecttimeoutexception"), P("sockettimeoutexception"), P("did not properly respond after a period of time"), P("timeouterror"), P("socket.timeout"), P("timed out"), P("execution expired"), P("no respondió adecuadamente"), P("tiempo de espera de la conexión"), P("se agotó el tiempo de espera"), P("la conexión ha expirado"), P("n’a pas répondu convenablement"), P("n'a pas répondu convenablement"), P("délai d’attente"), P("nach einer bestimmten zeitspanne nicht richtig reagiert"), P("zeitüberschreitung"), P("não respondeu corretamente"), P("tempo limite")]),
    row(K::ConnectFailed, &[P("smtp connect() failed"), P("could not connect to smtp host"), P("couldn't connect to host"), P("connection could not be established with host"), P("failed to connect to server"), P("unable to connect to the remote server"), P("failed to open tcp connection"), P("failure sending mail"), P("mailconnectexception"), P("econnection"), P("esocket")]),
    ]
};

/// The errno-style names that must stand as words of their own.
const ERRNO_NAMES: &[&str] = &[
    "eacces",
    "eperm",
    "eproto",
    "eauth",
    "esocket",
    "econnection",
    "eenvelope",
    "econnreset",
    "econnrefused",
    "etimedout",
    "ehostunreach",
    "enetunreach",
    "enotfound",
    "eai_again",
];

/// A lower-cased text with the reply code and enhanced code found in (or given with) it.
struct Said<'a> {
    lower: &'a str,
    code: Option<u16>,
    enhanced: Option<&'a str>,
}

impl Said<'_> {
    fn says(&self, clue: Clue) -> bool {
        let l = self.lower;
        match clue {
            Clue::Phrase(p) => phrase(l, p),
            Clue::Enhanced(e) => {
                self.enhanced == Some(e) || standalone(l, e, |c| c.is_ascii_digit() || c == b'.')
            }
            Clue::Code(c) => self.code == Some(c),
            Clue::Winsock(n, hex, name) => {
                standalone(l, n, |c| c.is_ascii_digit()) || l.contains(hex) || l.contains(name)
            }
            Clue::Errno(n) => ["errno ", "errno=", "errno: ", "errno:"]
                .iter()
                .any(|p| standalone(l, &format!("{p}{n}"), |c| c.is_ascii_digit())),
        }
    }

    fn says_any(&self, clues: &[Clue]) -> bool {
        clues.iter().any(|c| self.says(*c))
    }

    fn matches(&self, rule: &Rule) -> bool {
        self.says_any(rule.any)
            && (rule.also.is_empty() || self.says_any(rule.also))
            && !self.says_any(rule.unless)
    }
}

fn kind(l: &str, code: Option<u16>, enhanced: Option<&str>) -> Option<ErrorKind> {
    let said = Said {
        lower: l,
        code,
        enhanced,
    };
    RULES.iter().find(|r| said.matches(r)).map(|r| r.kind)
}

/// True when one of `needles` occurs in `hay` (as [`Clue::Phrase`] reads them).
fn any(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| phrase(hay, n))
}

fn phrase(hay: &str, p: &str) -> bool {
    if ERRNO_NAMES.contains(&p) {
        standalone(hay, p, |c| c.is_ascii_alphanumeric())
    } else {
        hay.contains(p)
    }
}

/// True when `needle` occurs in `hay` with no `part` byte against it: on each side where the
/// needle's own edge is a `part` byte, the byte next to it must not be one (`eauth` in
/// `eauth:` but not `reauth`; `110` in `errno 110` but not `1100`; `errno 11` not in
/// `errno 110`, whatever stands before `errno`). The one word-boundary matcher of this file.
fn standalone(hay: &str, needle: &str, part: impl Fn(u8) -> bool) -> bool {
    let (b, n) = (hay.as_bytes(), needle.as_bytes());
    let (Some(&first), Some(&last)) = (n.first(), n.last()) else {
        return false;
    };
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let at = from + i;
        let before = at.checked_sub(1).map(|j| b[j]);
        let after = b.get(at + n.len()).copied();
        let clear = |edge: u8, next: Option<u8>| !part(edge) || !next.is_some_and(&part);
        if clear(first, before) && clear(last, after) {
            return true;
        }
        from = at + n.len();
    }
    false
}

/// The SMTP reply code and enhanced status code quoted in the text, e.g. `535 5.7.8`,
/// `535-5.7.8`, Python's `(535, b'5.7.8 …')`, .NET's `The server response was: 5.7.0 …`.
fn reply_code(l: &str) -> (Option<u16>, Option<String>) {
    let b = l.as_bytes();
    let mut first_enhanced: Option<(usize, String)> = None;
    let mut i = 0;
    while i + 5 <= b.len() {
        if matches!(b[i], b'2' | b'4' | b'5')
            && b[i + 1] == b'.'
            && (i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.'))
        {
            let rest = &l[i + 2..];
            let a: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !a.is_empty() && a.len() <= 3 && rest[a.len()..].starts_with('.') {
                let rest2 = &rest[a.len() + 1..];
                let c: String = rest2.chars().take_while(char::is_ascii_digit).collect();
                let after = rest2.as_bytes().get(c.len()).copied();
                if !c.is_empty() && c.len() <= 3 && after != Some(b'.') {
                    first_enhanced = Some((i, format!("{}.{a}.{c}", b[i] as char)));
                    break;
                }
            }
        }
        i += 1;
    }
    // The basic code: right before the enhanced one (`535 5.7.8`, `(535, b'5.7.8`), else the
    // first three-digit 4xx/5xx code standing alone that smtp replies use.
    let code_before = first_enhanced.as_ref().and_then(|(at, _)| {
        let start = at.saturating_sub(8);
        let window = l.get(start..*at)?;
        let digits: Vec<usize> = (0..window.len().saturating_sub(2))
            .filter(|&k| window.as_bytes()[k..k + 3].iter().all(u8::is_ascii_digit))
            .collect();
        let k = *digits.last()?;
        let code: u16 = window.get(k..k + 3)?.parse().ok()?;
        (400..600).contains(&code).then_some(code)
    });
    let code = code_before.or_else(|| standalone_code(l));
    (code, first_enhanced.map(|(_, e)| e))
}

const SMTP_CODES: &[u16] = &[
    421, 450, 451, 452, 454, 500, 501, 502, 503, 504, 530, 534, 535, 538, 550, 551, 552, 553, 554,
    555,
];

fn standalone_code(l: &str) -> Option<u16> {
    let b = l.as_bytes();
    for i in 0..b.len().saturating_sub(2) {
        if !b[i..i + 3].iter().all(u8::is_ascii_digit) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = b.get(i + 3).copied();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'#'))
            || after.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b':'))
        {
            continue;
        }
        // "line 535", "port 550": not a reply.
        let head = &b[i.saturating_sub(6)..i];
        if head.ends_with(b"line ") || head.ends_with(b"port ") || head.ends_with(b"port: ") {
            continue;
        }
        let code: u16 = l[i..i + 3].parse().ok()?;
        if SMTP_CODES.contains(&code) {
            return Some(code);
        }
    }
    None
}

/// Which runtime printed the text, from the names only it prints.
fn runtime(l: &str) -> Option<Runtime> {
    if any(
        l,
        &[
            "javax.mail",
            "jakarta.mail",
            "com.sun.mail",
            "org.eclipse.angus",
            "java.net.",
            "javax.net.ssl",
            "sun.security",
            "org.springframework.mail",
            "messagingexception",
            ".java:",
        ],
    ) {
        return Some(Runtime::Java);
    }
    if (l.contains("smtpexception") && !l.contains("smtplib"))
        || any(
            l,
            &[
                "system.net.",
                "mailkit",
                "smtpcommandexception",
                "smtpprotocolexception",
                "sslhandshakeexception: an error occurred",
                "system.io.ioexception",
                "system.security.authentication",
                "an error occurred while attempting to establish an ssl or tls connection",
                "socketexception (",
                ".cs:line",
            ],
        )
    {
        return Some(Runtime::Dotnet);
    }
    if any(
        l,
        &[
            "net::",
            "errno::",
            "openssl::ssl",
            "actionmailer",
            ".rb:",
            "socketerror: getaddrinfo",
            "(socketerror)",
            "ssl_connect returned=",
        ],
    ) {
        return Some(Runtime::Ruby);
    }
    if any(
        l,
        &[
            "phpmailer",
            "smtp connect() failed",
            "stream_socket_client",
            "stream_socket_enable_crypto",
            "fsockopen",
            "symfony\\",
            "swift_transportexception",
            "illuminate\\",
            "transportexception",
            "connection could not be established with host",
            ".php",
            "php_network_getaddresses",
            "smtp error: could not",
        ],
    ) {
        return Some(Runtime::Php);
    }
    if any(
        l,
        &[
            "nodemailer",
            "node_modules",
            "node:internal",
            "tcpconnectwrap",
            "greeting never received",
            "esocket",
            "eauth",
            "econnection",
            "eenvelope",
            "aggregateerror",
            "code: 'e",
            "getaddrinfo enotfound",
            "connect etimedout",
            "connect econnrefused",
            "err_tls_cert_altname_invalid",
            "error etimedout",
            "self_signed_cert_in_chain",
            "cert_has_expired",
            "certificate's altnames",
            "depth_zero_self_signed_cert",
            "unable_to_verify_leaf_signature",
        ],
    ) {
        return Some(Runtime::Node);
    }
    if any(
        l,
        &[
            "traceback (most recent call last)",
            "smtplib",
            "ssl.sslerror",
            "ssl.sslcertverificationerror",
            "sslcertverificationerror",
            "socket.gaierror",
            "socket.timeout",
            "[errno",
            "[winerror",
            "[ssl:",
            "django",
            "timeouterror:",
            "connectionrefusederror",
            "connectionreseterror",
            "permissionerror",
            "oserror:",
            "file \"",
            "email_use_tls",
            "_ssl.c:",
        ],
    ) {
        return Some(Runtime::Python);
    }
    None
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// A dotted candidate that is not a file name (`_ssl.c`, `smtplib.py`, `index.js`).
fn plausible_host(h: &str) -> bool {
    const FILES: &[&str] = &[
        "c", "h", "py", "pyc", "rb", "js", "mjs", "cjs", "ts", "php", "java", "cs", "go", "rs",
        "cc", "cpp", "kt", "scala", "dll", "exe", "so", "txt", "log", "json", "yml", "yaml", "xml",
        "html", "inc", "class", "jar",
    ];
    let labels: Vec<&str> = h.split('.').collect();
    if h.len() > 253 || labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    let last = labels[labels.len() - 1];
    if labels.len() == 2 && FILES.contains(&last) {
        return false;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return h.parse::<std::net::Ipv4Addr>().is_ok();
    }
    !h.starts_with('_') && !h.contains("__")
}

/// The host a certificate-name mismatch says the client expected, in each runtime's words
/// (never the certificate's own names, which these messages quote too):
/// - Python 3.7+: `certificate is not valid for 'HOST'`; before: `hostname 'HOST' doesn't match …`
/// - Node: `Hostname/IP does not match certificate's altnames: Host: HOST. is not in …`
/// - Java: `No subject alternative DNS name matching HOST found`, `No name matching HOST found`
/// - PHP: `Peer certificate CN=`OTHER' did not match expected CN=`HOST'`
/// - Ruby: `hostname "HOST" does not match the server certificate`
/// - Go: `x509: certificate is valid for OTHER, not HOST`
/// - curl: `… does not match target host name 'HOST'`
/// - rustls: `certificate not valid for name "HOST"` (or `DnsName("HOST")`)
fn mismatch_host(text: &str) -> Option<String> {
    const LEADS: &[&str] = &[
        "certificate is not valid for '",
        "hostname '",
        "certificate's altnames: host: ",
        "no subject alternative dns name matching ",
        "no name matching ",
        "did not match expected cn=`",
        "did not match expected cn='",
        "hostname \"",
        ", not ",
        "target host name '",
        "not valid for name \"",
        "not valid for name dnsname(\"",
    ];
    let l = text.to_ascii_lowercase();
    LEADS.iter().find_map(|lead| {
        let i = l.find(lead)?;
        // Go's ", not HOST" only after "certificate is valid for".
        if *lead == ", not " && !l[..i].contains("certificate is valid for ") {
            return None;
        }
        let h: String = text[i + lead.len()..]
            .chars()
            .take_while(|&c| host_char(c))
            .take(254)
            .collect();
        // Node ends the name with a full stop of its sentence.
        let h = h.trim_end_matches('.');
        plausible_host(h).then(|| h.to_string())
    })
}

/// The host and port named in the text, by the forms the libraries print, most specific first.
fn endpoint(text: &str) -> (Option<String>, Option<u16>) {
    let l = text.to_ascii_lowercase();
    if let Some(h) = mismatch_host(text) {
        let port = host_port(text)
            .filter(|(named, _)| *named == h)
            .and_then(|(_, p)| p);
        return (Some(h), port);
    }
    // Node: `connect ETIMEDOUT 142.250.1.108:587`, `connect ECONNREFUSED fd00::2:587`.
    for code in [
        "connect etimedout ",
        "connect econnrefused ",
        "connect ehostunreach ",
        "connect enetunreach ",
        "connect eacces ",
        "connect econnreset ",
    ] {
        if let Some(i) = l.find(code) {
            let word: String = text[i + code.len()..]
                .chars()
                .take_while(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']'))
                .take(60)
                .collect();
            if let Some((h, p)) = word.rsplit_once(':') {
                let h = h.trim_start_matches('[').trim_end_matches(']');
                if h.parse::<std::net::IpAddr>().is_ok() {
                    return (Some(h.to_string()), p.parse().ok().filter(|&p| p > 0));
                }
            }
        }
    }
    // Java: `Could not connect to SMTP host: smtp.x.com, port: 587`,
    // `Couldn't connect to host, port: smtp.x.com, 587`.
    for lead in ["smtp host: ", "connect to host, port: "] {
        if let Some(i) = l.find(lead) {
            let rest = &text[i + lead.len()..];
            let h: String = rest
                .chars()
                .take_while(|&c| host_char(c))
                .take(254)
                .collect();
            let after = &rest[h.len()..];
            let port = after
                .trim_start_matches([',', ' '])
                .trim_start_matches("port:")
                .trim_start_matches("port")
                .trim_start();
            let digits: String = port
                .chars()
                .take_while(char::is_ascii_digit)
                .take(6)
                .collect();
            if plausible_host(&h) {
                return (Some(h), digits.parse().ok().filter(|&p| p > 0));
            }
        }
    }
    // Python tuples: `('smtp.gmail.com', 587)`.
    if let Some((h, p)) = tuple(text) {
        return (Some(h), Some(p));
    }
    // `scheme://host:port`, `"host:port"`, `host:port` anywhere.
    if let Some((h, p)) = host_port(text) {
        return (Some(h), p);
    }
    // A host named without its port: `UnknownHostException: smtp.x.com`, `ENOTFOUND host`,
    // `Unknown SMTP host: host`, `established with host host`, `for "host" port 587`.
    for lead in [
        "unknownhostexception: ",
        "enotfound ",
        "eai_again ",
        "unknown smtp host: ",
        "with host ",
        "to host ",
        "connection to ",
        "connecting to ",
        "for \"",
    ] {
        if let Some(i) = l.find(lead) {
            let rest = text[i + lead.len()..].trim_start_matches(['"', '\'', ' ']);
            if lead == "with host " {
                if let Some(p) = rest.strip_prefix(':').and_then(digits) {
                    return (None, Some(p));
                }
            }
            let h: String = rest
                .chars()
                .take_while(|&c| host_char(c))
                .take(254)
                .collect();
            if plausible_host(&h) {
                return (Some(h), None);
            }
        }
    }
    (None, None)
}

fn tuple(text: &str) -> Option<(String, u16)> {
    let mut from = 0;
    while let Some(i) = text[from..].find("('") {
        let start = from + i + 2;
        let rest = &text[start..];
        let h: String = rest
            .chars()
            .take_while(|&c| host_char(c) || c == ':')
            .take(254)
            .collect();
        let after = &rest[h.len()..];
        if let Some(p) = after.strip_prefix("', ") {
            let digits: String = p.chars().take_while(char::is_ascii_digit).take(6).collect();
            if let Ok(port) = digits.parse::<u16>() {
                if port > 0 && (plausible_host(&h) || h.parse::<std::net::IpAddr>().is_ok()) {
                    return Some((h, port));
                }
            }
        }
        from = start;
    }
    None
}

/// The first `host:port` (or `[v6]:port`) whose host is plausible and not part of a path.
fn host_port(text: &str) -> Option<(String, Option<u16>)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut k = 0;
    while k < chars.len() {
        let (start, c) = chars[k];
        let prev = k.checked_sub(1).map(|j| chars[j].1);
        let web = text[..start].ends_with("http://") || text[..start].ends_with("https://");
        let boundary = !web
            && (!prev.is_some_and(|p| host_char(p) || matches!(p, '/' | '\\' | '@'))
                || text[..start].ends_with("://"));
        if c == '[' && boundary {
            if let Some(end) = text[start..].find(']') {
                let inner = &text[start + 1..start + end];
                if inner.len() <= 45 && inner.parse::<std::net::Ipv6Addr>().is_ok() {
                    let port = text[start + end + 1..].strip_prefix(':').and_then(digits);
                    if port.is_some() {
                        return Some((inner.to_string(), port));
                    }
                }
            }
        }
        if host_char(c) && boundary {
            let mut j = k;
            while j < chars.len() && host_char(chars[j].1) && j - k < 254 {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            let h = &text[start..end];
            if let Some(port) = text[end..].strip_prefix(':').and_then(digits) {
                if plausible_host(h) && port > 0 {
                    return Some((h.to_string(), Some(port)));
                }
            }
            k = j.max(k + 1);
            continue;
        }
        k += 1;
    }
    None
}

/// A port: 1 to 5 digits not followed by another digit or a dot.
fn digits(s: &str) -> Option<u16> {
    let d: String = s.chars().take_while(char::is_ascii_digit).take(6).collect();
    let after = s[d.len()..].chars().next();
    if d.is_empty() || d.len() > 5 || after.is_some_and(|c| c == '.' || c.is_alphanumeric()) {
        return None;
    }
    d.parse().ok().filter(|&p| p > 0)
}

/// `port 587`, `port: 587`, `port=587`, `port 587;` when no host:port gave one.
fn port_word(l: &str) -> Option<u16> {
    for lead in ["port: ", "port ", "port=", "port:"] {
        let mut from = 0;
        while let Some(i) = l[from..].find(lead) {
            let at = from + i;
            let before = at.checked_sub(1).map(|j| l.as_bytes()[j]);
            if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
                if let Some(p) = digits(&l[at + lead.len()..]) {
                    return Some(p);
                }
            }
            from = at + lead.len();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text that says `clue` (and `also`, when given): its lower-cased words and its codes.
    fn sample(clues: &[Clue]) -> (String, Option<u16>) {
        let mut text = Vec::new();
        let mut code = None;
        for clue in clues {
            match *clue {
                Clue::Phrase(p) | Clue::Enhanced(p) => text.push(p.to_string()),
                Clue::Code(c) => code = Some(c),
                Clue::Winsock(n, _, _) => text.push(n.to_string()),
                Clue::Errno(n) => text.push(format!("[errno {n}]")),
            }
        }
        (text.join(" "), code)
    }

    #[test]
    fn every_clue_in_the_table_classifies_to_its_own_row() {
        let mut shadowed = Vec::new();
        for (i, rule) in RULES.iter().enumerate() {
            for clue in rule.any {
                let mut clues = vec![*clue];
                clues.extend(rule.also.first());
                let (text, code) = sample(&clues);
                let got = kind(&text, code, None);
                if got != Some(rule.kind) {
                    shadowed.push(format!("row {i} {:?} {clue:?}: {got:?}", rule.kind));
                }
                // The Windows error's other spellings, one at a time.
                if let Clue::Winsock(_, hex, name) = clue {
                    for other in [hex, name] {
                        let got = kind(other, None, None);
                        if got != Some(rule.kind) {
                            shadowed.push(format!("row {i} {:?} {other}: {got:?}", rule.kind));
                        }
                    }
                }
            }
            // A row that needs a second clue does not match without it.
            if !rule.also.is_empty() {
                for clue in rule.any {
                    let (text, code) = sample(&[*clue]);
                    let got = kind(&text, code, None);
                    assert_ne!(got, Some(rule.kind), "row {i} {clue:?} without its pair");
                }
            }
            // A row's exceptions keep it from matching.
            for clue in rule.unless {
                let (text, code) = sample(&[rule.any[0], *clue]);
                let got = kind(&text, code, None);
                assert_ne!(got, Some(rule.kind), "row {i} with {clue:?}");
            }
        }
        assert!(shadowed.is_empty(), "{}", shadowed.join("\n"));
    }

    #[test]
    fn every_kind_has_a_row() {
        for kind in ErrorKind::ALL {
            assert!(RULES.iter().any(|r| r.kind == *kind), "{kind:?}");
        }
    }

    #[test]
    fn the_word_boundary_matcher_looks_only_where_the_needle_has_an_edge() {
        let alnum = |c: u8| c.is_ascii_alphanumeric();
        let digit = |c: u8| c.is_ascii_digit();
        assert!(standalone("error: eauth.", "eauth", alnum));
        assert!(!standalone("reauth", "eauth", alnum));
        assert!(!standalone("eauthx eauth2", "eauth", alnum));
        assert!(standalone("x eauthx eauth", "eauth", alnum));
        assert!(standalone("[errno 110]", "110", digit));
        assert!(!standalone("errno 1100", "110", digit));
        assert!(!standalone("9110", "110", digit));
        // The edge is a letter: what stands before it does not count for a digit boundary.
        assert!(standalone("5errno 110", "errno 110", digit));
        assert!(!standalone("errno 1101", "errno 110", digit));
        assert!(!standalone("anything", "", digit));
        assert!(standalone("ß 5.7.9", "5.7.9", |c| c.is_ascii_digit() || c == b'.'));
        assert!(!standalone("5.7.90", "5.7.9", |c| c.is_ascii_digit() || c == b'.'));
    }

    #[test]
    fn every_provider_reply_in_the_table_means_what_its_row_says() {
        for (provider, code, enhanced, text, want, source) in PROVIDER_REPLIES {
            let enhanced = (!enhanced.is_empty()).then_some(*enhanced);
            assert_eq!(
                classify_reply(*code, enhanced, text),
                Some(*want),
                "{provider:?}: {text}"
            );
            assert!(source.starts_with("https://"), "{provider:?}");
        }
        assert!(names_security_defaults(PROVIDER_REPLIES[8].3));
        assert!(!names_security_defaults(PROVIDER_REPLIES[7].3));
    }

    #[test]
    fn a_certificate_mismatch_names_the_host_the_client_expected_in_every_runtime() {
        let cases = [
            ("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'smtp.example.com'. (_ssl.c:1006)", "smtp.example.com"),
            ("ssl.CertificateError: hostname 'smtp.example.com' doesn't match either of 'mail.other.net', 'other.net'", "smtp.example.com"),
            ("Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: mail.example.org. is not in the cert's altnames: DNS:other.example.org", "mail.example.org"),
            ("javax.net.ssl.SSLHandshakeException: java.security.cert.CertificateException: No subject alternative DNS name matching smtp.example.com found.", "smtp.example.com"),
            ("java.security.cert.CertificateException: No name matching smtp.example.com found", "smtp.example.com"),
            ("stream_socket_enable_crypto(): Peer certificate CN=`mail.other.net' did not match expected CN=`smtp.example.com'", "smtp.example.com"),
            ("OpenSSL::SSL::SSLError: hostname \"smtp.example.com\" does not match the server certificate", "smtp.example.com"),
            ("x509: certificate is valid for mail.other.net, other.net, not smtp.example.com", "smtp.example.com"),
            ("curl: (60) SSL: no alternative certificate subject name matches target host name 'smtp.example.com'", "smtp.example.com"),
            ("invalid peer certificate: certificate not valid for name \"smtp.example.com\"; certificate is only valid for DnsName(\"mail.other.net\")", "smtp.example.com"),
        ];
        for (text, host) in cases {
            let c = classify(text);
            assert_eq!(c.kind, Some(ErrorKind::CertNameMismatch), "{text}");
            assert_eq!(c.host.as_deref(), Some(host), "{text}");
        }
    }

    #[test]
    fn an_authentication_required_refusal_is_the_login_not_the_relay() {
        for text in [
            "smtplib.SMTPSenderRefused: (530, b'5.7.0 Authentication Required. Learn more at https://support.google.com/mail/?p=WantAuthError', 'app@example.com')",
            "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not authenticated. The server response was: 5.7.0 Authentication Required.",
            "System.Net.Mail.SmtpException: The SMTP server requires a secure connection or the client was not authenticated.",
        ] {
            assert_eq!(classify(text).kind, Some(ErrorKind::AuthRequired), "{text}");
        }
        // The same .NET sentence around a more specific reply keeps that reply's meaning.
        let starttls = "The SMTP server requires a secure connection or the client was not authenticated. The server response was: 5.7.0 Must issue a STARTTLS command first.";
        assert_eq!(classify(starttls).kind, Some(ErrorKind::StarttlsRequired));
        let relay = "The SMTP server requires a secure connection or the client was not authenticated. The server response was: 5.7.57 Client not authenticated to send mail.";
        assert_eq!(classify(relay).kind, Some(ErrorKind::RelayDenied));
    }

    #[test]
    fn the_origin_traceback_is_a_connect_timeout_from_python() {
        let text = "TimeoutError: [WinError 10060] Se produjo un error durante el intento de conexión ya que la parte conectada no respondió adecuadamente...\nFile \"smtplib.py\", line 262, in __init__\n    (code, msg) = self.connect(host, port)";
        let c = classify(text);
        assert_eq!(c.kind, Some(ErrorKind::ConnectTimeout));
        assert_eq!(c.runtime, Some(Runtime::Python));
        assert_eq!((c.host, c.port, c.code), (None, None, None));
    }

    #[test]
    fn file_names_and_line_numbers_are_not_hosts_or_ports() {
        let c =
            classify("ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:992)");
        assert_eq!(c.kind, Some(ErrorKind::WrongVersionNumber));
        assert_eq!((c.host, c.port), (None, None));
        let c = classify("Error ESOCKET: error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:");
        assert_eq!((c.host, c.port), (None, None));
    }

    #[test]
    fn hosts_and_ports_in_the_libraries_forms() {
        let cases = [
            (
                "connect ETIMEDOUT 142.250.1.108:587",
                Some("142.250.1.108"),
                Some(587),
            ),
            (
                "Could not connect to SMTP host: smtp.x.com, port: 587;",
                Some("smtp.x.com"),
                Some(587),
            ),
            (
                "Connection could not be established with host \"ssl://smtp.gmail.com:465\": x",
                Some("smtp.gmail.com"),
                Some(465),
            ),
            (
                "socket.gaierror: [Errno -2] Name or service not known ('smtp.gmial.com', 587)",
                Some("smtp.gmial.com"),
                Some(587),
            ),
            (
                "Connection could not be established with host \":587\": refused",
                None,
                Some(587),
            ),
            (
                "connect ECONNREFUSED fd00:213::2:587; connect ECONNREFUSED 10.213.0.2:587",
                Some("fd00:213::2"),
                Some(587),
            ),
        ];
        for (text, host, port) in cases {
            let c = classify(text);
            assert_eq!((c.host.as_deref(), c.port), (host, port), "{text}");
        }
    }

    #[test]
    fn any_bytes_and_huge_inputs_are_fine() {
        let big = "é".repeat(MAX_INPUT);
        let _ = classify(&big);
        let _ = classify("\u{1b}[31m535 5.7.\u{0}");
        let _ = classify("5.");
        let _ = classify("('");
        let _ = classify("[::1");
    }
}
