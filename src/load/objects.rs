//! Kubernetes objects (JSON values, from manifests or a dump) into the parts of a [`Snapshot`]:
//! [`Loaded`] accumulates the objects of every document, remembers where each came from, and
//! turns the field paths of findings back into file positions.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use serde_json::Value;

use super::workloads::{is_workload_kind, workload_from_value};
use super::yaml::{Document, PathMap};
use crate::error::Error;
use crate::finding::{Finding, Location, ObjectRef};
use crate::snapshot::{Snapshot, UNKNOWN_EXIT, pod_ref};

/// Where an object of a snapshot came from, to turn field paths into file positions.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: String,
    pub doc: usize,
    /// Path of the object inside its document (`items[3]` in a List, else empty).
    pub prefix: String,
    /// For fragments: the part of the canonical path that is not in the file (`spec.`).
    pub strip: &'static str,
}

/// A terminated state without `exitCode` decodes as exit code 0; mark it unknown instead
/// ([`UNKNOWN_EXIT`]), so no finding says a failed container exited 0.
fn mark_unknown_exit_codes(v: &Value, pod: &mut Pod) {
    let Some(status) = pod.status.as_mut() else { return };
    let lists = [
        ("initContainerStatuses", &mut status.init_container_statuses),
        ("containerStatuses", &mut status.container_statuses),
        ("ephemeralContainerStatuses", &mut status.ephemeral_container_statuses),
    ];
    for (key, list) in lists {
        let (Some(list), Some(raw)) = (list.as_mut(), v["status"][key].as_array()) else { continue };
        for (cs, raw) in list.iter_mut().zip(raw) {
            for (state, field) in [(cs.state.as_mut(), "state"), (cs.last_state.as_mut(), "lastState")] {
                let Some(t) = state.and_then(|s| s.terminated.as_mut()) else { continue };
                if raw[field]["terminated"].get("exitCode").is_none() {
                    t.exit_code = UNKNOWN_EXIT;
                }
            }
        }
    }
}

/// A snapshot built from files, with the origin of each object.
#[derive(Default)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub origins: HashMap<ObjectRef, Origin>,
    pub documents: Vec<(String, PathMap)>,
    /// Documents that were recognised as Kubernetes objects but failed to decode.
    pub problems: Vec<Error>,
}

impl Loaded {
    /// Add every object of a dump (no positions).
    pub fn add_values(&mut self, file: &str, values: Vec<Value>) {
        for (i, v) in values.into_iter().enumerate() {
            let doc_index = self.documents.len();
            self.add_value(file, doc_index, i, &v, String::new());
            self.documents.push((file.to_string(), PathMap::default()));
        }
    }

    /// Start a document without positions (a file of a support bundle); its index, for
    /// [`Loaded::add_object`].
    pub fn begin_document(&mut self, file: &str) -> usize {
        self.documents.push((file.to_string(), PathMap::default()));
        self.documents.len() - 1
    }

    /// Add one object (or List) of document `doc`; `n` numbers it in error messages.
    pub fn add_object(&mut self, file: &str, doc: usize, n: usize, value: &Value) {
        self.add_value(file, doc, n, value, String::new());
    }

