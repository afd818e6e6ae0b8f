//! HP015 pipe-socket-mounts.

use super::containers::{containers, effective_host_process, host_process_specs};
use super::evidence::{finding_at_container, observations, observed_groups, with_evidence};
use super::rule::{Admission, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP015",
    name: "pipe-socket-mounts",
    severity: Severity::Error,
    summary: "Named pipes and Unix sockets cannot be mounted into HostProcess containers",
    doc: r#"## What it does
Reports `hostPath` volumes mounted into a HostProcess container whose path is a named pipe
(`\\.\pipe\...`) or a Unix socket (`type: Socket`, or a path ending in `.sock`). Live, it also
matches the hcsshim error `named pipe mounts not supported` in events and container statuses.

## Why is this bad?
hcsshim refuses the container:

    named pipe mounts not supported for job containers - interact with the pipe directly

Unix-socket mounts are documented as unsupported as well. HostProcess containers run on the
host, so they do not need the mount: they can open `\\.\pipe\containerd-containerd` or
`C:\var\run\x.sock` directly. Environment variables that carry such endpoints
(`CSI_ENDPOINT=unix://C:\\var\\lib\\kubelet\\...\\csi.sock`) are fine — they are not mounts.

## Example
```yaml
volumes:
- name: containerd
  hostPath:
    path: \\.\pipe\containerd-containerd
containers:
- name: agent
  volumeMounts:
  - name: containerd
    mountPath: \\.\pipe\containerd-containerd
```

## Use instead
```yaml
containers:
- name: agent
  env:
  - name: CONTAINERD_ENDPOINT
    value: npipe:////./pipe/containerd-containerd
```

## References
- KEP-1981; kubernetes.io "Create a Windows HostProcess Pod" (Limitations)
- hcsshim `internal/jobcontainers/mounts.go` (`isnamedPipePath`)
"#,
    rank: 43,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): a HostProcess container that mounts a hostPath volume that is a named
/// pipe or a Unix socket (`kind_of`).
pub const ADMISSION: &[Admission] = &[Admission {
    expression: r#"variables.spec.?volumes.orValue([]).filter(v, has(v.hostPath) && (v.hostPath.path.matches(r'(?i)^[\\/][\\/]\.[\\/]pipe[\\/]') || v.hostPath.?type.orValue('') == 'Socket' || v.hostPath.path.matches(r'(?i)\.sock$'))).all(v, !variables.containers.exists(c, c.?securityContext.?windowsOptions.?hostProcess.orValue(variables.podHostProcess) == true && c.?volumeMounts.orValue([]).exists(m, m.name == v.name)))"#,
    host_process_only: true,
    field: "volumes[*].hostPath",
    fix: "remove the mount and the volume; open the pipe or socket directly from the container",
}];

const PIPE_ERROR: &str = "named pipe mounts not supported";

/// "named pipe" / "Unix socket" when the hostPath path is one.
fn kind_of(path: &str, type_: Option<&str>) -> Option<&'static str> {
    let p = path.replace('/', "\\").to_ascii_lowercase();
    if p.starts_with("\\\\.\\pipe\\") {
        Some("named pipe")
    } else if type_ == Some("Socket") || p.ends_with(".sock") {
        Some("Unix socket")
    } else {
        None
    }
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        let obs = observations(snapshot, &spec);
        let groups = observed_groups(&obs, |o| o.mentions(&[PIPE_ERROR]));
        let mut reported: Vec<Option<String>> = Vec::new();
        let hp: Vec<_> = containers(spec.spec).into_iter().filter(|c| effective_host_process(spec.spec, c)).collect();
        for (i, v) in spec.spec.volumes.iter().flatten().enumerate() {
            let Some(hpath) = &v.host_path else { continue };
            let Some(kind) = kind_of(&hpath.path, hpath.type_.as_deref()) else { continue };
            for c in &hp {
                let Some(j) = c.volume_mounts.into_iter().flatten().position(|m| m.name == v.name) else { continue };
                let evidence: Vec<_> = groups
                    .iter()
                    .filter(|(gc, _)| gc.is_none() || *gc == Some(c.name))
                    .flat_map(|(_, e)| e.clone())
                    .collect();
                let f = RULE
                    .finding(
                        &spec,
                        &format!("{}.volumeMounts[{j}]", c.path),
                        format!(
                            "HostProcess container {:?} mounts the {kind} {} (volume {:?}); {kind} mounts are not supported for HostProcess containers and the container fails to start",
                            c.name, hpath.path, v.name
                        ),
                        format!("remove the mount and volumes[{i}]; open {} directly from the container", hpath.path),
                    )
                    .with_container(c.name);
                out.push(with_evidence(f, &evidence));
                reported.push(Some(c.name.to_string()));
            }
        }
        for (container, evidence) in &groups {
            if reported.iter().any(|r| container.is_none() || r.as_deref() == *container) {
                continue;
            }
            let f = finding_at_container(
                &RULE,
                &spec,
                *container,
                "volumeMounts",
                format!("the container cannot start because it mounts a named pipe: {PIPE_ERROR} for job containers"),
                "remove the named-pipe volume mount and open the pipe directly (\\\\.\\pipe\\...)",
            );
            out.push(with_evidence(f, evidence));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, pod_snapshot, rules_fired};

    const BASE: &str = r#""hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}}"#;

    #[test]
    fn pipe_and_socket_mounts_fire() {
        let s = pod_snapshot(&format!(
            r#"{{{BASE},"volumes":[{{"name":"pipe","hostPath":{{"path":"\\\\.\\pipe\\containerd-containerd"}}}},
                                    {{"name":"sock","hostPath":{{"path":"C:\\var\\run\\csi.sock","type":"Socket"}}}}],
                "containers":[{{"name":"a","volumeMounts":[{{"name":"pipe","mountPath":"\\\\.\\pipe\\containerd-containerd"}},{{"name":"sock","mountPath":"/csi/csi.sock"}}]}}]}}"#
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.severity == Severity::Error));
        assert!(f[0].message.contains("named pipe"));
        assert!(f[1].message.contains("Unix socket"));
    }

    #[test]
    fn quiet_on_directories_and_env_endpoints() {
        let s = pod_snapshot(&format!(
            r#"{{{BASE},"volumes":[{{"name":"d","hostPath":{{"path":"C:\\var\\lib\\kubelet"}}}}],
                "containers":[{{"name":"a","env":[{{"name":"CSI_ENDPOINT","value":"unix://C:\\var\\lib\\kubelet\\csi.sock"}}],
                "volumeMounts":[{{"name":"d","mountPath":"/kubelet"}}]}}]}}"#
        ));
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn live_error_without_visible_mount() {
        let mut s = cluster_pod(&format!(r#"{{{BASE},"containers":[{{"name":"a"}}]}}"#), "{}");
        s.events.push(event(
            "Pod",
            "p",
            "Failed",
            "Error: failed to create containerd task: named pipe mounts not supported for job containers - interact with the pipe directly",
            Some("spec.containers{a}"),
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].container.as_deref(), Some("a"));
    }
}
