//! Property tests over every reader of untrusted bytes, on the stable toolchain and in seconds:
//! the same functions and the same oracles as the cargo-fuzz targets in `fuzz/` (FUZZING.md),
//! with a few hundred generated cases each. Inputs are built from fragments that matter to
//! each reader (codes, separators, escapes, quotes, percent signs), mixed with noise.

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use smtp_doctor::settings::Origin;
use smtp_doctor::testing;

/// Cases per property: enough to find what the fragments can build, few enough for CI.
const CASES: u64 = 400;

fn check<A: quickcheck::Testable>(property: A) {
    QuickCheck::new()
        .tests(CASES)
        .max_tests(CASES * 20)
        // A property whose inputs are mostly discarded would test nothing.
        .min_tests_passed(CASES / 2)
        .quickcheck(property);
}

/// Characters that must never reach a terminal or a page raw (written from the contract, not
/// from `escape`): controls (C0, DEL, C1: ESC, BEL, CSI), bidi controls, zero-width and
/// invisible characters (soft hyphen, U+180E, U+2060–4 too), the Unicode line and
/// paragraph separators.
fn forbidden(c: char) -> bool {
    c.is_control()
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || ('\u{2060}'..='\u{2064}').contains(&c)
        || matches!(
            c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
        )
}

fn safe(text: &str) -> bool {
    !text.chars().any(forbidden)
}

/// Text glued from `parts` (chosen by the generator) and some arbitrary characters.
fn glue(g: &mut Gen, parts: &[&str]) -> String {
    let n = usize::arbitrary_below(g, 24);
    let mut out = String::new();
    for _ in 0..n {
        if bool::arbitrary(g) {
            out.push_str(g.choose(parts).unwrap());
        } else {
            out.push(char::arbitrary(g));
        }
    }
    out
}

trait Below {
    fn arbitrary_below(g: &mut Gen, n: usize) -> usize;
}
impl Below for usize {
    fn arbitrary_below(g: &mut Gen, n: usize) -> usize {
        <usize as quickcheck::Arbitrary>::arbitrary(g) % n.max(1)
    }
}

/// Dangerous characters, as text.
const NASTY: &[&str] = &[
    "\x1b[31m",
    "\x1b]52;c;SGVsbG8=\x07",
    "\x1b]8;;https://evil.test\x1b\\",
    "\x07",
    "\x00",
    "\x7f",
    "\u{85}",
    "\u{9b}",
    "\u{200b}",
    "\u{200e}",
    "\u{200f}",
    "\u{202e}",
    "\u{2066}",
    "\u{2069}",
    "\u{061c}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\t",
    "\r",
    "\n",
    "é",
    "\\u{1b}",
];

// ---------------------------------------------------------------------------------------
// The escaper

/// Bytes worth escaping: arbitrary bytes, broken UTF-8 and the characters above.
#[derive(Debug, Clone)]
struct Hostile(Vec<u8>);

impl Arbitrary for Hostile {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut bytes = glue(g, NASTY).into_bytes();
        if bool::arbitrary(g) {
            let at = usize::arbitrary_below(g, bytes.len() + 1);
            let noise: Vec<u8> = Vec::arbitrary(g);
            bytes.splice(at..at, noise);
        }
        if bool::arbitrary(g) {
            bytes.extend_from_slice(&[0xc3, 0xe2, 0x80, 0xff]);
        }
        Hostile(bytes)
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Hostile))
    }
}

#[test]
fn escape_output_has_no_control_bidi_or_invisible_character() {
    fn prop(input: Hostile) -> bool {
        safe(&testing::escape(&input.0))
    }
    check(prop as fn(Hostile) -> bool);
}

#[test]
fn escaping_escaped_text_changes_nothing() {
    fn prop(input: Hostile) -> bool {
        let once = testing::escape(&input.0);
        testing::escape(once.as_bytes()) == once
    }
    check(prop as fn(Hostile) -> bool);
}

#[test]
fn escape_keeps_harmless_text_as_it_is() {
    fn prop(text: String) -> TestResult {
        if text.chars().any(|c| forbidden(c) || c == '\t') {
            return TestResult::discard();
        }
        TestResult::from_bool(testing::escape(text.as_bytes()) == text)
    }
    check(prop as fn(String) -> TestResult);
}

// ---------------------------------------------------------------------------------------
// SMTP replies and EHLO capabilities

