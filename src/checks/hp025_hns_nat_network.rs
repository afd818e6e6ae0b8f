//! HP025 hns-nat-network.

use super::rule::Rule;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::node_facts::NodeFacts;
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP025",
    name: "hns-nat-network",
    severity: Severity::Warning,
    summary: "A Windows node has an HNS `nat` network next to the cluster's network (from a collect bundle)",
    doc: r#"## What it does
Reads the HNS networks a Windows node reported in a `collect` bundle (`hns/networks.json`:
`Get-HnsNetwork | ConvertTo-Json`) and reports, on `Node/<name>`, a network of type `NAT` (or
named `nat`) when the node also has the cluster's network (`L2Bridge`, `Overlay`, `Transparent`,
`L2Tunnel`) or its CNI configuration is not the `nat` plugin's. The evidence lists every network
with its type, subnets and endpoint count, and the number of HNS endpoints.

## Why is this bad?
The `nat` network is what Docker, the Containers feature and containerd's sample `nat` CNI create
for stand-alone containers. Kubernetes CNIs on Windows (flannel, Calico, Azure CNI, antrea) create
their own `L2Bridge`/`Overlay` network instead. A `nat` network left on a node (an image built
with Docker, a test run, a reinstalled CNI) keeps its WinNAT prefix and vSwitch: HNS allows one
WinNAT prefix per host, creating the cluster network can fail with `HNS failed with error : The
object already exists`, and pods may be attached to the wrong network and be unreachable from
other nodes. Stale networks and endpoints survive restarts of kubelet and the CNI pods.

## Example
```text
Name  Type     Subnets            Endpoints
nat   NAT      172.28.128.0/20    4
cbr0  L2Bridge 10.244.1.0/24      12
```

## Use instead
Drain the node, remove the stale network (`Get-HnsNetwork | ? Name -eq nat | Remove-HnsNetwork`,
hns.psm1 / HostNetworkingService module), keep Docker from recreating it (`"bridge": "none"` in
daemon.json, or uninstall Docker), then restart the CNI and kube-proxy.

## References
- kubernetes-sigs/sig-windows-tools#103 (Windows pods unreachable; `Get-HNSNetwork` shows a `nat` network on the node)
- antrea-io/antrea#1581 (a `nat` network created with `New-HnsNetwork -Type NAT -Name nat` by
  PrepareNode.ps1 keeps the CNI from creating its own)
- docker/for-win#726 "Cannot change default NAT IP address / HNS failed with error: The object already exists"
- MicrosoftDocs/Virtualization-Documentation#1024 (Kubernetes FAQ: stale HNS objects), and
  "Set up a NAT network" (one WinNAT internal prefix per host)
"#,
    rank: 24,
    signatures: &[],
    admission: &[],
    check,
};

/// Network types the Kubernetes CNIs for Windows create.
const CLUSTER_TYPES: [&str; 4] = ["l2bridge", "overlay", "transparent", "l2tunnel"];

/// The HP025 finding for one node's facts.
pub fn node_finding(node: &str, facts: &NodeFacts) -> Option<Finding> {
    let networks = facts.hns_networks.as_ref()?;
    let is_nat = |kind: &str, name: &str| kind.eq_ignore_ascii_case("nat") || name.eq_ignore_ascii_case("nat");
    let nat = networks.iter().find(|n| is_nat(&n.kind, &n.name))?;
    let cluster = networks.iter().find(|n| CLUSTER_TYPES.contains(&n.kind.to_ascii_lowercase().as_str()));
    // A node whose CNI is the `nat` plugin itself (containerd's sample config) uses this network.
    let nat_cni = !facts.cni_files.is_empty() && facts.cni_files.iter().all(|f| f.to_ascii_lowercase().contains("nat"));
    if cluster.is_none() && (nat_cni || facts.cni_files.is_empty()) {
        return None;
    }
    let beside = match cluster {
        Some(c) => format!("beside the cluster network {} ({})", c.name, c.kind),
        None => format!("while its CNI configuration is {}", facts.cni_files.join(", ")),
    };
    let mut f = RULE
        .bare(
            Some(ObjectRef::new("Node", None, node)),
            format!(
                "node {node} has an HNS network `{}` of type {} {beside}: a leftover of Docker or stand-alone containers that holds the host's WinNAT prefix and can make the CNI's network creation fail or pods unreachable",
                nat.name, nat.kind
            ),
            "drain the node, remove the stale network (`Get-HnsNetwork | ? Name -eq nat | Remove-HnsNetwork`), keep Docker from recreating it, then restart the CNI pods and kube-proxy",
        )
        .with_node(node);
    for n in networks {
        let endpoints = n.endpoints.map(|e| format!(", {e} endpoints")).unwrap_or_default();
        let subnets = if n.subnets.is_empty() { String::new() } else { format!(", subnets {}", n.subnets.join(" ")) };
        f = f.with_evidence(format!("{}: {} (type {}{subnets}{endpoints})", facts.item("hns/networks.json"), n.name, n.kind));
    }
    if let Some(count) = facts.hns_endpoints {
        f = f.with_evidence(format!("{}: {count} endpoints", facts.item("hns/endpoints.json")));
    }
    Some(f)
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for (node, facts) in &snapshot.node_facts {
        out.extend(node_finding(node, facts));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node_items::parse_hns_networks;

    fn facts(networks: &str, cni: &[&str]) -> NodeFacts {
        NodeFacts {
            dir: "_hostprocess/nodes/w1".into(),
            hns_networks: Some(parse_hns_networks(networks).unwrap()),
            hns_endpoints: Some(16),
            cni_files: cni.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    const NAT: &str = r#"{"Name":"nat","Type":"NAT","CurrentEndpointCount":4,"Subnets":[{"AddressPrefix":"172.28.128.0/20"}]}"#;
    const CBR0: &str = r#"{"Name":"cbr0","Type":"L2Bridge","CurrentEndpointCount":12,"Subnets":[{"AddressPrefix":"10.244.1.0/24"}]}"#;

    #[test]
    fn nat_beside_a_cluster_network_fires_with_every_network_as_evidence() {
        let f = node_finding("w1", &facts(&format!("[{NAT},{CBR0}]"), &["10-flannel.conf"])).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.contains("`nat` of type NAT beside the cluster network cbr0 (L2Bridge)"), "{}", f.message);
        assert_eq!(
            f.evidence,
            [
                "_hostprocess/nodes/w1/hns/networks.json: nat (type NAT, subnets 172.28.128.0/20, 4 endpoints)",
                "_hostprocess/nodes/w1/hns/networks.json: cbr0 (type L2Bridge, subnets 10.244.1.0/24, 12 endpoints)",
                "_hostprocess/nodes/w1/hns/endpoints.json: 16 endpoints",
            ]
        );
        // No cluster network yet, but a CNI that is not nat: still a leftover.
        assert!(node_finding("w1", &facts(NAT, &["10-calico.conflist"])).is_some());
    }

    #[test]
    fn quiet_without_nat_or_when_nat_is_the_cni() {
        assert!(node_finding("w1", &facts(CBR0, &["10-flannel.conf"])).is_none());
        assert!(node_finding("w1", &facts(NAT, &["0-containerd-nat.json"])).is_none());
        assert!(node_finding("w1", &facts(NAT, &[])).is_none());
        assert!(node_finding("w1", &NodeFacts::default()).is_none());
    }
}
