//! `doctor`: why HostProcess pods and workloads are stuck. Args → the live cluster or a
//! `--from-file` dump (both in [`crate::load`]) → checks → the findings about the targets →
//! output.

use std::collections::HashMap;

use crate::cli::{DoctorArgs, DoctorFormat, GlobalArgs};
use crate::error::{Error, ExitCode, Result};
use crate::finding::{Finding, Report};
use crate::kube;
use crate::load;
use crate::load::paged::{Checked, Targets};
use crate::output::escape::terminal_safe_line;
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
    // A pod or workload owned by the target (directly, or through a ReplicaSet of a Deployment).
    let owners = if o.kind == "Pod" {
        s.pods
            .iter()
            .find(|p| {
                p.metadata.name.as_deref() == Some(o.name.as_str())
                    && p.metadata.namespace.as_deref() == o.namespace.as_deref()
            })
            .map(|p| &p.metadata)
    } else {
        s.workloads
            .iter()
            .find(|w| {
                w.kind == o.kind
                    && w.metadata.name.as_deref() == Some(o.name.as_str())
                    && w.metadata.namespace.as_deref() == o.namespace.as_deref()
            })
            .map(|w| &w.metadata)
    };
    if let Some(meta) = owners {
        return s
            .owner_chain(meta.namespace.as_deref(), meta.owner_references.as_ref())
            .iter()
            .any(|w| w.kind == t.kind && w.metadata.name.as_deref() == Some(t.name.as_str()));
    }
    false
}

/// Run the checks and keep what the targets ask for (everything without targets). Scoped to a
/// namespace (`cluster_wide` false), node findings are kept only for nodes that host a pod in scope.
pub fn diagnose(s: &Snapshot, targets: &[Target], cluster_wide: bool) -> Result<Vec<Finding>> {
    let mut checked = Checked::whole(s.clone());
    diagnose_checked(&mut checked, targets, cluster_wide)
}

