//! Replays the inputs the fuzz targets (fuzz/fuzz_targets/) crashed on once, kept in
//! `fuzz/regressions/<target>/`, through the same calls as the targets: none may panic, and
//! none may take more than a minute. See fuzz/README.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kubectl_hostprocess::commands::doctor::{Target, diagnose};
use kubectl_hostprocess::finding::Report;
use kubectl_hostprocess::kube::collect::decode_page;
use kubectl_hostprocess::kube::lean::{LeanEvent, LeanPod};
use kubectl_hostprocess::load::{lint_text, load_dump_bytes};
use kubectl_hostprocess::output::report::{ReportFormat, render};
use kubectl_hostprocess::snapshot::{Context, PsaLevel, node_name};

/// What each target does with one input (as fuzz/fuzz_targets/<target>.rs).
fn run(target: &str, data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let namespace = (selector & 4 != 0).then_some("kube-system");
    match target {
        "lint" => {
            let context = match selector % 4 {
                0 => Context::default(),
                1 => Context {
                    psa_level: Some(PsaLevel::Baseline),
                    containerd_version: Some("1.6.28".into()),
                    windows_build: Some("10.0.17763".into()),
                },
                2 => Context {
                    psa_level: Some(PsaLevel::Restricted),
                    containerd_version: Some("containerd://2.0.0-rc.1".into()),
                    windows_build: Some("10.0.26100.1742".into()),
                },
                _ => Context {
                    psa_level: Some(PsaLevel::Privileged),
                    containerd_version: Some("1.7".into()),
                    windows_build: Some("not-a-build".into()),
                },
            };
            let _ = lint_text("fuzz.yaml", &String::from_utf8_lossy(rest), &context);
        }
        "dump" => {
            let name = ["dump.txt", "bundle.tar.gz", "bundle.zip", "dump.txt"][usize::from(selector % 4)];
            let _ = load_dump_bytes(name, rest, namespace);
        }
        "doctor" => {
            let Ok(s) = load_dump_bytes("dump.txt", rest, namespace) else { return };
            let t = |kind: &str, name: Option<&str>| Target { kind: kind.into(), name: name.unwrap_or("x").into() };
            let targets: Vec<Target> = match selector % 4 {
                1 => s.pods.first().map(|p| t("Pod", p.metadata.name.as_deref())).into_iter().collect(),
                2 => s.workloads.first().map(|w| t(&w.kind, w.metadata.name.as_deref())).into_iter().collect(),
                3 => s.nodes.first().map(|n| t("Node", Some(node_name(n)))).into_iter().collect(),
                _ => Vec::new(),
            };
            let Ok(findings) = diagnose(&s, &targets, namespace.is_none()) else { return };
            let _ = kubectl_hostprocess::output::doctor::render_human(&findings, &s);
            let _ = render(&Report::new(findings), ReportFormat::Json, &HashMap::new());
        }
        "page" => {
            let limit = usize::from(selector / 4) * 100;
            fn twice<L: kube::Resource + serde::de::DeserializeOwned, K: From<L>>(body: &[u8], limit: usize) {
                let mut out: Vec<K> = Vec::new();
                if decode_page::<L, K>(body, &mut out, limit).is_ok() {
                    let _ = decode_page::<L, K>(body, &mut out, limit);
                }
            }
            match selector % 4 {
                0 => twice::<LeanPod, Pod>(rest, limit),
                1 => twice::<LeanEvent, Event>(rest, limit),
                2 => twice::<Node, Node>(rest, limit),
                _ => twice::<DaemonSet, DaemonSet>(rest, limit),
            }
        }
        "duration" => {
            let _ = kubectl_hostprocess::cli::parse_duration(&String::from_utf8_lossy(data));
        }
        other => panic!("fuzz/regressions/{other}: no such fuzz target"),
    }
}

/// The files under fuzz/regressions/ with their target (the directory name).
fn inputs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap().flatten().filter(|d| d.path().is_dir()) {
        let target = dir.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
            out.push((target.clone(), f.path()));
        }
    }
    out.sort();
    out
}

fn replay(inputs: Vec<(String, PathBuf)>) {
    assert!(!inputs.is_empty(), "fuzz/regressions/ holds the crashes found so far");
    for (target, path) in inputs {
        let data = std::fs::read(&path).unwrap();
        let (tx, rx) = mpsc::channel();
        let name = path.display().to_string();
        std::thread::spawn(move || {
            let ok = std::panic::catch_unwind(|| run(&target, &data)).is_ok();
            let _ = tx.send(ok);
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(true) => {}
            Ok(false) => panic!("{name}: panicked (see above)"),
            Err(_) => panic!("{name}: still running after 60 s"),
        }
    }
}

#[test]
fn every_fuzz_regression_ends_without_a_panic_within_a_minute() {
    replay(inputs());
}
