//! Prometheus exposition of a report (`serve`'s `/probe`): the classic text format 0.0.4, or
//! OpenMetrics 1.0 when the scraper asks for it.
//!
//! Every label value comes from a closed set: finding codes, step names, verdicts, ports, and
//! TLS versions and cipher suites by rustls's IANA names (anything else is `other`). Nothing a
//! server sent reaches a label, so a hostile server cannot inflate the cardinality of a
//! Prometheus database or break the exposition. Values are still escaped as the formats say.

use crate::diagnosis::finding::Layer;
use crate::diagnosis::{FindingCode, Severity, Verdict};
use crate::model::{EndpointObservation, GreetingOutcome, HandshakeOutcome, TlsVersion};
use crate::report::Report;

/// Which exposition format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`, what a plain scrape gets.
    Text,
    /// `application/openmetrics-text; version=1.0.0`, when the Accept header asks for it.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics when it names
    /// `application/openmetrics-text` (with a quality above 0), else the classic text format.
    pub fn from_accept(accept: Option<&str>) -> Format {
        let wants = accept.unwrap_or("").split(',').any(|part| {
            let mut params = part.split(';').map(str::trim);
            let media = params.next().unwrap_or("");
            let refused = params.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
        });
        if wants {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A value that goes up and down.
    Gauge,
    /// A count that only goes up; its samples are `NAME_total`.
    Counter,
    /// A constant 1 whose labels carry the information; its samples are `NAME_info`
    /// (a gauge in the classic format, like blackbox_exporter's `*_info`).
    Info,
}

/// Writes metric families in one format. Families must be declared before their samples, each
/// once (both formats require a family's samples together). Private to this file, so that
/// every series the crate writes is written here.
#[derive(Debug)]
pub(crate) struct Exposition {
    format: Format,
    out: String,
    family: Option<(String, Kind)>,
}

impl Exposition {
    /// An empty exposition.
    pub(crate) fn new(format: Format) -> Exposition {
        Exposition {
            format,
            out: String::new(),
            family: None,
        }
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines. `name` is the base name (without
    /// `_total` or `_info`); `help` is a fixed English sentence.
    pub(crate) fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let sample = sample_name(name, kind);
        let (typed, type_word) = match (self.format, kind) {
            (Format::OpenMetrics, Kind::Counter) => (name.to_string(), "counter"),
            (Format::OpenMetrics, Kind::Info) => (name.to_string(), "info"),
            (Format::Text, Kind::Counter) => (sample.clone(), "counter"),
            (_, Kind::Gauge) | (Format::Text, Kind::Info) => (sample.clone(), "gauge"),
        };
        self.out
            .push_str(&format!("# HELP {typed} {}\n", escape_help(help)));
        self.out.push_str(&format!("# TYPE {typed} {type_word}\n"));
        self.family = Some((name.to_string(), kind));
    }

    /// One sample of the current family.
    pub(crate) fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let Some((name, kind)) = &self.family else {
            return;
        };
        self.out.push_str(&sample_name(name, *kind));
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(&format!("{k}=\"{}\"", escape_label(v)));
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(&number(value));
        self.out.push('\n');
    }

    /// The text; OpenMetrics ends with `# EOF`.
    pub(crate) fn finish(mut self) -> String {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

fn sample_name(name: &str, kind: Kind) -> String {
    match kind {
        Kind::Gauge => name.to_string(),
        Kind::Counter => format!("{name}_total"),
        Kind::Info => format!("{name}_info"),
    }
}

/// A label value as both formats write it: `\`, `"` and line feeds escaped.
pub(crate) fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A sample value: Go's spellings for the special values, the shortest decimal otherwise.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// The step a finding code belongs to, for `smtp_doctor_failure_info{step}`: from the code's
/// layer, the SMTP layer split by where in the dialogue it fails.
pub(crate) fn step_of(code: FindingCode) -> &'static str {
    match code.layer() {
        Layer::Config => "config",
        Layer::Dns => "dns",
        Layer::Tcp => "connect",
        Layer::Smtp => match code {
            FindingCode::SmtpStarttlsMissing => "starttls",
            FindingCode::SmtpEhloRejected | FindingCode::SmtpEhloNameInvalid => "ehlo",
            _ => "greeting",
        },
        Layer::Tls => "tls",
        Layer::Auth => "auth",
        Layer::Send => "send",
        Layer::Domain => "domain",
    }
}

/// The TLS version as a label: the versions rustls negotiates, else `other`.
fn version_label(v: &TlsVersion) -> &str {
    match v {
        TlsVersion::Tls12 | TlsVersion::Tls13 => v.as_str(),
        TlsVersion::Other(_) => "other",
    }
}

/// The cipher suite as a label: one of rustls's IANA names, else `other`.
fn cipher_label(c: &str) -> &str {
    let known = rustls::crypto::ring::ALL_CIPHER_SUITES
        .iter()
        .any(|s| s.suite().as_str() == Some(c));
    if known {
        c
    } else {
        "other"
    }
}

/// The first endpoint of each port, in the report's order (IPv4 first): the one whose steps
/// the per-port series describe. Findings about the other addresses still become
/// `failure_info` (`net.ipv6_broken`).
fn first_per_port(report: &Report) -> Vec<&EndpointObservation> {
    let mut out: Vec<&EndpointObservation> = Vec::new();
    for e in &report.endpoints {
        if !out.iter().any(|o| o.port == e.port) {
            out.push(e);
        }
    }
    out
}

fn greeting_ms(g: &GreetingOutcome) -> f64 {
    match g {
        GreetingOutcome::Ok { ms, .. }
        | GreetingOutcome::Rejected { ms, .. }
        | GreetingOutcome::Closed { ms, .. }
        | GreetingOutcome::NotSmtp { ms, .. } => *ms,
        GreetingOutcome::Silent { waited_ms, .. } => *waited_ms,
    }
}

/// The two series every `/probe` answer starts with, as blackbox_exporter writes them:
/// `probe_success` and `probe_duration_seconds`.
fn probe_outcome(x: &mut Exposition, success: bool, seconds: f64) {
    x.family(
        "probe_success",
        Kind::Gauge,
        "Whether every probed port completed its handshake securely (verdict ok).",
    );
    x.sample(&[], f64::from(u8::from(success)));
    x.family(
        "probe_duration_seconds",
        Kind::Gauge,
        "How long the probe took, in seconds.",
    );
    x.sample(&[], seconds);
}

/// The `/probe` answer for a probe cut off at its budget after `elapsed`: failed, with no
/// finding to name (there is no report to describe).
pub fn timed_out(elapsed: std::time::Duration, format: Format) -> String {
    let mut x = Exposition::new(format);
    probe_outcome(&mut x, false, elapsed.as_secs_f64());
    x.finish()
}

/// The exporter's own state (`serve`'s `/metrics`), read at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExporterState {
    /// Probes running now.
    pub probes_in_flight: u32,
    /// HTTP connections open now.
    pub connections: usize,
    /// Probes finished with verdict ok.
    pub probes_succeeded: u64,
    /// Probes finished with another verdict.
    pub probes_failed: u64,
    /// Probes cut off at their time budget.
    pub probes_timed_out: u64,
    /// Probe requests refused for want of a slot or of open files (503).
    pub refused_busy: u64,
    /// Probe requests refused by `--allow` (403).
    pub refused_forbidden: u64,
    /// Probe requests refused as malformed (400).
    pub refused_bad_request: u64,
    /// Reloads of the modules that worked.
    pub reloads_succeeded: u64,
    /// Reloads of the modules that failed (the modules in use were kept).
    pub reloads_failed: u64,
    /// Whether the last reload worked (true before any).
    pub last_reload_ok: bool,
    /// The `--concurrency` limit.
    pub concurrency: u32,
}

/// The exporter's own series (`serve`'s `/metrics`): `smtp_doctor_exporter_*`.
pub fn exporter(s: &ExporterState, format: Format) -> String {
    let count = |n: u64| n as f64;
    let mut x = Exposition::new(format);
    x.family(
        "smtp_doctor_exporter_probes_in_flight",
        Kind::Gauge,
        "Probes running now.",
    );
    x.sample(&[], f64::from(s.probes_in_flight));
    x.family(
        "smtp_doctor_exporter_connections",
        Kind::Gauge,
        "HTTP connections open now.",
    );
    x.sample(&[], s.connections as f64);
    x.family(
        "smtp_doctor_exporter_probes",
        Kind::Counter,
        "Probes finished, by result (success: verdict ok).",
    );
    x.sample(&[("result", "success")], count(s.probes_succeeded));
    x.sample(&[("result", "failure")], count(s.probes_failed));
    x.sample(&[("result", "timeout")], count(s.probes_timed_out));
    x.family(
        "smtp_doctor_exporter_probes_refused",
        Kind::Counter,
        "Probe requests refused before any connection, by reason.",
    );
    x.sample(&[("reason", "busy")], count(s.refused_busy));
    x.sample(&[("reason", "forbidden")], count(s.refused_forbidden));
    x.sample(&[("reason", "bad_request")], count(s.refused_bad_request));
    x.family(
        "smtp_doctor_exporter_config_reloads",
        Kind::Counter,
        "Reloads of --config (SIGHUP, POST /-/reload), by result.",
    );
    x.sample(&[("result", "success")], count(s.reloads_succeeded));
    x.sample(&[("result", "failure")], count(s.reloads_failed));
    x.family(
        "smtp_doctor_exporter_config_last_reload_successful",
        Kind::Gauge,
        "Whether the last reload of --config worked (1 before any).",
    );
    x.sample(&[], if s.last_reload_ok { 1.0 } else { 0.0 });
    x.family(
        "smtp_doctor_exporter_concurrency_limit",
        Kind::Gauge,
        "The --concurrency limit.",
    );
    x.sample(&[], f64::from(s.concurrency));
    x.finish()
}

/// The `/probe` answer for `report`: `probe_success`, `probe_duration_seconds` and the
/// `smtp_doctor_*` series.
pub fn render(report: &Report, format: Format) -> String {
    let mut x = Exposition::new(format);
    probe_outcome(
        &mut x,
        report.verdict == Verdict::Ok,
        report.elapsed_ms / 1000.0,
    );

    x.family(
        "smtp_doctor_verdict",
        Kind::Gauge,
        "The verdict of the probe: 1 for the current one.",
    );
    for v in [Verdict::Ok, Verdict::Degraded, Verdict::Failed] {
        x.sample(
            &[("verdict", v.as_str())],
            f64::from(u8::from(report.verdict == v)),
        );
    }

    let endpoints = first_per_port(report);
    x.family(
        "smtp_doctor_step_duration_seconds",
        Kind::Gauge,
        "Time spent in each step of the first address of each port, in seconds.",
    );
    x.sample(&[("step", "dns")], report.dns.ms / 1000.0);
    for e in &endpoints {
        let port = e.port.to_string();
        let mut step =
            |name: &str, ms: f64| x.sample(&[("step", name), ("port", &port)], ms / 1000.0);
        step("connect", e.tcp.ms);
        if let Some(smtp) = &e.smtp {
            step("greeting", greeting_ms(&smtp.greeting));
            if let Some(ehlo) = &smtp.ehlo {
                step("ehlo", ehlo.ms);
            }
        }
        if let Some(tls) = &e.tls {
            let ms = match &tls.handshake {
                HandshakeOutcome::Done { ms, .. } | HandshakeOutcome::Failed { ms, .. } => *ms,
            };
            step("tls", ms);
        }
        if let Some(auth) = &e.auth {
            step("auth", auth.ms);
        }
    }

    x.family(
        "smtp_doctor_tls",
        Kind::Info,
        "The TLS version and cipher suite negotiated on each port.",
    );
    for e in &endpoints {
        if let Some(HandshakeOutcome::Done {
            version, cipher, ..
        }) = e.tls.as_ref().map(|t| &t.handshake)
        {
            let port = e.port.to_string();
            x.sample(
                &[
                    ("port", &port),
                    ("version", version_label(version)),
                    ("cipher", cipher_label(cipher)),
                ],
                1.0,
            );
        }
    }

    x.family(
        "smtp_doctor_certificate_not_after_seconds",
        Kind::Gauge,
        "When the certificate each port presented expires, in Unix seconds.",
    );
    for e in &endpoints {
        if let Some(leaf) = e.tls.as_ref().and_then(|t| t.chain.first()) {
            x.sample(&[("port", &e.port.to_string())], leaf.not_after_unix as f64);
        }
    }

    x.family(
        "smtp_doctor_failure",
        Kind::Info,
        "Why the probe failed: one series per error finding (code from the smtp-doctor contract).",
    );
    let mut seen: Vec<(FindingCode, Option<u16>)> = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        if seen.contains(&(f.code, f.port)) {
            continue;
        }
        seen.push((f.code, f.port));
        let port = f.port.map(|p| p.to_string());
        let mut labels = vec![("code", f.code.as_str()), ("step", step_of(f.code))];
        if let Some(port) = &port {
            labels.push(("port", port));
        }
        x.sample(&labels, 1.0);
    }
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_chooses_the_format() {
        assert_eq!(Format::from_accept(None), Format::Text);
        assert_eq!(Format::from_accept(Some("text/plain")), Format::Text);
        let prometheus = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
        assert_eq!(Format::from_accept(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(
            Format::from_accept(Some("application/openmetrics-text;q=0, text/plain")),
            Format::Text
        );
    }

    #[test]
    fn families_are_typed_per_format_and_openmetrics_ends_with_eof() {
        for format in [Format::Text, Format::OpenMetrics] {
            let mut x = Exposition::new(format);
            x.family("a_probes", Kind::Counter, "Probes.");
            x.sample(&[("result", "success")], 3.0);
            x.family("a_build", Kind::Info, "Build.");
            x.sample(&[("v", "1\"\\\n")], 1.0);
            x.family("a_up", Kind::Gauge, "Up.");
            x.sample(&[], f64::INFINITY);
            let text = x.finish();
            let want_types = match format {
                Format::Text => ["# TYPE a_probes_total counter", "# TYPE a_build_info gauge"],
                Format::OpenMetrics => ["# TYPE a_probes counter", "# TYPE a_build info"],
            };
            for t in want_types {
                assert!(text.contains(t), "{format:?}: {t} in\n{text}");
            }
            assert!(
                text.contains("a_probes_total{result=\"success\"} 3\n"),
                "{text}"
            );
            assert!(
                text.contains("a_build_info{v=\"1\\\"\\\\\\n\"} 1\n"),
                "{text}"
            );
            assert!(text.contains("a_up +Inf\n"), "{text}");
            assert_eq!(
                text.ends_with("# EOF\n"),
                format == Format::OpenMetrics,
                "{text}"
            );
        }
    }

    #[test]
    fn the_timed_out_answer_is_failure_and_its_duration() {
        let text = timed_out(std::time::Duration::from_millis(1500), Format::Text);
        assert_eq!(
            text,
            "# HELP probe_success Whether every probed port completed its handshake securely (verdict ok).\n\
             # TYPE probe_success gauge\n\
             probe_success 0\n\
             # HELP probe_duration_seconds How long the probe took, in seconds.\n\
             # TYPE probe_duration_seconds gauge\n\
             probe_duration_seconds 1.5\n"
        );
        let open = timed_out(std::time::Duration::from_millis(250), Format::OpenMetrics);
        assert!(
            open.ends_with("probe_duration_seconds 0.25\n# EOF\n"),
            "{open}"
        );
    }

    #[test]
    fn the_exporter_series_are_its_counters() {
        let s = ExporterState {
            probes_in_flight: 2,
            connections: 3,
            probes_succeeded: 5,
            probes_failed: 7,
            probes_timed_out: 11,
            refused_busy: 13,
            refused_forbidden: 17,
            refused_bad_request: 19,
            reloads_succeeded: 23,
            reloads_failed: 29,
            last_reload_ok: false,
            concurrency: 64,
        };
        let text = exporter(&s, Format::Text);
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            samples,
            [
                "smtp_doctor_exporter_probes_in_flight 2",
                "smtp_doctor_exporter_connections 3",
                "smtp_doctor_exporter_probes_total{result=\"success\"} 5",
                "smtp_doctor_exporter_probes_total{result=\"failure\"} 7",
                "smtp_doctor_exporter_probes_total{result=\"timeout\"} 11",
                "smtp_doctor_exporter_probes_refused_total{reason=\"busy\"} 13",
                "smtp_doctor_exporter_probes_refused_total{reason=\"forbidden\"} 17",
                "smtp_doctor_exporter_probes_refused_total{reason=\"bad_request\"} 19",
                "smtp_doctor_exporter_config_reloads_total{result=\"success\"} 23",
                "smtp_doctor_exporter_config_reloads_total{result=\"failure\"} 29",
                "smtp_doctor_exporter_config_last_reload_successful 0",
                "smtp_doctor_exporter_concurrency_limit 64",
            ]
        );
        let open = exporter(&s, Format::OpenMetrics);
        assert!(
            open.contains("# TYPE smtp_doctor_exporter_probes counter\n"),
            "{open}"
        );
        assert!(open.ends_with("# EOF\n"), "{open}");
    }

    #[test]
    fn every_code_has_a_step_of_the_closed_set() {
        let steps = [
            "config", "dns", "connect", "greeting", "ehlo", "starttls", "tls", "auth", "send",
            "domain",
        ];
        for code in FindingCode::ALL {
            assert!(steps.contains(&step_of(*code)), "{code:?}");
        }
        assert_eq!(step_of(FindingCode::TcpFiltered), "connect");
        assert_eq!(step_of(FindingCode::SmtpStarttlsMissing), "starttls");
        assert_eq!(step_of(FindingCode::SmtpNoGreeting), "greeting");
        assert_eq!(step_of(FindingCode::DnsNxdomain), "dns");
        assert_eq!(step_of(FindingCode::DomainDmarcWillFail), "domain");
    }

    #[test]
    fn tls_labels_come_from_closed_sets() {
        assert_eq!(version_label(&TlsVersion::Tls13), "TLSv1.3");
        assert_eq!(version_label(&TlsVersion::from_code(0x0301)), "other");
        assert_eq!(
            cipher_label("TLS13_AES_128_GCM_SHA256"),
            "TLS13_AES_128_GCM_SHA256"
        );
        assert_eq!(cipher_label("evil\"}\n x 1"), "other");
    }
}
