//! The corpus of real failure reports (`tests/corpus/`, see its README): each case is a public
//! report rebuilt as a `kubectl cluster-info dump` bundle; `doctor --from-file` must name the
//! report's root cause first, with the log line (or status text) quoted, on every bundle shape.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn doctor(inputs: &[&Path]) -> serde_json::Value {
    let mut c = Command::cargo_bin("kubectl-hostprocess").expect("binary");
    c.env_remove("KUBECONFIG").env("NO_COLOR", "1").args(["doctor", "-A", "-o", "json"]);
    for i in inputs {
        c.arg("--from-file").arg(i);
    }
    let out = c.output().expect("run");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

struct Case {
    id: String,
    input: PathBuf,
    object: (String, String, String),
    rule: String,
    signature: Option<String>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus()).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for d in dirs.into_iter().filter(|d| d.join("case.json").is_file()) {
        let c: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("case.json")).unwrap()).unwrap();
        let e = &c["expect"];
        let mut o = e["object"].as_str().unwrap().splitn(3, '/').map(str::to_string);
        let object = (o.next().unwrap(), o.next().unwrap(), o.next().unwrap());
        assert!(c["source"].as_str().unwrap().starts_with("https://"), "{d:?} names its source");
        out.push(Case {
            id: c["id"].as_str().unwrap().to_string(),
            input: d.join(if c["form"] == "stream" { "dump.txt" } else { "dump" }),
            object,
            rule: e["rule"].as_str().unwrap().to_string(),
            signature: e["signature"].as_str().map(str::to_string),
        });
    }
    out
}

/// The findings about the case's object, as doctor ordered them (root cause first).
fn about<'a>(v: &'a serde_json::Value, case: &Case) -> Vec<&'a serde_json::Value> {
    let (kind, ns, name) = &case.object;
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["object"]["kind"] == kind.as_str() && f["object"]["namespace"] == ns.as_str())
        .filter(|f| f["object"]["name"] == name.as_str())
        .collect()
}

fn check(case: &Case, v: &serde_json::Value) {
    let fs = about(v, case);
    let first = fs.first().unwrap_or_else(|| panic!("{}: no finding about {:?}", case.id, case.object));
    assert_eq!(first["severity"], "error", "{}: {first:#}", case.id);
    assert_eq!(first["rule"], case.rule.as_str(), "{}: root cause {first:#}", case.id);
    if let Some(sig) = &case.signature {
        let tag = format!("[{sig}]");
        assert!(
            first["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains(&tag)),
            "{}: the quoted line is tagged {tag}: {first:#}",
            case.id
        );
    }
    // The generic crash-loop finding, when there is one, comes after the root cause.
    if let Some(i) = fs.iter().position(|f| f["rule"] == "HP019" && f["severity"] == "warning") {
        assert!(i > 0, "{}: HP019's generic finding is not first", case.id);
    }
}

#[test]
fn every_case_gets_its_root_cause_first() {
    let cases = cases();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    for case in &cases {
        check(case, &doctor(&[&case.input]));
    }
}

/// All the bundles at once (`--from-file` repeated) give each case the same root cause.
#[test]
fn many_bundles_in_one_run() {
    let cases = cases();
    let inputs: Vec<&Path> = cases.iter().map(|c| c.input.as_path()).collect();
    let v = doctor(&inputs);
    for case in &cases {
        check(case, &v);
    }
}

/// The directory form packed as `.tar.gz` and `.zip` reads like the directory.
#[test]
fn archives_of_the_directory_form() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases().iter().filter(|c| c.input.is_dir()) {
        let tgz = dir.path().join(format!("{}.tar.gz", case.id));
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            std::fs::File::create(&tgz).unwrap(),
            flate2::Compression::fast(),
        ));
        tar.append_dir_all("cluster-info", &case.input).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        check(case, &doctor(&[&tgz]));

        let zip_path = dir.path().join(format!("{}.zip", case.id));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut files = Vec::new();
        walk(&case.input, &mut files);
        for f in files {
            let name = f.strip_prefix(&case.input).unwrap().to_string_lossy().replace('\\', "/");
            zip.start_file(name, opts).unwrap();
            std::io::Write::write_all(&mut zip, &std::fs::read(&f).unwrap()).unwrap();
        }
        zip.finish().unwrap();
        check(case, &doctor(&[&zip_path]));
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

/// What a `cluster-info dump` cannot carry is said on stderr, not guessed.
#[test]
fn what_the_bundle_lacks_is_said() {
    let case = &cases()[0];
    let mut c = Command::cargo_bin("kubectl-hostprocess").unwrap();
    let out = c.env_remove("KUBECONFIG").args(["doctor", "-A", "--from-file"]).arg(&case.input).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("note: the input has no Namespace objects"), "{err}");
    assert!(err.contains("Pod Security levels are unknown"), "{err}");
    assert!(err.contains("container logs; 1 of them, of failing containers, were read"), "{err}");
}

/// A broken bundle is one clear message and exit 2: a corrupt archive, a JSON list broken at a
/// line (named with its column), a path that does not exist.
#[test]
fn bad_bundles_exit_2_with_their_message() {
    let dir = tempfile::tempdir().unwrap();
    let tgz = dir.path().join("bundle.tar.gz");
    std::fs::write(&tgz, "not gzip").unwrap();
    let zip = dir.path().join("bundle.zip");
    std::fs::write(&zip, b"PK\x03\x04junk").unwrap();
    let stream = dir.path().join("dump.txt");
    std::fs::write(&stream, "{\n  \"kind\": \"PodList\",\n  \"items\": [ {\"metadata\": {\"name\": oops}} ]\n}\n")
        .unwrap();
    let cases: [(&Path, String); 4] = [
        (&tgz, format!("cannot read {}: not a readable archive", tgz.display())),
        (&zip, format!("cannot read {}: not a readable archive", zip.display())),
        (&stream, format!("{}:3:36: invalid YAML/JSON: expected value", stream.display())),
        (Path::new("/no/such/bundle"), "cannot read /no/such/bundle".to_string()),
    ];
    for (input, want) in cases {
        let mut c = Command::cargo_bin("kubectl-hostprocess").unwrap();
        let out = c.env_remove("KUBECONFIG").args(["doctor", "-A", "--from-file"]).arg(input).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{input:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&want), "{input:?}: {err}");
        assert!(err.lines().any(|l| l.starts_with("hint: ")), "{err}");
        assert!(out.stdout.is_empty());
    }
}
