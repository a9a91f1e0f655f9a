//! Preflight on loopback: the application's settings read as it reads them, the configured
//! path tested with real sockets, TLS, AUTH and a real message against the lab's servers.

mod support;

use smtp_doctor::lab::{self, LabCa, LabServer, ServerBehaviour, ServerMode, Validity};
use smtp_doctor::model::ConfiguredPath;
use smtp_doctor::model::{Security, TlsSetting};
use smtp_doctor::render::{json, markdown, terminal};
use smtp_doctor::settings::{self, FlagSettings, Sources};
use smtp_doctor::{
    ConnectTo, Credentials, Lang, Options, Plan, Report, ResolveOverride, SecretKind, SendPlan,
    Verdict,
};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;
use support::{cause, codes};

const PASSWORD: &str = "s3cret-P@ss";

struct Lab {
    ca: LabCa,
    s587: LabServer,
    s465: LabServer,
}

impl Lab {
    async fn start(host: &str, tweak: impl Fn(&mut ServerBehaviour)) -> Lab {
        let ca = LabCa::new("preflight test CA", "smtp-doctor tests").unwrap();
        let cfg = lab::server_tls(&ca.issue(&[host], Validity::Current).unwrap()).unwrap();
        let mut b587 = ServerBehaviour::smtp(ServerMode::Smtp {
            starttls: Some(cfg.clone()),
        });
        let mut b465 = ServerBehaviour::smtp(ServerMode::ImplicitTls(cfg));
        tweak(&mut b587);
        tweak(&mut b465);
        Lab {
            ca,
            s587: LabServer::start(b587).await.unwrap(),
            s465: LabServer::start(b465).await.unwrap(),
        }
    }
    fn verbs(&self) -> Vec<String> {
        let mut v = self.s587.verbs.lock().unwrap().clone();
        v.extend(self.s465.verbs.lock().unwrap().clone());
        v
    }
}

struct Run {
    report: Report,
}

async fn preflight_run(lab: &Lab, env: &[(&str, &str)], send: Option<&str>, trust: bool) -> Run {
    let sources = Sources {
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        env_file: None,
        dir: PathBuf::from("/nonexistent-smtp-doctor"),
        django_dir: None,
        run_python: false,
        run_limit: None,
        framework: None,
    };
    let app = settings::load(&FlagSettings::default(), &sources).unwrap();
    let host = smtp_doctor::validate_host(&app.host).unwrap();
    let path = app.configured_path(host, send.is_some());
    let mut plan = Plan::preflight(&path, Some(Duration::from_secs(3))).unwrap();
    plan.resolve.push(ResolveOverride {
        host: plan.host.clone(),
        address: Ipv4Addr::LOCALHOST.into(),
    });
    for (port, target) in [(587u16, lab.s587.addr), (465, lab.s465.addr)] {
        plan.connect_to.push(ConnectTo {
            host: None,
            port,
            target,
        });
    }
    if trust {
        plan.extra_roots.push(lab.ca.root_der());
    }
    if let (Some(user), Some(pw)) = (app.user.clone(), app.password.clone()) {
        plan.credentials = Some(Credentials {
            user,
            secret: pw,
            kind: SecretKind::Password,
        });
    }
    plan.send = send.map(|to| SendPlan {
        from: smtp_doctor::Mailbox::parse("app@lab.test").unwrap(),
        to: smtp_doctor::Mailbox::parse(to).unwrap(),
    });
    let obs = support::observe(plan).await;
    let opts = Options {
        lang: Lang::En,
        framework: app.framework,
        login_user: app.user.clone(),
    };
    let d = smtp_doctor::diagnose_preflight(&obs, &path, &opts);
    let mut report = Report::new("preflight", obs, d, &opts);
    report.configured = Some(path);
    report.settings = app.report;
    assert_no_secret(&report);
    Run { report }
}

/// The password must not appear in any output format, transcript or message.
fn assert_no_secret(r: &Report) {
    let outputs = [
        json::render(r),
        terminal::render(
            r,
            terminal::TextOptions {
                color: false,
                verbose: true,
            },
        ),
        markdown::render(r),
        format!("{r:?}"),
    ];
    for out in outputs {
        assert!(
            !out.contains(PASSWORD),
            "the password leaked into an output"
        );
        assert!(
            !out.contains(&base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("\0user@lab.test\0{PASSWORD}").as_bytes()
            )),
            "AUTH PLAIN payload leaked"
        );
    }
}

const HOST: &str = "smtp.lab.test";

