//! The `doctor --from-file` source: what support engineers are sent, read as data (no
//! positions) into the same snapshot the live cluster gives.
//!
//! Accepted, and given more than once if need be: `kubectl get … -o yaml|json` output; the
//! single-file output of `kubectl cluster-info dump [-A]` (lists and container logs, see
//! [`super::cluster_info`]); its `--output-directory` tree, or any directory of such files;
//! and `.tar.gz`/`.tgz`/`.zip` archives of any of these. JSON lists and logs are streamed; only
//! the logs of failing containers are kept, so memory follows the snapshot, not the bundle.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::archive::{Archive, for_each_entry, for_each_file};
use super::bundle_nodes::{NodeBundle, maybe_manifest, node_item};
use super::cluster_info::{DumpError, Item, read_stream, yaml_options};
use super::input::read_text;
use super::objects::Loaded;
use crate::checks::logs::failing_containers;
use crate::error::{Error, Result};
use crate::snapshot::{ContainerLog, Snapshot, Source};

/// The kubectl command whose output `--from-file` reads.
pub const DUMP_COMMAND: &str = "kubectl get nodes,namespaces,pods,events,daemonsets,deployments,replicasets,statefulsets,jobs -A -o yaml > dump.yaml";

pub use super::cluster_info::MAX_DUMP_BYTES;

/// Logs kept while their pods are not known yet, at most (the rest are dropped and counted).
const MAX_PENDING_LOG_BYTES: usize = 128 * 1024 * 1024;

/// Fill a Snapshot from one dump (`-` is stdin). With `namespace`, keep only the pods,
/// workloads, events and logs of that namespace, as a namespaced live run would see them.
pub fn load_dump(path: &Path, namespace: Option<&str>) -> Result<Snapshot> {
    load_dumps(&[path.to_path_buf()], namespace)
}

/// Fill one Snapshot from every input given (files, directories, archives; `-` is stdin).
pub fn load_dumps(paths: &[PathBuf], namespace: Option<&str>) -> Result<Snapshot> {
    let mut c = Collector::default();
    for p in paths {
        c.path(p)?;
    }
    c.finish(namespace)
}

/// Fill a Snapshot from one input held in memory, read as a file named `name` would be: a
/// `.tar.gz`/`.tgz`/`.zip` name is an archive, anything else one dump (YAML, JSON, a
/// `cluster-info dump` stream). For tests and fuzzing: the same readers as [`load_dumps`].
pub fn load_dump_bytes(name: &str, bytes: &[u8], namespace: Option<&str>) -> Result<Snapshot> {
    let mut c = Collector::default();
    match Archive::of(Path::new(name)) {
        Some(kind) => for_each_entry(Path::new(name), kind, std::io::Cursor::new(bytes), &mut |n, r| c.reader(n, r))?,
        None => c.reader(name, &mut { bytes })?,
    }
    c.finish(namespace)
}

/// Accumulates the objects and logs of every input.
#[derive(Default)]
struct Collector {
    loaded: Loaded,
    /// Objects added so far (numbers them in error messages).
    objects: usize,
    /// Pods indexed so far: (namespace, name) → their failing containers.
    failing: HashMap<(String, String), HashSet<String>>,
    indexed: usize,
    /// Logs whose pod was not seen yet (archive order need not put pods first), and their size.
    pending: Vec<ContainerLog>,
    pending_bytes: usize,
    /// Logs dropped because the pending ones passed [`MAX_PENDING_LOG_BYTES`].
    dropped_logs: usize,
    logs_read: usize,
    /// The node part of a `collect` bundle (`_hostprocess/nodes/…`, `manifest.json`).
    nodes: NodeBundle,
}

