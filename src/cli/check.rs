//! `smtp-doctor check HOST`: one host's submission ports probed, diagnosed and reported.

use super::args::{OutputArgs, ProbeArgs};
use super::config::{self, NetConfig};
use super::output::{emit, probe_with_progress};
use super::usage::usage_error;
use std::process::ExitCode;

/// Runs `check HOST` and prints its report; the exit status is the verdict's.
pub(crate) async fn run(host: &str, probe: &ProbeArgs, out: &OutputArgs) -> ExitCode {
    match observations(host, probe, out).await {
        Ok(observations) => emit("check", observations, out),
        Err(code) => code,
    }
}

/// What `check HOST` observes (also `explain --run`'s probe).
pub(crate) async fn observations(
    host: &str,
    probe: &ProbeArgs,
    out: &OutputArgs,
) -> Result<smtp_doctor::model::Observations, ExitCode> {
    let net = NetConfig::from_args(probe).map_err(usage_error)?;
    let mut plan = net.plan(host, &net.ports).map_err(usage_error)?;
    plan.credentials = config::login(probe, probe.user.clone(), None).map_err(usage_error)?;
    plan.domain =
        config::domain_check(probe, probe.from.as_deref(), "--from").map_err(usage_error)?;
    let what = format!("probing {} …", plan.host);
    probe_with_progress(plan, out, &what).await
}
