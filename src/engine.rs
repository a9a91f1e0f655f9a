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

/// What runs share when there are many (`--targets`): the TLS configuration, the resolvers
/// and the read of the machine's security state, each made once.
#[derive(Debug)]
pub struct Engine {
    tls: TlsContext,
    resolvers: crate::probe::dns::ResolverCache,
    machine: MachineReads,
    greetings: Arc<crate::probe::endpoint::GreetingPace>,
}

impl Engine {
    /// An engine trusting the OS store plus `extra_roots` (DER).
    pub fn new(extra_roots: &[Vec<u8>]) -> Result<Engine, EngineError> {
        Ok(Engine {
            tls: TlsContext::new(extra_roots)?,
            resolvers: Default::default(),
            machine: MachineReads::new(),
            greetings: Default::default(),
        })
    }

    /// Probes everything `plan` names (its `extra_roots` are ignored: the engine's count).
    pub async fn run(&self, plan: Plan) -> Observations {
        run_with(plan, None, self).await
    }

    /// The DNS step of `plan` alone, as [`Engine::run`] would take it.
    pub async fn resolve(&self, plan: &Plan) -> DnsObservation {
        dns::resolve(plan, &self.resolvers).await
    }

    /// Probes `plan` at the addresses of `resolved` (from [`Engine::resolve`]) without asking
    /// DNS again: what was checked is what is dialled (`serve --allow`), a second answer from a
    /// rebinding name cannot come in between.
    pub async fn run_resolved(&self, plan: Plan, resolved: DnsObservation) -> Observations {
        run_with(plan, Some(resolved), self).await
    }
}

/// How long the control connection waits for an SMTP port to answer before it is made.
const CONTROL_AFTER: Duration = Duration::from_millis(100);

async fn run_with(plan: Plan, resolved: Option<DnsObservation>, shared: &Engine) -> Observations {
    let resolvers = &shared.resolvers;
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
        tls: shared.tls.clone(),
        rtt: Default::default(),
        greetings: shared.greetings.clone(),
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
    let security = plan
        .machine_security
        .then(|| MachineSecurity::new(&plan, &dns.addresses, &shared.machine, ctx.rtt.clone()));
    let probes = watching(
        probe_ports(&ctx, &plan.ports, &dns.addresses),
        security.as_ref(),
    );
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
        let fallback = probe_ports(&ctx, &plan.fallback_ports, &dns.addresses);
        endpoints.extend(watching(fallback, security.as_ref()).await);
        ports.extend(plan.fallback_ports.iter().map(|p| p.port));
    }
    // Read by the application's client only: without one, nothing is published.
    if app_client.is_some() {
        verdict.publish(&plan.host.to_string(), &endpoints);
    }
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

/// How long one read of the machine's security state is reused by the runs of an engine after
/// it started. Long enough that the targets of a run that need it at about the same time (a
/// thousand at once, each waiting at most its connect wait for a dropped port) share one read;
/// short enough that a firewall rule added or removed shows in a run started ten seconds later
/// by the same engine (a library user's, or `serve` should it ever read the machine: it does
/// not, a monitoring probe says what it saw), rather than a read being served for ever.
const MACHINE_READ_REUSED: Duration = Duration::from_secs(10);

/// One read of the machine under way: `None` when there is nothing to read (a test root
/// without a fixture).
type ReadFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = Option<crate::probe::security::Snapshot>> + Send>,
>;

/// What starts a read.
type Reader = dyn Fn() -> ReadFuture + Send + Sync;

/// A read's end as the runs waiting for it see it: `None` until it ends, then its answer.
type ReadDone = tokio::sync::watch::Receiver<Option<Option<Arc<crate::probe::security::Snapshot>>>>;

/// The machine's security read, shared by every run of one engine: started by the first run
/// that needs it, awaited by every run that needs it while it is under way, and reused for
/// [`MACHINE_READ_REUSED`] from its start. At concurrency 1,000 against a server whose accept
/// queue overflows, most targets have a connect go unanswered: one read each was a child
/// process, a blocking thread and the whole trust store per target (45–77 MB).
pub(crate) struct MachineReads {
    read: Box<Reader>,
    reused: Duration,
    latest: std::sync::Mutex<Option<MachineRead>>,
}

