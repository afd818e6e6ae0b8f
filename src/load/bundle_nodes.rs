//! The node part of a support bundle: `_hostprocess/nodes/<node>/<item>` (and the bundle's
//! `manifest.json`), read into [`NodeFacts`] while `doctor --from-file` reads the cluster part.
//! Works the same on a `.tar.gz` and on the extracted directory: the dump reader hands every
//! file it meets to [`NodeBundle::item`] when [`node_item`] recognises its name.
//!
//! An item that is absent, that the node could not gather, or that cannot be parsed leaves its
//! fact unknown and becomes a note; it never fails the run.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::input::read_text;
use super::node_items as parse;
use crate::bundle::{FORMAT, NODES_DIR};
use crate::error::Result;
use crate::node_facts::NodeFacts;
use crate::snapshot::{LOG_TAIL_BYTES, Snapshot};

/// Largest node item read (logs larger than this keep their tail).
pub const MAX_ITEM_BYTES: usize = 16 * 1024 * 1024;

/// Largest manifest read.
const MAX_MANIFEST_BYTES: usize = 64 * 1024 * 1024;

/// The node and the item path (`/`-separated, below the node's directory) of a file named
/// `…/_hostprocess/nodes/<node>/<item>` (a path, or `archive.tgz:top/…` inside an archive).
pub fn node_item(name: &str) -> Option<(String, String)> {
    let name = name.replace('\\', "/");
    let marker = format!("{NODES_DIR}/");
    let mut from = 0;
    while let Some(i) = name[from..].find(&marker).map(|i| i + from) {
        if i == 0 || matches!(name.as_bytes()[i - 1], b'/' | b':') {
            let rest = &name[i + marker.len()..];
            let (node, item) = rest.split_once('/')?;
            let clean = |p: &str| !p.is_empty() && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..");
            return (clean(node) && clean(item)).then(|| (node.to_string(), item.to_string()));
        }
        from = i + marker.len();
    }
    None
}

/// Whether a file may be a bundle's manifest (`manifest.json`; [`NodeBundle::manifest`] decides).
pub fn maybe_manifest(name: &str) -> bool {
    name.replace('\\', "/").rsplit(['/', ':']).next() == Some(crate::bundle::MANIFEST)
}

/// Node facts gathered so far, by node.
#[derive(Debug, Default)]
pub struct NodeBundle {
    nodes: BTreeMap<String, NodeFacts>,
    /// Nodes the manifest says failed or were cut, with why.
    node_status: Vec<String>,
    manifest_seen: bool,
}

impl NodeBundle {
    fn facts(&mut self, node: &str) -> &mut NodeFacts {
        self.nodes
            .entry(node.to_string())
            .or_insert_with(|| NodeFacts { dir: format!("{NODES_DIR}/{node}"), ..Default::default() })
    }

