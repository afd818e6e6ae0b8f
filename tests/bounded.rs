//! Bounded untrusted input (issue #14): under a memory limit (512 MiB of address space) and a
//! time limit, hostile inputs end with a clear error or a result, never an out-of-memory kill
//! or a hang. Inputs are generated here (no multi-MB files in the repository).
#![cfg(target_os = "linux")]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const MEMORY_KIB: u64 = 512 * 1024;
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Run the binary with `args` under `ulimit -v` and the time limit; the output, or a panic
/// saying which limit it hit.
fn run_bounded(args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_kubectl-hostprocess");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Drain both pipes on threads so a large output cannot block the child.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        so.read_to_end(&mut b).ok();
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        se.read_to_end(&mut b).ok();
        b
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > TIME_LIMIT {
            child.kill().ok();
            child.wait().ok();
            panic!("{args:?} still running after {TIME_LIMIT:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = Output { status, stdout: out_t.join().unwrap(), stderr: err_t.join().unwrap() };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{args:?} ended with {:?} after {:?} (out of memory or a crash?): {}",
        out.status,
        start.elapsed(),
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    out
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

const POD_HEAD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  namespace: default\nspec:\n  securityContext:\n    windowsOptions:\n      hostProcess: true\n  containers:\n  - name: c\n    image: x\n";

/// Lint a file, JSON output, bounded; the findings.
fn lint(path: &Path) -> Vec<serde_json::Value> {
    let out = run_bounded(&["lint", "-o", "json", "-f", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out)["findings"].as_array().unwrap().clone()
}

/// One 4 MiB key over 100,000 values: the sum of the values' paths would be 400 GB.
#[test]
fn lint_a_huge_key_over_many_values_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from(POD_HEAD);
    // An explicit key (`? KEY`): a plain key is limited to 1024 characters by the parser.
    y.push_str("  ? ");
    y.push_str(&"k".repeat(4 << 20));
    y.push_str("\n  :\n");
    for _ in 0..100_000 {
        y.push_str("  - 1\n");
    }
    let p = dir.path().join("big-key.yaml");
    std::fs::write(&p, &y).unwrap();
    let findings = lint(&p);
    // HP001 (no hostNetwork) still points at the pod's spec, line 6.
    let hp001 = findings.iter().find(|f| f["rule"] == "HP001").expect("HP001");
    assert_eq!(hp001["location"]["line"], 6, "{hp001:#}");
}

/// 62 nested 1,000-character keys over many leaves: 62 kB of path for each leaf.
#[test]
fn lint_deeply_nested_long_keys_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from(POD_HEAD);
    let mut indent = String::from("  ");
    for i in 0..60 {
        y.push_str(&format!("{indent}{}{i}:\n", "n".repeat(1000)));
        indent.push(' ');
    }
    for i in 0..100_000 {
        y.push_str(&format!("{indent}l{i}: 1\n"));
    }
    let p = dir.path().join("deep.yaml");
    std::fs::write(&p, &y).unwrap();
    let findings = lint(&p);
    assert!(findings.iter().any(|f| f["rule"] == "HP001"), "{findings:#?}");
    // Several such files: linted on worker threads too (`load::lint_files`), whose stacks must
    // hold what the main thread's does.
    let many = dir.path().join("many");
    std::fs::create_dir(&many).unwrap();
    for i in 0..4 {
        std::fs::write(many.join(format!("deep{i}.yaml")), &y).unwrap();
    }
    let findings = lint(&many);
    assert_eq!(findings.iter().filter(|f| f["rule"] == "HP001").count(), 4, "{findings:#?}");
}

/// Two links to `.` inside the directory `lint -R` walks: each file is linted once.
#[test]
fn lint_recursive_with_symlink_loops_ends() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("m");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("a.yaml"), POD_HEAD).unwrap();
    std::fs::write(root.join("sub/b.yaml"), POD_HEAD.replace("name: big", "name: other")).unwrap();
    std::os::unix::fs::symlink(".", root.join("l1")).unwrap();
    std::os::unix::fs::symlink(".", root.join("l2")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
    let out = run_bounded(&["lint", "-R", "-o", "json", "-f", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    let mut files: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "HP001")
        .map(|f| f["location"]["file"].as_str().unwrap().to_string())
        .collect();
    files.sort();
    let a = root.join("a.yaml").display().to_string();
    let b = root.join("sub/b.yaml").display().to_string();
    assert_eq!(files, vec![a, b], "each file once, never through a link");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for link in ["l1", "l2", "sub/up"] {
        let note = format!("note: {}: a symbolic link to a directory, not followed", root.join(link).display());
        assert!(stderr.contains(&note), "{stderr}");
    }
}

/// A ReplicaSet that names itself as its controller, and two pods it owns.
const OWNER_CYCLE: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: loop
    namespace: ns
    uid: u-loop
    ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: loop, uid: u-loop, controller: true}
  spec:
    selector: {matchLabels: {app: loop}}
    template:
      metadata: {labels: {app: loop}}
      spec:
        securityContext: {windowsOptions: {hostProcess: true}}
        containers: [{name: c, image: x}]
- apiVersion: v1
  kind: Pod
  metadata:
    name: loop-a
    namespace: ns
    uid: u-a
    ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: loop, uid: u-loop, controller: true}
  spec:
    securityContext: {windowsOptions: {hostProcess: true}}
    containers: [{name: c, image: x}]
- apiVersion: v1
  kind: Pod
  metadata:
    name: loop-b
    namespace: ns
    uid: u-b
    ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: loop, uid: u-loop, controller: true}
  spec:
    securityContext: {windowsOptions: {hostProcess: true}}
    containers: [{name: c, image: x}]
"#;

#[test]
fn doctor_on_an_owner_cycle_ends() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cycle.yaml");
    std::fs::write(&p, OWNER_CYCLE).unwrap();
    let p = p.to_str().unwrap();
    for (target, objects) in [
        ("replicaset/loop", &["loop", "loop-a", "loop-b"][..]),
        ("pod/loop-a", &["loop-a"][..]),
        ("loop-b", &["loop-b"][..]),
    ] {
        let out = run_bounded(&["doctor", "-A", "-o", "json", "--from-file", p, target]);
        assert_eq!(out.status.code(), Some(1), "{target}: {}", String::from_utf8_lossy(&out.stderr));
        let v = json(&out);
        let mut names: Vec<&str> =
            v["findings"].as_array().unwrap().iter().map(|f| f["object"]["name"].as_str().unwrap()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names, objects, "{target}");
    }
}
