//! The application's own email settings, read the way the application reads them, each value
//! with where it came from. Precedence: command-line flags, then the process environment, then
//! the env file (`--env-file`, default `./.env`), then framework files (a Django project's
//! settings, Laravel's `.env`, Spring's `application.properties` / `.yml`).

use crate::frameworks::Framework;
use crate::model::{ConfiguredPath, Security};
use crate::plan::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Settings that cannot be read at all: exit status 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// An explicitly named file is missing or unreadable.
    #[error("cannot read {path}: {why}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// A value that does not parse.
    #[error("cannot understand {key}={value:?} ({origin}): {expected}")]
    BadValue {
        /// The setting.
        key: String,
        /// Its text (never a secret).
        value: String,
        /// Where it came from.
        origin: String,
        /// What was expected.
        expected: String,
    },
    /// A malformed EMAIL_URL.
    #[error("malformed EMAIL_URL ({origin}): {why}; expected e.g. smtp+ssl://user:password@smtp.example.com:465")]
    BadUrl {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        why: String,
    },
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// A command-line flag.
    Flag {
        /// The flag.
        flag: String,
    },
    /// The process environment.
    Env {
        /// The variable.
        var: String,
    },
    /// A line of a file.
    File {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The key as written there.
        key: String,
    },
    /// Django's effective settings, asked of the project's own Python.
    Django {
        /// The setting.
        setting: String,
    },
    /// The framework's default (nothing set it).
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag { flag } => write!(f, "flag {flag}"),
            Origin::Env { var } => write!(f, "environment {var}"),
            Origin::File { path, line, key } => write!(f, "{path}:{line} {key}"),
            Origin::Django { setting } => write!(f, "Django settings {setting}"),
            Origin::Default => write!(f, "default"),
        }
    }
}

/// A raw key/value with its origin, before interpretation.
#[derive(Debug, Clone)]
struct Raw {
    value: String,
    origin: Origin,
}

/// One effective setting as reported (secrets masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingReport {
    /// The setting's name in the application's terms.
    pub name: String,
    /// Its value; `****` for secrets.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

/// The application's configured path, interpreted.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// Whose names the settings use.
    pub framework: Framework,
    /// The server.
    pub host: String,
    /// The port.
    pub port: u16,
    /// STARTTLS asked for (`EMAIL_USE_TLS`).
    pub use_starttls: bool,
    /// Implicit TLS asked for (`EMAIL_USE_SSL`).
    pub use_implicit_tls: bool,
    /// Timeout in seconds, `None` when unset (Django then waits forever).
    pub timeout: Option<f64>,
    /// Login user.
    pub user: Option<String>,
    /// Login password.
    pub password: Option<Secret>,
    /// Every value with its origin, secrets masked.
    pub report: Vec<SettingReport>,
}

impl AppSettings {
    /// The path the application will take when it sends (no secrets), for the diagnosis.
    pub fn configured_path(&self, send: bool) -> ConfiguredPath {
        ConfiguredPath {
            host: self.host.clone(),
            port: self.port,
            security: self.security(),
            timeout: self.timeout,
            login: self.user.is_some(),
            send,
        }
    }

    /// The TLS mode the application will use: `None` when both flags are set (Django refuses
    /// to send at all then).
    pub fn security(&self) -> Option<Security> {
        match (self.use_starttls, self.use_implicit_tls) {
            (true, true) => None,
            (true, false) => Some(Security::Starttls),
            (false, true) => Some(Security::ImplicitTls),
            (false, false) => Some(Security::Plain),
        }
    }
}

/// What the command line says (highest precedence).
#[derive(Debug, Clone, Default)]
pub struct FlagSettings {
    /// `--host`.
    pub host: Option<String>,
    /// `--port` (the first one).
    pub port: Option<u16>,
    /// `--timeout`.
    pub timeout: Option<f64>,
    /// `--user`.
    pub user: Option<String>,
    /// `--security`.
    pub security: Option<Security>,
}

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The process environment (injected, so tests need not touch the real one).
    pub env: BTreeMap<String, String>,
    /// `--env-file`, or `None` for `./.env` when it exists.
    pub env_file: Option<PathBuf>,
    /// The folder the application lives in.
    pub dir: PathBuf,
    /// `--django DIR`, or `None` to look for `manage.py` in `dir`.
    pub django_dir: Option<PathBuf>,
    /// Whether the project's own Python may be run to ask Django for its effective settings.
    pub run_python: bool,
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

