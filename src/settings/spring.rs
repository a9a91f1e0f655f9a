//! Spring Boot: `spring.mail.*` in `application.properties` or `application.yml`.

use super::{read_text, Interpreted, Interpreter, Layers, Origin, SettingsError, Sources};
use crate::frameworks::spring::{PREFIX, SSL_ENABLE, STARTTLS_ENABLE, TIMEOUT_MS};
use saphyr_parser::{Event, ScalarStyle};

const FILES: [&str; 6] = [
    "application.properties",
    "src/main/resources/application.properties",
    "application.yml",
    "src/main/resources/application.yml",
    "application.yaml",
    "src/main/resources/application.yaml",
];

/// Adds the `spring.mail.*` values of the project's application files; `true` when any.
pub(super) fn read_project(sources: &Sources, layers: &mut Layers) -> Result<bool, SettingsError> {
    let mut found = false;
    for name in FILES {
        let path = sources.dir.join(name);
        if !super::present(&path) {
            continue;
        }
        let entries = if name.ends_with(".properties") {
            // Java reads .properties as ISO-8859-1 (Spring Boot also takes UTF-8).
            let text = crate::files::read_latin1(&path, crate::files::FileKind::Settings)?;
            let shown = path.display().to_string();
            super::properties::parse_properties(&text, &shown)
                .map_err(|why| SettingsError::Unreadable { path: shown, why })?
        } else {
            let shown = path.display().to_string();
            flatten_yaml(&read_text(&path)?, &shown)
                .map_err(|why| SettingsError::Unreadable { path: shown, why })?
        };
        for (k, v, o) in entries {
            if k.starts_with(PREFIX) {
                found = true;
                layers.add(&k, v, o);
            }
        }
    }
    Ok(found)
}

/// JavaMail's TLS properties and timeout (milliseconds).
pub(super) fn read_tls(
    it: &mut Interpreter<'_>,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    it.flag(STARTTLS_ENABLE, &mut path.starttls)?;
    it.flag(SSL_ENABLE, &mut path.implicit)?;
    if let Some(raw) = it.get(TIMEOUT_MS) {
        let bad = || {
            it.bad(
                TIMEOUT_MS,
                raw,
                "milliseconds greater than 0 and at most 3600000 (0: no timeout)",
            )
        };
        let ms: f64 = raw.value.trim().parse().map_err(|_| bad())?;
        // JavaMail's 0 is "no timeout": unset, as Django's None.
        path.timeout = if ms == 0.0 {
            None
        } else {
            Some(super::timeout_secs(&(ms / 1000.0).to_string()).ok_or_else(bad)?)
        };
    }
    Ok(())
}

/// Nesting deeper than this is not a mail setting: what is inside is skipped.
const MAX_DEPTH: usize = 64;

/// What the innermost open mapping expects next.
enum Pending {
    /// A key.
    Key,
    /// The value of this key (its 1-based line).
    Value(String, usize),
    /// The value of a key that is not a plain scalar: skipped.
    Skip,
}

/// Flattens Spring YAML (`spring:` / `  mail:` / `    host: x`, flow mappings too) into
/// dotted keys, with the line of each key. Sequences, aliases and null values are left out.
/// A syntax error is an error naming its line: the settings after it cannot be known, and the
/// application (Spring) would not start with that file either.
pub(crate) fn flatten_yaml(
    text: &str,
    path: &str,
) -> Result<Vec<(String, String, Origin)>, String> {
    let mut out = Vec::new();
    // One entry per open mapping; `keys` holds the dotted path to the innermost one.
    let mut maps: Vec<Pending> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    // Depth inside something skipped (a sequence, or a non-scalar key or value).
    let mut skipping = 0usize;
    for event in saphyr_parser::Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| format!("not valid YAML: {e}"))?;
        if skipping > 0 {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => skipping += 1,
                Event::MappingEnd | Event::SequenceEnd => skipping -= 1,
                _ => {}
            }
            continue;
        }
        if maps.len() > MAX_DEPTH
            && matches!(event, Event::MappingStart(..) | Event::SequenceStart(..))
        {
            settle(&mut maps);
            skipping = 1;
            continue;
        }
        match event {
            Event::DocumentStart(_) => {
                maps.clear();
                keys.clear();
            }
            Event::MappingStart(..) => match maps.pop() {
                // A nested mapping under `key`.
                Some(Pending::Value(key, _)) => {
                    keys.push(key);
                    maps.push(Pending::Key);
                    maps.push(Pending::Key);
                }
                // A mapping as a key, or the value of such a key: skipped.
                Some(other) => {
                    maps.push(other);
                    settle(&mut maps);
                    skipping = 1;
                }
                None => maps.push(Pending::Key),
            },
            Event::MappingEnd => {
                maps.pop();
                if !maps.is_empty() {
                    keys.pop();
                }
            }
            Event::SequenceStart(..) => {
                skipping = 1;
                settle(&mut maps);
            }
            Event::Scalar(value, style, _, _) => match maps.last_mut() {
                Some(pending @ Pending::Key) => {
                    *pending = Pending::Value(value.into_owned(), span.start.line());
                }
                Some(Pending::Value(key, line)) => {
                    let null = style == ScalarStyle::Plain
                        && matches!(&*value, "" | "~" | "null" | "Null" | "NULL");
                    if !null {
                        out.push(entry(&keys, key, value.into_owned(), *line, path));
                    }
                    settle(&mut maps);
                }
                Some(Pending::Skip) | None => settle(&mut maps),
            },
            Event::Alias(_) => settle(&mut maps),
            _ => {}
        }
    }
    Ok(out)
}

