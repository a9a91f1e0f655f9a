//! The sender's domain, hermetic: a real STARTTLS lab server on loopback for the path, and a
//! DNS server on loopback serving each situation's records (SPF, DKIM, DMARC, PTR). Each test
//! asserts the code the situation must give, the verdict and the cause.

mod support;
#[path = "support/zone.rs"]
mod zone;

use smtp_doctor::lab::{self, LabCa, LabServer, ServerBehaviour, ServerMode, Validity};
use smtp_doctor::model::{DmarcPolicy, ProviderId};
use smtp_doctor::{DomainCheck, FindingCode, Mailbox, Report, Verdict};
use support::*;
use zone::{Zone, ZoneServer};

/// An RSA SubjectPublicKeyInfo (DER, base64) with a modulus of `bits` bits: what a DKIM key
/// record's `p=` holds. The modulus is not a real key; only its length is read.
fn rsa_key(bits: usize) -> String {
    fn len(n: usize) -> Vec<u8> {
        if n < 0x80 {
            vec![n as u8]
        } else if n < 0x100 {
            vec![0x81, n as u8]
        } else {
            vec![0x82, (n >> 8) as u8, n as u8]
        }
    }
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend(len(body.len()));
        out.extend_from_slice(body);
        out
    }
    let mut modulus = vec![0u8];
    modulus.push(0xC5);
    modulus.extend(std::iter::repeat_n(0x5A, bits / 8 - 1));
    let rsa = tlv(
        0x30,
        &[tlv(0x02, &modulus), tlv(0x02, &[0x01, 0x00, 0x01])].concat(),
    );
    let mut bit_string = vec![0u8];
    bit_string.extend(rsa);
    let algorithm = tlv(
        0x30,
        &[
            tlv(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let spki = tlv(0x30, &[algorithm, tlv(0x03, &bit_string)].concat());
    use base64::prelude::{Engine as _, BASE64_STANDARD};
    BASE64_STANDARD.encode(spki)
}

fn key(bits: usize) -> String {
    format!("v=DKIM1; k=rsa; p={}", rsa_key(bits))
}

/// The records the providers' own include domains publish (stand-ins inside the zone).
fn provider_includes(zone: Zone) -> Zone {
    zone.txt("_spf.google.com", "v=spf1 ip4:192.0.2.0/24 ~all")
        .txt("spf.protection.outlook.com", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("sendgrid.net", "v=spf1 ip4:192.0.2.0/24 ~all")
        .txt("mailgun.org", "v=spf1 ip4:192.0.2.0/24 ~all")
}

/// Where your own server is said to be: a documentation address whose connections the plan
/// sends to the lab server on loopback (`--resolve` and `--connect-to`), so its reverse DNS is
/// the zone's to answer.
const OWN_ADDRESS: &str = "192.0.2.25";

/// Checks `host` (a healthy STARTTLS lab server on 587) with `sender`, DNS from `zone`.
async fn run(host: &str, sender: &str, zone: Zone, selectors: &[&str]) -> Report {
    let ca = LabCa::new("smtp-doctor test CA", "smtp-doctor tests").unwrap();
    let cfg = lab::server_tls(&ca.issue(&[host], Validity::Current).unwrap()).unwrap();
    let server = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg),
    }))
    .await
    .unwrap();
    let dns = ZoneServer::start(provider_includes(zone)).await;
    let mut plan = lab_plan(host, &[(587, server.addr)], None);
    if host == OWN {
        plan.resolve[0].address = OWN_ADDRESS.parse().unwrap();
    }
    plan.extra_roots.push(ca.root_der());
    plan.dns_server = Some(dns.addr);
    plan.domain = Some(DomainCheck {
        sender: Mailbox::parse(sender).unwrap(),
        dkim_selectors: selectors.iter().map(|s| s.to_string()).collect(),
    });
    check(plan).await
}

fn has(r: &Report, code: FindingCode) -> bool {
    r.findings.iter().any(|f| f.code == code)
}

/// The finding with `code`; a test that needs it fails naming the codes there are.
fn finding(r: &Report, code: FindingCode) -> &smtp_doctor::Finding {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| {
            panic!(
                "no {code:?} among {:?}",
                r.findings.iter().map(|f| f.code).collect::<Vec<_>>()
            )
        })
}

