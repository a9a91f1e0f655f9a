//! The hostile-server suite: a small scriptable fake server on 127.0.0.1 per defect class.
//! Each scenario asserts no panic, a time bounded by the plan's timeout, output escaped for
//! the terminal, Markdown and JSON, the right finding code and a root cause.

mod support;

use smtp_doctor::lab::{self, LabCa, LabServer, ServerBehaviour, ServerMode, Validity};
use smtp_doctor::render::{json, markdown, terminal};
use smtp_doctor::{Credentials, Plan, Report, Secret, SecretKind};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const HOST: &str = "mail.hostile.test";
const TIMEOUT: Duration = Duration::from_millis(1500);

/// One step of a fake server's script.
#[derive(Clone)]
enum Act {
    /// Send these bytes.
    Send(Vec<u8>),
    /// Send these bytes one at a time, this far apart.
    Drip(Vec<u8>, Duration),
    /// Send this line (CRLF added) this many times (`None`: until the client goes away),
    /// this far apart.
    Repeat(String, Option<usize>, Duration),
    /// Read one command line.
    Read,
    /// Answer every further command: EHLO with these bytes, QUIT with 221, others with 250.
    Serve(Vec<u8>),
    /// Stay connected, silent.
    Hold,
    /// Close the connection.
    Close,
}

/// A fake server that plays the same script on every connection; stops when dropped.
struct Fake {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fake {
    async fn start(script: Vec<Act>) -> Fake {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        sessions.spawn(play(stream, script.clone()));
                    }
                    Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                }
            }
        });
        Fake { addr, task }
    }
}

async fn play(stream: TcpStream, script: Vec<Act>) {
    let _ = stream.set_nodelay(true);
    let mut s = BufReader::new(stream);
    let mut line = String::new();
    for act in script {
        match act {
            Act::Send(bytes) => {
                if s.get_mut().write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Act::Drip(bytes, every) => {
                for b in bytes {
                    if s.get_mut().write_all(&[b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(every).await;
                }
            }
            Act::Repeat(text, times, every) => {
                let data = format!("{text}\r\n");
                let mut sent = 0usize;
                while times.is_none_or(|n| sent < n) {
                    if s.get_mut().write_all(data.as_bytes()).await.is_err() {
                        return;
                    }
                    sent += 1;
                    if !every.is_zero() {
                        tokio::time::sleep(every).await;
                    }
                }
            }
            Act::Read => {
                line.clear();
                if !matches!(s.read_line(&mut line).await, Ok(n) if n > 0) {
                    return;
                }
            }
            Act::Serve(ehlo) => loop {
                line.clear();
                if !matches!(s.read_line(&mut line).await, Ok(n) if n > 0) {
                    return;
                }
                let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" => &ehlo,
                    "QUIT" => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                if s.get_mut().write_all(reply).await.is_err() || verb == "QUIT" {
                    return;
                }
            },
            Act::Hold => tokio::time::sleep(Duration::from_secs(3600)).await,
            Act::Close => return,
        }
    }
}

fn greeting() -> Act {
    Act::Send(b"220 mx.hostile.test ESMTP\r\n".to_vec())
}

/// Probes the fake on port 587 with the suite's timeout; asserts the time guard.
async fn probe(fake: &Fake) -> Report {
    probe_plan(lab_plan(HOST, &[(587, fake.addr)], Some(TIMEOUT))).await
}

async fn probe_plan(plan: Plan) -> Report {
    let started = Instant::now();
    let report = check(plan).await;
    // A guard against a server stretching the probe, not a benchmark.
    assert!(
        started.elapsed() < 3 * TIMEOUT,
        "took {:?} with a {TIMEOUT:?} timeout",
        started.elapsed()
    );
    report
}

/// The text (verbose), Markdown and JSON renderings.
fn renderings(r: &Report) -> [(&'static str, String); 3] {
    let opts = terminal::TextOptions {
        color: false,
        verbose: true,
    };
    [
        ("text", terminal::render(r, opts)),
        ("markdown", markdown::render(r)),
        ("json", json::render(r)),
    ]
}

/// What a Markdown document renders as prose: its fenced code blocks removed. A block ends
/// only at a fence at least as long as the one that opened it.
fn markdown_prose(md: &str) -> String {
    let mut out = String::new();
    let mut open: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|&c| c == '`').count();
        match open {
            None if ticks >= 3 => open = Some(ticks),
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(n) if ticks >= n && line.trim_end_matches('`').trim().is_empty() => open = None,
            Some(_) => {}
        }
    }
    assert!(open.is_none(), "a code block never closes:\n{md}");
    out
}

/// `pattern` occurs in `text` with its first character not backslash-escaped.
fn unescaped(text: &str, pattern: &str) -> bool {
    text.match_indices(pattern)
        .any(|(i, _)| !text[..i].ends_with('\\') || text[..i].ends_with("\\\\"))
}

/// Every rendering is free of terminal controls, and the Markdown of live HTML and of
/// Markdown images and links from the network.
fn assert_escaped(r: &Report) {
    for (name, out) in renderings(r) {
        for bad in ['\u{1b}', '\u{7}', '\0', '\u{9b}', '\u{202e}', '\u{2067}'] {
            assert!(!out.contains(bad), "{name} has {bad:?}:\n{out}");
        }
        if name == "json" {
            let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
            let all = v.to_string();
            assert!(
                !all.contains("\\u001b") && !all.contains("\\u0007"),
                "{all}"
            );
        }
    }
    let md = markdown::render(r);
    let prose = markdown_prose(&md);
    for bad in [
        "<img", "<a ", "<script", "![", "](", "`evil", "https://", "www.",
    ] {
        assert!(!unescaped(&prose, bad), "markdown prose has {bad:?}:\n{md}");
    }
}

/// The finding with this code (panics with the findings when absent).
fn finding<'a>(r: &'a Report, code: &str) -> &'a smtp_doctor::Finding {
    r.findings
        .iter()
        .find(|f| f.code.as_str() == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", r.findings))
}

/// Cause `code`, a finding with it whose message holds every fragment, escaped output.
fn assert_diagnosed(r: &Report, code: &str, fragments: &[&str]) {
    assert_eq!(cause(r), Some(code), "{:#?}", r.findings);
    let f = finding(r, code);
    assert!(!f.message.is_empty());
    for want in fragments {
        assert!(f.message.contains(want), "{want:?} not in {:?}", f.message);
    }
    assert_escaped(r);
}

// ---------------------------------------------------------------- EHLO

#[tokio::test]
async fn endless_ehlo_continuation() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Read,
        Act::Repeat("250-X-ENDLESS".into(), None, Duration::ZERO),
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &["EHLO", "lines"]);
    // It greeted as a mail server: the fix is not "check the host and port".
    assert!(
        r.recommendations[0]
            .message
            .contains("greets like a mail server"),
        "{:?}",
        r.recommendations
    );
}

