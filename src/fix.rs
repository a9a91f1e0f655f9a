//! Exact settings for a fix, in the names of the application's framework.

use crate::model::Security;
use std::collections::BTreeMap;

/// The settings keys to change to use `port` with `security`, Django names
/// (`EMAIL_USE_TLS` is STARTTLS, `EMAIL_USE_SSL` is implicit TLS).
pub fn port_settings(port: u16, security: Security) -> BTreeMap<String, String> {
    let (tls, ssl) = match security {
        Security::Starttls => ("True", "False"),
        Security::ImplicitTls => ("False", "True"),
        Security::Plain => ("False", "False"),
    };
    BTreeMap::from([
        ("EMAIL_PORT".to_string(), port.to_string()),
        ("EMAIL_USE_SSL".to_string(), ssl.to_string()),
        ("EMAIL_USE_TLS".to_string(), tls.to_string()),
    ])
}

/// The settings key for the host name.
pub fn host_settings(host: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("EMAIL_HOST".to_string(), host.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_keys_follow_the_contract() {
        let s = port_settings(465, Security::ImplicitTls);
        assert_eq!(s["EMAIL_PORT"], "465");
        assert_eq!(s["EMAIL_USE_SSL"], "True");
        assert_eq!(s["EMAIL_USE_TLS"], "False");
        let s = port_settings(587, Security::Starttls);
        assert_eq!(
            (s["EMAIL_USE_TLS"].as_str(), s["EMAIL_USE_SSL"].as_str()),
            ("True", "False")
        );
    }
}
