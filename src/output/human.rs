//! Human output of findings, in the style of rustc and ruff: a header with the rule id, the
//! place (file:line:column with the source line, or the object), evidence and the fix.

use std::collections::HashMap;

use colored::Colorize;

use crate::finding::{Finding, Report, Severity};

fn severity_label(s: Severity) -> colored::ColoredString {
    match s {
        Severity::Error => "error".red().bold(),
        Severity::Warning => "warning".yellow().bold(),
        Severity::Info => "info".cyan().bold(),
    }
}

/// Render findings. `sources` maps a file name to its text, for the source-line excerpt.
pub fn render(report: &Report, sources: &HashMap<String, String>) -> String {
    let mut out = String::new();
    for f in &report.findings {
        render_one(&mut out, f, sources);
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out
}

pub fn render_one(out: &mut String, f: &Finding, sources: &HashMap<String, String>) {
    let head = format!("{}[{}]", severity_label(f.severity), f.rule.bold());
    out.push_str(&format!("{head}: {}\n", f.message.bold()));
    let arrow = "-->".blue().bold();
    let bar = "|".blue().bold();
    if let Some(loc) = &f.location {
        out.push_str(&format!("  {arrow} {}:{}:{}\n", loc.file, loc.line, loc.column));
        if let Some(line) = sources.get(&loc.file).and_then(|t| t.lines().nth(loc.line.saturating_sub(1) as usize)) {
            let num = loc.line.to_string();
            let pad = " ".repeat(num.len());
            out.push_str(&format!("  {pad} {bar}\n"));
            out.push_str(&format!("  {} {bar} {}\n", num.blue().bold(), line));
            let caret = " ".repeat(loc.column.saturating_sub(1) as usize);
            let mark = "^".repeat(field_width(line, loc.column));
            out.push_str(&format!("  {pad} {bar} {caret}{}\n", mark.red().bold()));
        }
    }
    if let Some(obj) = &f.object {
        let mut what = obj.to_string();
        if let Some(c) = &f.container {
            what.push_str(&format!(", container {c}"));
        }
        if let Some(n) = &f.node {
            what.push_str(&format!(", node {n}"));
        }
        let lead = if f.location.is_some() { "   =".blue().bold().to_string() } else { format!("  {arrow}") };
        out.push_str(&format!("{lead} {what}\n"));
    } else if let Some(n) = &f.node {
        out.push_str(&format!("  {arrow} node {n}\n"));
    }
    for e in &f.evidence {
        out.push_str(&format!("   {} {} {}\n", "=".blue().bold(), "evidence:".bold(), e));
    }
    out.push_str(&format!("   {} {} {} ({})\n", "=".blue().bold(), "fix:".green().bold(), f.fix, f.name.dimmed()));
}

/// Width of the key or value that starts at `column` (at least 1).
fn field_width(line: &str, column: u64) -> usize {
    let rest: String = line.chars().skip(column.saturating_sub(1) as usize).collect();
    let w = rest.find(':').unwrap_or(rest.trim_end().len());
    w.max(1)
}

pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    if report.findings.is_empty() {
        return format!("{}\n", "No HostProcess problems found.".green().bold());
    }
    let plural = |n: usize, w: &str| if n == 1 { format!("{n} {w}") } else { format!("{n} {w}s") };
    format!(
        "Found {} ({}, {}, {}).\n",
        plural(report.findings.len(), "problem"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, ObjectRef};

    #[test]
    fn renders_location_source_line_and_fix() {
        colored::control::set_override(false);
        let f = Finding {
            rule: "HP001".into(),
            name: "host-network-required".into(),
            severity: Severity::Error,
            object: Some(ObjectRef::new("DaemonSet", Some("kube-system"), "ds")),
            container: None,
            node: None,
            message: "no hostNetwork".into(),
            evidence: vec!["FailedCreate: boom".into()],
            fix: "add hostNetwork".into(),
            location: Some(Location { file: "a.yaml".into(), line: 2, column: 3 }),
            field: None,
        };
        let mut src = HashMap::new();
        src.insert("a.yaml".to_string(), "spec:\n  hostNetwork: false\n".to_string());
        let text = render(&Report::new(vec![f]), &src);
        assert!(text.starts_with("error[HP001]: no hostNetwork\n  --> a.yaml:2:3\n"), "{text}");
        assert!(text.contains("2 |   hostNetwork: false\n"), "{text}");
        assert!(text.contains("|   ^^^^^^^^^^^\n"), "{text}");
        assert!(text.contains("= evidence: FailedCreate: boom"), "{text}");
        assert!(text.contains("= fix: add hostNetwork (host-network-required)"), "{text}");
        assert!(text.ends_with("Found 1 problem (1 error, 0 warnings, 0 infos).\n"), "{text}");
    }
}
