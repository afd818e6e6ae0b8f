//! HP010 container-runtime-unsupported.

use k8s_openapi::api::core::v1::Node;

use super::containers::host_process_specs;
use super::nodes::{node_ref, node_runtime, spec_node};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::node_facts::NodeFacts;
use crate::snapshot::{Snapshot, Source, node_name};
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "HP010",
    name: "container-runtime-unsupported",
    severity: Severity::Error,
    summary: "Windows nodes must run containerd 1.6 or newer for HostProcess containers",
    doc: r#"## What it does
Reads the containerd version of every Windows node: what `containerd --version` printed on the
node when `doctor --from-file` reads a `collect` bundle (`containerd/version.txt`; the kubelet
reports the CRI version it was built against, which can differ), else
`status.nodeInfo.containerRuntimeVersion` (live, or the `--containerd-version` context offline) and reports nodes whose runtime cannot run HostProcess
containers: Docker/dockershim (never supported), containerd older than 1.6.0, or any other
runtime. A HostProcess pod scheduled on such a node gets the same finding.

## Why is this bad?
HostProcess support lives in containerd's CRI plugin (`host_process` field, containerd 1.6.0,
with hcsshim 0.9). On older runtimes the failure is **silent**: the pod is created as an ordinary
process-isolated container, `whoami` prints `ContainerUser`/`ContainerAdministrator` instead of
the requested account, host paths and host networking are not what the workload expects, and it
fails later in confusing ways. containerd 1.5.4–1.5.x only had an alpha path (annotations plus a
custom hcsshim) for Kubernetes 1.22 and is treated as unsupported. containerd 1.7 added
bind-mounted volumes (`C:\hpc`) and local-group `runAsUserName`.

1.6.0 is the floor for HostProcess, not a recommendation. As of December 2026 containerd 1.6
(2025-08-23), 1.7 (September 2026), 2.1 (2026-07-03) and 2.2 (2026-11-06) are past their end
of life; 2.3 is the LTS release (to 2028-04-30), 2.0 has extended support to March 2027, and 2.4
is current. containerd recommends 2.3.0+ or 2.2.0+ for Kubernetes 1.36 (2.2.0+, 2.1.5+ or
1.7.28+ for 1.35). containerd 2.4 no longer reads the CNI `bin_dir` key (HP024).

## Example
```text
NAME       STATUS   ROLES    VERSION   CONTAINER-RUNTIME
win-node   Ready    <none>   v1.23.4   docker://20.10.9
win-old    Ready    <none>   v1.24.2   containerd://1.5.13
```

## Use instead
```text
NAME       STATUS   ROLES    VERSION   CONTAINER-RUNTIME
win-node   Ready    <none>   v1.30.2   containerd://1.7.20
```

## References
- containerd `releases/v1.6.0.toml`, containerd#5131 "Add support for Windows HostProcess containers"
- KEP-1981 "Compatibility" and failure mode "Containers running as non-HostProcessContainers"
- kubernetes.io "Create a Windows HostProcess Pod" (containerd 1.6+ required, 1.7 recommended)
- containerd `RELEASES.md` (support horizon, Kubernetes support matrix: 1.36 → 2.3.0+, 2.2.0+)
"#,
    rank: 21,
    signatures: &[],
    admission: &[],
    check,
};

/// The first containerd with HostProcess support (its CRI plugin's `host_process` field).
const MIN_CONTAINERD: Version = Version::new(1, 6, 0);

/// Why a runtime string cannot run HostProcess containers, or None if it can (or is unknown).
fn runtime_problem(runtime: &str) -> Option<String> {
    let runtime = runtime.trim();
    if runtime.is_empty() {
        return None;
    }
    let (scheme, rest) = runtime.split_once("://").unwrap_or(("", runtime));
    match scheme {
        "containerd" => {
            let v = Version::parse(rest)?;
            (v < MIN_CONTAINERD)
                .then(|| format!("containerd {v} predates HostProcess support (containerd {MIN_CONTAINERD})"))
        }
        "docker" => Some("Docker/dockershim never supported HostProcess containers".to_string()),
        "" => None,
        other => Some(format!("runtime `{other}` does not support HostProcess containers (containerd 1.6+ does)")),
    }
}

