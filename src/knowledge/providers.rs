//! What each large mail provider needs for a login to work, recognised by host name.

/// A provider's login advice, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// Its name.
    pub name: &'static str,
    /// Host suffixes of its SMTP servers.
    pub suffixes: &'static [&'static str],
    /// What to do when the login fails, English.
    pub en: &'static str,
    /// Lo mismo, en español.
    pub es: &'static str,
}

/// The table.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "Gmail",
        suffixes: &["gmail.com", "googlemail.com", "google.com"],
        en: "Gmail: with 2-step verification on, create an app password (Google Account > Security > 2-Step Verification > App passwords) and use it as the password, with the full address as the user.",
        es: "Gmail: con la verificación en dos pasos activa, cree una contraseña de aplicación (Cuenta de Google > Seguridad > Verificación en dos pasos > Contraseñas de aplicaciones) y úsela como contraseña, con la dirección completa como usuario.",
    },
    Provider {
        name: "Microsoft 365",
        suffixes: &["office365.com"],
        en: "Microsoft 365: SMTP AUTH must be enabled for the mailbox (Set-CASMailbox -Identity USER -SmtpClientAuthenticationDisabled $false) and not disabled for the tenant (Get-TransportConfig); security defaults block it entirely. Otherwise use OAuth 2 (XOAUTH2) or a relay connector.",
        es: "Microsoft 365: SMTP AUTH debe estar activado para el buzón (Set-CASMailbox -Identity USUARIO -SmtpClientAuthenticationDisabled $false) y no desactivado para el inquilino (Get-TransportConfig); los valores de seguridad predeterminados lo bloquean por completo. Si no, use OAuth 2 (XOAUTH2) o un conector de retransmisión.",
    },
    Provider {
        name: "Outlook.com",
        suffixes: &["outlook.com", "hotmail.com", "live.com"],
        en: "Outlook.com: password login for SMTP is being retired for personal accounts; use an app password if the account has 2-step verification, or OAuth 2 (XOAUTH2).",
        es: "Outlook.com: el inicio de sesión SMTP con contraseña se está retirando en cuentas personales; use una contraseña de aplicación si la cuenta tiene verificación en dos pasos, o OAuth 2 (XOAUTH2).",
    },
    Provider {
        name: "Yahoo",
        suffixes: &["yahoo.com", "mail.yahoo.com"],
        en: "Yahoo: generate an app password (Account security > Generate app password); the account password is refused.",
        es: "Yahoo: genere una contraseña de aplicación (Seguridad de la cuenta > Generar contraseña de aplicación); la contraseña de la cuenta se rechaza.",
    },
    Provider {
        name: "iCloud",
        suffixes: &["mail.me.com", "icloud.com"],
        en: "iCloud: use an app-specific password (appleid.apple.com > Sign-In and Security) and the full iCloud address as the user; port 587 with STARTTLS.",
        es: "iCloud: use una contraseña específica de app (appleid.apple.com > Inicio de sesión y seguridad) y la dirección de iCloud completa como usuario; puerto 587 con STARTTLS.",
    },
    Provider {
        name: "Zoho",
        suffixes: &["zoho.com", "zoho.eu", "zoho.in", "zohomail.com"],
        en: "Zoho: use the data centre of the account (smtp.zoho.eu for EU accounts, smtp.zoho.in for India) and an app-specific password when 2-factor authentication is on.",
        es: "Zoho: use el centro de datos de la cuenta (smtp.zoho.eu para cuentas de la UE, smtp.zoho.in para India) y una contraseña específica de aplicación si tiene autenticación en dos pasos.",
    },
    Provider {
        name: "SendGrid",
        suffixes: &["sendgrid.net"],
        en: "SendGrid: the user is literally \"apikey\" and the password is an API key with Mail Send permission.",
        es: "SendGrid: el usuario es literalmente \"apikey\" y la contraseña es una clave de API con permiso Mail Send.",
    },
    Provider {
        name: "Mailgun",
        suffixes: &["mailgun.org"],
        en: "Mailgun: use the domain's SMTP credentials (Sending > Domain settings > SMTP credentials, e.g. postmaster@your-domain), not the account login; EU domains use smtp.eu.mailgun.org.",
        es: "Mailgun: use las credenciales SMTP del dominio (Sending > Domain settings > SMTP credentials, p. ej. postmaster@su-dominio), no el acceso a la cuenta; los dominios de la UE usan smtp.eu.mailgun.org.",
    },
    Provider {
        name: "Amazon SES",
        suffixes: &["amazonaws.com"],
        en: "Amazon SES: SMTP credentials are not the IAM access keys: create them in the SES console (SMTP settings), for the same region as the endpoint email-smtp.REGION.amazonaws.com.",
        es: "Amazon SES: las credenciales SMTP no son las claves de acceso IAM: créelas en la consola de SES (SMTP settings), para la misma región que el servidor email-smtp.REGION.amazonaws.com.",
    },
    Provider {
        name: "Brevo",
        suffixes: &["brevo.com", "sendinblue.com"],
        en: "Brevo: server smtp-relay.brevo.com; the login is the SMTP login shown under SMTP & API and the password is an SMTP key, not the account password.",
        es: "Brevo: servidor smtp-relay.brevo.com; el usuario es el login SMTP que aparece en SMTP & API y la contraseña es una clave SMTP, no la de la cuenta.",
    },
    Provider {
        name: "Fastmail",
        suffixes: &["fastmail.com"],
        en: "Fastmail: create an app password (Settings > Privacy & Security > Manage app passwords and access) and use it with the full address as the user.",
        es: "Fastmail: cree una contraseña de aplicación (Settings > Privacy & Security > Manage app passwords and access) y úsela con la dirección completa como usuario.",
    },
    Provider {
        name: "GMX",
        suffixes: &["gmx.com", "gmx.net"],
        en: "GMX: allow access by POP3/IMAP in the webmail settings (E-Mail > Settings > POP3 & IMAP) before SMTP logins are accepted, and use the full address as the user.",
        es: "GMX: permita el acceso POP3/IMAP en los ajustes del correo web (E-Mail > Ajustes > POP3 & IMAP) antes de que se acepten inicios de sesión SMTP, y use la dirección completa como usuario.",
    },
];

