//! HP008 windows-node-selector.

use super::containers::host_process_specs;
use super::evidence::{observations, with_evidence};
use super::nodes::spec_node;
use super::rule::{Admission, Rule};
use super::scheduling::required_os;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, node_name, node_os};

pub static RULE: Rule = Rule {
    id: "HP008",
    name: "windows-node-selector",
    severity: Severity::Error,
    summary: "HostProcess pods must be pinned to Windows nodes (kubernetes.io/os: windows)",
    doc: r#"## What it does
Checks that every HostProcess pod or template selects Windows nodes: a `nodeSelector`
`kubernetes.io/os: windows`, a required node affinity whose every term has
`kubernetes.io/os In [windows]`, or a `node.kubernetes.io/windows-build` selector. A
`runtimeClassName` is accepted too (a RuntimeClass can carry `scheduling.nodeSelector`).

- No such constraint → warning (offline and live).
- A selector for another OS (`kubernetes.io/os: linux`) → error.
- Live: a HostProcess pod that is running on a node labelled `kubernetes.io/os=linux` → error.

## Why is this bad?
`spec.os.name: windows` "has no effect on the scheduling". Without a selector the scheduler may
put the pod on a Linux node: the Linux kubelet ignores `windowsOptions`, a Windows-only image fails
to pull with `no match for platform in manifest: not found` (ErrImagePull, then
ImagePullBackOff), and a multi-arch image may even run as an ordinary Linux `hostNetwork` pod.

## Example
```yaml
spec:
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
```

## Use instead
```yaml
spec:
  os:
    name: windows
  nodeSelector:
    kubernetes.io/os: windows
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
```

## References
- kubernetes.io "Windows containers in Kubernetes" user guide ("Ensuring OS-specific workloads land on the appropriate container host")
"#,
    rank: 30,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): a HostProcess spec that selects a non-Windows OS by nodeSelector or by
/// every required node-affinity term (`required_os`), without a windows-build selector or a
/// RuntimeClass. Selecting no OS is a warning and passes.
pub const ADMISSION: &[Admission] = &[Admission {
    expression: "has(variables.spec.runtimeClassName) || 'node.kubernetes.io/windows-build' in variables.spec.?nodeSelector.orValue({}) || ('kubernetes.io/os' in variables.spec.?nodeSelector.orValue({}) ? variables.spec.nodeSelector['kubernetes.io/os'] == 'windows' : [variables.spec.?affinity.?nodeAffinity.?requiredDuringSchedulingIgnoredDuringExecution.?nodeSelectorTerms.orValue([]).map(t, t.?matchExpressions.orValue([]).filter(e, e.key == 'kubernetes.io/os' && e.operator == 'In' && size(e.?values.orValue([])) == 1).map(e, e.values[0]))].all(os, size(os) == 0 || !os.all(t, size(t) > 0 && t[0] == os[0][0] && t[0] != 'windows')))",
    host_process_only: true,
    field: "nodeSelector",
    fix: "select Windows nodes: `nodeSelector: {kubernetes.io/os: windows}`",
}];

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        if spec.partial {
            continue;
        }
        // Live: where it actually runs.
        if let Some(node) = spec_node(snapshot, &spec)
            && node_os(node) == "linux"
        {
            let obs = observations(snapshot, &spec);
            let pulls: Vec<_> =
                obs.iter().filter(|o| o.mentions(&["no match for platform in manifest"])).cloned().collect();
            out.push(with_evidence(
                RULE.finding(
                    &spec,
                    if spec.spec.node_selector.is_some() { "nodeSelector" } else { "" },
                    format!(
                        "HostProcess pod was placed on Linux node {}, where windowsOptions are ignored and a Windows image cannot be pulled",
                        node_name(node)
                    ),
                    "add `nodeSelector: {kubernetes.io/os: windows}` to the pod template and recreate the pod",
                )
                .with_evidence(format!("node {} has kubernetes.io/os=linux", node_name(node))),
                &pulls,
            ));
            continue;
        }
        let selector = spec.spec.node_selector.as_ref();
        if selector.is_some_and(|s| s.contains_key("node.kubernetes.io/windows-build"))
            || spec.spec.runtime_class_name.is_some()
        {
            continue;
        }
        match required_os(spec.spec).as_deref() {
            Some("windows") => {}
            Some(other) => out.push(RULE.finding(
                &spec,
                if selector.is_some_and(|s| s.contains_key("kubernetes.io/os")) { "nodeSelector" } else { "affinity" },
                format!("HostProcess pod selects nodes with kubernetes.io/os={other}; HostProcess containers run only on Windows nodes, so it can never start"),
                "select Windows nodes: `nodeSelector: {kubernetes.io/os: windows}`",
            )),
            None => out.push(
                RULE.finding(
                    &spec,
                    if selector.is_some() { "nodeSelector" } else { "" },
                    "HostProcess pod does not select Windows nodes (no kubernetes.io/os: windows nodeSelector or node affinity), so it can land on a Linux node where the Windows image fails to pull; spec.os.name does not affect scheduling",
                    "add `nodeSelector: {kubernetes.io/os: windows}` (and `os: {name: windows}`) to the pod spec",
                )
                .with_severity(Severity::Warning),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings, node, pod_snapshot, rules_fired};

    #[test]
    fn no_selector_is_warning() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn linux_selector_or_linux_node_is_error() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"nodeSelector":{"kubernetes.io/os":"linux"},"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Error);
        let mut s = cluster_pod(
            r#"{"hostNetwork":true,"nodeName":"l1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
            "{}",
        );
        s.nodes = vec![node("l1", "linux", "containerd://1.7.0", "v1.30.0", "6.1.0", "[]")];
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].node.as_deref(), Some("l1"));
    }

    #[test]
    fn quiet_with_selector_or_affinity() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"nodeSelector":{"kubernetes.io/os":"windows"},"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}],
                "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                  {"matchExpressions":[{"key":"kubernetes.io/os","operator":"In","values":["windows"]},{"key":"kubernetes.io/arch","operator":"In","values":["amd64"]}]}]}}}}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