fn env_with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("EMAIL_HOST", HOST),
        ("EMAIL_HOST_USER", "user@lab.test"),
        ("EMAIL_HOST_PASSWORD", PASSWORD),
        ("EMAIL_TIMEOUT", "10"),
    ];
    v.extend_from_slice(extra);
    v
}

#[tokio::test]
async fn good_configuration_logs_in_and_sends() {
    let lab = Lab::start(HOST, |b| {
        b.account = Some(("user@lab.test".into(), PASSWORD.into()))
    })
    .await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "465"), ("EMAIL_USE_SSL", "True")]),
        Some("rcpt@lab.test"),
        true,
    )
    .await;
    let r = &run.report;
    assert_eq!(r.verdict, Verdict::Ok, "{:?}", r.findings);
    assert_eq!(r.exit_code(), 0);
    let ep = r
        .endpoints
        .iter()
        .find(|e| e.port == 465 && e.send.is_some())
        .unwrap();
    assert!(ep.auth.as_ref().unwrap().accepted());
    assert_eq!(
        ep.send.as_ref().unwrap().queue_id.as_deref(),
        Some("LAB4F3A21")
    );
    let msgs = lab.s465.messages.lock().unwrap().clone();
    assert_eq!(msgs.len(), 1, "exactly one test message");
    assert!(
        msgs[0].contains("Subject: smtp-doctor test message") && msgs[0].contains("Message-ID: <")
    );
    assert!(r
        .endpoints
        .iter()
        .flat_map(|e| &e.transcript)
        .any(|t| t.text == "AUTH PLAIN ****"));
}

#[tokio::test]
async fn starttls_configured_on_the_implicit_tls_port() {
    let lab = Lab::start(HOST, |_| {}).await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "465"), ("EMAIL_USE_TLS", "True")]),
        None,
        true,
    )
    .await;
    let r = &run.report;
    assert_eq!(r.verdict, Verdict::Degraded, "{:?}", r.findings);
    assert_eq!(cause(r), Some("config.starttls_on_implicit_port"));
    let first = &r.recommendations[0];
    assert_eq!(
        (first.port, first.security),
        (Some(465), Some(Security::ImplicitTls))
    );
    assert_eq!(first.settings["EMAIL_USE_SSL"], "True");
    assert_eq!(first.settings["EMAIL_USE_TLS"], "False");
}

#[tokio::test]
async fn implicit_tls_configured_on_the_starttls_port() {
    let lab = Lab::start(HOST, |_| {}).await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_SSL", "True")]),
        None,
        true,
    )
    .await;
    let r = &run.report;
    assert_eq!(
        cause(r),
        Some("config.implicit_tls_on_starttls_port"),
        "{:?}",
        r.findings
    );
    assert_eq!(r.verdict, Verdict::Degraded);
    let first = &r.recommendations[0];
    assert_eq!(
        (first.port, first.security),
        (Some(587), Some(Security::Starttls))
    );
}

#[tokio::test]
async fn conflicting_tls_flags() {
    let lab = Lab::start(HOST, |_| {}).await;
    let run = preflight_run(
        &lab,
        &env_with(&[
            ("EMAIL_PORT", "587"),
            ("EMAIL_USE_TLS", "True"),
            ("EMAIL_USE_SSL", "True"),
        ]),
        None,
        true,
    )
    .await;
    let r = &run.report;
    assert_eq!(cause(r), Some("config.conflicting_tls_flags"));
    assert_eq!(r.verdict, Verdict::Degraded);
    assert_eq!(r.findings[0].port, None);
}

#[tokio::test]
async fn laravel_settings_findings_use_laravels_names() {
    let lab = Lab::start(HOST, |_| {}).await;
    let env = [
        ("MAIL_HOST", HOST),
        ("MAIL_PORT", "587"),
        ("MAIL_SCHEME", "smtps"),
        ("MAIL_ENCRYPTION", "tls"),
    ];
    let run = preflight_run(&lab, &env, None, true).await;
    let r = &run.report;
    assert_eq!(cause(r), Some("config.conflicting_tls_flags"));
    let message = |code: &str| {
        r.findings
            .iter()
            .find(|f| f.code.as_str() == code)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("{code} missing: {:?}", r.findings))
    };
    let conflict = message("config.conflicting_tls_flags");
    assert!(conflict.contains("MAIL_ENCRYPTION") && conflict.contains("MAIL_SCHEME"));
    assert!(
        !conflict.contains("EMAIL_") && !conflict.contains("Django"),
        "{conflict}"
    );
    // Symfony Mailer gives up after PHP's default_socket_timeout (60 s): no "waits forever".
    assert!(
        r.findings
            .iter()
            .all(|f| f.code.as_str() != "config.no_timeout"),
        "{:?}",
        r.findings
    );
}

