//! The run: plan → DNS → every endpoint probed concurrently → observations.

use crate::model::{
    CertificateNameCheck, ControlObservation, DnsObservation, EndpointObservation, Observations,
    SecurityObservation, TcpState, Verification,
};
use crate::plan::Plan;
use crate::probe::endpoint::{self, ProbeContext, SessionRole};
use crate::probe::{dns, tls::TlsContext};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::task::JoinSet;

pub use crate::probe::tls::TlsSetupError as EngineError;

/// Probes everything the plan names. Network trouble never makes this fail: it becomes an
/// observation. Only a TLS set-up that cannot be built (a broken `--ca-file`) is an error.
pub async fn run(plan: Plan) -> Result<Observations, EngineError> {
    let engine = Engine::new(&plan.extra_roots)?;
    Ok(engine.run(plan).await)
}

/// What runs share when there are many (`--targets`): the TLS configuration and the
/// resolvers, each built once.
#[derive(Debug)]
pub struct Engine {
    tls: TlsContext,
    resolvers: crate::probe::dns::ResolverCache,
}

impl Engine {
    /// An engine trusting the OS store plus `extra_roots` (DER).
    pub fn new(extra_roots: &[Vec<u8>]) -> Result<Engine, EngineError> {
        Ok(Engine {
            tls: TlsContext::new(extra_roots)?,
            resolvers: Default::default(),
        })
    }

    /// Probes everything `plan` names (its `extra_roots` are ignored: the engine's count).
    pub async fn run(&self, plan: Plan) -> Observations {
        run_with(plan, None, self.tls.clone(), &self.resolvers).await
    }

    /// The DNS step of `plan` alone, as [`Engine::run`] would take it.
    pub async fn resolve(&self, plan: &Plan) -> DnsObservation {
        dns::resolve(plan, &self.resolvers).await
    }

    /// Probes `plan` at the addresses of `resolved` (from [`Engine::resolve`]) without asking
    /// DNS again: what was checked is what is dialled (`serve --allow`), a second answer from a
    /// rebinding name cannot come in between.
    pub async fn run_resolved(&self, plan: Plan, resolved: DnsObservation) -> Observations {
        run_with(plan, Some(resolved), self.tls.clone(), &self.resolvers).await
    }
}

/// How long the control connection waits for an SMTP port to answer before it is made.
const CONTROL_AFTER: Duration = Duration::from_millis(100);

