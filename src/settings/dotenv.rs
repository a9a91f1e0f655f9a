//! The env file (`--env-file FILE`, default `./.env`) and files in the same `KEY=VALUE` form
//! (Java `.properties`).

use super::{read_text, Layers, Origin, SettingsError, Sources};

/// Adds the env file's values to `layers`: `--env-file` must be readable; `./.env` is read
/// when it exists.
pub(super) fn read_env_file(sources: &Sources, layers: &mut Layers) -> Result<(), SettingsError> {
    let path = match &sources.env_file {
        Some(p) => p.clone(),
        None => match Some(sources.dir.join(".env")).filter(|p| super::present(p)) {
            Some(p) => p,
            None => return Ok(()),
        },
    };
    if !super::present(&path) {
        return Err(SettingsError::Unreadable {
            path: crate::printable::escape(path.display().to_string().as_bytes()),
            why: "no such file".into(),
        });
    }
    let text = read_text(&path)?;
    for (k, v, o) in parse_dotenv(&text, &path.display().to_string()) {
        layers.add(&k, v, o);
    }
    Ok(())
}

/// Parses a dotenv file: `KEY=VALUE`, optional `export`, quotes, comments.
pub fn parse_dotenv(text: &str, path: &str) -> Vec<(String, String, Origin)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            continue;
        }
        let value = value.trim();
        let value = if let Some(v) = value
            .strip_prefix('"')
            .and_then(|v| v.rfind('"').map(|end| &v[..end]))
        {
            v.replace("\\n", "\n").replace("\\\"", "\"")
        } else if let Some(v) = value
            .strip_prefix('\'')
            .and_then(|v| v.rfind('\'').map(|end| &v[..end]))
        {
            v.to_string()
        } else {
            // Unquoted: an inline comment starts at " #".
            value.split(" #").next().unwrap_or("").trim().to_string()
        };
        out.push((
            key.to_string(),
            value,
            Origin::File {
                path: path.to_string(),
                line: i + 1,
                key: key.to_string(),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_forms() {
        let text = "# comment\nexport EMAIL_HOST=smtp.gmail.com\nEMAIL_PORT=\"465\"\nEMAIL_USE_SSL='True'\nEMAIL_HOST_PASSWORD=abc # inline\n\nnot a line\n";
        let v = parse_dotenv(text, ".env");
        let get = |k: &str| {
            v.iter()
                .find(|(key, _, _)| key == k)
                .map(|(_, v, o)| (v.clone(), o.clone()))
        };
        assert_eq!(get("EMAIL_HOST").unwrap().0, "smtp.gmail.com");
        assert_eq!(get("EMAIL_PORT").unwrap().0, "465");
        assert_eq!(get("EMAIL_USE_SSL").unwrap().0, "True");
        assert_eq!(get("EMAIL_HOST_PASSWORD").unwrap().0, "abc");
        assert_eq!(
            get("EMAIL_PORT").unwrap().1,
            Origin::File {
                path: ".env".into(),
                line: 3,
                key: "EMAIL_PORT".into()
            }
        );
    }
}
