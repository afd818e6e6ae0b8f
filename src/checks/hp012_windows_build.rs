//! HP012 windows-build.

use k8s_openapi::api::core::v1::Node;

use super::containers::host_process_specs;
use super::nodes::{node_build, node_ref, spec_node};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::node_facts::NodeFacts;
use crate::snapshot::{Snapshot, Source, node_info, node_name};
use crate::version::windows_build;

pub static RULE: Rule = Rule {
    id: "HP012",
    name: "windows-build",
    severity: Severity::Error,
    summary: "HostProcess needs Windows Server 2019 (build 17763) or later",
    doc: r#"## What it does
Reads the Windows build of every Windows node: from a `collect` bundle, the build and update
revision the node's registry reports (`os.json`: `CurrentBuild`, `UBR`); else
`status.nodeInfo.kernelVersion` (e.g. `10.0.17763.2237`) or the `node.kubernetes.io/windows-build`
label; offline, the `--windows-build` context) and reports builds older than 10.0.17763 (Windows Server 2019) as
errors, per node (`Node/<name>`) and on the HostProcess pods that run there. Nodes whose
`osImage` is not a Windows Server SKU (for example `Windows 10 Enterprise` on a Windows 11 dev
box) get an info finding: they are outside the supported matrix.

## Why is this bad?
HostProcess containers are built on Windows job objects and hcsshim features that exist only
from Windows Server 2019 LTSC on. Bind-mounted volumes (containerd 1.7) additionally need the
bind filter, present on Windows Server 2022 and on 2019 from the July 2022 updates; without it
containerd falls back to the symlink layout.

## Example
```text
win-old   Ready   <none>   v1.26.1   Windows Server 2016 Datacenter   10.0.14393.5582
```

## Use instead
```text
win-new   Ready   <none>   v1.36.3   Windows Server 2025 Datacenter   10.0.26100.2314
```

Builds: 17763 Windows Server 2019, 20348 Windows Server 2022, 25398 Windows Server 23H2
(annual channel), 26100 Windows Server 2025. Windows Server 2025 nodes also run Hyper-V-isolated
HostProcess containers (HP013), and pull `ltsc2022` images as well as `ltsc2025` ones (HP017).

## References
- KEP-1981 "Compatibility" (Windows Server 2019 LTSC or later)
- containerd/platforms `platform_windows_compat.go` (the build numbers above)
- hcsshim `internal/jobcontainers/storage.go` (bind filter detection)
"#,
    rank: 22,
    signatures: &[],
    admission: &[],
    check,
};

/// Windows Server 2019 (10.0.17763), the first build with HostProcess containers.
const MIN_BUILD: u32 = 17763;