/// [`diagnose`] on a snapshot already checked (doctor live checks pods page by page and keeps
/// only some: the tally says what it saw of the others). The findings are moved out of `c`, not
/// copied: at 150,000 pods they are tens of thousands.
pub fn diagnose_checked(c: &mut Checked, targets: &[Target], cluster_wide: bool) -> Result<Vec<Finding>> {
    let mut findings = std::mem::take(&mut c.findings);
    let s = &c.snapshot;
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
    if !cluster_wide && !targets.iter().any(|t| t.kind == "Node") {
        findings.retain(|f| match &f.object {
            Some(o) if o.kind == "Node" => c.tally.nodes.contains(&o.name),
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
    let mut checked = match from_file {
        // Scope a dump like the live cluster: -n keeps one namespace, -A (or no -n) keeps all.
        true => Checked::whole(load::load_dumps(
            &args.from_file,
            global.namespace.as_deref().filter(|_| !args.all_namespaces),
        )?),
        false => {
            let kube = kube::connect(global).await?;
            let ns = if args.all_namespaces { None } else { Some(kube.namespace.clone()) };
            let kinds: Vec<&str> = targets.iter().map(|t| t.kind.as_str()).collect();
            let keep = Targets {
                pods: targets.iter().filter(|t| t.kind == "Pod").map(|t| t.name.clone()).collect(),
                owners: targets.iter().any(|t| t.kind != "Pod" && t.kind != "Node"),
            };
            let sel = args.selector.as_deref();
            let c = load::collect_live(&kube, ns.as_deref(), sel, &kinds, keep, args.max_logs).await?;
            tracing::info!("doctor made {} API requests", kube.requests.load(std::sync::atomic::Ordering::Relaxed));
            c
        }
    };
    for note in &checked.snapshot.notes {
        // Notes quote names and messages from the input.
        eprintln!("note: {}", terminal_safe_line(note));
    }
    let cluster_wide = args.all_namespaces || (from_file && global.namespace.is_none());
    let findings = diagnose_checked(&mut checked, &targets, cluster_wide)?;
    let snapshot = &checked.snapshot;
    let report = Report::new(findings);
    let code = match args.output {
        DoctorFormat::Json => render_report(&report, ReportFormat::Json, &HashMap::new(), args.fail_on.into()),
        DoctorFormat::Yaml => render_report(&report, ReportFormat::Yaml, &HashMap::new(), args.fail_on.into()),
        DoctorFormat::Human => {
            let hp_pods = checked.tally.host_process;
            crate::output::print(&crate::output::doctor::render_counted(&report.findings, snapshot, hp_pods))?;
            Ok(if report.fails(args.fail_on.into()) { ExitCode::Findings } else { ExitCode::Ok })
        }
    }?;
    // The process exits next: freeing tens of thousands of objects one by one took about 8% of a
    // 20,000-pod run, for nothing.
    std::mem::forget(checked);
    Ok(if args.exit_zero { ExitCode::Ok } else { code })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(objects: &[serde_json::Value]) -> Snapshot {
        let mut loaded = crate::load::objects::Loaded::default();
        let doc = loaded.begin_document("dump");
        for (i, o) in objects.iter().enumerate() {
            loaded.add_object("dump", doc, i, o);
        }
        loaded.snapshot
    }

    fn owned(kind: &str, name: &str, uid: &str, owner: Option<(&str, &str, &str)>) -> serde_json::Value {
        let mut meta = serde_json::json!({"name": name, "namespace": "ns", "uid": uid});
        if let Some((k, n, u)) = owner {
            meta["ownerReferences"] =
                serde_json::json!([{"apiVersion": "apps/v1", "kind": k, "name": n, "uid": u, "controller": true}]);
        }
        // A HostProcess pod spec without hostNetwork: HP001 on every object.
        let spec = serde_json::json!({"securityContext": {"windowsOptions": {"hostProcess": true}},
            "containers": [{"name": "c", "image": "x"}]});
        match kind {
            "Pod" => serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}),
            k => serde_json::json!({"apiVersion": "apps/v1", "kind": k, "metadata": meta,
                "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"spec": spec}}}),
        }
    }

    fn names(findings: &[Finding]) -> Vec<String> {
        let mut n: Vec<String> = findings.iter().filter_map(|f| f.object.as_ref().map(|o| o.name.clone())).collect();
        n.sort();
        n.dedup();
        n
    }

    /// A ReplicaSet that is its own controller, or two that own each other: the walk ends.
    #[test]
    fn owner_cycles_end() {
        let s = snapshot(&[
            owned("ReplicaSet", "loop", "u-loop", Some(("ReplicaSet", "loop", "u-loop"))),
            owned("ReplicaSet", "x", "u-x", Some(("ReplicaSet", "y", "u-y"))),
            owned("ReplicaSet", "y", "u-y", Some(("ReplicaSet", "x", "u-x"))),
            owned("Pod", "a", "u-a", Some(("ReplicaSet", "loop", "u-loop"))),
            owned("Pod", "b", "u-b", Some(("ReplicaSet", "x", "u-x"))),
        ]);
        let t = |s: &str| vec![parse_target(s).unwrap()];
        assert_eq!(names(&diagnose(&s, &t("rs/loop"), true).unwrap()), ["a", "loop"]);
        assert_eq!(names(&diagnose(&s, &t("pod/a"), true).unwrap()), ["a"]);
        assert_eq!(names(&diagnose(&s, &t("rs/y"), true).unwrap()), ["b", "x", "y"]);
        assert_eq!(s.owner_chain(Some("ns"), s.pods[1].metadata.owner_references.as_ref()).len(), 2);
    }

    /// An owner reference names its owner by UID: a Deployment recreated under the same name
    /// does not own the old ReplicaSet's pods. Without a UID (hand-written), kind and name decide.
    #[test]
    fn owners_are_matched_by_uid() {
        let s = snapshot(&[
            owned("Deployment", "d", "u-new", None),
            owned("ReplicaSet", "d-1", "u-r1", Some(("Deployment", "d", "u-old"))),
            owned("Pod", "p1", "u-p1", Some(("ReplicaSet", "d-1", "u-r1"))),
            owned("ReplicaSet", "d-2", "u-r2", Some(("Deployment", "d", "u-new"))),
            owned("Pod", "p2", "u-p2", Some(("ReplicaSet", "d-2", "u-r2"))),
            owned("Pod", "p3", "u-p3", Some(("ReplicaSet", "d-2", ""))),
            owned("Pod", "p4", "u-p4", Some(("ReplicaSet", "d-2", "u-gone"))),
        ]);
        let t = vec![parse_target("deploy/d").unwrap()];
        assert_eq!(names(&diagnose(&s, &t, true).unwrap()), ["d", "d-2", "p2", "p3"]);
    }

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
