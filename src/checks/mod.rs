//! The HostProcess rule catalogue: one rule a file, each a pure function of a [`Snapshot`].
//!
//! Rule ids (HPnnn) are the public codes from `research/hostprocess-rules.md`. They are stable
//! forever: a rule is retired, never renumbered.

use k8s_openapi::api::core::v1::{
    Container, EnvVar, Node, PodSpec, SecurityContext, Taint, Toleration, VolumeMount, WindowsSecurityContextOptions,
};

use crate::finding::{Finding, ObjectRef, Severity};
use crate::snapshot::{Snapshot, Source, SpecRef, node_name, node_os};
pub use crate::snapshot::{containerd_version, node_containerd, node_info};
use crate::version::{Version, windows_build};

pub mod hp001_host_network;
pub mod hp002_all_or_none;
pub mod hp003_pod_container_mismatch;
pub mod hp004_linux_only_fields;
pub mod hp005_run_as_user_name_syntax;
pub mod hp006_run_as_user_name_identity;
pub mod hp007_pod_security;
pub mod hp008_windows_placement;
pub mod hp009_scheduling;
pub mod hp010_container_runtime;
pub mod hp011_kubernetes_version;
pub mod hp012_windows_build;
pub mod hp013_runtime_environment;
pub mod hp014_volume_mounts;
pub mod hp015_pipe_socket_mounts;
pub mod hp016_host_paths;
pub mod hp017_image;
pub mod hp018_resources;
pub mod hp019_crash_loop;

/// A rule of the catalogue.
pub struct Rule {
    /// `HP001` … stable forever.
    pub id: &'static str,
    /// kebab-case name.
    pub name: &'static str,
    /// The severity of its main finding (a rule may emit others, e.g. an info variant).
    pub severity: Severity,
    /// One line: what it checks.
    pub summary: &'static str,
    /// Documentation in the ruff style: what it does / why it fails / example / use instead /
    /// references. Markdown.
    pub doc: &'static str,
    /// Rank in doctor's decision tree: the lowest-ranked error finding of an object is its
    /// root cause.
    pub rank: u8,
    pub check: fn(&Snapshot, &mut Vec<Finding>),
}

impl Rule {
    /// A finding of this rule about one pod spec, at `field` below the spec.
    pub fn finding(
        &self,
        spec: &SpecRef<'_>,
        field: &str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id.to_string(),
            name: self.name.to_string(),
            severity: self.severity,
            object: Some(spec.object.clone()),
            container: None,
            node: spec.pod.and_then(|p| p.spec.as_ref()).and_then(|s| s.node_name.clone()),
            message: message.into(),
            evidence: vec![],
            fix: fix.into(),
            location: None,
            field: Some(spec.field(field)),
        }
    }

    /// A finding of this rule not tied to a pod spec (a node, a namespace, the cluster).
    pub fn bare(
        &self,
        object: Option<crate::finding::ObjectRef>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id.to_string(),
            name: self.name.to_string(),
            severity: self.severity,
            object,
            container: None,
            node: None,
            message: message.into(),
            evidence: vec![],
            fix: fix.into(),
            location: None,
            field: None,
        }
    }
}

/// Every rule, in id order.
pub fn all() -> &'static [&'static Rule] {
    static ALL: &[&Rule] = &[
        &hp001_host_network::RULE,
        &hp002_all_or_none::RULE,
        &hp003_pod_container_mismatch::RULE,
        &hp004_linux_only_fields::RULE,
        &hp005_run_as_user_name_syntax::RULE,
        &hp006_run_as_user_name_identity::RULE,
        &hp007_pod_security::RULE,
        &hp008_windows_placement::RULE,
        &hp009_scheduling::RULE,
        &hp010_container_runtime::RULE,
        &hp011_kubernetes_version::RULE,
        &hp012_windows_build::RULE,
        &hp013_runtime_environment::RULE,
        &hp014_volume_mounts::RULE,
        &hp015_pipe_socket_mounts::RULE,
        &hp016_host_paths::RULE,
        &hp017_image::RULE,
        &hp018_resources::RULE,
        &hp019_crash_loop::RULE,
    ];
    ALL
}

/// Look a rule up by id (case-insensitive) or by name.
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)
}

