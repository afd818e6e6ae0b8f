//! HP014 volume-mount-semantics.

use super::containers::{ContainerView, containers, effective_host_process, host_process_specs};
use super::evidence::join_quoted;
use super::nodes::target_containerd;
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "HP014",
    name: "volume-mount-semantics",
    severity: Severity::Warning,
    summary: "HostProcess volume paths differ between containerd 1.6 (symlink) and 1.7+ (bind)",
    doc: r#"## What it does
Looks at how HostProcess containers reach their volumes, against the containerd version they will
meet (the pod's node live, `--containerd-version` offline; unknown otherwise):

- a command, argument, working directory or env value that reads a volume through
  `$env:CONTAINER_SANDBOX_MOUNT_POINT\<mountPath>` (or `%CONTAINER_SANDBOX_MOUNT_POINT%`):
  warning on containerd 1.7+, info when the version is unknown;
- on containerd 1.6, the same value using the **absolute** `mountPath` (`C:\var\lib\...`), which
  is the host's path there: warning; and a service account token that client-go will not find
  (info);
- on containerd 1.7+ (or unknown), a `mountPath` over a well-known host directory
  (`/var/lib/kubelet`, `/etc/cni/net.d`, `/opt/cni/bin`, `C:\k`, `C:\Windows`): info, the host
  content is shadowed for that container;
- `hostPath` volumes mounted into HostProcess containers: info. They work, but are not
  recommended: HostProcess containers can read the host file system directly.

Relative paths (`.\<mountPath>` or a bare file name with the default working directory) work on
both and are not reported.

## Why is this bad?
On containerd 1.6 volumes exist **only** under the container's sandbox mount point;
`rest.InClusterConfig()` then fails with `open /var/run/secrets/kubernetes.io/serviceaccount/token:
The system cannot find the path specified.`. On containerd 1.7+ volumes are bind-mounted at
their `mountPath`, the image lives at `C:\hpc`, and the old location under the mount point is a
best-effort symlink, so scripts fail with errors like `Cannot find path
'C:\hpc\var\lib\kube-proxy\kubeconfig.conf' because it does not exist.`. `hostPath` volumes also
add `hostPath volumes (...)` to the Pod Security rejection (HP007).

## Example
```yaml
containers:
- name: kube-proxy
  args: ["$env:CONTAINER_SANDBOX_MOUNT_POINT/var/lib/kube-proxy/kubeconfig.conf"]
  volumeMounts:
  - name: kube-proxy
    mountPath: /var/lib/kube-proxy
```

## Use instead
```yaml
containers:
- name: kube-proxy
  args: ["./var/lib/kube-proxy/kubeconfig.conf"]   # relative: containerd 1.6 and 1.7
  volumeMounts:
  - name: kube-proxy
    mountPath: /var/lib/kube-proxy
```

## References
- KEP-1981 "Container Mounts", "Compatibility"; kubernetes.io "Create a Windows HostProcess Pod" (Volume mounts)
- hcsshim `internal/jobcontainers/mounts.go`
"#,
    rank: 50,
    signatures: super::signatures::hp014::SIGNATURES,
    admission: &[],
    check,
};

const V17: Version = Version::new(1, 7, 0);

/// Which volume layout a node gives HostProcess containers, in one sentence for a finding.
/// `node`: its name and containerd version, when the pod's node is known.
pub fn layout_note(node: Option<(&str, Option<Version>)>) -> String {
    match node {
        Some((name, Some(v))) if v < V17 => format!(
            "Node {name} runs containerd {v}: volumes exist only under $env:CONTAINER_SANDBOX_MOUNT_POINT (C:\\C\\<container id>\\<mountPath>), so absolute mountPaths such as /var/run/secrets/kubernetes.io/serviceaccount do not exist on the host."
        ),
        Some((name, Some(v))) => format!(
            "Node {name} runs containerd {v}: volumes are bound at their mountPath (C:\\<mountPath>) and the image is at C:\\hpc; a volume read through $env:CONTAINER_SANDBOX_MOUNT_POINT\\<mountPath> is a best-effort copy that may not exist."
        ),
        _ => "The node's containerd version is unknown: containerd 1.6 puts volumes under $env:CONTAINER_SANDBOX_MOUNT_POINT (C:\\C\\<container id>), 1.7+ binds them at their mountPath and the image at C:\\hpc.".to_string(),
    }
}

