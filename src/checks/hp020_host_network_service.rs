//! HP020 host-network-service: the node's HNS/CNI state, named by a log line or a sandbox event.

use std::collections::HashMap;

use super::containers::is_host_process;
use super::evidence::{ObservationKind, observations};
use super::logs::{failing_containers, find_any};
use super::signature::Signature;
use super::nodes::spec_node;
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, SpecRef, node_name, node_os};

pub static RULE: Rule = Rule {
    id: "HP020",
    name: "host-network-service",
    severity: Severity::Error,
    summary: "The node's Host Network Service (HNS) or CNI state keeps networking pods, and the pods that need them, from starting",
    doc: r#"## What it does
Live and from support bundles. Reads the logs of failing HostProcess containers (flannel, Calico,
Antrea, kube-proxy …) for the errors the Windows Host Network Service returns, and names the cause:
a network or endpoint that already exists, a network definition HNS rejects, a network that is
not there yet, an adapter that cannot be chosen. It also reports ordinary pods on a Windows node
whose sandbox cannot get a network (`FailedCreatePodSandBox` with a CNI or HNS error) and points
at that node's HostProcess networking pods, with both sides as evidence: on Windows the CNI and
kube-proxy run as HostProcess pods, and when they fail every other pod on the node waits.

## Why is this bad?
HNS keeps its networks and endpoints across container restarts and reboots: a CNI pod that
crashed half-way leaves state that makes every later attempt fail the same way
(`hnsCall failed in Win32: The object already exists. (0x1392)`), and a leftover
`0-containerd-nat.json` makes containerd pick the wrong plugin. Win32 texts are localized; the
hex codes (`0x1392`, `0x57`, `0x803b0010`) are not.

## Example
```text
E0716 13:54:33.083784 2472 main.go:291] Error registering network: failed to create HNSNetwork cbr0: hnsCall failed in Win32: A network with this name already exists. (0x803b0010)
```

## Use instead
Repair the node's HNS state (see each signature's fix), then delete the CNI pod so it starts
again; `kubectl hostprocess exec NODE --powershell 'Get-HnsNetwork | Select Name, Type'` shows
what HNS holds.

## References
- the sources listed with each log signature below
"#,
    rank: 45,
    signatures: SIGNATURES,
    admission: &[],
    check,
};

