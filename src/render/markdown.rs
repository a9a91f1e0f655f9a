//! The incident report in Markdown, shaped like the project's origin report: problem and
//! error, diagnostic table, root cause, solutions with code, and how to verify future machines.
//! Renders well on GitHub (tables, fenced code).

use crate::diagnosis::{Finding, Severity};
use crate::frameworks;
use crate::i18n::{self, Lang, Md, Word};
use crate::model::TlsVersion;
use crate::model::{DnsOutcome, EndpointObservation, GreetingOutcome, SmtpObservation, TcpState};
use crate::model::{HandshakeOutcome, TlsObservation, Verification};
use crate::report::{Report, Verdict};
use std::fmt::Write as _;

/// Escapes text for Markdown prose and table cells, and for the HTML a Markdown renderer
/// passes through: every string from the network or a file goes through here (the server's
/// words inside the findings' messages too). HTML metacharacters become entities; Markdown
/// punctuation that could start emphasis, code, a link, an image, a table cell, strikethrough
/// or math is backslash-escaped; the `://` and `www.` of bare URLs are broken so renderers
/// that turn them into links (GitHub's autolinks) do not; line breaks become spaces.
pub(crate) fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut prev: Vec<char> = Vec::with_capacity(3);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '|' | '~' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            ':' if chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/') => {
                out.push_str("\\:")
            }
            '.' if prev.len() == 3 && prev.iter().all(|p| p.eq_ignore_ascii_case(&'w')) => {
                out.push_str("\\.")
            }
            c => out.push(c),
        }
        if prev.len() == 3 {
            prev.remove(0);
        }
        prev.push(c);
    }
    out
}

/// A fence for a code block holding `content`: longer than any run of backticks in it, so
/// the content cannot close the block early (CommonMark §4.5).
fn fence(content: &str) -> String {
    "`".repeat((longest_backtick_run(content) + 1).max(3))
}

fn longest_backtick_run(content: &str) -> usize {
    content.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `content` as a code span in a table cell: delimited by more backticks than any run in
/// it (padded when it starts or ends with one), its `|` escaped as GFM tables require.
fn code_span_in_cell(content: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(content) + 1);
    let pad = if content.starts_with('`') || content.ends_with('`') {
        " "
    } else {
        ""
    };
    let content = content.replace('|', "\\|").replace(['\r', '\n'], " ");
    format!("{ticks}{pad}{content}{pad}{ticks}")
}

/// `content` in a fenced code block tagged `info`.
fn code_block(info: &str, content: &str) -> String {
    let f = fence(content);
    let content = content.trim_end_matches('\n');
    format!("{f}{info}\n{content}\n{f}\n")
}

fn cell(s: &str) -> String {
    escape_markdown(s)
}

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    header(&mut out, report);
    let cause = report
        .cause
        .and_then(|c| report.findings.iter().find(|f| f.code == c));
    problem(&mut out, report.lang, cause);
    diagnostic_table(&mut out, report);
    will_it_arrive(&mut out, report);
    findings(&mut out, report, cause);
    solutions(&mut out, report);
    verification(&mut out, report);
    out
}

fn header(out: &mut String, report: &Report) {
    let lang = report.lang;
    let _ = writeln!(
        out,
        "# {}: {}\n",
        i18n::md(lang, Md::Title),
        escape_markdown(&report.host)
    );
    let date = crate::printable::rfc3339(report.observed_at_unix)
        .replace('T', " ")
        .replace('Z', " UTC");
    let (status, severity) = match report.verdict {
        Verdict::Ok => (Md::StatusOk, Md::SeverityNone),
        Verdict::Degraded => (Md::StatusResolved, Md::SeverityMedium),
        Verdict::Failed => (Md::StatusResolved, Md::SeverityHigh),
    };
    let _ = writeln!(out, "**{}:** {date}  ", i18n::md(lang, Md::Date));
    let _ = writeln!(
        out,
        "**{}:** {} (verdict `{}`)  ",
        i18n::md(lang, Md::Status),
        i18n::md(lang, status),
        report.verdict.as_str()
    );
    let _ = writeln!(
        out,
        "**{}:** {}\n",
        i18n::md(lang, Md::Severity),
        i18n::md(lang, severity)
    );
    // Preflight: the application's own client, as the text report says it.
    if let Some(a) = &report.app_client {
        let _ = writeln!(out, "{}\n", escape_markdown(&a.step_line(lang)));
        if let Some(error) = &a.error {
            let _ = writeln!(out, "{}\n", code_block("text", error));
        }
        if !a.timings.is_empty() {
            let line = crate::i18n::app_client::timings(lang, &a.timings);
            let _ = writeln!(out, "{}\n", escape_markdown(&line));
        }
        if !a.ran.is_empty() {
            let label = crate::i18n::app_client::ran_label(lang);
            let _ = writeln!(
                out,
                "{}\n",
                code_block("text", &format!("{label}:\n{}", a.ran.join("\n")))
            );
        }
    }
}