#[tokio::test]
async fn ten_thousand_capabilities() {
    let mut caps = String::from("250-mx.hostile.test\r\n");
    for i in 0..10_000 {
        caps.push_str(&format!("250-X-CAP-{i}\r\n"));
    }
    caps.push_str("250 8BITMIME\r\n");
    let fake = Fake::start(vec![greeting(), Act::Serve(caps.into_bytes())]).await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &["EHLO", "lines"]);
}

#[tokio::test]
async fn trickling_ehlo_reply() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Read,
        Act::Drip(
            b"250-mx.hostile.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n".to_vec(),
            Duration::from_millis(500),
        ),
        Act::Hold,
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &["EHLO", "still arriving"]);
}

#[tokio::test]
async fn silence_after_ehlo() {
    let fake = Fake::start(vec![greeting(), Act::Read, Act::Hold]).await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.ehlo_rejected", &["EHLO", "no reply"]);
}

#[tokio::test]
async fn close_mid_ehlo_reply() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Read,
        Act::Send(b"250-mx.hostile.test\r\n250-PIPEL".to_vec()),
        Act::Close,
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &["EHLO", "closed", "1 line"]);
}

#[tokio::test]
async fn close_in_answer_to_ehlo() {
    let fake = Fake::start(vec![greeting(), Act::Read, Act::Close]).await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.ehlo_rejected", &["EHLO", "closed", "without"]);
}

#[tokio::test]
async fn ehlo_reply_codes_199_and_000() {
    for code in ["199", "000"] {
        let fake = Fake::start(vec![
            greeting(),
            Act::Serve(format!("{code} hello there\r\n").into_bytes()),
        ])
        .await;
        let r = probe(&fake).await;
        assert_diagnosed(&r, "smtp.not_smtp", &["EHLO", code]);
    }
}

#[tokio::test]
async fn ehlo_rejected_with_4xx() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Serve(b"421 4.7.0 too busy, try later\r\n".to_vec()),
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.ehlo_rejected", &["421 4.7.0 too busy"]);
}