#[tokio::test]
async fn a_refused_sender_names_the_frameworks_sender_setting() {
    let lab = Lab::start(HOST, |b| {
        b.mail_reply = "553 5.7.1 Sender address rejected: not owned by user".into()
    })
    .await;
    let laravel = [
        ("MAIL_HOST", HOST),
        ("MAIL_PORT", "465"),
        ("MAIL_SCHEME", "smtps"),
        ("MAIL_USERNAME", "user@lab.test"),
        ("MAIL_PASSWORD", PASSWORD),
    ];
    let django = env_with(&[("EMAIL_PORT", "465"), ("EMAIL_USE_SSL", "True")]);
    let django: Vec<(&str, &str)> = django.iter().map(|(k, v)| (*k, *v)).collect();
    for (env, sender, not) in [
        (&laravel[..], "MAIL_FROM_ADDRESS", "DEFAULT_FROM_EMAIL"),
        (&django[..], "DEFAULT_FROM_EMAIL", "MAIL_FROM_ADDRESS"),
    ] {
        let run = preflight_run(&lab, env, Some("rcpt@lab.test"), true).await;
        let f = run
            .report
            .findings
            .iter()
            .find(|f| f.code.as_str() == "send.sender_rejected")
            .unwrap_or_else(|| panic!("{:?}", run.report.findings));
        assert!(
            f.message.contains(sender) && !f.message.contains(not),
            "{}",
            f.message
        );
    }
}

#[tokio::test]
async fn wrong_password() {
    let lab = Lab::start(HOST, |b| {
        b.account = Some(("user@lab.test".into(), "the-right-one".into()))
    })
    .await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "True")]),
        None,
        true,
    )
    .await;
    assert_eq!(
        cause(&run.report),
        Some("auth.failed"),
        "{:?}",
        run.report.findings
    );
    assert_eq!(
        run.report.verdict,
        Verdict::Failed,
        "the same password fails on every port"
    );
}

#[tokio::test]
async fn providers_refusals_are_recognised() {
    // (host, the provider's refusal as it sends it, expected cause, words of the finding, of the first fix)
    let cases = [
        (
            "smtp.gmail.com",
            "534-5.7.9 Application-specific password required. Learn more at\r\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x1-20020a.0 - gsmtp",
            "auth.app_password_required",
            "2-step verification",
            "app password",
        ),
        (
            "smtp.office365.com",
            "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [X.prod.outlook.com]",
            "auth.basic_auth_disabled",
            "tenant or mailbox",
            "Set-CASMailbox",
        ),
        (
            "smtp.office365.com",
            "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [X.prod.outlook.com]",
            "auth.basic_auth_disabled",
            "security defaults block",
            "security defaults",
        ),
    ];
    for (host, refusal, code, finding, fix) in cases {
        let lab = Lab::start(host, |b| b.auth_reply = Some(refusal.into())).await;
        let mut env = env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "True")]);
        env[0] = ("EMAIL_HOST", host);
        let run = preflight_run(&lab, &env, None, true).await;
        assert_eq!(
            cause(&run.report),
            Some(code),
            "{host}: {:?}",
            run.report.findings
        );
        let f = run
            .report
            .findings
            .iter()
            .find(|f| f.code.as_str() == code)
            .unwrap();
        assert!(f.message.contains(finding), "{host}: {}", f.message);
        assert!(
            run.report.recommendations[0].message.contains(fix),
            "{host}: {}",
            run.report.recommendations[0].message
        );
    }
}

#[tokio::test]
async fn no_usable_auth_mechanism() {
    let lab = Lab::start(HOST, |b| b.auth = vec!["XOAUTH2".into()]).await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "True")]),
        None,
        true,
    )
    .await;
    assert_eq!(
        cause(&run.report),
        Some("auth.not_offered"),
        "{:?}",
        run.report.findings
    );
}

