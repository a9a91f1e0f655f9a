//! preflight runs the application's own client beside its probe, and names where the
//! two differ. The client here is the real one of a Flask-Mail app: Debian's Python and its
//! smtplib (`scripts/test` installs python3 and nodejs when they are missing), against lab
//! servers on loopback. Django's and nodemailer's clients, a runtime's trust store and a refused
//! EHLO name are in the e2e tier (real Django, nodemailer and Postfix).
#![cfg(target_os = "linux")]

mod support;

use smtp_doctor::lab::{self, LabCa, LabServer, ServerBehaviour, ServerMode, Validity};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "s3cret-app-pw";

/// A Flask app's folder whose `.env` names `127.0.0.1:port`, STARTTLS, with a login.
fn flask_app(name: &str, port: u16, password: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-app-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".env"),
        format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={port}\nMAIL_USE_TLS=true\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD={password}\n"),
    )
    .unwrap();
    dir
}

/// smtp-doctor in `dir` with a clean environment (the real PATH, for python3 and node).
async fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        support::binary::smtp_doctor_in_an_empty_environment()
            .args(&args)
            .current_dir(&dir)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &dir)
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !all.contains(PASSWORD),
        "the password reached the output: {all}"
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {all}"))
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// A STARTTLS lab server with a certificate for 127.0.0.1 from `ca`, accepting one account.
async fn server(ca: &LabCa, password: &str) -> LabServer {
    let cfg = lab::server_tls(&ca.issue(&["127.0.0.1"], Validity::Current).unwrap()).unwrap();
    let mut b = ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg),
    });
    b.account = Some(("app@example.com".into(), password.into()));
    LabServer::start(b).await.unwrap()
}

