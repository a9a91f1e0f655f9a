//! The network configuration every command takes from its flags, validated once, and the
//! login secret, read once.

use super::args::ProbeArgs;
use smtp_doctor::{
    ConnectTo, Credentials, Host, Plan, PlanError, ResolveOverride, Secret, SecretKind, Timing,
};
use std::net::SocketAddr;
use std::time::Duration;

/// What `--port`, `--timeout`, `--resolve`, `--connect-to`, `--dns-server`, `--ca-file` and
/// `--insecure-auth` say, checked (the CA files are read here, once).
#[derive(Debug, Clone)]
pub(crate) struct NetConfig {
    /// The ports asked for (empty: the defaults).
    pub(crate) ports: Vec<u16>,
    /// `--timeout`.
    pub(crate) timeout: Option<Duration>,
    resolve: Vec<ResolveOverride>,
    connect_to: Vec<ConnectTo>,
    dns_server: Option<SocketAddr>,
    insecure_auth: bool,
    /// The certificates of every `--ca-file`, DER.
    pub(crate) extra_roots: Vec<Vec<u8>>,
}

impl NetConfig {
    pub(crate) fn from_args(args: &ProbeArgs) -> Result<NetConfig, String> {
        let mut extra_roots = Vec::new();
        for path in &args.ca_files {
            extra_roots.extend(smtp_doctor::load_ca_file(path).map_err(|e| e.to_string())?);
        }
        Ok(NetConfig {
            ports: args.ports.clone(),
            timeout: args.timeout,
            resolve: args.resolve.clone(),
            connect_to: args.connect_to.clone(),
            dns_server: args.dns_server,
            insecure_auth: args.insecure_auth,
            extra_roots,
        })
    }

    /// A plan for `host` on `ports` with this configuration.
    pub(crate) fn plan(&self, host: &str, ports: &[u16]) -> Result<Plan, String> {
        self.configured(Plan::new(host, ports))
    }

    /// A plan for a host already validated (a request's target), with this configuration.
    pub(crate) fn plan_for(&self, host: Host, ports: &[u16]) -> Result<Plan, String> {
        self.configured(Plan::for_host(host, ports))
    }

    fn configured(&self, plan: Result<Plan, PlanError>) -> Result<Plan, String> {
        let mut plan = plan.map_err(|e| e.to_string())?;
        plan.timing = Timing::new(self.timeout);
        self.route(&mut plan);
        Ok(plan)
    }

    /// `--dns-server`.
    pub(crate) fn dns_server(&self) -> Option<SocketAddr> {
        self.dns_server
    }

    /// How packets get there and what is trusted: everything but the ports and the timing,
    /// which a preflight plan takes from the application's settings.
    pub(crate) fn route(&self, plan: &mut Plan) {
        plan.resolve = self.resolve.clone();
        plan.connect_to = self.connect_to.clone();
        plan.dns_server = self.dns_server;
        plan.insecure_auth = self.insecure_auth;
        plan.extra_roots = self.extra_roots.clone();
        // One connect to 443 beside the probes: dropped SMTP ports with 443 answering are a
        // network that blocks SMTP, not a host that is down.
        plan.control_port = Some(443);
        // Who is in the way on this machine, read only when a port is filtered, denied or
        // intercepted.
        plan.machine_security = true;
    }
}

/// The sender's domain step for `sender` (`--dkim-selector` from `args`), checked as a
/// mailbox first; `origin` names where the address came from in the error.
pub(crate) fn domain_check(
    args: &ProbeArgs,
    sender: Option<&str>,
    origin: &str,
) -> Result<Option<smtp_doctor::DomainCheck>, String> {
    let Some(sender) = sender else {
        if !args.dkim_selectors.is_empty() {
            return Err("--dkim-selector needs a sender: give --from ADDR".into());
        }
        return Ok(None);
    };
    let sender = smtp_doctor::Mailbox::parse(sender).map_err(|e| format!("{origin}: {e}"))?;
    for s in &args.dkim_selectors {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !ok {
            return Err(format!(
                "invalid --dkim-selector {}: expected a DNS label like s1 or google",
                smtp_doctor::escape(s.as_bytes())
            ));
        }
    }
    Ok(Some(smtp_doctor::DomainCheck {
        sender,
        dkim_selectors: args.dkim_selectors.clone(),
    }))
}

/// The login for `user`, when there is one: the secret comes from --password-stdin, then
/// SMTP_DOCTOR_OAUTH_TOKEN (XOAUTH2), then SMTP_DOCTOR_PASSWORD, then what the settings hold.
/// A user without any secret is an error.
pub(crate) fn login(
    args: &ProbeArgs,
    user: Option<String>,
    from_settings: Option<Secret>,
) -> Result<Option<Credentials>, String> {
    let Some(user) = user else {
        return Ok(None);
    };
    let (secret, kind) = match secret(args, from_settings)? {
        Some(found) => found,
        None => return Err(format!("a login user ({}) is set but no password: set SMTP_DOCTOR_PASSWORD (or SMTP_DOCTOR_OAUTH_TOKEN), or use --password-stdin", smtp_doctor::escape(user.as_bytes()))),
    };
    Ok(Some(Credentials { user, secret, kind }))
}

fn secret(
    args: &ProbeArgs,
    from_settings: Option<Secret>,
) -> Result<Option<(Secret, SecretKind)>, String> {
    if args.password_stdin {
        // Bounded: `</dev/zero` is an error, not an allocation abort.
        let pw = smtp_doctor::read_first_line(
            &mut std::io::stdin().lock(),
            "--password-stdin (standard input)",
        )
        .map_err(|e| e.to_string())?;
        if pw.is_empty() {
            return Err("--password-stdin: standard input is empty".into());
        }
        return Ok(Some((Secret::new(pw), SecretKind::Password)));
    }
    let from_env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(t) = from_env("SMTP_DOCTOR_OAUTH_TOKEN") {
        return Ok(Some((Secret::new(t), SecretKind::OauthToken)));
    }
    if let Some(p) = from_env("SMTP_DOCTOR_PASSWORD") {
        return Ok(Some((Secret::new(p), SecretKind::Password)));
    }
    Ok(from_settings.map(|s| (s, SecretKind::Password)))
}
