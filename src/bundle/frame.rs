//! Decoding the collector's framed output (items, checksums) from the exec stream's stdout.
//!
//! The protocol (written by `collector.ps1`, and by the testenv stand-in): lines, `\n` or `\r\n`.
//!
//! ```text
//! @@HP-BEGIN {"format":"kubectl-hostprocess-collector/1",...}      informative, may be absent
//! @@HP-ITEM {"path":"os.json","size":312,"sha256":"<hex>","error":null,"redactions":0,"ms":41}
//! <the content in base64, any number of lines>
//! @@HP-END
//! ... one ITEM..END block per item ...
//! @@HP-DONE {"items":15,"ms":5230}
//! ```
//!
//! `size` and `sha256` are of the content as sent (after the node's redaction). An item that
//! could not be gathered has `error` set and usually no content. Lines outside a block are
//! ignored (PowerShell noise); everything after `@@HP-DONE` is ignored.

use super::{NodeItem, sha256_hex};
use base64::Engine as _;
use serde::Deserialize;
use std::collections::HashSet;

/// Starts an item; a JSON header follows on the same line.
pub const ITEM: &str = "@@HP-ITEM ";
/// Ends an item's content.
pub const END: &str = "@@HP-END";
/// The collector finished; a JSON trailer (`items`: how many it sent) follows.
pub const DONE: &str = "@@HP-DONE ";
/// The first line the collector prints (informative).
pub const BEGIN: &str = "@@HP-BEGIN ";
/// Where an item with an unsafe or duplicate path from the node is listed instead.
pub const REJECTED_DIR: &str = "_rejected";

/// Why a node's output could not be decoded as a whole (a single bad item is an item error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("the node's output ended before the collector finished ({items} items received)")]
    Truncated { items: usize },
    #[error("the node's output is not the collector's: {0}")]
    Garbled(String),
}

#[derive(Deserialize)]
struct Header {
    path: String,
    size: u64,
    sha256: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    redactions: u32,
    #[serde(default)]
    ms: u64,
}

#[derive(Deserialize)]
struct Trailer {
    items: usize,
}

/// An item being read: its header (None: unreadable, its lines are skipped) and base64 text.
struct Open {
    header: Option<Header>,
    b64: String,
    bad_line: Option<usize>,
}

/// Decode everything one node printed. Checksums are verified; a mismatch becomes that item's
/// `error`. Items are redacted again (see `redact`) before they are returned.
pub fn decode(stdout: &[u8]) -> Result<Vec<NodeItem>, FrameError> {
    match decode_partial(stdout) {
        (items, None) => Ok(items),
        (_, Some(e)) => Err(e),
    }
}

/// Like [`decode`], but the items received before a cut or a garbled line are returned too
/// (a node cut half-way loses nothing it already sent), with the error if there was one.
/// An item cut in the middle is returned with an `error` and no data.
pub fn decode_partial(stdout: &[u8]) -> (Vec<NodeItem>, Option<FrameError>) {
    let mut d = Decoder::default();
    let mut open: Option<Open> = None;
    let mut trailer: Option<Result<Trailer, String>> = None;
    for (i, raw) in stdout.split(|&b| b == b'\n').enumerate() {
        let line = String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw));
        if let Some(json) = line.strip_prefix(ITEM) {
            if let Some(o) = open.take() {
                d.finish(o, Some("the item was cut: the next item began before its end"));
            }
            let header = serde_json::from_str::<Header>(json)
                .map_err(|e| d.garbled(format!("line {}: unreadable item header: {e}", i + 1)))
                .ok();
            open = Some(Open { header, b64: String::new(), bad_line: None });
        } else if line == END {
            if let Some(o) = open.take() {
                d.finish(o, None);
            }
        } else if let Some(json) = line.strip_prefix(DONE) {
            if let Some(o) = open.take() {
                d.finish(o, Some("the item was cut: the collector finished before its end"));
            }
            trailer = Some(serde_json::from_str::<Trailer>(json).map_err(|e| e.to_string()));
            break;
        } else if let Some(o) = open.as_mut() {
            let text = line.trim();
            if text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
                o.b64.push_str(text);
            } else if o.bad_line.is_none() {
                o.bad_line = Some(i + 1);
            }
        }
    }
    if let Some(o) = open.take() {
        d.finish(o, Some("the item was cut: the output ended before its end"));
    }
    let received = d.items.len();
    let error = match trailer {
        None => Some(FrameError::Truncated { items: received }),
        Some(Err(e)) => Some(FrameError::Garbled(format!("unreadable {}line: {e}", DONE))),
        Some(Ok(t)) if t.items != d.headers => {
            Some(FrameError::Garbled(format!("the collector sent {} items, {} were received", t.items, d.headers)))
        }
        Some(Ok(_)) => d.first_error.take(),
    };
    (d.items, error)
}

