//! The application's own email settings, read the way the application reads them, each value
//! with where it came from. Precedence: command-line flags, then the process environment, then
//! the env file (`--env-file`, default `./.env`), then framework files (a Django project's
//! settings, Laravel's `.env`, Spring's `application.properties` / `.yml`).
//!
//! One file per source; this one holds the shared types, the layering (an earlier layer wins)
//! and the interpretation into one [`AppSettings`]. The names each framework reads come from
//! the crate's `frameworks` module (for each [`Framework`]).

use crate::frameworks::{Framework, Names};
use crate::model::{ConfiguredPath, Host, Security, TlsSetting, SUBMISSIONS_PORT};
use crate::plan::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod app_client;
mod django;
mod django_runtime;
pub(crate) mod dotenv;
pub(crate) mod email_url;
mod env;
mod flask;
mod laravel;
mod node;
mod properties;
mod spring;

pub use app_client::{app_client_step, AppClientRequest};
// The readers of each source: the fuzz targets reach them through the hidden `testing`.
pub(crate) use django::parse_django_settings;
pub(crate) use properties::parse_properties;
pub(crate) use spring::flatten_yaml;

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
    /// A file that exists but cannot be read (not a regular file, too large, …).
    #[error(transparent)]
    File(#[from] crate::files::FileError),
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
    /// No mail settings anywhere.
    #[error("no mail settings found: none of EMAIL_HOST or EMAIL_URL (Django), MAIL_SERVER (Flask), MAIL_HOST (Laravel), SMTP_HOST (Node), spring.mail.host (Spring) is set in the environment, the env file or the project's files here; run it in the project folder, or give --env-file, --framework or --host")]
    NothingFound,
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
        // Paths and keys come from the user's folder: shown escaped.
        let e = |s: &str| crate::printable::escape(s.as_bytes());
        match self {
            Origin::Flag { flag } => write!(f, "flag {}", e(flag)),
            Origin::Env { var } => write!(f, "environment {}", e(var)),
            Origin::File { path, line, key } => write!(f, "{}:{line} {}", e(path), e(key)),
            Origin::Django { setting } => write!(f, "Django settings {}", e(setting)),
            Origin::Default => write!(f, "default"),
        }
    }
}

impl Origin {
    /// The same origin with every text field escaped, for a report.
    fn escaped(&self) -> Origin {
        let e = |s: &str| crate::printable::escape(s.as_bytes());
        match self {
            Origin::Flag { flag } => Origin::Flag { flag: e(flag) },
            Origin::Env { var } => Origin::Env { var: e(var) },
            Origin::File { path, line, key } => Origin::File {
                path: e(path),
                line: *line,
                key: e(key),
            },
            Origin::Django { setting } => Origin::Django {
                setting: e(setting),
            },
            Origin::Default => Origin::Default,
        }
    }
}

/// A raw key/value with its origin, before interpretation.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    value: String,
    origin: Origin,
}

/// Whether the project's own code was asked for its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RuntimeUse {
    /// It ran (see the outcome: when it did not answer, the files were read as text).
    Ran {
        /// What ran, for how long, and how it ended.
        run: crate::runner::RunRecord,
    },
    /// Running project code was turned off (`--no-project-code`): the files were read as text.
    Disabled,
}

/// A value found in the environment or a file that the application does not use, because its
/// runtime (Django's effective settings) says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shadowed {
    /// The setting.
    pub name: String,
    /// The value found (`****` for secrets).
    pub value: String,
    /// Where it was found.
    pub origin: Origin,
    /// The value the application uses (`****` for secrets).
    pub used: String,
    /// Where that one comes from.
    pub used_origin: Origin,
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
    /// The TLS mode asked for (`EMAIL_USE_TLS`, `EMAIL_USE_SSL`): both at once is its own case
    /// (Django refuses to send at all then).
    pub tls: TlsSetting,
    /// Timeout in seconds, `None` when unset (Django then waits forever).
    pub timeout: Option<f64>,
    /// Login user.
    pub user: Option<String>,
    /// Login password.
    pub password: Option<Secret>,
    /// The sender address the application uses (`DEFAULT_FROM_EMAIL`, `MAIL_FROM_ADDRESS`…).
    pub sender: Option<String>,
    /// Every value with its origin, secrets masked.
    pub report: Vec<SettingReport>,
    /// Whether the project's code was run to read them, and how that went.
    pub runtime: Option<RuntimeUse>,
    /// Values found that the application does not use (its runtime says otherwise).
    pub shadowed: Vec<Shadowed>,
    /// Django: the project's Python that read the settings, waiting to run Django's client
    /// (dropped, it is told to exit and stopped).
    pub session: Option<std::sync::Arc<crate::runner::Session>>,
}

