//! `doctor`: why HostProcess pods and workloads are stuck.
//!
//! Live: one paginated LIST per kind (nodes, namespaces, pods, Warning events, DaemonSets;
//! Deployments/ReplicaSets, StatefulSets and Jobs only when a pod or an event points at them),
//! all matched in memory. `--from-file` fills the same Snapshot from a `kubectl get … -o yaml` dump.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;

use colored::Colorize;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Node};
use serde::Serialize;

use crate::checks;
use crate::cli::{DoctorArgs, DoctorFormat, GlobalArgs};
use crate::error::{Error, ExitCode, Result};
use crate::finding::{Finding, ObjectRef, Report, Severity};
use crate::kube::{self, Kube, collect};
use crate::manifest::{Loaded, workload_from_value};
use crate::output::report::{ReportFormat, render_report};
use crate::snapshot::{Snapshot, Source, node_name};

/// The kubectl command whose output `--from-file` reads.
pub const DUMP_COMMAND: &str = "kubectl get nodes,namespaces,pods,events,daemonsets,deployments,replicasets,statefulsets,jobs -A -o yaml > dump.yaml";

fn workloads_of<T: Serialize>(kind: &str, items: Vec<T>, snapshot: &mut Snapshot) {
    for item in items {
        if let Ok(v) = serde_json::to_value(&item)
            && let Ok(Some(w)) = workload_from_value(kind, &v)
        {
            snapshot.workloads.push(w);
        }
    }
}

