//! Bad usage: one line on stderr naming the problem, exit 2, nothing on stdout.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use std::io::Write;
use std::process::ExitCode;

/// Bad usage: one line on stderr, exit 2, nothing on stdout.
/// The message may quote what the user's files hold (a path, a value): it is escaped here, the
/// one door to stderr for usage errors, so no terminal escape or line break gets through.
pub(crate) fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    let line = smtp_doctor::escape(msg.to_string().as_bytes());
    let _ = writeln!(std::io::stderr(), "smtp-doctor: {line}");
    ExitCode::from(2)
}

/// What clap refused: `--help` and `--version` print as clap renders them; a mistake becomes
/// one line built from the error's kind and context (never from its rendered text).
pub(crate) fn clap_error(err: &clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            ExitCode::from(2)
        }
        _ => usage_error(one_line(err)),
    }
}

fn context(err: &clap::Error, kind: ContextKind) -> Option<String> {
    let value = err.get(kind)?;
    Some(match value {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(all) => all.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(all) => all
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        ContextValue::None => return None,
        _ => return None,
    })
}

/// The problem in one line: what was wrong, with what, and a suggestion when clap has one.
fn one_line(err: &clap::Error) -> String {
    let arg = context(err, ContextKind::InvalidArg)
        .or_else(|| context(err, ContextKind::InvalidSubcommand))
        .unwrap_or_default();
    let value = context(err, ContextKind::InvalidValue).unwrap_or_default();
    let mut line = match err.kind() {
        ErrorKind::ValueValidation => {
            // The value parser's own message (e.g. "invalid port \"abc\": …") is the source.
            let why = std::error::Error::source(err)
                .map(|e| e.to_string())
                .unwrap_or_default();
            format!("invalid value '{value}' for '{arg}': {why}")
        }
        ErrorKind::InvalidValue => format!("invalid value '{value}' for '{arg}'"),
        ErrorKind::UnknownArgument => format!("unexpected argument '{arg}'"),
        ErrorKind::InvalidSubcommand => format!("unrecognized subcommand '{arg}'"),
        ErrorKind::MissingRequiredArgument => {
            format!("the following required arguments were not provided: {arg}")
        }
        ErrorKind::MissingSubcommand => "a subcommand is required".to_string(),
        ErrorKind::ArgumentConflict => {
            let prior = context(err, ContextKind::PriorArg).unwrap_or_default();
            format!("'{arg}' cannot be used with '{prior}'")
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("wrong number of values for '{arg}'")
        }
        ErrorKind::NoEquals => format!("'{arg}' needs '=' before its value"),
        _ if !arg.is_empty() => format!("{} ({arg})", err.kind()),
        _ => err.kind().to_string(),
    };
    if let Some(valid) = context(err, ContextKind::ValidValue) {
        line.push_str(&format!(" [possible values: {valid}]"));
    }
    if let Some(s) = context(err, ContextKind::SuggestedArg)
        .or_else(|| context(err, ContextKind::SuggestedSubcommand))
        .or_else(|| context(err, ContextKind::SuggestedValue))
    {
        line.push_str(&format!("; did you mean '{s}'?"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::super::args::Cli;
    use super::*;
    use clap::Parser;

    fn line(args: &[&str]) -> String {
        let err = Cli::try_parse_from(std::iter::once("smtp-doctor").chain(args.iter().copied()))
            .expect_err("should be refused");
        one_line(&err)
    }

    #[test]
    fn every_mistake_is_one_line_naming_it() {
        let cases: &[(&[&str], &[&str])] = &[
            (
                &["check", "h", "--port", "abc"],
                &["--port", "abc", "invalid port"],
            ),
            (
                &["check", "h", "--format", "pdf"],
                &["pdf", "--format", "markdown"],
            ),
            (&["check", "h", "--frobnicate"], &["--frobnicate"]),
            (
                &["check", "h", "--jsno"],
                &["--jsno", "did you mean '--json'"],
            ),
            (&["launch"], &["launch"]),
            (&["chek"], &["chek", "did you mean 'check'"]),
            (&["check"], &["HOST"]),
            (
                &["check", "h", "--targets", "f"],
                &["--targets", "cannot be used with"],
            ),
            (&["check", "h", "--lang", "fr"], &["fr", "unknown language"]),
        ];
        for (args, needles) in cases {
            let got = line(args);
            assert!(!got.contains('\n'), "{args:?}: {got:?}");
            for n in *needles {
                assert!(got.contains(n), "{args:?}: {got:?} should contain {n:?}");
            }
        }
    }
}
