//! The message catalogue: every sentence a person reads, in English and Spanish, in one place.
//! Codes and JSON keys never change with the language; only this text does.

pub(crate) mod app_client;
pub(crate) mod domain;

use crate::frameworks::{Framework, Timeout};
use crate::knowledge::causes::{Cause, Symptom};
use crate::model::{
    Broken, EhloFailure, Family, Os, ProductKind, ProductState, RuleAction, Security,
    SecurityObservation, SecuritySource, SmtpState, TcpState, TlsFailure, TlsState, Unprotected,
    UnreadReason,
};
use serde::{Deserialize, Serialize};

/// Language of the human-readable text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Spanish.
    Es,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "es" | "spanish" | "español" | "espanol" => Ok(Lang::Es),
            other => Err(format!("unknown language {other:?}: expected en or es")),
        }
    }
}

/// Everything that can be said, with what it needs to be said (field names say what they hold).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub(crate) enum Msg {
    /// DNS: NXDOMAIN.
    DnsNxdomain { host: String },
    /// DNS: no A/AAAA.
    DnsNoAddress { host: String },
    /// DNS: no answer.
    DnsFailed { host: String, reason: String },
    /// DNS: no answer for this name, while the resolver answers other queries.
    DnsFailedForName { host: String, reason: String },
    /// TCP: dropped.
    TcpFiltered {
        port: u16,
        syns: u32,
        secs: f64,
        other_port_works: Option<u16>,
        /// The machine's cloud provider, when it blocks this port by default.
        blocked_by: Option<&'static str>,
    },
    /// Another server answers for the target on this port.
    NetSmtpRedirected {
        port: u16,
        host: String,
        /// The foreign names seen (greeting, EHLO, certificate), escaped.
        names: String,
        /// The hosting company, when its servers are recognised.
        proxy: Option<&'static str>,
    },
    /// The host setting is malformed.
    ConfigHostMalformed {
        setting: &'static str,
        written: String,
        corrected: String,
    },
    /// `localhost` inside a container.
    ConfigLocalhostInContainer { host: String, port: u16 },
    /// `localhost` inside WSL 2, whose localhost is not Windows'.
    ConfigLocalhostInWsl { host: String, port: u16 },
    /// A one-label name that does not resolve here.
    ConfigServiceNameUnresolved { host: String, in_container: bool },
    /// Recommendation: write the host this way.
    RecSetHost { setting: &'static str, host: String },
    /// The credentials break a provider's rule.
    AuthCredentialsSuspect {
        lint: crate::model::CredentialLint,
        user: String,
    },
    /// Recommendation: log in before sending.
    RecSetCredentials {
        user: &'static str,
        password: &'static str,
    },
    /// Recommendation: a sending or rate limit.
    RecWaitForLimit,
    /// Recommendation: verify the sender with the provider.
    RecVerifySender { sender: &'static str },
    /// Recommendation: the provider's own page about this refusal.
    RecProviderDoc {
        provider: &'static str,
        url: &'static str,
    },
    /// Recommendation: do not send through the interceptor.
    RecRedirected { proxy: Option<&'static str> },
    /// Every SMTP port dropped while the control port of the same address answers.
    NetSmtpBlocked {
        ports: Vec<u16>,
        control_port: u16,
        /// The machine's cloud provider, when its policy blocks one of the ports.
        hosting: Option<crate::model::Hosting>,
    },
    /// TCP: RST.
    TcpRefused {
        port: u16,
        other_port_works: Option<u16>,
    },
    /// TCP: no route.
    TcpUnreachable { port: u16, detail: String },
    /// TCP: this machine said no.
    TcpDenied { port: u16, detail: String },
    /// This machine ran out of sockets or buffers.
    TcpLocalResource { port: u16, detail: String },
    /// One family works, the other does not.
    Ipv6Broken {
        port: u16,
        works: Family,
        fails: Family,
    },
    /// No (complete) greeting, and how.
    SmtpNoGreeting {
        port: u16,
        secs: f64,
        how: NoGreeting,
    },
    /// 4xx/5xx greeting.
    SmtpRejectedGreeting { port: u16, reply: String },
    /// Not SMTP.
    SmtpNotSmtp { port: u16, evidence: String },
    /// EHLO/HELO refused.
    SmtpEhloRejected { port: u16, reply: String },
    /// EHLO (before or after STARTTLS) got no usable reply.
    SmtpEhloFailed {
        port: u16,
        after_tls: bool,
        failure: EhloFailure,
    },
    /// STARTTLS missing or refused.
    SmtpStarttlsMissing { port: u16, reply: Option<String> },
    /// The port speaks implicit TLS though it was expected to start in plain text.
    PortSpeaksImplicitTls { port: u16 },
    /// The port starts in plain text though implicit TLS was expected.
    PortStartsInPlainText { port: u16 },
    /// TLS failed.
    TlsHandshakeFailed { port: u16, kind: TlsFailure },
    DialogueBroke {
        port: u16,
        during: Dialogue,
        broke: Broken,
    },
    /// Untrusted chain.
    TlsCertUntrusted { port: u16, issuer: String },
    /// Expired / not yet valid.
    TlsCertExpired { port: u16, not_after: String },
    /// Wrong name.
    TlsCertNameMismatch {
        port: u16,
        expected: String,
        presented: String,
    },
    /// Interception.
    TlsIntercepted {
        port: u16,
        product: Option<String>,
        issuer: String,
        trusted: bool,
    },
    /// Expires soon.
    TlsCertExpiringSoon {
        port: u16,
        days: i64,
        not_after: String,
    },
    /// Credentials set, no usable mechanism.
    AuthNotOffered { port: u16, offered: String },
    /// Wrong credentials.
    AuthFailed { port: u16, reply: String },
    /// Gmail: app password required.
    AuthAppPasswordRequired { port: u16, reply: String },
    /// Microsoft 365: SMTP AUTH disabled.
    AuthBasicAuthDisabled {
        port: u16,
        reply: String,
        security_defaults: bool,
    },
    /// Credentials withheld from an unverified connection.
    AuthRefusedPlaintext { port: u16, reason: Unprotected },
    /// MAIL FROM refused.
    SendSenderRejected {
        port: u16,
        reply: String,
        sender: &'static str,
    },
    /// RCPT TO refused.
    SendRecipientRejected { port: u16, reply: String },
    /// DATA refused.
    SendMessageRejected { port: u16, reply: String },
    /// The provider asks for an interactive sign-in (auth.web_login_required).
    AuthWebLoginRequired { port: u16, reply: String },
    /// Too many logins or connections (auth.rate_limited).
    AuthRateLimited { port: u16, reply: String },
    /// Relaying refused for an unauthenticated client (send.relay_denied).
    SendRelayDenied { port: u16, reply: String },
    /// AUTH wanted before mail: 530 5.7.0 Authentication Required.
    AuthRequired { port: u16, reply: String },
    /// A sending limit was hit (send.quota_exceeded).
    SendQuotaExceeded { port: u16, reply: String },
    /// The sender is not verified with the provider (send.sender_not_verified).
    SendSenderNotVerified { port: u16, reply: String },
    /// The receiving side refused the sender's domain or address (SPF, DKIM, DMARC, PTR,
    /// reputation): what its reply means.
    SendRefusedByReceiver {
        port: u16,
        reply: String,
        kind: crate::knowledge::errors::ErrorKind,
    },
    /// Both TLS flags set, named as the framework names them.
    ConfigConflictingTlsFlags {
        framework: Framework,
        starttls: &'static str,
        implicit_tls: &'static str,
    },
    /// STARTTLS configured on an implicit-TLS port.
    ConfigStarttlsOnImplicitPort { port: u16 },
    /// Implicit TLS configured on a plain-text port.
    ConfigImplicitTlsOnStarttlsPort { port: u16 },
    /// No timeout, named as the framework names it.
    ConfigNoTimeout {
        framework: Framework,
        timeout: Timeout,
    },
    /// TLS off although offered.
    ConfigTlsDisabled { port: u16 },
    /// Recommendation: a provider's specific advice.
    RecProvider { en: &'static str, es: &'static str },
    /// Recommendation: switch to a port that works.
    RecUsePort {
        port: u16,
        security: Security,
        failing_port: u16,
    },
    /// Recommendation: let the program through on the failing port.
    RecAllowThrough { port: u16, os: Os },
    /// Recommendation: prefer IPv4.
    RecPreferIpv4 { port: u16 },
    /// Recommendation: nothing reaches the server.
    RecOutboundBlocked,
    /// Recommendation: the host name is wrong.
    RecCheckHostName { host: String },
    /// Recommendation: check the resolver.
    RecCheckResolver,
    /// Recommendation: trust or exclude the interceptor.
    RecInterception { product: Option<String> },
    /// Recommendation: use the name on the certificate.
    RecUseCertificateName { name: String },
    /// Recommendation: the server greeted, then broke the EHLO dialogue.
    RecBrokenEhlo { port: u16 },
    /// Recommendation: this machine ran out of sockets; probe fewer at once.
    RecFewerAtOnce,
    /// Recommendation: the certificate names no host in the configured host's domain.
    RecCertificateNameUnrelated {
        host: String,
        presented: Option<String>,
    },
    /// Recommendation: the server's administrator must act.
    RecServerAdmin,
    /// Recommendation: the host/port point at something that is not a mail server.
    RecCheckHostAndPort { host: String, port: u16 },
    /// Recommendation: refused on every port.
    RecRefusedEverywhere { host: String },
    /// Recommendation: no route.
    RecCheckRoute,
    /// Recommendation: trust a private CA.
    RecTrustPrivateCa,
    /// Recommendation: a Windows Defender Firewall rule blocks the port (`program`: `None` for
    /// every program).
    RecWindowsRule {
        name: String,
        ports: String,
        program: Option<String>,
    },
    /// Recommendation: an nftables rule of this machine drops or rejects the port.
    RecNftablesRule {
        table: String,
        chain: String,
        handle: Option<u64>,
        comment: Option<String>,
        ports: String,
        action: RuleAction,
    },
    /// Recommendation: an iptables rule of this machine drops or rejects the port.
    RecIptablesRule {
        table: String,
        chain: String,
        position: u64,
        ports: String,
        action: RuleAction,
    },
    /// Recommendation: a product that is on, whose mail shield is in the knowledge table.
    RecMailShield {
        product: String,
        en: &'static str,
        es: &'static str,
        source: &'static str,
    },
    /// Recommendation: a product that is on, not in the knowledge table.
    RecProductOn { product: String },
    /// Recommendation: a TLS-scanning product's root is in the trust store (`shield`: its row of
    /// the mail-shield table, English and Spanish, and the source).
    RecScanningRoot {
        product: String,
        subject: String,
        shield: Option<(&'static str, &'static str, &'static str)>,
    },
    /// Recommendation: nothing could be read of who is in the way on this machine.
    RecCannotTell {
        unread: Vec<(SecuritySource, UnreadReason)>,
    },
}

fn mode(lang: Lang, s: Security) -> &'static str {
    match (lang, s) {
        (_, Security::Starttls) => "STARTTLS",
        (Lang::En, Security::ImplicitTls) => "implicit TLS (SSL)",
        (Lang::Es, Security::ImplicitTls) => "TLS implícito (SSL)",
        (Lang::En, Security::Plain) => "plain text",
        (Lang::Es, Security::Plain) => "texto plano",
    }
}

fn family(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "IPv4",
        Family::Ipv6 => "IPv6",
    }
}

/// How a greeting failed to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoGreeting {
    /// Not a byte before the timeout.
    Silence,
    /// Greeting lines came, the last one never did before the timeout.
    Unfinished {
        /// Complete lines received.
        lines: usize,
        /// Bytes received.
        bytes: usize,
    },
    /// The server closed the connection: without a word (`bytes` 0) or mid-greeting.
    Closed {
        /// Complete lines received.
        lines: usize,
        /// Bytes received.
        bytes: usize,
    },
}

fn lines_en(n: usize) -> String {
    format!("{n} {}", if n == 1 { "line" } else { "lines" })
}

fn lines_es(n: usize) -> String {
    format!("{n} {}", if n == 1 { "línea" } else { "líneas" })
}

fn complete_lines_en(n: usize) -> String {
    format!("{n} complete {}", if n == 1 { "line" } else { "lines" })
}

fn complete_lines_es(n: usize) -> String {
    match n {
        1 => "1 línea completa".into(),
        n => format!("{n} líneas completas"),
    }
}

/// When the server hung up, as a clause.
fn when(lang: Lang, secs: f64) -> String {
    match (lang, secs < 0.5) {
        (Lang::En, true) => "at once".into(),
        (Lang::Es, true) => "al instante".into(),
        (Lang::En, false) => format!("after {secs:.1} s"),
        (Lang::Es, false) => format!("tras {secs:.1} s"),
    }
}

fn no_greeting(lang: Lang, port: u16, secs: f64, how: NoGreeting) -> String {
    match (how, lang) {
        (NoGreeting::Silence, Lang::En) => format!("Port {port}: the connection opened but no SMTP greeting came in {secs:.1} s. The server is overloaded, or something between accepts connections and never answers."),
        (NoGreeting::Silence, Lang::Es) => format!("Puerto {port}: la conexión se abrió pero no llegó el saludo SMTP en {secs:.1} s. El servidor está saturado, o algo intermedio acepta conexiones y nunca responde."),
        (NoGreeting::Unfinished { lines, bytes }, Lang::En) => format!("Port {port}: greeting lines kept coming but the greeting never completed: in {secs:.1} s the server sent {} ({bytes} bytes) and never its last line (\"220 \" without a dash). The server misbehaves, or something between it and this machine stalls the connection; an application gives up the same way.", lines_en(lines)),
        (NoGreeting::Unfinished { lines, bytes }, Lang::Es) => format!("Puerto {port}: llegaban líneas del saludo pero el saludo nunca se completó: en {secs:.1} s el servidor envió {} ({bytes} bytes) y nunca la última (\"220 \" sin guion). El servidor funciona mal, o algo entre él y esta máquina frena la conexión; una aplicación se rinde igual.", lines_es(lines)),
        (NoGreeting::Closed { bytes: 0, .. }, Lang::En) => format!("Port {port}: the server accepted the connection and closed it without a word, {}, before any greeting. It refuses this machine (a connection limit, an address blocklist), or something between cuts SMTP connections (an antivirus or a firewall).", when(Lang::En, secs)),
        (NoGreeting::Closed { bytes: 0, .. }, Lang::Es) => format!("Puerto {port}: el servidor aceptó la conexión y la cerró sin decir nada, {}, antes de cualquier saludo. Rechaza a esta máquina (un límite de conexiones, una lista de bloqueo de direcciones), o algo intermedio corta las conexiones SMTP (un antivirus o un firewall).", when(Lang::Es, secs)),
        (NoGreeting::Closed { lines, bytes }, Lang::En) => format!("Port {port}: the server closed the connection in the middle of its greeting, {}, after {bytes} bytes ({}). It drops the session while greeting: it is shutting down or refuses this machine, or something between cuts the connection.", when(Lang::En, secs), complete_lines_en(lines)),
        (NoGreeting::Closed { lines, bytes }, Lang::Es) => format!("Puerto {port}: el servidor cerró la conexión en medio de su saludo, {}, tras {bytes} bytes ({}). Corta la sesión mientras saluda: se está apagando o rechaza a esta máquina, o algo intermedio corta la conexión.", when(Lang::Es, secs), complete_lines_es(lines)),
    }
}

