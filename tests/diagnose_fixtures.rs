//! The diagnosis replayed on recorded observations (tests/fixtures/observations): pure, fast,
//! deterministic. Each file is one situation; the table says what a user must be told.
//! Re-record the lab ones with `SMTP_DOCTOR_RECORD=1 cargo test --test check_scenarios`.

mod support;

use smtp_doctor::model::{Observations, Security};
use smtp_doctor::render::{json, terminal};
use smtp_doctor::{diagnose, Lang, Options, Report, Verdict};

/// (fixture, verdict, cause, first recommendation's port and security)
type Expectation = (
    &'static str,
    Verdict,
    Option<&'static str>,
    Option<(u16, Security)>,
);

fn load(name: &str) -> Observations {
    let path = format!(
        "{}/tests/fixtures/observations/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn report(name: &str, lang: Lang) -> Report {
    support::report_of(load(name), lang)
}

#[test]
fn every_situation_has_its_cause_and_first_fix() {
    use Security::*;
    use Verdict::*;
    #[rustfmt::skip]
    let table: &[Expectation] = &[
        ("the_origin_incident_587_dropped_465_working", Degraded, Some("tcp.filtered"), Some((465, ImplicitTls))),
        ("incident_gmail_dual_stack",                  Degraded, Some("tcp.filtered"), Some((465, ImplicitTls))),
        ("healthy_starttls_and_implicit_tls",          Ok,       None,                 None),
        ("refused_port",                               Degraded, Some("tcp.refused"),  Some((465, ImplicitTls))),
        ("unreachable_587",                            Degraded, Some("tcp.unreachable"), Some((465, ImplicitTls))),
        ("denied_587_windows",                         Degraded, Some("tcp.denied"),   Some((465, ImplicitTls))),
        ("denied_587_linux",                           Degraded, Some("tcp.denied"),   Some((465, ImplicitTls))),
        ("every_port_dropped_means_outbound_smtp_is_blocked", Failed, Some("tcp.filtered"), None),
        ("ipv6_broken_while_ipv4_works",               Degraded, Some("net.ipv6_broken"), None),
        ("rejected_greeting_quotes_the_server",        Failed,   Some("smtp.rejected_greeting"), None),
        ("tarpit_gives_no_greeting",                   Failed,   Some("smtp.no_greeting"), None),
        ("trickling_server_cannot_hang_the_probe",     Failed,   Some("smtp.no_greeting"), None),
        ("ssh_banner_on_587",                          Failed,   Some("smtp.not_smtp"), None),
        ("ssh_banner_on_465",                          Failed,   Some("smtp.not_smtp"), None),
        ("http_server_is_not_smtp",                    Failed,   Some("smtp.not_smtp"), None),
        ("ten_megabyte_line_is_cut_off",               Failed,   Some("smtp.not_smtp"), None),
        ("no_starttls_offered",                        Failed,   Some("smtp.starttls_missing"), None),
        ("implicit_tls_found_on_587",                  Ok,       None,                 None),
        ("starttls_found_on_465",                      Ok,       None,                 None),
        ("expired_certificate",                        Failed,   Some("tls.cert_expired"), None),
        ("wrong_name_certificate",                     Failed,   Some("tls.cert_name_mismatch"), Some((465, ImplicitTls))),
        ("untrusted_certificate",                      Failed,   Some("tls.cert_untrusted"), None),
        ("antivirus_interception_untrusted",           Failed,   Some("tls.intercepted"), None),
        ("antivirus_interception_trusted_is_a_warning", Ok,      None,                 None),
        ("tls_alert_is_a_handshake_failure",           Failed,   Some("tls.handshake_failed"), None),
        ("certificate_expiring_soon_is_a_warning",     Ok,       None,                 None),
        ("dns_dns_nxdomain",                           Failed,   Some("dns.nxdomain"), None),
        ("dns_dns_no_address",                         Failed,   Some("dns.no_address"), None),
        ("dns_dns_failed",                             Failed,   Some("dns.failed"),   None),
        ("dns_resolver_unreachable",                   Failed,   Some("dns.failed"),   None),
        ("dns_resolved_both_families",                 Failed,   Some("tcp.refused"),  None),
        ("every_port_dropped_with_443_answering_on_a_droplet", Failed, Some("net.smtp_blocked"), None),
        ("shared_hosting_proxy_answers_for_gmail",     Failed,   Some("net.smtp_redirected"), None),
        ("gmail_asks_for_a_web_sign_in",               Failed,   Some("auth.web_login_required"), None),
        ("gmail_too_many_login_attempts",              Failed,   Some("auth.rate_limited"), None),
        ("postfix_relay_access_denied",                Failed,   Some("send.relay_denied"), None),
        ("gmail_authentication_required",              Failed,   Some("auth.required"), None),
        ("gmail_daily_sending_limit",                  Failed,   Some("send.quota_exceeded"), None),
        ("ses_sandbox_sender_not_verified",            Failed,   Some("send.sender_not_verified"), None),
    ];
    for (name, verdict, cause, first_port_fix) in table {
        let r = report(name, Lang::En);
        assert_eq!(r.verdict, *verdict, "{name}: verdict");
        assert_eq!(r.cause.map(|c| c.as_str()), *cause, "{name}: cause");
        let first = r
            .recommendations
            .first()
            .and_then(|x| Some((x.port?, x.security?)));
        if first_port_fix.is_some() || *verdict == Ok {
            assert_eq!(first, *first_port_fix, "{name}: first recommendation");
        }
        if *verdict != Ok {
            assert!(
                !r.recommendations.is_empty(),
                "{name}: a failure always comes with something to do"
            );
        }
        // Every finding has a message, in both languages.
        let es = report(name, Lang::Es);
        for (en, es) in r.findings.iter().zip(&es.findings) {
            assert!(!en.message.is_empty() && !es.message.is_empty());
            assert_ne!(
                en.message,
                es.message,
                "{name}: {} is translated",
                en.code.as_str()
            );
        }
    }
}

#[test]
fn json_report_has_the_contract_keys() {
    let r = report("incident_gmail_dual_stack", Lang::En);
    let v: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["verdict"], "degraded");
    assert_eq!(v["cause"], "tcp.filtered");
    let f = &v["findings"][0];
    for key in ["code", "severity", "port", "message"] {
        assert!(f.get(key).is_some(), "findings[].{key}");
    }
    let e = &v["endpoints"][0];
    assert_eq!(e["port"], 587);
    assert_eq!(e["family"], "ipv4");
    assert_eq!(e["security"], "starttls");
    assert_eq!(e["tcp"]["state"], "filtered");
    assert!(e["tcp"]["ms"].is_number());
    assert_eq!(v["endpoints"][1]["family"], "ipv6");
    let rec = &v["recommendations"][0];
    assert_eq!(rec["port"], 465);
    assert_eq!(rec["security"], "implicit_tls");
    assert_eq!(rec["settings"]["EMAIL_PORT"], "465");
    assert_eq!(rec["settings"]["EMAIL_USE_SSL"], "True");
    assert_eq!(rec["settings"]["EMAIL_USE_TLS"], "False");
    assert!(rec["message"].is_string());
    // A DNS finding concerns no port: the key is there, null.
    let d: serde_json::Value =
        serde_json::from_str(&json::render(&report("dns_dns_nxdomain", Lang::En))).unwrap();
    assert!(d["findings"][0]["port"].is_null());
    assert!(d["cause"] == "dns.nxdomain");
    let ok: serde_json::Value = serde_json::from_str(&json::render(&report(
        "healthy_starttls_and_implicit_tls",
        Lang::En,
    )))
    .unwrap();
    assert!(ok["cause"].is_null());
}

