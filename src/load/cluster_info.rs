//! `kubectl cluster-info dump` as input, in both of its forms, read as a stream.
//!
//! The single-stream form is whole `*List` objects back to back (JSON, 4-space indent, the
//! default; or YAML documents after `---`), the nodes first, then per namespace its events,
//! replication controllers, services, DaemonSets, Deployments, ReplicaSets and pods, then the
//! log of every container of those pods between
//! `==== START logs for container C of pod NS/P ====` and the matching `==== END … ====` line.
//! The `--output-directory` form writes the same lists as `nodes.json` and `NS/<kind>.json`
//! and each pod's log sections as `NS/POD/logs.txt`.
//!
//! Items inside these lists carry no `kind`: it is taken from the list (`PodList` → `Pod`).
//! Objects are handed on one at a time and logs keep only their tail, so a dump of hundreds
//! of MB is read with memory bounded by the snapshot it fills, not by the file.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::snapshot::{ContainerLog, LOG_TAIL_BYTES};

/// Largest single YAML file of a dump (YAML is parsed whole; JSON and logs are streamed).
pub const MAX_DUMP_BYTES: usize = 2 * 1024 * 1024 * 1024 - 1;

/// What a dump yields, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One object with its kind (taken from the enclosing list when the item has none).
    Object { kind: String, value: Value },
    /// One container's log section.
    Log(ContainerLog),
}

/// The line that opens a log section: (container, namespace, pod).
pub fn start_marker(line: &str) -> Option<(String, String, String)> {
    let rest = line.trim_end().strip_prefix("==== START logs for container ")?.strip_suffix(" ====")?;
    let (container, pod) = rest.split_once(" of pod ")?;
    let (ns, pod) = pod.split_once('/')?;
    Some((container.to_string(), ns.to_string(), pod.to_string()))
}

fn end_marker(c: &ContainerLog) -> String {
    format!("==== END logs for container {} of pod {}/{} ====", c.container, c.namespace, c.pod)
}

/// Keeps the tail of a log within [`LOG_TAIL_BYTES`].
#[derive(Default)]
struct Tail {
    lines: VecDeque<String>,
    bytes: usize,
    dropped: usize,
}

impl Tail {
    fn push(&mut self, line: &str) {
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        self.bytes += line.len() + 1;
        self.lines.push_back(line);
        while self.bytes > LOG_TAIL_BYTES && self.lines.len() > 1 {
            if let Some(l) = self.lines.pop_front() {
                self.bytes -= l.len() + 1;
                self.dropped += 1;
            }
        }
    }
}

/// Read one log section whose START line was just read; stops after its END marker (which may
/// follow the last log line on the same line: kubectl adds no newline after the log).
fn read_log<R: BufRead>(r: &mut R, container: String, namespace: String, pod: String) -> std::io::Result<ContainerLog> {
    let mut log = ContainerLog { namespace, pod, container, ..Default::default() };
    let end = end_marker(&log);
    let mut tail = Tail::default();
    let mut buf = Vec::new();
    let mut first = true;
    loop {
        buf.clear();
        if read_line_capped(r, &mut buf, MAX_LOG_LINE_BYTES)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let (content, done) = match line.find(&end) {
            Some(i) => (&line[..i], true),
            None => (&*line, false),
        };
        if first && let Some(msg) = content.trim_end().strip_prefix("Request log error: ") {
            log.request_error = Some(msg.to_string());
        } else if !(done && content.is_empty()) {
            tail.push(content);
        }
        first = false;
        if done {
            break;
        }
    }
    log.lines = tail.lines.into();
    log.dropped = tail.dropped;
    Ok(log)
}

/// A log line longer than this keeps its first and last halves (the END marker may follow the
/// last line on the same line): memory stays bounded whatever the dump holds.
pub const MAX_LOG_LINE_BYTES: usize = 1024 * 1024;

/// Read one line (up to and with its `\n`, or to the end) onto `buf`, keeping at most `cap`
/// bytes of it: the first and the last `cap / 2` of a longer one. Gives the bytes consumed.
fn read_line_capped<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, cap: usize) -> std::io::Result<usize> {
    let half = cap / 2;
    let mut read = 0;
    loop {
        let (done, n) = {
            let avail = r.fill_buf()?;
            if avail.is_empty() {
                return Ok(read);
            }
            let (done, n) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (true, i + 1),
                None => (false, avail.len()),
            };
            buf.extend_from_slice(&avail[..n]);
            (done, n)
        };
        r.consume(n);
        read += n;
        if buf.len() > cap {
            buf.drain(half..buf.len() - half);
        }
        if done {
            return Ok(read);
        }
    }
}

/// An error in a dump, with the line (1-based) where it happened.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("invalid JSON in object {index}: {message}")]
    Json { index: usize, line: usize, column: usize, message: String },
    #[error("invalid YAML in document {index}: {message}")]
    Yaml { index: usize, line: usize, column: usize, message: String },
}