fn ehlo_failed(lang: Lang, port: u16, after_tls: bool, failure: &EhloFailure) -> String {
    let what = match (after_tls, lang) {
        (false, _) => "EHLO",
        (true, Lang::En) => "EHLO after STARTTLS",
        (true, Lang::Es) => "EHLO tras STARTTLS",
    };
    let invalid_en = "it is not a valid SMTP reply, so no client can go on. What answers on this port is not a working mail server, or something between mangles the connection.";
    let invalid_es = "no es una respuesta SMTP válida, así que ningún cliente puede seguir. Lo que responde en este puerto no es un servidor de correo que funcione, o algo intermedio altera la conexión.";
    match (failure, lang) {
        (EhloFailure::LineTooLong { limit }, Lang::En) => format!("Port {port}: the reply to {what} has a line longer than {limit} bytes (SMTP allows 512): {invalid_en}"),
        (EhloFailure::LineTooLong { limit }, Lang::Es) => format!("Puerto {port}: la respuesta a {what} tiene una línea de más de {limit} bytes (SMTP permite 512): {invalid_es}"),
        (EhloFailure::TooManyLines { limit }, Lang::En) => format!("Port {port}: the reply to {what} went on for more than {limit} lines without ending (an endless \"250-\" continuation): {invalid_en}"),
        (EhloFailure::TooManyLines { limit }, Lang::Es) => format!("Puerto {port}: la respuesta a {what} siguió más de {limit} líneas sin terminar (una continuación \"250-\" sin fin): {invalid_es}"),
        (EhloFailure::TooMuchData { limit }, Lang::En) => format!("Port {port}: the server sent more than {limit} bytes in answer to {what}: {invalid_en}"),
        (EhloFailure::TooMuchData { limit }, Lang::Es) => format!("Puerto {port}: el servidor envió más de {limit} bytes en respuesta a {what}: {invalid_es}"),
        (EhloFailure::BadReplyLine { line }, Lang::En) => format!("Port {port}: the reply to {what} is not an SMTP reply (\"{line}\"): a reply line starts with a code from 200 to 599. {invalid_en}"),
        (EhloFailure::BadReplyLine { line }, Lang::Es) => format!("Puerto {port}: la respuesta a {what} no es una respuesta SMTP (\"{line}\"): una línea de respuesta empieza con un código de 200 a 599. {invalid_es}"),
        (EhloFailure::Closed { bytes: 0, .. }, Lang::En) => format!("Port {port}: the server closed the connection in answer to {what}, without a reply. It refuses this client (its name or address), or something between cuts the session."),
        (EhloFailure::Closed { bytes: 0, .. }, Lang::Es) => format!("Puerto {port}: el servidor cerró la conexión en respuesta a {what}, sin responder. Rechaza a este cliente (su nombre o su dirección), o algo intermedio corta la sesión."),
        (EhloFailure::Closed { lines, bytes }, Lang::En) => format!("Port {port}: the server closed the connection in the middle of its reply to {what}, after {} ({bytes} bytes): the reply was cut off, so {invalid_en}", lines_en(*lines)),
        (EhloFailure::Closed { lines, bytes }, Lang::Es) => format!("Puerto {port}: el servidor cerró la conexión en medio de su respuesta a {what}, tras {} ({bytes} bytes): la respuesta quedó cortada, así que {invalid_es}", lines_es(*lines)),
        (EhloFailure::TimedOut { secs, bytes: 0, .. }, Lang::En) => format!("Port {port}: no reply to {what} in {secs:.1} s. The server greeted, then stopped answering: it is overloaded, or something between stalls the connection."),
        (EhloFailure::TimedOut { secs, bytes: 0, .. }, Lang::Es) => format!("Puerto {port}: sin respuesta a {what} en {secs:.1} s. El servidor saludó y luego dejó de responder: está saturado, o algo intermedio frena la conexión."),
        (EhloFailure::TimedOut { secs, lines, bytes }, Lang::En) => format!("Port {port}: the reply to {what} was still arriving when the timeout ran out after {secs:.1} s ({}, {bytes} bytes): the server sends far too slowly, or something between trickles it; an application gives up the same way.", complete_lines_en(*lines)),
        (EhloFailure::TimedOut { secs, lines, bytes }, Lang::Es) => format!("Puerto {port}: la respuesta a {what} seguía llegando cuando se agotó el plazo de {secs:.1} s ({}, {bytes} bytes): el servidor envía demasiado despacio, o algo intermedio la frena; una aplicación se rinde igual.", complete_lines_es(*lines)),
        (EhloFailure::Failed { detail }, Lang::En) => format!("Port {port}: the connection failed during {what} ({detail})."),
        (EhloFailure::Failed { detail }, Lang::Es) => format!("Puerto {port}: la conexión falló durante {what} ({detail})."),
    }
}

/// What became of EHLO, in a few words (table cells).
pub(crate) fn ehlo_failure_short(lang: Lang, failure: &EhloFailure) -> &'static str {
    match (failure, lang) {
        (EhloFailure::LineTooLong { .. }, Lang::En) => "line too long",
        (EhloFailure::LineTooLong { .. }, Lang::Es) => "línea demasiado larga",
        (EhloFailure::TooManyLines { .. }, Lang::En) => "endless reply",
        (EhloFailure::TooManyLines { .. }, Lang::Es) => "respuesta sin fin",
        (EhloFailure::TooMuchData { .. }, Lang::En) => "too much data",
        (EhloFailure::TooMuchData { .. }, Lang::Es) => "demasiados datos",
        (EhloFailure::BadReplyLine { .. }, Lang::En) => "not SMTP",
        (EhloFailure::BadReplyLine { .. }, Lang::Es) => "no es SMTP",
        (EhloFailure::Closed { .. }, Lang::En) => "connection closed",
        (EhloFailure::Closed { .. }, Lang::Es) => "conexión cerrada",
        (EhloFailure::TimedOut { bytes: 0, .. }, Lang::En) => "no reply",
        (EhloFailure::TimedOut { bytes: 0, .. }, Lang::Es) => "sin respuesta",
        (EhloFailure::TimedOut { .. }, Lang::En) => "unfinished reply",
        (EhloFailure::TimedOut { .. }, Lang::Es) => "respuesta incompleta",
        (EhloFailure::Failed { .. }, Lang::En) => "failed",
        (EhloFailure::Failed { .. }, Lang::Es) => "falló",
    }
}

/// The step of the SMTP dialogue a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialogue {
    /// The STARTTLS command.
    Starttls,
    /// The login.
    Auth,
    /// The test message.
    Send,
}

fn dialogue(lang: Lang, d: Dialogue) -> &'static str {
    match (d, lang) {
        (Dialogue::Starttls, _) => "STARTTLS",
        (Dialogue::Auth, Lang::En) => "the login (AUTH)",
        (Dialogue::Auth, Lang::Es) => "el inicio de sesión (AUTH)",
        (Dialogue::Send, Lang::En) => "the test message",
        (Dialogue::Send, Lang::Es) => "el mensaje de prueba",
    }
}

/// How a dialogue broke off, as a clause.
fn broken(lang: Lang, b: &Broken) -> String {
    match (b, lang) {
        (Broken::Timeout, Lang::En) => "no reply before the timeout".into(),
        (Broken::Timeout, Lang::Es) => "sin respuesta antes del plazo".into(),
        (Broken::Closed, Lang::En) => "the server closed the connection".into(),
        (Broken::Closed, Lang::Es) => "el servidor cerró la conexión".into(),
        (Broken::LineTooLong, Lang::En) => "a reply line was too long".into(),
        (Broken::LineTooLong, Lang::Es) => "una línea de respuesta era demasiado larga".into(),
        (Broken::TooMuchData, Lang::En) => "the server sent more data than a reply may hold".into(),
        (Broken::TooMuchData, Lang::Es) => {
            "el servidor envió más datos de los que caben en una respuesta".into()
        }
        (Broken::Failed { detail }, Lang::En) => format!("the connection failed ({detail})"),
        (Broken::Failed { detail }, Lang::Es) => format!("la conexión falló ({detail})"),
        (Broken::NotSmtp { line }, Lang::En) => {
            format!("the server answered with something that is not SMTP (\"{line}\")")
        }
        (Broken::NotSmtp { line }, Lang::Es) => {
            format!("el servidor respondió algo que no es SMTP (\"{line}\")")
        }
    }
}

/// Why a TLS handshake failed, as a clause.
fn tls_failure(lang: Lang, kind: TlsFailure) -> &'static str {
    match (kind, lang) {
        (TlsFailure::NoReply, Lang::En) => "the server did not answer the TLS ClientHello",
        (TlsFailure::NoReply, Lang::Es) => "el servidor no respondió al ClientHello de TLS",
        (TlsFailure::Alert, Lang::En) => "the server refused with a TLS alert",
        (TlsFailure::Alert, Lang::Es) => "el servidor lo rechazó con una alerta TLS",
        (TlsFailure::Incompatible, Lang::En) => "no TLS version or cipher suite in common",
        (TlsFailure::Incompatible, Lang::Es) => {
            "no hay versión de TLS ni conjunto de cifrado en común"
        }
        (TlsFailure::NotTls, Lang::En) => "the reply is not TLS",
        (TlsFailure::NotTls, Lang::Es) => "la respuesta no es TLS",
        (TlsFailure::TooLarge, Lang::En) => {
            "the server sent more than 65,535 bytes in one TLS handshake message (its certificate chain is too large for any client, or it is not a real TLS server)"
        }
        (TlsFailure::TooLarge, Lang::Es) => {
            "el servidor envió más de 65.535 bytes en un solo mensaje de la negociación TLS (su cadena de certificados es demasiado grande para cualquier cliente, o no es un servidor TLS real)"
        }
        (TlsFailure::ConnectionLost, Lang::En) => "the connection was lost during the handshake",
        (TlsFailure::ConnectionLost, Lang::Es) => "la conexión se perdió durante la negociación",
        (TlsFailure::BadServerName, Lang::En) => "the host cannot be used as a TLS server name",
        (TlsFailure::BadServerName, Lang::Es) => "el host no sirve como nombre de servidor TLS",
        (TlsFailure::Other, Lang::En) => {
            "the TLS library refused the connection (see the evidence)"
        }
        (TlsFailure::Other, Lang::Es) => "la biblioteca TLS rechazó la conexión (vea la evidencia)",
    }
}

/// Where this system's own firewall lets a program out, as a clause.
fn firewall(lang: Lang, os: Os, port: u16) -> String {
    match (os, lang) {
        (Os::Windows, Lang::En) => format!("in Windows Defender Firewall, add an outbound rule allowing TCP {port} for the program"),
        (Os::Windows, Lang::Es) => format!("en el Firewall de Windows Defender, cree una regla de salida que permita TCP {port} al programa"),
        (Os::Macos, Lang::En) => format!("in an outgoing firewall (Little Snitch, LuLu), allow TCP {port} for the program"),
        (Os::Macos, Lang::Es) => format!("en un firewall de salida (Little Snitch, LuLu), permita TCP {port} al programa"),
        (Os::Linux, Lang::En) => format!("in this machine's firewall (nftables, iptables, ufw), allow outbound TCP {port}"),
        (Os::Linux, Lang::Es) => format!("en el firewall de esta máquina (nftables, iptables, ufw), permita la salida TCP {port}"),
        (Os::Other, Lang::En) => format!("in this machine's firewall, allow outbound TCP {port} for the program"),
        (Os::Other, Lang::Es) => format!("en el firewall de esta máquina, permita la salida TCP {port} al programa"),
    }
}

/// Why a connection was not trusted with credentials, as a clause.
fn unprotected(lang: Lang, why: Unprotected) -> &'static str {
    match (why, lang) {
        (Unprotected::NotEncrypted, Lang::En) => "the connection is not encrypted",
        (Unprotected::NotEncrypted, Lang::Es) => "la conexión no está cifrada",
        (Unprotected::NotVerified, Lang::En) => "the server's certificate did not verify",
        (Unprotected::NotVerified, Lang::Es) => "el certificado del servidor no se pudo verificar",
    }
}

