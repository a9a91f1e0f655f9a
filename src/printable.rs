//! What can be printed: untrusted bytes made safe for a terminal or a page, and dates.

/// True for characters that can reorder, hide or break the text around them on a terminal or
/// a web page: bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width and invisible
/// characters (U+200B–D, U+2060–4, U+FEFF, U+180E, soft hyphen) and the Unicode line and
/// paragraph separators (U+2028, U+2029).
fn is_deceptive(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Escapes control characters (C0, DEL, C1: terminal escapes) and bidi, invisible and
/// line-separator characters, so untrusted text (network, files) is safe to print: each becomes
/// `\u{hex}`.
pub fn escape(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() || is_deceptive(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Formats Unix seconds as RFC 3339 UTC (civil-from-days, Howard Hinnant's algorithm).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(
            escape(b"220 ok\x1b[31mred\x07"),
            "220 ok\\u{1b}[31mred\\u{7}"
        );
        assert_eq!(escape("a\u{202e}b".as_bytes()), "a\\u{202e}b");
        assert_eq!(escape(b"caf\xc3\xa9"), "café");
    }

    #[test]
    fn escapes_bidi_invisible_and_separators() {
        for c in [
            '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{feff}', '\u{2066}',
            '\u{85}', '\u{9b}',
        ] {
            let s = format!("a{c}b");
            assert_eq!(escape(s.as_bytes()), format!("a\\u{{{:x}}}b", c as u32));
        }
        assert_eq!(escape("smtp.ñandú.es".as_bytes()), "smtp.ñandú.es");
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_765_324_800), "2025-12-10T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
