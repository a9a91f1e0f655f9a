//! A suggested setting's value with its kind, decided where the value is made, so that each
//! framework's snippet quotes it by its own language's rules instead of guessing from the text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// The settings to change, by name, in a framework's own names.
pub type Settings = BTreeMap<String, SettingValue>;

/// What a value is, which decides how a snippet writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Text: a string literal wherever the language quotes strings.
    Str,
    /// A whole number, never quoted.
    Int,
    /// A boolean, in the language's own spelling (`True` in Python, `true` elsewhere).
    Bool,
    /// A constant or keyword of the language (`PHPMailer::ENCRYPTION_SMTPS`, `null`), written
    /// as is.
    Code,
}

/// One value to set: its kind and its text in the framework's spelling. Serialises as the
/// text (docs/CONTRACT.md: `recommendations[].settings` is a map of string to string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingValue {
    kind: ValueKind,
    text: String,
}

impl SettingValue {
    /// Text, quoted as a string where the language quotes strings.
    pub fn str(text: impl Into<String>) -> SettingValue {
        SettingValue {
            kind: ValueKind::Str,
            text: text.into(),
        }
    }

    /// A constant or keyword of the framework's language, written as is.
    pub fn code(text: impl Into<String>) -> SettingValue {
        SettingValue {
            kind: ValueKind::Code,
            text: text.into(),
        }
    }

    /// A port number.
    pub fn port(port: u16) -> SettingValue {
        SettingValue {
            kind: ValueKind::Int,
            text: port.to_string(),
        }
    }

    /// A whole number (a timeout in the setting's unit).
    pub fn int(n: u32) -> SettingValue {
        SettingValue {
            kind: ValueKind::Int,
            text: n.to_string(),
        }
    }

    /// A Python boolean: `True` / `False`.
    pub fn python_bool(value: bool) -> SettingValue {
        SettingValue {
            kind: ValueKind::Bool,
            text: if value { "True" } else { "False" }.into(),
        }
    }

    /// A boolean spelled `true` / `false` (Ruby, JavaScript, Java properties).
    pub fn lower_bool(value: bool) -> SettingValue {
        SettingValue {
            kind: ValueKind::Bool,
            text: if value { "true" } else { "false" }.into(),
        }
    }

    /// What the value is.
    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// The value's text, unquoted.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for SettingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for SettingValue {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for SettingValue {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl Serialize for SettingValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// JSON holds only the text, so a value read back is text ([`ValueKind::Str`]); snippets are
/// made from the values the diagnosis built, not from a report read back.
impl<'de> Deserialize<'de> for SettingValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SettingValue, D::Error> {
        String::deserialize(deserializer).map(SettingValue::str)
    }
}

/// A double-quoted literal with `\` and `"` escaped (Python, JavaScript, Ruby), plus the
/// characters given in `extra` (e.g. `#` for Ruby's `#{}`). Control, bidi and invisible
/// characters become `\uXXXX`, which all three read the same way, so no value can end the
/// line it is written on.
pub(crate) fn double_quoted(s: &str, extra: &[char]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' | '"' => out.push('\\'),
            c if needs_unicode_escape(c) => {
                out.push_str(&format!("\\u{:04x}", c as u32));
                continue;
            }
            c if extra.contains(&c) => out.push('\\'),
            _ => {}
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A character that must not appear raw inside a literal: a control (line ends among them), or
/// one that `printable::escape` shows escaped (bidi, invisible, line separators). All are in the BMP.
pub(crate) fn needs_unicode_escape(c: char) -> bool {
    c.is_control()
        || crate::printable::escape(c.encode_utf8(&mut [0; 4]).as_bytes()).starts_with("\\u{")
}

/// A value for a `.env` file (phpdotenv, python-dotenv, Node's dotenv): as is when it holds only
/// characters no reader treats specially, else double-quoted with `\`, `"`, `$` (interpolation)
/// escaped and controls as `\n` / `\uXXXX`.
pub(crate) fn env_value(s: &str) -> String {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-:/@%+,".contains(c));
    if plain {
        return s.to_string();
    }
    dollar_quoted(s, |c| match c {
        '\n' => "\\n".to_string(),
        c => format!("\\u{:04x}", c as u32),
    })
}

/// A double-quoted literal for languages that interpolate `$` (PHP, `.env` readers): `\\`,
/// `"` and `$` escaped with a backslash, and every character [`needs_unicode_escape`] names
/// written by `escape_char` in the language's own form.
pub(crate) fn dollar_quoted(s: &str, escape_char: impl Fn(char) -> String) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if needs_unicode_escape(c) => out.push_str(&escape_char(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Java properties value (`java.util.Properties.load`): `\`, `#`, `!`, `=`, `:` and a leading
/// space escaped with a backslash, and every character that is not printable ASCII as
/// `\uXXXX` (UTF-16), so the value stays on its line.
pub(crate) fn properties_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' | '#' | '!' | '=' | ':' => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == 0 => out.push_str("\\ "),
            c if (' '..='~').contains(&c) => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_its_text() {
        let s = Settings::from([
            ("A".to_string(), SettingValue::port(465)),
            ("B".to_string(), SettingValue::python_bool(true)),
            ("C".to_string(), SettingValue::code("X::Y")),
            ("D".to_string(), SettingValue::str("h")),
        ]);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"A":"465","B":"True","C":"X::Y","D":"h"}"#
        );
        assert_eq!(s["A"], "465");
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(double_quoted(r#"a"b\c"#, &[]), r#""a\"b\\c""#);
        assert_eq!(double_quoted("#{x}", &['#']), r#""\#{x}""#);
        // Nothing can end the line a value is written on.
        assert_eq!(
            double_quoted("a\r\nb\u{2028}c", &[]),
            r#""a\u000d\u000ab\u2028c""#
        );
        assert_eq!(env_value("smtp.gmail.com"), "smtp.gmail.com");
        assert_eq!(env_value("a b$X\n\""), r#""a b\$X\n\"""#);
        assert_eq!(properties_value("a=b:c\nd é"), r"a\=b\:c\u000ad \u00e9");
        assert_eq!(properties_value(" x#"), r"\ x\#");
    }
}
