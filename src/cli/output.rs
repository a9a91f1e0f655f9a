//! Writing reports: the format and colour the flags ask for, progress only on a terminal.

use super::args::{FormatArg, OutputArgs};
use super::usage::usage_error;
use smtp_doctor::model::Observations;
use smtp_doctor::render::{json, markdown, terminal};
use smtp_doctor::{Options, Plan, Report};
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
    let diagnosis = smtp_doctor::diagnose(&observations, &opts);
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
        let rendered = terminal::render(
            report,
            terminal::TextOptions {
                color: colour(out),
                verbose: out.verbose,
            },
        );
        if ascii(
            out.ascii,
            std::env::var_os("SMTP_DOCTOR_ASCII"),
            console::stdout_is_console(),
        ) {
            terminal::ascii(&rendered)
        } else {
            rendered
        }
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
        // Last: on Windows this switches the console to escape codes, only when colour is wanted.
        && console::escapes_on_stdout()
}

/// Whether the text report is written in ASCII only: `--ascii`, else `SMTP_DOCTOR_ASCII`
/// (1 on, 0 off), else on Windows when stdout is not a console — a pipe or a file that
/// Windows PowerShell 5.1 reads in the OEM code page. A Windows console gets UTF-16 from std
/// (WriteConsoleW), whatever its code page; Linux and macOS stay UTF-8.
fn ascii(flag: bool, env: Option<std::ffi::OsString>, stdout_is_console: Option<bool>) -> bool {
    if flag {
        return true;
    }
    match env.as_ref().and_then(|v| v.to_str()) {
        Some("1") => return true,
        Some("0") => return false,
        _ => {}
    }
    stdout_is_console == Some(false)
}

/// The Windows console: escape codes only once virtual terminal processing is on.
#[cfg(windows)]
mod console {
    use windows_sys::Win32::Foundation::{HANDLE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Console::{
        GetConsoleMode, GetStdHandle, SetConsoleMode, CONSOLE_MODE,
        ENABLE_VIRTUAL_TERMINAL_PROCESSING, STD_ERROR_HANDLE, STD_HANDLE, STD_OUTPUT_HANDLE,
    };

    /// The console mode of a standard handle, or None when it is not a console.
    fn mode(which: STD_HANDLE) -> Option<(HANDLE, CONSOLE_MODE)> {
        // SAFETY: GetStdHandle has no preconditions; GetConsoleMode writes one u32 that we own,
        // and fails (0) on a handle that is not a console.
        unsafe {
            let handle = GetStdHandle(which);
            if handle.is_null() || handle == INVALID_HANDLE_VALUE {
                return None;
            }
            let mut mode: CONSOLE_MODE = 0;
            (GetConsoleMode(handle, &mut mode) != 0).then_some((handle, mode))
        }
    }

    fn enable_vt(which: STD_HANDLE) -> bool {
        let Some((handle, mode)) = mode(which) else {
            return false;
        };
        if mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
            return true;
        }
        // SAFETY: a console handle from GetStdHandle, a mode it reported plus one flag; a
        // console that cannot do escape codes (before Windows 10) refuses with 0.
        unsafe { SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0 }
    }

    /// Turns on escape codes for stdout; false when they would print as `←[31m`.
    pub(crate) fn escapes_on_stdout() -> bool {
        enable_vt(STD_OUTPUT_HANDLE)
    }

    /// Turns on escape codes for stderr (the progress line's erase).
    pub(crate) fn escapes_on_stderr() -> bool {
        enable_vt(STD_ERROR_HANDLE)
    }

    /// Whether stdout is a console (not a pipe or a file).
    pub(crate) fn stdout_is_console() -> Option<bool> {
        Some(mode(STD_OUTPUT_HANDLE).is_some())
    }
}

/// Elsewhere terminals take escape codes, and the output stays UTF-8 whatever it goes to.
#[cfg(not(windows))]
mod console {
    pub(crate) fn escapes_on_stdout() -> bool {
        true
    }
    pub(crate) fn escapes_on_stderr() -> bool {
        true
    }
    pub(crate) fn stdout_is_console() -> Option<bool> {
        None
    }
}

/// Runs the engine with a progress note on a terminal; a TLS set-up that cannot be built
/// (a broken --ca-file) is a usage error.
pub(crate) async fn probe_with_progress(
    plan: Plan,
    out: &OutputArgs,
    what: &str,
) -> Result<Observations, ExitCode> {
    let spinner = Progress::start(out, what);
    let result = smtp_doctor::run(plan).await;
    spinner.stop();
    result.map_err(usage_error)
}

/// A one-line progress note on stderr, only when stderr is a terminal and output is text.
pub(crate) struct Progress {
    shown: bool,
}

impl Progress {
    pub(crate) fn start(out: &OutputArgs, what: &str) -> Progress {
        let shown =
            std::io::stderr().is_terminal() && !is_json(out) && console::escapes_on_stderr();
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

#[cfg(test)]
mod tests {
    use super::ascii;
    use std::ffi::OsString;

    #[test]
    fn ascii_is_chosen_for_a_windows_pipe_and_forced_either_way() {
        let on = || Some(OsString::from("1"));
        let off = || Some(OsString::from("0"));
        // Linux/macOS (no console notion): UTF-8 unless asked.
        assert!(!ascii(false, None, None));
        assert!(ascii(true, None, None));
        assert!(ascii(false, on(), None));
        // Windows: a console gets UTF-8, a pipe or file ASCII.
        assert!(!ascii(false, None, Some(true)));
        assert!(ascii(false, None, Some(false)));
        // Forced: the flag wins over everything, the variable over the automatic choice.
        assert!(ascii(true, off(), Some(true)));
        assert!(!ascii(false, off(), Some(false)));
        assert!(ascii(false, on(), Some(true)));
        // Anything else in the variable is the automatic choice.
        assert!(ascii(false, Some(OsString::from("yes")), Some(false)));
        assert!(!ascii(false, Some(OsString::from("")), Some(true)));
    }
}
