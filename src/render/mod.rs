//! Renderers: they format a [`crate::report::Report`] and decide nothing.

pub mod json;
pub mod markdown;
pub mod text;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people, on a terminal.
    Text,
    /// The contract's JSON report.
    Json,
}
