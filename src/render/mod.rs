//! Renderers: they format a [`crate::report::Report`] and decide nothing.

mod domain;
pub mod json;
pub mod markdown;
pub mod prometheus;
pub mod terminal;
