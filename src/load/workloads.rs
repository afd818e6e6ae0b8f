//! Pod-owning objects into [`Workload`]s, from either form they arrive in: a JSON value
//! (manifests and dumps, any kind in `WORKLOADS`) or a typed object listed from the API
//! server ([`TypedWorkload`]). Both give the same `Workload` for the same object.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
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

/// The path of the pod spec in every kind listed live (all but CronJob and PodTemplate).
const SPEC_PATH: &str = "spec.template.spec";

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

/// A typed workload kind as listed from the API server, turned into a [`Workload`] directly
/// (no round trip through JSON). Must agree with [`workload_from_value`] on the object's JSON.
pub trait TypedWorkload {
    /// `None` when the object has no pod template (no spec, or a ReplicaSet without one).
    fn into_workload(self) -> Option<Workload>;
}

fn workload(
    kind: &str,
    metadata: ObjectMeta,
    template: PodTemplateSpec,
    selector: Option<LabelSelector>,
    status: WorkloadStatus,
) -> Workload {
    Workload { kind: kind.to_string(), metadata, template, spec_path: SPEC_PATH.to_string(), selector, status }
}

impl TypedWorkload for DaemonSet {
    fn into_workload(self) -> Option<Workload> {
        let spec = self.spec?;
        let st = self.status.as_ref();
        let status = WorkloadStatus {
            desired: st.map(|s| s.desired_number_scheduled),
            current: st.map(|s| s.current_number_scheduled),
            ready: st.map(|s| s.number_ready),
        };
        Some(workload("DaemonSet", self.metadata, spec.template, Some(spec.selector), status))
    }
}

impl TypedWorkload for Deployment {
    fn into_workload(self) -> Option<Workload> {
        let spec = self.spec?;
        let st = self.status.as_ref();
        let status = WorkloadStatus {
            desired: spec.replicas.or(Some(1)),
            current: st.and_then(|s| s.replicas),
            ready: st.and_then(|s| s.ready_replicas),
        };
        Some(workload("Deployment", self.metadata, spec.template, Some(spec.selector), status))
    }
}

impl TypedWorkload for ReplicaSet {
    fn into_workload(self) -> Option<Workload> {
        let spec = self.spec?;
        let st = self.status.as_ref();
        let status = WorkloadStatus {
            desired: spec.replicas.or(Some(1)),
            current: st.map(|s| s.replicas),
            ready: st.and_then(|s| s.ready_replicas),
        };
        Some(workload("ReplicaSet", self.metadata, spec.template?, Some(spec.selector), status))
    }
}

impl TypedWorkload for StatefulSet {
    fn into_workload(self) -> Option<Workload> {
        let spec = self.spec?;
        let st = self.status.as_ref();
        let status = WorkloadStatus {
            desired: spec.replicas.or(Some(1)),
            current: st.map(|s| s.replicas),
            ready: st.and_then(|s| s.ready_replicas),
        };
        Some(workload("StatefulSet", self.metadata, spec.template, Some(spec.selector), status))
    }
}

