//! The `smtp-doctor` command line: parse, validate into a plan, run the engine, render.

use clap::{Args, Parser, Subcommand, ValueEnum};
use smtp_doctor::diagnose::{self, Options};
use smtp_doctor::engine;
use smtp_doctor::fix::Framework;
use smtp_doctor::i18n::Lang;
use smtp_doctor::lab::DemoLab;
use smtp_doctor::plan::{self, ConnectTo, Plan, ResolveOverride, Timing};
use smtp_doctor::render::{json, markdown, text};
use smtp_doctor::report::Report;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  smtp-doctor check smtp.gmail.com
  smtp-doctor check smtp.office365.com --port 587 --lang es
  smtp-doctor check mail.example.com --port 25 --port 587 --port 465 --json
  smtp-doctor check smtp.gmail.com --resolve smtp.gmail.com=192.0.2.10 --timeout 3
  smtp-doctor check mail.internal --ca-file company-root.pem -v
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
        host: String,
        #[command(flatten)]
        probe: ProbeArgs,
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

#[derive(Args, Debug)]
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
    /// spring, dotnet, phpmailer, url (EMAIL_URL).
    #[arg(long, value_name = "NAME", default_value = "django")]
    framework: Framework,
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
        Command::Check { host, probe, out } => {
            let plan = match build_plan(&host, probe) {
                Ok(plan) => plan,
                Err(e) => return usage_error(e),
            };
            let spinner = Progress::start(&out, &format!("probing {} …", plan.host));
            let observations = match engine::run(plan).await {
                Ok(o) => o,
                Err(e) => {
                    spinner.stop();
                    return usage_error(e);
                }
            };
            spinner.stop();
            emit("check", observations, &out)
        }
        Command::Diff { a, b } => run_diff(&a, &b),
        Command::Demo { out } => {
            let lab = match DemoLab::start().await {
                Ok(lab) => lab,
                Err(e) => {
                    eprintln!("smtp-doctor: cannot build the demo lab: {e}");
                    return ExitCode::from(1);
                }
            };
            if !is_json(&out) && out.format == FormatArg::Text {
                let intro = match out.lang {
                    Lang::En => "Demo: the origin incident in a loopback lab. smtp.demo.test stands for smtp.gmail.com;\nits port 587 silently drops SYNs (an antivirus mail shield), 465 speaks implicit TLS.\n",
                    Lang::Es => "Demo: el incidente de origen en un laboratorio local. smtp.demo.test hace de smtp.gmail.com;\nsu puerto 587 descarta los SYN en silencio (un escudo de correo), el 465 habla TLS implícito.\n",
                };
                println!("{intro}");
            }
            let spinner = Progress::start(&out, "probing the lab …");
            let observations = match engine::run(lab.plan.clone()).await {
                Ok(o) => o,
                Err(e) => {
                    spinner.stop();
                    eprintln!("smtp-doctor: {e}");
                    return ExitCode::from(1);
                }
            };
            spinner.stop();
            emit("demo", observations, &out)
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

fn build_plan(host: &str, probe: ProbeArgs) -> Result<Plan, plan::PlanError> {
    let mut plan = Plan::new(host, &probe.ports)?;
    plan.timing = Timing::new(probe.timeout);
    plan.resolve = probe.resolve;
    plan.connect_to = probe.connect_to;
    plan.dns_server = probe.dns_server;
    for path in &probe.ca_files {
        plan.extra_roots.extend(plan::load_ca_file(path)?);
    }
    Ok(plan)
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
        framework: out.framework,
    };
    let diagnosis = diagnose::diagnose(&observations, &opts);
    let report = Report::new(command, observations, diagnosis, &opts);
    let rendered = if is_json(out) {
        json::render(&report)
    } else if out.format == FormatArg::Markdown {
        markdown::render(&report)
    } else {
        let color = !out.no_color
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true);
        text::render(
            &report,
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