#[tokio::test]
async fn credentials_are_not_sent_over_an_unverified_connection() {
    let lab = Lab::start(HOST, |_| {}).await;
    // The lab CA is not trusted: TLS is up but the chain does not verify.
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "465"), ("EMAIL_USE_SSL", "True")]),
        None,
        false,
    )
    .await;
    let r = &run.report;
    assert!(
        codes(r).contains(&"auth.refused_plaintext"),
        "{:?}",
        r.findings
    );
    assert_eq!(
        cause(r),
        Some("tls.cert_untrusted"),
        "the earliest layer explains it"
    );
    assert!(
        !lab.verbs().contains(&"AUTH".to_string()),
        "no AUTH command may reach the server"
    );
}

#[tokio::test]
async fn tls_turned_off_on_587_is_fixed_by_turning_it_on() {
    // Regression: EMAIL_USE_TLS = False with a login on a port that offers STARTTLS.
    let lab = Lab::start(HOST, |_| {}).await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "False")]),
        None,
        true,
    )
    .await;
    let r = &run.report;
    assert!(
        codes(r).contains(&"config.tls_disabled"),
        "{:?}",
        r.findings
    );
    let first = &r.recommendations[0];
    assert_eq!(
        (first.port, first.security),
        (Some(587), Some(Security::Starttls))
    );
    assert_eq!(first.settings["EMAIL_USE_TLS"], "True");
    assert_eq!(first.settings["EMAIL_USE_SSL"], "False");
    assert_eq!(first.settings["EMAIL_PORT"], "587");
    assert!(
        first.message.contains("Keep port 587") && !first.message.contains("port 587 does not"),
        "{}",
        first.message
    );
}

#[tokio::test]
async fn plain_text_port_never_gets_the_password() {
    let lab = Lab::start(HOST, |b| {
        b.mode = ServerMode::Smtp { starttls: None };
        b.auth_in_plain = true;
    })
    .await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "False")]),
        None,
        true,
    )
    .await;
    let r = &run.report;
    assert!(
        codes(r).contains(&"auth.refused_plaintext"),
        "{:?}",
        r.findings
    );
    assert!(!lab.verbs().contains(&"AUTH".to_string()));
    assert_eq!(r.verdict, Verdict::Failed);
}

#[tokio::test]
async fn rejected_sender_recipient_and_message() {
    type Tweak = fn(&mut ServerBehaviour);
    let cases: [(&str, Tweak); 3] = [
        ("send.sender_rejected", |b| {
            b.mail_reply = "553 5.7.1 Sender address rejected: not owned by user".into()
        }),
        ("send.recipient_rejected", |b| {
            b.rcpt_reply = "550 5.1.1 Recipient address rejected: User unknown".into()
        }),
        ("send.message_rejected", |b| {
            b.data_reply = "554 5.7.1 Message rejected as spam".into()
        }),
    ];
    for (code, tweak) in cases {
        let lab = Lab::start(HOST, tweak).await;
        let run = preflight_run(
            &lab,
            &env_with(&[("EMAIL_PORT", "465"), ("EMAIL_USE_SSL", "True")]),
            Some("rcpt@lab.test"),
            true,
        )
        .await;
        assert_eq!(cause(&run.report), Some(code), "{:?}", run.report.findings);
        assert_ne!(run.report.verdict, Verdict::Ok);
    }
}

#[tokio::test]
async fn smtps_url_on_465_is_the_starttls_trap_and_smtp_ssl_is_the_fix() {
    // Regression: django-environ and dj-email-url read smtps:// as EMAIL_USE_TLS
    // (STARTTLS), so the app hangs on 465; it was reported ok.
    let lab = Lab::start(HOST, |_| {}).await;
    let url = format!(
        "smtps://user%40lab.test:{}@{HOST}:465",
        PASSWORD.replace('@', "%40")
    );
    let run = preflight_run(&lab, &[("EMAIL_URL", url.as_str())], None, true).await;
    let r = &run.report;
    assert_eq!(
        cause(r),
        Some("config.starttls_on_implicit_port"),
        "{:?}",
        r.findings
    );
    assert_ne!(r.verdict, Verdict::Ok);
    let fix = r.recommendations[0].settings["EMAIL_URL"].to_string();
    assert_eq!(
        fix,
        format!("smtp+ssl://user%40lab.test:<current-password>@{HOST}:465"),
        "{:?}",
        r.recommendations
    );
}

#[tokio::test]
async fn missing_timeout_is_a_warning_and_email_url_works() {
    let lab = Lab::start(HOST, |_| {}).await;
    let url = format!(
        "smtp+ssl://user%40lab.test:{}@{HOST}:465",
        PASSWORD.replace('@', "%40")
    );
    let run = preflight_run(&lab, &[("EMAIL_URL", url.as_str())], None, true).await;
    let r = &run.report;
    assert_eq!(r.verdict, Verdict::Ok, "{:?}", r.findings);
    assert!(codes(r).contains(&"config.no_timeout"));
    let shown = r.settings.iter().find(|s| s.name == "EMAIL_URL").unwrap();
    assert!(shown.value.contains("****") && !shown.value.contains(PASSWORD));
}