async fn run_with(
    plan: Plan,
    resolved: Option<DnsObservation>,
    tls: TlsContext,
    resolvers: &crate::probe::dns::ResolverCache,
) -> Observations {
    let started = Instant::now();
    let observed_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // The application's own client runs beside the probe (a child process: a blocking task);
    // its login waits for what the probe verified, published below.
    let verdict = Arc::new(crate::probe::app_client::ProbeVerdict::default());
    let app_client = plan.app_client.clone().map(|step| {
        let verdict = verdict.clone();
        tokio::task::spawn_blocking(move || crate::probe::app_client::run(&step, verdict))
    });
    let plan = Arc::new(plan);
    // A DNS step taken before the run still counts in its wall-clock time.
    let earlier_ms = resolved.as_ref().map_or(0.0, |d| d.ms);
    let dns = match resolved {
        Some(dns) => dns,
        None => dns::resolve(&plan, resolvers).await,
    };
    let ctx = ProbeContext {
        plan: plan.clone(),
        tls,
        rtt: Default::default(),
    };
    // The sender's domain, beside the probes (DNS only, the plan's resolver).
    let domain = plan.domain.clone().map(|check| {
        let lookups = crate::probe::domain::Dns {
            resolver: resolvers.get(plan.dns_server, plan.timing.dns).ok(),
            timeout: plan.timing.dns,
            overrides: plan.resolve.clone(),
            // Three query timeouts in all: sequential includes share them.
            deadline: Instant::now() + plan.timing.dns * 3,
        };
        let host = plan.host.clone();
        let reached = dns.addresses.first().copied();
        tokio::spawn(crate::probe::domain::check(lookups, check, host, reached))
    });
    let probes = probe_ports(&ctx, &plan.ports, &dns.addresses);
    let security = plan
        .machine_security
        .then(|| MachineSecurity::start(&plan, &dns.addresses, ctx.rtt.clone()));
    // The control connection, beside the probes (a connect only, closed at once). It tells
    // something only when no SMTP port answers, so it waits CONTROL_AFTER first and is not
    // made at all once a port has connected: a healthy check (and each of 10,000 targets)
    // does not pay for it. Its connect wait is shortened by the same delay, so it still ends
    // with the probes' own.
    let control = plan
        .control_port
        .zip(dns.addresses.first().copied())
        .map(|(port, address)| {
            let target = plan.connect_target(address, port);
            let mut timing = plan.timing.clone();
            timing.connect_wait = timing.connect_wait.saturating_sub(CONTROL_AFTER);
            let rtt = ctx.rtt.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = rtt.any_connected() => return None,
                    _ = tokio::time::sleep(CONTROL_AFTER) => {}
                }
                let (tcp, _stream) = crate::probe::tcp::connect(target, &timing, &rtt).await;
                Some(ControlObservation { address, port, tcp })
            })
        });
    let mut endpoints = probes.await;
    let mut ports: Vec<u16> = plan.ports.iter().map(|p| p.port).collect();
    // The provider's extra submission port (2525), only when no port asked for connects.
    let none_connects = endpoints.iter().all(|e| e.tcp.state != TcpState::Open);
    if none_connects && !plan.fallback_ports.is_empty() && !dns.addresses.is_empty() {
        endpoints.extend(probe_ports(&ctx, &plan.fallback_ports, &dns.addresses).await);
        ports.extend(plan.fallback_ports.iter().map(|p| p.port));
    }
    verdict.publish(&plan.host.to_string(), &endpoints);
    // Only a host whose every SMTP port was dropped is judged by the control connection:
    // otherwise it is not waited for (a refused port answers at once; 443 may be dropped).
    let control_matters = endpoints.iter().all(|e| e.tcp.state == TcpState::Filtered);
    let control = match control {
        Some(task) if control_matters => task.await.ok().flatten(),
        Some(task) => {
            task.abort();
            None
        }
        None => None,
    };

    let certificate_name = certificate_name(&plan, &endpoints, resolvers).await;
    let domain = match domain {
        Some(task) => match task.await {
            Ok(observed) => observed,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("the domain task was cancelled: {e}"),
        },
        None => None,
    };
    let app_client = match app_client {
        Some(mut task) => {
            // When the configured port did not connect for the probe, the verdict is already
            // decided: the client can only add a warning (it connects where the probe did
            // not). It is waited for as long as its own connect may take from the probe's
            // start, plus a grace, and then only if it said it connected; else its failure is
            // the finding and it is waited for to its end.
            let bound = configured_closed(&plan, &endpoints).then(|| {
                plan.timing.connect_wait.saturating_sub(started.elapsed()) + APP_CLIENT_GRACE
            });
            let joined = match bound {
                Some(bound) => tokio::time::timeout(bound, &mut task).await.ok(),
                None => Some((&mut task).await),
            };
            let joined = match joined {
                Some(joined) => joined,
                // It connected where the probe did not: its answer is the warning, on its way.
                None if verdict.client_connected() => task.await,
                None => {
                    verdict.stop();
                    let after_ms = bound.unwrap_or_default().as_millis() as u64;
                    task.await.map(|o| not_waited(o, after_ms))
                }
            };
            match joined {
                Ok(observed) => Some(observed),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("the app-client task was cancelled: {e}"),
            }
        }
        None => None,
    };
    let security = match security {
        Some(s) => s.finish(&endpoints, app_client.as_ref()).await,
        None => None,
    };
    Observations {
        host: plan.host.clone(),
        ports,
        dns,
        endpoints,
        elapsed_ms: earlier_ms + started.elapsed().as_secs_f64() * 1000.0,
        observed_at_unix: observed_at,
        os: crate::model::Os::current(),
        certificate_name,
        app_client,
        environment: crate::probe::environment::detect(),
        control,
        credential_lints: plan
            .credentials
            .as_ref()
            .map(|c| {
                crate::knowledge::providers::credential_lints(
                    &plan.host,
                    &c.user,
                    c.secret.expose(),
                )
            })
            .unwrap_or_default(),
        security,
        domain,
    }
}

/// The machine's security queries, beside the probes: started when a connect has gone
/// unanswered past its first attempt (250 ms by default: a port being dropped, so the read is
/// done by the time the port is called filtered), or at once when the probes end with a port
/// filtered, denied or intercepted; otherwise never. Not on a timer from the run's start: a
/// target whose connects answered but whose dialogue is slow (a busy server, or 200 targets at
/// once on a loaded machine) has nothing in the way, and must not start a process to say so.
struct MachineSecurity {
    now: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<Option<SecurityObservation>>,
}

