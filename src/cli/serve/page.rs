//! What people and Prometheus read about the exporter itself: the index page (the modules and
//! the last probes) and `/metrics`.

use super::*;
use smtp_doctor::render::prometheus;
use std::sync::atomic::AtomicU64;

pub(super) fn remember(state: &State, probe: Recent) {
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
pub(super) fn index(state: &State) -> String {
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
            html(&smtp_doctor::rfc3339(p.at_unix)),
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

pub(super) fn own_metrics(state: &State, format: Format) -> String {
    let c = &state.counters;
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let free = state.global.available_permits();
    let now = prometheus::ExporterState {
        probes_in_flight: state
            .concurrency
            .saturating_sub(u32::try_from(free).unwrap_or(u32::MAX)),
        connections: state.connections.count(),
        probes_succeeded: load(&c.success),
        probes_failed: load(&c.failure),
        probes_timed_out: load(&c.timeout),
        refused_busy: load(&c.busy),
        refused_forbidden: load(&c.forbidden),
        refused_bad_request: load(&c.bad_request),
        reloads_succeeded: load(&state.reloads_ok),
        reloads_failed: load(&state.reloads_failed),
        last_reload_ok: state.last_reload_ok.load(Ordering::Relaxed),
        concurrency: state.concurrency,
    };
    prometheus::exporter(&now, format)
}
