//! The "will it arrive" section (the sender's domain), as labelled lines that the text and
//! Markdown renderers format each in their own way. Every value was escaped where it was read.

use crate::i18n::domain::{word, DomainWord as W};
use crate::model::{DkimKeyState, DomainExistence, DomainObservation};
use crate::report::Report;

/// The section: its heading line and its rows (label, value).
pub(super) struct Section {
    /// "Will it arrive …: sender through service".
    pub heading: String,
    /// SPF, DKIM (one row per selector), DMARC, PTR.
    pub rows: Vec<(&'static str, String)>,
    /// What DNS cannot show, said.
    pub note: String,
}

fn policy(p: crate::model::DmarcPolicy) -> &'static str {
    match p {
        crate::model::DmarcPolicy::None => "none",
        crate::model::DmarcPolicy::Quarantine => "quarantine",
        crate::model::DmarcPolicy::Reject => "reject",
    }
}

/// The section of `report`, when it checked a sender.
pub(super) fn section(report: &Report) -> Option<Section> {
    let d: &DomainObservation = report.domain.as_ref()?;
    let lang = report.lang;
    let service = d
        .provider
        .map(|p| crate::knowledge::providers::sending(p).name)
        .unwrap_or(word(lang, W::OwnServer));
    let heading = format!(
        "{}: {} {} {service}",
        word(lang, W::Title),
        d.sender,
        word(lang, W::Through)
    );
    let mut rows = Vec::new();
    let none = word(lang, W::NoRecord);
    if d.freemail_of.is_some() || crate::knowledge::providers::freemail(&d.domain).is_some() {
        return Some(Section {
            heading,
            rows,
            note: word(lang, W::Honesty).to_string(),
        });
    }
    if let DomainExistence::NotFound = d.existence {
        rows.push(("DNS", format!("{}: NXDOMAIN / {none}", d.domain)));
        return Some(Section {
            heading,
            rows,
            note: word(lang, W::Honesty).to_string(),
        });
    }
    let spf = &d.spf;
    let spf_value = match (spf.records.as_slice(), &spf.lookup_error) {
        (_, Some(e)) => e.clone(),
        ([], None) => format!("{}: {none}", d.domain),
        (records, None) => {
            let mut v = records.join(" | ");
            if records.len() == 1 {
                v.push_str(&format!(
                    "  · {} {}/10, {} {}/2",
                    word(lang, W::Lookups),
                    spf.lookups,
                    word(lang, W::Void),
                    spf.void_lookups
                ));
            }
            if let (Some(a), Some(r)) = (spf.address, spf.result) {
                v.push_str(&format!(
                    "  · {a}: {}",
                    crate::diagnosis::domain::spf_result_str(r)
                ));
            }
            v
        }
    };
    rows.push(("SPF", spf_value));
    if d.dkim.is_empty() {
        rows.push(("DKIM", word(lang, W::DkimUnseen).to_string()));
    }
    for s in &d.dkim {
        let name = format!("{}._domainkey.{}", s.selector, s.domain);
        let via = s
            .cname
            .as_ref()
            .map(|c| format!(" → {c}"))
            .unwrap_or_default();
        let state = match &s.state {
            DkimKeyState::Missing => none.to_string(),
            DkimKeyState::Dangling => format!("{none} (CNAME)"),
            DkimKeyState::Key {
                key_type,
                bits,
                revoked,
                testing,
            } => {
                let mut v = key_type.clone();
                if let Some(b) = bits {
                    v.push_str(&format!(" {b} bits"));
                }
                if *revoked {
                    v.push_str(" p= (revoked)");
                }
                if *testing {
                    v.push_str(" t=y");
                }
                v
            }
            DkimKeyState::Invalid { why } => why.clone(),
            DkimKeyState::Failed { reason } => reason.clone(),
        };
        rows.push(("DKIM", format!("{name}{via}: {state}")));
    }
    let dmarc = &d.dmarc;
    let dmarc_value = match (&dmarc.found_at, &dmarc.lookup_error) {
        (_, Some(e)) => e.clone(),
        (None, None) => format!("_dmarc.{}: {none}", d.domain),
        (Some(at), None) => {
            let mut v = format!("{at}: {}", dmarc.records.join(" | "));
            if let Some(p) = dmarc.effective_policy {
                v.push_str(&format!("  · {} {}", word(lang, W::Policy), policy(p)));
            }
            v
        }
    };
    rows.push(("DMARC", dmarc_value));
    if let Some(ptr) = &d.ptr {
        let v = match (ptr.names.first(), &ptr.lookup_error) {
            (_, Some(e)) => format!("{}: {e}", ptr.address),
            (None, None) => format!("{}: {none}", ptr.address),
            (Some(n), None) => {
                let back = if ptr.confirmed { "✓" } else { "✗" };
                let forward: Vec<String> = ptr.forward.iter().map(|a| a.to_string()).collect();
                format!("{} → {n} → {} {back}", ptr.address, forward.join(", "))
            }
        };
        rows.push(("PTR", v));
    }
    Some(Section {
        heading,
        rows,
        note: word(lang, W::Honesty).to_string(),
    })
}
