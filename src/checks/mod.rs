//! The HostProcess rule catalogue: one rule a file, each a pure function of a [`Snapshot`].
//!
//! Rule ids (HPnnn) are the public codes. They are stable forever: a rule is retired, never
//! renumbered. This file is the registry; the helpers the rules share live in `containers`,
//! `evidence`, `nodes` and `scheduling`, and `node_rules` composes the three node rules.

use crate::finding::Finding;
use crate::snapshot::Snapshot;

pub mod containers;
pub mod evidence;
pub mod node_rules;
pub mod nodes;
pub mod rule;
pub mod scheduling;
#[cfg(test)]
pub mod testutil;

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

/// Kept at `checks::is_host_process`: `doctor` counts HostProcess objects with it.
pub use containers::is_host_process;
pub use rule::Rule;

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
