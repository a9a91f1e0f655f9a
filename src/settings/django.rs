//! A Django project: its effective settings asked of its own Python when allowed, else the
//! `EMAIL_*` assignments of its `settings.py` read as text.

use super::{
    read_text, Interpreted, Interpreter, Layers, Origin, RuntimeUse, SettingsError, Sources,
};
use crate::frameworks::django::{BACKEND, NAMES, PREFIX, TIMEOUT, USE_SSL, USE_TLS};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The Django project folder: `--django DIR` (which must be a folder), or the folder itself
/// when it has `manage.py`.
pub(super) fn project_dir(sources: &Sources) -> Result<Option<PathBuf>, SettingsError> {
    if let Some(dir) = &sources.django_dir {
        if !dir.is_dir() {
            return Err(SettingsError::Unreadable {
                path: crate::printable::escape(dir.display().to_string().as_bytes()),
                why: format!(
                    "--django names no folder ({})",
                    if super::present(dir) {
                        "not a directory"
                    } else {
                        "no such directory"
                    }
                ),
            });
        }
        return Ok(Some(dir.clone()));
    }
    Ok(Some(sources.dir.clone()).filter(|d| super::present(&d.join("manage.py"))))
}

/// Adds the project's email settings to `layers`: Django's own answer when running its code
/// is allowed (`run` is the time limit) and it answers, else its settings files read as text.
pub(super) fn read_project(
    dir: &Path,
    run: Option<Duration>,
    layers: &mut Layers,
) -> Result<(), SettingsError> {
    match run {
        None => layers.runtime = Some(RuntimeUse::Disabled),
        Some(limit) => {
            let asked = super::django_runtime::effective_settings(dir, &runtime_keys(), limit);
            layers.runtime = Some(RuntimeUse::Ran { run: asked.record });
            layers.session = asked.session;
            if let Some(map) = asked.settings {
                // What Django says is what the application uses: a different value in the
                // environment or the env file is shown beside it, not used.
                for (k, v) in map {
                    let origin = Origin::Django { setting: k.clone() };
                    layers.add_effective(&k, v, origin, k == NAMES.password);
                }
                return Ok(());
            }
        }
    }
    let env_lookup = |k: &str| layers.get(k).map(|r| r.value.clone());
    let mut found = Vec::new();
    for settings in find_django_settings(dir) {
        let text = read_text(&settings)?;
        found.extend(parse_django_settings(
            &text,
            &settings.display().to_string(),
            &env_lookup,
        ));
    }
    // In Python the last assignment wins; a layer keeps the first value added.
    for (k, v, o) in found.into_iter().rev() {
        layers.add(&k, v, o);
    }
    Ok(())
}

/// The settings asked of Django's runtime.
fn runtime_keys() -> [&'static str; 10] {
    [
        "DEFAULT_FROM_EMAIL",
        "SERVER_EMAIL",
        NAMES.host,
        NAMES.port,
        NAMES.user,
        NAMES.password,
        USE_TLS,
        USE_SSL,
        TIMEOUT,
        BACKEND,
    ]
}

/// Django's TLS flags and timeout (also an `EMAIL_URL`'s discrete overrides).
pub(super) fn read_tls(
    it: &mut Interpreter<'_>,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    it.flag(USE_TLS, &mut path.starttls)?;
    it.flag(USE_SSL, &mut path.implicit)?;
    if let Some(raw) = it.get(TIMEOUT) {
        let t = raw.value.trim();
        // `EMAIL_TIMEOUT = None` (Django's default: no timeout) is unset; the settings.py
        // reader gives Python's None as the empty text.
        let python_none = t == "None"
            || t.is_empty()
                && matches!(&raw.origin, Origin::File { path, .. } if path.ends_with(".py"));
        path.timeout = if python_none {
            None
        } else {
            Some(
                super::timeout_secs(t)
                    .ok_or_else(|| it.bad(TIMEOUT, raw, super::TIMEOUT_EXPECTED))?,
            )
        };
    }
    Ok(())
}

/// Reads literal assignments and environment lookups of `EMAIL_*` in a Django settings file,
/// resolving lookups against `env` (the environment and env file already read).
pub(crate) fn parse_django_settings(
    text: &str,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, String, Origin)> {
    parse_python_settings(text, path, PREFIX, env)
}