impl AppSettings {
    /// The path the application will take when it sends (no secrets), for the diagnosis, to
    /// `host`: the settings' host once validated (or corrected, see [`corrected_host`]).
    pub fn configured_path(&self, host: Host, send: bool) -> ConfiguredPath {
        ConfiguredPath {
            host,
            port: self.port,
            security: self.tls,
            timeout: self.timeout,
            login: self.user.is_some(),
            send,
            host_as_written: None,
        }
    }
}

/// The host a malformed setting meant, when it can be told: surrounding spaces and quotes, a
/// URL scheme (`https://`, `smtp://`…), a path, a trailing `,` `;` or `.` left over from a list,
/// a `:port` suffix. `None` when nothing like that explains it (or it was not malformed).
pub fn corrected_host(written: &str) -> Option<Host> {
    // Spaces around a name are read past by smtp-doctor's parser, not by the application's
    // resolver (`getaddrinfo(" smtp.gmail.com ")` fails).
    if crate::plan::validate_host(written).is_ok() && written.trim() == written {
        return None;
    }
    let litter = |c: char| c.is_whitespace() || "\"'`,;".contains(c);
    let mut h = written.trim_matches(litter);
    if let Some((scheme, rest)) = h.split_once("://") {
        if scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            h = rest;
        }
    }
    h = h.split(['/', '?', '#']).next().unwrap_or(h);
    h = h.rsplit_once('@').map_or(h, |(_, host)| host);
    h = h.trim_matches(litter);
    if let Some((name, port)) = h.rsplit_once(':') {
        if !name.contains(':') && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            h = name;
        }
    }
    let h = h.trim_matches(litter);
    crate::plan::validate_host(h).ok()
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
    /// How long the project's code may run [default: `--timeout`, else 10 s].
    pub run_limit: Option<std::time::Duration>,
    /// `--framework`: read this framework's settings, instead of finding out whose they are.
    pub framework: Option<Framework>,
}

/// Parses a Django-style boolean.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "off" | "n" | "f" | "" | "none" => Some(false),
        _ => None,
    }
}

/// What a timeout setting must be, said in errors.
pub(crate) const TIMEOUT_EXPECTED: &str =
    "seconds greater than 0 and at most 3600 (a finite number, e.g. 10)";

/// A timeout in seconds as a setting writes it: finite, greater than 0, at most 3600 (the
/// `--timeout` flag's rule); `nan`, `inf`, `1e309`, `-5`, `0` and the empty text are not.
pub(crate) fn timeout_secs(text: &str) -> Option<f64> {
    crate::plan::parse_timeout(text)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// Reads a settings file as text (bounded, regular files only; bytes that are not UTF-8
/// become U+FFFD rather than the file being skipped).
fn read_text(path: &Path) -> Result<String, SettingsError> {
    Ok(crate::files::read_text(
        path,
        crate::files::FileKind::Settings,
    )?)
}

/// Whether something is at `path` (a broken symlink, a FIFO or a device count: reading them
/// is then an error that says so, never a silent skip).
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Whether two spellings of a setting mean the same (`false` / `False`, `5.0` / `5`).
fn same_value(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
        return x == y;
    }
    matches!((parse_bool(a), parse_bool(b)), (Some(x), Some(y)) if x == y)
}

/// The layered key/value sources in one map: a value already there is not overridden, so
/// layers are added from the highest precedence down.
pub(crate) struct Layers {
    values: BTreeMap<String, Raw>,
    runtime: Option<RuntimeUse>,
    shadowed: Vec<Shadowed>,
    session: Option<std::sync::Arc<crate::runner::Session>>,
}

