//! Security products that scan or block outgoing mail (SMTP), what they do to it, and where
//! their switch is, in English and Spanish, each row with the vendor page it came from. A menu
//! path that was not read on a vendor page for the product's current version says so
//! (`verified: false`): the report then says "look for", not "go to".

/// What a product's mail protection does to an outgoing SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailBehaviour {
    /// It proxies SMTP and re-signs TLS with its own root (the certificate shows its issuer).
    InterceptsTls,
    /// It blocks SMTP from programs it does not know (the connection times out or is refused).
    Blocks,
    /// It scans mail but has no SMTP proxy: not the one in the way.
    NoSmtpProxy,
}

/// One product (or product family) with a mail shield.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MailShield {
    /// The vendor and product, as the report names it.
    pub product: &'static str,
    /// Lower-case words of the name Windows Security Center registers (any one matches).
    pub registered: &'static [&'static str],
    /// What it does to outgoing SMTP.
    pub behaviour: MailBehaviour,
    /// The feature's name and where its switch is (English).
    pub en: &'static str,
    /// The same, in Spanish (menu names stay as the English product shows them).
    pub es: &'static str,
    /// The vendor page the path comes from.
    pub source: &'static str,
    /// The path was read on that page for a current version (the texts of an unchecked path
    /// say so; the table's test holds them to it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub verified: bool,
}

/// The table. Order matters: the first row whose `registered` words match wins (AVG before
/// Avast: AVG's products do not say "avast", but keep the specific first anyway).
pub(crate) const MAIL_SHIELDS: &[MailShield] = &[
    MailShield {
        product: "Avast Antivirus",
        registered: &["avast"],
        behaviour: MailBehaviour::InterceptsTls,
        en: "Mail Shield scans outgoing SMTP (and re-signs its TLS): Menu ▸ Settings ▸ Protection ▸ Core Shields ▸ Mail Shield ▸ untick \"Scan outbound emails (SMTP)\", or turn Mail Shield off",
        es: "Mail Shield analiza el SMTP saliente (y vuelve a firmar su TLS): Menú ▸ Configuración ▸ Protección ▸ Escudos principales ▸ Mail Shield ▸ desmarque «Analizar correos salientes (SMTP)», o desactive Mail Shield",
        source: "https://businesshelp.avast.com/Content/Products/AfB_Antivirus/ConfiguringSettings/MailShield.htm",
        verified: true,
    },
    MailShield {
        product: "AVG AntiVirus",
        registered: &["avg"],
        behaviour: MailBehaviour::InterceptsTls,
        en: "Email Shield scans outgoing SMTP (and re-signs its TLS): Menu ▸ Settings ▸ Basic Protection ▸ Email Shield ▸ untick \"Scan outbound emails (SMTP)\", or turn Email Shield off (path not checked for the current version)",
        es: "Email Shield analiza el SMTP saliente (y vuelve a firmar su TLS): Menú ▸ Configuración ▸ Protección básica ▸ Email Shield ▸ desmarque «Analizar correos salientes (SMTP)», o desactive Email Shield (ruta no comprobada en la versión actual)",
        source: "https://businesshelp.avg.com/Content/Products/AVG_Management_Consoles/ConfiguringSettingsandPolicies/MailShield.htm",
        verified: false,
    },
    MailShield {
        product: "Kaspersky",
        registered: &["kaspersky"],
        behaviour: MailBehaviour::InterceptsTls,
        en: "Mail Anti-Virus scans SMTP (encrypted connections too): Settings ▸ Security settings ▸ Mail Anti-Virus ▸ set the protection scope to incoming messages only, or untick \"Scan POP3, SMTP, NNTP, and IMAP traffic\"",
        es: "Antivirus de correo analiza el SMTP (también las conexiones cifradas): Configuración ▸ Configuración de seguridad ▸ Antivirus de correo ▸ limite el alcance a los mensajes entrantes, o desmarque «Analizar el tráfico POP3, SMTP, NNTP e IMAP»",
        source: "https://support.kaspersky.com/help/Kaspersky/Win21.9/en-US/85603.htm",
        verified: true,
    },
    MailShield {
        product: "ESET",
        registered: &["eset"],
        behaviour: MailBehaviour::InterceptsTls,
        en: "Mail transport protection scans mail protocols over SSL/TLS: Advanced setup ▸ Protections ▸ Email client protection ▸ Mail transport protection (and Protections ▸ SSL/TLS for the scanning of encrypted connections)",
        es: "La protección del transporte de correo analiza los protocolos de correo sobre SSL/TLS: Configuración avanzada ▸ Protecciones ▸ Protección del cliente de correo ▸ Protección del transporte de correo (y Protecciones ▸ SSL/TLS para el análisis de conexiones cifradas)",
        source: "https://help.eset.com/eis/16.2/en-US/idh_config_emon_protocols.html",
        verified: true,
    },
    MailShield {
        product: "Bitdefender",
        registered: &["bitdefender"],
        behaviour: MailBehaviour::InterceptsTls,
        en: "Email Protection and Encrypted Web Scan scan mail traffic: Protection ▸ Online Threat Prevention ▸ Settings ▸ Email Protection / Encrypted web scan (path not checked for the current version)",
        es: "La protección del correo y el análisis web cifrado analizan el tráfico de correo: Protección ▸ Prevención de amenazas en línea ▸ Ajustes ▸ Protección del correo / Análisis web cifrado (ruta no comprobada en la versión actual)",
        source: "https://www.bitdefender.com/consumer/support/",
        verified: false,
    },
    MailShield {
        product: "Norton",
        registered: &["norton", "symantec"],
        behaviour: MailBehaviour::InterceptsTls,
        en: "Email Antivirus Scan checks outgoing mail: Settings ▸ Antivirus ▸ Scans and Risks ▸ Email Antivirus Scan ▸ Configure ▸ untick \"Scan outgoing email messages\" (path not checked for the current version)",
        es: "El análisis antivirus del correo revisa el correo saliente: Configuración ▸ Antivirus ▸ Análisis y riesgos ▸ Análisis antivirus del correo ▸ Configurar ▸ desmarque «Analizar los mensajes salientes» (ruta no comprobada en la versión actual)",
        source: "https://support.norton.com/",
        verified: false,
    },
    MailShield {
        product: "McAfee VirusScan Enterprise",
        registered: &["virusscan enterprise", "endpoint security"],
        behaviour: MailBehaviour::Blocks,
        en: "the Access Protection rule \"Prevent mass mailing worms from sending mail\" blocks ports 25 and 587 for every program not listed as an exclusion: VirusScan Console ▸ Access Protection ▸ Properties ▸ Anti-Virus Standard Protection ▸ add the program to the rule's excluded processes, or ask the administrator (ePO policy)",
        es: "la regla de protección de acceso «Prevent mass mailing worms from sending mail» bloquea los puertos 25 y 587 para todo programa que no esté en sus exclusiones: Consola de VirusScan ▸ Protección de acceso ▸ Propiedades ▸ Anti-Virus Standard Protection ▸ añada el programa a los procesos excluidos de la regla, o pídalo al administrador (directiva de ePO)",
        source: "https://tenable.com/audits/items/DISA_STIG_McAfee_VirusScan_8.8_Local_Client_v5r16.audit:2c946f050af5cc14b653b42545458c8c",
        verified: true,
    },
    MailShield {
        product: "McAfee",
        registered: &["mcafee"],
        behaviour: MailBehaviour::Blocks,
        en: "its firewall and email scanning can block programs that send mail: My Protection ▸ Firewall ▸ Internet connections for programs (allow the program), and Real-Time Scanning's email settings (path not checked for the current version)",
        es: "su firewall y el análisis del correo pueden bloquear a los programas que envían correo: Mi protección ▸ Firewall ▸ Conexiones a internet de los programas (permita el programa), y las opciones de correo del análisis en tiempo real (ruta no comprobada en la versión actual)",
        source: "https://www.mcafee.com/support/",
        verified: false,
    },
    MailShield {
        product: "Trend Micro",
        registered: &["trend micro"],
        behaviour: MailBehaviour::Blocks,
        en: "its firewall booster and email scanning can stop unknown programs: Settings ▸ Internet & Email Controls, and Settings ▸ PC/Mac Protection ▸ Firewall Booster (path not checked for the current version)",
        es: "su refuerzo del firewall y el análisis del correo pueden detener programas desconocidos: Configuración ▸ Controles de internet y correo, y Configuración ▸ Protección del PC ▸ Refuerzo del firewall (ruta no comprobada en la versión actual)",
        source: "https://helpcenter.trendmicro.com/",
        verified: false,
    },
    MailShield {
        product: "Microsoft Defender Antivirus",
        registered: &["windows defender", "microsoft defender"],
        behaviour: MailBehaviour::NoSmtpProxy,
        en: "Microsoft Defender Antivirus has no SMTP proxy and does not block mail ports; look at Windows Defender Firewall's outbound rules instead (wf.msc ▸ Outbound Rules)",
        es: "Microsoft Defender Antivirus no tiene proxy SMTP ni bloquea los puertos de correo; mire en cambio las reglas de salida del Firewall de Windows Defender (wf.msc ▸ Reglas de salida)",
        source: "https://learn.microsoft.com/en-us/defender-endpoint/microsoft-defender-antivirus-windows",
        verified: true,
    },
];

