//! What each large mail provider needs for a login to work, recognised by host name.

use crate::model::ProviderId;

/// A provider's login advice, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Provider {
    /// Its identity: what the other tables (the providers' replies) are joined by.
    pub id: ProviderId,
    /// Its name, for people.
    pub name: &'static str,
    /// Host suffixes of its SMTP servers.
    pub suffixes: &'static [&'static str],
    /// What to do when the login fails, English.
    pub en: &'static str,
    /// Lo mismo, en español.
    pub es: &'static str,
}

/// The table.
pub(crate) const PROVIDERS: &[Provider] = &[
    Provider {
        id: ProviderId::Google,
        name: "Gmail",
        suffixes: &["gmail.com", "googlemail.com", "google.com"],
        en: "Gmail: with 2-step verification on, create an app password (Google Account > Security > 2-Step Verification > App passwords) and use it as the password, with the full address as the user.",
        es: "Gmail: con la verificación en dos pasos activa, cree una contraseña de aplicación (Cuenta de Google > Seguridad > Verificación en dos pasos > Contraseñas de aplicaciones) y úsela como contraseña, con la dirección completa como usuario.",
    },
    Provider {
        id: ProviderId::Microsoft365,
        name: "Microsoft 365",
        suffixes: &["office365.com"],
        en: "Microsoft 365: SMTP AUTH must be enabled for the mailbox (Set-CASMailbox -Identity USER -SmtpClientAuthenticationDisabled $false) and not disabled for the tenant (Get-TransportConfig); security defaults block it entirely. Otherwise use OAuth 2 (XOAUTH2) or a relay connector.",
        es: "Microsoft 365: SMTP AUTH debe estar activado para el buzón (Set-CASMailbox -Identity USUARIO -SmtpClientAuthenticationDisabled $false) y no desactivado para el inquilino (Get-TransportConfig); los valores de seguridad predeterminados lo bloquean por completo. Si no, use OAuth 2 (XOAUTH2) o un conector de retransmisión.",
    },
    Provider {
        id: ProviderId::OutlookCom,
        name: "Outlook.com",
        suffixes: &["outlook.com", "hotmail.com", "live.com"],
        en: "Outlook.com: password login for SMTP is being retired for personal accounts; use an app password if the account has 2-step verification, or OAuth 2 (XOAUTH2).",
        es: "Outlook.com: el inicio de sesión SMTP con contraseña se está retirando en cuentas personales; use una contraseña de aplicación si la cuenta tiene verificación en dos pasos, o OAuth 2 (XOAUTH2).",
    },
    Provider {
        id: ProviderId::Yahoo,
        name: "Yahoo",
        suffixes: &["yahoo.com", "mail.yahoo.com"],
        en: "Yahoo: generate an app password (Account security > Generate app password); the account password is refused.",
        es: "Yahoo: genere una contraseña de aplicación (Seguridad de la cuenta > Generar contraseña de aplicación); la contraseña de la cuenta se rechaza.",
    },
    Provider {
        id: ProviderId::Icloud,
        name: "iCloud",
        suffixes: &["mail.me.com", "icloud.com"],
        en: "iCloud: use an app-specific password (appleid.apple.com > Sign-In and Security) and the full iCloud address as the user; port 587 with STARTTLS.",
        es: "iCloud: use una contraseña específica de app (appleid.apple.com > Inicio de sesión y seguridad) y la dirección de iCloud completa como usuario; puerto 587 con STARTTLS.",
    },
    Provider {
        id: ProviderId::Zoho,
        name: "Zoho",
        suffixes: &["zoho.com", "zoho.eu", "zoho.in", "zohomail.com"],
        en: "Zoho: use the data centre of the account (smtp.zoho.eu for EU accounts, smtp.zoho.in for India) and an app-specific password when 2-factor authentication is on.",
        es: "Zoho: use el centro de datos de la cuenta (smtp.zoho.eu para cuentas de la UE, smtp.zoho.in para India) y una contraseña específica de aplicación si tiene autenticación en dos pasos.",
    },
    Provider {
        id: ProviderId::Sendgrid,
        name: "SendGrid",
        suffixes: &["sendgrid.net"],
        en: "SendGrid: the user is literally \"apikey\" and the password is an API key with Mail Send permission.",
        es: "SendGrid: el usuario es literalmente \"apikey\" y la contraseña es una clave de API con permiso Mail Send.",
    },
    Provider {
        id: ProviderId::Mailgun,
        name: "Mailgun",
        suffixes: &["mailgun.org"],
        en: "Mailgun: use the domain's SMTP credentials (Sending > Domain settings > SMTP credentials, e.g. postmaster@your-domain), not the account login; EU domains use smtp.eu.mailgun.org.",
        es: "Mailgun: use las credenciales SMTP del dominio (Sending > Domain settings > SMTP credentials, p. ej. postmaster@su-dominio), no el acceso a la cuenta; los dominios de la UE usan smtp.eu.mailgun.org.",
    },
    Provider {
        id: ProviderId::AmazonSes,
        name: "Amazon SES",
        suffixes: &["amazonaws.com"],
        en: "Amazon SES: SMTP credentials are not the IAM access keys: create them in the SES console (SMTP settings), for the same region as the endpoint email-smtp.REGION.amazonaws.com.",
        es: "Amazon SES: las credenciales SMTP no son las claves de acceso IAM: créelas en la consola de SES (SMTP settings), para la misma región que el servidor email-smtp.REGION.amazonaws.com.",
    },
    Provider {
        id: ProviderId::Brevo,
        name: "Brevo",
        suffixes: &["brevo.com", "sendinblue.com"],
        en: "Brevo: server smtp-relay.brevo.com; the login is the SMTP login shown under SMTP & API and the password is an SMTP key, not the account password.",
        es: "Brevo: servidor smtp-relay.brevo.com; el usuario es el login SMTP que aparece en SMTP & API y la contraseña es una clave SMTP, no la de la cuenta.",
    },
    Provider {
        id: ProviderId::Fastmail,
        name: "Fastmail",
        suffixes: &["fastmail.com"],
        en: "Fastmail: create an app password (Settings > Privacy & Security > Manage app passwords and access) and use it with the full address as the user.",
        es: "Fastmail: cree una contraseña de aplicación (Settings > Privacy & Security > Manage app passwords and access) y úsela con la dirección completa como usuario.",
    },
    Provider {
        id: ProviderId::Gmx,
        name: "GMX",
        suffixes: &["gmx.com", "gmx.net"],
        en: "GMX: allow access by POP3/IMAP in the webmail settings (E-Mail > Settings > POP3 & IMAP) before SMTP logins are accepted, and use the full address as the user.",
        es: "GMX: permita el acceso POP3/IMAP en los ajustes del correo web (E-Mail > Ajustes > POP3 & IMAP) antes de que se acepten inicios de sesión SMTP, y use la dirección completa como usuario.",
    },
];