fn domain_codes(r: &Report) -> Vec<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.code.as_str().starts_with("domain."))
        .map(|f| f.code.as_str())
        .collect()
}

/// The code the situation must give is there, the path's verdict is degraded by it (an error)
/// and it is the cause.
fn assert_cause(r: &Report, code: FindingCode) {
    assert!(has(r, code), "{code:?} missing: {:?}", domain_codes(r));
    assert_eq!(r.verdict, Verdict::Degraded, "{:?}", domain_codes(r));
    assert_eq!(r.cause, Some(code), "{:?}", domain_codes(r));
    assert_eq!(r.exit_code(), 1);
    assert_eq!(finding(r, code).port, None);
}

const GOOGLE: &str = "smtp.gmail.com";
const M365: &str = "smtp.office365.com";
const SENDGRID: &str = "smtp.sendgrid.net";
const BREVO: &str = "smtp-relay.brevo.com";
const MANDRILL: &str = "smtp.mandrillapp.com";
const OWN: &str = "mail.lab.test";

fn google_ok(zone: Zone, domain: &str) -> Zone {
    zone.domain(domain)
        .txt(domain, "v=spf1 include:_spf.google.com ~all")
        .txt(&format!("google._domainkey.{domain}"), &key(2048))
        .txt(
            &format!("_dmarc.{domain}"),
            "v=DMARC1; p=reject; rua=mailto:d@example.test",
        )
}

#[tokio::test]
async fn healthy_google_domain_gives_no_finding() {
    let r = run(
        GOOGLE,
        "app@shop.test",
        google_ok(Zone::new(), "shop.test"),
        &[],
    )
    .await;
    assert_eq!(domain_codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict, Verdict::Ok);
    let d = r.domain.as_ref().unwrap();
    assert_eq!(d.provider, Some(ProviderId::Google));
    assert_eq!(d.spf.lookups, 1);
    assert_eq!(d.spf.includes, vec!["_spf.google.com".to_string()]);
    assert_eq!(d.dmarc.effective_policy, Some(DmarcPolicy::Reject));
}

#[tokio::test]
async fn healthy_microsoft_365_domain_gives_no_finding() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt(
            "shop.test",
            "v=spf1 include:spf.protection.outlook.com -all",
        )
        .cname(
            "selector1._domainkey.shop.test",
            "selector1-shop-test._domainkey.shop.onmicrosoft.test",
        )
        .txt(
            "selector1-shop-test._domainkey.shop.onmicrosoft.test",
            &key(2048),
        )
        .cname(
            "selector2._domainkey.shop.test",
            "selector2-shop-test._domainkey.shop.onmicrosoft.test",
        )
        .txt(
            "selector2-shop-test._domainkey.shop.onmicrosoft.test",
            &key(2048),
        )
        .txt("_dmarc.shop.test", "v=DMARC1; p=quarantine");
    let r = run(M365, "app@shop.test", zone, &[]).await;
    assert_eq!(domain_codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict, Verdict::Ok);
    let d = r.domain.as_ref().unwrap();
    assert_eq!(d.dkim.len(), 2);
    assert!(d.dkim[0].cname.is_some());
}

#[tokio::test]
async fn healthy_sendgrid_domain_gives_no_finding() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:sendgrid.net ~all")
        .cname(
            "s1._domainkey.shop.test",
            "s1.domainkey.u1.wl1.sendgrid.test",
        )
        .txt("s1.domainkey.u1.wl1.sendgrid.test", &key(2048))
        .cname(
            "s2._domainkey.shop.test",
            "s2.domainkey.u1.wl1.sendgrid.test",
        )
        .txt("s2.domainkey.u1.wl1.sendgrid.test", &key(2048))
        .txt("_dmarc.shop.test", "v=DMARC1; p=quarantine; adkim=r");
    let r = run(SENDGRID, "app@shop.test", zone, &[]).await;
    assert_eq!(domain_codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict, Verdict::Ok);
}

#[tokio::test]
async fn two_spf_records() {
    let zone = google_ok(Zone::new(), "shop.test").txt("shop.test", "v=spf1 mx -all");
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainSpfMultiple);
    // The fix is one record: both records' terms and the provider's include, merged.
    let fix = r
        .recommendations
        .iter()
        .flat_map(|r| r.commands.iter())
        .find(|c| c.starts_with("shop.test. TXT"))
        .expect("the merged SPF record");
    assert_eq!(
        fix,
        "shop.test. TXT \"v=spf1 include:_spf.google.com mx ~all\""
    );
}

