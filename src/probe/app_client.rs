//! The application's own SMTP client, run in its own runtime through [`crate::runner`]: one
//! fixed script per runtime (`app_client.py`, `app_client.js`), its inputs in environment
//! variables (never in code or argv), its one marked JSON line read back, every string in it
//! masked, escaped and bounded.
//!
//! Its login is gated: the script wraps the client's own login (`smtplib.SMTP.login`, which
//! Django's backend calls too; nodemailer's `SMTPConnection.prototype.login`) and, before it,
//! prints a marked question with the host, the port, whether the socket is TLS and the SHA-256
//! of the server's leaf certificate, and waits for the answer on its stdin. smtp-doctor answers
//! `go` only when its own probe, running at the same time, verified TLS for that host and port
//! and saw that same certificate (or with `--insecure-auth`); else `stop KIND`, and the login is
//! a skipped step with its reason. The two stay parallel: only the login waits for the probe.

use super::app_failure;
use crate::model::{
    AppClientKind, AppClientObservation, AppError, AppErrorKind, AppOutcome, AppStep, AppTimings,
    EndpointObservation, SkipReason, SkippedStep, StepSkip, StepTiming, TimedStep,
};
use crate::plan::{AppClientPlan, AppClientStep};
use crate::runner::{self, Answerer, Job, Outcome, RunStatus};
use serde::Deserialize;
use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The Python client (Django's `get_connection()`, or `smtplib` as Flask-Mail uses it); in a
/// Django project it also reads the settings (a [`runner::Session`]).
pub(crate) const PYTHON: &str = include_str!("app_client.py");
/// The Node.js client (nodemailer's `verify()`).
const NODE: &str = include_str!("app_client.js");
/// The marker before the one JSON line the scripts print.
const MARKER: &str = "SMTP_DOCTOR_APP_JSON";
/// The marker before the question the scripts ask before the client's login.
const ASK: &str = "SMTP_DOCTOR_APP_LOGIN";
/// The line the scripts print when the client's TCP connect succeeded.
const CONNECTED: &str = "SMTP_DOCTOR_APP_CONNECTED";
/// The most characters kept of any string the child reports.
const FIELD_CAP: usize = 2000;
/// The most paths kept of what the child ran.
const RAN_CAP: usize = 64;
/// Node.js flags read from the user's `NODE_OPTIONS` and passed on the command line: the trust
/// store the application's runtime would use. Nothing else of `NODE_OPTIONS` is honoured.
const NODE_TRUST_FLAGS: [&str; 3] = ["--use-openssl-ca", "--use-system-ca", "--use-bundled-ca"];
/// Variables of code that would load before the script's own: never passed on.
pub(crate) const DENY: [&str; 4] = ["NODE_OPTIONS", "NODE_PATH", "PYTHONPATH", "PYTHONSTARTUP"];

/// What smtp-doctor's own probe verified, published by the engine when its probes end; the
/// app client's login waits for it (bounded).
#[derive(Debug, Default)]
pub(crate) struct ProbeVerdict {
    seen: Mutex<Option<Verified>>,
    ready: Condvar,
    /// Set when the client's answer is no longer wanted: its run is stopped.
    stop: Arc<AtomicBool>,
    /// Set when the client said its TCP connect succeeded: its answer is then on its way.
    connected: AtomicBool,
}

/// The host the probe tested, and per port the leaf certificates (SHA-256, hex) of the
/// connections whose TLS verified.
#[derive(Debug, Clone, Default)]
struct Verified {
    host: String,
    ports: Vec<(u16, String)>,
}

impl ProbeVerdict {
    /// Publishes what the probe saw (once; a later call changes nothing).
    pub(crate) fn publish(&self, host: &str, endpoints: &[EndpointObservation]) {
        let ports = endpoints
            .iter()
            .filter_map(|e| {
                let tls = e.tls.as_ref().filter(|t| t.is_secure())?;
                Some((e.port, tls.chain.first()?.sha256.to_ascii_lowercase()))
            })
            .collect();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.is_none() {
            *seen = Some(Verified {
                host: host.to_string(),
                ports,
            });
        }
        self.ready.notify_all();
    }

    /// Whether the client said it connected to the server.
    pub(crate) fn client_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// Stops the client's run (it is killed with everything it started).
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    fn wait(&self, until: Instant) -> Option<Verified> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(v) = seen.as_ref() {
                return Some(v.clone());
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            seen = self
                .ready
                .wait_timeout(seen, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The question the script asks before the client's login.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct LoginQuestion {
    host: Option<String>,
    port: Option<u16>,
    tls: bool,
    sha256: Option<String>,
}

/// Whether the client may log in: `Ok` only over TLS to the server smtp-doctor's probe verified
/// for the same host and port, with the same leaf certificate (or with `--insecure-auth`).
fn decide(
    q: &LoginQuestion,
    plan: &AppClientPlan,
    verdict: &ProbeVerdict,
    until: Instant,
) -> Result<(), StepSkip> {
    if plan.insecure_auth {
        return Ok(());
    }
    if !q.tls {
        return Err(StepSkip::NotEncrypted);
    }
    let same_host = |h: &str| {
        let norm = |s: &str| {
            s.trim_end_matches('.')
                .trim_matches(['[', ']'])
                .to_ascii_lowercase()
        };
        norm(h) == norm(&plan.host)
    };
    if !q.host.as_deref().is_some_and(same_host) || q.port != Some(plan.port) {
        return Err(StepSkip::OtherServer);
    }
    let seen = verdict.wait(until).ok_or(StepSkip::NoVerdict)?;
    if !same_host(&seen.host) {
        return Err(StepSkip::OtherServer);
    }
    let verified: Vec<&str> = seen
        .ports
        .iter()
        .filter(|(port, _)| *port == plan.port)
        .map(|(_, sha)| sha.as_str())
        .collect();
    if verified.is_empty() {
        return Err(StepSkip::NotVerified);
    }
    let sha = q.sha256.as_deref().map(str::to_ascii_lowercase);
    match sha {
        Some(sha) if verified.contains(&sha.as_str()) => Ok(()),
        _ => Err(StepSkip::OtherCertificate),
    }
}

/// Runs the step (blocking: it waits for a child process). `verdict` is where smtp-doctor's
/// own probe publishes what it verified.
pub(crate) fn run(step: &AppClientStep, verdict: Arc<ProbeVerdict>) -> AppClientObservation {
    match step {
        AppClientStep::Skip(client, reason) => {
            AppClientObservation::skipped(*client, reason.clone())
        }
        AppClientStep::Run(plan) => run_plan(plan, verdict),
    }
}

/// The arguments: Python in isolated mode (`-I`: no current folder on `sys.path`, no
/// `PYTHON*` variables, no user site), the script itself running Django's `manage.py` after it
/// has taken its inputs out of the environment; Node with only the trust flags of the user's
/// `NODE_OPTIONS`.
fn arguments(client: AppClientKind) -> Vec<String> {
    match client {
        AppClientKind::Django | AppClientKind::Smtplib => {
            vec!["-I".into(), "-c".into(), PYTHON.into()]
        }
        AppClientKind::Nodemailer => {
            let options = std::env::var("NODE_OPTIONS").unwrap_or_default();
            let mut args: Vec<String> = NODE_TRUST_FLAGS
                .iter()
                .filter(|f| options.split_whitespace().any(|o| o == **f))
                .map(|f| f.to_string())
                .collect();
            args.extend(["-e".into(), NODE.into()]);
            args
        }
    }
}

fn run_plan(plan: &AppClientPlan, verdict: Arc<ProbeVerdict>) -> AppClientObservation {
    let started = Instant::now();
    let args = arguments(plan.client);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // The probe's verdict is waited for at most until shortly before the child's own limit.
    let until = started + plan.limit.saturating_sub(Duration::from_millis(1500));
    // Every answer smtp-doctor gave to a login question: go, or a stop and why.
    let answers: Arc<Mutex<Vec<Result<(), StepSkip>>>> = Arc::default();
    let answerer = {
        let (plan, answers, verdict) = (plan.clone(), answers.clone(), verdict.clone());
        Answerer(Arc::new(move |line: &[u8]| {
            let line = String::from_utf8_lossy(line);
            if line == CONNECTED {
                verdict.connected.store(true, Ordering::Release);
                return None;
            }
            let q = line.strip_prefix(ASK)?;
            let q: LoginQuestion = serde_json::from_str(q).unwrap_or_default();
            let decided = decide(&q, &plan, &verdict, until);
            answers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(decided);
            Some(match decided {
                Ok(()) => b"go\n".to_vec(),
                Err(kind) => {
                    let word = serde_json::to_string(&kind).unwrap_or_default();
                    format!("stop {}\n", word.trim_matches('"')).into_bytes()
                }
            })
        }))
    };
    let mut last = Outcome::NotFound;
    let mut ran = None;
    let mut startup = None;
    if let Some(session) = plan
        .session
        .as_ref()
        .filter(|_| plan.client == AppClientKind::Django)
    {
        // The project's Python that read the settings, waiting: it runs the client now, its
        // inputs (the password among them) in smtp-doctor's word on its stdin.
        let inputs: serde_json::Map<String, serde_json::Value> = environment(plan)
            .into_iter()
            .map(|(k, v)| {
                let v = v.to_string_lossy().into_owned();
                (
                    k.to_string_lossy().into_owned(),
                    serde_json::Value::String(v),
                )
            })
            .collect();
        let line = format!("go {}\n", serde_json::Value::Object(inputs)).into_bytes();
        let stop = verdict.stop.clone();
        let stopped = move || stop.load(Ordering::Acquire);
        last = session
            .resume(line, answerer.clone(), plan.limit, &stopped)
            .unwrap_or(Outcome::Exited {
                code: None,
                stdout: Vec::new(),
                stderr: Vec::new(),
                truncated: false,
            });
        ran = Some(&session.program);
        startup = Some(session.ready_ms);
    }
    for program in plan.programs.iter().filter(|_| ran.is_none()) {
        let mut job = Job::new(program, &args, &plan.dir);
        job.env = environment(plan);
        // Code that would load before the script's own: never honoured.
        job.deny = DENY.iter().map(OsString::from).collect();
        job.limit = plan.limit;
        job.answer = Some(answerer.clone());
        job.stop = Some(verdict.stop.clone());
        last = runner::run(&job);
        if last != Outcome::NotFound {
            ran = Some(program);
            break;
        }
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let client = Some(plan.client);
    let Some(program) = ran else {
        let program = plan
            .programs
            .first()
            .map(|p| crate::printable::escape(p.display().to_string().as_bytes()))
            .unwrap_or_default();
        return AppClientObservation::skipped(client, SkipReason::RuntimeMissing { program });
    };
    let program = crate::printable::escape(program.display().to_string().as_bytes());
    let mut started_paths = vec![program.clone()];
    if plan.client == AppClientKind::Django {
        started_paths.push(crate::printable::escape(
            plan.dir.join("manage.py").display().to_string().as_bytes(),
        ));
    }
    let answer = match &last {
        Outcome::Exited { stdout, .. } => parse(stdout),
        _ => None,
    };
    let Some(answer) = answer else {
        let mut o = AppClientObservation::skipped(
            client,
            SkipReason::NoAnswer {
                run: RunStatus::of(&last, false),
            },
        );
        o.program = Some(program);
        o.ran = started_paths;
        o.ms = ms;
        return o;
    };
    let answers = answers.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let client_ms = answer.ms;
    let mut o = answer.into_observation(plan, &answers);
    o.program = o.program.or(Some(program));
    if o.ran.is_empty() {
        o.ran = started_paths;
    }
    o.ms = ms;
    // Start-up is what the run took beyond the client's own calls (the interpreter, the
    // project's imports, the exit); in a Django project, what reading the settings took, in
    // the same process.
    o.timings.startup_ms = startup.or_else(|| {
        client_ms
            .filter(|c| c.is_finite() && (0.0..=ms).contains(c))
            .map(|c| ((ms - c) * 10.0).round() / 10.0)
    });
    o
}

/// The child's inputs: the settings for smtplib and nodemailer (Django reads its own), the
/// envelope with `--send-to`, the waits, and the password for its login (for Django, only the
/// one given to smtp-doctor, used when Django's settings hold none).
fn environment(plan: &AppClientPlan) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(String, String)> = vec![
        ("MODE".into(), mode(plan.client).into()),
        (
            "CONNECT".into(),
            format!("{:.3}", plan.connect_wait.as_secs_f64()),
        ),
        ("STEP".into(), format!("{:.3}", plan.step.as_secs_f64())),
    ];
    // The probe's wait for a dropped port starts now; the child's connect starts only after
    // its runtime has started (Node 0.1-0.3 s, Django's settings already read). Its wait ends
    // when the probe's does, as wall-clock time (the child's clock is the same), but is never
    // shorter than the floor, which outlasts the kernel's first SYN retransmission: a dropped
    // port costs the client what it costs the probe, not its start-up on top.
    if plan.connect_floor < plan.connect_wait {
        let by = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            + plan.connect_wait;
        env.push(("CONNECT_BY".into(), format!("{:.3}", by.as_secs_f64())));
        env.push((
            "CONNECT_FLOOR".into(),
            format!("{:.3}", plan.connect_floor.as_secs_f64()),
        ));
    }
    if plan.client != AppClientKind::Django {
        env.push(("HOST".into(), plan.host.clone()));
        env.push(("PORT".into(), plan.port.to_string()));
        env.push(("SECURITY".into(), security(plan.security).into()));
        if let Some(t) = plan.timeout {
            env.push(("TIMEOUT".into(), t.to_string()));
        }
        if let Some(user) = &plan.user {
            env.push(("USER".into(), user.clone()));
        }
    }
    if let Some(password) = &plan.password {
        env.push(("PASSWORD".into(), password.expose().to_string()));
    }
    if let Some(send) = &plan.send {
        env.push(("FROM".into(), send.from.to_string()));
        env.push(("TO".into(), send.to.to_string()));
    }
    env.into_iter()
        .map(|(k, v)| (format!("SMTP_DOCTOR_APP_{k}").into(), v.into()))
        .collect()
}

fn mode(client: AppClientKind) -> &'static str {
    match client {
        AppClientKind::Django => "django",
        AppClientKind::Smtplib => "smtplib",
        AppClientKind::Nodemailer => "nodemailer",
    }
}

fn security(security: crate::model::Security) -> &'static str {
    match security {
        crate::model::Security::Plain => "plain",
        crate::model::Security::Starttls => "starttls",
        crate::model::Security::ImplicitTls => "implicit_tls",
    }
}

/// The child's answer, as printed (every string still untrusted).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Answer {
    outcome: Option<String>,
    program: Option<String>,
    version: Option<String>,
    tls_library: Option<String>,
    library_version: Option<String>,
    ehlo_name: Option<String>,
    trust_store: Vec<String>,
    trusted_roots: Option<u32>,
    verifies_certificates: Option<bool>,
    tls_minimum: Option<String>,
    proxies: Vec<String>,
    backend: Option<String>,
    missing: Option<String>,
    error: Option<AnswerError>,
    /// Steps the client left out for lack of what the application has at run time.
    skipped: Vec<String>,
    ran: Vec<String>,
    /// How long the client's own calls took, in milliseconds (start-up excluded).
    ms: Option<f64>,
    /// Each timed step.
    steps: Vec<AnswerStep>,
}

