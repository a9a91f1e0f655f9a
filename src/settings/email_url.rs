//! `EMAIL_URL` in the django-environ / dj-email-url form.

use super::{Interpreted, Interpreter, Raw, SettingsError};
use crate::plan::Secret;

/// Percent-decodes one part of the URL. Invalid sequences (`%`, `%a`, `%zz`) stay as they
/// are and bytes that are not UTF-8 become U+FFFD, as Python's `unquote` does for
/// dj-email-url; `+` stays `+` (user info is not form-encoded).
fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

/// An `EMAIL_URL` (django-environ / dj-email-url form), interpreted.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailUrl {
    /// Host (an IPv6 address without its brackets).
    pub host: String,
    /// Port (the scheme's default when absent).
    pub port: u16,
    /// STARTTLS.
    pub starttls: bool,
    /// Implicit TLS.
    pub implicit_tls: bool,
    /// User, percent-decoded.
    pub user: Option<String>,
    /// Password, percent-decoded; never printed.
    pub password: Option<Secret>,
    /// `?timeout=`.
    pub timeout: Option<f64>,
}

/// The TLS flags and the port a scheme means when the URL names none, as the app ends up
/// using them: django-environ 0.14 and dj-email-url 1.0.6 leave the port unset (so Python's
/// smtplib uses 25, or 465 for SMTP_SSL) except dj-email-url's `submission` (587); both read
/// `smtps` as STARTTLS (docs/CONTRACT.md); only django-environ knows `smtp+tls`/`smtp+ssl`.
fn scheme_defaults(scheme: &str) -> Result<(bool, bool, u16), String> {
    match scheme.to_ascii_lowercase().as_str() {
        "smtp" => Ok((false, false, 25)),
        "smtp+tls" | "smtps" => Ok((true, false, 25)),
        "submit" | "submission" => Ok((true, false, 587)),
        "smtp+ssl" => Ok((false, true, 465)),
        other => Err(format!("unknown scheme {other:?}")),
    }
}

/// dj-email-url's truthy query values (`?ssl=`, `?tls=`); anything else is ignored, not false.
fn truthy(v: &str) -> bool {
    matches!(
        v,
        "1" | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "t"
            | "T"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
    )
}

/// Parses `EMAIL_URL`: `smtp://`, `smtp+tls://`, `smtp+ssl://`, `smtps://`, `submission://`
/// (dj-email-url's schemes), with `?ssl=`/`?tls=`/`?timeout=` query options.
pub fn parse_email_url(text: &str) -> Result<EmailUrl, String> {
    let (scheme, rest) = text.split_once("://").ok_or("no scheme")?;
    if user_info_end(rest).is_some_and(|(_, cut)| cut) {
        // `u:pa/ss@host` parses as host `u`, port `pa`: the password is not percent-encoded.
        return Err(
            "the user or password contains an unencoded \"/\", \"?\" or \"#\" \
             (percent-encode it: %2F, %3F, %23)"
                .into(),
        );
    }
    let (mut starttls, mut implicit_tls, default_port) = scheme_defaults(scheme)?;
    let url = ::url::Url::parse(text).map_err(|e| e.to_string())?;
    let host = match url.host() {
        Some(::url::Host::Ipv6(addr)) => addr.to_string(),
        Some(::url::Host::Ipv4(addr)) => addr.to_string(),
        Some(::url::Host::Domain(name)) => decode(name),
        None => String::new(),
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    if url.port() == Some(0) {
        return Err("port 0".into());
    }
    let mut timeout = None;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let first = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    // dj-email-url: a truthy `ssl` wins (and turns STARTTLS off); otherwise a truthy `tls`.
    match (first("ssl").filter(|v| !v.is_empty()), first("tls")) {
        (Some(v), _) if truthy(v) => (implicit_tls, starttls) = (true, false),
        (None, Some(v)) if truthy(v) => (implicit_tls, starttls) = (false, true),
        _ => {}
    }
    for (k, v) in &query {
        match k.to_ascii_uppercase().as_str() {
            // django-environ: the value is cast to int if it can be, then taken for its truth.
            "EMAIL_USE_SSL" => implicit_tls = !v.is_empty() && v != "0",
            "EMAIL_USE_TLS" => starttls = !v.is_empty() && v != "0",
            _ => {}
        }
    }
    if let Some(v) = first("timeout") {
        timeout =
            Some(super::timeout_secs(v).ok_or_else(|| {
                format!("bad timeout={v:?}: expected {}", super::TIMEOUT_EXPECTED)
            })?);
    }
    Ok(EmailUrl {
        host,
        port: url.port().unwrap_or(default_port),
        starttls,
        implicit_tls,
        user: Some(decode(url.username())).filter(|u| !u.is_empty()),
        password: url
            .password()
            .map(decode)
            .filter(|p| !p.is_empty())
            .map(Secret::new),
        timeout,
    })
}

/// Where the user info of the part after `scheme://` ends (the byte offset of its `@`), and
/// whether that `@` lies beyond a `/`, `?` or `#`, which happens only when the user or password
/// holds one of them unencoded (so a URL parser would cut the authority short).
fn user_info_end(rest: &str) -> Option<(usize, bool)> {
    let delimiter = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..delimiter].rfind('@') {
        Some(at) => Some((at, false)),
        None => rest[delimiter..]
            .rfind('@')
            .map(|at| (delimiter + at, true)),
    }
}