#[tokio::test]
async fn an_eleven_include_chain_is_too_many_lookups() {
    // include:_spf.google.com, then i1 … i10 in a chain: 11 includes.
    let mut zone2 = Zone::new()
        .domain("shop.test")
        .txt("google._domainkey.shop.test", &key(2048))
        .txt("_dmarc.shop.test", "v=DMARC1; p=none")
        .txt(
            "shop.test",
            "v=spf1 include:_spf.google.com include:i1.shop.test ~all",
        );
    for i in 1..=10 {
        let next = if i < 10 {
            format!("v=spf1 include:i{}.shop.test -all", i + 1)
        } else {
            "v=spf1 ip4:198.51.100.1 -all".to_string()
        };
        zone2 = zone2.txt(&format!("i{i}.shop.test"), &next);
    }
    let r = run(GOOGLE, "app@shop.test", zone2, &[]).await;
    assert_cause(&r, FindingCode::DomainSpfTooManyLookups);
    assert_eq!(r.domain.as_ref().unwrap().spf.lookups, 11);
    let f = finding(&r, FindingCode::DomainSpfTooManyLookups);
    assert!(f.message.contains("11 DNS lookups"), "{}", f.message);
}

#[tokio::test]
async fn three_void_a_lookups() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("google._domainkey.shop.test", &key(2048))
        .txt("_dmarc.shop.test", "v=DMARC1; p=none")
        .txt(
            "shop.test",
            "v=spf1 a:old1.shop.test a:old2.shop.test a:old3.shop.test include:_spf.google.com ~all",
        );
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainSpfVoidLookups);
    let spf = &r.domain.as_ref().unwrap().spf;
    assert_eq!((spf.lookups, spf.void_lookups), (4, 3));
}

#[tokio::test]
async fn spf_without_the_providers_include() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 mx -all")
        .txt("google._domainkey.shop.test", &key(2048))
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainSpfProviderNotAuthorised);
    assert!(r.recommendations.iter().any(|r| r.commands
        == vec!["shop.test. TXT \"v=spf1 mx include:_spf.google.com -all\"".to_string()]));
}

#[tokio::test]
async fn p_reject_with_the_providers_dkim_missing() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:spf.brevo.test ~all")
        .txt("spf.brevo.test", "v=spf1 ip4:192.0.2.0/24 ~all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=reject");
    let r = run(BREVO, "app@shop.test", zone, &[]).await;
    assert!(
        has(&r, FindingCode::DomainDmarcWillFail),
        "{:?}",
        domain_codes(&r)
    );
    assert_cause(&r, FindingCode::DomainDkimMissing);
    let f = finding(&r, FindingCode::DomainDmarcWillFail);
    assert!(f.message.contains("550 5.7.26"), "{}", f.message);
    // The fix: Brevo's two DKIM CNAMEs, and where its console makes them.
    let commands: Vec<&String> = r.recommendations.iter().flat_map(|r| &r.commands).collect();
    assert!(
        commands.contains(
            &&"brevo1._domainkey.shop.test. CNAME b1.shop-test.dkim.brevo.com.".to_string()
        ),
        "{commands:?}"
    );
    assert!(commands
        .contains(&&"brevo2._domainkey.shop.test. CNAME b2.shop-test.dkim.brevo.com.".to_string()));
}

#[tokio::test]
async fn a_microsoft_365_selector_cname_to_nowhere() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt(
            "shop.test",
            "v=spf1 include:spf.protection.outlook.com -all",
        )
        .cname(
            "selector1._domainkey.shop.test",
            "selector1-shop-test._domainkey.shop.onmicrosoft.test",
        )
        .cname(
            "selector2._domainkey.shop.test",
            "selector2-shop-test._domainkey.shop.onmicrosoft.test",
        )
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    let r = run(M365, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainDkimDangling);
}

#[tokio::test]
async fn an_empty_p_is_a_revoked_key() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:_spf.google.com ~all")
        .txt("google._domainkey.shop.test", "v=DKIM1; k=rsa; p=")
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainDkimRevoked);
}

