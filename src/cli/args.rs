//! The command line's words: subcommands, flags, their help and examples (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use smtp_doctor::model::Security;
use smtp_doctor::{ConnectTo, Framework, Lang, ResolveOverride};
use std::path::PathBuf;
use std::time::Duration;

mod serve;
pub(crate) use serve::ServeArgs;

const PREFLIGHT_EXAMPLES: &str = "\
Examples:
  smtp-doctor preflight                        # in the Django project folder (.env, settings.py)
  smtp-doctor preflight && python manage.py runserver
  smtp-doctor preflight --env-file deploy/.env.production --json
  SMTP_DOCTOR_PASSWORD=app-password smtp-doctor preflight --send-to me@example.com
  smtp-doctor preflight --port 465 --security implicit-tls   # try a change before making it
  smtp-doctor preflight --no-app-client        # smtp-doctor's own probe only

Settings are read in this order of precedence: flags, process environment, --env-file
(default ./.env), then the framework's files. Understood: Django EMAIL_* and EMAIL_URL
(smtp://; smtp+tls:// and smtps:// = STARTTLS; smtp+ssl:// = implicit TLS; submission://),
Laravel MAIL_*, Flask-Mail MAIL_SERVER/MAIL_USE_TLS/MAIL_USE_SSL (also config.py), Node
SMTP_HOST/SMTP_PORT/SMTP_SECURE/SMTP_USER/SMTP_PASS, Spring spring.mail.*. With none of them
anywhere, preflight says so and exits 2. In a Django project it asks the project's own Python
for Django's effective settings (once, bounded, announced in the report); --no-project-code
reads settings.py as text instead.

Beside its own probe, preflight runs the application's own client in the application's
runtime (Django's get_connection(), smtplib as Flask-Mail uses it, the project's nodemailer),
so a difference in the runtime's trust store, EHLO name or TLS is named (app.* findings,
smtp.ehlo_name_invalid) instead of reported as ok. --ca-file, --resolve and --connect-to apply
to smtp-doctor's probe only.

Exit status: 0 the configured path works, 1 it does not, 2 settings that cannot be read.";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  smtp-doctor explain 'TimeoutError: [WinError 10060] Se produjo un error durante el intento de conexión ya que la parte conectada no respondió adecuadamente'
  smtp-doctor explain --file error.log --lang es
  python manage.py sendtestemail me@example.com 2>&1 | smtp-doctor explain
  smtp-doctor explain 'Error: connect ETIMEDOUT 142.250.1.108:587' --json
  smtp-doctor explain --file traceback.txt --host smtp.gmail.com --run

Standard input is read when neither TEXT nor --file is given (at most 1 MiB).
With --run, the check probes the port the text names and 587/465 (or the --port flags), on the
server the text names (or --host); --timeout, --resolve, --connect-to, --ca-file and --user
apply to that check as they do to `check`.
Exit status: 0 recognised, 1 not recognised, 2 bad usage; with --run, the check's status.";

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
// `bin_name` too: clap would otherwise take it from argv[0], `Usage: smtp-doctor.exe` on Windows.
#[command(
    name = "smtp-doctor",
    bin_name = "smtp-doctor",
    version,
    about,
    after_help = EXAMPLES
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
    /// Explain a pasted error or traceback (TEXT, --file FILE, or standard input): which layer
    /// failed, the likely causes ranked, and the smtp-doctor command that confirms it.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain {
        /// The error text [default: read from --file, else standard input].
        #[arg(conflicts_with = "file")]
        text: Option<String>,
        /// Read the error text (a traceback, a log excerpt) from FILE.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Run the confirming check on the host and port found in the text (or --host) and
        /// print the full diagnosis after the explanation; the exit status is then the check's.
        #[arg(long)]
        run: bool,
        /// The server, when the text names none (or to use another one).
        #[arg(long, value_name = "HOST")]
        host: Option<String>,
        #[command(flatten)]
        probe: ProbeArgs,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Serve Prometheus probes (the blackbox pattern): GET /probe?target=HOST[:PORT] runs what
    /// `check` runs and answers probe_success, probe_duration_seconds and smtp_doctor_* series
    /// naming the failed step and its finding code.
    #[command(after_help = serve::EXAMPLES)]
    Serve(ServeArgs),
    /// Reproduce the origin incident (587 silently dropped, 465 implicit TLS working) in a
    /// loopback lab and diagnose it. Needs no network.
    Demo {
        #[command(flatten)]
        out: OutputArgs,
    },
}