#[test]
fn unreachable_configured_port_recommends_a_working_one() {
    // Pure: replay the incident's observations as a preflight of a 587/STARTTLS configuration.
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/observations/incident_gmail_dual_stack.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let obs: smtp_doctor::model::Observations = serde_json::from_str(&text).unwrap();
    let path = ConfiguredPath {
        host: "smtp.gmail.com".parse().unwrap(),
        port: 587,
        security: TlsSetting::Mode(Security::Starttls),
        timeout: Some(10.0),
        login: false,
        send: false,
        host_as_written: None,
    };
    let d = smtp_doctor::diagnose_preflight(&obs, &path, &Options::default());
    assert_eq!(d.verdict, Verdict::Degraded);
    assert_eq!(d.cause.map(|c| c.as_str()), Some("tcp.filtered"));
    assert_eq!(d.recommendations[0].port, Some(465));
    assert_eq!(d.recommendations[0].settings["EMAIL_USE_SSL"], "True");
}

/// Providers' refusals beyond a wrong password, from the provider reply table
/// (`knowledge::errors::PROVIDER_REPLIES`), each with its own code and the provider's page.
#[tokio::test]
async fn provider_refusals_get_their_own_codes_and_the_providers_page() {
    type Tweak = Box<dyn Fn(&mut ServerBehaviour)>;
    let cases: Vec<(&str, Tweak, Option<&str>, &str, &str)> = vec![
        (
            "smtp.gmail.com",
            Box::new(|b| {
                b.auth_reply = Some("534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1> Please log in via\r\n534 5.7.14 your web browser and then try again. x1-20020a - gsmtp".into())
            }),
            None,
            "auth.web_login_required",
            "support.google.com/mail/answer/7126229",
        ),
        (
            "smtp.gmail.com",
            Box::new(|b| {
                b.auth_reply = Some(
                    "454 4.7.0 Too many login attempts, please try again later. x1 - gsmtp".into(),
                )
            }),
            None,
            "auth.rate_limited",
            "support.google.com/a/answer/3726730",
        ),
        (
            "smtp.gmail.com",
            Box::new(|b| {
                b.mail_reply = "550 5.4.5 Daily user sending limit exceeded. x1 - gsmtp".into()
            }),
            Some("rcpt@lab.test"),
            "send.quota_exceeded",
            "support.google.com/a/answer/166852",
        ),
        (
            "email-smtp.us-east-1.amazonaws.com",
            Box::new(|b| {
                b.data_reply = "554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: user@lab.test".into()
            }),
            Some("rcpt@lab.test"),
            "send.sender_not_verified",
            "docs.aws.amazon.com/ses",
        ),
        (
            "smtp.sendgrid.net",
            Box::new(|b| {
                b.mail_reply = "550 The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.".into()
            }),
            Some("rcpt@lab.test"),
            "send.sender_not_verified",
            "sender-identity",
        ),
        (
            "smtp.office365.com",
            Box::new(|b| {
                b.mail_reply =
                    "530 5.7.57 Client not authenticated to send mail. [X.prod.outlook.com]".into()
            }),
            Some("rcpt@lab.test"),
            "send.relay_denied",
            "learn.microsoft.com",
        ),
    ];
    for (host, tweak, send, code, page) in cases {
        let lab = Lab::start(host, tweak).await;
        let mut env = env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "True")]);
        env[0] = ("EMAIL_HOST", host);
        let run = preflight_run(&lab, &env, send, true).await;
        let r = &run.report;
        assert_eq!(cause(r), Some(code), "{host}: {:?}", r.findings);
        let recs: String = r
            .recommendations
            .iter()
            .map(|x| x.message.clone())
            .collect();
        assert!(recs.contains(page), "{host} {code}: {recs}");
    }
}