#[tokio::test]
async fn ten_megabyte_ehlo_line() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Read,
        Act::Send(vec![b'A'; 10 * 1024 * 1024]),
        Act::Hold,
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &["EHLO", "2048"]);
}

// ------------------------------------------------------------------- greeting wording

#[tokio::test]
async fn close_mid_greeting() {
    let fake = Fake::start(vec![
        Act::Send(b"220-mx.hostile.test ESMTP\r\n220-still talk".to_vec()),
        Act::Close,
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(
        &r,
        "smtp.no_greeting",
        &["closed", "41 bytes", "1 complete line"],
    );
    let m = &finding(&r, "smtp.no_greeting").message;
    assert!(!m.contains("overloaded") && !m.contains("0.0 s"), "{m}");
}

#[tokio::test]
async fn close_without_a_word() {
    let fake = Fake::start(vec![Act::Close]).await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.no_greeting", &["closed", "without a word"]);
    let m = &finding(&r, "smtp.no_greeting").message;
    assert!(!m.contains("overloaded") && !m.contains("0.0 s"), "{m}");
}

#[tokio::test]
async fn slow_multi_line_greeting() {
    let fake = Fake::start(vec![Act::Repeat(
        "220-mx.hostile.test still greeting".into(),
        None,
        Duration::from_millis(500),
    )])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.no_greeting", &["never completed"]);
    let m = &finding(&r, "smtp.no_greeting").message;
    assert!(!m.contains("no SMTP greeting came"), "{m}");
}

// ----------------------------------------------------- injection

const MARKDOWN_BAIT: &str = "<img src=x onerror=alert(1)> ![](https://evil.test/p.png) \
    [click](https://evil.test/login) <a href=\"https://evil.test\">x</a> | cell | `evil` \
    ``` *bold* _it_ # head <script>alert(1)</script> www.evil.test";

#[tokio::test]
async fn markdown_and_html_in_greeting_and_ehlo() {
    let fake = Fake::start(vec![
        Act::Send(format!("220 {MARKDOWN_BAIT}\r\n").into_bytes()),
        Act::Serve(format!("250-{MARKDOWN_BAIT}\r\n250 X-{MARKDOWN_BAIT}\r\n").into_bytes()),
    ])
    .await;
    let r = probe(&fake).await;
    // No STARTTLS offered: that is the cause; the table quotes the greeting.
    assert_diagnosed(&r, "smtp.starttls_missing", &[]);
    let md = markdown::render(&r);
    assert!(
        md.contains("&lt;img"),
        "the greeting is shown, escaped:\n{md}"
    );
}

#[tokio::test]
async fn markdown_and_html_in_a_rejected_greeting() {
    let fake = Fake::start(vec![
        Act::Send(format!("554 5.7.1 {MARKDOWN_BAIT}\r\n").into_bytes()),
        Act::Serve(b"250 ok\r\n".to_vec()),
    ])
    .await;
    let r = probe(&fake).await;
    // The root-cause line and the evidence quote the reply.
    assert_diagnosed(&r, "smtp.rejected_greeting", &["554 5.7.1"]);
}

#[tokio::test]
async fn markdown_in_a_not_smtp_banner() {
    let fake = Fake::start(vec![Act::Send(
        format!("SSH-2.0-x `` {MARKDOWN_BAIT}\r\n").into_bytes(),
    )])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &[]);
}

const TERMINAL_BAIT: &[u8] = b"\x1b[2J\x1b[31mred\x1b]52;c;ZXZpbA==\x07\x1b]8;;https://evil.test\x1b\\link\x1b]8;;\x1b\\\x07\xc2\x9b31m \xe2\x80\xae\xe2\x81\xa7bidi";

#[tokio::test]
async fn terminal_escapes_in_greeting_and_ehlo() {
    let mut greet = b"220 ".to_vec();
    greet.extend_from_slice(TERMINAL_BAIT);
    greet.extend_from_slice(b"\r\n");
    let mut ehlo = b"250-".to_vec();
    ehlo.extend_from_slice(TERMINAL_BAIT);
    ehlo.extend_from_slice(b"\r\n250 X-");
    ehlo.extend_from_slice(TERMINAL_BAIT);
    ehlo.extend_from_slice(b"\r\n");
    let fake = Fake::start(vec![Act::Send(greet), Act::Serve(ehlo)]).await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.starttls_missing", &[]);
}

#[tokio::test]
async fn terminal_escapes_in_a_rejected_ehlo() {
    let mut ehlo = b"421 ".to_vec();
    ehlo.extend_from_slice(TERMINAL_BAIT);
    ehlo.extend_from_slice(b"\r\n");
    let fake = Fake::start(vec![greeting(), Act::Serve(ehlo)]).await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.ehlo_rejected", &[]);
}

#[tokio::test]
async fn nuls_and_invalid_utf8() {
    let fake = Fake::start(vec![
        Act::Send(b"220 mx\0\0 \xff\xfe\xc3( ok\r\n".to_vec()),
        Act::Serve(b"250-mx\0\xff\r\n250 X-\0\xc0\xaf\r\n".to_vec()),
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.starttls_missing", &[]);
}

#[tokio::test]
async fn nuls_and_invalid_utf8_in_a_bad_reply() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Serve(b"2\x005 \xff\xfe\r\n".to_vec()),
    ])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &["EHLO"]);
}

