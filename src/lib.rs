//! smtp-doctor: finds out, from this machine, why an application cannot send email over SMTP,
//! and says what to change.
//!
//! The engine runs one way: a validated [`plan::Plan`] → probes ([`engine::run`]) →
//! [`model::Observations`] (pure data) → [`diagnose::diagnose`] (pure function) → a
//! [`report::Report`] that the renderers format. Nothing here prints or knows of a terminal.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use smtp_doctor::{diagnose, engine, i18n::Lang, plan::Plan, report::Report};
//!
//! let plan = Plan::new("smtp.gmail.com", &[587, 465])?;
//! let observations = engine::run(plan).await?;
//! let diagnosis = diagnose::diagnose(&observations, &diagnose::Options { lang: Lang::En, ..Default::default() });
//! let report = Report::new("check", observations, diagnosis, &diagnose::Options::default());
//! println!("{}", serde_json::to_string_pretty(&report)?);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod base64;
pub mod diagnose;
pub mod diff;
pub mod engine;
pub mod finding;
pub mod fix;
pub mod i18n;
pub mod interception;
pub mod lab;
pub mod model;
pub mod plan;
pub mod preflight;
pub mod probe;
pub mod providers;
pub mod render;
pub mod report;
pub mod settings;
pub mod targets;
