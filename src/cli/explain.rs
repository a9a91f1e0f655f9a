//! `smtp-doctor explain`: a pasted error text (argument, `--file` or standard input) in plain
//! words, with the command that confirms it; `--run` runs that command.

use super::args::{OutputArgs, ProbeArgs};
use super::check;
use super::output::{self, is_json};
use super::usage::usage_error;
use smtp_doctor::{Explanation, FileKind};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

/// What `explain` was given.
pub(crate) struct Input<'a> {
    pub(crate) text: Option<&'a str>,
    pub(crate) file: Option<&'a Path>,
    pub(crate) host: Option<&'a str>,
    pub(crate) run: bool,
}

pub(crate) async fn run(input: Input<'_>, probe: &ProbeArgs, out: &OutputArgs) -> ExitCode {
    if probe.password_stdin && input.text.is_none() && input.file.is_none() {
        return usage_error(
            "--password-stdin needs the error text as TEXT or --file: standard input cannot hold both",
        );
    }
    let text = match read(&input) {
        Ok(text) => text,
        Err(e) => return usage_error(e),
    };
    let explanation = match smtp_doctor::explain(&text, input.host) {
        Ok(e) => e,
        Err(e) => return usage_error(e),
    };
    if input.run {
        return run_check(&explanation, probe, out).await;
    }
    let status = ExitCode::from(u8::from(!explanation.recognised()));
    let shown = if is_json(out) {
        format!("{}\n", explanation.to_json(out.lang))
    } else {
        explanation.to_text(out.lang)
    };
    match output::print(&shown) {
        Ok(()) => status,
        Err(code) => code,
    }
}

/// The text: the argument, else the file, else standard input; each bounded.
fn read(input: &Input<'_>) -> Result<String, String> {
    let limit = FileKind::ErrorText.limit();
    if let Some(text) = input.text {
        return Ok(text.to_string());
    }
    if let Some(path) = input.file {
        return smtp_doctor::read_text(path, FileKind::ErrorText).map_err(|e| e.to_string());
    }
    if std::io::stdin().is_terminal() {
        super::output::note(
            "paste the error text, then press Ctrl-D (Ctrl-Z and Enter on Windows)\n",
        );
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {}", e.kind()))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "standard input is larger than the limit of {}",
            smtp_doctor::human_bytes(limit)
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `--run`: the same check as `smtp-doctor check HOST --port …` on the explanation's host and
/// ports (the `next` command), printed after the explanation; the exit status is the check's.
async fn run_check(e: &Explanation, probe: &ProbeArgs, out: &OutputArgs) -> ExitCode {
    let Some(host) = e.host.as_deref() else {
        return usage_error("--run needs a server: the text names none; give it with --host HOST");
    };
    let mut probe = probe.clone();
    if probe.ports.is_empty() {
        probe.ports = e.ports.clone();
    }
    // A receiver's refusal of the sender's domain: the check examines that domain too.
    if probe.from.is_none() {
        probe.from = e.sender();
    }
    let observations = match check::observations(host, &probe, out).await {
        Ok(o) => o,
        Err(code) => return code,
    };
    let opts = output::options(out);
    let diagnosis = smtp_doctor::diagnose(&observations, &opts);
    let report = smtp_doctor::Report::new("check", observations, diagnosis, &opts);
    if is_json(out) {
        let mut value = e.to_json(out.lang);
        let rendered = smtp_doctor::render::json::render(&report);
        let check: serde_json::Value = serde_json::from_str(&rendered).unwrap_or_default();
        value["check"] = check;
        return match output::print(&format!("{value}\n")) {
            Ok(()) => ExitCode::from(report.exit_code() as u8),
            Err(code) => code,
        };
    }
    let intro = smtp_doctor::explain_word(out.lang, smtp_doctor::ExplainWord::RunningCheck);
    if let Err(code) = output::print(&format!("{}\n{intro}\n\n", e.to_text(out.lang))) {
        return code;
    }
    output::write_report(&report, out)
}
