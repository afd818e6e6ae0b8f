//! HP011 kubernetes-version.

use k8s_openapi::api::core::v1::Node;

use super::containers::{host_process_specs, pod_host_process};
use super::nodes::{node_kubelet, node_ref, spec_node};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, node_info, node_name};
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "HP011",
    name: "kubernetes-version",
    severity: Severity::Error,
    summary: "HostProcess needs Kubernetes 1.23+ on the API server and the kubelets (GA in 1.26)",
    doc: r#"## What it does
Compares the API server version and every Windows node's `kubeletVersion` with the HostProcess
feature history: alpha in 1.22 (feature gate `WindowsHostProcessContainers` off by default, needed
on the API server **and** the kubelet), beta and on by default in 1.23–1.25, GA in 1.26, gate
removed in 1.28. Versions below 1.23 are errors, reported per node (`Node/<name>`) and on the
HostProcess pods that run there.

It also warns when a HostProcess pod sets `hostProcess` only on its containers (no pod-level
value) and lands on a 1.23/1.24 kubelet: some of those patch releases had kubernetes#110140 and
created the sandbox without the HostProcess bit.

## Why is this bad?
Before 1.22 the API server does not know `windowsOptions.hostProcess`, drops it, and the pod runs
as a normal Windows container. On 1.22 without the gate the API server rejects the field and the
kubelet refuses to start HostProcess containers. With #110140 the containers run as *normal*
containers on containerd 1.6.0–1.6.6, or fail with `pod spec and all containers inside must have
the HostProcess field set to be valid` on containerd 1.6.7+.

## Example
```text
Server Version: v1.22.17
win-node   Ready   <none>   v1.22.17   containerd://1.6.8
```

## Use instead
```text
Server Version: v1.36.3
win-node   Ready   <none>   v1.36.3    containerd://2.3.1
```
and set `hostProcess: true` once, at pod level.

Live, a Windows node whose kubelet is newer than the API server, or more than three minor
versions older, gets a warning (the version skew policy; not HostProcess-specific, but such a
node is not supported). Upstream supports the three newest minor releases (1.34–1.36 when
1.36 is current).

## References
- kubernetes.io "Version Skew Policy" (kubelet: not newer than kube-apiserver, up to three
  minor versions older since 1.28)
- kubernetes.io feature-gate page `WindowsHostProcessContainers`; KEP-1981 `kep.yaml`
- kubernetes/kubernetes#99576, #110140
"#,
    rank: 20,
    signatures: &[],
    admission: &[],
    check,
};

/// HostProcess is alpha in 1.22, behind the `WindowsHostProcessContainers` feature gate.
const ALPHA: Version = Version::new(1, 22, 0);
/// HostProcess is beta and on by default from 1.23: the minimum for the API server and kubelets.
pub const MIN_KUBERNETES: Version = Version::new(1, 23, 0);
/// HostProcess is GA from 1.26.
pub const GA: Version = Version::new(1, 26, 0);

/// Whether a Kubernetes version (API server or kubelet) can run HostProcess pods.
pub fn supports_host_process(v: Version) -> bool {
    version_problem(v).is_none()
}

/// Why a Kubernetes version cannot run HostProcess pods, or None.
fn version_problem(v: Version) -> Option<&'static str> {
    if v >= MIN_KUBERNETES {
        None
    } else if v >= ALPHA {
        Some("HostProcess is alpha in 1.22 and needs the WindowsHostProcessContainers feature gate (off by default)")
    } else {
        Some(
            "HostProcess does not exist before 1.22: the hostProcess field is dropped and the pod runs as a normal container",
        )
    }
}

/// Whether a container of the pod has run (running now, or restarted after it ran).
fn ran(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    let Some(status) = pod.status.as_ref() else { return false };
    status.container_statuses.iter().flatten().any(|cs| {
        let running = cs.state.as_ref().is_some_and(|s| s.running.is_some());
        let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
        running || (cs.restart_count > 0 && last.is_some_and(|t| t.reason.as_deref() != Some("StartError")))
    })
}

/// Kubelets with the #110140 bug in some patch releases.
fn has_110140(v: Version) -> bool {
    v.major == 1 && (v.minor == 23 || v.minor == 24)
}

