//! The `application.yml` reader: any text, no panic, no hang, keys made of the file's scalars.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::flatten_yaml;
use smtp_doctor::settings::Origin;

fuzz_target!(|text: &str| {
    // YAML breaks lines at CR LF, LF and a lone CR (YAML 1.2 §5.4), as editors do.
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
    for (_key, _value, origin) in flatten_yaml(text) {
        let Origin::File { line, .. } = origin else {
            panic!("{origin:?} is not a file line");
        };
        assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
    }
});
