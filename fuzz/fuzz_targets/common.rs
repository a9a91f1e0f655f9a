//! Oracles shared by the targets (written from the brief, not from the code under test).
#![allow(dead_code)]

/// Characters that must never reach a terminal or a page raw: controls (C0, DEL, C1, so ESC
/// and BEL), bidi controls, zero-width and invisible characters (soft hyphen, U+180E, U+2060–4 too), Unicode line separators.
pub fn forbidden(c: char) -> bool {
    c.is_control()
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || ('\u{2060}'..='\u{2064}').contains(&c)
        || matches!(
            c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
        )
}

/// Panics when `text` holds a character that must have been escaped.
pub fn assert_safe(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| forbidden(c)) {
        panic!("{what}: unescaped U+{:04X} in {text:?}", c as u32);
    }
}

/// How often `needle` occurs in `hay` (overlapping).
pub fn count(hay: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    (0..hay.len())
        .filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle))
        .count()
}

/// The authority of a URL as written: after `://`, up to the first `/`, `?` or `#`.
pub fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())]
}
