//! Hermetic scenarios: real sockets and real TLS on loopback, with the lab's fault-injecting
//! servers. Each asserts the verdict, the cause and the findings a user would see.

mod support;

use smtp_doctor::lab::{
    self, DroppingPort, LabCa, LabServer, ServerBehaviour, ServerMode, Validity,
};
use smtp_doctor::model::{GreetingOutcome, HandshakeOutcome, Security, TcpState, TlsFailure};
use smtp_doctor::Verdict;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use support::*;

const HOST: &str = "mail.lab.test";

struct Pki {
    ca: LabCa,
}

impl Pki {
    fn new() -> Pki {
        Pki {
            ca: LabCa::new("smtp-doctor test CA", "smtp-doctor tests").unwrap(),
        }
    }
    fn tls(&self, names: &[&str], validity: Validity) -> std::sync::Arc<rustls::ServerConfig> {
        lab::server_tls(&self.ca.issue(names, validity).unwrap()).unwrap()
    }
}

async fn implicit(pki: &Pki, validity: Validity) -> LabServer {
    let cfg = pki.tls(&[HOST], validity);
    LabServer::start(ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg)))
        .await
        .unwrap()
}

async fn starttls(pki: &Pki) -> LabServer {
    let cfg = pki.tls(&[HOST], Validity::Current);
    LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg),
    }))
    .await
    .unwrap()
}

async fn server(mode: ServerMode) -> LabServer {
    LabServer::start(ServerBehaviour::smtp(mode)).await.unwrap()
}

fn trusting(mut plan: smtp_doctor::Plan, pki: &Pki) -> smtp_doctor::Plan {
    plan.extra_roots.push(pki.ca.root_der());
    plan
}

#[tokio::test]
async fn healthy_starttls_and_implicit_tls() {
    let pki = Pki::new();
    let s587 = starttls(&pki).await;
    let s465 = implicit(&pki, Validity::Current).await;
    let plan = trusting(
        lab_plan(HOST, &[(587, s587.addr), (465, s465.addr)], None),
        &pki,
    );
    let r = check_recorded("healthy_starttls_and_implicit_tls", plan).await;
    assert_eq!(r.verdict, Verdict::Ok, "{:?}", r.findings);
    assert_eq!(r.cause, None);
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.endpoints[0].security, Security::Starttls);
    assert_eq!(r.endpoints[1].security, Security::ImplicitTls);
    let smtp = r.endpoints[0].smtp.as_ref().unwrap();
    let caps = smtp.effective_capabilities().unwrap();
    assert!(
        caps.auth.contains(&"PLAIN".to_string()),
        "AUTH listed after STARTTLS"
    );
    assert!(smtp.ehlo.as_ref().unwrap().capabilities.starttls);
    let tls = r.endpoints[1].tls.as_ref().unwrap();
    assert!(tls.is_secure());
    assert_eq!(tls.chain.len(), 2);
    assert!(tls.chain[0].names.contains(&HOST.to_string()));
    assert!(r.endpoints[0]
        .transcript
        .iter()
        .any(|t| t.text == "STARTTLS"));
}

#[tokio::test]
async fn the_origin_incident_587_dropped_465_working() {
    let lab = lab::DemoLab::start().await.unwrap();
    let r = check_recorded(
        "the_origin_incident_587_dropped_465_working",
        lab.plan.clone(),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Degraded);
    assert_eq!(cause(&r), Some("tcp.filtered"));
    assert_eq!(r.exit_code(), 1);
    let e587 = r.endpoints.iter().find(|e| e.port == 587).unwrap();
    assert_eq!(e587.tcp.state, TcpState::Filtered);
    assert!(
        e587.tcp.attempts >= 2,
        "fresh attempts are sent while waiting"
    );
    let e465 = r.endpoints.iter().find(|e| e.port == 465).unwrap();
    assert!(e465.tls.as_ref().unwrap().is_secure());
    let first = &r.recommendations[0];
    assert_eq!(first.port, Some(465));
    assert_eq!(first.security, Some(Security::ImplicitTls));
    assert_eq!(first.settings["EMAIL_PORT"], "465");
    assert_eq!(first.settings["EMAIL_USE_SSL"], "True");
    assert_eq!(first.settings["EMAIL_USE_TLS"], "False");
    assert_eq!(
        r.recommendations[1].port,
        Some(587),
        "the let-it-through alternative"
    );
}