// ------------------------------------------------------ credential echo

const USER: &str = "alice@hostile.test";
const PASSWORD: &str = "S3cr3t-Pa55word!";

fn b64(s: &str) -> String {
    use base64::prelude::{Engine as _, BASE64_STANDARD};
    BASE64_STANDARD.encode(s.as_bytes())
}

/// Every form of the password an echo could take.
fn password_forms() -> Vec<String> {
    vec![
        PASSWORD.to_string(),
        b64(PASSWORD),
        b64(&format!("\0{USER}\0{PASSWORD}")),
        b64(PASSWORD).trim_end_matches('=').to_string(),
    ]
}

async fn echoing_server(ca: &LabCa, mechanisms: &[&str], reply: String) -> LabServer {
    let cfg = lab::server_tls(&ca.issue(&[HOST], Validity::Current).unwrap()).unwrap();
    let mut b = ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg));
    b.auth = mechanisms.iter().map(|m| m.to_string()).collect();
    b.auth_reply = Some(reply);
    LabServer::start(b).await.unwrap()
}

#[tokio::test]
async fn password_echoed_in_the_auth_reply_is_redacted() {
    let ca = LabCa::new("hostile test CA", "smtp-doctor tests").unwrap();
    let forms = password_forms();
    let echo = format!(
        "535 5.7.8 bad credentials {} raw={} plain={} bare={}",
        forms[1], forms[0], forms[2], forms[3]
    );
    for mechanism in ["PLAIN", "LOGIN"] {
        let s = echoing_server(&ca, &[mechanism], echo.clone()).await;
        let mut plan = lab_plan(HOST, &[(465, s.addr)], Some(TIMEOUT));
        plan.extra_roots.push(ca.root_der());
        plan.credentials = Some(Credentials {
            user: USER.into(),
            secret: Secret::new(PASSWORD),
            kind: SecretKind::Password,
        });
        let r = probe_plan(plan).await;
        assert_diagnosed(&r, "auth.failed", &["535 5.7.8", "****"]);
        for (name, out) in renderings(&r) {
            for form in &forms {
                assert!(
                    !out.contains(form.as_str()),
                    "{mechanism}: {name} shows {form}:\n{out}"
                );
            }
        }
    }
}

// ------------------------------------------------------ certificate names

#[tokio::test]
async fn markdown_html_and_escapes_in_certificate_names() {
    let ca = LabCa::new(
        "<img src=x> CA ![](https://evil.test/ca.png)",
        "`evil` | org",
    )
    .unwrap();
    let names = [
        "<img src=x onerror=alert(1)>.hostile.test",
        "![](https://evil.test/p.png)",
        "x\u{1b}]52;c;ZXZpbA==\u{7}.hostile.test",
        "[click](https://evil.test)|`evil`",
    ];
    let cfg = lab::server_tls(&ca.issue(&names, Validity::Current).unwrap()).unwrap();
    let s = LabServer::start(ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg)))
        .await
        .unwrap();
    let mut plan = lab_plan(HOST, &[(465, s.addr)], Some(TIMEOUT));
    plan.extra_roots.push(ca.root_der());
    let r = probe_plan(plan).await;
    assert_diagnosed(&r, "tls.cert_name_mismatch", &[HOST]);
}

// ------------------------------------------------------------ no failure without a finding

#[tokio::test]
async fn plain_greeting_on_465_then_the_reconnect_is_refused() {
    // Answers the TLS ClientHello with a plain greeting on the first connection only; the
    // reconnect in plain text is refused. The port failed: a finding must say why.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        drop(listener);
        let _ = stream.write_all(b"220 mx.hostile.test ESMTP\r\n").await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let r = probe_plan(lab_plan(HOST, &[(465, addr)], Some(TIMEOUT))).await;
    server.abort();
    assert_diagnosed(&r, "tcp.refused", &[]);
}

