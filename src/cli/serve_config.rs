//! `serve --config FILE`: the probe modules, in TOML, read at start, on SIGHUP and on
//! `POST /-/reload`. A module sets the ports, the TLS mode, a timeout, a CA file and a login
//! whose secret comes from the exporter's environment or a file — never from a URL.
//!
//! ```toml
//! [modules.submission]
//! ports = [587]
//! security = "starttls"
//! timeout = 8
//! ca_file = "/etc/ssl/company-root.pem"   # on Windows, a literal string: 'C:\certs\root.pem'
//! user = "alerts@example.com"
//! password_env = "ALERTS_SMTP_PASSWORD"   # or password_file = "/run/secrets/alerts_smtp"
//! ```

use serde::Deserialize;
use smtp_doctor::model::Security;
use smtp_doctor::{Credentials, Engine, Secret, SecretKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The module every probe uses when none is named; a file may redefine it.
pub(crate) const DEFAULT: &str = "default";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    #[serde(default)]
    modules: BTreeMap<String, ModuleForm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleForm {
    #[serde(default)]
    ports: Vec<u16>,
    security: Option<SecurityForm>,
    timeout: Option<f64>,
    ca_file: Option<PathBuf>,
    user: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    #[serde(default)]
    insecure_auth: bool,
    /// The sender whose domain each probe checks (SPF, DKIM, DMARC): `step="domain"`.
    from: Option<String>,
    #[serde(default)]
    dkim_selectors: Vec<String>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum SecurityForm {
    Starttls,
    ImplicitTls,
    Plain,
}

/// One module, ready to probe with.
pub(crate) struct Module {
    /// Its name.
    pub(crate) name: String,
    /// Its ports (empty: what `check` probes: the target's port, or 587 and 465).
    pub(crate) ports: Vec<u16>,
    /// The TLS mode of each port, when the module sets one.
    pub(crate) security: Option<Security>,
    /// Its own bound on a probe (the scrape timeout and `--timeout` still apply).
    pub(crate) timeout: Option<Duration>,
    /// An engine trusting the module's CA file too, when it names one.
    pub(crate) engine: Option<Arc<Engine>>,
    /// Its login.
    pub(crate) credentials: Option<Credentials>,
    /// Log in even over a connection that is not encrypted and verified.
    pub(crate) insecure_auth: bool,
    /// The sender's domain to check with each probe.
    pub(crate) domain: Option<smtp_doctor::DomainCheck>,
}

impl Module {
    fn built_in() -> Module {
        Module {
            name: DEFAULT.into(),
            ports: Vec::new(),
            security: None,
            timeout: None,
            engine: None,
            credentials: None,
            insecure_auth: false,
            domain: None,
        }
    }
}

/// Every module, by name; `default` is always there.
pub(crate) struct Modules {
    pub(crate) by_name: BTreeMap<String, Arc<Module>>,
}

impl Modules {
    /// Only the built-in `default` (no `--config`).
    pub(crate) fn built_in() -> Modules {
        Modules {
            by_name: BTreeMap::from([(DEFAULT.to_string(), Arc::new(Module::built_in()))]),
        }
    }
}

/// Reads `path`: the modules, or a one-line reason naming the file (and the line, for TOML).
/// `extra_roots` are `--ca-file`'s roots, which every module trusts too.
pub(crate) fn load(path: &Path, extra_roots: &[Vec<u8>]) -> Result<Modules, String> {
    let shown = smtp_doctor::escape(path.display().to_string().as_bytes());
    let text =
        smtp_doctor::read_text(path, smtp_doctor::FileKind::Settings).map_err(|e| e.to_string())?;
    let form: FileForm = toml::from_str(&text).map_err(|e| {
        let first = e.message().lines().next().unwrap_or("").to_string();
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        match line {
            Some(line) => format!("{shown}:{line}: {}", smtp_doctor::escape(first.as_bytes())),
            None => format!("{shown}: {}", smtp_doctor::escape(first.as_bytes())),
        }
    })?;
    let mut modules = Modules::built_in();
    for (name, m) in form.modules {
        let module =
            module(&name, m, extra_roots).map_err(|e| format!("{shown}: module {name}: {e}"))?;
        modules.by_name.insert(name, Arc::new(module));
    }
    Ok(modules)
}

fn module(name: &str, m: ModuleForm, extra_roots: &[Vec<u8>]) -> Result<Module, String> {
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !name_ok {
        return Err("a module name is 1 to 64 letters, digits, _ or -".into());
    }
    if m.ports.contains(&0) {
        return Err("ports are 1 to 65535".into());
    }
    let timeout = match m.timeout {
        Some(t) if t.is_finite() && t > 0.0 && t <= 3600.0 => Some(Duration::from_secs_f64(t)),
        Some(_) => return Err("timeout is a number of seconds above 0, at most 3600".into()),
        None => None,
    };
    let engine = match &m.ca_file {
        Some(path) => {
            let mut roots = extra_roots.to_vec();
            roots.extend(smtp_doctor::load_ca_file(path).map_err(|e| e.to_string())?);
            Some(Arc::new(Engine::new(&roots).map_err(|e| e.to_string())?))
        }
        None => None,
    };
    let secret = match (&m.password_env, &m.password_file) {
        (Some(_), Some(_)) => {
            return Err("password_env and password_file exclude each other".into())
        }
        (Some(var), None) => Some(Secret::new(std::env::var(var).map_err(|_| {
            format!(
                "password_env names {}, which is not set in the exporter's environment",
                smtp_doctor::escape(var.as_bytes())
            )
        })?)),
        (None, Some(path)) => {
            // Bounded, and refused without blocking when not a regular file (a FIFO with no
            // writer would hang the start or a reload).
            let bytes = smtp_doctor::read_bytes(path, smtp_doctor::FileKind::Secret)
                .map_err(|e| format!("password_file: {e}"))?;
            let line = smtp_doctor::read_first_line(&mut bytes.as_slice(), "password_file")
                .map_err(|e| e.to_string())?;
            Some(Secret::new(line))
        }
        (None, None) => None,
    };
    let credentials = match (m.user, secret) {
        (Some(user), Some(secret)) if !secret.is_empty() => Some(Credentials {
            user,
            secret,
            kind: SecretKind::Password,
        }),
        (Some(_), _) => return Err("user needs password_env or password_file (non-empty)".into()),
        (None, Some(_)) => return Err("a password needs a user".into()),
        (None, None) => None,
    };
    Ok(Module {
        name: name.to_string(),
        ports: m.ports,
        security: m.security.map(|s| match s {
            SecurityForm::Starttls => Security::Starttls,
            SecurityForm::ImplicitTls => Security::ImplicitTls,
            SecurityForm::Plain => Security::Plain,
        }),
        timeout,
        engine,
        credentials,
        insecure_auth: m.insecure_auth,
        domain: match m.from {
            Some(from) => Some(smtp_doctor::DomainCheck {
                sender: smtp_doctor::Mailbox::parse(&from).map_err(|e| format!("from: {e}"))?,
                dkim_selectors: m.dkim_selectors,
            }),
            None if m.dkim_selectors.is_empty() => None,
            None => return Err("dkim_selectors needs from".into()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "smtp-doctor-modules-{}-{name}.toml",
            std::process::id()
        ));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn modules_are_read_with_their_secrets_from_the_environment_or_a_file() {
        std::env::set_var("SMTP_DOCTOR_TEST_MODULE_PW", "from-env");
        let pw = std::env::temp_dir().join(format!("smtp-doctor-pw-{}", std::process::id()));
        std::fs::write(&pw, "from-file\nignored\n").unwrap();
        let p = file(
            "ok",
            &format!(
                "[modules.a]\nports = [587]\nsecurity = \"starttls\"\ntimeout = 8\nuser = \"u@x.test\"\npassword_env = \"SMTP_DOCTOR_TEST_MODULE_PW\"\n\n[modules.b]\nports = [465, 2465]\nsecurity = \"implicit_tls\"\nuser = \"v\"\npassword_file = '{}'\n",
                pw.display()
            ),
        );
        let m = load(&p, &[]).unwrap();
        assert_eq!(m.by_name.len(), 3, "default is always there");
        let a = &m.by_name["a"];
        assert_eq!(a.ports, vec![587]);
        assert_eq!(a.security, Some(Security::Starttls));
        assert_eq!(a.timeout, Some(Duration::from_secs(8)));
        assert_eq!(a.credentials.as_ref().unwrap().secret.expose(), "from-env");
        let b = &m.by_name["b"];
        assert_eq!(b.credentials.as_ref().unwrap().secret.expose(), "from-file");
        std::fs::remove_file(&p).ok();
        std::fs::remove_file(&pw).ok();
    }

    #[test]
    fn a_bad_file_is_one_line_naming_it_and_never_the_secret() {
        let cases = [
            ("syntax", "[modules.a\nports = [587]\n", ":1:"),
            ("unknown", "[modules.a]\nport = 587\n", "unknown field"),
            ("zero", "[modules.a]\nports = [0]\n", "1 to 65535"),
            ("name", "[modules.\"a b\"]\nports = [587]\n", "module name"),
            (
                "nouser",
                "[modules.a]\npassword_env = \"PATH\"\n",
                "needs a user",
            ),
            (
                "unset",
                "[modules.a]\nuser = \"u\"\npassword_env = \"SMTP_DOCTOR_SURELY_UNSET_VAR\"\n",
                "not set",
            ),
            ("timeout", "[modules.a]\ntimeout = -1\n", "timeout"),
        ];
        for (name, text, says) in cases {
            let p = file(name, text);
            let e = load(&p, &[])
                .err()
                .unwrap_or_else(|| panic!("{name}: accepted"));
            assert!(e.contains(says), "{name}: {e}");
            assert!(e.contains(&p.display().to_string()), "{name}: {e}");
            assert_eq!(e.lines().count(), 1, "{name}: {e}");
            std::fs::remove_file(&p).ok();
        }
    }
}
