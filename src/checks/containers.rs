//! Container views and effective settings: HostProcess semantics ("effective" values follow the
//! API server).

use k8s_openapi::api::core::v1::{
    EnvVar, PodSpec, ResourceRequirements, SecurityContext, VolumeMount, WindowsSecurityContextOptions,
};

use crate::snapshot::{Snapshot, SpecRef};

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
    pub resources: Option<&'a ResourceRequirements>,
    pub init: bool,
}

/// The one constructor of a [`ContainerView`], for all three lists: `Container` and
/// `EphemeralContainer` are distinct types with the same fields.
macro_rules! view {
    ($c:expr, $path:expr, $init:expr) => {
        ContainerView {
            name: &$c.name,
            path: $path,
            image: $c.image.as_deref(),
            command: $c.command.as_ref(),
            args: $c.args.as_ref(),
            working_dir: $c.working_dir.as_deref(),
            env: $c.env.as_ref(),
            volume_mounts: $c.volume_mounts.as_ref(),
            security_context: $c.security_context.as_ref(),
            resources: $c.resources.as_ref(),
            init: $init,
        }
    };
}

/// Init containers, then containers, then ephemeral containers (the API server's and PSA's
/// visiting order).
pub fn containers(spec: &PodSpec) -> Vec<ContainerView<'_>> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push(view!(c, format!("initContainers[{i}]"), true));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(view!(c, format!("containers[{i}]"), false));
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push(view!(c, format!("ephemeralContainers[{i}]"), false));
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
    // As `containers(spec).iter().any(effective_host_process)`, without building the views:
    // every rule asks this of every spec.
    let pod = pod_host_process(spec);
    let own = |sc: Option<&SecurityContext>| sc?.windows_options.as_ref()?.host_process;
    let mut contexts = (spec.init_containers.iter().flatten().map(|c| c.security_context.as_ref()))
        .chain(spec.containers.iter().map(|c| c.security_context.as_ref()))
        .chain(spec.ephemeral_containers.iter().flatten().map(|c| c.security_context.as_ref()))
        .peekable();
    if contexts.peek().is_none() {
        return pod == Some(true);
    }
    contexts.any(|sc| own(sc).or(pod).unwrap_or(false))
}

/// HostProcess specs of the snapshot (pods and workload templates).
pub fn host_process_specs(snapshot: &Snapshot) -> Vec<SpecRef<'_>> {
    snapshot.specs().into_iter().filter(|s| is_host_process(s.spec)).collect()
}

/// The path (`containers[1]` …) of the container named `name` in the spec.
pub fn container_path(spec: &PodSpec, name: &str) -> Option<String> {
    containers(spec).into_iter().find(|c| c.name == name).map(|c| c.path)
}
