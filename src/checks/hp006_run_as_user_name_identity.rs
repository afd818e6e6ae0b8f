//! HP006 run-as-user-name-identity.

use super::containers::{
    container_windows_options, containers, effective_host_process, effective_user, host_process_specs,
    pod_windows_options,
};
use super::evidence::{finding_at_container, observations, observed_groups, with_evidence};
use super::nodes::target_containerd;
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;
use crate::version::Version;

pub static RULE: Rule = Rule {
    id: "HP006",
    name: "run-as-user-name-identity",
    severity: Severity::Error,
    summary: "HostProcess containers need an explicit runAsUserName the host can log on",
    doc: r#"## What it does
Checks the effective `windowsOptions.runAsUserName` of every HostProcess container (its own,
else the pod's):

- **unset** → warning: containerd falls back to the image's user;
- `NT AUTHORITY\<account>` must name `SYSTEM`, `Local service`/`LocalService` or
  `NetworkService`/`Network service`, and `NT AUTHORITY` must be upper-case (warning otherwise);
- any other `DOMAIN\user` → warning: it needs a password, which HostProcess cannot supply;
- a name without a backslash is taken as a **local group** (an ephemeral user is created in it):
  warning for container accounts (`ContainerUser`, `ContainerAdministrator`) and for
  `SYSTEM` without its domain; warning when the node runs containerd older than 1.7 (no group
  support); info when the containerd version is unknown (the group must exist on every node).

Live, a container that fails with `failed to create user process token` (other than
`Access is denied.`, see HP013) is an error with the kubelet's message as evidence.

## Why is this bad?
hcsshim logs the account on **on the host**. Without `runAsUserName` containerd uses the image
config user: `ContainerUser` (nanoserver), `ContainerAdministrator` (servercore) or `""` (the
HostProcess base image) — none of them exist on the host, and the start fails:

    Error: failed to start containerd task "agent": failed to create user process token: failed to logon user: ...: unknown

hcsshim uses a *service* logon only when the domain is exactly `NT AUTHORITY`; for anything else
it attempts an interactive logon with no password.

## Example
```yaml
securityContext:
  windowsOptions:
    hostProcess: true
    runAsUserName: "nt authority\\system"
```

## Use instead
```yaml
securityContext:
  windowsOptions:
    hostProcess: true
    runAsUserName: "NT AUTHORITY\\SYSTEM"   # or "NT AUTHORITY\\Local service" (least privileged)
```

## References
- kubernetes.io "Create a Windows HostProcess Pod" (choosing a user account, local groups)
- hcsshim `internal/jobcontainers/logon.go`, `jobcontainer.go`; containerd `buildWindowsSpec`
"#,
    rank: 41,
    signatures: super::signatures::hp006::SIGNATURES,
    admission: &[],
    check,
};

const TOKEN: &str = "failed to create user process token";

/// A problem with one runAsUserName value: (severity, message, fix).
fn classify(name: &str, containerd: &[Version]) -> Option<(Severity, String, String)> {
    const FIX: &str =
        "use \"NT AUTHORITY\\\\SYSTEM\", \"NT AUTHORITY\\\\Local service\" or \"NT AUTHORITY\\\\NetworkService\"";
    if !super::hp005_run_as_user_name_syntax::validate(name).is_empty() {
        return None; // HP005 reports it.
    }
    if let Some((domain, user)) = name.split_once('\\') {
        if domain == "NT AUTHORITY" {
            let account: String = user.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
            if ["system", "localsystem", "localservice", "networkservice"].contains(&account.as_str()) {
                return None;
            }
            return Some((
                Severity::Warning,
                format!(
                    "runAsUserName {name:?} is not one of the NT AUTHORITY service accounts HostProcess can log on (SYSTEM, Local service, NetworkService)"
                ),
                FIX.into(),
            ));
        }
        if domain.eq_ignore_ascii_case("NT AUTHORITY") {
            return Some((
                Severity::Warning,
                format!(
                    "runAsUserName {name:?} spells the domain {domain:?}; hcsshim uses a service logon only for exactly \"NT AUTHORITY\", so this becomes a password-less interactive logon that fails"
                ),
                format!("write the domain in upper case: \"NT AUTHORITY\\\\{user}\""),
            ));
        }
        return Some((
            Severity::Warning,
            format!(
                "runAsUserName {name:?} is a domain or local account; HostProcess containers cannot supply its password, so the logon fails"
            ),
            format!("{FIX}, or a local group name (containerd 1.7+)"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower == "containeruser" || lower == "containeradministrator" {
        return Some((
            Severity::Warning,
            format!(
                "runAsUserName {name:?} is a container account that does not exist on the host, where HostProcess containers log on"
            ),
            FIX.into(),
        ));
    }
    if ["system", "localsystem", "localservice", "local service", "networkservice", "network service"]
        .contains(&lower.as_str())
    {
        return Some((
            Severity::Warning,
            format!(
                "runAsUserName {name:?} has no domain, so it is taken as a local group name, not the service account"
            ),
            format!("write \"NT AUTHORITY\\\\{name}\""),
        ));
    }
    let old: Vec<String> = containerd.iter().filter(|v| **v < Version::new(1, 7, 0)).map(|v| v.to_string()).collect();
    if !old.is_empty() {
        return Some((
            Severity::Warning,
            format!(
                "runAsUserName {name:?} names a local group, which needs containerd 1.7 or newer; containerd {} treats it as a user and the logon fails",
                old.join(", ")
            ),
            format!("upgrade to containerd 1.7, or {FIX}"),
        ));
    }
    if containerd.is_empty() {
        return Some((
            Severity::Info,
            format!("runAsUserName {name:?} is taken as a local group: it must already exist on every node and needs containerd 1.7 or newer"),
            "create the group on each node beforehand (`net localgroup <name> /add`), or use an NT AUTHORITY service account".into(),
        ));
    }
    None
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        // Live: the logon failed.
        let obs = observations(snapshot, &spec);
        let groups = observed_groups(&obs, |o| o.mentions(&[TOKEN]) && !o.mentions(&["Access is denied"]));
        let failed: Vec<Option<&str>> = groups.iter().map(|(c, _)| *c).collect();
        for (container, evidence) in &groups {
            let user = container
                .and_then(|n| containers(spec.spec).into_iter().find(|c| c.name == n))
                .and_then(|c| effective_user(spec.spec, &c).map(str::to_string));
            let who = match &user {
                Some(u) => format!("runAsUserName {u:?}"),
                None => "the image's default user (no runAsUserName)".to_string(),
            };
            let f = finding_at_container(
                &RULE,
                &spec,
                *container,
                "securityContext.windowsOptions.runAsUserName",
                format!("the container cannot start because the host cannot log on {who}: {TOKEN}"),
                "set runAsUserName to \"NT AUTHORITY\\\\SYSTEM\", \"NT AUTHORITY\\\\Local service\" or \"NT AUTHORITY\\\\NetworkService\" (or an existing local group on containerd 1.7+)",
            );
            out.push(with_evidence(f, evidence));
        }
        if failed.contains(&None) {
            continue;
        }

        let hp: Vec<_> = containers(spec.spec).into_iter().filter(|c| effective_host_process(spec.spec, c)).collect();
        let containerd = target_containerd(snapshot, &spec);
        // Unset.
        if !spec.partial {
            let missing: Vec<_> = hp
                .iter()
                .filter(|c| effective_user(spec.spec, c).is_none() && !failed.contains(&Some(c.name)))
                .collect();
            if !missing.is_empty() && missing.len() == hp.len() {
                let field = if pod_windows_options(spec.spec).is_some() {
                    "securityContext.windowsOptions"
                } else if spec.spec.security_context.is_some() {
                    "securityContext"
                } else {
                    ""
                };
                out.push(
                    RULE.finding(
                        &spec,
                        field,
                        "HostProcess pod sets no runAsUserName, so containerd uses the image's user (ContainerUser, ContainerAdministrator or empty), which does not exist on the host; the logon will most likely fail",
                        "set `securityContext.windowsOptions.runAsUserName: \"NT AUTHORITY\\\\SYSTEM\"` (or Local service / NetworkService) at pod level",
                    )
                    .with_severity(Severity::Warning),
                );
            } else {
                for c in missing {
                    out.push(
                        RULE.finding(
                            &spec,
                            &c.path,
                            format!("HostProcess container {:?} has no runAsUserName, so containerd uses the image's user, which does not exist on the host; the logon will most likely fail", c.name),
                            "set runAsUserName on the container or once at pod level",
                        )
                        .with_container(c.name)
                        .with_severity(Severity::Warning),
                    );
                }
            }
        }
        // Values: the pod-level one once, container-level ones where set.
        let pod_user = pod_windows_options(spec.spec).and_then(|w| w.run_as_user_name.as_deref());
        let inherits =
            hp.iter().any(|c| container_windows_options(c).and_then(|w| w.run_as_user_name.as_deref()).is_none());
        if let Some(name) = pod_user
            && (inherits || spec.partial)
            && let Some((sev, msg, fix)) = classify(name, &containerd)
        {
            out.push(RULE.finding(&spec, "securityContext.windowsOptions.runAsUserName", msg, fix).with_severity(sev));
        }
        for c in &hp {
            if failed.contains(&Some(c.name)) {
                continue;
            }
            if let Some(name) = container_windows_options(c).and_then(|w| w.run_as_user_name.as_deref())
                && let Some((sev, msg, fix)) = classify(name, &containerd)
            {
                out.push(
                    RULE.finding(&spec, &format!("{}.securityContext.windowsOptions.runAsUserName", c.path), msg, fix)
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
    use crate::checks::testutil::{cluster_pod, event, findings, pod_snapshot, rules_fired};

    #[test]
    fn missing_user_is_one_warning() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"},{"name":"b"}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn lower_case_domain_and_container_account_warn() {
        let s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"nt authority\\system"}},
                "containers":[{"name":"a"},{"name":"b","securityContext":{"windowsOptions":{"runAsUserName":"ContainerAdministrator"}}}]}"#,
        );
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.severity == Severity::Warning));
    }

    #[test]
    fn quiet_on_service_accounts() {
        for user in [
            "NT AUTHORITY\\\\SYSTEM",
            "NT AUTHORITY\\\\system",
            "NT AUTHORITY\\\\Local service",
            "NT AUTHORITY\\\\NetworkService",
        ] {
            let s = pod_snapshot(&format!(
                r#"{{"hostNetwork":true,"securityContext":{{"windowsOptions":{{"hostProcess":true,"runAsUserName":"{user}"}}}},"containers":[{{"name":"a"}}]}}"#
            ));
            assert!(rules_fired(&s, &RULE).is_empty(), "{user}");
        }
        let s = pod_snapshot(r#"{"containers":[{"name":"a"}]}"#);
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn local_group_on_old_containerd_warns() {
        let mut s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"hpc-group"}},"containers":[{"name":"a"}]}"#,
        );
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Info);
        s.context.containerd_version = Some("1.6.28".into());
        assert_eq!(findings(&s, &RULE)[0].severity, Severity::Warning);
        s.context.containerd_version = Some("1.7.20".into());
        assert!(findings(&s, &RULE).is_empty());
    }

    #[test]
    fn live_logon_failure_is_error() {
        let mut s = cluster_pod(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}},"containers":[{"name":"a"}]}"#,
            r#"{"phase":"Running","containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":3,
                "state":{"waiting":{"reason":"RunContainerError","message":"failed to start containerd task \"a\": failed to create user process token: failed to logon user: The user name or password is incorrect.: unknown"}}}]}"#,
        );
        s.events.push(event(
            "Pod",
            "p",
            "Failed",
            "Error: failed to create user process token: Access is denied.",
            Some("spec.containers{a}"),
        ));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].container.as_deref(), Some("a"));
        assert!(f[0].evidence[0].starts_with("RunContainerError: failed to start containerd task"));
    }
}