/// 1. Problem: what the application sees, with the evidence.
fn problem(out: &mut String, lang: Lang, cause: Option<&Finding>) {
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Problem));
    let Some(f) = cause else {
        let _ = writeln!(out, "{}\n", i18n::md(lang, Md::ProblemOk));
        return;
    };
    let _ = writeln!(
        out,
        "**{}:** {}\n",
        i18n::md(lang, Md::Symptom),
        i18n::symptom(lang, f.code.symptom(), f.port)
    );
    if let Some(ev) = &f.evidence {
        let _ = writeln!(out, "{}", code_block("", ev));
    }
}

/// 2. Diagnostic: one row per step of every endpoint.
fn diagnostic_table(out: &mut String, report: &Report) {
    let lang = report.lang;
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Diagnostic));
    let _ = writeln!(
        out,
        "| {} | {} | {} |",
        i18n::md(lang, Md::Test),
        i18n::md(lang, Md::Detail),
        i18n::md(lang, Md::Result)
    );
    let _ = writeln!(out, "| :--- | :--- | :--- |");
    let _ = writeln!(
        out,
        "| **DNS** | {} {} | {} |",
        i18n::word(lang, Word::Resolve),
        code_span_in_cell(&report.host),
        dns_result(report)
    );
    for ep in &report.endpoints {
        let _ = writeln!(
            out,
            "| **TCP {}** | {} {} ({}) | {} |",
            ep.port,
            i18n::word(lang, Word::ConnectTo),
            ep.address,
            i18n::mode_short(lang, ep.security),
            tcp_result(lang, ep)
        );
        if let Some(smtp) = &ep.smtp {
            let _ = writeln!(
                out,
                "| **SMTP {}** | {} | {} |",
                ep.port,
                i18n::word(lang, Word::GreetingAndEhlo),
                smtp_result(lang, smtp)
            );
        }
        if let Some(tls) = &ep.tls {
            let _ = writeln!(
                out,
                "| **TLS {}** | {} | {} |",
                ep.port,
                i18n::mode_short(lang, tls.mode),
                tls_result(lang, tls)
            );
        }
    }
    out.push('\n');
}

fn dns_result(report: &Report) -> String {
    let w = |word: Word| i18n::word(report.lang, word);
    match &report.dns.outcome {
        DnsOutcome::Resolved => {
            let addrs: Vec<String> = report.dns.addresses.iter().map(|a| a.to_string()).collect();
            format!("✅ **OK** ({})", addrs.join(", "))
        }
        DnsOutcome::NxDomain => "❌ **NXDOMAIN**".into(),
        DnsOutcome::NoAddress => format!("❌ **{}**", w(Word::NoAddress).to_uppercase()),
        DnsOutcome::Failed { reason } => format!(
            "❌ **{}** ({})",
            w(Word::Failed).to_uppercase(),
            cell(reason)
        ),
    }
}

