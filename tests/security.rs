//! Who is in the way, by name: the decoders run on recorded answers (tests/fixtures/security,
//! whose README says where each comes from), and the diagnosis on recorded observations with a
//! security state attached. Pure: no network, no root, no Windows.

mod support;

use smtp_doctor::model::{
    FirewallRule, Observations, ProductKind, ProductState, RuleAction, SecurityObservation,
    SecuritySource, Unread, UnreadReason,
};
use smtp_doctor::render::{json, markdown, terminal};
use smtp_doctor::testing::decode::{self, WindowsRule};
use smtp_doctor::{diagnose, Lang, Options, Report};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/security/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn observations(name: &str) -> Observations {
    let path = format!(
        "{}/tests/fixtures/observations/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn report(obs: Observations, lang: Lang) -> Report {
    let opts = Options {
        lang,
        ..Default::default()
    };
    let diagnosis = diagnose(&obs, &opts);
    Report::new("check", obs, diagnosis, &opts)
}

fn names(rules: &[FirewallRule]) -> Vec<(&str, Vec<u16>, RuleAction)> {
    rules
        .iter()
        .map(|r| (r.name.as_str(), r.ports.clone(), r.action))
        .collect()
}

// ---- decoders -------------------------------------------------------------------------------

/// Recorded: `nft -j list ruleset` in a namespace holding
///   table inet sd_e2e {
///     chain output { type filter hook output priority 0; policy accept;
///       tcp dport 587 drop comment "smtp-doctor test: drop submission"
///       tcp dport { 25, 465 } reject with tcp reset
///       udp dport 587 drop
///       ip daddr 192.0.2.0/24 tcp dport 2525 drop
///       tcp dport 1000-2000 counter jump extra
///       tcp dport 443 accept }
///     chain extra { tcp dport 1587 drop }
///     chain input { type filter hook input priority 0; policy accept; tcp dport 587 drop } }
#[test]
fn nftables_output_rules_that_drop_or_reject_a_probed_port_are_named() {
    let json = fixture("nftables_output_rules.json");
    let here = ["10.0.0.5".parse().unwrap()];
    let rules = decode::nftables_rules(&json, &[587, 465, 25, 2525, 1587, 443], &here).unwrap();
    assert_eq!(
        names(&rules),
        vec![
            ("inet sd_e2e output handle 4", vec![587], RuleAction::Drop),
            (
                "inet sd_e2e output handle 6",
                vec![465, 25],
                RuleAction::Reject
            ),
            // Reached from the output chain by `jump extra`.
            ("inet sd_e2e extra handle 11", vec![1587], RuleAction::Drop),
        ],
        "UDP, the input chain, accept and another address's rule are not in the way"
    );
    assert_eq!(
        rules[0].comment.as_deref(),
        Some("smtp-doctor test: drop submission")
    );
    assert_eq!(rules[0].table.as_deref(), Some("inet sd_e2e"));
    assert_eq!(rules[0].chain.as_deref(), Some("output"));
    assert_eq!(rules[0].handle, Some(4));
    assert_eq!(rules[1].remote_ports, "{ 25, 465 }");
    // The 2525 rule holds for an address in 192.0.2.0/24 only.
    let there = ["192.0.2.7".parse().unwrap()];
    let rules = decode::nftables_rules(&json, &[2525], &there).unwrap();
    assert_eq!(
        names(&rules),
        vec![("inet sd_e2e output handle 8", vec![2525], RuleAction::Drop)]
    );
    // An answer that is not nft's JSON is an error, never "no rules".
    assert!(decode::nftables_rules("{\"x\": 1}", &[587], &[]).is_err());
    assert!(decode::nftables_rules("not json", &[587], &[]).is_err());
}

/// Recorded: `nft -j list ruleset` after two iptables (nf_tables backend) rules: its REJECT
/// target and multiport match come as `xt` expressions.
#[test]
fn iptables_nft_rules_seen_through_nftables_are_named() {
    let rules = decode::nftables_rules(
        &fixture("nftables_from_iptables_nft.json"),
        &[587, 465],
        &[],
    )
    .unwrap();
    assert_eq!(
        names(&rules),
        vec![
            ("ip filter OUTPUT handle 2", vec![587], RuleAction::Drop),
            (
                "ip filter OUTPUT handle 3",
                vec![587, 465],
                RuleAction::Reject
            ),
        ]
    );
    assert_eq!(rules[1].remote_ports, "multiport");
}

/// Recorded: `iptables-save` (see the fixtures' README).
#[test]
fn iptables_save_rules_are_named_by_table_chain_and_position() {
    let rules = decode::iptables_rules(&fixture("iptables_save.txt"), &[587, 465], &[]);
    assert_eq!(
        names(&rules),
        vec![
            ("filter OUTPUT rule 1", vec![587], RuleAction::Drop),
            ("filter OUTPUT rule 2", vec![465], RuleAction::Reject),
        ]
    );
    assert_eq!(rules[0].comment.as_deref(), Some("block smtp"));
    assert!(decode::iptables_rules("", &[587], &[]).is_empty());
}

/// iwscapi.h's values (WSC_SECURITY_PRODUCT_STATE, WSC_SECURITY_SIGNATURE_STATUS) and WMI's
/// productState word as Windows Defender and Avast report it.
#[test]
fn security_center_states_decode() {
    use ProductState::*;
    let states: Vec<_> = (0..5).map(decode::wsc_state).collect();
    assert_eq!(states, vec![On, Off, Snoozed, Expired, Unknown]);
    assert_eq!(decode::wsc_signatures(1), Some(true));
    assert_eq!(decode::wsc_signatures(0), Some(false));
    let p = decode::wsc_product("Avast Antivirus", ProductKind::Antivirus, 0, 1);
    assert_eq!((p.state, p.signatures_up_to_date), (On, Some(true)));
    assert_eq!(decode::wmi_product_state(397568), (On, true));
    assert_eq!(decode::wmi_product_state(393472), (Off, true));
    assert_eq!(decode::wmi_product_state(266256), (On, false));
    let products = decode::wmi_products(
        &fixture("wmi_antivirus_products.json"),
        ProductKind::Antivirus,
    )
    .unwrap();
    let seen: Vec<_> = products
        .iter()
        .map(|p| (p.name.as_str(), p.state))
        .collect();
    assert_eq!(
        seen,
        vec![("Windows Defender", Off), ("Avast Antivirus", On)]
    );
    // One product comes as an object, none as nothing at all.
    assert_eq!(
        decode::wmi_products(
            "{\"displayName\":\"X\",\"productState\":266240}",
            ProductKind::Antivirus
        )
        .unwrap()
        .len(),
        1
    );
    assert!(decode::wmi_products("null", ProductKind::Antivirus)
        .unwrap()
        .is_empty());
    assert!(decode::wmi_products("[{\"displayName\":\"X\"}]", ProductKind::Antivirus).is_err());
}

/// PowerShell's `Get-NetFirewallRule | ConvertTo-Json` shape with the filters joined (see the
/// fixtures' README): only enabled outbound block rules for TCP to a probed port remain.
#[test]
fn windows_firewall_rules_that_block_a_probed_port_remain() {
    let rules = decode::powershell_rules(&fixture("powershell_firewall_rules.json")).unwrap();
    assert_eq!(rules.len(), 5);
    let blocking = decode::windows_blocking(&rules, &[587, 465]);
    let seen: Vec<_> = blocking
        .iter()
        .map(|r| (r.name.as_str(), r.ports.clone(), r.program.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "Block SMTP",
                vec![587],
                Some("C:\\Users\\ana\\AppData\\Local\\Programs\\Python\\Python312\\python.exe")
            ),
            ("Block all mail ports", vec![587, 465], None),
        ]
    );
}