/// What a hostile server sends: reply lines (good codes, bad codes, continuations, long and
/// nasty text) with CRLF, LF or nothing between them.
#[derive(Debug, Clone)]
struct ServerBytes {
    bytes: Vec<u8>,
    chunk: usize,
}

impl Arbitrary for ServerBytes {
    fn arbitrary(g: &mut Gen) -> Self {
        let codes = [
            "220", "250", "199", "000", "421", "554", "600", "25", "2500",
        ];
        let seps = ["-", " ", "", "x"];
        let words = [
            "mx.test ESMTP",
            "STARTTLS",
            "AUTH PLAIN LOGIN",
            "AUTH=LOGIN",
            "SIZE 35882577",
            "SIZE",
            "SIZE 99999999999999999999999",
            "8BITMIME",
            "PIPELINING",
            "auth  xoauth2",
            "",
            " ",
        ];
        let ends = ["\r\n", "\n", "\r", ""];
        let mut bytes = Vec::new();
        for _ in 0..usize::arbitrary_below(g, 12) {
            bytes.extend_from_slice(g.choose(&codes).unwrap().as_bytes());
            bytes.extend_from_slice(g.choose(&seps).unwrap().as_bytes());
            bytes.extend_from_slice(g.choose(&words).unwrap().as_bytes());
            if usize::arbitrary_below(g, 4) == 0 {
                bytes.extend_from_slice(glue(g, NASTY).as_bytes());
            }
            if usize::arbitrary_below(g, 40) == 0 {
                bytes.extend(std::iter::repeat_n(b'a', testing::MAX_LINE + 1));
            }
            bytes.extend_from_slice(g.choose(&ends).unwrap().as_bytes());
        }
        if usize::arbitrary_below(g, 30) == 0 {
            // An endless continuation.
            for _ in 0..testing::MAX_REPLY_LINES + 1 {
                bytes.extend_from_slice(b"250-X\r\n");
            }
        }
        ServerBytes {
            bytes,
            chunk: usize::arbitrary_below(g, 64) + 1,
        }
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let chunk = self.chunk;
        Box::new(
            self.bytes
                .shrink()
                .map(move |bytes| ServerBytes { bytes, chunk }),
        )
    }
}

#[test]
fn replies_read_from_any_server_are_bounded_escaped_and_render_back() {
    fn prop(server: ServerBytes) -> TestResult {
        let dialogue = testing::read_replies(&server.bytes, server.chunk);
        if !safe(&dialogue.end) || !dialogue.transcript.iter().all(|l| safe(&l.text)) {
            return TestResult::failed();
        }
        if dialogue.replies.is_empty() {
            return TestResult::discard();
        }
        TestResult::from_bool(dialogue.replies.iter().all(|reply| {
            let last = reply.lines.len().saturating_sub(1);
            (200..=599).contains(&reply.code)
                && !reply.lines.is_empty()
                && reply.lines.len() <= testing::MAX_REPLY_LINES
                && reply.lines.iter().enumerate().all(|(i, text)| {
                    let sep = if i == last { ' ' } else { '-' };
                    safe(text)
                        && testing::parse_reply_line(&format!("{}{sep}{text}", reply.code))
                            == Some((reply.code, i != last, text.as_str()))
                })
                && {
                    let caps = testing::capabilities(reply);
                    caps.auth
                        .iter()
                        .all(|m| !m.is_empty() && !m.contains(char::is_whitespace) && safe(m))
                        && caps.other.iter().all(|o| safe(o))
                }
        }))
    }
    check(prop as fn(ServerBytes) -> TestResult);
}

#[test]
fn a_reply_line_parses_back_to_its_parts() {
    fn prop(code: u16, more: bool, text: String) -> bool {
        let code = 200 + code % 400;
        let text = testing::escape(text.as_bytes());
        let sep = if more { '-' } else { ' ' };
        testing::parse_reply_line(&format!("{code}{sep}{text}")) == Some((code, more, &text))
    }
    check(prop as fn(u16, bool, String) -> bool);
}

#[test]
fn anything_else_is_not_a_reply_line() {
    fn prop(text: String) -> bool {
        match testing::parse_reply_line(&text) {
            Some((code, _, rest)) => (200..=599).contains(&code) && text.ends_with(rest),
            None => true,
        }
    }
    check(prop as fn(String) -> bool);
}

// ---------------------------------------------------------------------------------------
// EMAIL_URL

