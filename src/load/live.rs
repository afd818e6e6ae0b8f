//! The live source of `doctor`: one paginated LIST per kind. Nodes, namespaces, Warning events and
//! DaemonSets first (the small kinds); pods page by page, each page checked and dropped as it
//! arrives ([`super::paged`]); Deployments/ReplicaSets, StatefulSets and Jobs only when a pod, an
//! event or a target points at them; then the logs of the failing HostProcess containers, capped
//! by `--max-logs` (the only requests per object).

use std::io::IsTerminal;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Node};

use super::paged::{Checked, PagedCheck, Targets};
use super::workloads::TypedWorkload;
use crate::error::{Error, Result};
use crate::kube::logs::read_logs;
use crate::kube::{Kube, collect};
use crate::snapshot::{Snapshot, Source, Workload};

fn workloads<T: TypedWorkload>(items: Vec<T>) -> Vec<Workload> {
    items.into_iter().filter_map(T::into_workload).collect()
}

/// The small kinds, ready for the pods' pages.
async fn small_kinds(
    kube: &Kube,
    namespace: Option<&str>,
    selector: Option<&str>,
    max_logs: usize,
    targets: Targets,
) -> Result<PagedCheck> {
    let (version, nodes, namespaces, events, daemonsets) = tokio::join!(
        kube.server_version(),
        collect::list_cluster::<Node>(kube, None, "nodes"),
        collect::list_cluster::<Namespace>(kube, None, "namespaces"),
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
    s.events = events?;
    Ok(PagedCheck::new(s, workloads(daemonsets?), max_logs, targets))
}

/// Collect from the live cluster, in `namespace` (all without) and with a label `selector`, and
/// check it. `kinds` names kinds that must be listed whatever the pods and events say (the kinds
/// of doctor's targets); `targets`, which pods to keep for them. The logs of at most
/// `max_logs` failing HostProcess containers are read (0: none); what was skipped is said in
/// the snapshot's notes.
pub async fn collect_live(
    kube: &Kube,
    namespace: Option<&str>,
    selector: Option<&str>,
    kinds: &[&str],
    targets: Targets,
    max_logs: usize,
) -> Result<Checked> {
    let spinner = progress("collecting nodes, namespaces, pods, events and workloads");
    let small = small_kinds(kube, namespace, selector, max_logs, targets);
    let paged = collect::list_pods_by_page(kube, namespace, selector, small, PagedCheck::page).await?;
    // The other owner kinds only when a pod or a Warning event points at one (a Deployment's
    // pods point at its ReplicaSets; a stuck one has FailedCreate events on them).
    let points_at = |wanted: &[&str]| {
        kinds.iter().any(|k| wanted.contains(k))
            || paged.tally().owner_kinds.iter().any(|k| wanted.contains(&k.as_str()))
            || paged
                .base()
                .events
                .iter()
                .any(|e| e.involved_object.kind.as_deref().is_some_and(|k| wanted.contains(&k)))
    };
    let want_deploy = points_at(&["ReplicaSet", "Deployment"]);
    let (want_sts, want_jobs) = (points_at(&["StatefulSet"]), points_at(&["Job"]));
    let wanted = paged.log_requests();
    let mut notes = Vec::new();
    match (paged.tally().failing, max_logs) {
        (0, _) => {}
        (n, 0) => {
            notes.push(format!("container logs are off (--max-logs 0): {n} failing HostProcess containers not read"))
        }
        (n, cap) if n > cap => notes.push(format!(
            "read the logs of {cap} of {n} failing HostProcess containers (--max-logs {cap}); {} skipped",
            n - cap
        )),
        (n, _) => notes.push(format!("read the logs of {n} failing HostProcess containers")),
    }
    let (deployments, replicasets, statefulsets, jobs, logs) = tokio::join!(
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
        read_logs(kube, wanted),
    );
    if let Some(first) = logs.iter().find_map(|l| l.request_error.as_deref()) {
        let n = logs.iter().filter(|l| l.request_error.is_some()).count();
        notes.push(format!(
            "{n} of those logs could not be read (the first: {first}); their findings rest on status and events"
        ));
    }
    let mut owners = workloads(deployments?);
    owners.extend(workloads(replicasets?));
    owners.extend(workloads(statefulsets?));
    owners.extend(workloads(jobs?));
    // The second run: the pods kept, the workloads and the logs.
    let mut checked = paged.finish(owners, logs);
    checked.snapshot.notes.extend(notes);
    if let Some(sp) = spinner {
        sp.finish_and_clear();
    }
    Ok(checked)
}

/// A spinner on stderr while collecting, only on a terminal.
fn progress(msg: &'static str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}