#[tokio::test]
async fn t_y_is_testing_a_warning() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:_spf.google.com ~all")
        .txt(
            "google._domainkey.shop.test",
            &format!("v=DKIM1; t=y; k=rsa; p={}", rsa_key(2048)),
        )
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert!(has(&r, FindingCode::DomainDkimTesting));
    assert_eq!(r.verdict, Verdict::Ok, "a warning does not degrade");
}

#[tokio::test]
async fn a_512_bit_key_is_too_short() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:_spf.google.com ~all")
        .txt("google._domainkey.shop.test", &key(512))
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainDkimKeyTooShort);
    let f = finding(&r, FindingCode::DomainDkimKeyTooShort);
    assert!(f.message.contains("512 bits"), "{}", f.message);
}

#[tokio::test]
async fn a_subdomain_under_an_organisational_sp_reject() {
    let zone = Zone::new()
        .domain("shop.test")
        .domain("news.shop.test")
        .txt("news.shop.test", "v=spf1 ~all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=none; sp=reject");
    let r = run(MANDRILL, "app@news.shop.test", zone, &[]).await;
    let d = r.domain.as_ref().unwrap();
    assert_eq!(d.organizational_domain, "shop.test");
    assert_eq!(d.dmarc.found_at.as_deref(), Some("_dmarc.shop.test"));
    assert_eq!(d.dmarc.effective_policy, Some(DmarcPolicy::Reject));
    assert!(
        has(&r, FindingCode::DomainDmarcWillFail),
        "{:?}",
        domain_codes(&r)
    );
    // The same From at the organisational domain itself: p=none, nothing will fail.
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 ~all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=none; sp=reject");
    let r = run(MANDRILL, "app@shop.test", zone, &[]).await;
    assert!(!has(&r, FindingCode::DomainDmarcWillFail));
}

#[tokio::test]
async fn a_misspelt_policy_is_invalid() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:_spf.google.com ~all")
        .txt("google._domainkey.shop.test", &key(2048))
        .txt("_dmarc.shop.test", "v=DMARC1; p=rejected");
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainDmarcInvalid);
}

#[tokio::test]
async fn strict_alignment_with_a_parent_domain_signature() {
    let zone = |adkim: &str| {
        Zone::new()
            .domain("shop.test")
            .domain("news.shop.test")
            .txt("news.shop.test", "v=spf1 ~all")
            .cname("mte1._domainkey.shop.test", "dkim1.mandrill.test")
            .txt("dkim1.mandrill.test", &key(2048))
            .txt(
                "_dmarc.news.shop.test",
                &format!("v=DMARC1; p=reject; adkim={adkim}"),
            )
    };
    let r = run(MANDRILL, "app@news.shop.test", zone("s"), &[]).await;
    assert_cause(&r, FindingCode::DomainDmarcWillFail);
    let f = finding(&r, FindingCode::DomainDmarcWillFail);
    assert!(f.message.contains("adkim=s"), "{}", f.message);
    // Relaxed: the parent-domain signature aligns.
    let r = run(MANDRILL, "app@news.shop.test", zone("r"), &[]).await;
    assert!(
        !has(&r, FindingCode::DomainDmarcWillFail),
        "{:?}",
        domain_codes(&r)
    );
}

#[tokio::test]
async fn your_own_server_whose_ptr_resolves_elsewhere() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 ip4:192.0.2.25 -all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=none")
        .ptr(OWN_ADDRESS, "mail.elsewhere.test")
        .a("mail.elsewhere.test", "192.0.2.7");
    let r = run(OWN, "app@shop.test", zone, &[]).await;
    assert_cause(&r, FindingCode::DomainPtrMismatch);
    let d = r.domain.as_ref().unwrap();
    assert_eq!(d.provider, None);
    assert_eq!(d.spf.result, Some(smtp_doctor::model::SpfResult::Pass));
}