/// How many minor versions a kubelet may lag behind the API server (the version skew policy
/// since Kubernetes 1.28; it must never be newer).
const MAX_KUBELET_LAG: u32 = 3;

/// A warning when a node's kubelet is outside the version skew the API server supports.
pub fn skew_problem(node: &Node, server_version: &str) -> Option<Finding> {
    let server = Version::parse(server_version)?;
    let kubelet_text = node_info(node)?.kubelet_version.clone();
    let kubelet = Version::parse(&kubelet_text)?;
    if kubelet.major != server.major {
        return None;
    }
    let why = if kubelet.minor > server.minor {
        format!("newer than the API server {server_version}; a kubelet must not be newer than kube-apiserver")
    } else if server.minor - kubelet.minor > MAX_KUBELET_LAG {
        format!(
            "{} minor versions older than the API server {server_version}; a kubelet may be at most {MAX_KUBELET_LAG} minor versions older",
            server.minor - kubelet.minor
        )
    } else {
        return None;
    };
    let name = node_name(node);
    Some(
        RULE.bare(
            Some(node_ref(node)),
            format!("node {name} runs kubelet {kubelet_text}, {why} (Kubernetes version skew policy)"),
            "upgrade the control plane first, then the node's kubelet, one minor version at a time, to a release still in upstream support",
        )
        .with_node(name)
        .with_severity(Severity::Warning)
        .with_evidence(format!("kubeletVersion: {kubelet_text}"))
        .with_evidence(format!("server gitVersion: {server_version}")),
    )
}

