//! The `application.properties` reader.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::fuzzing::parse_properties;

fuzz_target!(|text: &str| {
    let lines = text.lines().count();
    let entries = parse_properties(text);
    assert!(entries.len() <= lines);
    for (key, value, _) in entries {
        assert!(!key.is_empty());
        assert!(key.len() + value.len() <= text.len());
    }
});