/// Run every rule over the snapshot. Findings are sorted by object, then rank, then rule id.
pub fn run(snapshot: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in all() {
        (rule.check)(snapshot, &mut out);
    }
    sort(&mut out);
    out
}

/// Sort: by object, then errors before warnings before infos, then rank (root cause first).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        a.object
            .cmp(&b.object)
            .then(b.severity.cmp(&a.severity))
            .then(rank_of(&a.rule).cmp(&rank_of(&b.rule)))
            .then(a.rule.cmp(&b.rule))
            .then(a.container.cmp(&b.container))
    });
}

pub fn rank_of(id: &str) -> u8 {
    find(id).map(|r| r.rank).unwrap_or(u8::MAX)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers for rules: HostProcess semantics ("effective" values follow the API server).

/// A container of any of the three lists, with its path below the pod spec.
#[derive(Debug, Clone)]
pub struct ContainerView<'a> {
    pub name: &'a str,
    /// e.g. `initContainers[0]`, `containers[1]`, `ephemeralContainers[0]`.
    pub path: String,
    pub image: Option<&'a str>,
    pub command: Option<&'a Vec<String>>,
    pub args: Option<&'a Vec<String>>,
    pub working_dir: Option<&'a str>,
    pub env: Option<&'a Vec<EnvVar>>,
    pub volume_mounts: Option<&'a Vec<VolumeMount>>,
    pub security_context: Option<&'a SecurityContext>,
    pub resources: Option<&'a k8s_openapi::api::core::v1::ResourceRequirements>,
    pub init: bool,
}

fn view<'a>(c: &'a Container, path: String, init: bool) -> ContainerView<'a> {
    ContainerView {
        name: &c.name,
        path,
        image: c.image.as_deref(),
        command: c.command.as_ref(),
        args: c.args.as_ref(),
        working_dir: c.working_dir.as_deref(),
        env: c.env.as_ref(),
        volume_mounts: c.volume_mounts.as_ref(),
        security_context: c.security_context.as_ref(),
        resources: c.resources.as_ref(),
        init,
    }
}

/// Init containers, then containers, then ephemeral containers (the API server's and PSA's
/// visiting order).
pub fn containers(spec: &PodSpec) -> Vec<ContainerView<'_>> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push(view(c, format!("initContainers[{i}]"), true));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(view(c, format!("containers[{i}]"), false));
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push(ContainerView {
            name: &c.name,
            path: format!("ephemeralContainers[{i}]"),
            image: c.image.as_deref(),
            command: c.command.as_ref(),
            args: c.args.as_ref(),
            working_dir: c.working_dir.as_deref(),
            env: c.env.as_ref(),
            volume_mounts: c.volume_mounts.as_ref(),
            security_context: c.security_context.as_ref(),
            resources: c.resources.as_ref(),
            init: false,
        });
    }
    out
}

pub fn pod_windows_options(spec: &PodSpec) -> Option<&WindowsSecurityContextOptions> {
    spec.security_context.as_ref()?.windows_options.as_ref()
}

pub fn container_windows_options<'a>(c: &ContainerView<'a>) -> Option<&'a WindowsSecurityContextOptions> {
    c.security_context?.windows_options.as_ref()
}

/// The pod-level `hostProcess` value, if set.
pub fn pod_host_process(spec: &PodSpec) -> Option<bool> {
    pod_windows_options(spec)?.host_process
}

/// A container's effective hostProcess: its own value, else the pod's, else false.
pub fn effective_host_process(spec: &PodSpec, c: &ContainerView<'_>) -> bool {
    container_windows_options(c).and_then(|w| w.host_process).or_else(|| pod_host_process(spec)).unwrap_or(false)
}

/// A container's effective runAsUserName: its own value, else the pod's.
pub fn effective_user<'a>(spec: &'a PodSpec, c: &ContainerView<'a>) -> Option<&'a str> {
    container_windows_options(c)
        .and_then(|w| w.run_as_user_name.as_deref())
        .or_else(|| pod_windows_options(spec).and_then(|w| w.run_as_user_name.as_deref()))
}

