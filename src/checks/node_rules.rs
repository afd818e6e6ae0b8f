//! The node rules composed: everything HP010, HP011 and HP012 find wrong with one node.

use k8s_openapi::api::core::v1::Node;

use super::{hp010_container_runtime, hp011_kubernetes_version, hp012_windows_build};
use crate::finding::Finding;
use crate::node_facts::NodeFacts;
use crate::snapshot::node_os;

/// Everything wrong with one node for HostProcess pods (HP010 runtime, HP011 Kubernetes version,
/// HP012 Windows build). Empty for nodes that are not Windows nodes. `server_version` is the API
/// server's `gitVersion`, when known; `facts`, what the node reported in a `collect` bundle (its
/// own containerd version and build win over the Node object's). The findings are about
/// `Node/<name>`. The node-side faults of a bundle (HP023–HP027) are not versions the node is
/// stuck with, so they are not here.
///
/// The rules themselves each compute only their own verdict; this is for the consumers that need
/// all three (HP009's usable nodes, the `nodes` report).
pub fn node_problems(node: &Node, server_version: Option<&str>, facts: Option<&NodeFacts>) -> Vec<Finding> {
    if node_os(node) != "windows" {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(hp011_kubernetes_version::node_problem(node, server_version));
    out.extend(hp010_container_runtime::node_problem(node, facts));
    out.extend(hp012_windows_build::node_problem(node, facts));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::node;
    use crate::finding::ObjectRef;

    #[test]
    fn node_problems_cover_runtime_kubelet_and_build() {
        let bad = node("w1", "windows", "docker://20.10.9", "v1.22.4", "10.0.14393.1", "[]");
        let mut rules: Vec<String> = node_problems(&bad, Some("v1.21.0"), None).into_iter().map(|f| f.rule).collect();
        rules.dedup();
        assert_eq!(rules, ["HP011", "HP010", "HP012"]);
        let f = &node_problems(&bad, None, None)[0];
        assert_eq!(f.object, Some(ObjectRef::new("Node", None, "w1")));
        assert_eq!(f.node.as_deref(), Some("w1"));
        let good = node("w2", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.2529", "[]");
        assert!(node_problems(&good, Some("v1.33.1"), None).is_empty());
        let linux = node("l1", "linux", "docker://20.10.9", "v1.20.0", "5.15.0", "[]");
        assert!(node_problems(&linux, None, None).is_empty());
    }

    #[test]
    fn what_the_node_reported_in_a_bundle_wins() {
        use crate::node_facts::{ContainerdFacts, OsFacts};
        let good = node("w2", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.2529", "[]");
        let facts = NodeFacts {
            dir: "_hostprocess/nodes/w2".into(),
            containerd: Some(ContainerdFacts {
                line: "containerd x v1.5.9 y".into(),
                version: crate::version::Version::parse("1.5.9"),
            }),
            os: Some(OsFacts { current_build: Some(17134), ..Default::default() }),
            ..Default::default()
        };
        let rules: Vec<String> =
            node_problems(&good, Some("v1.33.1"), Some(&facts)).into_iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["HP010", "HP012"]);
    }
}
