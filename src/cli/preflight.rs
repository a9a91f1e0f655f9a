//! `preflight`: the application's own settings, read and tested exactly as configured.

use super::args::{OutputArgs, PreflightArgs, ProbeArgs};
use super::config::{self, NetConfig};
use super::output::{options, probe_with_progress, write_report};
use super::usage::usage_error;
use smtp_doctor::settings::{self, AppSettings};
use smtp_doctor::{Options, Plan, Report, SendPlan};
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) async fn run(probe: &ProbeArgs, args: &PreflightArgs, out: &OutputArgs) -> ExitCode {
    // The configured path is one port; the alternatives beside it are chosen by preflight.
    if probe.ports.len() > 1 {
        return usage_error("preflight tests the one port the application is configured for: give --port once (to compare several ports, use check HOST --port A --port B)");
    }
    let net = match NetConfig::from_args(probe) {
        Ok(net) => net,
        Err(e) => return usage_error(e),
    };
    let sources = sources(probe, args, out.framework);
    let mut app = match load(probe, args, &sources) {
        Ok(app) => app,
        Err(e) => return usage_error(e),
    };
    // A malformed host typed on the command line is a usage error; one read from the
    // application's settings is a finding (config.host_malformed) when what it meant is clear,
    // and the corrected host is what gets tested.
    let mut host_as_written = None;
    let host = match settings::corrected_host(&app.host).filter(|_| args.host.is_none()) {
        Some(corrected) => {
            host_as_written = Some(smtp_doctor::escape(app.host.as_bytes()));
            corrected
        }
        None => match smtp_doctor::validate_host(&app.host) {
            Ok(host) => host,
            Err(e) => return usage_error(e),
        },
    };
    app.host = host.to_string();
    let send = match send_plan(probe, args, app.sender.as_deref(), app.user.as_deref()) {
        Ok(send) => send,
        Err(e) => return usage_error(e),
    };
    let mut path = app.configured_path(host, send.is_some());
    path.host_as_written = host_as_written;
    let mut plan = match Plan::preflight(&path, net.timeout) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    net.route(&mut plan);
    // The sender's domain: --from, else the application's own sender setting (its origin is
    // in the settings shown, like every other value).
    let (sender, origin) = match (&probe.from, &app.sender) {
        (Some(f), _) => (Some(f.as_str()), "--from".to_string()),
        (None, Some(s)) => (
            Some(s.as_str()),
            format!(
                "the application's sender setting ({})",
                smtp_doctor::settings::sender_keys(app.framework).join(" / ")
            ),
        ),
        (None, None) => (None, String::new()),
    };
    match config::domain_check(probe, sender, &origin) {
        Ok(check) => plan.domain = check,
        // A sender setting that is not a mailbox is the application's to fix, not a usage
        // error: the settings shown say what it holds, and its domain is not checked.
        Err(_) if probe.from.is_none() && probe.dkim_selectors.is_empty() => {}
        Err(e) => return usage_error(e),
    }
    match config::login(probe, app.user.clone(), app.password.clone()) {
        Ok(credentials) => plan.credentials = credentials,
        Err(e) => return usage_error(e),
    }
    let mut step = settings::app_client_step(
        &app,
        &sources,
        &settings::AppClientRequest {
            enabled: !args.no_app_client,
            framework: out.framework.unwrap_or(app.framework),
            send: send.clone(),
            timing: plan.timing.clone(),
        },
    );
    if let smtp_doctor::AppClientStep::Run(client) = &mut step {
        given_login(client, &plan);
    }
    // Django's Python that read the settings waits for its word: the plan holds it when it
    // runs the client; else it is told to exit now, not at the end of the run.
    app.session = None;
    plan.app_client = Some(step);
    plan.send = send;
    let what = format!("testing {}:{} …", app.host, app.port);
    let observations = match probe_with_progress(plan, out, &what).await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let opts = Options {
        framework: out.framework.unwrap_or(app.framework),
        login_user: app.user.clone(),
        ..options(out)
    };
    let diagnosis = smtp_doctor::diagnose_preflight(&observations, &path, &opts);
    let mut report = Report::new("preflight", observations, diagnosis, &opts);
    report.configured = Some(path);
    report.settings = app.report;
    report.runtime = app.runtime;
    report.shadowed = app.shadowed;
    write_report(&report, out)
}

/// The settings, from the flags, the environment and the project's files.
fn load(
    probe: &ProbeArgs,
    args: &PreflightArgs,
    sources: &settings::Sources,
) -> Result<AppSettings, String> {
    let flags = settings::FlagSettings {
        host: args.host.clone(),
        port: probe.ports.first().copied(),
        timeout: probe.timeout.map(|d| d.as_secs_f64()),
        user: probe.user.clone(),
        security: args.security.map(Into::into),
    };
    settings::load(&flags, sources).map_err(|e| e.to_string())
}

/// The application's client logs in as the user told smtp-doctor: with the password given to
/// smtp-doctor when the application's settings hold none (it reads its own from a secret store
/// where it runs), and under the same rule (`--insecure-auth`). Every secret is masked in what
/// the client reports.
fn given_login(client: &mut smtp_doctor::AppClientPlan, plan: &Plan) {
    client.insecure_auth = plan.insecure_auth;
    let Some(credentials) = &plan.credentials else {
        return;
    };
    client.mask.push(credentials.secret.clone());
    if credentials.kind == smtp_doctor::SecretKind::Password && client.password.is_none() {
        client.password = Some(credentials.secret.clone());
    }
}

/// Where the settings are read from.
fn sources(
    probe: &ProbeArgs,
    args: &PreflightArgs,
    out_framework: Option<smtp_doctor::Framework>,
) -> settings::Sources {
    settings::Sources {
        env: std::env::vars().collect(),
        env_file: args.env_file.clone(),
        dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        django_dir: args.django.clone(),
        run_python: !args.no_project_code,
        run_limit: probe.timeout,
        framework: out_framework,
    }
}

/// The test message's envelope, when `--send-to` asks for one: the sender is `--from`, else
/// the application's sender setting, else `DEFAULT_FROM_EMAIL` in the environment, else the
/// login user when it is an address, else the recipient. Each is checked as an RFC 5321
/// mailbox before any packet, naming where it came from.
fn send_plan(
    probe: &ProbeArgs,
    args: &PreflightArgs,
    app_sender: Option<&str>,
    user: Option<&str>,
) -> Result<Option<SendPlan>, String> {
    let Some(to) = &args.send_to else {
        return Ok(None);
    };
    let mailbox = |value: &str, origin: &str| {
        smtp_doctor::Mailbox::parse(value).map_err(|e| format!("{origin}: {e}"))
    };
    let to = mailbox(to, "--send-to")?;
    let from = if let Some(from) = &probe.from {
        mailbox(from, "--from")?
    } else if let Some(from) = app_sender {
        mailbox(from, "the application's sender setting")?
    } else if let Ok(from) = std::env::var("DEFAULT_FROM_EMAIL") {
        mailbox(&from, "DEFAULT_FROM_EMAIL (environment)")?
    } else if let Some(user) = user.filter(|u| u.contains('@')) {
        mailbox(user, "the sender (the login user, used as From)")?
    } else {
        to.clone()
    };
    Ok(Some(SendPlan { from, to }))
}
