//! Plain data the checks read. `lint` fills it from files, `doctor` from the API server,
//! `doctor --from-file` from a `kubectl get … -o yaml` dump. Checks never do I/O.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::{Namespace, Node, NodeSystemInfo, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};

use crate::event_record::EventRecord;
use crate::finding::ObjectRef;
pub use crate::node_facts::NodeFacts;
use crate::version::Version;

/// Where the snapshot came from. Rules about status and events only run on live data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Manifests: no status, no events, no cluster objects unless context is given.
    #[default]
    Manifests,
    /// A live cluster or a dump of one.
    Cluster,
}

/// Pod Security Admission levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PsaLevel {
    Privileged,
    Baseline,
    Restricted,
}

impl PsaLevel {
    pub fn parse(s: &str) -> Option<PsaLevel> {
        match s {
            "privileged" => Some(PsaLevel::Privileged),
            "baseline" => Some(PsaLevel::Baseline),
            "restricted" => Some(PsaLevel::Restricted),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PsaLevel::Privileged => "privileged",
            PsaLevel::Baseline => "baseline",
            PsaLevel::Restricted => "restricted",
        }
    }
}

/// Context given on the command line for offline use (`lint --psa-level …`).
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub psa_level: Option<PsaLevel>,
    /// e.g. "1.6.28" (no `containerd://` prefix needed).
    pub containerd_version: Option<String>,
    /// e.g. "10.0.17763".
    pub windows_build: Option<String>,
}

/// Desired/current counts of a workload, as its status reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadStatus {
    pub desired: Option<i32>,
    pub current: Option<i32>,
    pub ready: Option<i32>,
}

/// A pod-owning object (DaemonSet, Deployment, ReplicaSet, StatefulSet, Job, CronJob,
/// ReplicationController, PodTemplate) reduced to what the checks need.
#[derive(Debug, Clone)]
pub struct Workload {
    pub kind: String,
    pub metadata: ObjectMeta,
    pub template: PodTemplateSpec,
    /// Dotted path of the pod spec inside the object, e.g. `spec.template.spec`.
    pub spec_path: String,
    pub selector: Option<LabelSelector>,
    pub status: WorkloadStatus,
}

impl Workload {
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(&self.kind, self.metadata.namespace.as_deref(), self.metadata.name.as_deref().unwrap_or(""))
    }
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub source: Source,
    /// `gitVersion` of the API server, e.g. "v1.36.3".
    pub server_version: Option<String>,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<Namespace>,
    pub pods: Vec<Pod>,
    pub workloads: Vec<Workload>,
    pub events: Vec<EventRecord>,
    pub context: Context,
    /// Pods read from a docs-style fragment (`spec:` only). Kind is "PodSpec".
    pub fragments: HashSet<ObjectRef>,
    /// Fragments that are only a securityContext: rules that need a whole pod spec skip them.
    pub partial: HashSet<ObjectRef>,
    /// Logs of failing containers (live: read for them; from a bundle: as it holds them).
    pub logs: Vec<ContainerLog>,
    /// What the input cannot tell (e.g. a `cluster-info dump` has no Namespace objects), said
    /// to the user instead of guessed.
    pub notes: Vec<String>,
    /// What each node reported about itself in a support bundle (`_hostprocess/nodes/<node>/`),
    /// by node name; empty for every other source.
    pub node_facts: BTreeMap<String, NodeFacts>,
    /// HP020's networking pods by node, (namespace/name, failing) sorted, when `pods` does not
    /// hold every pod (doctor live, `load::paged`); `None`: HP020 finds them in `pods`.
    pub networking_pods: Option<BTreeMap<String, Vec<(String, bool)>>>,
    /// One batch of pods (doctor live): only findings about them are kept, so rules skip their
    /// node findings (the run over the whole snapshot makes those once).
    pub pods_batch: bool,
    /// Windows nodes that can run HostProcess pods, by index: HP009's, kept across `set_pods`.
    #[doc(hidden)]
    pub runnable_windows: OnceLock<Vec<usize>>,
    /// Lookup tables built on first use, once the snapshot is filled (checks only read it).
    #[doc(hidden)]
    pub lookup: OnceLock<Lookup>,
    /// The object refs of the pods and workloads, built on first use: apart from `lookup`, so
    /// that [`Snapshot::set_pods`] rebuilds only what depends on the pods.
    #[doc(hidden)]
    pub specs_index: OnceLock<SpecIndex>,
}

/// Indexes over a filled snapshot, so that checks stay linear in the cluster's size.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// (kind, namespace, name) of the involved object → indexes into `events`, oldest first.
    events: HashMap<(String, Option<String>, String), Vec<usize>>,
    nodes: HashMap<String, usize>,
    /// The containerd versions of the Windows nodes, sorted, without duplicates.
    windows_containerd: Vec<Version>,
    /// (namespace, pod, container) → index into `logs`.
    logs: HashMap<(String, String, String), usize>,
}

