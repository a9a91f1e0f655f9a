//! Which of the application's own clients preflight runs, in which runtime, with what.

use super::{AppSettings, RuntimeUse, Sources};
use crate::frameworks::Framework;
use crate::model::{AppClientKind, Security, SkipReason};
use crate::plan::{AppClientPlan, AppClientStep, SendPlan, Timing};
use crate::runner::RunStatus;
use std::path::PathBuf;
use std::time::Duration;

/// What the command line says about the application's client.
#[derive(Debug, Clone)]
pub struct AppClientRequest {
    /// `--no-app-client` was not given.
    pub enabled: bool,
    /// The framework whose client to run (the one the report speaks for).
    pub framework: Framework,
    /// The test message, with `--send-to`.
    pub send: Option<SendPlan>,
    /// smtp-doctor's own waits: the child waits as long for each step.
    pub timing: Timing,
}

/// The step: run the framework's client (Django's in the project's Python, smtplib as
/// Flask-Mail uses it, the project's nodemailer), or say why not.
pub fn app_client_step(
    app: &AppSettings,
    sources: &Sources,
    request: &AppClientRequest,
) -> AppClientStep {
    let client = match request.framework {
        Framework::Django | Framework::Url => AppClientKind::Django,
        Framework::Flask => AppClientKind::Smtplib,
        Framework::Node => AppClientKind::Nodemailer,
        other => {
            return AppClientStep::Skip(
                None,
                SkipReason::NoClientFor {
                    framework: other.as_str().to_string(),
                },
            )
        }
    };
    let skip = |reason| AppClientStep::Skip(Some(client), reason);
    if !request.enabled {
        return skip(SkipReason::Disabled);
    }
    if !sources.run_python {
        return skip(SkipReason::ProjectCodeOff);
    }
    let (dir, programs) = match client {
        AppClientKind::Django => {
            let Ok(Some(dir)) = super::django::project_dir(sources) else {
                return skip(SkipReason::NoProject);
            };
            match &app.runtime {
                Some(RuntimeUse::Ran { run }) => match &run.outcome {
                    RunStatus::Ok { .. } => {}
                    RunStatus::NotFound => {
                        return skip(SkipReason::RuntimeMissing {
                            program: "python3".into(),
                        })
                    }
                    _ => return skip(SkipReason::SettingsUnreadable),
                },
                _ => return skip(SkipReason::SettingsUnreadable),
            }
            let programs = super::django_runtime::candidates(&dir);
            (dir, programs)
        }
        AppClientKind::Smtplib => {
            let programs = super::django_runtime::candidates(&sources.dir);
            (sources.dir.clone(), programs)
        }
        AppClientKind::Nodemailer => (sources.dir.clone(), vec![PathBuf::from("node")]),
    };
    let Some(security) = app.tls.mode() else {
        if client != AppClientKind::Django {
            return skip(SkipReason::SettingsConflict);
        }
        // Django says itself that both flags cannot be set: its error is the answer.
        return run(app, request, client, dir, programs, Security::Plain);
    };
    run(app, request, client, dir, programs, security)
}

fn run(
    app: &AppSettings,
    request: &AppClientRequest,
    client: AppClientKind,
    dir: PathBuf,
    programs: Vec<PathBuf>,
    security: Security,
) -> AppClientStep {
    let timing = &request.timing;
    // Start-up (Python importing Django, Node loading nodemailer) plus every step the client
    // may wait for: connect, greeting, EHLO, STARTTLS, login, and the message with --send-to.
    let limit = Duration::from_secs(10) + timing.connect_wait + timing.step * 6;
    AppClientStep::Run(Box::new(AppClientPlan {
        client,
        programs,
        dir,
        host: app.host.clone(),
        port: app.port,
        security,
        timeout: app.timeout,
        user: app.user.clone(),
        password: match client {
            // Django reads its own; smtp-doctor adds only what the user gives it.
            AppClientKind::Django => None,
            _ => app.password.clone(),
        },
        mask: app.password.clone().into_iter().collect(),
        insecure_auth: false,
        send: request.send.clone(),
        // The probe's own wait: a dropped port costs the client what it costs the probe.
        connect_wait: timing.connect_wait,
        connect_floor: if timing.adaptive {
            timing
                .connect_wait
                .min(crate::probe::tcp::MIN_ADAPTIVE_WAIT)
        } else {
            timing.connect_wait
        },
        step: timing.step,
        limit,
        session: match client {
            AppClientKind::Django => app.session.clone(),
            _ => None,
        },
    }))
}
