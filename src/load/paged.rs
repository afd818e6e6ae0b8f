//! doctor's pods, checked page by page: memory follows the findings, not the cluster.
//!
//! The small kinds (nodes, namespaces, Warning events, the server version) are loaded first; each
//! page of pods is then checked against them with the same rules ([`checks::run`]) and dropped,
//! keeping only the findings about its pods. A pod's findings depend on the pod, the small kinds
//! and its container logs, with one exception: HP020 names the node's HostProcess networking
//! pods. Of those, only their names and whether they fail are kept, by node
//! ([`Snapshot::networking_pods`]). A pod is kept whole, for a second run once every page is
//! in, only when:
//! - it has an HP020 finding, which names its node's networking pods;
//! - its failing containers are among the first `--max-logs` (namespace/pod order), whose logs
//!   are read and change its findings;
//! - it is a doctor target (`pod/NAME`).
//!
//! The second run ([`PagedCheck::finish`]) also makes every finding that is not about a pod
//! (nodes, workloads, events of objects not listed). Its findings and those of the pages are,
//! together and sorted, what [`checks::run`] gives on the whole snapshot; the unit tests below
//! compare the two on every page size.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use k8s_openapi::api::core::v1::Pod;

use crate::checks;
use crate::checks::hp020_host_network_service::{RULE as HP020, networking_digest};
use crate::checks::logs::failing_containers;
use crate::finding::Finding;
use crate::kube::logs::LogRequest;
use crate::snapshot::{ContainerLog, Snapshot, Workload};

/// What doctor saw of all the pods, kept or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodTally {
    /// Pods listed.
    pub pods: usize,
    /// HostProcess pods listed.
    pub host_process: usize,
    /// The nodes the listed pods are bound to.
    pub nodes: BTreeSet<String>,
    /// The kinds of the pods' controllers (which owner kinds to list).
    pub owner_kinds: BTreeSet<String>,
    /// Failing containers of HostProcess pods (whose logs doctor may read).
    pub failing: usize,
}

impl PodTally {
    /// Count one pod.
    pub fn add(&mut self, pod: &Pod) {
        self.pods += 1;
        if pod.spec.as_ref().is_some_and(checks::is_host_process) {
            self.host_process += 1;
            self.failing += failing_containers(pod).len();
        }
        if let Some(n) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            self.nodes.insert(n.to_string());
        }
        for o in pod.metadata.owner_references.iter().flatten() {
            self.owner_kinds.insert(o.kind.clone());
        }
    }

    /// The tally of a snapshot that holds every pod (lint, `--from-file`).
    pub fn of(s: &Snapshot) -> PodTally {
        let mut t = PodTally::default();
        s.pods.iter().for_each(|p| t.add(p));
        t
    }
}

/// A snapshot checked, and what was seen of its pods.
#[derive(Debug)]
pub struct Checked {
    /// The small kinds, the workloads, the logs read and the pods kept (all pods when whole).
    pub snapshot: Snapshot,
    /// Every finding, sorted as [`checks::run`] sorts them.
    pub findings: Vec<Finding>,
    pub tally: PodTally,
}

impl Checked {
    /// Check a snapshot that holds every pod, in one run.
    pub fn whole(snapshot: Snapshot) -> Checked {
        let findings = checks::run(&snapshot);
        let tally = PodTally::of(&snapshot);
        Checked { snapshot, findings, tally }
    }
}

type Key = (String, String);

/// What doctor was asked about, as far as keeping pods goes.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// The names of the pods among the targets: kept, to be found.
    pub pods: HashSet<String>,
    /// A workload is among the targets: every pod with a finding is kept, for its owners (a
    /// finding about a pod concerns the workload above it).
    pub owners: bool,
}

fn key(pod: &Pod) -> Key {
    (pod.metadata.namespace.clone().unwrap_or_default(), pod.metadata.name.clone().unwrap_or_default())
}

/// A pod kept for the second run, with the findings its page gave (used if it is let go).
struct Kept {
    order: usize,
    pod: Pod,
    findings: Vec<Finding>,
    /// Kept for HP020, or as a target: whatever the logs.
    pinned: bool,
}