#[tokio::test]
async fn refused_port() {
    let pki = Pki::new();
    let s465 = implicit(&pki, Validity::Current).await;
    let closed = lab::closed_port().unwrap();
    let plan = trusting(
        lab_plan(HOST, &[(587, closed), (465, s465.addr)], None),
        &pki,
    );
    let r = check_recorded("refused_port", plan).await;
    assert_eq!(r.verdict, Verdict::Degraded);
    assert_eq!(cause(&r), Some("tcp.refused"));
    assert_eq!(r.endpoints[0].tcp.state, TcpState::Refused);
    assert_eq!(r.recommendations[0].port, Some(465));
}

#[tokio::test]
async fn every_port_dropped_means_outbound_smtp_is_blocked() {
    let a = DroppingPort::new().unwrap();
    let b = DroppingPort::new().unwrap();
    let plan = lab_plan(
        HOST,
        &[(587, a.addr), (465, b.addr)],
        Some(Duration::from_millis(600)),
    );
    let r = check_recorded("every_port_dropped_means_outbound_smtp_is_blocked", plan).await;
    assert_eq!(r.verdict, Verdict::Failed);
    assert_eq!(cause(&r), Some("tcp.filtered"));
    assert_eq!(codes(&r), vec!["tcp.filtered", "tcp.filtered"]);
    // No port works, so no port is recommended: only what to ask of the network.
    assert!(r.recommendations.iter().all(|rec| rec.settings.is_empty()));
    assert!(r.recommendations[0]
        .message
        .contains("outbound SMTP is blocked"));
}

#[tokio::test]
async fn rejected_greeting_quotes_the_server() {
    let mut b = ServerBehaviour::smtp(ServerMode::Smtp { starttls: None });
    b.greeting = "421 4.7.0 mx.lab.test Too many connections, try again later".into();
    let s = LabServer::start(b).await.unwrap();
    let r = check_recorded(
        "rejected_greeting_quotes_the_server",
        lab_plan(HOST, &[(587, s.addr)], Some(Duration::from_secs(2))),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Failed);
    assert_eq!(cause(&r), Some("smtp.rejected_greeting"));
    assert!(r.findings[0].message.contains("Too many connections"));
}

#[tokio::test]
async fn tarpit_gives_no_greeting() {
    let s = server(ServerMode::Silent).await;
    let r = check_recorded(
        "tarpit_gives_no_greeting",
        lab_plan(HOST, &[(587, s.addr)], Some(Duration::from_millis(1500))),
    )
    .await;
    assert_eq!(cause(&r), Some("smtp.no_greeting"));
    assert_eq!(codes(&r), vec!["smtp.no_greeting"]);
}

#[tokio::test]
async fn ssh_banner_is_not_smtp() {
    let s = server(ServerMode::Banner(
        b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".to_vec(),
    ))
    .await;
    for port in [587, 465] {
        let r = check_recorded(
            &format!("ssh_banner_on_{port}"),
            lab_plan(HOST, &[(port, s.addr)], Some(Duration::from_secs(2))),
        )
        .await;
        assert_eq!(
            cause(&r),
            Some("smtp.not_smtp"),
            "port {port}: {:?}",
            r.findings
        );
        assert!(r.findings[0]
            .evidence
            .as_deref()
            .unwrap()
            .contains("SSH-2.0"));
    }
}

#[tokio::test]
async fn http_server_is_not_smtp() {
    // An HTTP server says nothing until it gets a request, then answers with HTTP.
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                if let Ok(n) = s.read(&mut buf).await {
                    if n > 0 && buf[0].is_ascii_alphabetic() {
                        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                    }
                }
            });
        }
    });
    let r = check_recorded(
        "http_server_is_not_smtp",
        lab_plan(HOST, &[(587, addr)], Some(Duration::from_millis(1200))),
    )
    .await;
    assert_eq!(cause(&r), Some("smtp.not_smtp"), "{:?}", r.findings);
    assert!(r.findings[0].message.contains("HTTP/1.1 400"));
}