/// The provider of `host`, if it is a known one (an IP address never is).
pub(crate) fn for_host(host: &crate::model::Host) -> Option<&'static Provider> {
    match host {
        crate::model::Host::Name(name) => for_name(name),
        crate::model::Host::Ip(_) => None,
    }
}

/// The provider of a DNS name as some server wrote it (any case, a trailing dot), if it is a
/// known one.
pub(crate) fn for_name(host: &str) -> Option<&'static Provider> {
    let host = host.trim_end_matches('.');
    PROVIDERS
        .iter()
        .find(|p| p.suffixes.iter().any(|s| in_domain(host, s)))
}

/// Whether `host` is the domain `suffix` (lowercase, as the tables write it) or a name under
/// it, in any ASCII case: compared in place, since this runs for every TLS connection of
/// every target, where a lowercased copy and a `.suffix` string per row cost more than the
/// lookup.
fn in_domain(host: &str, suffix: &str) -> bool {
    let (host, suffix) = (host.as_bytes(), suffix.as_bytes());
    let Some(start) = host.len().checked_sub(suffix.len()) else {
        return false;
    };
    host[start..].eq_ignore_ascii_case(suffix) && (start == 0 || host[start - 1] == b'.')
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
pub(crate) fn extra_submission_port(host: &crate::model::Host) -> Option<u16> {
    let crate::model::Host::Name(host) = host else {
        return None;
    };
    // A Host's name is already lowercase without a trailing dot.
    PORT_2525.iter().any(|s| in_domain(host, s)).then_some(2525)
}

/// The rules of the provider of `host` that these credentials break, from their shape alone
/// (the secret is looked at for its length and alphabet, never kept).
pub(crate) fn credential_lints(
    host: &crate::model::Host,
    user: &str,
    secret: &str,
) -> Vec<crate::model::CredentialLint> {
    use crate::model::CredentialLint as L;
    let mut lints = Vec::new();
    let Some(provider) = for_host(host) else {
        return lints;
    };
    match provider.id {
        ProviderId::Sendgrid if user != "apikey" => lints.push(L::SendgridUserNotApikey),
        ProviderId::AmazonSes => {
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
        ProviderId::Google if !user.contains('@') => lints.push(L::GmailUserNotAddress),
        _ => {}
    }
    lints
}

/// Where a sending service puts the envelope sender (the domain SPF is checked against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Envelope {
    /// The From domain itself: SPF at the From domain must authorise the service.
    FromDomain,
    /// A subdomain of the From domain that the service's set-up creates (its SPF is the
    /// service's, published by a CNAME or by records the console gives).
    Subdomain(&'static str),
    /// A subdomain whose name the console chooses (SendGrid's `emNNNN`): not visible from DNS.
    ChosenSubdomain,
    /// The service's own domain: SPF passes for the service, never aligned with the From domain.
    ServiceDomain,
}

/// How a service's DKIM keys are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DkimPublishing {
    /// TXT records the console gives, at these selectors.
    Txt(&'static [&'static str]),
    /// CNAMEs to the service's keys, at these selectors (`{sel}._domainkey` → the service).
    Cname(&'static [&'static str]),
    /// Selectors the console chooses (tokens, dates): give them with `--dkim-selector`.
    Chosen,
}

