//! `smtp-doctor serve`: a Prometheus exporter in the blackbox pattern. `GET /probe?target=…`
//! runs what `check` runs and answers with the `smtp_doctor_*` series (render::prometheus).
//!
//! Closed by default: on anything but loopback it needs `--allow`, and an allow-list is checked
//! on the addresses actually dialled (resolved once, checked, then probed at exactly those).
//! Bounded: a global and a per-target limit taken with `try_acquire`, so a probe that cannot
//! start now is a 503 at once; a connection limit; a probe never outlives its scrape.

use super::args::ProbeArgs;
use super::config::NetConfig;
use super::serve_config::{self, Modules};
use super::usage_error;
use clap::Args;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use smtp_doctor::diagnosis::{self, Options};
use smtp_doctor::engine::Engine;
use smtp_doctor::i18n::Lang;
use smtp_doctor::model::DnsObservation;
use smtp_doctor::plan::{self, Host, Plan, Timing};
use smtp_doctor::render::prometheus::{self, Exposition, Format, Kind};
use smtp_doctor::report::{Report, Verdict};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub(crate) const EXAMPLES: &str = "\
Examples:
  smtp-doctor serve                                   # http://127.0.0.1:9925, any target
  curl 'http://127.0.0.1:9925/probe?target=smtp.gmail.com'
  curl 'http://127.0.0.1:9925/probe?target=smtp.gmail.com:465&format=json'
  smtp-doctor serve --listen 0.0.0.0:9925 --allow 192.0.2.0/24 --allow smtp.gmail.com:*
  smtp-doctor serve --concurrency 200 --per-target 2 --timeout 8 --ca-file company-root.pem
  smtp-doctor serve --config modules.toml     # kill -HUP or curl -X POST …/-/reload to re-read

Routes: GET /probe?target=HOST[:PORT][&module=NAME][&format=json] (without a port: the
module's ports, else 587 and 465, exactly as `check HOST`), GET / (the modules and the last
probes, each linking to its JSON report), GET /metrics (the exporter's own), GET /-/healthy,
POST /-/reload. Credentials are never taken from the URL (user= or password= is refused with
400): a module's login reads its secret from the exporter's environment or a file.

modules.toml:
  [modules.submission]
  ports = [587]
  security = \"starttls\"          # or implicit_tls, plain
  timeout = 8
  ca_file = \"/etc/ssl/company-root.pem\"
  user = \"alerts@example.com\"
  password_env = \"ALERTS_SMTP_PASSWORD\"   # or password_file = \"/run/secrets/smtp\"

Prometheus (the blackbox pattern):
  scrape_configs:
    - job_name: smtp
      metrics_path: /probe
      static_configs:
        - targets: [smtp.gmail.com, 'smtp.office365.com:587']
      relabel_configs:
        - source_labels: [__address__]
          target_label: __param_target
        - source_labels: [__param_target]
          target_label: instance
        - target_label: __address__
          replacement: 127.0.0.1:9925

A probe is bounded by the scrape timeout Prometheus sends (X-Prometheus-Scrape-Timeout-Seconds)
less 0.5 s, and by --timeout. Listening on anything but loopback requires --allow.";

/// `serve`'s flags.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Where to listen. Anything but a loopback address requires --allow.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9925")]
    pub(crate) listen: SocketAddr,
    /// Targets that may be probed: a CIDR (10.0.0.0/8, 2001:db8::/32, or one address) on any
    /// port, or HOST:PORT (a name, *.example.com, an address or [v6]; PORT a number or *).
    /// Repeatable; comma lists accepted. Checked on every address actually dialled; a name
    /// pattern trusts that name's DNS answer. Without it (loopback only) any target is allowed.
    #[arg(long, value_name = "CIDR|HOST:PORT", value_delimiter = ',', value_parser = allow_arg)]
    pub(crate) allow: Vec<AllowRule>,
    /// At most this many probes at once; one more is answered 503 at once.
    #[arg(long, value_name = "N", default_value = "64", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) concurrency: u32,
    /// At most this many probes of one target (host and port) at once.
    #[arg(long = "per-target", value_name = "N", default_value = "4", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) per_target: u32,
    /// The longest one probe may take, in seconds [default: 10]; a shorter scrape timeout
    /// from Prometheus wins.
    #[arg(long, value_name = "SECS", value_parser = timeout_arg, allow_hyphen_values = true)]
    pub(crate) timeout: Option<Duration>,
    /// Trust the CA certificates in this PEM file in addition to the system's; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub(crate) ca_files: Vec<PathBuf>,
    /// Ask this DNS server instead of the system resolver.
    #[arg(long = "dns-server", value_name = "ADDR[:PORT]", value_parser = dns_arg)]
    pub(crate) dns_server: Option<SocketAddr>,
    /// The probe modules (TOML: `[modules.NAME]` with ports, security, timeout, ca_file, user
    /// and password_env or password_file). Read again on SIGHUP and on POST /-/reload; a
    /// file that does not read keeps the modules in use.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Language of the messages in `format=json` reports: en or es.
    #[arg(long, value_name = "en|es", default_value = "en")]
    pub(crate) lang: Lang,
}

