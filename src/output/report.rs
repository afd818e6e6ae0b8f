//! A findings report in the format asked for, and the exit code for `--fail-on`.

use std::collections::HashMap;

use crate::error::{ExitCode, Result};
use crate::finding::{Report, Severity};

/// The formats a findings report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Yaml,
    Sarif,
}

/// Print the report; `sources` gives the source lines quoted by human output. JSON and YAML are
/// written as they are serialized, never held whole.
pub fn render_report(
    report: &Report,
    format: ReportFormat,
    sources: &HashMap<String, String>,
    fail_on: Severity,
) -> Result<ExitCode> {
    match format {
        ReportFormat::Json => super::print_json(report)?,
        ReportFormat::Yaml => super::print_yaml(report)?,
        ReportFormat::Sarif => super::print_json(&super::sarif::render(report))?,
        ReportFormat::Human => super::print(&super::human::render(report, sources))?,
    }
    Ok(if report.fails(fail_on) { ExitCode::Findings } else { ExitCode::Ok })
}

/// The report's text in `format`.
pub fn render(report: &Report, format: ReportFormat, sources: &HashMap<String, String>) -> Result<String> {
    Ok(match format {
        ReportFormat::Human => super::human::render(report, sources),
        ReportFormat::Json => super::json(report)?,
        ReportFormat::Yaml => super::yaml(report)?,
        ReportFormat::Sarif => super::json(&super::sarif::render(report))?,
    })
}