    /// Add every object of a parsed file.
    pub fn add_file(&mut self, file: &str, docs: Vec<Document>) {
        for (i, doc) in docs.into_iter().enumerate() {
            let doc_index = self.documents.len();
            self.add_value(file, doc_index, i, &doc.value, String::new());
            self.documents.push((file.to_string(), doc.paths));
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(&mut self, file: &str, doc_no: usize, v: &Value) -> Option<T> {
        match serde_json::from_value(v.clone()) {
            Ok(t) => Some(t),
            Err(e) => {
                self.problems.push(Error::Usage(format!("{file}: document {}: not a valid object: {e}", doc_no + 1)));
                None
            }
        }
    }

    fn add_value(&mut self, file: &str, doc: usize, doc_no: usize, v: &Value, prefix: String) {
        let Some(obj) = v.as_object() else { return };
        let kind = obj.get("kind").and_then(Value::as_str);
        let origin = |strip: &'static str| Origin { file: file.to_string(), doc, prefix: prefix.clone(), strip };
        match kind {
            Some(k) if k == "List" || (k.ends_with("List") && obj.contains_key("items")) => {
                if let Some(items) = obj.get("items").and_then(Value::as_array) {
                    for (i, item) in items.iter().enumerate() {
                        let p = if prefix.is_empty() { format!("items[{i}]") } else { format!("{prefix}.items[{i}]") };
                        self.add_value(file, doc, doc_no, item, p);
                    }
                }
            }
            Some("Pod") => {
                if let Some(mut pod) = self.decode::<Pod>(file, doc_no, v) {
                    mark_unknown_exit_codes(v, &mut pod);
                    self.origins.insert(pod_ref(&pod), origin(""));
                    self.snapshot.pods.push(pod);
                }
            }
            Some("Node") => {
                if let Some(n) = self.decode::<Node>(file, doc_no, v) {
                    self.snapshot.nodes.push(n);
                }
            }
            Some("Namespace") => {
                if let Some(n) = self.decode::<Namespace>(file, doc_no, v) {
                    self.snapshot.namespaces.push(n);
                }
            }
            Some("Event") => {
                if let Some(e) = self.decode::<Event>(file, doc_no, v) {
                    self.snapshot.events.push(e.into());
                }
            }
            Some(k) => {
                if !is_workload_kind(k) {
                    return;
                }
                match workload_from_value(k, v) {
                    Ok(Some(w)) => {
                        self.origins.insert(w.object_ref(), origin(""));
                        self.snapshot.workloads.push(w);
                    }
                    Ok(None) => {}
                    Err(e) => self
                        .problems
                        .push(Error::Usage(format!("{file}: document {}: not a valid {k}: {e}", doc_no + 1))),
                }
            }
            None => self.add_fragment(file, doc, doc_no, v, prefix),
        }
    }

    /// Docs-style fragments: `spec: {...}`, a bare PodSpec, or a securityContext.
    fn add_fragment(&mut self, file: &str, doc: usize, doc_no: usize, v: &Value, prefix: String) {
        let obj = v.as_object().expect("checked by caller");
        let (spec, strip, partial) = if let Some(spec) = obj.get("spec").filter(|s| s.is_object()) {
            (spec.clone(), "", !spec.get("containers").is_some_and(Value::is_array))
        } else if obj.contains_key("containers") || obj.contains_key("initContainers") {
            (v.clone(), "spec.", false)
        } else if obj.contains_key("securityContext") {
            (serde_json::json!({"securityContext": obj["securityContext"]}), "spec.", true)
        } else if obj.contains_key("windowsOptions") {
            (
                serde_json::json!({"securityContext": {"windowsOptions": obj["windowsOptions"]}}),
                "spec.securityContext.",
                true,
            )
        } else {
            return;
        };
        let mut spec = spec;
        if spec.get("containers").is_none() {
            spec["containers"] = Value::Array(vec![]);
        }
        let name = format!("{file}#{}", doc_no + 1);
        let pod = serde_json::json!({"metadata": {"name": name}, "spec": spec});
        let Some(pod) = self.decode::<Pod>(file, doc_no, &pod) else { return };
        let object = ObjectRef::new("PodSpec", None, &name);
        let mut pod = pod;
        pod.metadata.name = Some(name);
        self.origins.insert(object.clone(), Origin { file: file.to_string(), doc, prefix, strip });
        self.snapshot.fragments.insert(object.clone());
        if partial {
            self.snapshot.partial.insert(object.clone());
        }
        // Fragments are keyed by kind "PodSpec": rewrite the pod's own ref on lookup.
        self.snapshot.pods.push(pod);
    }

    /// Fill `location` of findings from their object and field path.
    pub fn locate(&self, findings: &mut [Finding]) {
        for f in findings {
            let Some(object) = &f.object else { continue };
            let origin = self.origins.get(object).or_else(|| {
                // Fragment pods are reported with kind "Pod" by rules; look them up as PodSpec.
                let alt = ObjectRef::new("PodSpec", object.namespace.as_deref(), &object.name);
                self.origins.get(&alt)
            });
            let Some(origin) = origin else { continue };
            let field = f.field.as_deref().unwrap_or("");
            let field = field.strip_prefix(origin.strip).unwrap_or(if field == origin.strip.trim_end_matches('.') {
                ""
            } else {
                field
            });
            let full = match (origin.prefix.is_empty(), field.is_empty()) {
                (true, _) => field.to_string(),
                (false, true) => origin.prefix.clone(),
                (false, false) => format!("{}.{}", origin.prefix, field),
            };
            let paths = &self.documents[origin.doc].1;
            if let Some((line, column)) = paths.locate(&full) {
                f.location = Some(Location { file: origin.file.clone(), line, column });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::parse_documents;

    const MULTI: &str = "# header\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: x\n---\nkind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: ds\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: c\n";

    /// A terminated state without exitCode is "unknown" in every finding, never exit code 0.
    #[test]
    fn a_missing_exit_code_is_unknown_never_zero() {
        let pod = serde_json::json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"hostNetwork": true, "securityContext": {"windowsOptions": {"hostProcess": true}},
                     "containers": [{"name": "c", "image": "x"}]},
            "status": {"containerStatuses": [{"name": "c", "image": "x", "imageID": "", "ready": false,
                "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "Error"}}}]}});
        let mut loaded = Loaded::default();
        let doc = loaded.begin_document("dump");
        loaded.add_object("dump", doc, 0, &pod);
        let mut s = loaded.snapshot;
        s.source = crate::snapshot::Source::Cluster;
        let f: Vec<_> = crate::checks::run(&s).into_iter().filter(|f| f.rule == "HP019").collect();
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("last exit code unknown, reason Error"), "{}", f[0].message);
        assert!(f[0].evidence.contains(&"Error: exit code unknown".to_string()), "{:?}", f[0].evidence);
        // With the code given, it is quoted as is.
        let mut pod = pod;
        pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] = serde_json::json!(0);
        let mut loaded = Loaded::default();
        loaded.add_object("dump", 0, 0, &pod);
        let t = loaded.snapshot.pods[0].status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0]
            .last_state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .exit_code;
        assert_eq!(t, 0);
    }

    #[test]
    fn loads_pods_workloads_lists_and_fragments() {
        let mut l = Loaded::default();
        l.add_file("m.yaml", parse_documents("m.yaml", MULTI).unwrap());
        let list = r#"{"kind":"List","items":[{"kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[]}}}},{"kind":"ConfigMap","metadata":{"name":"x"}}]}"#;
        l.add_file("l.json", parse_documents("l.json", list).unwrap());
        l.add_file("f.yaml", parse_documents("f.yaml", "spec:\n  containers:\n  - name: a\n").unwrap());
        l.add_file(
            "s.yaml",
            parse_documents("s.yaml", "securityContext:\n  windowsOptions:\n    hostProcess: true\n").unwrap(),
        );
        assert_eq!(l.snapshot.pods.len(), 3);
        assert_eq!(l.snapshot.workloads.len(), 2);
        assert_eq!(l.snapshot.workloads[0].spec_path, "spec.template.spec");
        assert_eq!(l.snapshot.fragments.len(), 2);
        assert_eq!(l.snapshot.partial.len(), 1);
    }
}
