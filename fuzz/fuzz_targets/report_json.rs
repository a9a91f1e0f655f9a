//! The report JSON reader of `diff`, and the comparison: two reports split at the first NUL.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::{diff, read_report};

fuzz_target!(|text: &str| {
    let (a, b) = text.split_once('\0').unwrap_or((text, text));
    let (Ok(a), Ok(b)) = (read_report(a), read_report(b)) else {
        return;
    };
    assert!(diff(&a, &a).is_empty());
    let ab = diff(&a, &b);
    let ba = diff(&b, &a);
    assert_eq!(ab.len(), ba.len());
    for (x, y) in ab.iter().zip(&ba) {
        assert_eq!((&x.what, &x.a, &x.b), (&y.what, &y.b, &y.a));
    }
    // A report read back from its own JSON is the same report.
    let json = serde_json::to_string(&a).unwrap();
    let again = read_report(&json).unwrap();
    assert!(diff(&a, &again).is_empty());
});
