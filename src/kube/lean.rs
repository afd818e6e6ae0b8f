//! Lean decoding of LIST pages. A pod's `metadata.managedFields` is often the largest part of
//! it (41% of the bytes of a pod LIST in the 20,000-pod benchmark) and no check reads it, nor
//! kubectl's `last-applied-configuration` annotation. Dropping them after decoding still pays
//! for building them, and the peak memory of a page holds them all; these types skip them in
//! the parser instead, so they are never allocated.
//!
//! `LeanPod` and `LeanEvent` have the fields of the k8s-openapi types, except that `metadata` goes
//! through [`LeanMeta`]; they convert into the real types.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::api::core::v1::{Event, EventSeries, EventSource, ObjectReference, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference, Time};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::event_record::EventRecord;

/// kubectl's copy of the whole object, as applied last.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `ObjectMeta` without `managedFields` (and `selfLink`, which the API server no longer sets).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanMeta {
    annotations: Option<LeanAnnotations>,
    creation_timestamp: Option<Time>,
    deletion_grace_period_seconds: Option<i64>,
    deletion_timestamp: Option<Time>,
    finalizers: Option<Vec<String>>,
    generate_name: Option<String>,
    generation: Option<i64>,
    labels: Option<BTreeMap<String, String>>,
    name: Option<String>,
    namespace: Option<String>,
    owner_references: Option<Vec<OwnerReference>>,
    resource_version: Option<String>,
    uid: Option<String>,
}

impl From<LeanMeta> for ObjectMeta {
    fn from(m: LeanMeta) -> ObjectMeta {
        ObjectMeta {
            annotations: m.annotations.map(|a| a.0),
            creation_timestamp: m.creation_timestamp,
            deletion_grace_period_seconds: m.deletion_grace_period_seconds,
            deletion_timestamp: m.deletion_timestamp,
            finalizers: m.finalizers,
            generate_name: m.generate_name,
            generation: m.generation,
            labels: m.labels,
            managed_fields: None,
            name: m.name,
            namespace: m.namespace,
            owner_references: m.owner_references,
            resource_version: m.resource_version,
            self_link: None,
            uid: m.uid,
        }
    }
}

/// Annotations without [`LAST_APPLIED`]: its value is skipped by the parser.
struct LeanAnnotations(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for LeanAnnotations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LeanAnnotations;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of annotations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LeanAnnotations, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == LAST_APPLIED {
                        map.next_value::<IgnoredAny>()?;
                    } else {
                        out.insert(key, map.next_value()?);
                    }
                }
                Ok(LeanAnnotations(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn lean_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    LeanMeta::deserialize(d).map(ObjectMeta::from)
}

/// A lean twin of a k8s-openapi type: the same fields (all of them, or `From` does not compile),
/// `metadata` decoded by [`lean_meta`]. It is a
/// `k8s_openapi::Resource` with the same kind and URL, so `kube::Api` can LIST it.
macro_rules! lean {
    ($(#[$doc:meta])* $lean:ident => $real:ty { $($field:ident $(as $json:literal)?: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $lean {
            #[serde(deserialize_with = "lean_meta", default)]
            pub metadata: ObjectMeta,
            $($(#[serde(rename = $json)])? pub $field: $ty,)*
        }

        impl k8s_openapi::Resource for $lean {
            const API_VERSION: &'static str = <$real as k8s_openapi::Resource>::API_VERSION;
            const GROUP: &'static str = <$real as k8s_openapi::Resource>::GROUP;
            const KIND: &'static str = <$real as k8s_openapi::Resource>::KIND;
            const VERSION: &'static str = <$real as k8s_openapi::Resource>::VERSION;
            const URL_PATH_SEGMENT: &'static str = <$real as k8s_openapi::Resource>::URL_PATH_SEGMENT;
            type Scope = <$real as k8s_openapi::Resource>::Scope;
        }

        impl k8s_openapi::Metadata for $lean {
            type Ty = ObjectMeta;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }

        impl From<$lean> for $real {
            fn from(l: $lean) -> $real {
                Self { metadata: l.metadata, $($field: l.$field),* }
            }
        }
    };
}

lean!(
    /// A pod as a LIST page decodes it.
    LeanPod => Pod { spec: Option<PodSpec>, status: Option<PodStatus> }
);

lean!(
    /// An event as a LIST page decodes it.
    LeanEvent => Event {
        action: Option<String>,
        count: Option<i32>,
        event_time: Option<MicroTime>,
        first_timestamp: Option<Time>,
        involved_object: ObjectReference,
        last_timestamp: Option<Time>,
        message: Option<String>,
        reason: Option<String>,
        related: Option<ObjectReference>,
        reporting_component as "reportingComponent": Option<String>,
        reporting_instance as "reportingInstance": Option<String>,
        series: Option<EventSeries>,
        source: Option<EventSource>,
        type_ as "type": Option<String>,
    }
);

impl From<LeanEvent> for EventRecord {
    fn from(e: LeanEvent) -> EventRecord {
        Event::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = r#"{
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {
        "name": "p", "namespace": "ns", "uid": "u1", "resourceVersion": "7",
        "labels": {"app": "a"},
        "annotations": {"keep": "me", "kubectl.kubernetes.io/last-applied-configuration": "{\"huge\": true}"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "ds", "uid": "u0", "controller": true}],
        "managedFields": [{"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:spec": {"f:containers": {}}}}],
        "creationTimestamp": "2026-01-01T00:00:00Z"
      },
      "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
      "status": {"phase": "Pending"}
    }"#;

    #[test]
    fn a_lean_pod_is_the_pod_without_managed_fields_and_last_applied() {
        let lean: LeanPod = serde_json::from_str(POD).unwrap();
        let got = Pod::from(lean);
        let mut want: Pod = serde_json::from_str(POD).unwrap();
        assert!(want.metadata.managed_fields.is_some());
        want.metadata.managed_fields = None;
        want.metadata.annotations.as_mut().unwrap().remove(LAST_APPLIED);
        assert_eq!(got, want);
        assert_eq!(got.metadata.annotations.unwrap().get("keep").map(String::as_str), Some("me"));
    }

    #[test]
    fn a_lean_event_keeps_every_field_a_check_reads() {
        let json = r#"{
          "metadata": {"name": "e", "namespace": "ns", "managedFields": [{"manager": "kcm"}]},
          "involvedObject": {"kind": "DaemonSet", "namespace": "ns", "name": "ds"},
          "reason": "FailedCreate", "message": "forbidden", "type": "Warning", "count": 3,
          "reportingComponent": "daemonset-controller", "reportingInstance": "",
          "source": {"component": "daemonset-controller"},
          "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z"
        }"#;
        let got = Event::from(serde_json::from_str::<LeanEvent>(json).unwrap());
        let mut want: Event = serde_json::from_str(json).unwrap();
        want.metadata.managed_fields = None;
        assert_eq!(got, want);
        assert_eq!(got.type_.as_deref(), Some("Warning"));
    }

    #[test]
    fn null_and_missing_metadata_fields_decode() {
        let lean: LeanPod = serde_json::from_str(r#"{"metadata": {"annotations": null, "name": "p"}}"#).unwrap();
        assert_eq!(lean.metadata.name.as_deref(), Some("p"));
        assert!(lean.metadata.annotations.is_none());
    }
}