fn ca_file(dir: &Path, ca: &LabCa) -> String {
    let path = dir.join("lab-ca.pem");
    std::fs::write(&path, ca.root_pem()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn a_healthy_app_client_is_recorded_and_adds_no_finding() {
    let ca = LabCa::new("App Lab Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let dir = flask_app("healthy", server.addr.port(), PASSWORD);
    let ca = ca_file(&dir, &ca);
    let o = run(&dir, &["preflight", "--json", "--ca-file", &ca], &[]).await;
    let v = json(&o);
    let app = &v["app_client"];
    assert_eq!(v["verdict"], "ok", "{v}");
    assert_eq!(app["outcome"], "ok", "{app}");
    assert_eq!(app["runtime"], "python");
    assert_eq!(app["client"], "smtplib");
    assert!(app["version"].as_str().unwrap().starts_with('3'), "{app}");
    assert!(
        app["tls_library"].as_str().unwrap().contains("SSL"),
        "{app}"
    );
    assert!(!app["ehlo_name"].as_str().unwrap().is_empty(), "{app}");
    assert_eq!(
        app["verifies_certificates"], false,
        "Flask-Mail 0.10 passes no SSL context"
    );
    assert!(codes(&v).iter().all(|c| !c.starts_with("app.")), "{v}");
    // Where the client's time went: its start-up, then connect, TLS, the wait for the probe's
    // verdict and the login, in that order.
    let timings = &app["timings"];
    assert!(timings["startup_ms"].as_f64().unwrap() > 0.0, "{app}");
    let steps: Vec<&str> = timings["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{app}"))
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["connect", "tls", "verdict_wait", "login"], "{app}");
    // Both clients logged in: smtp-doctor's probe and the application's.
    let verbs = server.verbs.lock().unwrap().clone();
    assert_eq!(
        verbs.iter().filter(|v| *v == "AUTH").count(),
        2,
        "{verbs:?}"
    );
    // The text report names the interpreter and the client, and with -v its timings.
    let o = run(&dir, &["preflight", "-v", "--ca-file", &ca], &[]).await;
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("smtplib (Flask-Mail) in Python 3"), "{text}");
    assert!(text.contains("Timings: start-up "), "{text}");
    assert!(
        text.contains(", connect ") && text.contains(", login "),
        "{text}"
    );
    assert!(!text.contains(PASSWORD));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn an_app_that_cannot_connect_where_the_probe_can_is_the_cause() {
    // The app's settings name a closed port; --connect-to takes smtp-doctor's probe (only) to
    // the server: the app is blocked where the probe is not.
    let ca = LabCa::new("App Lab Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let closed = lab::closed_port().unwrap().port();
    let dir = flask_app("blocked", closed, PASSWORD);
    let ca = ca_file(&dir, &ca);
    let to = format!("127.0.0.1:{closed}:127.0.0.1:{}", server.addr.port());
    let args = ["preflight", "--json", "--ca-file", &ca, "--connect-to", &to];
    let v = json(&run(&dir, &args, &[]).await);
    assert_eq!(v["cause"], "app.connection_blocked", "{v}");
    assert_eq!(v["verdict"], "failed");
    assert_eq!(codes(&v)[0], "app.connection_blocked", "said first: {v}");
    assert_eq!(v["app_client"]["error_kind"], "refused");
    assert!(
        v["app_client"]["error"]
            .as_str()
            .unwrap()
            .starts_with("ConnectionRefusedError"),
        "{v}"
    );
    let f = &v["findings"][0];
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{f}"
    );
    assert!(!v["recommendations"].as_array().unwrap().is_empty());
    // In Spanish too.
    let mut es = args.to_vec();
    es.extend(["--lang", "es"]);
    let v = json(&run(&dir, &es, &[]).await);
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("el entorno de la aplicación"), "{msg}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn an_app_whose_own_password_is_rejected_is_told_its_credentials_differ() {
    // The .env holds a stale password; smtp-doctor is given the right one: its login works,
    // the application's (with the .env's) does not.
    let ca = LabCa::new("App Lab Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let dir = flask_app("login", server.addr.port(), "stale-password");
    let ca = ca_file(&dir, &ca);
    let o = run(
        &dir,
        &["preflight", "--json", "--ca-file", &ca],
        &[("SMTP_DOCTOR_PASSWORD", PASSWORD)],
    )
    .await;
    let v = json(&o);
    assert_eq!(v["cause"], "app.login_rejected", "{v}");
    assert_eq!(v["app_client"]["error_kind"], "auth_rejected");
    assert_eq!(v["app_client"]["smtp_code"], 535);
    assert_eq!(v["app_client"]["stage"], "login");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("stale-password"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn an_app_that_works_where_the_probe_fails_is_said_honestly() {
    // A certificate from a CA smtp-doctor is not given: its probe stops at TLS; Flask-Mail does
    // not verify certificates, so the app logs in (and would to anyone in the server's place).
    // Its login goes to a server nobody verified only because --insecure-auth asks for it.
    let ca = LabCa::new("Unknown Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let dir = flask_app("works", server.addr.port(), PASSWORD);
    let v = json(&run(&dir, &["preflight", "--json", "--insecure-auth"], &[]).await);
    assert_eq!(v["cause"], "tls.cert_untrusted", "{v}");
    assert_eq!(v["app_client"]["outcome"], "ok", "{v}");
    let works = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "app.client_works")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(works["severity"], "warning");
    assert!(
        works["message"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{works}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_app_client_is_skipped_with_a_reason() {
    let closed = lab::closed_port().unwrap().port();
    let dir = flask_app("skipped", closed, PASSWORD);
    let skip = |v: &serde_json::Value| {
        assert_eq!(v["app_client"]["outcome"], "skipped", "{v}");
        v["app_client"]["skip"]["kind"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let v = json(&run(&dir, &["preflight", "--json", "--no-app-client"], &[]).await);
    assert_eq!(skip(&v), "disabled");
    assert!(v["app_client"]["reason"]
        .as_str()
        .unwrap()
        .contains("--no-app-client"));
    let v = json(&run(&dir, &["preflight", "--json", "--no-project-code"], &[]).await);
    assert_eq!(skip(&v), "project_code_off");
    // The text report says so in words.
    let o = run(&dir, &["preflight", "--no-app-client", "--lang", "es"], &[]).await;
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("omitido, porque se indicó --no-app-client"),
        "{text}"
    );
    // Laravel: no client of its runtime yet.
    std::fs::write(
        dir.join(".env"),
        format!("MAIL_MAILER=smtp\nMAIL_HOST=127.0.0.1\nMAIL_PORT={closed}\n"),
    )
    .unwrap();
    let v = json(
        &run(
            &dir,
            &["preflight", "--json", "--framework", "laravel"],
            &[],
        )
        .await,
    );
    assert_eq!(skip(&v), "no_client_for");
    // A Node app without nodemailer in its node_modules: the real node says it is missing.
    std::fs::write(
        dir.join(".env"),
        format!("SMTP_HOST=127.0.0.1\nSMTP_PORT={closed}\n"),
    )
    .unwrap();
    let v = json(&run(&dir, &["preflight", "--json", "--framework", "node"], &[]).await);
    assert_eq!(skip(&v), "library_missing", "{v}");
    assert_eq!(v["app_client"]["skip"]["library"], "nodemailer");
    // No interpreter at all on PATH.
    let empty = dir.join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let o = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            std::fs::write(
                dir.join(".env"),
                "MAIL_SERVER=127.0.0.1\nMAIL_PORT=9\nMAIL_USE_TLS=true\n",
            )
            .unwrap();
            support::binary::smtp_doctor_in_an_empty_environment()
                .args(["preflight", "--json", "--framework", "flask"])
                .current_dir(&dir)
                .env("PATH", &empty)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let v = json(&o);
    assert_eq!(skip(&v), "runtime_missing", "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A Flask app's folder with this `.env`.
fn flask_env(name: &str, env: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-app-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".env"), env).unwrap();
    dir
}

fn auths(server: &LabServer) -> usize {
    let verbs = server.verbs.lock().unwrap().clone();
    verbs.iter().filter(|v| *v == "AUTH").count()
}

fn skipped_login(v: &serde_json::Value) -> String {
    let steps = v["app_client"]["skipped_steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no skipped_steps: {v}"));
    let login = steps
        .iter()
        .find(|s| s["step"] == "login")
        .unwrap_or_else(|| panic!("login not skipped: {v}"));
    assert!(
        !login["reason"].as_str().unwrap_or("").is_empty(),
        "{login}"
    );
    login["kind"].as_str().unwrap().to_string()
}

fn assert_not_the_app_failing(v: &serde_json::Value) {
    assert_ne!(v["app_client"]["outcome"], "failed", "{v}");
    for f in v["findings"].as_array().unwrap() {
        let code = f["code"].as_str().unwrap();
        assert!(
            !(code.starts_with("app.") && f["severity"] == "error"),
            "{v}"
        );
    }
}

#[tokio::test]
async fn the_app_client_never_sends_the_password_over_plaintext_or_unverified_tls() {
    // A plaintext server that offers AUTH, and MAIL_USE_TLS=False.
    let mut b = ServerBehaviour::smtp(ServerMode::Smtp { starttls: None });
    b.auth_in_plain = true;
    let plain = LabServer::start(b).await.unwrap();
    let dir = flask_env(
        "plaintext",
        &format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={}\nMAIL_USE_TLS=False\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD={PASSWORD}\n", plain.addr.port()),
    );
    let v = json(&run(&dir, &["preflight", "--json"], &[]).await);
    assert_eq!(auths(&plain), 0, "AUTH went over plaintext: {v}");
    assert_eq!(skipped_login(&v), "not_encrypted");
    assert_not_the_app_failing(&v);
    // In Spanish, the reason too.
    let o = run(&dir, &["preflight", "--lang", "es"], &[]).await;
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("inicio de sesión"), "{text}");
    std::fs::remove_dir_all(&dir).ok();

    // STARTTLS with a certificate smtp-doctor's probe does not verify (no --ca-file).
    let ca = LabCa::new("Self Signed Root", "smtp-doctor tests").unwrap();
    let tls = server(&ca, PASSWORD).await;
    let dir = flask_app("unverified", tls.addr.port(), PASSWORD);
    let v = json(&run(&dir, &["preflight", "--json"], &[]).await);
    assert_eq!(auths(&tls), 0, "AUTH went over unverified TLS: {v}");
    assert_eq!(skipped_login(&v), "not_verified");
    assert_not_the_app_failing(&v);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_app_client_logs_in_only_to_the_certificate_the_probe_verified() {
    // Two servers with certificates for 127.0.0.1 from the same CA: --connect-to takes the probe
    // to the first (verified, --ca-file), the app's client goes to the second. Its certificate is
    // not the one the probe saw, so the password stays home.
    let ca = LabCa::new("App Lab Root", "smtp-doctor tests").unwrap();
    let probed = server(&ca, PASSWORD).await;
    let other = server(&ca, PASSWORD).await;
    let dir = flask_app("pinned", other.addr.port(), PASSWORD);
    let ca_path = ca_file(&dir, &ca);
    let to = format!(
        "127.0.0.1:{}:127.0.0.1:{}",
        other.addr.port(),
        probed.addr.port()
    );
    let args = [
        "preflight",
        "--json",
        "--ca-file",
        &ca_path,
        "--connect-to",
        &to,
    ];
    let v = json(&run(&dir, &args, &[]).await);
    assert_eq!(auths(&probed), 1, "the probe logs in: {v}");
    assert_eq!(auths(&other), 0, "the app logged in elsewhere: {v}");
    assert_eq!(skipped_login(&v), "other_certificate");
    assert_not_the_app_failing(&v);
    // --insecure-auth: the user asked for it.
    let mut args = args.to_vec();
    args.push("--insecure-auth");
    let v = json(&run(&dir, &args, &[]).await);
    assert_eq!(auths(&other), 1, "{v}");
    assert_eq!(v["app_client"]["outcome"], "ok", "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A plaintext server offering only `mechanism`, whose AUTH refusal echoes what it received
/// (base64 and decoded), after `pad` characters.
fn echo_server(mechanism: &'static str, pad: usize) -> u16 {
    use base64::prelude::{Engine, BASE64_STANDARD};
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let _ = w.write_all(b"220 echo ESMTP\r\n");
                let mut line = String::new();
                let mut got: Vec<String> = Vec::new();
                let decode = |b: &str| {
                    String::from_utf8_lossy(&BASE64_STANDARD.decode(b.trim()).unwrap_or_default())
                        .into_owned()
                };
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let up = line.to_ascii_uppercase();
                    let reply = if up.starts_with("EHLO") {
                        format!("250-echo\r\n250 AUTH {mechanism}\r\n")
                    } else if up.starts_with("AUTH PLAIN ") {
                        let b = line[11..].trim().to_string();
                        format!(
                            "535 5.7.8 {} you said {b} {}\r\n",
                            "x".repeat(pad),
                            decode(&b)
                        )
                    } else if up.starts_with("AUTH LOGIN") {
                        "334 VXNlcm5hbWU6\r\n".to_string()
                    } else if up.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n");
                        return;
                    } else if mechanism == "LOGIN" && got.len() < 2 && !up.starts_with("HELO") {
                        got.push(line.trim().to_string());
                        if got.len() == 1 {
                            "334 UGFzc3dvcmQ6\r\n".to_string()
                        } else {
                            format!(
                                "535 5.7.8 {} you said {} {} {}\r\n",
                                "x".repeat(pad),
                                got[0],
                                got[1],
                                decode(&got[1])
                            )
                        }
                    } else {
                        "250 ok\r\n".to_string()
                    };
                    let _ = w.write_all(reply.as_bytes());
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn credentials_echoed_by_the_server_are_masked_in_every_output() {
    use base64::prelude::{Engine, BASE64_STANDARD};
    // A TAB in it, and long enough that wherever a 2,000-character cut falls near it, the cut
    // goes through it.
    let pw = format!("Zq7vXk\tpw{}end", "L".repeat(80));
    let user = "app@example.com";
    let forms = [
        pw.clone(),
        pw.replace('\t', "\\t"),
        pw.replace('\t', "\\u{9}"),
        BASE64_STANDARD.encode(format!("\0{user}\0{pw}")),
        BASE64_STANDARD.encode(&pw),
        "Zq7vXk".to_string(),
    ];
    for (mechanism, pad) in [
        ("PLAIN", 10),
        ("PLAIN", 1960),
        ("LOGIN", 10),
        ("LOGIN", 1940),
    ] {
        let port = echo_server(mechanism, pad);
        let dir = flask_env(
            "echo",
            &format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={port}\nMAIL_USE_TLS=False\nMAIL_USERNAME={user}\n"),
        );
        let env = [("SMTP_DOCTOR_PASSWORD", pw.as_str())];
        let mut outputs = Vec::new();
        for args in [
            &["preflight", "--json", "--insecure-auth"][..],
            &["preflight", "--insecure-auth"],
            &["preflight", "--insecure-auth", "-v"],
            &["preflight", "--insecure-auth", "--format", "markdown"],
        ] {
            let o = run(&dir, args, &env).await;
            outputs.push(format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        // JSON and Markdown show the echo, masked: the masking, not a missing error, keeps it
        // out (the text report shortens a long error line).
        for out in [&outputs[0], &outputs[3]] {
            assert!(out.contains("****"), "{mechanism} {pad}: {out}");
        }
        assert!(outputs[0].contains("auth_rejected"), "{}", outputs[0]);
        for out in &outputs {
            for f in &forms {
                assert!(
                    !out.contains(f.as_str()),
                    "{mechanism} {pad}: {f:?} in {out}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[tokio::test]
async fn the_password_given_to_smtp_doctor_is_the_app_clients_too() {
    // The app reads its password from a secret store at run time: the .env has the user only,
    // and smtp-doctor is given the password. Both clients log in with it.
    let ca = LabCa::new("App Lab Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let dir = flask_env(
        "given",
        &format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={}\nMAIL_USE_TLS=True\nMAIL_USERNAME=app@example.com\n", server.addr.port()),
    );
    let ca = ca_file(&dir, &ca);
    let o = run(
        &dir,
        &["preflight", "--json", "--ca-file", &ca],
        &[("SMTP_DOCTOR_PASSWORD", PASSWORD)],
    )
    .await;
    let v = json(&o);
    assert_eq!(v["verdict"], "ok", "{v}");
    assert_eq!(v["app_client"]["outcome"], "ok", "{v}");
    assert_eq!(auths(&server), 2, "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn code_in_the_folder_is_not_run_by_the_flask_client() {
    // A folder with a .env and a json.py: Python's isolated mode keeps the folder off sys.path.
    let closed = lab::closed_port().unwrap().port();
    let dir = flask_env(
        "jsonpy",
        &format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={closed}\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD={PASSWORD}\n"),
    );
    let marker = dir.join("ran");
    std::fs::write(
        dir.join("json.py"),
        format!(
            "import os\nopen({:?}, 'w').write(repr(dict(os.environ)))\n",
            marker.display().to_string()
        ),
    )
    .unwrap();
    let v = json(&run(&dir, &["preflight", "--json", "--framework", "flask"], &[]).await);
    assert!(!marker.exists(), "the folder's json.py ran");
    assert_eq!(v["app_client"]["outcome"], "failed", "{v}");
    assert_eq!(v["app_client"]["error_kind"], "refused", "{v}");
    // The report names what ran: the interpreter, and the standard library's smtplib.
    let ran = v["app_client"]["ran"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"));
    assert!(!ran.is_empty(), "{v}");
    assert!(
        ran.iter().any(|p| p.as_str().unwrap().contains("python")),
        "{v}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_nodemailer_outside_the_project_is_never_loaded() {
    // nodemailer in a parent folder's node_modules (and on NODE_PATH, and a NODE_OPTIONS
    // --require): none of it is the project's own.
    let base = std::env::temp_dir().join(format!("smtp-doctor-app-parent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let evil = base.join("node_modules/nodemailer");
    std::fs::create_dir_all(&evil).unwrap();
    let marker = base.join("ran");
    let payload = format!(
        "require('fs').writeFileSync({:?}, require('fs').readFileSync('/proc/self/environ'));\n",
        marker.display().to_string()
    );
    std::fs::write(evil.join("index.js"), format!("{payload}module.exports = {{ createTransport() {{ return {{ verify: async () => true, close() {{}} }}; }} }};\n")).unwrap();
    std::fs::write(
        evil.join("package.json"),
        "{\"name\":\"nodemailer\",\"version\":\"6.9.9\",\"main\":\"index.js\"}",
    )
    .unwrap();
    std::fs::write(base.join("preload.js"), &payload).unwrap();
    let dir = base.join("app");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        "{\"name\":\"app\",\"dependencies\":{\"nodemailer\":\"^6\"}}",
    )
    .unwrap();
    let closed = lab::closed_port().unwrap().port();
    std::fs::write(
        dir.join(".env"),
        format!("SMTP_HOST=127.0.0.1\nSMTP_PORT={closed}\nSMTP_USER=app@example.com\nSMTP_PASS={PASSWORD}\n"),
    )
    .unwrap();
    let node_path = base.join("node_modules").display().to_string();
    let options = format!("--require {}", base.join("preload.js").display());
    let v = json(
        &run(
            &dir,
            &["preflight", "--json", "--framework", "node"],
            &[("NODE_PATH", &node_path), ("NODE_OPTIONS", &options)],
        )
        .await,
    );
    assert!(!marker.exists(), "code outside the project ran");
    assert_eq!(v["app_client"]["outcome"], "skipped", "{v}");
    assert_eq!(v["app_client"]["skip"]["kind"], "library_missing", "{v}");
    std::fs::remove_dir_all(&base).ok();
}

/// Whether `pid` is still a live process (a zombie is dead).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(s) => !s
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
    }
}

#[tokio::test]
async fn nothing_the_project_starts_outlives_the_run_or_holds_it_up() {
    use std::os::unix::fs::PermissionsExt;
    let closed = lab::closed_port().unwrap().port();
    let dir = flask_env(
        "setsid",
        &format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={closed}\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD={PASSWORD}\n"),
    );
    let pidfile = dir.join("pid");
    let python = dir.join(".venv/bin/python");
    std::fs::create_dir_all(python.parent().unwrap()).unwrap();
    // It starts a process in a session of its own (out of its process group), which holds the
    // output pipes, and exits at once.
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\nsetsid sh -c 'echo $$ > {}; exec sleep 45' &\nsleep 0.3\nexit 0\n",
            pidfile.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let v = json(&run(&dir, &["preflight", "--json", "--framework", "flask"], &[]).await);
    let took = started.elapsed();
    assert_eq!(v["app_client"]["outcome"], "skipped", "{v}");
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        !alive(pid)
    });
    if !gone {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    assert!(gone, "the project's grandchild {pid} outlived smtp-doctor");
    // The limit is 17 s: the run ends when the child has exited, well before it.
    assert!(took < std::time::Duration::from_millis(8500), "{took:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_client_that_can_no_longer_change_the_verdict_is_not_waited_for() {
    use std::os::unix::fs::PermissionsExt;
    // The configured port is closed (the probe's path fails at TCP); the project's Python
    // never answers. Its answer could only add a warning: it is stopped, not waited for to
    // its 17 s limit, and stopped with what it started.
    let closed = lab::closed_port().unwrap().port();
    let dir = flask_env(
        "not-waited",
        &format!("MAIL_SERVER=127.0.0.1\nMAIL_PORT={closed}\nMAIL_USERNAME=app@example.com\nMAIL_PASSWORD={PASSWORD}\n"),
    );
    let pidfile = dir.join("pid");
    let python = dir.join(".venv/bin/python");
    std::fs::create_dir_all(python.parent().unwrap()).unwrap();
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 60\n",
            pidfile.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v = json(&run(&dir, &["preflight", "--json", "--framework", "flask"], &[]).await);
    assert_eq!(v["verdict"], "failed", "{v}");
    let app = &v["app_client"];
    assert_eq!(app["outcome"], "skipped", "{v}");
    assert_eq!(app["skip"]["kind"], "not_waited", "{app}");
    assert!(
        app["reason"].as_str().unwrap().contains("not waited for"),
        "{app}"
    );
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        !alive(pid)
    });
    if !gone {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
    }
    assert!(gone, "the project's Python {pid} outlived smtp-doctor");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_django_projects_python_starts_once_and_runs_its_client_after_reading_the_settings() {
    use std::os::unix::fs::PermissionsExt;
    let server = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp { starttls: None }))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "smtp-doctor-app-django-once-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".venv/bin")).unwrap();
    let (count, seen) = (dir.join("count"), dir.join("seen"));
    // The project's Python counts its starts, then is the real python3.
    let python = dir.join(".venv/bin/python");
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\necho run >> {}\nexec python3 \"$@\"\n",
            count.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    // manage.py as Django's does it for `shell -c`, and a stand-in Django (its settings, its
    // SMTP backend over smtplib, DNS_NAME) in the project: the real one is in the e2e tier.
    let files = [
        ("manage.py", format!("import os, sys\nopen({:?}, 'w').write('leaked' if any(k.startswith('SMTP_DOCTOR') and k != 'SMTP_DOCTOR_TEST_ROOT' for k in os.environ) else 'clean')\nif sys.argv[1:3] == ['shell', '-c']:\n    exec(sys.argv[3], {{'__name__': '__main__'}})\n", seen.display().to_string())),
        ("django/__init__.py", "def get_version():\n    return '0.0-stand-in'\n".into()),
        ("django/conf.py", format!("class Settings:\n    EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'\n    EMAIL_HOST = '127.0.0.1'\n    EMAIL_PORT = {}\n    EMAIL_USE_TLS = False\n    EMAIL_USE_SSL = False\n\n\nsettings = Settings()\n", server.addr.port())),
        ("django/core/__init__.py", String::new()),
        ("django/core/mail/__init__.py", "import smtplib\nfrom django.conf import settings\n\n\nclass EmailBackend:\n    def __init__(self, password=None):\n        self.use_tls = self.use_ssl = False\n        self.username, self.password, self.connection = None, password, None\n\n    def open(self):\n        self.connection = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT)\n\n    def close(self):\n        self.connection.quit()\n\n\ndef get_connection(**kw):\n    return EmailBackend(**kw)\n\n\nclass EmailMessage:\n    pass\n".into()),
        ("django/core/mail/utils.py", "DNS_NAME = 'stand-in.example.com'\n".into()),
    ];
    for (path, text) in files {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), text).unwrap();
    }
    let v = json(
        &run(
            &dir,
            &["preflight", "--json", "-v", "--framework", "django"],
            &[("SMTP_DOCTOR_PASSWORD", PASSWORD)],
        )
        .await,
    );
    assert_eq!(v["runtime"]["run"]["outcome"]["kind"], "ok", "{v}");
    let app = &v["app_client"];
    assert_eq!(app["outcome"], "ok", "{v}");
    assert_eq!(app["client"], "django", "{app}");
    assert_eq!(app["library_version"], "0.0-stand-in", "{app}");
    // One process: the one that read the settings ran the client.
    assert_eq!(std::fs::read_to_string(&count).unwrap(), "run\n", "{v}");
    // The secrets were never in its environment.
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "clean", "{v}");
    // Its start-up is the settings' read; then its connect.
    assert!(
        app["timings"]["startup_ms"].as_f64().unwrap() > 0.0,
        "{app}"
    );
    assert_eq!(app["timings"]["steps"][0]["step"], "connect", "{app}");
    let verbs = server.verbs.lock().unwrap().clone();
    assert!(
        verbs.iter().filter(|v| *v == "EHLO").count() >= 2,
        "{verbs:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn in_a_django_project_the_secrets_are_gone_before_manage_py_runs() {
    use std::os::unix::fs::PermissionsExt;
    let closed = lab::closed_port().unwrap().port();
    let dir = std::env::temp_dir().join(format!("smtp-doctor-app-django-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".venv/bin")).unwrap();
    let seen = dir.join("seen");
    // manage.py records whether any of smtp-doctor's inputs are in its environment (but the
    // tests' machine root, which the binary passes on as it does the rest of its environment).
    std::fs::write(
        dir.join("manage.py"),
        format!("import os\nopen({:?}, 'w').write('leaked' if any(k.startswith('SMTP_DOCTOR') and k != 'SMTP_DOCTOR_TEST_ROOT' for k in os.environ) else 'clean')\n", seen.display().to_string()),
    )
    .unwrap();
    // The project's Python: the settings query is answered as a real Django would; anything
    // else is the real python3.
    let python = dir.join(".venv/bin/python");
    std::fs::write(
        &python,
        format!("#!/bin/sh\ncase \"$4\" in *SMTP_DOCTOR_APP_JSON*) exec python3 \"$@\";; esac\nif [ \"$1\" = manage.py ]; then echo 'SMTP_DOCTOR_JSON{{\"EMAIL_HOST\": \"127.0.0.1\", \"EMAIL_PORT\": {closed}, \"EMAIL_USE_TLS\": false, \"EMAIL_HOST_USER\": \"app@example.com\"}}'; exit 0; fi\nexec python3 \"$@\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v = json(
        &run(
            &dir,
            &["preflight", "--json", "--framework", "django"],
            &[("SMTP_DOCTOR_PASSWORD", PASSWORD)],
        )
        .await,
    );
    let seen =
        std::fs::read_to_string(&seen).unwrap_or_else(|_| panic!("manage.py did not run: {v}"));
    assert_eq!(seen, "clean", "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A stand-in for nodemailer in `dir/node_modules` (the real one is in the e2e tier; these
/// tests may not download it): the same entry points the script uses (`createTransport`,
/// `verify`, `smtp-connection` whose `prototype.login` the script wraps, `_socket`,
/// `options.host`), a real SMTP dialogue over node's net and tls, STARTTLS when the server
/// offers it, and nodemailer's own error when a user has no password. `layout` is where its
/// modules are: `lib` (older nodemailer) or `dist/cjs` (nodemailer 10.6.1, the e2e tier's, whose
/// package.json maps `lib/…` there for a `require` by package name only), or any other folder; `module`
/// is the connection module's name (`smtp-connection` in every nodemailer so far).
fn stand_in_nodemailer(dir: &Path, layout: &str, module: &str) {
    let root = dir.join("node_modules/nodemailer");
    let lib = root.join(layout);
    std::fs::create_dir_all(lib.join(module)).unwrap();
    std::fs::write(
        root.join("package.json"),
        format!(
            r#"{{"name":"nodemailer","version":"0.0.0-stand-in","main":"{layout}/nodemailer.js"}}"#
        ),
    )
    .unwrap();
    std::fs::write(
        lib.join(module).join("index.js"),
        r#"'use strict';
const net = require('net');
const tls = require('tls');
class SMTPConnection {
  constructor(options) { this.options = options || {}; this.port = this.options.port; this.name = 'stand-in.example'; this._buf = ''; this._wait = null; }
  _attach(s) { this._socket = s; s.setEncoding('utf8'); s.on('data', (d) => { this._buf += d; this._drain(); }); s.on('error', (e) => { const w = this._wait; this._wait = null; if (w) w(null, e); }); }
  _drain() {
    const lines = this._buf.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      if (/^\d{3} /.test(lines[i]) && this._wait) { const w = this._wait; this._wait = null; this._buf = lines.slice(i + 1).join('\r\n'); return w(lines.slice(0, i + 1)); }
    }
  }
  _cmd(line, cb) { this._wait = cb; if (line !== null) this._socket.write(line + '\r\n'); this._drain(); }
  connect(cb) {
    const o = this.options;
    this._attach(o.secure ? tls.connect({ host: o.host, port: o.port, rejectUnauthorized: false }) : net.connect(o.port, o.host));
    this._cmd(null, () => this._cmd('EHLO ' + this.name, (ehlo) => {
      if (o.secure || !ehlo.some((l) => l.slice(4).toUpperCase() === 'STARTTLS')) return cb();
      this._cmd('STARTTLS', () => {
        const raw = this._socket; raw.removeAllListeners('data');
        this._attach(tls.connect({ socket: raw, rejectUnauthorized: false }));
        this._socket.once('secureConnect', () => this._cmd('EHLO ' + this.name, () => cb()));
      });
    }));
  }
  login(auth, cb) {
    if (!auth.pass) { const e = new Error('Missing credentials for "PLAIN"'); e.code = 'EAUTH'; e.command = 'API'; return cb(e); }
    this._cmd('AUTH PLAIN ' + Buffer.from('\0' + auth.user + '\0' + auth.pass).toString('base64'), (r) => {
      if (r[r.length - 1].startsWith('235')) return cb();
      const e = new Error('Invalid login: ' + r.join(' ')); e.code = 'EAUTH'; e.responseCode = parseInt(r[0], 10); e.command = 'AUTH PLAIN'; cb(e);
    });
  }
  quit() { try { this._socket.write('QUIT\r\n'); } catch (e) { /* closing */ } }
  close() { if (this._socket) this._socket.destroy(); }
}
module.exports = SMTPConnection;
"#,
    )
    .unwrap();
    std::fs::write(
        lib.join("nodemailer.js"),
        r#"'use strict';
const SMTPConnection = require('./MODULE');
module.exports.createTransport = (options) => ({
  verify: () => new Promise((resolve, reject) => {
    const c = new SMTPConnection(options);
    c.connect(() => {
      if (!options.auth) { c.quit(); return resolve(true); }
      c.login(options.auth, (err) => { c.quit(); return err ? reject(err) : resolve(true); });
    });
  }),
  close: () => {},
});
"#
        .replace("MODULE", module),
    )
    .unwrap();
}

#[tokio::test]
async fn a_node_app_logs_in_with_the_given_password_only_to_the_verified_server() {
    // The last is a layout no nodemailer has had: the gate is found where nodemailer loaded it.
    for layout in ["lib", "dist/cjs", "build/node/transports"] {
        node_app_logs_in_only_to_the_verified_server(layout).await;
    }
}

/// A Node project (`name`) whose settings name a lab server that takes `PASSWORD`, with the
/// stand-in nodemailer's connection module at `layout/module`; the lab's root is in a file for
/// `--ca-file`, whose path is returned beside the server and the folder.
async fn node_project(name: &str, layout: &str, module: &str) -> (LabServer, PathBuf, String) {
    let ca = LabCa::new("App Lab Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let dir = flask_env(
        name,
        &format!(
            "SMTP_HOST=127.0.0.1\nSMTP_PORT={}\nSMTP_USER=app@example.com\n",
            server.addr.port()
        ),
    );
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"app","dependencies":{"nodemailer":"*"}}"#,
    )
    .unwrap();
    stand_in_nodemailer(&dir, layout, module);
    let ca = ca_file(&dir, &ca);
    (server, dir, ca)
}

async fn node_app_logs_in_only_to_the_verified_server(layout: &str) {
    let (server, dir, ca) = node_project("node", layout, "smtp-connection").await;
    let env = [("SMTP_DOCTOR_PASSWORD", PASSWORD)];
    let args = ["preflight", "--json", "--framework", "node"];
    // The probe does not verify the server (no --ca-file): the app's login is withheld.
    let v = json(&run(&dir, &args, &env).await);
    assert_eq!(auths(&server), 0, "{layout}: {v}");
    assert_eq!(skipped_login(&v), "not_verified");
    assert_not_the_app_failing(&v);
    // It does: both log in, the app with the password the user gave smtp-doctor.
    let mut verified = args.to_vec();
    verified.extend(["--ca-file", &ca]);
    let v = json(&run(&dir, &verified, &env).await);
    assert_eq!(v["verdict"], "ok", "{v}");
    assert_eq!(v["app_client"]["outcome"], "ok", "{v}");
    assert_eq!(auths(&server), 2, "{v}");
    let ran = v["app_client"]["ran"].to_string();
    assert!(ran.contains("node_modules/nodemailer"), "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_nodemailer_whose_login_smtp_doctor_cannot_gate_never_gets_the_password() {
    // The connection module under a name and in a folder smtp-doctor does not know.
    node_app_without_the_gate("dist/bundle", "transport-core", false).await;
    // Where it knows it, but a frozen class whose login cannot be wrapped.
    node_app_without_the_gate("lib", "smtp-connection", true).await;
}

async fn node_app_without_the_gate(layout: &str, module: &str, frozen: bool) {
    let (server, dir, ca) = node_project("node-ungated", layout, module).await;
    if frozen {
        let class = dir
            .join("node_modules/nodemailer")
            .join(layout)
            .join(module)
            .join("index.js");
        let code = std::fs::read_to_string(&class).unwrap();
        std::fs::write(&class, code + "Object.freeze(SMTPConnection.prototype);\n").unwrap();
    }
    let env = [("SMTP_DOCTOR_PASSWORD", PASSWORD)];
    // Even to the server the probe verified, the login would go out unchecked: it does not.
    let args = [
        "preflight",
        "--json",
        "--framework",
        "node",
        "--ca-file",
        &ca,
    ];
    let v = json(&run(&dir, &args, &env).await);
    assert_eq!(skipped_login(&v), "not_gated", "{layout}: {v}");
    assert_not_the_app_failing(&v);
    assert_eq!(v["app_client"]["outcome"], "ok", "{v}");
    // The probe logged in once; the app's client never did.
    assert_eq!(auths(&server), 1, "{layout}: {v}");
    // Said in words too, never with the password.
    let words = ["preflight", "--framework", "node", "--ca-file", &ca];
    let text = run(&dir, &words, &env).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&text.stdout),
        String::from_utf8_lossy(&text.stderr)
    );
    assert!(!text.contains(PASSWORD), "{text}");
    assert_eq!(auths(&server), 2, "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
