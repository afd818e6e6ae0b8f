//! HP007 pod-security-forbids-hostprocess.

use k8s_openapi::api::core::v1::PodSpec;

use super::containers::{container_windows_options, containers, host_process_specs, pod_windows_options};
use super::evidence::{finding_at_container, join_quoted, observations, observed_groups, with_evidence};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::{PsaLevel, Snapshot, Source, SpecRef};

pub static RULE: Rule = Rule {
    id: "HP007",
    name: "pod-security-forbids-hostprocess",
    severity: Severity::Error,
    summary: "HostProcess pods need a namespace whose Pod Security enforce level is privileged",
    doc: r#"## What it does
Checks that every HostProcess pod or workload lives where Pod Security Admission (PSA) lets it
in: the namespace's effective `pod-security.kubernetes.io/enforce` level must be `privileged`.

- **Live:** the namespace label decides (no label = `privileged`, the built-in default). A
  workload whose controller reports `FailedCreate ... violates PodSecurity` is an error with the
  event as evidence, whatever the labels say (a cluster-wide default may apply). A namespace
  enforcing `baseline`/`restricted` is an error for workloads with no running pods, and a warning
  for pods that already exist (admitted before the label, or exempt): their replacements will be
  rejected. `CreateContainerConfigError ... will break non-root policy` is an error too, as is
  `hostProcess containers are disallowed by cluster policy` (API server `--allow-privileged=false`).
- **Offline** (`lint`): with `--psa-level baseline|restricted`, or a `Namespace` object in the
  same files whose enforce label is baseline/restricted, it is an error. Otherwise the level is
  unknown and the rule emits an **info** reminder with the exact PSA message the pod would get
  under `baseline` — except in `kube-system`, the namespace node agents live in and that PSA
  configurations leave privileged or exempt, where it stays quiet.
- A HostProcess container with `runAsNonRoot: true` gets a warning: HostProcess runs as a host
  account and cannot honour it.

## Why is this bad?
Every HostProcess pod fails two `baseline` checks — `host namespaces` (the mandatory
`hostNetwork: true`) and `hostProcess` — plus `hostPath volumes`/`hostPort` when used. PSA
rejects such **pods**; for a DaemonSet/Deployment the object itself is accepted with a warning
and every pod the controller creates is rejected, so the workload sits at 0 pods:

    Warning  FailedCreate  daemonset-controller  Error creating: pods "agent-x7k2p" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)

## Example
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels:
    pod-security.kubernetes.io/enforce: baseline
```

## Use instead
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels:
    pod-security.kubernetes.io/enforce: privileged
    pod-security.kubernetes.io/warn: privileged
    pod-security.kubernetes.io/audit: privileged
```
or exempt the namespace/runtimeClass in the PSA AdmissionConfiguration.

## References
- kubernetes/pod-security-admission `policy/check_windowsHostProcess.go`, `check_hostNamespaces.go`,
  `check_hostPathVolumes.go`, `check_hostPorts.go`, `admission/admission.go`
