//! HP004 linux-only-fields.

use super::containers::{containers, is_host_process};
use super::evidence::{observations, with_evidence};
use super::rule::{Admission, Rule};
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP004",
    name: "linux-only-fields",
    severity: Severity::Error,
    summary: "Windows pods must not set Linux-only security fields; Linux pods must not set windowsOptions",
    doc: r#"## What it does
Checks the OS-specific fields of the pod spec against `spec.os.name`:

- `spec.os.name: linux` with any `windowsOptions` (pod or container) is an error.
- `spec.os.name: windows` with a Linux-only field is an error. The fields are: pod
  `securityContext.{appArmorProfile, seLinuxOptions, seccompProfile, fsGroup,
  fsGroupChangePolicy, sysctls, runAsUser, runAsGroup, supplementalGroups,
  supplementalGroupsPolicy, seLinuxChangePolicy}`, `spec.{hostPID, hostIPC, hostUsers,
  shareProcessNamespace}`, and container `securityContext.{appArmorProfile, seLinuxOptions,
  seccompProfile, capabilities, readOnlyRootFilesystem, privileged, allowPrivilegeEscalation,
  procMount, runAsUser, runAsGroup}`.
- A HostProcess pod **without** `spec.os` that sets one of those fields gets a warning: it is
  accepted and silently ignored on Windows today, and rejected as soon as `spec.os.name: windows`
  is added.

## Why is this bad?
The API server rejects the pod (or the workload template):

    spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod
    spec.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod

Without `spec.os` the fields do nothing on Windows (kubernetes#75132 for `privileged`), which
misleads readers: `privileged: true` is **not** how a Windows container gets host access —
`hostProcess: true` is.

## Example
```yaml
spec:
  os:
    name: windows
  securityContext:
    seccompProfile:
      type: RuntimeDefault
    windowsOptions:
      hostProcess: true
  containers:
  - name: agent
    securityContext:
      privileged: true
```

## Use instead
```yaml
spec:
  os:
    name: windows
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\SYSTEM"
  containers:
  - name: agent
```

## References
- kubernetes/kubernetes `pkg/apis/core/validation/validation.go` `validateLinux`, `validateWindows`
- kubernetes/kubernetes#75132
"#,
    rank: 13,
    signatures: &[],
    admission: ADMISSION,
    check,
};

/// At admission (`policy`): windowsOptions in a Linux pod; a Linux-only field in a pod that
/// declares `os.name: windows` (the list of `linux_only_fields`). Without `spec.os` the rule only
/// warns, so admission lets it pass.
pub const ADMISSION: &[Admission] = &[
    Admission {
        expression: "variables.spec.?os.?name.orValue('') != 'linux' || (!variables.spec.?securityContext.?windowsOptions.hasValue() && variables.containers.all(c, !c.?securityContext.?windowsOptions.hasValue()))",
        host_process_only: false,
        field: "securityContext.windowsOptions",
        fix: "set `spec.os.name: windows` for a HostProcess pod, or remove windowsOptions",
    },
    Admission {
        expression: "variables.spec.?os.?name.orValue('') != 'windows' || !(variables.spec.?hostPID.orValue(false) || variables.spec.?hostIPC.orValue(false) || has(variables.spec.hostUsers) || has(variables.spec.shareProcessNamespace) || (has(variables.spec.securityContext) && (has(variables.spec.securityContext.appArmorProfile) || has(variables.spec.securityContext.seLinuxOptions) || has(variables.spec.securityContext.seccompProfile) || has(variables.spec.securityContext.fsGroup) || has(variables.spec.securityContext.fsGroupChangePolicy) || size(variables.spec.securityContext.?sysctls.orValue([])) > 0 || has(variables.spec.securityContext.runAsUser) || has(variables.spec.securityContext.runAsGroup) || size(variables.spec.securityContext.?supplementalGroups.orValue([])) > 0 || has(variables.spec.securityContext.supplementalGroupsPolicy) || has(variables.spec.securityContext.seLinuxChangePolicy))) || variables.containers.exists(c, has(c.securityContext) && (has(c.securityContext.appArmorProfile) || has(c.securityContext.seLinuxOptions) || has(c.securityContext.seccompProfile) || has(c.securityContext.capabilities) || has(c.securityContext.readOnlyRootFilesystem) || has(c.securityContext.privileged) || has(c.securityContext.allowPrivilegeEscalation) || has(c.securityContext.procMount) || has(c.securityContext.runAsUser) || has(c.securityContext.runAsGroup))))",
        host_process_only: false,
        field: "securityContext",
        fix: "remove the Linux-only fields; on Windows, `hostProcess: true` is what grants host access",
    },
];

