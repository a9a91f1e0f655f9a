//! Known TLS-inspection products, recognised by the names they put in the certificates they
//! forge. One table, each row with where the name comes from, so it can be checked and grown.

/// A TLS-inspecting product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InspectionProduct {
    /// The product as users know it.
    pub product: &'static str,
    /// Case-insensitive text that appears in the forged chain's issuer or subject.
    pub marker: &'static str,
    /// Where the feature and its certificate name are documented.
    pub source: &'static str,
    /// The setting that turns mail scanning off, for the fix.
    pub mail_setting: &'static str,
}

/// The table. Order matters only for readability: markers do not overlap.
pub(crate) const PRODUCTS: &[InspectionProduct] = &[
    InspectionProduct {
        product: "Avast Mail Shield",
        marker: "avast",
        source: "Avast support: \"Avast Web/Mail Shield Root\" certificate used by HTTPS/mail scanning",
        mail_setting: "Menu > Settings > Protection > Core Shields > Mail Shield: untick \"Scan outbound emails (SMTP)\"",
    },
    InspectionProduct {
        product: "AVG Email Shield",
        marker: "avg web/mail shield",
        source: "AVG support: \"AVG Web/Mail Shield Root\" certificate of Email Shield scanning",
        mail_setting: "Menu > Settings > Basic Protection > Email Shield: untick \"Scan outbound emails (SMTP)\"",
    },
    InspectionProduct {
        product: "Kaspersky (encrypted connection scanning)",
        marker: "kaspersky",
        source: "Kaspersky support: \"Kaspersky Anti-Virus Personal Root Certificate\" of encrypted connections scanning",
        mail_setting: "Settings > Network settings > Encrypted connections scanning: add the program to exclusions",
    },
    InspectionProduct {
        product: "ESET SSL/TLS protocol filtering",
        marker: "eset ssl filter",
        source: "ESET knowledge base: \"ESET SSL Filter CA\" of SSL/TLS protocol filtering",
        mail_setting: "Advanced setup > Protections > SSL/TLS: exclude the program, or Email client protection off for SMTP",
    },
    InspectionProduct {
        product: "Bitdefender Encrypted Web Scan",
        marker: "bitdefender",
        source: "Bitdefender support: \"Bitdefender Personal CA.Net-Defender\" of Encrypted Web Scan",
        mail_setting: "Protection > Online Threat Prevention > Settings: turn off \"Email protection\" for outgoing mail",
    },
    InspectionProduct {
        product: "Norton / Gen Digital Safe Email",
        marker: "norton",
        source: "Norton support: certificates issued by \"Norton Web/Mail Shield\" for scanned connections",
        mail_setting: "Settings > Antivirus > Scans and Risks: turn off outgoing email scanning",
    },
    InspectionProduct {
        product: "McAfee",
        marker: "mcafee",
        source: "McAfee Web Gateway documentation: SSL scanner default CA \"McAfee Web Gateway\"",
        mail_setting: "ask the administrator to bypass SSL scanning for the mail server",
    },
    InspectionProduct {
        product: "Sophos",
        marker: "sophos",
        source: "Sophos Firewall documentation: \"Sophos_SSL_CA\" / \"SophosApplianceCertificate\" for TLS inspection",
        mail_setting: "ask the administrator to add the mail server to the TLS inspection exclusions",
    },
    InspectionProduct {
        product: "Zscaler",
        marker: "zscaler",
        source: "Zscaler help: \"Zscaler Root CA\" used by SSL inspection",
        mail_setting: "ask the administrator to add the mail server to the SSL inspection bypass list",
    },
    InspectionProduct {
        product: "Cisco Umbrella",
        marker: "cisco umbrella",
        source: "Cisco Umbrella docs: \"Cisco Umbrella Root CA\" for HTTPS inspection",
        mail_setting: "ask the administrator to add the mail server to the Selective Decryption list",
    },
    InspectionProduct {
        product: "Fortinet FortiGate",
        marker: "forti",
        source: "Fortinet documentation: \"Fortinet_CA_SSL\" / \"FortiGate CA\" for deep SSL inspection",
        mail_setting: "ask the administrator to exempt the mail server from deep inspection",
    },
    InspectionProduct {
        product: "Palo Alto Networks",
        marker: "palo alto",
        source: "PAN-OS documentation: forward-trust certificate of SSL Forward Proxy decryption",
        mail_setting: "ask the administrator to add a no-decrypt rule for the mail server",
    },
    InspectionProduct {
        product: "Netskope",
        marker: "netskope",
        source: "Netskope documentation: \"caadmin.netskope.com\" CA of SSL interception",
        mail_setting: "ask the administrator to add the mail server to the SSL decryption exceptions",
    },
    InspectionProduct {
        product: "Symantec / Blue Coat ProxySG",
        marker: "blue coat",
        source: "Broadcom ProxySG documentation: SSL interception issuer keyring",
        mail_setting: "ask the administrator to bypass SSL interception for the mail server",
    },
];

/// The product whose marker appears in `name` (an issuer or subject), if any.
pub(crate) fn product_in(name: &str) -> Option<&'static InspectionProduct> {
    let lower = name.to_ascii_lowercase();
    PRODUCTS.iter().find(|p| lower.contains(p.marker))
}

/// Whether `host` belongs to a public mail provider, whose certificates always chain to the
/// public web PKI: a chain for them that only the local trust store accepts was forged on the
/// way. The providers are those of [`super::providers::PROVIDERS`].
pub(crate) fn is_public_provider(host: &str) -> bool {
    super::providers::for_name(host).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_products_by_issuer() {
        let cases = [
            ("CN=Avast Web/Mail Shield Root, O=Avast Web/Mail Shield, OU=generated by Avast Antivirus", "Avast Mail Shield"),
            ("CN=AVG Web/Mail Shield Root, O=AVG Web/Mail Shield", "AVG Email Shield"),
            ("CN=ESET SSL Filter CA, O=ESET, spol. s r. o.", "ESET SSL/TLS protocol filtering"),
            ("CN=Kaspersky Anti-Virus Personal Root Certificate", "Kaspersky (encrypted connection scanning)"),
            ("CN=Zscaler Intermediate Root CA (zscaler.net), O=Zscaler Inc.", "Zscaler"),
            ("CN=FortiGate CA, O=Fortinet", "Fortinet FortiGate"),
        ];
        for (issuer, product) in cases {
            assert_eq!(
                product_in(issuer).map(|p| p.product),
                Some(product),
                "{issuer}"
            );
        }
        assert_eq!(
            product_in("CN=GTS CA 1C3, O=Google Trust Services LLC"),
            None
        );
        assert_eq!(product_in("CN=R11, O=Let's Encrypt"), None);
    }

    #[test]
    fn public_providers() {
        assert!(is_public_provider("smtp.gmail.com"));
        assert!(is_public_provider("smtp.office365.com."));
        assert!(is_public_provider("email-smtp.eu-west-1.amazonaws.com"));
        assert!(!is_public_provider("mail.example.com"));
        assert!(!is_public_provider("notgmail.com"));
    }
}