/// INetFwRule's fields: Direction 2 out, Action 0 block, Protocol 6 TCP / 256 any / 17 UDP.
#[test]
fn com_rule_fields_decode_and_match() {
    let rules = [
        WindowsRule::from_com(
            "Block SMTP",
            true,
            2,
            0,
            6,
            "587",
            "C:\\Tools\\smtp-doctor.exe",
        ),
        WindowsRule::from_com("Block everything out", true, 2, 0, 256, "*", ""),
        WindowsRule::from_com("UDP 587", true, 2, 0, 17, "587", ""),
        WindowsRule::from_com("Allow 587", true, 2, 1, 6, "587", ""),
        WindowsRule::from_com("Range", true, 2, 0, 6, "400-500,2525", ""),
    ];
    let blocking = decode::windows_blocking(&rules, &[587, 465]);
    let seen: Vec<_> = blocking
        .iter()
        .map(|r| (r.name.as_str(), r.ports.clone(), r.remote_ports.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("Block SMTP", vec![587], "587"),
            ("Block everything out", vec![587, 465], "*"),
            ("Range", vec![465], "400-500,2525"),
        ]
    );
}

#[test]
fn a_rule_program_matches_by_path_without_case_or_by_bare_file_name() {
    assert!(decode::same_program(
        "C:\\Python312\\python.exe",
        "c:\\python312\\PYTHON.EXE"
    ));
    assert!(decode::same_program(
        "C:\\Python312\\python.exe",
        "python.exe"
    ));
    assert!(decode::same_program(
        "%ProgramFiles%\\nodejs\\node.exe",
        "C:\\Program Files\\nodejs\\node.exe"
    ));
    assert!(!decode::same_program(
        "C:\\Python312\\python.exe",
        "C:\\Other\\python.exe"
    ));
    assert!(!decode::same_program(
        "C:\\Python312\\python.exe",
        "node.exe"
    ));
}

