//! Fix B by name: which firewall rule or security product on this machine is in the way of a
//! port, and its switch, ranked by what the evidence supports: a rule that matches the port and
//! the program first, then a product that is on and whose mail shield is known to block or
//! intercept SMTP, then a product that is on, unknown to the table. When nothing could be read,
//! what could not be read and why ("cannot tell"), never "none". Pure.

use super::{Recommendation, Said};
use crate::i18n::Msg;
use crate::knowledge::security_products::{self, MailBehaviour};
use crate::model::{FirewallRule, Observations, ProductState, SecurityObservation, SecuritySource};
use crate::probe::security::decode::same_program;
use std::collections::BTreeMap;

/// Whose connection was blocked: smtp-doctor's own probe, or the application's runtime.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Blocked<'a> {
    /// smtp-doctor itself (`check`, `preflight`'s probe).
    Probe,
    /// The application's runtime at this path (`python.exe`, `node.exe`).
    App(&'a str),
}

/// Whether `rule` concerns the program that was blocked: a rule for every program does; a
/// Windows rule for a program does when it is that program.
fn concerns(rule: &FirewallRule, security: &SecurityObservation, blocked: Blocked) -> bool {
    match (&rule.program, blocked) {
        (None, _) => true,
        (Some(p), Blocked::Probe) => security
            .program
            .as_deref()
            .is_some_and(|me| same_program(p, me)),
        (Some(p), Blocked::App(app)) => same_program(p, app),
    }
}

/// The rules of `security` that block `port`, those that concern the blocked program first.
pub(crate) fn rules_for<'a>(
    security: &'a SecurityObservation,
    port: u16,
    blocked: Blocked,
) -> Vec<&'a FirewallRule> {
    let mut rules: Vec<&FirewallRule> = security
        .rules
        .iter()
        .filter(|r| r.ports.contains(&port))
        .collect();
    rules.sort_by_key(|r| !concerns(r, security, blocked));
    rules
}

/// Letters, digits and the few characters a rule name or path may carry into a printed
/// command between double quotes: nothing a shell or PowerShell expands.
fn command_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " /\\:._-+()".contains(c))
}

/// An nftables or iptables identifier that may go into a command unquoted.
fn identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

/// The switch for one rule: a message naming it, and the command that removes it.
fn rule_rec(rule: &FirewallRule) -> Recommendation<Said> {
    let ports = rule
        .ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let table = rule.table.clone().unwrap_or_default();
    let chain = rule.chain.clone().unwrap_or_default();
    let (msg, commands) = match rule.source {
        SecuritySource::WindowsFirewall => (
            Msg::RecWindowsRule {
                name: rule.name.clone(),
                ports,
                program: rule.program.clone(),
            },
            command_safe(&rule.name)
                .then(|| format!("Disable-NetFirewallRule -DisplayName \"{}\"", rule.name))
                .into_iter()
                .collect(),
        ),
        SecuritySource::Iptables => (
            Msg::RecIptablesRule {
                table: table.clone(),
                chain: chain.clone(),
                position: rule.handle.unwrap_or(0),
                ports,
                action: rule.action,
            },
            (identifier(&table) && identifier(&chain))
                .then(|| {
                    format!(
                        "iptables -t {table} -D {chain} {}",
                        rule.handle.unwrap_or(0)
                    )
                })
                .into_iter()
                .collect(),
        ),
        _ => (
            Msg::RecNftablesRule {
                table: table.clone(),
                chain: chain.clone(),
                handle: rule.handle,
                comment: rule.comment.clone(),
                ports,
                action: rule.action,
            },
            match rule.handle {
                Some(h) if table.split(' ').all(identifier) && identifier(&chain) => {
                    vec![format!("nft delete rule {table} {chain} handle {h}")]
                }
                _ => Vec::new(),
            },
        ),
    };
    Recommendation {
        port: rule.ports.first().copied(),
        security: None,
        message: msg.into(),
        settings: BTreeMap::new(),
        commands,
    }
}

/// Whether a recommendation of [`recommendations`] names a rule or a product (they carry the
/// port), rather than saying what could not be read (which carries none).
pub(crate) fn names_something(rec: &Recommendation<Said>) -> bool {
    rec.port.is_some()
}

/// What this machine runs that is in the way of `port`, by name, best supported first. An
/// interception product's name (from the certificate's issuer) puts its row first.
pub(crate) fn recommendations(
    obs: &Observations,
    port: u16,
    blocked: Blocked,
    intercepting: Option<&str>,
) -> Vec<Recommendation<Said>> {
    let Some(security) = obs.security.as_ref() else {
        return Vec::new();
    };
    let mut recs: Vec<Recommendation<Said>> = rules_for(security, port, blocked)
        .into_iter()
        .map(rule_rec)
        .collect();
    // Products that are on; the one whose root re-signed the certificate first, then those
    // whose mail shield is known to block or intercept, then the rest.
    let mut on: Vec<_> = security
        .products
        .iter()
        .filter(|p| p.state == ProductState::On)
        .map(|p| (p, security_products::for_product(&p.name)))
        .filter(|(_, row)| row.is_none_or(|r| r.behaviour != MailBehaviour::NoSmtpProxy))
        .collect();
    let rank = |row: Option<&security_products::MailShield>| match (row, intercepting) {
        (Some(r), Some(i))
            if security_products::for_product(i).map(|x| x.product) == Some(r.product) =>
        {
            0
        }
        (Some(_), _) => 1,
        (None, _) => 2,
    };
    on.sort_by_key(|(_, row)| rank(*row));
    for (product, row) in on {
        let msg = match row {
            Some(r) => Msg::RecMailShield {
                product: product.name.clone(),
                en: r.en,
                es: r.es,
                source: r.source,
            },
            None => Msg::RecProductOn {
                product: product.name.clone(),
            },
        };
        recs.push(Recommendation {
            port: Some(port),
            security: None,
            message: msg.into(),
            settings: BTreeMap::new(),
            commands: Vec::new(),
        });
    }
    // A scanning product's root in the trust store: installed (Security Center may not list
    // it, or the OS may have none), named unless its product already was.
    let named_rows: Vec<&str> = security
        .active_products()
        .filter_map(|p| security_products::for_product(&p.name).map(|r| r.product))
        .collect();
    for root in &security.scanning_roots {
        let row = security_products::for_product(&root.product);
        if row.is_some_and(|r| named_rows.contains(&r.product)) {
            continue;
        }
        let msg = Msg::RecScanningRoot {
            product: root.product.clone(),
            subject: root.subject.clone(),
            shield: row.map(|r| (r.en, r.es, r.source)),
        };
        recs.push(Recommendation {
            port: Some(port),
            security: None,
            message: msg.into(),
            settings: BTreeMap::new(),
            commands: Vec::new(),
        });
    }
    // No rule and no product named: say what could not be read, so that silence is not read
    // as "nothing is there".
    if recs.is_empty() && !security.unread.is_empty() {
        let msg = Msg::RecCannotTell {
            unread: security
                .unread
                .iter()
                .map(|u| (u.source, u.reason))
                .collect(),
        };
        recs.push(Recommendation {
            port: None,
            security: None,
            message: msg.into(),
            settings: BTreeMap::new(),
            commands: Vec::new(),
        });
    }
    recs
}
