//! smtp-doctor: finds out, from this machine, why an application cannot send email over SMTP,
//! and says what to change.
//!
//! The engine runs one way: a validated [`Plan`] → probes ([`run`]) → [`Observations`] (pure
//! data) → [`diagnose`] (a pure function) → a [`Report`] that the renderers in [`render`]
//! format. Nothing here prints or knows of a terminal.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use smtp_doctor::{diagnose, run, Lang, Options, Plan, Report};
//!
//! let plan = Plan::new("smtp.gmail.com", &[587, 465])?;
//! let observations = run(plan).await?;
//! let opts = Options { lang: Lang::Es, ..Options::default() };
//! let diagnosis = diagnose(&observations, &opts);
//! let report = Report::new("check", observations, diagnosis, &opts);
//! println!("{} {:?}", report.verdict.as_str(), report.cause.map(|c| c.as_str()));
//! # Ok(()) }
//! ```
//!
//! # What the crate offers
//!
//! The modules are private; what a library user may rely on is re-exported here, in groups:
//!
//! - **What to probe**: [`Plan`] (built from [`Host`], ports, [`Timing`], [`Credentials`],
//!   [`SendPlan`], [`DomainCheck`], [`AppClientPlan`]), refused with a [`PlanError`]; the text
//!   readers the command line builds it with ([`validate_host`], [`parse_port`],
//!   [`parse_timeout`], [`parse_dns_server`], [`load_ca_file`]).
//! - **Running it**: [`run`] or an [`Engine`] shared by many runs; [`mx_hosts`]; the record of
//!   a program of the application's that was run ([`RunRecord`], [`RunStatus`], and the
//!   [`Session`] kept between reading its settings and running its client).
//! - **What was observed**: [`Observations`], and the [`model`] module they are made of: pure
//!   data (serde), every step of a run, with its timing and evidence.
//! - **Diagnosing it**: [`diagnose`] (and [`diagnose_preflight`] for an application's
//!   configured path) → a [`Diagnosis`] of [`Finding`]s ([`FindingCode`], [`Severity`],
//!   [`Layer`]), a [`Verdict`] and [`Recommendation`]s, in the [`Options`]' language.
//! - **The report**: [`Report`] ([`SCHEMA`], [`ToolInfo`], [`AppClientReport`]); [`diff`] of
//!   two; [`explain`] of a pasted error text ([`Explanation`], [`ErrorKind`], [`Cause`],
//!   [`Symptom`]). Its formats are the [`render`] module's: JSON, Markdown, the terminal's
//!   text and the Prometheus exposition.
//! - **The application**: its own settings, read for `preflight` ([`settings`]); its
//!   [`Framework`], whose names a fix is written in ([`snippet`], [`Settings`]); the user's
//!   [`Lang`] and the catalogue's words the command line prints ([`word`], [`explain_word`]).
//! - **Untrusted input**: the user's files read within limits ([`read_text`], [`read_bytes`],
//!   [`read_first_line`], [`FileKind`]); [`escape`] for any text shown; `--targets` files
//!   ([`parse_targets`]).
//! - `lab` (feature `lab`): loopback SMTP servers with a throw-away CA, for `demo` and tests.
//!
//! `testing` (hidden) holds entry points for the fuzz targets and the tests that feed hostile
//! bytes to private readers: it is not a stable API. `tests/layers.rs` holds the list of
//! public modules, and `unreachable_pub` makes a `pub` item that is not exported an error in CI.
//!
//! # Layers
//!
//! Layers, bottom first; each uses only those above it in this list (`tests/layers.rs` holds
//! it):
//!
//! - [`model`], `printable`, `files`, `runner`: observations as pure data; escaping and dates;
//!   reading the user's files within limits; running the application's own programs, bounded
//! - `knowledge`: tables of providers, TLS-inspecting products, refusals and error texts
//! - `plan`: what to probe, validated ([`Host`], ports, timing, credentials)
//! - `i18n`, `frameworks`: message catalogue; each framework's setting names and snippets
//! - `probe`, `engine`: the network steps and the run that drives them ([`run`], [`Engine`])
//! - `diagnosis`: observations → findings, verdict, cause, fixes (also for `preflight`)
//! - [`settings`], `targets`, `explain`: the application's own settings; `--targets` files;
//!   what a pasted error text means
//! - `report`, `diff`, [`render`]: the report, comparing two, and its text/Markdown/JSON and
//!   Prometheus forms
//! - `lab` (feature `lab`): loopback servers with a throw-away CA, for `demo` and tests;
//!   `testing` (hidden): entry points for the fuzz targets and tests, not a stable API
//!
//! Library users who want the engine alone depend on the crate with
//! `default-features = false` (no command line, no lab, no clap, no rcgen).
// deny, not forbid: three `#[allow(unsafe_code)]`, Windows only: in the lab (a socket option
// socket2 does not offer, `lab::hold_syns`), the runner's job object (`runner::windows_job`) and
// the COM calls that read the machine's security products and firewall rules
// (`probe::security::windows`). SECURITY.md names them; tests/security_promises.rs holds it.
#![deny(unsafe_code)]
#![warn(missing_docs)]
// `pub` means exported: an item of a private module that is `pub` but not re-exported here is
// refused, so nothing becomes public by accident.
#![warn(unreachable_pub)]

