//! The settings.py text reader (literals and environment lookups, no Python run).
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::parse_python_settings;

fuzz_target!(|text: &str| {
    let lines = text.lines().count();
    for env in [None, Some("from-env")] {
        for (name, _value, _origin) in parse_python_settings(text, env) {
            assert!(name.starts_with("EMAIL_"), "{name:?}");
        }
    }
    assert!(parse_python_settings(text, None).len() <= lines);
});