/// The tail of one container's log, as the API server or a support bundle gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerLog {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The last lines (at most [`LOG_TAIL_BYTES`]), without line ends.
    pub lines: Vec<String>,
    /// Lines dropped from the head to keep the tail.
    pub dropped: usize,
    /// The log of the previous attempt (`--previous`), not of the current one.
    pub previous: bool,
    /// The API server or kubelet served no log, and said why (e.g. the container never ran).
    pub request_error: Option<String>,
}

/// The exit code of a terminated state whose input did not carry one (a hand-made or cut
/// bundle): "unknown", never 0. The loaders set it; findings print it as `unknown`.
pub const UNKNOWN_EXIT: i32 = i32::MIN;

/// The bytes of each container log kept, from its end: failure lines are at the end.
pub const LOG_TAIL_BYTES: usize = 64 * 1024;

/// One pod spec to check: a pod's own spec or a workload's template.
#[derive(Debug, Clone, Copy)]
pub struct SpecRef<'a> {
    pub object: &'a ObjectRef,
    pub meta: &'a ObjectMeta,
    pub spec: &'a PodSpec,
    /// Dotted path of `spec` inside the object (`spec`, `spec.template.spec`, …).
    pub path: &'a str,
    /// The pod itself when this is a pod (status, node name).
    pub pod: Option<&'a Pod>,
    /// The workload when this is a template.
    pub workload: Option<&'a Workload>,
    /// A docs-style fragment: no kind, no name.
    pub fragment: bool,
    /// Only a securityContext fragment: no containers to speak of.
    pub partial: bool,
}

impl<'a> SpecRef<'a> {
    pub fn namespace(&self) -> Option<&'a str> {
        self.object.namespace.as_deref()
    }
    /// A field path below this spec: `field("hostNetwork")` → `spec.template.spec.hostNetwork`.
    pub fn field(&self, rest: &str) -> String {
        if rest.is_empty() { self.path.to_string() } else { format!("{}.{}", self.path, rest) }
    }
}

/// Owned object refs for pods, kept next to the pods so `SpecRef` can borrow them.
#[derive(Debug, Clone, Default)]
pub struct SpecIndex {
    pods: Vec<ObjectRef>,
    workloads: Vec<ObjectRef>,
}

