//! What people and Prometheus read about the exporter itself: the index page (the modules and
//! the last probes) and `/metrics`.

use super::*;
use smtp_doctor::render::prometheus::{Exposition, Kind};
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

pub(super) fn own_metrics(state: &State, format: Format) -> String {
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