/// The sentence for `msg` in `lang`.
pub(crate) fn message(lang: Lang, msg: &Msg) -> String {
    use Lang::{En, Es};
    match (msg, lang) {
        (Msg::DnsNxdomain { host }, En) => format!("The name {host} does not exist (NXDOMAIN). Check the host setting for a typo; the provider's documentation gives the exact server name."),
        (Msg::DnsNxdomain { host }, Es) => format!("El nombre {host} no existe (NXDOMAIN). Revise el host configurado por si hay un error de escritura; la documentación del proveedor indica el nombre exacto del servidor."),
        (Msg::DnsNoAddress { host }, En) => format!("The name {host} exists but has no IPv4 or IPv6 address: it is not a server name. Use the SMTP server's name from the provider's documentation."),
        (Msg::DnsNoAddress { host }, Es) => format!("El nombre {host} existe pero no tiene dirección IPv4 ni IPv6: no es el nombre de un servidor. Use el nombre del servidor SMTP que indica el proveedor."),
        (Msg::DnsFailed { host, reason }, En) => format!("No answer from the DNS resolver for {host} ({reason}). This machine cannot resolve names: check its network connection and DNS settings, or try --dns-server."),
        (Msg::DnsFailed { host, reason }, Es) => format!("El resolvedor DNS no respondió para {host} ({reason}). Esta máquina no puede resolver nombres: revise la conexión de red y la configuración DNS, o pruebe --dns-server."),
        (Msg::DnsFailedForName { host, reason }, En) => format!("No usable answer for {host} ({reason}), while the same resolver answers other queries: this machine's network and DNS work; the name's own DNS servers are failing. Check the name, or wait for its provider to fix its DNS."),
        (Msg::DnsFailedForName { host, reason }, Es) => format!("No hay respuesta útil para {host} ({reason}), mientras que el mismo resolvedor responde otras consultas: la red y el DNS de esta máquina funcionan; fallan los servidores DNS propios de ese nombre. Revise el nombre, o espere a que su proveedor arregle su DNS."),
        (Msg::TcpFiltered { port, syns, secs, blocked_by: Some(name), .. }, En) => format!("Port {port}: no answer to {syns} connection attempts (SYN) in {secs:.1} s. This machine is a {name} virtual machine, and {name} blocks outbound port {port} by default."),
        (Msg::TcpFiltered { port, syns, secs, blocked_by: Some(name), .. }, Es) => format!("Puerto {port}: sin respuesta a {syns} intentos de conexión (SYN) en {secs:.1} s. Esta máquina es una máquina virtual de {name}, y {name} bloquea por defecto la salida por el puerto {port}."),
        (Msg::NetSmtpRedirected { port, host, names, proxy }, En) => format!("Port {port}: another server answers in place of {host}: it names itself {names}{}. This network redirects outbound SMTP to its own server (shared hosting does this). smtp-doctor sent no credentials to it (its certificate is not valid for {host}); do not send them there either.", proxy.map(|p| format!(", a {p} server")).unwrap_or_default()),
        (Msg::NetSmtpRedirected { port, host, names, proxy }, Es) => format!("Puerto {port}: otro servidor responde en lugar de {host}: se presenta como {names}{}. Esta red redirige el SMTP saliente a su propio servidor (lo hacen los hostings compartidos). smtp-doctor no le envió credenciales (su certificado no es válido para {host}); no se las envíe usted tampoco.", proxy.map(|p| format!(", un servidor de {p}")).unwrap_or_default()),
        (Msg::ConfigHostMalformed { setting, written, corrected }, En) => format!("{setting} is \"{written}\", which is not a host name: the application looks up that text as it is and fails. It means {corrected}, which is what was tested."),
        (Msg::ConfigHostMalformed { setting, written, corrected }, Es) => format!("{setting} vale \"{written}\", que no es un nombre de host: la aplicación busca ese texto tal cual y falla. Quiere decir {corrected}, que es lo que se ha probado."),
        (Msg::ConfigLocalhostInContainer { host, port }, En) => format!("The settings name {host}:{port}, but this runs inside a container, where {host} is the container itself, not the machine or another container: use the mail server's Compose service name (e.g. mailpit), or host.docker.internal for a server on the machine."),
        (Msg::ConfigLocalhostInContainer { host, port }, Es) => format!("La configuración indica {host}:{port}, pero esto se ejecuta dentro de un contenedor, donde {host} es el propio contenedor, no la máquina ni otro contenedor: use el nombre de servicio de Compose del servidor de correo (p. ej. mailpit), o host.docker.internal para un servidor en la máquina."),
        (Msg::ConfigLocalhostInWsl { host, port }, En) => format!("The settings name {host}:{port}, and this runs in WSL 2, whose {host} is the Linux VM's own: a mail server running on Windows is reached at the Windows host's address (the nameserver in /etc/resolv.conf), or with WSL's mirrored networking."),
        (Msg::ConfigLocalhostInWsl { host, port }, Es) => format!("La configuración indica {host}:{port}, y esto se ejecuta en WSL 2, cuyo {host} es el de la máquina virtual Linux: a un servidor de correo que corre en Windows se llega por la dirección del host Windows (el nameserver de /etc/resolv.conf), o con la red en modo espejo de WSL."),
        (Msg::ConfigServiceNameUnresolved { host, in_container: false }, En) => format!("{host} is a one-label name, like a Docker Compose service, and it resolves only inside the Compose network: from this machine use localhost and the port the service publishes (ports: in compose.yaml)."),
        (Msg::ConfigServiceNameUnresolved { host, in_container: false }, Es) => format!("{host} es un nombre de una sola etiqueta, como un servicio de Docker Compose, y solo se resuelve dentro de la red de Compose: desde esta máquina use localhost y el puerto que publica el servicio (ports: en compose.yaml)."),
        (Msg::ConfigServiceNameUnresolved { host, in_container: true }, En) => format!("{host} is a one-label name, like a Docker Compose service, and it does not resolve in this container: the container and the mail server must share a Compose network, under that service name."),
        (Msg::ConfigServiceNameUnresolved { host, in_container: true }, Es) => format!("{host} es un nombre de una sola etiqueta, como un servicio de Docker Compose, y no se resuelve en este contenedor: el contenedor y el servidor de correo deben compartir una red de Compose, con ese nombre de servicio."),
        (Msg::RecSetHost { setting, host }, En) => format!("Set {setting} to {host}."),
        (Msg::RecSetHost { setting, host }, Es) => format!("Ponga {setting} a {host}."),
        (Msg::AuthCredentialsSuspect { lint, user }, En) => match lint {
            crate::model::CredentialLint::SendgridUserNotApikey => format!("SendGrid's SMTP user is literally \"apikey\" (the password is the API key), not \"{user}\"."),
            crate::model::CredentialLint::SesUserNotAccessKeyId => format!("Amazon SES's SMTP user is an SMTP credential's access key id (AKIA…, 20 characters), not \"{user}\": create SMTP credentials in the SES console."),
            crate::model::CredentialLint::SesPasswordIsIamSecret => "The password has the shape of an IAM secret access key (40 characters), not of an SES SMTP password (44): create SMTP credentials in the SES console, for the region of the host.".to_string(),
            crate::model::CredentialLint::GmailUserNotAddress => format!("Gmail's SMTP user is the full address (name@gmail.com or the Workspace address), not \"{user}\"."),
        },
        (Msg::AuthCredentialsSuspect { lint, user }, Es) => match lint {
            crate::model::CredentialLint::SendgridUserNotApikey => format!("El usuario SMTP de SendGrid es literalmente \"apikey\" (la contraseña es la clave de API), no \"{user}\"."),
            crate::model::CredentialLint::SesUserNotAccessKeyId => format!("El usuario SMTP de Amazon SES es el identificador de clave de acceso de unas credenciales SMTP (AKIA…, 20 caracteres), no \"{user}\": cree credenciales SMTP en la consola de SES."),
            crate::model::CredentialLint::SesPasswordIsIamSecret => "La contraseña tiene la forma de una clave secreta de IAM (40 caracteres), no de una contraseña SMTP de SES (44): cree credenciales SMTP en la consola de SES, para la región del host.".to_string(),
            crate::model::CredentialLint::GmailUserNotAddress => format!("El usuario SMTP de Gmail es la dirección completa (nombre@gmail.com o la de Workspace), no \"{user}\"."),
        },
        (Msg::RecSetCredentials { user, password }, En) => format!("Log in before sending: set {user} and {password} to the account's SMTP user and password (the server relays only for clients that logged in)."),
        (Msg::RecSetCredentials { user, password }, Es) => format!("Inicie sesión antes de enviar: ponga en {user} y {password} el usuario y la contraseña SMTP de la cuenta (el servidor solo reenvía para clientes que iniciaron sesión)."),
        (Msg::RecWaitForLimit, En) => "Wait for the limit to reset, then send less often or in smaller batches; for a higher limit, ask the provider (or use its bulk-sending service).".into(),
        (Msg::RecWaitForLimit, Es) => "Espere a que el límite se renueve y envíe con menos frecuencia o en lotes más pequeños; para un límite mayor, pídalo al proveedor (o use su servicio de envío masivo).".into(),
        (Msg::RecVerifySender { sender }, En) => format!("Use a sender the provider has verified: verify the address or its domain in the provider's console, or set {sender} to one that is."),
        (Msg::RecVerifySender { sender }, Es) => format!("Use un remitente que el proveedor haya verificado: verifique la dirección o su dominio en la consola del proveedor, o ponga en {sender} uno que lo esté."),
        (Msg::RecProviderDoc { provider, url }, En) => format!("{provider} documents this refusal and what to do about it: {url}"),
        (Msg::RecProviderDoc { provider, url }, Es) => format!("{provider} documenta este rechazo y qué hacer: {url}"),
        (Msg::RecRedirected { proxy }, En) => format!("Send through the hosting's own mail server as its control panel documents (often localhost, or mail.<your domain>), or ask {} to stop redirecting outbound SMTP (cPanel/WHM: Tweak Settings > SMTP Restrictions); a port it does not redirect works too, when the report shows one.", proxy.unwrap_or("the hosting company")),
        (Msg::RecRedirected { proxy }, Es) => format!("Envíe por el servidor de correo del propio hosting, como indica su panel de control (a menudo localhost, o mail.<su dominio>), o pida a {} que deje de redirigir el SMTP saliente (cPanel/WHM: Tweak Settings > SMTP Restrictions); también sirve un puerto que no redirija, si el informe muestra alguno.", proxy.unwrap_or("la empresa de hosting")),
        (Msg::NetSmtpBlocked { ports, control_port, hosting }, En) => {
            let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let mut s = format!("Every SMTP port tried ({list}) is silently dropped, while port {control_port} of the same address answers: the server is reachable, and this network blocks outbound SMTP.");
            if let Some(p) = hosting.map(crate::knowledge::hosting::policy) {
                s.push_str(&format!(" This machine is a {} virtual machine. {}", p.name, p.en));
            }
            s
        }
        (Msg::NetSmtpBlocked { ports, control_port, hosting }, Es) => {
            let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let mut s = format!("Todos los puertos SMTP probados ({list}) descartan los paquetes en silencio, mientras que el puerto {control_port} de la misma dirección responde: el servidor es alcanzable, y esta red bloquea el SMTP saliente.");
            if let Some(p) = hosting.map(crate::knowledge::hosting::policy) {
                s.push_str(&format!(" Esta máquina es una máquina virtual de {}. {}", p.name, p.es));
            }
            s
        }
        (Msg::TcpFiltered { port, syns, secs, other_port_works, .. }, En) => {
            let mut s = format!("Port {port}: no answer to {syns} connection attempts (SYN) in {secs:.1} s. The packets are silently dropped, usually by an antivirus \"mail shield\" or a firewall on this machine or its network.");
            if let Some(other) = other_port_works {
                s.push_str(&format!(" The server answers on port {other} from here, so it is not down: the block is specific to port {port}."));
            }
            s
        }
        (Msg::TcpFiltered { port, syns, secs, other_port_works, .. }, Es) => {
            let mut s = format!("Puerto {port}: sin respuesta a {syns} intentos de conexión (SYN) en {secs:.1} s. Los paquetes se descartan en silencio, normalmente por el \"escudo de correo\" de un antivirus o un firewall de esta máquina o de su red.");
            if let Some(other) = other_port_works {
                s.push_str(&format!(" El servidor responde en el puerto {other} desde aquí, así que no está caído: el bloqueo es propio del puerto {port}."));
            }
            s
        }
        (Msg::TcpRefused { port, other_port_works }, En) => {
            let mut s = format!("Port {port}: connection refused (RST). Nothing listens on this port, or a firewall actively rejects it.");
            if let Some(other) = other_port_works {
                s.push_str(&format!(" Port {other} works: use it."));
            } else {
                s.push_str(" Check the port number and that the server is up.");
            }
            s
        }
        (Msg::TcpRefused { port, other_port_works }, Es) => {
            let mut s = format!("Puerto {port}: conexión rechazada (RST). No hay nada escuchando en ese puerto, o un firewall lo rechaza activamente.");
            if let Some(other) = other_port_works {
                s.push_str(&format!(" El puerto {other} funciona: úselo."));
            } else {
                s.push_str(" Revise el número de puerto y que el servidor esté en marcha.");
            }
            s
        }
        (Msg::TcpUnreachable { port, detail }, En) => format!("Port {port}: the host or network is unreachable ({detail}). A router or firewall reports there is no route, or this machine has no route for this address family."),
        (Msg::TcpUnreachable { port, detail }, Es) => format!("Puerto {port}: el host o la red no es alcanzable ({detail}). Un router o firewall indica que no hay ruta, o esta máquina no tiene ruta para esta familia de direcciones."),
        (Msg::TcpDenied { port, detail }, En) => format!("Port {port}: this machine refused to open the connection ({detail}). A local firewall rule, an antivirus or a security policy blocks this program; allow it to connect out on port {port}."),
        (Msg::TcpLocalResource { port, detail }, En) => format!("Port {port}: this machine could not open a connection: it ran out of sockets or buffers ({detail}). This says nothing about the network or a firewall: probe fewer targets at once (--concurrency) or raise the limit of open files (ulimit -n), then run it again."),
        (Msg::TcpLocalResource { port, detail }, Es) => format!("Puerto {port}: esta máquina no pudo abrir una conexión: se quedó sin sockets o búferes ({detail}). Esto no dice nada de la red ni de un firewall: pruebe menos destinos a la vez (--concurrency) o suba el límite de archivos abiertos (ulimit -n) y vuelva a ejecutarlo."),
        (Msg::TcpDenied { port, detail }, Es) => format!("Puerto {port}: esta máquina se negó a abrir la conexión ({detail}). Una regla del firewall local, un antivirus o una política de seguridad bloquea este programa; permítale conectarse al puerto {port}."),
        (Msg::Ipv6Broken { port, works, fails }, En) => format!("Port {port} works over {} but not over {}. Programs that try {} first wait, then fail or fall back slowly.", family(*works), family(*fails), family(*fails)),
        (Msg::Ipv6Broken { port, works, fails }, Es) => format!("El puerto {port} funciona por {} pero no por {}. Los programas que prueban primero {} esperan y luego fallan o tardan en recurrir a la otra.", family(*works), family(*fails), family(*fails)),
        (Msg::SmtpNoGreeting { port, secs, how }, _) => no_greeting(lang, *port, *secs, *how),
        (Msg::SmtpEhloFailed { port, after_tls, failure }, _) => ehlo_failed(lang, *port, *after_tls, failure),
        (Msg::SmtpRejectedGreeting { port, reply }, En) => format!("Port {port}: the server refused the session in its greeting: \"{reply}\". It is busy or blocks this machine's address; the text says which."),
        (Msg::SmtpRejectedGreeting { port, reply }, Es) => format!("Puerto {port}: el servidor rechazó la sesión en su saludo: \"{reply}\". Está ocupado o bloquea la dirección de esta máquina; el texto indica cuál."),
        (Msg::SmtpNotSmtp { port, evidence }, En) => format!("Port {port}: the service there is not an SMTP server (it said \"{evidence}\"). Check the host and port."),
        (Msg::SmtpNotSmtp { port, evidence }, Es) => format!("Puerto {port}: el servicio no es un servidor SMTP (respondió \"{evidence}\"). Revise el host y el puerto."),
        (Msg::SmtpEhloRejected { port, reply }, En) => format!("Port {port}: the server rejected EHLO: \"{reply}\"."),
        (Msg::SmtpEhloRejected { port, reply }, Es) => format!("Puerto {port}: el servidor rechazó EHLO: \"{reply}\"."),
        (Msg::SmtpStarttlsMissing { port, reply: None }, En) => format!("Port {port}: the server does not offer STARTTLS, so mail and passwords would travel unencrypted. Use a port with TLS, or ask the provider to enable it."),
        (Msg::SmtpStarttlsMissing { port, reply: None }, Es) => format!("Puerto {port}: el servidor no ofrece STARTTLS, así que el correo y las contraseñas viajarían sin cifrar. Use un puerto con TLS, o pida al proveedor que lo active."),
        (Msg::SmtpStarttlsMissing { port, reply: Some(r) }, En) => format!("Port {port}: the server announced STARTTLS but refused it: \"{r}\"."),
        (Msg::SmtpStarttlsMissing { port, reply: Some(r) }, Es) => format!("Puerto {port}: el servidor anunció STARTTLS pero lo rechazó: \"{r}\"."),
        (Msg::PortSpeaksImplicitTls { port }, En) => format!("Port {port} speaks implicit TLS (SSL), not STARTTLS: a client configured for STARTTLS waits forever for a greeting here. Configure implicit TLS for this port."),
        (Msg::PortSpeaksImplicitTls { port }, Es) => format!("El puerto {port} habla TLS implícito (SSL), no STARTTLS: un cliente configurado con STARTTLS espera un saludo que nunca llega. Configure TLS implícito para este puerto."),
        (Msg::PortStartsInPlainText { port }, En) => format!("Port {port} starts in plain text and upgrades with STARTTLS: a client configured for implicit TLS (SSL) fails here with \"wrong version number\". Configure STARTTLS for this port."),
        (Msg::PortStartsInPlainText { port }, Es) => format!("El puerto {port} empieza en texto plano y pasa a TLS con STARTTLS: un cliente configurado con TLS implícito (SSL) falla aquí con \"wrong version number\". Configure STARTTLS para este puerto."),
        (Msg::TlsHandshakeFailed { port, kind }, En) => format!("Port {port}: TLS could not be negotiated: {}.", tls_failure(En, *kind)),
        (Msg::TlsHandshakeFailed { port, kind }, Es) => format!("Puerto {port}: no se pudo negociar TLS: {}.", tls_failure(Es, *kind)),
        (Msg::DialogueBroke { port, during, broke }, En) => format!("Port {port}: the connection broke off during {}: {}.", dialogue(En, *during), broken(En, broke)),
        (Msg::DialogueBroke { port, during, broke }, Es) => format!("Puerto {port}: la conexión se cortó durante {}: {}.", dialogue(Es, *during), broken(Es, broke)),
        (Msg::TlsCertUntrusted { port, issuer }, En) => format!("Port {port}: the certificate is not trusted by this machine (issued by {issuer}). If you run your own CA, pass it with --ca-file; otherwise the connection is not the server's."),
        (Msg::TlsCertUntrusted { port, issuer }, Es) => format!("Puerto {port}: esta máquina no confía en el certificado (emitido por {issuer}). Si usa su propia CA, pásela con --ca-file; si no, la conexión no es la del servidor."),
        (Msg::TlsCertExpired { port, not_after }, En) => format!("Port {port}: the server's certificate is expired or not yet valid (valid until {not_after}). Check this machine's clock; otherwise the server's administrator must renew it."),
        (Msg::TlsCertExpired { port, not_after }, Es) => format!("Puerto {port}: el certificado del servidor está vencido o aún no es válido (válido hasta {not_after}). Revise el reloj de esta máquina; si está bien, el administrador del servidor debe renovarlo."),
        (Msg::TlsCertNameMismatch { port, expected, presented }, En) => format!("Port {port}: the certificate is not valid for {expected}; it names {presented}. The fixes below say whether that name can be trusted as the host."),
        (Msg::TlsCertNameMismatch { port, expected, presented }, Es) => format!("Puerto {port}: el certificado no es válido para {expected}; nombra a {presented}. Las soluciones de abajo dicen si ese nombre es de fiar como host."),
        (Msg::TlsIntercepted { port, product, issuer, trusted }, En) => {
            let who = product.clone().unwrap_or_else(|| "TLS-inspecting software (an antivirus or a corporate proxy)".into());
            let tail = if *trusted { "This machine trusts its root, so mail works, but it is read and re-signed on the way; programs with their own trust store (Python, Node, Java) reject it." } else { "Programs reject this certificate." };
            format!("Port {port}: the connection is intercepted by {who}: the certificate was issued by {issuer}, not by the server's CA. {tail}")
        }
        (Msg::TlsIntercepted { port, product, issuer, trusted }, Es) => {
            let who = product.clone().unwrap_or_else(|| "un software que inspecciona TLS (un antivirus o un proxy corporativo)".into());
            let tail = if *trusted { "Esta máquina confía en su raíz, así que el correo funciona, pero se lee y se vuelve a firmar por el camino; los programas con su propio almacén de confianza (Python, Node, Java) lo rechazan." } else { "Los programas rechazan este certificado." };
            format!("Puerto {port}: la conexión está interceptada por {who}: el certificado lo emitió {issuer}, no la CA del servidor. {tail}")
        }
        (Msg::TlsCertExpiringSoon { port, days, not_after }, En) => format!("Port {port}: the server's certificate expires in {days} days ({not_after})."),
        (Msg::TlsCertExpiringSoon { port, days, not_after }, Es) => format!("Puerto {port}: el certificado del servidor vence en {days} días ({not_after})."),
        (Msg::RecUsePort { port, security, failing_port }, En) if port == failing_port => format!("Keep port {port} and use {} on it: that works from this machine, the configured mode does not.", mode(En, *security)),
        (Msg::RecUsePort { port, security, failing_port }, Es) if port == failing_port => format!("Mantenga el puerto {port} y use {} en él: así funciona desde esta máquina, el modo configurado no.", mode(Es, *security)),
        (Msg::RecUsePort { port, security, failing_port }, En) => format!("Use port {port} with {}: it works from this machine, port {failing_port} does not.", mode(En, *security)),
        (Msg::RecUsePort { port, security, failing_port }, Es) => format!("Use el puerto {port} con {}: funciona desde esta máquina, el puerto {failing_port} no.", mode(Es, *security)),
        (Msg::RecAllowThrough { port, os }, En) => format!("Or keep port {port} and let this program through: in the antivirus, turn off outgoing mail (SMTP) scanning or add the program to its exceptions; {}; on a company network, ask the administrator to allow outbound TCP {port} to the mail server.", firewall(En, *os, *port)),
        (Msg::RecAllowThrough { port, os }, Es) => format!("O mantenga el puerto {port} y deje pasar a este programa: en el antivirus, desactive el análisis del correo saliente (SMTP) o añada el programa a las excepciones; {}; en una red de empresa, pida al administrador que permita la salida TCP {port} hacia el servidor de correo.", firewall(Es, *os, *port)),
        (Msg::RecPreferIpv4 { port }, En) => format!("Connect over IPv4 (use the server's IPv4 address or disable IPv6 for this program), or fix the IPv6 route; port {port} works over IPv4."),
        (Msg::RecPreferIpv4 { port }, Es) => format!("Conéctese por IPv4 (use la dirección IPv4 del servidor o desactive IPv6 para este programa), o arregle la ruta IPv6; el puerto {port} funciona por IPv4."),
        (Msg::RecOutboundBlocked, En) => "No submission port reaches the server from here: outbound SMTP is blocked by the network (ISP, hosting or cloud provider, company firewall). Ask them to open outbound TCP 587 and 465, or send through an HTTP email API.".into(),
        (Msg::RecOutboundBlocked, Es) => "Ningún puerto de envío llega al servidor desde aquí: la red bloquea el SMTP saliente (proveedor de internet, hosting o nube, firewall de la empresa). Pida que abran la salida TCP 587 y 465, o envíe mediante una API HTTP de correo.".into(),
        (Msg::RecCheckHostName { host }, En) => format!("Correct the host name {host}: copy the SMTP server name from the provider's documentation."),
        (Msg::RecCheckHostName { host }, Es) => format!("Corrija el nombre de host {host}: copie el nombre del servidor SMTP de la documentación del proveedor."),
        (Msg::RecCheckResolver, En) => "Check this machine's network and DNS settings (try another DNS server with --dns-server).".into(),
        (Msg::RecCheckResolver, Es) => "Revise la red y la configuración DNS de esta máquina (pruebe otro servidor DNS con --dns-server).".into(),
        (Msg::RecInterception { product }, En) => {
            let product = product.as_deref().unwrap_or("the TLS-inspecting software");
            format!("Exclude this program (or the mail server) from {product}'s mail/TLS scanning, or, if the interception is intended, make the application trust that product's root certificate.")
        }
        (Msg::RecInterception { product }, Es) => {
            let product = product.as_deref().unwrap_or("el software que inspecciona TLS");
            format!("Excluya este programa (o el servidor de correo) del análisis de correo/TLS de {product}, o, si la interceptación es deliberada, haga que la aplicación confíe en el certificado raíz de ese producto.")
        }
        (Msg::RecUseCertificateName { name }, En) => format!("Use {name} as the host: it is the name the server's certificate is valid for."),
        (Msg::RecCertificateNameUnrelated { host, presented }, En) => format!("Keep {host} as the host: the certificate{} is not for a server of {host}'s domain, so do not switch to the name it shows. Something between this machine and the server may be answering in its place (a proxy, antivirus or the hosting provider): try from another network, and ask the provider for the exact server name.", presented.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()),
        (Msg::RecCertificateNameUnrelated { host, presented }, Es) => format!("Mantenga {host} como host: el certificado{} no es de un servidor del dominio de {host}, así que no cambie al nombre que muestra. Algo entre esta máquina y el servidor puede estar respondiendo en su lugar (un proxy, el antivirus o el proveedor de hosting): pruebe desde otra red y pida al proveedor el nombre exacto del servidor.", presented.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()),
        (Msg::RecBrokenEhlo { port }, En) => format!("The server on port {port} greets like a mail server but breaks off or garbles its answer to EHLO: a filter or proxy between this machine and the server (antivirus, firewall, the hosting provider) may be mangling the dialogue, or the server is faulty. Try the other submission port or another network, and tell the server's administrator what the transcript shows (-v)."),
        (Msg::RecBrokenEhlo { port }, Es) => format!("El servidor del puerto {port} saluda como un servidor de correo pero corta o desfigura su respuesta a EHLO: un filtro o proxy entre esta máquina y el servidor (antivirus, firewall, el proveedor de hosting) puede estar alterando el diálogo, o el servidor falla. Pruebe el otro puerto de envío u otra red, y muestre al administrador del servidor lo que dice la transcripción (-v)."),
        (Msg::RecFewerAtOnce, En) => "Run it again with fewer targets at once (--concurrency 20) or a higher open-files limit (ulimit -n 4096): this machine ran out of sockets, the network was never asked.".to_string(),
        (Msg::RecFewerAtOnce, Es) => "Vuelva a ejecutarlo con menos destinos a la vez (--concurrency 20) o un límite de archivos abiertos mayor (ulimit -n 4096): esta máquina se quedó sin sockets, la red ni siquiera se consultó.".to_string(),
        (Msg::RecUseCertificateName { name }, Es) => format!("Use {name} como host: es el nombre para el que es válido el certificado del servidor."),
        (Msg::AuthNotOffered { port, offered }, En) => format!("Port {port}: credentials are set but the server offers no login mechanism they can use (offered: {offered}). On many servers AUTH appears only after STARTTLS, or only on the submission ports 587 and 465."),
        (Msg::AuthNotOffered { port, offered }, Es) => format!("Puerto {port}: hay credenciales configuradas pero el servidor no ofrece un mecanismo de inicio de sesión que sirva (ofrece: {offered}). En muchos servidores AUTH solo aparece tras STARTTLS, o solo en los puertos de envío 587 y 465."),
        (Msg::AuthFailed { port, reply }, En) => format!("Port {port}: the server rejected the user name or password: \"{reply}\". Check both, and that this account may send mail through this server."),
        (Msg::AuthFailed { port, reply }, Es) => format!("Puerto {port}: el servidor rechazó el usuario o la contraseña: \"{reply}\". Revise ambos, y que esta cuenta pueda enviar correo por este servidor."),
        (Msg::AuthAppPasswordRequired { port, reply }, En) => format!("Port {port}: the account has 2-step verification and the provider requires an app password, not the account's password: \"{reply}\"."),
        (Msg::AuthAppPasswordRequired { port, reply }, Es) => format!("Puerto {port}: la cuenta tiene verificación en dos pasos y el proveedor exige una contraseña de aplicación, no la de la cuenta: \"{reply}\"."),
        (Msg::AuthBasicAuthDisabled { port, reply, security_defaults: false }, En) => format!("Port {port}: the provider has disabled password login (SMTP AUTH) for this tenant or mailbox: \"{reply}\"."),
        (Msg::AuthBasicAuthDisabled { port, reply, security_defaults: false }, Es) => format!("Puerto {port}: el proveedor tiene desactivado el inicio de sesión con contraseña (SMTP AUTH) para este inquilino o buzón: \"{reply}\"."),
        (Msg::AuthBasicAuthDisabled { port, reply, security_defaults: true }, En) => format!("Port {port}: the organisation's security defaults block password login (SMTP AUTH): \"{reply}\"."),
        (Msg::AuthBasicAuthDisabled { port, reply, security_defaults: true }, Es) => format!("Puerto {port}: los valores de seguridad predeterminados de la organización bloquean el inicio de sesión con contraseña (SMTP AUTH): \"{reply}\"."),
        (Msg::AuthRefusedPlaintext { port, reason }, En) => format!("Port {port}: the credentials were not sent because {}; anyone on the path could read them. Use TLS with a verified certificate (or pass --insecure-auth to test anyway).", unprotected(En, *reason)),
        (Msg::AuthRefusedPlaintext { port, reason }, Es) => format!("Puerto {port}: no se enviaron las credenciales porque {}; cualquiera en el camino podría leerlas. Use TLS con un certificado verificado (o pase --insecure-auth para probar de todos modos).", unprotected(Es, *reason)),
        (Msg::SendSenderRejected { port, reply, sender }, En) => format!("Port {port}: the server refused the sender (MAIL FROM): \"{reply}\". Most providers only accept the logged-in account's own address (or a verified alias) as sender: set {sender} accordingly."),
        (Msg::SendSenderRejected { port, reply, sender }, Es) => format!("Puerto {port}: el servidor rechazó el remitente (MAIL FROM): \"{reply}\". La mayoría de proveedores solo aceptan como remitente la dirección de la cuenta (o un alias verificado): ajuste {sender}."),
        (Msg::SendRecipientRejected { port, reply }, En) => format!("Port {port}: the server refused the recipient (RCPT TO): \"{reply}\"."),
        (Msg::SendRecipientRejected { port, reply }, Es) => format!("Puerto {port}: el servidor rechazó el destinatario (RCPT TO): \"{reply}\"."),
        (Msg::SendRefusedByReceiver { port, reply, kind }, En) => format!("Port {port}: \"{reply}\". {} Run smtp-doctor check with --from SENDER to see the sender's domain as receivers see it.", explain_headline(En, *kind)),
        (Msg::SendRefusedByReceiver { port, reply, kind }, Es) => format!("Puerto {port}: \"{reply}\". {} Ejecute smtp-doctor check con --from REMITENTE para ver el dominio del remitente como lo ven los receptores.", explain_headline(Es, *kind)),
        (Msg::SendMessageRejected { port, reply }, En) => format!("Port {port}: the server refused the message itself: \"{reply}\"."),
        (Msg::SendMessageRejected { port, reply }, Es) => format!("Puerto {port}: el servidor rechazó el mensaje: \"{reply}\"."),
        (Msg::ConfigConflictingTlsFlags { framework: Framework::Django, starttls, implicit_tls }, En) => format!("{starttls} and {implicit_tls} are both true: Django refuses to send at all (\"{starttls}/{implicit_tls} are mutually exclusive\"). Keep exactly one: {starttls} for STARTTLS (587), {implicit_tls} for implicit TLS (465)."),
        (Msg::ConfigConflictingTlsFlags { framework: Framework::Django, starttls, implicit_tls }, Es) => format!("{starttls} y {implicit_tls} son ambos verdaderos: Django se niega a enviar (\"{starttls}/{implicit_tls} are mutually exclusive\"). Deje solo uno: {starttls} para STARTTLS (587), {implicit_tls} para TLS implícito (465)."),
        (Msg::ConfigConflictingTlsFlags { starttls, implicit_tls, .. }, En) => format!("{starttls} and {implicit_tls} are both set: the settings ask for STARTTLS and implicit TLS at once, and the application fails or silently uses one of them. Keep exactly one: {starttls} for STARTTLS (587), {implicit_tls} for implicit TLS (465)."),
        (Msg::ConfigConflictingTlsFlags { starttls, implicit_tls, .. }, Es) => format!("{starttls} y {implicit_tls} están ambos activos: la configuración pide STARTTLS y TLS implícito a la vez, y la aplicación falla o usa uno de los dos sin avisar. Deje solo uno: {starttls} para STARTTLS (587), {implicit_tls} para TLS implícito (465)."),
        (Msg::ConfigStarttlsOnImplicitPort { port }, En) => format!("The settings ask for STARTTLS on port {port}, which speaks implicit TLS: the application connects and waits for a greeting that never comes, then times out. Use implicit TLS (SSL) on this port."),
        (Msg::ConfigStarttlsOnImplicitPort { port }, Es) => format!("La configuración pide STARTTLS en el puerto {port}, que habla TLS implícito: la aplicación se conecta y espera un saludo que nunca llega, hasta agotar el tiempo. Use TLS implícito (SSL) en este puerto."),
        (Msg::ConfigImplicitTlsOnStarttlsPort { port }, En) => format!("The settings ask for implicit TLS (SSL) on port {port}, which starts in plain text: the application fails with \"wrong version number\". Use STARTTLS on this port."),
        (Msg::ConfigImplicitTlsOnStarttlsPort { port }, Es) => format!("La configuración pide TLS implícito (SSL) en el puerto {port}, que empieza en texto plano: la aplicación falla con \"wrong version number\". Use STARTTLS en este puerto."),
        (Msg::ConfigNoTimeout { framework: Framework::Django | Framework::Url, timeout: Timeout::Setting { name, example } }, En) => format!("No email timeout is set: if the server stops answering, the application waits forever (Django's default). Set {name} (e.g. {example})."),
        (Msg::ConfigNoTimeout { framework: Framework::Django | Framework::Url, timeout: Timeout::Setting { name, example } }, Es) => format!("No hay tiempo de espera para el correo: si el servidor deja de responder, la aplicación espera para siempre (lo predeterminado en Django). Configure {name} (p. ej. {example})."),
        (Msg::ConfigNoTimeout { timeout: Timeout::Setting { name, example }, .. }, En) => format!("No email timeout is set: if the server stops answering, the application waits forever (its mail library's default). Set {name} (e.g. {example})."),
        (Msg::ConfigNoTimeout { timeout: Timeout::Setting { name, example }, .. }, Es) => format!("No hay tiempo de espera para el correo: si el servidor deja de responder, la aplicación espera para siempre (lo predeterminado en su biblioteca de correo). Configure {name} (p. ej. {example})."),
        (Msg::ConfigNoTimeout { timeout: Timeout::InCode { code }, .. }, En) => format!("No email timeout: the mail library has no timeout setting, so if the server stops answering, the application waits forever. Call {code} when the application starts."),
        (Msg::ConfigNoTimeout { timeout: Timeout::InCode { code }, .. }, Es) => format!("Sin tiempo de espera para el correo: la biblioteca de correo no tiene ese ajuste, así que si el servidor deja de responder, la aplicación espera para siempre. Llame a {code} al iniciar la aplicación."),
        (Msg::ConfigNoTimeout { timeout: Timeout::Bounded { default }, .. }, En) => format!("The mail library gives up on its own after {default}."),
        (Msg::ConfigNoTimeout { timeout: Timeout::Bounded { default }, .. }, Es) => format!("La biblioteca de correo desiste por sí sola tras {default}."),
        (Msg::ConfigTlsDisabled { port }, En) => format!("The settings use no TLS on port {port}, although the server offers it: mail and the password would travel unencrypted, and most providers refuse the login. Turn STARTTLS on."),
        (Msg::ConfigTlsDisabled { port }, Es) => format!("La configuración no usa TLS en el puerto {port}, aunque el servidor lo ofrece: el correo y la contraseña viajarían sin cifrar, y la mayoría de proveedores rechaza el inicio de sesión. Active STARTTLS."),
        (Msg::RecProvider { en, .. }, En) => en.to_string(),
        (Msg::RecProvider { es, .. }, Es) => es.to_string(),
        (Msg::RecServerAdmin, En) => "The problem is on the server: send this report to its administrator or the provider's support.".into(),
        (Msg::RecCheckHostAndPort { host, port }, En) => format!("{host}:{port} is not an SMTP server: check the host and port settings against the provider's documentation (submission is usually 587 with STARTTLS or 465 with implicit TLS)."),
        (Msg::RecCheckHostAndPort { host, port }, Es) => format!("{host}:{port} no es un servidor SMTP: compare el host y el puerto con la documentación del proveedor (el envío suele ser 587 con STARTTLS o 465 con TLS implícito)."),
        (Msg::RecRefusedEverywhere { host }, En) => format!("Every port of {host} refuses connections: the host name is wrong or the mail server is down. Check the host setting, then the provider's status page."),
        (Msg::RecRefusedEverywhere { host }, Es) => format!("Todos los puertos de {host} rechazan la conexión: el nombre de host es incorrecto o el servidor de correo está caído. Revise el host configurado y luego la página de estado del proveedor."),
        (Msg::RecCheckRoute, En) => "This machine has no route to the server: check the network connection, VPN and proxy settings, or ask the network administrator.".into(),
        (Msg::RecCheckRoute, Es) => "Esta máquina no tiene ruta hacia el servidor: revise la conexión de red, la VPN y el proxy, o consulte al administrador de la red.".into(),
        (Msg::RecTrustPrivateCa, En) => "If the server uses a private CA, make the application trust it (and pass it here with --ca-file); otherwise something between this machine and the server presents its own certificate: find it before sending passwords.".into(),
        (Msg::RecTrustPrivateCa, Es) => "Si el servidor usa una CA privada, haga que la aplicación confíe en ella (y pásela aquí con --ca-file); si no, algo entre esta máquina y el servidor presenta su propio certificado: encuéntrelo antes de enviar contraseñas.".into(),
        (Msg::AuthWebLoginRequired { port, reply }, En) => format!("Port {port}: the provider refused the login until the account signs in interactively: \"{reply}\". Sign in once in a web browser from this network, then use an app password."),
        (Msg::AuthWebLoginRequired { port, reply }, Es) => format!("Puerto {port}: el proveedor rechazó el inicio de sesión hasta que la cuenta inicie sesión de forma interactiva: \"{reply}\". Inicie sesión una vez en un navegador desde esta red y luego use una contraseña de aplicación."),
        (Msg::AuthRateLimited { port, reply }, En) => format!("Port {port}: the provider is limiting this client (too many logins or connections): \"{reply}\". Wait, then connect less often."),
        (Msg::AuthRateLimited { port, reply }, Es) => format!("Puerto {port}: el proveedor está limitando a este cliente (demasiados inicios de sesión o conexiones): \"{reply}\". Espere y conéctese con menos frecuencia."),
        (Msg::SendRelayDenied { port, reply }, En) => format!("Port {port}: the server refuses to relay for a client that has not logged in: \"{reply}\". Set the user and password in the settings."),
        (Msg::AuthRequired { port, reply }, En) => format!("Port {port}: the server requires a login before it takes mail: \"{reply}\". Set the user and password in the settings (many clients log in only over TLS: keep TLS on)."),
        (Msg::AuthRequired { port, reply }, Es) => format!("Puerto {port}: el servidor exige iniciar sesión antes de aceptar correo: \"{reply}\". Configure el usuario y la contraseña (muchos clientes solo inician sesión sobre TLS: mantenga TLS activado)."),
        (Msg::SendRelayDenied { port, reply }, Es) => format!("Puerto {port}: el servidor se niega a reenviar para un cliente que no ha iniciado sesión: \"{reply}\". Configure el usuario y la contraseña."),
        (Msg::SendQuotaExceeded { port, reply }, En) => format!("Port {port}: the account hit a sending limit: \"{reply}\". Wait for it to reset, or raise it with the provider."),
        (Msg::SendQuotaExceeded { port, reply }, Es) => format!("Puerto {port}: la cuenta alcanzó un límite de envío: \"{reply}\". Espere a que se renueve, o amplíelo con el proveedor."),
        (Msg::SendSenderNotVerified { port, reply }, En) => format!("Port {port}: the provider sends only from verified senders: \"{reply}\". Verify the From address or its domain with the provider."),
        (Msg::SendSenderNotVerified { port, reply }, Es) => format!("Puerto {port}: el proveedor solo envía desde remitentes verificados: \"{reply}\". Verifique la dirección From o su dominio con el proveedor."),
        (Msg::RecServerAdmin, Es) => "El problema está en el servidor: envíe este informe a su administrador o al soporte del proveedor.".into(),
        (Msg::RecWindowsRule { name, ports, program }, En) => format!("The Windows Defender Firewall rule \"{name}\" (outbound, TCP {ports}, {}) blocks it: turn it off in wf.msc ▸ Outbound Rules ▸ \"{name}\" ▸ Disable Rule, or from PowerShell run as administrator (the command below).", match program { Some(p) => format!("program {p}"), None => "every program".into() }),
        (Msg::RecWindowsRule { name, ports, program }, Es) => format!("La regla del Firewall de Windows Defender «{name}» (salida, TCP {ports}, {}) lo bloquea: desactívela en wf.msc ▸ Reglas de salida ▸ «{name}» ▸ Deshabilitar regla, o desde PowerShell ejecutado como administrador (el comando de abajo).", match program { Some(p) => format!("programa {p}"), None => "todos los programas".into() }),
        (Msg::RecNftablesRule { table, chain, handle, comment, ports, action }, En) => format!("The nftables rule in table {table}, chain {chain}{} {} outbound TCP {ports} from this machine: remove it as root (the command below) and from the file that loads it at boot (often /etc/nftables.conf).", rule_details(*handle, comment.as_deref(), "comment"), rule_action(Lang::En, *action)),
        (Msg::RecNftablesRule { table, chain, handle, comment, ports, action }, Es) => format!("La regla de nftables de la tabla {table}, cadena {chain}{} {} la salida TCP {ports} de esta máquina: quítela como root (el comando de abajo) y del archivo que la carga al arrancar (a menudo /etc/nftables.conf).", rule_details(*handle, comment.as_deref(), "comentario"), rule_action(Lang::Es, *action)),
        (Msg::RecIptablesRule { table, chain, position, ports, action }, En) => format!("The iptables rule number {position} of table {table}, chain {chain}, {} outbound TCP {ports} from this machine: remove it as root (the command below) and from the rules saved for boot.", rule_action(Lang::En, *action)),
        (Msg::RecIptablesRule { table, chain, position, ports, action }, Es) => format!("La regla de iptables número {position} de la tabla {table}, cadena {chain}, {} la salida TCP {ports} de esta máquina: quítela como root (el comando de abajo) y de las reglas guardadas para el arranque.", rule_action(Lang::Es, *action)),
        (Msg::RecMailShield { product, en, source, .. }, En) => format!("{product} is on: {en} (source: {source})."),
        (Msg::RecMailShield { product, es, source, .. }, Es) => format!("{product} está activo: {es} (fuente: {source})."),
        (Msg::RecProductOn { product }, En) => format!("{product} is on and may filter outgoing mail: look in its settings for mail (SMTP) scanning or a firewall that blocks programs, and turn it off or add this program to its exceptions."),
        (Msg::RecProductOn { product }, Es) => format!("{product} está activo y puede filtrar el correo saliente: busque en su configuración el análisis del correo (SMTP) o un firewall que bloquee programas, y desactívelo o añada este programa a sus excepciones."),
        (Msg::RecScanningRoot { product, subject, shield }, En) => match shield {
            Some((en, _, source)) => format!("{product} is installed: its root certificate ({subject}) is in this machine's trust store, so it scans TLS connections, mail included: {en} (source: {source})."),
            None => format!("{product} is installed: its root certificate ({subject}) is in this machine's trust store, so it can re-sign TLS connections, mail included; exclude this program or the mail server from its scanning."),
        },
        (Msg::RecScanningRoot { product, subject, shield }, Es) => match shield {
            Some((_, es, source)) => format!("{product} está instalado: su certificado raíz ({subject}) está en el almacén de confianza de esta máquina, así que analiza las conexiones TLS, también las del correo: {es} (fuente: {source})."),
            None => format!("{product} está instalado: su certificado raíz ({subject}) está en el almacén de confianza de esta máquina, así que puede volver a firmar las conexiones TLS, también las del correo; excluya a este programa o al servidor de correo de su análisis."),
        },
        (Msg::RecCannotTell { unread }, En) => format!("smtp-doctor cannot tell which antivirus or firewall rule on this machine is in the way: {}.", unread.iter().map(|(s, r)| format!("{}: {}", security_source(Lang::En, *s), unread_reason(Lang::En, *r))).collect::<Vec<_>>().join("; ")),
        (Msg::RecCannotTell { unread }, Es) => format!("smtp-doctor no puede saber qué antivirus o regla de firewall de esta máquina lo impide: {}.", unread.iter().map(|(s, r)| format!("{}: {}", security_source(Lang::Es, *s), unread_reason(Lang::Es, *r))).collect::<Vec<_>>().join("; ")),
    }
}

