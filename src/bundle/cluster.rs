//! The cluster part of a bundle, in `kubectl cluster-info dump --output-directory` layout
//! (docs/research/cluster-info-dump-format.md): `nodes.json`, then per namespace
//! `<ns>/events.json`, `replication-controllers.json`, `services.json`, `daemonsets.json`,
//! `deployments.json`, `replicasets.json`, `pods.json` (whole `*List` objects, JSON with a
//! 4-space indent), and `<ns>/<pod>/logs.txt` with `==== START/END logs for container … ====`
//! sections. Beyond kubectl's files, what `doctor` also reads: `namespaces.json` (Pod Security
//! labels) and `<ns>/statefulsets.json`, `<ns>/jobs.json`.
//!
//! One paginated LIST per kind, as `doctor` does (pods and events lean, Warning events only:
//! what every check reads); the only requests per object are the logs of failing HostProcess
//! containers (current and previous attempt), capped by `--max-logs`, each tail-limited
//! ([`crate::kube::logs`]). A kind the user may not list is left out and said in the manifest.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, ReplicationController, Service};
use kube::ResourceExt;
use serde::Serialize;

use super::manifest::{ClusterSummary, Skipped};
use super::redact::redact;
use crate::checks::containers::is_host_process;
use crate::checks::logs::failing_containers;
use crate::error::{Error, Result};
use crate::kube::logs::{LogRequest, read_logs};
use crate::kube::{Kube, collect};
use crate::snapshot::ContainerLog;

/// One file of the cluster part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFile {
    /// Relative to the bundle's top, `/`-separated.
    pub path: String,
    pub data: Vec<u8>,
    /// Values [`redact`] replaced.
    pub redactions: u32,
}

/// The cluster part, ready to write.
#[derive(Debug, Default)]
pub struct ClusterPart {
    pub files: Vec<ClusterFile>,
    pub summary: ClusterSummary,
    pub server_version: Option<String>,
}

/// A whole `*List` as kubectl prints it: `kind`, `apiVersion`, `metadata`, `items`.
#[derive(Serialize)]
struct List<'a, T: Serialize> {
    kind: &'a str,
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    metadata: ListMeta,
    items: &'a [&'a T],
}

#[derive(Serialize)]
struct ListMeta {
    #[serde(rename = "resourceVersion")]
    resource_version: String,
}

/// JSON with a 4-space indent and a trailing newline (`json.MarshalIndent(obj, "", "    ")`).
fn list_json<T: Serialize>(kind: &str, api_version: &str, items: &[&T]) -> Vec<u8> {
    let list = List { kind, api_version, metadata: ListMeta { resource_version: String::new() }, items };
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    list.serialize(&mut ser).expect("Kubernetes objects serialize");
    out.push(b'\n');
    out
}

/// A list that was read, or left out (forbidden, or refused by the server) with why. Errors that
/// say the cluster cannot be reached end the run.
fn keep<T>(r: Result<Vec<T>>, what: &str, skipped: &mut Vec<Skipped>) -> Result<Option<Vec<T>>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e @ (Error::Forbidden { .. } | Error::Api { .. } | Error::Request(_))) => {
            skipped.push(Skipped { name: what.into(), reason: e.to_string() });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Namespaced objects grouped by namespace.
fn by_namespace<T: kube::Resource>(items: &[T]) -> BTreeMap<String, Vec<&T>> {
    let mut m: BTreeMap<String, Vec<&T>> = BTreeMap::new();
    for i in items {
        m.entry(i.namespace().unwrap_or_default()).or_default().push(i);
    }
    m
}

/// Prints one namespace's part of a list as a `*List`.
type WriteList<'a> = Box<dyn Fn(&str) -> Vec<u8> + 'a>;

/// One namespaced kind as read: its file stem, List kind and apiVersion, items per namespace.
struct Section<'a> {
    stem: &'static str,
    write: WriteList<'a>,
    namespaces: BTreeSet<String>,
}