/// The pods' checks, page by page. Feed pages in list order with [`PagedCheck::page`].
pub struct PagedCheck {
    /// The small kinds; `pods` holds one page at a time.
    base: Snapshot,
    kept: HashMap<Key, Kept>,
    /// Pods whose failing containers' logs would be read, with how many containers.
    logs: BTreeMap<Key, usize>,
    max_logs: usize,
    targets: Targets,
    /// Findings about pods let go.
    findings: Vec<Finding>,
    tally: PodTally,
    /// Workloads loaded with the small kinds, checked in the second run only.
    workloads: Vec<Workload>,
    /// HP020's networking pods of each node, as the second run reads them.
    networking: BTreeMap<String, Vec<(String, bool)>>,
}

impl PagedCheck {
    /// `base`: the snapshot of the small kinds (no pods, no workloads, no logs); `workloads`:
    /// those already loaded (checked at the end). `targets`: the names of the pods doctor was
    /// asked about.
    pub fn new(mut base: Snapshot, workloads: Vec<Workload>, max_logs: usize, targets: Targets) -> PagedCheck {
        base.pods_batch = true;
        PagedCheck {
            workloads,
            base,
            kept: HashMap::new(),
            logs: BTreeMap::new(),
            max_logs,
            targets,
            findings: Vec::new(),
            tally: PodTally::default(),
            networking: BTreeMap::new(),
        }
    }

    /// Check one page (or batch) of pods and keep what the second run needs.
    pub fn page(&mut self, pods: Vec<Pod>) {
        // Only the pods change from one batch to the next: the other kinds' lookup tables stay.
        self.base.set_pods(pods);
        let mut about: HashMap<Key, Vec<Finding>> = HashMap::new();
        for f in checks::run(&self.base) {
            if let Some(o) = f.object.as_ref().filter(|o| o.kind == "Pod") {
                about.entry((o.namespace.clone().unwrap_or_default(), o.name.clone())).or_default().push(f);
            }
        }
        for pod in self.base.set_pods(Vec::new()) {
            self.tally.add(&pod);
            let k = key(&pod);
            let findings = about.remove(&k).unwrap_or_default();
            if let Some((node, digest)) = networking_digest(&pod) {
                self.networking.entry(node).or_default().push(digest);
            }
            let pinned = findings.iter().any(|f| f.rule == HP020.id)
                || self.targets.pods.contains(&k.1)
                || (self.targets.owners && !findings.is_empty());
            let failing = match pod.spec.as_ref().is_some_and(checks::is_host_process) {
                true => failing_containers(&pod).len(),
                false => 0,
            };
            let logged = failing > 0 && self.max_logs > 0 && self.wants_logs(&k);
            if !pinned && !logged {
                self.findings.extend(findings);
                continue;
            }
            if logged {
                self.logs.insert(k.clone(), failing);
            }
            let order = self.tally.pods;
            self.kept.insert(k, Kept { order, pod, findings, pinned });
            self.trim_logs();
        }
    }

    /// Would a pod at `k` be among the first `max_logs` failing containers so far?
    fn wants_logs(&self, k: &Key) -> bool {
        self.logs.range(..k.clone()).map(|(_, n)| n).sum::<usize>() < self.max_logs
    }

    /// Let go of the last pods held for logs once the ones before them fill `max_logs`.
    fn trim_logs(&mut self) {
        let mut total: usize = self.logs.values().sum();
        while let Some((k, n)) = self.logs.last_key_value().map(|(k, n)| (k.clone(), *n)) {
            if total - n < self.max_logs {
                break;
            }
            total -= n;
            self.logs.remove(&k);
            if let Some(kept) = self.kept.remove(&k) {
                match kept.pinned {
                    true => {
                        self.kept.insert(k, kept);
                    }
                    false => self.findings.extend(kept.findings),
                }
            }
        }
    }

    /// The logs to read: the failing containers of the kept HostProcess pods, in namespace/pod
    /// order, at most `max_logs`.
    pub fn log_requests(&self) -> Vec<LogRequest> {
        let mut out = Vec::new();
        for k in self.logs.keys() {
            let Some(kept) = self.kept.get(k) else { continue };
            for fc in failing_containers(&kept.pod) {
                out.push(LogRequest {
                    namespace: k.0.clone(),
                    pod: k.1.clone(),
                    container: fc.name,
                    previous: fc.previous,
                });
            }
        }
        out.truncate(self.max_logs);
        out
    }

    pub fn tally(&self) -> &PodTally {
        &self.tally
    }