impl Snapshot {
    fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| {
            let mut events: HashMap<(String, Option<String>, String), Vec<usize>> = HashMap::new();
            for (i, e) in self.events.iter().enumerate() {
                let io = &e.involved_object;
                let (Some(kind), Some(name)) = (io.kind.clone(), io.name.clone()) else { continue };
                events.entry((kind, io.namespace.clone(), name)).or_default().push(i);
            }
            for v in events.values_mut() {
                v.sort_by(|&a, &b| self.events[a].time.cmp(&self.events[b].time));
            }
            let nodes = self.nodes.iter().enumerate().map(|(i, n)| (node_name(n).to_string(), i)).collect();
            let mut windows_containerd: Vec<Version> =
                self.windows_nodes().filter_map(|n| self.containerd_of(n)).collect();
            windows_containerd.sort();
            windows_containerd.dedup();
            let logs = self
                .logs
                .iter()
                .enumerate()
                .map(|(i, l)| ((l.namespace.clone(), l.pod.clone(), l.container.clone()), i))
                .collect();
            Lookup { events, nodes, windows_containerd, logs }
        })
    }

    /// Replace the pods (one page of them, for doctor live), keeping the lookup tables of the
    /// other kinds; the workloads stay as they are. Gives the pods it held.
    pub fn set_pods(&mut self, pods: Vec<Pod>) -> Vec<Pod> {
        self.specs_index = OnceLock::new();
        std::mem::replace(&mut self.pods, pods)
    }

    /// The containerd versions of the Windows nodes, sorted, without duplicates (computed once).
    pub fn windows_containerd(&self) -> &[Version] {
        &self.lookup().windows_containerd
    }

    fn build_index(&self) -> SpecIndex {
        SpecIndex {
            pods: self
                .pods
                .iter()
                .map(|p| {
                    let r = pod_ref(p);
                    let alt = ObjectRef::new("PodSpec", r.namespace.as_deref(), &r.name);
                    if self.fragments.contains(&alt) { alt } else { r }
                })
                .collect(),
            workloads: self.workloads.iter().map(Workload::object_ref).collect(),
        }
    }

    /// Every pod spec in the snapshot: pods first, then workload templates. Pods owned by a
    /// workload that is itself in the snapshot are still listed (live status lives there). Their
    /// object refs are built once per snapshot and shared by every rule.
    pub fn specs(&self) -> Vec<SpecRef<'_>> {
        let index = self.specs_index.get_or_init(|| self.build_index());
        let mut out = Vec::with_capacity(self.pods.len() + self.workloads.len());
        for (pod, object) in self.pods.iter().zip(&index.pods) {
            if let Some(spec) = pod.spec.as_ref() {
                out.push(SpecRef {
                    object,
                    meta: &pod.metadata,
                    spec,
                    path: "spec",
                    pod: Some(pod),
                    workload: None,
                    fragment: self.fragments.contains(object),
                    partial: self.partial.contains(object),
                });
            }
        }
        for (w, object) in self.workloads.iter().zip(&index.workloads) {
            if let Some(spec) = w.template.spec.as_ref() {
                static EMPTY: std::sync::OnceLock<ObjectMeta> = std::sync::OnceLock::new();
                out.push(SpecRef {
                    object,
                    meta: w.template.metadata.as_ref().unwrap_or_else(|| EMPTY.get_or_init(ObjectMeta::default)),
                    spec,
                    path: &w.spec_path,
                    pod: None,
                    workload: Some(w),
                    fragment: false,
                    partial: false,
                });
            }
        }
        out
    }

    /// What the node reported in a support bundle, when the snapshot has it.
    pub fn facts(&self, node: &str) -> Option<&NodeFacts> {
        self.node_facts.get(node)
    }

    /// The containerd version of a node: what `containerd --version` printed on it (from a
    /// bundle) before the Node object's `containerRuntimeVersion`.
    pub fn containerd_of(&self, node: &Node) -> Option<Version> {
        self.facts(node_name(node)).and_then(|f| f.containerd.as_ref()?.version).or_else(|| node_containerd(node))
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.lookup().nodes.get(name).map(|&i| &self.nodes[i])
    }

    /// The log of one container, when the snapshot holds it.
    pub fn log(&self, namespace: &str, pod: &str, container: &str) -> Option<&ContainerLog> {
        let key = (namespace.to_string(), pod.to_string(), container.to_string());
        self.lookup().logs.get(&key).map(|&i| &self.logs[i])
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.iter().find(|n| n.metadata.name.as_deref() == Some(name))
    }

    /// Events whose involvedObject is this object, oldest first.
    pub fn events_for<'a>(&'a self, object: &ObjectRef) -> Vec<&'a EventRecord> {
        let key = (object.kind.clone(), object.namespace.clone(), object.name.clone());
        self.lookup().events.get(&key).map(|v| v.iter().map(|&i| &self.events[i]).collect()).unwrap_or_default()
    }

    /// The workload in the snapshot that `owners` names as controller. Matched by UID when the
    /// reference has one (as the API server does: a new object with an old name is not the
    /// owner), else by kind and name (hand-written manifests); always in `namespace`.
    pub fn owner_of(&self, namespace: Option<&str>, owners: Option<&Vec<OwnerReference>>) -> Option<&Workload> {
        let owner = owners?.iter().find(|o| o.controller == Some(true))?;
        self.workloads.iter().find(|w| {
            w.kind == owner.kind
                && w.metadata.namespace.as_deref() == namespace
                && if owner.uid.is_empty() {
                    w.metadata.name.as_deref() == Some(owner.name.as_str())
                } else {
                    w.metadata.uid.as_deref() == Some(owner.uid.as_str())
                }
        })
    }

    /// The controllers above an object, nearest first (ReplicaSet, then its Deployment), each
    /// once: an object that names itself or a descendant as its controller (a crafted dump, or
    /// objects a tenant creates) ends the chain instead of looping.
    pub fn owner_chain(&self, namespace: Option<&str>, owners: Option<&Vec<OwnerReference>>) -> Vec<&Workload> {
        let mut chain = Vec::new();
        let mut seen = HashSet::new();
        let mut next = self.owner_of(namespace, owners);
        while let Some(w) = next {
            if !seen.insert(std::ptr::from_ref(w)) {
                break;
            }
            chain.push(w);
            next = self.owner_of(w.metadata.namespace.as_deref(), w.metadata.owner_references.as_ref());
        }
        chain
    }

    /// Windows nodes (label `kubernetes.io/os=windows` or nodeInfo.operatingSystem windows).
    pub fn windows_nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| node_os(n) == "windows")
    }
}

pub fn pod_ref(pod: &Pod) -> ObjectRef {
    ObjectRef::new("Pod", pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref().unwrap_or(""))
}

/// The node's OS from its label, or from nodeInfo; "" if unknown.
pub fn node_os(node: &Node) -> String {
    if let Some(os) = node.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/os")) {
        return os.clone();
    }
    node.status.as_ref().and_then(|s| s.node_info.as_ref()).map(|i| i.operating_system.clone()).unwrap_or_default()
}

pub fn node_name(node: &Node) -> &str {
    node.metadata.name.as_deref().unwrap_or("")
}

/// The containerd version of a node's `containerRuntimeVersion` ("containerd://1.7.20" → "1.7.20").
pub fn containerd_version(runtime: &str) -> Option<&str> {
    runtime.strip_prefix("containerd://")
}

/// `status.nodeInfo` of a node.
pub fn node_info(node: &Node) -> Option<&NodeSystemInfo> {
    node.status.as_ref()?.node_info.as_ref()
}

/// The containerd version of a node, if it runs containerd and the version parses.
pub fn node_containerd(node: &Node) -> Option<Version> {
    containerd_version(&node_info(node)?.container_runtime_version).and_then(Version::parse)
}