fn timeout_arg(s: &str) -> Result<Duration, String> {
    plan::parse_timeout(s).map_err(|e| e.to_string())
}
fn dns_arg(s: &str) -> Result<SocketAddr, String> {
    plan::parse_dns_server(s).map_err(|e| e.to_string())
}

/// The default bound of one probe.
const DEFAULT_BUDGET: Duration = Duration::from_secs(10);
/// What is kept back from Prometheus's scrape timeout for the answer to travel.
const SCRAPE_OFFSET: Duration = Duration::from_millis(500);
/// How long one HTTP connection is kept before it is closed after its current request.
const MAX_CONNECTION_AGE: Duration = Duration::from_secs(60);
/// The longest query string accepted.
const MAX_QUERY: usize = 2048;
/// Query parameters that would carry a credential: refused, never used.
const CREDENTIAL_PARAMS: &[&str] = &[
    "user", "username", "login", "password", "pass", "passwd", "secret", "token", "auth",
];

/// One `--allow` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AllowRule {
    /// Any port of these addresses.
    Net(ipnet::IpNet),
    /// One host (or every name under a domain) on one port, or on any port (`None`).
    HostPort(HostPattern, Option<u16>),
}

/// The host half of a `HOST:PORT` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// This address.
    Ip(IpAddr),
    /// This name.
    Name(String),
    /// Every name under this domain (`*.example.com`; not the domain itself).
    Under(String),
}

fn allow_arg(s: &str) -> Result<AllowRule, String> {
    let bad = || {
        format!(
            "invalid --allow {:?}: expected a CIDR like 10.0.0.0/8 or HOST:PORT like smtp.example.com:587 (PORT may be *)",
            smtp_doctor::text::escape(s.as_bytes())
        )
    };
    let s = s.trim();
    if let Ok(net) = s.parse::<ipnet::IpNet>() {
        return Ok(AllowRule::Net(net.trunc()));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(AllowRule::Net(ipnet::IpNet::from(ip)));
    }
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    let port = match port {
        "*" => None,
        p => Some(plan::parse_port(p).map_err(|_| bad())?),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let pattern = if let Ok(ip) = host.parse::<IpAddr>() {
        HostPattern::Ip(ip)
    } else if let Some(domain) = host.strip_prefix("*.") {
        HostPattern::Under(Host::parse(domain).map_err(|_| bad())?.to_string())
    } else {
        match Host::parse(host).map_err(|_| bad())? {
            Host::Ip(ip) => HostPattern::Ip(ip),
            name => HostPattern::Name(name.to_string()),
        }
    };
    Ok(AllowRule::HostPort(pattern, port))
}

impl AllowRule {
    fn allows(&self, host: &Host, address: IpAddr, port: u16) -> bool {
        match self {
            AllowRule::Net(net) => net.contains(&address),
            AllowRule::HostPort(pattern, p) => {
                if p.is_some_and(|p| p != port) {
                    return false;
                }
                let name = host.to_string();
                match pattern {
                    HostPattern::Ip(ip) => *ip == address,
                    HostPattern::Name(n) => *n == name,
                    HostPattern::Under(d) => name
                        .strip_suffix(d.as_str())
                        .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
                }
            }
        }
    }
}

/// Whether `rules` allow dialling `address:port` for `host` (no rules: everything).
fn allowed(rules: &[AllowRule], host: &Host, address: IpAddr, port: u16) -> bool {
    rules.is_empty() || rules.iter().any(|r| r.allows(host, address, port))
}

/// The exporter's own counters (`/metrics`).
#[derive(Default)]
struct Counters {
    success: AtomicU64,
    failure: AtomicU64,
    timeout: AtomicU64,
    busy: AtomicU64,
    forbidden: AtomicU64,
    bad_request: AtomicU64,
}

/// One finished probe, for the index page.
struct Recent {
    at_unix: i64,
    target: String,
    module: String,
    verdict: &'static str,
    cause: Option<&'static str>,
    findings: Vec<&'static str>,
    ms: f64,
}

/// How many finished probes the index page lists.
const RECENT: usize = 50;

struct State {
    engine: Engine,
    modules: std::sync::RwLock<Arc<Modules>>,
    config: Option<PathBuf>,
    recent: Mutex<std::collections::VecDeque<Recent>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    last_reload_ok: std::sync::atomic::AtomicBool,
    net: NetConfig,
    allow: Vec<AllowRule>,
    concurrency: u32,
    per_target_limit: u32,
    global: Arc<Semaphore>,
    per_target: Mutex<HashMap<String, u32>>,
    /// Open files probes may use: each takes what its own plan needs (ports × addresses ×
    /// attempts, the control connection), so the limit is never exhausted.
    descriptors: Arc<Semaphore>,
    budget: Duration,
    lang: Lang,
    counters: Counters,
}

/// A per-target slot, given back on drop (the map never holds idle targets).
struct TargetSlot<'a> {
    state: &'a State,
    key: String,
}