pub const SIGNATURES: &[Signature] = &[
    Signature {
        id: "hcn-network-invalid",
        all: &["hcncreatenetwork failed in win32", "(0x57)"],
        any: &[],
        cause: "HNS rejects the network the CNI asks for (The parameter is incorrect): usually the uplink adapter is wrong (a virtual adapter, or a NIC already bound to another vSwitch), or the VXLAN/VNI settings are not supported by this Windows build.",
        fix: "point the CNI at the physical adapter (flannel --iface=<node IP>), remove stale HNS networks (Get-HnsNetwork | Remove-HnsNetwork) and patch the OS",
        source: "https://github.com/flannel-io/flannel/issues/1966",
        example: "failed to create HostComputeNetwork flannel.4096: hcnCreateNetwork failed in Win32: The parameter is incorrect. (0x57)",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "hcn-network-exists",
        all: &["hcncreatenetwork failed in win32", "(0x1392)"],
        any: &[],
        cause: "the network already exists in HNS; with plugin type \"nat\" in the message, containerd used the leftover C:\\Program Files\\containerd\\cni\\conf\\0-containerd-nat.json instead of the CNI that the HostProcess pod wrote.",
        fix: "delete 0-containerd-nat.json from containerd's CNI conf directory (and stale HNS networks), then restart containerd",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/245",
        example: "failed to setup network for sandbox \"7b785a7675d0\": plugin type=\"nat\" name=\"nat\" failed (add): hcnCreateNetwork failed in Win32: The object already exists. (0x1392) {\"Success\":false,\"Error\":\"The object already exists. \",\"ErrorCode\":2147947410}",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "hns-endpoint-exists",
        all: &["hnscall failed in win32", "(0x1392)"],
        any: &[],
        cause: "a stale HNS endpoint with the same name survived a failed teardown (common after kubelet or CNI restarts), so the new one cannot be created.",
        fix: "remove the stale endpoint (Get-HnsEndpoint | ? Name -like '<sandbox id>*' | Remove-HnsEndpoint) or restart the hns service",
        source: "https://github.com/kubernetes/kubernetes/issues/74766",
        example: "failed to create the new HNSEndpoint: hnsCall failed in Win32: The object already exists. (0x1392)",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "hns-network-name-exists",
        all: &[],
        any: &["(0x803b0010)", "a network with this name already exists"],
        cause: "HNS still holds a network of that name that Get-HnsNetwork does not list: its state is half-deleted after a crash or a reboot.",
        fix: "Restart-Service hns; if that is not enough, stop HNS, remove C:\\ProgramData\\Microsoft\\Windows\\HNS\\HNS.data and reboot the node",
        source: "https://github.com/microsoft/hcsshim/issues/850",
        example: "E0716 13:54:33.083784    2472 main.go:291] Error registering network: failed to create HNSNetwork cbr0: hnsCall failed in Win32: A network with this name already exists. (0x803b0010)",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "hns-call-invalid-parameter",
        all: &["hnscall failed in win32", "(0x57)"],
        any: &[],
        cause: "HNS rejects the CNI's request (The parameter is incorrect): the agent picked a virtual adapter as its uplink because another CNI's L2Bridge networks exist, or the Windows build lacks the HNS fix it needs.",
        fix: "remove the other CNI's HNS networks and install the latest cumulative update on the node",
        source: "https://github.com/antrea-io/antrea/issues/2213",
        example: "F0329 23:35:27.090421    3936 main.go:58] Error running agent: error initializing agent: failed during hnsCallRawResponse: hnsCall failed in Win32: The parameter is incorrect. (0x57)",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "hns-network-not-found",
        all: &["unable to find hns network"],
        any: &[],
        cause: "kube-proxy looks for the HNS network named by KUBE_NETWORK (or its config) and the CNI has not created it, or names it differently.",
        fix: "fix the CNI pod on this node first; then check that KUBE_NETWORK matches a network of Get-HnsNetwork (e.g. cbr0 for flannel host-gw, vxlan0 for overlay, Calico for Calico)",
        source: "https://github.com/kubernetes/kubernetes/pull/78612",
        example: "E0628 16:57:08.673912    1180 proxier.go:564] Unable to find HNS Network specified by cbr0. Please check network name and CNI deployment",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "ip-forward-entry-exists",
        all: &["could not create ip forward entry", "the object already exists"],
        any: &[],
        cause: "after a restart the CNI re-adds a route that is still in the host's table, and only a reboot used to clear it.",
        fix: "delete the stale route (route delete <pod CIDR>) or reboot the node; upgrade the CNI",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/344",
        example: "FATA[2023-08-31T09:03:28-12:00] rpc error: code = Internal desc = could not create IP forward entry: The object already exists.",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "no-valid-interface",
        all: &["failed to find any valid interface to use"],
        any: &[],
        cause: "flannel cannot choose its interface: the host has several default routes (often a vEthernet adapter a previous run left behind).",
        fix: "set --iface=<node IP> in the flannel DaemonSet, remove the extra default route, or reboot",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/344",
        example: "E0831 09:03:33.330098   10044 main.go:204] Failed to find any valid interface to use: failed to get default interface: json: cannot unmarshal array into Go value of type struct { IfIndex int \"json:\\\"ifIndex\\\"\" }",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "waiting-for-hns-network",
        all: &["waiting for hns network"],
        any: &[],
        cause: "the start script waits for an HNS network that the CNI has not created: Calico creates it only when the first ordinary pod lands on the node, and a wrong network name waits forever.",
        fix: "schedule an ordinary Windows pod on the node, check the CNI pod's log, and compare the network name with Get-HnsNetwork",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/377",
        example: "Waiting for HNS network Calico to be created...",
        layout: false,
        last_line: true,
    },
];