/// The dotted key `keys.key` and its value, as read at `line`.
fn entry(
    keys: &[String],
    key: &str,
    value: String,
    line: usize,
    path: &str,
) -> (String, String, Origin) {
    let mut full = keys.join(".");
    if !full.is_empty() {
        full.push('.');
    }
    full.push_str(key);
    let origin = Origin::File {
        path: path.to_string(),
        line,
        key: full.clone(),
    };
    (full, value, origin)
}

/// A node of the innermost mapping is complete: it expects a key, or a value after a skipped
/// key.
fn settle(maps: &mut [Pending]) {
    if let Some(pending) = maps.last_mut() {
        *pending = match pending {
            Pending::Key => Pending::Skip,
            Pending::Value(..) | Pending::Skip => Pending::Key,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(v: &[(String, String, Origin)], key: &str) -> Option<(String, usize)> {
        v.iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, val, o)| match o {
                Origin::File { line, .. } => (val.clone(), *line),
                _ => (val.clone(), 0),
            })
    }

    #[test]
    fn yaml_forms_a_hand_parser_got_wrong() {
        let yaml = "spring:\n  mail:\n    host: \"smtp.example.com\" # the relay\n    password: 'a #b'\n    properties: {mail.smtp.ssl.enable: true, mail.smtp.timeout: 5000}\n    username: ~\n    test-connection:\n    - a: b\n  other: x\n";
        let v = flatten_yaml(yaml, "application.yml").unwrap();
        assert_eq!(
            get(&v, "spring.mail.host"),
            Some(("smtp.example.com".into(), 3))
        );
        assert_eq!(get(&v, "spring.mail.password").unwrap().0, "a #b");
        assert_eq!(
            get(&v, "spring.mail.properties.mail.smtp.ssl.enable")
                .unwrap()
                .0,
            "true"
        );
        assert_eq!(get(&v, "spring.mail.username"), None, "null is unset");
        assert_eq!(get(&v, "spring.other").unwrap().0, "x");
        assert!(v.iter().all(|(k, _, _)| !k.contains("test-connection")));
    }

    #[test]
    fn hostile_yaml_is_bounded() {
        for text in [
            "[".repeat(10_000),
            "{a: ".repeat(10_000),
            "a:\n".to_string() + &" b:\n".repeat(500),
            "? [a]\n: {b: c}\nspring: {mail: {host: h}}\n".to_string(),
            "&x a: *x\n*x : 1\n".to_string(),
            "\u{feff}spring:\n\tmail: x\n".to_string(),
        ] {
            let _ = flatten_yaml(&text, "application.yml");
        }
        let v = flatten_yaml("? [a]\n: {b: c}\nspring: {mail: {host: h}}\n", "y").unwrap();
        assert_eq!(get(&v, "spring.mail.host").unwrap().0, "h");
        // Deep nesting is skipped, not the end of the reading.
        let deep = format!(
            "a: {}1{}\nspring: {{mail: {{host: h}}}}\n",
            "{b: ".repeat(100),
            "}".repeat(100)
        );
        let v = flatten_yaml(&deep, "y").unwrap();
        assert_eq!(get(&v, "spring.mail.host").unwrap().0, "h");
    }

    /// Regression: a syntax error silently ended the reading, and `port: [587` became port 25.
    #[test]
    fn a_yaml_syntax_error_is_an_error_with_its_line() {
        let why = flatten_yaml("spring:\n  mail:\n    host: h\n    port: [587\n", "y").unwrap_err();
        assert!(
            why.contains("not valid YAML") && why.contains("line"),
            "{why}"
        );
    }
}