/// The Linux-only fields a spec sets: paths below the pod spec.
fn linux_only_fields(spec: &k8s_openapi::api::core::v1::PodSpec) -> Vec<String> {
    let mut out = Vec::new();
    if spec.host_pid == Some(true) {
        out.push("hostPID".to_string());
    }
    if spec.host_ipc == Some(true) {
        out.push("hostIPC".to_string());
    }
    if spec.host_users.is_some() {
        out.push("hostUsers".to_string());
    }
    if spec.share_process_namespace.is_some() {
        out.push("shareProcessNamespace".to_string());
    }
    if let Some(sc) = &spec.security_context {
        let set = [
            ("appArmorProfile", sc.app_armor_profile.is_some()),
            ("seLinuxOptions", sc.se_linux_options.is_some()),
            ("seccompProfile", sc.seccomp_profile.is_some()),
            ("fsGroup", sc.fs_group.is_some()),
            ("fsGroupChangePolicy", sc.fs_group_change_policy.is_some()),
            ("sysctls", sc.sysctls.as_ref().is_some_and(|s| !s.is_empty())),
            ("runAsUser", sc.run_as_user.is_some()),
            ("runAsGroup", sc.run_as_group.is_some()),
            ("supplementalGroups", sc.supplemental_groups.as_ref().is_some_and(|s| !s.is_empty())),
            ("supplementalGroupsPolicy", sc.supplemental_groups_policy.is_some()),
            ("seLinuxChangePolicy", sc.se_linux_change_policy.is_some()),
        ];
        out.extend(set.iter().filter(|(_, on)| *on).map(|(n, _)| format!("securityContext.{n}")));
    }
    for c in containers(spec) {
        let Some(sc) = c.security_context else { continue };
        let set = [
            ("appArmorProfile", sc.app_armor_profile.is_some()),
            ("seLinuxOptions", sc.se_linux_options.is_some()),
            ("seccompProfile", sc.seccomp_profile.is_some()),
            ("capabilities", sc.capabilities.is_some()),
            ("readOnlyRootFilesystem", sc.read_only_root_filesystem.is_some()),
            ("privileged", sc.privileged.is_some()),
            ("allowPrivilegeEscalation", sc.allow_privilege_escalation.is_some()),
            ("procMount", sc.proc_mount.is_some()),
            ("runAsUser", sc.run_as_user.is_some()),
            ("runAsGroup", sc.run_as_group.is_some()),
        ];
        out.extend(set.iter().filter(|(_, on)| *on).map(|(n, _)| format!("{}.securityContext.{n}", c.path)));
    }
    out
}

