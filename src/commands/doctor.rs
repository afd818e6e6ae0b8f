//! `doctor`: why HostProcess pods and workloads are stuck. Args → the live cluster or a
//! `--from-file` dump (both in [`crate::load`]) → checks → the findings about the targets →
//! output.

use std::collections::HashMap;

use crate::checks;
use crate::cli::{DoctorArgs, DoctorFormat, GlobalArgs};
use crate::error::{Error, ExitCode, Result};
use crate::finding::{Finding, Report};
use crate::kube;
use crate::load;
use crate::output::report::{ReportFormat, render_report};
use crate::snapshot::{Snapshot, node_name};

/// A doctor target in kubectl's forms: `NAME` (a pod), `pod/NAME`, `node/NAME`, `ds/NAME` …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: String,
    pub name: String,
}

pub fn parse_target(s: &str) -> Result<Target> {
    let (kind, name) = match s.split_once('/') {
        Some((k, n)) => (k.to_ascii_lowercase(), n.to_string()),
        None => ("pod".to_string(), s.to_string()),
    };
    let Some(kind) = crate::target::kind_of(&kind) else {
        return Err(Error::Usage(format!("unknown target kind {kind:?}: use {}", crate::target::prefixes_text())));
    };
    if name.is_empty() {
        return Err(Error::Usage(format!("target {s:?} has no name")));
    }
    Ok(Target { kind: kind.to_string(), name })
}

/// Does this finding concern the target (the object itself, its pods, or pods on the node)?
fn concerns(f: &Finding, t: &Target, s: &Snapshot) -> bool {
    let Some(o) = &f.object else { return false };
    if o.kind == t.kind && o.name == t.name {
        return true;
    }
    if t.kind == "Node" {
        return f.node.as_deref() == Some(t.name.as_str());
    }
    if o.kind == "Pod" {
        // A pod owned by the target (directly, or through a ReplicaSet of a Deployment).
        let pod = s.pods.iter().find(|p| {
            p.metadata.name.as_deref() == Some(o.name.as_str())
                && p.metadata.namespace.as_deref() == o.namespace.as_deref()
        });
        if let Some(pod) = pod {
            let mut owner = s.owner_of(pod.metadata.namespace.as_deref(), pod.metadata.owner_references.as_ref());
            while let Some(w) = owner {
                if w.kind == t.kind && w.metadata.name.as_deref() == Some(t.name.as_str()) {
                    return true;
                }
                owner = s.owner_of(w.metadata.namespace.as_deref(), w.metadata.owner_references.as_ref());
            }
        }
    }
    if o.kind == "ReplicaSet"
        && t.kind == "Deployment"
        && let Some(w) =
            s.workloads.iter().find(|w| w.kind == "ReplicaSet" && w.metadata.name.as_deref() == Some(o.name.as_str()))
    {
        return w.metadata.owner_references.iter().flatten().any(|r| r.kind == "Deployment" && r.name == t.name);
    }
    false
}

/// Run the checks and keep what the targets ask for (everything without targets). Scoped to a
/// namespace (`cluster_wide` false), node findings are kept only for nodes that host a pod in scope.
pub fn diagnose(s: &Snapshot, targets: &[Target], cluster_wide: bool) -> Result<Vec<Finding>> {
    for t in targets {
        let exists = match t.kind.as_str() {
            "Pod" => s.pods.iter().any(|p| p.metadata.name.as_deref() == Some(t.name.as_str())),
            "Node" => s.nodes.iter().any(|n| node_name(n) == t.name),
            k => s.workloads.iter().any(|w| w.kind == k && w.metadata.name.as_deref() == Some(t.name.as_str())),
        };
        if !exists {
            return Err(Error::Usage(format!(
                "{}/{} not found in the namespace(s) searched",
                t.kind.to_lowercase(),
                t.name
            )));
        }
    }
    let mut findings = checks::run(s);
    if !cluster_wide && !targets.iter().any(|t| t.kind == "Node") {
        let used: std::collections::HashSet<&str> =
            s.pods.iter().filter_map(|p| p.spec.as_ref()?.node_name.as_deref()).collect();
        findings.retain(|f| match &f.object {
            Some(o) if o.kind == "Node" => used.contains(o.name.as_str()),
            _ => true,
        });
    }
    if targets.is_empty() {
        return Ok(findings);
    }
    Ok(findings.into_iter().filter(|f| targets.iter().any(|t| concerns(f, t, s))).collect())
}

pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<ExitCode> {
    let targets = args.targets.iter().map(|t| parse_target(t)).collect::<Result<Vec<_>>>()?;
    let from_file = !args.from_file.is_empty();
    let snapshot = match from_file {
        // Scope a dump like the live cluster: -n keeps one namespace, -A (or no -n) keeps all.
        true => load::load_dumps(&args.from_file, global.namespace.as_deref().filter(|_| !args.all_namespaces))?,
        false => {
            let kube = kube::connect(global).await?;
            let ns = if args.all_namespaces { None } else { Some(kube.namespace.clone()) };
            let kinds: Vec<&str> = targets.iter().map(|t| t.kind.as_str()).collect();
            let s = load::collect_live(&kube, ns.as_deref(), args.selector.as_deref(), &kinds, args.max_logs).await?;
            tracing::info!("doctor made {} API requests", kube.requests.load(std::sync::atomic::Ordering::Relaxed));
            s
        }
    };
    for note in &snapshot.notes {
        eprintln!("note: {note}");
    }
    let cluster_wide = args.all_namespaces || (from_file && global.namespace.is_none());
    let findings = diagnose(&snapshot, &targets, cluster_wide)?;
    let report = Report::new(findings);
    let code = match args.output {
        DoctorFormat::Json => render_report(&report, ReportFormat::Json, &HashMap::new(), args.fail_on.into()),
        DoctorFormat::Yaml => render_report(&report, ReportFormat::Yaml, &HashMap::new(), args.fail_on.into()),
        DoctorFormat::Human => {
            crate::output::print(&crate::output::doctor::render_human(&report.findings, &snapshot))?;
            Ok(if report.fails(args.fail_on.into()) { ExitCode::Findings } else { ExitCode::Ok })
        }
    }?;
    // The process exits next: freeing tens of thousands of objects one by one took about 8% of a
    // 20,000-pod run, for nothing.
    std::mem::forget(snapshot);
    Ok(if args.exit_zero { ExitCode::Ok } else { code })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_in_kubectl_forms() {
        assert_eq!(parse_target("web-1").unwrap(), Target { kind: "Pod".into(), name: "web-1".into() });
        assert_eq!(parse_target("ds/exporter").unwrap().kind, "DaemonSet");
        assert_eq!(parse_target("node/win-1").unwrap().kind, "Node");
        assert_eq!(parse_target("deployment/x").unwrap().kind, "Deployment");
        assert!(parse_target("secret/x").is_err());
        assert!(parse_target("pod/").is_err());
    }
}
