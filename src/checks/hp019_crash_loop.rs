//! HP019 crash-loop.

use k8s_openapi::api::core::v1::ContainerStateTerminated;

use super::containers::{container_path, host_process_specs};
use super::evidence::{Observation, ObservationKind, evidence_lines, observations};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, UNKNOWN_EXIT};

pub static RULE: Rule = Rule {
    id: "HP019",
    name: "crash-loop",
    severity: Severity::Warning,
    summary: "A HostProcess container started but keeps exiting (CrashLoopBackOff / non-zero exit)",
    doc: r#"## What it does
Live only. Reports HostProcess containers that **ran** and then failed: `CrashLoopBackOff`, a
restart count above zero with a non-zero last exit code, or a terminated state with a non-zero
exit code. The finding quotes the last exit code and reason. It also reports (as an error) a pod
whose sandbox cannot be created (`FailedCreatePodSandBox`) for a reason no other rule owns — on a
HostProcess pod a CNI failure means the sandbox was not created as HostProcess. Containers that never started
(`StartError`, `RunContainerError`, image pull errors) are left to the rules that explain them
(HP006, HP013, HP016, HP017 …).

This is the fallback root cause: doctor ranks it after every rule that names a specific reason.

## Why is this bad?
Reaching `Running` once means admission, scheduling, the sandbox and the logon all worked; what
fails now is the workload on the host. Usual suspects for HostProcess containers: paths that
resolve on the host instead of the image (HP016), volume paths that differ between containerd 1.6
and 1.7, including client-go's in-cluster config (HP014), unsubstituted template values (HP017),
CNI/HNS state (`hcnCreateNetwork failed in Win32: ...`) and missing host prerequisites (firewall
rules, services). Node-level counters: kubelet metrics
`started_host_process_containers_total` / `started_host_process_containers_errors_total`.

## Example
```text
kube-proxy-windows-7xk2p   0/1   CrashLoopBackOff   6 (2m ago)   9m
  Last State:  Terminated  Reason: Error  Exit Code: 1
```

## Use instead
```text
kubectl logs -n kube-system kube-proxy-windows-7xk2p --previous
```
then fix what the log shows.

## References
- KEP-1981 (metrics, troubleshooting); kubernetes.io "Troubleshooting HostProcess containers"
"#,
    rank: 60,
    signatures: super::signatures::hp019::SIGNATURES,
    admission: &[],
    check,
};

const NEVER_STARTED: &[&str] = &[
    "RunContainerError",
    "CreateContainerError",
    "CreateContainerConfigError",
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "StartError",
];

fn failed_run(t: &ContainerStateTerminated) -> bool {
    t.exit_code != 0 && !NEVER_STARTED.contains(&t.reason.as_deref().unwrap_or(""))
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    if snapshot.source != Source::Cluster {
        return;
    }
    for spec in host_process_specs(snapshot) {
        let Some(status) = spec.pod.and_then(|p| p.status.as_ref()) else { continue };
        let obs = observations(snapshot, &spec);
        let lists = [&status.init_container_statuses, &status.container_statuses, &status.ephemeral_container_statuses];
        for cs in lists.into_iter().flatten().flatten() {
            let waiting = cs.state.as_ref().and_then(|s| s.waiting.as_ref());
            let waiting_reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
            if NEVER_STARTED.contains(&waiting_reason) {
                continue;
            }
            let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            let now = cs.state.as_ref().and_then(|s| s.terminated.as_ref());
            let last_never_started = last.is_some_and(|t| NEVER_STARTED.contains(&t.reason.as_deref().unwrap_or("")));
            let looping = waiting_reason == "CrashLoopBackOff" && !last_never_started;
            let restarted = cs.restart_count > 0 && last.is_some_and(failed_run);
            let dead = now.is_some_and(failed_run);
            if !(looping || restarted || dead) {
                continue;
            }
            let t = now.filter(|t| failed_run(t)).or(last);
            let code = t.map(|t| t.exit_code).filter(|c| *c != UNKNOWN_EXIT).map(|c| c.to_string());
            let code = code.unwrap_or_else(|| "unknown".into());
            let reason = t.and_then(|t| t.reason.as_deref()).unwrap_or("unknown");
            let state = if looping {
                "is in CrashLoopBackOff"
            } else if dead {
                "exited"
            } else {
                "keeps restarting"
            };
            let ns = spec.namespace().unwrap_or("default");
            let mut f = RULE
                .finding(
                    &spec,
                    &container_path(spec.spec, &cs.name).unwrap_or_default(),
                    format!(
                        "HostProcess container {:?} started but {state} (restarts {}, last exit code {code}, reason {reason}); admission, scheduling, sandbox and logon work, so the cause is in the workload or its host environment",
                        cs.name, cs.restart_count
                    ),
                    format!(
                        "read `kubectl logs -n {ns} {} -c {} --previous`; check host-resolved paths (HP016), volume paths on containerd 1.6 vs 1.7 (HP014), template placeholders (HP017) and CNI/HNS state",
                        spec.object.name, cs.name
                    ),
                )
                .with_container(cs.name.as_str());
            let mine: Vec<_> = obs
                .iter()
                .filter(|o| o.container == Some(cs.name.as_str()))
                .filter(|o| match o.kind {
                    ObservationKind::Waiting => o.reason == "CrashLoopBackOff",
                    ObservationKind::Terminated | ObservationKind::LastTerminated => {
                        o.exit_code.is_none_or(|c| c != 0)
                    }
                    ObservationKind::Event => o.reason == "BackOff",
                    ObservationKind::Condition => false,
                })
                .cloned()
                .collect();
            f.evidence = evidence_lines(&mine, 3);
            out.push(f);
        }
        sandbox_failure(&spec, &obs, out);
    }
}

