//! HP024 containerd-cni-bin-dir.

use super::evidence::{ObservationKind, observations};
use super::logs::find;
use super::nodes::{host_process_pods_on, spec_node};
use super::rule::Rule;
use crate::finding::{Finding, ObjectRef, Severity};
use crate::node_facts::NodeFacts;
use crate::snapshot::{Snapshot, Source, node_name, node_os};
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "HP024",
    name: "containerd-cni-bin-dir",
    severity: Severity::Error,
    summary: "containerd 2.x configured with the removed CNI `bin_dir` instead of `bin_dirs` (from a collect bundle)",
    doc: r#"## What it does
Reads what a Windows node reported in a `collect` bundle: the version `containerd --version`
printed (`containerd/version.txt`) and the `config.toml` containerd reads
(`containerd/config.toml`). When a version 3 config (containerd 2.x's schema) sets `bin_dir` in
the CRI runtime plugin's CNI table and not `bin_dirs`:

- containerd **2.4 or later**: error on `Node/<name>` (and on the HostProcess pods there): the
  old key is no longer read, containerd looks for CNI plugins in its default directory, and
  every pod sandbox on the node fails its network setup;
- containerd **2.0 to 2.3**: warning, `bin_dir` is deprecated and goes away on the next upgrade.

Live, without a bundle: a pod on a Windows node whose sandbox events say
`failed to find plugin "…" in path [C:\Program Files\containerd\cni\bin]` (containerd searched
only its built-in default directory, signature `cni-default-bin-dir`) gets an error; in a
bundle's containerd or kubelet log the same line is reported by HP027 as this rule's.

## Why is this bad?
containerd 2.x replaced `cni.bin_dir` (one directory) with `cni.bin_dirs` (a list) and
deprecated the old key for removal. Windows node images and install scripts written for
containerd 1.x (`C:\opt\cni\bin`, `C:\k\cni`) still write `bin_dir`: after an in-place upgrade
the node keeps its config, the CNI binaries are not found, and pods stay `ContainerCreating`
with `failed to setup network for sandbox … failed to find plugin …`. HostProcess pods with
`hostNetwork: true` still need the sandbox, so CNI DaemonSets (flannel, Calico) cannot start to
repair the node either.

## Example
```toml
version = 3
[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dir = 'C:\opt\cni\bin'
  conf_dir = 'C:\etc\cni\net.d'
```

## Use instead
```toml
version = 3
[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ['C:\opt\cni\bin']
  conf_dir = 'C:\etc\cni\net.d'
```
then restart containerd (`Restart-Service containerd`).

## References
- kubernetes-sigs/windows-testing#593 "Fix CAPZ Windows containerd 2.4 CNI config" (convert
  config-v3 `bin_dir` to `bin_dirs` for containerd 2.4 or later; the Windows CI regression it fixed)
- githubixx/ansible-role-containerd#38 (containerd 2.2.1 notes: `cni.bin_dir` is deprecated,
  replaced by `bin_dirs`, scheduled for removal)
- containerd `docs/cri/config.md` (the CNI options of the CRI runtime plugin)
"#,
    rank: 23,
    signatures: super::signatures::hp024::SIGNATURES,
    admission: &[],
    check,
};

/// containerd releases that no longer read `cni.bin_dir` (windows-testing#593).
const REMOVED_IN: Version = Version::new(2, 4, 0);
/// containerd releases that deprecate it.
const DEPRECATED_IN: Version = Version::new(2, 0, 0);

/// The HP024 finding for one node's facts.
pub fn node_finding(node: &str, facts: &NodeFacts) -> Option<Finding> {
    let config = facts.containerd_config.as_ref()?;
    let bin_dir = config.cni_bin_dir.as_deref()?;
    // Version 2 configs are migrated by containerd itself; only version 3 ones are taken as written.
    if config.cni_bin_dirs.is_some() || config.version.unwrap_or(0) < 3 {
        return None;
    }
    let containerd = facts.containerd.as_ref()?;
    let version = containerd.version?;
    let (severity, what) = if version >= REMOVED_IN {
        (
            Severity::Error,
            format!("containerd {version} no longer reads the CNI `bin_dir` its config.toml sets, so the CNI plugins are not found and pod sandboxes fail their network setup"),
        )
    } else if version >= DEPRECATED_IN {
        (
            Severity::Warning,
            format!("containerd {version} reads the CNI plugins from the deprecated `bin_dir`; the next containerd upgrade (2.4+) ignores it and breaks pod networking"),
        )
    } else {
        return None;
    };
    Some(
        RULE.bare(
            Some(ObjectRef::new("Node", None, node)),
            format!("on node {node}, {what}"),
            format!("in containerd's config.toml replace `bin_dir = '{bin_dir}'` with `bin_dirs = ['{bin_dir}']`, then `Restart-Service containerd`"),
        )
        .with_node(node)
        .with_severity(severity)
        .with_evidence(format!("{}: bin_dir = {bin_dir:?}, no bin_dirs", facts.item("containerd/config.toml")))
        .with_evidence(format!("{}: {}", facts.item("containerd/version.txt"), containerd.line)),
    )
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for (node, facts) in &snapshot.node_facts {
        let Some(f) = node_finding(node, facts) else { continue };
        if f.severity == Severity::Error {
            for spec in host_process_pods_on(snapshot, node) {
                out.push(
                    RULE.finding(
                        &spec,
                        "",
                        format!("HostProcess pod is on node {node}, whose containerd cannot find its CNI plugins (config.toml sets the removed `bin_dir`): its sandbox network setup fails"),
                        format!("fix containerd's config.toml on the node (see Node/{node}), then delete the pod so it is recreated"),
                    )
                    .with_evidence(f.evidence[0].clone()),
                );
            }
        }
        out.push(f);
    }
    if snapshot.source == Source::Cluster {
        sandbox_events(snapshot, out);
    }
}

