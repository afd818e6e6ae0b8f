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
    s.nodes.iter_mut().for_each(slim_node);
    // Listing namespaces may be forbidden to namespace-scoped users: go on without PSA labels.
    match namespaces {
        Ok(ns) => s.namespaces = ns,
        Err(e @ Error::Forbidden { .. }) => tracing::warn!("{e}; Pod Security levels are not checked"),
        Err(e) => return Err(e),
    }
    s.events = events?;
    Ok(PagedCheck::new(s, workloads(daemonsets?), max_logs, targets))
}

/// Keep of a node what the checks and the node verdicts read (name, uid, labels, taints,
/// cordon, conditions less their heartbeat, nodeInfo) and drop the rest: on a real cluster its
/// image list, capacity, allocatable, addresses, volumes and annotations are most of its size,
/// and doctor holds every node for the whole run (#15: 6.4 KB a node as k8s-openapi decodes a
/// kubelet's node, without images).
fn slim_node(n: &mut Node) {
    n.metadata.annotations = None;
    if let Some(sp) = n.spec.as_mut() {
        sp.pod_cidr = None;
        sp.pod_cidrs = None;
        sp.provider_id = None;
        sp.config_source = None;
    }
    if let Some(st) = n.status.as_mut() {
        st.images = None;
        st.capacity = None;
        st.allocatable = None;
        st.addresses = None;
        st.daemon_endpoints = None;
        st.volumes_attached = None;
        st.volumes_in_use = None;
        st.config = None;
        st.features = None;
        st.runtime_handlers = None;
        for c in st.conditions.iter_mut().flatten() {
            c.last_heartbeat_time = None;
        }
    }
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

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;

    use super::*;
    use crate::checks;
    use crate::nodes::node_report;

    /// A kubelet's Windows node as the API server returns it, every field set, and a broken one.
    fn node(name: &str, ready: &str, build: &str) -> Node {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "uid": format!("uid-{name}"),
                "annotations": {"node.alpha.kubernetes.io/ttl": "0", "csi.volume.kubernetes.io/nodeid": "{\"disk.csi.azure.com\":\"x\"}"},
                "labels": {"kubernetes.io/os": "windows", "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
                    "node.kubernetes.io/windows-build": build}},
            "spec": {"podCIDR": "10.0.1.0/24", "podCIDRs": ["10.0.1.0/24"], "providerID": "azure:///x",
                "taints": [{"key": "os", "value": "windows", "effect": "NoSchedule"}]},
            "status": {
                "capacity": {"cpu": "4", "memory": "16Gi", "pods": "30", "ephemeral-storage": "128Gi"},
                "allocatable": {"cpu": "3900m", "memory": "12Gi", "pods": "30", "ephemeral-storage": "100Gi"},
                "conditions": [
                    {"type": "DiskPressure", "status": "True", "reason": "KubeletHasDiskPressure", "message": "kubelet has disk pressure",
                     "lastHeartbeatTime": "2026-12-01T21:40:00Z", "lastTransitionTime": "2026-12-01T21:00:00Z"},
                    {"type": "Ready", "status": ready, "reason": "KubeletNotReady", "message": "container runtime network not ready",
                     "lastHeartbeatTime": "2026-12-01T21:40:00Z", "lastTransitionTime": "2026-12-01T21:00:00Z"}],
                "addresses": [{"type": "InternalIP", "address": "10.1.2.3"}, {"type": "Hostname", "address": name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "images": [{"names": ["mcr.microsoft.com/windows/nanoserver:ltsc2022"], "sizeBytes": 123}],
                "volumesInUse": ["kubernetes.io/csi/disk.csi.azure.com^x"],
                "nodeInfo": {"machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": format!("{build}.2527"),
                    "osImage": "Windows Server 2022 Datacenter", "containerRuntimeVersion": "containerd://1.6.2",
                    "kubeletVersion": "v1.22.4", "kubeProxyVersion": "", "operatingSystem": "windows", "architecture": "amd64"}}
        }))
        .unwrap()
    }

    fn snapshot(nodes: Vec<Node>) -> Snapshot {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "agent", "namespace": "kube-system", "uid": "p1"},
            "spec": {"nodeSelector": {"kubernetes.io/os": "windows"}, "hostNetwork": true,
                "securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
                "containers": [{"name": "agent", "image": "agent:1"}]},
            "status": {"phase": "Pending"}
        }))
        .unwrap();
        Snapshot {
            source: Source::Cluster,
            server_version: Some("v1.22.4".into()),
            nodes,
            pods: vec![pod],
            ..Default::default()
        }
    }

    #[test]
    fn a_slim_node_gives_the_same_findings_and_verdicts_and_is_smaller() {
        let full = vec![node("win-1", "False", "10.0.17763"), node("win-2", "True", "10.0.20348")];
        let mut slim = full.clone();
        slim.iter_mut().for_each(slim_node);

        let (want, got) = (checks::run(&snapshot(full.clone())), checks::run(&snapshot(slim.clone())));
        assert!(!want.is_empty());
        assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&want).unwrap());
        for (f, s) in full.iter().zip(&slim) {
            assert_eq!(node_report(s, Some("v1.22.4")), node_report(f, Some("v1.22.4")));
        }

        let st = slim[0].status.as_ref().unwrap();
        assert!(st.images.is_none() && st.capacity.is_none() && st.addresses.is_none() && st.volumes_in_use.is_none());
        assert!(st.conditions.iter().flatten().all(|c| c.last_heartbeat_time.is_none() && c.message.is_some()));
        assert!(slim[0].metadata.annotations.is_none() && slim[0].metadata.labels.is_some());
        let size = |n: &[Node]| serde_json::to_vec(n).unwrap().len();
        assert!(size(&slim) * 5 < size(&full) * 3, "{} of {}", size(&slim), size(&full));
    }
}
