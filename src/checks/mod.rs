//! The HostProcess rule catalogue: one rule a file, each a pure function of a [`Snapshot`].
//!
//! Rule ids (HPnnn) are the public codes. They are stable forever: a rule is retired, never
//! renumbered. This file is the registry; the helpers the rules share live in `containers`,
//! `evidence`, `nodes` and `scheduling`, and `node_rules` composes the three node rules.

use crate::finding::Finding;
use crate::snapshot::Snapshot;

pub mod containers;
pub mod evidence;
pub mod logs;
pub mod node_rules;
pub mod nodes;
pub mod rule;
pub mod scheduling;
pub mod signature;
pub mod signatures;
#[cfg(test)]
pub mod testutil;

/// Kept at `checks::is_host_process`: `doctor` counts HostProcess objects with it.
pub use containers::is_host_process;
pub use rule::Rule;

/// The registry: each rule's module, in id order. Adding a rule is its file plus one line here.
macro_rules! registry {
    ($($rule:ident),* $(,)?) => {
        $(pub mod $rule;)*

        /// Every rule, in id order.
        pub fn all() -> &'static [&'static Rule] {
            static ALL: &[&Rule] = &[$(&$rule::RULE),*];
            ALL
        }
    };
}

registry! {
    hp001_host_network,
    hp002_all_or_none,
    hp003_pod_container_mismatch,
    hp004_linux_only_fields,
    hp005_run_as_user_name_syntax,
    hp006_run_as_user_name_identity,
    hp007_pod_security,
    hp008_windows_placement,
    hp009_scheduling,
    hp010_container_runtime,
    hp011_kubernetes_version,
    hp012_windows_build,
    hp013_runtime_environment,
    hp014_volume_mounts,
    hp015_pipe_socket_mounts,
    hp016_host_paths,
    hp017_image,
    hp018_resources,
    hp019_crash_loop,
    hp020_host_network_service,
    hp021_workload_api_access,
    hp022_controller_cannot_create_pods,
    hp023_node_service_down,
    hp024_containerd_cni_bin_dir,
    hp025_hns_nat_network,
    hp026_node_disk_full,
    hp027_node_log_errors,
    hp028_pod_level_resources,
}

/// Look a rule up by id (case-insensitive) or by name.
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name == id_or_name)
}

/// Run every rule over the snapshot. Findings are sorted by object, then rank, then rule id.
pub fn run(snapshot: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in all() {
        let start = out.len();
        (rule.check)(snapshot, &mut out);
        logs::findings(rule, snapshot, &mut out, start);
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

#[cfg(test)]
mod tests {
    /// The registry lists each rule once, in id order, and each module's id matches its file.
    #[test]
    fn registry_is_in_id_order_with_unique_ids_and_names() {
        let ids: Vec<&str> = super::all().iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        let mut names: Vec<&str> = super::all().iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ids.len());
        assert!(super::all().iter().all(|r| super::find(r.id).is_some_and(|f| f.name == r.name)));
    }
}