impl Drop for TargetSlot<'_> {
    fn drop(&mut self) {
        let mut map = self
            .state
            .per_target
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

impl State {
    fn try_target(&self, key: String) -> Option<TargetSlot<'_>> {
        let mut map = self.per_target.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(key.clone()).or_insert(0);
        if *n >= self.per_target_limit {
            return None;
        }
        *n += 1;
        Some(TargetSlot { state: self, key })
    }
}

/// Runs the exporter until the process is stopped.
pub(crate) async fn run(args: ServeArgs) -> ExitCode {
    if !args.listen.ip().is_loopback() && args.allow.is_empty() {
        return usage_error(format!(
            "serve: listening on {} (not loopback) needs --allow CIDR|HOST:PORT: without it anyone who reaches the port could make this machine connect anywhere",
            args.listen
        ));
    }
    let probe = ProbeArgs {
        ports: Vec::new(),
        timeout: None,
        resolve: Vec::new(),
        connect_to: Vec::new(),
        dns_server: args.dns_server,
        ca_files: args.ca_files.clone(),
        user: None,
        password_stdin: false,
        insecure_auth: false,
        from: None,
        dkim_selectors: Vec::new(),
    };
    let net = match NetConfig::from_args(&probe) {
        Ok(net) => net,
        Err(e) => return usage_error(e),
    };
    let engine = match Engine::new(&net.extra_roots) {
        Ok(engine) => engine,
        Err(e) => return usage_error(e),
    };
    let modules = match &args.config {
        Some(path) => match serve_config::load(path, &net.extra_roots) {
            Ok(m) => m,
            Err(e) => return usage_error(format!("serve --config: {e}")),
        },
        None => Modules::built_in(),
    };
    let concurrency = args.concurrency;
    let descriptors = descriptor_budget(concurrency);
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => return usage_error(format!("serve: cannot listen on {}: {e}", args.listen)),
    };
    let local = listener.local_addr().unwrap_or(args.listen);
    eprintln!("smtp-doctor serve: listening on http://{local}/ (probe: /probe?target=HOST[:PORT])");
    let state = Arc::new(State {
        engine,
        modules: std::sync::RwLock::new(Arc::new(modules)),
        config: args.config.clone(),
        recent: Mutex::new(std::collections::VecDeque::new()),
        reloads_ok: AtomicU64::new(0),
        reloads_failed: AtomicU64::new(0),
        last_reload_ok: std::sync::atomic::AtomicBool::new(true),
        net,
        allow: args.allow,
        concurrency,
        per_target_limit: args.per_target,
        global: Arc::new(Semaphore::new(concurrency as usize)),
        per_target: Mutex::new(HashMap::new()),
        descriptors: Arc::new(Semaphore::new(descriptors)),
        budget: args.timeout.unwrap_or(DEFAULT_BUDGET),
        lang: args.lang,
        counters: Counters::default(),
    });
    #[cfg(unix)]
    {
        // SIGHUP reloads the modules, as Prometheus' own exporters do.
        let state = state.clone();
        if let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    if let Err(e) = reload(&state) {
                        eprintln!(
                            "smtp-doctor serve: reload failed, the modules in use are kept: {e}"
                        );
                    }
                }
            });
        }
    }
    // Connections are bounded too: a probe per connection at most, plus room for /metrics.
    let connections = Arc::new(Semaphore::new(connection_limit(concurrency)));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of descriptors (EMFILE) or a connection gone before accept: wait a little
                // rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let state = state.clone();
        // A request in progress when the connection ages out: its probe's bound, and the answer.
        let drain = state.budget + Duration::from_secs(10);
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            // An idle keep-alive connection holds a slot: after a while it is closed (the
            // request in progress, if any, is answered first; Prometheus reconnects).
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = tokio::time::sleep(MAX_CONNECTION_AGE) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, conn).await;
                }
            }
        });
    }
}

