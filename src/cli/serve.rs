//! `smtp-doctor serve`: a Prometheus exporter in the blackbox pattern. `GET /probe?target=…`
//! runs what `check` runs and answers with the `smtp_doctor_*` series (render::prometheus).
//!
//! Closed by default: on anything but loopback it needs `--allow`, and an allow-list is checked
//! on the addresses actually dialled (resolved once, checked, then probed at exactly those).
//! Bounded: a global and a per-target limit taken with `try_acquire`, so a probe that cannot
//! start now is a 503 at once; a connection limit; a probe never outlives its scrape.

mod allow;
mod limits;
mod request;

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
use smtp_doctor::plan::{self, Plan, Timing};
use smtp_doctor::render::prometheus::{self, Exposition, Format, Kind};
use smtp_doctor::report::{Report, Verdict};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub(crate) use allow::AllowRule;
use allow::{allowed, canonical, may_be_allowed};
use request::{budget, loopback_host, parse_query, timing_within};

pub(crate) const EXAMPLES: &str = "\
Examples:
  smtp-doctor serve                                   # http://127.0.0.1:9925, any target
  curl 'http://127.0.0.1:9925/probe?target=smtp.gmail.com'
  curl 'http://127.0.0.1:9925/probe?target=smtp.gmail.com:465&format=json'
  smtp-doctor serve --listen 0.0.0.0:9925 --allow 192.0.2.0/24 --allow smtp.gmail.com:*
  smtp-doctor serve --concurrency 200 --per-target 2 --timeout 8 --ca-file company-root.pem
  smtp-doctor serve --config modules.toml     # kill -HUP to re-read (POST /-/reload: --enable-reload)

Routes: GET /probe?target=HOST[:PORT][&module=NAME][&format=json] (without a port: the
module's ports, else 587 and 465, exactly as `check HOST`), GET / (the modules and the last
probes, each linking to its JSON report), GET /metrics (the exporter's own), GET /-/healthy,
POST /-/reload (with --enable-reload). Credentials are never taken from the URL (user= or
password= is refused with 400): a module's login reads its secret from the exporter's
environment or a file.

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
less 0.5 s, and by --timeout. Listening on anything but loopback requires --allow. On
loopback, the Host header must name loopback (localhost, 127.0.0.1, [::1]) or an --allow-host.";

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
    /// An IPv4-mapped or -compatible IPv6 address (::ffff:a.b.c.d, ::a.b.c.d) is matched as
    /// the IPv4 address it reaches.
    #[arg(long, value_name = "CIDR|HOST:PORT", value_delimiter = ',', value_parser = allow::parse_allow)]
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
    /// Answer POST /-/reload (off by default, as Prometheus' --web.enable-lifecycle: anyone
    /// who reaches the port could make the exporter read its files). SIGHUP always reloads.
    #[arg(long = "enable-reload")]
    pub(crate) enable_reload: bool,
    /// On a loopback --listen address, accept this name in the Host header too (besides
    /// localhost, 127.0.0.0/8 and [::1]); repeatable. Other names are refused with 403, so a
    /// web page cannot reach the exporter by pointing its own name at 127.0.0.1.
    #[arg(long = "allow-host", value_name = "NAME", value_parser = request::allow_host_arg)]
    pub(crate) allow_hosts: Vec<String>,
    /// At most this many connections from one client (an address; IPv6: its /64) at once
    /// [default: --concurrency + 8]. At the limit, its oldest idle connection makes way.
    #[arg(long = "per-client", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) per_client: Option<u32>,
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
/// How long one HTTP connection is kept before it is closed after its current request.
const MAX_CONNECTION_AGE: Duration = Duration::from_secs(60);
/// How long a client has to send a request's headers, and how long a kept-alive connection
/// may wait for its next request: Prometheus sends at once, a silent connection is closed.
const HEADER_DEADLINE: Duration = Duration::from_secs(5);
/// The longest a reload is waited for before its request is answered (the read goes on).
const RELOAD_WAIT: Duration = Duration::from_secs(10);

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
    /// A reload is running (one at a time: a file that blocks holds one thread, not many).
    reloading: Arc<std::sync::atomic::AtomicBool>,
    enable_reload: bool,
    /// On a loopback listen address: the names accepted in the Host header besides loopback.
    /// `None`: no check (listening elsewhere, where `--allow` guards the probes).
    hosts: Option<Vec<String>>,
    connections: Arc<limits::Connections>,
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
        // Off the async workers, as every read of a file here: files are refused when not
        // regular (a FIFO would block), and a slow disk holds a blocking thread only.
        Some(path) => {
            let (path, roots) = (path.clone(), net.extra_roots.clone());
            match tokio::task::spawn_blocking(move || serve_config::load(&path, &roots)).await {
                Ok(Ok(m)) => m,
                Ok(Err(e)) => return usage_error(format!("serve --config: {e}")),
                Err(e) => return usage_error(format!("serve --config: {e}")),
            }
        }
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
        reloading: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        enable_reload: args.enable_reload,
        hosts: args.listen.ip().is_loopback().then_some(args.allow_hosts),
        connections: limits::Connections::new(
            connection_limit(concurrency),
            args.per_client
                .map_or(concurrency as usize + 8, |n| n as usize),
        ),
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
                    if let Err(e) = reload(&state).await {
                        eprintln!(
                            "smtp-doctor serve: reload failed, the modules in use are kept: {e}"
                        );
                    }
                }
            });
        }
    }
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of descriptors (EMFILE) or a connection gone before accept: wait a little
                // rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(place) = state.connections.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let state = state.clone();
        // A request in progress when the connection ages out: its probe's bound, and the answer.
        let drain = state.budget + Duration::from_secs(10);
        tokio::spawn(async move {
            let busy = place.busy.clone();
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                let busy = limits::Busy::new(&busy);
                async move {
                    let answer = handle(&state, req).await;
                    drop(busy);
                    Ok::<_, Infallible>(answer)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_DEADLINE)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            // An idle keep-alive connection holds a place: after a while it is closed (the
            // request in progress, if any, is answered first; Prometheus reconnects), and at
            // once when it makes way for a newcomer.
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = tokio::time::sleep(MAX_CONNECTION_AGE) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, conn).await;
                }
                _ = place.close.notified() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, conn).await;
                }
            }
            drop(place);
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

