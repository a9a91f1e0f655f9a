//! The sender's domain, judged: the records read → findings (layer `domain`) and fixes that are
//! the DNS records to publish for this provider. Pure.

use super::{Finding, FindingCode, Recommendation, Said, Severity};
use crate::i18n::domain::{DkimUnaligned, DomainMsg, Records, SpfUnaligned};
use crate::knowledge::providers::{self, DkimPublishing, Envelope, SendingProfile};
use crate::model::{
    Alignment, DkimKeyState, DkimSelectorObservation, DomainExistence, DomainObservation,
    ProviderId, SpfResult,
};
use std::collections::BTreeMap;

/// Gmail treats RSA keys under this many bits as failing.
pub(crate) const MIN_DKIM_BITS: u32 = 1024;

/// The findings about the sender's domain and their fixes, the root causes first.
pub(crate) fn assess(obs: &DomainObservation) -> (Vec<Finding<Said>>, Vec<Recommendation<Said>>) {
    let mut a = Assessment {
        obs,
        profile: obs.provider.map(providers::sending),
        findings: Vec::new(),
        recs: Vec::new(),
    };
    a.run();
    (a.findings, a.recs)
}

struct Assessment<'a> {
    obs: &'a DomainObservation,
    profile: Option<&'static SendingProfile>,
    findings: Vec<Finding<Said>>,
    recs: Vec<Recommendation<Said>>,
}

/// Whether SPF or DKIM can pass aligned with the From domain, as DNS shows it.
enum Aligned<Why> {
    /// It can.
    Passes,
    /// DNS cannot show it.
    Unknown,
    /// It cannot, and why.
    Fails(Why),
}

/// Whether a free-mail domain's owner is the service sending (outlook.com through Microsoft
/// 365 is Microsoft's own).
fn same_owner(owner: ProviderId, service: Option<ProviderId>) -> bool {
    match service {
        Some(s) if s == owner => true,
        Some(ProviderId::Microsoft365) => owner == ProviderId::OutlookCom,
        _ => false,
    }
}

fn txt_record(name: &str, value: &str) -> String {
    format!("{name}. TXT \"{value}\"")
}

fn cname_record(name: &str, target: &str) -> String {
    format!("{name}. CNAME {target}.")
}