/// A step the child timed.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AnswerStep {
    step: String,
    ms: f64,
}

/// The most timed steps kept.
const STEPS_CAP: usize = 16;

/// The steps the child timed that smtp-doctor knows, each a finite duration.
fn timed_steps(steps: &[AnswerStep]) -> Vec<StepTiming> {
    steps
        .iter()
        .filter_map(|s| {
            let step = match s.step.as_str() {
                "connect" => TimedStep::Connect,
                "tls" => TimedStep::Tls,
                "verdict_wait" => TimedStep::VerdictWait,
                "login" => TimedStep::Login,
                "send" => TimedStep::Send,
                _ => return None,
            };
            (s.ms.is_finite() && s.ms >= 0.0).then_some(StepTiming { step, ms: s.ms })
        })
        .take(STEPS_CAP)
        .collect()
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AnswerError {
    /// Python's exception type; nodemailer's is written here, from the facts.
    error_type: String,
    message: String,
    smtp_code: Option<u16>,
    stage: Option<String>,
    /// The raw facts of the failure, which [`app_failure`] classifies.
    facts: serde_json::Value,
}

/// Every form in which a client sends one of `plan`'s secrets, or a runtime prints it back:
/// raw, PLAIN's, LOGIN's and XOAUTH2's base64 (padded or not, standard or URL-safe), hex,
/// percent-encoded, and as Python prints it inside `bytes` and `str` (`\t`, `\xc3\xa9`).
fn secret_forms(plan: &AppClientPlan) -> Vec<String> {
    use base64::prelude::{Engine, BASE64_STANDARD};
    let user = plan.user.as_deref().unwrap_or("");
    let mut forms = Vec::new();
    for secret in plan.mask.iter().chain(plan.password.as_ref()) {
        let secret = secret.expose();
        if secret.is_empty() {
            continue;
        }
        forms.extend(super::auth::echo_forms(user, secret));
        // Python escapes a quote only when it delimits the repr: both ways.
        for quote in [true, false] {
            forms.push(python_bytes_repr(secret.as_bytes(), quote));
            forms.push(python_str_repr(secret, quote));
        }
    }
    if !forms.is_empty() && !user.is_empty() {
        // AUTH LOGIN's first answer.
        let b64 = BASE64_STANDARD.encode(user);
        forms.push(b64.trim_end_matches('=').to_string());
        forms.push(b64);
    }
    // The longest first: a form inside another is replaced with it.
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

/// `s` as Python shows it inside `b'…'` (`quote`: its `'` escaped, as when `'` delimits it).
fn python_bytes_repr(s: &[u8], quote: bool) -> String {
    s.iter()
        .map(|&b| match b {
            b'\t' => "\\t".to_string(),
            b'\n' => "\\n".to_string(),
            b'\r' => "\\r".to_string(),
            b'\\' => "\\\\".to_string(),
            b'\'' if quote => "\\'".to_string(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

/// `s` as Python shows it inside `'…'` (printable characters as they are; `quote` as above).
fn python_str_repr(s: &str, quote: bool) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => "\\t".to_string(),
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            '\\' => "\\\\".to_string(),
            '\'' if quote => "\\'".to_string(),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Masked first (the whole text, before any cut or escape can split or change a secret),
/// then cut to [`FIELD_CAP`] characters and escaped.
fn clean(forms: &[String], s: &str) -> String {
    let masked = super::wire::redact(s, forms);
    let cut: String = masked.chars().take(FIELD_CAP).collect();
    crate::printable::escape(cut.as_bytes())
}

impl Answer {
    /// `answers`: what smtp-doctor answered to each login question the child asked.
    fn into_observation(
        self,
        plan: &AppClientPlan,
        answers: &[Result<(), StepSkip>],
    ) -> AppClientObservation {
        let client = Some(plan.client);
        let forms = secret_forms(plan);
        let clean = |s: &str| clean(&forms, s);
        let clean_opt = |s: Option<String>| s.map(|s| clean(&s));
        let reason = match (self.outcome.as_deref(), self.backend, self.missing) {
            (Some("skipped"), Some(backend), _) => Some(SkipReason::NotSmtpBackend {
                backend: clean(&backend),
            }),
            (Some("skipped"), _, Some(library)) => Some(SkipReason::LibraryMissing {
                library: clean(&library),
            }),
            _ => None,
        };
        // A stop is what smtp-doctor answered, never what the child claims.
        let stopped = answers.iter().find_map(|a| a.err());
        let outcome = match (self.outcome.as_deref(), &reason, stopped) {
            (_, Some(_), _) => AppOutcome::Skipped,
            (Some("stopped"), None, Some(_)) => AppOutcome::Ok,
            (Some("ok"), None, _) => AppOutcome::Ok,
            _ => AppOutcome::Failed,
        };
        let mut skipped_steps = Vec::new();
        if let (AppOutcome::Ok, Some("stopped"), Some(kind)) =
            (outcome, self.outcome.as_deref(), stopped)
        {
            skipped_steps.push(SkippedStep {
                step: AppStep::Login,
                kind,
            });
        }
        // What the child says it left out: only the reasons that are its to give, and only when
        // no login question reached smtp-doctor (a question means a gated login was under way,
        // which no claim of the child's may hide).
        if outcome == AppOutcome::Ok && answers.is_empty() {
            for s in &self.skipped {
                let step = match s.as_str() {
                    "login" => SkippedStep {
                        step: AppStep::Login,
                        kind: StepSkip::NoPassword,
                    },
                    "login_not_gated" => SkippedStep {
                        step: AppStep::Login,
                        kind: StepSkip::NotGated,
                    },
                    _ => continue,
                };
                if !skipped_steps.contains(&step) {
                    skipped_steps.push(step);
                }
            }
        }
        if plan.send.is_some() && skipped_steps.iter().any(|s| s.step == AppStep::Login) {
            skipped_steps.push(SkippedStep {
                step: AppStep::Send,
                kind: StepSkip::LoginSkipped,
            });
        }
        let error = match (outcome, self.error) {
            (AppOutcome::Failed, Some(e)) => {
                let facts =
                    app_failure::Facts::read(plan.client.runtime(), &e.facts, e.stage.as_deref());
                let error_type = match &facts {
                    app_failure::Facts::Node(node) => node.error_type(),
                    app_failure::Facts::Python(..) => e.error_type,
                };
                Some(AppError {
                    kind: app_failure::classify(&facts),
                    error_type: clean(&error_type),
                    message: clean(&e.message),
                    smtp_code: e.smtp_code,
                    stage: clean_opt(e.stage),
                })
            }
            (AppOutcome::Failed, None) => Some(AppError {
                kind: AppErrorKind::Other,
                error_type: String::new(),
                message: String::new(),
                smtp_code: None,
                stage: None,
            }),
            _ => None,
        };
        AppClientObservation {
            client,
            runtime: client.map(AppClientKind::runtime),
            program: clean_opt(self.program),
            version: clean_opt(self.version),
            tls_library: clean_opt(self.tls_library),
            library_version: clean_opt(self.library_version),
            ehlo_name: clean_opt(self.ehlo_name),
            trust_store: self.trust_store.iter().take(8).map(|s| clean(s)).collect(),
            trusted_roots: self.trusted_roots,
            verifies_certificates: self.verifies_certificates,
            tls_minimum: clean_opt(self.tls_minimum),
            proxies: self.proxies.iter().take(8).map(|s| clean(s)).collect(),
            outcome,
            error,
            reason,
            skipped_steps,
            ran: self.ran.iter().take(RAN_CAP).map(|s| clean(s)).collect(),
            ms: 0.0,
            timings: AppTimings {
                startup_ms: None,
                steps: timed_steps(&self.steps),
            },
        }
    }
}

/// The marked line of the child's output.
fn parse(stdout: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(stdout);
    let json = text.lines().rev().find_map(|l| l.strip_prefix(MARKER))?;
    serde_json::from_str(json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Secret;
    use std::time::Duration;

    fn plan(client: AppClientKind) -> AppClientPlan {
        AppClientPlan {
            client,
            programs: vec!["python3".into()],
            dir: ".".into(),
            host: "mail.example.com".into(),
            port: 587,
            security: crate::model::Security::Starttls,
            timeout: None,
            user: Some("u@example.com".into()),
            password: Some(Secret::new("hunter2")),
            mask: Vec::new(),
            insecure_auth: false,
            send: None,
            connect_wait: Duration::from_millis(1500),
            connect_floor: Duration::from_millis(1250),
            step: Duration::from_secs(5),
            limit: Duration::from_secs(10),
            session: None,
        }
    }

    #[test]
    fn the_password_goes_to_the_child_only_when_the_plan_has_one() {
        let has = |p: &AppClientPlan| {
            environment(p)
                .iter()
                .any(|(k, v)| k == "SMTP_DOCTOR_APP_PASSWORD" && v == "hunter2")
        };
        assert!(has(&plan(AppClientKind::Smtplib)));
        assert!(has(&plan(AppClientKind::Nodemailer)));
        let mut django = plan(AppClientKind::Django);
        assert!(has(&django));
        django.password = None;
        assert!(!has(&django));
    }

    #[test]
    fn the_childs_connect_wait_ends_with_the_probes_unless_the_user_set_it() {
        let get = |env: &[(OsString, OsString)], key: &str| {
            env.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.to_string_lossy().parse::<f64>().unwrap())
        };
        let now = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64()
        };
        for client in [
            AppClientKind::Smtplib,
            AppClientKind::Nodemailer,
            AppClientKind::Django,
        ] {
            let before = now();
            let env = environment(&plan(client));
            let after = now();
            // The probe's wait (1.5 s) from now, as wall-clock seconds, and the floor.
            let by = get(&env, "SMTP_DOCTOR_APP_CONNECT_BY").expect("CONNECT_BY");
            assert!(
                by >= before + 1.5 - 0.001 && by <= after + 1.5 + 0.001,
                "{before} {by} {after}"
            );
            assert_eq!(get(&env, "SMTP_DOCTOR_APP_CONNECT_FLOOR"), Some(1.25));
            assert_eq!(get(&env, "SMTP_DOCTOR_APP_CONNECT"), Some(1.5));
        }
        // A user's --timeout is waited in full: no deadline, no floor.
        let mut fixed = plan(AppClientKind::Smtplib);
        fixed.connect_floor = fixed.connect_wait;
        let env = environment(&fixed);
        assert_eq!(get(&env, "SMTP_DOCTOR_APP_CONNECT_BY"), None);
        assert_eq!(get(&env, "SMTP_DOCTOR_APP_CONNECT_FLOOR"), None);
    }

    #[test]
    fn what_the_child_says_is_escaped_bounded_and_never_holds_the_password() {
        let line = format!(
            "noise\n{MARKER}{{\"outcome\":\"failed\",\"ehlo_name\":\"a\\u001b]52;c;x\\u0007b\",\"version\":\"{}\",\"error\":{{\"facts\":{{\"types\":[\"smtplib.SMTPAuthenticationError\"]}},\"error_type\":\"smtplib.SMTPAuthenticationError\",\"message\":\"535 bad hunter2\",\"smtp_code\":535,\"stage\":\"login\"}}}}\n",
            "9".repeat(5000)
        );
        let o = parse(line.as_bytes())
            .unwrap()
            .into_observation(&plan(AppClientKind::Smtplib), &[]);
        assert_eq!(o.outcome, AppOutcome::Failed);
        let e = o.error.unwrap();
        assert_eq!(e.kind, AppErrorKind::AuthRejected);
        assert_eq!(e.smtp_code, Some(535));
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(!o.ehlo_name.unwrap().contains('\u{1b}'));
        assert!(o.version.unwrap().len() <= FIELD_CAP);
    }

    #[test]
    fn the_kind_is_smtp_doctors_from_the_facts_and_a_missing_library_is_a_skip() {
        let failed = |client, error: serde_json::Value| {
            let answer = serde_json::json!({"outcome": "failed", "error": error});
            parse(format!("{MARKER}{answer}").as_bytes())
                .unwrap()
                .into_observation(&plan(client), &[])
                .error
                .unwrap()
        };
        // A kind the child names is not believed: only its facts are classified.
        let claimed =
            serde_json::json!({"kind": "auth_rejected", "error_type": "X", "message": "m"});
        assert_eq!(
            failed(AppClientKind::Smtplib, claimed.clone()).kind,
            AppErrorKind::Other
        );
        assert_eq!(
            failed(AppClientKind::Nodemailer, claimed).kind,
            AppErrorKind::Other
        );
        let python = serde_json::json!({"error_type": "smtplib.SMTPAuthenticationError", "message": "m",
            "facts": {"types": ["smtplib.SMTPAuthenticationError", "smtplib.SMTPResponseException"]}});
        let e = failed(AppClientKind::Django, python);
        assert_eq!(e.kind, AppErrorKind::AuthRejected);
        assert_eq!(e.error_type, "smtplib.SMTPAuthenticationError");
        // nodemailer's type is written from its facts, whatever the child says it is.
        let node = serde_json::json!({"error_type": "Spoofed", "message": "m", "facts":
            {"code": "ESOCKET", "original_code": "CERT_HAS_EXPIRED", "tls_code": "CERT_HAS_EXPIRED"}});
        let e = failed(AppClientKind::Nodemailer, node);
        assert_eq!(e.kind, AppErrorKind::CertExpired);
        assert_eq!(e.error_type, "Error ESOCKET (CERT_HAS_EXPIRED)");
        let o = parse(
            format!("{MARKER}{{\"outcome\":\"skipped\",\"missing\":\"nodemailer\"}}").as_bytes(),
        )
        .unwrap()
        .into_observation(&plan(AppClientKind::Nodemailer), &[]);
        assert_eq!(o.outcome, AppOutcome::Skipped);
        assert!(matches!(o.reason, Some(SkipReason::LibraryMissing { .. })));
        assert!(parse(b"no marker").is_none());
    }

    #[test]
    fn echoed_credentials_are_masked_before_escaping_and_cutting_in_every_mode() {
        use base64::prelude::{Engine, BASE64_STANDARD};
        let pw = format!("Zq7\tpässwörd{}", "L".repeat(40));
        let user = "u@example.com";
        let forms = [
            pw.clone(),
            BASE64_STANDARD.encode(format!("\0{user}\0{pw}")),
            BASE64_STANDARD.encode(&pw),
            BASE64_STANDARD.encode(user),
            BASE64_STANDARD.encode(format!("user={user}\x01auth=Bearer {pw}\x01\x01")),
        ];
        for client in [
            AppClientKind::Django,
            AppClientKind::Smtplib,
            AppClientKind::Nodemailer,
        ] {
            for form in &forms {
                for pad in [10, FIELD_CAP - 20, FIELD_CAP - 16] {
                    let mut p = plan(client);
                    p.password = Some(Secret::new(pw.clone()));
                    let message = format!("535 {} you said {form} ok", "x".repeat(pad));
                    let answer = serde_json::json!({
                        "outcome": "failed",
                        "error": {"error_type": "E", "message": message},
                    });
                    let o = parse(format!("{MARKER}{answer}\n").as_bytes())
                        .unwrap()
                        .into_observation(&p, &[]);
                    let shown = o.error.unwrap().message;
                    let escaped = crate::printable::escape(form.as_bytes());
                    for leak in [form.as_str(), escaped.as_str(), &form[..3.min(form.len())]] {
                        assert!(
                            !shown.contains(leak),
                            "{client:?} {pad}: {leak:?} in {shown}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_login_goes_only_to_the_certificate_the_probe_verified_on_that_host_and_port() {
        let p = plan(AppClientKind::Smtplib);
        let verdict = ProbeVerdict::default();
        let soon = Instant::now() + Duration::from_millis(50);
        let q = |host: &str, port: u16, tls: bool, sha: &str| LoginQuestion {
            host: Some(host.into()),
            port: Some(port),
            tls,
            sha256: Some(sha.into()),
        };
        let ok = q("MAIL.example.com.", 587, true, "AB12");
        // Nothing published yet: no verdict within the bound.
        assert_eq!(decide(&ok, &p, &verdict, soon), Err(StepSkip::NoVerdict));
        *verdict.seen.lock().unwrap() = Some(Verified {
            host: "mail.example.com".into(),
            ports: vec![(465, "ffff".into()), (587, "ab12".into())],
        });
        assert_eq!(decide(&ok, &p, &verdict, soon), Ok(()));
        assert_eq!(
            decide(
                &q("mail.example.com", 587, false, "ab12"),
                &p,
                &verdict,
                soon
            ),
            Err(StepSkip::NotEncrypted)
        );
        assert_eq!(
            decide(
                &q("other.example.com", 587, true, "ab12"),
                &p,
                &verdict,
                soon
            ),
            Err(StepSkip::OtherServer)
        );
        assert_eq!(
            decide(&q("mail.example.com", 25, true, "ab12"), &p, &verdict, soon),
            Err(StepSkip::OtherServer)
        );
        // The certificate the probe saw on 465 does not vouch for 587.
        assert_eq!(
            decide(
                &q("mail.example.com", 587, true, "ffff"),
                &p,
                &verdict,
                soon
            ),
            Err(StepSkip::OtherCertificate)
        );
        *verdict.seen.lock().unwrap() = Some(Verified {
            host: "mail.example.com".into(),
            ports: vec![(465, "ffff".into())],
        });
        assert_eq!(decide(&ok, &p, &verdict, soon), Err(StepSkip::NotVerified));
        // --insecure-auth: the user's call.
        let mut insecure = p.clone();
        insecure.insecure_auth = true;
        let plaintext = q("x", 1, false, "");
        assert_eq!(decide(&plaintext, &insecure, &verdict, soon), Ok(()));
    }

    #[test]
    fn a_stop_is_smtp_doctors_record_never_the_childs_claim() {
        let p = plan(AppClientKind::Smtplib);
        let stopped = format!("{MARKER}{{\"outcome\":\"stopped\"}}\n");
        let o = parse(stopped.as_bytes()).unwrap().into_observation(&p, &[]);
        assert_eq!(o.outcome, AppOutcome::Failed, "a claim alone is no stop");
        let mut with_send = p.clone();
        with_send.send = Some(crate::plan::SendPlan {
            from: crate::plan::Mailbox::parse("a@example.com").unwrap(),
            to: crate::plan::Mailbox::parse("b@example.com").unwrap(),
        });
        let o = parse(stopped.as_bytes())
            .unwrap()
            .into_observation(&with_send, &[Err(StepSkip::NotVerified)]);
        assert_eq!(o.outcome, AppOutcome::Ok);
        assert_eq!(
            o.skipped_steps,
            vec![
                SkippedStep {
                    step: AppStep::Login,
                    kind: StepSkip::NotVerified
                },
                SkippedStep {
                    step: AppStep::Send,
                    kind: StepSkip::LoginSkipped
                }
            ]
        );
    }

    #[test]
    fn a_login_withheld_for_want_of_a_gate_never_hides_a_gated_login() {
        let mut p = plan(AppClientKind::Nodemailer);
        p.send = Some(crate::plan::SendPlan {
            from: crate::plan::Mailbox::parse("a@example.com").unwrap(),
            to: crate::plan::Mailbox::parse("b@example.com").unwrap(),
        });
        let claim = format!("{MARKER}{{\"outcome\":\"ok\",\"skipped\":[\"login_not_gated\"]}}\n");
        let o = parse(claim.as_bytes()).unwrap().into_observation(&p, &[]);
        assert_eq!(
            o.skipped_steps,
            vec![
                SkippedStep {
                    step: AppStep::Login,
                    kind: StepSkip::NotGated
                },
                SkippedStep {
                    step: AppStep::Send,
                    kind: StepSkip::LoginSkipped
                }
            ]
        );
        // smtp-doctor answered a login question: a login went on, whatever the child says.
        for claim in ["login_not_gated", "login"] {
            let line = format!("{MARKER}{{\"outcome\":\"ok\",\"skipped\":[\"{claim}\"]}}\n");
            let o = parse(line.as_bytes())
                .unwrap()
                .into_observation(&p, &[Ok(())]);
            assert_eq!(o.outcome, AppOutcome::Ok);
            assert!(o.skipped_steps.is_empty(), "{claim}: {:?}", o.skipped_steps);
        }
    }

    #[test]
    fn a_password_as_python_prints_it_is_masked_too() {
        let mut p = plan(AppClientKind::Django);
        p.password = None;
        p.mask = vec![Secret::new("pa\tss\u{e9}'x")];
        // As Python 3 prints it in a bytes reply and in a str (both with double quotes).
        for printed in ["pa\\tss\\xc3\\xa9'x", "pa\\tss\u{e9}'x"] {
            let answer = serde_json::json!({
                "outcome": "failed",
                "error": {"error_type": "E", "message": format!("(535, b\"{printed}\")")},
            });
            let o = parse(format!("{MARKER}{answer}\n").as_bytes())
                .unwrap()
                .into_observation(&p, &[]);
            let shown = o.error.unwrap().message;
            assert!(shown.contains("****") && !shown.contains("ss"), "{shown}");
        }
    }
}
