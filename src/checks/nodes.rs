//! Node facts the rules read: kubelet version, Windows build, the node a spec runs on, the
//! containerd versions a spec will meet; what a node reported in a bundle comes first.

use k8s_openapi::api::core::v1::Node;

use crate::finding::ObjectRef;
use crate::node_facts::NodeFacts;
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

/// The runtime of a node as `containerd://<version>` with the evidence for it: what
/// `containerd --version` printed on the node (a bundle's `containerd/version.txt`) before the
/// Node object's `containerRuntimeVersion`.
pub fn node_runtime(node: &Node, facts: Option<&NodeFacts>) -> Option<(String, Vec<String>)> {
    let reported = node_info(node).map(|i| i.container_runtime_version.clone()).unwrap_or_default();
    if let Some(f) = facts
        && let Some(c) = &f.containerd
        && let Some(v) = c.version
    {
        let mut evidence =
            vec![format!("containerd --version on the node ({}): {}", f.item("containerd/version.txt"), c.line)];
        if !reported.is_empty() && Version::parse(&reported) != Some(v) {
            evidence.push(format!("the Node object says containerRuntimeVersion: {reported}"));
        }
        return Some((format!("containerd://{v}"), evidence));
    }
    (!reported.is_empty()).then(|| (reported.clone(), vec![format!("containerRuntimeVersion: {reported}")]))
}

/// The Windows build of a node with the evidence for it: `CurrentBuild`/`UBR` the node reported
/// (a bundle's `os.json`) before `nodeInfo.kernelVersion` or the windows-build label.
pub fn node_build(node: &Node, facts: Option<&NodeFacts>) -> Option<(u32, String)> {
    if let Some(f) = facts
        && let Some((build, ubr)) = f.build()
    {
        let ubr = ubr.map(|u| format!(".{u}")).unwrap_or_default();
        return Some((build, format!("the node's registry ({}): build 10.0.{build}{ubr}", f.item("os.json"))));
    }
    let kernel = node_info(node).map(|i| i.kernel_version.as_str()).unwrap_or("");
    node_windows_build(node).map(|b| (b, format!("kernelVersion: {kernel}")))
}

/// The HostProcess pod specs scheduled on the node named `node`.
pub fn host_process_pods_on<'a>(snapshot: &'a Snapshot, node: &str) -> Vec<SpecRef<'a>> {
    super::containers::host_process_specs(snapshot)
        .into_iter()
        .filter(|s| s.pod.and_then(|p| p.spec.as_ref()).and_then(|p| p.node_name.as_deref()) == Some(node))
        .collect()
}
