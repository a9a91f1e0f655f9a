//! The SMTP reply reader (the bounded wire), the reply-line parser and the EHLO capability
//! parser, fed whatever a hostile server sends.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smtp_doctor::testing::{capabilities, parse_reply_line, read_replies, MAX_REPLY_LINES};
#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses how the bytes are split into reads (1 to 256 at a time).
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let dialogue = read_replies(bytes, usize::from(split) + 1);
    common::assert_safe("end", &dialogue.end);
    for line in &dialogue.transcript {
        common::assert_safe("transcript", &line.text);
    }
    for reply in &dialogue.replies {
        assert!((200..=599).contains(&reply.code), "code {}", reply.code);
        assert!(!reply.lines.is_empty() && reply.lines.len() <= MAX_REPLY_LINES);
        // Render the reply back as wire lines: each parses to the same code, flag and text.
        let last = reply.lines.len() - 1;
        for (i, text) in reply.lines.iter().enumerate() {
            common::assert_safe("reply line", text);
            let sep = if i == last { ' ' } else { '-' };
            let wire = format!("{}{sep}{text}", reply.code);
            assert_eq!(
                parse_reply_line(&wire),
                Some((reply.code, i != last, text.as_str()))
            );
        }
        let caps = capabilities(reply);
        for m in &caps.auth {
            assert!(!m.is_empty() && !m.contains(char::is_whitespace), "{m:?}");
            common::assert_safe("auth", m);
        }
        for o in &caps.other {
            common::assert_safe("capability", o);
        }
    }
    // The line parser on its own, on any text.
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Some((code, _, rest)) = parse_reply_line(text) {
            assert!((200..=599).contains(&code));
            assert!(text.ends_with(rest));
        }
    }
});
