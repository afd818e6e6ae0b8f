//! HP009 scheduling-constraints.

use super::containers::host_process_specs;
use super::evidence::{ObservationKind, evidence_lines, observations};
use super::node_rules::node_problems;
use super::rule::Rule;
use super::scheduling::{node_matches, required_os, taint_text, untolerated_taints};
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, node_name, node_os};

pub static RULE: Rule = Rule {
    id: "HP009",
    name: "scheduling-constraints",
    severity: Severity::Error,
    summary: "HostProcess pods must tolerate the Windows nodes' taints and match their labels",
    doc: r#"## What it does
Live only (it needs nodes and pod status):

- A HostProcess pod that is `Pending` with a `FailedScheduling` event, or a `PodScheduled`
  condition with reason `Unschedulable`, is an error that quotes the scheduler's message.
- A HostProcess DaemonSet that selects Windows nodes but cannot run on some of them (an
  untolerated `NoSchedule`/`NoExecute` taint, or a selector/affinity such as
  `node.kubernetes.io/windows-build` that the node does not match) gets a warning naming those
  nodes, with `desiredNumberScheduled` as evidence. The DaemonSet controller creates no pod for
  such nodes, so nothing is Pending and nothing says why.
- Any other HostProcess workload or unscheduled pod that no Windows node would accept gets a
  warning.

## Why is this bad?
Windows nodes are commonly tainted (`os=windows:NoSchedule`, as the Kubernetes docs recommend, or
`node.kubernetes.io/os=windows:NoSchedule`). A pod without a matching toleration stays Pending:

    0/3 nodes are available: 1 node(s) had untolerated taint {os: windows}, 2 node(s) didn't match Pod's node affinity/selector.

A `node.kubernetes.io/windows-build` pin that matches no node has the same effect. HostProcess
containers do not need the host's OS version to match, so pin a build only when the image is
build-specific (see HP017).

## Example
```yaml
spec:
  nodeSelector:
    kubernetes.io/os: windows
  # no tolerations, while the Windows nodes carry os=windows:NoSchedule
```

## Use instead
```yaml
spec:
  nodeSelector:
    kubernetes.io/os: windows
  tolerations:
  - key: os
    operator: Equal
    value: windows
    effect: NoSchedule
```
Infrastructure DaemonSets usually tolerate everything (`- operator: Exists`).

## References
- kubernetes.io "Windows containers in Kubernetes" user guide ("Taints and tolerations", "Handling multiple Windows versions")
"#,
    rank: 31,
    signatures: &[],
    admission: &[],
    check,
};

/// The field and fix to point at for a scheduler message.
fn advice(spec: &crate::snapshot::SpecRef<'_>, message: &str) -> (&'static str, String) {
    if message.contains("untolerated taint") || message.contains("had taint") {
        (
            if spec.spec.tolerations.is_some() { "tolerations" } else { "" },
            "add tolerations for the Windows nodes' taints (e.g. `- {key: os, operator: Equal, value: windows, effect: NoSchedule}`, or `- operator: Exists` for node agents)".into(),
        )
    } else if message.contains("node affinity/selector") || message.contains("node(s) didn't match") {
        (
            if spec.spec.node_selector.is_some() { "nodeSelector" } else if spec.spec.affinity.is_some() { "affinity" } else { "" },
            "make nodeSelector/affinity match the Windows nodes' labels (check kubernetes.io/os and node.kubernetes.io/windows-build with `kubectl get nodes --show-labels`)".into(),
        )
    } else {
        ("", "free or add capacity on a Windows node, or relax the pod's constraints".into())
    }
}

/// Node names quoted for each reason, and reasons given; the rest are counted.
const NAMED: usize = 3;
const REASONS: usize = 4;