/// The HP012 finding for one Windows node, if its build is too old or not a server SKU.
/// `facts`: what the node reported in a bundle (its registry's build wins).
pub fn node_problem(node: &Node, facts: Option<&NodeFacts>) -> Option<Finding> {
    let name = node_name(node);
    let info = node_info(node);
    let os = facts.and_then(|f| f.os.as_ref());
    let os_image = os.and_then(|o| o.product_name.as_deref()).unwrap_or(info.map(|i| i.os_image.as_str()).unwrap_or(""));
    if let Some((build, evidence)) = node_build(node, facts)
        && build < MIN_BUILD
    {
        return Some(
            RULE.bare(
                Some(node_ref(node)),
                format!(
                    "node {name} runs Windows build {build}{}; HostProcess containers need Windows Server 2019 (build {MIN_BUILD}) or later",
                    if os_image.is_empty() { String::new() } else { format!(" ({os_image})") }
                ),
                "replace the node with Windows Server 2022 (build 20348) or 2025 (build 26100); 2019 (build 17763) is the minimum",
            )
            .with_node(name)
            .with_evidence(evidence),
        );
    }
    let client = match os.and_then(|o| o.installation_type.as_deref()) {
        Some(t) => t.eq_ignore_ascii_case("Client"),
        None => !os_image.is_empty() && os_image.starts_with("Windows") && !os_image.contains("Server"),
    };
    if client {
        return Some(
            RULE.bare(
                Some(node_ref(node)),
                format!("node {name} runs a client edition ({os_image}); HostProcess containers are only supported on Windows Server"),
                "use Windows Server 2019 or later for production HostProcess workloads",
            )
            .with_node(name)
            .with_severity(Severity::Info)
            .with_evidence(format!("osImage: {os_image}")),
        );
    }
    None
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    if snapshot.source == Source::Cluster && !snapshot.pods_batch {
        for node in snapshot.windows_nodes() {
            out.extend(node_problem(node, snapshot.facts(node_name(node))));
        }
    }
    let context = snapshot.context.windows_build.as_deref();
    for spec in host_process_specs(snapshot) {
        let (build, whence) = match spec_node(snapshot, &spec) {
            Some(node) => {
                (node_build(node, snapshot.facts(node_name(node))).map(|b| b.0), format!("node {}", node_name(node)))
            }
            None => (context.and_then(|b| windows_build(b).or_else(|| b.parse().ok())), "the target node".to_string()),
        };
        if let Some(build) = build
            && build < MIN_BUILD
        {
            out.push(RULE.finding(
                &spec,
                "",
                format!("{whence} runs Windows build {build}; HostProcess containers need Windows Server 2019 (build {MIN_BUILD}) or later"),
                "run HostProcess pods only on Windows Server 2019 or later (pin with node.kubernetes.io/windows-build)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings, node, pod_snapshot, rules_fired};

    const HP: &str = r#"{"hostNetwork":true,"nodeName":"w1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;

    #[test]
    fn old_build_fires_on_node_and_pod() {
        let mut s = cluster_pod(HP, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.7.1", "v1.30.1", "10.0.14393.5582", "[]")];
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
    }

    #[test]
    fn client_sku_is_info() {
        let mut n = node("w1", "windows", "containerd://1.7.1", "v1.30.1", "10.0.22631.5335", "[]");
        n.status.as_mut().unwrap().node_info.as_mut().unwrap().os_image = "Windows 10 Enterprise".into();
        assert_eq!(node_problem(&n, None).unwrap().severity, Severity::Info);
    }

    #[test]
    fn the_build_the_node_reported_wins_over_the_node_object() {
        use crate::node_facts::{NodeFacts, OsFacts};
        let n = node("w1", "windows", "containerd://1.7.1", "v1.30.1", "10.0.20348.2529", "[]");
        assert!(node_problem(&n, None).is_none());
        let os = OsFacts { current_build: Some(14393), ubr: Some(5582), installation_type: Some("Server".into()), ..Default::default() };
        let facts = NodeFacts { dir: "_hostprocess/nodes/w1".into(), os: Some(os), ..Default::default() };
        let f = node_problem(&n, Some(&facts)).unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert!(f.message.contains("build 14393"), "{}", f.message);
        assert_eq!(f.evidence, ["the node's registry (_hostprocess/nodes/w1/os.json): build 10.0.14393.5582"]);
        // InstallationType says client even when the product name does not.
        let os = OsFacts {
            current_build: Some(22631),
            product_name: Some("Windows 10 Pro".into()),
            installation_type: Some("Client".into()),
            ..Default::default()
        };
        let facts = NodeFacts { os: Some(os), ..Default::default() };
        assert_eq!(node_problem(&n, Some(&facts)).unwrap().severity, Severity::Info);
    }

    #[test]
    fn quiet_on_2019_and_offline_without_context() {
        let mut s = cluster_pod(HP, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://1.7.1", "v1.30.1", "10.0.17763.2237", "[]")];
        assert!(rules_fired(&s, &RULE).is_empty());
        let mut s = pod_snapshot(HP);
        assert!(rules_fired(&s, &RULE).is_empty());
        s.context.windows_build = Some("10.0.14393".into());
        assert_eq!(rules_fired(&s, &RULE), vec!["HP012"]);
    }
}