impl Collector {
    fn path(&mut self, path: &Path) -> Result<()> {
        if path.as_os_str() == "-" {
            return self.reader("<stdin>", &mut std::io::stdin().lock());
        }
        let meta =
            std::fs::metadata(path).map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            // Lists before logs, so each log finds its pod.
            files.sort_by_key(|f| (f.file_name().is_some_and(|n| n == "logs.txt"), f.clone()));
            for f in files {
                self.file(&f)?;
            }
            return Ok(());
        }
        self.file(path)
    }

    fn file(&mut self, path: &Path) -> Result<()> {
        if let Some(kind) = Archive::of(path) {
            return for_each_file(path, kind, &mut |name, r| self.reader(name, r));
        }
        let f = std::fs::File::open(path).map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
        self.reader(&path.display().to_string(), &mut BufReader::new(f))
    }

    /// One input file: a bundle's node item or manifest, else a dump.
    fn reader(&mut self, name: &str, r: &mut dyn Read) -> Result<()> {
        if let Some((node, item)) = node_item(name) {
            return self.nodes.item(name, &node, &item, r);
        }
        // Anything else of a bundle's node part (`_hostprocess/…`) is not Kubernetes objects.
        if name.split(['/', '\\', ':']).any(|c| c == "_hostprocess") {
            return Ok(());
        }
        if maybe_manifest(name) {
            let mut head = Vec::new();
            r.take(64 << 20)
                .read_to_end(&mut head)
                .map_err(|e| Error::ReadInput { path: name.into(), reason: e.to_string() })?;
            if self.nodes.manifest(&head) {
                return Ok(());
            }
            return self.dump_reader(name, &mut head.as_slice().chain(r));
        }
        self.dump_reader(name, r)
    }

    /// One input stream: JSON objects and log sections are streamed, YAML parsed whole.
    fn dump_reader(&mut self, name: &str, r: &mut dyn Read) -> Result<()> {
        let mut r = BufReader::with_capacity(256 * 1024, r);
        let io = |e: std::io::Error| Error::ReadInput { path: name.into(), reason: e.to_string() };
        let head = String::from_utf8_lossy(r.fill_buf().map_err(io)?).trim_start().chars().next();
        if matches!(head, Some('{') | Some('=')) {
            return self.stream(name, r);
        }
        let text = read_text(Path::new(name), &mut r, MAX_DUMP_BYTES)?;
        // Decoded from UTF-16 or past a byte order mark, JSON and log sections show only now.
        if matches!(text.trim_start().chars().next(), Some('{') | Some('='))
            || text.contains("\n==== START logs for container ")
        {
            // `cluster-info dump -o yaml`: YAML documents with log sections between them.
            return self.stream(name, text.as_bytes());
        }
        let values = parse_dump(name, &text)?;
        drop(text);
        let doc = self.loaded.begin_document(name);
        for v in &values {
            self.objects += 1;
            self.loaded.add_object(name, doc, self.objects - 1, v);
        }
        self.index_pods();
        Ok(())
    }

    fn stream(&mut self, name: &str, r: impl BufRead) -> Result<()> {
        let doc = self.loaded.begin_document(name);
        let result = read_stream(r, &mut |item| match item {
            Item::Object { kind, mut value } => {
                if let Value::Object(m) = &mut value {
                    m.entry("kind").or_insert_with(|| Value::String(kind));
                }
                self.objects += 1;
                self.loaded.add_object(name, doc, self.objects - 1, &value);
            }
            // Logs follow their pods in a cluster-info dump: index the new pods, keep what fails.
            Item::Log(l) => {
                self.index_pods();
                self.log(l);
            }
        });
        self.index_pods();
        result.map_err(|e| match e {
            DumpError::Io(e) => Error::ReadInput { path: name.into(), reason: e.to_string() },
            DumpError::Json { line, column, message, .. } | DumpError::Yaml { line, column, message, .. } => {
                Error::Parse { file: name.to_string(), line: line as u64, column: column as u64, message }
            }
        })
    }

    /// Index the pods added since the last call by their failing containers.
    fn index_pods(&mut self) {
        for pod in &self.loaded.snapshot.pods[self.indexed..] {
            let key =
                (pod.metadata.namespace.clone().unwrap_or_default(), pod.metadata.name.clone().unwrap_or_default());
            self.failing.insert(key, failing_containers(pod).into_iter().map(|f| f.name).collect());
        }
        self.indexed = self.loaded.snapshot.pods.len();
    }

    /// Keep a log when its container fails (or its pod is not known yet).
    fn log(&mut self, log: ContainerLog) {
        self.logs_read += 1;
        match self.failing.get(&(log.namespace.clone(), log.pod.clone())) {
            Some(failing) if failing.contains(&log.container) => self.loaded.snapshot.logs.push(log),
            Some(_) => {}
            None => {
                let bytes: usize = log.lines.iter().map(|l| l.len() + 1).sum();
                if self.pending_bytes + bytes > MAX_PENDING_LOG_BYTES {
                    self.dropped_logs += 1;
                } else {
                    self.pending_bytes += bytes;
                    self.pending.push(log);
                }
            }
        }
    }

    fn finish(mut self, namespace: Option<&str>) -> Result<Snapshot> {
        if let Some(e) = self.loaded.problems.drain(..).next() {
            return Err(e);
        }
        self.index_pods();
        for l in std::mem::take(&mut self.pending) {
            let failing = self.failing.get(&(l.namespace.clone(), l.pod.clone()));
            if failing.is_some_and(|f| f.contains(&l.container)) {
                self.loaded.snapshot.logs.push(l);
            }
        }
        let mut s = self.loaded.snapshot;
        s.source = Source::Cluster;
        std::mem::take(&mut self.nodes).finish(&mut s);
        // A dump has no fragments; anything without a kind was skipped.
        s.fragments.clear();
        s.partial.clear();
        if let Some(ns) = namespace {
            s.pods.retain(|p| p.metadata.namespace.as_deref() == Some(ns));
            s.workloads.retain(|w| w.metadata.namespace.as_deref() == Some(ns));
            s.events.retain(|e| e.namespace.as_deref() == Some(ns));
            s.logs.retain(|l| l.namespace == ns);
        }
        if s.namespaces.is_empty() && !s.pods.is_empty() {
            s.notes.push(
                "the input has no Namespace objects (`kubectl cluster-info dump` never writes them): Pod Security levels are unknown, and only FailedCreate events can show a Pod Security rejection".into(),
            );
        }
        if self.dropped_logs > 0 {
            s.notes.push(format!(
                "{} container logs came before their pods in the input and were not read (more than {} MiB of such logs)",
                self.dropped_logs,
                MAX_PENDING_LOG_BYTES >> 20
            ));
        }
        if self.logs_read > 0 {
            s.notes.push(format!(
                "the input holds {} container logs; {} of them, of failing containers, were read",
                self.logs_read,
                s.logs.len()
            ));
        }
        Ok(s)
    }
}

