//! HP016 command-resolves-on-host.

use super::containers::{containers, effective_host_process, host_process_specs};
use super::evidence::{finding_at_container, observations, observed_groups, with_evidence};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP016",
    name: "command-resolves-on-host",
    severity: Severity::Error,
    summary: "HostProcess commands resolve against the host file system, not the image",
    doc: r#"## What it does
Checks the executable (`command[0]`) of every HostProcess container:

- a Linux-style absolute path (`/usr/local/bin/agent.exe`) → warning: on the host it means
  `C:\usr\local\bin\agent.exe`, not the file in the image;
- a drive path outside `C:\Windows` (`C:\app\agent.exe`) → info: it must exist on every host;
- `pwsh`/`pwsh.exe` → warning: PowerShell 7 is not part of Windows Server.

Paths behind `$env:CONTAINER_SANDBOX_MOUNT_POINT` or `%CONTAINER_SANDBOX_MOUNT_POINT%`, and
relative paths, are fine. Live, the hcsshim errors `failed to find executable`,
`found directory instead of executable` and `no ending quotation mark found in command` in events
or container statuses are errors, with the kubelet's message as evidence.

Container logs that say a relative script or program was not found (`The term './x.exe' is not
recognized …`, signature `relative-path-working-dir`) are errors too: relative paths resolve
against the working directory, which is the image's mount point only by default.

