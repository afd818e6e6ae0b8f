//! Human output of findings, in the style of rustc and ruff: a header with the rule id, the
//! place (file:line:column with the source line, or the object), evidence and the fix.

use std::collections::HashMap;

use colored::Colorize;

use super::escape::terminal_safe_line;
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

/// One finding. Every string in it may come from the cluster, a workload or a file (event and
/// termination messages, logs, names), so each is shown with its control characters escaped
/// ([`terminal_safe_line`]): nothing reaches the terminal as a control sequence, and no text
/// can start a line of its own.
pub fn render_one(out: &mut String, f: &Finding, sources: &HashMap<String, String>) {
    let head = format!("{}[{}]", severity_label(f.severity), safe(&f.rule).bold());
    out.push_str(&format!("{head}: {}\n", safe(&f.message).bold()));
    let arrow = "-->".blue().bold();
    let bar = "|".blue().bold();
    if let Some(loc) = &f.location {
        out.push_str(&format!("  {arrow} {}:{}:{}\n", safe(&loc.file), loc.line, loc.column));
        if let Some(line) = sources.get(&loc.file).and_then(|t| t.lines().nth(loc.line.saturating_sub(1) as usize)) {
            let num = loc.line.to_string();
            let pad = " ".repeat(num.len());
            // The caret goes under the same character once the line before it is escaped.
            let before: String = line.chars().take(loc.column.saturating_sub(1) as usize).collect();
            let column = safe(&before).chars().count() as u64 + 1;
            let line = safe(line);
            out.push_str(&format!("  {pad} {bar}\n"));
            out.push_str(&format!("  {} {bar} {}\n", num.blue().bold(), line));
            let caret = " ".repeat(column.saturating_sub(1) as usize);
            let mark = "^".repeat(field_width(&line, column));
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
        out.push_str(&format!("{lead} {}\n", safe(&what)));
    } else if let Some(n) = &f.node {
        out.push_str(&format!("  {arrow} node {}\n", safe(n)));
    }
    for e in &f.evidence {
        out.push_str(&format!("   {} {} {}\n", "=".blue().bold(), "evidence:".bold(), safe(e)));
    }
    out.push_str(&format!(
        "   {} {} {} ({})\n",
        "=".blue().bold(),
        "fix:".green().bold(),
        safe(&f.fix),
        safe(&f.name).dimmed()
    ));
}

fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    terminal_safe_line(s)
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

    /// Text from the cluster (an event message with OSC and CSI sequences, a name with a
    /// carriage return) is shown escaped, on its own line, and the caret stays under its field.
    #[test]
    fn control_characters_are_escaped() {
        colored::control::set_override(false);
        let f = Finding {
            rule: "HP013".into(),
            name: "runtime-environment".into(),
            severity: Severity::Error,
            object: Some(ObjectRef::new("Pod", Some("ns"), "p\r\u{1b}[2Jx")),
            container: Some("c\u{7}".into()),
            node: Some("n\u{9b}1m".into()),
            message: "failed: \u{1b}]0;pwned\u{7}\u{1b}[2J".into(),
            evidence: vec!["Failed: line one\nline two \u{1b}[31m".into()],
            fix: "see \u{1b}[8m".into(),
            location: Some(Location { file: "a\u{1b}.yaml".into(), line: 1, column: 9 }),
            field: None,
        };
        let mut src = HashMap::new();
        src.insert("a\u{1b}.yaml".to_string(), "x: \"\u{1b}\"  image: y\n".to_string());
        let text = render(&Report::new(vec![f]), &src);
        assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\r']), "{text:?}");
        assert!(text.contains("failed: \\u{1b}]0;pwned\\u{7}\\u{1b}[2J"), "{text}");
        assert!(text.contains("= evidence: Failed: line one\\u{a}line two \\u{1b}[31m\n"), "{text}");
        assert!(text.contains("--> a\\u{1b}.yaml:1:9"), "{text}");
        assert!(text.contains("pod/p\\u{d}\\u{1b}[2Jx (namespace ns), container c\\u{7}, node n\\u{9b}1m"), "{text}");
        // the caret is under `image`, after the escaped ESC
        let lines: Vec<&str> = text.lines().collect();
        let src_line = lines.iter().position(|l| l.contains("image: y")).unwrap();
        let at = lines[src_line].find("image").unwrap();
        assert_eq!(lines[src_line + 1].find('^'), Some(at), "{text}");
    }
}