fn section<'a, T: kube::Resource + Serialize>(
    stem: &'static str,
    kind: &'static str,
    api_version: &'static str,
    items: &'a Option<Vec<T>>,
) -> Option<Section<'a>> {
    let items = items.as_ref()?;
    let grouped = by_namespace(items);
    let namespaces = grouped.keys().cloned().collect();
    Some(Section {
        stem,
        namespaces,
        write: Box::new(move |ns| list_json(kind, api_version, grouped.get(ns).map(Vec::as_slice).unwrap_or(&[]))),
    })
}

/// Read the cluster part: `namespace` only, or (`None`) every namespace the user can read. A
/// user who may not list pods in all namespaces gets the context's namespace, said in the
/// manifest. `max_logs` caps the failing containers whose logs are read (0: none). `all_nodes`:
/// every node, when the caller has LISTed them already (`--all-nodes`), so they are not read twice.
pub async fn gather(
    kube: &Kube,
    namespace: Option<&str>,
    max_logs: usize,
    all_nodes: Option<Vec<Node>>,
) -> Result<ClusterPart> {
    let start = std::time::Instant::now();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    let nodes = async {
        match all_nodes {
            Some(nodes) => Ok(nodes),
            None => collect::list_cluster::<Node>(kube, None, "nodes").await,
        }
    };
    let (version, nodes, namespaces) =
        tokio::join!(kube.server_version(), nodes, collect::list_cluster::<Namespace>(kube, None, "namespaces"),);
    let nodes = keep(nodes, "nodes", &mut skipped)?;
    let namespaces = keep(namespaces, "namespaces", &mut skipped)?;
    let mut scope = namespace.map(str::to_string);
    let mut pods = collect::list_pods(kube, scope.as_deref(), None).await;
    if scope.is_none() && matches!(pods, Err(Error::Forbidden { .. })) {
        let e = pods.err().map(|e| e.to_string()).unwrap_or_default();
        skipped.push(Skipped { name: "pods in all namespaces".into(), reason: e });
        notes.push(format!("listing pods in all namespaces is forbidden: namespace {} only", kube.namespace));
        scope = Some(kube.namespace.clone());
        pods = collect::list_pods(kube, scope.as_deref(), None).await;
    }
    let ns = scope.as_deref();
    let pods = keep(pods, "pods", &mut skipped)?;
    let (events, rcs, services, daemonsets, deployments, replicasets, statefulsets, jobs) = tokio::join!(
        collect::list_warning_events::<Event>(kube, ns),
        collect::list_all::<ReplicationController>(kube, ns, None, "replicationcontrollers"),
        collect::list_all::<Service>(kube, ns, None, "services"),
        collect::list_all::<DaemonSet>(kube, ns, None, "daemonsets"),
        collect::list_all::<Deployment>(kube, ns, None, "deployments"),
        collect::list_all::<ReplicaSet>(kube, ns, None, "replicasets"),
        collect::list_all::<StatefulSet>(kube, ns, None, "statefulsets"),
        collect::list_all::<Job>(kube, ns, None, "jobs"),
    );
    let events = keep(events, "events", &mut skipped)?;
    let rcs = keep(rcs, "replicationcontrollers", &mut skipped)?;
    let services = keep(services, "services", &mut skipped)?;
    let daemonsets = keep(daemonsets, "daemonsets", &mut skipped)?;
    let deployments = keep(deployments, "deployments", &mut skipped)?;
    let replicasets = keep(replicasets, "replicasets", &mut skipped)?;
    let statefulsets = keep(statefulsets, "statefulsets", &mut skipped)?;
    let jobs = keep(jobs, "jobs", &mut skipped)?;

    let (requests, failing) = log_requests(pods.as_deref().unwrap_or(&[]), max_logs);
    match failing {
        0 => {}
        n if n > max_logs => notes.push(format!(
            "read the logs of {max_logs} of {n} failing HostProcess containers (--max-logs {max_logs}); {} skipped",
            n - max_logs
        )),
        n => notes.push(format!("read the logs of {n} failing HostProcess containers (current and previous)")),
    }
    let logs = read_logs(kube, requests).await;

    let mut files = Vec::new();
    let mut add = |path: String, data: Vec<u8>| {
        let (data, redactions) =
            if path.ends_with(".json") { redact_json(&path, data, &redact) } else { redact(&path, &data) };
        files.push(ClusterFile { path, data, redactions });
    };
    if let Some(nodes) = &nodes {
        add("nodes.json".into(), list_json("NodeList", "v1", &nodes.iter().collect::<Vec<_>>()));
    }
    if let Some(list) = &namespaces {
        add("namespaces.json".into(), list_json("NamespaceList", "v1", &list.iter().collect::<Vec<_>>()));
    }
    // kubectl's order within a namespace, then what doctor also reads.
    let sections: Vec<Section> = [
        section("events", "EventList", "v1", &events),
        section("replication-controllers", "ReplicationControllerList", "v1", &rcs),
        section("services", "ServiceList", "v1", &services),
        section("daemonsets", "DaemonSetList", "apps/v1", &daemonsets),
        section("deployments", "DeploymentList", "apps/v1", &deployments),
        section("replicasets", "ReplicaSetList", "apps/v1", &replicasets),
        section("pods", "PodList", "v1", &pods),
        section("statefulsets", "StatefulSetList", "apps/v1", &statefulsets),
        section("jobs", "JobList", "batch/v1", &jobs),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut all_ns: BTreeSet<String> = match (ns, &namespaces) {
        (Some(one), _) => BTreeSet::from([one.to_string()]),
        (None, Some(list)) => list.iter().map(|n| n.name_any()).collect(),
        (None, None) => BTreeSet::new(),
    };
    if ns.is_none() {
        for s in &sections {
            all_ns.extend(s.namespaces.iter().cloned());
        }
    }
    let logs_by_pod = logs_txt(&logs);
    for n in &all_ns {
        for s in &sections {
            add(format!("{n}/{}.json", s.stem), (s.write)(n));
        }
        for ((lns, pod), text) in logs_by_pod.range((n.clone(), String::new())..) {
            if lns != n {
                break;
            }
            add(format!("{n}/{pod}/logs.txt"), text.clone().into_bytes());
        }
    }
    drop(sections);
    if let Some(first) = logs.iter().find_map(|l| l.request_error.as_deref()) {
        let n = logs.iter().filter(|l| l.request_error.is_some()).count();
        notes.push(format!("{n} container logs could not be read (the first: {first})"));
    }
    let summary = ClusterSummary {
        namespaces: all_ns.into_iter().collect(),
        skipped,
        notes,
        duration_ms: start.elapsed().as_millis() as u64,
    };
    Ok(ClusterPart { files, summary, server_version: version.ok() })
}

/// A redaction function: [`redact`], or a stand-in in tests.
pub type Redactor = dyn Fn(&str, &[u8]) -> (Vec<u8>, u32);

/// Redact a JSON list value by value: each string goes through `redact`, so a rule that
/// matches across JSON syntax (`"secret": {` of a Secret volume) can never break the file. The
/// bytes are kept as printed when nothing was redacted.
pub fn redact_json(path: &str, data: Vec<u8>, redact: &Redactor) -> (Vec<u8>, u32) {
    fn walk(v: &mut serde_json::Value, path: &str, redact: &Redactor) -> u32 {
        match v {
            serde_json::Value::String(s) => {
                let (out, n) = redact(path, s.as_bytes());
                if n > 0 {
                    *s = String::from_utf8_lossy(&out).into_owned();
                }
                n
            }
            serde_json::Value::Array(a) => a.iter_mut().map(|x| walk(x, path, redact)).sum(),
            serde_json::Value::Object(m) => m.values_mut().map(|x| walk(x, path, redact)).sum(),
            _ => 0,
        }
    }
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&data) else { return redact(path, &data) };
    let n = walk(&mut v, path, redact);
    if n == 0 {
        return (data, 0);
    }
    let mut out = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(b"    "));
    v.serialize(&mut ser).expect("a JSON value serializes");
    out.push(b'\n');
    (out, n)
}