/// A cloud provider's own way out of its SMTP block, in its words, with its page.
pub(crate) fn hosting_way_out(lang: Lang, hosting: crate::model::Hosting) -> String {
    let policy = crate::knowledge::hosting::policy(hosting);
    let text = match lang {
        Lang::En => policy.en,
        Lang::Es => policy.es,
    };
    format!("{text} ({})", policy.source)
}

/// Words used by the renderers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// Table header.
    Port,
    /// Table header.
    Mode,
    /// Table header.
    Address,
    /// "verdict".
    Verdict,
    /// "cause".
    Cause,
    /// "What to do".
    WhatToDo,
    /// "Findings".
    Findings,
    /// "DNS".
    Dns,
    /// "not asked (...)".
    DnsNotAsked,
    /// Fix heading.
    Fix,
    /// "nothing to fix".
    AllGood,
    /// "SYNs".
    Syns,
    /// "The application is configured for".
    Configured,
    /// Table cells and diagnostic-table words shared by the text and markdown reports.
    NoStarttls,
    /// No greeting.
    NoGreeting,
    /// The peer is not SMTP.
    NotSmtp,
    /// A step failed.
    Failed,
    /// The peer closed the connection.
    ConnectionClosed,
    /// Certificate expired.
    Expired,
    /// Certificate for another name.
    WrongName,
    /// Certificate untrusted.
    Untrusted,
    /// DNS: no address.
    NoAddress,
    /// "Resolve" (a test).
    Resolve,
    /// "Connect to" (a test).
    ConnectTo,
    /// No answer.
    NoAnswer,
    /// "Greeting and EHLO" (a test).
    GreetingAndEhlo,
    /// Certificate verified.
    CertVerified,
    /// Certificate not verified.
    CertNotVerified,
    /// The demo's introduction.
    DemoIntro,
    /// The label of the "who is in the way" line.
    WhoInTheWay,
    /// SMTP dialogue ready.
    Ready,
    /// A refused greeting.
    Rejected,
    /// EHLO refused.
    EhloRejected,
    /// STARTTLS refused or unanswered.
    StarttlsRefused,
    /// Certificate verified (short).
    Verified,
    /// Certificate rejected for another reason.
    Invalid,
    /// Certificate not checked.
    NotVerified,
}

