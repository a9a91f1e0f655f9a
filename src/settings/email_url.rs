//! `EMAIL_URL` in the django-environ / dj-email-url form.

use super::{parse_bool, Interpreted, Interpreter, Raw, SettingsError};
use crate::plan::Secret;

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
    path.password = url.password.clone().map(Secret::new);
    path.timeout = url.timeout;
    Ok(())
}

pub(super) use crate::frameworks::email_url::EMAIL_URL;