/// An EMAIL_URL with its password replaced by `****`. A URL whose user info holds an unencoded
/// `/`, `?` or `#` is masked up to its last `@`, so no part of the password shows either way.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((at, _)) = user_info_end(rest) else {
        return url.to_string();
    };
    let (userinfo, host) = (&rest[..at], &rest[at..]);
    let user = userinfo.split([':', '/', '?', '#']).next().unwrap_or("");
    if userinfo.len() > user.len() {
        format!("{scheme}://{user}:****{host}")
    } else {
        format!("{scheme}://{user}{host}")
    }
}

/// Applies an `EMAIL_URL` as the lowest of the application's own values.
pub(super) fn apply(
    it: &mut Interpreter<'_>,
    raw: &Raw,
    path: &mut Interpreted,
) -> Result<(), SettingsError> {
    let url = parse_email_url(&raw.value).map_err(|why| SettingsError::BadUrl {
        origin: raw.origin.to_string(),
        why,
    })?;
    it.note(EMAIL_URL, &mask_url(&raw.value), &raw.origin, false);
    path.host = Some(url.host.clone());
    path.port = Some(url.port);
    path.starttls = url.starttls;
    path.implicit = url.implicit_tls;
    path.user = url.user.clone();
    path.password = url.password.clone();
    path.timeout = url.timeout;
    Ok(())
}