/// What a sending service needs in the sender's DNS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SendingProfile {
    /// Its identity.
    pub id: crate::model::ProviderId,
    /// Its name, for people.
    pub name: &'static str,
    /// Host suffixes of its SMTP servers.
    pub hosts: &'static [&'static str],
    /// The `include:` its SPF needs, where SPF is checked against the sender's domain.
    pub spf_include: Option<&'static str>,
    /// Where its envelope sender is.
    pub envelope: Envelope,
    /// Its DKIM keys.
    pub dkim: DkimPublishing,
    /// The CNAME target of a DKIM selector, `{sel}` and `{domain-dashed}` filled in; `None`
    /// when the console gives the value.
    pub dkim_target: Option<&'static str>,
    /// Free-mail domains whose addresses it sends (gmail.com for Google).
    pub freemail: &'static [&'static str],
    /// Where in its console the DKIM keys are made, English.
    pub console_en: &'static str,
    /// Lo mismo, en español.
    pub console_es: &'static str,
}

/// The sending services smtp-doctor knows, keyed by identity. Sources: each service's own
/// domain-authentication page (Google Admin Help 174124 and 180504; Microsoft Learn "Set up
/// SPF/DKIM to send mail from your domain"; AWS SES "Authenticating Email with DKIM" and
/// "Using a custom MAIL FROM domain"; SendGrid "How to set up domain authentication"; Mailgun
/// "Domain verification setup"; Postmark "DKIM and Return-Path"; Brevo "Authenticate your
/// domain"; Zoho "SPF/DKIM configuration"; Mandrill "Authentication and delivery"; Resend
/// "Domains").
pub(crate) const SENDING: &[SendingProfile] = &[
    SendingProfile {
        id: crate::model::ProviderId::Google,
        name: "Google Workspace / Gmail",
        hosts: &["gmail.com", "googlemail.com", "google.com"],
        spf_include: Some("_spf.google.com"),
        envelope: Envelope::FromDomain,
        dkim: DkimPublishing::Txt(&["google"]),
        dkim_target: None,
        freemail: &["gmail.com", "googlemail.com"],
        console_en: "Google Admin console > Apps > Google Workspace > Gmail > Authenticate email: generate a 2048-bit key with selector \"google\", publish the TXT record it shows, then press Start authentication",
        console_es: "Consola de administración de Google > Aplicaciones > Google Workspace > Gmail > Autenticar correo: genere una clave de 2048 bits con el selector \"google\", publique el registro TXT que muestra y pulse Iniciar autenticación",
    },
    SendingProfile {
        id: crate::model::ProviderId::Microsoft365,
        name: "Microsoft 365",
        hosts: &["office365.com", "outlook.office.com", "protection.outlook.com"],
        spf_include: Some("spf.protection.outlook.com"),
        envelope: Envelope::FromDomain,
        dkim: DkimPublishing::Cname(&["selector1", "selector2"]),
        dkim_target: Some("{sel}-{domain-dashed}._domainkey.TENANT.onmicrosoft.com"),
        freemail: &[],
        console_en: "Microsoft Defender portal > Email & collaboration > Policies & rules > Threat policies > Email authentication settings > DKIM: select the domain, publish the two CNAMEs it shows (TENANT is your onmicrosoft.com name), then turn on \"Sign messages for this domain with DKIM signatures\"",
        console_es: "Portal de Microsoft Defender > Correo electrónico y colaboración > Directivas y reglas > Directivas de amenazas > Configuración de autenticación de correo > DKIM: elija el dominio, publique los dos CNAME que muestra (TENANT es su nombre onmicrosoft.com) y active \"Firmar mensajes para este dominio con firmas DKIM\"",
    },
    SendingProfile {
        id: crate::model::ProviderId::OutlookCom,
        name: "Outlook.com",
        hosts: &["outlook.com", "hotmail.com", "live.com"],
        spf_include: None,
        envelope: Envelope::ServiceDomain,
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &["outlook.com", "hotmail.com", "live.com", "msn.com"],
        console_en: "Outlook.com signs its own addresses; a domain of yours needs Microsoft 365",
        console_es: "Outlook.com firma sus propias direcciones; un dominio propio necesita Microsoft 365",
    },
    SendingProfile {
        id: crate::model::ProviderId::Yahoo,
        name: "Yahoo",
        hosts: &["yahoo.com"],
        spf_include: None,
        envelope: Envelope::ServiceDomain,
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &["yahoo.com", "ymail.com", "rocketmail.com", "aol.com"],
        console_en: "Yahoo signs its own addresses only",
        console_es: "Yahoo solo firma sus propias direcciones",
    },
    SendingProfile {
        id: crate::model::ProviderId::AmazonSes,
        name: "Amazon SES",
        hosts: &["amazonaws.com"],
        spf_include: Some("amazonses.com"),
        envelope: Envelope::ServiceDomain,
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &[],
        console_en: "Amazon SES console > Configuration > Identities > your domain > Authentication: Easy DKIM (RSA 2048) gives three CNAMEs TOKEN._domainkey → TOKEN.dkim.amazonses.com; pass their tokens with --dkim-selector. For aligned SPF, set a custom MAIL FROM domain there too",
        console_es: "Consola de Amazon SES > Configuration > Identities > su dominio > Authentication: Easy DKIM (RSA 2048) da tres CNAME TOKEN._domainkey → TOKEN.dkim.amazonses.com; pase sus tokens con --dkim-selector. Para un SPF alineado, configure allí también un dominio MAIL FROM propio",
    },
    SendingProfile {
        id: crate::model::ProviderId::Sendgrid,
        name: "SendGrid",
        hosts: &["sendgrid.net"],
        spf_include: Some("sendgrid.net"),
        envelope: Envelope::ChosenSubdomain,
        dkim: DkimPublishing::Cname(&["s1", "s2"]),
        dkim_target: Some("{sel}.domainkey.uNNNN.wlNNN.sendgrid.net"),
        freemail: &[],
        console_en: "SendGrid > Settings > Sender Authentication > Authenticate Your Domain: publish the three CNAMEs it gives (emNNNN, s1._domainkey, s2._domainkey), then press Verify",
        console_es: "SendGrid > Settings > Sender Authentication > Authenticate Your Domain: publique los tres CNAME que da (emNNNN, s1._domainkey, s2._domainkey) y pulse Verify",
    },
    SendingProfile {
        id: crate::model::ProviderId::Mailgun,
        name: "Mailgun",
        hosts: &["mailgun.org"],
        spf_include: Some("mailgun.org"),
        envelope: Envelope::FromDomain,
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &[],
        console_en: "Mailgun > Sending > Domain settings > DNS records: publish the TXT record of its DKIM selector (pass the selector with --dkim-selector), then press Verify DNS settings",
        console_es: "Mailgun > Sending > Domain settings > DNS records: publique el registro TXT de su selector DKIM (pase el selector con --dkim-selector) y pulse Verify DNS settings",
    },
    SendingProfile {
        id: crate::model::ProviderId::Postmark,
        name: "Postmark",
        hosts: &["postmarkapp.com"],
        spf_include: None,
        envelope: Envelope::Subdomain("pm-bounces"),
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &[],
        console_en: "Postmark > Sender Signatures > your domain > DNS Settings: publish the DKIM TXT record (selector DATEpm, pass it with --dkim-selector) and the Return-Path CNAME pm-bounces → pm.mtasv.net",
        console_es: "Postmark > Sender Signatures > su dominio > DNS Settings: publique el registro TXT de DKIM (selector FECHApm, páselo con --dkim-selector) y el CNAME de Return-Path pm-bounces → pm.mtasv.net",
    },
    SendingProfile {
        id: crate::model::ProviderId::Brevo,
        name: "Brevo",
        hosts: &["brevo.com", "sendinblue.com"],
        spf_include: None,
        envelope: Envelope::ServiceDomain,
        dkim: DkimPublishing::Cname(&["brevo1", "brevo2"]),
        dkim_target: Some("b{n}.{domain-dashed}.dkim.brevo.com"),
        freemail: &[],
        console_en: "Brevo > Senders, Domains & Dedicated IPs > Domains > Authenticate: publish the brevo-code TXT, the two CNAMEs brevo1._domainkey and brevo2._domainkey and the DMARC record it shows",
        console_es: "Brevo > Remitentes, dominios e IP dedicadas > Dominios > Autenticar: publique el TXT brevo-code, los dos CNAME brevo1._domainkey y brevo2._domainkey y el registro DMARC que muestra",
    },
    SendingProfile {
        id: crate::model::ProviderId::Zoho,
        name: "Zoho Mail",
        hosts: &["zoho.com", "zoho.eu", "zoho.in", "zohomail.com"],
        spf_include: Some("zoho.com"),
        envelope: Envelope::FromDomain,
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &["zohomail.com"],
        console_en: "Zoho Mail Admin Console > Domains > your domain > Email configuration > DKIM: add a selector, publish its TXT record (pass the selector with --dkim-selector) and verify it",
        console_es: "Consola de administración de Zoho Mail > Dominios > su dominio > Configuración de correo > DKIM: añada un selector, publique su registro TXT (pase el selector con --dkim-selector) y verifíquelo",
    },
    SendingProfile {
        id: crate::model::ProviderId::Mandrill,
        name: "Mandrill",
        hosts: &["mandrillapp.com"],
        spf_include: None,
        envelope: Envelope::ServiceDomain,
        dkim: DkimPublishing::Cname(&["mte1", "mte2"]),
        dkim_target: Some("dkim{n}.mandrillapp.com"),
        freemail: &[],
        console_en: "Mandrill > Settings > Domains > Sending Domains: add the domain, publish the two CNAMEs mte1._domainkey and mte2._domainkey, then Test DNS Settings",
        console_es: "Mandrill > Settings > Domains > Sending Domains: añada el dominio, publique los dos CNAME mte1._domainkey y mte2._domainkey y pulse Test DNS Settings",
    },
    SendingProfile {
        id: crate::model::ProviderId::Resend,
        name: "Resend",
        hosts: &["resend.com"],
        spf_include: None,
        envelope: Envelope::Subdomain("send"),
        dkim: DkimPublishing::Txt(&["resend"]),
        dkim_target: None,
        freemail: &[],
        console_en: "Resend > Domains > Add Domain: publish the resend._domainkey TXT record and the MX and TXT records of the send subdomain it shows, then Verify DNS Records",
        console_es: "Resend > Domains > Add Domain: publique el registro TXT resend._domainkey y los registros MX y TXT del subdominio send que muestra, y pulse Verify DNS Records",
    },
    SendingProfile {
        id: crate::model::ProviderId::Icloud,
        name: "iCloud Mail",
        hosts: &["mail.me.com", "icloud.com"],
        spf_include: Some("icloud.com"),
        envelope: Envelope::FromDomain,
        dkim: DkimPublishing::Cname(&["sig1"]),
        dkim_target: Some("sig1.dkim.{domain}.at.icloudmailadmin.com"),
        freemail: &["icloud.com", "me.com", "mac.com"],
        console_en: "iCloud > Custom Email Domain: the records it lists (sig1._domainkey CNAME, SPF include:icloud.com)",
        console_es: "iCloud > Dominio de correo personalizado: los registros que indica (CNAME sig1._domainkey, SPF include:icloud.com)",
    },
    SendingProfile {
        id: crate::model::ProviderId::Fastmail,
        name: "Fastmail",
        hosts: &["fastmail.com"],
        spf_include: Some("spf.messagingengine.com"),
        envelope: Envelope::FromDomain,
        dkim: DkimPublishing::Cname(&["fm1", "fm2", "fm3"]),
        dkim_target: Some("{sel}.{domain}.dkim.fmhosted.com"),
        freemail: &["fastmail.com"],
        console_en: "Fastmail > Settings > Domains > your domain > DNS settings: the fm1/fm2/fm3._domainkey CNAMEs",
        console_es: "Fastmail > Ajustes > Dominios > su dominio > Ajustes DNS: los CNAME fm1/fm2/fm3._domainkey",
    },
    SendingProfile {
        id: crate::model::ProviderId::Gmx,
        name: "GMX",
        hosts: &["gmx.com", "gmx.net"],
        spf_include: None,
        envelope: Envelope::ServiceDomain,
        dkim: DkimPublishing::Chosen,
        dkim_target: None,
        freemail: &["gmx.com", "gmx.net", "gmx.de"],
        console_en: "GMX signs its own addresses only",
        console_es: "GMX solo firma sus propias direcciones",
    },
];

