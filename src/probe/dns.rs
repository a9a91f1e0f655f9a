//! DNS step: turn a host name into addresses, classifying what the resolver said.

use crate::model::{DnsObservation, DnsOutcome, DnsSource};
use crate::plan::{Host, Plan};
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::{Resolver, TokioResolver};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Which resolver: the server (`None` for the system's) and the query timeout.
type ResolverKey = (Option<SocketAddr>, Duration);

/// Resolvers built once and shared by every run of an engine (building one reads the system
/// configuration), keyed by server and timeout.
#[derive(Default)]
pub(crate) struct ResolverCache {
    built: std::sync::Mutex<Vec<(ResolverKey, TokioResolver)>>,
}

impl std::fmt::Debug for ResolverCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResolverCache")
    }
}

/// The most resolvers one cache keeps (each holds its own answer cache).
const MAX_RESOLVERS: usize = 16;

impl ResolverCache {
    pub(crate) fn get(
        &self,
        server: Option<SocketAddr>,
        timeout: Duration,
    ) -> Result<TokioResolver, String> {
        let key = (server, timeout);
        if let Ok(built) = self.built.lock() {
            if let Some((_, r)) = built.iter().find(|(k, _)| *k == key) {
                return Ok(r.clone());
            }
        }
        let resolver = build_resolver(server, timeout)?;
        if let Ok(mut built) = self.built.lock() {
            // Bounded whatever the callers ask for: the oldest makes way.
            if built.len() >= MAX_RESOLVERS {
                built.remove(0);
            }
            built.push((key, resolver.clone()));
        }
        Ok(resolver)
    }
}

/// What a domain's MX records say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MxAnswer {
    /// The exchangers, best (lowest preference) first.
    pub hosts: Vec<(u16, Host)>,
    /// The domain publishes a null MX (RFC 7505: `MX 0 .`): it accepts no mail.
    pub null_mx: bool,
    /// Exchanger names that are not host names, escaped for printing.
    pub unusable: Vec<String>,
}

/// The mail exchangers of `domain`. A DNS failure is an error; what the records say (including
/// a null MX or names that are not hosts) is in the answer, so nothing is dropped unseen.
pub async fn mx_hosts(
    domain: &str,
    server: Option<SocketAddr>,
    timeout: Duration,
) -> Result<MxAnswer, String> {
    let resolver = build_resolver(server, timeout)?;
    let lookup = tokio::time::timeout(
        timeout + Duration::from_millis(200),
        resolver.mx_lookup(domain),
    )
    .await
    .map_err(|_| format!("no answer within {:.1} s", timeout.as_secs_f64()))?
    .map_err(|e| match classify(&e) {
        DnsOutcome::NxDomain => format!("{domain} does not exist (NXDOMAIN)"),
        DnsOutcome::NoAddress => format!("{domain} has no MX record"),
        DnsOutcome::Failed { reason } => reason,
        DnsOutcome::Resolved => String::new(),
    })?;
    let mut answer = MxAnswer::default();
    for record in lookup.answers() {
        let hickory_resolver::proto::rr::RData::MX(mx) = &record.data else {
            continue;
        };
        if mx.exchange.is_root() {
            answer.null_mx = true;
            continue;
        }
        let name = mx.exchange.to_string();
        match Host::parse(&name) {
            Ok(host) => answer.hosts.push((mx.preference, host)),
            Err(_) => answer
                .unusable
                .push(crate::printable::escape(name.as_bytes())),
        }
    }
    answer.hosts.sort();
    answer.hosts.dedup();
    Ok(answer)
}

/// Resolves the plan's host: an IP literal and `--resolve` overrides skip DNS; otherwise the
/// system resolver or `--dns-server` is asked for A and AAAA in parallel.
pub(crate) async fn resolve(plan: &Plan, cache: &ResolverCache) -> DnsObservation {
    let started = Instant::now();
    let host = plan.host.clone();
    if let Some(ip) = plan.host.ip() {
        return finish(host, DnsSource::Literal, Ok(vec![ip]), started);
    }
    let overrides: Vec<IpAddr> = plan
        .resolve
        .iter()
        .filter(|r| r.host == plan.host)
        .map(|r| r.address)
        .collect();
    if !overrides.is_empty() {
        return finish(host, DnsSource::Override, Ok(overrides), started);
    }
    let source = match plan.dns_server {
        Some(server) => DnsSource::Server(server.to_string()),
        None => DnsSource::System,
    };
    let mut control = None;
    // The resolvers take the name as text; the host is already in its one spelling.
    let name = host.to_string();
    let outcome = match cache.get(plan.dns_server, plan.timing.dns) {
        Ok(resolver) => {
            let outcome = lookup(&resolver, &name, plan.timing.dns).await;
            if matches!(outcome, Err(DnsOutcome::Failed { .. })) {
                control = Some(resolver_answers(&resolver, plan.timing.dns).await);
            }
            outcome
        }
        // No readable system configuration (no resolv.conf): ask the OS resolver instead.
        Err(_) if plan.dns_server.is_none() => lookup_with_os(&name, plan.timing.dns).await,
        Err(reason) => Err(DnsOutcome::Failed { reason }),
    };
    let mut obs = finish(host, source, outcome, started);
    obs.resolver_answers = control;
    obs
}