/// `C:\Var\Lib\x\` → `var/lib/x` (drive, leading and trailing separators dropped, lower case).
fn norm(p: &str) -> String {
    let p = p.replace('\\', "/").to_ascii_lowercase();
    let p = p.strip_prefix("c:").unwrap_or(&p);
    p.trim_matches('/').to_string()
}

/// Every value of a container that names paths: command, args, workingDir, env values.
fn path_values<'a>(c: &ContainerView<'a>) -> Vec<&'a str> {
    let mut v: Vec<&str> = Vec::new();
    v.extend(c.command.into_iter().flatten().map(String::as_str));
    v.extend(c.args.into_iter().flatten().map(String::as_str));
    v.extend(c.working_dir);
    v.extend(c.env.into_iter().flatten().filter_map(|e| e.value.as_deref()));
    v
}

const MOUNT_VARS: &[&str] =
    &["$env:container_sandbox_mount_point", "%container_sandbox_mount_point%", "$container_sandbox_mount_point"];

/// Paths following a mount-point variable in a value (normalized).
fn after_mount_point(value: &str) -> Vec<String> {
    let lower = value.to_ascii_lowercase();
    let mut out = Vec::new();
    for var in MOUNT_VARS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(var) {
            let start = from + i + var.len();
            let rest: String =
                lower[start..].chars().take_while(|c| !c.is_whitespace() && !"\"';,".contains(*c)).collect();
            out.push(norm(&rest));
            from = start;
        }
    }
    out
}

/// Whether `value` uses `mount` (normalized) as an absolute path, not behind a mount-point variable.
fn absolute_use(value: &str, mount: &str) -> bool {
    let mut lower = value.to_ascii_lowercase().replace('\\', "/");
    for var in MOUNT_VARS {
        lower = lower.replace(var, "\u{1}");
    }
    let needle = format!("/{mount}");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle) {
        let at = from + i;
        let before = lower[..at].chars().last();
        let after = lower[at + needle.len()..].chars().next();
        let boundary_after = after.is_none_or(|c| c == '/' || c.is_whitespace() || "\"';,".contains(c));
        let prefix_ok = match before {
            None => true,
            Some(':') => lower[..at].ends_with("c:") && !lower[..at.saturating_sub(2)].ends_with('\u{1}'),
            Some(c) => c.is_whitespace() || "\"'=,(".contains(c),
        };
        if boundary_after && prefix_ok {
            return true;
        }
        from = at + 1;
    }
    false
}

fn under(path: &str, dir: &str) -> bool {
    path == dir || path.starts_with(&format!("{dir}/"))
}

