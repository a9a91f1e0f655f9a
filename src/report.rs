//! The report: observations plus diagnosis, in the shape of CONTRACT.md (schema 1).

pub use crate::diagnosis::{Recommendation, Verdict};

use crate::diagnosis::{Diagnosis, Finding, FindingCode, Options};
use crate::frameworks::Framework;
use crate::i18n::Lang;
use crate::model::{DnsObservation, EndpointObservation, Observations};
use serde::{Deserialize, Serialize};

/// The report schema this build writes.
pub const SCHEMA: u32 = 1;

/// Which program wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// `smtp-doctor`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// `check`, `preflight` or `demo`.
    pub command: String,
    /// The overall answer.
    pub verdict: Verdict,
    /// The root cause's code, or `None` when the verdict is ok.
    pub cause: Option<FindingCode>,
    /// Every finding, most important first.
    pub findings: Vec<Finding>,
    /// The endpoints probed.
    pub endpoints: Vec<EndpointObservation>,
    /// What to change, best first.
    pub recommendations: Vec<Recommendation>,
    /// The host probed.
    pub host: String,
    /// The ports asked for.
    pub ports: Vec<u16>,
    /// The DNS step.
    pub dns: DnsObservation,
    /// The language of `message` texts.
    pub lang: Lang,
    /// Whose setting names `recommendations[].settings` uses.
    #[serde(default)]
    pub framework: Framework,
    /// Wall-clock time of the run, in milliseconds.
    pub elapsed_ms: f64,
    /// When the run happened (Unix seconds).
    pub observed_at_unix: i64,
    /// The program.
    pub tool: ToolInfo,
    /// Preflight: the application's configured path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured: Option<crate::model::ConfiguredPath>,
    /// Preflight: every setting read, with where it came from (secrets masked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<crate::settings::SettingReport>,
    /// Preflight: whether the project's own code was run to read its settings, and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<crate::settings::RuntimeUse>,
    /// Preflight: values found that the application does not use (its runtime says otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadowed: Vec<crate::settings::Shadowed>,
}

impl Report {
    /// Builds the report of a `check` (or `demo`) run.
    pub fn new(command: &str, obs: Observations, diagnosis: Diagnosis, opts: &Options) -> Report {
        Report {
            schema: SCHEMA,
            command: command.to_string(),
            verdict: diagnosis.verdict,
            cause: diagnosis.cause,
            findings: diagnosis.findings,
            endpoints: obs.endpoints,
            recommendations: diagnosis.recommendations,
            host: obs.host,
            ports: obs.ports,
            dns: obs.dns,
            lang: opts.lang,
            framework: opts.framework,
            elapsed_ms: obs.elapsed_ms,
            observed_at_unix: obs.observed_at_unix,
            tool: ToolInfo {
                name: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            configured: None,
            settings: Vec::new(),
            runtime: None,
            shadowed: Vec::new(),
        }
    }

    /// The process exit status the contract assigns to this verdict.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Ok => 0,
            Verdict::Degraded | Verdict::Failed => 1,
        }
    }
}
