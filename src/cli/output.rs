//! Writing reports: the format and colour the flags ask for, progress only on a terminal.

use super::args::{FormatArg, OutputArgs};
use super::usage_error;
use smtp_doctor::diagnosis::{self, Options};
use smtp_doctor::model::Observations;
use smtp_doctor::plan::Plan;
use smtp_doctor::render::{json, markdown, text};
use smtp_doctor::report::Report;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub(crate) fn is_json(out: &OutputArgs) -> bool {
    out.json || out.format == FormatArg::Json
}

/// The diagnosis options the output flags ask for.
pub(crate) fn options(out: &OutputArgs) -> Options {
    Options {
        lang: out.lang,
        framework: out.framework.unwrap_or_default(),
        login_user: None,
    }
}

/// Diagnoses a `check` (or `demo`) run and writes its report.
pub(crate) fn emit(command: &str, observations: Observations, out: &OutputArgs) -> ExitCode {
    let opts = options(out);
    let diagnosis = diagnosis::diagnose(&observations, &opts);
    let report = Report::new(command, observations, diagnosis, &opts);
    write_report(&report, out)
}

/// Writes one report on stdout; the exit status is the verdict's.
pub(crate) fn write_report(report: &Report, out: &OutputArgs) -> ExitCode {
    let rendered = if is_json(out) {
        json::render(report)
    } else if out.format == FormatArg::Markdown {
        markdown::render(report)
    } else {
        text::render(
            report,
            text::TextOptions {
                color: colour(out),
                verbose: out.verbose,
            },
        )
    };
    match print(&rendered) {
        Ok(()) => ExitCode::from(report.exit_code() as u8),
        Err(code) => code,
    }
}

/// The exit status of a program whose standard output was closed under it (`| head`, `| true`):
/// 128 + SIGPIPE, what a shell reports for a program the signal ended.
pub(crate) const CLOSED_PIPE: u8 = 141;

/// Writes `text` on standard output. A reader that went away (a closed pipe) ends the program
/// quietly with [`CLOSED_PIPE`]; any other failure to write is said on stderr (exit 1).
pub(crate) fn print(text: &str) -> Result<(), ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ExitCode::from(CLOSED_PIPE)),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "smtp-doctor: cannot write the report: {e}"
            );
            Err(ExitCode::from(1))
        }
    }
}

/// Writes a progress note on stderr; a closed stderr is not worth stopping for.
pub(crate) fn note(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

fn colour(out: &OutputArgs) -> bool {
    !out.no_color
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
}

/// Runs the engine with a progress note on a terminal; a TLS set-up that cannot be built
/// (a broken --ca-file) is a usage error.
pub(crate) async fn probe_with_progress(
    plan: Plan,
    out: &OutputArgs,
    what: &str,
) -> Result<Observations, ExitCode> {
    let spinner = Progress::start(out, what);
    let result = smtp_doctor::engine::run(plan).await;
    spinner.stop();
    result.map_err(usage_error)
}

/// A one-line progress note on stderr, only when stderr is a terminal and output is text.
pub(crate) struct Progress {
    shown: bool,
}

impl Progress {
    pub(crate) fn start(out: &OutputArgs, what: &str) -> Progress {
        let shown = std::io::stderr().is_terminal() && !is_json(out);
        if shown {
            note(what);
        }
        Progress { shown }
    }

    pub(crate) fn stop(self) {
        if self.shown {
            note("\r\x1b[2K");
        }
    }
}
