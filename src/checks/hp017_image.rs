//! HP017 image-platform-placeholder.

use super::containers::{containers, effective_host_process, host_process_specs};
use super::evidence::{Observation, ObservationKind, finding_at_container, observations, observed_groups, with_evidence};
use super::nodes::{node_windows_build, spec_node};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, Source, node_name, node_os};
use crate::version::{Version, windows_build};

pub static RULE: Rule = Rule {
    id: "HP017",
    name: "image-platform-placeholder",
    severity: Severity::Error,
    summary: "HostProcess images must be pullable: no template placeholders, no build mismatch",
    doc: r#"## What it does
Checks the images (and env values) of HostProcess containers:

- **Template placeholders** → warning: ALL-CAPS tokens such as `KUBE_PROXY_VERSION` in an image
  tag or name, `${...}`, `{{...}}`, `<...>` and `__X__` tokens, and env values that are
  placeholders (`KUBERNETES_SERVICE_HOST_VALUE`, `${VAR}`). Kubernetes' own `$(VAR)` expansion
  is not a placeholder. Manifests from sig-windows-tools and CAPZ are templates for `sed` or
  `envsubst`; applied verbatim, the pull fails.
- **Build-pinned Windows images** (`:1809`, `-1809`, `:ltsc2019`, `:ltsc2022`, `:ltsc2025`)
  → warning when a node the pod can meet would not pull that build (see below), unless the pod
  pins the same `node.kubernetes.io/windows-build`. Offline without `--windows-build` any
  build-pinned tag is a warning.
- Live: `no match for platform in manifest` on a Windows node, or `not found` for an image with a
  placeholder, is an error with the kubelet's message as evidence.

## Why is this bad?
A HostProcess container is not bound by the Windows container version rule: its processes run
on the host (a job object, no container kernel), so hcsshim never compares the image's
`os.version` with the host's. The image's build matters **only at pull time**, when containerd
picks an entry of a manifest list by platform:

- an entry **without** `os.version` (the HostProcess base image, single-entry Windows images
  built from it, as Azure/azure-container-networking#3105 switched to) matches every build;
- an entry with `os.version` matches a host of the same build; on Windows Server 2022
  (20348) and later hosts, with containerd 1.7.19+ or 2.x, also any build from 20348 up to the
  host's (the stable ABI of containerd/platforms): `ltsc2022` images pull on a Windows Server
  2025 (26100) node, `ltsc2019`/`1809` images pull only on 17763 nodes, `ltsc2025` images only
  on 26100 and later;
- an image with no Windows entry at all (Linux-only) never pulls on a Windows node.

When no entry matches, the pull fails (ErrImagePull, then ImagePullBackOff):

    Failed to pull image "mcr.microsoft.com/windows/nanoserver:1809": rpc error: code = NotFound desc = failed to pull and unpack image "mcr.microsoft.com/windows/nanoserver:1809": no match for platform in manifest: not found

Once pulled, the build of a HostProcess image does not matter. (For ordinary Windows containers
it does: process isolation needs the host's build, or the stable-ABI range above; Hyper-V
isolation an image build no newer than the host's. Those are not HostProcess pods and not
checked here.) A build-independent image is the better choice: the HostProcess base image runs
on every Windows Server version.

## Example
```yaml
containers:
- name: kube-proxy
  image: sigwindowstools/kube-proxy:KUBE_PROXY_VERSION-calico-hostprocess
- name: tools
  image: mcr.microsoft.com/windows/nanoserver:1809
```

## Use instead
```yaml
containers:
- name: kube-proxy
  image: sigwindowstools/kube-proxy:v1.30.2-calico-hostprocess
- name: tools
  image: mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0
```

## References
- microsoft/windows-host-process-containers-base-image README
- containerd#7431, #8101, #8106; microsoft/Windows-Containers#223
- containerd/platforms `platform_windows_compat.go` (stable-ABI matching: v0.2.1, vendored by
  containerd 1.7.19 and 2.x; Windows Server 2025 listed since 2025-05)
- Azure/azure-container-networking#3105 (Windows HostProcess images moved to the HostProcess
  base image: one Windows entry without `os.version` instead of one per build)
"#,
    rank: 42,
    signatures: super::signatures::hp017::SIGNATURES,
    admission: &[],
    check,
};

/// An ALL-CAPS word with an underscore (`KUBE_PROXY_VERSION`).
fn caps_token(t: &str) -> bool {
    t.len() >= 3
        && t.contains('_')
        && t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && t.chars().any(|c| c.is_ascii_uppercase())
}

