//! A benchmark and demo server built from the loopback lab (`smtp_doctor::lab`).
//!
//! ```sh
//! cargo run --release --example lab_server -- --ca-out /tmp/x/ca.pem --name mail.bench.test \
//!     --starttls 4 --implicit 1
//! ```
//!
//! Starts N STARTTLS and M implicit-TLS SMTP listeners on 127.0.0.1 (free ports, the lab's
//! `LabServer`), all with one certificate for `--name` (and 127.0.0.1, ::1) issued by a fresh
//! lab CA whose root is written to `--ca-out`. Prints one line per listener on stdout,
//! `starttls 127.0.0.1:PORT`, `implicit 127.0.0.1:PORT` or `plain 127.0.0.1:PORT`, then a line
//! `ready`, and serves until killed.
//!
//! `--listen MODE=ADDR:PORT` (repeatable; MODE is starttls, implicit or plain) also listens on
//! an address of your choice, e.g. a network namespace's own address
//! (`LabServer::start_on`), with the same behaviour and certificate.
//!
//! `--threads N` sets the runtime's worker threads (default: the number of CPUs).

use smtp_doctor::lab::{self, LabCa, LabServer, ServerBehaviour, ServerMode, Validity};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Plain,
    StartTls,
    Implicit,
}

impl Mode {
    fn parse(s: &str) -> Result<Mode, String> {
        match s {
            "plain" => Ok(Mode::Plain),
            "starttls" => Ok(Mode::StartTls),
            "implicit" => Ok(Mode::Implicit),
            _ => Err(format!("unknown mode {s:?} (plain, starttls, implicit)")),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Mode::Plain => "plain",
            Mode::StartTls => "starttls",
            Mode::Implicit => "implicit",
        }
    }
}

struct Args {
    ca_out: Option<String>,
    names: Vec<String>,
    starttls: usize,
    implicit: usize,
    plain: usize,
    listen: Vec<(Mode, SocketAddr)>,
    threads: Option<usize>,
}

const USAGE: &str = "usage: lab_server [--ca-out FILE] [--name NAME]... [--starttls N] [--implicit N] [--plain N] [--listen MODE=ADDR:PORT]... [--threads N]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        ca_out: None,
        names: Vec::new(),
        starttls: 0,
        implicit: 0,
        plain: 0,
        listen: Vec::new(),
        threads: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let count = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--ca-out" => a.ca_out = Some(value),
            "--name" => a.names.push(value),
            "--starttls" => a.starttls = count(&value)?,
            "--implicit" => a.implicit = count(&value)?,
            "--plain" => a.plain = count(&value)?,
            "--threads" => a.threads = Some(count(&value)?.max(1)),
            "--listen" => {
                let (mode, addr) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--listen {value}: expected MODE=ADDR:PORT"))?;
                let addr: SocketAddr =
                    addr.parse().map_err(|e| format!("--listen {value}: {e}"))?;
                a.listen.push((Mode::parse(mode)?, addr));
            }
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if a.names.is_empty() {
        a.names.push("mail.bench.test".into());
    }
    if a.starttls + a.implicit + a.plain == 0 && a.listen.is_empty() {
        a.starttls = 1;
        a.implicit = 1;
    }
    Ok(a)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("lab_server: {e}");
            std::process::exit(2);
        }
    };
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = args.threads {
        rt.worker_threads(n);
    }
    let rt = rt.build().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("lab_server: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let ca = LabCa::new("smtp-doctor bench CA", "smtp-doctor lab")?;
    let mut names: Vec<&str> = args.names.iter().map(String::as_str).collect();
    names.extend(["127.0.0.1", "::1"]);
    for (_, addr) in &args.listen {
        // The certificate also names every --listen address, for checks by IP literal.
        let ip = addr.ip().to_string();
        if !names.contains(&ip.as_str()) {
            names.push(Box::leak(ip.into_boxed_str()));
        }
    }
    let cert = ca.issue(&names, Validity::Current)?;
    let tls = lab::server_tls(&cert)?;
    if let Some(path) = &args.ca_out {
        std::fs::write(path, ca.root_pem())?;
    }

    let mut servers = Vec::new();
    let mut lines = Vec::new();
    for (mode, n) in [
        (Mode::StartTls, args.starttls),
        (Mode::Implicit, args.implicit),
        (Mode::Plain, args.plain),
    ] {
        for _ in 0..n {
            let s = LabServer::start(ServerBehaviour::smtp(server_mode(mode, &tls))).await?;
            lines.push(format!("{} {}", mode.name(), s.addr));
            servers.push(s);
        }
    }
    for (mode, addr) in &args.listen {
        let s = LabServer::start_on(*addr, ServerBehaviour::smtp(server_mode(*mode, &tls))).await?;
        lines.push(format!("{} {}", mode.name(), s.addr));
        servers.push(s);
    }
    for l in lines {
        println!("{l}");
    }
    println!("ready");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    // Serve until killed.
    std::future::pending::<()>().await;
    drop(servers);
    Ok(())
}

fn server_mode(mode: Mode, tls: &Arc<rustls::ServerConfig>) -> ServerMode {
    match mode {
        Mode::Plain => ServerMode::Smtp { starttls: None },
        Mode::StartTls => ServerMode::Smtp {
            starttls: Some(tls.clone()),
        },
        Mode::Implicit => ServerMode::ImplicitTls(tls.clone()),
    }
}
