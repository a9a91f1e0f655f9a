//! Each step's outcome in one word: what the reports' tables mark and what `diff` compares.
//! Derived here once from the observations, so the text, markdown and diff reports agree.

use super::{
    DnsOutcome, EndpointObservation, GreetingOutcome, HandshakeOutcome, SmtpObservation,
    StarttlsOutcome, TlsObservation, TlsVersion, Verification,
};

/// How the SMTP dialogue before TLS went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmtpState {
    /// Greeting and EHLO accepted, and STARTTLS went ahead where it was used.
    Ready,
    /// A 4xx/5xx greeting.
    Rejected,
    /// No greeting before the deadline.
    Silent,
    /// Closed without a greeting.
    Closed,
    /// The peer does not speak SMTP.
    NotSmtp,
    /// EHLO (and HELO) refused.
    EhloRejected,
    /// STARTTLS not offered.
    NoStarttls,
    /// STARTTLS offered but refused, or no reply to it.
    StarttlsRefused,
}

impl SmtpState {
    /// Whether the dialogue can go on to TLS and the login.
    pub fn is_ok(self) -> bool {
        self == SmtpState::Ready
    }

    /// A stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpState::Ready => "ready",
            SmtpState::Rejected => "rejected",
            SmtpState::Silent => "no_greeting",
            SmtpState::Closed => "closed",
            SmtpState::NotSmtp => "not_smtp",
            SmtpState::EhloRejected => "ehlo_rejected",
            SmtpState::NoStarttls => "no_starttls",
            SmtpState::StarttlsRefused => "starttls_refused",
        }
    }
}

impl SmtpObservation {
    /// The dialogue's state: the greeting first, then STARTTLS, then EHLO.
    pub fn state(&self) -> SmtpState {
        match &self.greeting {
            GreetingOutcome::Ok { .. } => {}
            GreetingOutcome::Rejected { .. } => return SmtpState::Rejected,
            GreetingOutcome::Silent { .. } => return SmtpState::Silent,
            GreetingOutcome::Closed { .. } => return SmtpState::Closed,
            GreetingOutcome::NotSmtp { .. } => return SmtpState::NotSmtp,
        }
        // EHLO with no usable reply, before or after STARTTLS: the tables say how.
        if self.ehlo_failed.is_some() {
            return SmtpState::EhloRejected;
        }
        match &self.starttls {
            Some(StarttlsOutcome::NotOffered) => return SmtpState::NoStarttls,
            Some(StarttlsOutcome::Refused { .. } | StarttlsOutcome::NoReply { .. }) => {
                return SmtpState::StarttlsRefused
            }
            Some(StarttlsOutcome::Ready { .. }) | None => {}
        }
        let refused = |e: &Option<super::EhloOutcome>| e.as_ref().is_some_and(|e| !e.accepted());
        if refused(&self.ehlo)
            || refused(&self.ehlo_after_tls)
            || self.ehlo_after_tls_failed.is_some()
        {
            return SmtpState::EhloRejected;
        }
        SmtpState::Ready
    }
}

/// How TLS went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsState {
    /// Up, and the chain verified.
    Verified,
    /// Could not be negotiated.
    HandshakeFailed,
    /// Up, with an expired (or not yet valid) certificate.
    Expired,
    /// Up, with a certificate for another name.
    WrongName,
    /// Up, with a chain that leads to no trusted root.
    Untrusted,
    /// Up, with a certificate rejected for another reason.
    Invalid,
    /// Up, and the chain was not checked.
    Unverified,
}

impl TlsState {
    /// Whether mail and passwords may go over it.
    pub fn is_ok(self) -> bool {
        self == TlsState::Verified
    }

    /// A stable spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsState::Verified => "verified",
            TlsState::HandshakeFailed => "handshake_failed",
            TlsState::Expired => "expired",
            TlsState::WrongName => "wrong_name",
            TlsState::Untrusted => "untrusted",
            TlsState::Invalid => "invalid",
            TlsState::Unverified => "unverified",
        }
    }
}

