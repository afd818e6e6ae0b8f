//! Fuzz target: `doctor --from-file` after the read: the dump (`load_dump_bytes`, as a
//! `cluster-info dump` / YAML / JSON text) → `diagnose` (every check, owner walks to the
//! targets) → the human and JSON reports. Any panic, timeout or out-of-memory is a bug.
//!
//! Input layout: byte 0 picks the targets (bits 0–1: none, the first pod, the first workload,
//! the first node of the snapshot; bit 2: scope to `kube-system` as `-n` does); the rest is the
//! dump.
#![no_main]

use std::collections::HashMap;

use kubectl_hostprocess::commands::doctor::{Target, diagnose};
use kubectl_hostprocess::finding::Report;
use kubectl_hostprocess::load::load_dump_bytes;
use kubectl_hostprocess::output::report::{ReportFormat, render};
use kubectl_hostprocess::snapshot::{Snapshot, node_name};
use libfuzzer_sys::fuzz_target;

fn targets(selector: u8, s: &Snapshot) -> Vec<Target> {
    let t = |kind: &str, name: Option<&str>| Target { kind: kind.to_string(), name: name.unwrap_or("x").to_string() };
    match selector % 4 {
        1 => s.pods.first().map(|p| t("Pod", p.metadata.name.as_deref())).into_iter().collect(),
        2 => s.workloads.first().map(|w| t(&w.kind, w.metadata.name.as_deref())).into_iter().collect(),
        3 => s.nodes.first().map(|n| t("Node", Some(node_name(n)))).into_iter().collect(),
        _ => Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let namespace = (selector & 4 != 0).then_some("kube-system");
    let Ok(snapshot) = load_dump_bytes("dump.txt", rest, namespace) else {
        return;
    };
    let targets = targets(selector, &snapshot);
    let Ok(findings) = diagnose(&snapshot, &targets, namespace.is_none()) else {
        return;
    };
    let _ = kubectl_hostprocess::output::doctor::render_human(&findings, &snapshot);
    let _ = render(&Report::new(findings), ReportFormat::Json, &HashMap::new());
});