/// Template syntax that is never a real value: `${...}`, `{{...}}`, `<...>`, `__NAME__`.
fn template_syntax(s: &str) -> bool {
    if s.contains("${") || s.contains("{{") || (s.contains('<') && s.contains('>')) {
        return true;
    }
    // `__NAME__`: two underscores, an upper-case name, two underscores.
    let mut rest = s;
    while let Some(i) = rest.find("__") {
        let after = &rest[i + 2..];
        let name: String =
            after.chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
        let name = name.trim_end_matches('_');
        if !name.is_empty() && name.chars().any(|c| c.is_ascii_uppercase()) && after[name.len()..].starts_with("__") {
            return true;
        }
        rest = after;
    }
    false
}

/// The placeholder in an image reference, if any.
pub fn image_placeholder(image: &str) -> Option<String> {
    if template_syntax(image) {
        return Some(image.to_string());
    }
    let name = image.split('@').next().unwrap_or(image);
    let (repo, tag) = match (name.rfind(':'), name.rfind('/')) {
        (Some(c), Some(s)) if c > s => (&name[..c], &name[c + 1..]),
        (Some(c), None) => (&name[..c], &name[c + 1..]),
        _ => (name, ""),
    };
    let words = |s: &'_ str| {
        s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map(str::to_string).collect::<Vec<_>>()
    };
    // Repository names are lower case, so an ALL-CAPS word there is a placeholder; tags may
    // hold upper case (`1.0-SNAPSHOT`), so only ALL_CAPS_WITH_UNDERSCORES counts there.
    for t in words(repo) {
        if caps_token(&t) || (t.len() >= 3 && t.chars().all(|c| c.is_ascii_uppercase() || c == '_')) {
            return Some(t);
        }
    }
    words(tag).into_iter().find(|t| caps_token(t))
}

/// An env value that is a placeholder.
fn env_placeholder(value: &str) -> bool {
    if template_syntax(value) {
        return true;
    }
    let v = value.trim();
    caps_token(v)
        && (v.ends_with("_VALUE")
            || v.ends_with("_VERSION")
            || ["PLACEHOLDER", "REPLACE", "CHANGEME", "CHANGE_ME", "YOUR_"].iter().any(|w| v.contains(w)))
}

/// The Windows build an image tag is pinned to, with the tag word.
pub fn pinned_build(image: &str) -> Option<(u32, &'static str)> {
    let name = image.split('@').next().unwrap_or(image);
    let tag = match (name.rfind(':'), name.rfind('/')) {
        (Some(c), Some(s)) if c > s => &name[c + 1..],
        (Some(c), None) => &name[c + 1..],
        _ => return None,
    };
    for t in tag.split(['-', '.', '_']) {
        match t.to_ascii_lowercase().as_str() {
            "1809" => return Some((17763, "1809")),
            "ltsc2019" => return Some((17763, "ltsc2019")),
            "ltsc2022" => return Some((20348, "ltsc2022")),
            "ltsc2025" => return Some((26100, "ltsc2025")),
            _ => {}
        }
    }
    None
}

/// Windows Server 2022: from this host build on, containerd's platform matcher also takes image
/// entries of any build from 20348 up to the host's (the stable ABI).
const LTSC2022: u32 = 20348;
/// The first containerd with that rule (containerd/platforms v0.2.1); every 2.x has it.
const STABLE_ABI_CONTAINERD: Version = Version::new(1, 7, 19);

/// Whether containerd (`None`: unknown, taken as current) on a host of build `host` pulls the
/// manifest-list entry of an image built for `image`. A HostProcess image needs nothing more:
/// no OS-version check happens after the pull.
pub fn platform_matches(image: u32, host: u32, containerd: Option<Version>) -> bool {
    if image == host {
        return true;
    }
    let stable_abi = containerd.is_none_or(|v| v >= STABLE_ABI_CONTAINERD);
    stable_abi && host >= LTSC2022 && (LTSC2022..=host).contains(&image)
}

