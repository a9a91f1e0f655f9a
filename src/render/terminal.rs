//! The text report for people: the origin report's diagnostic table, then what it means and
//! what to do.

use crate::diagnosis::endpoint_is_healthy;
use crate::diagnosis::Severity;
use crate::i18n::{self, Lang, Word};
use crate::model::{Direction, DnsOutcome, DnsSource, EndpointObservation, TcpState};
use crate::model::{GreetingOutcome, HandshakeOutcome, SmtpState, StarttlsOutcome, TlsState};
use crate::model::{TlsSetting, TlsVersion};
use crate::report::{Report, Verdict};
use std::fmt::Write as _;

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Use ANSI colours.
    pub color: bool,
    /// Show certificate chains and transcripts.
    pub verbose: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn good(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn bad(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn warn(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Renders the whole report.
pub fn render(report: &Report, opts: TextOptions) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    heading(&mut out, report, &p);
    configured(&mut out, report, &p, opts.verbose);
    if !report.endpoints.is_empty() {
        out.push('\n');
        out.push_str(&table(report, &p));
    }
    will_it_arrive(&mut out, report, &p);
    findings(&mut out, report, &p);
    who_is_in_the_way(&mut out, report, &p);
    recommendations(&mut out, report, &p);
    if opts.verbose {
        out.push_str(&details(report, &p));
    }
    footer(&mut out, report, &p);
    out
}

/// Host → addresses (how they were found).
fn heading(out: &mut String, report: &Report, p: &Paint) {
    let lang = report.lang;
    let dns = &report.dns;
    let DnsOutcome::Resolved = &dns.outcome else {
        let _ = writeln!(
            out,
            "{} → {}   ({} {:.0} ms)",
            p.bold(&report.host),
            p.bad("✗"),
            i18n::word(lang, Word::Dns),
            dns.ms
        );
        return;
    };
    let addrs: Vec<String> = dns.addresses.iter().map(|a| a.to_string()).collect();
    let how = match &dns.source {
        DnsSource::System | DnsSource::Server(_) => {
            format!("{} {:.0} ms", i18n::word(lang, Word::Dns), dns.ms)
        }
        DnsSource::Override => "--resolve".to_string(),
        DnsSource::Literal => i18n::word(lang, Word::DnsNotAsked).to_string(),
    };
    let _ = writeln!(
        out,
        "{} → {}   ({how})",
        p.bold(&report.host),
        addrs.join(", ")
    );
}

/// Preflight: the configured path and every setting read.
fn configured(out: &mut String, report: &Report, p: &Paint, verbose: bool) {
    let lang = report.lang;
    let Some(c) = &report.configured else { return };
    let mode = match c.security {
        TlsSetting::Mode(s) => i18n::mode_short(lang, s),
        TlsSetting::BothFlags => "STARTTLS + SSL?",
    };
    let _ = writeln!(
        out,
        "{}: {}:{} {mode}",
        i18n::word(lang, Word::Configured),
        c.host,
        c.port
    );
    for s in &report.settings {
        let _ = writeln!(
            out,
            "  {} = {}  {}",
            s.name,
            s.value,
            p.dim(&format!("({})", s.origin))
        );
    }
    project_code(out, report, p);
    app_client(out, report, p, verbose);
}

/// Preflight: the application's own client, and its error when it failed.
fn app_client(out: &mut String, report: &Report, p: &Paint, verbose: bool) {
    let Some(a) = &report.app_client else { return };
    let _ = writeln!(out, "  {}", p.dim(&a.step_line(report.lang)));
    if let Some(error) = &a.error {
        let _ = writeln!(out, "    {}", p.dim(error));
    }
    if verbose && !a.timings.is_empty() {
        let line = crate::i18n::app_client::timings(report.lang, &a.timings);
        let _ = writeln!(out, "    {}", p.dim(&line));
    }
    if verbose && !a.ran.is_empty() {
        let label = crate::i18n::app_client::ran_label(report.lang);
        let _ = writeln!(
            out,
            "    {}",
            p.dim(&format!("{label}: {}", a.ran.join(", ")))
        );
    }
}

/// Preflight: what of the project's code ran to read its settings, and values it overrides.
fn project_code(out: &mut String, report: &Report, p: &Paint) {
    use crate::settings::RuntimeUse;
    let lang = report.lang;
    match &report.runtime {
        Some(RuntimeUse::Ran { run }) => {
            let _ = writeln!(out, "  {}", p.dim(&i18n::project_run(lang, run)));
        }
        Some(RuntimeUse::Disabled) => {
            let _ = writeln!(out, "  {}", p.dim(i18n::project_code_disabled(lang)));
        }
        None => {}
    }
    for s in &report.shadowed {
        let line = i18n::shadowed(
            lang,
            &s.name,
            (&s.value, &s.origin.to_string()),
            (&s.used, &s.used_origin.to_string()),
        );
        let _ = writeln!(out, "  {}", p.warn(&line));
    }
}

fn findings(out: &mut String, report: &Report, p: &Paint) {
    if report.findings.is_empty() {
        if report.verdict == Verdict::Ok {
            let _ = writeln!(
                out,
                "\n{} {}",
                p.good("✓"),
                i18n::word(report.lang, Word::AllGood)
            );
        }
        return;
    }
    out.push('\n');
    for f in &report.findings {
        let mark = match f.severity {
            Severity::Error => p.bad("✗"),
            Severity::Warning => p.warn("!"),
            Severity::Info => p.dim("i"),
        };
        let _ = writeln!(
            out,
            "{mark} {}  {}",
            f.message,
            p.dim(&format!("[{}]", f.code.as_str()))
        );
    }
}

/// The machine's security state, when it was read (a port filtered, denied or intercepted).
fn who_is_in_the_way(out: &mut String, report: &Report, p: &Paint) {
    if let Some(security) = &report.security {
        let _ = writeln!(
            out,
            "{} {}: {}",
            p.dim("i"),
            i18n::word(report.lang, Word::WhoInTheWay),
            i18n::who_is_in_the_way(report.lang, security)
        );
    }
}

/// The sender's domain, as read: SPF, DKIM, DMARC, PTR.
fn will_it_arrive(out: &mut String, report: &Report, p: &Paint) {
    let Some(section) = super::domain::section(report) else {
        return;
    };
    let _ = writeln!(out, "\n{}", p.bold(&section.heading));
    for (label, value) in &section.rows {
        let _ = writeln!(out, "  {:<6} {value}", label);
    }
    let _ = writeln!(out, "  {}", p.dim(&section.note));
}

fn recommendations(out: &mut String, report: &Report, p: &Paint) {
    let lang = report.lang;
    if report.recommendations.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}:", p.bold(i18n::word(lang, Word::WhatToDo)));
    for (i, r) in report.recommendations.iter().enumerate() {
        let label = format!(
            "{} {}",
            i18n::word(lang, Word::Fix),
            (b'A' + i as u8) as char
        );
        let _ = writeln!(out, "  {}: {}", p.bold(&label), r.message);
        if !r.settings.is_empty() {
            for line in crate::frameworks::snippet(report.framework, &r.settings).lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
        for c in &r.commands {
            let _ = writeln!(out, "      {}", p.dim(c));
        }
    }
}

/// Verdict · cause · time.
fn footer(out: &mut String, report: &Report, p: &Paint) {
    let lang = report.lang;
    let cause = report.cause.map(|c| c.as_str()).unwrap_or("—");
    let verdict = match report.verdict {
        Verdict::Ok => p.good(report.verdict.as_str()),
        Verdict::Degraded => p.warn(report.verdict.as_str()),
        Verdict::Failed => p.bad(report.verdict.as_str()),
    };
    let _ = writeln!(
        out,
        "\n{}: {verdict} · {}: {cause} · {:.2} s",
        i18n::word(lang, Word::Verdict),
        i18n::word(lang, Word::Cause),
        report.elapsed_ms / 1000.0
    );
}

fn tcp_cell(lang: Lang, ep: &EndpointObservation, p: &Paint) -> (String, String) {
    let t = &ep.tcp;
    let plain = match t.state {
        TcpState::Open => format!("✓ {:.0} ms", t.ms),
        TcpState::Filtered => format!(
            "✗ {} ({} {}, {:.1} s)",
            i18n::tcp_state(lang, t.state),
            t.syns,
            i18n::word(lang, Word::Syns),
            t.ms / 1000.0
        ),
        s => {
            let code = t
                .os_error
                .as_ref()
                .and_then(|e| e.name.clone())
                .unwrap_or_default();
            format!("✗ {} ({code})", i18n::tcp_state(lang, s))
        }
    };
    let painted = if t.state == TcpState::Open {
        p.good(&plain)
    } else {
        p.bad(&plain)
    };
    (plain, painted)
}

/// The SMTP cell and whether the step worked; `None` when it did not run.
fn smtp_cell(ep: &EndpointObservation, lang: Lang) -> Option<(String, bool)> {
    let smtp = ep.smtp.as_ref()?;
    let state = smtp.state();
    let word = i18n::smtp_state(lang, state);
    let greeting_code = match &smtp.greeting {
        GreetingOutcome::Ok { reply, .. } | GreetingOutcome::Rejected { reply, .. } => reply.code,
        _ => 0,
    };
    let detail = match state {
        SmtpState::Ready | SmtpState::Rejected => greeting_code.to_string(),
        SmtpState::NoStarttls => format!("{greeting_code}, {word}"),
        SmtpState::StarttlsRefused => match &smtp.starttls {
            Some(StarttlsOutcome::Refused { reply }) => format!("STARTTLS {}", reply.code),
            _ => word.to_string(),
        },
        SmtpState::EhloRejected => {
            let failed = smtp
                .ehlo_failed
                .as_ref()
                .or(smtp.ehlo_after_tls_failed.as_ref());
            let refused = [&smtp.ehlo, &smtp.ehlo_after_tls]
                .into_iter()
                .flatten()
                .find(|e| !e.accepted());
            match (failed, refused) {
                (Some(f), _) => format!("EHLO: {}", i18n::ehlo_failure_short(lang, f)),
                (None, Some(e)) => format!("EHLO {}", e.reply.code),
                (None, None) => word.to_string(),
            }
        }
        SmtpState::Silent | SmtpState::Closed | SmtpState::NotSmtp => word.to_string(),
    };
    let mark = if state.is_ok() { "✓" } else { "✗" };
    Some((format!("{mark} {detail}"), state.is_ok()))
}

/// The issuer's common name, for the table.
fn short_issuer(dn: &str) -> String {
    dn.split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(dn)
        .to_string()
}

/// The TLS cell and whether the step worked; `None` when it did not run.
fn tls_cell(ep: &EndpointObservation, lang: Lang) -> Option<(String, bool)> {
    let tls = ep.tls.as_ref()?;
    let state = tls.state();
    let why = i18n::tls_state(lang, state);
    let issuer = tls
        .chain
        .first()
        .map(|c| short_issuer(&c.issuer))
        .unwrap_or_default();
    let version = tls
        .version()
        .map_or("", TlsVersion::as_str)
        .replace("TLSv", "TLS ");
    let text = match state {
        TlsState::HandshakeFailed => format!("✗ {why}"),
        TlsState::Verified => format!("✓ {version} · {issuer}"),
        TlsState::Unverified => format!("? {version}"),
        _ => format!("✗ {version} · {why} · {issuer}"),
    };
    Some((text, state.is_ok()))
}

fn table(report: &Report, p: &Paint) -> String {
    let lang = report.lang;
    let headers = [
        i18n::word(lang, Word::Port).to_string(),
        i18n::word(lang, Word::Mode).to_string(),
        i18n::word(lang, Word::Address).to_string(),
        "TCP".to_string(),
        "SMTP".to_string(),
        "TLS".to_string(),
    ];
    // Each cell: (plain text for width, painted text).
    let mut rows: Vec<Vec<(String, String)>> = Vec::new();
    for ep in &report.endpoints {
        let mode = i18n::mode_short(lang, ep.security).to_string();
        let addr = match ep.connected_to {
            Some(real) => format!("{} (→ {real})", ep.address),
            None => ep.address.to_string(),
        };
        // A step that did not run is a dash; one that ran is green or red.
        let paint = |cell: Option<(String, bool)>| match cell {
            None => ("—".to_string(), p.dim("—")),
            Some((s, true)) => (s.clone(), p.good(&s)),
            Some((s, false)) => (s.clone(), p.bad(&s)),
        };
        let port = ep.port.to_string();
        let port_painted = if endpoint_is_healthy(ep) {
            p.good(&port)
        } else {
            p.bad(&port)
        };
        rows.push(vec![
            (port, port_painted),
            (mode.clone(), mode),
            (addr.clone(), addr),
            tcp_cell(lang, ep, p),
            paint(smtp_cell(ep, lang)),
            paint(tls_cell(ep, lang)),
        ]);
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].0.chars().count())
                .chain(std::iter::once(headers[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |cells: Vec<(String, String)>| {
        let mut s = String::new();
        let last = cells.len() - 1;
        for (i, (plain, painted)) in cells.into_iter().enumerate() {
            s.push_str(&painted);
            if i < last {
                s.push_str(&" ".repeat(widths[i] - plain.chars().count() + 2));
            }
        }
        s.trim_end().to_string()
    };
    out.push_str(&line(
        headers.iter().map(|h| (h.clone(), p.bold(h))).collect(),
    ));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out
}

fn details(report: &Report, p: &Paint) -> String {
    let mut out = String::new();
    for ep in &report.endpoints {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!("── {} {} ──", ep.port, ep.address))
        );
        if let Some(smtp) = &ep.smtp {
            if let Some(caps) = smtp.effective_capabilities() {
                let auth = if caps.auth.is_empty() {
                    "—".to_string()
                } else {
                    caps.auth.join(" ")
                };
                let _ = writeln!(
                    out,
                    "  AUTH: {auth}   STARTTLS: {}   SIZE: {}",
                    caps.starttls,
                    caps.size.map(|s| s.to_string()).unwrap_or("—".into())
                );
            }
        }
        if let Some(tls) = &ep.tls {
            if let HandshakeOutcome::Done {
                version,
                cipher,
                ms,
            } = &tls.handshake
            {
                let _ = writeln!(out, "  TLS: {version} {cipher} ({ms:.0} ms)");
            }
            for (i, c) in tls.chain.iter().enumerate() {
                let _ = writeln!(out, "  [{i}] {}", c.subject);
                let _ = writeln!(out, "      issuer: {}", c.issuer);
                if !c.names.is_empty() {
                    let _ = writeln!(out, "      names:  {}", c.names.join(", "));
                }
                let _ = writeln!(
                    out,
                    "      valid:  {} → {}   key: {}",
                    c.not_before, c.not_after, c.key
                );
                let _ = writeln!(out, "      sha256: {}", c.sha256);
            }
        }
        for t in &ep.transcript {
            let dir = match t.dir {
                Direction::Client => "C:",
                Direction::Server => "S:",
                Direction::Event => "  ",
            };
            let _ = writeln!(out, "  {:>7.1} ms {dir} {}", t.ms, t.text);
        }
    }
    out
}

/// The report in ASCII only, for a destination that would misread UTF-8 (Windows PowerShell
/// 5.1 decodes redirected output with the OEM code page: `✓ →` became `Γ£ô ΓåÆ`). The glyphs
/// get ASCII stand-ins, accented letters their base letter, anything else `?`. Escape
/// sequences (colour) pass through unchanged.
pub fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let stand_in = match c {
            '✓' => "ok",
            '✗' => "x",
            '→' => "->",
            '←' => "<-",
            '—' | '–' | '─' => "-",
            '·' => "|",
            '…' => "...",
            '‘' | '’' => "'",
            '“' | '”' | '«' | '»' => "\"",
            '¿' | '¡' => "",
            '\u{a0}' => " ",
            'á' | 'à' | 'â' | 'ä' | 'ª' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'º' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ñ' => "n",
            'ç' => "c",
            'Á' | 'À' | 'Â' | 'Ä' => "A",
            'É' | 'È' | 'Ê' | 'Ë' => "E",
            'Í' | 'Ì' | 'Î' | 'Ï' => "I",
            'Ó' | 'Ò' | 'Ô' | 'Ö' => "O",
            'Ú' | 'Ù' | 'Û' | 'Ü' => "U",
            'Ñ' => "N",
            'Ç' => "C",
            _ => "?",
        };
        out.push_str(stand_in);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_rendering_keeps_the_meaning_of_every_glyph_and_leaves_no_byte_above_127() {
        assert_eq!(
            ascii("✓ 41 ms · ✗ filtered → 465 — ── 587 ── …"),
            "ok 41 ms | x filtered -> 465 - -- 587 -- ..."
        );
        assert_eq!(
            ascii("¿Conexión rechazada? Año, CORREO ELECTRÓNICO"),
            "Conexion rechazada? Ano, CORREO ELECTRONICO"
        );
        assert_eq!(ascii("\x1b[32m✓\x1b[0m 漢"), "\x1b[32mok\x1b[0m ?");
    }
}
