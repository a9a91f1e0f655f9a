//! A Node app's `.env` for nodemailer: the common `SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`,
//! `SMTP_PASS` and `SMTP_SECURE` names. nodemailer's `secure: true` is implicit TLS; otherwise it
//! upgrades with STARTTLS when the server offers it.

use super::{parse_bool, Interpreted, Interpreter, Layers, SettingsError};
use crate::frameworks::Names;

/// The environment names Node apps commonly pass to `nodemailer.createTransport`.
pub(super) const ENV_NAMES: Names = Names {
    host: "SMTP_HOST",
    port: "SMTP_PORT",
    user: "SMTP_USER",
    password: "SMTP_PASS",
};
/// `true` for implicit TLS (nodemailer's `secure`).
pub(super) const SECURE: &str = "SMTP_SECURE";

/// Whether the values read so far use these names.
pub(super) fn detected(layers: &Layers) -> bool {
    layers.get(ENV_NAMES.host).is_some()
}

/// `SMTP_SECURE=true` is implicit TLS; anything else lets nodemailer use STARTTLS.
pub(super) fn read_tls(
    it: &mut Interpreter<'_>,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    let mut secure = false;
    if let Some(raw) = it.get(SECURE) {
        secure = parse_bool(&raw.value).ok_or_else(|| it.bad(SECURE, raw, "true or false"))?;
    }
    path.implicit = secure;
    path.starttls = !secure;
    Ok(())
}
