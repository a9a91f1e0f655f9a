//! The transcript escaper: the output never holds a character that can drive a terminal or
//! hide or reorder text, and escaping it again changes nothing that matters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::escape;
#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let once = escape(data);
    common::assert_safe("escape", &once);
    // Escaped text is safe text: escaping it again leaves it as it is.
    assert_eq!(escape(once.as_bytes()), once);
    // Valid UTF-8 without anything to escape passes through unchanged.
    if let Ok(text) = std::str::from_utf8(data) {
        if !text.chars().any(|c| common::forbidden(c) || c == '\t') {
            assert_eq!(once, text);
        }
    }
});
