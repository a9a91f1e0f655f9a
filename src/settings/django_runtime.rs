//! Django's effective settings, asked of the project's own Python through
//! [`crate::runner`]: once, bounded in time and output, without smtp-doctor's secrets, and
//! recorded for the report. The same process then runs Django's own client when preflight
//! asks for it ([`crate::runner::Session`]): the project's Python starts once.

use crate::runner::{self, Job, Outcome, RunRecord, RunStatus, Session, Started};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// The process, still running and waiting for smtp-doctor's word, when it answered.
    pub(super) session: Option<Arc<Session>>,
}

/// The most the session's process may live (the settings' limit and the client's are enforced
/// by the two waits; this is the backstop).
const SESSION_BACKSTOP: Duration = Duration::from_secs(120);

/// Starts the project's Python with smtp-doctor's fixed script (isolated mode, its inputs out
/// of the environment before `manage.py` runs), which prints Django's effective email settings
/// (`keys`) and then waits; waits for them within `limit`. The interpreter is tried once: the
/// next candidate only when this one does not exist, never after one ran and failed.
pub(super) fn effective_settings(dir: &Path, keys: &[&str], limit: Duration) -> Asked {
    // The keys are our own constants (upper-case names).
    debug_assert!(keys
        .iter()
        .all(|k| k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')));
    // What manage.py is asked to run, as the report shows it.
    let shown = ["manage.py", "shell", "-c", QUERY_SHOWN];
    let args: Vec<String> = shown.iter().map(|a| a.to_string()).collect();
    let mut last = RunRecord {
        program: "python".into(),
        args: args.clone(),
        outcome: RunStatus::NotFound,
        ms: 0.0,
    };
    for python in candidates(dir) {
        let mut job = Job::new(
            &python,
            &["-I", "-c", crate::probe::app_client::PYTHON],
            dir,
        );
        job.env = vec![
            ("SMTP_DOCTOR_APP_MODE".into(), "django".into()),
            ("SMTP_DOCTOR_APP_KEYS".into(), keys.join(",").into()),
        ];
        job.deny = crate::probe::app_client::DENY
            .iter()
            .map(OsString::from)
            .collect();
        job.limit = limit + SESSION_BACKSTOP;
        let started = Instant::now();
        let record = |outcome: &Outcome, answered: bool| RunRecord {
            program: crate::printable::escape(python.display().to_string().as_bytes()),
            args: args.clone(),
            outcome: RunStatus::of(outcome, answered),
            ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        let answered = Outcome::Exited {
            code: Some(0),
            stdout: Vec::new(),
            stderr: Vec::new(),
            truncated: false,
        };
        let outcome = match runner::start_session(job, MARKER, limit) {
            Started::Ready(session, line) => match parse_answer(&line) {
                Some(settings) => {
                    return Asked {
                        settings: Some(settings),
                        record: RunRecord {
                            ms: session.ready_ms,
                            ..record(&answered, true)
                        },
                        session: Some(Arc::new(session)),
                    }
                }
                // A marked line that does not read: no answer (and the process is stopped).
                None => answered,
            },
            Started::Ended(outcome) => outcome,
        };
        let record = record(&outcome, false);
        if outcome != Outcome::NotFound {
            return Asked {
                settings: None,
                record,
                session: None,
            };
        }
        last = record;
    }
    Asked {
        settings: None,
        record: last,
        session: None,
    }
}

/// The query as the report shows it (the script itself is smtp-doctor's fixed one).
const QUERY_SHOWN: &str = "print(the email settings)";

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