#[tokio::test]
async fn your_own_server_healthy_and_not_authorised() {
    let healthy = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=none")
        .ptr(OWN_ADDRESS, "mail.shop.test")
        .a("mail.shop.test", OWN_ADDRESS);
    let r = run(OWN, "app@shop.test", healthy, &[]).await;
    assert_eq!(domain_codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict, Verdict::Ok);
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 ip4:198.51.100.0/24 -all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    let r = run(OWN, "app@shop.test", zone, &[]).await;
    assert!(has(&r, FindingCode::DomainSpfProviderNotAuthorised));
    assert!(has(&r, FindingCode::DomainPtrMissing));
    assert_eq!(
        r.domain.as_ref().unwrap().spf.result,
        Some(smtp_doctor::model::SpfResult::Fail)
    );
}

#[tokio::test]
async fn a_free_mail_from_through_sendgrid() {
    let r = run(SENDGRID, "someone@gmail.com", Zone::new(), &[]).await;
    assert_cause(&r, FindingCode::DomainFreemailFrom);
    // Through Gmail itself, it is Gmail's own address: nothing to say.
    let r = run(GOOGLE, "someone@gmail.com", Zone::new(), &[]).await;
    assert_eq!(domain_codes(&r), Vec::<&str>::new());
}

#[tokio::test]
async fn a_domain_that_does_not_exist() {
    let r = run(GOOGLE, "app@no-such-shop.test", Zone::new(), &[]).await;
    assert_cause(&r, FindingCode::DomainNotFound);
}

#[tokio::test]
async fn no_dmarc_is_a_warning_with_a_starting_record() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:_spf.google.com ~all")
        .txt("google._domainkey.shop.test", &key(2048));
    let r = run(GOOGLE, "app@shop.test", zone, &[]).await;
    assert!(has(&r, FindingCode::DomainDmarcMissing));
    assert_eq!(r.verdict, Verdict::Ok);
    assert!(r.recommendations.iter().any(|r| r.commands
        == vec![
            "_dmarc.shop.test. TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@shop.test\""
                .to_string()
        ]));
}

#[tokio::test]
async fn a_chosen_selector_is_looked_up_and_unknown_ones_are_not_guessed() {
    // Amazon SES: its selectors are tokens; without --dkim-selector nothing is claimed.
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 ~all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=reject");
    let r = run(
        "email-smtp.eu-west-1.amazonaws.com",
        "app@shop.test",
        zone.clone(),
        &[],
    )
    .await;
    assert!(!has(&r, FindingCode::DomainDkimMissing));
    assert!(!has(&r, FindingCode::DomainDmarcWillFail));
    // With the token given, its absence is said, and with p=reject what follows.
    let r = run(
        "email-smtp.eu-west-1.amazonaws.com",
        "app@shop.test",
        zone,
        &["tok1"],
    )
    .await;
    assert_cause(&r, FindingCode::DomainDkimMissing);
    assert!(has(&r, FindingCode::DomainDmarcWillFail));
}

#[tokio::test]
async fn a_domain_finding_never_hides_a_path_finding() {
    let dns = ZoneServer::start(Zone::new()).await;
    let closed = lab::closed_port().unwrap();
    let mut plan = lab_plan(GOOGLE, &[(587, closed)], None);
    plan.dns_server = Some(dns.addr);
    plan.domain = Some(DomainCheck {
        sender: Mailbox::parse("app@no-such-shop.test").unwrap(),
        dkim_selectors: Vec::new(),
    });
    let r = check(plan).await;
    assert!(has(&r, FindingCode::DomainNotFound));
    assert_eq!(r.verdict, Verdict::Failed);
    assert_eq!(cause(&r), Some("tcp.refused"));
}

#[tokio::test]
async fn messages_exist_in_spanish() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:spf.brevo.test ~all")
        .txt("spf.brevo.test", "v=spf1 ip4:192.0.2.0/24 ~all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=reject");
    let ca = LabCa::new("smtp-doctor test CA", "smtp-doctor tests").unwrap();
    let cfg = lab::server_tls(&ca.issue(&[BREVO], Validity::Current).unwrap()).unwrap();
    let server = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg),
    }))
    .await
    .unwrap();
    let dns = ZoneServer::start(zone).await;
    let mut plan = lab_plan(BREVO, &[(587, server.addr)], None);
    plan.extra_roots.push(ca.root_der());
    plan.dns_server = Some(dns.addr);
    plan.domain = Some(DomainCheck {
        sender: Mailbox::parse("app@shop.test").unwrap(),
        dkim_selectors: Vec::new(),
    });
    let r = check_in(plan, smtp_doctor::Lang::Es).await;
    let f = finding(&r, FindingCode::DomainDmarcWillFail);
    assert!(f.message.contains("rechazado"), "{}", f.message);
}

