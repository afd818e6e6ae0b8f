//! The `nodes` verdict: which nodes can run HostProcess pods, and if not, why not. Pure, so the
//! `nodes` command and `exec`'s preflight share it.

use k8s_openapi::api::core::v1::Node;
use serde::Serialize;

use crate::checks::hp011_kubernetes_version::supports_host_process;
use crate::checks::node_rules::node_problems;
use crate::checks::scheduling::taint_text;
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::snapshot::{node_name, node_os};
use crate::version::Version;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reason {
    pub rule: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeReport {
    pub name: String,
    pub os: String,
    pub ready: bool,
    pub schedulable: bool,
    pub windows_build: Option<String>,
    pub os_image: Option<String>,
    pub kernel_version: Option<String>,
    pub container_runtime: Option<String>,
    pub kubelet_version: Option<String>,
    pub taints: Vec<String>,
    pub host_process_ready: bool,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodesReport {
    pub server_version: Option<String>,
    pub server_supports_host_process: bool,
    pub nodes: Vec<NodeReport>,
}

pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True")
}

pub fn is_cordoned(node: &Node) -> bool {
    node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false)
}

/// The node's taints as `key=value:Effect`.
pub fn taints(node: &Node) -> Vec<String> {
    node.spec.as_ref().and_then(|s| s.taints.as_ref()).map(|ts| ts.iter().map(taint_text).collect()).unwrap_or_default()
}

/// The verdict for one node: pure, so `exec` preflight and tests share it.
pub fn node_report(node: &Node, server_version: Option<&str>) -> NodeReport {
    let info = node.status.as_ref().and_then(|s| s.node_info.as_ref());
    let os = node_os(node);
    let mut reasons = Vec::new();
    if os != "windows" {
        reasons.push(Reason {
            rule: Some("HP008".into()),
            message: format!("not a Windows node (kubernetes.io/os={})", if os.is_empty() { "unknown" } else { &os }),
        });
    } else {
        for f in node_problems(node, server_version, None) {
            if f.severity == Severity::Error {
                reasons.push(Reason { rule: Some(f.rule), message: f.message });
            }
        }
    }
    let ready = is_ready(node);
    if !ready {
        reasons.push(Reason { rule: None, message: "node is NotReady".into() });
    }
    let schedulable = !is_cordoned(node);
    if !schedulable {
        reasons.push(Reason { rule: None, message: "node is cordoned (SchedulingDisabled)".into() });
    }
    let labels = node.metadata.labels.as_ref();
    NodeReport {
        name: node_name(node).to_string(),
        os,
        ready,
        schedulable,
        windows_build: labels.and_then(|l| l.get("node.kubernetes.io/windows-build")).cloned(),
        os_image: info.map(|i| i.os_image.clone()),
        kernel_version: info.map(|i| i.kernel_version.clone()),
        container_runtime: info.map(|i| i.container_runtime_version.clone()),
        kubelet_version: info.map(|i| i.kubelet_version.clone()),
        taints: taints(node),
        host_process_ready: reasons.is_empty(),
        reasons,
    }
}

/// Whether the API server can run HostProcess pods (HP011's check); an unknown version is given
/// the benefit of the doubt.
pub fn server_supports(version: Option<&str>) -> bool {
    version.and_then(Version::parse).is_none_or(supports_host_process)
}

/// Build the report from already-collected nodes.
pub fn report(nodes: &[Node], names: &[String], server_version: Option<String>) -> Result<NodesReport> {
    let mut selected: Vec<&Node> = Vec::new();
    if names.is_empty() {
        selected.extend(nodes.iter().filter(|n| node_os(n) == "windows"));
    } else {
        for name in names {
            let n = nodes.iter().find(|n| node_name(n) == name).ok_or_else(|| Error::NodeNotFound(name.clone()))?;
            selected.push(n);
        }
    }
    selected.sort_by(|a, b| node_name(a).cmp(node_name(b)));
    Ok(NodesReport {
        server_supports_host_process: server_supports(server_version.as_deref()),
        nodes: selected.into_iter().map(|n| node_report(n, server_version.as_deref())).collect(),
        server_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::node;

    #[test]
    fn server_support_follows_hp011() {
        assert!(server_supports(None));
        assert!(server_supports(Some("not a version")));
        assert!(!server_supports(Some("v1.22.17")));
        assert!(server_supports(Some("v1.23.0")));
        assert!(server_supports(Some("v1.33.1")));
    }

    #[test]
    fn report_lists_reasons_and_taints() {
        let n = node(
            "w1",
            "windows",
            "docker://20.10.9",
            "v1.30.1",
            "10.0.20348.1",
            r#"[{"key":"os","value":"windows","effect":"NoSchedule"},{"key":"x","effect":"NoExecute"}]"#,
        );
        let r = node_report(&n, Some("v1.30.1"));
        assert_eq!(r.taints, ["os=windows:NoSchedule", "x:NoExecute"]);
        assert!(!r.host_process_ready);
        let rules: Vec<_> = r.reasons.iter().map(|r| r.rule.as_deref()).collect();
        assert_eq!(rules, [Some("HP010"), None]);
        let linux = node("l1", "linux", "containerd://1.7.20", "v1.30.1", "5.15.0", "[]");
        assert!(matches!(report(&[n.clone(), linux.clone()], &[], None), Ok(r) if r.nodes.len() == 1));
        assert!(
            matches!(report(&[n, linux], &["nope".into()], None), Err(Error::NodeNotFound(name)) if name == "nope")
        );
    }
}
