//! The report: observations plus diagnosis, in the shape of docs/CONTRACT.md (schema 1).

pub(crate) use crate::diagnosis::{Recommendation, Verdict};

use crate::diagnosis::{Diagnosis, Finding, FindingCode, Options, Said};
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
    /// Every finding, most important first, its message in `lang`.
    pub findings: Vec<Finding>,
    /// The endpoints probed.
    pub endpoints: Vec<EndpointObservation>,
    /// What to change, best first, in `lang`.
    pub recommendations: Vec<Recommendation>,
    /// The host probed, as the report writes it. Text, not [`crate::model::Host`]: `diff` reads
    /// reports back from files, untrusted and perhaps edited, and shows a host that is not one
    /// (escaped) rather than refusing the whole file.
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
    /// Preflight: the application's own client, run beside the probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_client: Option<AppClientReport>,
    /// Where smtp-doctor ran (cloud VM, WSL, container), from local facts.
    #[serde(default, skip_serializing_if = "crate::model::Environment::is_plain")]
    pub environment: crate::model::Environment,
    /// The control connection (443) to the same address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<crate::model::ControlObservation>,
    /// Who is in the way on this machine: security products, blocking firewall rules, what
    /// could not be read and why (only when a port was filtered, denied or intercepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<crate::model::SecurityObservation>,
    /// The sender's domain as DNS shows it (SPF, DKIM, DMARC, PTR), when a sender was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<crate::model::DomainObservation>,
}

/// The application's own client as the report shows it (docs/CONTRACT.md: `runtime`,
/// `version`, `tls_library`, `ehlo_name`, `outcome`, `error`, `reason`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppClientReport {
    /// Which client ran (`django`, `smtplib`, `nodemailer`).
    pub client: Option<crate::model::AppClientKind>,
    /// Its runtime (`python`, `node`).
    pub runtime: Option<crate::model::AppRuntime>,
    /// The interpreter, by path.
    pub program: Option<String>,
    /// The runtime's version.
    pub version: Option<String>,
    /// Its TLS library.
    pub tls_library: Option<String>,
    /// The client library's version.
    pub library_version: Option<String>,
    /// The name it announces in EHLO.
    pub ehlo_name: Option<String>,
    /// Where it looks for trusted roots.
    pub trust_store: Vec<String>,
    /// How many roots its trust file holds.
    pub trusted_roots: Option<u32>,
    /// Whether it verifies the server's certificate.
    pub verifies_certificates: Option<bool>,
    /// The lowest TLS version it allows.
    pub tls_minimum: Option<String>,
    /// Proxy variables in its environment (names).
    pub proxies: Vec<String>,
    /// `ok`, `failed` or `skipped`.
    pub outcome: crate::model::AppOutcome,
    /// The exception's type and message (`ssl.SSLCertVerificationError: …`), escaped.
    pub error: Option<String>,
    /// What kind of error it is.
    pub error_kind: Option<crate::model::AppErrorKind>,
    /// The SMTP reply code, when a reply failed.
    pub smtp_code: Option<u16>,
    /// Where in the dialogue it failed.
    pub stage: Option<String>,
    /// Why it was skipped, in the report's language.
    pub reason: Option<String>,
    /// Why it was skipped, typed.
    pub skip: Option<crate::model::SkipReason>,
    /// Steps it did not run, each with why (notes: the application is not failing).
    #[serde(default)]
    pub skipped_steps: Vec<SkippedStepReport>,
    /// Every program and library path it ran.
    #[serde(default)]
    pub ran: Vec<String>,
    /// How long it took, in milliseconds.
    pub ms: f64,
    /// Where its time went: start-up and each step (connect, TLS, login).
    #[serde(default, skip_serializing_if = "crate::model::AppTimings::is_empty")]
    pub timings: crate::model::AppTimings,
}

/// A step the application's client did not run, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedStepReport {
    /// `login` or `send`.
    pub step: crate::model::AppStep,
    /// Why, typed.
    pub kind: crate::model::StepSkip,
    /// Why, in the report's language.
    pub reason: String,
}