/// Live, the token advice matters only for a container that started and then failed.
fn has_failed_after_start(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.container_statuses.as_ref()).is_some_and(|cs| {
        cs.iter().any(|c| {
            c.restart_count > 0
                || c.state.as_ref().and_then(|s| s.terminated.as_ref()).is_some_and(|t| t.exit_code != 0)
                || c.last_state.as_ref().and_then(|s| s.terminated.as_ref()).is_some()
        })
    })
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        if spec.partial {
            continue;
        }
        let versions = target_containerd(snapshot, &spec);
        let has_17 = versions.iter().any(|v| *v >= V17);
        let has_16 = versions.iter().any(|v| *v < V17);
        let unknown = versions.is_empty();
        let volumes = spec.spec.volumes.as_deref().unwrap_or(&[]);
        let hp: Vec<_> = containers(spec.spec).into_iter().filter(|c| effective_host_process(spec.spec, c)).collect();

        for c in &hp {
            let mounts = c.volume_mounts.map(Vec::as_slice).unwrap_or(&[]);
            if mounts.is_empty() {
                continue;
            }
            let values = path_values(c);
            // The paths behind the mount-point variable, found once for all the mounts.
            let behind_var: Vec<String> = values.iter().flat_map(|v| after_mount_point(v)).collect();
            for (j, m) in mounts.iter().enumerate() {
                let mp = norm(&m.mount_path);
                if mp.is_empty() {
                    continue;
                }
                let field = format!("{}.volumeMounts[{j}]", c.path);
                // Access through the sandbox mount point.
                let via_var = behind_var.iter().any(|rest| under(rest, &mp));
                if via_var && (has_17 || unknown) {
                    let (sev, when) = if has_17 {
                        (
                            Severity::Warning,
                            "on containerd 1.7+ the volume is bind-mounted at its mountPath and the copy under the mount point is only best effort",
                        )
                    } else {
                        (
                            Severity::Info,
                            "this works on containerd 1.6, but on containerd 1.7+ the volume is bind-mounted at its mountPath and the copy under the mount point is only best effort",
                        )
                    };
                    out.push(
                        RULE.finding(
                            &spec,
                            &field,
                            format!("container {:?} reads volume {:?} through $env:CONTAINER_SANDBOX_MOUNT_POINT/{mp}; {when}", c.name, m.name),
                            format!("use the relative path `./{mp}/...`, which works on containerd 1.6 and 1.7"),
                        )
                        .with_container(c.name)
                        .with_severity(sev),
                    );
                }
                // Absolute access on containerd 1.6.
                if has_16 && !has_17 && values.iter().any(|v| absolute_use(v, &mp)) {
                    out.push(
                        RULE.finding(
                            &spec,
                            &field,
                            format!("container {:?} uses volume {:?} by its absolute path /{mp}; on containerd 1.6 volumes exist only under $CONTAINER_SANDBOX_MOUNT_POINT, and /{mp} is the host's directory", c.name, m.name),
                            format!("use the relative path `./{mp}/...` (works on containerd 1.6 and 1.7), or upgrade to containerd 1.7"),
                        )
                        .with_container(c.name),
                    );
                }
                // Shadowing in bind mode.
                let shadowed = ["var/lib/kubelet", "etc/cni/net.d", "opt/cni/bin", "k"].contains(&mp.as_str())
                    || under(&mp, "windows");
                if shadowed && (has_17 || unknown) {
                    out.push(
                        RULE.finding(
                            &spec,
                            &format!("{field}.mountPath"),
                            format!("container {:?} mounts volume {:?} over the host directory {}; on containerd 1.7+ this hides the host's content from the container", c.name, m.name, m.mount_path),
                            "mount the volume somewhere else (e.g. /mounts/<name>) and copy or read from there",
                        )
                        .with_container(c.name)
                        .with_severity(Severity::Info),
                    );
                }
            }
        }

        // Service account token on containerd 1.6.
        if has_16
            && !has_17
            && spec.spec.automount_service_account_token != Some(false)
            && spec.spec.service_account_name.is_some()
            && spec.pod.is_none_or(has_failed_after_start)
        {
            out.push(
                RULE.finding(
                    &spec,
                    "serviceAccountName",
                    "on containerd 1.6 the service account token is only under $CONTAINER_SANDBOX_MOUNT_POINT, so client-go's InClusterConfig fails with `open /var/run/secrets/kubernetes.io/serviceaccount/token: The system cannot find the path specified.`",
                    "upgrade to containerd 1.7, or build a kubeconfig from $env:CONTAINER_SANDBOX_MOUNT_POINT/var/run/secrets/kubernetes.io/serviceaccount",
                )
                .with_severity(Severity::Info),
            );
        }

        // hostPath volumes into HostProcess containers.
        for (i, v) in volumes.iter().enumerate() {
            let Some(hp_path) = &v.host_path else { continue };
            let p = hp_path.path.to_ascii_lowercase().replace('\\', "/");
            if p.starts_with("//./pipe/") || hp_path.type_.as_deref() == Some("Socket") || p.ends_with(".sock") {
                continue; // HP015
            }
            let users: Vec<&str> = hp
                .iter()
                .filter(|c| c.volume_mounts.into_iter().flatten().any(|m| m.name == v.name))
                .map(|c| c.name)
                .collect();
            if users.is_empty() {
                continue;
            }
            let f = RULE
                .finding(
                    &spec,
                    &format!("volumes[{i}]"),
                    format!(
                        "hostPath volume {:?} ({}) is mounted into HostProcess {} {}; this works but is not recommended, since HostProcess containers can use the host path directly",
                        v.name,
                        hp_path.path,
                        if users.len() == 1 { "container" } else { "containers" },
                        join_quoted(&users)
                    ),
                    format!("drop the volume and use {} directly (it also adds `hostPath volumes` to Pod Security rejections)", hp_path.path),
                )
                .with_severity(Severity::Info);
            out.push(if users.len() == 1 { f.with_container(users[0]) } else { f });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{findings, pod_snapshot, rules_fired};

    const BASE: &str = r#""hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}}"#;

    #[test]
    fn host_path_volume_is_info() {
        let s = pod_snapshot(&format!(
            r#"{{{BASE},"volumes":[{{"name":"cni","hostPath":{{"path":"/opt/cni/bin"}}}}],
                "containers":[{{"name":"a","volumeMounts":[{{"name":"cni","mountPath":"/host/opt/cni/bin"}}]}}]}}"#
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].field.as_deref(), Some("spec.volumes[0]"));
    }

    #[test]
    fn mount_point_access_depends_on_containerd() {
        let spec = format!(
            r#"{{{BASE},"volumes":[{{"name":"kp","configMap":{{"name":"kp"}}}}],
                "containers":[{{"name":"a","args":["$env:CONTAINER_SANDBOX_MOUNT_POINT/var/lib/kube-proxy/kubeconfig.conf"],
                "volumeMounts":[{{"name":"kp","mountPath":"/var/lib/kube-proxy"}}]}}]}}"#
        );
        let mut s = pod_snapshot(&spec);
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Info);
        s.context.containerd_version = Some("1.7.20".into());
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Warning);
        s.context.containerd_version = Some("1.6.28".into());
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn absolute_access_on_16_warns() {
        let mut s = pod_snapshot(&format!(
            r#"{{{BASE},"volumes":[{{"name":"kp","configMap":{{"name":"kp"}}}}],
                "containers":[{{"name":"a","args":["-config","C:\\var\\lib\\kube-proxy\\config.conf"],
                "volumeMounts":[{{"name":"kp","mountPath":"/var/lib/kube-proxy"}}]}}]}}"#
        ));
        s.context.containerd_version = Some("1.6.28".into());
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Warning);
    }

    #[test]
    fn quiet_on_image_content_and_relative_paths() {
        // Fixture 01: the mount point points at image content, not the volume.
        let s = pod_snapshot(&format!(
            r#"{{{BASE},"volumes":[{{"name":"kp","configMap":{{"name":"kp"}}}}],
                "containers":[{{"name":"a","args":["$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/start.ps1"],
                "workingDir":"$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/",
                "volumeMounts":[{{"name":"kp","mountPath":"/var/lib/kube-proxy"}}]}}]}}"#
        ));
        assert!(rules_fired(&s, &RULE).is_empty());
        let s = pod_snapshot(&format!(
            r#"{{{BASE},"volumes":[{{"name":"c","configMap":{{"name":"c"}}}}],
                "containers":[{{"name":"a","args":["config.json"],"volumeMounts":[{{"name":"c","mountPath":"/config.json","subPath":"config.json"}}]}}]}}"#
        ));
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn absolute_use_matching() {
        assert!(absolute_use("C:\\var\\lib\\kube-proxy\\x", "var/lib/kube-proxy"));
        assert!(absolute_use("--config=/var/lib/kube-proxy/x", "var/lib/kube-proxy"));
        assert!(!absolute_use("$env:CONTAINER_SANDBOX_MOUNT_POINT/var/lib/kube-proxy/x", "var/lib/kube-proxy"));
        assert!(!absolute_use("/var/lib/kube-proxy-other", "var/lib/kube-proxy"));
    }
}
