//! The `smtp-doctor` command line: parse, validate into a plan, run the engine, render.

use clap::{Args, Parser, Subcommand, ValueEnum};
use smtp_doctor::diagnosis::{self, preflight, Options};
use smtp_doctor::engine;
use smtp_doctor::frameworks::Framework;
use smtp_doctor::i18n::Lang;
use smtp_doctor::lab::DemoLab;
use smtp_doctor::model::Security;
use smtp_doctor::plan::{
    self, ConnectTo, Credentials, Plan, ResolveOverride, Secret, SecretKind, SendPlan, Timing,
};
use smtp_doctor::render::{json, markdown, text};
use smtp_doctor::report::Report;
use smtp_doctor::settings;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const PREFLIGHT_EXAMPLES: &str = "\
Examples:
  smtp-doctor preflight                        # in the Django project folder (.env, settings.py)
  smtp-doctor preflight && python manage.py runserver
  smtp-doctor preflight --env-file deploy/.env.production --json
  SMTP_DOCTOR_PASSWORD=app-password smtp-doctor preflight --send-to me@example.com
  smtp-doctor preflight --port 465 --security implicit-tls   # try a change before making it

Settings are read in this order of precedence: flags, process environment, --env-file
(default ./.env), then the framework's files. Understood: Django EMAIL_* and EMAIL_URL
(smtp://, smtp+tls://, smtp+ssl://, smtps://, submission://), Laravel MAIL_*, Spring spring.mail.*.

Exit status: 0 the configured path works, 1 it does not, 2 settings that cannot be read.";

const EXAMPLES: &str = "\
Examples:
  smtp-doctor check smtp.gmail.com
  smtp-doctor check smtp.office365.com --port 587 --lang es
  smtp-doctor check mail.example.com --port 25 --port 587 --port 465 --json
  smtp-doctor check smtp.gmail.com --resolve smtp.gmail.com=192.0.2.10 --timeout 3
  smtp-doctor check mail.internal --ca-file company-root.pem -v
  smtp-doctor check --targets servers.txt --json > reports.jsonl
  smtp-doctor check --mx example.com
  smtp-doctor check smtp.gmail.com --format markdown --framework laravel > incident.md
  smtp-doctor check smtp.gmail.com --json > server.json; smtp-doctor diff laptop.json server.json
  smtp-doctor demo

Exit status: 0 verdict ok, 1 degraded or failed, 2 bad usage.";

/// Finds out, from this machine, why an application cannot send email over SMTP, and says what
/// to change.
#[derive(Parser, Debug)]
#[command(name = "smtp-doctor", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Probe HOST's submission ports from this machine, diagnose, print the report.
    #[command(after_help = EXAMPLES)]
    Check {
        /// The SMTP server: a name like smtp.gmail.com, or an IP address.
        #[arg(required_unless_present_any = ["targets", "mx"])]
        host: Option<String>,
        /// Probe every `host[:port]` listed in FILE (one per line, # comments), printing one
        /// report per target (JSON Lines with --json).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["host", "mx"])]
        targets: Option<PathBuf>,
        /// Probe the mail exchangers (MX) of DOMAIN on port 25.
        #[arg(long, value_name = "DOMAIN", conflicts_with_all = ["host", "targets"])]
        mx: Option<String>,
        /// How many targets are probed at once with --targets or --mx.
        #[arg(long, value_name = "N", default_value = "200", value_parser = clap::value_parser!(u32).range(1..=10000))]
        concurrency: u32,
        #[command(flatten)]
        probe: ProbeArgs,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Read the application's own email settings (flags, environment, --env-file or ./.env,
    /// a Django project's settings, Laravel's .env, Spring's application.properties) and test
    /// exactly that configuration, with the alternatives on the same host beside it. Exit 0
    /// only when the configured path works: `smtp-doctor preflight && python manage.py runserver`.
    #[command(after_help = PREFLIGHT_EXAMPLES)]
    Preflight {
        #[command(flatten)]
        probe: ProbeArgs,
        #[command(flatten)]
        settings: PreflightArgs,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Compare two JSON reports (e.g. the laptop where mail works and the server where it does
    /// not): exit 0 when nothing that matters differs, 1 otherwise.
    Diff {
        /// The first report (`smtp-doctor check HOST --json > a.json`).
        a: PathBuf,
        /// The second report.
        b: PathBuf,
    },
    /// Reproduce the origin incident (587 silently dropped, 465 implicit TLS working) in a
    /// loopback lab and diagnose it. Needs no network.
    Demo {
        #[command(flatten)]
        out: OutputArgs,
    },
}

#[derive(Args, Debug, Clone)]
struct ProbeArgs {
    /// Port to probe; repeat for several [default: 587 and 465].
    #[arg(long = "port", short = 'p', value_name = "N", value_parser = port_arg, allow_hyphen_values = true)]
    ports: Vec<u16>,
    /// Per-step network timeout in seconds (decimals allowed). Without it, a silent port is
    /// called filtered after 1.5 s of fresh connection attempts, and each later step waits 5 s.
    #[arg(long, value_name = "SECS", value_parser = timeout_arg, allow_hyphen_values = true)]
    timeout: Option<Duration>,
    /// Use ADDR for HOST instead of DNS (IPv4 or IPv6); repeatable.
    #[arg(long, value_name = "HOST=ADDR")]
    resolve: Vec<ResolveOverride>,
    /// Reach HOST:PORT at ADDR:PORT2 instead (SSH tunnels, port forwards); names and
    /// certificate checks are unchanged; repeatable.
    #[arg(long = "connect-to", value_name = "HOST:PORT:ADDR:PORT2")]
    connect_to: Vec<ConnectTo>,
    /// Ask this DNS server instead of the system resolver.
    #[arg(long = "dns-server", value_name = "ADDR[:PORT]", value_parser = dns_arg)]
    dns_server: Option<std::net::SocketAddr>,
    /// Trust the CA certificates in this PEM file in addition to the system's; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    ca_files: Vec<PathBuf>,
    /// Log in as USER. The password comes from SMTP_DOCTOR_PASSWORD or --password-stdin (an
    /// OAuth 2 token for XOAUTH2 from SMTP_DOCTOR_OAUTH_TOKEN), never from the command line.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long = "password-stdin")]
    password_stdin: bool,
    /// Send credentials even when the connection is not encrypted with a verified certificate.
    #[arg(long = "insecure-auth")]
    insecure_auth: bool,
}

#[derive(Args, Debug)]
struct PreflightArgs {
    /// The env file to read [default: ./.env when it exists].
    #[arg(long = "env-file", value_name = "FILE")]
    env_file: Option<PathBuf>,
    /// The Django project folder (where manage.py is) [default: this folder, when it has one].
    #[arg(long, value_name = "DIR")]
    django: Option<PathBuf>,
    /// Do not run the project's Python to ask Django for its settings; read settings.py as text.
    #[arg(long = "no-python")]
    no_python: bool,
    /// Use this server instead of the configured one.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Use this TLS mode instead of the configured one.
    #[arg(long, value_enum, value_name = "MODE")]
    security: Option<SecurityArg>,
    /// Send a real test message to ADDR through the configured path.
    #[arg(long = "send-to", value_name = "ADDR")]
    send_to: Option<String>,
    /// The test message's sender [default: the login user, or DEFAULT_FROM_EMAIL].
    #[arg(long, value_name = "ADDR")]
    from: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SecurityArg {
    Plain,
    Starttls,
    #[value(name = "implicit-tls", alias = "ssl", alias = "implicit_tls")]
    ImplicitTls,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Text,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
struct OutputArgs {
    /// Print the JSON report on stdout and nothing else (same as --format json).
    #[arg(long)]
    json: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Language of the human-readable text: en or es (codes and JSON keys never change).
    #[arg(long, value_name = "en|es", default_value = "en")]
    lang: Lang,
    /// Write the fixes in this framework's setting names: django, flask, laravel, rails, node,
    /// spring, dotnet, phpmailer, url (EMAIL_URL) [default: django; preflight: the
    /// framework whose settings were read].
    #[arg(long, value_name = "NAME")]
    framework: Option<Framework>,
    /// Show certificate chains and the SMTP/TLS transcript of every connection.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// No colours (also when NO_COLOR is set or stdout is not a terminal).
    #[arg(long = "no-color")]
    no_color: bool,
}

fn port_arg(s: &str) -> Result<u16, String> {
    plan::parse_port(s).map_err(|e| e.to_string())
}
fn timeout_arg(s: &str) -> Result<Duration, String> {
    plan::parse_timeout(s).map_err(|e| e.to_string())
}
fn dns_arg(s: &str) -> Result<std::net::SocketAddr, String> {
    plan::parse_dns_server(s).map_err(|e| e.to_string())
}

/// Bad usage: one line on stderr, exit 2, nothing on stdout.
fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("smtp-doctor: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = err.print();
                return if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // clap's message spans lines (the problem, then usage and a tip): keep the problem,
            // folded into one line.
            let rendered = err.render().to_string();
            let problem: Vec<&str> = rendered
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .filter(|l| !l.is_empty())
                .collect();
            let line = problem.join(" ");
            return usage_error(line.trim_start_matches("error: "));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smtp-doctor: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check {
            host: None,
            targets,
            mx,
            concurrency,
            probe,
            out,
        } => run_many(targets, mx, concurrency as usize, probe, out).await,
        Command::Check {
            host: Some(host),
            probe,
            out,
            ..
        } => {
            let plan = match build_plan(&host, probe) {
                Ok(plan) => plan,
                Err(e) => return usage_error(e),
            };
            let what = format!("probing {} …", plan.host);
            match probe_with_progress(plan, &out, &what).await {
                Ok(observations) => emit("check", observations, &out),
                Err(code) => code,
            }
        }
        Command::Diff { a, b } => run_diff(&a, &b),
        Command::Preflight {
            probe,
            settings,
            out,
        } => run_preflight(probe, settings, out).await,
        Command::Demo { out } => {
            let lab = match DemoLab::start().await {
                Ok(lab) => lab,
                Err(e) => {
                    eprintln!("smtp-doctor: cannot build the demo lab: {e}");
                    return ExitCode::from(1);
                }
            };
            if !is_json(&out) && out.format == FormatArg::Text {
                let intro = smtp_doctor::i18n::word(out.lang, smtp_doctor::i18n::Word::DemoIntro);
                println!("{intro}");
            }
            match probe_with_progress(lab.plan.clone(), &out, "probing the lab …").await {
                Ok(observations) => emit("demo", observations, &out),
                Err(code) => code,
            }
        }
    }
}

fn run_diff(a: &std::path::Path, b: &std::path::Path) -> ExitCode {
    let load = |p: &std::path::Path| -> Result<Report, String> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read {}: {}", p.display(), e.kind()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a smtp-doctor JSON report: {e}", p.display()))
    };
    let (ra, rb) = match (load(a), load(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return usage_error(e),
    };
    let diffs = smtp_doctor::diff::diff(&ra, &rb);
    let mut out = String::new();
    if diffs.is_empty() {
        out.push_str("no differences\n");
    }
    for d in &diffs {
        let mark = if d.matters { "≠" } else { "~" };
        out.push_str(&format!(
            "{mark} {:<28} A: {:<24} B: {}\n",
            d.what, d.a, d.b
        ));
    }
    let matters = diffs.iter().any(|d| d.matters);
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::from(u8::from(matters))
}

/// The secret for a login: --password-stdin, then SMTP_DOCTOR_OAUTH_TOKEN (XOAUTH2), then
/// SMTP_DOCTOR_PASSWORD, then what the settings hold.
fn secret(
    probe: &ProbeArgs,
    from_settings: Option<Secret>,
) -> Result<Option<(Secret, SecretKind)>, String> {
    if probe.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            return Err("--password-stdin: standard input is empty".into());
        }
        return Ok(Some((Secret::new(pw), SecretKind::Password)));
    }
    if let Some(t) = std::env::var("SMTP_DOCTOR_OAUTH_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
    {
        return Ok(Some((Secret::new(t), SecretKind::OauthToken)));
    }
    if let Some(p) = std::env::var("SMTP_DOCTOR_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        return Ok(Some((Secret::new(p), SecretKind::Password)));
    }
    Ok(from_settings.map(|s| (s, SecretKind::Password)))
}

async fn run_preflight(probe: ProbeArgs, args: PreflightArgs, out: OutputArgs) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let flags = settings::FlagSettings {
        host: args.host.clone(),
        port: probe.ports.first().copied(),
        timeout: probe.timeout.map(|d| d.as_secs_f64()),
        user: probe.user.clone(),
        security: args.security.map(|s| match s {
            SecurityArg::Plain => Security::Plain,
            SecurityArg::Starttls => Security::Starttls,
            SecurityArg::ImplicitTls => Security::ImplicitTls,
        }),
    };
    let sources = settings::Sources {
        env: std::env::vars().collect(),
        env_file: args.env_file.clone(),
        dir: cwd,
        django_dir: args.django.clone(),
        run_python: !args.no_python,
    };
    let app = match settings::load(&flags, &sources) {
        Ok(app) => app,
        Err(e) => return usage_error(e),
    };
    if let Err(e) = plan::validate_host(&app.host) {
        return usage_error(e);
    }
    let send = args.send_to.clone().map(|to| SendPlan {
        from: args
            .from
            .clone()
            .or_else(|| std::env::var("DEFAULT_FROM_EMAIL").ok())
            .or_else(|| app.user.clone().filter(|u| u.contains('@')))
            .unwrap_or_else(|| to.clone()),
        to,
    });
    let path = app.configured_path(send.is_some());
    let mut plan = match Plan::preflight(&path, probe.timeout) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    probe.apply_network(&mut plan);
    match probe.ca_roots() {
        Ok(roots) => plan.extra_roots = roots,
        Err(e) => return usage_error(e),
    }
    if let Some(user) = app.user.clone() {
        match secret(&probe, app.password.clone()) {
            Ok(Some((secret, kind))) => plan.credentials = Some(Credentials { user, secret, kind }),
            Ok(None) => return usage_error(format!("a login user ({user}) is set but no password: set SMTP_DOCTOR_PASSWORD or EMAIL_HOST_PASSWORD, or use --password-stdin")),
            Err(e) => return usage_error(e),
        }
    }
    plan.send = send;
    let framework = out.framework.unwrap_or(app.framework);
    let what = format!("testing {}:{} …", app.host, app.port);
    let observations = match probe_with_progress(plan, &out, &what).await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let opts = Options {
        lang: out.lang,
        framework,
    };
    let diagnosis = preflight::diagnose(&observations, &path, &opts);
    let mut report = Report::new("preflight", observations, diagnosis, &opts);
    report.configured = Some(path);
    report.settings = app.report;
    write_report(&report, &out)
}