/// A renderer word.
pub fn word(lang: Lang, w: Word) -> &'static str {
    use Lang::{En, Es};
    match (w, lang) {
        (Word::Port, En) => "PORT",
        (Word::Port, Es) => "PUERTO",
        (Word::Mode, En) => "MODE",
        (Word::Mode, Es) => "MODO",
        (Word::Address, En) => "ADDRESS",
        (Word::Address, Es) => "DIRECCIÓN",
        (Word::Verdict, En) => "verdict",
        (Word::Verdict, Es) => "veredicto",
        (Word::Cause, En) => "cause",
        (Word::Cause, Es) => "causa",
        (Word::WhatToDo, En) => "What to do",
        (Word::WhatToDo, Es) => "Qué hacer",
        (Word::Findings, En) => "Findings",
        (Word::Findings, Es) => "Hallazgos",
        (Word::Dns, _) => "DNS",
        (Word::DnsNotAsked, En) => "DNS not asked",
        (Word::DnsNotAsked, Es) => "DNS no consultado",
        (Word::Fix, En) => "Fix",
        (Word::Fix, Es) => "Solución",
        (Word::AllGood, En) => "Every port completes a secure SMTP handshake from this machine. Nothing to fix.",
        (Word::AllGood, Es) => "Todos los puertos completan un saludo SMTP seguro desde esta máquina. Nada que corregir.",
        (Word::Syns, _) => "SYN",
        (Word::Configured, En) => "The application is configured for",
        (Word::Configured, Es) => "La aplicación está configurada para",
        (Word::NoStarttls, En) => "no STARTTLS",
        (Word::NoStarttls, Es) => "sin STARTTLS",
        (Word::NoGreeting, En) => "no greeting",
        (Word::NoGreeting, Es) => "sin saludo",
        (Word::NotSmtp, En) => "not SMTP",
        (Word::NotSmtp, Es) => "no es SMTP",
        (Word::Failed, En) => "failed",
        (Word::Failed, Es) => "falló",
        (Word::ConnectionClosed, En) => "connection closed",
        (Word::ConnectionClosed, Es) => "conexión cerrada",
        (Word::Expired, En) => "expired",
        (Word::Expired, Es) => "vencido",
        (Word::WrongName, En) => "wrong name",
        (Word::WrongName, Es) => "otro nombre",
        (Word::Untrusted, En) => "untrusted",
        (Word::Untrusted, Es) => "no confiable",
        (Word::NoAddress, En) => "no address",
        (Word::NoAddress, Es) => "sin dirección",
        (Word::Resolve, En) => "Resolve",
        (Word::Resolve, Es) => "Resolver",
        (Word::ConnectTo, En) => "Connect to",
        (Word::ConnectTo, Es) => "Conexión a",
        (Word::NoAnswer, En) => "no answer",
        (Word::NoAnswer, Es) => "sin respuesta",
        (Word::GreetingAndEhlo, En) => "Greeting and EHLO",
        (Word::GreetingAndEhlo, Es) => "Saludo y EHLO",
        (Word::CertVerified, En) => "certificate verified",
        (Word::CertVerified, Es) => "certificado verificado",
        (Word::CertNotVerified, En) => "certificate NOT verified",
        (Word::CertNotVerified, Es) => "certificado NO verificado",
        (Word::Ready, En) => "ready",
        (Word::Ready, Es) => "listo",
        (Word::Rejected, En) => "rejected",
        (Word::Rejected, Es) => "rechazado",
        (Word::EhloRejected, En) => "EHLO rejected",
        (Word::EhloRejected, Es) => "EHLO rechazado",
        (Word::StarttlsRefused, En) => "STARTTLS refused",
        (Word::StarttlsRefused, Es) => "STARTTLS rechazado",
        (Word::Verified, En) => "verified",
        (Word::Verified, Es) => "verificado",
        (Word::Invalid, En) => "invalid",
        (Word::Invalid, Es) => "no válido",
        (Word::NotVerified, En) => "not verified",
        (Word::NotVerified, Es) => "sin verificar",
        (Word::DemoIntro, En) => "Demo: the origin incident in a loopback lab. smtp.demo.test stands for smtp.gmail.com;\nits port 587 silently drops SYNs (an antivirus mail shield), 465 speaks implicit TLS.\n",
        (Word::DemoIntro, Es) => "Demo: el incidente de origen en un laboratorio local. smtp.demo.test hace de smtp.gmail.com;\nsu puerto 587 descarta los SYN en silencio (un escudo de correo), el 465 habla TLS implícito.\n",
        (Word::WhoInTheWay, En) => "who is in the way",
        (Word::WhoInTheWay, Es) => "quién lo impide",
    }
}

/// Headings and labels of the markdown incident report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub(crate) enum Md {
    Title,
    Date,
    Status,
    StatusResolved,
    StatusOk,
    Severity,
    SeverityHigh,
    SeverityMedium,
    SeverityNone,
    Problem,
    ProblemOk,
    Symptom,
    Diagnostic,
    Test,
    Detail,
    Result,
    RootCause,
    Solutions,
    Solution,
    Recommended,
    File,
    Verification,
    VerificationText,
    OtherFindings,
}