// ---- the report ------------------------------------------------------------------------------

fn windows_rule(name: &str, program: Option<&str>) -> FirewallRule {
    FirewallRule {
        source: SecuritySource::WindowsFirewall,
        name: name.into(),
        table: None,
        chain: None,
        handle: None,
        comment: None,
        action: RuleAction::Block,
        ports: vec![587],
        remote_ports: "587".into(),
        program: program.map(str::to_string),
    }
}

/// The origin incident (587 dropped, 465 works, on Windows) with what the machine says.
fn incident_with(security: SecurityObservation) -> Observations {
    let mut obs = observations("the_origin_incident_587_dropped_465_working");
    obs.security = Some(security);
    obs
}

fn fix_b(r: &Report) -> Vec<&str> {
    r.recommendations
        .iter()
        .skip(1)
        .map(|x| x.message.as_str())
        .collect()
}

#[test]
fn a_windows_rule_for_this_program_is_fix_b_with_its_switch() {
    let security = SecurityObservation {
        read: vec![
            SecuritySource::WindowsSecurityCenter,
            SecuritySource::WindowsFirewall,
        ],
        rules: vec![
            windows_rule("Block SMTP", Some("C:\\Tools\\smtp-doctor.exe")),
            windows_rule("Python mail block", Some("C:\\Python312\\python.exe")),
        ],
        program: Some("C:\\Tools\\smtp-doctor.exe".into()),
        ..Default::default()
    };
    let r = report(incident_with(security.clone()), Lang::En);
    assert_eq!(r.recommendations[0].port, Some(465), "Fix A stays first");
    let b = &r.recommendations[1];
    assert!(
        b.message
            .contains("Windows Defender Firewall rule \"Block SMTP\"")
            && b.message.contains("program C:\\Tools\\smtp-doctor.exe")
            && b.message.contains("wf.msc")
            && b.message.contains("administrator"),
        "{}",
        b.message
    );
    assert_eq!(
        b.commands,
        vec!["Disable-NetFirewallRule -DisplayName \"Block SMTP\""]
    );
    // The rule for another program comes after the one for this program.
    assert!(
        fix_b(&r)[1].contains("Python mail block"),
        "{:?}",
        fix_b(&r)
    );
    let text = terminal::render(&r, Default::default());
    assert!(
        text.contains("who is in the way: rule Block SMTP blocks TCP 587"),
        "{text}"
    );
    let md = markdown::render(&r);
    assert!(md.contains("**Who is in the way:**"), "{md}");
    let v: serde_json::Value = serde_json::from_str(&json::render(&r)).unwrap();
    assert_eq!(v["security"]["rules"][0]["name"], "Block SMTP");
    assert_eq!(v["security"]["rules"][0]["source"], "windows_firewall");
    // Spanish.
    let r = report(incident_with(security), Lang::Es);
    assert!(
        r.recommendations[1]
            .message
            .contains("La regla del Firewall de Windows Defender «Block SMTP»"),
        "{}",
        r.recommendations[1].message
    );
}

