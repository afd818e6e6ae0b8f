//! HP002 all-containers-host-process.

use super::containers::{
    container_windows_options, containers, effective_host_process, host_process_specs, pod_host_process,
};
use super::evidence::{join_quoted, observations, with_evidence};
use super::nodes::{node_kubelet, spec_node};
use super::rule::{Admission, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source};
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "HP002",
    name: "all-containers-host-process",
    severity: Severity::Error,
    summary: "If any container is HostProcess, every container (init, regular, ephemeral) must be",
    doc: r#"## What it does
Checks that a pod with at least one HostProcess container has no other kind of container:
every init, regular and ephemeral container must have an effective
`securityContext.windowsOptions.hostProcess: true` (its own value, else the pod's).

Live, it also reads the node-side backstops of the same rule from events and container
statuses (kubelet, containerd, hcsshim). When `hostProcess` is set only on the containers, with
no pod-level value, it adds an *info* finding: that is legal, but some 1.23/1.24 kubelets
(kubernetes#110140) then created the sandbox without HostProcess. The info is dropped when every
relevant kubelet is known to be 1.25 or newer.

## Why is this bad?
A Windows pod sandbox is either a HostProcess (job object) sandbox or a normal one. The API
server rejects mixed pods, and so does a DaemonSet/Deployment whose template mixes them:

    spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers

The node rejects what slips through: the kubelet (`pod must not contain both HostProcess and
non-HostProcess containers`), containerd 1.6.7+ (`pod spec and all containers inside must have
the HostProcess field set to be valid`) and hcsshim. A plain `kubectl debug` on a HostProcess
pod is rejected for the same reason. Typical mistakes: a HostProcess init container with a
"safe" main container, a sidecar added later, or `hostProcess: false` on one container.

## Example
```yaml
spec:
  hostNetwork: true
  initContainers:
  - name: install
    securityContext:
      windowsOptions:
        hostProcess: true
        runAsUserName: "NT AUTHORITY\\SYSTEM"
  containers:
  - name: app
```

## Use instead
```yaml
spec:
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
  initContainers:
  - name: install
  containers:
  - name: app
```
Move work that must not be privileged into a separate pod.

## References
- kubernetes/kubernetes `pkg/apis/core/validation/validation.go` `validateWindowsHostProcessPod`
- kubelet `kuberuntime_sandbox_windows.go`; containerd `buildWindowsSpec` (v1.6.7+); hcsshim `pod.go`
- kubernetes/kubernetes#110140
"#,
    rank: 11,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): a container of a HostProcess spec whose effective hostProcess is false.
pub const ADMISSION: &[Admission] = &[Admission {
    expression: "variables.containers.all(c, c.?securityContext.?windowsOptions.?hostProcess.orValue(variables.podHostProcess) == true)",
    host_process_only: true,
    field: "containers[*].securityContext.windowsOptions.hostProcess",
    fix: "set `hostProcess: true` once in the pod's securityContext.windowsOptions, or move the other containers into a separate pod",
}];

/// Texts that mean the node or the API server refused a mixed pod.
const MIXED: &[&str] = &[
    "If pod contains any hostProcess containers then all containers must be HostProcess containers",
    "pod must not contain both HostProcess and non-HostProcess containers",
    "must have the HostProcess field set to be valid",
    "cannot create a normal process isolated container if the pod sandbox is a job container",
];

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        if spec.partial {
            continue;
        }
        let container_level_only = pod_host_process(spec.spec).is_none();
        let obs = observations(snapshot, &spec);
        let live: Vec<_> = obs
            .iter()
            .filter(|o| {
                o.mentions(MIXED) || (container_level_only && o.mentions(&["failed to setup network for sandbox"]))
            })
            .cloned()
            .collect();
        let cs = containers(spec.spec);
        let non_hp: Vec<_> = cs.iter().filter(|c| !effective_host_process(spec.spec, c)).collect();
        if !non_hp.is_empty() {
            let hp: Vec<&str> = cs.iter().filter(|c| effective_host_process(spec.spec, c)).map(|c| c.name).collect();
            for (i, c) in non_hp.iter().enumerate() {
                let explicit = container_windows_options(c).and_then(|w| w.host_process).is_some();
                let field = if explicit {
                    format!("{}.securityContext.windowsOptions.hostProcess", c.path)
                } else {
                    c.path.clone()
                };
                let f = RULE
                    .finding(
                        &spec,
                        &field,
                        format!(
                            "container {:?} is not a HostProcess container while {} {} {}, so the pod is rejected: If pod contains any hostProcess containers then all containers must be HostProcess containers",
                            c.name,
                            if hp.len() == 1 { "container" } else { "containers" },
                            join_quoted(&hp),
                            if hp.len() == 1 { "is" } else { "are" },
                        ),
                        format!(
                            "set `hostProcess: true` once in the pod's securityContext.windowsOptions{}, or move {:?} into a separate non-HostProcess pod",
                            if explicit { " and remove `hostProcess: false` from this container" } else { "" },
                            c.name
                        ),
                    )
                    .with_container(c.name);
                out.push(if i == 0 { with_evidence(f, &live) } else { f });
            }
        } else if !live.is_empty() {
            let message = if container_level_only {
                "the node created the sandbox without HostProcess although every container sets hostProcess: true; this is kubelet bug kubernetes#110140 (hostProcess only at container level), and the containers cannot start"
            } else {
                "the node refused to mix HostProcess and non-HostProcess containers in this pod's sandbox"
            };
            out.push(with_evidence(
                RULE.finding(
                    &spec,
                    "securityContext",
                    message,
                    "set `securityContext.windowsOptions.hostProcess: true` at pod level and recreate the pod, or upgrade the kubelet",
                ),
                &live,
            ));
        } else if container_level_only && !kubelets_fixed(snapshot, &spec) {
            out.push(
                RULE.finding(
                    &spec,
                    "securityContext",
                    "hostProcess is set only on the containers, not at pod level; this is valid, but some 1.23/1.24 kubelets (kubernetes#110140) then create the sandbox without HostProcess",
                    "set `securityContext.windowsOptions.hostProcess: true` once at pod level",
                )
                .with_severity(Severity::Info),
            );
        }
    }
}