/// One read, started at `at`: `None` in the channel until it ends.
struct MachineRead {
    at: Instant,
    done: ReadDone,
}

impl std::fmt::Debug for MachineReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MachineReads")
            .field("reused", &self.reused)
            .finish_non_exhaustive()
    }
}

impl MachineReads {
    /// Reads of this machine (or of the test root's fixture).
    fn new() -> MachineReads {
        MachineReads::with(MACHINE_READ_REUSED, || {
            Box::pin(crate::probe::security::for_run())
        })
    }

    /// Reads made by `read`, each reused for `reused`.
    fn with(
        reused: Duration,
        read: impl Fn() -> ReadFuture + Send + Sync + 'static,
    ) -> MachineReads {
        MachineReads {
            read: Box::new(read),
            reused,
            latest: std::sync::Mutex::new(None),
        }
    }

    /// The read under way or still fresh, or a new one started (on its own task, so a run
    /// that stops waiting does not stop it for the others).
    fn start(&self) -> ReadDone {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(read) = latest.as_ref().filter(|r| r.at.elapsed() < self.reused) {
            return read.done.clone();
        }
        let (tell, done) = tokio::sync::watch::channel(None);
        let read = (self.read)();
        tokio::spawn(async move {
            let snapshot = read.await.map(Arc::new);
            let _ = tell.send(Some(snapshot));
        });
        *latest = Some(MachineRead {
            at: Instant::now(),
            done: done.clone(),
        });
        done
    }

    /// The read (started now if none is under way or fresh), once it has ended.
    async fn get(&self) -> Option<Arc<crate::probe::security::Snapshot>> {
        let mut done = self.start();
        let ended = done.wait_for(Option::is_some).await.map(|r| r.clone());
        match ended {
            Ok(read) => read.flatten(),
            // The read's task ended without an answer: it panicked (a bug, already printed).
            Err(_) => panic!("the machine's security read failed"),
        }
    }
}

/// The machine's security state for one run: the shared read started when a connect has gone
/// unanswered past its first attempt (250 ms by default: a port being dropped, so the read is
/// done by the time the port is called filtered), or when the probes end with a port filtered,
/// denied or intercepted; otherwise never. Not on a timer from the run's start: a target whose
/// connects answered but whose dialogue is slow (a busy server, or 200 targets at once on a
/// loaded machine) has nothing in the way, and must not start a process to say so.
struct MachineSecurity<'a> {
    reads: &'a MachineReads,
    rtt: Arc<crate::probe::tcp::RttHint>,
    ask: crate::probe::security::Ask,
}

impl<'a> MachineSecurity<'a> {
    fn new(
        plan: &Plan,
        addresses: &[std::net::IpAddr],
        reads: &'a MachineReads,
        rtt: Arc<crate::probe::tcp::RttHint>,
    ) -> MachineSecurity<'a> {
        let ask = crate::probe::security::Ask {
            ports: plan
                .ports
                .iter()
                .chain(&plan.fallback_ports)
                .map(|p| p.port)
                .collect(),
            addresses: addresses.to_vec(),
        };
        MachineSecurity { reads, rtt, ask }
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
            return None;
        }
        Some(self.reads.get().await?.matched(&self.ask))
    }
}

