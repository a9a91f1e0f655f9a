//! EMAIL_URL: the parser never panics, and the masked form of a URL never shows the password
//! the parser found in it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::{mask_url, parse_email_url};
#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let masked = mask_url(text);
    let Ok(url) = parse_email_url(text) else {
        return;
    };
    assert!(!url.host.is_empty() && url.port != 0);
    let Some(password) = url.password.as_ref().map(|p| p.expose().to_string()) else {
        return;
    };
    // Read as a URL, the masked form carries no real password.
    if let Ok(again) = parse_email_url(&masked) {
        let shown = again.password.as_ref().map(|p| p.expose().to_string());
        assert!(
            shown.is_none() || shown.as_deref() == Some("****"),
            "{masked:?} still has password {shown:?} (was {password:?})"
        );
        assert_eq!(again.host, url.host);
        assert_eq!(again.port, url.port);
    }
    // Literally: a password written as is in the user info is gone from the masked form (it
    // may still occur elsewhere, e.g. when it equals the host or is written in the path).
    if password.chars().all(|c| c.is_ascii_alphanumeric())
        && common::authority(text).contains(&format!(":{password}@"))
    {
        assert!(
            common::count(&masked, &password) < common::count(text, &password),
            "{masked:?} shows the password {password:?}"
        );
    }
});
