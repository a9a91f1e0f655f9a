//! The sender's domain step: SPF, DKIM, DMARC and (for your own server) PTR, read through the
//! plan's resolver (`--dns-server` and `--resolve` apply), every group of lookups concurrent.

use crate::knowledge::providers::{self, DkimPublishing, SendingProfile};
use crate::knowledge::records::{self, Mechanism, Qualifier};
use crate::knowledge::records::{SPF_LOOKUP_LIMIT, SPF_VOID_LIMIT};
use crate::model::{
    DkimKeyState, DkimSelectorObservation, DmarcObservation, DomainExistence, DomainObservation,
    PtrObservation, SpfObservation, SpfResult,
};
use crate::plan::{DomainCheck, Host, Mailbox, ResolveOverride};
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// Past this many terms the evaluation stops following includes: the record is broken
/// already, and a hostile chain must not make us query without end.
const SPF_HARD_STOP: u32 = 40;

/// What one query answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer<T> {
    Records(Vec<T>),
    /// NOERROR with no record of the type.
    NoRecords,
    NxDomain,
    Failed(String),
}

impl<T> Answer<T> {
    fn records(&self) -> &[T] {
        match self {
            Answer::Records(r) => r,
            _ => &[],
        }
    }

    /// A void lookup in RFC 7208's sense: NXDOMAIN or no records.
    fn is_void(&self) -> bool {
        matches!(self, Answer::NoRecords | Answer::NxDomain) || self.records().is_empty()
    }
}

/// The resolver and what the plan says about names.
#[derive(Clone)]
pub(crate) struct Dns {
    pub(crate) resolver: Option<TokioResolver>,
    pub(crate) timeout: Duration,
    pub(crate) overrides: Vec<ResolveOverride>,
    /// No query starts after this: a chain of slow includes cannot hold the verdict back
    /// for long (what was not read is said as a failed lookup).
    pub(crate) deadline: Instant,
}

impl Dns {
    async fn query(&self, name: &str, rtype: RecordType) -> Answer<RData> {
        let Some(resolver) = &self.resolver else {
            return Answer::Failed("no resolver configuration".into());
        };
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Answer::Failed("the domain checks ran out of time".into());
        }
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let lookup = resolver.lookup(fqdn.as_str(), rtype);
        let wait = (self.timeout + Duration::from_millis(200)).min(left);
        match tokio::time::timeout(wait, lookup).await {
            Ok(Ok(found)) => {
                let data: Vec<RData> = found
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == rtype)
                    .map(|r| r.data.clone())
                    .collect();
                if data.is_empty() {
                    Answer::NoRecords
                } else {
                    Answer::Records(data)
                }
            }
            Ok(Err(e)) if e.is_nx_domain() => Answer::NxDomain,
            Ok(Err(e)) if e.is_no_records_found() => Answer::NoRecords,
            Ok(Err(e)) => Answer::Failed(e.to_string()),
            Err(_) => Answer::Failed(format!(
                "no answer within {:.1} s",
                self.timeout.as_secs_f64()
            )),
        }
    }

    async fn txt(&self, name: &str) -> Answer<String> {
        map(self.query(name, RecordType::TXT).await, |d| match d {
            // The strings of one record are joined without spaces (RFC 7208 §3.3).
            RData::TXT(t) => Some(
                t.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            ),
            _ => None,
        })
    }

    async fn cname(&self, name: &str) -> Answer<String> {
        map(self.query(name, RecordType::CNAME).await, |d| match d {
            RData::CNAME(c) => Some(c.0.to_ascii().trim_end_matches('.').to_ascii_lowercase()),
            _ => None,
        })
    }

    async fn mx(&self, name: &str) -> Answer<String> {
        map(self.query(name, RecordType::MX).await, |d| match d {
            RData::MX(m) => Some(m.exchange.to_ascii().trim_end_matches('.').to_string()),
            _ => None,
        })
    }

    /// A and AAAA of `name` (`--resolve` first).
    async fn addresses(&self, name: &str) -> Answer<IpAddr> {
        let overridden: Vec<IpAddr> = self
            .overrides
            .iter()
            .filter(|o| {
                o.host
                    .to_string()
                    .eq_ignore_ascii_case(name.trim_end_matches('.'))
            })
            .map(|o| o.address)
            .collect();
        if !overridden.is_empty() {
            return Answer::Records(overridden);
        }
        let (a, aaaa) = tokio::join!(
            self.query(name, RecordType::A),
            self.query(name, RecordType::AAAA)
        );
        let ip = |d: &RData| match d {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        };
        let mut all: Vec<IpAddr> = a.records().iter().filter_map(ip).collect();
        all.extend(aaaa.records().iter().filter_map(ip));
        if !all.is_empty() {
            return Answer::Records(all);
        }
        match (a, aaaa) {
            (Answer::Failed(e), _) | (_, Answer::Failed(e)) => Answer::Failed(e),
            (Answer::NxDomain, _) => Answer::NxDomain,
            _ => Answer::NoRecords,
        }
    }

    async fn ptr(&self, address: IpAddr) -> Answer<String> {
        let name = reverse_name(address);
        map(self.query(&name, RecordType::PTR).await, |d| match d {
            RData::PTR(p) => Some(p.0.to_ascii().trim_end_matches('.').to_string()),
            _ => None,
        })
    }
}

