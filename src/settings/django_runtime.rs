//! Django's effective settings, asked of the project's own Python through
//! [`crate::runner`]: once, bounded in time and output, without smtp-doctor's secrets, and
//! recorded for the report. The same process then runs Django's own client when preflight
//! asks for it ([`DjangoSession`]): the project's Python starts once.

use crate::runner::{self, Answerer, Job, Outcome, RunRecord, RunStatus};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
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
    pub(super) session: Option<Arc<DjangoSession>>,
}

/// What the project's Python tells the thread that runs it.
enum Event {
    /// The marked settings line.
    Settings(Vec<u8>),
    /// The run ended.
    Ended(Outcome),
}

/// What the application's client sends on: the line of its inputs (`go {…}`) and what answers
/// its questions from then on.
struct Resume {
    line: Vec<u8>,
    answer: Answerer,
}

/// The project's Python, started once: it printed Django's effective settings and waits for
/// smtp-doctor's word on its stdin, to run Django's own client in the same process (its inputs,
/// the password among them, only in that word) or to exit. Dropped, it is told to exit and
/// stopped with everything it started.
pub struct DjangoSession {
    /// The interpreter that runs.
    pub(crate) program: PathBuf,
    /// How long it took to start and read the settings, in milliseconds.
    pub(crate) ready_ms: f64,
    go: Mutex<Option<mpsc::Sender<Resume>>>,
    events: Mutex<mpsc::Receiver<Event>>,
    stop: Arc<AtomicBool>,
    /// Whether its end was seen.
    ended: AtomicBool,
}

impl std::fmt::Debug for DjangoSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DjangoSession")
            .field("program", &self.program)
            .finish_non_exhaustive()
    }
}

impl DjangoSession {
    /// Sends `line` (the client's inputs) and from then on answers its questions with
    /// `answer`; then waits for the run's end, stopping it when `stopped` says so or at
    /// `limit`. `None` when the session was already used or had ended.
    pub(crate) fn resume(
        &self,
        line: Vec<u8>,
        answer: Answerer,
        limit: Duration,
        stopped: &dyn Fn() -> bool,
    ) -> Option<Outcome> {
        let go = self.go.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        go.send(Resume { line, answer }).ok()?;
        drop(go);
        let until = Instant::now() + limit;
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match events.recv_timeout(Duration::from_millis(5)) {
                Ok(Event::Ended(outcome)) => {
                    self.ended.store(true, Ordering::Release);
                    return Some(outcome);
                }
                Ok(Event::Settings(_)) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.ended.store(true, Ordering::Release);
                    return None;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if Instant::now() >= until {
                        self.stop.store(true, Ordering::Release);
                        let _ = wait_end(&events);
                        self.ended.store(true, Ordering::Release);
                        return Some(Outcome::TimedOut { after: limit });
                    }
                    if stopped() {
                        self.stop.store(true, Ordering::Release);
                    }
                }
            }
        }
    }
}

impl Drop for DjangoSession {
    fn drop(&mut self) {
        // Told to exit (its word is `quit`), and stopped: nothing it started outlives the run.
        drop(self.go.lock().unwrap_or_else(|e| e.into_inner()).take());
        self.stop.store(true, Ordering::Release);
        if !self.ended.load(Ordering::Acquire) {
            let _ = wait_end(&self.events.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }
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
        let started = Instant::now();
        let (tx, events) = mpsc::channel::<Event>();
        let (go_tx, go_rx) = mpsc::channel::<Resume>();
        let stop = Arc::new(AtomicBool::new(false));
        let answer = session_answerer(tx.clone(), go_rx);
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
        job.answer = Some(answer);
        job.stop = Some(stop.clone());
        std::thread::spawn(move || {
            let outcome = runner::run(&job);
            drop(job);
            let _ = tx.send(Event::Ended(outcome));
        });
        let record = |outcome: &Outcome, answered: bool| RunRecord {
            program: crate::text::escape(python.display().to_string().as_bytes()),
            args: args.clone(),
            outcome: RunStatus::of(outcome, answered),
            ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        let event = events.recv_timeout(limit);
        let outcome = match event {
            Ok(Event::Settings(line)) => {
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let session = Arc::new(DjangoSession {
                    program: python.clone(),
                    ready_ms: ms,
                    go: Mutex::new(Some(go_tx)),
                    events: Mutex::new(events),
                    stop,
                    ended: AtomicBool::new(false),
                });
                if let Some(settings) = parse_answer(&line) {
                    let ok = Outcome::Exited {
                        code: Some(0),
                        stdout: Vec::new(),
                        stderr: Vec::new(),
                        truncated: false,
                    };
                    return Asked {
                        settings: Some(settings),
                        record: RunRecord {
                            ms,
                            ..record(&ok, true)
                        },
                        session: Some(session),
                    };
                }
                drop(session);
                Outcome::Exited {
                    code: Some(0),
                    stdout: Vec::new(),
                    stderr: Vec::new(),
                    truncated: false,
                }
            }
            Ok(Event::Ended(outcome)) => outcome,
            Err(_) => {
                // Not answered within the limit: stopped with everything it started.
                stop.store(true, Ordering::Release);
                drop(go_tx);
                let _ = wait_end(&events);
                Outcome::TimedOut { after: limit }
            }
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

/// Waits for the run's end (bounded).
fn wait_end(events: &mpsc::Receiver<Event>) -> Option<Outcome> {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        match events.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Event::Ended(outcome)) => return Some(outcome),
            Ok(Event::Settings(_)) => continue,
            Err(_) => return None,
        }
    }
}

/// Answers the session's output: the settings line goes to smtp-doctor, and the script's
/// stdin gets smtp-doctor's word once it is given (`go {…}`, or `quit` when none will come);
/// after `go`, every line goes to the client's own answerer (its login question).
fn session_answerer(tx: mpsc::Sender<Event>, go: mpsc::Receiver<Resume>) -> Answerer {
    let tx = Mutex::new(tx);
    let go = Mutex::new(go);
    let client: Mutex<Option<Answerer>> = Mutex::new(None);
    Answerer(Arc::new(move |line: &[u8]| {
        if let Some(answer) = client.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return (answer.0)(line);
        }
        if !line.starts_with(MARKER.as_bytes()) {
            return None;
        }
        let _ = tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(Event::Settings(line.to_vec()));
        // The script waits on its stdin for this word: so may its output's reader.
        let next = go.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match next {
            Ok(resume) => {
                *client.lock().unwrap_or_else(|e| e.into_inner()) = Some(resume.answer);
                Some(resume.line)
            }
            Err(_) => Some(b"quit\n".to_vec()),
        }
    }))
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
