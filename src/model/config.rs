//! The application's configured path, as the diagnosis needs it (no secrets).

use super::{Host, TlsSetting};
use serde::{Deserialize, Serialize};

/// The configured path: what the application will do when it sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfiguredPath {
    /// Host, validated.
    pub host: Host,
    /// Port.
    pub port: u16,
    /// The TLS mode, or both flags (written `null`).
    pub security: TlsSetting,
    /// Timeout in seconds, if set.
    pub timeout: Option<f64>,
    /// Whether credentials are set.
    pub login: bool,
    /// Whether a test message was asked for.
    pub send: bool,
    /// The host exactly as the settings write it (escaped), when it was malformed and `host`
    /// is its corrected form (`smtp.gmail.com,` → `smtp.gmail.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_as_written: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Security;

    /// Both flags set is written `null`, as when it was a missing mode; a mode by its name.
    #[test]
    fn the_tls_setting_keeps_its_json() {
        for (setting, json) in [
            (TlsSetting::BothFlags, "null"),
            (TlsSetting::Mode(Security::Plain), "\"plain\""),
            (TlsSetting::Mode(Security::Starttls), "\"starttls\""),
            (TlsSetting::Mode(Security::ImplicitTls), "\"implicit_tls\""),
        ] {
            assert_eq!(serde_json::to_string(&setting).unwrap(), json);
            assert_eq!(serde_json::from_str::<TlsSetting>(json).unwrap(), setting);
        }
        assert_eq!(TlsSetting::from_flags(true, true), TlsSetting::BothFlags);
        assert_eq!(
            TlsSetting::from_flags(false, false),
            TlsSetting::Mode(Security::Plain)
        );
    }
}