fn is_pull_error(o: &Observation<'_>) -> bool {
    ["ErrImagePull", "ImagePullBackOff", "Failed", "BackOff"].contains(&o.reason)
        || o.mentions(&["Failed to pull image"])
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        let obs = observations(snapshot, &spec);
        let node = spec_node(snapshot, &spec);
        let on_linux = node.is_some_and(|n| node_os(n) == "linux");
        let hp: Vec<_> = containers(spec.spec).into_iter().filter(|c| effective_host_process(spec.spec, c)).collect();

        // Live: platform mismatch (HP008 owns it on Linux nodes).
        let platform = observed_groups(&obs, |o| o.mentions(&["no match for platform in manifest"]));
        let mut failed: Vec<Option<&str>> = Vec::new();
        if !on_linux {
            for (container, evidence) in &platform {
                let build = node.and_then(node_windows_build).map(|b| format!(" (build {b})")).unwrap_or_default();
                let on = node.map(|n| format!("node {}{build}", node_name(n))).unwrap_or_else(|| "the node".into());
                let f = finding_at_container(
                    &RULE,
                    &spec,
                    *container,
                    "image",
                    format!(
                        "the image has no variant for {on}, so the pull fails with `no match for platform in manifest`"
                    ),
                    "use a build-independent image (the HostProcess base image) or a multi-build manifest list, or pin node.kubernetes.io/windows-build to the image's build",
                );
                out.push(with_evidence(f, evidence));
                failed.push(*container);
            }
        }

        for c in &hp {
            if failed.contains(&Some(c.name)) || failed.contains(&None) {
                continue;
            }
            let image = c.image.unwrap_or("");
            // Placeholders in the image.
            if let Some(token) = image_placeholder(image) {
                let pulls: Vec<_> = obs
                    .iter()
                    .filter(|o| {
                        o.container.is_none_or(|n| n == c.name)
                            && is_pull_error(o)
                            && o.mentions(&["not found", "manifest unknown"])
                    })
                    .cloned()
                    .collect();
                let f = RULE
                    .finding(
                        &spec,
                        &format!("{}.image", c.path),
                        format!("image {image:?} contains the unsubstituted template placeholder {token}; applied as is, the pull fails (tag not found)"),
                        format!("replace {token} with a real value (the manifest is a template for sed/envsubst)"),
                    )
                    .with_container(c.name);
                out.push(if pulls.is_empty() { f.with_severity(Severity::Warning) } else { with_evidence(f, &pulls) });
            } else if let Some((build, word)) = pinned_build(image)
                && let Some(f) = build_mismatch(snapshot, &spec, c.name, &c.path, image, build, word)
            {
                out.push(f);
            }
            // Placeholders in env values.
            for (k, e) in c.env.into_iter().flatten().enumerate() {
                let Some(v) = e.value.as_deref() else { continue };
                if env_placeholder(v) {
                    out.push(
                        RULE.finding(
                            &spec,
                            &format!("{}.env[{k}].value", c.path),
                            format!("env {} is the unsubstituted template placeholder {v:?}; the container gets that literal text", e.name),
                            format!("replace {v:?} with the real value before applying"),
                        )
                        .with_container(c.name)
                        .with_severity(Severity::Warning),
                    );
                }
            }
        }
        stuck_pulls(&spec, &obs, out);
    }
}

/// Waiting reasons of a container whose image cannot be pulled.
const PULL_WAITING: &[&str] = &["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"];

/// A HostProcess container stuck on its image pull, with no more specific finding: the waiting
/// reason alone is evidence (the events that said why may have expired).
fn stuck_pulls(spec: &crate::snapshot::SpecRef<'_>, obs: &[Observation<'_>], out: &mut Vec<Finding>) {
    let Some(status) = spec.pod.and_then(|p| p.status.as_ref()) else { return };
    let lists = [&status.init_container_statuses, &status.container_statuses];
    for cs in lists.into_iter().flatten().flatten() {
        let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) else { continue };
        let reason = w.reason.as_deref().unwrap_or("");
        if !PULL_WAITING.contains(&reason) {
            continue;
        }
        let mine = |f: &Finding| {
            f.rule == RULE.id && f.object.as_ref() == Some(spec.object) && f.container.as_deref() == Some(&cs.name)
        };
        if out.iter().any(mine) {
            continue;
        }
        let pulls: Vec<_> =
            obs.iter().filter(|o| o.container.is_none_or(|n| n == cs.name) && is_pull_error(o)).cloned().collect();
        let why = if pulls.iter().any(|o| o.kind == ObservationKind::Event) {
            "the events below say why"
        } else {
            "no event says why any more (events expire, by default after an hour)"
        };
        let f = finding_at_container(
            &RULE,
            spec,
            Some(&cs.name),
            "image",
            format!("HostProcess container {:?} cannot pull its image {:?} ({reason}); {why}", cs.name, cs.image),
            "check the image name and tag, the registry credentials (imagePullSecrets), and that the image has a variant for the node's Windows build; `kubectl describe pod` shows the next pull error",
        )
        .with_severity(Severity::Error);
        out.push(with_evidence(f, &pulls));
    }
}

