//! Pod-owning objects (JSON values, any kind in [`WORKLOADS`]) into [`Workload`]s.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::Value;

use crate::snapshot::{Workload, WorkloadStatus};

/// The kinds that own pods, and the path of their pod template.
const WORKLOADS: &[(&str, &str)] = &[
    ("Deployment", "spec.template"),
    ("ReplicaSet", "spec.template"),
    ("StatefulSet", "spec.template"),
    ("DaemonSet", "spec.template"),
    ("Job", "spec.template"),
    ("ReplicationController", "spec.template"),
    ("CronJob", "spec.jobTemplate.spec.template"),
    ("PodTemplate", "template"),
];

/// Is `kind` one that owns pods?
pub fn is_workload_kind(kind: &str) -> bool {
    WORKLOADS.iter().any(|(wk, _)| *wk == kind)
}

fn get<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |v, k| v.get(k))
}

fn status_counts(kind: &str, v: &Value) -> WorkloadStatus {
    let int = |k: &str| get(v, k).and_then(Value::as_i64).map(|n| n as i32);
    match kind {
        "DaemonSet" => WorkloadStatus {
            desired: int("status.desiredNumberScheduled"),
            current: int("status.currentNumberScheduled"),
            ready: int("status.numberReady"),
        },
        "Job" => WorkloadStatus {
            desired: int("spec.completions").or(int("spec.parallelism")).or(Some(1)),
            current: int("status.active"),
            ready: int("status.ready"),
        },
        _ => WorkloadStatus {
            desired: int("spec.replicas").or(if kind == "CronJob" { None } else { Some(1) }),
            current: int("status.replicas"),
            ready: int("status.readyReplicas"),
        },
    }
}

/// A pod-owning object as the checks see it. `Ok(None)` for kinds that own no pods.
pub fn workload_from_value(kind: &str, v: &Value) -> std::result::Result<Option<Workload>, serde_json::Error> {
    let Some((_, tpath)) = WORKLOADS.iter().find(|(wk, _)| *wk == kind) else { return Ok(None) };
    let Some(tv) = get(v, tpath) else { return Ok(None) };
    let template: PodTemplateSpec = serde_json::from_value(tv.clone())?;
    let metadata: ObjectMeta = serde_json::from_value(v.get("metadata").cloned().unwrap_or(Value::Null))?;
    let selector_path = if kind == "CronJob" { "spec.jobTemplate.spec.selector" } else { "spec.selector" };
    let selector = get(v, selector_path).and_then(|s| serde_json::from_value::<LabelSelector>(s.clone()).ok());
    Ok(Some(Workload {
        kind: kind.to_string(),
        metadata,
        template,
        spec_path: format!("{tpath}.spec"),
        selector,
        status: status_counts(kind, v),
    }))
}
