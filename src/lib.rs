//! smtp-doctor: finds out, from this machine, why an application cannot send email over SMTP,
//! and says what to change.
//!
//! The engine runs one way: a validated [`plan::Plan`] → probes ([`engine::run`]) →
//! [`model::Observations`] (pure data) → [`diagnosis::diagnose`] (pure function) → a
//! [`report::Report`] that the renderers format. Nothing here prints or knows of a terminal.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use smtp_doctor::{diagnosis, engine, i18n::Lang, plan::Plan, report::Report};
//!
//! let plan = Plan::new("smtp.gmail.com", &[587, 465])?;
//! let observations = engine::run(plan).await?;
//! let diagnosis = diagnosis::diagnose(&observations, &diagnosis::Options { lang: Lang::En, ..Default::default() });
//! let report = Report::new("check", observations, diagnosis, &diagnosis::Options::default());
//! println!("{}", serde_json::to_string_pretty(&report)?);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diagnosis;
pub mod diff;
pub mod engine;
pub mod frameworks;
pub mod i18n;
pub mod knowledge;
#[cfg(feature = "lab")]
pub mod lab;
pub mod model;
pub mod plan;
pub mod probe;
pub mod render;
pub mod report;
pub mod settings;
pub mod targets;
pub mod text;