/// Parses a Django-style boolean.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "off" | "n" | "f" | "" | "none" => Some(false),
        _ => None,
    }
}

/// Percent-decodes URL user info.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        // '+' stays '+': user info is not form-encoded (dj-email-url uses unquote).
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An `EMAIL_URL` (django-environ / dj-email-url form), interpreted.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailUrl {
    /// Host.
    pub host: String,
    /// Port (the scheme's default when absent).
    pub port: u16,
    /// STARTTLS.
    pub starttls: bool,
    /// Implicit TLS.
    pub implicit_tls: bool,
    /// User, percent-decoded.
    pub user: Option<String>,
    /// Password, percent-decoded.
    pub password: Option<String>,
    /// `?timeout=`.
    pub timeout: Option<f64>,
}

/// Parses `EMAIL_URL`: `smtp://`, `smtp+tls://`, `smtp+ssl://`, `smtps://`, `submission://`
/// (dj-email-url's schemes), with `?ssl=`/`?tls=`/`?timeout=` query options.
pub fn parse_email_url(url: &str) -> Result<EmailUrl, String> {
    let (scheme, rest) = url.split_once("://").ok_or("no scheme")?;
    let (mut starttls, mut implicit_tls, default_port) = match scheme.to_ascii_lowercase().as_str()
    {
        "smtp" => (false, false, 25),
        "smtp+tls" | "submit" | "submission" => (true, false, 587),
        "smtp+ssl" | "smtps" => (false, true, 465),
        other => return Err(format!("unknown scheme {other:?}")),
    };
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = before_query.split('/').next().unwrap_or("");
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
        let (h, after) = stripped.split_once(']').ok_or("unclosed [")?;
        let port = after
            .strip_prefix(':')
            .map(|p| p.parse::<u16>().map_err(|_| format!("bad port {p:?}")))
            .transpose()?;
        (h.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                Some(p.parse::<u16>().map_err(|_| format!("bad port {p:?}"))?),
            ),
            None => (hostport.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    if port == Some(0) {
        return Err("port 0".into());
    }
    let (user, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((a, b)) => (Some(percent_decode(a)), Some(percent_decode(b))),
            None => (Some(percent_decode(u)), None),
        },
        None => (None, None),
    };
    let mut timeout = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k.to_ascii_lowercase().as_str() {
            "ssl" => implicit_tls = parse_bool(v).ok_or(format!("bad ssl={v:?}"))?,
            "tls" => starttls = parse_bool(v).ok_or(format!("bad tls={v:?}"))?,
            "timeout" => {
                timeout = Some(v.parse::<f64>().map_err(|_| format!("bad timeout={v:?}"))?)
            }
            _ => {}
        }
    }
    Ok(EmailUrl {
        host,
        port: port.unwrap_or(default_port),
        starttls,
        implicit_tls,
        user: user.filter(|u| !u.is_empty()),
        password: password.filter(|p| !p.is_empty()),
        timeout,
    })
}

/// Reads the layered key/value sources into one map: later layers do not override earlier.
struct Layers {
    values: BTreeMap<String, Raw>,
}

impl Layers {
    fn add(&mut self, key: &str, value: String, origin: Origin) {
        self.values
            .entry(key.to_string())
            .or_insert(Raw { value, origin });
    }
    fn get(&self, key: &str) -> Option<&Raw> {
        self.values.get(key)
    }
}