/// The most addresses of one target probed (per family): a name with many A records must not
/// take a probe past its share of the open-files limit.
const MAX_ADDRESSES_PER_FAMILY: usize = 4;

fn connection_limit(concurrency: u32) -> usize {
    concurrency as usize * 2 + 16
}

/// `--concurrency`, or fewer when this process may not open enough sockets for that many
/// probes at once (each: up to 3 ports × 8 addresses × 4 connect attempts, the control
/// connection, DNS) beside its HTTP connections. The soft limit is raised first.
/// The open files probes may share: the limit (raised first) less the HTTP connections and
/// a margin. Said on stderr when it cannot hold `concurrency` probes of one port.
fn descriptor_budget(concurrency: u32) -> usize {
    let Some(limit) = super::many::raise_open_file_limit() else {
        return Semaphore::MAX_PERMITS;
    };
    let budget = limit.saturating_sub(48 + connection_limit(concurrency) as u64);
    let small = descriptors_needed(1, 1);
    if budget / (small as u64) < u64::from(concurrency) {
        eprintln!(
            "smtp-doctor serve: the open-files limit ({limit}, ulimit -n) holds about {} probes of one port at once, not {concurrency}: more are answered 503",
            budget / small as u64
        );
    }
    usize::try_from(budget)
        .unwrap_or(usize::MAX)
        .clamp(1, Semaphore::MAX_PERMITS)
}

/// The most sockets a probe of `ports` ports at `addresses` addresses opens at once: each
/// connect has its attempts in flight, plus the control connection and a margin.
fn descriptors_needed(ports: usize, addresses: usize) -> usize {
    let attempts = Timing::default().connect_attempts.len().max(1);
    (ports * addresses.max(1) + 1) * attempts + 2
}

/// At most [`MAX_ADDRESSES_PER_FAMILY`] addresses of each family, in the resolver's order.
fn bound_addresses(dns: &mut DnsObservation) {
    let (mut v4, mut v6) = (0, 0);
    dns.addresses.retain(|a| {
        let n = if a.is_ipv4() { &mut v4 } else { &mut v6 };
        *n += 1;
        *n <= MAX_ADDRESSES_PER_FAMILY
    });
}

type Answer = Response<Full<Bytes>>;

fn answer(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A one-line refusal.
fn refuse(status: StatusCode, why: &str) -> Answer {
    answer(status, "text/plain; charset=utf-8", format!("{why}\n"))
}

/// Reads `--config` again; on success the new modules serve the next probes.
fn reload(state: &State) -> Result<(), String> {
    let Some(path) = &state.config else {
        return Err("no --config file to reload".into());
    };
    match serve_config::load(path, &state.net.extra_roots) {
        Ok(modules) => {
            *state.modules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(modules);
            state.reloads_ok.fetch_add(1, Ordering::Relaxed);
            state.last_reload_ok.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => {
            state.reloads_failed.fetch_add(1, Ordering::Relaxed);
            state.last_reload_ok.store(false, Ordering::Relaxed);
            Err(e)
        }
    }
}

async fn handle(state: &State, req: Request<Incoming>) -> Answer {
    let path = req.uri().path();
    if !matches!(
        path,
        "/" | "/probe" | "/metrics" | "/-/healthy" | "/-/reload"
    ) {
        return refuse(
            StatusCode::NOT_FOUND,
            "not found: the routes are /, /probe, /metrics, /-/healthy and /-/reload",
        );
    }
    if path == "/-/reload" {
        if req.method() != Method::POST {
            return refuse(StatusCode::METHOD_NOT_ALLOWED, "/-/reload takes POST");
        }
        return match reload(state) {
            Ok(()) => answer(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                "reloaded\n".into(),
            ),
            Err(e) => refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("reload failed, the modules in use are kept: {e}"),
            ),
        };
    }
    if req.method() != Method::GET {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "only GET is served");
    }
    match path {
        "/" => answer(StatusCode::OK, "text/html; charset=utf-8", index(state)),
        "/-/healthy" => answer(StatusCode::OK, "text/plain; charset=utf-8", "OK\n".into()),
        "/metrics" => {
            let format = Format::from_accept(header(&req, "accept"));
            answer(
                StatusCode::OK,
                format.content_type(),
                own_metrics(state, format),
            )
        }
        _ => probe(state, &req).await,
    }
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What a `/probe` query asks for.
#[derive(Debug, PartialEq)]
struct Query {
    host: Host,
    port: Option<u16>,
    module: String,
    json: bool,
}

/// Parses the query string; the error is the one-line reason of a 400 (it never quotes a
/// credential parameter's value).
fn parse_query(query: &str) -> Result<Query, String> {
    if query.len() > MAX_QUERY {
        return Err(format!("the query is longer than {MAX_QUERY} bytes"));
    }
    let mut target = None;
    let mut module = serve_config::DEFAULT.to_string();
    let mut json = false;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let quoted = || smtp_doctor::text::escape(value.as_bytes());
        match key.as_ref() {
            k if CREDENTIAL_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                return Err(format!(
                    "credentials are never taken from the URL (parameter {k:?}); they come from the environment of a --config module (a later version)"
                ));
            }
            "target" if target.is_some() => return Err("target= is given twice".into()),
            "target" => target = Some(value.into_owned()),
            "module" if value.is_empty() => {}
            "module" => module = value.into_owned(),
            "format" if value == "json" => json = true,
            "format" if value == "prometheus" || value.is_empty() => {}
            "format" => return Err(format!("unknown format {}: json or prometheus", quoted())),
            other => {
                return Err(format!(
                    "unknown parameter {}: target, module and format are understood",
                    smtp_doctor::text::escape(other.as_bytes())
                ))
            }
        }
    }
    let target = target.ok_or("target= is missing: /probe?target=HOST[:PORT]")?;
    let (host, port) = Host::parse_with_port(target.trim())
        .map_err(|e| smtp_doctor::text::escape(e.to_string().as_bytes()))?;
    Ok(Query {
        host,
        port,
        module,
        json,
    })
}