/// Reads literal assignments and environment lookups of `PREFIX*` names in a Python settings
/// module (Django's `settings.py`, Flask's `config.py`).
pub(super) fn parse_python_settings(
    text: &str,
    path: &str,
    prefix: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, String, Origin)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some((name, expr)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        // The sender settings are read beside the prefix's (Django's have no EMAIL_ prefix).
        let sender = matches!(name, "DEFAULT_FROM_EMAIL" | "SERVER_EMAIL");
        if !(name.starts_with(prefix) || sender)
            || !name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            || expr.starts_with('=')
        {
            continue;
        }
        let expr = expr.split(" #").next().unwrap_or("").trim();
        if let Some(value) = django_expr(expr, env) {
            out.push((
                name.to_string(),
                value,
                Origin::File {
                    path: path.to_string(),
                    line: i + 1,
                    key: name.to_string(),
                },
            ));
        }
    }
    out
}

/// Evaluates the small subset of Python used for email settings: literals, and
/// `os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)`, `env(...)`, `env.bool(...)`,
/// `env.int(...)`, `config(...)` lookups with their defaults.
fn django_expr(expr: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let literal = |e: &str| -> Option<String> {
        let e = e.trim();
        if (e.starts_with('"') && e.ends_with('"') || e.starts_with('\'') && e.ends_with('\''))
            && e.len() >= 2
        {
            return Some(e[1..e.len() - 1].to_string());
        }
        if e == "True" || e == "False" || e.parse::<f64>().is_ok() {
            return Some(e.to_string());
        }
        if e == "None" {
            return Some(String::new());
        }
        None
    };
    if let Some(v) = literal(expr) {
        return Some(v);
    }
    // int(os.getenv(...)) and similar wrappers.
    let inner = ["int(", "bool(", "float(", "str("]
        .iter()
        .find_map(|w| expr.strip_prefix(w).and_then(|e| e.strip_suffix(')')))
        .unwrap_or(expr);
    if let Some(rest) = inner
        .strip_prefix("os.environ[")
        .and_then(|r| r.strip_suffix(']'))
    {
        return literal(rest).and_then(|k| env(&k));
    }
    let call = [
        "os.environ.get(",
        "os.getenv(",
        "env.bool(",
        "env.int(",
        "env.str(",
        "env.float(",
        "env(",
        "config(",
    ]
    .iter()
    .find_map(|p| inner.strip_prefix(p).and_then(|r| r.strip_suffix(')')))?;
    let mut args = call.splitn(2, ',');
    let key = literal(args.next()?)?;
    if let Some(v) = env(&key) {
        return Some(v);
    }
    let rest = args.next().unwrap_or("");
    let default = rest.split(',').map(str::trim).find_map(|a| {
        a.strip_prefix("default=")
            .map(str::to_string)
            .or_else(|| (!a.contains('=') && !a.is_empty()).then(|| a.to_string()))
    })?;
    literal(&default)
}

fn find_django_settings(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if !p.is_dir() {
            continue;
        }
        if super::present(&p.join("settings.py")) {
            out.push(p.join("settings.py"));
        }
        if p.join("settings").is_dir() {
            for name in ["base.py", "production.py", "prod.py", "__init__.py"] {
                if super::present(&p.join("settings").join(name)) {
                    out.push(p.join("settings").join(name));
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_settings_py() {
        let text = "import os\nEMAIL_HOST = 'smtp.gmail.com'\nEMAIL_PORT = int(os.getenv('PORT_VAR', 587))\nEMAIL_USE_TLS = env.bool('USE_TLS', default=True)\nEMAIL_HOST_USER = os.environ['MAIL_USER']\nEMAIL_HOST_PASSWORD = config('MAIL_PASS', default='')\nEMAIL_TIMEOUT = 10  # seconds\nEMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'\n";
        let env = |k: &str| match k {
            "MAIL_USER" => Some("me@gmail.com".to_string()),
            "PORT_VAR" => Some("465".to_string()),
            _ => None,
        };
        let v = parse_django_settings(text, "app/settings.py", &env);
        let get = |k: &str| {
            v.iter()
                .find(|(key, _, _)| key == k)
                .map(|(_, v, _)| v.clone())
        };
        assert_eq!(get("EMAIL_HOST").as_deref(), Some("smtp.gmail.com"));
        assert_eq!(get("EMAIL_PORT").as_deref(), Some("465"));
        assert_eq!(get("EMAIL_USE_TLS").as_deref(), Some("True"));
        assert_eq!(get("EMAIL_HOST_USER").as_deref(), Some("me@gmail.com"));
        assert_eq!(get("EMAIL_HOST_PASSWORD").as_deref(), Some(""));
        assert_eq!(get("EMAIL_TIMEOUT").as_deref(), Some("10"));
    }
}