fn map<T>(answer: Answer<RData>, f: impl Fn(&RData) -> Option<T>) -> Answer<T> {
    match answer {
        Answer::Records(r) => {
            let out: Vec<T> = r.iter().filter_map(f).collect();
            if out.is_empty() {
                Answer::NoRecords
            } else {
                Answer::Records(out)
            }
        }
        Answer::NoRecords => Answer::NoRecords,
        Answer::NxDomain => Answer::NxDomain,
        Answer::Failed(e) => Answer::Failed(e),
    }
}

/// `in-addr.arpa` / `ip6.arpa` name of an address.
fn reverse_name(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::new();
            for byte in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

fn escape(text: &str) -> String {
    crate::printable::escape(text.as_bytes())
}

/// The domain of a mailbox, lowercase, or `None` for an address literal.
pub(crate) fn sender_domain(sender: &Mailbox) -> Option<String> {
    let domain = sender.as_str().rsplit_once('@')?.1;
    (!domain.starts_with('[')).then(|| domain.trim_end_matches('.').to_ascii_lowercase())
}

/// The organisational domain of `domain` (RFC 7489 §3.2, with the Public Suffix List).
pub(crate) fn organizational_domain(domain: &str) -> String {
    psl::domain_str(domain).unwrap_or(domain).to_string()
}

/// Runs the domain step. `host` is the configured SMTP host (it names the provider);
/// `reached` is the address of your own server that the probes dial.
pub(crate) async fn check(
    dns: Dns,
    check: DomainCheck,
    host: Host,
    reached: Option<IpAddr>,
) -> Option<DomainObservation> {
    let started = Instant::now();
    let domain = sender_domain(&check.sender)?;
    let org = organizational_domain(&domain);
    let profile = providers::sending_for_host(&host);
    let provider = profile.map(|p| p.id);
    let freemail = providers::freemail(&domain);
    let mut obs = DomainObservation {
        sender: escape(check.sender.as_str()),
        domain: domain.clone(),
        organizational_domain: org.clone(),
        provider,
        freemail_of: freemail.flatten(),
        existence: DomainExistence::Exists { has: Vec::new() },
        spf: SpfObservation::default(),
        dkim: Vec::new(),
        dmarc: DmarcObservation::default(),
        ptr: None,
        ms: 0.0,
    };
    // A one-label domain (Django's default webmaster@localhost) exists nowhere receivers look.
    if !domain.contains('.') {
        obs.existence = DomainExistence::NotFound;
        obs.ms = started.elapsed().as_secs_f64() * 1000.0;
        return Some(obs);
    }
    // A free-mail domain's records are its owner's, not the sender's to change.
    if freemail.is_some() {
        obs.ms = started.elapsed().as_secs_f64() * 1000.0;
        return Some(obs);
    }
    // A loopback address (a relay on this machine) says nothing of the address receivers see,
    // and resolvers answer its reverse name themselves (RFC 6761).
    let own_server_address = reached.filter(|a| profile.is_none() && !a.is_loopback());
    let selectors = selectors(profile, &check.dkim_selectors);
    let (existence, spf, dkim, dmarc, ptr) = tokio::join!(
        existence(&dns, &domain),
        spf(&dns, &domain, own_server_address),
        dkim(&dns, &domain, &org, &selectors),
        dmarc(&dns, &domain, &org),
        async {
            match own_server_address {
                Some(a) => Some(ptr(&dns, a).await),
                None => None,
            }
        },
    );
    obs.existence = existence;
    obs.spf = spf;
    obs.dkim = dkim;
    obs.dmarc = dmarc;
    obs.ptr = ptr;
    obs.ms = started.elapsed().as_secs_f64() * 1000.0;
    Some(obs)
}

/// The provider's selectors, then `--dkim-selector` ones, without repeats.
fn selectors(profile: Option<&SendingProfile>, extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = match profile.map(|p| p.dkim) {
        Some(DkimPublishing::Txt(s) | DkimPublishing::Cname(s)) => {
            s.iter().map(|s| s.to_string()).collect()
        }
        _ => Vec::new(),
    };
    for s in extra {
        let s = s.trim().to_ascii_lowercase();
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

async fn existence(dns: &Dns, domain: &str) -> DomainExistence {
    let (soa, mx, a) = tokio::join!(
        dns.query(domain, RecordType::SOA),
        dns.mx(domain),
        dns.addresses(domain)
    );
    let mut has = Vec::new();
    if !soa.records().is_empty() {
        has.push("soa".to_string());
    }
    if !mx.records().is_empty() {
        has.push("mx".to_string());
    }
    if !a.records().is_empty() {
        has.push("a".to_string());
    }
    if !has.is_empty() {
        return DomainExistence::Exists { has };
    }
    match (soa, mx, a) {
        (Answer::Failed(reason), _, _)
        | (_, Answer::Failed(reason), _)
        | (_, _, Answer::Failed(reason)) => DomainExistence::Unknown { reason },
        _ => DomainExistence::NotFound,
    }
}

/// The SPF records at `domain`, and the evaluation of the one record when there is one.
async fn spf(dns: &Dns, domain: &str, address: Option<IpAddr>) -> SpfObservation {
    let mut obs = SpfObservation {
        address,
        ..Default::default()
    };
    let txt = dns.txt(domain).await;
    if let Answer::Failed(e) = &txt {
        obs.lookup_error = Some(escape(e));
        return obs;
    }
    let found: Vec<String> = txt
        .records()
        .iter()
        .filter(|t| records::is_spf(t))
        .cloned()
        .collect();
    obs.records = found.iter().map(|t| escape(t)).collect();
    match found.len() {
        0 => {
            obs.result = address.map(|_| SpfResult::None);
            return obs;
        }
        1 => {}
        _ => {
            obs.result = address.map(|_| SpfResult::Permerror);
            return obs;
        }
    }
    let mut state = SpfState::default();
    let result = evaluate(
        dns,
        domain.to_string(),
        found[0].clone(),
        address,
        &mut state,
        0,
    )
    .await;
    obs.invalid = state.invalid;
    obs.lookups = state.lookups;
    obs.void_lookups = state.void;
    obs.void_names = state.void_names;
    obs.includes = state.includes;
    obs.macros = state.macros;
    if address.is_some() {
        let (lookups, void, invalid) =
            state
                .at_match
                .unwrap_or((obs.lookups, obs.void_lookups, obs.invalid.is_some()));
        let over = lookups > SPF_LOOKUP_LIMIT || void > SPF_VOID_LIMIT;
        obs.result = Some(if over || invalid {
            SpfResult::Permerror
        } else {
            result
        });
    }
    obs
}

#[derive(Default)]
struct SpfState {
    lookups: u32,
    void: u32,
    void_names: Vec<String>,
    includes: Vec<String>,
    invalid: Option<String>,
    macros: bool,
    /// The domains being evaluated, outermost first (an include loop is an error).
    stack: Vec<String>,
    /// Lookups, void lookups and whether an error was met when the outermost record's result
    /// was decided: a receiver stops there, so the limits count up to that point for the
    /// address's result (the totals, for the record's findings, count every term).
    at_match: Option<(u32, u32, bool)>,
}

impl SpfState {
    fn void(&mut self, name: &str) {
        self.void += 1;
        self.void_names.push(escape(name));
    }

    fn error(&mut self, why: String) {
        if self.invalid.is_none() {
            self.invalid = Some(why);
        }
    }
}

type Eval<'a> = Pin<Box<dyn Future<Output = SpfResult> + Send + 'a>>;

/// Evaluates `record` (of `domain`) like check_host() (RFC 7208 §4), except that every term
/// is visited, matched or not: the counts are those of an address that matches nothing, the
/// worst case a receiver meets. `address`, when given, gets its result from the first match.
fn evaluate<'a>(
    dns: &'a Dns,
    domain: String,
    record: String,
    address: Option<IpAddr>,
    st: &'a mut SpfState,
    depth: u32,
) -> Eval<'a> {
    Box::pin(async move {
        let parsed = match records::parse_spf(&record) {
            Ok(p) => p,
            Err(why) => {
                st.error(format!("{}: {why}", escape(&domain)));
                return SpfResult::Permerror;
            }
        };
        st.stack.push(domain.clone());
        let mut result: Option<SpfResult> = None;
        let has_all = parsed
            .directives
            .iter()
            .any(|d| d.mechanism == Mechanism::All);
        for d in &parsed.directives {
            let matched = term(dns, &domain, &d.mechanism, address, st, depth).await;
            if result.is_none() {
                match matched {
                    Some(true) => result = Some(qualified(d.qualifier)),
                    Some(false) => {}
                    None => result = Some(SpfResult::Permerror),
                }
                if result.is_some() && depth == 0 {
                    st.at_match = Some((st.lookups, st.void, st.invalid.is_some()));
                }
            }
        }
        if let (Some(target), false) = (&parsed.redirect, has_all) {
            st.lookups += 1;
            let inner = follow(dns, target, address, st, depth, true).await;
            if result.is_none() {
                result = Some(match inner {
                    // redirect= to a domain without SPF is a permanent error (§6.1).
                    SpfResult::None => SpfResult::Permerror,
                    r => r,
                });
            }
        }
        st.stack.pop();
        result.unwrap_or(SpfResult::Neutral)
    })
}

fn qualified(q: Qualifier) -> SpfResult {
    match q {
        Qualifier::Pass => SpfResult::Pass,
        Qualifier::Fail => SpfResult::Fail,
        Qualifier::Softfail => SpfResult::Softfail,
        Qualifier::Neutral => SpfResult::Neutral,
    }
}

/// Fetches and evaluates the SPF record of an `include:` or `redirect=` target.
async fn follow(
    dns: &Dns,
    target: &str,
    address: Option<IpAddr>,
    st: &mut SpfState,
    depth: u32,
    is_redirect: bool,
) -> SpfResult {
    if records::has_macro(target) {
        st.macros = true;
        return SpfResult::Neutral;
    }
    st.includes.push(escape(target));
    if st.stack.iter().any(|d| d == target) {
        st.error(format!("{}: includes itself (a loop)", escape(target)));
        return SpfResult::Permerror;
    }
    if depth >= 10 || st.lookups > SPF_HARD_STOP {
        return SpfResult::Permerror;
    }
    let txt = dns.txt(target).await;
    if let Answer::Failed(_) = txt {
        return SpfResult::Temperror;
    }
    if txt.is_void() {
        st.void(target);
    }
    let found: Vec<&String> = txt
        .records()
        .iter()
        .filter(|t| records::is_spf(t))
        .collect();
    match found.as_slice() {
        [one] => {
            evaluate(
                dns,
                target.to_string(),
                (*one).clone(),
                address,
                st,
                depth + 1,
            )
            .await
        }
        [] => {
            let what = if is_redirect { "redirect=" } else { "include:" };
            st.error(format!("{what}{}: no SPF record there", escape(target)));
            SpfResult::None
        }
        _ => {
            st.error(format!("{}: more than one SPF record", escape(target)));
            SpfResult::Permerror
        }
    }
}

/// One mechanism: counts its lookups and says whether `address` matches (`None`: an error
/// that ends the evaluation).
async fn term(
    dns: &Dns,
    domain: &str,
    m: &Mechanism,
    address: Option<IpAddr>,
    st: &mut SpfState,
    depth: u32,
) -> Option<bool> {
    if m.queries_dns() {
        st.lookups += 1;
    }
    let target = |d: &Option<String>| d.clone().unwrap_or_else(|| domain.to_string());
    match m {
        Mechanism::All => Some(true),
        Mechanism::Ip4(net, len) => {
            Some(address.is_some_and(|a| records::in_network(a, IpAddr::V4(*net), *len)))
        }
        Mechanism::Ip6(net, len) => {
            Some(address.is_some_and(|a| records::in_network(a, IpAddr::V6(*net), *len)))
        }
        Mechanism::Include(t) => {
            match follow(dns, t, address, st, depth, false).await {
                SpfResult::Pass => Some(true),
                SpfResult::Fail | SpfResult::Softfail | SpfResult::Neutral => Some(false),
                // include: of a domain with no SPF record, or an error inside, is an error.
                SpfResult::None | SpfResult::Permerror | SpfResult::Temperror => {
                    if records::has_macro(t) {
                        Some(false)
                    } else {
                        None
                    }
                }
            }
        }
        Mechanism::A(d, v4, v6) => {
            let name = target(d);
            if records::has_macro(&name) {
                st.macros = true;
                return Some(false);
            }
            let found = dns.addresses(&name).await;
            if let Answer::Failed(_) = found {
                return None;
            }
            if found.is_void() {
                st.void(&name);
            }
            Some(matches_any(address, found.records(), *v4, *v6))
        }
        Mechanism::Mx(d, v4, v6) => {
            let name = target(d);
            if records::has_macro(&name) {
                st.macros = true;
                return Some(false);
            }
            let mx = dns.mx(&name).await;
            if let Answer::Failed(_) = mx {
                return None;
            }
            if mx.is_void() {
                st.void(&name);
            }
            // More than 10 exchangers is a permanent error (§4.6.4).
            if mx.records().len() > 10 {
                st.error(format!("{}: more than 10 MX records", escape(&name)));
                return None;
            }
            let mut matched = false;
            for host in mx.records() {
                let found = dns.addresses(host).await;
                matched |= matches_any(address, found.records(), *v4, *v6);
            }
            Some(matched)
        }
        Mechanism::Exists(name) => {
            if records::has_macro(name) {
                st.macros = true;
                return Some(false);
            }
            let found = dns.query(name, RecordType::A).await;
            if found.is_void() {
                st.void(name);
            }
            Some(!found.records().is_empty())
        }
        // ptr is discouraged (§5.5) and needs the connecting address's names: counted, never
        // matched here.
        Mechanism::Ptr(_) => Some(false),
    }
}

fn matches_any(address: Option<IpAddr>, found: &[IpAddr], v4: u8, v6: u8) -> bool {
    let Some(a) = address else { return false };
    found.iter().any(|&net| {
        let len = if net.is_ipv4() { v4 } else { v6 };
        records::in_network(a, net, len)
    })
}

/// The key at each selector, under the From domain and, for a subdomain, its organisational
/// domain (a parent-domain signature, aligned only in relaxed mode).
async fn dkim(
    dns: &Dns,
    domain: &str,
    org: &str,
    selectors: &[String],
) -> Vec<DkimSelectorObservation> {
    let mut lookups = Vec::new();
    for s in selectors {
        lookups.push(selector(dns, s, domain));
        if org != domain {
            lookups.push(selector(dns, s, org));
        }
    }
    let found = futures_join_all(lookups).await;
    found
        .into_iter()
        .filter(|o| o.domain == domain || !matches!(o.state, DkimKeyState::Missing))
        .collect()
}

/// Awaits every future concurrently, results in order (a small join_all without a crate).
async fn futures_join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

async fn selector(dns: &Dns, selector: &str, domain: &str) -> DkimSelectorObservation {
    let name = format!("{selector}._domainkey.{domain}");
    let mut obs = DkimSelectorObservation {
        selector: escape(selector),
        domain: domain.to_string(),
        cname: None,
        record: None,
        state: DkimKeyState::Missing,
    };
    let cname = dns.cname(&name).await;
    let at = match &cname {
        Answer::Records(targets) => {
            obs.cname = Some(escape(&targets[0]));
            targets[0].clone()
        }
        _ => name.clone(),
    };
    let txt = dns.txt(&at).await;
    obs.state = match &txt {
        Answer::Failed(reason) => DkimKeyState::Failed {
            reason: escape(reason),
        },
        Answer::Records(r) => {
            obs.record = Some(shorten(&escape(&r[0])));
            records::parse_dkim(&r[0])
        }
        _ if obs.cname.is_some() => DkimKeyState::Dangling,
        _ => DkimKeyState::Missing,
    };
    obs
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= 120 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(120).collect::<String>())
    }
}