impl Layers {
    /// Sets `key` from the application's runtime, which knows better than every static
    /// source: a different value found before is kept in `shadowed` for the report.
    fn add_effective(&mut self, key: &str, value: String, origin: Origin, secret: bool) {
        let old = self.values.insert(
            key.to_string(),
            Raw {
                value: value.clone(),
                origin: origin.clone(),
            },
        );
        if let Some(old) = old.filter(|o| !same_value(&o.value, &value)) {
            let mask =
                |v: String| crate::printable::escape(if secret { "****" } else { &v }.as_bytes());
            self.shadowed.push(Shadowed {
                name: crate::printable::escape(key.as_bytes()),
                value: mask(old.value),
                origin: old.origin.escaped(),
                used: mask(value),
                used_origin: origin.escaped(),
            });
        }
    }
    fn add(&mut self, key: &str, value: String, origin: Origin) {
        self.values
            .entry(key.to_string())
            .or_insert(Raw { value, origin });
    }
    fn get(&self, key: &str) -> Option<&Raw> {
        self.values.get(key)
    }
    /// Whether any value is a mail setting of some framework (smtp-doctor's own variables,
    /// `SMTP_DOCTOR_*`, are not).
    fn has_mail_settings(&self) -> bool {
        self.values.keys().any(|k| {
            !k.starts_with("SMTP_DOCTOR_") && MAIL_PREFIXES.iter().any(|p| k.starts_with(p))
        })
    }
}

/// Reads and interprets the application's settings.
pub fn load(flags: &FlagSettings, sources: &Sources) -> Result<AppSettings, SettingsError> {
    let mut layers = Layers {
        values: BTreeMap::new(),
        runtime: None,
        shadowed: Vec::new(),
        session: None,
    };
    env::read_process_env(&sources.env, &mut layers);
    dotenv::read_env_file(sources, &mut layers)?;
    let django_dir = django::project_dir(sources)?;
    if let Some(dir) = &django_dir {
        let limit = sources
            .run_limit
            .unwrap_or(std::time::Duration::from_secs(10));
        django::read_project(dir, sources.run_python.then_some(limit), &mut layers)?;
    }
    let django_project = django_dir.is_some();
    if matches!(sources.framework, None | Some(Framework::Flask)) {
        flask::read_config(sources, &mut layers)?;
    }
    let framework = detect_framework(sources, &mut layers)?;
    let found = flags.host.is_some() || django_project || layers.has_mail_settings();
    if !found {
        return Err(SettingsError::NothingFound);
    }
    let mut app = interpret(flags, &layers, framework)?;
    app.runtime = layers.runtime;
    app.shadowed = layers.shadowed;
    app.session = layers.session;
    Ok(app)
}

/// How every framework's mail settings start: one of them must be set somewhere (or a Django
/// project be here, whose default is localhost) for there to be settings to test.
const MAIL_PREFIXES: [&str; 4] = [
    crate::frameworks::django::PREFIX,
    "MAIL_",
    "SMTP_",
    crate::frameworks::spring::PREFIX,
];

/// Whose names the values use; reads Spring's files when nothing else named a server.
fn detect_framework(sources: &Sources, layers: &mut Layers) -> Result<Framework, SettingsError> {
    // --framework decides whose names are read when that framework's server is named;
    // otherwise the names found decide (the fixes are still written in --framework's names).
    if let Some(fw) = sources.framework {
        let named = match fw {
            Framework::Spring => spring::read_project(sources, layers)?,
            Framework::Node => node::detected(layers),
            Framework::Url => layers.get(email_url::EMAIL_URL).is_some(),
            fw => layers.get(fw.names().host).is_some(),
        };
        if named {
            return Ok(fw);
        }
    }
    let django_host = layers.get(Framework::Django.names().host).is_some();
    let url = layers.get(email_url::EMAIL_URL).is_some();
    Ok(match (django_host, url) {
        (false, true) => Framework::Url,
        (true, _) => Framework::Django,
        (false, false) if laravel::detected(layers) => Framework::Laravel,
        (false, false) if flask::detected(layers) => Framework::Flask,
        (false, false) if node::detected(layers) => Framework::Node,
        // Spring's files, unless --framework spring has just read them and found none.
        (false, false)
            if sources.framework != Some(Framework::Spring)
                && spring::read_project(sources, layers)? =>
        {
            Framework::Spring
        }
        (false, false) => Framework::Django,
    })
}

