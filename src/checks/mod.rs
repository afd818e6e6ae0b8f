//! The HostProcess rule catalogue: one rule a file, each a pure function of a [`Snapshot`].
//!
//! Rule ids (HPnnn) are the public codes from `research/hostprocess-rules.md`. They are stable
//! forever: a rule is retired, never renumbered.

use k8s_openapi::api::core::v1::{
    Container, EnvVar, PodSpec, SecurityContext, VolumeMount, WindowsSecurityContextOptions,
};

use crate::finding::{Finding, Severity};
use crate::snapshot::{Snapshot, SpecRef};

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
    pub fn finding(&self, spec: &SpecRef<'_>, field: &str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
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
    pub fn bare(&self, object: Option<crate::finding::ObjectRef>, message: impl Into<String>, fix: impl Into<String>) -> Finding {
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
    container_windows_options(c)
        .and_then(|w| w.host_process)
        .or_else(|| pod_host_process(spec))
        .unwrap_or(false)
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
pub fn host_process_specs<'a>(snapshot: &'a Snapshot, index: &'a crate::snapshot::SpecIndex) -> Vec<SpecRef<'a>> {
    snapshot.specs(index).into_iter().filter(|s| is_host_process(s.spec)).collect()
}

/// The containerd version of a node's `containerRuntimeVersion` ("containerd://1.7.20" → "1.7.20").
pub fn containerd_version(runtime: &str) -> Option<&str> {
    runtime.strip_prefix("containerd://")
}

#[cfg(test)]
pub mod testutil {
    //! Building snapshots for rule unit tests.
    use super::Rule;
    use crate::snapshot::Snapshot;
    use k8s_openapi::api::core::v1::Pod;

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
}
