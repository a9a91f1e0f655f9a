//! The command line: parse, validate into one configuration, run the engine, render. Thin on
//! purpose: every decision about mail lives in the library.

mod args;
mod config;
mod many;
mod output;
mod preflight;
mod usage;

use args::{Cli, Command, FormatArg};
use clap::Parser;
use config::NetConfig;
use output::{emit, is_json, probe_with_progress};
use smtp_doctor::report::Report;
use std::io::Write;
use std::process::ExitCode;
pub(crate) use usage::usage_error;

/// Parses the command line and runs it; the process exit status comes back.
pub fn main() -> ExitCode {
    // A bug must still be one line a user can report, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "smtp-doctor: internal error{at}: {}; please report it",
            smtp_doctor::text::escape(what.as_bytes())
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage::clap_error(&err),
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
        } => {
            let source = match (targets, mx) {
                (Some(file), _) => many::Source::File(file),
                (None, Some(domain)) => many::Source::Mx(domain),
                (None, None) => return usage_error("give a HOST, --targets FILE or --mx DOMAIN"),
            };
            many::run(source, concurrency as usize, &probe, &out).await
        }
        Command::Check {
            host: Some(host),
            probe,
            out,
            ..
        } => check(&host, &probe, &out).await,
        Command::Diff { a, b } => diff(&a, &b),
        Command::Preflight {
            probe,
            settings,
            out,
        } => preflight::run(&probe, &settings, &out).await,
        Command::Demo { out } => demo(&out).await,
    }
}

async fn check(host: &str, probe: &args::ProbeArgs, out: &args::OutputArgs) -> ExitCode {
    let net = match NetConfig::from_args(probe) {
        Ok(net) => net,
        Err(e) => return usage_error(e),
    };
    let mut plan = match net.plan(host, &net.ports) {
        Ok(plan) => plan,
        Err(e) => return usage_error(e),
    };
    match config::login(probe, probe.user.clone(), None) {
        Ok(credentials) => plan.credentials = credentials,
        Err(e) => return usage_error(e),
    }
    let what = format!("probing {} …", plan.host);
    match probe_with_progress(plan, out, &what).await {
        Ok(observations) => emit("check", observations, out),
        Err(code) => code,
    }
}

async fn demo(out: &args::OutputArgs) -> ExitCode {
    let lab = match smtp_doctor::lab::DemoLab::start().await {
        Ok(lab) => lab,
        Err(e) => {
            eprintln!("smtp-doctor: cannot build the demo lab: {e}");
            return ExitCode::from(1);
        }
    };
    if !is_json(out) && out.format == FormatArg::Text {
        let intro = smtp_doctor::i18n::word(out.lang, smtp_doctor::i18n::Word::DemoIntro);
        println!("{intro}");
    }
    match probe_with_progress(lab.plan.clone(), out, "probing the lab …").await {
        Ok(observations) => emit("demo", observations, out),
        Err(code) => code,
    }
}

fn diff(a: &std::path::Path, b: &std::path::Path) -> ExitCode {
    let load = |p: &std::path::Path| -> Result<Report, String> {
        let text = smtp_doctor::files::read_text(p, smtp_doctor::files::FileKind::Report)
            .map_err(|e| e.to_string())?;
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
