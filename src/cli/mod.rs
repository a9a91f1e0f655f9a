//! The command line: parse, validate into one configuration, run the engine, render. Thin on
//! purpose: every decision about mail lives in the library.

mod args;
mod check;
mod config;
mod explain;
mod many;
mod output;
mod preflight;
mod serve;
mod serve_config;
mod usage;

use args::{Cli, Command, FormatArg};
use clap::Parser;
use output::{emit, is_json, probe_with_progress};
use smtp_doctor::Report;
use std::io::Write;
use std::process::ExitCode;
use usage::usage_error;

/// Parses the command line and runs it; the process exit status comes back.
pub fn main() -> ExitCode {
    // A bug must still be one line a user can report, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let line = panic_line(info.location().map(|l| (l.file(), l.line())));
        let _ = writeln!(std::io::stderr(), "{line}");
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

/// The one line a panic prints: where, never what. A panic's message can quote the value it
/// choked on (a slice of a password, an environment variable), so the payload is not shown.
fn panic_line(at: Option<(&str, u32)>) -> String {
    let at = at
        .map(|(file, line)| format!(" at {file}:{line}"))
        .unwrap_or_default();
    format!(
        "smtp-doctor {}: internal error{at}; please report it (the command, without passwords)",
        env!("CARGO_PKG_VERSION")
    )
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
        } => check::run(&host, &probe, &out).await,
        Command::Diff { a, b } => diff(&a, &b),
        Command::Preflight {
            probe,
            settings,
            out,
        } => preflight::run(&probe, &settings, &out).await,
        Command::Demo { out } => demo(&out).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Explain {
            text,
            file,
            run,
            host,
            probe,
            out,
        } => {
            let input = explain::Input {
                text: text.as_deref(),
                file: file.as_deref(),
                host: host.as_deref(),
                run,
            };
            explain::run(input, &probe, &out).await
        }
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
        let intro = smtp_doctor::word(out.lang, smtp_doctor::Word::DemoIntro);
        if let Err(code) = output::print(&format!("{intro}\n")) {
            return code;
        }
    }
    // The lab stands for the origin incident; the machine that would be in the way is this one.
    let mut plan = lab.plan.clone();
    plan.machine_security = true;
    match probe_with_progress(plan, out, "probing the lab …").await {
        Ok(observations) => emit("demo", observations, out),
        Err(code) => code,
    }
}

fn diff(a: &std::path::Path, b: &std::path::Path) -> ExitCode {
    let load = |p: &std::path::Path| -> Result<Report, String> {
        let text =
            smtp_doctor::read_text(p, smtp_doctor::FileKind::Report).map_err(|e| e.to_string())?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a smtp-doctor JSON report: {e}", p.display()))
    };
    let (ra, rb) = match (load(a), load(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return usage_error(e),
    };
    let diffs = smtp_doctor::diff(&ra, &rb);
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
    match output::print(&out) {
        Ok(()) => ExitCode::from(u8::from(matters)),
        Err(code) => code,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_says_where_but_never_what() {
        let line = super::panic_line(Some(("src/x.rs", 7)));
        // The line is built from the location alone: the payload (which may quote a slice
        // of a password) has no way in.
        assert!(
            line.contains("src/x.rs:7") && line.contains("internal error"),
            "{line}"
        );
        assert_eq!(super::panic_line(None).lines().count(), 1);
    }
}