impl MachineSecurity {
    fn start(
        plan: &Plan,
        addresses: &[std::net::IpAddr],
        rtt: Arc<crate::probe::tcp::RttHint>,
    ) -> MachineSecurity {
        let ask = crate::probe::security::Ask {
            ports: plan
                .ports
                .iter()
                .chain(&plan.fallback_ports)
                .map(|p| p.port)
                .collect(),
            addresses: addresses.to_vec(),
        };
        Self::start_with(rtt, crate::probe::security::for_run(ask))
    }

    /// Starts `read` when its time comes (see [`MachineSecurity`]).
    fn start_with(
        rtt: Arc<crate::probe::tcp::RttHint>,
        read: impl std::future::Future<Output = Option<SecurityObservation>> + Send + 'static,
    ) -> MachineSecurity {
        let now = Arc::new(tokio::sync::Notify::new());
        let signal = now.clone();
        let task = tokio::spawn(async move {
            tokio::select! {
                _ = rtt.any_unanswered() => {}
                _ = signal.notified() => {}
            }
            read.await
        });
        MachineSecurity { now, task }
    }

    /// The observation when a port was filtered, denied or intercepted; `None` otherwise.
    async fn finish(
        self,
        endpoints: &[EndpointObservation],
        app: Option<&crate::model::AppClientObservation>,
    ) -> Option<SecurityObservation> {
        use crate::model::AppErrorKind as K;
        let app_blocked = app.and_then(|a| a.error.as_ref()).is_some_and(|e| {
            matches!(e.kind, K::Timeout | K::Refused | K::Unreachable | K::Denied)
        });
        let in_the_way = app_blocked
            || endpoints.iter().any(|e| {
                matches!(e.tcp.state, TcpState::Filtered | TcpState::Denied)
                    || e.tls.as_ref().is_some_and(|t| t.interception.is_some())
            });
        if !in_the_way {
            self.task.abort();
            return None;
        }
        self.now.notify_one();
        match self.task.await {
            Ok(obs) => obs,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => None,
        }
    }
}

/// How long the application's client is still waited for, beyond its own connect wait from the
/// probe's start, when the configured port did not connect for the probe (its start-up).
const APP_CLIENT_GRACE: Duration = Duration::from_millis(400);

/// Whether the probe found the port the application's client uses closed at TCP on every
/// address (dropped, refused, unreachable, denied).
fn configured_closed(plan: &Plan, endpoints: &[EndpointObservation]) -> bool {
    let Some(crate::plan::AppClientStep::Run(client)) = &plan.app_client else {
        return false;
    };
    let mut on_port = endpoints
        .iter()
        .filter(|e| e.port == client.port)
        .peekable();
    on_port.peek().is_some() && on_port.all(|e| e.tcp.state != TcpState::Open)
}

/// The client's observation when it was stopped before it answered (what it finished with
/// still shows, as an answer it gave in time).
fn not_waited(
    observed: crate::model::AppClientObservation,
    after_ms: u64,
) -> crate::model::AppClientObservation {
    use crate::model::{AppOutcome, SkipReason};
    let stopped = matches!(
        observed.reason,
        Some(SkipReason::NoAnswer {
            run: crate::runner::RunStatus::TimedOut { .. }
        })
    );
    if observed.outcome != AppOutcome::Skipped || !stopped {
        return observed;
    }
    let mut o = crate::model::AppClientObservation::skipped(
        observed.client,
        SkipReason::NotWaited { after_ms },
    );
    o.program = observed.program;
    o.ran = observed.ran;
    o.ms = observed.ms;
    o
}

/// Every (port, address) of `ports` probed concurrently; the results in plan order.
fn probe_ports(
    ctx: &ProbeContext,
    ports: &[crate::plan::PortPlan],
    addresses: &[std::net::IpAddr],
) -> impl std::future::Future<Output = Vec<EndpointObservation>> {
    let plan = &ctx.plan;
    let mut tasks = JoinSet::new();
    let mut index = 0usize;
    for port in ports {
        for (i, &address) in addresses.iter().enumerate() {
            let ctx = ctx.clone();
            let port = *port;
            let slot = index;
            // One login per port and one test message in all: the first address only, so a
            // dual-stack host is not asked to authenticate four times.
            let role = SessionRole {
                auth: i == 0 && plan.credentials.is_some(),
                send: i == 0 && plan.send.is_some() && plan.send_port == Some(port.port),
            };
            tasks.spawn(async move { (slot, endpoint::probe(&ctx, address, port, role).await) });
            index += 1;
        }
    }
    in_order(tasks, index)
}