/// A markdown label.
pub(crate) fn md(lang: Lang, m: Md) -> &'static str {
    use Lang::{En, Es};
    match (m, lang) {
        (Md::Title, En) => "Incident report: sending email over SMTP",
        (Md::Title, Es) => "Reporte de incidencia: envío de correos (SMTP)",
        (Md::Date, En) => "Date",
        (Md::Date, Es) => "Fecha",
        (Md::Status, En) => "Status",
        (Md::Status, Es) => "Estado",
        (Md::StatusResolved, En) => "Diagnosed (cause found, fix below)",
        (Md::StatusResolved, Es) => "Diagnosticado (causa encontrada, solución abajo)",
        (Md::StatusOk, En) => "No problem found",
        (Md::StatusOk, Es) => "Sin problemas",
        (Md::Severity, En) => "Severity",
        (Md::Severity, Es) => "Severidad",
        (Md::SeverityHigh, En) => "High (no email can be sent)",
        (Md::SeverityHigh, Es) => "Alta (no se puede enviar ningún correo)",
        (Md::SeverityMedium, En) => "Medium (sending works only on another path)",
        (Md::SeverityMedium, Es) => "Media (el envío solo funciona por otra vía)",
        (Md::SeverityNone, En) => "None",
        (Md::SeverityNone, Es) => "Ninguna",
        (Md::Problem, En) => "1. Problem",
        (Md::Problem, Es) => "1. Descripción del problema",
        (Md::ProblemOk, En) => "Every probed port completes a secure SMTP handshake from this machine.",
        (Md::ProblemOk, Es) => "Todos los puertos probados completan un saludo SMTP seguro desde esta máquina.",
        (Md::Symptom, En) => "What the application sees",
        (Md::Symptom, Es) => "Lo que ve la aplicación",
        (Md::Diagnostic, En) => "2. Diagnostic",
        (Md::Diagnostic, Es) => "2. Diagnóstico técnico",
        (Md::Test, En) => "Test",
        (Md::Test, Es) => "Prueba",
        (Md::Detail, En) => "Detail",
        (Md::Detail, Es) => "Detalle",
        (Md::Result, En) => "Result",
        (Md::Result, Es) => "Resultado",
        (Md::RootCause, En) => "Root cause",
        (Md::RootCause, Es) => "Causa raíz",
        (Md::Solutions, En) => "3. Solutions",
        (Md::Solutions, Es) => "3. Soluciones propuestas",
        (Md::Solution, En) => "Solution",
        (Md::Solution, Es) => "Solución",
        (Md::Recommended, En) => "recommended",
        (Md::Recommended, Es) => "recomendada",
        (Md::File, En) => "File",
        (Md::File, Es) => "Archivo",
        (Md::Verification, En) => "4. Verification",
        (Md::Verification, Es) => "4. Verificación",
        (Md::VerificationText, En) => "Run this on every new machine before starting the application (exit status 0 means the settings work):",
        (Md::VerificationText, Es) => "Ejecute esto en cada máquina nueva antes de levantar la aplicación (el código de salida 0 indica que la configuración funciona):",
        (Md::OtherFindings, En) => "Other findings",
        (Md::OtherFindings, Es) => "Otros hallazgos",
    }
}

/// What an application typically reports for a cause (Python's smtplib wording where it is
/// the common one), so the reader recognises the error in their own logs.
pub(crate) fn symptom(lang: Lang, symptom: Symptom, port: Option<u16>) -> String {
    let p = port.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
    let (en, es): (String, String) = match symptom {
        Symptom::ConnectTimeout => (
            format!("Connecting to port {p} hangs, then fails: `TimeoutError: [WinError 10060]` on Windows, `TimeoutError: timed out` or `[Errno 110] Connection timed out` elsewhere."),
            format!("La conexión al puerto {p} se queda colgada y luego falla: `TimeoutError: [WinError 10060]` en Windows, `TimeoutError: timed out` o `[Errno 110] Connection timed out` en otros sistemas."),
        ),
        Symptom::ConnectRefused => (
            format!("Connecting to port {p} fails at once: `ConnectionRefusedError: [Errno 111]` (`[WinError 10061]` on Windows)."),
            format!("La conexión al puerto {p} falla al instante: `ConnectionRefusedError: [Errno 111]` (`[WinError 10061]` en Windows)."),
        ),
        Symptom::NoRoute => (
            format!("Connecting to port {p} fails: `OSError: [Errno 113] No route to host` or `[Errno 101] Network is unreachable`."),
            format!("La conexión al puerto {p} falla: `OSError: [Errno 113] No route to host` o `[Errno 101] Network is unreachable`."),
        ),
        Symptom::ConnectDenied => (
            format!("Connecting to port {p} fails at once: `PermissionError: [Errno 1] Operation not permitted` (`[WinError 10013]` on Windows)."),
            format!("La conexión al puerto {p} falla al instante: `PermissionError: [Errno 1] Operation not permitted` (`[WinError 10013]` en Windows)."),
        ),
        Symptom::NameNotResolved => (
            "`socket.gaierror: [Errno -2] Name or service not known` (`[Errno 11001] getaddrinfo failed` on Windows).".into(),
            "`socket.gaierror: [Errno -2] Name or service not known` (`[Errno 11001] getaddrinfo failed` en Windows).".into(),
        ),
        Symptom::GreetingTimeout => (
            "The client connects, then waits for a greeting until it times out: `SMTPServerDisconnected` or `TimeoutError`.".into(),
            "El cliente se conecta y espera un saludo hasta agotar el tiempo: `SMTPServerDisconnected` o `TimeoutError`.".into(),
        ),
        Symptom::WrongVersionNumber => (
            "`ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number`.".into(),
            "`ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number`.".into(),
        ),
        Symptom::CertificateVerifyFailed => (
            "`ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed`.".into(),
            "`ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed`.".into(),
        ),
        Symptom::StarttlsNotSupported => (
            "`SMTPNotSupportedError: STARTTLS extension not supported by server.`".into(),
            "`SMTPNotSupportedError: STARTTLS extension not supported by server.`".into(),
        ),
        Symptom::AuthenticationError => (
            "`SMTPAuthenticationError` with the server's reply.".into(),
            "`SMTPAuthenticationError` con la respuesta del servidor.".into(),
        ),
        Symptom::Other => (
            "The application fails to send email; the server's reply is quoted below.".into(),
            "La aplicación no logra enviar correos; abajo se cita la respuesta del servidor.".into(),
        ),
    };
    match lang {
        Lang::En => en,
        Lang::Es => es,
    }
}

/// A TCP state in words.
pub(crate) fn tcp_state(lang: Lang, s: TcpState) -> &'static str {
    match (s, lang) {
        (TcpState::Open, Lang::En) => "open",
        (TcpState::Open, Lang::Es) => "abierto",
        (TcpState::Refused, Lang::En) => "refused",
        (TcpState::Refused, Lang::Es) => "rechazado",
        (TcpState::Filtered, Lang::En) => "filtered",
        (TcpState::Filtered, Lang::Es) => "filtrado",
        (TcpState::Unreachable, Lang::En) => "unreachable",
        (TcpState::Unreachable, Lang::Es) => "inalcanzable",
        (TcpState::Denied, Lang::En) => "denied here",
        (TcpState::Denied, Lang::Es) => "denegado aquí",
    }
}

/// The SMTP step's state in words.
pub(crate) fn smtp_state(lang: Lang, s: SmtpState) -> &'static str {
    let w = match s {
        SmtpState::Ready => Word::Ready,
        SmtpState::Rejected => Word::Rejected,
        SmtpState::Silent => Word::NoGreeting,
        SmtpState::Closed => Word::ConnectionClosed,
        SmtpState::NotSmtp => Word::NotSmtp,
        SmtpState::EhloRejected => Word::EhloRejected,
        SmtpState::NoStarttls => Word::NoStarttls,
        SmtpState::StarttlsRefused => Word::StarttlsRefused,
    };
    word(lang, w)
}

/// The TLS step's state in words.
pub(crate) fn tls_state(lang: Lang, s: TlsState) -> &'static str {
    let w = match s {
        TlsState::Verified => Word::Verified,
        TlsState::HandshakeFailed => Word::Failed,
        TlsState::Expired => Word::Expired,
        TlsState::WrongName => Word::WrongName,
        TlsState::Untrusted => Word::Untrusted,
        TlsState::Invalid => Word::Invalid,
        TlsState::Unverified => Word::NotVerified,
    };
    word(lang, w)
}

/// A security mode in words (table column).
pub(crate) fn mode_short(lang: Lang, s: Security) -> &'static str {
    match (s, lang) {
        (Security::Starttls, _) => "STARTTLS",
        (Security::ImplicitTls, Lang::En) => "implicit TLS",
        (Security::ImplicitTls, Lang::Es) => "TLS implícito",
        (Security::Plain, Lang::En) => "plain",
        (Security::Plain, Lang::Es) => "texto plano",
    }
}

/// The command of a run of the project's code as shown: a program and its arguments, an
/// argument that is a whole script shown as `…`.
fn shown_command(run: &crate::runner::RunRecord) -> String {
    let mut out = run.program.clone();
    for a in &run.args {
        out.push(' ');
        if a.contains('\n') {
            out.push('…');
        } else {
            out.push_str(&crate::printable::escape(a.as_bytes()));
        }
    }
    out
}

/// The announcement of a run of the project's own code: what ran, how long, how it ended, and
/// what was read instead when it did not answer.
pub(crate) fn project_run(lang: Lang, run: &crate::runner::RunRecord) -> String {
    use crate::runner::RunStatus as S;
    let cmd = shown_command(run);
    let secs = format!("{:.1}", run.ms / 1000.0);
    let cut = |truncated: bool| match (truncated, lang) {
        (false, _) => "",
        (true, Lang::En) => " (output cut at the cap)",
        (true, Lang::Es) => " (salida cortada en el límite)",
    };
    match (&run.outcome, lang) {
        (S::Ok { truncated }, Lang::En) => format!(
            "Project code ran: {cmd} — answered in {secs} s{}; its settings are the ones used",
            cut(*truncated)
        ),
        (S::Ok { truncated }, Lang::Es) => format!(
            "Se ejecutó código del proyecto: {cmd} — respondió en {secs} s{}; se usan sus ajustes",
            cut(*truncated)
        ),
        (S::NoAnswer { truncated }, Lang::En) => format!(
            "Project code ran: {cmd} — exited after {secs} s without an answer{}; settings read as text instead",
            cut(*truncated)
        ),
        (S::NoAnswer { truncated }, Lang::Es) => format!(
            "Se ejecutó código del proyecto: {cmd} — terminó tras {secs} s sin respuesta{}; ajustes leídos como texto",
            cut(*truncated)
        ),
        (S::Failed { code, truncated }, Lang::En) => format!(
            "Project code ran: {cmd} — failed ({}) after {secs} s{}; settings read as text instead",
            code.map_or("killed by a signal".to_string(), |c| format!("exit status {c}")),
            cut(*truncated)
        ),
        (S::Failed { code, truncated }, Lang::Es) => format!(
            "Se ejecutó código del proyecto: {cmd} — falló ({}) tras {secs} s{}; ajustes leídos como texto",
            code.map_or("terminado por una señal".to_string(), |c| format!("código de salida {c}")),
            cut(*truncated)
        ),
        (S::TimedOut { after_ms }, Lang::En) => format!(
            "Project code ran: {cmd} — killed (with its children) at the {:.1} s limit; settings read as text instead",
            *after_ms as f64 / 1000.0
        ),
        (S::TimedOut { after_ms }, Lang::Es) => format!(
            "Se ejecutó código del proyecto: {cmd} — terminado (con sus hijos) al límite de {:.1} s; ajustes leídos como texto",
            *after_ms as f64 / 1000.0
        ),
        (S::NotFound, Lang::En) => format!(
            "Project code not run: no {} found; settings read as text",
            run.program
        ),
        (S::NotFound, Lang::Es) => format!(
            "Código del proyecto no ejecutado: no se encontró {}; ajustes leídos como texto",
            run.program
        ),
        (S::SpawnFailed { why }, Lang::En) => format!(
            "Project code not run: {} could not be started ({why}); settings read as text",
            run.program
        ),
        (S::SpawnFailed { why }, Lang::Es) => format!(
            "Código del proyecto no ejecutado: {} no pudo arrancar ({why}); ajustes leídos como texto",
            run.program
        ),
    }
}

/// Running the project's code was turned off.
pub(crate) fn project_code_disabled(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Project code not run (--no-project-code): settings read as text",
        Lang::Es => {
            "Código del proyecto no ejecutado (--no-project-code): ajustes leídos como texto"
        }
    }
}

/// A value found that the application does not use, because its runtime says otherwise.
pub(crate) fn shadowed(
    lang: Lang,
    name: &str,
    (value, origin): (&str, &str),
    (used, used_origin): (&str, &str),
) -> String {
    match lang {
        Lang::En => format!(
            "{name} = {value} ({origin}) is not used: the application uses {used} ({used_origin})"
        ),
        Lang::Es => format!(
            "{name} = {value} ({origin}) no se usa: la aplicación usa {used} ({used_origin})"
        ),
    }
}

