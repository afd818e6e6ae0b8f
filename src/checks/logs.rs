//! Container logs as evidence: known failure lines ("signatures") and how they are matched.
//!
//! Each rule that a log line can explain keeps its own signatures (its `SIGNATURES` table);
//! this module normalises log text the way Windows processes write it and finds the lines.
//! PowerShell wraps long errors at the console width, cmd.exe and Win32 texts keep their
//! case, and klog doubles backslashes in quoted paths: lines are matched lower-cased, with
//! `\\` read as `\`, each line together with the two that follow it.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::containers::host_process_specs;
use super::evidence::{ObservationKind, finding_at_container, observations};
use super::nodes::spec_node;
use super::rule::Rule;
use super::signature::Signature;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, SpecRef, node_name};

/// Lines of a window: the line itself and the ones PowerShell may have wrapped onto.
const WINDOW: usize = 3;

/// The text a signature is compared with: lower-cased, doubled backslashes read as one.
pub fn normalise(s: &str) -> String {
    let mut out = s.to_lowercase();
    while out.contains("\\\\") {
        out = out.replace("\\\\", "\\");
    }
    out
}

impl Signature {
    fn matches(&self, text: &str) -> bool {
        self.all.iter().all(|n| text.contains(&normalise(n)))
            && (self.any.is_empty() || self.any.iter().any(|n| text.contains(&normalise(n))))
    }
}

/// Where a signature matched: the line (as written) and its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'s> {
    pub signature: &'s Signature,
    pub line: String,
    pub index: usize,
}

/// The lines of a log that look like a failure line worth quoting: the newest window that a
/// signature matches, for the first signature (in table order) that matches at all.
pub fn find<'s>(signatures: &'s [Signature], lines: &[String]) -> Option<Hit<'s>> {
    if lines.is_empty() {
        return None;
    }
    let norm: Vec<String> = lines.iter().map(|l| normalise(l.trim())).collect();
    for sig in signatures {
        if sig.last_line {
            let Some(i) = norm.iter().rposition(|l| !l.is_empty()) else { continue };
            if sig.matches(&norm[i]) {
                return Some(Hit { signature: sig, line: quote(&lines[i..=i]), index: i });
            }
            continue;
        }
        // Newest first: a window starting later is tried before one that starts earlier.
        for i in (0..norm.len()).rev() {
            for k in 1..=WINDOW.min(norm.len() - i) {
                if sig.matches(&norm[i..i + k].join(" ")) {
                    return Some(Hit { signature: sig, line: quote(&lines[i..i + k]), index: i });
                }
            }
        }
    }
    None
}

/// The first signature of any rule that names one of these lines, `preferred` searched first
/// (for a text that is not a container's log, e.g. a sandbox event).
pub fn find_any(preferred: &'static [Signature], lines: &[String]) -> Option<Hit<'static>> {
    find(preferred, lines).or_else(|| super::all().iter().find_map(|r| find(r.signatures, lines)))
}

/// A container whose log explains a failure, and which attempt's log to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingContainer {
    pub name: String,
    /// Read the previous attempt (`--previous`): the current one is waiting to restart.
    pub previous: bool,
}

/// Waiting reasons of a container that ran and failed, or failed to start its process.
const FAILED_WAITING: &[&str] = &["CrashLoopBackOff", "Error", "StartError", "RunContainerError"];

fn failing(cs: &ContainerStatus) -> Option<FailingContainer> {
    let state = cs.state.as_ref();
    let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    let name = cs.name.clone();
    if let Some(t) = state.and_then(|s| s.terminated.as_ref())
        && (t.exit_code != 0 || matches!(t.reason.as_deref(), Some("Error" | "StartError")))
    {
        return Some(FailingContainer { name, previous: false });
    }
    let waiting = state.and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref());
    if waiting.is_some_and(|r| FAILED_WAITING.contains(&r)) {
        return Some(FailingContainer { name, previous: last.is_some() });
    }
    if cs.restart_count > 0 && last.is_some_and(|t| t.exit_code != 0) {
        return Some(FailingContainer { name, previous: true });
    }
    None
}

/// The failing containers of a pod (init containers first): crash looping, terminated with a
/// non-zero code or as `Error`/`StartError`, or restarted after a non-zero exit. Healthy
/// containers are never listed, so their logs are never read.
pub fn failing_containers(pod: &Pod) -> Vec<FailingContainer> {
    let Some(status) = pod.status.as_ref() else { return Vec::new() };
    let lists = [&status.init_container_statuses, &status.container_statuses];
    lists.into_iter().flatten().flatten().filter_map(failing).collect()
}

/// The status texts of a failing container: its waiting and terminated messages and the
/// messages of the Warning events about it (what the runtime said when the process could not
/// start, where no log exists).
fn status_texts(snapshot: &Snapshot, spec: &SpecRef<'_>, container: &str) -> Vec<String> {
    observations(snapshot, spec)
        .iter()
        .filter(|o| o.container == Some(container) && !o.message.is_empty())
        .filter(|o| o.kind != ObservationKind::Condition)
        .map(|o| o.message.to_string())
        .collect()
}

