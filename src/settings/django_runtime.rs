//! Django's effective settings, asked of the project's own Python through
//! [`crate::runner`]: once, bounded in time and output, without smtp-doctor's secrets, and
//! recorded for the report.

use crate::runner::{self, Job, Outcome, RunRecord, RunStatus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The marker before the one JSON line the query prints.
const MARKER: &str = "SMTP_DOCTOR_JSON";

/// The interpreter to run: the first project virtualenv's Python that exists, else `python3`
/// (then `python`) from `PATH`.
pub(super) fn candidates(dir: &Path) -> Vec<PathBuf> {
    let venvs = [
        ".venv/bin/python",
        "venv/bin/python",
        "env/bin/python",
        ".venv/Scripts/python.exe",
        "venv/Scripts/python.exe",
    ];
    match venvs.iter().map(|v| dir.join(v)).find(|p| p.is_file()) {
        Some(venv) => vec![venv],
        None => vec![PathBuf::from("python3"), PathBuf::from("python")],
    }
}

/// What the run answered: the settings when it answered, and its record either way.
pub(super) struct Asked {
    /// The settings Django reports (unset ones left out), when it answered.
    pub(super) settings: Option<BTreeMap<String, String>>,
    /// What ran and how it ended.
    pub(super) record: RunRecord,
}

/// Runs the project's own Python to ask Django for its effective email settings, within
/// `limit`. The interpreter is tried once: the next candidate only when this one does not
/// exist, never after one ran and failed.
pub(super) fn effective_settings(dir: &Path, keys: &[&str], limit: Duration) -> Asked {
    // The keys are our own constants (upper-case names), so they are safe inside the literal.
    debug_assert!(keys
        .iter()
        .all(|k| k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')));
    let keys: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    // The sender settings only when the project sets them: Django's own defaults
    // (webmaster@localhost, root@localhost) are what it sends when the code passes no sender,
    // not a choice of the application's, and checking their domain would fail every project
    // that passes its sender in code.
    let script = format!(
        "import json\nfrom django.conf import settings as s\nkeys=[{}]\nsenders=('DEFAULT_FROM_EMAIL','SERVER_EMAIL')\nprint('{MARKER}'+json.dumps({{k: (getattr(s,k,None) if k not in senders or s.is_overridden(k) else None) for k in keys}}, default=str))",
        keys.join(",")
    );
    let args = ["manage.py", "shell", "-c", script.as_str()];
    let mut last = RunRecord {
        program: "python".into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        outcome: RunStatus::NotFound,
        ms: 0.0,
    };
    for python in candidates(dir) {
        let mut job = Job::new(&python, &args, dir);
        job.limit = limit;
        let started = Instant::now();
        let outcome = runner::run(&job);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let settings = match &outcome {
            Outcome::Exited {
                code: Some(0),
                stdout,
                ..
            } => parse_answer(stdout),
            _ => None,
        };
        let record = RunRecord {
            program: crate::text::escape(python.display().to_string().as_bytes()),
            args: args.iter().map(|a| a.to_string()).collect(),
            outcome: RunStatus::of(&outcome, settings.is_some()),
            ms,
        };
        if outcome != Outcome::NotFound {
            return Asked { settings, record };
        }
        last = record;
    }
    Asked {
        settings: None,
        record: last,
    }
}

/// The settings in the marked JSON line of the query's output.
fn parse_answer(stdout: &[u8]) -> Option<BTreeMap<String, String>> {
    let text = String::from_utf8_lossy(stdout);
    let json = text.lines().find_map(|l| l.strip_prefix(MARKER))?;
    let map = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json).ok()?;
    Some(
        map.into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(b) => if b { "True" } else { "False" }.to_string(),
                    other => other.to_string(),
                };
                (k, s)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_the_marked_line() {
        let out = b"noise\nSMTP_DOCTOR_JSON{\"EMAIL_HOST\": \"h\", \"EMAIL_PORT\": 465, \"EMAIL_USE_SSL\": true, \"EMAIL_TIMEOUT\": null}\n";
        let m = parse_answer(out).unwrap();
        assert_eq!(m["EMAIL_HOST"], "h");
        assert_eq!(m["EMAIL_PORT"], "465");
        assert_eq!(m["EMAIL_USE_SSL"], "True");
        assert!(!m.contains_key("EMAIL_TIMEOUT"));
        assert!(parse_answer(b"SMTP_DOCTOR_JSON{broken").is_none());
    }

    #[test]
    fn every_outcome_is_announced_in_both_languages() {
        use crate::i18n::{project_run, Lang};
        let outcomes = [
            RunStatus::Ok { truncated: false },
            RunStatus::NoAnswer { truncated: true },
            RunStatus::Failed {
                code: Some(1),
                truncated: false,
            },
            RunStatus::Failed {
                code: None,
                truncated: false,
            },
            RunStatus::TimedOut { after_ms: 1500 },
            RunStatus::NotFound,
            RunStatus::SpawnFailed {
                why: "permission denied".into(),
            },
        ];
        for outcome in outcomes {
            let run = RunRecord {
                program: "/p/.venv/bin/python".into(),
                args: vec![
                    "manage.py".into(),
                    "shell".into(),
                    "-c".into(),
                    "a\nb".into(),
                ],
                outcome: outcome.clone(),
                ms: 1234.0,
            };
            let (en, es) = (project_run(Lang::En, &run), project_run(Lang::Es, &run));
            assert!(en.contains("/p/.venv/bin/python") && es.contains("/p/.venv/bin/python"));
            assert_ne!(en, es);
            assert!(
                !es.contains("read as text") && !es.contains("Project code"),
                "{es}"
            );
            match outcome {
                RunStatus::NotFound | RunStatus::SpawnFailed { .. } => {}
                _ => assert!(en.contains("manage.py shell -c …"), "{en}"),
            }
            if let RunStatus::Failed { code: Some(1), .. } = outcome {
                assert!(en.contains("exit status 1") && es.contains("código de salida 1"));
            }
            if let RunStatus::TimedOut { .. } = outcome {
                assert!(en.contains("1.5 s limit"), "{en}");
            }
        }
    }
}