/// A cause in words.
pub(crate) fn cause(lang: Lang, c: Cause) -> &'static str {
    use Cause as C;
    let (en, es) = match c {
        C::FirewallOrAntivirus => ("An antivirus \"mail shield\" or a firewall on this machine or its network silently drops the packets to this port (the origin incident: port 587 dropped, 465 working).", "El \"escudo de correo\" de un antivirus o un firewall de esta máquina o de su red descarta en silencio los paquetes a este puerto (el incidente de origen: puerto 587 bloqueado, 465 funcionando)."),
        C::ProviderBlocksSmtp => ("The hosting provider, cloud or ISP blocks outbound SMTP ports; use its relay, another port (465) or ask it to lift the block.", "El proveedor de hosting, la nube o el ISP bloquea los puertos SMTP salientes; use su relé, otro puerto (465) o pídale que quite el bloqueo."),
        C::WrongHostOrPort => ("The host or port in the settings is wrong: compare them with the provider's documentation.", "El host o el puerto configurado es incorrecto: compárelos con la documentación del proveedor."),
        C::ServerDown => ("The server is down or overloaded (less likely when other machines can send).", "El servidor está caído o sobrecargado (menos probable si otras máquinas sí pueden enviar)."),
        C::NothingListens => ("Nothing listens on that port: the port number is wrong, or the local mail server (relay, MailHog, Postfix) is not running.", "No hay nada escuchando en ese puerto: el número de puerto es incorrecto, o el servidor de correo local (relé, MailHog, Postfix) no está en marcha."),
        C::FirewallRejects => ("A firewall actively rejects the connection.", "Un firewall rechaza activamente la conexión."),
        C::NoRoute => ("This machine has no route to the server: check the network connection, VPN and proxy.", "Esta máquina no tiene ruta hacia el servidor: revise la conexión de red, la VPN y el proxy."),
        C::BrokenIpv6 => ("The server has an IPv6 address but IPv6 does not work from here; the client tries it first.", "El servidor tiene una dirección IPv6 pero IPv6 no funciona desde aquí; el cliente la prueba primero."),
        C::LocalPolicy => ("A local firewall rule, an antivirus or a security policy (SELinux, a container's network policy) forbids this program to connect out.", "Una regla del firewall local, un antivirus o una política de seguridad (SELinux, la política de red de un contenedor) prohíbe a este programa conectarse hacia fuera."),
        C::HostTypo => ("The host name has a typo or is not the SMTP server's name.", "El nombre del host tiene un error de escritura o no es el nombre del servidor SMTP."),
        C::HostMalformed => ("The host setting holds more than a name: a URL, a port, spaces, quotes or a trailing comma.", "El host configurado contiene algo más que un nombre: una URL, un puerto, espacios, comillas o una coma final."),
        C::NoDns => ("This machine cannot reach a DNS resolver (no network, a VPN or proxy that requires its own DNS).", "Esta máquina no llega a un resolvedor DNS (sin red, o una VPN o proxy que exige su propio DNS)."),
        C::StarttlsOnImplicitPort => ("The settings use STARTTLS (or plain text) on a port that speaks implicit TLS (465): the client waits for a greeting that never comes. Use implicit TLS there (EMAIL_USE_SSL = True, EMAIL_USE_TLS = False), or port 587 with STARTTLS.", "La configuración usa STARTTLS (o texto plano) en un puerto de TLS implícito (465): el cliente espera un saludo que nunca llega. Use TLS implícito ahí (EMAIL_USE_SSL = True, EMAIL_USE_TLS = False), o el puerto 587 con STARTTLS."),
        C::ImplicitTlsOnStarttlsPort => ("The settings use implicit TLS (SSL) on a port that starts in plain text (587 or 25): use STARTTLS there (EMAIL_USE_TLS = True, EMAIL_USE_SSL = False), or port 465 with implicit TLS.", "La configuración usa TLS implícito (SSL) en un puerto que empieza en texto plano (587 o 25): use STARTTLS ahí (EMAIL_USE_TLS = True, EMAIL_USE_SSL = False), o el puerto 465 con TLS implícito."),
        C::Interceptor => ("An antivirus, corporate proxy or firewall intercepts the connection (it holds the greeting, strips STARTTLS or presents its own certificate).", "Un antivirus, un proxy corporativo o un firewall intercepta la conexión (retiene el saludo, quita STARTTLS o presenta su propio certificado)."),
        C::ServerDropsClient => ("The server hangs up on this client: it blocks this address, or refuses the EHLO name the client sends.", "El servidor corta la conexión con este cliente: bloquea esta dirección, o rechaza el nombre EHLO que envía el cliente."),
        C::TlsVersionOrCiphers => ("The client and the server have no TLS version or cipher in common: an old runtime (TLS 1.0/1.1 only) or an old server.", "El cliente y el servidor no tienen versión de TLS ni cifrado en común: un entorno de ejecución antiguo (solo TLS 1.0/1.1) o un servidor antiguo."),
        C::RuntimeTrustStore => ("The application's runtime does not trust the chain although the system may: the python.org build of Python on macOS needs \"Install Certificates.command\"; Java uses its own cacerts; Node its bundled roots (NODE_EXTRA_CA_CERTS).", "El entorno de ejecución de la aplicación no confía en la cadena aunque el sistema quizá sí: Python de python.org en macOS necesita \"Install Certificates.command\"; Java usa su propio cacerts; Node sus raíces incluidas (NODE_EXTRA_CA_CERTS)."),
        C::PrivateCa => ("The server uses a private or self-signed CA: make the application trust it (and pass it to smtp-doctor with --ca-file).", "El servidor usa una CA privada o autofirmada: haga que la aplicación confíe en ella (y pásela a smtp-doctor con --ca-file)."),
        C::ServerCertExpired => ("The server's certificate has expired: its administrator must renew it.", "El certificado del servidor ha caducado: su administrador debe renovarlo."),
        C::ClockWrong => ("This machine's date and time are wrong, so a valid certificate looks expired or not yet valid.", "La fecha y hora de esta máquina son incorrectas, así que un certificado válido parece caducado o aún no válido."),
        C::HostNotOnCertificate => ("The host setting is not a name on the server's certificate (an IP address, an alias or an old name): use the name the provider documents.", "El host configurado no es un nombre del certificado del servidor (una dirección IP, un alias o un nombre antiguo): use el nombre que documenta el proveedor."),
        C::NoStarttlsHere => ("This port of this server does not offer STARTTLS: use the provider's submission port (587 with STARTTLS or 465 with implicit TLS).", "Este puerto de este servidor no ofrece STARTTLS: use el puerto de envío del proveedor (587 con STARTTLS o 465 con TLS implícito)."),
        C::DomainNotAuthenticated => ("The sender's domain is not authenticated for the service that sends it: neither SPF nor DKIM passes aligned with the From domain, and its DMARC policy (or the receiver's own rules) refuses such mail. Run smtp-doctor check with --from to see the records to publish.", "El dominio del remitente no está autenticado para el servicio que lo envía: ni SPF ni DKIM pasan alineados con el dominio From, y su política DMARC (o las reglas del receptor) rechaza ese correo. Ejecute smtp-doctor check con --from para ver los registros que publicar."),
        C::SpfNotAuthorising => ("The SPF record of the envelope domain does not authorise the service or server that sent the message (a missing include:, several SPF records, or more than 10 lookups).", "El registro SPF del dominio del sobre no autoriza al servicio o servidor que envió el mensaje (falta un include:, hay varios registros SPF o más de 10 consultas)."),
        C::DkimNotSigning => ("The message is not signed with the sender's domain: the service's DKIM keys are not published (or not enabled in its console), or a key is revoked or shorter than 1024 bits.", "El mensaje no está firmado con el dominio del remitente: las claves DKIM del servicio no están publicadas (o no activadas en su consola), o una clave está revocada o tiene menos de 1024 bits."),
        C::NoDmarcRecord => ("The From domain publishes no DMARC record (_dmarc.): publish one, starting with p=none.", "El dominio From no publica registro DMARC (_dmarc.): publique uno, empezando por p=none."),
        C::NoReverseDns => ("The sending server's address has no reverse DNS name, or that name does not resolve back to it: ask whoever runs the address to set the PTR record.", "La dirección del servidor que envía no tiene nombre DNS inverso, o ese nombre no resuelve de vuelta a ella: pida a quien gestiona la dirección que configure el registro PTR."),
        C::DeliveredWithoutTls => ("The sending server delivered the message without TLS: enable TLS for outgoing mail on it.", "El servidor que envía entregó el mensaje sin TLS: active TLS para el correo saliente en él."),
        C::SenderReputation => ("The receiver limits mail from this address or domain because of its volume or recipients' complaints: slow down, send only to people who asked, and check the receiver's postmaster tools.", "El receptor limita el correo de esta dirección o dominio por su volumen o las quejas de los destinatarios: reduzca el ritmo, envíe solo a quien lo pidió y revise las herramientas postmaster del receptor."),
        C::AddressBlocklisted => ("The sending address is on a blocklist (Spamhaus): look it up there and ask for removal, or send through a service whose addresses are not listed.", "La dirección que envía está en una lista de bloqueo (Spamhaus): búsquela allí y pida la baja, o envíe a través de un servicio cuyas direcciones no estén listadas."),
        C::TlsTurnedOff => ("TLS is off in the settings and the server requires it: turn STARTTLS on (EMAIL_USE_TLS = True on 587).", "TLS está desactivado en la configuración y el servidor lo exige: active STARTTLS (EMAIL_USE_TLS = True en el 587)."),
        C::EhloNameInvalid => ("The name the client sends in EHLO (this machine's name) is not a valid host name, e.g. it has an underscore or a space: set a valid one (Django: DNS_NAME; smtplib: local_hostname).", "El nombre que el cliente envía en EHLO (el nombre de esta máquina) no es un nombre de host válido, p. ej. tiene un guion bajo o un espacio: configure uno válido (Django: DNS_NAME; smtplib: local_hostname)."),
        C::WrongCredentials => ("The user name or password is wrong (or has stray spaces or quotes in the settings).", "El usuario o la contraseña son incorrectos (o tienen espacios o comillas de más en la configuración)."),
        C::FullAddressAsUser => ("The provider expects the full email address as the user name.", "El proveedor espera la dirección de correo completa como nombre de usuario."),
        C::NeedsAppPassword => ("The account has 2-step verification: create an app password and use it instead of the account password.", "La cuenta tiene verificación en dos pasos: cree una contraseña de aplicación y úsela en lugar de la contraseña de la cuenta."),
        C::SignInWithBrowser => ("The provider blocked the sign-in as suspicious: sign in once in a web browser from this network, then use an app password.", "El proveedor bloqueó el inicio de sesión por sospechoso: inicie sesión una vez en un navegador desde esta red y luego use una contraseña de aplicación."),
        C::SmtpAuthDisabled => ("The provider has disabled password login over SMTP for this tenant or mailbox (Microsoft 365): an administrator must enable SMTP AUTH, or the application must use OAuth 2.", "El proveedor ha desactivado el inicio de sesión con contraseña por SMTP para este inquilino o buzón (Microsoft 365): un administrador debe activar SMTP AUTH, o la aplicación debe usar OAuth 2."),
        C::AuthOnlyAfterTls => ("The server offers login only after STARTTLS: turn TLS on in the settings (EMAIL_USE_TLS = True on 587).", "El servidor ofrece el inicio de sesión solo después de STARTTLS: active TLS en la configuración (EMAIL_USE_TLS = True en el 587)."),
        C::TooManyAttempts => ("Too many logins or connections in a short time (a retry loop, many workers, a shared address): wait, then connect less often.", "Demasiados inicios de sesión o conexiones en poco tiempo (un bucle de reintentos, muchos procesos, una dirección compartida): espere y conéctese con menos frecuencia."),
        C::NotLoggedIn => ("The application did not log in: the user and password are not set, or the login was skipped.", "La aplicación no inició sesión: el usuario y la contraseña no están configurados, o se omitió el inicio de sesión."),
        C::SendingLimit => ("The account hit its sending limit: wait for the limit to reset, or raise it with the provider.", "La cuenta alcanzó su límite de envío: espere a que se renueve el límite, o amplíelo con el proveedor."),
        C::VerifySender => ("The provider sends only from verified senders: verify the From address or its domain (Amazon SES identities and sandbox, SendGrid Sender Identity).", "El proveedor solo envía desde remitentes verificados: verifique la dirección From o su dominio (identidades y sandbox de Amazon SES, Sender Identity de SendGrid)."),
        C::FromMustMatchLogin => ("The From address must be the login's own address (or one it has permission to send as): set DEFAULT_FROM_EMAIL accordingly.", "La dirección From debe ser la de la cuenta con la que se inicia sesión (o una en cuyo nombre tenga permiso para enviar): ajuste DEFAULT_FROM_EMAIL."),
        C::RecipientTypo => ("The recipient address has a typo or does not exist, or the recipient's server refuses it.", "La dirección del destinatario tiene un error o no existe, o el servidor del destinatario la rechaza."),
        C::ContentRefused => ("The server refused the message itself: its size, an attachment or its content (spam policy).", "El servidor rechazó el mensaje en sí: su tamaño, un adjunto o su contenido (política antispam)."),
        C::BothTlsFlags => ("Both EMAIL_USE_TLS and EMAIL_USE_SSL are True: keep only one (465: EMAIL_USE_SSL; 587: EMAIL_USE_TLS).", "EMAIL_USE_TLS y EMAIL_USE_SSL están ambos en True: deje solo uno (465: EMAIL_USE_SSL; 587: EMAIL_USE_TLS)."),
    };
    match lang {
        Lang::En => en,
        Lang::Es => es,
    }
}

/// What failed, in one sentence, for a recognised error.
pub(crate) fn explain_headline(
    lang: Lang,
    kind: crate::knowledge::errors::ErrorKind,
) -> &'static str {
    use crate::knowledge::errors::ErrorKind as K;
    let (en, es) = match kind {
        K::ConflictingTlsFlags => ("The settings ask for STARTTLS and implicit TLS at once.", "La configuración pide STARTTLS y TLS implícito a la vez."),
        K::DnsNxdomain => ("The server's name could not be found (DNS): the name does not exist.", "No se encontró el nombre del servidor (DNS): el nombre no existe."),
        K::DnsFailed => ("The server's name could not be looked up: the DNS resolver did not answer.", "No se pudo buscar el nombre del servidor: el resolvedor DNS no respondió."),
        K::ConnectTimeout => ("The TCP connection timed out: nothing answered, so the packets are most likely silently dropped on the way (filtered).", "La conexión TCP agotó el tiempo de espera: nada respondió, así que lo más probable es que los paquetes se descarten en silencio por el camino (filtrado)."),
        K::ConnectRefused => ("The TCP connection was refused at once: the server's machine (or a firewall) answered that nothing accepts connections on that port.", "La conexión TCP fue rechazada al instante: la máquina del servidor (o un firewall) respondió que nada acepta conexiones en ese puerto."),
        K::Unreachable => ("The TCP connection failed: there is no route to the server's host or network.", "La conexión TCP falló: no hay ruta hacia el host o la red del servidor."),
        K::Denied => ("This machine refused to open the connection: the block is local, before any packet left.", "Esta máquina se negó a abrir la conexión: el bloqueo es local, antes de que saliera ningún paquete."),
        K::ConnectFailed => ("The application could not connect to the SMTP server; the text does not say why (timeout, refused or no route): the check below tells which.", "La aplicación no pudo conectarse al servidor SMTP; el texto no dice por qué (tiempo agotado, rechazo o sin ruta): la comprobación de abajo lo dice."),
        K::NoGreeting => ("The connection opened, but the server's SMTP greeting never came before the timeout.", "La conexión se abrió, pero el saludo SMTP del servidor no llegó antes de agotarse el tiempo."),
        K::ConnectionClosed => ("The connection opened, then the server (or something in between) closed it before the SMTP dialogue finished.", "La conexión se abrió y luego el servidor (o algo intermedio) la cerró antes de terminar el diálogo SMTP."),
        K::WrongVersionNumber => ("TLS failed with \"wrong version number\": the client started TLS at once on a port that starts in plain text.", "TLS falló con \"wrong version number\": el cliente empezó TLS de inmediato en un puerto que empieza en texto plano."),
        K::TlsHandshake => ("The TLS handshake failed.", "El saludo (handshake) TLS falló."),
        K::TlsVersion => ("The TLS handshake failed: no TLS version in common.", "El saludo TLS falló: no hay versión de TLS en común."),
        K::CertUntrusted => ("The server's certificate was not trusted: its chain does not lead to a root the application trusts.", "No se confió en el certificado del servidor: su cadena no lleva a una raíz en la que confíe la aplicación."),
        K::CertExpired => ("The server's certificate is expired or not yet valid.", "El certificado del servidor está caducado o aún no es válido."),
        K::CertNameMismatch => ("The server's certificate is not valid for the host name the application used.", "El certificado del servidor no es válido para el nombre de host que usó la aplicación."),
        K::StarttlsMissing => ("The server did not offer STARTTLS, so the connection could not be encrypted.", "El servidor no ofreció STARTTLS, así que la conexión no pudo cifrarse."),
        K::StarttlsRequired => ("The server requires STARTTLS before anything else, and the application did not start TLS.", "El servidor exige STARTTLS antes que nada, y la aplicación no inició TLS."),
        K::EhloRejected => ("The server rejected the client's EHLO/HELO (the name it introduced itself with).", "El servidor rechazó el EHLO/HELO del cliente (el nombre con el que se presentó)."),
        K::AuthFailed => ("The server rejected the login (user name or password).", "El servidor rechazó el inicio de sesión (usuario o contraseña)."),
        K::AppPasswordRequired => ("The provider refused the account password: it requires an app password.", "El proveedor rechazó la contraseña de la cuenta: exige una contraseña de aplicación."),
        K::WebLoginRequired => ("The provider refused the login until the account signs in interactively in a web browser.", "El proveedor rechazó el inicio de sesión hasta que la cuenta inicie sesión de forma interactiva en un navegador."),
        K::BasicAuthDisabled => ("The provider has disabled password login over SMTP for this account.", "El proveedor ha desactivado el inicio de sesión con contraseña por SMTP para esta cuenta."),
        K::AuthNotOffered => ("The server offered no login (AUTH) on this connection.", "El servidor no ofreció inicio de sesión (AUTH) en esta conexión."),
        K::RateLimited => ("The provider is limiting this client: too many logins or connections, try again later.", "El proveedor está limitando a este cliente: demasiados inicios de sesión o conexiones, inténtelo más tarde."),
        K::AuthRequired => ("The server requires a login before it takes mail, and the application sent without logging in.", "El servidor exige iniciar sesión antes de aceptar correo, y la aplicación envió sin iniciar sesión."),
        K::RelayDenied => ("The server refused to relay the message for a client that has not logged in.", "El servidor se negó a reenviar el mensaje para un cliente que no ha iniciado sesión."),
        K::QuotaExceeded => ("The account hit a sending limit.", "La cuenta alcanzó un límite de envío."),
        K::SenderNotVerified => ("The provider refused the sender: the From address is not verified for this account.", "El proveedor rechazó el remitente: la dirección From no está verificada para esta cuenta."),
        K::SenderRejected => ("The server rejected the sender address (MAIL FROM).", "El servidor rechazó la dirección del remitente (MAIL FROM)."),
        K::RecipientRejected => ("The server rejected a recipient address (RCPT TO).", "El servidor rechazó una dirección de destinatario (RCPT TO)."),
        K::MessageRejected => ("The server rejected the message itself (DATA).", "El servidor rechazó el mensaje en sí (DATA)."),
        K::DomainUnauthenticated => ("The receiver refused the message as unauthenticated: the sender's domain does not pass SPF or DKIM aligned, and DMARC (or the receiver's rules) refuses it.", "El receptor rechazó el mensaje por no estar autenticado: el dominio del remitente no pasa SPF ni DKIM alineados, y DMARC (o las reglas del receptor) lo rechaza."),
        K::DomainSpf => ("The receiver refused or deferred the message because SPF did not pass.", "El receptor rechazó o aplazó el mensaje porque SPF no pasó."),
        K::DomainDkim => ("The receiver refused or deferred the message because DKIM did not pass.", "El receptor rechazó o aplazó el mensaje porque DKIM no pasó."),
        K::DomainAlignment => ("The receiver deferred the message because the From domain is not aligned with the domain SPF or DKIM authenticated.", "El receptor aplazó el mensaje porque el dominio From no está alineado con el dominio que autenticaron SPF o DKIM."),
        K::DomainNoDmarc => ("The receiver deferred the message because the From domain publishes no DMARC record.", "El receptor aplazó el mensaje porque el dominio From no publica registro DMARC."),
        K::DomainPtr => ("The receiver refused the sending address: it has no reverse DNS (PTR), or the name does not resolve back to it.", "El receptor rechazó la dirección que envía: no tiene DNS inverso (PTR), o el nombre no resuelve de vuelta a ella."),
        K::ReceiverRequiresTls => ("The receiver deferred the message because it was not sent over TLS.", "El receptor aplazó el mensaje porque no se envió por TLS."),
        K::ReceiverThrottled => ("The receiver is limiting mail from this address or domain (rate or complaints).", "El receptor está limitando el correo de esta dirección o dominio (ritmo o quejas)."),
        K::IpBlocklisted => ("The receiver refuses connections from the sending address: it is on a blocklist.", "El receptor rechaza las conexiones de la dirección que envía: está en una lista de bloqueo."),
    };
    match lang {
        Lang::En => en,
        Lang::Es => es,
    }
}