#[test]
fn text_report_snapshots() {
    let plain = terminal::TextOptions {
        color: false,
        verbose: false,
    };
    insta::assert_snapshot!(
        "incident_en",
        terminal::render(&report("incident_gmail_dual_stack", Lang::En), plain)
    );
    insta::assert_snapshot!(
        "incident_es",
        terminal::render(&report("incident_gmail_dual_stack", Lang::Es), plain)
    );
    insta::assert_snapshot!(
        "intercepted_en",
        terminal::render(&report("antivirus_interception_untrusted", Lang::En), plain)
    );
    insta::assert_snapshot!(
        "nxdomain_es",
        terminal::render(&report("dns_dns_nxdomain", Lang::Es), plain)
    );
    // Who is in the way, in both languages.
    for (name, fixture) in [
        (
            "smtp_blocked_droplet",
            "every_port_dropped_with_443_answering_on_a_droplet",
        ),
        ("smtp_redirected", "shared_hosting_proxy_answers_for_gmail"),
        ("web_login_required", "gmail_asks_for_a_web_sign_in"),
        ("rate_limited", "gmail_too_many_login_attempts"),
        ("relay_denied", "postfix_relay_access_denied"),
        ("auth_required", "gmail_authentication_required"),
        ("quota_exceeded", "gmail_daily_sending_limit"),
        ("sender_not_verified", "ses_sandbox_sender_not_verified"),
    ] {
        for (lang, tag) in [(Lang::En, "en"), (Lang::Es, "es")] {
            insta::assert_snapshot!(
                format!("{name}_{tag}"),
                terminal::render(&report(fixture, lang), plain)
            );
        }
    }
}

