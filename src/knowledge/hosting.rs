//! Which outbound SMTP ports cloud and hosting providers block on their virtual machines, and
//! how to get them opened: one row per provider, each citing its public documentation.

use crate::model::Hosting;

/// A provider's outbound SMTP policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostingPolicy {
    /// The provider.
    pub hosting: Hosting,
    /// Its name as its users know it.
    pub name: &'static str,
    /// Ports blocked outbound by default (on new accounts, where that is the rule).
    pub blocked: &'static [u16],
    /// How to get them opened, English.
    pub en: &'static str,
    /// Lo mismo, en español.
    pub es: &'static str,
    /// The provider's own page about it.
    pub source: &'static str,
}

/// The table.
pub(crate) const POLICIES: &[HostingPolicy] = &[
    HostingPolicy {
        hosting: Hosting::AwsEc2,
        name: "Amazon EC2",
        blocked: &[25],
        en: "EC2 blocks outbound port 25 by default: use 587 (STARTTLS) or 465, or ask AWS to remove the limit (the \"Request to remove email sending limitations\" form).",
        es: "EC2 bloquea por defecto la salida por el puerto 25: use el 587 (STARTTLS) o el 465, o pida a AWS que quite el límite (formulario \"Request to remove email sending limitations\").",
        source: "https://repost.aws/knowledge-center/ec2-port-25-throttle",
    },
    HostingPolicy {
        hosting: Hosting::GoogleCloud,
        name: "Google Compute Engine",
        blocked: &[25],
        en: "Google Cloud never allows outbound connections to port 25: use 587 or 465, or a relay service.",
        es: "Google Cloud nunca permite conexiones de salida al puerto 25: use el 587 o el 465, o un servicio de retransmisión.",
        source: "https://cloud.google.com/compute/docs/tutorials/sending-mail",
    },
    HostingPolicy {
        hosting: Hosting::Azure,
        name: "Microsoft Azure",
        blocked: &[25],
        en: "Azure blocks outbound port 25 for most subscription types: use 587 with an authenticated relay (SendGrid, Microsoft 365…).",
        es: "Azure bloquea la salida por el puerto 25 en la mayoría de suscripciones: use el 587 con un servicio de retransmisión autenticado (SendGrid, Microsoft 365…).",
        source: "https://learn.microsoft.com/en-us/azure/virtual-network/troubleshoot-outbound-smtp-connectivity",
    },
    HostingPolicy {
        hosting: Hosting::DigitalOcean,
        name: "DigitalOcean",
        blocked: &[25, 465, 587],
        en: "DigitalOcean blocks SMTP ports 25, 465 and 587 on Droplets of new accounts: use the provider's port 2525 if it has one, an HTTP API, or ask DigitalOcean support to lift it.",
        es: "DigitalOcean bloquea los puertos SMTP 25, 465 y 587 en los Droplets de cuentas nuevas: use el puerto 2525 del proveedor si lo tiene, una API HTTP, o pida al soporte de DigitalOcean que lo levante.",
        source: "https://docs.digitalocean.com/support/why-is-smtp-blocked/",
    },
    HostingPolicy {
        hosting: Hosting::Hetzner,
        name: "Hetzner Cloud",
        blocked: &[25, 465],
        en: "Hetzner blocks outbound ports 25 and 465 on new cloud servers: use 587, or ask Hetzner to unblock them once the first invoice is paid.",
        es: "Hetzner bloquea la salida por los puertos 25 y 465 en servidores cloud nuevos: use el 587, o pida a Hetzner que los desbloquee tras pagar la primera factura.",
        source: "https://docs.hetzner.com/cloud/servers/faq/",
    },
    HostingPolicy {
        hosting: Hosting::Linode,
        name: "Akamai (Linode)",
        blocked: &[25, 465, 587],
        en: "Linode blocks SMTP ports 25, 465 and 587 on new accounts: open a support ticket to have them lifted, or use the provider's port 2525 or HTTP API.",
        es: "Linode bloquea los puertos SMTP 25, 465 y 587 en cuentas nuevas: abra un ticket de soporte para que los abran, o use el puerto 2525 o la API HTTP del proveedor.",
        source: "https://techdocs.akamai.com/cloud-computing/docs/send-email",
    },
    HostingPolicy {
        hosting: Hosting::Vultr,
        name: "Vultr",
        blocked: &[25],
        en: "Vultr blocks outbound port 25 by default: use 587 or 465, or ask Vultr support to open it.",
        es: "Vultr bloquea por defecto la salida por el puerto 25: use el 587 o el 465, o pida al soporte de Vultr que lo abra.",
        source: "https://docs.vultr.com/support/products/compute/why-is-smtp-blocked",
    },
    HostingPolicy {
        hosting: Hosting::OracleCloud,
        name: "Oracle Cloud",
        blocked: &[25],
        en: "Oracle Cloud blocks outbound port 25 by default: use 587 (OCI Email Delivery or another relay), or ask Oracle to lift it.",
        es: "Oracle Cloud bloquea por defecto la salida por el puerto 25: use el 587 (OCI Email Delivery u otro servicio), o pida a Oracle que lo levante.",
        source: "https://docs.oracle.com/en-us/iaas/Content/Email/Reference/faq.htm",
    },
    HostingPolicy {
        hosting: Hosting::AlibabaCloud,
        name: "Alibaba Cloud",
        blocked: &[25],
        en: "Alibaba Cloud blocks outbound port 25 on ECS by default: use 465 or 587, or apply to unblock it in the console.",
        es: "Alibaba Cloud bloquea por defecto la salida por el puerto 25 en ECS: use el 465 o el 587, o solicite el desbloqueo en la consola.",
        source: "https://www.alibabacloud.com/help/en/ecs/user-guide/why-am-i-unable-to-access-port-25",
    },
];

