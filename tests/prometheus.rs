//! `serve`'s Prometheus series replayed on every recorded observation
//! (tests/fixtures/observations): each error finding becomes its `smtp_doctor_failure_info`
//! series, every line is well-formed exposition, and every label value is from a closed set.

mod support;

use smtp_doctor::model::Observations;
use smtp_doctor::render::prometheus::{render, Format};
use smtp_doctor::testing::step_of;
use smtp_doctor::{Lang, Report, Severity, Verdict};

fn fixtures() -> Vec<(String, Report)> {
    let dir = format!("{}/tests/fixtures/observations", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let obs: Observations = serde_json::from_str(&text).unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            out.push((name, support::report_of(obs, Lang::En)));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 30, "fixtures found: {}", out.len());
    out
}

/// One sample line split into name, labels and value; panics on anything malformed.
fn parse_sample(line: &str) -> (String, Vec<(String, String)>, f64) {
    let (series, value) = line.rsplit_once(' ').expect(line);
    let value: f64 = match value {
        "+Inf" => f64::INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("value of {line:?}")),
    };
    let (name, labels) = match series.split_once('{') {
        Some((n, rest)) => (n, rest.strip_suffix('}').expect(line)),
        None => (series, ""),
    };
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "{line:?}"
    );
    let mut out = Vec::new();
    for pair in labels.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').expect(line);
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .expect(line);
        assert!(
            !v.contains(['"', '\\', '\n']),
            "closed-set values need no escape: {line:?}"
        );
        out.push((k.to_string(), v.to_string()));
    }
    (name.to_string(), out, value)
}

fn closed_set(key: &str, value: &str) -> bool {
    let steps = [
        "config", "dns", "connect", "greeting", "ehlo", "starttls", "tls", "auth", "send",
    ];
    match key {
        "code" => smtp_doctor::FindingCode::ALL
            .iter()
            .any(|c| c.as_str() == value),
        "step" => steps.contains(&value),
        "port" => value.parse::<u16>().is_ok_and(|p| p > 0),
        "verdict" => ["ok", "degraded", "failed"].contains(&value),
        "version" => ["TLSv1.3", "TLSv1.2", "other"].contains(&value),
        "cipher" => value == "other" || value.starts_with("TLS"),
        _ => false,
    }
}

#[test]
fn every_error_finding_of_every_fixture_is_a_failure_series() {
    let mut codes_seen = std::collections::BTreeSet::new();
    for (name, report) in fixtures() {
        let text = render(&report, Format::Text);
        let samples: Vec<_> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(parse_sample)
            .collect();
        for (metric, labels, _) in &samples {
            for (k, v) in labels {
                assert!(closed_set(k, v), "{name}: {metric} {k}={v:?}");
            }
        }
        let value = |metric: &str, want: &[(&str, &str)]| -> Option<f64> {
            samples
                .iter()
                .find(|(m, labels, _)| {
                    m == metric
                        && labels.len() == want.len()
                        && want
                            .iter()
                            .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
                })
                .map(|s| s.2)
        };
        let ok = report.verdict == Verdict::Ok;
        assert_eq!(
            value("probe_success", &[]),
            Some(f64::from(u8::from(ok))),
            "{name}"
        );
        assert_eq!(
            value(
                "smtp_doctor_verdict",
                &[("verdict", report.verdict.as_str())]
            ),
            Some(1.0),
            "{name}"
        );
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        for f in &errors {
            let port = f.port.map(|p| p.to_string());
            let mut want = vec![("code", f.code.as_str()), ("step", step_of(f.code))];
            if let Some(p) = &port {
                want.push(("port", p));
            }
            assert_eq!(
                value("smtp_doctor_failure_info", &want),
                Some(1.0),
                "{name}: {want:?} in\n{text}"
            );
            codes_seen.insert(f.code.as_str());
        }
        let failures = samples
            .iter()
            .filter(|s| s.0 == "smtp_doctor_failure_info")
            .count();
        assert!(
            failures <= errors.len(),
            "{name}: no series without an error finding"
        );
        assert_eq!(failures == 0, errors.is_empty(), "{name}");
        // Unique series: the exposition would be rejected otherwise.
        let mut keys: Vec<_> = samples
            .iter()
            .map(|(m, l, _)| format!("{m}{l:?}"))
            .collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "{name}: duplicate series in\n{text}");
    }
    // The fixtures cover the failures a scrape must name.
    for code in [
        "tcp.filtered",
        "tcp.refused",
        "dns.nxdomain",
        "tls.cert_expired",
        "smtp.no_greeting",
    ] {
        assert!(
            codes_seen.contains(code),
            "{code} not covered: {codes_seen:?}"
        );
    }
}

#[test]
fn the_origin_incident_says_587_is_dropped_and_465_speaks_tls() {
    let report = fixtures()
        .into_iter()
        .find(|(n, _)| n == "the_origin_incident_587_dropped_465_working")
        .unwrap()
        .1;
    let text = render(&report, Format::Text);
    for line in [
        "probe_success 0\n",
        "smtp_doctor_verdict{verdict=\"degraded\"} 1\n",
        "smtp_doctor_failure_info{code=\"tcp.filtered\",step=\"connect\",port=\"587\"} 1\n",
        "# TYPE smtp_doctor_failure_info gauge\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(
        text.contains("smtp_doctor_tls_info{port=\"465\",version=\"TLSv1.3\",cipher=\"TLS13_"),
        "{text}"
    );
    assert!(
        text.contains("smtp_doctor_certificate_not_after_seconds{port=\"465\"} "),
        "{text}"
    );
    assert!(
        text.contains("smtp_doctor_step_duration_seconds{step=\"connect\",port=\"587\"} "),
        "{text}"
    );
    assert!(!text.contains("# EOF"));
    let om = render(&report, Format::OpenMetrics);
    assert!(
        om.ends_with("# EOF\n") && om.contains("# TYPE smtp_doctor_failure info\n"),
        "{om}"
    );
}
