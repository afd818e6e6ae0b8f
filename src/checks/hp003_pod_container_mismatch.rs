//! HP003 host-process-mismatch.

use super::containers::{container_windows_options, containers, pod_host_process};
use super::evidence::{observations, with_evidence};
use super::rule::{Admission, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP003",
    name: "host-process-mismatch",
    severity: Severity::Error,
    summary: "Pod-level and container-level hostProcess must not contradict each other",
    doc: r#"## What it does
Checks every container (init, regular, ephemeral) that sets
`securityContext.windowsOptions.hostProcess` while the pod's
`spec.securityContext.windowsOptions.hostProcess` is also set: the two values must be equal.

## Why is this bad?
The API server rejects the pod, or the DaemonSet/Deployment whose template has it:

    spec.containers[0].securityContext.windowsOptions.hostProcess: Invalid value: false: pod hostProcess value must be identical if both are specified, was true

A container cannot opt out of a HostProcess pod (see HP002); repeating the same value is
allowed but pointless. `runAsUserName`, unlike `hostProcess`, may differ per container.

## Example
```yaml
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  containers:
  - name: sidecar
    securityContext:
      windowsOptions:
        hostProcess: false
```

## Use instead
```yaml
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  containers:
  - name: sidecar
```

## References
- kubernetes/kubernetes `pkg/apis/core/validation/validation.go` `validateWindowsHostProcessPod`
"#,
    rank: 12,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): a container's hostProcess that differs from the pod's.
pub const ADMISSION: &[Admission] = &[Admission {
    expression: "!variables.spec.?securityContext.?windowsOptions.?hostProcess.hasValue() || variables.containers.all(c, !c.?securityContext.?windowsOptions.?hostProcess.hasValue() || c.securityContext.windowsOptions.hostProcess == variables.spec.securityContext.windowsOptions.hostProcess)",
    host_process_only: false,
    field: "containers[*].securityContext.windowsOptions.hostProcess",
    fix: "set hostProcess only once, in the pod's securityContext.windowsOptions, and remove it from the containers",
}];

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in snapshot.specs() {
        let Some(pod) = pod_host_process(spec.spec) else { continue };
        let obs = observations(snapshot, &spec);
        let live: Vec<_> = obs
            .iter()
            .filter(|o| o.mentions(&["pod hostProcess value must be identical if both are specified"]))
            .cloned()
            .collect();
        for c in containers(spec.spec) {
            let Some(own) = container_windows_options(&c).and_then(|w| w.host_process) else { continue };
            if own == pod {
                continue;
            }
            let f = RULE
                .finding(
                    &spec,
                    &format!("{}.securityContext.windowsOptions.hostProcess", c.path),
                    format!(
                        "container {:?} sets hostProcess: {own} but the pod sets hostProcess: {pod}, so the API server rejects it: pod hostProcess value must be identical if both are specified, was {pod}",
                        c.name
                    ),
                    "set hostProcess only once, in the pod's securityContext.windowsOptions, and remove it from the container",
                )
                .with_container(c.name);
            out.push(with_evidence(f, &live));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{findings, pod_snapshot, rules_fired};

    #[test]
    fn fires_on_contradiction() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},
                "containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":false}}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].field.as_deref(), Some("spec.containers[0].securityContext.windowsOptions.hostProcess"));
        assert!(f[0].message.ends_with("was true"));
    }

    #[test]
    fn quiet_when_equal_or_unset() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},
                "initContainers":[{"name":"i","securityContext":{"windowsOptions":{"hostProcess":true}}}],
                "containers":[{"name":"a","securityContext":{"windowsOptions":{}}}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
