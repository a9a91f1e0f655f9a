//! The sender's domain, as DNS shows it: the records read (SPF, DKIM, DMARC, PTR), with the
//! counts an evaluation needs. Facts only; what they mean for delivery is `diagnosis::domain`.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A sending service, by identity (its display name is the knowledge table's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderId {
    /// Gmail and Google Workspace.
    Google,
    /// Microsoft 365 (Exchange Online).
    Microsoft365,
    /// Outlook.com, Hotmail, Live (personal Microsoft accounts).
    OutlookCom,
    /// Yahoo Mail.
    Yahoo,
    /// Amazon SES.
    AmazonSes,
    /// Twilio SendGrid.
    Sendgrid,
    /// Mailgun.
    Mailgun,
    /// Postmark.
    Postmark,
    /// Brevo (formerly Sendinblue).
    Brevo,
    /// Zoho Mail.
    Zoho,
    /// Mandrill (Mailchimp Transactional).
    Mandrill,
    /// Resend.
    Resend,
    /// iCloud Mail.
    Icloud,
    /// Fastmail.
    Fastmail,
    /// GMX.
    Gmx,
}

/// Whether the sender's domain exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum DomainExistence {
    /// It has at least one of SOA, MX, A/AAAA.
    Exists {
        /// Which of them it has (`soa`, `mx`, `a`).
        has: Vec<String>,
    },
    /// NXDOMAIN, or none of SOA, MX, A/AAAA.
    NotFound,
    /// The resolver gave no usable answer.
    Unknown {
        /// What the resolver said.
        reason: String,
    },
}

/// An SPF result (RFC 7208 §2.6) for one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpfResult {
    /// Authorised.
    Pass,
    /// Explicitly not authorised (`-all`).
    Fail,
    /// Probably not authorised (`~all`).
    Softfail,
    /// No statement (`?all`, or no match and no `all`).
    Neutral,
    /// No SPF record.
    None,
    /// A permanent error (syntax, limits).
    Permerror,
    /// A DNS failure.
    Temperror,
}

/// The SPF record of the domain and what evaluating it takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfObservation {
    /// Every `v=spf1` TXT record at the domain, as read (escaped).
    pub records: Vec<String>,
    /// The lookup failed (no answer): nothing can be said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_error: Option<String>,
    /// Why the record does not parse (the first error, with the domain whose record it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
    /// DNS-querying terms (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`) across the whole
    /// evaluation, counted as RFC 7208 §4.6.4 counts them; more than 10 is a permanent error.
    pub lookups: u32,
    /// Lookups that returned no answer (NXDOMAIN or no records); more than 2 is a permanent
    /// error at receivers that follow the RFC's advice.
    pub void_lookups: u32,
    /// The names that returned no answer, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub void_names: Vec<String>,
    /// Every domain reached through `include:` or `redirect=`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// Terms whose domain uses macros (`%{i}`): counted, not expanded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub macros: bool,
    /// The address whose authorisation was evaluated (your own server's, as reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// The result for that address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<SpfResult>,
}

/// What was found at one DKIM selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum DkimKeyState {
    /// No record at the selector.
    Missing,
    /// The selector is a CNAME whose target has no record.
    Dangling,
    /// A key record.
    Key {
        /// The key type (`rsa`, `ed25519`).
        key_type: String,
        /// The key's length in bits, when it could be read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bits: Option<u32>,
        /// `p=` is empty: the key is revoked.
        revoked: bool,
        /// `t=y`: the domain is testing DKIM (receivers may ignore failures).
        testing: bool,
    },
    /// A record that is not a DKIM key record.
    Invalid {
        /// Why, said plainly.
        why: String,
    },
    /// The lookup failed.
    Failed {
        /// What the resolver said.
        reason: String,
    },
}

/// One DKIM selector looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimSelectorObservation {
    /// The selector (`google`, `selector1`, `s1`).
    pub selector: String,
    /// The domain it was looked up under (the From domain, or its organisational domain).
    pub domain: String,
    /// Where the selector's CNAME points, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// The record as read (escaped, shortened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// What it is.
    #[serde(flatten)]
    pub state: DkimKeyState,
}

/// A DMARC policy (RFC 7489 §6.3 `p`, `sp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DmarcPolicy {
    /// Monitor only.
    None,
    /// Deliver to spam.
    Quarantine,
    /// Refuse.
    Reject,
}

/// A DMARC alignment mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// The organisational domains must match.
    Relaxed,
    /// The domains must be identical.
    Strict,
}

/// A DMARC record, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcRecord {
    /// `p=`.
    pub policy: DmarcPolicy,
    /// `sp=`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain_policy: Option<DmarcPolicy>,
    /// `adkim=`.
    pub adkim: Alignment,
    /// `aspf=`.
    pub aspf: Alignment,
    /// `pct=`.
    pub pct: u8,
}

/// The DMARC record that applies to the From domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcObservation {
    /// Where the record was found (`_dmarc.` of the From domain or of its organisational domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_at: Option<String>,
    /// Every `v=DMARC1` record there, as read (escaped).
    pub records: Vec<String>,
    /// The record, when exactly one parses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parsed: Option<DmarcRecord>,
    /// Why the record does not parse, or that there are several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
    /// The lookup failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_error: Option<String>,
    /// The policy that applies to the From domain (`sp` for a subdomain, when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_policy: Option<DmarcPolicy>,
}

/// Reverse DNS of your own server's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PtrObservation {
    /// The address reached.
    pub address: IpAddr,
    /// Its PTR names (escaped).
    pub names: Vec<String>,
    /// What the first name resolves to.
    pub forward: Vec<IpAddr>,
    /// The name resolves back to the address (forward-confirmed reverse DNS).
    pub confirmed: bool,
    /// The lookup failed (no answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_error: Option<String>,
}

/// The sender's domain step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainObservation {
    /// The sender address (escaped).
    pub sender: String,
    /// Its domain, lowercase.
    pub domain: String,
    /// Its organisational domain (Public Suffix List).
    pub organizational_domain: String,
    /// The sending service identified from the host, or `None` for your own server.
    pub provider: Option<ProviderId>,
    /// The sender's domain is a free-mail domain of this service (gmail.com is Google's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freemail_of: Option<ProviderId>,
    /// Whether the domain exists.
    pub existence: DomainExistence,
    /// SPF.
    pub spf: SpfObservation,
    /// The DKIM selectors looked up (the provider's, and `--dkim-selector`).
    pub dkim: Vec<DkimSelectorObservation>,
    /// DMARC.
    pub dmarc: DmarcObservation,
    /// Your own server: the reverse DNS of the address reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ptr: Option<PtrObservation>,
    /// Time taken, in milliseconds (the lookups run concurrently).
    pub ms: f64,
}