## Why is this bad?
A HostProcess container's process runs on the host. hcsshim looks the executable up in the
working directory, `PATH` (plus the container's rootfs and the Windows PowerShell directories),
then `C:\Windows`, `System32` and `System`, so an image path that is not relative to the mount
point is not found and the start fails (RunContainerError, then CrashLoopBackOff):

    Error: failed to start containerd task "agent": failed to get application name from commandline "/usr/local/bin/agent.exe": failed to find executable "/usr/local/bin/agent.exe": unknown

The mount point is substituted without a trailing backslash, so
`$env:CONTAINER_SANDBOX_MOUNT_POINT\agent.exe` and `...MOUNT_POINT/agent.exe` both work.

## Example
```yaml
containers:
- name: agent
  command: ["/agent/agent.exe", "--config", "config.yaml"]
```

## Use instead
```yaml
containers:
- name: agent
  command: ["$env:CONTAINER_SANDBOX_MOUNT_POINT\\agent\\agent.exe", "--config", "config.yaml"]
```
or a relative path (`agent\agent.exe`) with the default working directory. The default is
`$env:CONTAINER_SANDBOX_MOUNT_POINT` (`C:\hpc` on containerd 1.7+): containerd 1.7.0–1.7.18 used
`C:\` instead (Azure/AKS#4196, fixed by containerd#10071 in 1.7.16 and #10306 in 1.7.19; 2.0 and
later are right), and an image `WORKDIR` or a pod `workingDir` moves it (kubernetes#112885), so
absolute paths through the mount point are the safe form.

## References
- hcsshim `internal/jobcontainers/path.go`, `jobcontainer.go` (`replaceWithMountPoint`)
- KEP-1981 e2e "container command path validation"; kubernetes-sigs/sig-windows-tools#345
- Azure/AKS#4196 (working directory `C:\` instead of `C:\hpc`); containerd#10069, #10071, #10306;
  kubernetes/kubernetes#112885
"#,
    rank: 44,
    signatures: super::signatures::hp016::SIGNATURES,
    admission: &[],
    check,
};

const LIVE: &[&str] = &[
    "failed to find executable",
    "found directory instead of executable",
    "no ending quotation mark found in command",
    "failed to get application name from commandline",
];

/// A problem with a command's executable: (severity, message, fix).
fn classify(exe: &str) -> Option<(Severity, String, String)> {
    let lower = exe.to_ascii_lowercase();
    if lower.contains("container_sandbox_mount_point") {
        return None;
    }
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    if base == "pwsh" || base == "pwsh.exe" {
        return Some((
            Severity::Warning,
            format!("the command runs {exe:?}, which resolves on the host; PowerShell 7 is not part of Windows Server and exists only where it was installed"),
            "use powershell.exe (Windows PowerShell, always present), or ship pwsh in the image and call it via $env:CONTAINER_SANDBOX_MOUNT_POINT".into(),
        ));
    }
    if exe.starts_with('/') && !exe.starts_with("//") {
        return Some((
            Severity::Warning,
            format!(
                "the executable {exe:?} is an absolute path that resolves on the host (C:{}), not in the image; the start fails with `failed to find executable` unless the host has it",
                exe.replace('/', "\\")
            ),
            format!(
                "use $env:CONTAINER_SANDBOX_MOUNT_POINT{exe} for a file in the image, or a path relative to the working directory"
            ),
        ));
    }
    let b = lower.as_bytes();
    if b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/') {
        let rest = lower[3..].replace('/', "\\");
        if !rest.starts_with("windows\\") {
            return Some((
                Severity::Info,
                format!("the executable {exe:?} is a host path: it must exist on every node the pod can run on"),
                "if the binary ships in the image, call it via $env:CONTAINER_SANDBOX_MOUNT_POINT\\... or a relative path".into(),
            ));
        }
    }
    None
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        let obs = observations(snapshot, &spec);
        let groups = observed_groups(&obs, |o| o.mentions(LIVE));
        for (container, evidence) in &groups {
            let f = finding_at_container(
                &RULE,
                &spec,
                *container,
                "command",
                "the container cannot start: its command does not resolve to an executable on the host (HostProcess commands resolve against the host file system, not the image)",
                "call image binaries via $env:CONTAINER_SANDBOX_MOUNT_POINT\\... or a path relative to the working directory",
            );
            out.push(with_evidence(f, evidence));
        }
        for c in containers(spec.spec).into_iter().filter(|c| effective_host_process(spec.spec, c)) {
            if groups.iter().any(|(gc, _)| gc.is_none() || *gc == Some(c.name)) {
                continue;
            }
            let Some(exe) = c.command.and_then(|v| v.first()) else { continue };
            if let Some((sev, msg, fix)) = classify(exe) {
                out.push(
                    RULE.finding(&spec, &format!("{}.command[0]", c.path), msg, fix)
                        .with_container(c.name)
                        .with_severity(sev),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, findings, pod_snapshot, rules_fired};

    fn pod(command: &str) -> String {
        format!(
            r#"{{"hostNetwork":true,"securityContext":{{"windowsOptions":{{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}}}},"containers":[{{"name":"a","command":{command}}}]}}"#
        )
    }

    #[test]
    fn linux_absolute_path_warns() {
        let f = findings(&pod_snapshot(&pod(r#"["/usr/local/bin/agent.exe"]"#)), &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].field.as_deref(), Some("spec.containers[0].command[0]"));
        let f = findings(&pod_snapshot(&pod(r#"["pwsh.exe","-c","x"]"#)), &RULE);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn quiet_on_mount_point_relative_and_windows_paths() {
        for c in [
            r#"["$env:CONTAINER_SANDBOX_MOUNT_POINT/agent/agent.exe"]"#,
            r#"["%CONTAINER_SANDBOX_MOUNT_POINT%\\agent.exe"]"#,
            r#"["powershell.exe","-File","start.ps1"]"#,
            r#"["C:\\Windows\\System32\\cmd.exe","/c","dir"]"#,
            r#"["agent\\agent.exe"]"#,
        ] {
            assert!(rules_fired(&pod_snapshot(&pod(c)), &RULE).is_empty(), "{c}");
        }
    }

    #[test]
    fn live_failed_to_find_executable_is_error() {
        let s = cluster_pod(
            &pod(r#"["/agent.exe"]"#),
            r#"{"containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":2,
                "state":{"waiting":{"reason":"RunContainerError","message":"failed to start containerd task \"a\": failed to get application name from commandline \"/agent.exe\": failed to find executable \"/agent.exe\": unknown"}}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].field.as_deref(), Some("spec.containers[0].command"));
        assert!(f[0].evidence[0].starts_with("RunContainerError: "));
    }

    /// A relative command that the working directory does not hold (kubernetes#112885,
    /// Azure/AKS#4196): doctor names it from the container's log.
    #[test]
    fn relative_path_not_found_in_the_log_is_named() {
        let sample = include_str!("../../tests/fixtures/issue16/logs/relative-path-working-dir.txt");
        let line = sample.lines().find(|l| !l.starts_with('#') && !l.trim().is_empty()).unwrap();
        let mut s = cluster_pod(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a","command":["powershell.exe","-command","./wcnspectserv.exe"]}]}"#,
            r#"{"containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}"#,
        );
        s.logs.push(crate::snapshot::ContainerLog {
            namespace: "ns".into(),
            pod: "p".into(),
            container: "a".into(),
            lines: vec![line.to_string()],
            ..Default::default()
        });
        let f: Vec<_> = crate::checks::run(&s).into_iter().filter(|f| f.rule == "HP016").collect();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].evidence[0].contains("[relative-path-working-dir]"), "{:?}", f[0].evidence);
        assert!(f[0].fix.contains("CONTAINER_SANDBOX_MOUNT_POINT"), "{}", f[0].fix);
        assert!(f[0].message.contains("1.7.19"), "{}", f[0].message);
    }
}