/// A HostProcess pod: at least one container with effective hostProcess, or (for a
/// securityContext-only fragment) a pod-level `hostProcess: true`.
pub fn is_host_process(spec: &PodSpec) -> bool {
    let cs = containers(spec);
    if cs.is_empty() {
        return pod_host_process(spec) == Some(true);
    }
    cs.iter().any(|c| effective_host_process(spec, c))
}

/// HostProcess specs of the snapshot (pods and workload templates).
pub fn host_process_specs(snapshot: &Snapshot) -> Vec<SpecRef<'_>> {
    snapshot.specs().into_iter().filter(|s| is_host_process(s.spec)).collect()
}

// ---------------------------------------------------------------------------------------------
// Nodes: versions, and the per-node verdicts of HP010/HP011/HP012.

/// The kubelet version of a node.
pub fn node_kubelet(node: &Node) -> Option<Version> {
    Version::parse(&node_info(node)?.kubelet_version)
}

/// The Windows build of a node: from `nodeInfo.kernelVersion`, else the
/// `node.kubernetes.io/windows-build` label.
pub fn node_windows_build(node: &Node) -> Option<u32> {
    node_info(node).and_then(|i| windows_build(&i.kernel_version)).or_else(|| {
        node.metadata.labels.as_ref()?.get("node.kubernetes.io/windows-build").and_then(|b| windows_build(b))
    })
}

/// The node a pod spec runs on, when it is a scheduled pod and the node is in the snapshot.
pub fn spec_node<'a>(snapshot: &'a Snapshot, spec: &SpecRef<'_>) -> Option<&'a Node> {
    let name = spec.pod?.spec.as_ref()?.node_name.as_deref()?;
    snapshot.node(name)
}

/// An object reference to a node.
pub fn node_ref(node: &Node) -> ObjectRef {
    ObjectRef::new("Node", None, node_name(node))
}

/// Everything wrong with one node for HostProcess pods (HP010 runtime, HP011 Kubernetes version,
/// HP012 Windows build). Empty for nodes that are not Windows nodes. `server_version` is the API
/// server's `gitVersion`, when known. The findings are about `Node/<name>`.
pub fn node_problems(node: &Node, server_version: Option<&str>) -> Vec<Finding> {
    if node_os(node) != "windows" {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(hp011_kubernetes_version::node_problem(node, server_version));
    out.extend(hp010_container_runtime::node_problem(node));
    out.extend(hp012_windows_build::node_problem(node));
    out
}

// ---------------------------------------------------------------------------------------------
// Live evidence: events and status text of a pod or workload (Source::Cluster only).

/// Where a piece of live evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservationKind {
    /// A core/v1 Event on the object.
    Event,
    /// `state.waiting` of a container status.
    Waiting,
    /// `state.terminated` of a container status.
    Terminated,
    /// `lastState.terminated` of a container status.
    LastTerminated,
    /// A pod condition (`PodScheduled` …) with a reason or message.
    Condition,
}

/// One event or status message about a pod or workload.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub kind: ObservationKind,
    pub reason: &'a str,
    pub message: &'a str,
    /// The container it is about (event `fieldPath` `spec.containers{x}`, or the status entry).
    pub container: Option<&'a str>,
    pub exit_code: Option<i32>,
    /// Condition type for [`ObservationKind::Condition`].
    pub condition: Option<&'a str>,
}

impl<'a> Observation<'a> {
    /// An observation with this reason and message, about no container in particular.
    fn of(kind: ObservationKind, reason: &'a Option<String>, message: &'a Option<String>) -> Self {
        Observation {
            kind,
            reason: reason.as_deref().unwrap_or(""),
            message: message.as_deref().unwrap_or(""),
            container: None,
            exit_code: None,
            condition: None,
        }
    }

    /// `Reason: message`, the evidence format of the findings contract.
    pub fn line(&self) -> String {
        let mut msg = self.message.trim().to_string();
        if matches!(self.kind, ObservationKind::Terminated | ObservationKind::LastTerminated) {
            let code = self.exit_code.map(|c| format!("exit code {c}")).unwrap_or_default();
            msg = match (code.is_empty(), msg.is_empty()) {
                (false, false) => format!("{code}: {msg}"),
                (false, true) => code,
                _ => msg,
            };
        }
        match (self.reason.is_empty(), msg.is_empty()) {
            (false, false) => format!("{}: {}", self.reason, msg),
            (false, true) => self.reason.to_string(),
            _ => msg,
        }
    }