/// Every file below a directory, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::ReadInput { path: dir.into(), reason: e.to_string() })?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Parse a YAML dump: values only, no positions (a dump is data, not a manifest to point
/// into), through serde-saphyr with a budget sized for dumps. JSON is a subset of YAML.
pub fn parse_dump(file: &str, text: &str) -> Result<Vec<Value>> {
    if text.len() > MAX_DUMP_BYTES {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: format!("file is {} bytes, larger than the {} MiB limit", text.len(), MAX_DUMP_BYTES >> 20),
        });
    }
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, yaml_options(text.len())).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        let message = e.to_string().lines().next().unwrap_or("").to_string();
        Error::Parse { file: file.to_string(), line, column, message }
    })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/01-swt377-kube-proxy-hpc-path/dump.txt");

    fn summary(s: &Snapshot) -> (Vec<Option<String>>, usize, usize, usize, usize) {
        let pods = s.pods.iter().map(|p| p.metadata.name.clone()).collect();
        (pods, s.nodes.len(), s.workloads.len(), s.events.len(), s.logs.len())
    }

    #[test]
    fn a_dump_in_memory_reads_as_the_file_and_a_bundle_in_memory_as_its_files() {
        let bytes = std::fs::read(DUMP).unwrap();
        let want = summary(&load_dump(Path::new(DUMP), None).unwrap());
        assert!(!want.0.is_empty() && want.4 > 0, "the case has pods and logs: {want:?}");
        assert_eq!(summary(&load_dump_bytes("dump.txt", &bytes, None).unwrap()), want);

        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, "dump/dump.txt", bytes.as_slice()).unwrap();
        let tgz = tar.into_inner().unwrap().finish().unwrap();
        assert_eq!(summary(&load_dump_bytes("b.tgz", &tgz, None).unwrap()), want);

        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("dump/dump.txt", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, &bytes).unwrap();
        let zipped = zip.finish().unwrap().into_inner();
        assert_eq!(summary(&load_dump_bytes("B.ZIP", &zipped, None).unwrap()), want);

        // Not archives after all: errors that name the input.
        for (name, junk) in [("b.tar.gz", &tgz[..20]), ("b.zip", &b"PK\x03\x04junk"[..])] {
            let e = load_dump_bytes(name, junk, None).unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }
}
