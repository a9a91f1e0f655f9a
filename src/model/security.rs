//! The machine's security state, as far as it bears on outbound SMTP: the security products the
//! OS knows of (Windows Security Center, an application firewall on macOS), the firewall rules
//! that drop or block one of the probed ports, and what could not be read and why. Facts only:
//! which product does what, and where its switch is, is a knowledge table.

use serde::{Deserialize, Serialize};

/// Where a fact about the machine's security came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecuritySource {
    /// Windows Security Center's product list (`IWSCProductList`).
    WindowsSecurityCenter,
    /// Windows Defender Firewall's rules and profiles (`INetFwPolicy2`).
    WindowsFirewall,
    /// The nftables ruleset (`nft -j list ruleset`).
    Nftables,
    /// The iptables rules (`iptables-save`).
    Iptables,
    /// Application bundles and processes on macOS (Little Snitch, LuLu).
    MacosApplications,
    /// The OS trust store's root certificates (a TLS-scanning antivirus installs its own).
    TrustStore,
}

/// What kind of security product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// An antivirus (it may carry a mail shield).
    Antivirus,
    /// A firewall.
    Firewall,
}

/// A product's state, as the OS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductState {
    /// Protecting.
    On,
    /// Turned off.
    Off,
    /// Turned off for a while (it turns itself back on).
    Snoozed,
    /// Its licence or subscription expired.
    Expired,
    /// A value this build does not know.
    Unknown,
}

/// A security product installed on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityProduct {
    /// Its name as registered (escaped).
    pub name: String,
    /// Antivirus or firewall.
    pub kind: ProductKind,
    /// On, off, snoozed, expired.
    pub state: ProductState,
    /// Whether its signatures are up to date, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures_up_to_date: Option<bool>,
    /// Where this came from.
    pub source: SecuritySource,
}

/// A root certificate in the OS trust store that a TLS-scanning product installed: it is
/// present (and can re-sign mail's TLS) even when the port itself timed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanningRoot {
    /// The product, as the interception table names it.
    pub product: String,
    /// The root's subject (escaped).
    pub subject: String,
}

/// What a matching rule does to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// The packet is dropped silently (a timeout).
    Drop,
    /// The packet is refused with an error (a reset or an ICMP error).
    Reject,
    /// Windows Defender Firewall's "Block" (the connect fails with WSAEACCES or times out).
    Block,
}

/// A firewall rule that drops, rejects or blocks outbound TCP to one of the probed ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallRule {
    /// Which firewall.
    pub source: SecuritySource,
    /// Its name: Windows' display name, or `table/chain` and handle for nftables (escaped).
    pub name: String,
    /// nftables/iptables: the table (with its family for nftables: `inet sd_e2e`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// nftables/iptables: the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    /// nftables: the rule's handle (for `nft delete rule … handle N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<u64>,
    /// The rule's comment, when it has one (escaped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// What it does.
    pub action: RuleAction,
    /// The probed ports it matches.
    pub ports: Vec<u16>,
    /// The remote ports as the rule writes them (`587`, `25,587`, `*`).
    pub remote_ports: String,
    /// Windows: the program it applies to (a full path); `None` for every program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

/// Why a source could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnreadReason {
    /// Reading it needs root (or an administrator), which smtp-doctor does not ask for.
    NeedsAdministrator,
    /// This system does not have it (Windows Server has no Security Center; Wine; a container
    /// without the tool).
    NotAvailable,
    /// It was asked and the answer was an error.
    Failed,
    /// It did not answer within the time allowed.
    TimedOut,
    /// Not read on this operating system by this build.
    NotImplemented,
    /// Its answer could not be decoded.
    Undecodable,
}

/// A source that could not be read: nothing may be concluded from its silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    /// The source.
    pub source: SecuritySource,
    /// Why.
    pub reason: UnreadReason,
    /// The error's evidence (an HRESULT, an exit status), escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A Windows Defender Firewall profile that is active now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallProfile {
    /// `domain`, `private` or `public`.
    pub name: String,
    /// The firewall is on for it.
    pub enabled: bool,
    /// Outbound connections are blocked unless a rule allows them.
    pub blocks_outbound_by_default: bool,
}

/// What was learnt about the machine's security, gathered only when a port was filtered,
/// denied or intercepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityObservation {
    /// The sources that were read successfully (an empty list from them means "none").
    #[serde(default)]
    pub read: Vec<SecuritySource>,
    /// Security products, from the sources read.
    #[serde(default)]
    pub products: Vec<SecurityProduct>,
    /// Firewall rules that block one of the probed ports.
    #[serde(default)]
    pub rules: Vec<FirewallRule>,
    /// Roots of TLS-scanning products found in the OS trust store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scanning_roots: Vec<ScanningRoot>,
    /// Windows Defender Firewall's active profiles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<FirewallProfile>,
    /// What could not be read, and why.
    #[serde(default)]
    pub unread: Vec<Unread>,
    /// smtp-doctor's own path: a Windows rule for it (or for every program) is what blocked the
    /// probe; a rule for another program concerns that program only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Milliseconds the queries took.
    #[serde(default)]
    pub ms: f64,
}

impl SecurityObservation {
    /// Products that are on.
    pub fn active_products(&self) -> impl Iterator<Item = &SecurityProduct> {
        self.products.iter().filter(|p| p.state == ProductState::On)
    }

    /// Nothing was read at all: the machine cannot tell who is in the way.
    pub fn cannot_tell(&self) -> bool {
        self.read.is_empty()
    }
}