/// An EMAIL_URL as users write it, right or wrong: a scheme, user info whose password may
/// hold `/ ? # @ : %` unencoded, a host, a port, a query.
#[derive(Debug, Clone)]
struct EmailUrlText {
    text: String,
}

impl Arbitrary for EmailUrlText {
    fn arbitrary(g: &mut Gen) -> Self {
        let schemes = [
            "smtp",
            "smtps",
            "smtp+tls",
            "smtp+ssl",
            "submission",
            "SMTP",
            "http",
        ];
        let users = ["alice", "alice%40h.test", "", "a b", "al:ice", "ü"];
        let secret_parts = [
            "Sup3r", "secret", "$", "/", "?", "#", "@", ":", "%", "%2F", "%aé", "%zz", "+", " ",
            "\t", "\n", "é", "**",
        ];
        let hosts = [
            "h.test",
            "[::1]",
            "127.0.0.1",
            "H.Test",
            "xn--bcher-kva.test",
            "",
        ];
        let tails = [
            "",
            ":587",
            ":0",
            ":65536",
            ":x",
            "/",
            "?timeout=5",
            "?ssl=1",
            "?tls=True",
            "#f@g",
        ];
        let mut text = format!("{}://", g.choose(&schemes).unwrap());
        if bool::arbitrary(g) {
            text.push_str(g.choose(&users).unwrap());
            if bool::arbitrary(g) {
                text.push(':');
                text.push_str(&glue(g, &secret_parts));
            }
            text.push('@');
        }
        text.push_str(g.choose(&hosts).unwrap());
        for _ in 0..usize::arbitrary_below(g, 3) {
            text.push_str(g.choose(&tails).unwrap());
        }
        EmailUrlText { text }
    }
}

fn count(hay: &str, needle: &str) -> usize {
    (0..hay.len())
        .filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle))
        .count()
}

