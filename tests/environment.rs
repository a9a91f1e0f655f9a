//! Who is in the way. Dropped SMTP ports with the control port (443) of the same
//! address answering are a network that blocks SMTP (`net.smtp_blocked`), not a host that is
//! down; a cloud VM's own port block is said as that provider's policy, never as an antivirus.
//! The machine is a fixture folder of DMI strings (`SMTP_DOCTOR_TEST_ROOT`, test-only).
#![cfg(target_os = "linux")]

use smtp_doctor::lab::{self, DroppingPort, LabCa, LabServer, ServerBehaviour, ServerMode};
use std::path::PathBuf;
use std::process::Output;

/// A fixture root whose `/sys/class/dmi/id/sys_vendor` says `vendor`.
fn machine(name: &str, vendor: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("smtp-doctor-machine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sys/class/dmi/id")).unwrap();
    std::fs::write(
        dir.join("sys/class/dmi/id/sys_vendor"),
        format!("{vendor}\n"),
    )
    .unwrap();
    dir
}

/// `check mail.lab.test` with each `port → local address` mapping, on `root`'s machine.
async fn check(
    ports: &[(u16, std::net::SocketAddr)],
    root: Option<&PathBuf>,
    lang: &str,
) -> Output {
    let mut args: Vec<String> = [
        "check",
        "mail.lab.test",
        "--resolve",
        "mail.lab.test=127.0.0.1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (port, addr) in ports {
        if *port != 443 {
            args.extend(["--port".into(), port.to_string()]);
        }
        args.extend([
            "--connect-to".into(),
            format!("mail.lab.test:{port}:127.0.0.1:{}", addr.port()),
        ]);
    }
    args.extend([
        "--json".into(),
        "--timeout".into(),
        "1".into(),
        "--lang".into(),
        lang.into(),
    ]);
    let root = root.cloned();
    tokio::task::spawn_blocking(move || {
        // Without a root: an empty machine, nothing recognised, whatever this host is.
        let mut cmd = support::binary::smtp_doctor();
        cmd.args(&args);
        if let Some(r) = root {
            cmd.env(support::binary::MACHINE_ROOT, r);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn recommendations(v: &serde_json::Value) -> String {
    v["recommendations"].to_string()
}

#[tokio::test]
async fn dropped_smtp_ports_with_443_answering_are_a_network_that_blocks_smtp() {
    let drop = DroppingPort::new().unwrap();
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ports = [
        (587, drop.addr),
        (465, drop.addr),
        (443, web.local_addr().unwrap()),
    ];
    let v = json(&check(&ports, None, "en").await);
    assert_eq!(v["cause"], "net.smtp_blocked", "{v}");
    assert_eq!(v["verdict"], "failed");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "net.smtp_blocked");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("this network blocks outbound SMTP"),
        "{f}"
    );
    assert!(f["evidence"].as_str().unwrap().contains("port 443"), "{f}");
    // The per-port facts are still there.
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "tcp.filtered"));
    assert!(
        recommendations(&v).contains("outbound SMTP is blocked by the network"),
        "{v}"
    );
}

#[tokio::test]
async fn a_port_that_answers_makes_the_control_connection_moot_and_it_is_not_made() {
    // The control connection tells something only when no SMTP port answers: with 587
    // answering it is never made, so a healthy check (or each of 10,000 targets) does not pay
    // for it.
    let smtp = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp { starttls: None }))
        .await
        .unwrap();
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    web.set_nonblocking(true).unwrap();
    let ports = [(587, smtp.addr), (443, web.local_addr().unwrap())];
    let v = json(&check(&ports, None, "en").await);
    assert!(v["control"].is_null(), "{}", v["control"]);
    assert_eq!(
        web.accept().map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::WouldBlock),
        "nothing connected to the control port"
    );
}

#[tokio::test]
async fn when_443_is_dropped_too_the_host_may_be_unreachable_and_it_stays_filtered() {
    let drop = DroppingPort::new().unwrap();
    let ports = [(587, drop.addr), (465, drop.addr), (443, drop.addr)];
    let v = json(&check(&ports, None, "en").await);
    assert_eq!(v["cause"], "tcp.filtered", "{v}");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["code"] != "net.smtp_blocked"));
}