#[test]
fn an_antivirus_that_is_on_is_named_with_its_mail_shield_switch_and_source() {
    let security = SecurityObservation {
        read: vec![
            SecuritySource::WindowsSecurityCenter,
            SecuritySource::WindowsFirewall,
        ],
        products: decode::wmi_products(
            &fixture("wmi_antivirus_products.json"),
            ProductKind::Antivirus,
        )
        .unwrap(),
        ..Default::default()
    };
    for (lang, words) in [
        (
            Lang::En,
            ["Avast Antivirus is on", "Scan outbound emails (SMTP)"],
        ),
        (
            Lang::Es,
            [
                "Avast Antivirus está activo",
                "Analizar correos salientes (SMTP)",
            ],
        ),
    ] {
        let r = report(incident_with(security.clone()), lang);
        let b = fix_b(&r);
        assert!(b[0].contains(words[0]) && b[0].contains(words[1]), "{b:?}");
        assert!(b[0].contains("https://businesshelp.avast.com/"), "{b:?}");
        // Windows Defender is off, and has no SMTP proxy anyway: not named as in the way.
        assert!(
            b.iter().all(|m| !m.contains("Windows Defender is")),
            "{b:?}"
        );
    }
}

/// Wine, Windows Server, a container: nothing could be read. The report says it cannot tell
/// and why, never that nothing is there.
#[test]
fn when_nothing_can_be_read_the_report_says_cannot_tell_never_none() {
    let security = SecurityObservation {
        unread: vec![
            Unread {
                source: SecuritySource::WindowsSecurityCenter,
                reason: UnreadReason::NotAvailable,
                detail: Some("HRESULT 0x80040154".into()),
            },
            Unread {
                source: SecuritySource::WindowsFirewall,
                reason: UnreadReason::NotAvailable,
                detail: Some("no active profile".into()),
            },
        ],
        ..Default::default()
    };
    for (lang, cannot, none) in [
        (Lang::En, "cannot tell", "nothing in"),
        (Lang::Es, "no se puede saber", "nada en"),
    ] {
        let r = report(incident_with(security.clone()), lang);
        let text = terminal::render(&r, Default::default());
        assert!(text.contains(cannot), "{text}");
        assert!(!text.contains(none), "{text}");
        assert!(
            fix_b(&r).iter().any(|m| m.contains("smtp-doctor")),
            "{:?}",
            fix_b(&r)
        );
        // The generic advice stays, after what could not be read.
        assert!(r.recommendations.last().unwrap().message.contains("587"));
    }
    // Read, and nothing found: that, and only for what was read.
    let read = SecurityObservation {
        read: vec![SecuritySource::Nftables],
        ..Default::default()
    };
    let r = report(incident_with(read), Lang::En);
    let text = terminal::render(&r, Default::default());
    assert!(
        text.contains("nothing in the nftables rules blocks these ports"),
        "{text}"
    );
    assert!(!text.contains("cannot tell"), "{text}");
}

#[test]
fn an_nftables_rule_is_named_with_the_command_that_removes_it() {
    let json = fixture("nftables_output_rules.json");
    let mut obs = observations("the_origin_incident_587_dropped_465_working");
    obs.os = smtp_doctor::model::Os::Linux;
    obs.security = Some(SecurityObservation {
        read: vec![SecuritySource::Nftables],
        rules: decode::nftables_rules(&json, &obs.ports, &[]).unwrap(),
        ..Default::default()
    });
    let r = report(obs, Lang::En);
    let b = &r.recommendations[1];
    assert!(
        b.message.contains("table inet sd_e2e, chain output (handle 4, comment \"smtp-doctor test: drop submission\") drops outbound TCP 587"),
        "{}",
        b.message
    );
    assert_eq!(
        b.commands,
        vec!["nft delete rule inet sd_e2e output handle 4"]
    );
}