#[tokio::test]
async fn no_starttls_offered() {
    let s = server(ServerMode::Smtp { starttls: None }).await;
    let r = check_recorded(
        "no_starttls_offered",
        lab_plan(HOST, &[(587, s.addr)], None),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Failed);
    assert_eq!(cause(&r), Some("smtp.starttls_missing"));
    assert_eq!(r.endpoints[0].security, Security::Plain);
}

#[tokio::test]
async fn implicit_tls_found_on_587() {
    let pki = Pki::new();
    let s = implicit(&pki, Validity::Current).await;
    let plan = trusting(
        lab_plan(HOST, &[(587, s.addr)], Some(Duration::from_secs(3))),
        &pki,
    );
    let r = check_recorded("implicit_tls_found_on_587", plan).await;
    assert_eq!(r.verdict, Verdict::Ok, "{:?}", r.findings);
    assert_eq!(r.endpoints[0].security, Security::ImplicitTls);
    assert_eq!(r.endpoints[0].expected_security, Security::Starttls);
    assert_eq!(codes(&r), vec!["port.speaks_implicit_tls"]);
    // One clock for the whole endpoint, across its connections.
    let times: Vec<f64> = r.endpoints[0].transcript.iter().map(|t| t.ms).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(r.endpoints[0]
        .transcript
        .iter()
        .any(|t| t.text.contains("no greeting after 250 ms")
            && t.text.contains("speaks implicit TLS")));
}

#[tokio::test]
async fn implicit_tls_on_an_unconventional_port_is_tried_at_once_and_starttls_there_still_found() {
    // 2465, 2587: either mode is as likely, so the TLS attempt does not wait for a greeting
    // that an implicit-TLS port never sends; 587 keeps its wait (asserted in the 587 case).
    let pki = Pki::new();
    let tls = implicit(&pki, Validity::Current).await;
    let plain = starttls(&pki).await;
    let plan = trusting(
        lab_plan(
            HOST,
            &[(2465, tls.addr), (2587, plain.addr)],
            Some(Duration::from_secs(3)),
        ),
        &pki,
    );
    let r = check(plan).await;
    assert_eq!(r.verdict, Verdict::Ok, "{:?}", r.findings);
    let on = |port: u16| r.endpoints.iter().find(|e| e.port == port).unwrap();
    assert_eq!(on(2465).security, Security::ImplicitTls);
    assert!(
        on(2465)
            .transcript
            .iter()
            .any(|t| t.text.contains("started at once")),
        "{:?}",
        on(2465).transcript
    );
    assert_eq!(on(2587).security, Security::Starttls);
    assert!(on(2587).tls.as_ref().unwrap().is_secure());
}

#[tokio::test]
async fn starttls_found_on_465() {
    let pki = Pki::new();
    let s = starttls(&pki).await;
    let plan = trusting(lab_plan(HOST, &[(465, s.addr)], None), &pki);
    let r = check_recorded("starttls_found_on_465", plan).await;
    assert_eq!(r.verdict, Verdict::Ok, "{:?}", r.findings);
    assert_eq!(r.endpoints[0].security, Security::Starttls);
    assert_eq!(codes(&r), vec!["port.starts_in_plain_text"]);
    assert!(r.endpoints[0].tls.as_ref().unwrap().is_secure());
}

#[tokio::test]
async fn expired_certificate() {
    let pki = Pki::new();
    let s = implicit(&pki, Validity::Expired).await;
    let r = check_recorded(
        "expired_certificate",
        trusting(lab_plan(HOST, &[(465, s.addr)], None), &pki),
    )
    .await;
    assert_eq!(cause(&r), Some("tls.cert_expired"));
    assert_eq!(codes(&r), vec!["tls.cert_expired"]);
    // The handshake still completed, so the version and issuer are known.
    let tls = r.endpoints[0].tls.as_ref().unwrap();
    assert!(tls.chain[0].issuer.contains("smtp-doctor test CA"));
}