/// A shared-hosting company that transparently redirects outbound SMTP to its own servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SmtpProxy {
    /// Its name.
    pub name: &'static str,
    /// Registrable domains its mail servers' names are in.
    pub domains: &'static [&'static str],
}

/// Hosting companies known to intercept outbound SMTP (their shared servers answer for any
/// destination on 25, 465 and 587), by the domains their servers' names and certificates use.
pub(crate) const SMTP_PROXIES: &[SmtpProxy] = &[
    SmtpProxy {
        name: "HostGator",
        domains: &["hostgator.com", "websitewelcome.com"],
    },
    SmtpProxy {
        name: "GoDaddy",
        domains: &["secureserver.net", "godaddy.com"],
    },
    SmtpProxy {
        name: "Bluehost",
        domains: &["bluehost.com", "unifiedlayer.com"],
    },
    SmtpProxy {
        name: "InMotion Hosting",
        domains: &["inmotionhosting.com"],
    },
    SmtpProxy {
        name: "A2 Hosting",
        domains: &["a2hosting.com"],
    },
    SmtpProxy {
        name: "Namecheap",
        domains: &["web-hosting.com", "namecheaphosting.com"],
    },
];

/// The phrase of the default Exim banner on cPanel servers, which shared hosts' proxies greet
/// with (`220-… ESMTP Exim … We do not authorize the use of this system to transport
/// unsolicited, and/or bulk e-mail.`).
pub(crate) const CPANEL_BANNER: &str = "We do not authorize the use of this system";

/// The hosting company whose servers are in `registrable_domain`.
pub(crate) fn smtp_proxy(registrable_domain: &str) -> Option<&'static SmtpProxy> {
    SMTP_PROXIES
        .iter()
        .find(|p| p.domains.contains(&registrable_domain))
}

/// The policy of the machine's provider, when it blocks `port`.
pub(crate) fn blocking(hosting: Option<Hosting>, port: u16) -> Option<&'static HostingPolicy> {
    hosting.map(policy).filter(|p| p.blocked.contains(&port))
}

/// The policy of the machine's provider, when it blocks one of `ports`.
pub(crate) fn blocking_any(
    hosting: Option<Hosting>,
    ports: &[u16],
) -> Option<&'static HostingPolicy> {
    hosting
        .map(policy)
        .filter(|p| ports.iter().any(|port| p.blocked.contains(port)))
}

/// The policy of `hosting`.
pub(crate) fn policy(hosting: Hosting) -> &'static HostingPolicy {
    POLICIES
        .iter()
        .find(|p| p.hosting == hosting)
        .expect("every Hosting has a row")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_one_row_with_a_source() {
        use Hosting::*;
        for h in [
            AwsEc2,
            GoogleCloud,
            Azure,
            DigitalOcean,
            Hetzner,
            Linode,
            Vultr,
            OracleCloud,
            AlibabaCloud,
        ] {
            let p = policy(h);
            assert!(p.source.starts_with("https://"));
            assert!(p.blocked.contains(&25));
            assert_eq!(POLICIES.iter().filter(|q| q.hosting == h).count(), 1);
        }
    }
}