/// A reader that counts the lines it has handed out, so errors can name their line.
struct Lines<R> {
    inner: R,
    /// Newlines consumed so far.
    newlines: usize,
}

impl<R: BufRead> std::io::Read for Lines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let buf = self.inner.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            self.newlines += buf[..n.min(buf.len())].iter().filter(|&&b| b == b'\n').count();
        }
        self.inner.consume(n);
    }
}

/// Read a single-stream dump (JSON lists and log sections, or YAML documents and log
/// sections) and hand every object and log to `sink`.
pub fn read_stream<R: BufRead>(r: R, sink: &mut dyn FnMut(Item)) -> Result<(), DumpError> {
    let mut r = Lines { inner: r, newlines: 0 };
    let mut index = 0usize;
    let mut yaml = Yaml::default();
    let mut line = Vec::new();
    loop {
        let head = {
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            buf[0]
        };
        if head == b'{' {
            index += 1;
            let start = r.newlines;
            let mut de = serde_json::Deserializer::from_reader(&mut r);
            ObjectSeed { sink: &mut *sink }.deserialize(&mut de).map_err(|e| DumpError::Json {
                index,
                line: start + e.line(),
                column: e.column(),
                message: {
                    let m = e.to_string();
                    m.rfind(" at line ").map(|i| m[..i].to_string()).unwrap_or(m)
                },
            })?;
            continue;
        }
        line.clear();
        let at = r.newlines;
        // Not a log: a line of a YAML document, kept whole up to the size of a whole dump.
        (&mut r).take(MAX_DUMP_BYTES as u64 + 1).read_until(b'\n', &mut line)?;
        if line.len() + yaml.text.len() > MAX_DUMP_BYTES {
            return Err(DumpError::Io(std::io::Error::other(format!(
                "a YAML document of more than {} MiB",
                MAX_DUMP_BYTES >> 20
            ))));
        }
        let text = String::from_utf8_lossy(&line);
        if let Some((c, ns, p)) = start_marker(&text) {
            yaml.flush(sink)?;
            sink(Item::Log(read_log(&mut r, c, ns, p)?));
        } else if text.trim_end() == "---" {
            yaml.flush(sink)?;
        } else if !text.trim().is_empty() || !yaml.text.is_empty() {
            if yaml.text.is_empty() {
                yaml.first_line = at;
            }
            yaml.text.push_str(&text);
        }
    }
    yaml.flush(sink)
}

/// One YAML document being buffered, and where it started.
#[derive(Default)]
struct Yaml {
    text: String,
    /// Newlines before the document.
    first_line: usize,
    index: usize,
}

impl Yaml {
    /// Parse the buffered document (a List) and hand on its objects.
    fn flush(&mut self, sink: &mut dyn FnMut(Item)) -> Result<(), DumpError> {
        let doc = std::mem::take(&mut self.text);
        if doc.trim().is_empty() {
            return Ok(());
        }
        self.index += 1;
        parse_yaml(&doc, self.index, self.first_line, sink)
    }
}

fn parse_yaml(doc: &str, index: usize, first_line: usize, sink: &mut dyn FnMut(Item)) -> Result<(), DumpError> {
    let value: Value = serde_saphyr::from_str_with_options(doc, yaml_options(doc.len())).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line() as usize, l.column() as usize)).unwrap_or((1, 1));
        let message = e.to_string().lines().next().unwrap_or("").to_string();
        DumpError::Yaml { index, line: first_line + line, column, message }
    })?;
    emit_value(value, sink);
    Ok(())
}

/// serde-saphyr's limits for a dump of `len` bytes: a dump is large but trusted no more than
/// any input, so the limits scale with its size.
pub fn yaml_options(len: usize) -> serde_saphyr::Options {
    let scale = (len / 100).max(1_000_000);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = scale * 4;
    budget.max_nodes = scale * 2;
    budget.max_total_scalar_bytes = len * 2 + 1_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Hand on one parsed top-level object: a List's items (kind from the list) or the object.
fn emit_value(value: Value, sink: &mut dyn FnMut(Item)) {
    let Value::Object(mut map) = value else { return };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    match map.remove("items") {
        Some(Value::Array(items)) => {
            let item_kind = item_kind(&kind);
            for item in items {
                emit_item(&item_kind, item, sink);
            }
        }
        Some(other) => {
            map.insert("items".into(), other);
            sink(Item::Object { kind, value: Value::Object(map) });
        }
        None if !kind.is_empty() => sink(Item::Object { kind, value: Value::Object(map) }),
        None => {}
    }
}

/// The kind of a List's items: `PodList` → `Pod` (empty when the kind is not a List's).
fn item_kind(list_kind: &str) -> String {
    list_kind.strip_suffix("List").unwrap_or("").to_string()
}

fn emit_item(list_kind: &str, item: Value, sink: &mut dyn FnMut(Item)) {
    let kind = item.get("kind").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| list_kind.to_string());
    if !kind.is_empty() {
        sink(Item::Object { kind, value: item });
    }
}