#[derive(Args, Debug, Clone)]
pub(crate) struct ProbeArgs {
    /// Port to probe; repeat for several [default: 587 and 465].
    #[arg(long = "port", short = 'p', value_name = "N", value_parser = port_arg, allow_hyphen_values = true)]
    pub(crate) ports: Vec<u16>,
    /// Per-step network timeout in seconds (decimals allowed). Without it, a silent port is
    /// called filtered after 1.5 s of fresh connection attempts, and each later step waits 5 s.
    #[arg(long, value_name = "SECS", value_parser = timeout_arg, allow_hyphen_values = true)]
    pub(crate) timeout: Option<Duration>,
    /// Use ADDR for HOST instead of DNS (IPv4 or IPv6); repeatable.
    #[arg(long, value_name = "HOST=ADDR")]
    pub(crate) resolve: Vec<ResolveOverride>,
    /// Reach HOST:PORT at ADDR:PORT2 instead (SSH tunnels, port forwards); names and
    /// certificate checks are unchanged; repeatable.
    #[arg(long = "connect-to", value_name = "HOST:PORT:ADDR:PORT2")]
    pub(crate) connect_to: Vec<ConnectTo>,
    /// Ask this DNS server instead of the system resolver.
    #[arg(long = "dns-server", value_name = "ADDR[:PORT]", value_parser = dns_arg)]
    pub(crate) dns_server: Option<std::net::SocketAddr>,
    /// Trust the CA certificates in this PEM file in addition to the system's; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub(crate) ca_files: Vec<PathBuf>,
    /// Log in as USER. The password comes from SMTP_DOCTOR_PASSWORD or --password-stdin (an
    /// OAuth 2 token for XOAUTH2 from SMTP_DOCTOR_OAUTH_TOKEN), never from the command line.
    #[arg(long, value_name = "USER")]
    pub(crate) user: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long = "password-stdin")]
    pub(crate) password_stdin: bool,
    /// Send credentials even when the connection is not encrypted with a verified certificate.
    #[arg(long = "insecure-auth")]
    pub(crate) insecure_auth: bool,
    /// The sender address: its domain is checked by DNS the way Gmail, Yahoo and Outlook
    /// check it (SPF, DKIM, DMARC) for the server's provider. In preflight, also the test
    /// message's sender [preflight default: the application's sender setting
    /// (DEFAULT_FROM_EMAIL, MAIL_FROM_ADDRESS, MAIL_DEFAULT_SENDER…), else the login user].
    #[arg(long, value_name = "ADDR")]
    pub(crate) from: Option<String>,
    /// A DKIM selector to check besides the provider's own (Amazon SES tokens, Postmark,
    /// Mailgun, Zoho, your own server); repeatable.
    #[arg(long = "dkim-selector", value_name = "SELECTOR")]
    pub(crate) dkim_selectors: Vec<String>,
}

#[derive(Args, Debug)]
pub(crate) struct PreflightArgs {
    /// The env file to read [default: ./.env when it exists].
    #[arg(long = "env-file", value_name = "FILE")]
    pub(crate) env_file: Option<PathBuf>,
    /// The Django project folder (where manage.py is) [default: this folder, when it has one].
    #[arg(long, value_name = "DIR")]
    pub(crate) django: Option<PathBuf>,
    /// Do not run any of the project's code. By default, in a Django project, preflight runs
    /// its Python (./.venv/bin/python, else python3 on PATH) as `manage.py shell -c …` to ask
    /// Django for its effective settings: once, for at most --timeout (default 10 s), with
    /// stdin closed, output capped, without SMTP_DOCTOR_PASSWORD / SMTP_DOCTOR_OAUTH_TOKEN, and
    /// the report says what ran. With this flag, settings.py is read as text instead.
    #[arg(long = "no-project-code", alias = "no-python")]
    pub(crate) no_project_code: bool,
    /// Do not run the application's own SMTP client. By default preflight also runs it beside
    /// its own probe, as the application would: Django's get_connection() in the project's
    /// Python (manage.py shell), smtplib the way Flask-Mail uses it, or the project's
    /// nodemailer (transporter.verify()); it connects, logs in with the app's settings, sends
    /// with --send-to, and closes. The report says what the app's runtime is and where it fails
    /// when smtp-doctor's probe does not (its trust store, its EHLO name, its TLS). Its
    /// --ca-file, --resolve and --connect-to do not apply to the app's client.
    #[arg(long = "no-app-client")]
    pub(crate) no_app_client: bool,
    /// Use this server instead of the configured one.
    #[arg(long, value_name = "HOST")]
    pub(crate) host: Option<String>,
    /// Use this TLS mode instead of the configured one.
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) security: Option<SecurityArg>,
    /// Send a real test message to ADDR through the configured path.
    #[arg(long = "send-to", value_name = "ADDR")]
    pub(crate) send_to: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SecurityArg {
    Plain,
    Starttls,
    #[value(name = "implicit-tls", alias = "ssl", alias = "implicit_tls")]
    ImplicitTls,
}

impl From<SecurityArg> for Security {
    fn from(s: SecurityArg) -> Security {
        match s {
            SecurityArg::Plain => Security::Plain,
            SecurityArg::Starttls => Security::Starttls,
            SecurityArg::ImplicitTls => Security::ImplicitTls,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatArg {
    Text,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub(crate) struct OutputArgs {
    /// Print the JSON report on stdout and nothing else (same as --format json).
    #[arg(long)]
    pub(crate) json: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: FormatArg,
    /// Language of the human-readable text: en or es (codes and JSON keys never change).
    #[arg(long, value_name = "en|es", default_value = "en")]
    pub(crate) lang: Lang,
    /// Write the fixes in this framework's setting names: django, flask, laravel, rails, node,
    /// spring, dotnet, phpmailer, url (EMAIL_URL) [default: django; preflight: the
    /// framework whose settings were read].
    #[arg(long, value_name = "NAME")]
    pub(crate) framework: Option<Framework>,
    /// Show certificate chains and the SMTP/TLS transcript of every connection.
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
    /// No colours (also when NO_COLOR is set or stdout is not a terminal).
    #[arg(long = "no-color")]
    pub(crate) no_color: bool,
    /// Text report in ASCII only (`ok`, `x`, `->` for the symbols; also SMTP_DOCTOR_ASCII=1).
    /// The default on Windows when stdout is not a console; SMTP_DOCTOR_ASCII=0 turns it off.
    #[arg(long)]
    pub(crate) ascii: bool,
}

fn port_arg(s: &str) -> Result<u16, String> {
    smtp_doctor::parse_port(s).map_err(|e| e.to_string())
}
fn timeout_arg(s: &str) -> Result<Duration, String> {
    smtp_doctor::parse_timeout(s).map_err(|e| e.to_string())
}
fn dns_arg(s: &str) -> Result<std::net::SocketAddr, String> {
    smtp_doctor::parse_dns_server(s).map_err(|e| e.to_string())
}