/// The configured path as read so far, before the command-line flags and the defaults.
#[derive(Default)]
struct Interpreted {
    host: Option<String>,
    port: Option<u16>,
    user: Option<String>,
    password: Option<Secret>,
    starttls: bool,
    implicit: bool,
    timeout: Option<f64>,
    sender: Option<String>,
}

/// Reads values from the layers, noting each one read (secrets masked) for the report.
struct Interpreter<'a> {
    layers: &'a Layers,
    report: Vec<SettingReport>,
}

impl<'a> Interpreter<'a> {
    fn note(&mut self, name: &str, value: &str, origin: &Origin, secret: bool) {
        // What the report shows of a file's value is escaped where it is taken in; the value
        // itself (a login user, say) is used as written.
        self.report.push(SettingReport {
            name: crate::printable::escape(name.as_bytes()),
            value: crate::printable::escape(if secret { "****" } else { value }.as_bytes()),
            origin: origin.escaped(),
        });
    }

    /// A value, noted as read.
    fn get(&mut self, key: &str) -> Option<&'a Raw> {
        let raw = self.layers.get(key)?;
        self.note(key, &raw.value, &raw.origin, false);
        Some(raw)
    }

    /// A secret value, noted as `****`.
    fn get_secret(&mut self, key: &str) -> Option<&'a Raw> {
        let raw = self.layers.get(key)?;
        self.note(key, "", &raw.origin, true);
        Some(raw)
    }

    /// A boolean setting into `target`, when set.
    fn flag(&mut self, key: &str, target: &mut bool) -> Result<(), SettingsError> {
        if let Some(raw) = self.get(key) {
            *target = parse_bool(&raw.value).ok_or_else(|| self.bad(key, raw, "True or False"))?;
        }
        Ok(())
    }

    fn bad(&self, key: &str, raw: &Raw, expected: &str) -> SettingsError {
        SettingsError::BadValue {
            key: key.to_string(),
            value: raw.value.clone(),
            origin: raw.origin.to_string(),
            expected: expected.to_string(),
        }
    }

    /// Host, port and credentials under the framework's names.
    fn read_server(&mut self, names: &Names, path: &mut Interpreted) -> Result<(), SettingsError> {
        if let Some(raw) = self.get(names.host) {
            path.host = Some(raw.value.clone()).filter(|h| !h.trim().is_empty());
        }
        if let Some(raw) = self.get(names.port) {
            let port = crate::plan::parse_port(&raw.value)
                .map_err(|_| self.bad(names.port, raw, "a port number from 1 to 65535"))?;
            path.port = Some(port);
        }
        if let Some(raw) = self.get(names.user) {
            path.user = Some(raw.value.clone()).filter(|u| !u.is_empty());
        }
        if let Some(raw) = self.get_secret(names.password) {
            path.password = Some(Secret::new(raw.value.clone())).filter(|p| !p.is_empty());
        }
        Ok(())
    }

    /// The sender address, under the first of the framework's names that is set.
    fn read_sender(&mut self, framework: Framework, path: &mut Interpreted) {
        for key in sender_keys(framework) {
            if let Some(raw) = self.get(key) {
                let value = raw.value.trim();
                // Django's and Laravel's "Name <addr>" form: the address inside the brackets.
                let address = match (value.rfind('<'), value.rfind('>')) {
                    (Some(a), Some(b)) if a < b => &value[a + 1..b],
                    _ => value,
                };
                if !address.is_empty() {
                    path.sender = Some(address.to_string());
                    return;
                }
            }
        }
    }

    /// The command line wins over everything.
    fn apply_flags(&mut self, flags: &FlagSettings, path: &mut Interpreted) {
        let flag = |name: &str| Origin::Flag {
            flag: format!("--{name}"),
        };
        if let Some(h) = &flags.host {
            path.host = Some(h.clone());
            self.note("host", h, &flag("host"), false);
        }
        if let Some(p) = flags.port {
            path.port = Some(p);
            self.note("port", &p.to_string(), &flag("port"), false);
        }
        if let Some(u) = &flags.user {
            path.user = Some(u.clone());
            self.note("user", u, &flag("user"), false);
        }
        if let Some(t) = flags.timeout {
            path.timeout = Some(t);
            self.note("timeout", &t.to_string(), &flag("timeout"), false);
        }
        if let Some(sec) = flags.security {
            path.starttls = sec == Security::Starttls;
            path.implicit = sec == Security::ImplicitTls;
            self.note("security", sec.as_str(), &flag("security"), false);
        }
    }

    /// Fills in Django's defaults (localhost:25, no TLS; 465 with implicit TLS).
    fn finish(mut self, framework: Framework, path: Interpreted) -> AppSettings {
        let names = framework.names();
        let host = path.host.unwrap_or_else(|| {
            self.note(names.host, "localhost", &Origin::Default, false);
            "localhost".to_string()
        });
        let port = path.port.unwrap_or_else(|| {
            let p = if path.implicit { SUBMISSIONS_PORT } else { 25 };
            self.note(names.port, &p.to_string(), &Origin::Default, false);
            p
        });
        AppSettings {
            framework,
            host,
            port,
            tls: TlsSetting::from_flags(path.starttls, path.implicit),
            timeout: path.timeout,
            user: path.user,
            password: path.password,
            sender: path.sender,
            report: self.report,
            runtime: None,
            shadowed: Vec::new(),
            session: None,
        }
    }
}