/// The masked form of a URL never shows the password the parser found in it (`None` when
/// the parser found none).
fn mask_hides_password(text: &str) -> Option<bool> {
    let masked = testing::mask_url(text);
    let url = testing::parse_email_url(text).ok()?;
    let password = url.password.as_ref().map(|p| p.expose().to_string())?;
    let read_back = match testing::parse_email_url(&masked) {
        Ok(again) => {
            let shown = again.password.as_ref().map(|p| p.expose().to_string());
            (shown.is_none() || shown.as_deref() == Some("****")) && again.host == url.host
        }
        Err(_) => true,
    };
    // The password as written in the user info (not, say, the same text in the path).
    let rest = text.split_once("://").map_or("", |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let literal = !(password.chars().all(|c| c.is_ascii_alphanumeric())
        && authority.contains(&format!(":{password}@")))
        || count(&masked, &password) < count(text, &password);
    Some(read_back && literal)
}

#[test]
fn masked_email_url_never_shows_the_password() {
    fn prop(url: EmailUrlText) -> TestResult {
        match mask_hides_password(&url.text) {
            Some(true) => TestResult::passed(),
            Some(false) => TestResult::error(format!(
                "{:?} masks as {:?}",
                url.text,
                testing::mask_url(&url.text)
            )),
            None => TestResult::discard(),
        }
    }
    check(prop as fn(EmailUrlText) -> TestResult);
}

#[test]
fn email_url_reader_takes_any_text() {
    fn prop(text: String) -> bool {
        let _ = testing::parse_email_url(&text);
        mask_hides_password(&text) != Some(false)
    }
    check(prop as fn(String) -> bool);
}

#[test]
fn the_oracle_sees_a_leak() {
    // The property is not vacuous: a mask that kept the URL as it is would fail it.
    let text = "smtp+tls://alice:Sup3rSecret@h.test:587";
    assert!(testing::parse_email_url(text).is_ok());
    assert_eq!(mask_hides_password(text), Some(true));
    let url = testing::parse_email_url(text).unwrap();
    let password = url.password.unwrap().expose().to_string();
    assert!(count(text, &password) == 1 && count(&testing::mask_url(text), &password) == 0);
    // Found by the fuzzer: the password's text written in the path (the user info holds it
    // percent-encoded) is not the password showing.
    assert_eq!(mask_hides_password("smtp://:p%32@./:p2@"), Some(true));
}

// ---------------------------------------------------------------------------------------
// Settings files: .env, application.properties, application.yml, settings.py

fn settings_text(g: &mut Gen, parts: &[&str]) -> String {
    let mut text = glue(g, parts);
    if usize::arbitrary_below(g, 8) == 0 {
        text.push_str(&"  ".repeat(usize::arbitrary_below(g, 200)));
        text.push_str(&"[{".repeat(usize::arbitrary_below(g, 300)));
    }
    text
}

fn file_line(origin: &Origin) -> Option<usize> {
    match origin {
        Origin::File { line, .. } => Some(*line),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct DotenvText(String);
impl Arbitrary for DotenvText {
    fn arbitrary(g: &mut Gen) -> Self {
        let parts = [
            "EMAIL_HOST",
            "EMAIL_HOST_USER",
            "spring.mail.host",
            "export ",
            "=",
            "\"",
            "'",
            "\\n",
            "\\\"",
            " #",
            "#",
            "\n",
            "\r\n",
            " ",
            "é",
            "\u{feff}",
            "\x1b",
        ];
        DotenvText(settings_text(g, &parts))
    }
}

#[test]
fn dotenv_and_properties_readers_take_any_text() {
    fn prop(text: DotenvText) -> bool {
        let lines = text.0.lines().count();
        let env = testing::parse_dotenv(&text.0, ".env");
        // Java's line ends: \n, \r, \r\n; at most one property starts on a line.
        let java_lines = text.0.replace("\r\n", "\n").split(['\n', '\r']).count();
        let props = testing::parse_properties(&text.0);
        props.len() <= java_lines
            && props.iter().all(|(_, _, origin)| {
                file_line(origin).is_some_and(|l| (1..=java_lines).contains(&l))
            })
            && env.iter().all(|(key, value, origin)| {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    && key.len() + value.len() <= text.0.len()
                    && file_line(origin).is_some_and(|l| (1..=lines).contains(&l))
            })
    }
    check(prop as fn(DotenvText) -> bool);
}

#[derive(Debug, Clone)]
struct YamlText(String);
impl Arbitrary for YamlText {
    fn arbitrary(g: &mut Gen) -> Self {
        let parts = [
            "spring:",
            "\n  mail:",
            "\n    host: ",
            "h.test",
            "port: 587",
            "{",
            "}",
            "[",
            "]",
            ",",
            ": ",
            "- ",
            "&a ",
            "*a",
            "!!str ",
            "|\n",
            ">\n",
            "---\n",
            "...\n",
            "'",
            "\"",
            "? ",
            "~",
            "null",
            "\t",
            "#",
            "%YAML 1.2\n",
        ];
        YamlText(settings_text(g, &parts))
    }
}

#[test]
fn yaml_reader_takes_any_text() {
    fn prop(text: YamlText) -> bool {
        // YAML breaks lines at CR LF, LF and a lone CR (YAML 1.2 §5.4), as editors do.
        let lines = text.0.replace("\r\n", "\n").split(['\n', '\r']).count();
        testing::flatten_yaml(&text.0)
            .iter()
            .all(|(_, _, origin)| file_line(origin).is_some_and(|l| l >= 1 && l <= lines + 1))
    }
    check(prop as fn(YamlText) -> bool);
}

#[test]
fn yaml_lines_count_a_lone_cr() {
    // Found by the fuzzer: saphyr counts a lone CR as a line break (as YAML does), so the
    // origin line is right and the oracle must count lines the same way.
    let found = testing::flatten_yaml("spring:\r  mail:\r    host: h.test\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(file_line(&found[0].2), Some(3));
}

#[derive(Debug, Clone)]
struct PythonText(String);
impl Arbitrary for PythonText {
    fn arbitrary(g: &mut Gen) -> Self {
        let parts = [
            "EMAIL_HOST",
            "EMAIL_PORT",
            " = ",
            "==",
            "\"",
            "'",
            "os.environ[",
            "]",
            "os.environ.get(",
            "os.getenv(",
            "env.bool(",
            "env.int(",
            "int(",
            "config(",
            ")",
            ",",
            "default=",
            "True",
            "None",
            "587",
            "1e309",
            " #",
            "\n",
            "é",
        ];
        PythonText(settings_text(g, &parts))
    }
}

#[test]
fn settings_py_reader_takes_any_text() {
    fn prop(text: PythonText) -> bool {
        let lines = text.0.lines().count();
        [None, Some("from-env")].iter().all(|env| {
            let found = testing::parse_python_settings(&text.0, *env);
            found.len() <= lines
                && found.iter().all(|(name, _, origin)| {
                    name.starts_with("EMAIL_")
                        && file_line(origin).is_some_and(|l| (1..=lines).contains(&l))
                })
        })
    }
    check(prop as fn(PythonText) -> bool);
}

// ---------------------------------------------------------------------------------------
// The report JSON reader of `diff`

/// A real report (from a recorded fixture) as JSON.
fn fixture_report_json(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/observations/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let obs = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let opts = smtp_doctor::Options::default();
    let diagnosis = smtp_doctor::diagnose(&obs, &opts);
    let report = smtp_doctor::Report::new("check", obs, diagnosis, &opts);
    serde_json::to_string(&report).unwrap()
}

/// A real report's JSON, cut, spliced and sprinkled with odd values.
#[derive(Debug, Clone)]
struct ReportText(String);
impl Arbitrary for ReportText {
    fn arbitrary(g: &mut Gen) -> Self {
        thread_local! {
            static REPORTS: Vec<String> = [
                "the_origin_incident_587_dropped_465_working",
                "wrong_name_certificate",
                "antivirus_interception_untrusted",
                "dns_dns_nxdomain",
            ]
            .iter()
            .map(|n| fixture_report_json(n))
            .collect();
        }
        let mut text = REPORTS.with(|r| g.choose(r).unwrap().clone());
        let odd = [
            "null",
            "-1",
            "1e999",
            "\"\\u001b[2J\"",
            "\"\\ud800\"",
            "[]",
            "{}",
            "\"\"",
            "true",
            "18446744073709551616",
            ",",
            "\"",
        ];
        let damage = if bool::arbitrary(g) {
            0
        } else {
            usize::arbitrary_below(g, 4) + 1
        };
        for _ in 0..damage {
            let mut at = usize::arbitrary_below(g, text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + usize::arbitrary_below(g, 12)).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(at..end.max(at), g.choose(&odd).unwrap());
        }
        if damage > 0 && bool::arbitrary(g) {
            let mut cut = usize::arbitrary_below(g, text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        ReportText(text)
    }
}

#[test]
fn report_reader_takes_any_json_and_diff_is_symmetric() {
    fn prop(a: ReportText, b: ReportText) -> TestResult {
        let (Ok(a), Ok(b)) = (testing::read_report(&a.0), testing::read_report(&b.0)) else {
            return TestResult::discard();
        };
        let ab = testing::diff(&a, &b);
        let ba = testing::diff(&b, &a);
        TestResult::from_bool(
            testing::diff(&a, &a).is_empty()
                && ab.len() == ba.len()
                && ab
                    .iter()
                    .zip(&ba)
                    .all(|(x, y)| x.what == y.what && x.a == y.b && x.b == y.a),
        )
    }
    check(prop as fn(ReportText, ReportText) -> TestResult);
}

#[test]
fn the_fixture_reports_read_back() {
    let json = fixture_report_json("wrong_name_certificate");
    let report = testing::read_report(&json).expect("a report reads back");
    assert!(testing::diff(&report, &report).is_empty());
}

// ---------------------------------------------------------------------------------------
// The certificate describer

#[test]
fn certificate_describer_takes_any_bytes() {
    fn prop(der: Vec<u8>) -> bool {
        testing::describe_certificate(&der).is_none_or(|info| {
            safe(&info.subject) && safe(&info.issuer) && info.names.iter().all(|n| safe(n))
        })
    }
    check(prop as fn(Vec<u8>) -> bool);
}

#[cfg(feature = "lab")]
mod lab_certificates {
    use super::*;
    use smtp_doctor::lab::{LabCa, Validity};

    fn leaf() -> Vec<u8> {
        thread_local! {
            static LEAF: Vec<u8> = {
                let ca = LabCa::new("Fuzz Root \u{1b}[2J", "Fuzz \u{202e}Org").unwrap();
                let cert = ca.issue(&["smtp.h.test", "127.0.0.1"], Validity::Current).unwrap();
                cert.chain[0].as_ref().to_vec()
            };
        }
        LEAF.with(Clone::clone)
    }

    #[test]
    fn a_real_certificate_is_described_and_escaped() {
        let info = testing::describe_certificate(&leaf()).expect("a lab certificate parses");
        assert_eq!(info.names, ["smtp.h.test", "127.0.0.1"]);
        assert!(info.issuer.contains("Fuzz Root"), "{}", info.issuer);
        assert!(safe(&info.issuer), "{}", info.issuer);
        assert_eq!(info.sha256.len(), 64);
    }

    #[test]
    fn a_damaged_certificate_never_panics() {
        fn prop(at: usize, bytes: Vec<u8>, cut: bool) -> bool {
            let mut der = leaf();
            let at = at % der.len();
            let end = (at + bytes.len()).min(der.len());
            der.splice(at..end, bytes);
            if cut {
                der.truncate(at);
            }
            testing::describe_certificate(&der).is_none_or(|info| {
                safe(&info.subject) && safe(&info.issuer) && info.names.iter().all(|n| safe(n))
            })
        }
        check(prop as fn(usize, Vec<u8>, bool) -> bool);
    }
}

// ---------------------------------------------------------------------------------------
// The error-text classifier behind `explain`

/// Fragments of the error texts `explain` reads, of the host/port forms it extracts, and of
/// what a hostile paste could hold.
const ERROR_TEXT: &[&str] = &[
    "connect ETIMEDOUT ",
    "connect ECONNREFUSED ",
    "142.250.1.108:587",
    "fd00::2:465",
    "[::1]:25",
    "smtp.gmail.com",
    ":587",
    ", port: ",
    "Could not connect to SMTP host: ",
    "Connection could not be established with host \"ssl://",
    "('",
    "', 465)",
    "[WinError 10060]",
    "[Errno 111]",
    "535 5.7.8",
    "534-5.7.9",
    "(535, b'",
    "5.",
    "wrong version number",
    "Greeting never received",
    "$(rm -rf ~)",
    ";",
    "`",
    "|",
    "&&",
    "'",
    "\"",
    "port ",
    "for \"",
    "UnknownHostException: ",
];

#[derive(Debug, Clone)]
struct ErrorText(String);

impl Arbitrary for ErrorText {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut parts: Vec<&str> = ERROR_TEXT.to_vec();
        parts.extend_from_slice(NASTY);
        ErrorText(glue(g, &parts))
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(ErrorText))
    }
}

#[test]
fn explain_takes_any_text_and_keeps_only_host_characters() {
    fn prop(input: ErrorText) -> bool {
        let c = testing::classify_error(&input.0);
        let host_ok = c.host.as_ref().is_none_or(|h| {
            !h.is_empty()
                && h.len() <= 254
                && h.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ".-_:".contains(ch))
        });
        let e = smtp_doctor::explain(&input.0, None).unwrap();
        let next = e.next();
        let next_ok = next
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || " .-_:".contains(ch));
        let text_ok = [smtp_doctor::Lang::En, smtp_doctor::Lang::Es]
            .iter()
            .all(|&lang| e.to_text(lang).lines().all(safe));
        host_ok && c.port != Some(0) && next_ok && text_ok
    }
    check(prop as fn(ErrorText) -> bool);
}

/// DNS TXT records of the sender's domain (SPF, DKIM, DMARC) are the domain owner's text and
/// anyone's: their readers never panic, and what they say back is escaped.
#[test]
fn sender_domain_records_never_panic_and_errors_are_escaped() {
    fn prop(input: Hostile, g: u8) -> bool {
        use smtp_doctor::testing as records;
        let mut gen = Gen::new(16 + usize::from(g));
        let fragments = [
            "v=spf1 ",
            "v=DMARC1; ",
            "v=DKIM1; ",
            "include:",
            "a:",
            "mx/",
            "ip4:",
            "ip6:",
            "/33",
            "//129",
            "redirect=",
            "exists:%{i}.",
            "%{z}",
            "p=",
            "sp=",
            "adkim=",
            "pct=101",
            "t=y",
            "k=ed25519",
            ";",
            " ",
            "=",
            "\u{1b}[31m",
            "\u{202e}",
        ];
        let mut text = glue(&mut gen, &fragments);
        text.push_str(&String::from_utf8_lossy(&input.0));
        let escaped = |why: &str| safe(why);
        let spf_ok = match records::parse_spf(&text) {
            Ok(_) => true,
            Err(why) => escaped(&why),
        };
        let dmarc_ok = match records::parse_dmarc(&text) {
            Ok(_) => true,
            Err(why) => escaped(&why),
        };
        let dkim_ok = match records::parse_dkim(&text) {
            smtp_doctor::model::DkimKeyState::Invalid { why } => escaped(&why),
            _ => true,
        };
        let _ = records::is_spf(&text) || records::is_dmarc(&text);
        spf_ok && dmarc_ok && dkim_ok
    }
    check(prop as fn(Hostile, u8) -> bool);
}