/// The words around an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ExplainWord {
    Layer,
    Code,
    Runtime,
    Server,
    Port,
    LikelyCauses,
    Confirm,
    NotRecognised,
    NotRecognisedHint,
    NoHost,
    RunningCheck,
    LoginHint,
}

/// One of the words around an explanation.
pub fn explain_word(lang: Lang, w: ExplainWord) -> &'static str {
    use ExplainWord as W;
    let (en, es) = match w {
        W::Layer => ("Layer", "Capa"),
        W::Code => ("Code", "Código"),
        W::Runtime => ("Runtime", "Entorno"),
        W::Server => ("Server", "Servidor"),
        W::Port => ("Port", "Puerto"),
        W::LikelyCauses => ("Likely causes, most likely first:", "Causas probables, de la más a la menos probable:"),
        W::Confirm => ("To confirm, from the machine where the application runs:", "Para confirmarlo, desde la máquina donde corre la aplicación:"),
        W::NotRecognised => ("Not recognised: smtp-doctor does not know this error text.", "No reconocido: smtp-doctor no conoce este texto de error."),
        W::NotRecognisedHint => ("Check the server the application uses from this machine; the report says which step fails:", "Compruebe desde esta máquina el servidor que usa la aplicación; el informe dice qué paso falla:"),
        W::NoHost => ("(the text names no server: put the application's EMAIL_HOST in place of HOST)", "(el texto no nombra ningún servidor: ponga el EMAIL_HOST de la aplicación en lugar de HOST)"),
        W::RunningCheck => ("Running that check now:", "Ejecutando esa comprobación ahora:"),
        W::LoginHint => ("(to test the login too, add --user USER and give the password in SMTP_DOCTOR_PASSWORD)", "(para probar también el inicio de sesión, añada --user USUARIO y dé la contraseña en SMTP_DOCTOR_PASSWORD)"),
    };
    match lang {
        Lang::En => en,
        Lang::Es => es,
    }
}

// ---- who is in the way (the machine's security state) ---------------------------------------

/// ` (handle 4, comment "x")`, or what of it there is.
fn rule_details(handle: Option<u64>, comment: Option<&str>, comment_word: &str) -> String {
    let parts: Vec<String> = handle
        .map(|h| format!("handle {h}"))
        .into_iter()
        .chain(comment.map(|c| format!("{comment_word} \"{c}\"")))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// What a rule does, as a verb.
fn rule_action(lang: Lang, action: RuleAction) -> &'static str {
    match (action, lang) {
        (RuleAction::Drop, Lang::En) => "drops",
        (RuleAction::Drop, Lang::Es) => "descarta",
        (RuleAction::Reject, Lang::En) => "rejects",
        (RuleAction::Reject, Lang::Es) => "rechaza",
        (RuleAction::Block, Lang::En) => "blocks",
        (RuleAction::Block, Lang::Es) => "bloquea",
    }
}

/// A source of the machine's security state, as a noun.
pub(crate) fn security_source(lang: Lang, source: SecuritySource) -> &'static str {
    match (source, lang) {
        (SecuritySource::WindowsSecurityCenter, Lang::En) => {
            "Windows Security Center's product list"
        }
        (SecuritySource::WindowsSecurityCenter, Lang::Es) => {
            "la lista de productos del Centro de seguridad de Windows"
        }
        (SecuritySource::WindowsFirewall, Lang::En) => "Windows Defender Firewall's rules",
        (SecuritySource::WindowsFirewall, Lang::Es) => {
            "las reglas del Firewall de Windows Defender"
        }
        (SecuritySource::Nftables, Lang::En) => "the nftables rules",
        (SecuritySource::Nftables, Lang::Es) => "las reglas de nftables",
        (SecuritySource::Iptables, Lang::En) => "the iptables rules",
        (SecuritySource::Iptables, Lang::Es) => "las reglas de iptables",
        (SecuritySource::MacosApplications, Lang::En) => "the installed applications",
        (SecuritySource::MacosApplications, Lang::Es) => "las aplicaciones instaladas",
        (SecuritySource::TrustStore, Lang::En) => "the trust store's root certificates",
        (SecuritySource::TrustStore, Lang::Es) => "los certificados raíz del almacén de confianza",
    }
}

/// Why a source could not be read, as a predicate.
pub(crate) fn unread_reason(lang: Lang, reason: UnreadReason) -> &'static str {
    match (reason, lang) {
        (UnreadReason::NeedsAdministrator, Lang::En) => {
            "readable only as root (run smtp-doctor with sudo to name the rule)"
        }
        (UnreadReason::NeedsAdministrator, Lang::Es) => {
            "legible solo como root (ejecute smtp-doctor con sudo para nombrar la regla)"
        }
        (UnreadReason::NotAvailable, Lang::En) => {
            "not on this system (Windows Server, Wine or a container lack it)"
        }
        (UnreadReason::NotAvailable, Lang::Es) => {
            "no existe en este sistema (Windows Server, Wine o un contenedor no lo tienen)"
        }
        (UnreadReason::Failed, Lang::En) => "the system answered with an error",
        (UnreadReason::Failed, Lang::Es) => "el sistema respondió con un error",
        (UnreadReason::TimedOut, Lang::En) => "no answer in time",
        (UnreadReason::TimedOut, Lang::Es) => "sin respuesta a tiempo",
        (UnreadReason::NotImplemented, Lang::En) => "not read on this system yet",
        (UnreadReason::NotImplemented, Lang::Es) => "aún no se lee en este sistema",
        (UnreadReason::Undecodable, Lang::En) => "an answer that could not be decoded",
        (UnreadReason::Undecodable, Lang::Es) => "una respuesta que no se pudo descifrar",
    }
}

fn product_state(lang: Lang, state: ProductState) -> &'static str {
    match (state, lang) {
        (ProductState::On, Lang::En) => "on",
        (ProductState::On, Lang::Es) => "activo",
        (ProductState::Off, Lang::En) => "off",
        (ProductState::Off, Lang::Es) => "desactivado",
        (ProductState::Snoozed, Lang::En) => "snoozed",
        (ProductState::Snoozed, Lang::Es) => "en pausa",
        (ProductState::Expired, Lang::En) => "expired",
        (ProductState::Expired, Lang::Es) => "caducado",
        (ProductState::Unknown, Lang::En) => "state unknown",
        (ProductState::Unknown, Lang::Es) => "estado desconocido",
    }
}

fn product_kind(lang: Lang, kind: ProductKind) -> &'static str {
    match (kind, lang) {
        (ProductKind::Antivirus, Lang::En) => "antivirus",
        (ProductKind::Antivirus, Lang::Es) => "antivirus",
        (ProductKind::Firewall, Lang::En) => "firewall",
        (ProductKind::Firewall, Lang::Es) => "firewall",
    }
}

/// The report's "who is in the way" line: the rules named, the products with their state, and
/// what could not be read ("cannot tell"), or "none found" only for sources that were read.
pub(crate) fn who_is_in_the_way(lang: Lang, security: &SecurityObservation) -> String {
    let mut parts: Vec<String> = Vec::new();
    for r in &security.rules {
        let ports = r
            .ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let program = r.program.as_ref().map(|p| match lang {
            Lang::En => format!(", program {p}"),
            Lang::Es => format!(", programa {p}"),
        });
        parts.push(match lang {
            Lang::En => format!(
                "rule {} {} TCP {ports}{}",
                r.name,
                rule_action(lang, r.action),
                program.unwrap_or_default()
            ),
            Lang::Es => format!(
                "la regla {} {} TCP {ports}{}",
                r.name,
                rule_action(lang, r.action),
                program.unwrap_or_default()
            ),
        });
    }
    if !security.products.is_empty() {
        let list = security
            .products
            .iter()
            .map(|p| {
                format!(
                    "{} ({}, {})",
                    p.name,
                    product_kind(lang, p.kind),
                    product_state(lang, p.state)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(match lang {
            Lang::En => format!("security products: {list}"),
            Lang::Es => format!("productos de seguridad: {list}"),
        });
    }
    if !security.scanning_roots.is_empty() {
        let list = security
            .scanning_roots
            .iter()
            .map(|r| r.product.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(match lang {
            Lang::En => format!("TLS-scanning root in the trust store: {list}"),
            Lang::Es => format!("raíz de análisis TLS en el almacén de confianza: {list}"),
        });
    }
    let read_nothing: Vec<&str> = security
        .read
        .iter()
        .filter(|s| {
            !security.rules.iter().any(|r| r.source == **s)
                && !security.products.iter().any(|p| p.source == **s)
                // The trust store holds roots, not rules: it never "blocks" anything.
                && **s != SecuritySource::TrustStore
        })
        .map(|s| security_source(lang, *s))
        .collect();
    if !read_nothing.is_empty() {
        parts.push(match lang {
            Lang::En => format!("nothing in {} blocks these ports", read_nothing.join(", ")),
            Lang::Es => format!("nada en {} bloquea estos puertos", read_nothing.join(", ")),
        });
    }
    for u in &security.unread {
        parts.push(format!(
            "{}: {}",
            security_source(lang, u.source),
            unread_reason(lang, u.reason)
        ));
    }
    let cannot_tell = security.rules.is_empty()
        && security.active_products().next().is_none()
        && security.scanning_roots.is_empty()
        && !security.unread.is_empty();
    let head = match (lang, cannot_tell) {
        (Lang::En, true) => "cannot tell: ",
        (Lang::Es, true) => "no se puede saber: ",
        _ => "",
    };
    format!("{head}{}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_credentials_were_withheld_is_said_in_the_reports_language() {
        for why in [Unprotected::NotEncrypted, Unprotected::NotVerified] {
            let msg = Msg::AuthRefusedPlaintext {
                port: 587,
                reason: why,
            };
            let es = message(Lang::Es, &msg);
            let en = message(Lang::En, &msg);
            assert!(es.contains(unprotected(Lang::Es, why)), "{es}");
            assert!(en.contains(unprotected(Lang::En, why)), "{en}");
            assert!(
                !es.contains(unprotected(Lang::En, why)),
                "English in Spanish: {es}"
            );
        }
    }

    #[test]
    fn greeting_and_ehlo_failures_are_told_apart_in_both_languages() {
        let hows = [
            NoGreeting::Silence,
            NoGreeting::Unfinished {
                lines: 3,
                bytes: 90,
            },
            NoGreeting::Closed { lines: 0, bytes: 0 },
            NoGreeting::Closed {
                lines: 1,
                bytes: 41,
            },
        ];
        let mut seen = Vec::new();
        for how in hows {
            let msg = Msg::SmtpNoGreeting {
                port: 587,
                secs: 0.01,
                how,
            };
            let (en, es) = (message(Lang::En, &msg), message(Lang::Es, &msg));
            assert!(
                en.starts_with("Port 587") && es.starts_with("Puerto 587"),
                "{en} / {es}"
            );
            // A close is said as "at once", not as a wait of 0.0 s.
            if matches!(how, NoGreeting::Closed { .. }) {
                assert!(!en.contains("0.0 s") && en.contains("at once"), "{en}");
            }
            seen.push(en);
        }
        seen.dedup();
        assert_eq!(seen.len(), hows.len(), "each case has its own wording");
        let failures = [
            EhloFailure::LineTooLong { limit: 2048 },
            EhloFailure::TooManyLines { limit: 200 },
            EhloFailure::TooMuchData { limit: 262144 },
            EhloFailure::BadReplyLine {
                line: "199 hi".into(),
            },
            EhloFailure::Closed { lines: 0, bytes: 0 },
            EhloFailure::Closed {
                lines: 2,
                bytes: 30,
            },
            EhloFailure::TimedOut {
                secs: 5.0,
                lines: 0,
                bytes: 0,
            },
            EhloFailure::TimedOut {
                secs: 5.0,
                lines: 1,
                bytes: 9,
            },
            EhloFailure::Failed {
                detail: "reset".into(),
            },
        ];
        for failure in &failures {
            for after_tls in [false, true] {
                let msg = Msg::SmtpEhloFailed {
                    port: 465,
                    after_tls,
                    failure: failure.clone(),
                };
                let (en, es) = (message(Lang::En, &msg), message(Lang::Es, &msg));
                assert!(en.contains("EHLO") && es.contains("EHLO"), "{en} / {es}");
                assert_eq!(en.contains("STARTTLS"), after_tls, "{en}");
                assert!(es.starts_with("Puerto 465"), "{es}");
                assert!(
                    !es.contains(" the ") && !es.contains("reply"),
                    "English in Spanish: {es}"
                );
            }
            let (en, es) = (
                ehlo_failure_short(Lang::En, failure),
                ehlo_failure_short(Lang::Es, failure),
            );
            assert!(!en.is_empty() && !es.is_empty());
        }
    }

    #[test]
    fn broken_dialogues_and_tls_failures_are_said_in_the_reports_language() {
        let broken_all = [
            Broken::Timeout,
            Broken::Closed,
            Broken::LineTooLong,
            Broken::TooMuchData,
            Broken::Failed {
                detail: "reset".into(),
            },
            Broken::NotSmtp {
                line: "HTTP/1.1 400".into(),
            },
        ];
        for during in [Dialogue::Starttls, Dialogue::Auth, Dialogue::Send] {
            for b in &broken_all {
                let msg = Msg::DialogueBroke {
                    port: 465,
                    during,
                    broke: b.clone(),
                };
                let (en, es) = (message(Lang::En, &msg), message(Lang::Es, &msg));
                assert!(en.contains(&broken(Lang::En, b)) && es.contains(&broken(Lang::Es, b)));
                assert!(
                    !es.contains(&broken(Lang::En, b)),
                    "English in Spanish: {es}"
                );
                assert!(
                    !es.contains(&b.evidence())
                        || matches!(b, Broken::Failed { .. } | Broken::NotSmtp { .. }),
                    "{es}"
                );
            }
        }
        for kind in [
            TlsFailure::NoReply,
            TlsFailure::Alert,
            TlsFailure::Incompatible,
            TlsFailure::NotTls,
            TlsFailure::TooLarge,
            TlsFailure::ConnectionLost,
            TlsFailure::BadServerName,
            TlsFailure::Other,
        ] {
            let msg = Msg::TlsHandshakeFailed { port: 465, kind };
            let es = message(Lang::Es, &msg);
            assert!(es.contains(tls_failure(Lang::Es, kind)), "{es}");
            assert!(
                !es.contains(tls_failure(Lang::En, kind)),
                "English in Spanish: {es}"
            );
        }
    }
}