    /// True when the message contains any of the needles.
    pub fn mentions(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| self.message.contains(n))
    }
}

/// The container named in an event's `involvedObject.fieldPath` (`spec.containers{name}`).
fn field_path_container(path: &str) -> Option<&str> {
    let open = path.find('{')?;
    let close = path[open..].find('}')? + open;
    Some(&path[open + 1..close])
}

/// Events and status messages of a spec's object: for a pod its events, container statuses
/// and conditions; for a workload its own events (e.g. `FailedCreate`). Empty unless the
/// snapshot comes from a cluster.
pub fn observations<'a>(snapshot: &'a Snapshot, spec: &SpecRef<'a>) -> Vec<Observation<'a>> {
    let mut out = Vec::new();
    if snapshot.source != Source::Cluster {
        return out;
    }
    for e in snapshot.events_for(spec.object) {
        out.push(Observation {
            container: e.involved_object.field_path.as_deref().and_then(field_path_container),
            ..Observation::of(ObservationKind::Event, &e.reason, &e.message)
        });
    }
    let Some(pod) = spec.pod else { return out };
    let Some(status) = pod.status.as_ref() else { return out };
    let lists = [&status.init_container_statuses, &status.container_statuses, &status.ephemeral_container_statuses];
    for cs in lists.into_iter().flatten().flatten() {
        let name = Some(cs.name.as_str());
        if let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            out.push(Observation {
                container: name,
                ..Observation::of(ObservationKind::Waiting, &w.reason, &w.message)
            });
        }
        let terminated = [
            (ObservationKind::Terminated, cs.state.as_ref()),
            (ObservationKind::LastTerminated, cs.last_state.as_ref()),
        ];
        for (kind, state) in terminated {
            if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                out.push(Observation {
                    container: name,
                    exit_code: Some(t.exit_code),
                    ..Observation::of(kind, &t.reason, &t.message)
                });
            }
        }
    }
    for c in status.conditions.iter().flatten() {
        if c.status == "True" && c.reason.is_none() {
            continue;
        }
        if c.reason.is_none() && c.message.is_none() {
            continue;
        }
        out.push(Observation {
            condition: Some(c.type_.as_str()),
            ..Observation::of(ObservationKind::Condition, &c.reason, &c.message)
        });
    }
    out
}