/// The row for a product name as Windows Security Center registers it (or as an
/// interception issuer names it).
pub(crate) fn for_product(name: &str) -> Option<&'static MailShield> {
    let lower = name.to_lowercase();
    MAIL_SHIELDS
        .iter()
        .find(|s| s.registered.iter().any(|w| lower.contains(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_names_find_their_row_and_every_row_has_a_source_in_both_languages() {
        for (name, product) in [
            ("Avast Antivirus", "Avast Antivirus"),
            ("AVG AntiVirus FREE", "AVG AntiVirus"),
            ("Kaspersky Standard", "Kaspersky"),
            ("ESET Security", "ESET"),
            ("Bitdefender Antivirus", "Bitdefender"),
            ("Norton 360", "Norton"),
            ("McAfee VirusScan Enterprise", "McAfee VirusScan Enterprise"),
            ("McAfee LiveSafe", "McAfee"),
            ("Trend Micro Maximum Security", "Trend Micro"),
            ("Windows Defender", "Microsoft Defender Antivirus"),
        ] {
            assert_eq!(
                for_product(name).map(|s| s.product),
                Some(product),
                "{name}"
            );
        }
        assert!(for_product("CylancePROTECT").is_none());
        for s in MAIL_SHIELDS {
            assert!(s.source.starts_with("https://"), "{}", s.product);
            assert!(!s.en.is_empty() && !s.es.is_empty(), "{}", s.product);
            // An unchecked path says so, in both languages.
            assert_eq!(!s.verified, s.en.contains("not checked"), "{}", s.product);
            assert_eq!(!s.verified, s.es.contains("no comprobada"), "{}", s.product);
        }
    }
}
