//! The application's own SMTP client, run in its own runtime through [`crate::runner`]: one
//! fixed script per runtime (`app_client.py`, `app_client.js`), its inputs in environment
//! variables (never in code or argv), its one marked JSON line read back, every string in it
//! escaped and bounded.

use crate::model::{
    AppClientKind, AppClientObservation, AppError, AppErrorKind, AppOutcome, SkipReason,
};
use crate::plan::{AppClientPlan, AppClientStep};
use crate::runner::{self, Job, Outcome, RunStatus};
use serde::Deserialize;
use std::ffi::OsString;
use std::time::Instant;

/// The Python client (Django's `get_connection()`, or `smtplib` as Flask-Mail uses it).
const PYTHON: &str = include_str!("app_client.py");
/// The Node.js client (nodemailer's `verify()`).
const NODE: &str = include_str!("app_client.js");
/// The marker before the one JSON line the scripts print.
const MARKER: &str = "SMTP_DOCTOR_APP_JSON";
/// The most characters kept of any string the child reports.
const FIELD_CAP: usize = 2000;

/// Runs the step (blocking: it waits for a child process).
pub(crate) fn run(step: &AppClientStep) -> AppClientObservation {
    match step {
        AppClientStep::Skip(client, reason) => {
            AppClientObservation::skipped(*client, reason.clone())
        }
        AppClientStep::Run(plan) => run_plan(plan),
    }
}

fn run_plan(plan: &AppClientPlan) -> AppClientObservation {
    let started = Instant::now();
    let args: Vec<&str> = match plan.client {
        AppClientKind::Django => vec!["manage.py", "shell", "-c", PYTHON],
        AppClientKind::Smtplib => vec!["-c", PYTHON],
        AppClientKind::Nodemailer => vec!["-e", NODE],
    };
    let mut last = Outcome::NotFound;
    let mut ran = None;
    for program in &plan.programs {
        let mut job = Job::new(program, &args, &plan.dir);
        job.env = environment(plan);
        job.limit = plan.limit;
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
            .map(|p| crate::text::escape(p.display().to_string().as_bytes()))
            .unwrap_or_default();
        return AppClientObservation::skipped(client, SkipReason::RuntimeMissing { program });
    };
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
        o.program = Some(crate::text::escape(
            program.display().to_string().as_bytes(),
        ));
        o.ms = ms;
        return o;
    };
    let mut o = answer.into_observation(plan);
    o.program = o.program.or_else(|| {
        Some(crate::text::escape(
            program.display().to_string().as_bytes(),
        ))
    });
    o.ms = ms;
    o
}

/// The child's inputs: the settings for smtplib and nodemailer (Django reads its own), the
/// envelope with `--send-to`, the waits. The password only when the client logs in itself.
fn environment(plan: &AppClientPlan) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(String, String)> = vec![
        ("MODE".into(), mode(plan.client).into()),
        (
            "CONNECT".into(),
            format!("{:.3}", plan.connect_wait.as_secs_f64()),
        ),
        ("STEP".into(), format!("{:.3}", plan.step.as_secs_f64())),
    ];
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
        if let Some(password) = &plan.password {
            env.push(("PASSWORD".into(), password.expose().to_string()));
        }
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
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AnswerError {
    kind: Option<AppErrorKind>,
    error_type: String,
    message: String,
    smtp_code: Option<u16>,
    stage: Option<String>,
}

/// Escaped and cut to [`FIELD_CAP`] characters.
fn clean(s: &str) -> String {
    let cut: String = s.chars().take(FIELD_CAP).collect();
    crate::text::escape(cut.as_bytes())
}

fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|s| clean(&s))
}

/// Drops any occurrence of the password (the scripts already do; this is the second lock).
fn without(secret: Option<&crate::plan::Secret>, text: String) -> String {
    match secret.map(|s| s.expose()).filter(|s| !s.is_empty()) {
        Some(s) if text.contains(s) => text.replace(s, "****"),
        _ => text,
    }
}