/// Observations whose message mentions any needle, grouped by container (spec-level first,
/// then containers in the order they first appear).
pub fn observed_groups<'a>(
    obs: &[Observation<'a>],
    keep: impl Fn(&Observation<'a>) -> bool,
) -> Vec<(Option<&'a str>, Vec<Observation<'a>>)> {
    let mut groups: Vec<(Option<&'a str>, Vec<Observation<'a>>)> = Vec::new();
    for o in obs.iter().filter(|o| keep(o)) {
        match groups.iter_mut().find(|(c, _)| *c == o.container) {
            Some((_, v)) => v.push(o.clone()),
            None => groups.push((o.container, vec![o.clone()])),
        }
    }
    groups.sort_by_key(|(c, _)| c.is_some());
    groups
}

/// Distinct evidence lines, newest last, at most `max` (the newest ones).
pub fn evidence_lines(obs: &[Observation<'_>], max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for o in obs {
        let l = o.line();
        lines.retain(|x| x != &l);
        lines.push(l);
    }
    let skip = lines.len().saturating_sub(max);
    lines.into_iter().skip(skip).collect()
}

/// Attach evidence lines to a finding.
pub fn with_evidence(mut f: Finding, obs: &[Observation<'_>]) -> Finding {
    f.evidence.extend(evidence_lines(obs, 3));
    f
}

/// The path (`containers[1]` …) of the container named `name` in the spec.
pub fn container_path(spec: &PodSpec, name: &str) -> Option<String> {
    containers(spec).into_iter().find(|c| c.name == name).map(|c| c.path)
}

/// A finding about a spec, placed at a container when the evidence names one.
pub fn finding_at_container(
    rule: &Rule,
    spec: &SpecRef<'_>,
    container: Option<&str>,
    rest: &str,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    let path = container.and_then(|c| container_path(spec.spec, c));
    let field = match (&path, rest.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{p}.{rest}"),
        (None, _) => String::new(),
    };
    let f = rule.finding(spec, &field, message, fix);
    match container {
        Some(c) => f.with_container(c),
        None => f,
    }
}

/// `"a", "b"` — names quoted and joined the way Kubernetes messages list them.
pub fn join_quoted<S: AsRef<str>>(names: &[S]) -> String {
    names.iter().map(|n| format!("\"{}\"", n.as_ref())).collect::<Vec<_>>().join(", ")
}

/// The label value `kubernetes.io/os` that the spec requires of its node, from `nodeSelector`
/// or a required node affinity whose every term pins it (`None` when nothing pins the OS).
pub fn required_os(spec: &PodSpec) -> Option<String> {
    if let Some(os) = spec.node_selector.as_ref().and_then(|s| s.get("kubernetes.io/os")) {
        return Some(os.clone());
    }
    let terms = &spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    let mut found: Option<String> = None;
    for term in terms {
        let os = term.match_expressions.iter().flatten().find_map(|e| {
            let values = e.values.as_deref().unwrap_or(&[]);
            (e.key == "kubernetes.io/os" && e.operator == "In" && values.len() == 1).then(|| values[0].clone())
        })?;
        match &found {
            Some(f) if f != &os => return None,
            _ => found = Some(os),
        }
    }
    found
}

/// Whether a node satisfies the spec's nodeSelector and required node affinity.
pub fn node_matches(spec: &PodSpec, node: &Node) -> bool {
    let empty = std::collections::BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    if let Some(sel) = &spec.node_selector
        && sel.iter().any(|(k, v)| labels.get(k) != Some(v))
    {
        return false;
    }
    let Some(req) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref())
    else {
        return true;
    };
    req.node_selector_terms.iter().any(|term| {
        let exprs_ok = term.match_expressions.iter().flatten().all(|e| {
            let values = e.values.as_deref().unwrap_or(&[]);
            let v = labels.get(&e.key);
            match e.operator.as_str() {
                "In" => v.is_some_and(|v| values.contains(v)),
                "NotIn" => v.is_none_or(|v| !values.contains(v)),
                "Exists" => v.is_some(),
                "DoesNotExist" => v.is_none(),
                "Gt" | "Lt" => {
                    let (Some(v), Some(bound)) =
                        (v.and_then(|v| v.parse::<i64>().ok()), values.first().and_then(|b| b.parse::<i64>().ok()))
                    else {
                        return false;
                    };
                    if e.operator == "Gt" { v > bound } else { v < bound }
                }
                _ => false,
            }
        });
        let fields_ok = term.match_fields.iter().flatten().all(|e| {
            let values = e.values.as_deref().unwrap_or(&[]);
            let name = node_name(node).to_string();
            match (e.key.as_str(), e.operator.as_str()) {
                ("metadata.name", "In") => values.contains(&name),
                ("metadata.name", "NotIn") => !values.contains(&name),
                _ => true,
            }
        });
        let empty_term = term.match_expressions.as_ref().is_none_or(|v| v.is_empty())
            && term.match_fields.as_ref().is_none_or(|v| v.is_empty());
        !empty_term && exprs_ok && fields_ok
    })
}

/// Taints that keep pods away (NoSchedule/NoExecute) and that the spec does not tolerate.
/// `daemonset`: also tolerate what the DaemonSet controller adds to its pods.
pub fn untolerated_taints<'a>(spec: &PodSpec, node: &'a Node, daemonset: bool) -> Vec<&'a Taint> {
    const DS_AUTO: &[&str] = &[
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/disk-pressure",
        "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/pid-pressure",
        "node.kubernetes.io/unschedulable",
        "node.kubernetes.io/network-unavailable",
    ];
    let tolerations = spec.tolerations.as_deref().unwrap_or(&[]);
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .filter(|t| !(daemonset && DS_AUTO.contains(&t.key.as_str())))
        .filter(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
        .collect()
}

/// Whether a toleration tolerates a taint (the scheduler's `ToleratesTaint`).
pub fn tolerates(tol: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = tol.effect.as_deref()
        && !effect.is_empty()
        && effect != taint.effect
    {
        return false;
    }
    let key = tol.key.as_deref().unwrap_or("");
    let exists = tol.operator.as_deref() == Some("Exists");
    if key.is_empty() {
        return exists;
    }
    if key != taint.key {
        return false;
    }
    exists || tol.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
}

