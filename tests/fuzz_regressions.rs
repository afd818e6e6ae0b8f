//! Replays the inputs the fuzz targets (fuzz/fuzz_targets/) crashed on once, kept in
//! `fuzz/regressions/<target>/`, through the same calls as the targets: none may panic, and
//! none may take more than a minute. See fuzz/README.md.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use kubectl_hostprocess::fuzzing;

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
            let ok = std::panic::catch_unwind(|| fuzzing::run(&target, &data)).is_ok();
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