#[tokio::test]
async fn endless_greeting_continuation() {
    let fake = Fake::start(vec![Act::Repeat(
        "220-mx.hostile.test ESMTP".into(),
        None,
        Duration::ZERO,
    )])
    .await;
    let r = probe(&fake).await;
    assert_diagnosed(&r, "smtp.not_smtp", &[]);
}

#[tokio::test]
async fn ehlo_failures_are_said_in_spanish() {
    let fake = Fake::start(vec![
        greeting(),
        Act::Read,
        Act::Send(b"250-mx.hostile.test\r\n".to_vec()),
        Act::Close,
    ])
    .await;
    let r = check_in(
        lab_plan(HOST, &[(587, fake.addr)], Some(TIMEOUT)),
        smtp_doctor::Lang::Es,
    )
    .await;
    assert_diagnosed(
        &r,
        "smtp.not_smtp",
        &["EHLO", "cerró la conexión", "1 línea"],
    );
}

/// The healthy STARTTLS + implicit TLS observations, with EHLO after STARTTLS on 587 given
/// `after` instead of its 250.
fn healthy_but_ehlo_after_starttls(after: serde_json::Value) -> Report {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/observations/healthy_starttls_and_implicit_tls.json"
    );
    let mut obs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(obs["endpoints"][0]["port"], 587);
    let smtp = obs["endpoints"][0]["smtp"].as_object_mut().unwrap();
    smtp.remove("ehlo_after_tls");
    for (k, v) in after.as_object().unwrap() {
        smtp.insert(k.clone(), v.clone());
    }
    report_of(serde_json::from_value(obs).unwrap(), smtp_doctor::Lang::En)
}

#[test]
fn ehlo_after_starttls_that_fails_is_a_finding_not_a_healthy_port() {
    let r = healthy_but_ehlo_after_starttls(serde_json::json!({
        "ehlo_after_tls_failed": {"kind": "timed_out", "secs": 5.0, "lines": 0, "bytes": 0}
    }));
    assert_eq!(r.verdict, smtp_doctor::Verdict::Degraded);
    assert_diagnosed(
        &r,
        "smtp.ehlo_rejected",
        &["EHLO after STARTTLS", "no reply"],
    );
    // Refused after STARTTLS: a finding too.
    let r = healthy_but_ehlo_after_starttls(serde_json::json!({
        "ehlo_after_tls": {"code": 554, "text": "5.7.1 go away", "ms": 9.0,
            "capabilities": {"starttls": false, "auth": [], "size": null, "eightbitmime": false,
                "smtputf8": false, "pipelining": false, "enhanced_status_codes": false,
                "chunking": false}}
    }));
    assert_eq!(r.verdict, smtp_doctor::Verdict::Degraded);
    assert_diagnosed(&r, "smtp.ehlo_rejected", &["554 5.7.1 go away"]);
}

// ---------------------------------------------------------- an oversized certificate message

#[tokio::test]
async fn a_ten_megabyte_certificate_chain_is_said_as_such_not_as_not_tls() {
    // Answers the ClientHello with a TLS handshake record that announces a 10 MB message (the
    // way a server with a 10 MB certificate chain starts it), then keeps sending. rustls stops
    // at its 64 KiB limit for one handshake message: the report must say that, not "not TLS".
    let mut record = vec![0x16, 0x03, 0x03, 0x40, 0x00]; // handshake record, 16 KiB
    record.extend_from_slice(&[0x0b, 0xa0, 0x00, 0x00]); // Certificate, 10 MiB long
    record.resize(5 + 0x4000, 0x30);
    let fake = Fake::start(vec![Act::Send(record.repeat(4)), Act::Hold]).await;
    let r = probe_plan(lab_plan(HOST, &[(465, fake.addr)], Some(TIMEOUT))).await;
    assert_diagnosed(&r, "tls.handshake_failed", &[]);
    let tls = r.endpoints[0].tls.as_ref().expect("a TLS step");
    assert!(
        matches!(
            tls.handshake,
            smtp_doctor::model::HandshakeOutcome::Failed {
                kind: smtp_doctor::model::TlsFailure::TooLarge,
                ..
            }
        ),
        "{:?}",
        tls.handshake
    );
    let message = &finding(&r, "tls.handshake_failed").message;
    assert!(!message.contains("not TLS"), "{message}");
    assert!(message.contains("65,535 bytes"), "{message}");
}

