//! HP013 runtime-environment.

use k8s_openapi::api::core::v1::Node;

use super::containers::host_process_specs;
use super::evidence::{Observation, finding_at_container, observations, observed_groups, with_evidence};
use super::nodes::{node_windows_build, spec_node};
use super::rule::Rule;
use super::scheduling::node_matches;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, SpecRef, node_name};
use crate::version::{Version, windows_build};

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
- `UVM does not support HostProcess containers` — the pod's RuntimeClass uses Hyper-V isolation
  and the node's utility VM cannot run HostProcess containers;
- `Host process container and disable host process container cannot both be true` — the runtime
  handler has `microsoft.com/disable-hostprocess-container` set by the administrator.

A `runtimeClassName` that names a Hyper-V handler (contains `hyperv`/`hypervisor`) on a
HostProcess pod is judged against the nodes it can run on (its node; live, the Windows nodes it
selects; offline, `--windows-build` and `--containerd-version`):

- every such node runs Windows Server 2025 (build 26100) or later **and** containerd 2.4.0 or
  later → info: valid, and the container is privileged inside the utility VM, not on the node;
- a node with an older build or containerd → warning naming the nodes;
- nothing known about the nodes → warning that says on which nodes it is valid.

Hyper-V-isolated HostProcess containers exist since microsoft/hcsshim#2531 (merged 2026-05,
released in hcsshim v0.15.0-rc.2): they need a Windows Server 2025 or later guest, and the
containerd-shim-runhcs-v1 of that hcsshim, first shipped with containerd 2.4.0 (runhcs
v0.15.0-rc.4). An older shim, or a utility VM that does not advertise the capability, fails the
sandbox with `UVM does not support HostProcess containers`.

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
for HostProcess pods (a Hyper-V handler only on Windows Server 2025+ nodes with containerd 2.4+,
and only for workloads that need not touch the node), and do not disable HostProcess on the
handler they use.

## References
- KEP-1981 PRR failure modes; kubernetes.io "Troubleshooting HostProcess containers"
- hcsshim `cmd/containerd-shim-runhcs-v1/pod.go` (`updateConfigForHostProcessContainer`),
  `internal/uvm/capabilities.go`, `internal/oci/annotations.go`
- microsoft/hcsshim#2531 "HostProcess containers with Hypervisor Isolation" (WS2025 and later;
  hcsshim v0.15.0-rc.2+); containerd v2.4.0 release notes (runhcs v0.15.0-rc.4)
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
                    "the pod's RuntimeClass runs it in a Hyper-V utility VM that does not support HostProcess containers (UVM does not support HostProcess containers): that needs Windows Server 2025 (build 26100) or later and containerd 2.4.0+ with its runhcs shim (microsoft/hcsshim#2531)",
                    "remove runtimeClassName (the default process-isolation handler), or run the pod on Windows Server 2025+ nodes with containerd 2.4+",
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
                out.push(hyperv_finding(snapshot, &spec, rc));
            }
        }
    }
}

/// Windows Server 2025: the first build whose utility VM runs HostProcess containers.
const HYPERV_HPC_BUILD: u32 = 26100;
/// The first containerd shipping a runhcs shim with hypervisor-isolated HostProcess
/// (v2.4.0 ships runhcs v0.15.0-rc.4; hcsshim#2531 is in v0.15.0-rc.2 and later).
const HYPERV_HPC_CONTAINERD: Version = Version::new(2, 4, 0);

/// A node's (build, containerd) as the Hyper-V verdict reads them.
fn capable(build: Option<u32>, containerd: Option<Version>) -> Option<bool> {
    match (build, containerd) {
        (Some(b), _) if b < HYPERV_HPC_BUILD => Some(false),
        (_, Some(v)) if v < HYPERV_HPC_CONTAINERD => Some(false),
        (Some(_), Some(_)) => Some(true),
        _ => None,
    }
}