async fn dmarc(dns: &Dns, domain: &str, org: &str) -> DmarcObservation {
    let mut obs = DmarcObservation::default();
    let mut at = domain.to_string();
    let mut txt = dns.txt(&format!("_dmarc.{domain}")).await;
    let none_here = |t: &Answer<String>| {
        !matches!(t, Answer::Failed(_)) && !t.records().iter().any(|r| records::is_dmarc(r))
    };
    if none_here(&txt) && org != domain {
        at = org.to_string();
        txt = dns.txt(&format!("_dmarc.{org}")).await;
    }
    if let Answer::Failed(e) = &txt {
        obs.lookup_error = Some(escape(e));
        return obs;
    }
    let found: Vec<&String> = txt
        .records()
        .iter()
        .filter(|r| records::is_dmarc(r))
        .collect();
    if found.is_empty() {
        return obs;
    }
    obs.found_at = Some(format!("_dmarc.{at}"));
    obs.records = found.iter().map(|r| escape(r)).collect();
    if found.len() > 1 {
        obs.invalid = Some(format!("{} DMARC records at _dmarc.{at}", found.len()));
        return obs;
    }
    match records::parse_dmarc(found[0]) {
        Ok(parsed) => {
            obs.effective_policy = Some(if at == domain {
                parsed.policy
            } else {
                parsed.subdomain_policy.unwrap_or(parsed.policy)
            });
            obs.parsed = Some(parsed);
        }
        Err(why) => obs.invalid = Some(why),
    }
    obs
}