/// `2 node(s) had untolerated taint os=windows:NoSchedule (w1, w2); 5000 node(s) didn't match the
/// nodeSelector/affinity (bx-00001, bx-00002, bx-00003 and 4997 more)`: one part per reason, in
/// the order the nodes were met, as the scheduler counts them, so a message stays short at 5,000
/// nodes.
fn blocked_nodes(blocked: &[(&str, String, bool)]) -> String {
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut why: Vec<(&str, Vec<&str>)> = Vec::new();
    for (node, reason, _) in blocked {
        let i = *index.entry(reason.as_str()).or_insert_with(|| {
            why.push((reason, Vec::new()));
            why.len() - 1
        });
        why[i].1.push(node);
    }
    let part = |(reason, nodes): &(&str, Vec<&str>)| {
        let more = match nodes.len().saturating_sub(NAMED) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let named = nodes.iter().take(NAMED).copied().collect::<Vec<_>>().join(", ");
        format!("{} node(s) {reason} ({named}{more})", nodes.len())
    };
    let mut parts: Vec<String> = why.iter().take(REASONS).map(part).collect();
    if why.len() > REASONS {
        let rest: usize = why[REASONS..].iter().map(|(_, n)| n.len()).sum();
        parts.push(format!("{rest} node(s) for {} other reasons", why.len() - REASONS));
    }
    parts.join("; ")
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    if snapshot.source != Source::Cluster {
        return;
    }
    // Nodes that cannot run HostProcess pods anyway (HP010/HP011/HP012) are not counted: keeping
    // a DaemonSet off them is right.
    // Made once per snapshot: doctor checks pods in batches against the same nodes.
    let runnable = snapshot.runnable_windows.get_or_init(|| {
        (snapshot.nodes.iter().enumerate())
            .filter(|(_, n)| node_os(n) == "windows")
            .filter(|(_, n)| {
                node_problems(n, snapshot.server_version.as_deref(), snapshot.facts(node_name(n)))
                    .iter()
                    .all(|f| f.severity != Severity::Error)
            })
            .map(|(i, _)| i)
            .collect()
    });
    let windows: Vec<_> = runnable.iter().map(|&i| &snapshot.nodes[i]).collect();
    for spec in host_process_specs(snapshot) {
        if spec.partial {
            continue;
        }
        if let Some(pod) = spec.pod {
            if pod.spec.as_ref().is_some_and(|s| s.node_name.is_some()) {
                continue;
            }
            let obs = observations(snapshot, &spec);
            let sched: Vec<_> = obs
                .iter()
                .filter(|o| {
                    (o.kind == ObservationKind::Event && o.reason == "FailedScheduling")
                        || (o.kind == ObservationKind::Condition
                            && o.condition == Some("PodScheduled")
                            && o.reason == "Unschedulable")
                })
                .cloned()
                .collect();
            if let Some(latest) = sched.last() {
                let (field, fix) = advice(&spec, latest.message);
                let mut f = RULE.finding(
                    &spec,
                    field,
                    format!("the scheduler cannot place this HostProcess pod: {}", latest.message.trim()),
                    fix,
                );
                f.evidence = evidence_lines(&sched, 2);
                out.push(f);
                continue;
            }
        }
        if windows.is_empty() {
            continue;
        }
        let daemonset = spec.workload.filter(|w| w.kind == "DaemonSet");
        let mut blocked: Vec<(&str, String, bool)> = Vec::new(); // (node, why, taint?)
        for node in &windows {
            if !node_matches(spec.spec, node) {
                blocked.push((node_name(node), "didn't match the nodeSelector/affinity".into(), false));
                continue;
            }
            let taints = untolerated_taints(spec.spec, node, daemonset.is_some());
            if !taints.is_empty() {
                let t: Vec<String> = taints.iter().map(|t| taint_text(t)).collect();
                blocked.push((node_name(node), format!("had untolerated taint {}", t.join(", ")), true));
            }
        }
        if blocked.is_empty() {
            continue;
        }
        let list = blocked_nodes(&blocked);
        let taint = blocked.iter().any(|(_, _, t)| *t);
        let field = if taint && spec.spec.tolerations.is_some() {
            "tolerations"
        } else if !taint && spec.spec.node_selector.is_some() {
            "nodeSelector"
        } else {
            ""
        };
        let fix = if taint {
            "add tolerations for those taints (node agents usually tolerate everything: `- operator: Exists`)"
        } else {
            "make nodeSelector/affinity match those Windows nodes, or drop the build pin if the image is not build-specific"
        };
        if let Some(ds) = daemonset {
            let selects_windows = required_os(spec.spec).as_deref() == Some("windows")
                || spec.spec.node_selector.as_ref().is_some_and(|s| s.contains_key("node.kubernetes.io/windows-build"));
            if !selects_windows {
                continue;
            }
            if ds.status.desired.is_some_and(|d| d as usize >= windows.len()) {
                continue;
            }
            let mut f = RULE
                .finding(
                    &spec,
                    field,
                    format!(
                        "this HostProcess DaemonSet runs on {} of {} Windows nodes; the controller creates no pod for: {list}",
                        windows.len() - blocked.len(),
                        windows.len()
                    ),
                    fix,
                )
                .with_severity(Severity::Warning);
            if let Some(d) = ds.status.desired {
                f = f.with_evidence(format!("desiredNumberScheduled: {d}, Windows nodes: {}", windows.len()));
            }
            out.push(f);
        } else if blocked.len() == windows.len() {
            out.push(
                RULE.finding(&spec, field, format!("no Windows node accepts this HostProcess pod: {list}"), fix)
                    .with_severity(Severity::Warning),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, node, pod_snapshot, rules_fired, workload};

    const DS: &str = r#"{"hostNetwork":true,"nodeSelector":{"kubernetes.io/os":"windows"},"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;
    const TAINT: &str = r#"[{"key":"os","value":"windows","effect":"NoSchedule"}]"#;

    #[test]
    fn pending_pod_quotes_scheduler() {
        let mut s = cluster_pod(DS, r#"{"phase":"Pending"}"#);
        let msg = "0/3 nodes are available: 1 node(s) had untolerated taint {os: windows}, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        s.events.push(event("Pod", "p", "FailedScheduling", msg, None));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].evidence, vec![format!("FailedScheduling: {msg}")]);
        assert!(f[0].fix.contains("toleration"));
    }

    #[test]
    fn daemonset_missing_tainted_nodes_warns() {
        let mut s = cluster_pod(DS, "{}");
        s.pods.clear();
        s.workloads.push(workload("DaemonSet", "agent", DS, Some(1)));
        s.nodes = vec![
            node("w1", "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", "[]"),
            node("w2", "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", TAINT),
        ];
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.ends_with("for: 1 node(s) had untolerated taint os=windows:NoSchedule (w2)"), "{}", f[0].message);
    }

    #[test]
    fn blocked_nodes_are_counted_per_reason_and_named_up_to_three() {
        let taint = || "had untolerated taint os=windows:NoSchedule".to_string();
        let sel = || "didn't match the nodeSelector/affinity".to_string();
        let mut blocked = vec![("t1", taint(), true)];
        blocked.extend((1..=5000).map(|i| (["n1", "n2", "n3", "n4"][i % 4], sel(), false)));
        blocked.push(("t2", taint(), true));
        let msg = blocked_nodes(&blocked);
        assert_eq!(
            msg,
            "2 node(s) had untolerated taint os=windows:NoSchedule (t1, t2); \
             5000 node(s) didn't match the nodeSelector/affinity (n2, n3, n4 and 4997 more)"
        );
        assert_eq!(blocked_nodes(&blocked[..1]), "1 node(s) had untolerated taint os=windows:NoSchedule (t1)");
        let many: Vec<_> = (0..6).map(|i| ("n", format!("had untolerated taint k{i}=v:NoSchedule"), true)).collect();
        assert!(blocked_nodes(&many).ends_with("1 node(s) had untolerated taint k3=v:NoSchedule (n); 2 node(s) for 2 other reasons"));
    }

    #[test]
    fn a_pod_no_node_accepts_names_three_nodes_of_five_thousand() {
        let pinned = r#"{"hostNetwork":true,"nodeSelector":{"kubernetes.io/os":"windows","node.kubernetes.io/windows-build":"10.0.14393"},
            "securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;
        let mut s = cluster_pod(pinned, r#"{"phase":"Pending"}"#);
        s.nodes = (0..5000)
            .map(|i| node(&format!("w{i:04}"), "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", "[]"))
            .collect();
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "no Windows node accepts this HostProcess pod: 5000 node(s) didn't match the nodeSelector/affinity \
             (w0000, w0001, w0002 and 4997 more)"
        );
    }

    #[test]
    fn quiet_when_tolerated_or_offline() {
        let tolerant = r#"{"hostNetwork":true,"nodeSelector":{"kubernetes.io/os":"windows"},"tolerations":[{"operator":"Exists"}],
            "securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;
        let mut s = cluster_pod(DS, "{}");
        s.pods.clear();
        s.workloads.push(workload("DaemonSet", "agent", tolerant, Some(2)));
        s.nodes = vec![
            node("w1", "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", TAINT),
            node("w2", "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", TAINT),
        ];
        assert!(rules_fired(&s, &RULE).is_empty());
        assert!(rules_fired(&pod_snapshot(DS), &RULE).is_empty());
    }

    #[test]
    fn deployment_no_node_fits_warns() {
        let mut s = cluster_pod(DS, "{}");
        s.pods.clear();
        s.workloads.push(workload("Deployment", "web", DS, Some(1)));
        s.nodes = vec![node("w1", "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", TAINT)];
        assert_eq!(rules_fired(&s, &RULE), vec!["HP009"]);
    }
}