impl Answer {
    fn into_observation(self, plan: &AppClientPlan) -> AppClientObservation {
        let client = Some(plan.client);
        let hide = |s: String| without(plan.password.as_ref(), s);
        let reason = match (self.outcome.as_deref(), self.backend, self.missing) {
            (Some("skipped"), Some(backend), _) => Some(SkipReason::NotSmtpBackend {
                backend: clean(&backend),
            }),
            (Some("skipped"), _, Some(library)) => Some(SkipReason::LibraryMissing {
                library: clean(&library),
            }),
            _ => None,
        };
        let outcome = match (self.outcome.as_deref(), &reason) {
            (_, Some(_)) => AppOutcome::Skipped,
            (Some("ok"), None) => AppOutcome::Ok,
            _ => AppOutcome::Failed,
        };
        let error = match (outcome, self.error) {
            (AppOutcome::Failed, Some(e)) => Some(AppError {
                kind: e.kind.unwrap_or(AppErrorKind::Other),
                error_type: clean(&e.error_type),
                message: hide(clean(&e.message)),
                smtp_code: e.smtp_code,
                stage: clean_opt(e.stage),
            }),
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
            ms: 0.0,
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
            send: None,
            connect_wait: Duration::from_millis(1500),
            step: Duration::from_secs(5),
            limit: Duration::from_secs(10),
        }
    }

    #[test]
    fn the_password_goes_to_the_child_only_when_it_logs_in_itself() {
        let has = |p: &AppClientPlan| {
            environment(p)
                .iter()
                .any(|(k, v)| k == "SMTP_DOCTOR_APP_PASSWORD" && v == "hunter2")
        };
        assert!(has(&plan(AppClientKind::Smtplib)));
        assert!(has(&plan(AppClientKind::Nodemailer)));
        assert!(!has(&plan(AppClientKind::Django)));
    }

    #[test]
    fn what_the_child_says_is_escaped_bounded_and_never_holds_the_password() {
        let line = format!(
            "noise\n{MARKER}{{\"outcome\":\"failed\",\"ehlo_name\":\"a\\u001b]52;c;x\\u0007b\",\"version\":\"{}\",\"error\":{{\"kind\":\"auth_rejected\",\"error_type\":\"smtplib.SMTPAuthenticationError\",\"message\":\"535 bad hunter2\",\"smtp_code\":535,\"stage\":\"login\"}}}}\n",
            "9".repeat(5000)
        );
        let o = parse(line.as_bytes())
            .unwrap()
            .into_observation(&plan(AppClientKind::Smtplib));
        assert_eq!(o.outcome, AppOutcome::Failed);
        let e = o.error.unwrap();
        assert_eq!(e.kind, AppErrorKind::AuthRejected);
        assert_eq!(e.smtp_code, Some(535));
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        assert!(!o.ehlo_name.unwrap().contains('\u{1b}'));
        assert!(o.version.unwrap().len() <= FIELD_CAP);
    }

    #[test]
    fn an_unknown_kind_is_other_and_a_missing_library_is_a_skip() {
        let o = parse(format!("{MARKER}{{\"outcome\":\"failed\",\"error\":{{\"kind\":\"new_thing\",\"error_type\":\"X\",\"message\":\"m\"}}}}").as_bytes())
            .unwrap()
            .into_observation(&plan(AppClientKind::Nodemailer));
        assert_eq!(o.error.unwrap().kind, AppErrorKind::Other);
        let o = parse(
            format!("{MARKER}{{\"outcome\":\"skipped\",\"missing\":\"nodemailer\"}}").as_bytes(),
        )
        .unwrap()
        .into_observation(&plan(AppClientKind::Nodemailer));
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
        for client in [AppClientKind::Django, AppClientKind::Smtplib, AppClientKind::Nodemailer] {
            for form in &forms {
                for pad in [10, FIELD_CAP - 20, FIELD_CAP - 16] {
                    let mut p = plan(client);
                    p.password = Some(Secret::new(pw.clone()));
                    let message = format!("535 {} you said {form} ok", "x".repeat(pad));
                    let answer = serde_json::json!({
                        "outcome": "failed",
                        "error": {"kind": "auth_rejected", "error_type": "E", "message": message},
                    });
                    let o = parse(format!("{MARKER}{answer}\n").as_bytes())
                        .unwrap()
                        .into_observation(&p);
                    let shown = o.error.unwrap().message;
                    let escaped = crate::text::escape(form.as_bytes());
                    for leak in [form.as_str(), escaped.as_str(), &form[..3.min(form.len())]] {
                        assert!(!shown.contains(leak), "{client:?} {pad}: {leak:?} in {shown}");
                    }
                }
            }
        }
    }
}
