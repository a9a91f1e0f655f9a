//! What can be printed: untrusted bytes made safe for a terminal or a page, and dates.

use std::fmt::Write as _;

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
    // Printable ASCII, what nearly every reply line is, has nothing to decode or replace:
    // one copy, no walk through its characters.
    if printable_ascii(bytes) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() || is_deceptive(c) => {
                // Writing into a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] of a string already owned: given back as it is when it is printable ASCII (a
/// certificate's names, nearly always), without a copy.
pub(crate) fn escape_owned(text: String) -> String {
    if printable_ascii(text.as_bytes()) {
        text
    } else {
        escape(text.as_bytes())
    }
}

fn printable_ascii(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| (0x20..0x7f).contains(b))
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
    // Sized once (20 bytes for years 0–9999): format! would grow its buffer several times.
    let mut out = String::with_capacity(20);
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    out
}

/// `bytes` as lowercase hexadecimal, two digits a byte (a certificate's digest, a nonce, the
/// hex form of a secret that is masked).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
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
    fn printable_ascii_is_kept_as_it_is_and_the_rest_still_escaped() {
        // The fast path for printable ASCII must give what the character walk gives.
        let all: Vec<u8> = (0x20..0x7f).collect();
        assert_eq!(escape(&all), String::from_utf8(all.clone()).unwrap());
        assert_eq!(escape(b"a\tb"), "a b");
        assert_eq!(escape(b"a\x7fb"), "a\\u{7f}b");
        assert_eq!(escape(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(escape(b""), "");
    }

    #[test]
    fn an_owned_string_is_escaped_as_its_bytes_are() {
        for text in [
            "CN=mail.example, O=Example",
            "CN=caf\u{e9}",
            "a\tb",
            "x\u{1b}[31m",
            "",
        ] {
            assert_eq!(escape_owned(text.to_string()), escape(text.as_bytes()));
        }
    }

    #[test]
    fn hex_digests() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_765_324_800), "2025-12-10T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