/// Texts of a sandbox event that say the pod's network could not be set up.
const NETWORK: &[&str] =
    &["failed to setup network for sandbox", "NetworkPlugin cni failed", "hnsCall failed", "hcnCreate"];

/// Words in a HostProcess pod's name or image that make it one of the node's networking pods.
const NETWORKING: &[&str] = &["flannel", "calico", "antrea", "cilium", "kube-proxy", "cni", "hns"];

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    if snapshot.source != Source::Cluster {
        return;
    }
    // The networking pods of each node, found once however many pods on it fail.
    let mut helpers: HashMap<String, Vec<(String, bool)>> = HashMap::new();
    for spec in snapshot.specs() {
        let Some(node) = spec_node(snapshot, &spec) else { continue };
        if spec.pod.is_none() || is_host_process(spec.spec) || node_os(node) != "windows" {
            continue;
        }
        let obs = observations(snapshot, &spec);
        let Some(event) = obs
            .iter()
            .rev()
            .find(|o| o.kind == ObservationKind::Event && o.reason == "FailedCreatePodSandBox" && o.mentions(NETWORK))
        else {
            continue;
        };
        let node = node_name(node);
        let helpers = helpers.entry(node.to_string()).or_insert_with(|| networking_pods(snapshot, node));
        out.push(sandbox_finding(&spec, node, &event.line(), helpers));
    }
}

/// An ordinary pod whose sandbox gets no network, pointed at the node's networking pods.
/// `helpers`: the node's HostProcess networking pods, with whether each is failing.
fn sandbox_finding(spec: &SpecRef<'_>, node: &str, event: &str, helpers: &[(String, bool)]) -> Finding {
    // The CNI's own failure may be another rule's signature (e.g. its API access, HP021).
    let lines = [event.to_string()];
    let hit = find_any(SIGNATURES, &lines);
    let cause = hit.as_ref().map(|h| h.signature.cause).unwrap_or(
        "the CNI plugin fails to set up the pod's network, and on Windows the CNI and kube-proxy run as HostProcess pods on the node.",
    );
    let failing: Vec<&(String, bool)> = helpers.iter().filter(|(_, f)| *f).collect();
    let who = match (failing.is_empty(), helpers.is_empty()) {
        (false, _) => format!(
            " The node's HostProcess networking pods {} are failing: fix them first.",
            failing.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ),
        (true, false) => format!(
            " The node's HostProcess networking pods ({}) are running: look at the HNS state they left.",
            helpers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ),
        (true, true) => " No HostProcess networking pod (CNI, kube-proxy) runs on this node.".to_string(),
    };
    let pod = format!("{}/{}", spec.namespace().unwrap_or("default"), spec.object.name);
    let message = format!("the sandbox of pod {pod} on Windows node {node} gets no network: {cause}{who}");
    let fix = match &hit {
        Some(h) => format!("{}; then `kubectl hostprocess doctor node/{node}`", h.signature.fix),
        None => format!("run `kubectl hostprocess doctor node/{node}` and repair the node's CNI pod first"),
    };
    let mut f = RULE.finding(spec, "", message, fix);
    f.node = Some(node.to_string());
    f.evidence.push(match &hit {
        Some(h) => format!("{event} [{}]", h.signature.id),
        None => event.to_string(),
    });
    for (name, _) in failing {
        f.evidence.push(format!("{name}: failing HostProcess networking pod on {node}"));
    }
    f
}

/// A HostProcess pod that is one of its node's networking pods (CNI, kube-proxy) by its name or
/// an image. This rule names them whatever their state.
fn is_networking_pod(p: &k8s_openapi::api::core::v1::Pod) -> bool {
    let Some(spec) = p.spec.as_ref().filter(|s| is_host_process(s)) else { return false };
    let name = p.metadata.name.as_deref().unwrap_or("");
    let mut images = spec.containers.iter().filter_map(|c| c.image.as_deref());
    NETWORKING.iter().any(|w| name.contains(w)) || images.any(|i| NETWORKING.iter().any(|w| i.contains(w)))
}