/// On a name mismatch, the certificate's first name that may be suggested instead of the
/// configured host (a DNS name in the same registrable domain), resolved the way the host was,
/// so the fix names it only when it leads to a server that answered.
async fn certificate_name(
    plan: &Plan,
    endpoints: &[EndpointObservation],
    resolvers: &crate::probe::dns::ResolverCache,
) -> Option<CertificateNameCheck> {
    let candidate = endpoints
        .iter()
        .filter_map(|e| match &e.tls.as_ref()?.verification {
            Some(Verification::NameMismatch { presented, .. }) => Some(presented),
            _ => None,
        })
        .flatten()
        .find_map(|name| plan.host.alternative_within_domain(name))?;
    let mut lookup = plan.clone();
    lookup.host = candidate.clone();
    let addresses = dns::resolve(&lookup, resolvers).await.addresses;
    let answered = endpoints
        .iter()
        .any(|e| e.tcp.state == TcpState::Open && addresses.contains(&e.address));
    Some(CertificateNameCheck {
        name: candidate.to_string(),
        addresses,
        answered,
    })
}

/// The results of `n` tasks numbered `0..n`, in that order. A task that panicked is a bug in a
/// probe: the panic goes on (to the CLI's one-line error) rather than the endpoint silently
/// missing from the report.
async fn in_order<T: 'static>(mut tasks: JoinSet<(usize, T)>, n: usize) -> Vec<T> {
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((slot, value)) => slots[slot] = Some(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a probe task was cancelled: {e}"),
        }
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn results_come_back_in_plan_order() {
        let mut tasks = JoinSet::new();
        for i in 0..5usize {
            tasks.spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(10 * (5 - i as u64))).await;
                (i, i * 10)
            });
        }
        assert_eq!(in_order(tasks, 5).await, vec![0, 10, 20, 30, 40]);
    }

    #[tokio::test]
    #[should_panic(expected = "probe bug")]
    async fn a_panicking_probe_is_not_dropped_silently() {
        let mut tasks = JoinSet::new();
        tasks.spawn(async { (0usize, 1) });
        tasks.spawn(async {
            if true {
                panic!("probe bug");
            }
            (1usize, 2)
        });
        let _ = in_order(tasks, 2).await;
    }

    /// A reader of the machine that counts its reads.
    fn counted(
        reads: &Arc<std::sync::atomic::AtomicUsize>,
    ) -> impl std::future::Future<Output = Option<SecurityObservation>> + Send + 'static {
        let reads = reads.clone();
        async move {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            None
        }
    }

    #[tokio::test]
    async fn the_machine_is_not_read_while_every_connect_answers() {
        // A healthy target on a loaded machine (10,000 targets, 200 at once): its connect
        // answered at once, its dialogue takes longer than a connect is left unanswered before
        // the read starts. Nothing is in the way: reading the firewall (a process) and the
        // trust store for each such target cost 2 ms of CPU and a thread each.
        let rtt = Arc::new(crate::probe::tcp::RttHint::default());
        rtt.record(0.1);
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let security = MachineSecurity::start_with(rtt, counted(&reads));
        // Longer than any connect is left unanswered before the read starts beside it.
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert!(security.finish(&[], None).await.is_none());
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn the_machine_is_read_beside_a_connect_left_unanswered() {
        // The incident: 587 unanswered past its first attempt. The read starts then, beside the
        // wait, so the verdict does not wait for it afterwards.
        let rtt = Arc::new(crate::probe::tcp::RttHint::default());
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let _security = MachineSecurity::start_with(rtt.clone(), counted(&reads));
        rtt.record(0.1); // 465 answered: no reason to read
        rtt.unanswered(); // 587's first attempt had no answer: its second starts
                          // Read without waiting for the probes' end (polled, never timed).
        let mut polls = 0;
        while reads.load(std::sync::atomic::Ordering::SeqCst) == 0 && polls < 1000 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            polls += 1;
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