/// A warning when a build-pinned image may meet nodes of another build.
fn build_mismatch(
    snapshot: &Snapshot,
    spec: &crate::snapshot::SpecRef<'_>,
    container: &str,
    path: &str,
    image: &str,
    build: u32,
    word: &str,
) -> Option<Finding> {
    let pinned = spec
        .spec
        .node_selector
        .as_ref()
        .and_then(|s| s.get("node.kubernetes.io/windows-build"))
        .and_then(|b| windows_build(b));
    if pinned == Some(build) {
        return None;
    }
    let pulls_on = |n: &k8s_openapi::api::core::v1::Node| {
        node_windows_build(n).is_none_or(|b| platform_matches(build, b, snapshot.containerd_of(n)))
    };
    let on = |n: &k8s_openapi::api::core::v1::Node| {
        format!("{} (build {})", node_name(n), node_windows_build(n).unwrap_or_default())
    };
    let others: Vec<String> = if let Some(node) = spec_node(snapshot, spec) {
        if pulls_on(node) {
            return None;
        }
        vec![on(node)]
    } else if snapshot.source == Source::Cluster && snapshot.windows_nodes().next().is_some() {
        let v: Vec<String> = snapshot
            .windows_nodes()
            .filter(|n| super::scheduling::node_matches(spec.spec, n) && !pulls_on(n))
            .map(on)
            .collect();
        if v.is_empty() {
            return None;
        }
        v
    } else {
        let ctx = snapshot.context.windows_build.as_deref().and_then(|b| windows_build(b).or_else(|| b.parse().ok()));
        let containerd = snapshot.context.containerd_version.as_deref().and_then(Version::parse);
        match ctx {
            Some(b) if platform_matches(build, b, containerd) => return None,
            Some(b) => vec![format!("the target build {b}")],
            None => Vec::new(),
        }
    };
    let where_ = if others.is_empty() { "nodes of another Windows build".to_string() } else { others.join(", ") };
    Some(
        RULE.finding(
            spec,
            &format!("{path}.image"),
            format!("image {image:?} is built for Windows build {build} ({word}); on {where_} containerd finds no matching platform entry and the pull fails with `no match for platform in manifest` (a HostProcess image is not bound to the host's build once pulled: only this pull-time match matters)"),
            format!("use a build-independent image (the HostProcess base image), or pin `node.kubernetes.io/windows-build: 10.0.{build}`"),
        )
        .with_container(container)
        .with_severity(Severity::Warning),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, node, pod_snapshot, rules_fired};

    fn pod(container: &str) -> String {
        format!(
            r#"{{"hostNetwork":true,"securityContext":{{"windowsOptions":{{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}}}},"containers":[{container}]}}"#
        )
    }

    #[test]
    fn placeholder_detection() {
        assert_eq!(
            image_placeholder("sigwindowstools/kube-proxy:KUBE_PROXY_VERSION-calico-hostprocess").as_deref(),
            Some("KUBE_PROXY_VERSION")
        );
        assert!(image_placeholder("sigwindowstools/calico-node:CALICO_VERSION-hostprocess").is_some());
        assert!(image_placeholder("registry/${KUBERNETES_VERSION/+/_}").is_some());
        assert!(image_placeholder("REGISTRY/app:1.0").is_some());
        assert!(image_placeholder("ghcr.io/kubernetes-sigs/sig-windows/csi-proxy:v1.1.2").is_none());
        assert!(image_placeholder("sigwindowstools/kube-proxy").is_none());
        assert!(image_placeholder("example.com/app:v1.0.0-RC1").is_none());
        assert!(image_placeholder("example.com/app:1.0-SNAPSHOT").is_none());
        assert!(image_placeholder("localhost:5000/app").is_none());
        assert!(env_placeholder("KUBERNETES_SERVICE_HOST_VALUE"));
        assert!(env_placeholder("__K8S_SERVICE_CIDR__"));
        assert!(!env_placeholder("$(POD_NAME)"));
        assert!(!env_placeholder("C:\\\\opt\\\\cni\\\\bin"));
        assert!(!env_placeholder("ROLE_ADMIN"));
        assert!(!env_placeholder("flannel.4096"));
    }

    #[test]
    fn placeholders_warn_offline() {
        let s = pod_snapshot(&pod(
            r#"{"name":"f","image":"sigwindowstools/flannel:FLANNEL_VERSION-hostprocess","env":[{"name":"KUBERNETES_SERVICE_HOST","value":"KUBERNETES_SERVICE_HOST_VALUE"},{"name":"VXLAN_VNI","value":"4096"}]}"#,
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(f[1].field.as_deref(), Some("spec.containers[0].env[0].value"));
    }

    #[test]
    fn build_pinned_image_warns_unless_pinned() {
        let s = pod_snapshot(&pod(r#"{"name":"a","image":"mcr.microsoft.com/windows/nanoserver:1809"}"#));
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Warning);
        let mut s = pod_snapshot(&pod(r#"{"name":"a","image":"mcr.microsoft.com/windows/nanoserver:1809"}"#));
        s.context.windows_build = Some("10.0.17763".into());
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn live_platform_mismatch_is_error() {
        let mut s = cluster_pod(
            r#"{"hostNetwork":true,"nodeName":"w1","securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a","image":"mcr.microsoft.com/windows/nanoserver:1809"}]}"#,
            "{}",
        );
        s.nodes = vec![node("w1", "windows", "containerd://1.7.0", "v1.30.0", "10.0.20348.1", "[]")];
        s.events.push(event(
            "Pod",
            "p",
            "Failed",
            "Failed to pull image \"mcr.microsoft.com/windows/nanoserver:1809\": rpc error: code = NotFound desc = failed to pull and unpack image \"mcr.microsoft.com/windows/nanoserver:1809\": no match for platform in manifest: not found",
            Some("spec.containers{a}"),
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("w1 (build 20348)"));
    }

    #[test]
    fn platform_match_follows_containerd() {
        let current = Version::parse("2.3.1");
        assert!(platform_matches(17763, 17763, current));
        assert!(platform_matches(20348, 26100, current), "ltsc2022 pulls on WS2025 (stable ABI)");
        assert!(platform_matches(20348, 25398, current), "and on 23H2");
        assert!(!platform_matches(17763, 20348, current), "ltsc2019 never on WS2022");
        assert!(!platform_matches(26100, 20348, current), "ltsc2025 not on WS2022");
        assert!(!platform_matches(20348, 17763, current));
        assert!(!platform_matches(20348, 26100, Version::parse("1.6.28")), "containerd 1.6 needs the exact build");
        assert!(!platform_matches(20348, 26100, Version::parse("1.7.18")));
        assert!(platform_matches(20348, 26100, None));
    }

    /// Azure/azure-container-networking#3105: a HostProcess image built for another build is
    /// flagged only where containerd would not pull it.
    #[test]
    fn build_pinned_image_is_flagged_only_where_the_pull_fails() {
        let spec = |image: &str| {
            format!(
                r#"{{"hostNetwork":true,"nodeName":"w1","securityContext":{{"windowsOptions":{{"hostProcess":true}}}},"containers":[{{"name":"a","image":"{image}"}}]}}"#
            )
        };
        let on = |image: &str, runtime: &str, kernel: &str| {
            let mut s = cluster_pod(&spec(image), "{}");
            s.nodes = vec![node("w1", "windows", runtime, "v1.36.3", kernel, "[]")];
            findings(&s, &RULE)
        };
        let cns = "mcr.microsoft.com/containernetworking/azure-cns:windows-amd64-ltsc2022-v1.5.3";
        assert!(on(cns, "containerd://2.3.1", "10.0.26100.2314").is_empty(), "ltsc2022 on WS2025 pulls");
        let f = on(cns, "containerd://1.6.28", "10.0.26100.2314");
        assert_eq!(f.len(), 1, "containerd 1.6 matches the exact build only: {f:#?}");
        assert!(f[0].message.contains("w1 (build 26100)"), "{}", f[0].message);
        let f = on("mcr.microsoft.com/windows/nanoserver:1809", "containerd://2.3.1", "10.0.20348.2762");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("only this pull-time match matters"), "{}", f[0].message);
        assert_eq!(on("mcr.microsoft.com/windows/nanoserver:ltsc2025", "containerd://2.3.1", "10.0.20348.1").len(), 1);
        assert!(on("mcr.microsoft.com/windows/nanoserver:ltsc2022", "containerd://2.3.1", "10.0.20348.1").is_empty());
        // Build-independent images (no os.version) are never flagged.
        let base = "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0";
        assert!(on(base, "containerd://1.6.28", "10.0.17763.1").is_empty());
        // Offline: the --windows-build / --containerd-version context decides.
        let mut s = pod_snapshot(&pod(&format!(r#"{{"name":"a","image":"{cns}"}}"#)));
        s.context.windows_build = Some("10.0.26100".into());
        assert!(rules_fired(&s, &RULE).is_empty());
        s.context.containerd_version = Some("1.6.28".into());
        assert_eq!(rules_fired(&s, &RULE), ["HP017"]);
    }

    #[test]
    fn quiet_on_real_images() {
        let s = pod_snapshot(&pod(
            r#"{"name":"a","image":"ghcr.io/kubernetes-sigs/sig-windows/csi-proxy:v1.1.2","env":[{"name":"KUBE_NETWORK","value":"flannel.4096"}]}"#,
        ));
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