/// A rule name is the machine's text: escaped at capture, and never put into a command
/// unless it is plain.
#[test]
fn a_hostile_rule_name_never_reaches_a_command() {
    let rules = decode::windows_blocking(
        &[WindowsRule::from_com(
            "x\"; Remove-Item C:\\ -Recurse; \"\u{1b}]52;c;x\u{7}",
            true,
            2,
            0,
            6,
            "587",
            "",
        )],
        &[587],
    );
    assert!(!rules[0].name.contains('\u{1b}'), "{:?}", rules[0].name);
    let r = report(
        incident_with(SecurityObservation {
            read: vec![SecuritySource::WindowsFirewall],
            rules,
            ..Default::default()
        }),
        Lang::En,
    );
    assert!(
        r.recommendations[1].commands.is_empty(),
        "{:?}",
        r.recommendations[1]
    );
    assert!(!terminal::render(&r, Default::default()).contains('\u{1b}'));
}

/// The whole chain through the binary: the demo's dropped 587 makes the engine ask for the
/// machine's security state, which under a test root (`SMTP_DOCTOR_TEST_ROOT`, standing for the
/// machine) is the fixture there; the report carries it and names the rule.
#[cfg(feature = "cli")]
#[test]
fn the_demo_reads_the_machine_when_587_is_dropped_and_names_the_rule() {
    let root = std::env::temp_dir().join(format!("smtp-doctor-security-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let security = SecurityObservation {
        read: vec![SecuritySource::WindowsFirewall],
        rules: vec![windows_rule("Block SMTP", None)],
        ..Default::default()
    };
    std::fs::write(
        root.join("smtp-doctor-security.json"),
        serde_json::to_string(&security).unwrap(),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = support::binary::smtp_doctor()
            .args(args)
            .env(support::binary::MACHINE_ROOT, &root)
            .env("NO_COLOR", "1")
            // UTF-8 even to a pipe on Windows, where a redirected report is ASCII by default.
            .env("SMTP_DOCTOR_ASCII", "0")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["demo", "--json"])).unwrap();
    assert_eq!(json["cause"], "tcp.filtered");
    assert_eq!(json["security"]["rules"][0]["name"], "Block SMTP", "{json}");
    assert!(
        json["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["message"]
                .as_str()
                .unwrap()
                .contains("rule \"Block SMTP\"")),
        "{json}"
    );
    let text = run(&["demo", "--lang", "es"]);
    assert!(
        text.contains("quién lo impide: la regla Block SMTP bloquea TCP 587"),
        "{text}"
    );
    std::fs::remove_dir_all(&root).ok();
}

/// Every SMTP port dropped (with 443 answering: `net.smtp_blocked`; without: `tcp.filtered`)
/// reads as "the network blocks SMTP"; a rule of this machine that drops them is the better
/// explanation, named first. Without one, the network advice stays first and what could not be
/// read follows it.
#[test]
fn a_local_rule_dropping_every_smtp_port_is_named_before_the_network() {
    for (fixture, cause) in [
        (
            "every_port_dropped_means_outbound_smtp_is_blocked",
            "tcp.filtered",
        ),
        (
            "every_port_dropped_with_443_answering_on_a_droplet",
            "net.smtp_blocked",
        ),
    ] {
        let mut obs = observations(fixture);
        // Not a cloud VM: its provider's policy would explain the block instead.
        obs.environment = Default::default();
        let ports = obs.ports.clone();
        obs.os = smtp_doctor::model::Os::Linux;
        obs.security = Some(SecurityObservation {
            read: vec![SecuritySource::Nftables],
            rules: vec![FirewallRule {
                source: SecuritySource::Nftables,
                name: "inet filter output handle 7".into(),
                table: Some("inet filter".into()),
                chain: Some("output".into()),
                handle: Some(7),
                comment: None,
                action: RuleAction::Drop,
                ports,
                remote_ports: "{ 587, 465 }".into(),
                program: None,
            }],
            ..Default::default()
        });
        let r = report(obs.clone(), Lang::En);
        assert_eq!(r.cause.map(|c| c.as_str()), Some(cause), "{fixture}");
        assert!(
            r.recommendations[0]
                .message
                .contains("table inet filter, chain output"),
            "{fixture}: {:?}",
            r.recommendations
        );
        obs.security = Some(SecurityObservation {
            unread: vec![Unread {
                source: SecuritySource::Nftables,
                reason: UnreadReason::NeedsAdministrator,
                detail: None,
            }],
            ..Default::default()
        });
        let r = report(obs, Lang::En);
        let messages: Vec<&str> = r
            .recommendations
            .iter()
            .map(|x| x.message.as_str())
            .collect();
        assert!(
            messages[0].contains("No submission port reaches the server"),
            "{fixture}: {messages:?}"
        );
        assert!(
            messages[1].contains("cannot tell") && messages[1].contains("root"),
            "{fixture}: {messages:?}"
        );
    }
}