impl Assessment<'_> {
    /// The service sending, `None` for your own server.
    fn service(&self) -> Option<&'static str> {
        self.profile.map(|p| p.name)
    }

    fn envelope(&self) -> Envelope {
        self.profile.map_or(Envelope::FromDomain, |p| p.envelope)
    }

    fn push(
        &mut self,
        code: FindingCode,
        severity: Severity,
        msg: DomainMsg,
        evidence: Option<String>,
    ) {
        if self.findings.iter().any(|f| f.code == code) {
            return;
        }
        self.findings.push(Finding {
            code,
            severity,
            port: None,
            addresses: Vec::new(),
            message: msg.into(),
            evidence,
        });
    }

    fn rec(&mut self, msg: DomainMsg, commands: Vec<String>) {
        let said = Said::from(msg);
        // The same advice twice (two checks that lead to one record): once.
        if self
            .recs
            .iter()
            .any(|r| r.message == said && r.commands == commands)
        {
            return;
        }
        self.recs.push(Recommendation {
            port: None,
            security: None,
            message: said,
            settings: BTreeMap::new(),
            commands,
        });
    }

    fn run(&mut self) {
        let obs = self.obs;
        let domain = obs.domain.clone();
        if let Some(owner) = providers::freemail(&domain) {
            if !owner.is_some_and(|o| same_owner(o, obs.provider)) {
                let msg = DomainMsg::FreemailFrom {
                    sender: obs.sender.clone(),
                    domain: domain.clone(),
                    owner: owner.map(|o| providers::sending(o).name),
                    service: self.service(),
                };
                self.push(FindingCode::DomainFreemailFrom, Severity::Error, msg, None);
                self.rec(
                    DomainMsg::RecOwnDomain {
                        service: self.service(),
                    },
                    Vec::new(),
                );
            }
            return;
        }
        match &obs.existence {
            DomainExistence::NotFound => {
                let msg = DomainMsg::NotFound { domain };
                self.push(FindingCode::DomainNotFound, Severity::Error, msg, None);
                return;
            }
            DomainExistence::Unknown { reason } => {
                let msg = DomainMsg::LookupFailed {
                    domain,
                    what: reason.clone(),
                };
                self.push(
                    FindingCode::DomainLookupFailed,
                    Severity::Warning,
                    msg,
                    None,
                );
                return;
            }
            DomainExistence::Exists { .. } => {}
        }
        self.spf();
        self.dkim();
        self.ptr();
        self.dmarc();
    }

    /// The merged SPF record: every valid term of the records there, the service's include
    /// (or your server's address) added before `all`, one record.
    fn merged_spf(&self) -> String {
        let mut terms: Vec<String> = Vec::new();
        let mut alls: Vec<String> = Vec::new();
        // In a stable order (DNS returns a record set in any order), so the fix reads the same
        // on every run.
        let mut records = self.obs.spf.records.clone();
        records.sort();
        for record in &records {
            for term in record.split_ascii_whitespace().skip(1) {
                // Only plain SPF characters go into the record suggested (no quote, backslash
                // or semicolon that would change the zone line around it).
                let plain = term
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_:/%{}+~?=".contains(c));
                if !plain {
                    continue;
                }
                let alone = format!("v=spf1 {term}");
                let Ok(parsed) = crate::knowledge::records::parse_spf(&alone) else {
                    continue;
                };
                let is_all = parsed
                    .directives
                    .first()
                    .is_some_and(|d| d.mechanism == crate::knowledge::records::Mechanism::All);
                if is_all {
                    alls.push(term.to_ascii_lowercase());
                } else if !terms.iter().any(|t| t.eq_ignore_ascii_case(term)) {
                    terms.push(term.to_string());
                }
            }
        }
        // The records disagreed or said nothing: ~all, which no receiver refuses on alone; a
        // -all kept only when it is all they said; never +all.
        let all = if alls.iter().all(|a| a == "-all") && !alls.is_empty() {
            "-all"
        } else {
            "~all"
        };
        let wanted = match (self.profile, self.obs.spf.address) {
            (Some(p), _) => p.spf_include.map(|i| format!("include:{i}")),
            (None, Some(std::net::IpAddr::V4(a))) => Some(format!("ip4:{a}")),
            (None, Some(std::net::IpAddr::V6(a))) => Some(format!("ip6:{a}")),
            (None, None) => Some("mx".to_string()),
        };
        if let Some(w) = wanted {
            if !terms.iter().any(|t| t.eq_ignore_ascii_case(&w)) {
                terms.push(w);
            }
        }
        let mut out = String::from("v=spf1");
        for t in terms {
            out.push(' ');
            out.push_str(&t);
        }
        out.push(' ');
        out.push_str(all);
        out
    }

    fn spf_fix(&mut self) {
        let record = txt_record(&self.obs.domain, &self.merged_spf());
        let what = Records::SpfReplacing;
        self.rec(DomainMsg::RecRecords { what }, vec![record]);
    }

    fn spf(&mut self) {
        let spf = &self.obs.spf;
        let domain = self.obs.domain.clone();
        if spf.lookup_error.is_some() {
            return;
        }
        let needed = matches!(self.envelope(), Envelope::FromDomain);
        if spf.records.is_empty() {
            let msg = DomainMsg::SpfMissing {
                domain,
                service: self.service(),
                needed,
            };
            let severity = if needed {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(FindingCode::DomainSpfMissing, severity, msg, None);
            self.spf_fix();
            return;
        }
        if spf.records.len() > 1 {
            let msg = DomainMsg::SpfMultiple {
                domain,
                count: spf.records.len(),
            };
            let evidence = Some(spf.records.join(" | "));
            self.push(
                FindingCode::DomainSpfMultiple,
                Severity::Error,
                msg,
                evidence,
            );
            self.spf_fix();
            return;
        }
        if let Some(why) = &spf.invalid {
            let msg = DomainMsg::SpfInvalid {
                domain: domain.clone(),
                why: why.clone(),
            };
            let evidence = spf.records.first().cloned();
            self.push(
                FindingCode::DomainSpfInvalid,
                Severity::Error,
                msg,
                evidence,
            );
            self.spf_fix();
        }
        let includes = if spf.includes.is_empty() {
            "-".to_string()
        } else {
            spf.includes.join(", ")
        };
        if spf.lookups > crate::knowledge::records::SPF_LOOKUP_LIMIT {
            let msg = DomainMsg::SpfTooManyLookups {
                domain: domain.clone(),
                lookups: spf.lookups,
                includes: includes.clone(),
            };
            let evidence = Some(format!("{} lookups: {}", spf.lookups, includes));
            self.push(
                FindingCode::DomainSpfTooManyLookups,
                Severity::Error,
                msg,
                evidence,
            );
            self.rec(DomainMsg::RecFlattenSpf { includes }, Vec::new());
        }
        if spf.void_lookups > crate::knowledge::records::SPF_VOID_LIMIT {
            let names = spf.void_names.join(", ");
            let msg = DomainMsg::SpfVoidLookups {
                domain: domain.clone(),
                void: spf.void_lookups,
                names: names.clone(),
            };
            let evidence = Some(format!("{} void lookups: {names}", spf.void_lookups));
            self.push(
                FindingCode::DomainSpfVoidLookups,
                Severity::Error,
                msg,
                evidence,
            );
            self.rec(DomainMsg::RecRemoveVoid { names }, Vec::new());
        }
        if !self.spf_authorises() {
            let msg = DomainMsg::SpfNotAuthorised {
                domain,
                service: self.service(),
                include: self.profile.and_then(|p| p.spf_include),
                address: spf.address.map(|a| a.to_string()),
                result: spf.result.map(spf_result_str),
            };
            let evidence = spf.records.first().cloned();
            self.push(
                FindingCode::DomainSpfProviderNotAuthorised,
                Severity::Error,
                msg,
                evidence,
            );
            self.spf_fix();
        }
    }

    /// SPF at the From domain authorises the sender, where that is asked of it: the service's
    /// include where the service sends with the From domain as envelope sender, your server's
    /// address for your own server. `true` where SPF at the From domain is not what counts.
    fn spf_authorises(&self) -> bool {
        let spf = &self.obs.spf;
        match self.profile {
            Some(p) if p.envelope == Envelope::FromDomain => match p.spf_include {
                Some(inc) => spf.includes.iter().any(|i| i.eq_ignore_ascii_case(inc)),
                None => true,
            },
            Some(_) => true,
            None => match spf.result {
                Some(r) => r == SpfResult::Pass,
                // Nothing reached to evaluate against: no claim.
                None => true,
            },
        }
    }

    /// Whether SPF can pass aligned with the From domain.
    fn spf_aligned(&self, aspf: Alignment) -> Aligned<SpfUnaligned> {
        let spf = &self.obs.spf;
        let broken = spf.records.len() != 1
            || spf.invalid.is_some()
            || spf.lookups > crate::knowledge::records::SPF_LOOKUP_LIMIT
            || spf.void_lookups > crate::knowledge::records::SPF_VOID_LIMIT;
        match self.envelope() {
            Envelope::FromDomain if broken => Aligned::Fails(SpfUnaligned::RecordFails),
            Envelope::FromDomain if !self.spf_authorises() => {
                Aligned::Fails(SpfUnaligned::NotAuthorised)
            }
            Envelope::FromDomain => Aligned::Passes,
            Envelope::ServiceDomain => Aligned::Fails(SpfUnaligned::ServiceEnvelope),
            Envelope::Subdomain(_) | Envelope::ChosenSubdomain if aspf == Alignment::Strict => {
                Aligned::Fails(SpfUnaligned::SubdomainStrict)
            }
            Envelope::Subdomain(_) | Envelope::ChosenSubdomain => Aligned::Unknown,
        }
    }

    fn usable(state: &DkimKeyState) -> bool {
        match state {
            DkimKeyState::Key {
                revoked: false,
                bits,
                ..
            } => bits.is_none_or(|b| b >= MIN_DKIM_BITS),
            _ => false,
        }
    }

    fn name_of(s: &DkimSelectorObservation) -> String {
        format!("{}._domainkey.{}", s.selector, s.domain)
    }

    fn dkim(&mut self) {
        let obs = self.obs;
        for s in &obs.dkim {
            let name = Self::name_of(s);
            let evidence = s.record.clone();
            match &s.state {
                DkimKeyState::Dangling => {
                    let msg = DomainMsg::DkimDangling {
                        name,
                        target: s.cname.clone().unwrap_or_default(),
                    };
                    self.push(FindingCode::DomainDkimDangling, Severity::Error, msg, None);
                }
                DkimKeyState::Key { revoked: true, .. } => {
                    let msg = DomainMsg::DkimRevoked { name };
                    self.push(
                        FindingCode::DomainDkimRevoked,
                        Severity::Error,
                        msg,
                        evidence,
                    );
                }
                DkimKeyState::Key {
                    bits: Some(bits), ..
                } if *bits < MIN_DKIM_BITS => {
                    let msg = DomainMsg::DkimKeyTooShort { name, bits: *bits };
                    self.push(
                        FindingCode::DomainDkimKeyTooShort,
                        Severity::Error,
                        msg,
                        evidence,
                    );
                }
                _ => {}
            }
            if let DkimKeyState::Key { testing: true, .. } = s.state {
                let msg = DomainMsg::DkimTesting {
                    name: Self::name_of(s),
                };
                self.push(
                    FindingCode::DomainDkimTesting,
                    Severity::Warning,
                    msg,
                    s.record.clone(),
                );
            }
        }
        let looked_up = !obs.dkim.is_empty();
        let any_usable = obs.dkim.iter().any(|s| Self::usable(&s.state));
        let any_broken = obs.dkim.iter().any(|s| {
            !matches!(s.state, DkimKeyState::Missing | DkimKeyState::Failed { .. })
                && !Self::usable(&s.state)
        });
        if looked_up && !any_usable && !any_broken {
            let selectors: Vec<String> = obs
                .dkim
                .iter()
                .filter(|s| s.domain == obs.domain)
                .map(|s| s.selector.clone())
                .collect();
            let msg = DomainMsg::DkimMissing {
                domain: obs.domain.clone(),
                service: self.service(),
                selectors: selectors.join(", "),
            };
            self.push(FindingCode::DomainDkimMissing, Severity::Error, msg, None);
        }
        if looked_up && !any_usable {
            self.dkim_fix();
        }
    }

    /// The DKIM records this service needs, and where its console makes them.
    fn dkim_fix(&mut self) {
        let domain = self.obs.domain.clone();
        let dashed = domain.replace('.', "-");
        let Some(p) = self.profile else {
            return;
        };
        let commands: Vec<String> = match p.dkim {
            DkimPublishing::Cname(selectors) => selectors
                .iter()
                .enumerate()
                .map(|(i, sel)| {
                    let target = p
                        .dkim_target
                        .unwrap_or("{sel}.SERVICE")
                        .replace("{sel}", sel)
                        .replace("{domain-dashed}", &dashed)
                        .replace("{domain}", &domain)
                        .replace("{n}", &(i + 1).to_string());
                    cname_record(&format!("{sel}._domainkey.{domain}"), &target)
                })
                .collect(),
            DkimPublishing::Txt(selectors) => selectors
                .iter()
                .map(|sel| {
                    txt_record(
                        &format!("{sel}._domainkey.{domain}"),
                        "v=DKIM1; k=rsa; p=KEY-FROM-THE-CONSOLE",
                    )
                })
                .collect(),
            DkimPublishing::Chosen => Vec::new(),
        };
        let what = Records::Dkim { service: p.name };
        if !commands.is_empty() {
            self.rec(DomainMsg::RecRecords { what }, commands);
        }
        let console = DomainMsg::RecConsole {
            en: p.console_en,
            es: p.console_es,
        };
        self.rec(console, Vec::new());
    }

    /// Whether DKIM can pass aligned: a usable key at the service's selectors under the From
    /// domain (aligned in both modes), or under its organisational domain (relaxed only).
    fn dkim_aligned(&self, adkim: Alignment) -> Aligned<DkimUnaligned> {
        let obs = self.obs;
        if obs
            .dkim
            .iter()
            .any(|s| s.domain == obs.domain && Self::usable(&s.state))
        {
            return Aligned::Passes;
        }
        if obs.dkim.iter().any(|s| Self::usable(&s.state)) {
            return if adkim == Alignment::Relaxed {
                Aligned::Passes
            } else {
                Aligned::Fails(DkimUnaligned::KeyAtOrganisationalDomain {
                    org: obs.organizational_domain.clone(),
                })
            };
        }
        if obs.dkim.is_empty() {
            return Aligned::Unknown;
        }
        let selectors: Vec<String> = obs
            .dkim
            .iter()
            .filter(|s| s.domain == obs.domain)
            .map(|s| s.selector.clone())
            .collect();
        Aligned::Fails(DkimUnaligned::NoValidKey {
            selectors: selectors.join(", "),
        })
    }

    fn dmarc(&mut self) {
        let obs = self.obs;
        let dmarc = &obs.dmarc;
        if dmarc.lookup_error.is_some() {
            return;
        }
        let org = obs.organizational_domain.clone();
        let start = txt_record(
            &format!("_dmarc.{org}"),
            &format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{org}"),
        );
        let what = Records::DmarcStart;
        if dmarc.records.is_empty() {
            let msg = DomainMsg::DmarcMissing {
                domain: obs.domain.clone(),
                org,
            };
            self.push(
                FindingCode::DomainDmarcMissing,
                Severity::Warning,
                msg,
                None,
            );
            self.rec(DomainMsg::RecRecords { what }, vec![start]);
            return;
        }
        if let Some(why) = &dmarc.invalid {
            let msg = DomainMsg::DmarcInvalid {
                at: dmarc.found_at.clone().unwrap_or_default(),
                why: why.clone(),
            };
            let evidence = Some(dmarc.records.join(" | "));
            self.push(
                FindingCode::DomainDmarcInvalid,
                Severity::Error,
                msg,
                evidence,
            );
            self.rec(DomainMsg::RecRecords { what }, vec![start]);
            return;
        }
        let Some(parsed) = &dmarc.parsed else { return };
        if !crate::knowledge::records::enforcing(dmarc.effective_policy) {
            return;
        }
        if let (Aligned::Fails(spf_why), Aligned::Fails(dkim_why)) = (
            self.spf_aligned(parsed.aspf),
            self.dkim_aligned(parsed.adkim),
        ) {
            let msg = DomainMsg::DmarcWillFail {
                domain: obs.domain.clone(),
                service: self.service(),
                reject: dmarc.effective_policy == Some(crate::model::DmarcPolicy::Reject),
                spf_why,
                dkim_why,
            };
            let evidence = dmarc.records.first().cloned();
            self.push(
                FindingCode::DomainDmarcWillFail,
                Severity::Error,
                msg,
                evidence,
            );
            self.dkim_fix();
        }
    }

    fn ptr(&mut self) {
        let Some(ptr) = &self.obs.ptr else { return };
        if ptr.lookup_error.is_some() {
            return;
        }
        let address = ptr.address.to_string();
        let host = ptr
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| format!("mail.{}", self.obs.domain));
        if ptr.names.is_empty() {
            let msg = DomainMsg::PtrMissing {
                address: address.clone(),
            };
            self.push(FindingCode::DomainPtrMissing, Severity::Error, msg, None);
            self.rec(DomainMsg::RecPtr { address, host }, Vec::new());
        } else if !ptr.confirmed {
            let forward = if ptr.forward.is_empty() {
                "-".to_string()
            } else {
                ptr.forward
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let msg = DomainMsg::PtrMismatch {
                address: address.clone(),
                name: host.clone(),
                forward,
            };
            self.push(FindingCode::DomainPtrMismatch, Severity::Error, msg, None);
            self.rec(DomainMsg::RecPtr { address, host }, Vec::new());
        }
    }
}