pub(super) use crate::frameworks::email_url::EMAIL_URL;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_urls_never_panic() {
        let users = [
            "",
            "u",
            "%",
            "%a",
            "%zz",
            "%aé",
            "é%",
            "%é",
            "%%",
            "%C3%A9",
            "%ff",
            ":",
            "u:",
            ":p",
            "u:p%",
            "u:p%a",
            "u:p%aé",
            "u:p%zz",
            "u:%E2%82",
            "🦀:🦀%",
        ];
        let hosts = [
            "x.test", "x.test.", "[::1]", "[::1", "::1", "[]", "é.test", "%41", "", "h:", "h:0",
            "h:99999", "h:587",
        ];
        let schemes = [
            "smtp",
            "smtps",
            "smtp+ssl",
            "smtp+tls",
            "submission",
            "http",
            "",
        ];
        let tails = ["", "/", "?", "?tls=%", "?timeout=é", "?ssl=1&tls=1", "#%a"];
        for scheme in schemes {
            for user in users {
                for host in hosts {
                    for tail in tails {
                        let at = if user.is_empty() { "" } else { "@" };
                        let url = format!("{scheme}://{user}{at}{host}{tail}");
                        let _ = parse_email_url(&url);
                        let _ = mask_url(&url);
                    }
                }
            }
        }
        for url in [
            "",
            "://",
            "smtp:/",
            "smtp:",
            "%",
            "é://é",
            "smtp://@",
            "smtp://u:p%aé@x.test:587",
        ] {
            let _ = parse_email_url(url);
            let _ = mask_url(url);
        }
    }

    #[test]
    fn odd_user_info_decodes_safely() {
        let u = parse_email_url("smtp://u:p%aé@x.test:587").unwrap();
        assert_eq!(u.password.as_ref().map(|p| p.expose()), Some("p%aé"));
        let u = parse_email_url("smtp://:p@[::1]:25").unwrap();
        assert_eq!((u.user, u.host.as_str(), u.port), (None, "::1", 25));
        let u = parse_email_url("smtp://%zz@x.test.").unwrap();
        assert_eq!(
            (u.user.as_deref(), u.host.as_str()),
            (Some("%zz"), "x.test.")
        );
    }

    /// Regression: an unencoded `/` in the password made `alice` the host and `12345` the port,
    /// and the report printed the whole URL.
    #[test]
    fn an_unencoded_slash_in_the_password_is_an_error_that_hides_it() {
        for (url, secret) in [
            ("smtp://alice:12345/Sup3r$ecret@h.test:587", "Sup3r$ecret"),
            (
                "smtp+tls://alice:Sup3r$ecret/Pa55@h.test:587",
                "Sup3r$ecret",
            ),
            ("smtp+ssl://alice:pa?ss@h.test:465", "pa?ss"),
            ("smtp+ssl://alice:pa#ss@h.test:465", "pa#ss"),
        ] {
            let why = parse_email_url(url).unwrap_err();
            assert!(why.contains("%2F"), "{why}");
            assert!(!why.contains("ecret") && !why.contains("ss@"), "{why}");
            let masked = mask_url(url);
            assert!(!masked.contains(secret), "{masked}");
            assert!(
                masked.starts_with("smtp") && masked.contains("alice:****@h.test"),
                "{masked}"
            );
        }
        assert_eq!(
            mask_url("smtp://u:p@h.test:587?from=a@b"),
            "smtp://u:****@h.test:587?from=a@b"
        );
        assert!(parse_email_url("smtp://u:p@h.test:587/?x=a@b").is_ok());
    }

    #[test]
    fn the_password_does_not_print() {
        let u = parse_email_url("smtp+ssl://me:hunter2@smtp.example.com:465").unwrap();
        let shown = format!("{u:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(****)"), "{shown}");
    }

    /// docs/CONTRACT.md: each scheme means what django-environ 0.14 and dj-email-url 1.0.6 mean;
    /// `smtps://` and `smtp+tls://` set EMAIL_USE_TLS (STARTTLS), only `smtp+ssl://` sets
    /// EMAIL_USE_SSL.
    #[test]
    fn smtps_means_starttls_as_in_django_environ() {
        let mode = |url: &str| {
            let u = parse_email_url(url).unwrap();
            (u.starttls, u.implicit_tls)
        };
        assert_eq!(mode("smtps://h:587"), (true, false));
        assert_eq!(mode("SMTPS://h:587"), (true, false));
        assert_eq!(mode("smtp+tls://h:587"), (true, false));
        assert_eq!(mode("smtp+ssl://h:465"), (false, true));
        assert_eq!(mode("smtp://h:25"), (false, false));
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
        assert_eq!(u.password.as_ref().map(|p| p.expose()), Some("p@ss/w"));
        assert_eq!(u.timeout, Some(10.0));
        let cases = [
            ("smtp://h", 25, false, false),
            // No port: the libraries set none, so smtplib's 25 (465 for SMTP_SSL).
            ("smtp+tls://h", 25, true, false),
            // django-environ 0.14 / dj-email-url 1.0.6: smtps sets EMAIL_USE_TLS (STARTTLS).
            ("smtps://h", 25, true, false),
            ("smtp+ssl://h", 465, false, true),
            ("submission://h", 587, true, false),
            ("smtp://h:2525?tls=True", 2525, true, false),
            ("smtp://h?ssl=1", 25, false, true),
            // dj-email-url: a truthy ssl turns STARTTLS off; falsy values are ignored.
            ("smtps://h:465?ssl=true", 465, false, true),
            ("smtps://h:587?ssl=false", 587, true, false),
            ("smtp://h?tls=maybe", 25, false, false),
            ("smtp://h?ssl=0&tls=1", 25, false, false),
            // django-environ's query form.
            ("smtp://h:465?EMAIL_USE_SSL=1", 465, false, true),
            ("smtp+tls://h:587?email_use_tls=0", 587, false, false),
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
            "smtp://h?timeout=soon",
        ] {
            assert!(parse_email_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            mask_url("smtp+ssl://me:secret@h:465"),
            "smtp+ssl://me:****@h:465"
        );
    }
}