/// True when the kubelets this spec can meet are all known to be 1.25 or newer.
fn kubelets_fixed(snapshot: &Snapshot, spec: &crate::snapshot::SpecRef<'_>) -> bool {
    if snapshot.source != Source::Cluster {
        return false;
    }
    let fixed = |v: Option<Version>| v.is_some_and(|v| v >= Version::new(1, 25, 0));
    if let Some(node) = spec_node(snapshot, spec) {
        return fixed(node_kubelet(node));
    }
    let mut nodes = snapshot.windows_nodes().peekable();
    nodes.peek().is_some() && nodes.all(|n| fixed(node_kubelet(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, node, pod_snapshot, rules_fired};

    #[test]
    fn fires_on_mixed_init_container() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,
                "initContainers":[{"name":"i","securityContext":{"windowsOptions":{"hostProcess":true}}}],
                "containers":[{"name":"a"}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].container.as_deref(), Some("a"));
        assert_eq!(f[0].field.as_deref(), Some("spec.containers[0]"));
        assert!(f[0].message.contains("while container \"i\" is,"), "{}", f[0].message);
    }

    #[test]
    fn container_level_only_is_info() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"containers":[
                {"name":"a","securityContext":{"windowsOptions":{"hostProcess":true}}},
                {"name":"b","securityContext":{"windowsOptions":{"hostProcess":true}}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn quiet_on_pod_level_and_non_host_process() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"},{"name":"b"}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
        let s = pod_snapshot(r#"{"containers":[{"name":"a"}]}"#);
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn live_containerd_rejection_is_error_with_evidence() {
        let mut s = cluster_pod(
            r#"{"hostNetwork":true,"nodeName":"w1","containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":true}}}]}"#,
            "{}",
        );
        s.nodes = vec![node("w1", "windows", "containerd://1.6.8", "v1.24.0", "10.0.17763.1", "[]")];
        s.events.push(event(
            "Pod",
            "p",
            "Failed",
            "Error: failed to create containerd container: pod spec and all containers inside must have the HostProcess field set to be valid",
            Some("spec.containers{a}"),
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].evidence[0].starts_with("Failed: Error: failed to create containerd container"));
    }

    #[test]
    fn info_dropped_on_new_kubelets() {
        let mut s = cluster_pod(
            r#"{"hostNetwork":true,"nodeName":"w1","containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":true}}}]}"#,
            "{}",
        );
        s.nodes = vec![node("w1", "windows", "containerd://1.7.20", "v1.30.0", "10.0.17763.1", "[]")];
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