async fn ptr(dns: &Dns, address: IpAddr) -> PtrObservation {
    let mut obs = PtrObservation {
        address,
        names: Vec::new(),
        forward: Vec::new(),
        confirmed: false,
        lookup_error: None,
    };
    match dns.ptr(address).await {
        Answer::Failed(e) => obs.lookup_error = Some(escape(&e)),
        Answer::Records(names) => {
            obs.names = names.iter().map(|n| escape(n)).collect();
            if let Answer::Records(forward) = dns.addresses(&names[0]).await {
                obs.confirmed = forward.contains(&address);
                obs.forward = forward;
            }
        }
        _ => {}
    }
    obs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.5".parse().unwrap()),
            "5.2.0.192.in-addr.arpa"
        );
        assert!(reverse_name("2001:db8::1".parse().unwrap()).starts_with(
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        ));
    }

    #[test]
    fn organisational_domains() {
        assert_eq!(organizational_domain("mail.example.co.uk"), "example.co.uk");
        assert_eq!(organizational_domain("news.example.com"), "example.com");
        assert_eq!(organizational_domain("example.com"), "example.com");
    }

    #[test]
    fn sender_domains() {
        let m = |s: &str| Mailbox::parse(s).unwrap();
        assert_eq!(
            sender_domain(&m("a@Example.COM")),
            Some("example.com".into())
        );
        assert_eq!(sender_domain(&m("a@[192.0.2.1]")), None);
    }
}