/// Collect a Snapshot from the live cluster.
/// `targets` names kinds that must be listed whatever the pods and events say.
pub async fn collect_live(
    kube: &Kube,
    namespace: Option<&str>,
    selector: Option<&str>,
    targets: &[Target],
) -> Result<Snapshot> {
    let spinner = progress("collecting nodes, namespaces, pods, events and workloads");
    let (version, nodes, namespaces, pods, events, daemonsets) = tokio::join!(
        kube.server_version(),
        collect::list_cluster::<Node>(kube, None, "nodes"),
        collect::list_cluster::<Namespace>(kube, None, "namespaces"),
        collect::list_pods(kube, namespace, selector),
        collect::list_warning_events(kube, namespace),
        collect::list_all::<DaemonSet>(kube, namespace, selector, "daemonsets"),
    );
    let mut s = Snapshot { source: Source::Cluster, ..Default::default() };
    s.server_version = version.ok();
    s.nodes = nodes?;
    for n in &mut s.nodes {
        // The image list of a node is large and no check reads it.
        if let Some(st) = n.status.as_mut() {
            st.images = None;
        }
    }
    // Listing namespaces may be forbidden to namespace-scoped users: go on without PSA labels.
    match namespaces {
        Ok(ns) => s.namespaces = ns,
        Err(e @ Error::Forbidden { .. }) => tracing::warn!("{e}; Pod Security levels are not checked"),
        Err(e) => return Err(e),
    }
    s.pods = pods?;
    s.events = events?;
    workloads_of("DaemonSet", daemonsets?, &mut s);
    // The other owner kinds only when a pod or a Warning event points at one (a Deployment's
    // pods point at its ReplicaSets; a stuck one has FailedCreate events on them).
    let points_at = |kinds: &[&str]| {
        targets.iter().any(|t| kinds.contains(&t.kind.as_str()))
            || s.pods
                .iter()
                .any(|p| p.metadata.owner_references.iter().flatten().any(|o| kinds.contains(&o.kind.as_str())))
            || s.events.iter().any(|e| e.involved_object.kind.as_deref().is_some_and(|k| kinds.contains(&k)))
    };
    let want_deploy = points_at(&["ReplicaSet", "Deployment"]);
    let (want_sts, want_jobs) = (points_at(&["StatefulSet"]), points_at(&["Job"]));
    let (deployments, replicasets, statefulsets, jobs) = tokio::join!(
        async {
            if want_deploy {
                collect::list_all::<Deployment>(kube, namespace, selector, "deployments").await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if want_deploy {
                collect::list_all::<ReplicaSet>(kube, namespace, selector, "replicasets").await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if want_sts {
                collect::list_all::<StatefulSet>(kube, namespace, selector, "statefulsets").await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if want_jobs { collect::list_all::<Job>(kube, namespace, selector, "jobs").await } else { Ok(Vec::new()) }
        },
    );
    workloads_of("Deployment", deployments?, &mut s);
    workloads_of("ReplicaSet", replicasets?, &mut s);
    workloads_of("StatefulSet", statefulsets?, &mut s);
    workloads_of("Job", jobs?, &mut s);
    if let Some(sp) = spinner {
        sp.finish_and_clear();
    }
    Ok(s)
}

fn progress(msg: &'static str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

/// Fill a Snapshot from a dump file.
pub fn load_dump(path: &std::path::Path) -> Result<Snapshot> {
    let (name, text) = super::lint::read_input(path, crate::manifest::MAX_DUMP_BYTES)?;
    let values = crate::manifest::parse_dump(&name, &text)?;
    drop(text);
    let mut loaded = Loaded::default();
    loaded.add_values(&name, values);
    if let Some(e) = loaded.problems.into_iter().next() {
        return Err(e);
    }
    let mut s = loaded.snapshot;
    s.source = Source::Cluster;
    // A dump has no fragments; anything without a kind was skipped.
    s.fragments.clear();
    s.partial.clear();
    Ok(s)
}

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

/// Human output: one block per object, its root cause first.
pub fn render_human(findings: &[Finding], s: &Snapshot) -> String {
    let mut groups: BTreeMap<Option<ObjectRef>, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry(f.object.clone()).or_default().push(f);
    }
    let no_sources = HashMap::new();
    let mut out = String::new();
    for (object, mut fs) in groups {
        fs.sort_by_key(|f| (std::cmp::Reverse(f.severity), checks::rank_of(&f.rule)));
        let root = fs[0];
        let title = object.as_ref().map(|o| o.to_string()).unwrap_or_else(|| "cluster".into());
        let verdict = match root.severity {
            Severity::Error => format!("stuck — root cause {} {}", root.rule, root.name).red().bold().to_string(),
            Severity::Warning => format!("at risk — {} {}", root.rule, root.name).yellow().bold().to_string(),
            Severity::Info => format!("note — {} {}", root.rule, root.name).cyan().to_string(),
        };
        out.push_str(&format!("{} {}: {}\n", "●".bold(), title.bold(), verdict));
        for f in &fs {
            let mut text = String::new();
            let mut f2 = (*f).clone();
            f2.object = None; // already in the heading
            crate::output::human::render_one(&mut text, &f2, &no_sources);
            for line in text.lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    let hp_pods = s.pods.iter().filter(|p| p.spec.as_ref().is_some_and(checks::is_host_process)).count();
    let hp_workloads =
        s.workloads.iter().filter(|w| w.template.spec.as_ref().is_some_and(checks::is_host_process)).count();
    let win = s.windows_nodes().count();
    let report = Report::new(findings.to_vec());
    out.push_str(&format!(
        "Checked {hp_pods} HostProcess pod(s), {hp_workloads} HostProcess workload(s) and {win} Windows node(s).\n"
    ));
    out.push_str(&crate::output::human::summary_line(&report));
    out
}

pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<ExitCode> {
    let targets = args.targets.iter().map(|t| parse_target(t)).collect::<Result<Vec<_>>>()?;
    let snapshot = match &args.from_file {
        Some(path) => {
            let mut s = load_dump(path)?;
            // Scope a dump like the live cluster: -n keeps one namespace, -A (or no -n) keeps all.
            if let (Some(ns), false) = (&global.namespace, args.all_namespaces) {
                s.pods.retain(|p| p.metadata.namespace.as_deref() == Some(ns.as_str()));
                s.workloads.retain(|w| w.metadata.namespace.as_deref() == Some(ns.as_str()));
                s.events.retain(|e| e.metadata.namespace.as_deref() == Some(ns.as_str()));
            }
            s
        }
        None => {
            let kube = kube::connect(global).await?;
            let ns = if args.all_namespaces { None } else { Some(kube.namespace.clone()) };
            let s = collect_live(&kube, ns.as_deref(), args.selector.as_deref(), &targets).await?;
            tracing::info!("doctor made {} API requests", kube.requests.load(std::sync::atomic::Ordering::Relaxed));
            s
        }
    };
    let cluster_wide = args.all_namespaces || (args.from_file.is_some() && global.namespace.is_none());
    let findings = diagnose(&snapshot, &targets, cluster_wide)?;
    let report = Report::new(findings);
    let code = match args.output {
        DoctorFormat::Json => render_report(&report, ReportFormat::Json, &HashMap::new(), args.fail_on),
        DoctorFormat::Yaml => render_report(&report, ReportFormat::Yaml, &HashMap::new(), args.fail_on),
        DoctorFormat::Human => {
            crate::output::print(&render_human(&report.findings, &snapshot))?;
            Ok(if report.fails(args.fail_on) { ExitCode::Findings } else { ExitCode::Ok })
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
