//! `serve`'s flags and its `--help` examples.

// The two value parsers are the pure files of `serve` (no state, no I/O, no other module of
// the command line), which the fuzz crate includes by path.
use super::super::serve::allow::{parse_allow, AllowRule};
use super::super::serve::request::allow_host_arg;
use super::{dns_arg, timeout_arg};
use clap::Args;
use smtp_doctor::Lang;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) const EXAMPLES: &str = "\
Examples:
  smtp-doctor serve                                   # http://127.0.0.1:9925, any target
  curl 'http://127.0.0.1:9925/probe?target=smtp.gmail.com'
  curl 'http://127.0.0.1:9925/probe?target=smtp.gmail.com:465&format=json'
  smtp-doctor serve --listen 0.0.0.0:9925 --allow 192.0.2.0/24 --allow smtp.gmail.com:*
  smtp-doctor serve --concurrency 200 --per-target 2 --timeout 8 --ca-file company-root.pem
  smtp-doctor serve --config modules.toml     # kill -HUP to re-read (POST /-/reload: --enable-reload)

Routes: GET /probe?target=HOST[:PORT][&module=NAME][&format=json] (without a port: the
module's ports, else 587 and 465, exactly as `check HOST`), GET / (the modules and the last
probes, each linking to its JSON report), GET /metrics (the exporter's own), GET /-/healthy,
POST /-/reload (with --enable-reload). Credentials are never taken from the URL (user= or
password= is refused with 400): a module's login reads its secret from the exporter's
environment or a file.

modules.toml:
  [modules.submission]
  ports = [587]
  security = \"starttls\"          # or implicit_tls, plain
  timeout = 8
  ca_file = \"/etc/ssl/company-root.pem\"
  user = \"alerts@example.com\"
  password_env = \"ALERTS_SMTP_PASSWORD\"   # or password_file = \"/run/secrets/smtp\"

Prometheus (the blackbox pattern):
  scrape_configs:
    - job_name: smtp
      metrics_path: /probe
      static_configs:
        - targets: [smtp.gmail.com, 'smtp.office365.com:587']
      relabel_configs:
        - source_labels: [__address__]
          target_label: __param_target
        - source_labels: [__param_target]
          target_label: instance
        - target_label: __address__
          replacement: 127.0.0.1:9925

A probe is bounded by the scrape timeout Prometheus sends (X-Prometheus-Scrape-Timeout-Seconds)
less 0.5 s, and by --timeout. Listening on anything but loopback requires --allow. On
loopback, the Host header must name loopback (localhost, 127.0.0.1, [::1]) or an --allow-host.";

/// `serve`'s flags.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Where to listen. Anything but a loopback address requires --allow.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9925")]
    pub(crate) listen: SocketAddr,
    /// Targets that may be probed: a CIDR (10.0.0.0/8, 2001:db8::/32, or one address) on any
    /// port, or HOST:PORT (a name, *.example.com, an address or [v6]; PORT a number or *).
    /// Repeatable; comma lists accepted. Checked on every address actually dialled; a name
    /// pattern trusts that name's DNS answer. Without it (loopback only) any target is allowed.
    /// An IPv4-mapped or -compatible IPv6 address (::ffff:a.b.c.d, ::a.b.c.d) is matched as
    /// the IPv4 address it reaches.
    #[arg(long, value_name = "CIDR|HOST:PORT", value_delimiter = ',', value_parser = parse_allow)]
    pub(crate) allow: Vec<AllowRule>,
    /// At most this many probes at once; one more is answered 503 at once.
    #[arg(long, value_name = "N", default_value = "64", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) concurrency: u32,
    /// At most this many probes of one target (host and port) at once.
    #[arg(long = "per-target", value_name = "N", default_value = "4", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) per_target: u32,
    /// The longest one probe may take, in seconds [default: 10]; a shorter scrape timeout
    /// from Prometheus wins.
    #[arg(long, value_name = "SECS", value_parser = timeout_arg, allow_hyphen_values = true)]
    pub(crate) timeout: Option<Duration>,
    /// Trust the CA certificates in this PEM file in addition to the system's; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub(crate) ca_files: Vec<PathBuf>,
    /// Ask this DNS server instead of the system resolver.
    #[arg(long = "dns-server", value_name = "ADDR[:PORT]", value_parser = dns_arg)]
    pub(crate) dns_server: Option<SocketAddr>,
    /// The probe modules (TOML: `[modules.NAME]` with ports, security, timeout, ca_file, user
    /// and password_env or password_file). Read again on SIGHUP and on POST /-/reload; a
    /// file that does not read keeps the modules in use.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Answer POST /-/reload (off by default, as Prometheus' --web.enable-lifecycle: anyone
    /// who reaches the port could make the exporter read its files). SIGHUP always reloads.
    #[arg(long = "enable-reload")]
    pub(crate) enable_reload: bool,
    /// On a loopback --listen address, accept this name in the Host header too (besides
    /// localhost, 127.0.0.0/8 and [::1]); repeatable. Other names are refused with 403, so a
    /// web page cannot reach the exporter by pointing its own name at 127.0.0.1.
    #[arg(long = "allow-host", value_name = "NAME", value_parser = allow_host_arg)]
    pub(crate) allow_hosts: Vec<String>,
    /// At most this many connections from one client (an address; IPv6: its /64) at once
    /// [default: --concurrency + 8]. At the limit, its oldest idle connection makes way.
    #[arg(long = "per-client", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub(crate) per_client: Option<u32>,
    /// Language of the messages in `format=json` reports: en or es.
    #[arg(long, value_name = "en|es", default_value = "en")]
    pub(crate) lang: Lang,
}