/// How long this probe may take: Prometheus's scrape timeout less the offset, capped by
/// `--timeout` (or the default).
fn budget(cap: Duration, scrape_timeout: Option<&str>) -> Duration {
    let scrape = scrape_timeout
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| {
            let s = Duration::from_secs_f64(s.min(3600.0));
            if s > SCRAPE_OFFSET * 2 {
                s - SCRAPE_OFFSET
            } else {
                s / 2
            }
        });
    scrape.map_or(cap, |s| s.min(cap))
}

/// The check's timing shrunk to fit `budget`: each step a share of it, so that a silent peer
/// still becomes a finding (filtered, no greeting) before the probe's end.
fn timing_within(budget: Duration) -> Timing {
    let mut t = Timing::new(None);
    t.connect_wait = t.connect_wait.min(budget / 2);
    t.step = t.step.min(budget / 3);
    t.dns = t.dns.min(budget / 3);
    let wait = t.connect_wait;
    t.connect_attempts.retain(|d| d.is_zero() || *d < wait);
    t
}

async fn probe(state: &State, req: &Request<Incoming>) -> Answer {
    let started = Instant::now();
    let bad = |why: String| {
        state.counters.bad_request.fetch_add(1, Ordering::Relaxed);
        refuse(StatusCode::BAD_REQUEST, &why)
    };
    let query = match parse_query(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(why) => return bad(why),
    };
    let module = {
        let modules = state.modules.read().unwrap_or_else(|e| e.into_inner());
        modules.by_name.get(&query.module).cloned()
    };
    let Some(module) = module else {
        let names: Vec<String> = {
            let modules = state.modules.read().unwrap_or_else(|e| e.into_inner());
            modules.by_name.keys().cloned().collect()
        };
        return bad(format!(
            "unknown module {}: the modules are {}",
            smtp_doctor::text::escape(query.module.as_bytes()),
            names.join(", ")
        ));
    };
    let ports: Vec<u16> = match query.port {
        Some(p) => vec![p],
        None => module.ports.clone(),
    };
    let mut plan = match state.net.plan(&query.host.to_string(), &ports) {
        Ok(plan) => plan,
        Err(why) => return bad(why),
    };
    if let Some(security) = module.security {
        for p in &mut plan.ports {
            p.security = security;
        }
    }
    plan.credentials = module.credentials.clone();
    plan.insecure_auth = module.insecure_auth;
    plan.domain = module.domain.clone();
    let cap = module.timeout.map_or(state.budget, |t| t.min(state.budget));
    let budget = budget(cap, header(req, "x-prometheus-scrape-timeout-seconds"));
    plan.timing = timing_within(budget);

    let busy = |why: String| {
        state.counters.busy.fetch_add(1, Ordering::Relaxed);
        refuse(StatusCode::SERVICE_UNAVAILABLE, &why)
    };
    let Ok(_global) = state.global.clone().try_acquire_owned() else {
        return busy(format!(
            "busy: {} probes are running (--concurrency {}); try again later",
            state.concurrency, state.concurrency
        ));
    };
    let key = match query.port {
        Some(p) => format!("{}:{p}", plan.host),
        None => plan.host.to_string(),
    };
    let Some(_slot) = state.try_target(key) else {
        return busy(format!(
            "busy: {} probes of this target are running (--per-target {}); try again later",
            state.per_target_limit, state.per_target_limit
        ));
    };

    let engine: &Engine = module.engine.as_deref().unwrap_or(&state.engine);
    let target = match query.port {
        Some(p) => format!("{}:{p}", plan.host),
        None => plan.host.to_string(),
    };
    let run = async move {
        let mut dns = engine.resolve(&plan).await;
        bound_addresses(&mut dns);
        confine(&mut plan, &dns, &state.allow).map_err(Refused::Forbidden)?;
        let ports = plan.ports.len() + plan.fallback_ports.len();
        let need = descriptors_needed(ports, dns.addresses.len());
        let Ok(_files) = state
            .descriptors
            .clone()
            .try_acquire_many_owned(u32::try_from(need).unwrap_or(u32::MAX))
        else {
            return Err(Refused::Busy(
                "busy: the open-files limit is taken by the probes running; try again later".into(),
            ));
        };
        Ok(engine.run_resolved(plan, dns).await)
    };
    let observations = match tokio::time::timeout(budget, run).await {
        Ok(Ok(obs)) => obs,
        Ok(Err(Refused::Forbidden(why))) => {
            state.counters.forbidden.fetch_add(1, Ordering::Relaxed);
            return refuse(StatusCode::FORBIDDEN, &why);
        }
        Ok(Err(Refused::Busy(why))) => return busy(why),
        Err(_) => {
            state.counters.timeout.fetch_add(1, Ordering::Relaxed);
            return timed_out(
                started.elapsed(),
                Format::from_accept(header(req, "accept")),
            );
        }
    };
    let opts = Options {
        lang: state.lang,
        ..Default::default()
    };
    let diagnosis = diagnosis::diagnose(&observations, &opts);
    let report = Report::new("check", observations, diagnosis, &opts);
    let counter = if report.verdict == Verdict::Ok {
        &state.counters.success
    } else {
        &state.counters.failure
    };
    counter.fetch_add(1, Ordering::Relaxed);
    remember(
        state,
        Recent {
            at_unix: report.observed_at_unix,
            target,
            module: module.name.clone(),
            verdict: report.verdict.as_str(),
            cause: report.cause.map(|c| c.as_str()),
            findings: report.findings.iter().map(|f| f.code.as_str()).collect(),
            ms: report.elapsed_ms,
        },
    );
    if query.json {
        return answer(
            StatusCode::OK,
            "application/json",
            smtp_doctor::render::json::render(&report),
        );
    }
    let format = Format::from_accept(header(req, "accept"));
    answer(
        StatusCode::OK,
        format.content_type(),
        prometheus::render(&report, format),
    )
}