/// Reads literal assignments and environment lookups of `EMAIL_*` in a Django settings file,
/// resolving lookups against `env` (the environment and env file already read).
pub fn parse_django_settings(
    text: &str,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, String, Origin)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some((name, expr)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if !name.starts_with("EMAIL_")
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

/// Runs the project's own Python to ask Django for its effective email settings.
fn django_runtime(dir: &Path) -> Option<BTreeMap<String, String>> {
    let candidates = [
        dir.join(".venv/bin/python"),
        dir.join("venv/bin/python"),
        dir.join("env/bin/python"),
        dir.join(".venv/Scripts/python.exe"),
        dir.join("venv/Scripts/python.exe"),
        PathBuf::from("python3"),
        PathBuf::from("python"),
    ];
    let script = "import json\nfrom django.conf import settings as s\nkeys=['EMAIL_HOST','EMAIL_PORT','EMAIL_HOST_USER','EMAIL_HOST_PASSWORD','EMAIL_USE_TLS','EMAIL_USE_SSL','EMAIL_TIMEOUT','EMAIL_BACKEND']\nprint('SMTP_DOCTOR_JSON'+json.dumps({k: getattr(s,k,None) for k in keys}, default=str))";
    for python in candidates {
        if python.components().count() > 1 && !python.exists() {
            continue;
        }
        let child = std::process::Command::new(&python)
            .arg("manage.py")
            .arg("shell")
            .arg("-c")
            .arg(script)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(child) = child else { continue };
        let Ok(out) = child.wait_with_output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(json) = text
            .lines()
            .find_map(|l| l.strip_prefix("SMTP_DOCTOR_JSON"))
        else {
            continue;
        };
        let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json) else {
            continue;
        };
        return Some(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Bool(b) => if b { "True" } else { "False" }.to_string(),
                        other => other.to_string(),
                    };
                    (k, s)
                })
                .collect(),
        );
    }
    None
}

/// Reads and interprets the application's settings.
pub fn load(flags: &FlagSettings, sources: &Sources) -> Result<AppSettings, SettingsError> {
    let mut layers = Layers {
        values: BTreeMap::new(),
    };
    for (k, v) in &sources.env {
        layers.add(k, v.clone(), Origin::Env { var: k.clone() });
    }
    let env_file = match &sources.env_file {
        Some(p) => Some(p.clone()),
        None => Some(sources.dir.join(".env")).filter(|p| p.is_file()),
    };
    if let Some(path) = &env_file {
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError::Unreadable {
            path: path.display().to_string(),
            why: e.kind().to_string(),
        })?;
        for (k, v, o) in parse_dotenv(&text, &path.display().to_string()) {
            layers.add(&k, v, o);
        }
    }
    // Framework files.
    let django_dir = sources
        .django_dir
        .clone()
        .or_else(|| Some(sources.dir.clone()).filter(|d| d.join("manage.py").is_file()));
    let mut framework = Framework::Django;
    if let Some(dir) = &django_dir {
        let runtime = if sources.run_python {
            django_runtime(dir)
        } else {
            None
        };
        match runtime {
            Some(map) => {
                for (k, v) in map {
                    layers.add(&k, v, Origin::Django { setting: k.clone() });
                }
            }
            None => {
                let env_lookup = |k: &str| layers.get(k).map(|r| r.value.clone());
                let mut found = Vec::new();
                for settings in find_django_settings(dir) {
                    if let Ok(text) = std::fs::read_to_string(&settings) {
                        found.extend(parse_django_settings(
                            &text,
                            &settings.display().to_string(),
                            &env_lookup,
                        ));
                    }
                }
                for (k, v, o) in found {
                    layers.add(&k, v, o);
                }
            }
        }
    }
    let has = |l: &Layers, k: &str| l.get(k).is_some();
    if !has(&layers, "EMAIL_HOST") && !has(&layers, "EMAIL_URL") {
        if has(&layers, "MAIL_HOST") {
            framework = Framework::Laravel;
        } else {
            for name in [
                "application.properties",
                "src/main/resources/application.properties",
                "application.yml",
                "src/main/resources/application.yml",
                "application.yaml",
                "src/main/resources/application.yaml",
            ] {
                let path = sources.dir.join(name);
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let entries = if name.ends_with(".properties") {
                    parse_dotenv(&text, &path.display().to_string())
                } else {
                    flatten_yaml(&text, &path.display().to_string())
                };
                for (k, v, o) in entries {
                    if k.starts_with("spring.mail.") {
                        framework = Framework::Spring;
                        layers.add(&k, v, o);
                    }
                }
            }
        }
    } else if has(&layers, "EMAIL_URL") && !has(&layers, "EMAIL_HOST") {
        framework = Framework::Url;
    }
    interpret(flags, &layers, framework)
}