/// Reads `--config` again, on a blocking thread; on success the new modules serve the next
/// probes. One reload at a time, waited for at most [`RELOAD_WAIT`] (a read still running
/// then ends on its own, and its modules are used if it succeeds).
async fn reload(state: &Arc<State>) -> Result<(), String> {
    let Some(path) = state.config.clone() else {
        return Err("no --config file to reload".into());
    };
    if state.reloading.swap(true, Ordering::SeqCst) {
        return Err("a reload is still running".into());
    }
    let worker = state.clone();
    let task = tokio::task::spawn_blocking(move || {
        let result = serve_config::load(&path, &worker.net.extra_roots);
        let outcome = match result {
            Ok(modules) => {
                *worker.modules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(modules);
                worker.reloads_ok.fetch_add(1, Ordering::Relaxed);
                worker.last_reload_ok.store(true, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                worker.reloads_failed.fetch_add(1, Ordering::Relaxed);
                worker.last_reload_ok.store(false, Ordering::Relaxed);
                Err(e)
            }
        };
        worker.reloading.store(false, Ordering::SeqCst);
        outcome
    });
    match tokio::time::timeout(RELOAD_WAIT, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "reading --config took longer than {} s; its modules are used if it ends well",
            RELOAD_WAIT.as_secs()
        )),
    }
}

async fn handle(state: &Arc<State>, req: Request<Incoming>) -> Answer {
    if let Some(extra) = &state.hosts {
        let mut hosts = req.headers().get_all(hyper::header::HOST).iter();
        let named = |v: &str| loopback_host(v, extra);
        let header_ok = match (hosts.next(), hosts.next()) {
            (None, _) => true,
            (Some(h), None) => h.to_str().is_ok_and(named),
            (Some(_), Some(_)) => false,
        };
        let authority_ok = req.uri().authority().is_none_or(|a| named(a.as_str()));
        if !(header_ok && authority_ok) {
            state.counters.forbidden.fetch_add(1, Ordering::Relaxed);
            return refuse(
                StatusCode::FORBIDDEN,
                "forbidden: on a loopback address the Host header must be localhost, 127.0.0.1 or [::1] (add a name with --allow-host NAME)",
            );
        }
    }
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
        if !state.enable_reload {
            return refuse(
                StatusCode::FORBIDDEN,
                "reloading over HTTP is off: start serve with --enable-reload (SIGHUP always reloads)",
            );
        }
        return match reload(state).await {
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
    let module_name = query.module.as_deref().unwrap_or(serve_config::DEFAULT);
    let module = {
        let modules = state.modules.read().unwrap_or_else(|e| e.into_inner());
        modules.by_name.get(module_name).cloned()
    };
    let Some(module) = module else {
        let names: Vec<String> = {
            let modules = state.modules.read().unwrap_or_else(|e| e.into_inner());
            modules.by_name.keys().cloned().collect()
        };
        return bad(format!(
            "unknown module {}: the modules are {}",
            smtp_doctor::text::escape(module_name.as_bytes()),
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
    // What the name and port alone refuse is refused before any DNS: a stream of refused
    // names costs no lookups.
    if let Some(port) = plan
        .ports
        .iter()
        .find(|p| !may_be_allowed(&state.allow, &plan.host, p.port))
    {
        state.counters.forbidden.fetch_add(1, Ordering::Relaxed);
        return refuse(
            StatusCode::FORBIDDEN,
            &format!(
                "forbidden: {}{} port {} is not in --allow",
                plan.host,
                plan.host
                    .ip()
                    .filter(|ip| canonical(*ip) != *ip)
                    .map(|ip| format!(", which reaches {}", canonical(ip)))
                    .unwrap_or_default(),
                port.port
            ),
        );
    }
    plan.credentials = module.credentials.clone();
    plan.insecure_auth = module.insecure_auth;
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
                let reached = canonical(address);
                let via = if reached == address {
                    String::new()
                } else {
                    format!(", which reaches {reached}")
                };
                return Err(format!(
                    "forbidden: {} resolves to {address}{via}, and {reached} port {} is not in --allow",
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
        "smtp_doctor_exporter_connections",
        Kind::Gauge,
        "HTTP connections open now.",
    );
    x.sample(&[], state.connections.count() as f64);
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
    use std::net::IpAddr;

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
}