/// The findings of one rule's signatures on failing HostProcess containers: their logs first,
/// then their status texts. The root cause the line names, quoted, above the generic
/// crash-loop finding. A container the rule already reported (from its own checks, in
/// `out[start..]`) is skipped.
pub fn findings(rule: &Rule, snapshot: &Snapshot, out: &mut Vec<Finding>, start: usize) {
    if rule.signatures.is_empty() || snapshot.source != Source::Cluster {
        return;
    }
    for spec in host_process_specs(snapshot) {
        let Some(pod) = spec.pod else { continue };
        let ns = spec.namespace().unwrap_or("default");
        for fc in failing_containers(pod) {
            let reported = |f: &Finding| {
                f.rule == rule.id
                    && f.severity == Severity::Error
                    && f.object.as_ref() == Some(spec.object)
                    && f.container.as_deref() == Some(&fc.name)
            };
            if out[start..].iter().any(reported) {
                continue;
            }
            let log = snapshot.log(ns, &spec.object.name, &fc.name);
            let (hit, source) = match log.and_then(|l| find(rule.signatures, &l.lines)) {
                Some(hit) => (hit, if log.is_some_and(|l| l.previous) { "log (previous attempt)" } else { "log" }),
                None => match find(rule.signatures, &status_texts(snapshot, &spec, &fc.name)) {
                    Some(hit) => (hit, "status"),
                    None => continue,
                },
            };
            let node = spec_node(snapshot, &spec);
            let on = node.map(|n| format!(" on node {}", node_name(n))).unwrap_or_default();
            let what = if source == "status" { "the runtime's message for" } else { "the log of" };
            let mut message = format!(
                "{what} HostProcess container {:?} of pod {}/{}{on} shows why it fails: {}",
                fc.name, ns, spec.object.name, hit.signature.cause
            );
            if hit.signature.layout {
                message.push(' ');
                message.push_str(&super::hp014_volume_mounts::layout_note(
                    node.map(|n| (node_name(n), snapshot.containerd_of(n))),
                ));
            }
            let mut f = finding_at_container(rule, &spec, Some(&fc.name), "", message, hit.signature.fix);
            f.severity = Severity::Error;
            f.evidence.push(format!("{source} {} [{}]: {}", fc.name, hit.signature.id, hit.line));
            out.push(f);
        }
    }
}

/// The log text quoted as evidence: trimmed, wrapped lines joined, at most 400 characters.
fn quote(lines: &[String]) -> String {
    let joined = lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(400) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGS: &[Signature] = &[
        Signature {
            id: "a",
            all: &["cannot find path '", "because it does not exist"],
            any: &["c:\\hpc\\"],
            cause: "",
            fix: "",
            source: "",
            example: "",
            layout: false,
            last_line: false,
        },
        Signature {
            id: "b",
            all: &["object already exists"],
            any: &[],
            cause: "",
            fix: "",
            source: "",
            example: "",
            layout: false,
            last_line: false,
        },
    ];

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_line_wrapped_by_powershell_is_matched_and_quoted_whole() {
        let log = lines(
            "start\nGet-Content : Cannot find path \n'C:\\hpc\\08e6\\mounts\\var\\lib\\kube-proxy\\kubeconfig.conf' \nbecause it does not exist.\nAt C:\\hpc\\start.ps1:55 char:3",
        );
        let hit = find(SIGS, &log).expect("hit");
        assert_eq!(hit.signature.id, "a");
        assert_eq!(hit.index, 1);
        assert_eq!(
            hit.line,
            "Get-Content : Cannot find path 'C:\\hpc\\08e6\\mounts\\var\\lib\\kube-proxy\\kubeconfig.conf' because it does not exist."
        );
    }

    #[test]
    fn klog_doubled_backslashes_and_case_do_not_matter() {
        let log = lines(r#"E0718 server.go:495] err="Cannot find path 'C:\\HPC\\var' because it does not exist""#);
        assert_eq!(find(SIGS, &log).map(|h| h.signature.id), Some("a"));
    }

    #[test]
    fn the_newest_line_is_quoted_and_the_table_order_decides() {
        let log = lines(
            "The object already exists. 1\nCannot find path 'c:\\hpc\\x' because it does not exist.\nThe object already exists. 2",
        );
        let hit = find(SIGS, &log).expect("hit");
        assert_eq!((hit.signature.id, hit.index), ("a", 1));
        let hit = find(&SIGS[1..], &log).expect("hit");
        assert_eq!(hit.line, "The object already exists. 2");
        assert_eq!(find(SIGS, &lines("all good")), None);
        assert_eq!(find(SIGS, &[]), None);
    }

    #[test]
    fn long_lines_are_cut_for_evidence() {
        let long = format!("The object already exists. {}", "x".repeat(1000));
        let hit = find(SIGS, &[long]).expect("hit");
        assert!(hit.line.ends_with('…') && hit.line.chars().count() == 401);
    }
}
