//! HP028 pod-level-resources-windows.

use k8s_openapi::api::core::v1::{PodSpec, ResourceRequirements};

use super::containers::is_host_process;
use super::evidence::{Observation, observations, with_evidence};
use super::nodes::spec_node;
use super::rule::{Admission, Rule};
use super::scheduling::required_os;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, node_os};

pub static RULE: Rule = Rule {
    id: "HP028",
    name: "pod-level-resources-windows",
    severity: Severity::Error,
    summary: "Windows pods must not set pod-level `spec.resources` (PodLevelResources is Linux-only)",
    doc: r#"## What it does
Checks pod-level `spec.resources` (the `PodLevelResources` feature, beta and on by default since
Kubernetes 1.34) on Windows pods, Pods and workload templates alike:

- `spec.os.name: windows` with `spec.resources` set (even `resources: {}`) → error: the API
  server (1.34 and later) refuses the object;
- a HostProcess pod, or a pod placed on Windows by `nodeSelector`/required node affinity
  `kubernetes.io/os: windows`, without `spec.os`, with pod-level requests or limits → error:
  the API server accepts it, and the kubelet of every Windows node (1.34 and later) rejects
  the pod at admission;
- live: the kubelet's rejection (event or pod status reason `PodLevelResourcesNotSupported`) is
  the evidence, also for a pod that reached a Windows node by other means.

## Why is this bad?
Windows nodes cannot enforce a pod-level budget, so Kubernetes refuses it instead of ignoring
it (kubernetes#133046, in 1.34). With `spec.os.name: windows`, `kubectl apply` fails:

    The Pod "agent" is invalid: spec.resources: Forbidden: may not be set for a windows pod
    The DaemonSet "agent" is invalid: spec.template.spec.resources: Forbidden: may not be set for a windows pod

Without `spec.os` the object is created and each pod fails on its node. The kubelet records a
Warning event and sets the pod `Failed`:

    Warning  PodLevelResourcesNotSupported  kubelet  pod-level resources are not supported on Windows
    Status: Failed   Reason: PodLevelResourcesNotSupported   Message: Pod was rejected: pod-level resources are not supported on Windows

A DaemonSet then deletes and recreates its failed pod on that node, over and over.

## Example
```yaml
spec:
  os:
    name: windows
  resources:
    limits:
      memory: 512Mi
  containers:
  - name: agent
```

## Use instead
```yaml
spec:
  os:
    name: windows
  containers:
  - name: agent
    resources:
      limits:
        memory: 512Mi
```

## References
- kubernetes/kubernetes#133046 "[PodLevelResources] Add validation for Windows OS" (API server
  validation and kubelet admission, Kubernetes 1.34); issue kubernetes/kubernetes#132582
- kubernetes `pkg/kubelet/lifecycle/features_windows.go` (reason `PodLevelResourcesNotSupported`,
  message `pod-level resources are not supported on Windows`)
- kubernetes.io "Assign Pod-level CPU and memory resources" (Limitations: not supported for
  Windows pods); KEP-2837
"#,
    rank: 15,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// The kubelet's admission reason for the rejection.
pub const REASON: &str = "PodLevelResourcesNotSupported";
/// The kubelet's admission message (Windows kubelets, 1.34+).
pub const MESSAGE: &str = "pod-level resources are not supported on Windows";
/// The API server's validation message (1.34+).
pub const FORBIDDEN: &str = "may not be set for a windows pod";

fn is_rejection(o: &Observation<'_>) -> bool {
    o.reason == REASON || o.mentions(&[MESSAGE, FORBIDDEN])
}

/// Requests or limits at pod level (what the kubelet checks).
/// At admission, what `check` reports from a manifest: `spec.os.name: windows` with any
/// `spec.resources`, or requests/limits on a pod that HostProcess or `kubernetes.io/os: windows`
/// (nodeSelector, else every required affinity term, as `required_os`) places on Windows.
pub const ADMISSION: &[Admission] = &[Admission {
    expression: "!has(variables.spec.resources) || (variables.spec.?os.?name.orValue('') != 'windows' && (variables.spec.?os.?name.orValue('') == 'linux' || (size(variables.spec.resources.?requests.orValue({})) == 0 && size(variables.spec.resources.?limits.orValue({})) == 0) || !(variables.hostProcess || (('kubernetes.io/os' in variables.spec.?nodeSelector.orValue({})) ? variables.spec.nodeSelector['kubernetes.io/os'] == 'windows' : [variables.spec.?affinity.?nodeAffinity.?requiredDuringSchedulingIgnoredDuringExecution.?nodeSelectorTerms.orValue([]).map(t, t.?matchExpressions.orValue([]).filter(e, e.key == 'kubernetes.io/os' && e.operator == 'In' && size(e.?values.orValue([])) == 1).map(e, e.values[0]))].all(os, size(os) > 0 && os.all(t, size(t) > 0 && t[0] == os[0][0]) && os[0][0] == 'windows')))))",
    host_process_only: false,
    field: "resources",
    fix: "move the requests and limits into each container's `resources` and remove `spec.resources`",
}];

fn has_budget(r: &ResourceRequirements) -> bool {
    r.requests.as_ref().is_some_and(|m| !m.is_empty()) || r.limits.as_ref().is_some_and(|m| !m.is_empty())
}

/// What places the spec on Windows without `spec.os`: HostProcess, or the selector.
fn windows_by_placement(spec: &PodSpec) -> Option<&'static str> {
    if is_host_process(spec) {
        Some("a HostProcess pod")
    } else if required_os(spec).as_deref() == Some("windows") {
        Some("placed on Windows nodes by kubernetes.io/os: windows")
    } else {
        None
    }
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in snapshot.specs() {
        let Some(resources) = spec.spec.resources.as_ref() else { continue };
        let obs = observations(snapshot, &spec);
        let mut live: Vec<Observation<'_>> = obs.iter().filter(|o| is_rejection(o)).cloned().collect();
        let status = spec.pod.and_then(|p| p.status.as_ref()).filter(|s| s.reason.as_deref() == Some(REASON));
        let on_windows = spec_node(snapshot, &spec).is_some_and(|n| node_os(n) == "windows");
        let os = spec.spec.os.as_ref().map(|o| o.name.as_str());
        let f = if os == Some("windows") {
            RULE.finding(
                &spec,
                "resources",
                "the pod declares spec.os.name: windows and sets pod-level resources, so the API server (Kubernetes 1.34+) refuses it: spec.resources: Forbidden: may not be set for a windows pod",
                "move the requests and limits into each container's `resources` and remove `spec.resources`",
            )
        } else if os != Some("linux") && has_budget(resources) {
            let why = match windows_by_placement(spec.spec) {
                Some(w) => format!("this is {w}"),
                None if on_windows || !live.is_empty() || status.is_some() => "the pod is on a Windows node".to_string(),
                None => continue,
            };
            RULE.finding(
                &spec,
                "resources",
                format!("{why} with pod-level resources: the API server accepts it, but the kubelet of every Windows node (Kubernetes 1.34+) rejects the pod at admission ({REASON}: {MESSAGE})"),
                "move the requests and limits into each container's `resources`, remove `spec.resources`, and add `spec.os.name: windows` so the API server catches it next time",
            )
        } else {
            continue;
        };
        if let Some(s) = status {
            live.push(Observation {
                kind: super::evidence::ObservationKind::Condition,
                reason: REASON,
                message: s.message.as_deref().unwrap_or(""),
                container: None,
                exit_code: None,
                condition: None,
            });
        }
        out.push(with_evidence(f, &live));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, node, pod_snapshot, rules_fired};

    const LIMITS: &str = r#""resources":{"limits":{"cpu":"1","memory":"512Mi"}}"#;

    #[test]
    fn windows_os_with_pod_resources_is_refused_by_the_api_server() {
        let s = pod_snapshot(&format!(r#"{{"os":{{"name":"windows"}},{LIMITS},"containers":[{{"name":"a"}}]}}"#));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].field.as_deref(), Some("spec.resources"));
        assert!(f[0].message.contains("spec.resources: Forbidden: may not be set for a windows pod"), "{}", f[0].message);
        // The API server refuses even an empty pod-level block once the OS is declared.
        let s = pod_snapshot(r#"{"os":{"name":"windows"},"resources":{},"containers":[{"name":"a"}]}"#);
        assert_eq!(rules_fired(&s, &RULE), ["HP028"]);
    }

    #[test]
    fn host_process_or_windows_selector_without_os_is_rejected_by_the_kubelet() {
        let hp = format!(
            r#"{{"hostNetwork":true,"securityContext":{{"windowsOptions":{{"hostProcess":true}}}},{LIMITS},"containers":[{{"name":"a"}}]}}"#
        );
        let f = findings(&pod_snapshot(&hp), &RULE);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("HostProcess") && f[0].message.contains(MESSAGE), "{}", f[0].message);
        let sel = format!(r#"{{"nodeSelector":{{"kubernetes.io/os":"windows"}},{LIMITS},"containers":[{{"name":"a"}}]}}"#);
        assert_eq!(findings(&pod_snapshot(&sel), &RULE)[0].severity, Severity::Error);
    }

    #[test]
    fn quiet_on_linux_and_on_container_level_resources() {
        let linux = format!(r#"{{"os":{{"name":"linux"}},{LIMITS},"containers":[{{"name":"a"}}]}}"#);
        assert!(rules_fired(&pod_snapshot(&linux), &RULE).is_empty());
        let nowhere = format!(r#"{{{LIMITS},"containers":[{{"name":"a"}}]}}"#);
        assert!(rules_fired(&pod_snapshot(&nowhere), &RULE).is_empty());
        let empty = r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"resources":{},"containers":[{"name":"a"}]}"#;
        assert!(rules_fired(&pod_snapshot(empty), &RULE).is_empty());
        let per_container = r#"{"os":{"name":"windows"},"containers":[{"name":"a","resources":{"limits":{"memory":"512Mi"}}}]}"#;
        assert!(rules_fired(&pod_snapshot(per_container), &RULE).is_empty());
    }

    #[test]
    fn live_kubelet_rejection_is_evidence() {
        let spec = format!(r#"{{"nodeName":"w1",{LIMITS},"containers":[{{"name":"a"}}]}}"#);
        let mut s = cluster_pod(
            &spec,
            r#"{"phase":"Failed","reason":"PodLevelResourcesNotSupported","message":"Pod was rejected: pod-level resources are not supported on Windows"}"#,
        );
        s.nodes = vec![node("w1", "windows", "containerd://2.3.1", "v1.36.3", "10.0.26100.2314", "[]")];
        s.events.push(event("Pod", "p", REASON, MESSAGE, None));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("on a Windows node"), "{}", f[0].message);
        assert!(f[0].evidence.iter().any(|e| e == "PodLevelResourcesNotSupported: pod-level resources are not supported on Windows"));
        assert!(f[0].evidence.iter().any(|e| e.contains("Pod was rejected")), "{:?}", f[0].evidence);
    }
}