/// The HP010 finding for one Windows node, if its runtime cannot run HostProcess containers.
/// `facts`: what the node reported in a bundle (its `containerd --version` wins).
pub fn node_problem(node: &Node, facts: Option<&NodeFacts>) -> Option<Finding> {
    let (runtime, evidence) = node_runtime(node, facts)?;
    let why = runtime_problem(&runtime)?;
    let name = node_name(node);
    let mut f = RULE
        .bare(
            Some(node_ref(node)),
            format!("node {name} runs {runtime}: {why}, so HostProcess pods start as ordinary containers or fail"),
            "upgrade the node to a supported containerd (2.3 LTS; HostProcess needs at least 1.6.0) and restart the kubelet",
        )
        .with_node(name);
    f.evidence = evidence;
    Some(f)
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    if snapshot.source == Source::Cluster && !snapshot.pods_batch {
        for node in snapshot.windows_nodes() {
            out.extend(node_problem(node, snapshot.facts(node_name(node))));
        }
    }
    let context = snapshot.context.containerd_version.as_deref();
    for spec in host_process_specs(snapshot) {
        if let Some(node) = spec_node(snapshot, &spec) {
            let Some((runtime, evidence)) = node_runtime(node, snapshot.facts(node_name(node))) else { continue };
            if let Some(why) = runtime_problem(&runtime) {
                let mut f = RULE.finding(
                    &spec,
                    "",
                    format!(
                        "HostProcess pod is on node {} whose runtime is {runtime}: {why}; it runs as an ordinary container or fails",
                        node_name(node),
                    ),
                    "upgrade the node to a supported containerd (2.3 LTS; at least 1.6.0), or keep the pod off it with a nodeSelector",
                );
                f.evidence = evidence;
                out.push(f);
            }
        } else if let Some(ctx) = context {
            let runtime = if ctx.contains("://") { ctx.to_string() } else { format!("containerd://{ctx}") };
            if let Some(why) = runtime_problem(&runtime) {
                out.push(RULE.finding(
                    &spec,
                    "",
                    format!("the target runtime is {runtime}: {why}; this HostProcess pod would run as an ordinary container or fail"),
                    "run the pod on nodes with a supported containerd (2.3 LTS; at least 1.6.0)",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings, node, pod_snapshot, rules_fired};

    const HP: &str = r#"{"hostNetwork":true,"nodeName":"w1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;

    #[test]
    fn old_containerd_and_docker_nodes_fire() {
        let mut s = cluster_pod(HP, "{}");
        s.nodes = vec![
            node("w1", "windows", "containerd://1.5.13", "v1.24.2", "10.0.17763.1", "[]"),
            node("w2", "windows", "docker://20.10.9", "v1.23.4", "10.0.17763.1", "[]"),
            node("l1", "linux", "containerd://1.5.0", "v1.24.2", "5.15.0", "[]"),
        ];
        let f = findings(&s, &RULE);
        let nodes: Vec<_> = f.iter().filter(|f| f.object.as_ref().unwrap().kind == "Node").collect();
        assert_eq!(nodes.len(), 2, "{f:#?}");
        assert!(f.iter().any(|f| f.object.as_ref().unwrap().kind == "Pod" && f.node.as_deref() == Some("w1")));
    }

    #[test]
    fn quiet_on_containerd_16_and_offline_without_context() {
        let mut s = cluster_pod(HP, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.6.0-beta.0", "v1.24.2", "10.0.17763.1", "[]")];
        assert!(rules_fired(&s, &RULE).is_empty());
        let s = pod_snapshot(HP);
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn the_version_the_node_printed_wins_over_the_node_object() {
        use crate::node_facts::{ContainerdFacts, NodeFacts};
        let mut s = cluster_pod(HP, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.7.20", "v1.30.1", "10.0.17763.1", "[]")];
        assert!(rules_fired(&s, &RULE).is_empty());
        let line = "containerd github.com/containerd/containerd v1.5.13 a17ec496a95e55601607ca50828147e8ccaeebf1";
        s.node_facts.insert(
            "w1".into(),
            NodeFacts {
                dir: "_hostprocess/nodes/w1".into(),
                containerd: Some(ContainerdFacts { line: line.into(), version: Version::parse("v1.5.13") }),
                ..Default::default()
            },
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
        let n = f.iter().find(|f| f.object.as_ref().unwrap().kind == "Node").unwrap();
        assert!(n.message.contains("containerd://1.5.13"), "{}", n.message);
        assert!(n.evidence[0].contains("_hostprocess/nodes/w1/containerd/version.txt") && n.evidence[0].contains(line));
        assert_eq!(n.evidence[1], "the Node object says containerRuntimeVersion: containerd://1.7.20");
    }

    #[test]
    fn context_version_offline() {
        let mut s = pod_snapshot(HP);
        s.context.containerd_version = Some("1.5.4".into());
        assert_eq!(rules_fired(&s, &RULE), vec!["HP010"]);
        s.context.containerd_version = Some("1.7.20".into());
        assert!(rules_fired(&s, &RULE).is_empty());
        assert_eq!(s.source, Source::Manifests);
    }
}