/// The container name of a path like `containers[1].securityContext.x`.
fn container_of<'a>(spec: &'a k8s_openapi::api::core::v1::PodSpec, field: &str) -> Option<&'a str> {
    containers(spec).into_iter().find(|c| field.starts_with(&format!("{}.", c.path))).map(|c| c.name)
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in snapshot.specs() {
        let os = spec.spec.os.as_ref().map(|o| o.name.as_str());
        let obs = observations(snapshot, &spec);
        let live: Vec<_> = obs
            .iter()
            .filter(|o| {
                o.mentions(&["cannot be set for a windows pod", "windows options cannot be set for a linux pod"])
            })
            .cloned()
            .collect();
        let mut found = Vec::new();
        if os == Some("linux") {
            if spec.spec.security_context.as_ref().is_some_and(|s| s.windows_options.is_some()) {
                found.push(RULE.finding(
                    &spec,
                    "securityContext.windowsOptions",
                    "spec.os.name is linux but the pod sets windowsOptions, so the API server rejects it: windows options cannot be set for a linux pod",
                    "set `spec.os.name: windows` for a HostProcess pod, or remove windowsOptions",
                ));
            }
            for c in containers(spec.spec) {
                if c.security_context.is_some_and(|s| s.windows_options.is_some()) {
                    found.push(
                        RULE.finding(
                            &spec,
                            &format!("{}.securityContext.windowsOptions", c.path),
                            format!(
                                "spec.os.name is linux but container {:?} sets windowsOptions, so the API server rejects it: windows options cannot be set for a linux pod",
                                c.name
                            ),
                            "set `spec.os.name: windows` for a HostProcess pod, or remove windowsOptions",
                        )
                        .with_container(c.name),
                    );
                }
            }
        } else if os == Some("windows") || (os.is_none() && !spec.partial && is_host_process(spec.spec)) {
            let declared = os.is_some();
            for field in linux_only_fields(spec.spec) {
                let name = field.rsplit('.').next().unwrap_or(&field).to_string();
                let f = if declared {
                    RULE.finding(
                        &spec,
                        &field,
                        format!("`{name}` is Linux-only and the pod declares spec.os.name: windows, so the API server rejects it: {field}: Forbidden: cannot be set for a windows pod"),
                        format!("remove `{name}`; on Windows, `hostProcess: true` is what grants host access"),
                    )
                } else {
                    RULE.finding(
                        &spec,
                        &field,
                        format!("`{name}` is Linux-only: it has no effect on this HostProcess pod and would be rejected (cannot be set for a windows pod) once spec.os.name: windows is added"),
                        format!("remove `{name}` and add `spec.os.name: windows`"),
                    )
                    .with_severity(Severity::Warning)
                };
                found.push(match container_of(spec.spec, &field) {
                    Some(c) => f.with_container(c),
                    None => f,
                });
            }
        }
        for (i, f) in found.into_iter().enumerate() {
            out.push(if i == 0 { with_evidence(f, &live) } else { f });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{findings, pod_snapshot, rules_fired};

    #[test]
    fn windows_pod_with_privileged_is_error() {
        let s = pod_snapshot(
            r#"{"os":{"name":"windows"},"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true},"seccompProfile":{"type":"RuntimeDefault"}},
                "containers":[{"name":"a","securityContext":{"privileged":true}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.severity == Severity::Error));
        assert!(f.iter().any(|f| f.field.as_deref() == Some("spec.containers[0].securityContext.privileged")
            && f.container.as_deref() == Some("a")));
    }

    #[test]
    fn host_process_without_os_is_warning() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},
                "containers":[{"name":"a","securityContext":{"privileged":true}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn linux_pod_with_windows_options_is_error() {
        let s = pod_snapshot(
            r#"{"os":{"name":"linux"},"securityContext":{"windowsOptions":{}},"containers":[{"name":"a"}]}"#,
        );
        assert_eq!(rules_fired(&s, &RULE), vec!["HP004"]);
    }

    #[test]
    fn quiet_on_clean_pods() {
        let s = pod_snapshot(
            r#"{"os":{"name":"windows"},"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
        // A Linux pod with Linux fields and no OS is none of our business.
        let s = pod_snapshot(
            r#"{"securityContext":{"runAsUser":1000},"containers":[{"name":"a","securityContext":{"privileged":true}}]}"#,
        );
        assert!(rules_fired(&s, &RULE).is_empty());
    }
}