/// What this rule reads of a networking pod: its node, `namespace/name` and whether it is
/// failing. `None` for any other pod, or one not bound to a node. doctor, checking pods page by
/// page, keeps these in [`Snapshot::networking_pods`] instead of the pods (see `load::paged`).
pub fn networking_digest(p: &k8s_openapi::api::core::v1::Pod) -> Option<(String, (String, bool))> {
    let node = p.spec.as_ref()?.node_name.as_deref()?;
    if !is_networking_pod(p) {
        return None;
    }
    let name =
        format!("{}/{}", p.metadata.namespace.as_deref().unwrap_or("default"), p.metadata.name.as_deref().unwrap_or(""));
    Some((node.to_string(), (name, !failing_containers(p).is_empty())))
}

/// The HostProcess networking pods on a node, with whether each is failing, sorted.
fn networking_pods(snapshot: &Snapshot, node: &str) -> Vec<(String, bool)> {
    if let Some(digest) = &snapshot.networking_pods {
        return digest.get(node).cloned().unwrap_or_default();
    }
    let mut out: Vec<(String, bool)> = snapshot
        .pods
        .iter()
        .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.as_deref() == Some(node)))
        .filter_map(|p| networking_digest(p).map(|(_, pod)| pod))
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{event, findings, node};

    fn pod(name: &str, spec: serde_json::Value, status: serde_json::Value) -> k8s_openapi::api::core::v1::Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns"}, "spec": spec, "status": status
        }))
        .unwrap()
    }

    #[test]
    fn an_ordinary_pod_without_network_points_at_the_failing_cni_pod() {
        let flannel = pod(
            "kube-flannel-ds-windows-x",
            serde_json::json!({"nodeName": "w1", "hostNetwork": true,
                "securityContext": {"windowsOptions": {"hostProcess": true}},
                "containers": [{"name": "kube-flannel", "image": "sigwindowstools/flannel:v0.21.5-hostprocess"}]}),
            serde_json::json!({"containerStatuses": [{"name": "kube-flannel", "image": "x", "imageID": "", "ready": false,
                "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}),
        );
        let app = pod(
            "web",
            serde_json::json!({"nodeName": "w1", "containers": [{"name": "web"}]}),
            serde_json::json!({"phase": "Pending"}),
        );
        let mut s = Snapshot { source: Source::Cluster, pods: vec![flannel, app], ..Default::default() };
        s.nodes.push(node("w1", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.1", "[]"));
        s.events.push(event(
            "Pod",
            "web",
            "FailedCreatePodSandBox",
            "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"7b78\": plugin type=\"nat\" name=\"nat\" failed (add): hcnCreateNetwork failed in Win32: The object already exists. (0x1392)",
            None,
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].object.as_ref().map(|o| o.name.as_str()), Some("web"));
        assert!(f[0].message.contains("0-containerd-nat.json"), "{}", f[0].message);
        assert!(f[0].message.contains("pods ns/kube-flannel-ds-windows-x are failing"), "{}", f[0].message);
        assert!(f[0].evidence[0].ends_with("[hcn-network-exists]"), "{:?}", f[0].evidence);
        assert_eq!(f[0].evidence.len(), 2);
        assert_eq!(f[0].node.as_deref(), Some("w1"));
    }

    #[test]
    fn linux_nodes_and_other_sandbox_errors_are_not_this_rule() {
        let app =
            pod("web", serde_json::json!({"nodeName": "l1", "containers": [{"name": "web"}]}), serde_json::json!({}));
        let mut s = Snapshot { source: Source::Cluster, pods: vec![app], ..Default::default() };
        s.nodes.push(node("l1", "linux", "containerd://1.7.20", "v1.33.1", "6.1", "[]"));
        s.events.push(event(
            "Pod",
            "web",
            "FailedCreatePodSandBox",
            "failed to setup network for sandbox \"x\": cni",
            None,
        ));
        assert!(findings(&s, &RULE).is_empty());
        s.nodes[0] = node("l1", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.1", "[]");
        s.events[0].message = Some("failed to get sandbox image \"pause\": not found".into());
        assert!(findings(&s, &RULE).is_empty());
    }
}