fn interpret(
    flags: &FlagSettings,
    layers: &Layers,
    framework: Framework,
) -> Result<AppSettings, SettingsError> {
    let mut it = Interpreter {
        layers,
        report: Vec::new(),
    };
    let mut path = Interpreted::default();
    // EMAIL_URL first, so the discrete variables (higher in Django's usual code) win.
    if let Some(raw) = layers.get(email_url::EMAIL_URL) {
        email_url::apply(&mut it, raw, &mut path)?;
    }
    let names = match framework {
        Framework::Node => &node::ENV_NAMES,
        fw => fw.names(),
    };
    it.read_server(names, &mut path)?;
    match framework {
        Framework::Laravel => laravel::read_tls(&mut it, &mut path)?,
        Framework::Spring => spring::read_tls(&mut it, &mut path)?,
        Framework::Flask => flask::read_tls(&mut it, &mut path)?,
        Framework::Node => node::read_tls(&mut it, &mut path)?,
        _ => django::read_tls(&mut it, &mut path)?,
    }
    it.read_sender(framework, &mut path);
    it.apply_flags(flags, &mut path);
    Ok(it.finish(framework, path))
}

/// Where each framework's application sets its sender address, most specific first: Django's
/// `DEFAULT_FROM_EMAIL` (and `SERVER_EMAIL` for error mail), Laravel's `MAIL_FROM_ADDRESS`,
/// Flask-Mail's `MAIL_DEFAULT_SENDER`, JavaMail's `mail.smtp.from` through Spring's
/// `spring.mail.properties.*`, and the usual variables of Node and .NET projects. Rails sets
/// it in code (`default from:`), so there is nothing to read.
pub fn sender_keys(framework: Framework) -> &'static [&'static str] {
    match framework {
        Framework::Django | Framework::Url => &["DEFAULT_FROM_EMAIL", "SERVER_EMAIL"],
        Framework::Laravel => &["MAIL_FROM_ADDRESS"],
        Framework::Flask => &["MAIL_DEFAULT_SENDER"],
        Framework::Spring => &["spring.mail.properties.mail.smtp.from"],
        Framework::Node => &["MAIL_FROM", "SMTP_FROM", "EMAIL_FROM"],
        Framework::Dotnet => &["Smtp__From", "Email__From", "MAIL_FROM"],
        Framework::Phpmailer => &["MAIL_FROM", "SMTP_FROM"],
        Framework::Rails => &[],
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
            run_limit: None,
            framework: None,
        }
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
        assert_eq!(s.tls, TlsSetting::Mode(Security::ImplicitTls));
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
    fn the_sender_setting_is_read_with_its_origin() {
        let src = sources(&[
            ("MAIL_HOST", "smtp.example.com"),
            ("MAIL_FROM_ADDRESS", "\"Shop <orders@shop.example>\""),
        ]);
        let mut src = src;
        src.framework = Some(Framework::Laravel);
        let s = load(&FlagSettings::default(), &src).unwrap();
        assert_eq!(s.sender.as_deref(), Some("orders@shop.example"));
        assert!(s.report.iter().any(|r| r.name == "MAIL_FROM_ADDRESS"));
        let src = sources(&[
            ("EMAIL_HOST", "smtp.example.com"),
            ("SERVER_EMAIL", "errors@shop.example"),
        ]);
        let s = load(&FlagSettings::default(), &src).unwrap();
        assert_eq!(s.sender.as_deref(), Some("errors@shop.example"));
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
        assert_eq!(s.tls, TlsSetting::BothFlags);
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
        assert_eq!(s.tls, TlsSetting::Mode(Security::Starttls));
        let yaml = "spring:\n  mail:\n    host: smtp.gmail.com\n    port: 465\n    properties:\n      mail:\n        smtp:\n          ssl:\n            enable: true\n";
        let v = flatten_yaml(yaml, "application.yml").unwrap();
        assert!(v.iter().any(
            |(k, val, _)| k == "spring.mail.properties.mail.smtp.ssl.enable" && val == "true"
        ));
        assert!(v
            .iter()
            .any(|(k, val, _)| k == "spring.mail.port" && val == "465"));
    }

    #[test]
    fn flask_and_node_settings_are_read_in_their_own_names() {
        // Regression: Flask's MAIL_* and a Node app's SMTP_* were ignored, and Django's
        // defaults (localhost:25) tested instead.
        let dir = std::env::temp_dir().join(format!("smtp-doctor-flask-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.py"),
            "import os\nMAIL_SERVER = 'smtp.example.com'\nMAIL_PORT = 465\nMAIL_USE_SSL = True\nMAIL_USERNAME = os.environ.get('MAIL_USERNAME')\n",
        )
        .unwrap();
        let mut src = sources(&[("MAIL_USERNAME", "app@example.com")]);
        src.dir = dir.clone();
        let s = load(&FlagSettings::default(), &src).unwrap();
        assert_eq!(s.framework, Framework::Flask);
        assert_eq!((s.host.as_str(), s.port), ("smtp.example.com", 465));
        assert_eq!(s.tls, TlsSetting::Mode(Security::ImplicitTls));
        assert_eq!(s.user.as_deref(), Some("app@example.com"));
        let origin = &s
            .report
            .iter()
            .find(|r| r.name == "MAIL_SERVER")
            .unwrap()
            .origin;
        assert!(origin.to_string().contains("config.py"), "{origin}");
        std::fs::remove_dir_all(&dir).ok();

        let node = sources(&[
            ("SMTP_HOST", "smtp.example.com"),
            ("SMTP_PORT", "465"),
            ("SMTP_SECURE", "false"),
            ("SMTP_USER", "u"),
            ("SMTP_PASS", "p"),
        ]);
        let s = load(&FlagSettings::default(), &node).unwrap();
        assert_eq!(s.framework, Framework::Node);
        assert_eq!((s.host.as_str(), s.port), ("smtp.example.com", 465));
        // secure: false on 465 is STARTTLS on an implicit-TLS port: the trap preflight reports.
        assert_eq!(s.tls, TlsSetting::Mode(Security::Starttls));
        assert_eq!(s.password.as_ref().map(|p| p.expose()), Some("p"));

        // --framework flask reads Flask's names even when Django's are set too.
        let mut both = sources(&[
            ("EMAIL_HOST", "django.example.com"),
            ("MAIL_SERVER", "flask.example.com"),
        ]);
        both.framework = Some(Framework::Flask);
        assert_eq!(
            load(&FlagSettings::default(), &both).unwrap().host,
            "flask.example.com"
        );
    }

    #[test]
    fn no_settings_at_all_is_said_not_tested_as_localhost() {
        let none = sources(&[("PATH", "/usr/bin"), ("SMTP_DOCTOR_PASSWORD", "x")]);
        assert!(matches!(
            load(&FlagSettings::default(), &none),
            Err(SettingsError::NothingFound)
        ));
        let flags = FlagSettings {
            host: Some("smtp.example.com".into()),
            ..Default::default()
        };
        assert_eq!(load(&flags, &none).unwrap().host, "smtp.example.com");
    }

    #[test]
    fn in_a_python_settings_module_the_last_assignment_wins() {
        let dir = std::env::temp_dir().join(format!("smtp-doctor-last-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.py"),
            "MAIL_SERVER = 'smtp.example.com'\nMAIL_PORT = 465\nMAIL_USE_TLS = True\n# the fix, appended\nMAIL_USE_SSL = True\nMAIL_USE_TLS = False\n",
        )
        .unwrap();
        let mut src = sources(&[]);
        src.dir = dir.clone();
        let s = load(&FlagSettings::default(), &src).unwrap();
        assert_eq!(s.tls, TlsSetting::Mode(Security::ImplicitTls));
        let tls = s.report.iter().find(|r| r.name == "MAIL_USE_TLS").unwrap();
        assert_eq!(tls.value, "False");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn timeouts_that_are_not_a_finite_positive_number_of_seconds_are_refused_with_their_origin() {
        // Regression: nan, -inf, 1e309, -5 and 0 were accepted and shown as null.
        let bad = [
            "nan", "NaN", "inf", "-inf", "1e309", "-5", "0", "", "3601", "soon",
        ];
        for value in bad {
            let e = load(
                &FlagSettings::default(),
                &sources(&[("EMAIL_HOST", "h.test"), ("EMAIL_TIMEOUT", value)]),
            )
            .err()
            .unwrap_or_else(|| panic!("EMAIL_TIMEOUT={value:?} accepted"));
            let text = e.to_string();
            assert!(
                text.contains("environment EMAIL_TIMEOUT"),
                "{value:?}: {text}"
            );
            assert!(text.contains("at most 3600"), "{value:?}: {text}");

            let url = format!("smtp+ssl://h.test:465?timeout={value}");
            let e = load(
                &FlagSettings::default(),
                &sources(&[("EMAIL_URL", url.as_str())]),
            )
            .err()
            .unwrap_or_else(|| panic!("?timeout={value:?} accepted"));
            assert!(e.to_string().contains("environment EMAIL_URL"), "{e}");
        }
        // Spring's milliseconds: 0 is JavaMail's "no timeout" (unset, as Django's None).
        let spring = |value: &str| {
            let dir = std::env::temp_dir().join(format!(
                "smtp-doctor-spring-timeout-{}-{}",
                std::process::id(),
                value.len()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("application.properties"),
                format!(
                    "spring.mail.host=h.test\nspring.mail.properties.mail.smtp.timeout={value}\n"
                ),
            )
            .unwrap();
            let mut src = sources(&[]);
            src.dir = dir.clone();
            let got = load(&FlagSettings::default(), &src);
            std::fs::remove_dir_all(&dir).ok();
            got
        };
        for value in ["nan", "-inf", "1e309", "-5", "", "3600001"] {
            let e = spring(value)
                .err()
                .unwrap_or_else(|| panic!("mail.smtp.timeout={value:?} accepted"));
            assert!(
                e.to_string()
                    .contains("application.properties:2 spring.mail.properties.mail.smtp.timeout"),
                "{e}"
            );
        }
        assert_eq!(spring("0").unwrap().timeout, None);
        assert_eq!(spring("5000").unwrap().timeout, Some(5.0));
        // A file's line is named.
        let dir = std::env::temp_dir().join(format!("smtp-doctor-timeout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(".env"), "EMAIL_HOST=h.test\nEMAIL_TIMEOUT=nan\n").unwrap();
        let mut src = sources(&[]);
        src.dir = dir.clone();
        let e = load(&FlagSettings::default(), &src)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains(".env:2 EMAIL_TIMEOUT"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
        // Sane values, and Django's None, still work.
        for (value, want) in [
            ("10", Some(10.0)),
            ("0.5", Some(0.5)),
            ("3600", Some(3600.0)),
            ("None", None),
        ] {
            let s = load(
                &FlagSettings::default(),
                &sources(&[("EMAIL_HOST", "h.test"), ("EMAIL_TIMEOUT", value)]),
            )
            .unwrap();
            assert_eq!(s.timeout, want, "{value}");
        }
    }
}
