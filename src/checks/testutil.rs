//! Building snapshots for rule unit tests.
use super::rule::Rule;
use crate::event_record::EventRecord;
use crate::snapshot::{Snapshot, Source, Workload, WorkloadStatus};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, PodTemplateSpec};

/// A snapshot holding one pod `ns/p` whose spec is the given JSON.
pub fn pod_snapshot(spec_json: &str) -> Snapshot {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": serde_json::from_str::<serde_json::Value>(spec_json).expect("test JSON"),
    }))
    .expect("pod");
    Snapshot { pods: vec![pod], ..Default::default() }
}

/// The rule ids the given rule emits on the snapshot.
pub fn rules_fired(snapshot: &Snapshot, rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    (rule.check)(snapshot, &mut out);
    out.into_iter().map(|f| f.rule).collect()
}

/// The findings the given rule emits on the snapshot.
pub fn findings(snapshot: &Snapshot, rule: &Rule) -> Vec<crate::finding::Finding> {
    let mut out = Vec::new();
    (rule.check)(snapshot, &mut out);
    out
}

/// A cluster snapshot holding one pod `ns/p` with the given spec and status JSON.
pub fn cluster_pod(spec_json: &str, status_json: &str) -> Snapshot {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "p", "namespace": "ns", "uid": "u1"},
        "spec": serde_json::from_str::<serde_json::Value>(spec_json).expect("spec JSON"),
        "status": serde_json::from_str::<serde_json::Value>(status_json).expect("status JSON"),
    }))
    .expect("pod");
    Snapshot { source: Source::Cluster, pods: vec![pod], ..Default::default() }
}

/// A Windows node (or `os` node) with the given runtime, kubelet and kernel versions.
pub fn node(name: &str, os: &str, runtime: &str, kubelet: &str, kernel: &str, taints: &str) -> Node {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"kubernetes.io/os": os}},
        "spec": {"taints": serde_json::from_str::<serde_json::Value>(taints).expect("taints JSON")},
        "status": {"nodeInfo": {
            "architecture": "amd64", "bootID": "", "machineID": "", "systemUUID": "",
            "operatingSystem": os, "osImage": if os == "windows" { "Windows Server 2022 Datacenter" } else { "Ubuntu 24.04" },
            "kernelVersion": kernel, "kubeletVersion": kubelet, "kubeProxyVersion": "",
            "containerRuntimeVersion": runtime
        }}
    }))
    .expect("node")
}

/// A Warning event about `kind ns/name`.
pub fn event(kind: &str, name: &str, reason: &str, message: &str, field_path: Option<&str>) -> EventRecord {
    let mut io = serde_json::json!({"kind": kind, "namespace": "ns", "name": name});
    if let Some(fp) = field_path {
        io["fieldPath"] = serde_json::json!(fp);
    }
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("{name}.{reason}"), "namespace": "ns"},
        "involvedObject": io,
        "type": "Warning", "reason": reason, "message": message,
        "lastTimestamp": "2025-01-01T00:00:00Z",
    }))
    .map(|e: Event| e.into())
    .expect("event")
}

/// A workload `ns/name` of `kind` whose template spec is the given JSON.
pub fn workload(kind: &str, name: &str, spec_json: &str, desired: Option<i32>) -> Workload {
    let template: PodTemplateSpec = serde_json::from_value(serde_json::json!({
        "metadata": {"labels": {"app": name}},
        "spec": serde_json::from_str::<serde_json::Value>(spec_json).expect("spec JSON"),
    }))
    .expect("template");
    Workload {
        kind: kind.to_string(),
        metadata: serde_json::from_value(serde_json::json!({"name": name, "namespace": "ns"})).expect("meta"),
        template,
        spec_path: "spec.template.spec".to_string(),
        selector: None,
        status: WorkloadStatus { desired, current: desired.map(|_| 0), ready: desired.map(|_| 0) },
    }
}

/// A namespace `name` with the given labels.
pub fn namespace(name: &str, labels: &[(&str, &str)]) -> Namespace {
    let labels: serde_json::Map<String, serde_json::Value> =
        labels.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect();
    serde_json::from_value(serde_json::json!({"metadata": {"name": name, "labels": labels}})).expect("namespace")
}