#[tokio::test]
async fn relay_access_denied_without_a_login_says_to_set_the_credentials() {
    // Postfix's own refusal to a client that did not log in (the e2e tier has the real one).
    let lab = Lab::start(HOST, |b| {
        b.rcpt_reply = "554 5.7.1 <rcpt@elsewhere.test>: Relay access denied".into()
    })
    .await;
    let run = preflight_run(
        &lab,
        &env_with(&[("EMAIL_PORT", "587"), ("EMAIL_USE_TLS", "True")]),
        Some("rcpt@elsewhere.test"),
        true,
    )
    .await;
    assert_eq!(
        cause(&run.report),
        Some("send.relay_denied"),
        "{:?}",
        run.report.findings
    );
    let f = run
        .report
        .findings
        .iter()
        .find(|f| f.code.as_str() == "send.relay_denied")
        .unwrap();
    assert!(f.message.contains("Relay access denied") && f.message.contains("user and password"));
}

/// Credentials that break the provider's own rules are said before any login (a
/// warning), and first among the fixes when the provider then refuses the login.
#[tokio::test]
async fn credential_lints_are_warnings_confirmed_by_a_refusal() {
    let iam_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"; // 40 characters
    let cases: [(&str, &str, &str, &[&str]); 3] = [
        (
            "smtp.sendgrid.net",
            "me@lab.test",
            PASSWORD,
            &["literally \"apikey\""],
        ),
        (
            "email-smtp.eu-west-1.amazonaws.com",
            "admin",
            iam_secret,
            &["access key id", "IAM secret access key"],
        ),
        ("smtp.gmail.com", "john", PASSWORD, &["full address"]),
    ];
    for (host, user, password, says) in cases {
        // Refused: the lint comes first among the fixes.
        let lab = Lab::start(host, |b| {
            b.account = Some(("someone-else".into(), "x".into()));
        })
        .await;
        let env = [
            ("EMAIL_HOST", host),
            ("EMAIL_HOST_USER", user),
            ("EMAIL_HOST_PASSWORD", password),
            ("EMAIL_TIMEOUT", "10"),
            ("EMAIL_PORT", "587"),
            ("EMAIL_USE_TLS", "True"),
        ];
        let run = preflight_run(&lab, &env, None, true).await;
        let r = &run.report;
        assert_eq!(cause(r), Some("auth.failed"), "{host}: {:?}", r.findings);
        let lints: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.code.as_str() == "auth.credentials_suspect")
            .collect();
        assert_eq!(lints.len(), says.len(), "{host}: {:?}", r.findings);
        assert!(lints
            .iter()
            .all(|f| f.severity == smtp_doctor::Severity::Warning));
        for s in says {
            assert!(
                lints.iter().any(|f| f.message.contains(s)),
                "{host}: {s}: {lints:?}"
            );
        }
        assert!(
            says.iter()
                .any(|s| r.recommendations[0].message.contains(s)),
            "{host}: {:?}",
            r.recommendations
        );
        assert!(!format!("{r:?}").contains(iam_secret));
        // Accepted: a warning only, the path works.
        let lab = Lab::start(host, |_| {}).await;
        let run = preflight_run(&lab, &env, None, true).await;
        assert_eq!(
            run.report.verdict,
            Verdict::Ok,
            "{host}: {:?}",
            run.report.findings
        );
        assert!(codes(&run.report).contains(&"auth.credentials_suspect"));
    }
}

#[tokio::test]
async fn relay_access_denied_is_fixed_by_a_login_not_by_another_port() {
    // No login configured; 465 completes its handshake too, but was not sent on: a port that
    // "works from this machine" does not help a server that relays only for logged-in clients.
    let lab = Lab::start(HOST, |b| {
        b.rcpt_reply = "554 5.7.1 <rcpt@elsewhere.test>: Relay access denied".into()
    })
    .await;
    let env = [
        ("EMAIL_HOST", HOST),
        ("EMAIL_PORT", "587"),
        ("EMAIL_USE_TLS", "True"),
        ("EMAIL_TIMEOUT", "10"),
    ];
    let run = preflight_run(&lab, &env, Some("rcpt@elsewhere.test"), true).await;
    let r = &run.report;
    assert_eq!(cause(r), Some("send.relay_denied"), "{:?}", r.findings);
    let recs: Vec<(Option<u16>, &str)> = r
        .recommendations
        .iter()
        .map(|x| (x.port, x.message.as_str()))
        .collect();
    assert!(
        recs.iter().all(|(port, _)| port.is_none()),
        "another port recommended for a relay refusal: {recs:?}"
    );
    assert!(
        recs.first().is_some_and(
            |(_, m)| m.contains("EMAIL_HOST_USER") && m.contains("EMAIL_HOST_PASSWORD")
        ),
        "the first fix is not the login settings: {recs:?}"
    );
}
