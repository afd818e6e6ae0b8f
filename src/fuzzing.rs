//! What each cargo-fuzz target (fuzz/fuzz_targets/) does with one input, in one place: the
//! targets call these, and `tests/fuzz_regressions.rs` replays the inputs that once crashed
//! them through the same calls. Not part of the plugin's interface. Input layouts and how to
//! run the fuzzers: fuzz/README.md. `Err(..)` is an answer; a panic, a hang or unbounded memory
//! is a bug.

use std::collections::HashMap;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Event, Node, Pod};

use crate::commands::doctor::{Target, diagnose};
use crate::finding::Report;
use crate::kube::collect::decode_page;
use crate::kube::lean::{LeanEvent, LeanPod};
use crate::load::{lint_text, load_dump_bytes};
use crate::output::report::{ReportFormat, render};
use crate::snapshot::{Context, PsaLevel, Snapshot, node_name};

/// The fuzz targets, by name.
pub const TARGETS: &[&str] = &["lint", "dump", "doctor", "page", "duration"];

/// Run target `name` on `data`. Panics on an unknown name.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "lint" => lint(data),
        "dump" => dump(data),
        "doctor" => doctor(data),
        "page" => page(data),
        "duration" => duration(data),
        other => panic!("no fuzz target named {other} (the targets: {TARGETS:?})"),
    }
}

/// `lint`: byte 0 % 4 picks the offline context (as `--psa-level`, `--containerd-version`,
/// `--windows-build` would give), the rest is the manifest text.
pub fn lint(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let _ = lint_text("fuzz.yaml", &String::from_utf8_lossy(rest), &lint_context(selector));
}

fn lint_context(selector: u8) -> Context {
    let context = |psa, containerd: &str, build: &str| Context {
        psa_level: Some(psa),
        containerd_version: Some(containerd.into()),
        windows_build: Some(build.into()),
    };
    match selector % 4 {
        // What `lint FILE` uses with no flags.
        0 => Context::default(),
        1 => context(PsaLevel::Baseline, "1.6.28", "10.0.17763"),
        2 => context(PsaLevel::Restricted, "containerd://2.0.0-rc.1", "10.0.26100.1742"),
        _ => context(PsaLevel::Privileged, "1.7", "not-a-build"),
    }
}

/// Bit 2 of byte 0 scopes a dump to a namespace, as `-n kube-system` does.
fn namespace(selector: u8) -> Option<&'static str> {
    (selector & 4 != 0).then_some("kube-system")
}

/// `dump`: the `doctor --from-file` readers on bytes in memory; byte 0 % 4 picks how the rest
/// is read (a text dump, a .tar.gz or a .zip bundle).
pub fn dump(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let name = ["dump.txt", "bundle.tar.gz", "bundle.zip", "dump.txt"][usize::from(selector % 4)];
    let _ = load_dump_bytes(name, rest, namespace(selector));
}

/// `doctor`: a text dump read, diagnosed (byte 0 % 4: no target, the first pod, the first
/// workload, the first node) and rendered as human and JSON output.
pub fn doctor(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let namespace = namespace(selector);
    let Ok(snapshot) = load_dump_bytes("dump.txt", rest, namespace) else { return };
    let targets = doctor_targets(selector, &snapshot);
    let Ok(findings) = diagnose(&snapshot, &targets, namespace.is_none()) else { return };
    let _ = crate::output::doctor::render_human(&findings, &snapshot);
    let _ = render(&Report::new(findings), ReportFormat::Json, &HashMap::new());
}

fn doctor_targets(selector: u8, s: &Snapshot) -> Vec<Target> {
    let t = |kind: &str, name: Option<&str>| Target { kind: kind.into(), name: name.unwrap_or("x").into() };
    match selector % 4 {
        1 => s.pods.first().map(|p| t("Pod", p.metadata.name.as_deref())).into_iter().collect(),
        2 => s.workloads.first().map(|w| t(&w.kind, w.metadata.name.as_deref())).into_iter().collect(),
        3 => s.nodes.first().map(|n| t("Node", Some(node_name(n)))).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// `page`: the LIST page decoder on a response body; byte 0 % 4 picks the type, byte 0 / 4 the
/// page size asked for (× 100, 0 = none). Each body is decoded twice onto one list, as two pages.
pub fn page(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else { return };
    let limit = usize::from(selector / 4) * 100;
    match selector % 4 {
        0 => twice::<LeanPod, Pod>(body, limit),
        1 => twice::<LeanEvent, Event>(body, limit),
        2 => twice::<Node, Node>(body, limit),
        _ => twice::<DaemonSet, DaemonSet>(body, limit),
    }
}

fn twice<L: kube::Resource + serde::de::DeserializeOwned, K: From<L>>(body: &[u8], limit: usize) {
    let mut out: Vec<K> = Vec::new();
    if decode_page::<L, K>(body, &mut out, limit).is_ok() {
        let _ = decode_page::<L, K>(body, &mut out, limit);
    }
}

/// `duration`: the parser of `--timeout`, `--request-timeout` and the other duration flags; all
/// of the input is the text.
pub fn duration(data: &[u8]) {
    let _ = crate::flag_values::parse_duration(&String::from_utf8_lossy(data));
}