/// The logs to read: for each failing container of a HostProcess pod (at most `max_logs`, in
/// namespace/pod order), the current attempt and, when there was one, the previous. Also the
/// number of failing containers.
pub fn log_requests(pods: &[Pod], max_logs: usize) -> (Vec<LogRequest>, usize) {
    let mut failing = Vec::new();
    for pod in pods.iter().filter(|p| p.spec.as_ref().is_some_and(is_host_process)) {
        let statuses = pod.status.as_ref().map(|s| {
            s.init_container_statuses.iter().flatten().chain(s.container_statuses.iter().flatten()).collect::<Vec<_>>()
        });
        for fc in failing_containers(pod) {
            let had_previous = statuses
                .iter()
                .flatten()
                .any(|cs| cs.name == fc.name && cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()).is_some());
            failing.push((pod.namespace().unwrap_or_default(), pod.name_any(), fc.name, had_previous));
        }
    }
    failing.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let n = failing.len();
    let mut out = Vec::new();
    for (namespace, pod, container, had_previous) in failing.into_iter().take(max_logs) {
        let r = LogRequest { namespace, pod, container, previous: false };
        if had_previous {
            out.push(LogRequest { previous: true, ..r.clone() });
        }
        out.push(r);
    }
    (out, n)
}

/// The `logs.txt` of each pod: a section per log read, kubectl's markers around it. The current
/// attempt under the container's name (as kubectl writes it), the previous one as
/// `C (previous)`, which readers of kubectl's dumps see as another container (doctor skips it).
/// A log the kubelet would not give holds `Request log error: <why>`, as in kubectl's dumps.
pub fn logs_txt(logs: &[ContainerLog]) -> BTreeMap<(String, String), String> {
    let mut order: Vec<&ContainerLog> = logs.iter().collect();
    // Logs arrive in any order: per pod, the current attempts first, by container name.
    order.sort_by(|a, b| {
        (&a.namespace, &a.pod, a.previous, &a.container).cmp(&(&b.namespace, &b.pod, b.previous, &b.container))
    });
    let mut out: BTreeMap<(String, String), String> = BTreeMap::new();
    for l in order {
        let name = if l.previous { format!("{} (previous)", l.container) } else { l.container.clone() };
        let text = out.entry((l.namespace.clone(), l.pod.clone())).or_default();
        let of = format!("container {name} of pod {}/{}", l.namespace, l.pod);
        text.push_str(&format!("==== START logs for {of} ====\n"));
        match &l.request_error {
            Some(e) => text.push_str(&format!("Request log error: {e}\n")),
            None => {
                for line in &l.lines {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        text.push_str(&format!("==== END logs for {of} ====\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, hpc: bool, waiting: Option<&str>, last_exit: Option<i32>) -> Pod {
        let mut cs = serde_json::json!({"name": "c", "image": "x", "imageID": "", "ready": false, "restartCount": 3});
        if let Some(w) = waiting {
            cs["state"] = serde_json::json!({"waiting": {"reason": w}});
        }
        if let Some(code) = last_exit {
            cs["lastState"] = serde_json::json!({"terminated": {"exitCode": code}});
        }
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "ns"},
            "spec": {"securityContext": {"windowsOptions": {"hostProcess": hpc}}, "hostNetwork": true,
                     "containers": [{"name": "c", "image": "x"}]},
            "status": {"containerStatuses": [cs]}
        }))
        .unwrap()
    }

    #[test]
    fn logs_are_read_for_failing_hostprocess_containers_only_current_and_previous_within_the_cap() {
        let pods = vec![
            pod("b", true, Some("CrashLoopBackOff"), Some(1)),
            pod("a", true, Some("CrashLoopBackOff"), None),
            pod("healthy", true, None, None),
            pod("linux", false, Some("CrashLoopBackOff"), Some(1)),
        ];
        let (reqs, n) = log_requests(&pods, 10);
        assert_eq!(n, 2);
        let got: Vec<(&str, bool)> = reqs.iter().map(|r| (r.pod.as_str(), r.previous)).collect();
        assert_eq!(got, [("a", false), ("b", true), ("b", false)]);
        let (reqs, n) = log_requests(&pods, 1);
        assert_eq!((reqs.len(), n), (1, 2));
        assert!(log_requests(&pods, 0).0.is_empty());
    }

    #[test]
    fn logs_txt_is_kubectls_sections_and_the_dump_reader_reads_the_current_attempt() {
        let log = |previous: bool, lines: &[&str], err: Option<&str>| ContainerLog {
            namespace: "ns".into(),
            pod: "p".into(),
            container: "c".into(),
            previous,
            lines: lines.iter().map(|s| s.to_string()).collect(),
            request_error: err.map(str::to_string),
            ..Default::default()
        };
        let txt = logs_txt(&[log(true, &["old boom"], None), log(false, &["new", "boom"], None)]);
        let t = &txt[&("ns".to_string(), "p".to_string())];
        assert_eq!(
            t,
            "==== START logs for container c of pod ns/p ====\nnew\nboom\n==== END logs for container c of pod ns/p ====\n\
             ==== START logs for container c (previous) of pod ns/p ====\nold boom\n==== END logs for container c (previous) of pod ns/p ====\n"
        );
        let mut items = Vec::new();
        crate::load::cluster_info::read_stream(t.as_bytes(), &mut |i| items.push(i)).unwrap();
        let logs: Vec<(String, Vec<String>)> = items
            .into_iter()
            .filter_map(|i| match i {
                crate::load::cluster_info::Item::Log(l) => Some((l.container, l.lines)),
                _ => None,
            })
            .collect();
        assert_eq!(logs[0], ("c".to_string(), vec!["new".to_string(), "boom".to_string()]));
        assert_eq!(logs[1].0, "c (previous)");
        let txt =
            logs_txt(&[log(false, &[], Some("container \"c\" in pod \"p\" is waiting to start: ContainerCreating"))]);
        assert!(txt.values().next().unwrap().contains("\nRequest log error: container \"c\""));
    }

    #[test]
    fn lists_are_printed_as_kubectl_does() {
        let n: Node = serde_json::from_value(serde_json::json!({"metadata": {"name": "win-a"}})).unwrap();
        let out = String::from_utf8(list_json("NodeList", "v1", &[&n])).unwrap();
        assert!(
            out.starts_with("{\n    \"kind\": \"NodeList\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {"),
            "{out}"
        );
        assert!(out.ends_with("}\n"));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["items"][0]["metadata"]["name"], "win-a");
    }

    /// The node part of a bundle is skipped by the dump reader (its logs are not YAML), the
    /// cluster part is read.
    #[test]
    fn the_dump_reader_skips_the_node_part_of_a_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let tgz = dir.path().join("b.tar.gz");
        let mut w = super::super::writer::BundleWriter::tar_gz(&tgz, "top", 0).unwrap();
        let n: Node = serde_json::from_value(serde_json::json!({"metadata": {"name": "win-a"}})).unwrap();
        let item = |p: &str| super::super::manifest::Item { path: p.into(), ..Default::default() };
        w.add(item("nodes.json"), &list_json("NodeList", "v1", &[&n])).unwrap();
        let log = b"I0101 12:00:00.000 1 x.go:1] \"msg\" key: value: other\n";
        w.add(item("_hostprocess/nodes/win-a/logs/kubelet.log"), log).unwrap();
        w.add(item("_hostprocess/nodes/win-a/containerd/config.toml"), b"[plugins.\"x\"]\n a = 1\n").unwrap();
        w.finish(Default::default()).unwrap();
        let s = crate::load::load_dumps(&[tgz], None).unwrap();
        assert_eq!(s.nodes.len(), 1);
    }

    #[test]
    fn json_is_redacted_value_by_value_and_stays_json() {
        // A stand-in rule that, on raw text, would eat the `{` after `"secret":`.
        let fake = |_: &str, b: &[u8]| {
            let t = String::from_utf8_lossy(b);
            let n = t.matches("hunter2").count() as u32;
            (t.replace("hunter2", "[REDACTED]").into_bytes(), n)
        };
        let doc = br#"{"items": [{"volumes": [{"secret": {"secretName": "s"}}], "args": ["--password=hunter2"]}]}"#;
        let (out, n) = redact_json("ns/pods.json", doc.to_vec(), &fake);
        assert_eq!(n, 1);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["items"][0]["args"][0], "--password=[REDACTED]");
        assert_eq!(v["items"][0]["volumes"][0]["secret"]["secretName"], "s");
        let clean = br#"{"b": 1, "a": "x"}"#.to_vec();
        assert_eq!(redact_json("x.json", clean.clone(), &fake), (clean, 0), "untouched bytes when nothing is redacted");
    }
}
