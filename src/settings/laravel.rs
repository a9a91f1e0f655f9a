//! Laravel's `.env` names: `MAIL_SCHEME` (Laravel 11 and later) and `MAIL_ENCRYPTION`.

use super::{Interpreted, Interpreter, SettingsError};
use crate::frameworks::laravel::{ENCRYPTION, NAMES, SCHEME};

/// Whether the values read so far use Laravel's names.
pub(super) fn detected(layers: &super::Layers) -> bool {
    layers.get(NAMES.host).is_some()
}

/// Laravel's TLS mode: `MAIL_SCHEME=smtps` or `MAIL_ENCRYPTION=ssl` is implicit TLS.
pub(super) fn read_tls(
    it: &mut Interpreter<'_>,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    if let Some(raw) = it.get(SCHEME) {
        path.implicit = raw.value.eq_ignore_ascii_case("smtps");
    }
    if let Some(raw) = it.get(ENCRYPTION) {
        match raw.value.to_ascii_lowercase().as_str() {
            "ssl" | "smtps" => path.implicit = true,
            "tls" | "starttls" => path.starttls = true,
            "" | "null" => {}
            _ => return Err(it.bad(ENCRYPTION, raw, "ssl, tls or null")),
        }
    }
    // Symfony Mailer uses implicit TLS on 465 whatever the name says.
    if path.port == Some(crate::model::SUBMISSIONS_PORT) && path.starttls && !path.implicit {
        path.starttls = false;
        path.implicit = true;
    }
    Ok(())
}
