//! Issue 14: preflight runs the application's own client beside its probe, and names where the
//! two differ. The client here is the real one of a Flask-Mail app: Debian's Python and its
//! smtplib (`scripts/test` installs python3 and nodejs when they are missing), against lab
//! servers on loopback. Django's and nodemailer's clients, a runtime's trust store and a refused
//! EHLO name are in the e2e tier (real Django, nodemailer and Postfix).
#![cfg(target_os = "linux")]

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
        Command::new(env!("CARGO_BIN_EXE_smtp-doctor"))
            .env(
                "SMTP_DOCTOR_TEST_ROOT",
                "/nonexistent-smtp-doctor-test-root",
            )
            .args(&args)
            .current_dir(&dir)
            .env_clear()
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
    // Both clients logged in: smtp-doctor's probe and the application's.
    let verbs = server.verbs.lock().unwrap().clone();
    assert_eq!(
        verbs.iter().filter(|v| *v == "AUTH").count(),
        2,
        "{verbs:?}"
    );
    // The text report names the interpreter and the client.
    let o = run(&dir, &["preflight", "--ca-file", &ca], &[]).await;
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("smtplib (Flask-Mail) in Python 3"), "{text}");
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
    let ca = LabCa::new("Unknown Root", "smtp-doctor tests").unwrap();
    let server = server(&ca, PASSWORD).await;
    let dir = flask_app("works", server.addr.port(), PASSWORD);
    let v = json(&run(&dir, &["preflight", "--json"], &[]).await);
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
            Command::new(env!("CARGO_BIN_EXE_smtp-doctor"))
                .env(
                    "SMTP_DOCTOR_TEST_ROOT",
                    "/nonexistent-smtp-doctor-test-root",
                )
                .args(["preflight", "--json", "--framework", "flask"])
                .current_dir(&dir)
                .env_clear()
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
