//! The error-text classifier behind `explain` (`knowledge::errors::classify`, reached through
//! `explain::explain`): any text, never a panic; what it keeps of the input is only host-name
//! characters, and the confirming command and the text shown hold nothing that can drive a
//! terminal or a shell.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::{explain, Lang};
use smtp_doctor::testing::MAX_INPUT;
use smtp_doctor::testing::classify_error;
#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let c = classify_error(text);
    if let Some(host) = &c.host {
        assert!(!host.is_empty() && host.len() <= 254, "{host:?}");
        assert!(
            host.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".-_:".contains(ch)),
            "{host:?}"
        );
    }
    assert!(c.port != Some(0));
    assert!(c.code.is_none_or(|code| (400..600).contains(&code)));
    // Only the first MAX_INPUT bytes count.
    if text.len() > MAX_INPUT + 8 {
        let mut end = MAX_INPUT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        assert_eq!(classify_error(&text[..end]), c);
    }
    let e = explain(text, None).expect("no --host, no error");
    let next = e.next();
    assert!(
        next.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || " .-_:".contains(ch)),
        "{next:?}"
    );
    for lang in [Lang::En, Lang::Es] {
        for line in e.to_text(lang).lines() {
            common::assert_safe("explain text", line);
        }
        let json = e.to_json(lang).to_string();
        assert!(json.starts_with('{'));
    }
});
