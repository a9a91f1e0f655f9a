//! The application's configured path, as the diagnosis needs it (no secrets).

use super::Security;
use serde::{Deserialize, Serialize};

/// The configured path: what the application will do when it sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfiguredPath {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The TLS mode, `None` when both flags are set.
    pub security: Option<Security>,
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