fn tcp_result(lang: Lang, ep: &EndpointObservation) -> String {
    let state = i18n::tcp_state(lang, ep.tcp.state).to_uppercase();
    match ep.tcp.state {
        TcpState::Open => format!("✅ **{state}** ({:.0} ms)", ep.tcp.ms),
        TcpState::Filtered => format!(
            "❌ **{state}** ({} SYN, {:.1} s, {})",
            ep.tcp.syns,
            ep.tcp.ms / 1000.0,
            i18n::word(lang, Word::NoAnswer)
        ),
        _ => {
            let code = ep
                .tcp
                .os_error
                .as_ref()
                .and_then(|e| e.name.clone())
                .unwrap_or_default();
            format!("❌ **{state}** ({code})")
        }
    }
}

fn smtp_result(lang: Lang, smtp: &SmtpObservation) -> String {
    let state = smtp.state();
    let mark = if state.is_ok() { "✅" } else { "❌" };
    let word = i18n::smtp_state(lang, state);
    match &smtp.greeting {
        GreetingOutcome::Ok { reply, .. } if state.is_ok() => {
            format!("{mark} {} {}", reply.code, cell(&reply.text))
        }
        // Greeted, then EHLO or STARTTLS failed.
        GreetingOutcome::Ok { reply, .. } => {
            let failure = smtp
                .ehlo_failed
                .as_ref()
                .or(smtp.ehlo_after_tls_failed.as_ref());
            let word = match failure {
                Some(f) => format!("EHLO: {}", i18n::ehlo_failure_short(lang, f)),
                None => word.to_string(),
            };
            format!("{mark} {} {} ({word})", reply.code, cell(&reply.text))
        }
        GreetingOutcome::Rejected { reply, .. } => {
            format!("{mark} {} {}", reply.code, cell(&reply.text))
        }
        GreetingOutcome::Silent { waited_ms, .. } => {
            format!("{mark} {word} ({:.1} s)", waited_ms / 1000.0)
        }
        GreetingOutcome::Closed { .. } => format!("{mark} {word}"),
        GreetingOutcome::NotSmtp { evidence, .. } => {
            format!("{mark} {word}: \"{}\"", cell(evidence))
        }
    }
}

fn tls_result(lang: Lang, tls: &TlsObservation) -> String {
    let w = |word: Word| i18n::word(lang, word);
    if let HandshakeOutcome::Failed { reason, .. } = &tls.handshake {
        return format!("❌ {}", cell(reason));
    }
    let version = tls.version().map_or("", TlsVersion::as_str);
    let state = tls.state();
    if state.is_ok() {
        let issuer = tls.chain.first().map(|c| c.issuer.as_str());
        return format!(
            "✅ {version}, {} ({})",
            w(Word::CertVerified),
            cell(issuer.unwrap_or_default())
        );
    }
    // Why, in words, then what the verifier said.
    let why = i18n::tls_state(lang, state);
    let said = match &tls.verification {
        Some(
            Verification::Expired { detail }
            | Verification::Untrusted { detail }
            | Verification::Invalid { detail },
        ) => Some(detail.clone()),
        Some(Verification::NameMismatch { presented, .. }) => Some(presented.join(", ")),
        Some(Verification::Verified) | None => None,
    };
    let why = match said {
        Some(said) => format!("{why}: {said}"),
        None => why.to_string(),
    };
    format!(
        "❌ {version}, {} ({})",
        w(Word::CertNotVerified),
        cell(&why)
    )
}

/// The root cause in words, then every other finding.
fn findings(out: &mut String, report: &Report, cause: Option<&Finding>) {
    let lang = report.lang;
    if let Some(f) = cause {
        let _ = writeln!(out, "### {}\n", i18n::md(lang, Md::RootCause));
        let _ = writeln!(
            out,
            "{} (`{}`)\n",
            escape_markdown(&f.message),
            f.code.as_str()
        );
    }
    if let Some(security) = &report.security {
        let word = i18n::word(lang, i18n::Word::WhoInTheWay);
        let mut label = word.chars();
        let label: String = label
            .next()
            .map(|c| c.to_uppercase().chain(label).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "**{label}:** {}\n",
            escape_markdown(&i18n::who_is_in_the_way(lang, security))
        );
    }
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| Some(f.code) != report.cause || f.severity != Severity::Error)
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "### {}\n", i18n::md(lang, Md::OtherFindings));
        for f in others {
            let _ = writeln!(
                out,
                "- `{}` — {}",
                f.code.as_str(),
                escape_markdown(&f.message)
            );
        }
        out.push('\n');
    }
}