#[tokio::test]
async fn every_format_shows_the_domain() {
    let zone = Zone::new()
        .domain("shop.test")
        .txt("shop.test", "v=spf1 include:spf.brevo.test ~all")
        .txt("spf.brevo.test", "v=spf1 ip4:192.0.2.0/24 ~all")
        .txt("_dmarc.shop.test", "v=DMARC1; p=reject");
    let r = run(BREVO, "app@shop.test", zone, &[]).await;
    let text = smtp_doctor::render::terminal::render(
        &r,
        smtp_doctor::render::terminal::TextOptions {
            color: false,
            verbose: false,
        },
    );
    assert!(text.contains("Will it arrive"), "{text}");
    assert!(text.contains("DNS lookups 1/10, void 0/2"), "{text}");
    assert!(
        text.contains("brevo1._domainkey.shop.test: no record"),
        "{text}"
    );
    assert!(
        text.contains("_dmarc.shop.test: v=DMARC1; p=reject"),
        "{text}"
    );
    assert!(text.contains("brevo1._domainkey.shop.test. CNAME b1.shop-test.dkim.brevo.com."));
    let md = smtp_doctor::render::markdown::render(&r);
    assert!(md.contains("### Will it arrive"), "{md}");
    assert!(
        md.contains("--from app\\@shop.test") || md.contains("--from app@shop.test"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&smtp_doctor::render::json::render(&r)).unwrap();
    assert_eq!(json["domain"]["provider"], "brevo");
    assert_eq!(json["domain"]["spf"]["lookups"], 1);
    assert_eq!(json["domain"]["dmarc"]["effective_policy"], "reject");
    assert_eq!(json["cause"], "domain.dkim_missing");
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "domain.dmarc_will_fail" && f["port"].is_null()));
    let metrics =
        smtp_doctor::render::prometheus::render(&r, smtp_doctor::render::prometheus::Format::Text);
    assert!(
        metrics
            .contains(r#"smtp_doctor_failure_info{code="domain.dmarc_will_fail",step="domain"} 1"#),
        "{metrics}"
    );
}

#[test]
fn receivers_refusals_are_classified_by_explain() {
    use smtp_doctor::explain;
    let cases: &[(&str, &str)] = &[
        ("550-5.7.26 Unauthenticated email from shop.example is not accepted due to domain's DMARC policy.", "domain.dmarc_will_fail"),
        ("421-4.7.27 Your email has been rate limited because SPF authentication didn't pass for this message.", "domain.spf_provider_not_authorised"),
        ("550-5.7.27 This mail has been blocked because the sender is unauthenticated. SPF authentication did not pass.", "domain.spf_provider_not_authorised"),
        ("421-4.7.30 Your email has been rate limited because DKIM authentication didn't pass for this message.", "domain.dkim_missing"),
        ("550-5.7.30 This mail has been blocked because DKIM authentication didn't pass for this message.", "domain.dkim_missing"),
        ("421-4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain.", "domain.dmarc_will_fail"),
        ("421-4.7.40 Your email has been rate limited because DMARC policy is not enabled for the domain.", "domain.dmarc_missing"),
        ("421-4.7.23 The sending IP does not have a PTR record setup", "domain.ptr_missing"),
        ("550-5.7.25 The IP address sending this message does not have a PTR record setup", "domain.ptr_missing"),
        ("421-4.7.29 Your email has been rate limited because this message wasn't sent over a TLS connection.", "config.tls_disabled"),
        ("421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.", "send.throttled"),
        ("550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.", "domain.dmarc_will_fail"),
        ("554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes", "domain.dmarc_will_fail"),
        ("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints", "send.throttled"),
        ("553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list", "send.ip_blocklisted"),
        ("550 5.7.515 Access denied, sending domain [SHOP.EXAMPLE] doesn't meet the required authentication level.", "domain.dmarc_will_fail"),
        // Codes shared with other meanings keep them.
        ("534-5.7.9 Application-specific password required.", "auth.app_password_required"),
        ("550 5.7.30 Basic authentication is not supported for Client Submission.", "auth.basic_auth_disabled"),
        ("421 4.7.0 Try again later, closing connection. (EHLO)", "auth.rate_limited"),
    ];
    for (text, want) in cases {
        let e = explain(text, None).unwrap();
        assert_eq!(e.code.map(|c| c.as_str()), Some(*want), "{text}");
    }
    let e = explain(cases[15].0, None).unwrap();
    assert_eq!(e.sender_domain.as_deref(), Some("shop.example"));
    assert!(
        e.next().ends_with(" --from postmaster@shop.example"),
        "{}",
        e.next()
    );
    let e = explain(cases[0].0, None).unwrap();
    assert_eq!(e.sender().as_deref(), Some("postmaster@shop.example"));
    assert!(!e.causes.is_empty());
}