    /// The small kinds.
    pub fn base(&self) -> &Snapshot {
        &self.base
    }

    /// The second run, with the workloads and the logs read: every finding.
    pub fn finish(mut self, more: Vec<Workload>, logs: Vec<ContainerLog>) -> Checked {
        let mut kept: Vec<Kept> = self.kept.into_values().collect();
        kept.sort_by_key(|k| k.order);
        let mut s = self.base;
        s.pods = kept.into_iter().map(|k| k.pod).collect();
        s.workloads = self.workloads;
        s.workloads.extend(more);
        s.logs = logs;
        self.networking.values_mut().for_each(|v| v.sort());
        s.networking_pods = Some(self.networking);
        s.pods_batch = false;
        s.lookup = Default::default();
        s.specs_index = Default::default();
        let mut findings = checks::run(&s);
        findings.append(&mut self.findings);
        checks::sort(&mut findings);
        Checked { snapshot: s, findings, tally: self.tally }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::{event, namespace, node, workload};
    use crate::event_record::EventRecord;
    use crate::snapshot::Source;
    use serde_json::json;

    const HP: &str = "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0";

    fn pod(ns: &str, name: &str, spec: serde_json::Value, status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": ns, "uid": format!("{ns}-{name}"),
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": "ds", "controller": true}]},
            "spec": spec, "status": status
        }))
        .unwrap()
    }

    fn hp_spec(node: &str, name: &str, containers: &[&str]) -> serde_json::Value {
        let cs: Vec<_> = containers.iter().map(|c| json!({"name": c, "image": HP})).collect();
        json!({"nodeName": node, "hostNetwork": true, "nodeSelector": {"kubernetes.io/os": "windows"},
            "securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
            "containers": cs, "os": {"name": "windows"}, "serviceAccountName": name})
    }

    fn running(containers: &[&str]) -> serde_json::Value {
        let cs: Vec<_> = containers
            .iter()
            .map(|c| {
                json!({"name": c, "image": HP, "imageID": "", "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2025-01-01T00:00:00Z"}}})
            })
            .collect();
        json!({"phase": "Running", "containerStatuses": cs})
    }

    fn crashing(containers: &[&str]) -> serde_json::Value {
        let cs: Vec<_> = containers
            .iter()
            .map(|c| {
                json!({"name": c, "image": HP, "imageID": "", "ready": false, "restartCount": 5,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}})
            })
            .collect();
        json!({"phase": "Running", "containerStatuses": cs})
    }

    fn with_event(mut e: EventRecord, ns: &str) -> EventRecord {
        e.involved_object.namespace = Some(ns.to_string());
        e.namespace = Some(ns.to_string());
        e
    }

    /// A cluster with every kind of pod the paged check treats differently, in list order.
    fn cluster() -> (Snapshot, Vec<Workload>, Vec<ContainerLog>) {
        let mut s = Snapshot { source: Source::Cluster, server_version: Some("v1.33.1".into()), ..Default::default() };
        s.nodes = vec![
            node("w1", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.1", "[]"),
            node("w2", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.1", "[]"),
            node("w-old", "windows", "containerd://1.5.9", "v1.33.1", "10.0.17763.1", "[]"),
            node("l1", "linux", "containerd://1.7.20", "v1.33.1", "6.1", "[]"),
        ];
        let privileged = [("pod-security.kubernetes.io/enforce", "privileged")];
        s.namespaces = vec![namespace("a", &privileged), namespace("ns", &privileged), namespace("z", &[])];
        let mut pods = Vec::new();
        let mut logs = Vec::new();
        for i in 0..12 {
            let n = if i % 2 == 0 { "w1" } else { "w2" };
            pods.push(pod("ns", &format!("agent-{i:02}"), hp_spec(n, "agent", &["a"]), running(&["a"])));
        }
        for (ns, i, cs) in [("a", 1, vec!["a"]), ("ns", 2, vec!["a", "b"]), ("ns", 3, vec!["a"]), ("z", 4, vec!["a"])] {
            let name = format!("crash-{i}");
            pods.push(pod(ns, &name, hp_spec("w2", "agent", &cs), crashing(&cs)));
            for c in cs {
                let line = if i % 2 == 0 {
                    "'c:\\hpc\\agent' is not recognized as an internal or external command,"
                } else {
                    "done"
                };
                logs.push(ContainerLog {
                    namespace: ns.into(),
                    pod: name.clone(),
                    container: c.into(),
                    lines: vec![line.into()],
                    previous: true,
                    ..Default::default()
                });
            }
        }
        let mut bad = hp_spec("w1", "agent", &["a"]);
        bad["hostNetwork"] = json!(false);
        pods.push(pod("ns", "no-host-network", bad, running(&["a"])));
        pods.push(pod("ns", "old-runtime", hp_spec("w-old", "agent", &["a"]), running(&["a"])));
        pods.push(pod("ns", "on-linux", hp_spec("l1", "agent", &["a"]), json!({"phase": "Pending"})));
        let mut pending = hp_spec("", "agent", &["a"]);
        pending.as_object_mut().unwrap().remove("nodeName");
        pods.push(pod("ns", "pending", pending, json!({"phase": "Pending"})));
        let flannel = json!({"nodeName": "w1", "hostNetwork": true,
            "securityContext": {"windowsOptions": {"hostProcess": true}},
            "containers": [{"name": "kube-flannel", "image": "sigwindowstools/flannel:v0.21.5-hostprocess"}]});
        pods.push(pod("kube-system", "kube-flannel-ds-windows-x", flannel, crashing(&["kube-flannel"])));
        logs.push(ContainerLog {
            namespace: "kube-system".into(),
            pod: "kube-flannel-ds-windows-x".into(),
            container: "kube-flannel".into(),
            lines: vec!["E1201 hcnCreateNetwork failed".into()],
            ..Default::default()
        });
        let proxy = json!({"nodeName": "w2", "hostNetwork": true,
            "securityContext": {"windowsOptions": {"hostProcess": true}},
            "containers": [{"name": "kube-proxy", "image": "sigwindowstools/kube-proxy:v1.33.1-hostprocess"}]});
        pods.push(pod("kube-system", "kube-proxy-windows-y", proxy, running(&["kube-proxy"])));
        for (name, n) in [("web-1", "w1"), ("web-2", "w2"), ("web-3", "w1")] {
            pods.push(pod(
                "ns",
                name,
                json!({"nodeName": n, "containers": [{"name": "web"}]}),
                json!({"phase": "Pending"}),
            ));
        }
        s.pods = pods;
        let sandbox = "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"7b78\": plugin type=\"nat\" name=\"nat\" failed (add): hcnCreateNetwork failed in Win32: The object already exists. (0x1392)";
        s.events = vec![
            event("Pod", "web-1", "FailedCreatePodSandBox", sandbox, None),
            event("Pod", "web-2", "FailedCreatePodSandBox", sandbox, None),
            event(
                "Pod",
                "pending",
                "FailedScheduling",
                "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
                None,
            ),
            event("Pod", "ghost", "FailedCreatePodSandBox", sandbox, None),
            with_event(
                event(
                    "Pod",
                    "crash-1",
                    "BackOff",
                    "Back-off restarting failed container a",
                    Some("spec.containers{a}"),
                ),
                "a",
            ),
        ];
        let mut bad_ds = hp_spec("", "agent", &["a"]);
        bad_ds["hostNetwork"] = json!(false);
        let ds = workload("DaemonSet", "agent", &bad_ds.to_string(), Some(3));
        (s, vec![ds], logs)
    }

    /// The logs doctor read before pages: every failing HostProcess container, in
    /// namespace/pod order, the first `max_logs`.
    fn logs_read_whole(s: &Snapshot, all: &[ContainerLog], max_logs: usize) -> Vec<ContainerLog> {
        let mut wanted = Vec::new();
        for p in s.pods.iter().filter(|p| p.spec.as_ref().is_some_and(checks::is_host_process)) {
            for fc in failing_containers(p) {
                wanted.push((key(p), fc.name));
            }
        }
        wanted.sort_by(|a, b| a.0.cmp(&b.0));
        wanted.truncate(max_logs);
        wanted
            .into_iter()
            .filter_map(|((ns, pod), c)| {
                all.iter().find(|l| l.namespace == ns && l.pod == pod && l.container == c).cloned()
            })
            .collect()
    }

    fn paged(s: &Snapshot, ds: &[Workload], all: &[ContainerLog], size: usize, max_logs: usize, t: Targets) -> Checked {
        let mut base = s.clone();
        let pods = std::mem::take(&mut base.pods);
        base.lookup = Default::default();
        let mut check = PagedCheck::new(base, ds.to_vec(), max_logs, t);
        for page in pods.chunks(size) {
            check.page(page.to_vec());
        }
        let wanted = check.log_requests();
        let logs: Vec<ContainerLog> = wanted
            .iter()
            .filter_map(|r| {
                all.iter().find(|l| l.namespace == r.namespace && l.pod == r.pod && l.container == r.container).cloned()
            })
            .collect();
        assert_eq!(logs.len(), wanted.len());
        check.finish(Vec::new(), logs)
    }

    #[test]
    fn paged_findings_are_the_whole_runs_at_every_page_size_and_log_cap() {
        let (s, ds, all) = cluster();
        for max_logs in [0, 1, 2, 3, 20] {
            let mut whole = s.clone();
            whole.workloads = ds.clone();
            whole.logs = logs_read_whole(&s, &all, max_logs);
            let expected = Checked::whole(whole);
            let rules: BTreeSet<&str> = expected.findings.iter().map(|f| f.rule.as_str()).collect();
            for r in ["HP001", "HP008", "HP010", "HP019", "HP020"] {
                assert!(rules.contains(r), "{r} missing from the test cluster's findings: {rules:?}");
            }
            for size in [1, 2, 3, 5, 8, 13, s.pods.len()] {
                let got = paged(&s, &ds, &all, size, max_logs, Targets::default());
                assert_eq!(got.findings, expected.findings, "page size {size}, --max-logs {max_logs}");
                assert_eq!(got.tally, expected.tally, "page size {size}");
            }
        }
    }

    #[test]
    fn only_the_pods_a_second_run_needs_are_kept() {
        let (s, ds, all) = cluster();
        let names = |c: &Checked| -> Vec<String> {
            c.snapshot.pods.iter().map(|p| p.metadata.name.clone().unwrap_or_default()).collect()
        };
        // No logs, no targets: the pods HP020 names networking pods for; of the networking pods
        // themselves, only their names and state, by node.
        let c = paged(&s, &ds, &all, 4, 0, Targets::default());
        assert_eq!(names(&c), ["web-1", "web-2"]);
        assert_eq!(c.tally.pods, s.pods.len());
        let digest = c.snapshot.networking_pods.as_ref().expect("the networking pods' digest");
        let named: Vec<&str> = digest.values().flatten().map(|(n, _)| n.as_str()).collect();
        assert_eq!(named.len(), 2, "{digest:?}");
        assert!(named.contains(&"kube-system/kube-flannel-ds-windows-x"), "{digest:?}");
        assert!(digest.values().flatten().any(|(_, failing)| *failing), "{digest:?}");
        // Logs: the pods of the first failing containers in namespace/pod order, in list order.
        let c = paged(&s, &ds, &all, 3, 2, Targets::default());
        assert_eq!(names(&c), ["crash-1", "kube-flannel-ds-windows-x", "web-1", "web-2"]);
        let c = paged(&s, &ds, &all, 3, 3, Targets::default());
        assert!(names(&c).contains(&"crash-2".to_string()) && !names(&c).contains(&"crash-3".to_string()));
        let reqs: Vec<_> = {
            let mut base = s.clone();
            let pods = std::mem::take(&mut base.pods);
            let mut check = PagedCheck::new(base, Vec::new(), 2, Targets::default());
            pods.chunks(5).for_each(|p| check.page(p.to_vec()));
            check.log_requests().into_iter().map(|r| format!("{}/{}/{}", r.namespace, r.pod, r.container)).collect()
        };
        assert_eq!(reqs, ["a/crash-1/a", "kube-system/kube-flannel-ds-windows-x/kube-flannel"]);
        // A pod target is kept though healthy; a workload target keeps every pod with a finding.
        let t = Targets { pods: ["agent-03".to_string()].into(), owners: false };
        assert!(names(&paged(&s, &ds, &all, 4, 0, t)).contains(&"agent-03".to_string()));
        let t = Targets { pods: HashSet::new(), owners: true };
        let kept = names(&paged(&s, &ds, &all, 4, 0, t));
        assert!(kept.contains(&"no-host-network".to_string()) && !kept.contains(&"agent-03".to_string()), "{kept:?}");
    }
}
