//! HP013 runtime-environment.

use super::containers::host_process_specs;
use super::evidence::{Observation, finding_at_container, observations, observed_groups, with_evidence};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP013",
    name: "runtime-environment",
    severity: Severity::Error,
    summary: "The node's containerd/hcsshim setup must allow HostProcess containers",
    doc: r#"## What it does
Reads the pod's events and container statuses (live) for the node-side errors that mean the
runtime *environment*, not the pod, is wrong:

- `failed to create user process token: ... Access is denied.` — containerd runs as a user
  account instead of `LocalSystem`, so it cannot log on the container's account;
- `UVM does not support HostProcess containers` — the pod's RuntimeClass uses Hyper-V isolation;
- `Host process container and disable host process container cannot both be true` — the runtime
  handler has `microsoft.com/disable-hostprocess-container` set by the administrator.

Offline, a `runtimeClassName` that names a Hyper-V handler (contains `hyperv`/`hypervisor`) on a
HostProcess pod is a warning.

## Why is this bad?
These are failures of the node setup; no change to the pod's user, image or command fixes them,
and the container never starts (RunContainerError / FailedCreatePodSandBox, then back-off).

## Example
```text
Warning  Failed  kubelet  Error: failed to start containerd task "agent": failed to create user process token: failed to logon user: Access is denied.: unknown
```

## Use instead
Run containerd as `LocalSystem` (its default service account; check with
`Get-Process containerd -IncludeUserName`), use the default process-isolation runtime handler
for HostProcess pods, and do not disable HostProcess on the handler they use.

## References
- KEP-1981 PRR failure modes; kubernetes.io "Troubleshooting HostProcess containers"
- hcsshim `cmd/containerd-shim-runhcs-v1/pod.go`, `internal/oci/annotations.go`
"#,
    rank: 40,
    signatures: super::signatures::hp013::SIGNATURES,
    admission: &[],
    check,
};

const ACCESS: &str = "Access is denied";
const UVM: &str = "UVM does not support HostProcess containers";
const DISABLED: &str = "Host process container and disable host process container cannot both be true";

fn matches(o: &Observation<'_>) -> bool {
    (o.mentions(&["failed to create user process token"]) && o.mentions(&[ACCESS])) || o.mentions(&[UVM, DISABLED])
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        let obs = observations(snapshot, &spec);
        for (container, evidence) in observed_groups(&obs, matches) {
            let (message, fix, field) = if evidence.iter().any(|o| o.mentions(&[UVM])) {
                (
                    "the pod's RuntimeClass runs it in a Hyper-V utility VM, which does not support HostProcess containers (UVM does not support HostProcess containers)",
                    "remove runtimeClassName or use the default process-isolation handler for HostProcess pods",
                    "runtimeClassName",
                )
            } else if evidence.iter().any(|o| o.mentions(&[DISABLED])) {
                (
                    "HostProcess containers are disabled on this node's runtime handler (Host process container and disable host process container cannot both be true)",
                    "use a runtime handler without microsoft.com/disable-hostprocess-container, or ask the node administrator to allow HostProcess",
                    "",
                )
            } else {
                (
                    "the node's containerd cannot log on the container's account (failed to create user process token ... Access is denied.), which happens when containerd runs as a user account instead of LocalSystem",
                    "run the containerd service as LocalSystem (check with `Get-Process containerd -IncludeUserName`) and restart it",
                    "",
                )
            };
            let field = if field == "runtimeClassName" && spec.spec.runtime_class_name.is_some() { field } else { "" };
            let f = match container {
                Some(_) => finding_at_container(&RULE, &spec, container, "", message, fix),
                None => RULE.finding(&spec, field, message, fix),
            };
            out.push(with_evidence(f, &evidence));
        }
        if let Some(rc) = spec.spec.runtime_class_name.as_deref() {
            let lower = rc.to_ascii_lowercase();
            if (lower.contains("hyperv") || lower.contains("hypervisor")) && !obs.iter().any(|o| o.mentions(&[UVM])) {
                out.push(
                    RULE.finding(
                        &spec,
                        "runtimeClassName",
                        format!("runtimeClassName {rc:?} looks like a Hyper-V isolated handler; HostProcess containers cannot run in a utility VM (UVM does not support HostProcess containers)"),
                        "remove runtimeClassName or use the default process-isolation handler",
                    )
                    .with_severity(Severity::Warning),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, pod_snapshot, rules_fired};

    const HP: &str = r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}},"containers":[{"name":"a"}]}"#;

    #[test]
    fn access_denied_is_error() {
        let mut s = cluster_pod(HP, "{}");
        s.events.push(event(
            "Pod",
            "p",
            "Failed",
            "Error: failed to start containerd task \"a\": failed to create user process token: failed to logon user: Access is denied.: unknown",
            Some("spec.containers{a}"),
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].container.as_deref(), Some("a"));
        assert!(f[0].message.contains("LocalSystem"));
    }

    #[test]
    fn uvm_sandbox_error() {
        let mut s = cluster_pod(HP, "{}");
        s.events.push(event(
            "Pod",
            "p",
            "FailedCreatePodSandBox",
            "Failed to create pod sandbox: rpc error: UVM does not support HostProcess containers",
            None,
        ));
        assert_eq!(rules_fired(&s, &RULE), vec!["HP013"]);
    }

    #[test]
    fn quiet_without_runtime_errors() {
        let mut s = cluster_pod(HP, "{}");
        s.events.push(event(
            "Pod",
            "p",
            "Failed",
            "failed to create user process token: failed to logon user: The user name or password is incorrect.",
            None,
        ));
        assert!(rules_fired(&s, &RULE).is_empty());
        assert!(rules_fired(&pod_snapshot(HP), &RULE).is_empty());
    }

    #[test]
    fn hyperv_runtime_class_offline_warns() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"runtimeClassName":"runhcs-wcow-hypervisor","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Warning);
    }
}
