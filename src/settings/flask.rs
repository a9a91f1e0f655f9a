//! Flask-Mail: `MAIL_SERVER`, `MAIL_PORT`, `MAIL_USERNAME`, `MAIL_PASSWORD`, `MAIL_USE_TLS`
//! (STARTTLS) and `MAIL_USE_SSL` (implicit TLS), from the environment, the env file, or the
//! `MAIL_*` assignments of the app's `config.py`.

use super::{read_text, Interpreted, Interpreter, Layers, SettingsError, Sources};
use crate::frameworks::flask::{NAMES, USE_SSL, USE_TLS};

/// The Python modules Flask apps commonly load their configuration from.
const CONFIG_FILES: [&str; 3] = ["config.py", "instance/config.py", "settings.py"];

/// Whether the values read so far use Flask-Mail's names.
pub(super) fn detected(layers: &Layers) -> bool {
    layers.get(NAMES.host).is_some()
}

/// Adds the `MAIL_*` assignments of the app's config module to `layers` (below the
/// environment and the env file, which `layers` already holds).
pub(super) fn read_config(sources: &Sources, layers: &mut Layers) -> Result<(), SettingsError> {
    let env_lookup = |k: &str| layers.get(k).map(|r| r.value.clone());
    let mut found = Vec::new();
    for name in CONFIG_FILES {
        let path = sources.dir.join(name);
        if super::present(&path) {
            let text = read_text(&path)?;
            found.extend(super::django::parse_python_settings(
                &text,
                &path.display().to_string(),
                "MAIL_",
                &env_lookup,
            ));
        }
    }
    // In Python the last assignment wins (and a later module overrides an earlier one); a
    // layer keeps the first value added.
    for (k, v, o) in found.into_iter().rev() {
        layers.add(&k, v, o);
    }
    Ok(())
}

/// Flask-Mail's two TLS flags.
pub(super) fn read_tls(
    it: &mut Interpreter<'_>,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    it.flag(USE_TLS, &mut path.starttls)?;
    it.flag(USE_SSL, &mut path.implicit)
}
