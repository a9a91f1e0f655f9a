//! The incident report in Markdown, shaped like the project's origin report: problem and
//! error, diagnostic table, root cause, solutions with code, and how to verify future machines.
//! Renders well on GitHub (tables, fenced code).

use crate::diagnosis::Severity;
use crate::frameworks;
use crate::i18n::{self, Lang, Md, Word};
use crate::model::GreetingOutcome;
use crate::model::{DnsOutcome, TcpState};
use crate::model::{HandshakeOutcome, Verification};
use crate::report::{Report, Verdict};
use std::fmt::Write as _;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let lang = report.lang;
    let es = lang == Lang::Es;
    let w = |word: Word| i18n::word(lang, word);
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", i18n::md(lang, Md::Title), report.host);
    let date = crate::text::rfc3339(report.observed_at_unix)
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

    // 1. Problem.
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Problem));
    let cause_finding = report
        .cause
        .and_then(|c| report.findings.iter().find(|f| f.code == c));
    match cause_finding {
        None => {
            let _ = writeln!(out, "{}\n", i18n::md(lang, Md::ProblemOk));
        }
        Some(f) => {
            let _ = writeln!(
                out,
                "**{}:** {}\n",
                i18n::md(lang, Md::Symptom),
                i18n::symptom(lang, f.code.as_str(), f.port)
            );
            if let Some(ev) = &f.evidence {
                let _ = writeln!(out, "```\n{ev}\n```\n");
            }
        }
    }

    // 2. Diagnostic table.
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Diagnostic));
    let _ = writeln!(
        out,
        "| {} | {} | {} |",
        i18n::md(lang, Md::Test),
        i18n::md(lang, Md::Detail),
        i18n::md(lang, Md::Result)
    );
    let _ = writeln!(out, "| :--- | :--- | :--- |");
    let dns_result = match &report.dns.outcome {
        DnsOutcome::Resolved => {
            let addrs: Vec<String> = report.dns.addresses.iter().map(|a| a.to_string()).collect();
            format!("✅ **OK** ({})", addrs.join(", "))
        }
        DnsOutcome::NxDomain => "❌ **NXDOMAIN**".into(),
        DnsOutcome::NoAddress => {
            format!("❌ **{}**", w(Word::NoAddress).to_uppercase())
        }
        DnsOutcome::Failed { reason } => format!(
            "❌ **{}** ({})",
            w(Word::Failed).to_uppercase(),
            cell(reason)
        ),
    };
    let _ = writeln!(
        out,
        "| **DNS** | {} `{}` | {dns_result} |",
        w(Word::Resolve),
        report.host
    );
    for ep in &report.endpoints {
        let mode = i18n::mode_short(lang, ep.security);
        let tcp = match ep.tcp.state {
            TcpState::Open => format!(
                "✅ **{}** ({:.0} ms)",
                i18n::tcp_state(lang, TcpState::Open).to_uppercase(),
                ep.tcp.ms
            ),
            TcpState::Filtered => format!(
                "❌ **{}** ({} SYN, {:.1} s, {})",
                i18n::tcp_state(lang, TcpState::Filtered).to_uppercase(),
                ep.tcp.syns,
                ep.tcp.ms / 1000.0,
                w(Word::NoAnswer)
            ),
            s => {
                let code = ep
                    .tcp
                    .os_error
                    .as_ref()
                    .and_then(|e| e.name.clone())
                    .unwrap_or_default();
                format!(
                    "❌ **{}** ({code})",
                    i18n::tcp_state(lang, s).to_uppercase()
                )
            }
        };
        let _ = writeln!(
            out,
            "| **TCP {}** | {} {} ({mode}) | {tcp} |",
            ep.port,
            w(Word::ConnectTo),
            ep.address
        );
        if let Some(smtp) = &ep.smtp {
            let r = match &smtp.greeting {
                GreetingOutcome::Ok { code, text, .. } => format!("✅ {code} {}", cell(text)),
                GreetingOutcome::Rejected { code, text, .. } => format!("❌ {code} {}", cell(text)),
                GreetingOutcome::Silent { waited_ms } => {
                    format!("❌ {} ({:.1} s)", w(Word::NoGreeting), waited_ms / 1000.0)
                }
                GreetingOutcome::Closed { .. } => format!("❌ {}", w(Word::ConnectionClosed)),
                GreetingOutcome::NotSmtp { evidence, .. } => {
                    format!("❌ {}: `{}`", w(Word::NotSmtp), cell(evidence))
                }
            };
            let _ = writeln!(
                out,
                "| **SMTP {}** | {} | {r} |",
                ep.port,
                w(Word::GreetingAndEhlo)
            );
        }
        if let Some(tls) = &ep.tls {
            let issuer = tls
                .chain
                .first()
                .map(|c| c.issuer.clone())
                .unwrap_or_default();
            let r = match (&tls.handshake, &tls.verification) {
                (HandshakeOutcome::Failed { reason, .. }, _) => format!("❌ {}", cell(reason)),
                (HandshakeOutcome::Done { version, .. }, Some(Verification::Verified)) => {
                    format!(
                        "✅ {version}, {} ({})",
                        w(Word::CertVerified),
                        cell(&issuer)
                    )
                }
                (HandshakeOutcome::Done { version, .. }, v) => format!(
                    "❌ {version}, {} ({})",
                    w(Word::CertNotVerified),
                    cell(&format!("{v:?}"))
                ),
            };
            let _ = writeln!(
                out,
                "| **TLS {}** | {} | {r} |",
                ep.port,
                i18n::mode_short(lang, tls.mode)
            );
        }
    }
    out.push('\n');
    if let Some(f) = cause_finding {
        let _ = writeln!(out, "### {}\n", i18n::md(lang, Md::RootCause));
        let _ = writeln!(out, "{} (`{}`)\n", f.message, f.code.as_str());
    }
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| Some(f.code) != report.cause || f.severity != Severity::Error)
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "### {}\n", i18n::md(lang, Md::OtherFindings));
        for f in others {
            let _ = writeln!(out, "- `{}` — {}", f.code.as_str(), f.message);
        }
        out.push('\n');
    }

    // 3. Solutions.
    if !report.recommendations.is_empty() {
        let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Solutions));
        for (i, rec) in report.recommendations.iter().enumerate() {
            let letter = (b'A' + i as u8) as char;
            let tag = if i == 0 {
                format!(" ({})", i18n::md(lang, Md::Recommended))
            } else {
                String::new()
            };
            let _ = writeln!(out, "### {} {letter}{tag}\n", i18n::md(lang, Md::Solution));
            let _ = writeln!(out, "{}\n", rec.message);
            if !rec.settings.is_empty() {
                let _ = writeln!(
                    out,
                    "**{}:** `{}`\n",
                    i18n::md(lang, Md::File),
                    report.framework.settings_file()
                );
                let _ = writeln!(
                    out,
                    "```{}\n{}```\n",
                    report.framework.snippet_lang(),
                    frameworks::snippet(report.framework, &rec.settings)
                );
            }
            if !rec.commands.is_empty() {
                let _ = writeln!(out, "```powershell\n{}\n```\n", rec.commands.join("\n"));
            }
        }
    }

    // 4. Verification.
    let _ = writeln!(out, "## {}\n", i18n::md(lang, Md::Verification));
    let _ = writeln!(out, "{}\n", i18n::md(lang, Md::VerificationText));
    let ports: String = report
        .ports
        .iter()
        .map(|p| format!(" --port {p}"))
        .collect();
    let lang_flag = if es { " --lang es" } else { "" };
    let _ = writeln!(
        out,
        "```sh\nsmtp-doctor check {}{ports}{lang_flag}\n```",
        report.host
    );
    out
}
