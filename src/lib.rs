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
//! Layers, bottom first; each uses only those above it in this list (`tests/layers.rs` holds
//! it):
//!
//! - [`model`], [`printable`], [`files`], `runner`: observations as pure data; escaping and dates;
//!   reading the user's files within limits; running the application's own programs, bounded
//! - `knowledge`: tables of providers, TLS-inspecting products, refusals and error texts
//! - [`plan`]: what to probe, validated ([`Host`], ports, timing, credentials)
//! - [`i18n`], [`frameworks`]: message catalogue; each framework's setting names and snippets
//! - `probe`, `engine`: the network steps and the run that drives them ([`run`], [`Engine`])
//! - [`diagnosis`]: observations → findings, verdict, cause, fixes (also for `preflight`)
//! - [`settings`], [`targets`], [`explain`]: the application's own settings; `--targets` files;
//!   what a pasted error text means
//! - [`report`], [`diff`], [`render`]: the report, comparing two, and its text/Markdown/JSON and
//!   Prometheus forms
//! - `lab` (feature `lab`): loopback servers with a throw-away CA, for `demo` and tests;
//!   `fuzzing` (hidden): entry points for the fuzz targets, not a stable API
//!
//! `knowledge`, `runner`, `probe` and `engine` are private: what they offer is re-exported here
//! ([`run`], [`Engine`], [`mx_hosts`], and the record of a program run that a report carries,
//! [`RunRecord`] and [`RunStatus`]). The public modules are the types a report is made of and
//! the functions that read, diagnose and render them.
//!
//! Library users who want the engine alone depend on the crate with
//! `default-features = false` (no command line, no lab, no clap, no rcgen).
// deny, not forbid: three `#[allow(unsafe_code)]`, Windows only: in the lab (a socket option
// socket2 does not offer, `lab::hold_syns`), the runner's job object (`runner::windows_job`) and
// the COM calls that read the machine's security products and firewall rules
// (`probe::security::windows`). SECURITY.md names them; tests/security_promises.rs holds it.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod diagnosis;
pub mod diff;
mod engine;
pub mod explain;
pub mod files;
pub mod frameworks;
pub mod i18n;
pub(crate) mod knowledge;
#[cfg(feature = "lab")]
pub mod lab;
pub mod model;
pub mod plan;
pub mod printable;
mod probe;
pub mod render;
pub mod report;
mod runner;
pub mod settings;
pub mod targets;

pub use diagnosis::{
    diagnose, Diagnosis, Finding, FindingCode, Options, Recommendation, Severity, Verdict,
};
pub use engine::{run, Engine, EngineError};
pub use frameworks::Framework;
pub use i18n::Lang;
pub use model::{Observations, Security};
pub use plan::{Host, Plan, PlanError};
pub use probe::dns::{mx_hosts, MxAnswer};
pub use report::Report;
pub use runner::{RunRecord, RunStatus};

/// Entry points for the fuzz targets and the tests that feed hostile or recorded bytes; not a
/// stable API.
#[doc(hidden)]
pub mod fuzzing;