/// The finding for a HostProcess pod with a Hyper-V runtime handler: info where every node it
/// can meet runs Hyper-V-isolated HostProcess, a warning elsewhere or when nothing is known.
fn hyperv_finding(snapshot: &Snapshot, spec: &SpecRef<'_>, rc: &str) -> Finding {
    let nodes: Vec<&Node> = match spec_node(snapshot, spec) {
        Some(n) => vec![n],
        None if snapshot.source == Source::Cluster => {
            snapshot.windows_nodes().filter(|n| node_matches(spec.spec, n)).collect()
        }
        None => Vec::new(),
    };
    let verdicts: Vec<(String, Option<bool>)> = if nodes.is_empty() {
        let build = snapshot.context.windows_build.as_deref().and_then(|b| windows_build(b).or_else(|| b.parse().ok()));
        let containerd = snapshot.context.containerd_version.as_deref().and_then(Version::parse);
        if build.is_none() && containerd.is_none() {
            Vec::new()
        } else {
            vec![(describe("the target", build, containerd), capable(build, containerd))]
        }
    } else {
        nodes
            .iter()
            .map(|n| {
                let (b, c) = (node_windows_build(n), snapshot.containerd_of(n));
                (describe(&format!("node {}", node_name(n)), b, c), capable(b, c))
            })
            .collect()
    };
    let condition = "Hyper-V-isolated HostProcess containers need Windows Server 2025 (build 26100) or later and containerd 2.4.0 or later (the runhcs shim of hcsshim v0.15, microsoft/hcsshim#2531)";
    let vm = "the container is privileged inside the utility VM, not on the node: it sees the VM's files, services and network";
    if !verdicts.is_empty() && verdicts.iter().all(|(_, v)| *v == Some(true)) {
        let on: Vec<&str> = verdicts.iter().map(|(d, _)| d.as_str()).collect();
        return RULE
            .finding(
                spec,
                "runtimeClassName",
                format!("runtimeClassName {rc:?} runs this HostProcess pod in a Hyper-V utility VM, which {} supports; {vm}", on.join(", ")),
                "keep it only for workloads that need no access to the node itself; node agents (CNI, kube-proxy, log and metrics collectors) need the default process-isolation handler",
            )
            .with_severity(Severity::Info);
    }
    let failing: Vec<&str> = verdicts.iter().filter(|(_, v)| *v == Some(false)).map(|(d, _)| d.as_str()).collect();
    let message = if failing.is_empty() {
        format!("runtimeClassName {rc:?} looks like a Hyper-V isolated handler: {condition}; elsewhere the sandbox fails with `UVM does not support HostProcess containers`, and where it works {vm}")
    } else {
        format!("runtimeClassName {rc:?} looks like a Hyper-V isolated handler: {condition}, so on {} the sandbox fails with `UVM does not support HostProcess containers`", failing.join(", "))
    };
    RULE.finding(
        spec,
        "runtimeClassName",
        message,
        "remove runtimeClassName (the default process-isolation handler), or keep the pod on Windows Server 2025+ nodes with containerd 2.4+",
    )
    .with_severity(Severity::Warning)
}

fn describe(what: &str, build: Option<u32>, containerd: Option<Version>) -> String {
    let b = build.map(|b| format!("build {b}")).unwrap_or_else(|| "build unknown".into());
    let c = containerd.map(|c| format!("containerd {c}")).unwrap_or_else(|| "containerd unknown".into());
    format!("{what} ({b}, {c})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, node, pod_snapshot, rules_fired};

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
    fn hyperv_runtime_class_offline_warns_with_the_condition() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"runtimeClassName":"runhcs-wcow-hypervisor","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("Windows Server 2025 (build 26100)") && f[0].message.contains("containerd 2.4.0"));
        assert!(f[0].message.contains("hcsshim#2531"), "{}", f[0].message);
    }

    /// microsoft/hcsshim#2531: valid on WS2025 with a capable containerd, not on older nodes.
    #[test]
    fn hyperv_runtime_class_is_judged_against_the_nodes() {
        const HV: &str = r#"{"hostNetwork":true,"nodeName":"w1","runtimeClassName":"hyperv","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;
        let on = |runtime: &str, kernel: &str| {
            let mut s = cluster_pod(HV, "{}");
            s.nodes = vec![node("w1", "windows", runtime, "v1.36.3", kernel, "[]")];
            findings(&s, &RULE)
        };
        let f = on("containerd://2.4.0", "10.0.26100.2314");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info, "{f:#?}");
        assert!(f[0].message.contains("not on the node"), "{}", f[0].message);
        for (runtime, kernel) in [("containerd://2.4.0", "10.0.20348.2762"), ("containerd://2.3.1", "10.0.26100.2314")] {
            let f = on(runtime, kernel);
            assert_eq!(f[0].severity, Severity::Warning, "{runtime} {kernel}");
            assert!(f[0].message.contains("node w1"), "{}", f[0].message);
        }
        // Offline with the context of a capable node.
        let mut s = pod_snapshot(HV);
        s.context.windows_build = Some("10.0.26100".into());
        s.context.containerd_version = Some("2.4.1".into());
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Info);
        s.context.windows_build = Some("10.0.20348".into());
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Warning);
    }
}