/// Pods on Windows nodes whose sandbox events show containerd searching only its default CNI
/// directory.
fn sandbox_events(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in snapshot.specs() {
        let Some(node) = spec_node(snapshot, &spec).filter(|n| node_os(n) == "windows") else { continue };
        if out.iter().any(|f| f.rule == RULE.id && f.object.as_ref() == Some(spec.object)) {
            continue;
        }
        let lines: Vec<String> = observations(snapshot, &spec)
            .iter()
            .filter(|o| o.kind == ObservationKind::Event)
            .map(|o| o.message.to_string())
            .collect();
        let Some(hit) = find(RULE.signatures, &lines) else { continue };
        let containerd = snapshot.containerd_of(node).map(|v| format!(", containerd {v}")).unwrap_or_default();
        out.push(
            RULE.finding(
                &spec,
                "",
                format!("the pod's sandbox on node {}{containerd} gets no network: {}", node_name(node), hit.signature.cause),
                hit.signature.fix,
            )
            .with_evidence(format!("event [{}]: {}", hit.signature.id, hit.line)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings};
    use crate::load::node_items::{parse_containerd_config, parse_containerd_version};

    fn facts(version: &str, config: &str) -> NodeFacts {
        NodeFacts {
            dir: "_hostprocess/nodes/w1".into(),
            containerd: Some(parse_containerd_version(version).unwrap()),
            containerd_config: Some(parse_containerd_config(config)),
            ..Default::default()
        }
    }

    const OLD_KEY: &str = "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n  bin_dir = 'C:\\opt\\cni\\bin'\n";
    const HP: &str = r#"{"hostNetwork":true,"nodeName":"w1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#;

    /// The sandbox event of a pod on a containerd 2.4 node (windows-testing#593), live.
    #[test]
    fn default_cni_dir_in_a_sandbox_event_names_hp024() {
        use crate::checks::testutil::{event, node};
        let sample = include_str!("../../tests/fixtures/issue16/events/cni-default-bin-dir.txt");
        let message = sample.lines().find(|l| !l.starts_with('#') && !l.trim().is_empty()).unwrap();
        let mut s = cluster_pod(r#"{"nodeName":"w1","containers":[{"name":"a"}]}"#, "{}");
        s.nodes = vec![node("w1", "windows", "containerd://2.4.0", "v1.36.3", "10.0.26100.2314", "[]")];
        s.events.push(event("Pod", "p", "FailedCreatePodSandBox", message, None));
        let out = findings(&s, &RULE);
        assert_eq!(out.len(), 1, "{out:#?}");
        assert_eq!(out[0].severity, Severity::Error);
        assert!(out[0].message.contains("containerd 2.4.0") && out[0].message.contains("bin_dir"), "{}", out[0].message);
        assert!(out[0].evidence[0].starts_with("event [cni-default-bin-dir]: "), "{:?}", out[0].evidence);
        // Another directory in the message is not this cause (HP027's generic signature is).
        s.events[0].message = Some(message.replace("C:\\Program Files\\containerd\\cni\\bin", "C:\\opt\\cni\\bin"));
        assert!(findings(&s, &RULE).is_empty());
    }

    #[test]
    fn containerd_24_with_bin_dir_is_an_error_on_node_and_pods() {
        let mut s = cluster_pod(HP, "{}");
        s.node_facts.insert("w1".into(), facts("containerd github.com/containerd/containerd/v2 v2.4.1 abc", OLD_KEY));
        let out = findings(&s, &RULE);
        assert_eq!(out.len(), 2, "{out:#?}");
        assert!(out.iter().all(|f| f.severity == Severity::Error));
        let node = out.iter().find(|f| f.object.as_ref().unwrap().kind == "Node").unwrap();
        assert_eq!(node.evidence[0], r#"_hostprocess/nodes/w1/containerd/config.toml: bin_dir = "C:\\opt\\cni\\bin", no bin_dirs"#);
        assert!(node.fix.contains(r"bin_dirs = ['C:\opt\cni\bin']"), "{}", node.fix);
    }

    #[test]
    fn deprecated_on_2x_quiet_on_1x_and_with_bin_dirs() {
        let f = node_finding("w1", &facts("containerd github.com/containerd/containerd/v2 v2.1.3 abc", OLD_KEY)).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(node_finding("w1", &facts("containerd github.com/containerd/containerd v1.7.20 abc", OLD_KEY)).is_none());
        let both = format!("{OLD_KEY}  bin_dirs = ['C:\\opt\\cni\\bin']\n");
        assert!(node_finding("w1", &facts("containerd github.com/containerd/containerd/v2 v2.4.1 abc", &both)).is_none());
        let v2 = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n  bin_dir = \"C:\\\\k\\\\cni\"\n";
        assert!(node_finding("w1", &facts("containerd github.com/containerd/containerd/v2 v2.4.1 abc", v2)).is_none());
        let unknown = NodeFacts { containerd_config: Some(parse_containerd_config(OLD_KEY)), ..Default::default() };
        assert!(node_finding("w1", &unknown).is_none(), "no version, no verdict");
    }
}
