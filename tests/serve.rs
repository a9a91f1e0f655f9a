//! `smtp-doctor serve` as Prometheus meets it: the binary on a loopback port, scraped over HTTP
//! against the lab's servers. Nothing here leaves 127.0.0.1.

mod support;

use smtp_doctor::lab::{
    closed_port, server_tls, DroppingPort, LabCa, LabServer, ServerBehaviour, ServerMode, Validity,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::process::{Child, ChildStderr, Stdio};
use std::time::{Duration, Instant};
use support::{DnsAnswer, DnsResponder};

/// A running `smtp-doctor serve`, stopped on drop.
struct Serve {
    child: Child,
    port: u16,
    _stderr: BufReader<ChildStderr>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Serve {
    /// Starts `serve --listen 127.0.0.1:0 ARGS…` and waits until /-/healthy answers.
    fn start(args: &[&str]) -> Serve {
        Serve::start_with(args, &[])
    }

    /// The same, with these variables added to its environment.
    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Serve {
        let child = support::binary::smtp_doctor()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start smtp-doctor serve");
        Serve::attach(child).0
    }

    /// Takes over a started `serve`: reads its stderr up to the line naming its address (the
    /// lines before it, notes, are returned), and waits until /-/healthy answers.
    fn attach(mut child: Child) -> (Serve, String) {
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut notes = String::new();
        let port = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("serve ended without naming its address: {notes:?}");
            }
            notes.push_str(&line);
            if let Some(port) = line
                .split("http://127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .and_then(|p| p.parse().ok())
            {
                break port;
            }
        };
        let serve = Serve {
            child,
            port,
            _stderr: stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(a) = serve.try_get("/-/healthy", &[]) {
                assert_eq!((a.status, a.body.as_str()), (200, "OK\n"));
                return (serve, notes);
            }
            assert!(Instant::now() < deadline, "serve never became healthy");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn try_get(&self, path: &str, headers: &[(&str, &str)]) -> Option<Answer> {
        self.try_request("GET", path, headers)
    }

    fn try_request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Option<Answer> {
        let s = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).ok()?;
        Serve::exchange(s, method, path, headers)
    }

    /// A GET from another loopback address (all of 127.0.0.0/8 is this machine on Linux): to
    /// the exporter, another client.
    #[cfg(target_os = "linux")]
    fn try_get_from(&self, from: Ipv4Addr, path: &str) -> Option<Answer> {
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
        socket
            .bind(&std::net::SocketAddr::from((from, 0)).into())
            .ok()?;
        socket
            .connect(&std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)).into())
            .ok()?;
        Serve::exchange(socket.into(), "GET", path, &[])
    }

    /// One request on `s` (`Host: 127.0.0.1` unless `headers` name another), read to its end.
    fn exchange(
        mut s: TcpStream,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Option<Answer> {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            req.push_str("Host: 127.0.0.1\r\n");
        }
        req.push_str("Connection: close\r\nContent-Length: 0\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).ok()?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).ok()?;
        let raw = String::from_utf8(raw).expect("UTF-8 answer");
        let (head, body) = raw.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some(Answer {
            status,
            headers: head.to_ascii_lowercase(),
            body: body.to_string(),
        })
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.try_get(path, headers)
            .unwrap_or_else(|| panic!("GET {path}: no HTTP answer"))
    }
}

/// A probe of the dropped `port` on a thread, returned once /metrics counts it in flight.
fn probe_in_flight(serve: &std::sync::Arc<Serve>, port: u16) -> std::thread::JoinHandle<Answer> {
    let slow = {
        let serve = serve.clone();
        std::thread::spawn(move || serve.get(&format!("/probe?target=127.0.0.1:{port}"), &[]))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !serve
        .get("/metrics", &[])
        .body
        .contains("smtp_doctor_exporter_probes_in_flight 1\n")
    {
        assert!(Instant::now() < deadline, "the slow probe never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    slow
}

/// The lab CA's root as a PEM file, for --ca-file.
fn ca_file(ca: &LabCa, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-serve-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::write(&path, ca.root_pem()).unwrap();
    path
}

/// Runs blocking HTTP off the runtime's threads (the lab servers live there).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_server_is_probe_success_1_with_its_tls_series() {
    let ca = LabCa::new("serve test CA", "smtp-doctor lab").unwrap();
    let cert = ca.issue(&["mail.serve.test"], Validity::Current).unwrap();
    let tls = server_tls(&cert).unwrap();
    let server = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(tls),
    }))
    .await
    .unwrap();
    let dns = DnsResponder::start(&[(
        "mail.serve.test",
        DnsAnswer::Addresses(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
    )])
    .await;
    let ca = ca_file(&ca, "healthy");
    let port = server.addr.port();
    let dns_addr = dns.addr.to_string();
    let (text, json) = blocking(move || {
        let serve = Serve::start(&["--ca-file", ca.to_str().unwrap(), "--dns-server", &dns_addr]);
        let path = format!("/probe?target=mail.serve.test:{port}");
        let text = serve.get(&path, &[]);
        let json = serve.get(&format!("{path}&format=json"), &[]);
        (text, json)
    })
    .await;
    assert_eq!(text.status, 200, "{}", text.body);
    assert!(
        text.headers
            .contains("content-type: text/plain; version=0.0.4"),
        "{}",
        text.headers
    );
    let body = &text.body;
    assert!(body.contains("\nprobe_success 1\n"), "{body}");
    assert!(
        body.contains("smtp_doctor_verdict{verdict=\"ok\"} 1\n"),
        "{body}"
    );
    assert!(!body.contains("smtp_doctor_failure_info{"), "{body}");
    assert!(
        body.contains(&format!(
            "smtp_doctor_tls_info{{port=\"{port}\",version=\"TLSv1.3\",cipher=\"TLS13_"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "smtp_doctor_certificate_not_after_seconds{{port=\"{port}\"}} "
        )),
        "{body}"
    );
    for step in ["connect", "greeting", "ehlo", "tls"] {
        assert!(
            body.contains(&format!(
                "smtp_doctor_step_duration_seconds{{step=\"{step}\",port=\"{port}\"}} "
            )),
            "{step}: {body}"
        );
    }
    assert_eq!(json.status, 200);
    assert!(json.headers.contains("content-type: application/json"));
    let v: serde_json::Value = serde_json::from_str(&json.body).expect("a JSON report");
    assert_eq!(
        (v["schema"].as_u64(), v["verdict"].as_str()),
        (Some(1), Some("ok"))
    );
    // Started on a plain machine: the container or cloud VM the tests run in is not in it.
    let machine = &v["environment"];
    assert!(
        machine.get("container").is_none() && machine.get("hosting").is_none(),
        "{machine}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_and_refused_ports_are_named_with_their_step() {
    let dropping = DroppingPort::new().unwrap();
    let dropped = dropping.addr.port();
    let refused = closed_port().unwrap().port();
    let (a, b, metrics) = blocking(move || {
        let serve = Serve::start(&[]);
        let a = serve.get(
            &format!("/probe?target=127.0.0.1:{dropped}&module=default"),
            &[],
        );
        let b = serve.get(&format!("/probe?target=127.0.0.1:{refused}"), &[]);
        (a, b, serve.get("/metrics", &[]))
    })
    .await;
    drop(dropping);
    assert_eq!(a.status, 200);
    let want = format!(
        "smtp_doctor_failure_info{{code=\"tcp.filtered\",step=\"connect\",port=\"{dropped}\"}} 1\n"
    );
    assert!(a.body.contains(&want), "{}", a.body);
    assert!(a.body.contains("\nprobe_success 0\n"), "{}", a.body);
    let want = format!(
        "smtp_doctor_failure_info{{code=\"tcp.refused\",step=\"connect\",port=\"{refused}\"}} 1\n"
    );
    assert!(b.body.contains(&want), "{}", b.body);
    assert!(
        b.body
            .contains("smtp_doctor_verdict{verdict=\"failed\"} 1\n"),
        "{}",
        b.body
    );
    assert!(
        metrics
            .body
            .contains("smtp_doctor_exporter_probes_total{result=\"failure\"} 2\n"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("smtp_doctor_exporter_probes_in_flight 0\n"),
        "{}",
        metrics.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scrape_timeout_header_shortens_the_probe() {
    // A tarpit: connects, never greets. Unbounded, the greeting wait alone is seconds.
    let tarpit = LabServer::start(ServerBehaviour::smtp(ServerMode::Silent))
        .await
        .unwrap();
    let port = tarpit.addr.port();
    let (answer, elapsed) = blocking(move || {
        let serve = Serve::start(&[]);
        let started = Instant::now();
        let a = serve.get(
            &format!("/probe?target=127.0.0.1:{port}"),
            &[("X-Prometheus-Scrape-Timeout-Seconds", "2")],
        );
        (a, started.elapsed())
    })
    .await;
    assert!(
        elapsed < Duration::from_secs(2),
        "the probe outlived its scrape: {elapsed:?}"
    );
    assert_eq!(answer.status, 200);
    // The steps were shrunk to fit, so the silence is still diagnosed.
    let want = format!("smtp_doctor_failure_info{{code=\"smtp.no_greeting\",step=\"greeting\",port=\"{port}\"}} 1\n");
    assert!(answer.body.contains(&want), "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_beyond_the_concurrency_limit_is_503_at_once() {
    let dropping = DroppingPort::new().unwrap();
    let dropped = dropping.addr.port();
    let refused = closed_port().unwrap().port();
    let (second, elapsed, first) = blocking(move || {
        let serve = std::sync::Arc::new(Serve::start(&["--concurrency", "1"]));
        let slow = probe_in_flight(&serve, dropped);
        let started = Instant::now();
        let second = serve.get(&format!("/probe?target=127.0.0.1:{refused}"), &[]);
        let elapsed = started.elapsed();
        (second, elapsed, slow.join().unwrap())
    })
    .await;
    drop(dropping);
    assert_eq!(second.status, 503, "{}", second.body);
    assert!(second.body.contains("--concurrency 1"), "{}", second.body);
    assert_eq!(second.body.trim_end().lines().count(), 1, "{}", second.body);
    assert!(
        elapsed < Duration::from_millis(500),
        "503 at once, not queued: {elapsed:?}"
    );
    assert_eq!(first.status, 200);
    assert!(
        first.body.contains("code=\"tcp.filtered\""),
        "{}",
        first.body
    );
}

#[test]
fn a_non_loopback_listen_address_without_allow_is_exit_2() {
    let mut child = support::binary::smtp_doctor()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve --listen 0.0.0.0 without --allow kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let o = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("--allow") && err.contains("0.0.0.0"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_resolving_outside_the_allow_list_is_403_without_a_connection() {
    let dns = DnsResponder::start(&[(
        "inside.serve.test",
        DnsAnswer::Addresses(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
    )])
    .await;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dns_addr = dns.addr.to_string();
    let (forbidden, allowed) = blocking(move || {
        let path = format!("/probe?target=inside.serve.test:{port}");
        let serve = Serve::start(&["--allow", "10.0.0.0/8", "--dns-server", &dns_addr]);
        let forbidden = serve.get(&path, &[]);
        std::thread::sleep(Duration::from_millis(200));
        let dialled = listener.accept();
        assert!(
            matches!(&dialled, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a forbidden target was connected to: {dialled:?}"
        );
        // The same name allowed by its name and port: probed.
        let serve = Serve::start(&[
            "--allow",
            &format!("10.0.0.0/8,inside.serve.test:{port}"),
            "--dns-server",
            &dns_addr,
            "--timeout",
            "2",
        ]);
        let allowed = serve.get(&path, &[]);
        listener.set_nonblocking(false).unwrap();
        let (conn, _) = listener.accept().expect("the allowed target is dialled");
        drop(conn);
        (forbidden, allowed)
    })
    .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    assert!(
        forbidden.body.contains("127.0.0.1") && forbidden.body.contains("not in --allow"),
        "{}",
        forbidden.body
    );
    assert_eq!(forbidden.body.trim_end().lines().count(), 1);
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_url_is_400_and_never_echoed() {
    let refused = closed_port().unwrap().port();
    let answers = blocking(move || {
        let serve = Serve::start(&[]);
        let mut all = Vec::new();
        for q in [
            format!("target=127.0.0.1:{refused}&password=hunter2-serve-secret"),
            format!("target=127.0.0.1:{refused}&user=me&pass=hunter2-serve-secret"),
        ] {
            all.push(serve.get(&format!("/probe?{q}"), &[]));
        }
        all.push(serve.get("/metrics", &[]));
        all.push(serve.get("/elsewhere?password=hunter2-serve-secret", &[]));
        all
    })
    .await;
    for a in &answers[..2] {
        assert_eq!(a.status, 400, "{}", a.body);
        assert!(a.body.contains("never taken from the URL"), "{}", a.body);
    }
    assert_eq!(answers[3].status, 404);
    for a in &answers {
        assert!(
            !a.body.contains("hunter2") && !a.headers.contains("hunter2"),
            "{}",
            a.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openmetrics_when_the_scraper_asks_for_it() {
    let refused = closed_port().unwrap().port();
    let (om, metrics) = blocking(move || {
        let serve = Serve::start(&[]);
        let accept = [(
            "Accept",
            "application/openmetrics-text;version=1.0.0;q=0.6,text/plain;version=0.0.4;q=0.3",
        )];
        let om = serve.get(&format!("/probe?target=127.0.0.1:{refused}"), &accept);
        (om, serve.get("/metrics", &accept))
    })
    .await;
    for a in [&om, &metrics] {
        assert_eq!(a.status, 200);
        assert!(
            a.headers
                .contains("content-type: application/openmetrics-text; version=1.0.0"),
            "{}",
            a.headers
        );
        assert!(a.body.ends_with("\n# EOF\n"), "{}", a.body);
    }
    assert!(
        om.body.contains("# TYPE smtp_doctor_failure info\n"),
        "{}",
        om.body
    );
    assert!(
        metrics
            .body
            .contains("# TYPE smtp_doctor_exporter_probes counter\n"),
        "{}",
        metrics.body
    );
}

#[test]
fn help_has_examples_and_a_scrape_config_and_bad_flags_are_one_line() {
    let o = support::binary::smtp_doctor()
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "Examples:",
        "--listen",
        "--allow",
        "--concurrency",
        "--per-target",
        "--timeout",
        "--ca-file",
        "relabel_configs",
        "X-Prometheus-Scrape-Timeout-Seconds",
        "never taken from the URL",
    ] {
        assert!(
            help.contains(needle),
            "serve --help names {needle}:\n{help}"
        );
    }
    for (args, needle) in [
        (&["serve", "--allow", "nonsense"][..], "invalid --allow"),
        (&["serve", "--allow", "10.0.0.0/33"][..], "invalid --allow"),
        (&["serve", "--concurrency", "0"][..], "--concurrency"),
        (&["serve", "--listen", "localhost"][..], "--listen"),
    ] {
        let o = support::binary::smtp_doctor().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty());
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_probe_of_one_target_beyond_per_target_is_503_while_others_run() {
    let dropping = DroppingPort::new().unwrap();
    let dropped = dropping.addr.port();
    let refused = closed_port().unwrap().port();
    let (same, other) = blocking(move || {
        let serve = std::sync::Arc::new(Serve::start(&["--per-target", "1"]));
        let slow = probe_in_flight(&serve, dropped);
        let same = serve.get(&format!("/probe?target=127.0.0.1:{dropped}"), &[]);
        let other = serve.get(&format!("/probe?target=127.0.0.1:{refused}"), &[]);
        assert_eq!(slow.join().unwrap().status, 200);
        (same, other)
    })
    .await;
    drop(dropping);
    assert_eq!(same.status, 503, "{}", same.body);
    assert!(same.body.contains("--per-target 1"), "{}", same.body);
    assert_eq!(other.status, 200, "{}", other.body);
}

/// Modules from `--config` (ports, TLS mode, a login whose password comes from the
/// exporter's environment), reloaded by POST /-/reload and SIGHUP; a file that does not read
/// keeps the modules in use; the index lists the last probes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_from_the_config_file_are_used_and_reloaded() {
    let ca = LabCa::new("serve test CA", "smtp-doctor lab").unwrap();
    let cert = ca.issue(&["mail.serve.test"], Validity::Current).unwrap();
    let mut b = ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(server_tls(&cert).unwrap()),
    });
    b.account = Some(("alerts@serve.test".into(), "pw-from-env-123".into()));
    let server = LabServer::start(b).await.unwrap();
    let dns = DnsResponder::start(&[(
        "mail.serve.test",
        DnsAnswer::Addresses(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
    )])
    .await;
    let ca_path = ca_file(&ca, "modules");
    let config = ca_path.with_file_name("modules.toml");
    let port = server.addr.port();
    let module = |name: &str| {
        format!(
            "[modules.{name}]\nports = [{port}]\nsecurity = \"starttls\"\ntimeout = 5\nuser = \"alerts@serve.test\"\npassword_env = \"SMTP_DOCTOR_TEST_ALERTS_PW\"\n"
        )
    };
    std::fs::write(&config, module("submission")).unwrap();
    let dns_addr = dns.addr.to_string();
    let args = [
        "--dns-server",
        dns_addr.as_str(),
        "--ca-file",
        ca_path.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--enable-reload",
    ]
    .map(str::to_string);
    let serve = blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Serve::start_with(&args, &[("SMTP_DOCTOR_TEST_ALERTS_PW", "pw-from-env-123")])
    })
    .await;
    let serve = std::sync::Arc::new(serve);
    let s = serve.clone();
    let (ok, unknown) = blocking(move || {
        (
            s.get("/probe?target=mail.serve.test&module=submission", &[]),
            s.get("/probe?target=mail.serve.test&module=nope", &[]),
        )
    })
    .await;
    assert!(ok.body.contains("probe_success 1"), "{}", ok.body);
    assert!(!ok.body.contains("pw-from-env-123"));
    assert!(
        server.verbs.lock().unwrap().iter().any(|v| v == "AUTH"),
        "the module logged in"
    );
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("unknown module") && unknown.body.contains("submission"));
    // A file that does not read: the modules in use are kept, and /metrics says so.
    std::fs::write(&config, "[modules.submission\n").unwrap();
    let s = serve.clone();
    let (reload, still, metrics, get_reload) = blocking(move || {
        (
            s.try_request("POST", "/-/reload", &[]).unwrap(),
            s.get("/probe?target=mail.serve.test&module=submission", &[]),
            s.get("/metrics", &[]),
            s.get("/-/reload", &[]),
        )
    })
    .await;
    assert_eq!(reload.status, 500, "{}", reload.body);
    assert!(reload.body.contains("modules.toml:1"), "{}", reload.body);
    assert!(still.body.contains("probe_success 1"));
    assert!(
        metrics
            .body
            .contains("smtp_doctor_exporter_config_last_reload_successful 0"),
        "{}",
        metrics.body
    );
    assert_eq!(get_reload.status, 405);
    // A new module, read on SIGHUP (on Windows, which has no SIGHUP: POST /-/reload).
    std::fs::write(&config, module("other")).unwrap();
    #[cfg(unix)]
    {
        let pid = serve.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
    }
    #[cfg(not(unix))]
    {
        let s = serve.clone();
        let reloaded = blocking(move || s.try_request("POST", "/-/reload", &[]).unwrap()).await;
        assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    }
    let s = serve.clone();
    let (other, index) = blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let a = s.get("/probe?target=mail.serve.test&module=other", &[]);
            if a.status == 200 || Instant::now() > deadline {
                return (a, s.get("/", &[]));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .await;
    assert!(
        other.body.contains("probe_success 1"),
        "{} {}",
        other.status,
        other.body
    );
    assert!(index.headers.contains("text/html"));
    assert!(
        index.body.contains("<code>other</code>") && index.body.contains("mail.serve.test"),
        "{}",
        index.body
    );
    assert!(index.body.contains("format=json"));
    std::fs::remove_dir_all(ca_path.parent().unwrap()).ok();
}

#[test]
fn a_config_file_that_does_not_read_is_exit_2_in_one_line() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-serve-badcfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("modules.toml");
    std::fs::write(&bad, "[modules.a]\nports = [\"x\"]\n").unwrap();
    for path in [bad.clone(), dir.join("missing.toml")] {
        let o = support::binary::smtp_doctor()
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("--config"), "{err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// File descriptors are never exhausted. Under `ulimit -n 120`, 12 probes at once of a
/// dropped port: each takes the open files its own plan needs, the ones that do not fit are
/// 503 at once, and none becomes a `tcp.denied` (EMFILE) finding.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_never_run_out_of_open_files() {
    let dropping = DroppingPort::new().unwrap();
    let target = dropping.addr.port();
    let answers = blocking(move || {
        let script = format!(
            "ulimit -S -n 120 && ulimit -H -n 120 && exec {} serve --listen 127.0.0.1:0 --concurrency 12 --per-target 12 --timeout 3",
            support::binary::path()
        );
        let child = support::binary::on_a_plain_machine(&mut std::process::Command::new("sh"))
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (serve, notes) = Serve::attach(child);
        assert!(notes.contains("open-files limit"), "{notes}");
        let serve = std::sync::Arc::new(serve);
        let path = format!("/probe?target=127.0.0.1:{target}");
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let s = serve.clone();
                let path = path.clone();
                std::thread::spawn(move || s.get(&path, &[]))
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect::<Vec<_>>()
    })
    .await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let busy = answers.iter().filter(|a| a.status == 503).count();
    assert_eq!(ok + busy, 12);
    assert!(ok >= 1 && busy >= 1, "{ok} answered, {busy} busy");
    for a in answers.iter().filter(|a| a.status == 200) {
        assert!(a.body.contains("code=\"tcp.filtered\""), "{}", a.body);
        assert!(!a.body.contains("tcp.denied"), "{}", a.body);
    }
    assert!(answers
        .iter()
        .filter(|a| a.status == 503)
        .all(|a| a.body.contains("busy")));
}

/// A figure of `/proc/PID/status` (VmRSS, VmHWM), in kB.
#[cfg(target_os = "linux")]
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// Memory is bounded under any request stream: distinct scrape timeouts (each once built a
/// resolver that was kept forever), distinct targets (resolved, refused, unknown) and modules.
/// Loopback only: the names are asked of the test's DNS responder, and every address they
/// have is refused by --allow, so nothing is dialled.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_bounded_under_distinct_headers_targets_and_modules() {
    let dns = DnsResponder::start(&[(
        "loop.serve.test",
        DnsAnswer::Addresses(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]),
    )])
    .await;
    let dns_addr = dns.addr.to_string();
    let (before, after, statuses) = blocking(move || {
        let serve = Serve::start(&["--allow", "10.0.0.0/8", "--dns-server", &dns_addr]);
        let pid = serve.child.id();
        let mut statuses = std::collections::BTreeMap::new();
        let mut one = |i: u32| {
            let target = match i % 3 {
                0 => format!("n{i}.serve.test"),
                1 => format!("loop.serve.test:{}", 1000 + i),
                _ => format!("loop.serve.test&module=m{i}"),
            };
            let timeout = format!("{:.3}", 2.0 + f64::from(i) * 0.001);
            let a = serve.get(
                &format!("/probe?target={target}"),
                &[("X-Prometheus-Scrape-Timeout-Seconds", &timeout)],
            );
            *statuses.entry(a.status).or_insert(0u32) += 1;
        };
        // Warm up: the allocator's arenas and the runtime's threads are in place.
        for i in 0..300 {
            one(i);
        }
        let before = status_kb(pid, "VmRSS");
        for i in 300..4300 {
            one(i);
        }
        (before, status_kb(pid, "VmHWM"), statuses)
    })
    .await;
    eprintln!("serve: {before} kB after the warm-up, a peak of {after} kB after 4,000 more");
    for status in [200, 400, 403] {
        assert!(statuses.contains_key(&status), "{statuses:?}");
    }
    assert!(
        after < before + 6 * 1024,
        "4,000 requests grew serve from {before} kB to a peak of {after} kB"
    );
}

/// Idle connections from one client, as many as the exporter has room for and reopened,
/// never lock another client out: the newcomer is served, an idle connection makes way.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_never_lock_other_clients_out() {
    let (other, same, closed) = blocking(move || {
        let serve = Serve::start(&["--concurrency", "2"]);
        let idle: Vec<TcpStream> = (0..60)
            .filter_map(|_| TcpStream::connect((Ipv4Addr::LOCALHOST, serve.port)).ok())
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        let other = serve.try_get_from(Ipv4Addr::new(127, 0, 0, 2), "/-/healthy");
        // The same client at its limit: once its idle connections are past the grace a new
        // one has to send its first request, they make way.
        let deadline = Instant::now() + Duration::from_secs(10);
        let same = loop {
            match serve.try_get("/metrics", &[]) {
                Some(a) => break Some(a),
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
                None => break None,
            }
        };
        // The idle connections are closed by the exporter (made way, or past the deadline
        // for a request's headers), not kept.
        let closed = idle
            .into_iter()
            .filter(|s| {
                let mut s = s;
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                matches!(s.read(&mut [0u8; 16]), Ok(0) | Err(_))
            })
            .count();
        (other, same, closed)
    })
    .await;
    let other = other.expect("another client is answered");
    assert_eq!((other.status, other.body.as_str()), (200, "OK\n"));
    let same = same.expect("the same client is answered too");
    assert_eq!(same.status, 200);
    assert_eq!(closed, 60);
}

/// A module's password_file that is a FIFO: refused at start at once (it used to block the
/// start forever), and on reload the exporter answers and keeps serving.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_file_that_is_a_fifo_is_refused_without_blocking() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-serve-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("pw.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let config = dir.join("modules.toml");
    let with_fifo = format!(
        "[modules.a]\nuser = \"u\"\npassword_file = '{}'\n",
        fifo.display()
    );
    std::fs::write(&config, &with_fifo).unwrap();
    let (start, reload, healthy, metrics) = blocking({
        let config = config.clone();
        move || {
            let mut child = support::binary::smtp_doctor()
                .args(["serve", "--listen", "127.0.0.1:0", "--config"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(20);
            while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let start = child.wait_with_output().unwrap();
            std::fs::write(&config, "[modules.a]\nports = [587]\n").unwrap();
            let serve = Serve::start(&["--config", config.to_str().unwrap(), "--enable-reload"]);
            std::fs::write(&config, &with_fifo).unwrap();
            let reload = serve.try_request("POST", "/-/reload", &[]);
            (
                start,
                reload,
                serve.try_get("/-/healthy", &[]),
                serve.try_get("/metrics", &[]),
            )
        }
    })
    .await;
    std::fs::remove_dir_all(&dir).ok();
    let err = String::from_utf8_lossy(&start.stderr);
    assert_eq!(start.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let reload = reload.expect("POST /-/reload is answered");
    assert_eq!(reload.status, 500, "{}", reload.body);
    assert!(
        reload.body.contains("not a regular file"),
        "{}",
        reload.body
    );
    assert_eq!(healthy.expect("healthy answers").status, 200);
    let metrics = metrics.expect("/metrics answers");
    assert!(
        metrics
            .body
            .contains("smtp_doctor_exporter_config_last_reload_successful 0"),
        "{}",
        metrics.body
    );
}

/// Reloading over HTTP is off unless --enable-reload (as Prometheus' --web.enable-lifecycle):
/// SIGHUP always reloads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_over_http_needs_enable_reload() {
    let answer = blocking(move || {
        let serve = Serve::start(&[]);
        serve.try_request("POST", "/-/reload", &[]).unwrap()
    })
    .await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("--enable-reload"), "{}", answer.body);
}

/// `--allow ::/0` admits IPv6, not IPv4 through an IPv4-mapped or -compatible address, a
/// literal or a name's AAAA: each is matched as the IPv4 address it reaches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_allow_rule_never_admits_ipv4_through_a_mapped_address() {
    let dns = DnsResponder::start(&[(
        "mapped.serve.test",
        DnsAnswer::Addresses(vec!["::ffff:127.0.0.1".parse().unwrap()]),
    )])
    .await;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dns_addr = dns.addr.to_string();
    let answers = blocking(move || {
        let mut answers = Vec::new();
        for allow in ["::/0", &format!("[::1]:{port}")] {
            let serve = Serve::start(&["--allow", allow, "--dns-server", &dns_addr]);
            for target in [
                format!("%5B::ffff:127.0.0.1%5D:{port}"),
                format!("%5B::ffff:7f00:1%5D:{port}"),
                format!("%5B::127.0.0.1%5D:{port}"),
                format!("mapped.serve.test:{port}"),
            ] {
                let a = serve.get(&format!("/probe?target={target}"), &[]);
                answers.push((allow.to_string(), target, a));
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        let dialled = listener.accept();
        assert!(
            matches!(&dialled, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "an IPv4 address was dialled through an IPv6 rule: {dialled:?}"
        );
        answers
    })
    .await;
    for (allow, target, a) in &answers {
        assert_eq!(a.status, 403, "--allow {allow}, {target}: {}", a.body);
        assert!(a.body.contains("127.0.0.1"), "{target}: {}", a.body);
    }
}

/// DNS rebinding: on a loopback listen address, a Host header that is not a loopback name or
/// address is 403 and nothing is probed; --allow-host adds a name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_host_header_on_loopback_is_403_without_a_probe() {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (foreign, index, dialled, loopback, added) = blocking(move || {
        let path = format!("/probe?target=127.0.0.1:{port}");
        let serve = Serve::start(&["--timeout", "2"]);
        let foreign = serve.get(&path, &[("Host", "attacker.example:9925")]);
        let index = serve.get("/", &[("Host", "attacker.example")]);
        std::thread::sleep(Duration::from_millis(200));
        let dialled = listener.accept().is_ok();
        let loopback: Vec<u16> = [
            "localhost:9925",
            "LOCALHOST",
            "127.0.0.1",
            "127.9.9.9:1",
            "[::1]:9925",
            "[::1]",
        ]
        .iter()
        .map(|h| serve.get("/-/healthy", &[("Host", h)]).status)
        .collect();
        let serve = Serve::start(&["--timeout", "2", "--allow-host", "exporter.example"]);
        let added = (
            serve
                .get("/-/healthy", &[("Host", "exporter.example:9925")])
                .status,
            serve
                .get("/-/healthy", &[("Host", "attacker.example")])
                .status,
        );
        (foreign, index, dialled, loopback, added)
    })
    .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    assert!(foreign.body.contains("--allow-host"), "{}", foreign.body);
    assert!(!foreign.body.contains("attacker"), "{}", foreign.body);
    assert_eq!(index.status, 403, "{}", index.body);
    assert!(!dialled, "a probe ran for a foreign Host");
    assert!(loopback.iter().all(|s| *s == 200), "{loopback:?}");
    assert_eq!(added, (200, 403));
}
