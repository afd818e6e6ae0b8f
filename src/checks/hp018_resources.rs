//! HP018 resource-limits.

use super::containers::{containers, effective_host_process, host_process_specs};
use super::rule::Rule;
use crate::finding::{Finding, Severity};
use crate::snapshot::Snapshot;

pub static RULE: Rule = Rule {
    id: "HP018",
    name: "resource-limits",
    severity: Severity::Info,
    summary: "HostProcess limits apply to every process the container starts on the host",
    doc: r#"## What it does
Reports HostProcess containers with a very small memory limit (below 128Mi) or CPU limit (below
100m). Advisory only (info).

## Why is this bad?
A HostProcess container's limits are enforced on its Windows job object, i.e. on **all** processes
it starts on the host, including PowerShell and the tools a script calls. Host tools need far more
than a Linux sidecar: a 64Mi limit makes `powershell.exe` fail to start or get killed with no
dedicated error message. Disk limits cover only the scratch volume. HostProcess containers count
against the node's allocatable resources like any other container.

## Example
```yaml
resources:
  limits:
    memory: 64Mi
    cpu: 50m
```

## Use instead
```yaml
resources:
  requests:
    memory: 128Mi
    cpu: 100m
  limits:
    memory: 512Mi
```

## References
- KEP-1981 "Resource Limits"; kubernetes.io "Create a Windows HostProcess Pod" (Resource limits)
"#,
    rank: 70,
    signatures: &[],
    admission: &[],
    check,
};

/// A Kubernetes quantity as a number (`128Mi` → 134217728, `100m` → 0.1).
pub fn quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * mult)
}

const MIN_MEMORY: f64 = 128.0 * 1024.0 * 1024.0;
const MIN_CPU: f64 = 0.1;

fn check(snapshot: &Snapshot, out: &mut Vec<Finding>) {
    for spec in host_process_specs(snapshot) {
        for c in containers(spec.spec).into_iter().filter(|c| effective_host_process(spec.spec, c)) {
            let Some(limits) = c.resources.and_then(|r| r.limits.as_ref()) else { continue };
            if let Some(q) = limits.get("memory")
                && quantity(&q.0).is_some_and(|v| v < MIN_MEMORY)
            {
                out.push(
                    RULE.finding(
                        &spec,
                        &format!("{}.resources.limits.memory", c.path),
                        format!("HostProcess container {:?} is limited to {} of memory for all the host processes it starts; PowerShell and host tools may fail to start or be killed", c.name, q.0),
                        "raise the memory limit to at least 128Mi (PowerShell scripts typically need 256Mi or more)",
                    )
                    .with_container(c.name),
                );
            }
            if let Some(q) = limits.get("cpu")
                && quantity(&q.0).is_some_and(|v| v < MIN_CPU)
            {
                out.push(
                    RULE.finding(
                        &spec,
                        &format!("{}.resources.limits.cpu", c.path),
                        format!("HostProcess container {:?} is limited to {} CPU for all the host processes it starts; scripts will be throttled heavily", c.name, q.0),
                        "raise the CPU limit to at least 100m, or drop it and keep only a request",
                    )
                    .with_container(c.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{findings, pod_snapshot, rules_fired};

    fn pod(resources: &str) -> String {
        format!(
            r#"{{"hostNetwork":true,"securityContext":{{"windowsOptions":{{"hostProcess":true}}}},"containers":[{{"name":"a","resources":{resources}}}]}}"#
        )
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity("128Mi"), Some(134217728.0));
        assert_eq!(quantity("100m"), Some(0.1));
        assert_eq!(quantity("1e3"), Some(1000.0));
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("abc"), None);
    }

    #[test]
    fn tiny_limits_are_info() {
        let f = findings(&pod_snapshot(&pod(r#"{"limits":{"memory":"64Mi","cpu":"50m"}}"#)), &RULE);
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.severity == Severity::Info));
    }

    #[test]
    fn quiet_on_reasonable_or_no_limits() {
        assert!(rules_fired(&pod_snapshot(&pod(r#"{"limits":{"memory":"512Mi","cpu":"1"}}"#)), &RULE).is_empty());
        assert!(rules_fired(&pod_snapshot(&pod("{}")), &RULE).is_empty());
    }
}