#[test]
fn colour_only_when_asked() {
    let r = report("incident_gmail_dual_stack", Lang::En);
    let plain = terminal::render(
        &r,
        terminal::TextOptions {
            color: false,
            verbose: true,
        },
    );
    assert!(!plain.contains('\x1b'));
    let coloured = terminal::render(
        &r,
        terminal::TextOptions {
            color: true,
            verbose: false,
        },
    );
    assert!(coloured.contains("\x1b[31m"));
}

fn report_with(name: &str, lang: Lang, framework: smtp_doctor::Framework) -> Report {
    let obs = load(name);
    let opts = Options {
        lang,
        framework,
        ..Default::default()
    };
    let d = diagnose(&obs, &opts);
    Report::new("check", obs, d, &opts)
}

#[test]
fn markdown_incident_report_snapshots() {
    use smtp_doctor::render::markdown;
    use smtp_doctor::Framework;
    insta::assert_snapshot!(
        "incident_md_en",
        markdown::render(&report("incident_gmail_dual_stack", Lang::En))
    );
    insta::assert_snapshot!(
        "incident_md_es",
        markdown::render(&report("incident_gmail_dual_stack", Lang::Es))
    );
    insta::assert_snapshot!(
        "intercepted_md_es_laravel",
        markdown::render(&report_with(
            "antivirus_interception_untrusted",
            Lang::Es,
            Framework::Laravel
        ))
    );
}

#[test]
fn no_debug_form_reaches_a_report() {
    use smtp_doctor::render::markdown;
    let dir = format!("{}/tests/fixtures/observations", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        for lang in [Lang::En, Lang::Es] {
            let r = report(&name, lang);
            // Not verbose: the transcript quotes what the probe recorded, as it recorded it.
            let opts = terminal::TextOptions {
                color: false,
                verbose: false,
            };
            for out in [markdown::render(&r), terminal::render(&r, opts)] {
                for debug in ["Some(", "(None", " { ", "detail:", "Verification::"] {
                    assert!(!out.contains(debug), "{name} {lang:?}: {debug:?} in\n{out}");
                }
            }
        }
        seen += 1;
    }
    assert!(seen > 20, "only {seen} fixtures");
}

