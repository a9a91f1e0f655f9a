//! Java `.properties` files as `java.util.Properties.load` reads them (Spring Boot's
//! `application.properties`): `=`, `:` or blanks between key and value, `#`/`!` comments,
//! lines continued by a trailing backslash, and `\t \n \r \f \uXXXX` escapes.

use super::Origin;

/// One `key`, `value`, `origin` per property, in file order (a later one wins, as in Java).
/// A malformed `\uXXXX` is an error naming its line: Java refuses the file too.
pub(crate) fn parse_properties(
    text: &str,
    path: &str,
) -> Result<Vec<(String, String, Origin)>, String> {
    let mut out = Vec::new();
    // Java ends a line at `\n`, `\r` or `\r\n`.
    let mut lines = text.split('\n').flat_map(|l| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        l.split('\r')
    });
    let mut number = 0usize;
    while let Some(first) = lines.next() {
        number += 1;
        let start = number;
        let head = first.trim_start_matches([' ', '\t', '\u{c}']);
        if head.is_empty() || head.starts_with(['#', '!']) {
            continue;
        }
        // The logical line: natural lines joined while one ends in an odd run of backslashes.
        let mut logical = head.to_string();
        while ends_continued(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => {
                    number += 1;
                    logical.push_str(next.trim_start_matches([' ', '\t', '\u{c}']));
                }
                None => break,
            }
        }
        let (key, value) = split_key(&logical);
        let bad = |why: &str| format!("{path}:{start}: {why}");
        let key = unescape(key).map_err(&bad)?;
        let value = unescape(value).map_err(&bad)?;
        let origin = Origin::File {
            path: path.to_string(),
            line: start,
            key: key.clone(),
        };
        out.push((key, value, origin));
    }
    Ok(out)
}

/// True when `line` ends in an odd number of backslashes (the last one continues the line).
fn ends_continued(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// The raw key and the raw value: the key ends at the first unescaped `=`, `:` or blank; then
/// blanks, at most one `=` or `:`, and blanks again are skipped.
fn split_key(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '=' | ':' | ' ' | '\t' | '\u{c}') {
            end = i;
            break;
        }
    }
    let key = &line[..end];
    let mut rest = line[end..].trim_start_matches([' ', '\t', '\u{c}']);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches([' ', '\t', '\u{c}']);
    }
    (key, rest)
}

/// Resolves the escapes: `\t \n \r \f`, `\uXXXX` (UTF-16, surrogate pairs joined), and `\x`
/// for any other `x`.
fn unescape(raw: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(raw.len());
    let mut units: Vec<u16> = Vec::new();
    let mut chars = raw.chars();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.extend(char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{fffd}')));
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush(&mut units, &mut out);
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = (hex.len() == 4)
                    .then(|| u16::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .ok_or("malformed \\uxxxx escape")?;
                units.push(unit);
                continue;
            }
            Some(e) => {
                flush(&mut units, &mut out);
                out.push(match e {
                    't' => '\t',
                    'n' => '\n',
                    'r' => '\r',
                    'f' => '\u{c}',
                    other => other,
                });
            }
            None => flush(&mut units, &mut out),
        }
    }
    flush(&mut units, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, String, usize)> {
        parse_properties(text, "application.properties")
            .unwrap()
            .into_iter()
            .map(|(k, v, o)| match o {
                Origin::File { line, .. } => (k, v, line),
                _ => unreachable!(),
            })
            .collect()
    }

    /// Regression: `key: value`, `key value` and continued lines were misread by the
    /// dotenv reader (`enable=\` became the value `\`).
    #[test]
    fn the_forms_java_reads() {
        let v = read(
            "# c\n! c\nspring.mail.host: smtp.gmail.com\n  spring.mail.port   465\nspring.mail.properties.mail.smtp.ssl.enable=\\\n    true\nspring.mail.username = a\\u00e9\\\\b\\=c\nempty\nspring.mail.password=p#not-a-comment\r\nk\\ with\\ space = v\n",
        );
        assert_eq!(
            v,
            vec![
                ("spring.mail.host".into(), "smtp.gmail.com".into(), 3),
                ("spring.mail.port".into(), "465".into(), 4),
                (
                    "spring.mail.properties.mail.smtp.ssl.enable".into(),
                    "true".into(),
                    5
                ),
                ("spring.mail.username".into(), "aé\\b=c".into(), 7),
                ("empty".into(), "".into(), 8),
                ("spring.mail.password".into(), "p#not-a-comment".into(), 9),
                ("k with space".into(), "v".into(), 10),
            ]
        );
        // An even run of backslashes does not continue; surrogate pairs join.
        assert_eq!(read("a=b\\\\\nc=d\n").len(), 2);
        assert_eq!(read("a=\\ud83d\\ude00")[0].1, "😀");
        assert!(parse_properties("a=\\u12", "p")
            .unwrap_err()
            .contains("p:1"));
        assert!(parse_properties("a=\\uzzzz", "p").is_err());
        assert_eq!(read("a=b\\").len(), 1);
        assert_eq!(
            read("a=b\rc=d\r\ne=f").len(),
            3,
            "a lone CR ends a line too"
        );
    }
}
