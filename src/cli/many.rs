//! `check --targets FILE` / `check --mx DOMAIN`: every target probed by one engine, at most
//! `concurrency` at a time, each report written as soon as it is ready.

use super::args::{OutputArgs, ProbeArgs};
use super::config::{self, NetConfig};
use super::output::{self, is_json, options};
use super::usage::usage_error;
use smtp_doctor::{Engine, Plan, Report, Target, Timing, Verdict};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Where the targets come from.
pub(crate) enum Source {
    /// A file of `host[:port]` lines.
    File(PathBuf),
    /// The mail exchangers of a domain, on port 25.
    Mx(String),
}

/// Targets that could not be probed at all, said on stderr and counted as failed.
struct Skipped(Vec<String>);

pub(crate) async fn run(
    source: Source,
    concurrency: usize,
    probe: &ProbeArgs,
    out: &OutputArgs,
) -> ExitCode {
    let net = match NetConfig::from_args(probe) {
        Ok(net) => net,
        Err(e) => return usage_error(e),
    };
    let (list, skipped) = match gather(&source, &net).await {
        Ok(found) => found,
        Err(code) => return code,
    };
    let credentials = match config::login(probe, probe.user.clone(), None) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    // The same sender checked for each target's provider.
    let domain = match config::domain_check(probe, probe.from.as_deref(), "--from") {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let engine = match Engine::new(&net.extra_roots) {
        Ok(e) => Arc::new(e),
        Err(e) => return usage_error(e),
    };
    // Each target's plan is made when its probe starts: a plan is about a kilobyte, so making
    // all of them up front cost that much per target for the whole run (10 MB at 10,000).
    let plan_of = move |t: &Target| -> Result<Plan, String> {
        let ports = t.port.map(|p| vec![p]).unwrap_or_else(|| net.ports.clone());
        let mut plan = net
            .plan(&t.host, &ports)
            .map_err(|e| format!("{}: {e}", t.host))?;
        plan.credentials = credentials.clone();
        plan.domain = domain.clone();
        Ok(plan)
    };
    // The largest plan (most ports) sizes the open-files budget.
    let widest = match list
        .iter()
        .max_by_key(|t| if t.port.is_some() { 1 } else { 2 })
    {
        Some(t) => match plan_of(t) {
            Ok(plan) => plan,
            Err(e) => return usage_error(e),
        },
        None => return usage_error("no targets"),
    };
    let concurrency =
        within_open_file_limit(concurrency, std::slice::from_ref(&widest), list.len());
    drop(widest);
    probe_all(list, plan_of, skipped, engine, concurrency, out).await
}

/// The targets to probe, and those that cannot be (named on stderr as they are found).
async fn gather(source: &Source, net: &NetConfig) -> Result<(Vec<Target>, Skipped), ExitCode> {
    match source {
        Source::File(path) => {
            let text = smtp_doctor::read_text(path, smtp_doctor::FileKind::Targets)
                .map_err(usage_error)?;
            let list = smtp_doctor::parse_targets(&text, &path.display().to_string())
                .map_err(usage_error)?;
            if list.is_empty() {
                return Err(usage_error(format!("{}: no targets", path.display())));
            }
            Ok((list, Skipped(Vec::new())))
        }
        Source::Mx(domain) => {
            let domain = smtp_doctor::validate_host(domain)
                .map_err(usage_error)?
                .to_string();
            let timing = Timing::new(net.timeout);
            let answer = smtp_doctor::mx_hosts(&domain, net.dns_server(), timing.dns)
                .await
                .map_err(|e| {
                    eprintln!("smtp-doctor: cannot look up the MX of {domain}: {e}");
                    ExitCode::from(1)
                })?;
            let mut skipped = Vec::new();
            for name in &answer.unusable {
                eprintln!("smtp-doctor: {domain}: the MX record names \"{name}\", which is not a host name; it is counted as failed");
                skipped.push(name.clone());
            }
            if answer.hosts.is_empty() {
                let why = if answer.null_mx {
                    "publishes a null MX (RFC 7505): it accepts no mail".to_string()
                } else if skipped.is_empty() {
                    "has no MX record".to_string()
                } else {
                    "has no MX record that names a host".to_string()
                };
                eprintln!("smtp-doctor: {domain} {why}");
                return Err(ExitCode::from(1));
            }
            let list = answer
                .hosts
                .into_iter()
                .map(|(_, host)| Target {
                    host: host.to_string(),
                    port: Some(25),
                })
                .collect();
            Ok((list, Skipped(skipped)))
        }
    }
}

/// `wanted` targets at once, or fewer when this process may not open enough sockets for them
/// (each target opens up to (ports × addresses + the control port) × attempts at once): running out would make
/// probes fail for a reason that is not the network. The soft limit is raised first.
fn within_open_file_limit(wanted: usize, plans: &[Plan], targets: usize) -> usize {
    let Some(limit) = raise_open_file_limit() else {
        return wanted;
    };
    let per_target = plans
        .iter()
        .map(|p| {
            let connects = p.ports.len() * 2 + usize::from(p.control_port.is_some());
            connects * p.timing.connect_attempts.len().max(1) + 2
        })
        .max()
        .unwrap_or(1) as u64;
    let room = (limit.saturating_sub(48) / per_target).max(1);
    let fits = usize::try_from(room).unwrap_or(usize::MAX);
    if fits < wanted && fits < targets {
        output::note(&format!(
            "smtp-doctor: probing {fits} targets at once (not {wanted}): the open-files limit is {limit} (ulimit -n)\n"
        ));
        return fits;
    }
    wanted
}

/// Raises the soft limit of open files towards the hard one; the soft limit that holds after.
#[cfg(unix)]
pub(crate) fn raise_open_file_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    let current = now.current?;
    let hard = now.maximum.unwrap_or(u64::MAX);
    // macOS refuses more than OPEN_MAX (10240) whatever the hard limit says; Linux refuses more
    // than fs.nr_open, so a very large hard limit is tried lower too.
    for want in [hard, 65_536, 10_240] {
        if want <= current || want > hard {
            continue;
        }
        let raised = Rlimit {
            current: Some(want),
            maximum: now.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return Some(want);
        }
    }
    Some(current)
}