#[test]
fn every_framework_fix_for_the_incident() {
    use smtp_doctor::Framework;
    let mut all = String::new();
    for &fw in Framework::ALL {
        let r = report_with("incident_gmail_dual_stack", Lang::En, fw);
        let first = &r.recommendations[0];
        assert_eq!(
            (first.port, first.security),
            (Some(465), Some(Security::ImplicitTls)),
            "{fw:?}"
        );
        all.push_str(&format!(
            "## {} ({})\n{}\n",
            fw.as_str(),
            fw.settings_file(),
            smtp_doctor::snippet(fw, &first.settings)
        ));
    }
    insta::assert_snapshot!("incident_fix_per_framework", all);
}

#[test]
fn diff_names_what_changed_between_two_machines() {
    use smtp_doctor::diff;
    let laptop = report("healthy_starttls_and_implicit_tls", Lang::En);
    let server = report("the_origin_incident_587_dropped_465_working", Lang::En);
    let d = diff(&laptop, &server);
    let tcp = d
        .iter()
        .find(|x| x.what == "587/ipv4 tcp")
        .expect("587 state differs");
    assert_eq!((tcp.a.as_str(), tcp.b.as_str()), ("open", "filtered"));
    assert!(tcp.matters);
    assert!(d.iter().any(|x| x.what == "verdict" && x.b == "degraded"));
    assert!(diff(&server, &server).is_empty());
    // Interception on one side shows as a different certificate issuer.
    let clean = report("certificate_expiring_soon_is_a_warning", Lang::En);
    let av = report("antivirus_interception_untrusted", Lang::En);
    let issuer = diff(&clean, &av)
        .into_iter()
        .find(|x| x.what == "465/ipv4 certificate issuer")
        .unwrap();
    assert!(issuer.b.contains("Avast"));
}

#[test]
fn a_failed_login_fails_the_port_on_every_address() {
    use smtp_doctor::model::{AuthObservation, AuthOutcome, ReplySummary};
    let mut obs = load("incident_gmail_dual_stack");
    let v4 = obs
        .endpoints
        .iter_mut()
        .find(|e| e.port == 465 && e.address.is_ipv4())
        .unwrap();
    v4.auth = Some(AuthObservation {
        user: "me@gmail.com".into(),
        mechanism: Some("PLAIN".into()),
        outcome: AuthOutcome::Rejected {
            reply: ReplySummary::new(535, "5.7.8 Username and Password not accepted.".into()),
        },
        ms: 40.0,
    });
    // Login is tried on the first address only; the IPv6 one has no login result.
    let d = diagnose(&obs, &Options::default());
    assert_eq!(d.verdict, Verdict::Failed);
    let codes: Vec<&str> = d.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"auth.failed"), "{codes:?}");
    assert!(!codes.contains(&"net.ipv6_broken"), "{codes:?}");
    assert!(
        d.recommendations
            .iter()
            .all(|r| r.port != Some(465) || r.settings.is_empty()),
        "465 is not recommended"
    );
}

#[test]
fn firewall_commands_are_for_the_machines_system_and_the_apps_runtime() {
    use smtp_doctor::model::Os;
    use smtp_doctor::Framework;
    let commands = |os: Os, framework: Framework| {
        let mut obs = load("incident_gmail_dual_stack");
        obs.os = os;
        let opts = Options {
            lang: Lang::En,
            framework,
            ..Default::default()
        };
        let d = diagnose(&obs, &opts);
        d.recommendations
            .iter()
            .flat_map(|r| r.commands.clone())
            .collect::<Vec<_>>()
    };
    let django = commands(Os::Windows, Framework::Django).join("\n");
    assert!(
        django.contains("New-NetFirewallRule") && django.contains("python.exe"),
        "{django}"
    );
    let node = commands(Os::Windows, Framework::Node).join("\n");
    assert!(
        node.contains("node.exe") && !node.contains("python"),
        "{node}"
    );
    for os in [Os::Linux, Os::Macos, Os::Other] {
        let c = commands(os, Framework::Node);
        assert!(
            c.iter().all(|c| !c.contains("New-NetFirewallRule")),
            "{os:?}: {c:?}"
        );
    }
}
