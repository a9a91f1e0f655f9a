//! `explain`: the corpus of real error texts (tests/data/explain_corpus.jsonl, each with where it
//! came from) classified field by field, and the command as users and scripts meet it.

mod support;

use serde_json::Value;
use std::io::Write;
use std::process::{Output, Stdio};

fn corpus() -> Vec<Value> {
    let text = include_str!("data/explain_corpus.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a corpus line is JSON"))
        .collect()
}

#[test]
fn the_corpus_is_large_sourced_and_has_negatives() {
    let rows = corpus();
    assert!(rows.len() >= 70, "{} rows", rows.len());
    assert!(rows
        .iter()
        .all(|r| r["source"].as_str().is_some_and(|s| !s.is_empty())));
    assert!(rows.iter().filter(|r| r["recognised"] == false).count() >= 5);
    let tsv = include_str!("../scripts/e2e.d/client_errors.tsv");
    for line in tsv.lines().skip(1) {
        let text = line.splitn(3, '\t').nth(2).unwrap();
        assert!(
            rows.iter().any(|r| r["text"] == text),
            "client_errors.tsv row missing from the corpus: {text}"
        );
    }
}

#[test]
fn every_corpus_row_is_classified_as_expected() {
    let mut wrong = Vec::new();
    for row in corpus() {
        let text = row["text"].as_str().unwrap();
        let e = smtp_doctor::explain(text, None).unwrap();
        let got = e.to_json(smtp_doctor::Lang::En);
        for field in ["recognised", "code", "layer", "runtime", "host", "port"] {
            if got[field] != row[field] {
                wrong.push(format!(
                    "{field}: got {} want {} — {} — {:.90}",
                    got[field], row[field], row["source"], text
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn explain(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = support::binary::smtp_doctor()
        .arg("explain")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run smtp-doctor");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const ORIGIN: &str = "TimeoutError: [WinError 10060] Se produjo un error durante el intento de conexión ya que la parte conectada no respondió adecuadamente...\nFile \"smtplib.py\", line 262, in __init__\n    (code, msg) = self.connect(host, port)";

#[test]
fn argument_file_and_stdin_give_the_same_json_object() {
    let dir = std::env::temp_dir().join(format!("smtp-doctor-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("error.log");
    std::fs::write(&file, ORIGIN).unwrap();
    let a = explain(&[ORIGIN, "--json"], None);
    let b = explain(&["--file", file.to_str().unwrap(), "--json"], None);
    let c = explain(&["--json"], Some(ORIGIN));
    for o in [&a, &b, &c] {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(stdout(&a), stdout(&c));
    let v: Value = serde_json::from_str(&stdout(&a)).unwrap();
    let obj = v.as_object().unwrap();
    for key in [
        "recognised",
        "code",
        "layer",
        "host",
        "port",
        "runtime",
        "causes",
        "next",
    ] {
        assert!(obj.contains_key(key), "missing {key}: {v}");
    }
    assert_eq!(v["recognised"], true);
    assert_eq!(v["code"], "tcp.filtered");
    assert_eq!(v["layer"], "tcp");
    assert_eq!(v["runtime"], "python");
    assert_eq!(v["host"], Value::Null);
    assert_eq!(v["port"], Value::Null);
    assert_eq!(v["next"], "smtp-doctor check HOST --port 587 --port 465");
    let causes = v["causes"].as_array().unwrap();
    assert!(!causes.is_empty() && causes.iter().all(|c| c["message"].is_string()));
    assert_eq!(stdout(&a).lines().count(), 1, "one object, one line");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exit_status_is_0_recognised_1_not_2_bad_usage() {
    let o = explain(
        &["ConnectionRefusedError: [Errno 111] Connection refused"],
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    let o = explain(&["the coffee machine is out of beans"], None);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("Not recognised") && text.contains("smtp-doctor check HOST"),
        "{text}"
    );
    let o = explain(&["the coffee machine is out of beans", "--json"], None);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        (v["recognised"].clone(), v["code"].clone()),
        (Value::Bool(false), Value::Null)
    );
    assert_eq!(o.status.code(), Some(1));
    let bad: &[&[&str]] = &[
        &["some text", "--file", "x.log"],
        &["--file", "/nonexistent/error.log"],
        &["--file", "/"],
        &[
            "ConnectionRefusedError: [Errno 111] Connection refused",
            "--run",
        ],
        &["x", "--host", "a;b"],
        &["x", "--lang", "fr"],
        &["--password-stdin", "--run", "--host", "127.0.0.1"],
    ];
    for args in bad {
        let o = explain(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn spanish_output_is_spanish() {
    let o = explain(&[ORIGIN, "--lang", "es"], None);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("Causas probables") && text.contains("escudo de correo"),
        "{text}"
    );
    assert!(
        text.contains("Para confirmarlo") && !text.contains("Likely causes"),
        "{text}"
    );
    let v: Value =
        serde_json::from_str(&stdout(&explain(&[ORIGIN, "--json", "--lang", "es"], None))).unwrap();
    assert_eq!(
        v["code"], "tcp.filtered",
        "codes never change with the language"
    );
    assert!(v["causes"][0]["message"]
        .as_str()
        .unwrap()
        .contains("antivirus"));
    assert!(v["causes"][0]["message"]
        .as_str()
        .unwrap()
        .contains("paquetes"));
}

#[test]
fn hostile_input_never_reaches_the_command_or_the_terminal() {
    let hostile = [
        "connect ETIMEDOUT $(rm -rf ~):587",
        "Could not connect to SMTP host: a;b, port: 587;",
        "Connection could not be established with host \"ssl://`reboot`:465\": timed out",
        "connect ECONNREFUSED 10.0.0.1:587\u{1b}]0;pwned\u{7}\u{1b}[31m; touch /tmp/x",
        "UnknownHostException: smtp.example.com|sh",
    ];
    for text in hostile {
        let o = explain(&[text, "--json"], None);
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let next = v["next"].as_str().unwrap();
        assert!(
            next.chars()
                .all(|c| c.is_ascii_alphanumeric() || " .-_:".contains(c)),
            "{next}"
        );
        assert!(!next.contains("rm") && !next.contains("reboot"), "{next}");
        let o = explain(&[text], None);
        let shown = stdout(&o);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
    }
}

#[test]
fn run_checks_the_host_and_port_from_the_text_on_loopback() {
    let dropping = smtp_doctor::lab::DroppingPort::new().unwrap();
    let port = dropping.addr.port().to_string();
    let text = format!("Error: connect ETIMEDOUT 127.0.0.1:{port}");
    let o = explain(
        &[&text, "--run", "--json", "--port", &port, "--timeout", "1"],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["code"], "tcp.filtered");
    assert_eq!(v["host"], "127.0.0.1");
    // The check's own control connection: 127.0.0.1 refuses on 443, so the dropped port is a
    // blocked network, said with the dropped port's own finding beside it.
    assert_eq!(v["check"]["cause"], "net.smtp_blocked");
    assert!(v["check"]["findings"].to_string().contains("tcp.filtered"));
    assert_eq!(v["check"]["verdict"], "failed");
    let closed = smtp_doctor::lab::closed_port().unwrap().port().to_string();
    let text = format!("AggregateError ESOCKET: connect ECONNREFUSED 127.0.0.1:{closed}");
    let o = explain(&[&text, "--run", "--port", &closed], None);
    assert_eq!(o.status.code(), Some(1));
    let shown = stdout(&o);
    assert!(
        shown.contains("tcp.refused") && shown.contains("Running that check now"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_on_the_origin_traceback_reproduces_the_incident_in_the_lab() {
    let lab = smtp_doctor::lab::DemoLab::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("smtp-doctor-explain-lab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("ca.pem");
    let roots: String = lab
        .plan
        .extra_roots
        .iter()
        .map(|der| smtp_doctor::lab::pem_encode("CERTIFICATE", der))
        .collect();
    std::fs::write(&pem, roots).unwrap();
    let host = smtp_doctor::lab::DEMO_HOST;
    let mut args: Vec<String> = vec![
        ORIGIN.into(),
        "--run".into(),
        "--json".into(),
        "--host".into(),
        host.into(),
        "--resolve".into(),
        format!("{host}=127.0.0.1"),
        "--ca-file".into(),
        pem.display().to_string(),
    ];
    for c in &lab.plan.connect_to {
        args.push("--connect-to".into());
        args.push(format!("{host}:{}:127.0.0.1:{}", c.port, c.target.port()));
    }
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        explain(&args, None)
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["code"], "tcp.filtered");
    assert_eq!(
        v["next"],
        format!("smtp-doctor check {host} --port 587 --port 465")
    );
    let check = &v["check"];
    assert_eq!(check["verdict"], "degraded", "{check}");
    assert_eq!(check["cause"], "tcp.filtered");
    assert_eq!(check["recommendations"][0]["port"], 465);
}

#[test]
fn auth_and_ehlo_refusals_say_what_to_try_first() {
    let o = explain(
        &["Net::SMTPAuthenticationError: 535 5.7.8 Username and Password not accepted."],
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("--user USER"), "{}", stdout(&o));
    // Gmail's 421 4.7.0 in answer to EHLO is about the name the client sent, before any
    // rate limit.
    let text = "Server terminates connection. response=421 4.7.0 Try again later, closing connection. (EHLO)";
    let v: Value = serde_json::from_str(&stdout(&explain(&[text, "--json"], None))).unwrap();
    assert_eq!(v["code"], "auth.rate_limited");
    assert!(
        v["causes"][0]["message"].as_str().unwrap().contains("EHLO"),
        "{v}"
    );
    let text = "454 4.7.0 Too many login attempts, please try again later.";
    let v: Value = serde_json::from_str(&stdout(&explain(&[text, "--json"], None))).unwrap();
    assert!(
        v["causes"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Too many"),
        "{v}"
    );
}