/// Checks every address `dns` found on every port of `plan` against the allow-list; the
/// provider's fallback port and the control connection (443) are dropped where not allowed.
/// The error is the 403's reason: nothing has been dialled.
fn confine(plan: &mut Plan, dns: &DnsObservation, rules: &[AllowRule]) -> Result<(), String> {
    if rules.is_empty() {
        return Ok(());
    }
    for port in &plan.ports {
        for &address in &dns.addresses {
            if !allowed(rules, &plan.host, address, port.port) {
                return Err(format!(
                    "forbidden: {} resolves to {address}, and {address} port {} is not in --allow",
                    plan.host, port.port
                ));
            }
        }
    }
    let host = plan.host.clone();
    let all_allowed = |port: u16| {
        dns.addresses
            .iter()
            .all(|&a| allowed(rules, &host, a, port))
    };
    plan.fallback_ports.retain(|p| all_allowed(p.port));
    if plan.control_port.is_some_and(|p| !all_allowed(p)) {
        plan.control_port = None;
    }
    Ok(())
}

fn remember(state: &State, probe: Recent) {
    let mut recent = state.recent.lock().unwrap_or_else(|e| e.into_inner());
    if recent.len() == RECENT {
        recent.pop_back();
    }
    recent.push_front(probe);
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped (everything shown is already free of
/// control characters: hosts are validated, the rest comes from closed sets).
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The index page: the modules and the last probes, each linking to its full JSON report.
fn index(state: &State) -> String {
    let modules: Vec<String> = {
        let m = state.modules.read().unwrap_or_else(|e| e.into_inner());
        m.by_name
            .values()
            .map(|m| {
                let ports = if m.ports.is_empty() {
                    "the target's port, or 587 and 465".to_string()
                } else {
                    m.ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let login = if m.credentials.is_some() {
                    ", with a login"
                } else {
                    ""
                };
                format!(
                    "<li><code>{}</code>: {}{login}</li>",
                    html(&m.name),
                    html(&ports)
                )
            })
            .collect()
    };
    let mut rows = String::new();
    for p in state
        .recent
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let link: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("target", &p.target)
            .append_pair("module", &p.module)
            .append_pair("format", "json")
            .finish();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td><a href=\"/probe?{}\">JSON</a></td></tr>\n",
            html(&smtp_doctor::text::rfc3339(p.at_unix)),
            html(&p.target),
            html(&p.module),
            p.verdict,
            p.cause.unwrap_or("—"),
            p.findings.join(", "),
            p.ms,
            html(&link),
        ));
    }
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>smtp-doctor serve</title></head><body>\n<h1>smtp-doctor serve</h1>\n<p><a href=\"/metrics\">/metrics</a> · /probe?target=HOST[:PORT]&amp;module=NAME</p>\n<h2>Modules</h2>\n<ul>{}</ul>\n<h2>Last probes</h2>\n<table>\n<tr><th>time</th><th>target</th><th>module</th><th>verdict</th><th>cause</th><th>findings</th><th>ms</th><th>report</th></tr>\n{rows}</table>\n</body></html>\n",
        modules.join("")
    )
}