/// Deserialises one top-level JSON object; a List's items are handed on one at a time.
struct ObjectSeed<'s> {
    sink: &'s mut dyn FnMut(Item),
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Kubernetes object or List")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut kind = String::new();
        let mut rest = serde_json::Map::new();
        // Items seen before `kind` (not kubectl's order) wait until the kind is known.
        let mut early: Vec<Value> = Vec::new();
        let mut had_items = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => kind = map.next_value()?,
                "items" if !kind.is_empty() => {
                    had_items = true;
                    let item_kind = item_kind(&kind);
                    map.next_value_seed(ItemsSeed { kind: &item_kind, sink: &mut *self.sink })?;
                }
                "items" => {
                    had_items = true;
                    early = map.next_value::<Option<Vec<Value>>>()?.unwrap_or_default();
                }
                _ if had_items => {
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    let v: Value = map.next_value()?;
                    rest.insert(key, v);
                }
            }
        }
        if had_items {
            let item_kind = item_kind(&kind);
            for item in early {
                emit_item(&item_kind, item, self.sink);
            }
        } else if !kind.is_empty() {
            rest.insert("kind".into(), Value::String(kind.clone()));
            (self.sink)(Item::Object { kind, value: Value::Object(rest) });
        }
        Ok(())
    }
}