/// The provider of `host`, if it is a known one.
pub fn for_host(host: &str) -> Option<&'static Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| {
        p.suffixes
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
    })
}

/// Providers that also take submissions on port 2525 (with STARTTLS), for networks that block
/// 587 and 465: SendGrid, Mailgun, Brevo, SparkPost, Postmark, Mailjet, SMTP2GO, Elastic Email.
const PORT_2525: &[&str] = &[
    "sendgrid.net",
    "mailgun.org",
    "sendinblue.com",
    "brevo.com",
    "sparkpostmail.com",
    "postmarkapp.com",
    "mailjet.com",
    "smtp2go.com",
    "elasticemail.com",
];

/// The extra submission port of the provider of `host`, when it has one.
pub fn extra_submission_port(host: &str) -> Option<u16> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    PORT_2525
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")))
        .then_some(2525)
}

/// The rules of the provider of `host` that these credentials break, from their shape alone
/// (the secret is looked at for its length and alphabet, never kept).
pub fn credential_lints(host: &str, user: &str, secret: &str) -> Vec<crate::model::CredentialLint> {
    use crate::model::CredentialLint as L;
    let mut lints = Vec::new();
    let Some(provider) = for_host(host) else {
        return lints;
    };
    match provider.name {
        "SendGrid" if user != "apikey" => lints.push(L::SendgridUserNotApikey),
        "Amazon SES" => {
            let access_key = user.len() == 20
                && (user.starts_with("AKIA") || user.starts_with("ASIA"))
                && user
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !access_key {
                lints.push(L::SesUserNotAccessKeyId);
            }
            let base64ish = secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=');
            if secret.len() == 40 && base64ish {
                lints.push(L::SesPasswordIsIamSecret);
            }
        }
        "Gmail" if !user.contains('@') => lints.push(L::GmailUserNotAddress),
        _ => {}
    }
    lints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hosts() {
        assert_eq!(for_host("smtp.gmail.com").map(|p| p.name), Some("Gmail"));
        assert_eq!(
            for_host("smtp.office365.com").map(|p| p.name),
            Some("Microsoft 365")
        );
        assert_eq!(
            for_host("smtp-mail.outlook.com").map(|p| p.name),
            Some("Outlook.com")
        );
        assert_eq!(
            for_host("email-smtp.eu-west-1.amazonaws.com").map(|p| p.name),
            Some("Amazon SES")
        );
        assert_eq!(
            for_host("smtp.sendgrid.net").map(|p| p.name),
            Some("SendGrid")
        );
        assert_eq!(for_host("mail.example.com"), None);
    }
}