    /// Read one node item (`name` as the reader names it, for errors).
    pub fn item(&mut self, name: &str, node: &str, item: &str, r: &mut dyn Read) -> Result<()> {
        let is_log = item.starts_with("logs/");
        let bytes = match read_bounded(r, if is_log { LOG_TAIL_BYTES * 4 } else { MAX_ITEM_BYTES }, is_log) {
            Ok(b) => b,
            Err(why) => {
                self.facts(node).problems.insert(item.to_string(), why);
                return Ok(());
            }
        };
        let text = match read_text(Path::new(name), &mut bytes.as_slice(), usize::MAX >> 1) {
            Ok(t) => t,
            Err(_) if is_log => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                self.facts(node).problems.insert(item.to_string(), format!("not text: {e}"));
                return Ok(());
            }
        };
        let facts = self.facts(node);
        let result: std::result::Result<(), String> = match item {
            "os.json" => parse::parse_os(&text).map(|v| facts.os = Some(v)),
            "services.json" => parse::parse_services(&text).map(|v| facts.services = Some(v)),
            "containerd/version.txt" => parse::parse_containerd_version(&text).map(|v| facts.containerd = Some(v)),
            "containerd/config.toml" => {
                facts.containerd_config = Some(parse::parse_containerd_config(&text));
                Ok(())
            }
            "hns/networks.json" => parse::parse_hns_networks(&text).map(|v| facts.hns_networks = Some(v)),
            "hns/endpoints.json" => parse::count_objects(&text).map(|v| facts.hns_endpoints = Some(v)),
            "disk.json" => parse::parse_disks(&text).map(|v| facts.disks = v),
            _ if item.starts_with("cni/") => {
                facts.cni_files.push(item["cni/".len()..].to_string());
                Ok(())
            }
            _ if item.starts_with("events/") && item.ends_with(".json") => {
                parse::parse_events(item, &text).map(|v| facts.events.extend(v))
            }
            _ if is_log => {
                let service = item["logs/".len()..].trim_end_matches(".log").to_string();
                facts.logs.insert(service, tail_lines(&text));
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(why) = result {
            facts.problems.insert(item.to_string(), format!("not readable: {why}"));
        }
        Ok(())
    }

    /// Read a `manifest.json`: true when it is a bundle's (its item errors and node states are
    /// kept), false when it is some other file (the caller reads `bytes` as a dump).
    pub fn manifest(&mut self, bytes: &[u8]) -> bool {
        let Ok(text) = read_text(Path::new("manifest.json"), &mut &bytes[..], MAX_MANIFEST_BYTES) else { return false };
        let Ok(v) = serde_json::from_str::<Value>(&text) else { return false };
        let format = v.get("format").and_then(Value::as_str).unwrap_or("");
        if !format.starts_with(FORMAT.rsplit_once('/').map(|(f, _)| f).unwrap_or(FORMAT)) {
            return false;
        }
        self.manifest_seen = true;
        for it in v.get("items").and_then(Value::as_array).into_iter().flatten() {
            let (Some(path), Some(err)) =
                (it.get("path").and_then(Value::as_str), it.get("error").and_then(Value::as_str))
            else {
                continue;
            };
            if let Some((node, item)) = node_item(path) {
                self.facts(&node).problems.entry(item).or_insert_with(|| format!("not gathered: {err}"));
            }
        }
        for n in v.get("nodes").and_then(Value::as_array).into_iter().flatten() {
            let name = n.get("name").and_then(Value::as_str).unwrap_or("?");
            let status = n.get("status").and_then(Value::as_str).unwrap_or("ok");
            if status != "ok" {
                let why = n.get("error").and_then(Value::as_str).unwrap_or("no reason given");
                self.node_status.push(format!("{name}: {status} ({why})"));
            }
        }
        true
    }

    /// Put the facts into the snapshot, with notes saying what is unknown.
    pub fn finish(self, s: &mut Snapshot) {
        if self.nodes.is_empty() && !self.manifest_seen {
            return;
        }
        let names: Vec<&str> = self.nodes.keys().map(String::as_str).collect();
        s.notes.push(format!(
            "the bundle holds what {} Windows node(s) reported ({}); node rules use it before the Node objects' fields",
            names.len(),
            if names.is_empty() { "none".to_string() } else { names.join(", ") }
        ));
        if !self.node_status.is_empty() {
            s.notes.push(format!("collecting did not complete on: {}", self.node_status.join("; ")));
        }
        for (node, facts) in &self.nodes {
            let unreadable: Vec<String> = facts
                .problems
                .iter()
                .filter(|(_, why)| {
                    why.starts_with("not readable") || why.starts_with("not text") || why.starts_with("larger")
                })
                .map(|(item, why)| format!("{item} ({why})"))
                .collect();
            if !unreadable.is_empty() {
                s.notes.push(format!(
                    "node {node}: items that could not be read, so their facts are unknown: {}",
                    unreadable.join("; ")
                ));
            }
        }
        s.node_facts = self.nodes;
    }
}

/// Read at most `limit` bytes; past it, a log keeps its last `limit` bytes, anything else is
/// an error.
fn read_bounded(r: &mut dyn Read, limit: usize, keep_tail: bool) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf).map_err(|e| format!("not readable: {e}"))?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
        if out.len() > limit {
            if !keep_tail {
                return Err(format!("larger than the {} MiB limit for one item; not read", limit >> 20));
            }
            out.drain(..out.len() - limit);
        }
    }
}