/// The HP011 findings for one Windows node: its kubelet, and the API server when given.
pub fn node_problem(node: &Node, server_version: Option<&str>) -> Vec<Finding> {
    let name = node_name(node);
    let mut out = Vec::new();
    if let Some(info) = node_info(node)
        && let Some(v) = Version::parse(&info.kubelet_version)
        && let Some(why) = version_problem(v)
    {
        out.push(
            RULE.bare(
                Some(node_ref(node)),
                format!("node {name} runs kubelet {}: {why}", info.kubelet_version),
                "upgrade the node's kubelet to a Kubernetes release still in upstream support (HostProcess is GA since 1.26)",
            )
            .with_node(name)
            .with_evidence(format!("kubeletVersion: {}", info.kubelet_version)),
        );
    }
    if let Some(sv) = server_version
        && let Some(v) = Version::parse(sv)
        && let Some(why) = version_problem(v)
    {
        out.push(
            RULE.bare(
                Some(node_ref(node)),
                format!("the API server is {sv}: {why}"),
                "upgrade the control plane to a Kubernetes release still in upstream support (HostProcess is GA since 1.26)",
            )
            .with_node(name)
            .with_evidence(format!("server gitVersion: {sv}")),
        );
    }
    out
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    let live = snapshot.source == Source::Cluster;
    if live && !snapshot.pods_batch {
        for node in snapshot.windows_nodes() {
            out.extend(node_problem(node, None));
            if let Some(server) = snapshot.server_version.as_deref() {
                out.extend(skew_problem(node, server));
            }
        }
    }
    let server = snapshot.server_version.as_deref().and_then(|s| Version::parse(s).map(|v| (s, v)));
    for spec in host_process_specs(snapshot) {
        if let Some((text, v)) = server
            && let Some(why) = version_problem(v)
        {
            out.push(
                RULE.finding(
                    &spec,
                    "",
                    format!("the API server is {text}: {why}"),
                    "upgrade the control plane and the Windows kubelets to a Kubernetes release still in upstream support (HostProcess is GA since 1.26)",
                )
                .with_evidence(format!("server gitVersion: {text}")),
            );
        }
        let container_level_only = pod_host_process(spec.spec).is_none() && !spec.partial;
        if let Some(node) = spec_node(snapshot, &spec) {
            let Some(kv) = node_kubelet(node) else { continue };
            let kubelet = node_info(node).map(|i| i.kubelet_version.clone()).unwrap_or_default();
            if let Some(why) = version_problem(kv) {
                let f = RULE
                    .finding(
                        &spec,
                        "",
                        format!("HostProcess pod is on node {} with kubelet {kubelet}: {why}", node_name(node)),
                        "upgrade the node's kubelet to a Kubernetes release still in upstream support, or keep the pod off it",
                    )
                    .with_evidence(format!("kubeletVersion: {kubelet}"));
                // On an alpha kubelet whose containers ran, the feature gate is evidently on.
                out.push(if kv >= ALPHA && spec.pod.is_some_and(ran) {
                    let mut f = f.with_severity(Severity::Info);
                    f.message.push_str("; its containers ran, so the gate is on here");
                    f
                } else {
                    f
                });
            } else if container_level_only && has_110140(kv) {
                out.push(
                    RULE.finding(
                        &spec,
                        "securityContext",
                        format!(
                            "hostProcess is set only on containers and node {} runs kubelet {kubelet}; some 1.23/1.24 patches (kubernetes#110140) create the sandbox without HostProcess, so the containers run as normal containers or fail",
                            node_name(node)
                        ),
                        "set `securityContext.windowsOptions.hostProcess: true` at pod level, or upgrade the kubelet",
                    )
                    .with_severity(Severity::Warning),
                );
            }
        } else if live
            && container_level_only
            && spec.pod.is_none_or(|p| p.spec.as_ref().is_none_or(|s| s.node_name.is_none()))
        {
            let old: Vec<&str> =
                snapshot.windows_nodes().filter(|n| node_kubelet(n).is_some_and(has_110140)).map(node_name).collect();
            if !old.is_empty() {
                out.push(
                    RULE.finding(
                        &spec,
                        "securityContext",
                        format!(
                            "hostProcess is set only on containers and Windows nodes {} run kubelet 1.23/1.24; some of those patches (kubernetes#110140) create the sandbox without HostProcess",
                            old.join(", ")
                        ),
                        "set `securityContext.windowsOptions.hostProcess: true` at pod level, or upgrade the kubelets",
                    )
                    .with_severity(Severity::Warning),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings, node, pod_snapshot, rules_fired};

    const POD_LEVEL: &str = r#"{"hostNetwork":true,"nodeName":"w1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;
    const CONTAINER_LEVEL: &str = r#"{"hostNetwork":true,"nodeName":"w1","containers":[{"name":"a","securityContext":{"windowsOptions":{"hostProcess":true}}}]}"#;

    #[test]
    fn old_kubelet_fires_on_node_and_pod() {
        let mut s = cluster_pod(POD_LEVEL, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.6.8", "v1.22.17", "10.0.17763.1", "[]")];
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.severity == Severity::Error));
    }

    #[test]
    fn old_server_fires_offline_too() {
        let mut s = pod_snapshot(POD_LEVEL);
        s.server_version = Some("v1.21.3".into());
        assert_eq!(rules_fired(&s, &RULE), vec!["HP011"]);
    }

    #[test]
    fn bug_110140_warning_only_for_container_level() {
        let mut s = cluster_pod(CONTAINER_LEVEL, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.6.8", "v1.24.2", "10.0.17763.1", "[]")];
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        let mut s = cluster_pod(POD_LEVEL, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.6.8", "v1.24.2", "10.0.17763.1", "[]")];
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn quiet_on_new_versions() {
        let mut s = cluster_pod(CONTAINER_LEVEL, "{}");
        s.server_version = Some("v1.33.1".into());
        s.nodes = vec![node("w1", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.1", "[]")];
        assert!(rules_fired(&s, &RULE).is_empty());
        assert!(node_problem(&s.nodes[0], Some("v1.33.1")).is_empty());
    }

    #[test]
    fn kubelet_outside_the_version_skew_warns() {
        let n = |v: &str| node("w1", "windows", "containerd://2.3.1", v, "10.0.26100.1", "[]");
        assert!(skew_problem(&n("v1.33.5"), "v1.36.3").is_none(), "n-3 is allowed");
        let f = skew_problem(&n("v1.32.9"), "v1.36.3").expect("n-4");
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.contains("4 minor versions older"), "{}", f.message);
        assert!(skew_problem(&n("v1.37.0"), "v1.36.3").unwrap().message.contains("newer than the API server"));
        assert!(skew_problem(&n("v1.36.0"), "v1.36.3").is_none());
        let mut s = cluster_pod(POD_LEVEL, "{}");
        s.server_version = Some("v1.36.3".into());
        s.nodes = vec![n("v1.31.2")];
        assert!(findings(&s, &RULE).iter().any(|f| f.message.contains("version skew")));
    }
}
