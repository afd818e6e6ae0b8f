//! Reading manifests (multi-document YAML and JSON) into a [`Snapshot`], keeping the line and
//! column of every field so findings can point at `file:line:column`.
//!
//! YAML is parsed with serde-saphyr (serde_yaml is deprecated by its author; kube 5 itself
//! moved to serde-saphyr). Its `Spanned<T>` gives the location of every node.

use std::collections::HashMap;
use std::fmt;

use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::error::{Error, Result};
use crate::finding::{Finding, Location, ObjectRef};
use crate::snapshot::{Snapshot, Workload, WorkloadStatus, pod_ref};

/// Largest input accepted (a manifest larger than this is almost surely not one).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// A YAML node with the location of every value and key.
#[derive(Debug, Clone)]
enum YNode {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<YNode>>),
    Map(Vec<(Spanned<YNode>, Spanned<YNode>)>),
}

impl<'de> Deserialize<'de> for YNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = YNode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<YNode, E> {
                Ok(YNode::Null)
            }
            fn visit_none<E: de::Error>(self) -> std::result::Result<YNode, E> {
                Ok(YNode::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> std::result::Result<YNode, D2::Error> {
                YNode::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<YNode, E> {
                Ok(YNode::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<YNode, E> {
                Ok(YNode::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<YNode, E> {
                Ok(YNode::Uint(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<YNode, E> {
                Ok(YNode::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<YNode, E> {
                Ok(YNode::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<YNode, E> {
                Ok(YNode::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<YNode, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element::<Spanned<YNode>>()? {
                    v.push(x);
                }
                Ok(YNode::Seq(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<YNode, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<Spanned<YNode>, Spanned<YNode>>()? {
                    v.push((k, x));
                }
                Ok(YNode::Map(v))
            }
        }
        d.deserialize_any(V)
    }
}

type Pos = (u64, u64);

/// Field path → position, for one document.
#[derive(Debug, Default, Clone)]
pub struct PathMap(HashMap<String, Pos>);

impl PathMap {
    /// The position of `path`, or of its nearest ancestor that exists.
    pub fn locate(&self, path: &str) -> Option<Pos> {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = self.0.get(&p) {
                return Some(*pos);
            }
            if p.is_empty() {
                return None;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => p.clear(),
            }
        }
    }
}

fn key_string(k: &YNode) -> String {
    match k {
        YNode::Str(s) => s.clone(),
        YNode::Bool(b) => b.to_string(),
        YNode::Int(i) => i.to_string(),
        YNode::Uint(i) => i.to_string(),
        YNode::Float(f) => f.to_string(),
        YNode::Null => "null".into(),
        _ => String::new(),
    }
}

fn to_json(node: &Spanned<YNode>, path: &str, map: &mut PathMap) -> Value {
    let here = (node.referenced.line(), node.referenced.column());
    map.0.entry(path.to_string()).or_insert(here);
    match &node.value {
        YNode::Null => Value::Null,
        YNode::Bool(b) => Value::Bool(*b),
        YNode::Int(i) => Value::from(*i),
        YNode::Uint(i) => Value::from(*i),
        YNode::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        YNode::Str(s) => Value::String(s.clone()),
        YNode::Seq(items) => {
            Value::Array(items.iter().enumerate().map(|(i, x)| to_json(x, &format!("{path}[{i}]"), map)).collect())
        }
        YNode::Map(entries) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in entries {
                let key = key_string(&k.value);
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                // The key's position is where a reader looks for the field.
                map.0.insert(child.clone(), (k.referenced.line(), k.referenced.column()));
                let value = to_json(v, &child, map);
                obj.insert(key, value);
            }
            Value::Object(obj)
        }
    }
}

/// One parsed document: its JSON value and the positions of its fields.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    pub paths: PathMap,
}

/// Largest cluster dump accepted by `doctor --from-file`.
pub const MAX_DUMP_BYTES: usize = 2 * 1024 * 1024 * 1024 - 1;

/// Parse a YAML (or JSON) manifest stream of one or more documents.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: format!("file is {} bytes, larger than the {} MiB limit", text.len(), MAX_INPUT_BYTES >> 20),
        });
    }
    if text.contains('\0') {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: "binary file (contains NUL bytes), not YAML or JSON".into(),
        });
    }
    let docs: Vec<Spanned<YNode>> = serde_saphyr::from_multiple(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("").to_string();
        Error::Parse { file: file.to_string(), line, column, message }
    })?;
    Ok(docs
        .iter()
        .filter(|d| !matches!(d.value, YNode::Null))
        .map(|d| {
            let mut paths = PathMap::default();
            let value = to_json(d, "", &mut paths);
            Document { value, paths }
        })
        .collect())
}

/// Parse a cluster dump: values only, no positions (a dump is data, not a manifest to point
/// into). JSON goes through serde_json; YAML through serde-saphyr with a budget sized for dumps.
pub fn parse_dump(file: &str, text: &str) -> Result<Vec<Value>> {
    if text.len() > MAX_DUMP_BYTES {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: format!("file is {} bytes, larger than the {} MiB limit", text.len(), MAX_DUMP_BYTES >> 20),
        });
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{')
        && let Ok(v) = serde_json::from_str::<Value>(text)
    {
        return Ok(vec![v]);
    }
    // A dump is large but trusted no more than any input: scale the limits with its size.
    let scale = (text.len() / 100).max(1_000_000);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = scale * 4;
    budget.max_nodes = scale * 2;
    budget.max_total_scalar_bytes = text.len() * 2 + 1_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        let message = e.to_string().lines().next().unwrap_or("").to_string();
        Error::Parse { file: file.to_string(), line, column, message }
    })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

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

/// A snapshot built from files, with the origin of each object.
#[derive(Default)]
pub struct Loaded {
    pub snapshot: Snapshot,
    pub origins: HashMap<ObjectRef, Origin>,
    pub documents: Vec<(String, PathMap)>,
    /// Documents that were recognised as Kubernetes objects but failed to decode.
    pub problems: Vec<Error>,
}

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

impl Loaded {
    /// Add every object of a dump (no positions).
    pub fn add_values(&mut self, file: &str, values: Vec<Value>) {
        for (i, v) in values.into_iter().enumerate() {
            let doc_index = self.documents.len();
            self.add_value(file, doc_index, i, &v, String::new());
            self.documents.push((file.to_string(), PathMap::default()));
        }
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
                if let Some(pod) = self.decode::<Pod>(file, doc_no, v) {
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
                    self.snapshot.events.push(e);
                }
            }
            Some(k) => {
                if !WORKLOADS.iter().any(|(wk, _)| *wk == k) {
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

    const MULTI: &str = "# header\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: x\n---\nkind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: ds\n  namespace: kube-system\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: c\n";

    #[test]
    fn multi_document_positions_are_absolute() {
        let docs = parse_documents("m.yaml", MULTI).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].paths.locate("spec.containers[0].image"), Some((9, 5)));
        assert_eq!(docs[1].paths.locate("spec.template.spec.hostNetwork"), Some((19, 7)));
        // a missing field resolves to its nearest ancestor
        assert_eq!(docs[1].paths.locate("spec.template.spec.os.name"), Some((18, 5)));
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

    #[test]
    fn parse_errors_carry_line_numbers() {
        let err = parse_documents("bad.yaml", "a: 1\nb: [\n").err().unwrap();
        match err {
            Error::Parse { file, line, .. } => {
                assert_eq!(file, "bad.yaml");
                assert!(line >= 2, "line {line}");
            }
            e => panic!("unexpected {e:?}"),
        }
        assert!(matches!(parse_documents("b", "a\0b"), Err(Error::ReadInput { .. })));
    }

    #[test]
    fn double_quoted_backslash_s_is_a_parse_error() {
        let e = parse_documents("u.yaml", "runAsUserName: \"NT AUTHORITY\\SYSTEM\"\n");
        assert!(matches!(e, Err(Error::Parse { line: 1, .. })), "{e:?}");
    }
}