#[tokio::test]
async fn a_cloud_vm_blocking_port_25_gets_its_providers_policy_not_antivirus_advice() {
    let drop = DroppingPort::new().unwrap();
    let ca = LabCa::new("Lab Root", "smtp-doctor tests").unwrap();
    let cfg = lab::server_tls(
        &ca.issue(&["mail.lab.test"], lab::Validity::Current)
            .unwrap(),
    )
    .unwrap();
    let ok = LabServer::start(ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg)))
        .await
        .unwrap();
    let ec2 = machine("ec2", "Amazon EC2");
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ports = [
        (25, drop.addr),
        (465, ok.addr),
        (443, web.local_addr().unwrap()),
    ];
    let v = json(&check(&ports, Some(&ec2), "en").await);
    assert_eq!(
        v["cause"], "tcp.filtered",
        "one port works: not a blocked network: {v}"
    );
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "tcp.filtered")
        .unwrap()
        .clone();
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("Amazon EC2") && !msg.contains("antivirus"),
        "{msg}"
    );
    let recs = recommendations(&v);
    assert!(
        recs.contains("EC2 blocks outbound port 25") && recs.contains("repost.aws"),
        "{recs}"
    );
    assert!(!recs.contains("antivirus"), "{recs}");
    // The same machine's port 587 is not EC2's to block: the usual advice stands.
    let ports = [
        (587, drop.addr),
        (465, ok.addr),
        (443, web.local_addr().unwrap()),
    ];
    let v = json(&check(&ports, Some(&ec2), "en").await);
    assert!(recommendations(&v).contains("antivirus"), "{v}");
    std::fs::remove_dir_all(&ec2).ok();
}

#[tokio::test]
async fn a_droplet_with_every_smtp_port_blocked_is_told_so_in_spanish() {
    let drop = DroppingPort::new().unwrap();
    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let droplet = machine("do", "DigitalOcean");
    let ports = [
        (587, drop.addr),
        (465, drop.addr),
        (443, web.local_addr().unwrap()),
    ];
    let v = json(&check(&ports, Some(&droplet), "es").await);
    assert_eq!(v["cause"], "net.smtp_blocked", "{v}");
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("máquina virtual de DigitalOcean") && msg.contains("2525"),
        "{msg}"
    );
    assert!(v["findings"][0]["evidence"]
        .as_str()
        .unwrap()
        .contains("sys_vendor: DigitalOcean"));
    assert!(recommendations(&v).contains("docs.digitalocean.com"), "{v}");
    std::fs::remove_dir_all(&droplet).ok();
}