impl TlsObservation {
    /// The handshake and the verdict on the chain, in one word.
    pub fn state(&self) -> TlsState {
        if let HandshakeOutcome::Failed { .. } = self.handshake {
            return TlsState::HandshakeFailed;
        }
        match &self.verification {
            Some(Verification::Verified) => TlsState::Verified,
            Some(Verification::Expired { .. }) => TlsState::Expired,
            Some(Verification::NameMismatch { .. }) => TlsState::WrongName,
            Some(Verification::Untrusted { .. }) => TlsState::Untrusted,
            Some(Verification::Invalid { .. }) => TlsState::Invalid,
            None => TlsState::Unverified,
        }
    }

    /// The negotiated version (`TLSv1.3`), when the handshake completed.
    pub fn version(&self) -> Option<&TlsVersion> {
        match &self.handshake {
            HandshakeOutcome::Done { version, .. } => Some(version),
            HandshakeOutcome::Failed { .. } => None,
        }
    }
}

impl EndpointObservation {
    /// The SMTP step's state, `None` when it did not run.
    pub fn smtp_state(&self) -> Option<SmtpState> {
        self.smtp.as_ref().map(SmtpObservation::state)
    }

    /// The TLS step's state, `None` when it did not run.
    pub fn tls_state(&self) -> Option<TlsState> {
        self.tls.as_ref().map(TlsObservation::state)
    }
}

impl DnsOutcome {
    /// A stable spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            DnsOutcome::Resolved => "resolved",
            DnsOutcome::NxDomain => "nxdomain",
            DnsOutcome::NoAddress => "no_address",
            DnsOutcome::Failed { .. } => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Capabilities, EhloOutcome, ReplySummary, Security};

    fn smtp(
        greeting: GreetingOutcome,
        ehlo_code: u16,
        starttls: Option<StarttlsOutcome>,
    ) -> SmtpObservation {
        let ehlo = EhloOutcome {
            reply: ReplySummary::new(ehlo_code, String::new()),
            ms: 1.0,
            capabilities: Capabilities::default(),
            used_helo: false,
        };
        SmtpObservation {
            greeting,
            ehlo: Some(ehlo),
            starttls,
            ehlo_after_tls: None,
            ehlo_failed: None,
            ehlo_after_tls_failed: None,
        }
    }

    #[test]
    fn smtp_state_follows_the_dialogue() {
        let ok = || GreetingOutcome::Ok {
            reply: ReplySummary::new(220, "ready".into()),
            ms: 1.0,
        };
        assert_eq!(smtp(ok(), 250, None).state(), SmtpState::Ready);
        assert_eq!(smtp(ok(), 550, None).state(), SmtpState::EhloRejected);
        let no_reply = StarttlsOutcome::NoReply {
            broke: super::super::Broken::Timeout,
        };
        assert_eq!(
            smtp(ok(), 250, Some(no_reply)).state(),
            SmtpState::StarttlsRefused
        );
        assert_eq!(
            smtp(ok(), 250, Some(StarttlsOutcome::NotOffered)).state(),
            SmtpState::NoStarttls
        );
        let silent = GreetingOutcome::Silent {
            waited_ms: 5.0,
            lines: 0,
            bytes: 0,
        };
        assert_eq!(smtp(silent, 250, None).state(), SmtpState::Silent);
        assert!(!SmtpState::NoStarttls.is_ok());
    }

    #[test]
    fn tls_state_names_why_the_chain_failed() {
        let mut tls = TlsObservation {
            mode: Security::ImplicitTls,
            server_name: "h".into(),
            handshake: HandshakeOutcome::Done {
                version: TlsVersion::Tls13,
                cipher: "x".into(),
                ms: 1.0,
            },
            chain: Vec::new(),
            verification: Some(Verification::Verified),
            interception: None,
        };
        assert_eq!(
            (tls.state(), tls.version()),
            (TlsState::Verified, Some(&TlsVersion::Tls13))
        );
        tls.verification = Some(Verification::NameMismatch {
            expected: "h".into(),
            presented: vec!["x".into()],
        });
        assert_eq!(tls.state(), TlsState::WrongName);
        tls.verification = None;
        assert_eq!(tls.state(), TlsState::Unverified);
        tls.handshake = HandshakeOutcome::Failed {
            kind: super::super::TlsFailure::Alert,
            reason: "alert".into(),
            ms: 1.0,
        };
        assert_eq!(
            (tls.state(), tls.version()),
            (TlsState::HandshakeFailed, None)
        );
    }
}
