//! `doctor`'s human output: one block per object, its root cause first, then a summary of
//! what was checked.

use std::collections::{BTreeMap, HashMap};

use colored::Colorize;

use super::escape::terminal_safe_line;
use crate::checks;
use crate::finding::{Finding, ObjectRef, Report, Severity};
use crate::snapshot::Snapshot;

/// Human output: one block per object, its root cause first.
pub fn render_human(findings: &[Finding], s: &Snapshot) -> String {
    let hp_pods = s.pods.iter().filter(|p| p.spec.as_ref().is_some_and(checks::is_host_process)).count();
    render_counted(findings, s, hp_pods)
}

/// [`render_human`] for a snapshot that does not hold every pod: `hp_pods` HostProcess pods were
/// checked.
pub fn render_counted(findings: &[Finding], s: &Snapshot, hp_pods: usize) -> String {
    let mut groups: BTreeMap<Option<ObjectRef>, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry(f.object.clone()).or_default().push(f);
    }
    let no_sources = HashMap::new();
    let mut out = String::new();
    for (object, mut fs) in groups {
        fs.sort_by_key(|f| (std::cmp::Reverse(f.severity), checks::rank_of(&f.rule)));
        let root = fs[0];
        // Names come from the cluster or a dump: escaped like every string of a finding.
        let title = object
            .as_ref()
            .map(|o| terminal_safe_line(&o.to_string()).into_owned())
            .unwrap_or_else(|| "cluster".into());
        let verdict = match root.severity {
            Severity::Error => format!("stuck — root cause {} {}", root.rule, root.name).red().bold().to_string(),
            Severity::Warning => format!("at risk — {} {}", root.rule, root.name).yellow().bold().to_string(),
            Severity::Info => format!("note — {} {}", root.rule, root.name).cyan().to_string(),
        };
        out.push_str(&format!("{} {}: {}\n", "●".bold(), title.bold(), verdict));
        for f in &fs {
            let mut text = String::new();
            let mut f2 = (*f).clone();
            f2.object = None; // already in the heading
            super::human::render_one(&mut text, &f2, &no_sources);
            for line in text.lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    let hp_workloads =
        s.workloads.iter().filter(|w| w.template.spec.as_ref().is_some_and(checks::is_host_process)).count();
    let win = s.windows_nodes().count();
    let report = Report::new(findings.to_vec());
    out.push_str(&format!(
        "Checked {hp_pods} HostProcess pod(s), {hp_workloads} HostProcess workload(s) and {win} Windows node(s).\n"
    ));
    out.push_str(&super::human::summary_line(&report));
    out
}
