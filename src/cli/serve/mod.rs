//! `smtp-doctor serve`: a Prometheus exporter in the blackbox pattern. `GET /probe?target=…`
//! runs what `check` runs and answers with the `smtp_doctor_*` series (render::prometheus).
//!
//! Closed by default: on anything but loopback it needs `--allow`, and an allow-list is checked
//! on the addresses actually dialled (resolved once, checked, then probed at exactly those).
//! Bounded: a global and a per-target limit taken with `try_acquire`, so a probe that cannot
//! start now is a 503 at once; a connection limit; a probe never outlives its scrape.
//!
//! Here: the shared state and the start. Its flags and `--help` are in `cli::args`; beside
//! this file: `allow` (`--allow`: pure), `limits` (connections, per-target slots, open
//! files), `request` (query, scrape timeout, Host header: pure), `http` (connections, routing,
//! reload), `probe` (`/probe`), `page` (the index page and `/metrics`).

// `allow` and `request` are pure (they use no other module of the command line): `cli::args`
// parses `--allow` and `--allow-host` with them.
pub(super) mod allow;
mod http;
mod limits;
mod page;
mod probe;
pub(super) mod request;

use super::args::{ProbeArgs, ServeArgs};
use super::config::NetConfig;
use super::serve_config::{self, Modules};
use super::usage::usage_error;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use smtp_doctor::render::prometheus::Format;
use smtp_doctor::{Engine, Lang};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

use allow::{allowed, canonical, may_be_allowed, AllowRule};
use http::{answer, header, refuse, Answer};
use limits::{connection_limit, descriptor_budget};
use page::{index, own_metrics, remember};
use probe::probe;
use request::{budget, loopback_host, parse_query, timing_within};

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
                    if let Err(e) = http::reload(&state).await {
                        eprintln!(
                            "smtp-doctor serve: reload failed, the modules in use are kept: {e}"
                        );
                    }
                }
            });
        }
    }
    http::accept_loop(listener, state).await
}
