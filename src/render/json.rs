//! The JSON report (docs/CONTRACT.md, schema 1).

use crate::report::Report;

/// The report as pretty-printed JSON, newline-terminated.
pub fn render(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