/// A root named like the one Avast installs for its Web/Mail Shield (made here with rcgen),
/// among ordinary roots: the antivirus is named from the trust store alone, with its switch,
/// even though the port only timed out and Security Center was not readable.
#[cfg(feature = "lab")]
#[test]
fn a_scanning_root_in_the_trust_store_names_the_antivirus() {
    let root = |cn: &str| {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    };
    let store = [
        root("ISRG Root X1"),
        root("Avast Web/Mail Shield Root"),
        b"not a certificate".to_vec(),
        root("Avast Web/Mail Shield Root"),
    ];
    let roots = decode::scanning_roots(store.iter().map(Vec::as_slice));
    assert_eq!(roots.len(), 1, "{roots:?}");
    assert_eq!(roots[0].product, "Avast Mail Shield");
    assert!(roots[0].subject.contains("Avast Web/Mail Shield Root"));
    let security = SecurityObservation {
        read: vec![SecuritySource::TrustStore],
        scanning_roots: roots,
        unread: vec![Unread {
            source: SecuritySource::WindowsSecurityCenter,
            reason: UnreadReason::NotAvailable,
            detail: None,
        }],
        ..Default::default()
    };
    for (lang, words) in [
        (
            Lang::En,
            [
                "Avast Mail Shield is installed",
                "Scan outbound emails (SMTP)",
            ],
        ),
        (
            Lang::Es,
            [
                "Avast Mail Shield está instalado",
                "Analizar correos salientes (SMTP)",
            ],
        ),
    ] {
        let r = report(incident_with(security.clone()), lang);
        let b = fix_b(&r);
        assert!(b[0].contains(words[0]) && b[0].contains(words[1]), "{b:?}");
        let text = terminal::render(&r, Default::default());
        assert!(
            !text.contains("cannot tell") && !text.contains("no se puede saber"),
            "{text}"
        );
    }
}

/// preflight: smtp-doctor connects, the application's Python does not; a Windows rule for that
/// Python (by path) is the first fix, before "let this program through".
#[test]
fn a_rule_for_the_applications_runtime_is_named_when_only_the_app_is_blocked() {
    use smtp_doctor::model::{ConfiguredPath, Security, TlsSetting};
    let mut obs = observations("healthy_starttls_and_implicit_tls");
    obs.os = smtp_doctor::model::Os::Windows;
    let python = "C:\\Users\\ana\\AppData\\Local\\Programs\\Python\\Python312\\python.exe";
    obs.app_client = Some(
        serde_json::from_value(serde_json::json!({
            "runtime": "python",
            "program": python,
            "outcome": "failed",
            "error": {"kind": "timeout", "error_type": "TimeoutError", "message": "timed out"},
            "ms": 3000.0
        }))
        .unwrap(),
    );
    let rules = decode::windows_blocking(
        &decode::powershell_rules(&fixture("powershell_firewall_rules.json")).unwrap(),
        &obs.ports,
    );
    obs.security = Some(SecurityObservation {
        read: vec![SecuritySource::WindowsFirewall],
        rules,
        program: Some("C:\\Tools\\smtp-doctor.exe".into()),
        ..Default::default()
    });
    let path = ConfiguredPath {
        host: obs.host.clone(),
        port: 587,
        security: TlsSetting::Mode(Security::Starttls),
        timeout: Some(10.0),
        login: false,
        send: false,
        host_as_written: None,
    };
    let d = smtp_doctor::diagnose_preflight(&obs, &path, &Options::default());
    // The fixes in words: the report's.
    let d = Report::new("preflight", obs, d, &Options::default());
    assert_eq!(d.cause.map(|c| c.as_str()), Some("app.connection_blocked"));
    let first = &d.recommendations[0];
    assert!(
        first.message.contains("rule \"Block SMTP\"") && first.message.contains(python),
        "{:?}",
        d.recommendations
    );
    assert_eq!(
        first.commands,
        vec!["Disable-NetFirewallRule -DisplayName \"Block SMTP\""]
    );
}
