//! A Kubernetes Event as the checks read it: the object it is about, its reason and message, and
//! when. A Warning event is the largest part of a cluster that doctor keeps whole (16,482 of them
//! at 50,000 pods in `make bench`); the k8s-openapi `Event` takes 1,000 bytes before its strings,
//! and most of its fields are never read.

use k8s_openapi::api::core::v1::{Event, ObjectReference};

/// What doctor keeps of an Event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRecord {
    /// The event's own namespace (`metadata.namespace`).
    pub namespace: Option<String>,
    pub involved_object: InvolvedObject,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// `lastTimestamp`, `eventTime` or `firstTimestamp` (the first set), as RFC 3339 text; ""
    /// when none is. Events of an object are read oldest first by this key.
    pub time: String,
}

/// The object an event is about (`involvedObject`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvolvedObject {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The part of the object, e.g. `spec.containers{name}`.
    pub field_path: Option<String>,
}

impl From<ObjectReference> for InvolvedObject {
    fn from(o: ObjectReference) -> Self {
        InvolvedObject { kind: o.kind, namespace: o.namespace, name: o.name, field_path: o.field_path }
    }
}

impl From<Event> for EventRecord {
    fn from(e: Event) -> Self {
        let time = if let Some(t) = &e.last_timestamp {
            t.0.to_string()
        } else if let Some(t) = &e.event_time {
            t.0.to_string()
        } else {
            e.first_timestamp.as_ref().map(|t| t.0.to_string()).unwrap_or_default()
        };
        EventRecord {
            namespace: e.metadata.namespace,
            involved_object: e.involved_object.into(),
            reason: e.reason,
            message: e.message,
            time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: serde_json::Value) -> EventRecord {
        EventRecord::from(serde_json::from_value::<Event>(json).unwrap())
    }

    #[test]
    fn a_record_keeps_what_the_checks_read() {
        let got = record(serde_json::json!({
            "metadata": {"name": "e", "namespace": "ns", "uid": "u"},
            "involvedObject": {"kind": "Pod", "namespace": "ns", "name": "p", "uid": "u2",
                               "fieldPath": "spec.containers{c}"},
            "reason": "Failed", "message": "boom", "type": "Warning", "count": 3,
            "source": {"component": "kubelet"},
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z"
        }));
        assert_eq!(got.namespace.as_deref(), Some("ns"));
        assert_eq!(got.involved_object.kind.as_deref(), Some("Pod"));
        assert_eq!(got.involved_object.namespace.as_deref(), Some("ns"));
        assert_eq!(got.involved_object.name.as_deref(), Some("p"));
        assert_eq!(got.involved_object.field_path.as_deref(), Some("spec.containers{c}"));
        assert_eq!((got.reason.as_deref(), got.message.as_deref()), (Some("Failed"), Some("boom")));
        assert_eq!(got.time, "2026-01-01T00:01:00Z");
    }

    #[test]
    fn the_time_is_the_last_timestamp_else_the_event_time_else_the_first() {
        let first = record(serde_json::json!({"involvedObject": {}, "firstTimestamp": "2026-01-01T00:00:00Z"}));
        assert_eq!(first.time, "2026-01-01T00:00:00Z");
        let series = record(serde_json::json!({"involvedObject": {}, "firstTimestamp": "2026-01-01T00:00:00Z",
                                               "eventTime": "2026-01-01T00:00:05.123456Z"}));
        assert_eq!(series.time, "2026-01-01T00:00:05.123456Z");
        assert_eq!(record(serde_json::json!({"involvedObject": {}})).time, "");
    }
}