/// `probes`, with the machine's read started beside them as soon as one of their connects
/// goes unanswered past its first attempt (see [`MachineSecurity`]): polled in the same task,
/// so a run whose connects all answer spawns nothing for it.
async fn watching<T>(
    probes: impl std::future::Future<Output = T>,
    security: Option<&MachineSecurity<'_>>,
) -> T {
    let Some(security) = security else {
        return probes.await;
    };
    tokio::pin!(probes);
    tokio::select! {
        biased;
        done = &mut probes => return done,
        _ = security.rtt.any_unanswered() => {
            security.reads.start();
        }
    }
    probes.await
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

    /// Reads of the machine that count themselves, each reused for `reused`.
    fn counted(reads: &Arc<std::sync::atomic::AtomicUsize>, reused: Duration) -> MachineReads {
        let reads = reads.clone();
        MachineReads::with(reused, move || {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Some(crate::probe::security::Snapshot::default()) })
        })
    }

    /// A plan for `host` on 587 that reads the machine.
    fn plan_for(host: &str) -> Plan {
        let mut plan = Plan::new(host, &[587]).unwrap();
        plan.machine_security = true;
        plan
    }

    /// A dropped port's endpoint.
    fn filtered(plan: &Plan) -> EndpointObservation {
        let address: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        EndpointObservation {
            port: plan.ports[0].port,
            address,
            family: crate::model::Family::of(address),
            security: plan.ports[0].security,
            expected_security: plan.ports[0].security,
            connected_to: None,
            tcp: crate::model::TcpObservation {
                state: TcpState::Filtered,
                ms: 1250.0,
                attempts: 4,
                syns: 6,
                os_error: None,
            },
            smtp: None,
            tls: None,
            auth: None,
            send: None,
            transcript: Vec::new(),
        }
    }

    fn count(reads: &Arc<std::sync::atomic::AtomicUsize>) -> usize {
        reads.load(std::sync::atomic::Ordering::SeqCst)
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
        let machine = counted(&reads, MACHINE_READ_REUSED);
        let plan = plan_for("127.0.0.1");
        let security = MachineSecurity::new(&plan, &[], &machine, rtt);
        // Longer than any connect is left unanswered before the read starts beside it.
        let slow_dialogue = tokio::time::sleep(Duration::from_millis(800));
        watching(slow_dialogue, Some(&security)).await;
        assert_eq!(count(&reads), 0);
        assert!(security.finish(&[], None).await.is_none());
        assert_eq!(count(&reads), 0);
    }

    #[tokio::test]
    async fn the_machine_is_read_beside_a_connect_left_unanswered() {
        // The incident: 587 unanswered past its first attempt. The read starts then, beside the
        // wait, so the verdict does not wait for it afterwards.
        let rtt = Arc::new(crate::probe::tcp::RttHint::default());
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let machine = counted(&reads, MACHINE_READ_REUSED);
        let plan = plan_for("127.0.0.1");
        let security = MachineSecurity::new(&plan, &[], &machine, rtt.clone());
        // The probes: 465 answered (no reason to read), then 587's first attempt had no
        // answer; they end only once the read has started (polled, never timed).
        let probes = async {
            rtt.record(0.1);
            rtt.unanswered();
            let mut polls = 0;
            while count(&reads) == 0 && polls < 1000 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                polls += 1;
            }
        };
        watching(probes, Some(&security)).await;
        assert_eq!(count(&reads), 1);
        // The verdict uses that read, not a second one.
        assert!(security.finish(&[filtered(&plan)], None).await.is_some());
        assert_eq!(count(&reads), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn targets_that_need_the_machine_at_once_share_one_read() {
        // Concurrency 1,000 against a server whose accept queue overflows: most targets have
        // a dropped connect. One read serves them all, each matched for its own ports.
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let machine = Arc::new(counted(&reads, MACHINE_READ_REUSED));
        let mut runs = JoinSet::new();
        for _ in 0..200 {
            let machine = machine.clone();
            runs.spawn(async move {
                let plan = plan_for("127.0.0.1");
                let rtt = Arc::new(crate::probe::tcp::RttHint::default());
                let security = MachineSecurity::new(&plan, &[], &machine, rtt.clone());
                rtt.unanswered();
                watching(tokio::task::yield_now(), Some(&security)).await;
                security.finish(&[filtered(&plan)], None).await
            });
        }
        while let Some(run) = runs.join_next().await {
            assert!(run.unwrap().is_some());
        }
        assert_eq!(count(&reads), 1);
    }

    #[tokio::test]
    async fn a_read_is_not_reused_past_its_time() {
        // An engine kept for long (a library user's) must not serve one read for ever: past the
        // reuse window the next run that needs the machine reads it again.
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let plan = plan_for("127.0.0.1");
        let fresh = counted(&reads, MACHINE_READ_REUSED);
        for _ in 0..3 {
            let security = MachineSecurity::new(&plan, &[], &fresh, Default::default());
            assert!(security.finish(&[filtered(&plan)], None).await.is_some());
        }
        assert_eq!(count(&reads), 1, "within the window: one read");
        let stale = counted(&reads, Duration::ZERO);
        for _ in 0..3 {
            let security = MachineSecurity::new(&plan, &[], &stale, Default::default());
            assert!(security.finish(&[filtered(&plan)], None).await.is_some());
        }
        assert_eq!(count(&reads), 4, "past the window: a read each time");
    }
}