/// Render a taint as `key=value:Effect`.
pub fn taint_text(t: &Taint) -> String {
    match t.value.as_deref() {
        Some(v) if !v.is_empty() => format!("{}={}:{}", t.key, v, t.effect),
        _ => format!("{}:{}", t.key, t.effect),
    }
}

/// The containerd versions a spec will meet: its node's when it is a scheduled pod, else the
/// `--containerd-version` context, else (live) those of the Windows nodes. Empty if unknown.
pub fn target_containerd(snapshot: &Snapshot, spec: &SpecRef<'_>) -> Vec<Version> {
    if let Some(node) = spec_node(snapshot, spec) {
        return node_containerd(node).into_iter().collect();
    }
    if let Some(v) = snapshot.context.containerd_version.as_deref().and_then(Version::parse) {
        return vec![v];
    }
    snapshot.windows_containerd().to_vec()
}

#[cfg(test)]
pub mod testutil {
    //! Building snapshots for rule unit tests.
    use super::Rule;
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
    pub fn event(kind: &str, name: &str, reason: &str, message: &str, field_path: Option<&str>) -> Event {
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
}

#[cfg(test)]
mod tests {
    use super::testutil::node;
    use super::*;

    #[test]
    fn node_problems_cover_runtime_kubelet_and_build() {
        let bad = node("w1", "windows", "docker://20.10.9", "v1.22.4", "10.0.14393.1", "[]");
        let mut rules: Vec<String> = node_problems(&bad, Some("v1.21.0")).into_iter().map(|f| f.rule).collect();
        rules.dedup();
        assert_eq!(rules, ["HP011", "HP010", "HP012"]);
        let f = &node_problems(&bad, None)[0];
        assert_eq!(f.object, Some(ObjectRef::new("Node", None, "w1")));
        assert_eq!(f.node.as_deref(), Some("w1"));
        let good = node("w2", "windows", "containerd://1.7.20", "v1.33.1", "10.0.20348.2529", "[]");
        assert!(node_problems(&good, Some("v1.33.1")).is_empty());
        let linux = node("l1", "linux", "docker://20.10.9", "v1.20.0", "5.15.0", "[]");
        assert!(node_problems(&linux, None).is_empty());
    }

    #[test]
    fn selectors_and_tolerations() {
        let spec: PodSpec = serde_json::from_str(
            r#"{"containers":[],"nodeSelector":{"kubernetes.io/os":"windows"},
                "tolerations":[{"key":"os","operator":"Equal","value":"windows","effect":"NoSchedule"}]}"#,
        )
        .unwrap();
        let tainted = node(
            "w1",
            "windows",
            "",
            "",
            "",
            r#"[{"key":"os","value":"windows","effect":"NoSchedule"},{"key":"x","effect":"PreferNoSchedule"}]"#,
        );
        assert!(node_matches(&spec, &tainted));
        assert!(untolerated_taints(&spec, &tainted, false).is_empty());
        let other = node(
            "w2",
            "windows",
            "",
            "",
            "",
            r#"[{"key":"node.kubernetes.io/os","value":"windows","effect":"NoSchedule"}]"#,
        );
        assert_eq!(untolerated_taints(&spec, &other, false).len(), 1);
        let linux = node("l1", "linux", "", "", "", "[]");
        assert!(!node_matches(&spec, &linux));
        assert_eq!(required_os(&spec).as_deref(), Some("windows"));
    }

    #[test]
    fn observation_lines() {
        let s = testutil::cluster_pod(
            r#"{"containers":[{"name":"a"}]}"#,
            r#"{"containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":1,
                "state":{"waiting":{"reason":"ErrImagePull","message":"boom"}},
                "lastState":{"terminated":{"exitCode":2,"reason":"Error"}}}]}"#,
        );
        let spec = s.specs().remove(0);
        let lines: Vec<String> = observations(&s, &spec).iter().map(Observation::line).collect();
        assert_eq!(lines, ["ErrImagePull: boom", "Error: exit code 2"]);
    }
}
