//! The certificate describer: arbitrary bytes as a DER certificate (seeded with the lab CA's
//! real certificates).
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::describe_certificate;
#[path = "common.rs"]
mod common;

fuzz_target!(|der: &[u8]| {
    let Some(info) = describe_certificate(der) else {
        return;
    };
    common::assert_safe("subject", &info.subject);
    common::assert_safe("issuer", &info.issuer);
    for name in &info.names {
        common::assert_safe("name", name);
    }
    assert_eq!(info.sha256.len(), 64);
    assert!(info.not_after.ends_with('Z') && info.not_before.ends_with('Z'));
});