- kubernetes.io "Create a Windows HostProcess Pod" (runAsNonRoot); kubelet `security_context_windows.go`
"#,
    rank: 5,
    signatures: &[],
    admission: &[],
    check,
};

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// The `baseline` items PSA lists for a pod spec, in its order (sorted by check id).
pub fn baseline_violations(spec: &PodSpec) -> Vec<String> {
    let plural = |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    let mut out = Vec::new();
    let hostns: Vec<&str> = [
        (spec.host_network == Some(true), "hostNetwork=true"),
        (spec.host_pid == Some(true), "hostPID=true"),
        (spec.host_ipc == Some(true), "hostIPC=true"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, s)| *s)
    .collect();
    if !hostns.is_empty() {
        out.push(format!("host namespaces ({})", hostns.join(", ")));
    }
    let host_paths: Vec<&str> =
        spec.volumes.iter().flatten().filter(|v| v.host_path.is_some()).map(|v| v.name.as_str()).collect();
    if !host_paths.is_empty() {
        out.push(format!(
            "hostPath volumes ({} {})",
            plural(host_paths.len(), "volume", "volumes"),
            join_quoted(&host_paths)
        ));
    }
    let all: Vec<_> = spec.init_containers.iter().flatten().chain(spec.containers.iter()).collect();
    let mut port_containers = Vec::new();
    let mut ports = Vec::new();
    for c in &all {
        let mine: Vec<String> =
            c.ports.iter().flatten().filter_map(|p| p.host_port.filter(|h| *h != 0)).map(|h| h.to_string()).collect();
        if !mine.is_empty() {
            port_containers.push(c.name.as_str());
            ports.extend(mine);
        }
    }
    if !port_containers.is_empty() {
        out.push(format!(
            "hostPort ({} {} {} {} {})",
            plural(port_containers.len(), "container", "containers"),
            join_quoted(&port_containers),
            plural(port_containers.len(), "uses", "use"),
            plural(ports.len(), "hostPort", "hostPorts"),
            ports.join(", ")
        ));
    }
    let views = containers(spec);
    let privileged: Vec<&str> =
        views.iter().filter(|c| c.security_context.and_then(|s| s.privileged) == Some(true)).map(|c| c.name).collect();
    if !privileged.is_empty() {
        out.push(format!(
            "privileged ({} {} must not set securityContext.privileged=true)",
            plural(privileged.len(), "container", "containers"),
            join_quoted(&privileged)
        ));
    }
    let hp_containers: Vec<&str> = views
        .iter()
        .filter(|c| container_windows_options(c).and_then(|w| w.host_process) == Some(true))
        .map(|c| c.name)
        .collect();
    let mut setters = Vec::new();
    if pod_windows_options(spec).and_then(|w| w.host_process) == Some(true) {
        setters.push("pod".to_string());
    }
    if !hp_containers.is_empty() {
        setters.push(format!(
            "{} {}",
            plural(hp_containers.len(), "container", "containers"),
            join_quoted(&hp_containers)
        ));
    }
    if !setters.is_empty() {
        out.push(format!(
            "hostProcess ({} must not set securityContext.windowsOptions.hostProcess=true)",
            setters.join(" and ")
        ));
    }
    out
}