/// Asks the resolver for the root zone's NS: any DNS answer, even a negative one, shows the
/// resolver itself is reachable and working.
async fn resolver_answers(resolver: &TokioResolver, timeout: Duration) -> bool {
    let query = resolver.lookup(".", hickory_resolver::proto::rr::RecordType::NS);
    match tokio::time::timeout(timeout, query).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => e.is_no_records_found(),
        Err(_) => false,
    }
}

fn finish(
    host: Host,
    source: DnsSource,
    outcome: Result<Vec<IpAddr>, DnsOutcome>,
    started: Instant,
) -> DnsObservation {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let (outcome, mut addresses) = match outcome {
        Ok(addrs) if addrs.is_empty() => (DnsOutcome::NoAddress, addrs),
        Ok(addrs) => (DnsOutcome::Resolved, addrs),
        Err(outcome) => (outcome, Vec::new()),
    };
    // IPv4 first, stable, no duplicates: the report reads in a predictable order.
    addresses.sort_by_key(|a| (a.is_ipv6(), *a));
    addresses.dedup();
    DnsObservation {
        host,
        source,
        outcome,
        addresses,
        ms,
        resolver_answers: None,
    }
}

fn build_resolver(server: Option<SocketAddr>, timeout: Duration) -> Result<TokioResolver, String> {
    let provider = TokioRuntimeProvider::default();
    let mut builder = match server {
        Some(server) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = server.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = server.port();
            let ns = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
            Resolver::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), provider)
        }
        None => Resolver::builder(provider).map_err(|e| e.to_string())?,
    };
    let opts = builder.options_mut();
    // One attempt, no cache: we time and classify a real query, not a retry loop.
    opts.attempts = 1;
    opts.cache_size = 0;
    opts.timeout = timeout;
    opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    if server.is_some() {
        opts.use_hosts_file = ResolveHosts::Never;
    }
    builder.build().map_err(|e| e.to_string())
}

async fn lookup(
    resolver: &TokioResolver,
    host: &str,
    timeout: Duration,
) -> Result<Vec<IpAddr>, DnsOutcome> {
    // The resolver has its own per-query timeout; this bounds the whole A+AAAA lookup.
    match tokio::time::timeout(
        timeout + Duration::from_millis(200),
        resolver.lookup_ip(host),
    )
    .await
    {
        Ok(Ok(found)) => Ok(found.iter().collect()),
        Ok(Err(err)) => Err(classify(&err)),
        Err(_) => Err(DnsOutcome::Failed {
            reason: format!("no answer within {:.1} s", timeout.as_secs_f64()),
        }),
    }
}

/// Maps a resolver error to an outcome by its type, never by its text.
fn classify(err: &NetError) -> DnsOutcome {
    if err.is_nx_domain() {
        DnsOutcome::NxDomain
    } else if err.is_no_records_found() {
        DnsOutcome::NoAddress
    } else {
        DnsOutcome::Failed {
            reason: err.to_string(),
        }
    }
}

async fn lookup_with_os(host: &str, timeout: Duration) -> Result<Vec<IpAddr>, DnsOutcome> {
    let query = tokio::net::lookup_host((host, 0));
    match tokio::time::timeout(timeout, query).await {
        Ok(Ok(addrs)) => Ok(addrs.map(|a| a.ip()).collect()),
        Ok(Err(e)) => Err(DnsOutcome::Failed {
            reason: format!("system resolver: {e}"),
        }),
        Err(_) => Err(DnsOutcome::Failed {
            reason: format!("no answer within {:.1} s", timeout.as_secs_f64()),
        }),
    }
}