/// The sender's domain ("will it arrive"): the records as read.
fn will_it_arrive(out: &mut String, report: &Report) {
    let Some(section) = super::domain::section(report) else {
        return;
    };
    let _ = writeln!(out, "### {}\n", escape_markdown(&section.heading));
    let _ = writeln!(out, "| | |\n| --- | --- |");
    for (label, value) in &section.rows {
        let _ = writeln!(out, "| {label} | {} |", cell(value));
    }
    let _ = writeln!(out, "\n*{}*\n", escape_markdown(&section.note));
}

/// 3. Solutions, best first, with the settings to paste.
fn solutions(out: &mut String, report: &Report) {
    let lang = report.lang;
    if report.recommendations.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Solutions));
    for (i, rec) in report.recommendations.iter().enumerate() {
        let letter = (b'A' + i as u8) as char;
        let tag = if i == 0 {
            format!(" ({})", i18n::md(lang, Md::Recommended))
        } else {
            String::new()
        };
        let _ = writeln!(out, "### {} {letter}{tag}\n", i18n::md(lang, Md::Solution));
        let _ = writeln!(out, "{}\n", escape_markdown(&rec.message));
        if !rec.settings.is_empty() {
            let _ = writeln!(
                out,
                "**{}:** `{}`\n",
                i18n::md(lang, Md::File),
                report.framework.settings_file()
            );
            let snippet = frameworks::snippet(report.framework, &rec.settings);
            let _ = writeln!(
                out,
                "{}",
                code_block(report.framework.snippet_lang(), &snippet)
            );
        }
        if !rec.commands.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                code_block("powershell", &rec.commands.join("\n"))
            );
        }
    }
}

/// 4. Verification: the command to run on the next machine.
fn verification(out: &mut String, report: &Report) {
    let lang = report.lang;
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Verification));
    let _ = writeln!(out, "{}\n", i18n::md(lang, Md::VerificationText));
    let ports: String = report
        .ports
        .iter()
        .map(|p| format!(" --port {p}"))
        .collect();
    let lang_flag = if lang == Lang::Es { " --lang es" } else { "" };
    let from = report
        .domain
        .as_ref()
        // Only an address a shell takes as one plain word goes into the command.
        .filter(|d| {
            d.sender
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@._+-".contains(c))
        })
        .map(|d| format!(" --from {}", d.sender))
        .unwrap_or_default();
    let command = format!("smtp-doctor check {}{ports}{from}{lang_flag}", report.host);
    let _ = write!(out, "{}", code_block("sh", &command));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_are_escaped() {
        let bait = "<img src=x> ![](https://evil.test/p.png) [a](http://e.test) | `c` *b* _i_ # h ~~s~~ $m$ www.evil.test a@b.test \\ &amp;\nnext";
        let got = escape_markdown(bait);
        assert_eq!(
            got,
            "&lt;img src=x&gt; \\!\\[\\](https\\://evil.test/p.png) \\[a\\](http\\://e.test) \\| \\`c\\` \\*b\\* \\_i\\_ \\# h \\~\\~s\\~\\~ \\$m\\$ www\\.evil.test a\\@b.test \\\\ &amp;amp; next"
        );
        // Ordinary text stays readable.
        assert_eq!(
            escape_markdown("Port 587: no answer (SYN) in 3.0 s."),
            "Port 587: no answer (SYN) in 3.0 s."
        );
    }

    #[test]
    fn code_cannot_close_its_fence_or_span() {
        let content = "x ```` y\n```\nz";
        let block = code_block("", content);
        assert!(block.starts_with("`````\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
        assert_eq!(code_block("sh", "a"), "```sh\na\n```\n");
        assert_eq!(code_span_in_cell("a`b|c"), "``a`b\\|c``");
        assert_eq!(code_span_in_cell("`a"), "`` `a ``");
        assert_eq!(code_span_in_cell("host"), "`host`");
    }
}