#[tokio::test]
async fn wrong_name_certificate() {
    let pki = Pki::new();
    let cfg = pki.tls(&["other.lab.test"], Validity::Current);
    let s = server(ServerMode::ImplicitTls(cfg)).await;
    // other.lab.test is in mail.lab.test's domain and resolves to the server that answered.
    let mut plan = trusting(lab_plan(HOST, &[(465, s.addr)], None), &pki);
    plan.resolve.push(smtp_doctor::ResolveOverride {
        host: "other.lab.test".parse().unwrap(),
        address: std::net::Ipv4Addr::LOCALHOST.into(),
    });
    let r = check_recorded("wrong_name_certificate", plan).await;
    assert_eq!(cause(&r), Some("tls.cert_name_mismatch"));
    assert_eq!(codes(&r), vec!["tls.cert_name_mismatch"]);
    let fix = r
        .recommendations
        .iter()
        .find(|x| x.settings.contains_key("EMAIL_HOST"))
        .unwrap();
    assert_eq!(fix.settings["EMAIL_HOST"], "other.lab.test");
}

/// Regression: with a chain that verifies, the certificate's name went verbatim into Fix A's
/// `EMAIL_HOST = …` (code injection in every framework's snippet, terminal escapes on screen),
/// and a man in the middle with a valid certificate for its own domain was recommended. A name
/// is suggested only inside the configured host's registrable domain, when it resolves to an
/// address that answered; anything else keeps the host and says why.
#[tokio::test]
async fn certificate_names_from_elsewhere_are_never_suggested() {
    let pki = Pki::new();
    let injected = "smtp.lab.test\"\nimport os; os.system(\"touch pwned\")\nEMAIL_HOST_X = \"";
    let osc52 = "smtp.lab.test\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J";
    for (names, why) in [
        (&["mitm.evil.test"][..], "another domain"),
        (&[injected][..], "code in a SAN"),
        (&[osc52][..], "terminal escapes in a SAN"),
        (
            &["other.lab.test"][..],
            "in the domain but does not resolve",
        ),
    ] {
        let s = server(ServerMode::ImplicitTls(pki.tls(names, Validity::Current))).await;
        let obs = support::observe(trusting(lab_plan(HOST, &[(465, s.addr)], None), &pki)).await;
        let r = support::report_of(obs.clone(), smtp_doctor::Lang::En);
        assert_eq!(cause(&r), Some("tls.cert_name_mismatch"), "{why}");
        assert!(
            r.recommendations
                .iter()
                .all(|x| !x.settings.contains_key("EMAIL_HOST")),
            "{why}: {:?}",
            r.recommendations
        );
        assert!(
            r.recommendations
                .iter()
                .any(|x| x.message.starts_with("Keep mail.lab.test as the host")),
            "{why}: {:?}",
            r.recommendations
        );
        for fw in smtp_doctor::Framework::ALL {
            let opts = smtp_doctor::Options {
                framework: *fw,
                ..Default::default()
            };
            let d = smtp_doctor::diagnose(&obs, &opts);
            let report = smtp_doctor::Report::new("check", obs.clone(), d, &opts);
            for shown in [
                smtp_doctor::render::terminal::render(&report, Default::default()),
                smtp_doctor::render::terminal::render(
                    &report,
                    smtp_doctor::render::terminal::TextOptions {
                        verbose: true,
                        color: false,
                    },
                ),
                smtp_doctor::render::markdown::render(&report),
                smtp_doctor::render::json::render(&report),
            ] {
                // The SAN shows only escaped, on one line: never as a line of code.
                assert!(!shown.contains("\nimport os"), "{why} {fw:?}: {shown}");
                assert!(!shown.contains("\\nimport os"), "{why} {fw:?}: {shown}");
                assert!(
                    !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
                    "{why} {fw:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn untrusted_certificate() {
    let pki = Pki::new();
    let s = implicit(&pki, Validity::Current).await;
    // The plan does not trust the lab CA.
    let r = check_recorded(
        "untrusted_certificate",
        lab_plan(HOST, &[(465, s.addr)], None),
    )
    .await;
    assert_eq!(cause(&r), Some("tls.cert_untrusted"));
    assert_eq!(codes(&r), vec!["tls.cert_untrusted"]);
}

#[tokio::test]
async fn antivirus_interception_untrusted() {
    let av = LabCa::new("Avast Web/Mail Shield Root", "Avast Web/Mail Shield").unwrap();
    let cfg = lab::server_tls(&av.issue(&[HOST], Validity::Current).unwrap()).unwrap();
    let s = server(ServerMode::ImplicitTls(cfg)).await;
    let r = check_recorded(
        "antivirus_interception_untrusted",
        lab_plan(HOST, &[(465, s.addr)], None),
    )
    .await;
    assert_eq!(cause(&r), Some("tls.intercepted"));
    assert!(codes(&r).contains(&"tls.intercepted"));
    assert!(r.findings[0].message.contains("Avast"));
    assert!(r
        .recommendations
        .iter()
        .any(|x| x.message.contains("Avast")));
}

#[tokio::test]
async fn antivirus_interception_trusted_is_a_warning() {
    let av = LabCa::new("ESET SSL Filter CA", "ESET, spol. s r. o.").unwrap();
    let cfg = lab::server_tls(&av.issue(&[HOST], Validity::Current).unwrap()).unwrap();
    let s = server(ServerMode::ImplicitTls(cfg)).await;
    let mut plan = lab_plan(HOST, &[(465, s.addr)], None);
    plan.extra_roots.push(av.root_der());
    let r = check_recorded("antivirus_interception_trusted_is_a_warning", plan).await;
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(codes(&r), vec!["tls.intercepted"]);
    assert_eq!(r.findings[0].severity, smtp_doctor::Severity::Warning);
}

#[tokio::test]
async fn tls_alert_is_a_handshake_failure() {
    // A fatal handshake_failure alert record, as a server with no common cipher sends.
    let alert = vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];
    let s = server(ServerMode::Banner(alert)).await;
    let r = check_recorded(
        "tls_alert_is_a_handshake_failure",
        lab_plan(HOST, &[(465, s.addr)], Some(Duration::from_secs(2))),
    )
    .await;
    assert_eq!(cause(&r), Some("tls.handshake_failed"), "{:?}", r.findings);
    assert_eq!(codes(&r), vec!["tls.handshake_failed"]);
    let tls = r.endpoints[0].tls.as_ref().unwrap();
    match &tls.handshake {
        HandshakeOutcome::Failed { kind, reason, .. } => {
            assert_eq!(*kind, TlsFailure::Alert);
            assert_eq!(reason, "the server sent the TLS alert HandshakeFailure");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn silence_to_a_client_hello_is_no_reply() {
    // The kind of the TLS failure (no reply at all) decides that 465 is a silent port, not a
    // broken TLS server.
    let s = server(ServerMode::Silent).await;
    let r = check(lab_plan(
        HOST,
        &[(465, s.addr)],
        Some(Duration::from_millis(800)),
    ))
    .await;
    let ep = &r.endpoints[0];
    assert!(ep.tls.is_none(), "{:?}", ep.tls);
    let greeting = &ep.smtp.as_ref().expect("an SMTP observation").greeting;
    assert!(
        matches!(greeting, GreetingOutcome::Silent { .. }),
        "{greeting:?}"
    );
    assert!(ep
        .transcript
        .iter()
        .any(|l| l.text == "no reply to the TLS ClientHello and no greeting"));
    assert_eq!(cause(&r), Some("smtp.no_greeting"), "{:?}", r.findings);
}

#[tokio::test]
async fn certificate_expiring_soon_is_a_warning() {
    let pki = Pki::new();
    let s = implicit(&pki, Validity::EndsInDays(5)).await;
    let r = check_recorded(
        "certificate_expiring_soon_is_a_warning",
        trusting(lab_plan(HOST, &[(465, s.addr)], None), &pki),
    )
    .await;
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(codes(&r), vec!["tls.cert_expiring_soon"]);
    assert!(r.findings[0].message.contains("5 days"));
}

#[tokio::test]
async fn trickling_server_cannot_hang_the_probe() {
    let s = server(ServerMode::Trickle).await;
    let r = check_recorded(
        "trickling_server_cannot_hang_the_probe",
        lab_plan(HOST, &[(587, s.addr)], Some(Duration::from_millis(1500))),
    )
    .await;
    assert_eq!(cause(&r), Some("smtp.no_greeting"), "{:?}", r.findings);
}

#[tokio::test]
async fn ten_megabyte_line_is_cut_off() {
    let s = server(ServerMode::HugeLine(10 * 1024 * 1024)).await;
    let r = check_recorded(
        "ten_megabyte_line_is_cut_off",
        lab_plan(HOST, &[(587, s.addr)], Some(Duration::from_secs(3))),
    )
    .await;
    assert_eq!(cause(&r), Some("smtp.not_smtp"), "{:?}", r.findings);
    assert!(r.findings[0]
        .evidence
        .as_deref()
        .unwrap()
        .contains("too long"));
}

#[tokio::test]
async fn ipv6_broken_while_ipv4_works() {
    let pki = Pki::new();
    // Listens on 127.0.0.1 only: the same port on ::1 is refused.
    let s = implicit(&pki, Validity::Current).await;
    let port = s.addr.port();
    let mut plan = smtp_doctor::Plan::new(HOST, &[port]).unwrap();
    for addr in [
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ] {
        plan.resolve.push(smtp_doctor::ResolveOverride {
            host: HOST.parse().unwrap(),
            address: addr,
        });
    }
    // An unconventional port is tested as STARTTLS first; give the detection time.
    plan.timing = smtp_doctor::Timing::new(Some(Duration::from_secs(3)));
    plan.extra_roots.push(pki.ca.root_der());
    let r = check_recorded("ipv6_broken_while_ipv4_works", plan).await;
    assert_eq!(r.verdict, Verdict::Degraded, "{:?}", r.findings);
    assert_eq!(cause(&r), Some("net.ipv6_broken"));
    assert!(codes(&r).contains(&"tcp.refused"));
    assert!(r.recommendations[0].message.contains("IPv4"));
}

#[tokio::test]
async fn dns_outcomes_from_a_real_resolver() {
    let dns = DnsResponder::start(&[
        (
            "mail.lab.test",
            DnsAnswer::Addresses(vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()]),
        ),
        ("txt-only.lab.test", DnsAnswer::NoData),
        ("broken.lab.test", DnsAnswer::ServFail),
        ("silent.lab.test", DnsAnswer::Drop),
    ])
    .await;
    let closed = lab::closed_port().unwrap();
    let cases = [
        ("nope.lab.test", Verdict::Failed, Some("dns.nxdomain")),
        ("txt-only.lab.test", Verdict::Failed, Some("dns.no_address")),
        ("broken.lab.test", Verdict::Failed, Some("dns.failed")),
        ("silent.lab.test", Verdict::Failed, Some("dns.failed")),
    ];
    for (host, verdict, want) in cases {
        let mut plan = smtp_doctor::Plan::new(host, &[closed.port()]).unwrap();
        plan.dns_server = Some(dns.addr);
        plan.timing = smtp_doctor::Timing::new(Some(Duration::from_millis(800)));
        let r = check_recorded(&format!("dns_{}", want.unwrap().replace('.', "_")), plan).await;
        assert_eq!((r.verdict, cause(&r)), (verdict, want), "{host}");
        assert_eq!(
            r.findings[0].port, None,
            "DNS findings concern no single port"
        );
        assert!(r.endpoints.is_empty());
    }
    // SERVFAIL for one name while the resolver answers others: the name, not the network.
    let mut plan = smtp_doctor::Plan::new("broken.lab.test", &[closed.port()]).unwrap();
    plan.dns_server = Some(dns.addr);
    let r = check(plan).await;
    assert_eq!(r.dns.resolver_answers, Some(true));
    assert!(
        r.findings[0].message.contains("name's own DNS servers"),
        "{}",
        r.findings[0].message
    );
    // A resolver that does not answer at all: this machine's DNS.
    let dead = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut plan = smtp_doctor::Plan::new("mail.lab.test", &[closed.port()]).unwrap();
    plan.dns_server = Some(dead.local_addr().unwrap());
    plan.timing = smtp_doctor::Timing::new(Some(Duration::from_millis(500)));
    let r = check_recorded("dns_resolver_unreachable", plan).await;
    assert_eq!(cause(&r), Some("dns.failed"));
    assert_eq!(r.dns.resolver_answers, Some(false));
    assert!(r.recommendations[0].message.contains("--dns-server"));

    let mut plan = smtp_doctor::Plan::new("mail.lab.test", &[closed.port()]).unwrap();
    plan.dns_server = Some(dns.addr);
    let r = check_recorded("dns_resolved_both_families", plan).await;
    assert_eq!(r.dns.addresses.len(), 2, "A and AAAA");
    assert_eq!(r.endpoints.len(), 2, "one endpoint per address");
    assert_eq!(cause(&r), Some("tcp.refused"));
}

#[tokio::test]
async fn mx_targets_are_probed_on_port_25() {
    let dns = DnsResponder::start(&[
        (
            "lab.test",
            DnsAnswer::Mx(vec![
                (20, "mx2.lab.test".into()),
                (10, "mx1.lab.test".into()),
            ]),
        ),
        (
            "mx1.lab.test",
            DnsAnswer::Addresses(vec!["127.0.0.1".parse().unwrap()]),
        ),
        (
            "mx2.lab.test",
            DnsAnswer::Addresses(vec!["127.0.0.1".parse().unwrap()]),
        ),
    ])
    .await;
    let hosts = smtp_doctor::mx_hosts("lab.test", Some(dns.addr), Duration::from_secs(2))
        .await
        .unwrap();
    let hosts: Vec<(u16, String)> = hosts
        .hosts
        .into_iter()
        .map(|(p, h)| (p, h.to_string()))
        .collect();
    assert_eq!(
        hosts,
        vec![
            (10, "mx1.lab.test".to_string()),
            (20, "mx2.lab.test".to_string())
        ]
    );
    let none = smtp_doctor::mx_hosts("nope.lab.test", Some(dns.addr), Duration::from_secs(2)).await;
    assert!(none.unwrap_err().contains("NXDOMAIN"));
    // The CLI probes each exchanger on 25, one JSON line each.
    let server = dns.addr.to_string();
    let out = tokio::task::spawn_blocking(move || {
        support::binary::smtp_doctor()
            .args([
                "check",
                "--mx",
                "lab.test",
                "--dns-server",
                &server,
                "--json",
                "--timeout",
                "1",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut hosts: Vec<&str> = lines.iter().map(|v| v["host"].as_str().unwrap()).collect();
    hosts.sort();
    assert_eq!(hosts, vec!["mx1.lab.test", "mx2.lab.test"]);
    assert!(lines.iter().all(|v| v["ports"][0] == 25));
}

/// `check --mx DOMAIN` against the test DNS server: stdout, stderr, exit status.
async fn check_mx(dns: &DnsResponder, domain: &'static str) -> std::process::Output {
    let server = dns.addr.to_string();
    tokio::task::spawn_blocking(move || {
        support::binary::smtp_doctor()
            .args(["check", "--mx", domain, "--dns-server", &server])
            .args(["--timeout", "1", "--no-color"])
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn mx_answers_that_name_no_host_are_said_not_dropped() {
    let dns = DnsResponder::start(&[
        ("null.lab.test", DnsAnswer::Mx(vec![(0, ".".into())])),
        (
            "odd.lab.test",
            DnsAnswer::Mx(vec![
                (10, "mx1.lab.test".into()),
                (20, "bad name.lab.test".into()),
            ]),
        ),
        (
            "mx1.lab.test",
            DnsAnswer::Addresses(vec!["127.0.0.1".parse().unwrap()]),
        ),
    ])
    .await;
    let answer = smtp_doctor::mx_hosts("null.lab.test", Some(dns.addr), Duration::from_secs(2))
        .await
        .unwrap();
    assert!(answer.null_mx && answer.hosts.is_empty(), "{answer:?}");
    // A null MX (RFC 7505) is the domain saying it takes no mail: one line, exit 1.
    let o = check_mx(&dns, "null.lab.test").await;
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("null MX") && err.contains("RFC 7505"), "{err}");
    assert!(o.stdout.is_empty());
    // An exchanger whose name is not a host is named on stderr and counted as failed.
    let o = check_mx(&dns, "odd.lab.test").await;
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad\\040name.lab.test"), "{err}");
    assert!(out.contains("mx1.lab.test:25"), "{out}");
    assert!(
        out.contains("2 targets: 0 ok, 0 degraded, 2 failed"),
        "{out}"
    );
    // Every target gets its line on stdout, the unusable one with its reason.
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('✗')).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        out.contains("✗ bad\\040name.lab.test:25  failed  the MX record does not name a host"),
        "{out}"
    );
}

#[tokio::test]
async fn port_25_is_never_spoken_to_before_its_greeting() {
    // An implicit-TLS server on 25 stays silent; racing a ClientHello there would look like a
    // spambot's pregreet to Postfix's postscreen, so smtp-doctor waits instead.
    let pki = Pki::new();
    let s = implicit(&pki, Validity::Current).await;
    let plan = trusting(
        lab_plan(HOST, &[(25, s.addr)], Some(Duration::from_secs(1))),
        &pki,
    );
    let r = check(plan).await;
    assert_eq!(cause(&r), Some("smtp.no_greeting"), "{:?}", r.findings);
    assert!(
        s.verbs.lock().unwrap().is_empty(),
        "no TLS session was opened on the side"
    );
}

/// Providers' refusals, recorded (the diagnosis tests replay them in both languages).
/// Each server speaks STARTTLS on 587 for `host`, with a certificate for it, and refuses the
/// login, the sender, the recipient or the message the way the provider does.
#[tokio::test]
async fn provider_refusals_are_recorded_with_their_codes() {
    type Tweak = fn(&mut ServerBehaviour);
    let cases: [(&str, &str, Tweak, bool, &str); 6] = [
        (
            "gmail_asks_for_a_web_sign_in",
            "smtp.gmail.com",
            |b| {
                b.auth_reply = Some("534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1> Please log in via\r\n534 5.7.14 your web browser and then try again. x1-20020a - gsmtp".into())
            },
            false,
            "auth.web_login_required",
        ),
        (
            "gmail_too_many_login_attempts",
            "smtp.gmail.com",
            |b| {
                b.auth_reply = Some(
                    "454 4.7.0 Too many login attempts, please try again later. x1-20020a - gsmtp"
                        .into(),
                )
            },
            false,
            "auth.rate_limited",
        ),
        (
            "postfix_relay_access_denied",
            "mail.lab.test",
            |b| b.rcpt_reply = "554 5.7.1 <someone@elsewhere.test>: Relay access denied".into(),
            true,
            "send.relay_denied",
        ),
        (
            "gmail_authentication_required",
            "smtp.gmail.com",
            |b| {
                b.mail_reply = "530-5.7.0 Authentication Required. For more information, go to\r\n530 5.7.0  https://support.google.com/mail/?p=WantAuthError x1-20020a - gsmtp".into()
            },
            true,
            "auth.required",
        ),
        (
            "gmail_daily_sending_limit",
            "smtp.gmail.com",
            |b| {
                b.mail_reply = "550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852 x1 - gsmtp".into()
            },
            true,
            "send.quota_exceeded",
        ),
        (
            "ses_sandbox_sender_not_verified",
            "email-smtp.us-east-1.amazonaws.com",
            |b| {
                b.data_reply = "554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: app@lab.test".into()
            },
            true,
            "send.sender_not_verified",
        ),
    ];
    for (name, host, tweak, send, code) in cases {
        let pki = Pki::new();
        let cfg = pki.tls(&[host], Validity::Current);
        let mut b = ServerBehaviour::smtp(ServerMode::Smtp {
            starttls: Some(cfg),
        });
        tweak(&mut b);
        let s = LabServer::start(b).await.unwrap();
        let mut plan = trusting(
            lab_plan(host, &[(587, s.addr)], Some(Duration::from_secs(3))),
            &pki,
        );
        plan.credentials = Some(smtp_doctor::Credentials {
            user: "app@lab.test".into(),
            secret: smtp_doctor::Secret::new("app-password"),
            kind: smtp_doctor::SecretKind::Password,
        });
        if code == "send.relay_denied" || code == "auth.required" {
            // Refused to a client that did not log in.
            plan.credentials = None;
        }
        if send {
            plan.send = Some(smtp_doctor::SendPlan {
                from: smtp_doctor::Mailbox::parse("app@lab.test").unwrap(),
                to: smtp_doctor::Mailbox::parse("someone@elsewhere.test").unwrap(),
            });
            plan.send_port = Some(587);
        }
        let r = check_recorded(name, plan).await;
        assert_eq!(cause(&r), Some(code), "{name}: {:?}", r.findings);
        assert_eq!(r.verdict, Verdict::Failed, "{name}");
    }
}