/// The `items` array of a List, each element handed on as soon as it is parsed.
struct ItemsSeed<'a, 's> {
    kind: &'a str,
    sink: &'s mut dyn FnMut(Item),
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of objects")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            emit_item(self.kind, item, self.sink);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Vec<Item> {
        let mut out = Vec::new();
        read_stream(text.as_bytes(), &mut |i| out.push(i)).expect("dump");
        out
    }

    fn kinds(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Object { kind, value } => format!("{kind}/{}", value["metadata"]["name"].as_str().unwrap_or("")),
                Item::Log(l) => format!("log {}/{}/{}", l.namespace, l.pod, l.container),
            })
            .collect()
    }

    // The shape `kubectl cluster-info dump` writes: lists without item kinds, 4-space JSON,
    // log sections whose END marker follows the last line when the log has no final newline.
    const STREAM: &str = r#"{
    "kind": "NodeList",
    "apiVersion": "v1",
    "metadata": {
        "resourceVersion": "12"
    },
    "items": [
        {
            "metadata": {
                "name": "win-1"
            }
        }
    ]
}
{
    "kind": "PodList",
    "apiVersion": "v1",
    "metadata": {},
    "items": [
        {
            "metadata": {
                "name": "kube-proxy-x",
                "namespace": "kube-system"
            }
        }
    ]
}
==== START logs for container kube-proxy of pod kube-system/kube-proxy-x ====
I0101 started
Get-Content : Cannot find path 'C:\hpc\var\lib\kube-proxy\kubeconfig.conf' because it does not exist.
==== END logs for container kube-proxy of pod kube-system/kube-proxy-x ====
==== START logs for container init of pod kube-system/kube-proxy-x ====
Request log error: container "init" in pod "kube-proxy-x" is waiting to start: ContainerCreating
==== END logs for container init of pod kube-system/kube-proxy-x ====
==== START logs for container c of pod ns/p ====
last line without newline==== END logs for container c of pod ns/p ====
{
    "kind": "EventList",
    "apiVersion": "v1",
    "metadata": {},
    "items": []
}
"#;

    #[test]
    fn stream_yields_objects_with_their_list_kind_and_logs() {
        let items = collect(STREAM);
        assert_eq!(
            kinds(&items),
            [
                "Node/win-1",
                "Pod/kube-proxy-x",
                "log kube-system/kube-proxy-x/kube-proxy",
                "log kube-system/kube-proxy-x/init",
                "log ns/p/c"
            ]
        );
        let Item::Log(l) = &items[2] else { panic!() };
        assert_eq!(l.lines.len(), 2);
        assert!(l.lines[1].starts_with("Get-Content : Cannot find path"));
        assert_eq!(l.request_error, None);
        let Item::Log(l) = &items[3] else { panic!() };
        assert!(l.lines.is_empty());
        assert_eq!(
            l.request_error.as_deref(),
            Some("container \"init\" in pod \"kube-proxy-x\" is waiting to start: ContainerCreating")
        );
        let Item::Log(l) = &items[4] else { panic!() };
        assert_eq!(l.lines, ["last line without newline"]);
    }

    #[test]
    fn crlf_logs_lose_their_carriage_returns() {
        let text = "==== START logs for container c of pod ns/p ====\r\na\r\nb\r\n==== END logs for container c of pod ns/p ====\n";
        let items = collect(text);
        let Item::Log(l) = &items[0] else { panic!() };
        assert_eq!(l.lines, ["a", "b"]);
    }

    #[test]
    fn a_log_line_that_looks_like_json_stays_in_the_log() {
        let text = "==== START logs for container c of pod ns/p ====\n{\"level\":\"error\"}\n==== END logs for container c of pod ns/p ====\n";
        let items = collect(text);
        assert_eq!(kinds(&items), ["log ns/p/c"]);
    }

    #[test]
    fn long_logs_keep_their_tail() {
        let mut text = String::from("==== START logs for container c of pod ns/p ====\n");
        for i in 0..20_000 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str("==== END logs for container c of pod ns/p ====\n");
        let items = collect(&text);
        let Item::Log(l) = &items[0] else { panic!() };
        assert_eq!(l.lines.last().map(String::as_str), Some("line 19999"));
        assert!(l.dropped > 0 && l.lines.len() + l.dropped == 20_000);
        assert!(l.lines.iter().map(|x| x.len() + 1).sum::<usize>() <= LOG_TAIL_BYTES);
    }

    #[test]
    fn a_log_line_without_end_is_kept_bounded_and_its_end_marker_still_found() {
        // 8 MiB of one log line, the END marker on the same line (kubectl adds no newline).
        let mut text = String::from("==== START logs for container c of pod ns/p ====\n");
        text.push_str("head ");
        text.push_str(&"x".repeat(8 << 20));
        text.push_str(" tail==== END logs for container c of pod ns/p ====\n");
        text.push_str(
            "==== START logs for container d of pod ns/p ====\nok\n==== END logs for container d of pod ns/p ====\n",
        );
        let items = collect(&text);
        assert_eq!(kinds(&items), ["log ns/p/c", "log ns/p/d"]);
        let Item::Log(l) = &items[0] else { panic!() };
        assert_eq!(l.lines.len(), 1);
        assert!(l.lines[0].len() <= MAX_LOG_LINE_BYTES, "{}", l.lines[0].len());
        assert!(l.lines[0].starts_with("head x") && l.lines[0].ends_with("x tail"));
        let Item::Log(l) = &items[1] else { panic!() };
        assert_eq!(l.lines, ["ok"]);
    }

    #[test]
    fn read_line_capped_keeps_both_ends_of_a_long_line() {
        let mut r = std::io::BufReader::with_capacity(7, &b"0123456789abcdef\nnext"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), 17);
        assert_eq!(buf, b"0123def\n");
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), 4);
        assert_eq!(buf, b"next");
        buf.clear();
        assert_eq!(read_line_capped(&mut r, &mut buf, 8).unwrap(), 0);
    }

    #[test]
    fn yaml_documents_and_kubectl_get_lists() {
        let text = "apiVersion: v1\nkind: NodeList\nitems:\n- metadata:\n    name: w\n---\napiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata:\n    name: p\n==== START logs for container c of pod ns/p ====\nx\n==== END logs for container c of pod ns/p ====\n---\nkind: Namespace\nmetadata:\n  name: ops\n";
        assert_eq!(kinds(&collect(text)), ["Node/w", "Pod/p", "log ns/p/c", "Namespace/ops"]);
    }

    #[test]
    fn a_single_object_and_items_before_kind() {
        let text = "{\"items\":[{\"metadata\":{\"name\":\"a\"}}],\"kind\":\"PodList\"}\n{\"kind\":\"Node\",\"metadata\":{\"name\":\"n\"}}\n";
        assert_eq!(kinds(&collect(text)), ["Pod/a", "Node/n"]);
    }

    #[test]
    fn broken_json_names_the_object() {
        let err = read_stream("{\"kind\":\"NodeList\"}\n{\n\"kind\": oops}".as_bytes(), &mut |_| {}).unwrap_err();
        assert!(err.to_string().starts_with("invalid JSON in object 2"), "{err}");
        assert!(matches!(err, DumpError::Json { line: 3, column: 9, .. }), "{err:?}");
        let err = read_stream("kind: NodeList\n---\nkind: [a\n".as_bytes(), &mut |_| {}).unwrap_err();
        assert!(matches!(err, DumpError::Yaml { index: 2, line: 3, .. }), "{err:?}");
    }

    #[test]
    fn logs_txt_of_the_directory_form() {
        let text = "==== START logs for container a of pod ns/p ====\n1\n==== END logs for container a of pod ns/p ====\n==== START logs for container b of pod ns/p ====\n2\n==== END logs for container b of pod ns/p ====\n";
        assert_eq!(kinds(&collect(text)), ["log ns/p/a", "log ns/p/b"]);
    }
}