/// The sending service of an SMTP host, if it is a known one (an IP address never is). The
/// host is already in its one spelling (lower case, no trailing dot), so it is matched as it is.
pub(crate) fn sending_for_host(host: &crate::model::Host) -> Option<&'static SendingProfile> {
    let crate::model::Host::Name(host) = host else {
        return None;
    };
    SENDING
        .iter()
        .find(|p| p.hosts.iter().any(|s| in_domain(host, s)))
}

/// A sending service by identity.
pub(crate) fn sending(id: crate::model::ProviderId) -> &'static SendingProfile {
    SENDING.iter().find(|p| p.id == id).unwrap_or(&SENDING[0])
}

/// Other free-mail domains (no sending service of smtp-doctor's sends them).
const OTHER_FREEMAIL: &[&str] = &[
    "aol.com",
    "mail.com",
    "proton.me",
    "protonmail.com",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "web.de",
    "libero.it",
    "orange.fr",
    "laposte.net",
    "qq.com",
    "163.com",
];

/// Whether `domain` is a free-mail domain, and whose (`None` inside: a free-mail domain of a
/// service smtp-doctor does not send through).
pub(crate) fn freemail(domain: &str) -> Option<Option<crate::model::ProviderId>> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if let Some(p) = SENDING
        .iter()
        .find(|p| p.freemail.contains(&domain.as_str()))
    {
        return Some(Some(p.id));
    }
    OTHER_FREEMAIL.contains(&domain.as_str()).then_some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_in_place_in_any_case() {
        assert!(in_domain("smtp.gmail.com", "gmail.com"));
        assert!(in_domain("SMTP.GMail.COM", "gmail.com"));
        assert!(in_domain("gmail.com", "gmail.com"));
        assert!(!in_domain("notgmail.com", "gmail.com"));
        assert!(!in_domain("gmail.com.evil.test", "gmail.com"));
        assert!(!in_domain("mail.com", "gmail.com"));
        assert!(!in_domain("smtp.bücher.gmail.co", "gmail.com"));
        assert_eq!(
            for_name("smtp.bücher.gmail.com").map(|p| p.name),
            Some("Gmail")
        );
        // The tables are written lowercase, with no dot at either end: comparing in place, in
        // any case, finds what comparing a lowercased copy found.
        let suffixes = PROVIDERS
            .iter()
            .flat_map(|p| p.suffixes.iter())
            .chain(SENDING.iter().flat_map(|p| p.hosts.iter()))
            .chain(PORT_2525.iter());
        for s in suffixes {
            assert_eq!(*s, s.to_ascii_lowercase(), "{s}");
            assert!(
                !s.starts_with('.') && !s.ends_with('.') && !s.is_empty(),
                "{s}"
            );
        }
    }

    /// The providers' replies are joined to this table by identity: each provider a reply row
    /// names is one of this table's, and its pages are found from it.
    #[test]
    fn every_provider_reply_joins_a_provider() {
        use crate::knowledge::errors::{documented, PROVIDER_REPLIES};
        for (id, .., kind, source) in PROVIDER_REPLIES {
            let Some(id) = id else { continue };
            let provider = PROVIDERS.iter().find(|p| p.id == *id);
            assert!(provider.is_some(), "{id:?} is not in PROVIDERS");
            assert!(documented(*id, *kind).is_some_and(|url| url.starts_with("https://")));
            assert!(source.starts_with("https://"));
        }
        let mut ids: Vec<ProviderId> = PROVIDERS.iter().map(|p| p.id).collect();
        ids.sort_by_key(|id| format!("{id:?}"));
        ids.dedup();
        assert_eq!(ids.len(), PROVIDERS.len(), "one row per provider");
    }

    #[test]
    fn known_hosts() {
        assert_eq!(for_name("smtp.gmail.com").map(|p| p.name), Some("Gmail"));
        assert_eq!(
            for_name("smtp.office365.com").map(|p| p.name),
            Some("Microsoft 365")
        );
        assert_eq!(
            for_name("smtp-mail.outlook.com").map(|p| p.name),
            Some("Outlook.com")
        );
        assert_eq!(
            for_name("email-smtp.eu-west-1.amazonaws.com").map(|p| p.name),
            Some("Amazon SES")
        );
        assert_eq!(
            for_name("smtp.sendgrid.net").map(|p| p.name),
            Some("SendGrid")
        );
        assert_eq!(for_name("mail.example.com"), None);
    }

    #[test]
    fn a_validated_host_is_matched_as_it_is() {
        let host = |h: &str| crate::model::Host::parse(h).unwrap();
        assert_eq!(
            for_host(&host("SMTP.Gmail.com.")).map(|p| p.name),
            Some("Gmail")
        );
        assert_eq!(for_host(&host("192.0.2.1")), None);
        assert_eq!(
            extra_submission_port(&host("SMTP.Mailgun.org.")),
            Some(2525)
        );
        assert_eq!(extra_submission_port(&host("192.0.2.1")), None);
    }

    #[test]
    fn sending_services_by_identity() {
        use crate::model::ProviderId as P;
        let id = |h: &str| sending_for_host(&crate::model::Host::parse(h).unwrap()).map(|p| p.id);
        assert_eq!(id("smtp.gmail.com"), Some(P::Google));
        assert_eq!(id("SMTP.Gmail.com."), Some(P::Google));
        assert_eq!(id("192.0.2.1"), None);
        assert_eq!(id("smtp-relay.gmail.com"), Some(P::Google));
        assert_eq!(id("smtp.office365.com"), Some(P::Microsoft365));
        assert_eq!(id("email-smtp.eu-west-1.amazonaws.com"), Some(P::AmazonSes));
        assert_eq!(id("smtp.sendgrid.net"), Some(P::Sendgrid));
        assert_eq!(id("smtp-relay.brevo.com"), Some(P::Brevo));
        assert_eq!(id("smtp.mandrillapp.com"), Some(P::Mandrill));
        assert_eq!(id("smtp.resend.com"), Some(P::Resend));
        assert_eq!(id("mail.example.com"), None);
        assert_eq!(freemail("Gmail.com"), Some(Some(P::Google)));
        assert_eq!(freemail("hotmail.com"), Some(Some(P::OutlookCom)));
        assert_eq!(freemail("proton.me"), Some(None));
        assert_eq!(freemail("example.com"), None);
        for p in SENDING {
            assert_eq!(sending(p.id).id, p.id);
        }
    }
}
