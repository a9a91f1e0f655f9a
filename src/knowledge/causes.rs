//! The diagnosis' words for why mail fails: the causes an explanation ranks and the symptoms
//! an application shows for a root cause. They are decisions of the diagnosis (`explain` and
//! `diagnosis` choose them); the message catalogue (`i18n`) only holds their sentences, keyed
//! by them, which is why they live in this layer below both.

/// Why an error a user pasted (`explain`) happened: the likely causes, ranked by the
/// explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// An antivirus mail shield or a firewall drops the packets.
    FirewallOrAntivirus,
    /// The hosting provider or ISP blocks outbound SMTP.
    ProviderBlocksSmtp,
    /// The host or port setting is wrong.
    WrongHostOrPort,
    /// The server is down or overloaded.
    ServerDown,
    /// Nothing listens on that port (wrong port, or a local relay not running).
    NothingListens,
    /// A firewall actively rejects the connection.
    FirewallRejects,
    /// No route: network, VPN or proxy.
    NoRoute,
    /// IPv6 is configured but does not work.
    BrokenIpv6,
    /// A local policy (firewall rule, antivirus, SELinux) forbids this program to connect.
    LocalPolicy,
    /// The host name has a typo or is not a server name.
    HostTypo,
    /// The host setting holds a URL, a port, spaces or quotes.
    HostMalformed,
    /// This machine cannot reach a DNS resolver.
    NoDns,
    /// STARTTLS (or plain text) used on a port that speaks implicit TLS (465).
    StarttlsOnImplicitPort,
    /// Implicit TLS used on a port that starts in plain text (587, 25).
    ImplicitTlsOnStarttlsPort,
    /// An antivirus or proxy intercepts the connection.
    Interceptor,
    /// The server closes on this client (blocked address, refused EHLO name).
    ServerDropsClient,
    /// The client and server have no TLS version or cipher in common.
    TlsVersionOrCiphers,
    /// The runtime's own trust store lacks the CA (python.org macOS build, Java cacerts, Node).
    RuntimeTrustStore,
    /// The server uses a private or self-signed CA.
    PrivateCa,
    /// The server's certificate expired.
    ServerCertExpired,
    /// This machine's clock is wrong.
    ClockWrong,
    /// The host setting is not a name on the certificate (an IP, an alias).
    HostNotOnCertificate,
    /// The port does not offer STARTTLS (a relay on 25, an interceptor strips it).
    NoStarttlsHere,
    /// TLS is off in the settings.
    TlsTurnedOff,
    /// The EHLO name the client sends is not a valid host name.
    EhloNameInvalid,
    /// The user name or password is wrong.
    WrongCredentials,
    /// The user name must be the full address.
    FullAddressAsUser,
    /// An app password is needed (2-step verification is on).
    NeedsAppPassword,
    /// The provider wants an interactive sign-in first.
    SignInWithBrowser,
    /// SMTP AUTH is disabled for the tenant or mailbox.
    SmtpAuthDisabled,
    /// AUTH is offered only after STARTTLS.
    AuthOnlyAfterTls,
    /// Too many logins or connections in a short time.
    TooManyAttempts,
    /// Credentials were not set or not sent.
    NotLoggedIn,
    /// A sending limit of the account.
    SendingLimit,
    /// The sender address or domain must be verified with the provider.
    VerifySender,
    /// The From address must be the login's address (or one it may send as).
    FromMustMatchLogin,
    /// The recipient address has a typo or does not exist.
    RecipientTypo,
    /// The message's content or size was refused.
    ContentRefused,
    /// Both TLS settings are on.
    BothTlsFlags,
    /// The sender's domain is not authenticated for the service that sends (SPF, DKIM, DMARC).
    DomainNotAuthenticated,
    /// SPF of the sender's domain does not authorise the sending service or address.
    SpfNotAuthorising,
    /// The sending service does not sign with the sender's domain (its DKIM keys are not
    /// published or not enabled).
    DkimNotSigning,
    /// The sender's domain publishes no DMARC record.
    NoDmarcRecord,
    /// The sending address has no forward-confirmed reverse DNS.
    NoReverseDns,
    /// The sending server delivered without TLS.
    DeliveredWithoutTls,
    /// The sending address or domain has a poor reputation (volume, complaints).
    SenderReputation,
    /// The sending address is on a blocklist.
    AddressBlocklisted,
}

/// What an application typically reports when it meets a cause: the error a reader finds in
/// their own logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symptom {
    /// The connect hangs, then times out.
    ConnectTimeout,
    /// The connect is refused at once.
    ConnectRefused,
    /// No route to the host or network.
    NoRoute,
    /// This machine refuses to open the connection.
    ConnectDenied,
    /// The host name does not resolve.
    NameNotResolved,
    /// Connected, then no greeting until the timeout.
    GreetingTimeout,
    /// TLS spoken to a plain-text port: "wrong version number".
    WrongVersionNumber,
    /// The certificate does not verify.
    CertificateVerifyFailed,
    /// STARTTLS is not supported by the server.
    StarttlsNotSupported,
    /// The login is refused.
    AuthenticationError,
    /// Anything else: the server's reply says it.
    Other,
}
