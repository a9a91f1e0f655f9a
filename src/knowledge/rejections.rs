//! What a provider's refusal of a login means, from its code and wording.

/// What a rejection means, from the provider's code and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// Gmail 534 5.7.9: an app password is required (2-step verification is on).
    AppPasswordRequired,
    /// Microsoft 365 535 5.7.139: SMTP AUTH disabled for the tenant or mailbox.
    BasicAuthDisabledTenant,
    /// Microsoft 365 535 5.7.139: blocked by security defaults.
    BasicAuthDisabledSecurityDefaults,
    /// Plain wrong credentials.
    Failed,
}

/// Classifies a rejection. Providers' texts are matched because their codes are shared by
/// several causes (5.7.139 is used for both a disabled tenant and wrong credentials).
pub fn classify_rejection(code: u16, enhanced: Option<&str>, text: &str) -> RejectionKind {
    let lower = text.to_ascii_lowercase();
    if enhanced == Some("5.7.9") || lower.contains("application-specific password") {
        return RejectionKind::AppPasswordRequired;
    }
    if lower.contains("security defaults") {
        return RejectionKind::BasicAuthDisabledSecurityDefaults;
    }
    if lower.contains("smtpclientauthentication is disabled")
        || lower.contains("basic authentication is disabled")
    {
        return RejectionKind::BasicAuthDisabledTenant;
    }
    let _ = code;
    RejectionKind::Failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_rejections() {
        use RejectionKind::*;
        let cases = [
            (534, Some("5.7.9"), "5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor", AppPasswordRequired),
            (535, Some("5.7.8"), "5.7.8 Username and Password not accepted. Learn more at https://support.google.com/mail/?p=BadCredentials", Failed),
            (535, Some("5.7.139"), "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.", BasicAuthDisabledTenant),
            (535, Some("5.7.139"), "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.", BasicAuthDisabledSecurityDefaults),
            (535, Some("5.7.139"), "5.7.139 Authentication unsuccessful, the user credentials were incorrect.", Failed),
            (535, None, "Authentication failed", Failed),
        ];
        for (code, enh, text, want) in cases {
            assert_eq!(classify_rejection(code, enh, text), want, "{text}");
        }
    }
}