impl TypedWorkload for Job {
    fn into_workload(self) -> Option<Workload> {
        let spec = self.spec?;
        let st = self.status.as_ref();
        let status = WorkloadStatus {
            desired: spec.completions.or(spec.parallelism).or(Some(1)),
            current: st.and_then(|s| s.active),
            ready: st.and_then(|s| s.ready),
        };
        Some(workload("Job", self.metadata, spec.template, spec.selector, status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    /// Both ways of building a Workload from the same object.
    fn both<T: TypedWorkload + Serialize + Clone>(kind: &str, typed: &T) -> (Option<Workload>, Option<Workload>) {
        let v = serde_json::to_value(typed).unwrap();
        (typed.clone().into_workload(), workload_from_value(kind, &v).unwrap())
    }

    fn assert_same(kind: &str, (typed, value): (Option<Workload>, Option<Workload>)) {
        let (Some(t), Some(v)) = (&typed, &value) else {
            assert_eq!(typed.is_some(), value.is_some(), "{kind}: {typed:?} vs {value:?}");
            return;
        };
        assert_eq!(t.kind, v.kind, "{kind}");
        assert_eq!(t.metadata, v.metadata, "{kind}");
        assert_eq!(t.template, v.template, "{kind}");
        assert_eq!(t.spec_path, v.spec_path, "{kind}");
        assert_eq!(t.selector, v.selector, "{kind}");
        assert_eq!(t.status, v.status, "{kind}");
        assert_eq!(format!("{t:?}"), format!("{v:?}"), "{kind}");
    }

    fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    fn meta() -> Value {
        json!({"name": "w", "namespace": "kube-system", "labels": {"app": "w"}, "uid": "u-1",
               "creationTimestamp": "2024-05-01T10:00:00Z",
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": "u-0"}]})
    }

    fn template() -> Value {
        json!({"metadata": {"labels": {"app": "w"}},
               "spec": {"hostNetwork": true, "nodeSelector": {"kubernetes.io/os": "windows"},
                        "securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
                        "containers": [{"name": "c", "image": "x:1", "resources": {"limits": {"cpu": "500m"}}}]}})
    }

    #[test]
    fn daemonset_typed_and_from_json_give_the_same_workload() {
        let ds: DaemonSet = from(json!({"metadata": meta(), "spec": {
            "selector": {"matchLabels": {"app": "w"}}, "template": template()},
            "status": {"currentNumberScheduled": 2, "desiredNumberScheduled": 3, "numberMisscheduled": 0, "numberReady": 1}}));
        let (t, v) = both("DaemonSet", &ds);
        assert_eq!(t.as_ref().unwrap().status, WorkloadStatus { desired: Some(3), current: Some(2), ready: Some(1) });
        assert_same("DaemonSet", (t, v));
        // Without status, and without spec (no workload either way).
        let mut bare = ds.clone();
        bare.status = None;
        assert_same("DaemonSet", both("DaemonSet", &bare));
        bare.spec = None;
        assert_eq!(both("DaemonSet", &bare).0.map(|w| w.kind), None);
        assert_same("DaemonSet", both("DaemonSet", &bare));
    }

    #[test]
    fn other_live_kinds_typed_and_from_json_agree() {
        let sel = json!({"matchLabels": {"app": "w"}});
        let d: Deployment = from(json!({"metadata": meta(), "spec": {"selector": sel, "template": template()},
            "status": {"replicas": 2, "readyReplicas": 1}}));
        assert_same("Deployment", both("Deployment", &d));
        let d: Deployment =
            from(json!({"metadata": meta(), "spec": {"replicas": 4, "selector": sel, "template": template()}}));
        assert_same("Deployment", both("Deployment", &d));

        let rs: ReplicaSet =
            from(json!({"metadata": meta(), "spec": {"replicas": 0, "selector": sel, "template": template()},
            "status": {"replicas": 0}}));
        assert_same("ReplicaSet", both("ReplicaSet", &rs));
        let rs: ReplicaSet = from(json!({"metadata": meta(), "spec": {"selector": sel}}));
        assert!(both("ReplicaSet", &rs).0.is_none());
        assert_same("ReplicaSet", both("ReplicaSet", &rs));

        let sts: StatefulSet = from(json!({"metadata": meta(),
            "spec": {"serviceName": "s", "selector": sel, "template": template()},
            "status": {"replicas": 1, "readyReplicas": 1}}));
        assert_same("StatefulSet", both("StatefulSet", &sts));

        for spec in [
            json!({"template": template()}),
            json!({"parallelism": 2, "template": template()}),
            json!({"completions": 5, "parallelism": 2, "selector": sel, "template": template()}),
        ] {
            let job: Job = from(json!({"metadata": meta(), "spec": spec, "status": {"active": 1, "ready": 0}}));
            assert_same("Job", both("Job", &job));
        }
    }
}
