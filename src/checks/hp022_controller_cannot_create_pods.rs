//! HP022 controller-cannot-create-pods: a HostProcess workload's controller reports
//! `FailedCreate` for a reason other than Pod Security (HP007 owns that one).

use super::containers::host_process_specs;
use super::evidence::{ObservationKind, observations, with_evidence};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source};

pub static RULE: Rule = Rule {
    id: "HP022",
    name: "controller-cannot-create-pods",
    severity: Severity::Error,
    summary: "The controller of a HostProcess workload cannot create its pods (FailedCreate), whatever the reason",
    doc: r#"## What it does
Live and from dumps. Reports a HostProcess DaemonSet, ReplicaSet, StatefulSet or Job whose
controller records `FailedCreate` events, and names the reason the API server gave: a missing
ServiceAccount, an exhausted ResourceQuota or LimitRange, an admission webhook that denies or
cannot be reached, or any other rejection (quoted). A Pod Security rejection is HP007's.

## Why is this bad?
Until the controller can create a pod nothing else happens: no pod, no scheduling, no logs.
`kubectl get ds` shows `DESIRED 3, CURRENT 0` and nothing says why unless you read the
workload's events, which expire (by default after an hour).

## Example
```text
Warning  FailedCreate  daemonset-controller  Error creating: pods "csi-azurefile-node-win-" is forbidden: error looking up service account kube-system/csi-azurefile-node-sa: serviceaccount "csi-azurefile-node-sa" not found
```

## Use instead
Create what the message names (the ServiceAccount, more quota), or fix the webhook; the
controller retries by itself.

## References
- kubernetes.io "Debug Running Pods", "Resource Quotas", "Dynamic Admission Control"
"#,
    rank: 6,
    signatures: &[],
    admission: &[],
    check,
};

/// Texts of a Pod Security rejection (HP007's).
const POD_SECURITY: &[&str] = &["violates PodSecurity", "hostProcess containers are disallowed by cluster policy"];

/// The reason in a FailedCreate message, as a cause and a fix.
fn explain(message: &str) -> (String, &'static str) {
    if let Some(i) = message.find("serviceaccount \"") {
        let name: String = message[i + 16..].chars().take_while(|c| *c != '"').collect();
        return (
            format!("the ServiceAccount {name:?} it names does not exist"),
            "create the ServiceAccount (it usually ships with the workload's manifests or chart), or fix serviceAccountName",
        );
    }
    if message.contains("exceeded quota") || message.contains("must specify limits") || message.contains("must specify requests") {
        return (
            "a ResourceQuota (or LimitRange) of the namespace refuses the pod".to_string(),
            "raise the namespace's quota, or give the containers the requests and limits the quota requires",
        );
    }
    if message.contains("admission webhook") || message.contains("failed calling webhook") {
        return (
            "an admission webhook denies the pod or cannot be reached".to_string(),
            "read the webhook's message; fix the policy, or the webhook's Service if it is unreachable (its failurePolicy decides)",
        );
    }
    ("the API server rejects the pod".to_string(), "read the quoted message and fix what it names; the controller retries by itself")
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    if snapshot.source != Source::Cluster {
        return;
    }
    for spec in host_process_specs(snapshot) {
        if spec.workload.is_none() {
            continue;
        }
        let obs = observations(snapshot, &spec);
        let failed: Vec<_> = obs
            .iter()
            .filter(|o| o.kind == ObservationKind::Event && o.reason == "FailedCreate" && !o.mentions(POD_SECURITY))
            .cloned()
            .collect();
        let Some(last) = failed.last() else { continue };
        let (cause, fix) = explain(last.message);
        let message = format!("the controller cannot create the pods of this HostProcess workload: {cause}");
        out.push(with_evidence(RULE.finding(&spec, "", message, fix), &failed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{event, findings, workload};

    const HP: &str = r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;

    fn snapshot(message: &str) -> Snapshot {
        let mut s = Snapshot { source: Source::Cluster, ..Default::default() };
        s.workloads.push(workload("DaemonSet", "agent", HP, Some(3)));
        s.events.push(event("DaemonSet", "agent", "FailedCreate", message, None));
        s
    }

    #[test]
    fn the_controllers_reason_whatever_it_is() {
        let cases = [
            ("Error creating: pods \"agent-\" is forbidden: error looking up service account ns/agent-sa: serviceaccount \"agent-sa\" not found", "ServiceAccount \"agent-sa\""),
            ("Error creating: pods \"agent-x\" is forbidden: exceeded quota: compute, requested: cpu=1, used: cpu=4, limited: cpu=4", "ResourceQuota"),
            ("Error creating: admission webhook \"validate.kyverno.svc\" denied the request: hostProcess is not allowed", "admission webhook"),
            ("Error creating: pods \"agent-x\" is forbidden: node affinity is not allowed", "the API server rejects the pod"),
        ];
        for (message, cause) in cases {
            let f = findings(&snapshot(message), &RULE);
            assert_eq!(f.len(), 1, "{message}");
            assert_eq!(f[0].severity, Severity::Error);
            assert!(f[0].message.contains(cause), "{}", f[0].message);
            assert_eq!(f[0].evidence, vec![format!("FailedCreate: {message}")]);
        }
    }

    #[test]
    fn pod_security_is_left_to_hp007() {
        let s = snapshot("Error creating: pods \"agent-x\" is forbidden: violates PodSecurity \"baseline:latest\": hostProcess");
        assert!(findings(&s, &RULE).is_empty());
    }
}
