//! Spring Boot: `spring.mail.*` in `application.properties` or `application.yml`.

use super::{read_text, Interpreted, Interpreter, Layers, Origin, SettingsError, Sources};
use crate::frameworks::spring::{PREFIX, SSL_ENABLE, STARTTLS_ENABLE, TIMEOUT_MS};

const FILES: [&str; 6] = [
    "application.properties",
    "src/main/resources/application.properties",
    "application.yml",
    "src/main/resources/application.yml",
    "application.yaml",
    "src/main/resources/application.yaml",
];

/// Adds the `spring.mail.*` values of the project's application files; `true` when any.
pub(super) fn read_project(sources: &Sources, layers: &mut Layers) -> bool {
    let mut found = false;
    for name in FILES {
        let path = sources.dir.join(name);
        let Ok(text) = read_text(&path) else {
            continue;
        };
        let entries = if name.ends_with(".properties") {
            super::dotenv::parse_dotenv(&text, &path.display().to_string())
        } else {
            flatten_yaml(&text, &path.display().to_string())
        };
        for (k, v, o) in entries {
            if k.starts_with(PREFIX) {
                found = true;
                layers.add(&k, v, o);
            }
        }
    }
    found
}

/// JavaMail's TLS properties and timeout (milliseconds).
pub(super) fn read_tls(
    it: &mut Interpreter<'_>,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    it.flag(STARTTLS_ENABLE, &mut path.starttls)?;
    it.flag(SSL_ENABLE, &mut path.implicit)?;
    if let Some(raw) = it.get(TIMEOUT_MS) {
        let ms: f64 = raw
            .value
            .trim()
            .parse()
            .map_err(|_| it.bad(TIMEOUT_MS, raw, "milliseconds"))?;
        path.timeout = Some(ms / 1000.0);
    }
    Ok(())
}

/// Flattens simple Spring YAML (`spring:` / `  mail:` / `    host: x`) into dotted keys.
pub fn flatten_yaml(text: &str, path: &str) -> Vec<(String, String, Origin)> {
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or("");
        if line.trim().is_empty()
            || line.trim_start().starts_with('#')
            || line.trim_start().starts_with('-')
        {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        while stack.last().is_some_and(|(d, _)| *d >= indent) {
            stack.pop();
        }
        let value = value.trim().trim_matches('"').trim_matches('\'');
        let full: Vec<&str> = stack
            .iter()
            .map(|(_, k)| k.as_str())
            .chain(std::iter::once(key.trim()))
            .collect();
        let full = full.join(".");
        if value.is_empty() {
            stack.push((indent, key.trim().to_string()));
        } else {
            out.push((
                full.clone(),
                value.to_string(),
                Origin::File {
                    path: path.to_string(),
                    line: i + 1,
                    key: full,
                },
            ));
        }
    }
    out
}
