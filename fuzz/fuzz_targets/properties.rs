//! The `application.properties` reader (`java.util.Properties.load` rules).
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::parse_properties;

fuzz_target!(|text: &str| {
    // Java ends a line at \n, \r or \r\n; at most one property starts on a line, and
    // escapes never make text longer.
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
    let entries = parse_properties(text);
    assert!(entries.len() <= lines);
    for (key, value, _) in entries {
        assert!(key.len() + value.len() <= text.len());
    }
});
