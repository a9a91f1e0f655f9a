//! Many targets at once: the `--targets FILE` format (one `host[:port]` per line).

use crate::plan::Host;

/// One target: a host and, optionally, the one port to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal.
    pub host: String,
    /// The port, when the line names one.
    pub port: Option<u16>,
}

/// Parses a targets file: `host`, `host:port`, `[v6]:port` or a bare IPv6 address per line;
/// blank lines and `#` comments are skipped. The error names the line.
pub fn parse(text: &str, file: &str) -> Result<Vec<Target>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (host, port) =
            Host::parse_with_port(line).map_err(|e| format!("{file}:{}: {e}", i + 1))?;
        let host = host.to_string();
        out.push(Target { host, port });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let t = parse("# mail servers\nsmtp.gmail.com\nsmtp.office365.com:587\n\n[::1]:2525\n::1\n127.0.0.1:25 # local\n", "t.txt").unwrap();
        assert_eq!(t.len(), 5);
        assert_eq!(
            t[0],
            Target {
                host: "smtp.gmail.com".into(),
                port: None
            }
        );
        assert_eq!(t[1].port, Some(587));
        assert_eq!((t[2].host.as_str(), t[2].port), ("::1", Some(2525)));
        assert_eq!((t[3].host.as_str(), t[3].port), ("::1", None));
        assert_eq!(t[4].port, Some(25));
        let e = parse("ok.example.com\nbad host\n", "t.txt").unwrap_err();
        assert!(e.starts_with("t.txt:2:"), "{e}");
        assert!(parse("h:70000", "f").is_err());
    }
}
