//! The dotenv reader (`.env`, `--env-file`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::parse_dotenv;
use smtp_doctor::settings::Origin;
#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let lines = text.lines().count();
    for (key, _value, origin) in parse_dotenv(text, ".env") {
        assert!(!key.is_empty());
        assert!(key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'));
        let Origin::File { line, .. } = origin else {
            panic!("{origin:?} is not a file line");
        };
        assert!((1..=lines).contains(&line), "line {line} of {lines}");
    }
});