/// `check --targets FILE` / `check --mx DOMAIN`: every target probed by one engine, at most
/// `concurrency` at a time, each report written as soon as it is ready.
async fn run_many(
    targets: Option<PathBuf>,
    mx: Option<String>,
    concurrency: usize,
    probe: ProbeArgs,
    out: OutputArgs,
) -> ExitCode {
    use smtp_doctor::targets::{self, Target};
    use std::sync::Arc;
    let list: Vec<Target> = match (&targets, &mx) {
        (Some(path), _) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    return usage_error(format!("cannot read {}: {}", path.display(), e.kind()))
                }
            };
            match targets::parse(&text, &path.display().to_string()) {
                Ok(t) => t,
                Err(e) => return usage_error(e),
            }
        }
        (None, Some(domain)) => {
            if let Err(e) = plan::validate_host(domain) {
                return usage_error(e);
            }
            let timing = Timing::new(probe.timeout);
            match smtp_doctor::probe::dns::mx_hosts(domain, probe.dns_server, timing.dns).await {
                Ok(hosts) if !hosts.is_empty() => hosts
                    .into_iter()
                    .map(|(_, host)| Target {
                        host,
                        port: Some(25),
                    })
                    .collect(),
                Ok(_) => return usage_error(format!("{domain} has no MX record")),
                Err(e) => {
                    eprintln!("smtp-doctor: cannot look up the MX of {domain}: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        (None, None) => return usage_error("give a HOST, --targets FILE or --mx DOMAIN"),
    };
    if list.is_empty() {
        return usage_error("no targets");
    }
    let base_roots = match probe.ca_roots() {
        Ok(roots) => roots,
        Err(e) => return usage_error(e),
    };
    let engine = match engine::Engine::new(&base_roots) {
        Ok(e) => Arc::new(e),
        Err(e) => return usage_error(e),
    };
    let opts = Arc::new(Options {
        lang: out.lang,
        framework: out.framework.unwrap_or_default(),
    });
    let json = is_json(&out);
    let total = list.len();
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Report>(concurrency.max(1));
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let spawner = {
        let probe = probe.clone();
        tokio::spawn(async move {
            for t in list {
                let Ok(permit) = gate.clone().acquire_owned().await else {
                    break;
                };
                let ports = t
                    .port
                    .map(|p| vec![p])
                    .unwrap_or_else(|| probe.ports.clone());
                let mut plan = match Plan::new(&t.host, &ports) {
                    Ok(p) => p,
                    Err(_) => continue,
                };
                probe.apply_network(&mut plan);
                let (engine, opts, tx) = (engine.clone(), opts.clone(), tx.clone());
                tokio::spawn(async move {
                    let obs = engine.run(plan).await;
                    let d = diagnosis::diagnose(&obs, &opts);
                    let _ = tx.send(Report::new("check", obs, d, &opts)).await;
                    drop(permit);
                });
            }
        })
    };
    let mut stdout = std::io::stdout().lock();
    let (mut done, mut ok, mut degraded, mut failed) = (0usize, 0usize, 0usize, 0usize);
    while let Some(report) = rx.recv().await {
        done += 1;
        match report.verdict {
            smtp_doctor::report::Verdict::Ok => ok += 1,
            smtp_doctor::report::Verdict::Degraded => degraded += 1,
            smtp_doctor::report::Verdict::Failed => failed += 1,
        }
        if progress {
            eprint!("\r\x1b[2K");
        }
        let line = if json {
            serde_json::to_string(&report).unwrap_or_default()
        } else {
            let ports: Vec<String> = report.ports.iter().map(|p| p.to_string()).collect();
            let mark = if report.verdict == smtp_doctor::report::Verdict::Ok {
                "✓"
            } else {
                "✗"
            };
            let cause = report.cause.map(|c| c.as_str()).unwrap_or("");
            format!(
                "{mark} {}:{}  {}  {}  {:.0} ms",
                report.host,
                ports.join(","),
                report.verdict.as_str(),
                cause,
                report.elapsed_ms
            )
        };
        if writeln!(stdout, "{line}").is_err() {
            break; // a closed pipe: stop quietly
        }
        if progress {
            let _ = stdout.flush();
            eprint!("[{done}/{total}] {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    let _ = spawner.await;
    if progress {
        eprint!("\r\x1b[2K");
    }
    if !json {
        let _ = writeln!(
            stdout,
            "{total} targets: {ok} ok, {degraded} degraded, {failed} failed · {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    let _ = stdout.flush();
    ExitCode::from(u8::from(ok != total))
}

/// Runs the engine with a progress note on a terminal; a TLS set-up that cannot be built
/// (a broken --ca-file) is a usage error.
async fn probe_with_progress(
    plan: Plan,
    out: &OutputArgs,
    what: &str,
) -> Result<smtp_doctor::model::Observations, ExitCode> {
    let spinner = Progress::start(out, what);
    let result = engine::run(plan).await;
    spinner.stop();
    result.map_err(usage_error)
}

fn build_plan(host: &str, probe: ProbeArgs) -> Result<Plan, String> {
    let mut plan = Plan::new(host, &probe.ports).map_err(|e| e.to_string())?;
    probe.apply_network(&mut plan);
    plan.extra_roots = probe.ca_roots()?;
    if let Some(user) = probe.user.clone() {
        match secret(&probe, None)? {
            Some((secret, kind)) => plan.credentials = Some(Credentials { user, secret, kind }),
            None => return Err("--user needs a password: set SMTP_DOCTOR_PASSWORD (or SMTP_DOCTOR_OAUTH_TOKEN), or use --password-stdin".into()),
        }
    }
    Ok(plan)
}

impl ProbeArgs {
    /// The network options every plan takes from the command line, whichever command.
    fn apply_network(&self, plan: &mut Plan) {
        plan.timing = Timing::new(self.timeout);
        plan.resolve = self.resolve.clone();
        plan.connect_to = self.connect_to.clone();
        plan.dns_server = self.dns_server;
        plan.insecure_auth = self.insecure_auth;
    }

    /// The certificates of every `--ca-file`, DER.
    fn ca_roots(&self) -> Result<Vec<Vec<u8>>, String> {
        let mut roots = Vec::new();
        for path in &self.ca_files {
            roots.extend(plan::load_ca_file(path).map_err(|e| e.to_string())?);
        }
        Ok(roots)
    }
}

fn is_json(out: &OutputArgs) -> bool {
    out.json || out.format == FormatArg::Json
}

fn emit(
    command: &str,
    observations: smtp_doctor::model::Observations,
    out: &OutputArgs,
) -> ExitCode {
    let opts = Options {
        lang: out.lang,
        framework: out.framework.unwrap_or_default(),
    };
    let diagnosis = diagnosis::diagnose(&observations, &opts);
    let report = Report::new(command, observations, diagnosis, &opts);
    write_report(&report, out)
}

fn write_report(report: &Report, out: &OutputArgs) -> ExitCode {
    let rendered = if is_json(out) {
        json::render(report)
    } else if out.format == FormatArg::Markdown {
        markdown::render(report)
    } else {
        let color = !out.no_color
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true);
        text::render(
            report,
            text::TextOptions {
                color,
                verbose: out.verbose,
            },
        )
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = stdout.write_all(rendered.as_bytes());
    let _ = stdout.flush();
    ExitCode::from(report.exit_code() as u8)
}

/// A one-line progress note on stderr, only when stderr is a terminal and output is text.
struct Progress {
    shown: bool,
}

impl Progress {
    fn start(out: &OutputArgs, what: &str) -> Progress {
        let shown = std::io::stderr().is_terminal() && !is_json(out);
        if shown {
            eprint!("{what}");
        }
        Progress { shown }
    }
    fn stop(self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}