/// Sandbox texts that other rules own (HP001, HP002, HP013).
const SANDBOX_OWNED: &[&str] = &[
    "hostNetwork is required",
    "must not contain both HostProcess",
    "UVM does not support HostProcess",
    "must have the HostProcess field set",
];

/// A pod stuck in ContainerCreating because its sandbox cannot be created (decision tree step 6:
/// a sandbox error without HostProcess text is CNI/HNS triage).
fn sandbox_failure(spec: &crate::snapshot::SpecRef<'_>, obs: &[Observation<'_>], out: &mut Vec<Finding>) {
    let sandbox: Vec<_> = obs
        .iter()
        .filter(|o| o.kind == ObservationKind::Event && o.reason == "FailedCreatePodSandBox")
        .filter(|o| !SANDBOX_OWNED.iter().any(|t| o.message.contains(t)))
        .cloned()
        .collect();
    let Some(last) = sandbox.last() else { return };
    let network = last.message.contains("failed to setup network for sandbox");
    let message = if network {
        "the pod sandbox cannot be created: network setup (CNI) fails. HostProcess sandboxes skip CNI, so this sandbox was not created as HostProcess, or the node's CNI/HNS state is broken"
    } else {
        "the pod sandbox cannot be created (FailedCreatePodSandBox), so no container of this HostProcess pod can start"
    };
    let fix = if network {
        "check that the node runs containerd 1.6+ (HP010) and that hostProcess: true is set at pod level (HP002); otherwise repair the CNI/HNS state on the node (e.g. restart the CNI DaemonSet pod there)"
    } else {
        "read the event text; check the node's containerd and hcsshim (HP010, HP013) and the pause/sandbox image"
    };
    let mut f = RULE.finding(spec, "", message, fix).with_severity(Severity::Error);
    f.evidence = evidence_lines(&sandbox, 2);
    // The node's HNS/CNI state named by a known line (HP020's signatures and others).
    let lines = [last.message.to_string()];
    if let Some(hit) = super::logs::find_any(&[], &lines) {
        f.message.push_str(&format!("; the error itself: {}", hit.signature.cause));
        if let Some(l) = f.evidence.last_mut() {
            l.push_str(&format!(" [{}]", hit.signature.id));
        }
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings, pod_snapshot, rules_fired};

    const HP: &str =
        r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;

    #[test]
    fn sandbox_network_failure_is_reported() {
        let mut s = cluster_pod(HP, r#"{"phase":"Pending"}"#);
        s.events.push(
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "e1", "namespace": "ns"},
                "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"},
                "reason": "FailedCreatePodSandBox", "type": "Warning",
                "message": "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"x\": plugin type=\"flannel\" failed (add)"
            }))
            .map(|e: k8s_openapi::api::core::v1::Event| e.into())
            .unwrap(),
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("skip CNI"));
        assert!(f[0].evidence[0].starts_with("FailedCreatePodSandBox: Failed to create pod sandbox"));
        // A sandbox text another rule owns is left to it.
        s.events[0].message =
            Some("Failed to create pod sandbox: hostNetwork is required if Pod contains HostProcess containers".into());
        assert!(findings(&s, &RULE).is_empty());
    }

    #[test]
    fn crash_loop_reports_exit_code() {
        let s = cluster_pod(
            HP,
            r#"{"phase":"Running","containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":6,
                "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container=a pod=p_ns(u1)"}},
                "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("last exit code 1, reason Error"));
        assert_eq!(
            f[0].evidence,
            vec!["CrashLoopBackOff: back-off 5m0s restarting failed container=a pod=p_ns(u1)", "Error: exit code 1"]
        );
    }

    #[test]
    fn quiet_when_never_started_or_healthy() {
        let s = cluster_pod(
            HP,
            r#"{"containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":3,
                "state":{"waiting":{"reason":"CrashLoopBackOff"}},
                "lastState":{"terminated":{"exitCode":128,"reason":"StartError","message":"failed to find executable"}}}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
        let s = cluster_pod(
            HP,
            r#"{"containerStatuses":[{"name":"a","image":"x","imageID":"","ready":true,"restartCount":0,"state":{"running":{}}}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
        assert!(rules_fired(&pod_snapshot(HP), &RULE).is_empty());
    }
}
