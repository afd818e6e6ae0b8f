//! Node facts the rules read: kubelet version, Windows build, the node a spec runs on, and the
//! containerd versions a spec will meet.

use k8s_openapi::api::core::v1::Node;

use crate::finding::ObjectRef;
use crate::snapshot::{Snapshot, SpecRef, node_info, node_name};
use crate::version::{Version, windows_build};

/// The kubelet version of a node.
pub fn node_kubelet(node: &Node) -> Option<Version> {
    Version::parse(&node_info(node)?.kubelet_version)
}

/// The Windows build of a node: from `nodeInfo.kernelVersion`, else the
/// `node.kubernetes.io/windows-build` label.
pub fn node_windows_build(node: &Node) -> Option<u32> {
    node_info(node).and_then(|i| windows_build(&i.kernel_version)).or_else(|| {
        node.metadata.labels.as_ref()?.get("node.kubernetes.io/windows-build").and_then(|b| windows_build(b))
    })
}

/// The node a pod spec runs on, when it is a scheduled pod and the node is in the snapshot.
pub fn spec_node<'a>(snapshot: &'a Snapshot, spec: &SpecRef<'_>) -> Option<&'a Node> {
    let name = spec.pod?.spec.as_ref()?.node_name.as_deref()?;
    snapshot.node(name)
}

/// An object reference to a node.
pub fn node_ref(node: &Node) -> ObjectRef {
    ObjectRef::new("Node", None, node_name(node))
}

/// The containerd versions a spec will meet: its node's when it is a scheduled pod, else the
/// `--containerd-version` context, else (live) those of the Windows nodes. Empty if unknown.
pub fn target_containerd(snapshot: &Snapshot, spec: &SpecRef<'_>) -> Vec<Version> {
    if let Some(node) = spec_node(snapshot, spec) {
        return snapshot.containerd_of(node).into_iter().collect();
    }
    if let Some(v) = snapshot.context.containerd_version.as_deref().and_then(Version::parse) {
        return vec![v];
    }
    snapshot.windows_containerd().to_vec()
}