mod diagnosis;
mod diff;
mod engine;
mod explain;
mod files;
mod frameworks;
mod i18n;
mod knowledge;
#[cfg(feature = "lab")]
pub mod lab;
pub mod model;
mod plan;
mod printable;
mod probe;
pub mod render;
mod report;
mod runner;
pub mod settings;
mod targets;

// What to probe: the plan, validated once, and the text readers that build it.
pub use plan::{
    load_ca_file, parse_dns_server, parse_port, parse_timeout, validate_host, AppClientPlan,
    AppClientStep, ConnectTo, Credentials, DomainCheck, Host, Mailbox, Plan, PlanError, PortPlan,
    ResolveOverride, Secret, SecretKind, SendPlan, Timing,
};

// Running it: the probes, and the record of a program of the application's that was run.
pub use engine::{run, Engine, EngineError};
pub use probe::dns::{mx_hosts, MxAnswer};
pub use runner::{RunRecord, RunStatus, Session};

// What was observed: the whole run, and how a port is secured (the rest is in [`model`]).
pub use model::{Observations, Security};

// Diagnosing what was observed.
pub use diagnosis::finding::Layer;
pub use diagnosis::preflight::diagnose as diagnose_preflight;
pub use diagnosis::{
    diagnose, Diagnosis, Finding, FindingCode, Options, Recommendation, Said, Severity, Verdict,
};

// The report, comparing two, and what a pasted error text means (its formats are in
// [`render`]).
pub use diff::{diff, Difference};
pub use explain::{explain, Classified, ErrorKind, Explanation, Runtime};
pub use knowledge::causes::{Cause, Symptom};
pub use report::{sentence, AppClientReport, Report, SkippedStepReport, ToolInfo, SCHEMA};

// The application's framework and the user's language: whose setting names a fix is written
// in, and which catalogue its sentences come from.
pub use frameworks::{snippet, Framework, SettingValue, Settings, ValueKind};
pub use i18n::{explain_word, word, ExplainWord, Lang, Word};

// Reading the user's files within limits, and showing untrusted text safely.
pub use files::{human_bytes, read_bytes, read_first_line, read_text, FileError, FileKind};
pub use printable::{escape, rfc3339};
pub use targets::{parse as parse_targets, Target};

/// Entry points for the fuzz targets and the tests that feed hostile or recorded bytes or
/// check what is not part of the API; not a stable API.
#[doc(hidden)]
pub mod testing;