#[cfg(not(unix))]
pub(crate) fn raise_open_file_limit() -> Option<u64> {
    None
}

#[derive(Default)]
struct Tally {
    done: usize,
    ok: usize,
    degraded: usize,
    failed: usize,
}

impl Tally {
    fn count(&mut self, verdict: Verdict) {
        self.done += 1;
        match verdict {
            Verdict::Ok => self.ok += 1,
            Verdict::Degraded => self.degraded += 1,
            Verdict::Failed => self.failed += 1,
        }
    }
}

async fn probe_all(
    list: Vec<Target>,
    plan_of: impl Fn(&Target) -> Result<Plan, String>,
    skipped: Skipped,
    engine: Arc<Engine>,
    concurrency: usize,
    out: &OutputArgs,
) -> ExitCode {
    let opts = Arc::new(options(out));
    let json = is_json(out);
    let total = list.len() + skipped.0.len();
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    // At most `concurrency` probes exist at a time, each spawned when a slot frees: a probe's
    // future is allocated whole when spawned (several KB), so spawning every target up front
    // and gating them on a semaphore cost that much per target for the whole run.
    let mut waiting = list.iter();
    let mut tasks = JoinSet::new();
    let spawn_next = |tasks: &mut JoinSet<Report>,
                      waiting: &mut std::slice::Iter<Target>|
     -> Result<(), ExitCode> {
        let Some(target) = waiting.next() else {
            return Ok(());
        };
        // The file's hosts and ports were checked when it was read; this is a bug if
        // reached, and is still said rather than dropped.
        let plan = plan_of(target).map_err(usage_error)?;
        let (engine, opts) = (engine.clone(), opts.clone());
        tasks.spawn(async move {
            let obs = engine.run(plan).await;
            let d = smtp_doctor::diagnose(&obs, &opts);
            Report::new("check", obs, d, &opts)
        });
        Ok(())
    };
    for _ in 0..concurrency.max(1) {
        if let Err(code) = spawn_next(&mut tasks, &mut waiting) {
            return code;
        }
    }
    let mut stdout = std::io::stdout().lock();
    // Targets that could not be probed get their line too, first, with the reason.
    for name in &skipped.0 {
        let line = skipped_line(name, json);
        if writeln!(stdout, "{line}").is_err() {
            return ExitCode::from(output::CLOSED_PIPE);
        }
    }
    // Each report is serialised into this one buffer, reused, and written from it: a String
    // per report grew through several sizes (about 10 KB each) before being copied out.
    let mut line = Vec::with_capacity(16 << 10);
    let mut tally = Tally {
        failed: skipped.0.len(),
        done: skipped.0.len(),
        ..Tally::default()
    };
    while let Some(joined) = tasks.join_next().await {
        let report = match joined {
            Ok(report) => report,
            // A probe that panicked is a bug: say it loudly, never drop the target unseen.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        if let Err(code) = spawn_next(&mut tasks, &mut waiting) {
            return code;
        }
        tally.count(report.verdict);
        if progress {
            output::note("\r\x1b[2K");
        }
        line.clear();
        if json {
            // Serialising a Report into memory cannot fail; a failure would write an empty
            // line, as before.
            if serde_json::to_writer(&mut line, &report).is_err() {
                line.clear();
            }
        } else {
            line.extend_from_slice(summary_line(&report).as_bytes());
        }
        line.push(b'\n');
        if stdout.write_all(&line).is_err() {
            return ExitCode::from(output::CLOSED_PIPE); // a closed pipe: stop quietly
        }
        if progress {
            let _ = stdout.flush();
            output::note(&format!(
                "[{}/{total}] {:.1} s",
                tally.done,
                started.elapsed().as_secs_f64()
            ));
        }
    }
    if progress {
        output::note("\r\x1b[2K");
    }
    if !json {
        let _ = writeln!(
            stdout,
            "{total} targets: {} ok, {} degraded, {} failed · {:.2} s",
            tally.ok,
            tally.degraded,
            tally.failed,
            started.elapsed().as_secs_f64()
        );
    }
    let _ = stdout.flush();
    ExitCode::from(u8::from(tally.ok != total))
}

/// The line of a target that could not be probed: an MX record that names no host.
fn skipped_line(name: &str, json: bool) -> String {
    let why = "the MX record does not name a host";
    let name = name.strip_suffix('.').unwrap_or(name);
    if json {
        serde_json::json!({ "host": name, "verdict": "failed", "cause": null, "error": why })
            .to_string()
    } else {
        format!("✗ {name}:25  failed  {why}")
    }
}

/// One target in one line: mark, host:ports, verdict, cause, time.
fn summary_line(report: &Report) -> String {
    let ports: Vec<String> = report.ports.iter().map(|p| p.to_string()).collect();
    let mark = if report.verdict == Verdict::Ok {
        "✓"
    } else {
        "✗"
    };
    let cause = report.cause.map(|c| c.as_str()).unwrap_or("");
    format!(
        "{mark} {}:{}  {}  {}  {:.0} ms",
        report.host,
        ports.join(","),
        report.verdict.as_str(),
        cause,
        report.elapsed_ms
    )
}