/// Why a probe was refused after its target was resolved, before any connection.
enum Refused {
    /// Not in `--allow`: 403.
    Forbidden(String),
    /// No open files to spare: 503.
    Busy(String),
}

/// A probe cut off at its budget: failed, with no finding to name.
fn timed_out(elapsed: Duration, format: Format) -> Answer {
    let mut x = Exposition::new(format);
    x.family(
        "probe_success",
        Kind::Gauge,
        "Whether every probed port completed its handshake securely (verdict ok).",
    );
    x.sample(&[], 0.0);
    x.family(
        "probe_duration_seconds",
        Kind::Gauge,
        "How long the probe took, in seconds.",
    );
    x.sample(&[], elapsed.as_secs_f64());
    answer(StatusCode::OK, format.content_type(), x.finish())
}

fn own_metrics(state: &State, format: Format) -> String {
    let c = &state.counters;
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
    let mut x = Exposition::new(format);
    x.family(
        "smtp_doctor_exporter_probes_in_flight",
        Kind::Gauge,
        "Probes running now.",
    );
    let free = state.global.available_permits() as f64;
    x.sample(&[], f64::from(state.concurrency) - free);
    x.family(
        "smtp_doctor_exporter_probes",
        Kind::Counter,
        "Probes finished, by result (success: verdict ok).",
    );
    x.sample(&[("result", "success")], load(&c.success));
    x.sample(&[("result", "failure")], load(&c.failure));
    x.sample(&[("result", "timeout")], load(&c.timeout));
    x.family(
        "smtp_doctor_exporter_probes_refused",
        Kind::Counter,
        "Probe requests refused before any connection, by reason.",
    );
    x.sample(&[("reason", "busy")], load(&c.busy));
    x.sample(&[("reason", "forbidden")], load(&c.forbidden));
    x.sample(&[("reason", "bad_request")], load(&c.bad_request));
    x.family(
        "smtp_doctor_exporter_config_reloads",
        Kind::Counter,
        "Reloads of --config (SIGHUP, POST /-/reload), by result.",
    );
    x.sample(&[("result", "success")], load(&state.reloads_ok));
    x.sample(&[("result", "failure")], load(&state.reloads_failed));
    x.family(
        "smtp_doctor_exporter_config_last_reload_successful",
        Kind::Gauge,
        "Whether the last reload of --config worked (1 before any).",
    );
    x.sample(
        &[],
        if state.last_reload_ok.load(Ordering::Relaxed) {
            1.0
        } else {
            0.0
        },
    );
    x.family(
        "smtp_doctor_exporter_concurrency_limit",
        Kind::Gauge,
        "The --concurrency limit.",
    );
    x.sample(&[], f64::from(state.concurrency));
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Host {
        Host::parse(s).unwrap()
    }

    #[test]
    fn allow_rules_parse_and_match_the_dialled_address() {
        let rules: Vec<AllowRule> = [
            "10.0.0.0/8",
            "192.0.2.7",
            "smtp.gmail.com:465",
            "*.example.com:*",
            "[::1]:587",
        ]
        .iter()
        .map(|s| allow_arg(s).unwrap())
        .collect();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let gmail = host("smtp.gmail.com");
        assert!(allowed(&rules, &gmail, ip("10.1.2.3"), 25));
        assert!(allowed(&rules, &gmail, ip("192.0.2.7"), 587));
        assert!(!allowed(&rules, &gmail, ip("192.0.2.8"), 587));
        assert!(allowed(&rules, &gmail, ip("203.0.113.1"), 465));
        assert!(!allowed(&rules, &gmail, ip("203.0.113.1"), 587));
        assert!(allowed(
            &rules,
            &host("mx.example.com"),
            ip("203.0.113.1"),
            2525
        ));
        assert!(!allowed(
            &rules,
            &host("example.com"),
            ip("203.0.113.1"),
            25
        ));
        assert!(!allowed(
            &rules,
            &host("evilexample.com"),
            ip("203.0.113.1"),
            25
        ));
        assert!(allowed(&rules, &host("::1"), ip("::1"), 587));
        assert!(!allowed(&rules, &host("::1"), ip("::1"), 465));
        assert!(allowed(&[], &gmail, ip("127.0.0.1"), 1));
        for bad in ["", "smtp.gmail.com", "10.0.0.0/33", "a b:25", "h:0", "h:x"] {
            assert!(allow_arg(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn queries_are_validated_and_credentials_refused_without_echo() {
        let q = parse_query("target=smtp.gmail.com:465&module=default").unwrap();
        assert_eq!(
            (q.host.to_string(), q.port, q.json),
            ("smtp.gmail.com".into(), Some(465), false)
        );
        let q = parse_query("target=%5B%3A%3A1%5D&format=json").unwrap();
        assert_eq!(
            (q.host.to_string(), q.port, q.json),
            ("::1".into(), None, true)
        );
        for (query, needle) in [
            ("", "missing"),
            ("target=a%20b", "invalid host"),
            ("target=h:70000", "invalid port"),
            ("target=h&debug=1", "unknown parameter"),
            ("target=h&target=i", "twice"),
            (
                "target=h&password=hunter2secret",
                "never taken from the URL",
            ),
            ("target=h&User=me", "never taken from the URL"),
        ] {
            let e = parse_query(query).unwrap_err();
            assert!(e.contains(needle), "{query}: {e}");
            assert!(!e.contains("hunter2secret") && !e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn a_name_with_many_addresses_is_probed_at_four_of_each_family() {
        let mut dns = DnsObservation {
            host: "many.test".into(),
            source: smtp_doctor::model::DnsSource::System,
            outcome: smtp_doctor::model::DnsOutcome::Resolved,
            addresses: (1..=10u8)
                .map(|i| IpAddr::from([192, 0, 2, i]))
                .chain((1..=6u16).map(|i| IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, i])))
                .collect(),
            ms: 1.0,
            resolver_answers: None,
        };
        bound_addresses(&mut dns);
        assert_eq!(dns.addresses.len(), 8);
        assert_eq!(dns.addresses[3], IpAddr::from([192, 0, 2, 4]));
        assert_eq!(
            dns.addresses[4],
            IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])
        );
    }

    #[test]
    fn the_scrape_timeout_bounds_the_probe() {
        let cap = Duration::from_secs(10);
        assert_eq!(budget(cap, None), cap);
        assert_eq!(budget(cap, Some("4")), Duration::from_millis(3500));
        assert_eq!(budget(cap, Some("60")), cap);
        assert_eq!(budget(cap, Some("0.8")), Duration::from_millis(400));
        assert_eq!(budget(cap, Some("nonsense")), cap);
        assert_eq!(budget(cap, Some("-3")), cap);
        let t = timing_within(Duration::from_millis(1500));
        assert!(
            t.connect_wait <= Duration::from_millis(750) && t.step <= Duration::from_millis(500)
        );
        assert!(t
            .connect_attempts
            .iter()
            .all(|d| *d < t.connect_wait || d.is_zero()));
        assert_eq!(
            timing_within(Duration::from_secs(10)).connect_wait,
            Timing::DEFAULT_CONNECT_WAIT
        );
    }
}
