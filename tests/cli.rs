//! The command line as users and scripts meet it: exit status, stdout/stderr discipline.

mod support;

use std::process::Output;

fn run(args: &[&str]) -> Output {
    support::binary::smtp_doctor()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run smtp-doctor")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_usage_is_one_line_exit_2_and_nothing_on_stdout() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "smtp.gmail.com", "--port", "abc"],
            "invalid port",
        ),
        (&["check", "smtp.gmail.com", "--port", "0"], "invalid port"),
        (
            &["check", "smtp.gmail.com", "--port", "70000"],
            "invalid port",
        ),
        (
            &["check", "smtp.gmail.com", "--timeout", "-1"],
            "invalid timeout",
        ),
        (
            &["check", "smtp.gmail.com", "--timeout", "soon"],
            "invalid timeout",
        ),
        (&["check", "smtp..gmail.com"], "invalid host"),
        (
            &["check", "smtp.gmail.com", "--resolve", "smtp.gmail.com"],
            "invalid --resolve",
        ),
        (
            &["check", "smtp.gmail.com", "--connect-to", "a:b"],
            "invalid --connect-to",
        ),
        (
            &["check", "smtp.gmail.com", "--dns-server", "dns.google"],
            "invalid --dns-server",
        ),
        (
            &[
                "check",
                "smtp.gmail.com",
                "--ca-file",
                "/nonexistent/ca.pem",
            ],
            "--ca-file",
        ),
        (&["check", "smtp.gmail.com", "--lang", "fr"], "fr"),
        (
            &["check", "smtp.gmail.com", "--from", "no-at-sign"],
            "--from: invalid address",
        ),
        (
            &["check", "smtp.gmail.com", "--dkim-selector", "s1"],
            "--dkim-selector needs a sender",
        ),
        (
            &[
                "check",
                "smtp.gmail.com",
                "--from",
                "a@example.com",
                "--dkim-selector",
                "a b",
            ],
            "invalid --dkim-selector",
        ),
        (&["check", "smtp.gmail.com", "--frobnicate"], "--frobnicate"),
        (&["check"], "HOST"),
        (&["launch"], "launch"),
    ];
    for (args, needle) in cases {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}: stdout must stay empty");
        let err = stderr(&o);
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line, got {err:?}"
        );
        assert!(
            err.contains(needle),
            "{args:?}: {err:?} should name {needle:?}"
        );
        assert!(!err.contains("panicked") && !err.contains("backtrace"));
    }
}

#[test]
fn no_flag_takes_a_password_on_the_command_line() {
    // A password on argv is visible to every user of the machine (ps, /proc): no command has
    // such a flag, and the refusal does not repeat the value.
    for args in [
        &["check", "smtp.gmail.com", "--password", "hunter2-secret"][..],
        &["preflight", "--password", "hunter2-secret"],
        &["serve", "--password", "hunter2-secret"],
        &["check", "smtp.gmail.com", "--password=hunter2-secret"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!stderr(&o).contains("hunter2"), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    for command in ["check", "preflight", "serve"] {
        let help = String::from_utf8_lossy(&run(&[command, "--help"]).stdout).to_string();
        let flags: Vec<&str> = help
            .split_whitespace()
            .filter(|w| w.starts_with("--") && w.contains("pass"))
            .collect();
        assert!(
            flags.iter().all(|f| f.starts_with("--password-stdin")),
            "{command}: {flags:?}"
        );
    }
}

#[test]
fn ca_file_without_certificates_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("empty.pem");
    std::fs::write(&path, "not a certificate\n").unwrap();
    let o = run(&["check", "127.0.0.1", "--ca-file", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no PEM certificate"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn help_shows_examples() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Examples:") && out.contains("smtp-doctor check smtp.gmail.com"));
    let o = run(&["check", "--help"]);
    let out = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--port",
        "--timeout",
        "--json",
        "--format",
        "--resolve",
        "--dns-server",
        "--ca-file",
        "--lang",
        "--connect-to",
    ] {
        assert!(out.contains(flag), "check --help names {flag}");
    }
}