/// The last lines of a log within [`LOG_TAIL_BYTES`], without line ends.
fn tail_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut bytes = 0;
    for l in text.lines().rev() {
        bytes += l.len() + 1;
        if bytes > LOG_TAIL_BYTES && !lines.is_empty() {
            break;
        }
        lines.push(l.trim_end_matches('\r').to_string());
    }
    lines.reverse();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_items_are_recognised_in_paths_and_archive_entries() {
        let want = Some(("w1".to_string(), "hns/networks.json".to_string()));
        assert_eq!(node_item("b.tgz:hostprocess-bundle-x/_hostprocess/nodes/w1/hns/networks.json"), want);
        assert_eq!(node_item("/tmp/b/_hostprocess/nodes/w1/hns/networks.json"), want);
        assert_eq!(node_item(r"C:\b\_hostprocess\nodes\w1\hns\networks.json"), want);
        assert_eq!(node_item("_hostprocess/nodes/w1/hns/networks.json"), want);
        assert_eq!(node_item("x_hostprocess/nodes/w1/os.json"), None);
        assert_eq!(node_item("b/_hostprocess/nodes/w1"), None);
        assert_eq!(node_item("b/_hostprocess/nodes/../os.json"), None);
        assert_eq!(node_item("b/kube-system/pods.json"), None);
        assert!(maybe_manifest("b.tgz:top/manifest.json") && maybe_manifest("manifest.json"));
        assert!(!maybe_manifest("top/manifest.json.bak"));
    }

    #[test]
    fn items_fill_facts_and_bad_items_become_notes() {
        let mut b = NodeBundle::default();
        let mut add = |item: &str, text: &str| b.item("x", "w1", item, &mut text.as_bytes()).unwrap();
        add("services.json", r#"{"Name":"kubelet","Status":1,"StartType":2}"#);
        add("hns/networks.json", "this is not JSON");
        add("containerd/version.txt", "containerd github.com/containerd/containerd v1.7.20 8fc6bcf");
        add("logs/kubelet.log", "a\r\nb\r\n");
        add("cni/10-flannel.conf", "{}");
        add("unknown/item.bin", "\u{0}");
        let mut utf16 = vec![0xFF, 0xFE];
        for u in r#"{"CurrentBuild":"17763","UBR":4377}"#.encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        b.item("x", "w1", "os.json", &mut utf16.as_slice()).unwrap();
        let manifest = br#"{"format":"kubectl-hostprocess-bundle/1","items":[{"path":"_hostprocess/nodes/w1/disk.json","error":"Get-CimInstance timed out"}],"nodes":[{"name":"w2","status":"failed","error":"pod did not start"}]}"#;
        assert!(b.manifest(manifest));
        assert!(!b.manifest(br#"{"kind":"List","items":[]}"#));
        let mut s = Snapshot::default();
        b.finish(&mut s);
        let f = &s.node_facts["w1"];
        assert_eq!(f.dir, "_hostprocess/nodes/w1");
        assert_eq!(f.item("services.json"), "_hostprocess/nodes/w1/services.json");
        assert_eq!(f.service("KUBELET").unwrap().status, crate::node_facts::ServiceStatus::Stopped);
        assert_eq!(f.build(), Some((17763, Some(4377))));
        assert_eq!(f.containerd.as_ref().unwrap().version, Some(crate::version::Version::new(1, 7, 20)));
        assert_eq!(f.logs["kubelet"], ["a", "b"]);
        assert_eq!(f.cni_files, ["10-flannel.conf"]);
        assert_eq!(f.hns_networks, None);
        assert!(f.problems["disk.json"].contains("timed out"));
        let notes = s.notes.join("\n");
        assert!(
            notes.contains("node w1: items that could not be read") && notes.contains("hns/networks.json"),
            "{notes}"
        );
        assert!(notes.contains("w2: failed (pod did not start)"), "{notes}");
    }

    #[test]
    fn a_long_log_keeps_its_tail_and_a_huge_item_is_refused() {
        let mut b = NodeBundle::default();
        let log: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        b.item("x", "w1", "logs/containerd.log", &mut log.as_bytes()).unwrap();
        let big = vec![b'['; MAX_ITEM_BYTES + 10];
        b.item("x", "w1", "hns/endpoints.json", &mut big.as_slice()).unwrap();
        let mut s = Snapshot::default();
        b.finish(&mut s);
        let f = &s.node_facts["w1"];
        assert_eq!(f.logs["containerd"].last().map(String::as_str), Some("line 99999"));
        assert!(f.logs["containerd"].iter().map(|l| l.len() + 1).sum::<usize>() <= LOG_TAIL_BYTES);
        assert!(f.problems["hns/endpoints.json"].starts_with("larger than"));
    }

    /// The whole path: an archive (tar.gz and zip, entries named with `/` or `\`) read by the
    /// dump loader hands node items here and reads its cluster part as before.
    #[test]
    fn archives_fill_node_facts_through_the_dump_loader() {
        let files: [(&str, &[u8]); 4] = [
            ("b/nodes.json", br#"{"kind":"NodeList","apiVersion":"v1","items":[{"metadata":{"name":"w1","labels":{"kubernetes.io/os":"windows"}}}]}"#),
            ("b/manifest.json", br#"{"format":"kubectl-hostprocess-bundle/1","items":[],"nodes":[]}"#),
            ("b/_hostprocess/nodes/w1/services.json", br#"{"Name":"containerd","Status":1,"StartType":2}"#),
            (r"b\_hostprocess\nodes\w1\disk.json", br#"{"DeviceID":"C:","Size":100,"FreeSpace":1}"#),
        ];
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            tar.append_data(&mut h, name.replace('\\', "/"), data).unwrap();
            zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut zip, data).unwrap();
        }
        let tgz = tar.into_inner().unwrap().finish().unwrap();
        let zipped = zip.finish().unwrap().into_inner();
        for (name, bytes) in [("b.tar.gz", tgz), ("b.zip", zipped)] {
            let s = crate::load::load_dump_bytes(name, &bytes, None).unwrap();
            assert_eq!(s.nodes.len(), 1, "{name}");
            let f = &s.node_facts["w1"];
            assert!(f.service("containerd").is_some() && f.disks.len() == 1, "{name}: {f:?}");
            let found = crate::checks::run(&s);
            let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
            assert!(rules.contains(&"HP023") && rules.contains(&"HP026"), "{name}: {rules:?}");
        }
    }

    #[test]
    fn random_bytes_as_any_item_never_panic() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let items = [
            "os.json",
            "services.json",
            "containerd/version.txt",
            "containerd/config.toml",
            "hns/networks.json",
            "hns/endpoints.json",
            "disk.json",
            "events/scm.json",
            "logs/kubelet.log",
            "cni/x.conf",
        ];
        let mut b = NodeBundle::default();
        for round in 0..400 {
            let len = (round * 7) % 300;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly JSON/TOML punctuation, so the parsers get past the first byte.
                    b"{}[]\":,=\\/ 0123456789.-aeNSTx\n\r\xff\xfe"[(x % 30) as usize]
                })
                .collect();
            b.item("x", "w1", items[round % items.len()], &mut bytes.as_slice()).unwrap();
        }
        let mut s = Snapshot::default();
        b.finish(&mut s);
        let _ = crate::checks::run(&s);
    }

    #[test]
    fn nothing_from_a_bundle_without_a_node_part() {
        let mut s = Snapshot::default();
        NodeBundle::default().finish(&mut s);
        assert!(s.notes.is_empty() && s.node_facts.is_empty());
    }
}
