//! HP001 host-network-required.

use super::containers::host_process_specs;
use super::rule::{Admission, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP001",
    name: "host-network-required",
    severity: Severity::Error,
    summary: "HostProcess pods must set hostNetwork: true",
    doc: r#"## What it does
Checks that every HostProcess pod (and workload template) sets `spec.hostNetwork: true`.

## Why is this bad?
HostProcess containers always share the host's network namespace, but the API server does not
infer it: without `hostNetwork: true` the pod, or the DaemonSet/Deployment that carries it, is
rejected at apply time:

    spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers

A kubelet that somehow receives such a pod fails the sandbox with
`hostNetwork is required if Pod contains HostProcess containers`.

## Example
```yaml
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  containers:
  - name: agent
    image: mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0
```

## Use instead
```yaml
spec:
  hostNetwork: true
  securityContext:
    windowsOptions:
      hostProcess: true
```

## References
- kubernetes/kubernetes `pkg/apis/core/validation/validation.go` `validateWindowsHostProcessPod`
- KEP-1981 "Host Network Mode"
"#,
    rank: 10,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): a HostProcess spec without `hostNetwork: true`.
pub const ADMISSION: &[Admission] = &[Admission {
    expression: "variables.spec.?hostNetwork.orValue(false) == true",
    host_process_only: true,
    field: "hostNetwork",
    fix: "add `hostNetwork: true` to the pod spec",
}];

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        if spec.partial || spec.spec.host_network == Some(true) {
            continue;
        }
        let field = if spec.spec.host_network.is_some() { "hostNetwork" } else { "" };
        out.push(RULE.finding(
            &spec,
            field,
            "HostProcess pod does not set hostNetwork: true; the API server rejects it (hostNetwork must be true if pod contains any hostProcess containers)",
            "add `hostNetwork: true` to the pod spec",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{pod_snapshot, rules_fired};

    #[test]
    fn fires_without_host_network() {
        let s = pod_snapshot(
            r#"{"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a","image":"x"}]}"#,
        );
        assert_eq!(rules_fired(&s, &RULE), vec!["HP001"]);
    }

    #[test]
    fn quiet_with_host_network_or_without_host_process() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
        let s = pod_snapshot(r#"{"containers":[{"name":"a"}]}"#);
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