#[test]
fn demo_json_is_the_incident_and_only_json() {
    let o = run(&["demo", "--json"]);
    assert_eq!(o.status.code(), Some(1), "degraded exits 1: {}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("stdout is one JSON object");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["verdict"], "degraded");
    assert_eq!(v["cause"], "tcp.filtered");
    let e465 = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["port"] == 465)
        .unwrap();
    assert_eq!(e465["tcp"]["state"], "open");
    assert_eq!(e465["tls"]["verification"]["status"], "verified");
    assert_eq!(e465["tls"]["handshake"]["version"], "TLSv1.3");
    assert_eq!(v["recommendations"][0]["port"], 465);
    assert_eq!(v["recommendations"][0]["settings"]["EMAIL_USE_SSL"], "True");
    // --format json is the same thing.
    let o2 = run(&["demo", "--format", "json"]);
    let v2: serde_json::Value = serde_json::from_slice(&o2.stdout).unwrap();
    assert_eq!(v2["cause"], "tcp.filtered");
}

/// Regression: `smtp-doctor demo | true` exited 101 with "failed printing to stdout".
#[test]
fn a_closed_pipe_ends_quietly_with_the_sigpipe_status() {
    for args in [
        &["demo"][..],
        &["demo", "--json"],
        &["demo", "--format", "markdown"],
    ] {
        let mut child = support::binary::smtp_doctor()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before anything is written
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(141), "{args:?}: {}", stderr(&o));
        assert!(o.stderr.is_empty(), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn demo_text_in_spanish() {
    let o = run(&["demo", "--lang", "es"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("filtrado"), "{out}");
    assert!(out.contains("EMAIL_USE_SSL = True"));
    assert!(out.contains("veredicto: degraded"));
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn check_exit_status_follows_the_verdict() {
    // A closed loopback port: refused, verdict failed, exit 1.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    drop(l);
    let o = run(&["check", "127.0.0.1", "--port", &port, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cause"], "tcp.refused");
    assert_eq!(v["verdict"], "failed");
}

#[test]
fn markdown_and_frameworks() {
    let o = run(&["demo", "--format", "markdown", "--framework", "laravel"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("# Incident report"), "{out}");
    assert!(out.contains("MAIL_PORT=465") && out.contains("```dotenv"));
    let o = run(&["demo", "--framework", "cobol"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn diff_exit_status() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.json");
    std::fs::write(&a, run(&["demo", "--json"]).stdout).unwrap();
    let same = run(&["diff", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    // The other side: every port refused.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    drop(l);
    let b = dir.join("b.json");
    let other = run(&[
        "check",
        "smtp.demo.test",
        "--resolve",
        "smtp.demo.test=127.0.0.1",
        "--port",
        &port,
        "--json",
    ]);
    std::fs::write(&b, other.stdout).unwrap();
    let d = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(d.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&d.stdout).contains("verdict"));
    let bad = run(&["diff", a.to_str().unwrap(), "/nonexistent.json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

fn run_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = support::binary::smtp_doctor();
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    for var in [
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_URL",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "SMTP_DOCTOR_PASSWORD",
        "SMTP_DOCTOR_OAUTH_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run smtp-doctor")
}

#[test]
fn preflight_reads_a_django_project_without_flags() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-django-{}", std::process::id()));
    let app = dir.join("shop");
    std::fs::create_dir_all(&app).unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    // manage.py cannot run here (no Django), so settings.py is read as text.
    std::fs::write(dir.join("manage.py"), "raise SystemExit(1)\n").unwrap();
    std::fs::write(
        app.join("settings.py"),
        "import os\nEMAIL_HOST = os.getenv('MAIL_SERVER', 'smtp.example.com')\nEMAIL_PORT = int(os.getenv('MAIL_PORT', 587))\nEMAIL_USE_TLS = True\nEMAIL_TIMEOUT = 5\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(".env"),
        format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={port}\n"),
    )
    .unwrap();
    let o = run_in(&dir, &["preflight", "--json", "--timeout", "1"], &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["command"], "preflight");
    assert_eq!(v["configured"]["host"], "127.0.0.1");
    assert_eq!(v["configured"]["port"], port);
    assert_eq!(v["configured"]["security"], "starttls");
    assert_eq!(v["cause"], "tcp.refused");
    let settings = v["settings"].as_array().unwrap();
    let host = settings.iter().find(|s| s["name"] == "EMAIL_HOST").unwrap();
    assert_eq!(host["origin"]["kind"], "file");
    assert!(host["origin"]["path"]
        .as_str()
        .unwrap()
        .ends_with("settings.py"));
    assert_eq!(host["origin"]["line"], 2);
    // A bad value in the env file is a usage error.
    std::fs::write(
        dir.join(".env"),
        "MAIL_SERVER=127.0.0.1\nEMAIL_USE_SSL=perhaps\n",
    )
    .unwrap();
    let o = run_in(&dir, &["preflight"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("EMAIL_USE_SSL"));
    assert!(o.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn preflight_usage_errors() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-pf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = run_in(&dir, &["preflight", "--env-file", "missing.env"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.env"));
    let o = run_in(&dir, &["preflight"], &[("EMAIL_URL", "smtp.gmail.com:587")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("EMAIL_URL"));
    let o = run_in(
        &dir,
        &["preflight"],
        &[("EMAIL_HOST", "127.0.0.1"), ("EMAIL_HOST_USER", "me")],
    );
    assert_eq!(o.status.code(), Some(2), "a user without a password");
    assert!(String::from_utf8_lossy(&o.stderr).contains("SMTP_DOCTOR_PASSWORD"));
    let o = run_in(&dir, &["check", "127.0.0.1", "--user", "me"], &[]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn many_targets_as_json_lines() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let closed: Vec<u16> = (0..3)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let list: String = closed.iter().map(|p| format!("127.0.0.1:{p}\n")).collect();
    let file = dir.join("targets.txt");
    std::fs::write(&file, format!("# three closed ports\n{list}")).unwrap();
    let o = run(&[
        "check",
        "--targets",
        file.to_str().unwrap(),
        "--json",
        "--concurrency",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON report per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|v| v["cause"] == "tcp.refused"));
    let o = run(&["check", "--targets", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 targets: 0 ok, 0 degraded, 3 failed"));
    std::fs::write(&file, "good.example.com\nnot a host\n").unwrap();
    let o = run(&["check", "--targets", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("targets.txt:2"));
    let o = run(&[
        "check",
        "smtp.gmail.com",
        "--targets",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "HOST and --targets exclude each other"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[cfg_attr(
    windows,
    ignore = "SSL_CERT_FILE stands for the machine's trust store only on Linux; on Windows the store is the system's"
)]
async fn public_provider_chain_trusted_only_by_this_machine_is_interception() {
    use smtp_doctor::lab::{self, LabCa, LabServer, ServerBehaviour, ServerMode, Validity};
    // A proxy's root that the machine trusts (installed in its store), re-signing smtp.gmail.com.
    let ca = LabCa::new("Corporate Inspection Root", "Example Corp IT").unwrap();
    let cfg = lab::server_tls(&ca.issue(&["smtp.gmail.com"], Validity::Current).unwrap()).unwrap();
    let server = LabServer::start(ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg)))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("smtp-doctor-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("store.pem");
    std::fs::write(&store, ca.root_pem()).unwrap();
    let connect = format!("smtp.gmail.com:465:127.0.0.1:{}", server.addr.port());
    let args = [
        "check",
        "smtp.gmail.com",
        "--port",
        "465",
        "--resolve",
        "smtp.gmail.com=127.0.0.1",
        "--connect-to",
        &connect,
        "--json",
    ];
    // The OS trust store is read from SSL_CERT_FILE on Linux: it stands for the machine's store.
    let out = tokio::task::spawn_blocking({
        let store = store.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        move || {
            support::binary::smtp_doctor()
                .args(&args)
                .env("SSL_CERT_FILE", &store)
                .env_remove("SSL_CERT_DIR")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["tls.intercepted"],
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        v["findings"][0]["severity"], "warning",
        "trusted locally: mail works but is read"
    );
    assert_eq!(
        v["endpoints"][0]["tls"]["interception"]["product"],
        serde_json::Value::Null
    );
    // Vouched for with --ca-file instead, the same root is the user's own choice: no finding.
    let mut with_ca: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    with_ca.extend(["--ca-file".to_string(), store.display().to_string()]);
    let out = tokio::task::spawn_blocking(move || {
        support::binary::smtp_doctor()
            .args(&with_ca)
            .env("SSL_CERT_FILE", "/nonexistent")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["verdict"],
        "ok",
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(v["findings"].as_array().unwrap().is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn targets_log_in_as_the_user_given() {
    use smtp_doctor::lab::{LabServer, ServerBehaviour, ServerMode};
    let mut behaviour = ServerBehaviour::smtp(ServerMode::Smtp { starttls: None });
    behaviour.auth_in_plain = true;
    behaviour.account = Some(("bob".into(), "right".into()));
    let server = LabServer::start(behaviour).await.unwrap();
    let dir = std::env::temp_dir().join(format!("smtp-doctor-user-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.txt");
    std::fs::write(&file, format!("127.0.0.1:{}\n", server.addr.port())).unwrap();
    let file = file.to_str().unwrap().to_string();
    let run_with = move |password: Option<&'static str>| {
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = support::binary::smtp_doctor();
            cmd.args(["check", "--targets", &file, "--user", "bob"])
                .args(["--insecure-auth", "--json", "--timeout", "2"])
                .env_remove("SMTP_DOCTOR_PASSWORD")
                .env_remove("SMTP_DOCTOR_OAUTH_TOKEN");
            if let Some(p) = password {
                cmd.env("SMTP_DOCTOR_PASSWORD", p);
            }
            cmd.output().unwrap()
        })
    };
    // --user without a password is refused before anything is probed, as for one host.
    let o = run_with(None).await.unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("SMTP_DOCTOR_PASSWORD"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    // With a wrong password, every target logs in and the refusal is the cause.
    let o = run_with(Some("wrong")).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["endpoints"][0]["auth"]["outcome"]["status"], "rejected",
        "{v}"
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "auth.failed"),
        "{v}"
    );
    let o = run_with(Some("right")).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["endpoints"][0]["auth"]["outcome"]["status"], "accepted",
        "{v}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn preflight_takes_one_port() {
    let o = run(&[
        "preflight",
        "--host",
        "smtp.example.com",
        "--port",
        "587",
        "--port",
        "465",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("--port once"), "{}", stderr(&o));
}

#[test]
fn odd_email_url_is_read_not_a_panic() {
    // Regression: `p%aé` made percent-decoding slice a str inside `é` (exit 101, backtrace).
    let dir = std::env::temp_dir().join(format!("smtp-doctor-url-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let url = format!("smtp://u:p%aé@127.0.0.1:{port}");
    let o = run_in(
        &dir,
        &["preflight", "--json", "--timeout", "1"],
        &[("EMAIL_URL", url.as_str())],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!stdout.contains("p%aé") && !stderr.contains("p%aé"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cause"], "tcp.refused");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn preflight_with_no_settings_anywhere_says_so() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = run_in(&dir, &["preflight", "--no-python"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "nothing is tested: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = stderr(&o);
    assert!(
        err.contains("no mail settings found") && err.contains("MAIL_SERVER"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// Regression: a CR/LF in `EMAIL_HOST_USER` (the dotenv reader expands `\n`), `--send-to` or
/// `--from` made the server receive an extra `RCPT TO`. Every address is an RFC 5321 mailbox
/// before any packet: exit 2, and the server never sees a connection.
#[test]
fn addresses_that_would_inject_smtp_commands_stop_before_any_packet() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-inject-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    server.set_nonblocking(true).unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    std::fs::write(
        dir.join(".env"),
        format!(
            "EMAIL_HOST=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_HOST_USER=\"alice@h.test>\\nRCPT TO:<victim@evil.test\"\n"
        ),
    )
    .unwrap();
    let cases: [&[&str]; 3] = [
        &["preflight", "--send-to", "bob@h.test"],
        &[
            "preflight",
            "--send-to",
            "bob@h.test>\r\nRCPT TO:<victim@evil.test",
        ],
        &[
            "preflight",
            "--send-to",
            "bob@h.test",
            "--from",
            "a@h.test\nRCPT TO:<v@evil.test>",
        ],
    ];
    for args in cases {
        let o = run_in(&dir, args, &[("SMTP_DOCTOR_PASSWORD", "pw")]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("invalid address"), "{err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line, no raw CR/LF: {err}"
        );
        assert!(o.stdout.is_empty());
    }
    assert!(
        server
            .accept()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "no connection may be made"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Regression: `--targets` with 300 hosts under `ulimit -n 1024` reported 183 `tcp.denied` ("a
/// local firewall blocks this program"): errno 24, EMFILE. The number of targets probed at once
/// now fits the open-files limit, and running out is never a network state.
#[cfg(unix)]
#[test]
fn many_targets_never_run_out_of_descriptors_into_a_firewall_finding() {
    let drop = smtp_doctor::lab::DroppingPort::new().unwrap();
    let dir = std::env::temp_dir().join(format!("smtp-doctor-emfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list: String = (0..60).map(|_| format!("{}\n", drop.addr)).collect();
    std::fs::write(dir.join("targets.txt"), list).unwrap();
    let script = format!(
        "ulimit -S -n 100 && ulimit -H -n 100 && exec {} check --targets {} --timeout 0.3 --no-color",
        support::binary::path(),
        dir.join("targets.txt").display()
    );
    let o = support::binary::on_a_plain_machine(&mut std::process::Command::new("sh"))
        .args(["-c", &script])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = stderr(&o);
    // Every target is a dropped port whose address (127.0.0.1) refuses on 443: the network
    // blocks SMTP, never a local firewall for want of descriptors.
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("tcp.filtered") || l.contains("net.smtp_blocked"))
            .count(),
        60,
        "{out}\n{err}"
    );
    assert!(!out.contains("tcp.denied"), "{out}");
    assert!(
        err.contains("targets at once") && err.contains("ulimit -n"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Regression: an ESC in `EMAIL_HOST_USER` reached the text report and stderr, and `diff` of a
/// JSON report holding `\u001b` printed it raw. Every boundary where untrusted text enters is
/// escaped: settings files, their paths, reports read back.
#[test]
fn terminal_escapes_from_files_never_reach_the_terminal() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hostile = "al\u{1b}]52;c;aGk=\u{7}ice\u{202e}\u{200b}@x.test";
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT=9\nEMAIL_HOST_USER=\"{hostile}\"\nEMAIL_TIMEOUT=\"\u{1b}[2J\"\n"),
    )
    .unwrap();
    let raw = |b: &[u8]| {
        let s = String::from_utf8_lossy(b).to_string();
        s.contains('\u{1b}')
            || s.contains('\u{7}')
            || s.contains('\u{202e}')
            || s.contains('\u{200b}')
    };
    // A bad timeout is an error that quotes the file: escaped on stderr.
    let o = run_in(
        &dir,
        &["preflight", "--timeout", "1"],
        &[("SMTP_DOCTOR_PASSWORD", "pw")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!raw(&o.stderr), "{}", stderr(&o));
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT=9\nEMAIL_HOST_USER=\"{hostile}\"\n"),
    )
    .unwrap();
    for args in [
        &["preflight", "--timeout", "1"][..],
        &["preflight", "--timeout", "1", "-v"],
        &["preflight", "--timeout", "1", "--json"],
        &["preflight", "--timeout", "1", "--format", "markdown"],
    ] {
        let o = run_in(&dir, args, &[("SMTP_DOCTOR_PASSWORD", "pw")]);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(
            !raw(&o.stdout) && !raw(&o.stderr),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        if args.contains(&"--json") {
            // diff of a report that holds raw escapes (as JSON \u001b) shows them escaped.
            let a = dir.join("a.json");
            let text = String::from_utf8_lossy(&o.stdout).replacen(
                "\"host\": \"127.0.0.1\"",
                "\"host\": \"127.0.0.1\\u001b[2J\\u0007\"",
                1,
            );
            std::fs::write(&a, text).unwrap();
            std::fs::write(dir.join("b.json"), &o.stdout).unwrap();
            let d = run(&[
                "diff",
                a.to_str().unwrap(),
                dir.join("b.json").to_str().unwrap(),
            ]);
            assert!(
                String::from_utf8_lossy(&d.stdout).contains("\\u{1b}"),
                "{}",
                String::from_utf8_lossy(&d.stdout)
            );
            assert!(!raw(&d.stdout), "{}", String::from_utf8_lossy(&d.stdout));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// preflight checks the domain of the application's own sender setting, shown with its origin:
/// Django's default `webmaster@localhost` is a domain no receiver will take.
#[test]
fn preflight_checks_the_applications_sender() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-sender-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    std::fs::write(
        dir.join(".env"),
        format!("EMAIL_HOST=127.0.0.1\nEMAIL_PORT={port}\nEMAIL_USE_TLS=True\nDEFAULT_FROM_EMAIL=webmaster@localhost\n"),
    )
    .unwrap();
    let o = run_in(
        &dir,
        &[
            "preflight",
            "--no-app-client",
            "--no-project-code",
            "--json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["domain"]["domain"], "localhost");
    assert_eq!(v["domain"]["existence"]["status"], "not_found");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"domain.not_found"), "{codes:?}");
    // The path's own cause stays the cause.
    assert_eq!(v["cause"], "tcp.refused");
    assert!(v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "DEFAULT_FROM_EMAIL" && s["value"] == "webmaster@localhost"));
    std::fs::remove_dir_all(&dir).ok();
}
