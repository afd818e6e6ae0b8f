//! HP027 node-log-errors.

use super::logs::{find, find_any};
use super::rule::Rule;
use super::signature::Signature;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::node_facts::NodeFacts;
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP027",
    name: "node-log-errors",
    severity: Severity::Warning,
    summary: "A node service's log (kubelet, containerd, kube-proxy, csi-proxy) shows a known failure (from a collect bundle)",
    doc: r#"## What it does
Reads the tails of the node's service logs in a `collect` bundle (`logs/kubelet.log`,
`logs/containerd.log`, `logs/kube-proxy.log`, `logs/csi-proxy.log`) and matches them against
known failure lines: this rule's own table (the lines the kubelet and containerd write when pod
networking cannot start) and then every rule's log signatures (the HNS errors of HP020, the
path and identity errors of HP014/HP016, …). The newest matching line of each log is reported on
`Node/<name>`, with the signature's cause and fix and the rule that owns it.

## Why is this bad?
When the sandbox of a pod cannot be created, the pod only shows a generic
`FailedCreatePodSandBox` event (often cut or rate-limited) and a HostProcess CNI pod may never
start to log anything; the cause is in containerd's or the kubelet's own log on the node, which
`kubectl logs` cannot read. These lines name the missing CNI configuration or binary, or the HNS
object that blocks the network.

## Example
```text
logs/containerd.log: … failed to setup network for sandbox "…": failed to find plugin "flannel" in path [C:\Program Files\containerd\cni\bin]
```

## Use instead
Follow the signature's fix: put the CNI plugins where containerd looks (`bin_dirs`, see HP024),
let the CNI DaemonSet write its configuration into `conf_dir`, remove stale HNS objects (HP020, HP025).

## References
- microsoft/windows-container-networking#70 ("no network config found in /etc/cni/net.d: cni plugin not initialized")
- rancher-sandbox/rancher-desktop#1644 (`failed to find plugin "flannel" in path [...]`)
- the log signatures of the other rules (`kubectl hostprocess explain HP020`, …)
"#,
    rank: 26,
    signatures: &[],
    admission: &[],
    check,
};

/// Lines the kubelet and containerd write on the node (not in container logs).
pub const NODE_SIGNATURES: &[Signature] = &[
    Signature {
        id: "cni-config-missing",
        all: &["cni plugin not initialized"],
        any: &[],
        cause: "containerd found no network configuration in its CNI conf_dir: the CNI (its DaemonSet or install script) has not written it there, or wrote it to another directory, so no pod sandbox can get a network and the node stays NotReady.",
        fix: "check containerd's `conf_dir` (containerd/config.toml in the bundle) against where the CNI writes its .conf/.conflist, and why the CNI pod on this node is not running",
        source: "https://github.com/microsoft/windows-container-networking/issues/70",
        example: "ctr: no network config found in /etc/cni/net.d: cni plugin not initialized",
        last_line: false,
        layout: false,
    },
    Signature {
        id: "cni-plugin-binary-missing",
        all: &["failed to find plugin", "in path"],
        any: &[],
        cause: "containerd cannot find the CNI plugin binary its network configuration names in the directories it searches (`bin_dir`/`bin_dirs`): pod sandboxes fail their network setup.",
        fix: "install the CNI binaries into containerd's CNI bin directory, or point `bin_dirs` (containerd 2.x) at where they are, then restart containerd",
        source: "https://github.com/rancher-sandbox/rancher-desktop/issues/1644",
        example: "rpc error: code = Unknown desc = failed to setup network for sandbox \"HASH\": failed to find plugin \"flannel\" in path [/usr/libexec/cni]",
        last_line: false,
        layout: false,
    },
];

/// The rule whose table holds `id` (HP027 for its own).
fn owner(id: &str) -> &'static str {
    if NODE_SIGNATURES.iter().any(|s| s.id == id) {
        return RULE.id;
    }
    super::all().iter().find(|r| r.signatures.iter().any(|s| s.id == id)).map(|r| r.id).unwrap_or(RULE.id)
}

/// The HP027 findings for one node's facts: one per service log that matches.
pub fn node_findings(node: &str, facts: &NodeFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    for (service, lines) in &facts.logs {
        // The specific lines of other rules (HP024's default CNI directory) before this table's
        // generic ones.
        let Some(hit) = find(super::signatures::hp024::SIGNATURES, lines)
            .or_else(|| find(NODE_SIGNATURES, lines))
            .or_else(|| find_any(&[], lines))
        else {
            continue;
        };
        let owner = owner(hit.signature.id);
        let see = if owner == RULE.id { String::new() } else { format!(" (see {owner})") };
        out.push(
            RULE.bare(
                Some(ObjectRef::new("Node", None, node)),
                format!("the {service} log on node {node} shows: {}{see}", hit.signature.cause),
                hit.signature.fix,
            )
            .with_node(node)
            .with_evidence(format!("{} [{}]: {}", facts.item(&format!("logs/{service}.log")), hit.signature.id, hit.line)),
        );
    }
    out
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for (node, facts) in &snapshot.node_facts {
        out.extend(node_findings(node, facts));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(service: &str, lines: &[&str]) -> NodeFacts {
        let mut f = NodeFacts { dir: "_hostprocess/nodes/w1".into(), ..Default::default() };
        f.logs.insert(service.into(), lines.iter().map(|l| l.to_string()).collect());
        f
    }

    #[test]
    fn every_node_signature_matches_its_real_line() {
        for sig in NODE_SIGNATURES {
            assert!(sig.source.starts_with("https://"));
            let lines: Vec<String> = sig.example.lines().map(str::to_string).collect();
            assert_eq!(find(NODE_SIGNATURES, &lines).map(|h| h.signature.id), Some(sig.id));
        }
    }

    #[test]
    fn node_logs_match_this_table_then_every_rules_signatures() {
        let f = facts(
            "containerd",
            &[
                "time=\"2026-12-01T05:58:00Z\" level=info msg=\"RunPodSandbox\"",
                r#"time="2026-12-01T05:58:02Z" level=error msg="RunPodSandbox failed" error="failed to setup network for sandbox \"4f1c\": plugin type=\"flannel\" failed (add): failed to find plugin \"flannel\" in path [C:\\Program Files\\containerd\\cni\\bin]""#,
            ],
        );
        let out = node_findings("w1", &f);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.starts_with("the containerd log on node w1 shows: containerd looked for the CNI plugin only in its built-in Windows default"), "{}", out[0].message);
        assert!(out[0].message.ends_with("(see HP024)"), "{}", out[0].message);
        assert!(out[0].evidence[0].starts_with("_hostprocess/nodes/w1/logs/containerd.log [cni-default-bin-dir]: "));
        // Another directory: the generic signature of this table.
        let f = facts("containerd", &[r#"failed to setup network for sandbox "4f1c": failed to find plugin "flannel" in path [C:\opt\cni\bin]"#]);
        let out = node_findings("w1", &f);
        assert!(out[0].evidence[0].contains("[cni-plugin-binary-missing]"), "{:?}", out[0].evidence);
        // HP020's HNS signature, found in the kubelet's log.
        let f = facts(
            "kubelet",
            &["E0716 13:54:33.083784    2472 main.go:291] Error registering network: failed to create HNSNetwork cbr0: hnsCall failed in Win32: A network with this name already exists. (0x803b0010)"],
        );
        let out = node_findings("w1", &f);
        assert_eq!(out.len(), 1, "{out:#?}");
        assert!(out[0].message.ends_with("(see HP020)"), "{}", out[0].message);
        assert!(node_findings("w1", &facts("kubelet", &["I1201 started"])).is_empty());
    }
}