/// The JSON-style spelling of an SPF result.
pub(crate) fn spf_result_str(r: SpfResult) -> &'static str {
    match r {
        SpfResult::Pass => "pass",
        SpfResult::Fail => "fail",
        SpfResult::Softfail => "softfail",
        SpfResult::Neutral => "neutral",
        SpfResult::None => "none",
        SpfResult::Permerror => "permerror",
        SpfResult::Temperror => "temperror",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DmarcObservation, SpfObservation};

    fn observed(provider: Option<ProviderId>, spf: &[&str]) -> DomainObservation {
        DomainObservation {
            sender: "app@shop.example".into(),
            domain: "shop.example".into(),
            organizational_domain: "shop.example".into(),
            provider,
            freemail_of: None,
            existence: DomainExistence::Exists {
                has: vec!["mx".into()],
            },
            spf: SpfObservation {
                records: spf.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            dkim: Vec::new(),
            dmarc: DmarcObservation::default(),
            ptr: None,
            ms: 0.0,
        }
    }

    fn spf_fix(obs: &DomainObservation) -> Vec<String> {
        assess(obs)
            .1
            .into_iter()
            .flat_map(|r| r.commands)
            .filter(|c| c.starts_with("shop.example. TXT"))
            .collect()
    }

    #[test]
    fn the_merged_spf_record_does_not_depend_on_the_order_dns_returns() {
        let a = "v=spf1 include:_spf.google.com ~all";
        let b = "v=spf1 mx -all";
        let one = spf_fix(&observed(Some(ProviderId::Google), &[a, b]));
        let other = spf_fix(&observed(Some(ProviderId::Google), &[b, a]));
        assert_eq!(one, other);
        assert_eq!(
            one,
            vec!["shop.example. TXT \"v=spf1 include:_spf.google.com mx ~all\"".to_string()]
        );
        // Never +all, whatever a record said; terms that do not parse, or that hold a quote
        // or a semicolon, are left out.
        let fix = spf_fix(&observed(
            Some(ProviderId::Google),
            &[
                "v=spf1 +all",
                "v=spf1 inclde:x.example a include:x\";evil.example",
            ],
        ));
        assert_eq!(
            fix,
            vec!["shop.example. TXT \"v=spf1 a include:_spf.google.com ~all\"".to_string()]
        );
    }

    #[test]
    fn a_free_mail_address_through_its_own_service_says_nothing() {
        let mut obs = observed(Some(ProviderId::Microsoft365), &[]);
        obs.domain = "outlook.com".into();
        assert!(assess(&obs).0.is_empty());
        obs.provider = Some(ProviderId::Sendgrid);
        let codes: Vec<FindingCode> = assess(&obs).0.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec![FindingCode::DomainFreemailFrom]);
    }
}