#[derive(Default)]
struct Decoder {
    items: Vec<NodeItem>,
    seen: HashSet<String>,
    /// Item headers read (readable or not), to compare with the trailer.
    headers: usize,
    first_error: Option<FrameError>,
}

impl Decoder {
    fn garbled(&mut self, msg: String) {
        self.first_error.get_or_insert(FrameError::Garbled(msg));
    }

    fn finish(&mut self, o: Open, cut: Option<&str>) {
        self.headers += 1;
        let Some(h) = o.header else { return };
        let mut item =
            NodeItem { path: h.path, error: h.error, redactions: h.redactions, duration_ms: h.ms, data: vec![] };
        if !safe_item_path(&item.path) || !self.seen.insert(item.path.clone()) {
            let why = if safe_item_path(&item.path) { "a duplicate" } else { "an unsafe" };
            item.error = Some(format!("the node sent {why} item path {:?}", item.path));
            item.path = format!("{REJECTED_DIR}/{}", self.headers);
            self.items.push(item);
            return;
        }
        let problem = match (cut, o.bad_line) {
            (Some(c), _) => Some(c.to_string()),
            (None, Some(line)) => Some(format!("the content is not base64 (line {line})")),
            (None, None) => match base64::engine::general_purpose::STANDARD.decode(o.b64.as_bytes()) {
                Err(e) => Some(format!("the content is not base64: {e}")),
                Ok(data) => match verify(&data, h.size, &h.sha256) {
                    Some(e) => Some(e),
                    None => {
                        let (data, n) = super::redact::redact(&item.path, &data);
                        item.data = data;
                        item.redactions = item.redactions.saturating_add(n);
                        None
                    }
                },
            },
        };
        if let Some(p) = problem {
            item.error = Some(match item.error.take() {
                Some(node) => format!("{p} (the node also reported: {node})"),
                None => p,
            });
        }
        self.items.push(item);
    }
}

/// None when `data` has the size and SHA-256 the node announced; else what differs.
fn verify(data: &[u8], size: u64, sha256: &str) -> Option<String> {
    if data.len() as u64 != size {
        return Some(format!("size mismatch: the node sent {size} bytes, {} were received", data.len()));
    }
    let got = sha256_hex(data);
    (!got.eq_ignore_ascii_case(sha256.trim()))
        .then(|| format!("checksum mismatch: the node sent sha256 {sha256}, the received bytes have {got}"))
}

/// Whether an item path from a node may be used under the node's directory: relative,
/// `/`-separated, no empty, `.` or `..` segment, no backslash, drive colon, control or
/// Windows-reserved character, at most 200 bytes.
pub fn safe_item_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 200
        && !path.chars().any(|c| c.is_control() || matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        && path.split('/').all(|s| !s.is_empty() && s != "." && s != ".." && s.trim() == s)
        && path.split('/').next() != Some(REJECTED_DIR)
}

/// The framed form of `items` followed by `@@HP-DONE`, as the collector prints it (for tests
/// of code that reads node output, and the fixtures).
pub fn encode(items: &[NodeItem]) -> Vec<u8> {
    let mut out = format!("{BEGIN}{{\"format\":\"kubectl-hostprocess-collector/1\"}}\n");
    for it in items {
        let header = serde_json::json!({
            "path": it.path, "size": it.data.len(), "sha256": sha256_hex(&it.data),
            "error": it.error, "redactions": it.redactions, "ms": it.duration_ms,
        });
        out.push_str(&format!("{ITEM}{header}\n"));
        let b64 = base64::engine::general_purpose::STANDARD.encode(&it.data);
        for chunk in b64.as_bytes().chunks(76) {
            out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
            out.push('\n');
        }
        out.push_str(END);
        out.push('\n');
    }
    out.push_str(&format!("{DONE}{{\"items\":{}}}\n", items.len()));
    out.into_bytes()
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