/// `check smtp.gmail.com` on 587 and 465, both reaching `server` (with `--ca-file`), logging in.
async fn check_gmail(server: &LabServer, ca_pem: &str, lang: &str) -> (Output, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "smtp-doctor-redirect-{lang}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let port = server.addr.port();
    let args: Vec<String> = [
        "check",
        "smtp.gmail.com",
        "--resolve",
        "smtp.gmail.com=127.0.0.1",
        "--port",
        "587",
        "--connect-to",
        &format!("smtp.gmail.com:587:127.0.0.1:{port}"),
        "--connect-to",
        "smtp.gmail.com:443:127.0.0.1:9",
        "--ca-file",
        ca.to_str().unwrap(),
        "--user",
        "me@gmail.com",
        "--json",
        "--timeout",
        "2",
        "--lang",
        lang,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let o = tokio::task::spawn_blocking(move || {
        support::binary::smtp_doctor()
            .args(&args)
            .env("SMTP_DOCTOR_PASSWORD", "app-password-123")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (o, dir)
}

#[tokio::test]
async fn shared_hosting_answering_for_gmail_is_a_redirect_not_a_certificate_problem() {
    // A cPanel host's transparent proxy: its own Exim greeting and certificate on the user's
    // connection to smtp.gmail.com:587.
    let ca = LabCa::new("Sectigo RSA Domain Validation", "lab").unwrap();
    let cert = ca
        .issue(
            &["*.hostgator.com", "gator4321.hostgator.com"],
            lab::Validity::Current,
        )
        .unwrap();
    let mut b = ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(lab::server_tls(&cert).unwrap()),
    });
    b.greeting = "220 gator4321.hostgator.com ESMTP Exim 4.96.2 #2 We do not authorize the use of this system to transport unsolicited, and/or bulk e-mail.".into();
    let server = LabServer::start(b).await.unwrap();
    let (o, dir) = check_gmail(&server, &ca.root_pem(), "en").await;
    let v = json(&o);
    assert_eq!(v["cause"], "net.smtp_redirected", "{v}");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "net.smtp_redirected");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("gator4321.hostgator.com") && msg.contains("HostGator"),
        "{msg}"
    );
    assert!(msg.contains("sent no credentials"), "{msg}");
    // The mismatch is still said, as evidence, but is not the cause.
    assert!(v["findings"].to_string().contains("tls.cert_name_mismatch"));
    assert!(recommendations(&v).contains("SMTP Restrictions"), "{v}");
    // And no credential went to the proxy.
    let verbs = server.verbs.lock().unwrap().clone();
    assert!(!verbs.iter().any(|v| v == "AUTH"), "{verbs:?}");
    let (o, _) = check_gmail(&server, &ca.root_pem(), "es").await;
    let v = json(&o);
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("otro servidor responde en lugar de smtp.gmail.com"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn odd_server_names_with_the_providers_own_certificate_are_no_redirect() {
    // Names from another domain in the greeting and EHLO (a load balancer's), but a certificate
    // valid for smtp.gmail.com: the path is the provider's, and nothing is said about it.
    let ca = LabCa::new("Lab Root", "lab").unwrap();
    let cert = ca
        .issue(&["smtp.gmail.com"], lab::Validity::Current)
        .unwrap();
    let mut b = ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(lab::server_tls(&cert).unwrap()),
    });
    b.greeting = "220 lb-7.edge.example.net ESMTP ready".into();
    let server = LabServer::start(b).await.unwrap();
    let (o, dir) = check_gmail(&server, &ca.root_pem(), "en").await;
    let v = json(&o);
    assert_eq!(v["verdict"], "ok", "{v}");
    assert!(
        !v["findings"].to_string().contains("net.smtp_redirected"),
        "{v}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

mod support;

/// `preflight --json` in a folder whose `.env` is `env`, on `root`'s machine.
async fn preflight_in(env: &str, root: Option<&PathBuf>, extra: &[&str]) -> Output {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("smtp-doctor-hostlint-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".env"), env).unwrap();
    let mut args: Vec<String> = ["preflight", "--json", "--timeout", "1", "--no-app-client"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let root = root
        .cloned()
        .unwrap_or_else(|| std::env::temp_dir().join("smtp-doctor-no-such-root"));
    tokio::task::spawn_blocking(move || {
        let o = support::binary::smtp_doctor_in_an_empty_environment()
            .args(&args)
            .current_dir(&dir)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(support::binary::MACHINE_ROOT, root)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).ok();
        o
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_malformed_host_in_the_settings_is_a_finding_with_the_corrected_value() {
    let closed = lab::closed_port().unwrap().port();
    for written in [
        "smtp.gmail.com,",
        "https://smtp.gmail.com",
        " smtp.gmail.com ",
        "smtp.gmail.com:587",
        "\"smtp.gmail.com\";",
    ] {
        let env = format!("EMAIL_HOST='{written}'\nEMAIL_PORT={closed}\nEMAIL_USE_TLS=True\n");
        let o = preflight_in(&env, None, &["--resolve", "smtp.gmail.com=127.0.0.1"]).await;
        assert_eq!(
            o.status.code(),
            Some(1),
            "{written}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v = json(&o);
        assert_eq!(v["cause"], "config.host_malformed", "{written}: {v}");
        assert_eq!(v["configured"]["host"], "smtp.gmail.com", "{written}");
        assert_eq!(
            v["recommendations"][0]["settings"]["EMAIL_HOST"], "smtp.gmail.com",
            "{v}"
        );
        assert!(
            v["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("EMAIL_HOST"),
            "{v}"
        );
    }
    // Typed on the command line, it stays a usage error.
    let o = preflight_in("EMAIL_PORT=587\n", None, &["--host", "smtp.gmail.com,"]).await;
    assert_eq!(o.status.code(), Some(2));
    // Nothing that explains it: a usage error too.
    let o = preflight_in("EMAIL_HOST='smtp gmail com'\n", None, &[]).await;
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[tokio::test]
async fn localhost_in_a_container_or_wsl_and_a_compose_name_outside_compose() {
    let closed = lab::closed_port().unwrap().port();
    let env = format!("EMAIL_HOST=localhost\nEMAIL_PORT={closed}\n");
    let container = machine("container", "QEMU");
    std::fs::write(container.join(".dockerenv"), "").unwrap();
    let v = json(&preflight_in(&env, Some(&container), &[]).await);
    assert_eq!(v["cause"], "config.localhost_in_container", "{v}");
    assert!(v["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("host.docker.internal"));
    let wsl = machine("wsl", "Microsoft Corporation");
    std::fs::create_dir_all(wsl.join("proc")).unwrap();
    std::fs::write(
        wsl.join("proc/version"),
        "Linux version 5.15.167.4-microsoft-standard-WSL2",
    )
    .unwrap();
    let v = json(&preflight_in(&env, Some(&wsl), &[]).await);
    assert_eq!(v["cause"], "config.localhost_in_wsl", "{v}");
    // On a plain machine, a refused localhost is just that.
    let v = json(&preflight_in(&env, None, &[]).await);
    assert_eq!(v["cause"], "tcp.refused", "{v}");
    // A Compose service name, from outside Compose: NXDOMAIN from the resolver.
    let dns = support::DnsResponder::start(&[]).await;
    let server = dns.addr.to_string();
    let v = json(
        &preflight_in(
            "EMAIL_HOST=mailpit\nEMAIL_PORT=1025\n",
            None,
            &["--dns-server", &server],
        )
        .await,
    );
    assert_eq!(v["cause"], "config.service_name_unresolved", "{v}");
    assert!(v["findings"].to_string().contains("dns.nxdomain"));
    std::fs::remove_dir_all(&container).ok();
    std::fs::remove_dir_all(&wsl).ok();
}

#[tokio::test]
async fn port_2525_is_tried_and_recommended_only_when_587_and_465_do_not_connect() {
    let drop = DroppingPort::new().unwrap();
    let ca = LabCa::new("Lab Root", "lab").unwrap();
    let cfg = lab::server_tls(
        &ca.issue(&["smtp.sendgrid.net"], lab::Validity::Current)
            .unwrap(),
    )
    .unwrap();
    let alt = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg.clone()),
    }))
    .await
    .unwrap();
    let ok465 = LabServer::start(ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg)))
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("smtp-doctor-2525-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.root_pem()).unwrap();
    let run = |p465: std::net::SocketAddr| {
        let args: Vec<String> = [
            "check".to_string(),
            "smtp.sendgrid.net".into(),
            "--resolve".into(),
            "smtp.sendgrid.net=127.0.0.1".into(),
            "--connect-to".into(),
            format!("smtp.sendgrid.net:587:127.0.0.1:{}", drop.addr.port()),
            "--connect-to".into(),
            format!("smtp.sendgrid.net:465:127.0.0.1:{}", p465.port()),
            "--connect-to".into(),
            format!("smtp.sendgrid.net:2525:127.0.0.1:{}", alt.addr.port()),
            "--connect-to".into(),
            format!("smtp.sendgrid.net:443:127.0.0.1:{}", drop.addr.port()),
            "--ca-file".into(),
            ca_file.display().to_string(),
            "--json".into(),
            "--timeout".into(),
            "1".into(),
        ]
        .to_vec();
        tokio::task::spawn_blocking(move || {
            support::binary::smtp_doctor().args(&args).output().unwrap()
        })
    };
    // 587 dropped, 465 answering: 2525 is not tried.
    let v = json(&run(ok465.addr).await.unwrap());
    assert_eq!(v["ports"], serde_json::json!([587, 465]), "{v}");
    assert!(alt.verbs.lock().unwrap().is_empty());
    // Both dropped: 2525 is tried, works, and is the fix.
    let v = json(&run(drop.addr).await.unwrap());
    assert_eq!(v["ports"], serde_json::json!([587, 465, 2525]), "{v}");
    assert_eq!(v["verdict"], "degraded");
    assert_eq!(v["recommendations"][0]["port"], 2525, "{v}");
    assert_eq!(v["recommendations"][0]["security"], "starttls");
    std::fs::remove_dir_all(&dir).ok();
}
