//! `/probe`: the query read, the allow-list applied before and after DNS, the limits taken,
//! the check run within its budget, and its report rendered.

use super::*;
use smtp_doctor::model::DnsObservation;
use smtp_doctor::render::prometheus;
use smtp_doctor::{Options, Plan, Report, Timing, Verdict};

/// The most addresses of one target probed (per family): a name with many A records must not
/// take a probe past its share of the open-files limit.
const MAX_ADDRESSES_PER_FAMILY: usize = 4;

/// The most sockets a probe of `ports` ports at `addresses` addresses opens at once: each
/// connect has its attempts in flight, plus the control connection and a margin.
pub(super) fn descriptors_needed(ports: usize, addresses: usize) -> usize {
    let attempts = Timing::default().connect_attempts.len().max(1);
    (ports * addresses.max(1) + 1) * attempts + 2
}

/// At most [`MAX_ADDRESSES_PER_FAMILY`] addresses of each family, in the resolver's order.
pub(super) fn bound_addresses(dns: &mut DnsObservation) {
    let (mut v4, mut v6) = (0, 0);
    dns.addresses.retain(|a| {
        let n = if a.is_ipv4() { &mut v4 } else { &mut v6 };
        *n += 1;
        *n <= MAX_ADDRESSES_PER_FAMILY
    });
}

pub(super) async fn probe(state: &State, req: &Request<Incoming>) -> Answer {
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
            smtp_doctor::escape(module_name.as_bytes()),
            names.join(", ")
        ));
    };
    let ports: Vec<u16> = match query.port {
        Some(p) => vec![p],
        None => module.ports.clone(),
    };
    let mut plan = match state.net.plan_for(query.host.clone(), &ports) {
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
    plan.domain = module.domain.clone();
    // A monitoring probe says what it saw; reading this machine's firewall on every scrape
    // of a dropped target would cost a child process each time.
    plan.machine_security = false;
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
            let format = Format::from_accept(header(req, "accept"));
            return answer(
                StatusCode::OK,
                format.content_type(),
                prometheus::timed_out(started.elapsed(), format),
            );
        }
    };
    let opts = Options {
        lang: state.lang,
        ..Default::default()
    };
    let diagnosis = smtp_doctor::diagnose(&observations, &opts);
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

/// Why a probe was refused after its target was resolved, before any connection.
enum Refused {
    /// Not in `--allow`: 403.
    Forbidden(String),
    /// No open files to spare: 503.
    Busy(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn a_name_with_many_addresses_is_probed_at_four_of_each_family() {
        let mut dns = DnsObservation {
            host: smtp_doctor::model::Host::parse("many.test").unwrap(),
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
