//! The live source of `doctor`: one paginated LIST per kind (nodes, namespaces, pods, Warning
//! events, DaemonSets; Deployments/ReplicaSets, StatefulSets and Jobs only when a pod, an event
//! or a target points at them), kept as typed objects in the snapshot; then the logs of the
//! failing HostProcess containers, capped by `--max-logs` (the only requests per object).

use std::io::IsTerminal;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Node};

use super::workloads::TypedWorkload;
use crate::checks::containers::is_host_process;
use crate::checks::logs::failing_containers;
use crate::error::{Error, Result};
use crate::kube::logs::{LogRequest, read_logs};
use crate::kube::{Kube, collect};
use crate::snapshot::{Snapshot, Source};

fn add_workloads<T: TypedWorkload>(items: Vec<T>, snapshot: &mut Snapshot) {
    snapshot.workloads.extend(items.into_iter().filter_map(T::into_workload));
}

/// The logs to read: the failing containers of HostProcess pods, in namespace/pod order.
fn log_requests(s: &Snapshot) -> Vec<LogRequest> {
    let mut out = Vec::new();
    for pod in s.pods.iter().filter(|p| p.spec.as_ref().is_some_and(is_host_process)) {
        for fc in failing_containers(pod) {
            out.push(LogRequest {
                namespace: pod.metadata.namespace.clone().unwrap_or_default(),
                pod: pod.metadata.name.clone().unwrap_or_default(),
                container: fc.name,
                previous: fc.previous,
            });
        }
    }
    out.sort_by(|a, b| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
    out
}

/// Collect a Snapshot from the live cluster, in `namespace` (all without) and with a label
/// `selector`. `kinds` names kinds that must be listed whatever the pods and events say (the
/// kinds of doctor's targets). The logs of at most `max_logs` failing HostProcess containers
/// are read (0: none); what was skipped is said in the snapshot's notes.
pub async fn collect_live(
    kube: &Kube,
    namespace: Option<&str>,
    selector: Option<&str>,
    kinds: &[&str],
    max_logs: usize,
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
    add_workloads(daemonsets?, &mut s);
    // The other owner kinds only when a pod or a Warning event points at one (a Deployment's
    // pods point at its ReplicaSets; a stuck one has FailedCreate events on them).
    let points_at = |wanted: &[&str]| {
        kinds.iter().any(|k| wanted.contains(k))
            || s.pods
                .iter()
                .any(|p| p.metadata.owner_references.iter().flatten().any(|o| wanted.contains(&o.kind.as_str())))
            || s.events.iter().any(|e| e.involved_object.kind.as_deref().is_some_and(|k| wanted.contains(&k)))
    };
    let want_deploy = points_at(&["ReplicaSet", "Deployment"]);
    let (want_sts, want_jobs) = (points_at(&["StatefulSet"]), points_at(&["Job"]));
    let mut wanted = log_requests(&s);
    let failing = wanted.len();
    wanted.truncate(max_logs);
    match (failing, max_logs) {
        (0, _) => {}
        (n, 0) => {
            s.notes.push(format!("container logs are off (--max-logs 0): {n} failing HostProcess containers not read"))
        }
        (n, cap) if n > cap => s.notes.push(format!(
            "read the logs of {cap} of {n} failing HostProcess containers (--max-logs {cap}); {} skipped",
            n - cap
        )),
        (n, _) => s.notes.push(format!("read the logs of {n} failing HostProcess containers")),
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
        s.notes.push(format!(
            "{n} of those logs could not be read (the first: {first}); their findings rest on status and events"
        ));
    }
    s.logs = logs;
    add_workloads(deployments?, &mut s);
    add_workloads(replicasets?, &mut s);
    add_workloads(statefulsets?, &mut s);
    add_workloads(jobs?, &mut s);
    if let Some(sp) = spinner {
        sp.finish_and_clear();
    }
    Ok(s)
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