/// The enforce level that applies to a spec, its version and where it comes from.
fn level_of(snapshot: &Snapshot, spec: &SpecRef<'_>) -> Option<(PsaLevel, String, String)> {
    let context = snapshot.context.psa_level.map(|level| (level, "latest".to_string(), "per --psa-level".to_string()));
    let from_ns = || {
        let ns = spec.namespace()?;
        let labels = snapshot.namespace(ns)?.metadata.labels.clone().unwrap_or_default();
        let version = labels.get(&format!("{ENFORCE}-version")).cloned().unwrap_or_else(|| "latest".into());
        match labels.get(ENFORCE) {
            Some(l) => PsaLevel::parse(l).map(|level| (level, version, format!("label {ENFORCE}={l}"))),
            None if snapshot.source == Source::Cluster => {
                Some((PsaLevel::Privileged, version, "no enforce label".into()))
            }
            None => None,
        }
    };
    // Offline the command-line context wins; live the namespace does.
    match snapshot.source {
        Source::Manifests => context.or_else(from_ns),
        Source::Cluster => from_ns().or(context),
    }
}

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        let obs = observations(snapshot, &spec);
        let ns_text =
            spec.namespace().map(|n| format!("namespace {n}")).unwrap_or_else(|| "the target namespace".into());
        let detail = baseline_violations(spec.spec).join(", ");
        let fix_label = format!(
            "label the namespace: kubectl label ns {} {ENFORCE}=privileged (or exempt it in the PSA AdmissionConfiguration)",
            spec.namespace().unwrap_or("<namespace>")
        );

        // Live: the controller's FailedCreate, or the API server's policy.
        let rejected: Vec<_> = obs
            .iter()
            .filter(|o| {
                o.mentions(&["violates PodSecurity", "hostProcess containers are disallowed by cluster policy"])
            })
            .cloned()
            .collect();
        let level = level_of(snapshot, &spec);
        if !rejected.is_empty() {
            let cluster_policy = rejected.iter().any(|o| o.mentions(&["disallowed by cluster policy"]));
            let (message, fix) = if cluster_policy {
                (
                    "the API server forbids HostProcess pods: hostProcess containers are disallowed by cluster policy (kube-apiserver --allow-privileged=false)".to_string(),
                    "start kube-apiserver with --allow-privileged=true".to_string(),
                )
            } else {
                let which = match &level {
                    Some((l, _, whence)) if *l != PsaLevel::Privileged => {
                        format!("{ns_text} enforces Pod Security {:?} ({whence})", l.as_str())
                    }
                    _ => format!(
                        "Pod Security admission (a cluster-wide default or exemption rules) applies to {ns_text}"
                    ),
                };
                (format!("{which} and rejects every pod of this HostProcess workload"), fix_label.clone())
            };
            out.push(with_evidence(RULE.finding(&spec, "", message, fix), &rejected));
        } else if let Some((l, version, whence)) = &level
            && *l != PsaLevel::Privileged
        {
            let quoted = if *l == PsaLevel::Baseline {
                format!("violates PodSecurity \"baseline:{version}\": {detail}")
            } else {
                format!("fails the restricted profile, including the baseline checks {detail}")
            };
            let running = match (spec.pod, spec.workload) {
                (Some(_), _) => snapshot.source == Source::Cluster,
                (_, Some(w)) => snapshot.source == Source::Cluster && w.status.current.unwrap_or(0) > 0,
                _ => false,
            };
            let f = if running {
                RULE.finding(
                    &spec,
                    "",
                    format!("{ns_text} enforces Pod Security {:?} ({whence}); the existing pods were admitted earlier or exempted, but new ones will be rejected: {quoted}", l.as_str()),
                    fix_label.clone(),
                )
                .with_severity(Severity::Warning)
            } else {
                RULE.finding(
                    &spec,
                    "",
                    format!(
                        "{ns_text} enforces Pod Security {:?} ({whence}), which rejects HostProcess pods: {quoted}",
                        l.as_str()
                    ),
                    fix_label.clone(),
                )
            };
            out.push(f);
        } else if level.is_none()
            && snapshot.source == Source::Manifests
            && !spec.partial
            && spec.namespace() != Some("kube-system")
        {
            out.push(
                RULE.finding(
                    &spec,
                    "",
                    format!("HostProcess pods are admitted only where the Pod Security enforce level is privileged; under baseline {ns_text} would reject them: violates PodSecurity \"baseline:latest\": {detail}"),
                    fix_label.clone(),
                )
                .with_severity(Severity::Info),
            );
        }

        // Live: the Windows kubelet's non-root check.
        for (container, evidence) in observed_groups(&obs, |o| o.mentions(&["will break non-root policy"])) {
            let f = finding_at_container(
                &RULE,
                &spec,
                container,
                "securityContext.runAsNonRoot",
                "the kubelet refuses to start the container: runAsNonRoot is true but the user resolves to ContainerAdministrator, which will break non-root policy",
                "remove runAsNonRoot (HostProcess containers cannot honour it) and set runAsUserName to an NT AUTHORITY service account",
            );
            out.push(with_evidence(f, &evidence));
        }

        // runAsNonRoot: true on a HostProcess container.
        if snapshot.source == Source::Manifests || obs.iter().all(|o| !o.mentions(&["will break non-root policy"])) {
            let pod_nonroot = spec.spec.security_context.as_ref().and_then(|s| s.run_as_non_root);
            for c in containers(spec.spec) {
                let own = c.security_context.and_then(|s| s.run_as_non_root);
                if own.or(pod_nonroot) != Some(true) {
                    continue;
                }
                let field = if own.is_some() {
                    format!("{}.securityContext.runAsNonRoot", c.path)
                } else {
                    "securityContext.runAsNonRoot".into()
                };
                out.push(
                    RULE.finding(
                        &spec,
                        &field,
                        format!("container {:?} is a HostProcess container with runAsNonRoot: true; HostProcess runs as a host account and cannot honour it (the kubelet rejects it when the user resolves to ContainerAdministrator)", c.name),
                        "remove runAsNonRoot from HostProcess pods; the restricted Pod Security profile cannot admit them anyway",
                    )
                    .with_container(c.name)
                    .with_severity(Severity::Warning),
                );
                if own.is_none() {
                    break; // one finding for the pod-level value
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{cluster_pod, event, findings, namespace, pod_snapshot, rules_fired, workload};

    const HP: &str = r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}},"containers":[{"name":"a"}]}"#;

    #[test]
    fn psa_message_matches_the_fixtures() {
        let s: PodSpec = serde_json::from_str(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{}},
                "initContainers":[{"name":"initcontainer1","securityContext":{"windowsOptions":{"hostProcess":true}}}],
                "containers":[{"name":"container1","securityContext":{"windowsOptions":{"hostProcess":true}}}]}"#,
        )
        .unwrap();
        assert_eq!(
            baseline_violations(&s).join(", "),
            r#"host namespaces (hostNetwork=true), hostProcess (containers "initcontainer1", "container1" must not set securityContext.windowsOptions.hostProcess=true)"#
        );
        let s: PodSpec = serde_json::from_str(
            r#"{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}},
                "volumes":[{"name":"a","hostPath":{"path":"/x"}},{"name":"b","hostPath":{"path":"/y"}}],
                "containers":[{"name":"c","ports":[{"containerPort":9182,"hostPort":9182}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            baseline_violations(&s).join(", "),
            r#"host namespaces (hostNetwork=true), hostPath volumes (volumes "a", "b"), hostPort (container "c" uses hostPort 9182), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)"#
        );
    }

    #[test]
    fn offline_info_unless_kube_system_or_privileged() {
        let s = pod_snapshot(HP);
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        let mut s = pod_snapshot(HP);
        s.pods[0].metadata.namespace = Some("kube-system".into());
        assert!(rules_fired(&s, &RULE).is_empty());
        let mut s = pod_snapshot(HP);
        s.context.psa_level = Some(PsaLevel::Privileged);
        assert!(rules_fired(&s, &RULE).is_empty());
    }

    #[test]
    fn offline_context_baseline_is_error() {
        let mut s = pod_snapshot(HP);
        s.pods[0].metadata.namespace = Some("kube-system".into());
        s.context.psa_level = Some(PsaLevel::Baseline);
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains(
            "violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), hostProcess (pod must not"
        ));
    }

    #[test]
    fn live_failed_create_is_error_with_evidence() {
        let mut s = cluster_pod(r#"{"containers":[{"name":"x"}]}"#, "{}");
        s.pods.clear();
        s.workloads.push(workload("DaemonSet", "agent", HP, Some(2)));
        s.namespaces.push(namespace("ns", &[(ENFORCE, "baseline")]));
        let msg = "Error creating: pods \"agent-x7k2p\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)";
        s.events.push(event("DaemonSet", "agent", "FailedCreate", msg, None));
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].evidence, vec![format!("FailedCreate: {msg}")]);
        assert!(f[0].message.contains("baseline"));
    }

    #[test]
    fn live_privileged_namespace_is_quiet_and_running_pod_warns() {
        let mut s = cluster_pod(HP, r#"{"phase":"Running"}"#);
        s.namespaces.push(namespace("ns", &[]));
        assert!(rules_fired(&s, &RULE).is_empty());
        s.namespaces = vec![namespace("ns", &[(ENFORCE, "restricted")])];
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn run_as_non_root_warns() {
        let mut s = pod_snapshot(
            r#"{"hostNetwork":true,"securityContext":{"runAsNonRoot":true,"windowsOptions":{"hostProcess":true}},"containers":[{"name":"a"},{"name":"b"}]}"#,
        );
        s.context.psa_level = Some(PsaLevel::Privileged);
        let f = findings(&s, &RULE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
    }
}