#[tokio::test]
async fn a_receivers_refusal_at_send_is_said_for_what_it_is() {
    let ca = LabCa::new("smtp-doctor test CA", "smtp-doctor tests").unwrap();
    let cfg = lab::server_tls(&ca.issue(&[OWN], Validity::Current).unwrap()).unwrap();
    let mut behaviour = ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg),
    });
    behaviour.data_reply = "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked.".into();
    let server = LabServer::start(behaviour).await.unwrap();
    let mut plan = lab_plan(OWN, &[(587, server.addr)], None);
    plan.extra_roots.push(ca.root_der());
    plan.send = Some(smtp_doctor::SendPlan {
        from: Mailbox::parse("app@shop.test").unwrap(),
        to: Mailbox::parse("someone@gmail.test").unwrap(),
    });
    plan.send_port = Some(587);
    let r = check(plan).await;
    assert_eq!(cause(&r), Some("send.message_rejected"));
    let f = finding(&r, FindingCode::SendMessageRejected);
    assert!(
        f.message.contains("unauthenticated") && f.message.contains("--from"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn the_address_result_stops_at_its_match_as_a_receiver_does() {
    // ip4: matches first: a receiver answers pass before the 11 lookups behind it; the record
    // is still over the limit for every other sender.
    let mut zone = Zone::new()
        .domain("shop.test")
        .txt(
            "shop.test",
            "v=spf1 ip4:192.0.2.25 include:i1.shop.test -all",
        )
        .txt("_dmarc.shop.test", "v=DMARC1; p=none");
    for i in 1..=11 {
        let next = if i < 11 {
            format!("v=spf1 include:i{}.shop.test -all", i + 1)
        } else {
            "v=spf1 ip4:198.51.100.1 -all".to_string()
        };
        zone = zone.txt(&format!("i{i}.shop.test"), &next);
    }
    let r = run(OWN, "app@shop.test", zone, &[]).await;
    let spf = &r.domain.as_ref().unwrap().spf;
    assert_eq!(spf.result, Some(smtp_doctor::model::SpfResult::Pass));
    assert_eq!(spf.lookups, 11);
    assert!(has(&r, FindingCode::DomainSpfTooManyLookups));
    assert!(!has(&r, FindingCode::DomainSpfProviderNotAuthorised));
}

#[tokio::test]
async fn a_resolver_that_never_answers_is_said_and_changes_no_verdict() {
    let ca = LabCa::new("smtp-doctor test CA", "smtp-doctor tests").unwrap();
    let cfg = lab::server_tls(&ca.issue(&[GOOGLE], Validity::Current).unwrap()).unwrap();
    let server = LabServer::start(ServerBehaviour::smtp(ServerMode::Smtp {
        starttls: Some(cfg),
    }))
    .await
    .unwrap();
    let dead = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut plan = lab_plan(
        GOOGLE,
        &[(587, server.addr)],
        Some(std::time::Duration::from_millis(400)),
    );
    plan.extra_roots.push(ca.root_der());
    plan.dns_server = Some(dead.local_addr().unwrap());
    plan.domain = Some(DomainCheck {
        sender: Mailbox::parse("app@shop.test").unwrap(),
        dkim_selectors: Vec::new(),
    });
    let r = check(plan).await;
    assert!(
        has(&r, FindingCode::DomainLookupFailed),
        "{:?}",
        domain_codes(&r)
    );
    assert_eq!(domain_codes(&r), vec!["domain.lookup_failed"]);
    assert_eq!(r.verdict, Verdict::Ok);
}