fn find_django_settings(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.join("settings.py").is_file() {
            out.push(p.join("settings.py"));
        }
        if p.join("settings").is_dir() {
            for name in ["base.py", "production.py", "prod.py", "__init__.py"] {
                if p.join("settings").join(name).is_file() {
                    out.push(p.join("settings").join(name));
                }
            }
        }
    }
    out.sort();
    out
}

fn interpret(
    flags: &FlagSettings,
    layers: &Layers,
    framework: Framework,
) -> Result<AppSettings, SettingsError> {
    let mut report = Vec::new();
    let mut note = |name: &str, value: &str, origin: &Origin, secret: bool| {
        report.push(SettingReport {
            name: name.to_string(),
            value: if secret {
                "****".to_string()
            } else {
                value.to_string()
            },
            origin: origin.clone(),
        });
    };
    let bad = |key: &str, raw: &Raw, expected: &str| SettingsError::BadValue {
        key: key.to_string(),
        value: raw.value.clone(),
        origin: raw.origin.to_string(),
        expected: expected.to_string(),
    };
    // Names per framework: (host, port, user, password, starttls, implicit, timeout).
    let (k_host, k_port, k_user, k_pass) = match framework {
        Framework::Laravel => ("MAIL_HOST", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD"),
        Framework::Spring => (
            "spring.mail.host",
            "spring.mail.port",
            "spring.mail.username",
            "spring.mail.password",
        ),
        _ => (
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
        ),
    };
    let mut host = None;
    let mut port = None;
    let mut user = None;
    let mut password = None;
    let mut starttls = false;
    let mut implicit = false;
    let mut timeout = None;
    // EMAIL_URL first, so the discrete variables (higher in Django's usual code) win.
    if let Some(raw) = layers.get("EMAIL_URL") {
        let url = parse_email_url(&raw.value).map_err(|why| SettingsError::BadUrl {
            origin: raw.origin.to_string(),
            why,
        })?;
        note("EMAIL_URL", &mask_url(&raw.value), &raw.origin, false);
        host = Some(url.host.clone());
        port = Some(url.port);
        starttls = url.starttls;
        implicit = url.implicit_tls;
        user = url.user.clone();
        password = url.password.clone().map(Secret::new);
        timeout = url.timeout;
    }
    if let Some(raw) = layers.get(k_host) {
        note(k_host, &raw.value, &raw.origin, false);
        host = Some(raw.value.trim().to_string()).filter(|h| !h.is_empty());
    }
    if let Some(raw) = layers.get(k_port) {
        note(k_port, &raw.value, &raw.origin, false);
        port = Some(
            crate::plan::parse_port(&raw.value)
                .map_err(|_| bad(k_port, raw, "a port number from 1 to 65535"))?,
        );
    }
    if let Some(raw) = layers.get(k_user) {
        note(k_user, &raw.value, &raw.origin, false);
        user = Some(raw.value.clone()).filter(|u| !u.is_empty());
    }
    if let Some(raw) = layers.get(k_pass) {
        note(k_pass, "", &raw.origin, true);
        password = Some(Secret::new(raw.value.clone())).filter(|p| !p.is_empty());
    }
    let mut flag_of = |key: &str, target: &mut bool| -> Result<(), SettingsError> {
        if let Some(raw) = layers.get(key) {
            note(key, &raw.value, &raw.origin, false);
            *target = parse_bool(&raw.value).ok_or_else(|| bad(key, raw, "True or False"))?;
        }
        Ok(())
    };
    match framework {
        Framework::Laravel => {
            if let Some(raw) = layers.get("MAIL_SCHEME") {
                note("MAIL_SCHEME", &raw.value, &raw.origin, false);
                implicit = raw.value.eq_ignore_ascii_case("smtps");
            }
            if let Some(raw) = layers.get("MAIL_ENCRYPTION") {
                note("MAIL_ENCRYPTION", &raw.value, &raw.origin, false);
                match raw.value.to_ascii_lowercase().as_str() {
                    "ssl" | "smtps" => implicit = true,
                    // Symfony Mailer uses implicit TLS on 465 whatever the name says.
                    "tls" | "starttls" => starttls = true,
                    "" | "null" => {}
                    _ => return Err(bad("MAIL_ENCRYPTION", raw, "ssl, tls or null")),
                }
            }
            if port == Some(465) && starttls && !implicit {
                starttls = false;
                implicit = true;
            }
        }
        Framework::Spring => {
            flag_of(
                "spring.mail.properties.mail.smtp.starttls.enable",
                &mut starttls,
            )?;
            flag_of("spring.mail.properties.mail.smtp.ssl.enable", &mut implicit)?;
            if let Some(raw) = layers.get("spring.mail.properties.mail.smtp.timeout") {
                note(
                    "spring.mail.properties.mail.smtp.timeout",
                    &raw.value,
                    &raw.origin,
                    false,
                );
                let ms: f64 = raw.value.trim().parse().map_err(|_| {
                    bad(
                        "spring.mail.properties.mail.smtp.timeout",
                        raw,
                        "milliseconds",
                    )
                })?;
                timeout = Some(ms / 1000.0);
            }
        }
        _ => {
            flag_of("EMAIL_USE_TLS", &mut starttls)?;
            flag_of("EMAIL_USE_SSL", &mut implicit)?;
            if let Some(raw) = layers.get("EMAIL_TIMEOUT") {
                note("EMAIL_TIMEOUT", &raw.value, &raw.origin, false);
                if !raw.value.trim().is_empty() && raw.value.trim() != "None" {
                    let t: f64 = raw
                        .value
                        .trim()
                        .parse()
                        .map_err(|_| bad("EMAIL_TIMEOUT", raw, "seconds"))?;
                    timeout = Some(t);
                }
            }
        }
    }
    // Flags win over everything.
    if let Some(h) = &flags.host {
        host = Some(h.clone());
        note(
            "host",
            h,
            &Origin::Flag {
                flag: "--host".into(),
            },
            false,
        );
    }
    if let Some(p) = flags.port {
        port = Some(p);
        note(
            "port",
            &p.to_string(),
            &Origin::Flag {
                flag: "--port".into(),
            },
            false,
        );
    }
    if let Some(u) = &flags.user {
        user = Some(u.clone());
        note(
            "user",
            u,
            &Origin::Flag {
                flag: "--user".into(),
            },
            false,
        );
    }
    if let Some(t) = flags.timeout {
        timeout = Some(t);
        note(
            "timeout",
            &t.to_string(),
            &Origin::Flag {
                flag: "--timeout".into(),
            },
            false,
        );
    }
    if let Some(sec) = flags.security {
        starttls = sec == Security::Starttls;
        implicit = sec == Security::ImplicitTls;
        note(
            "security",
            sec.as_str(),
            &Origin::Flag {
                flag: "--security".into(),
            },
            false,
        );
    }
    let host = match host {
        Some(h) => h,
        None => {
            // Django's defaults: localhost:25, no TLS.
            note(k_host, "localhost", &Origin::Default, false);
            "localhost".to_string()
        }
    };
    let port = port.unwrap_or_else(|| {
        let p = if implicit { 465 } else { 25 };
        note(k_port, &p.to_string(), &Origin::Default, false);
        p
    });
    Ok(AppSettings {
        framework,
        host,
        port,
        use_starttls: starttls,
        use_implicit_tls: implicit,
        timeout,
        user,
        password,
        report,
    })
}

/// An EMAIL_URL with its password replaced by `****`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:****")
            } else {
                user.to_string()
            };
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(env: &[(&str, &str)]) -> Sources {
        Sources {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            env_file: None,
            dir: PathBuf::from("/nonexistent-smtp-doctor-test"),
            django_dir: None,
            run_python: false,
        }
    }

    #[test]
    fn email_urls() {
        let u =
            parse_email_url("smtp+ssl://me%40example.com:p%40ss%2Fw@smtp.gmail.com:465?timeout=10")
                .unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.starttls, u.implicit_tls),
            ("smtp.gmail.com", 465, false, true)
        );
        assert_eq!(u.user.as_deref(), Some("me@example.com"));
        assert_eq!(u.password.as_deref(), Some("p@ss/w"));
        assert_eq!(u.timeout, Some(10.0));
        let cases = [
            ("smtp://h", 25, false, false),
            ("smtp+tls://h", 587, true, false),
            ("smtps://h", 465, false, true),
            ("submission://h", 587, true, false),
            ("smtp://h:2525?tls=True", 2525, true, false),
            ("smtp://h?ssl=1", 25, false, true),
        ];
        for (url, port, tls, ssl) in cases {
            let u = parse_email_url(url).unwrap();
            assert_eq!(
                (u.port, u.starttls, u.implicit_tls),
                (port, tls, ssl),
                "{url}"
            );
        }
        for bad in [
            "smtp.gmail.com:587",
            "http://h",
            "smtp://",
            "smtp://h:abc",
            "smtp://h:0",
            "smtp://h?tls=maybe",
        ] {
            assert!(parse_email_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            mask_url("smtp+ssl://me:secret@h:465"),
            "smtp+ssl://me:****@h:465"
        );
    }

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

    #[test]
    fn precedence_flags_env_file() {
        let dir = std::env::temp_dir().join(format!("smtp-doctor-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".env"), "EMAIL_HOST=file.example.com\nEMAIL_PORT=587\nEMAIL_USE_TLS=True\nEMAIL_HOST_PASSWORD=fromfile\n").unwrap();
        let mut src = sources(&[
            ("EMAIL_PORT", "465"),
            ("EMAIL_USE_TLS", "False"),
            ("EMAIL_USE_SSL", "True"),
        ]);
        src.dir = dir.clone();
        let s = load(&FlagSettings::default(), &src).unwrap();
        assert_eq!(s.host, "file.example.com", "from the env file");
        assert_eq!(s.port, 465, "the environment beats the file");
        assert_eq!(s.security(), Some(Security::ImplicitTls));
        assert_eq!(s.password.as_ref().map(|p| p.expose()), Some("fromfile"));
        let pw = s
            .report
            .iter()
            .find(|r| r.name == "EMAIL_HOST_PASSWORD")
            .unwrap();
        assert_eq!(pw.value, "****");
        let flags = FlagSettings {
            port: Some(2525),
            ..Default::default()
        };
        assert_eq!(
            load(&flags, &src).unwrap().port,
            2525,
            "flags beat everything"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn unreadable_settings() {
        assert!(matches!(
            load(&FlagSettings::default(), &sources(&[("EMAIL_PORT", "abc")])),
            Err(SettingsError::BadValue { .. })
        ));
        assert!(matches!(
            load(
                &FlagSettings::default(),
                &sources(&[("EMAIL_USE_TLS", "maybe")])
            ),
            Err(SettingsError::BadValue { .. })
        ));
        assert!(matches!(
            load(
                &FlagSettings::default(),
                &sources(&[("EMAIL_URL", "smtp.gmail.com:587")])
            ),
            Err(SettingsError::BadUrl { .. })
        ));
        let mut src = sources(&[]);
        src.env_file = Some(PathBuf::from("/nonexistent/.env"));
        assert!(matches!(
            load(&FlagSettings::default(), &src),
            Err(SettingsError::Unreadable { .. })
        ));
    }

    #[test]
    fn conflicting_flags_are_read_not_refused() {
        let s = load(
            &FlagSettings::default(),
            &sources(&[("EMAIL_USE_TLS", "True"), ("EMAIL_USE_SSL", "True")]),
        )
        .unwrap();
        assert_eq!(s.security(), None);
    }

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

    #[test]
    fn laravel_and_spring() {
        let s = load(
            &FlagSettings::default(),
            &sources(&[
                ("MAIL_HOST", "smtp.mailgun.org"),
                ("MAIL_PORT", "587"),
                ("MAIL_ENCRYPTION", "tls"),
                ("MAIL_USERNAME", "postmaster@x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.framework, Framework::Laravel);
        assert_eq!(s.security(), Some(Security::Starttls));
        let yaml = "spring:\n  mail:\n    host: smtp.gmail.com\n    port: 465\n    properties:\n      mail:\n        smtp:\n          ssl:\n            enable: true\n";
        let v = flatten_yaml(yaml, "application.yml");
        assert!(v.iter().any(
            |(k, val, _)| k == "spring.mail.properties.mail.smtp.ssl.enable" && val == "true"
        ));
        assert!(v
            .iter()
            .any(|(k, val, _)| k == "spring.mail.port" && val == "465"));
    }
}