impl AppClientReport {
    /// The report's line for this client (`Django get_connection() in Python 3.11 (…): works`),
    /// the same in every renderer.
    pub fn step_line(&self, lang: Lang) -> String {
        let who = crate::i18n::app_client::who_of(
            self.runtime,
            self.version.as_deref(),
            self.program.as_deref(),
        );
        let line = crate::i18n::app_client::StepLine {
            client: self.client,
            who: &who,
            tls_library: self.tls_library.as_deref(),
            ehlo_name: self.ehlo_name.as_deref(),
            outcome: self.outcome,
            reason: self.reason.as_deref(),
            skipped: &self
                .skipped_steps
                .iter()
                .map(|s| s.reason.clone())
                .collect::<Vec<_>>(),
        };
        crate::i18n::app_client::step(lang, &line)
    }

    /// The observation, for the report in `lang`.
    pub fn new(o: crate::model::AppClientObservation, lang: Lang) -> AppClientReport {
        let error = o.error.as_ref();
        AppClientReport {
            client: o.client,
            runtime: o.runtime,
            program: o.program,
            version: o.version,
            tls_library: o.tls_library,
            library_version: o.library_version,
            ehlo_name: o.ehlo_name,
            trust_store: o.trust_store,
            trusted_roots: o.trusted_roots,
            verifies_certificates: o.verifies_certificates,
            tls_minimum: o.tls_minimum,
            proxies: o.proxies,
            outcome: o.outcome,
            error: error.map(|e| format!("{}: {}", e.error_type, e.message)),
            error_kind: error.map(|e| e.kind),
            smtp_code: error.and_then(|e| e.smtp_code),
            stage: error.and_then(|e| e.stage.clone()),
            reason: o
                .reason
                .as_ref()
                .map(|r| crate::i18n::app_client::skipped(lang, r)),
            skip: o.reason,
            skipped_steps: o
                .skipped_steps
                .iter()
                .map(|s| SkippedStepReport {
                    step: s.step,
                    kind: s.kind,
                    reason: crate::i18n::app_client::skipped_step(lang, s),
                })
                .collect(),
            ran: o.ran,
            ms: o.ms,
            timings: o.timings,
        }
    }
}

/// What the diagnosis said, as a sentence in `lang`. This is the one place a finding's or a
/// fix's message becomes words: the diagnosis decides on typed messages, and every output (JSON,
/// text, Markdown, metrics, `diff` of reports read back) is made from the report, so rendering
/// it here, once, gives them all the same sentence.
pub fn sentence(said: &Said, lang: Lang) -> String {
    use crate::diagnosis::Saying;
    match &said.0 {
        Saying::Msg(msg) => crate::i18n::message(lang, msg),
        Saying::App(msg) => crate::i18n::app_client::message(lang, msg),
        Saying::Domain(msg) => crate::i18n::domain::message(lang, msg),
        Saying::Hosting(hosting) => crate::i18n::hosting_way_out(lang, *hosting),
    }
}

impl Report {
    /// Builds the report of a `check` (or `demo`) run, in the language of `opts`.
    pub fn new(command: &str, obs: Observations, diagnosis: Diagnosis, opts: &Options) -> Report {
        let lang = opts.lang;
        let said = |m: Said| sentence(&m, lang);
        Report {
            schema: SCHEMA,
            command: command.to_string(),
            verdict: diagnosis.verdict,
            cause: diagnosis.cause,
            findings: diagnosis
                .findings
                .into_iter()
                .map(|f| f.map_message(said))
                .collect(),
            endpoints: obs.endpoints,
            recommendations: diagnosis
                .recommendations
                .into_iter()
                .map(|r| r.map_message(said))
                .collect(),
            host: obs.host.to_string(),
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
            app_client: obs.app_client.map(|o| AppClientReport::new(o, opts.lang)),
            environment: obs.environment,
            control: obs.control,
            security: obs.security,
            domain: obs.domain,
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