// ---------------------------------------------------------------- serve (the exporter)

/// `smtp-doctor serve` on a loopback port; stopped on drop.
struct Exporter {
    child: std::process::Child,
    port: u16,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Exporter {
    fn start() -> Exporter {
        use std::io::BufRead;
        let mut child = support::binary::smtp_doctor()
            .args(["serve", "--listen", "127.0.0.1:0", "--timeout", "1.5"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let port = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "serve ended");
            if let Some(p) = line
                .split("http://127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .and_then(|p| p.parse().ok())
            {
                break p;
            }
        };
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Exporter { child, port }
    }

    /// GET `path` with these extra header lines: the status and the body.
    fn get(&self, path: &str, headers: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).expect("serve answers UTF-8");
        let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, body.to_string())
    }
}

/// Every line of an exposition is a comment or `name{label="value",…} number`, with label
/// values from the closed sets (no server text: nothing a server sends becomes a label).
fn assert_exposition_closed(body: &str) {
    for bad in [
        "evil", "<", "script", "alert", "\u{1b}", "\u{7}", "\u{202e}",
    ] {
        assert!(!body.contains(bad), "the exposition has {bad:?}:\n{body}");
    }
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = line.rsplit_once(' ').unwrap_or(("", ""));
        assert!(value.parse::<f64>().is_ok(), "{line:?}");
        let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':'),
            "{line:?}"
        );
        let labels = labels.strip_suffix('}').expect("labels close");
        for pair in labels.split(',').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').expect("label=value");
            assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
            let inner = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .expect("a quoted value");
            assert!(
                inner
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
                "label {key} of {line:?}"
            );
        }
    }
}

/// A hostile server's greeting and EHLO (HTML, Markdown, terminal escapes, a label-breaking
/// `"}`) and a non-SMTP banner, probed through serve: the exposition holds only closed-set
/// labels, the JSON report is valid and escaped, the index page shows none of it raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_never_reaches_serve_labels_or_the_index_page() {
    let poison = format!("{MARKDOWN_BAIT} \u{1b}[31m\u{1b}]8;;https://evil.test\u{7} \"}} 1 evil");
    let smtp = Fake::start(vec![
        Act::Send(format!("220 {poison}\r\n").into_bytes()),
        Act::Serve(format!("250-{poison}\r\n250 AUTH PLAIN \"}} evil\r\n").into_bytes()),
    ])
    .await;
    let banner = Fake::start(vec![Act::Send(
        format!("HTTP/1.1 200 OK\r\nServer: {poison}\r\n\r\n<script>alert(1)</script>\r\n")
            .into_bytes(),
    )])
    .await;
    let ports = [smtp.addr.port(), banner.addr.port()];
    let answers = tokio::task::spawn_blocking(move || {
        let serve = Exporter::start();
        let mut answers = Vec::new();
        for port in ports {
            let path = format!("/probe?target=127.0.0.1:{port}");
            answers.push(("text", serve.get(&path, "")));
            let om = "Accept: application/openmetrics-text;version=1.0.0\r\n";
            answers.push(("openmetrics", serve.get(&path, om)));
            let json = serve.get(&format!("{path}&format=json"), "");
            answers.push((
                if port == ports[0] {
                    "json"
                } else {
                    "json, banner"
                },
                json,
            ));
        }
        answers.push(("index", serve.get("/", "")));
        answers
    })
    .await
    .unwrap();
    for (kind, (status, body)) in &answers {
        assert_eq!(*status, 200, "{kind}: {body}");
        match *kind {
            "text" | "openmetrics" => {
                assert!(body.contains("smtp_doctor_failure_info{"), "{body}");
                assert_exposition_closed(body);
            }
            "json" | "json, banner" => {
                let v: serde_json::Value = serde_json::from_str(body).expect("valid JSON");
                let all = v.to_string();
                for bad in ["\\u001b", "\\u0007", "\u{202e}"] {
                    assert!(!all.contains(bad), "{all}");
                }
                // The server's text did reach serve: the report quotes it, escaped.
                assert!(*kind != "json" || all.contains("evil.test"), "{all}");
            }
            _ => {
                assert!(
                    body.contains("127.0.0.1:"),
                    "the index lists the probes: {body}"
                );
                for bad in ["<script", "<img", "evil", "\u{1b}", "\"}"] {
                    assert!(!body.contains(bad), "the index has {bad:?}:\n{body}");
                }
            }
        }
    }
}
