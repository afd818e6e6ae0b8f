//! Support bundles: the node-side collector (an embedded PowerShell script, its framed output
//! over the exec stream, redaction) and the bundle written by `collect`. See docs/architecture.md.
//!
//! Layout of a bundle: the cluster part at the top in `kubectl cluster-info dump` layout,
//! `manifest.json`, and each node's items under `_hostprocess/nodes/<node>/`.

pub mod cluster;
pub mod collector;
pub mod frame;
pub mod manifest;
pub mod node_part;
pub mod redact;
pub mod writer;

/// The directory (inside a bundle) holding the node part: `_hostprocess/nodes/<node>/<item>`.
/// A leading `_` is not valid in a namespace name, so it never collides with the dump layout.
pub const NODES_DIR: &str = "_hostprocess/nodes";
/// The bundle's manifest, at its top.
pub const MANIFEST: &str = "manifest.json";
/// `format` in the manifest.
pub const FORMAT: &str = "kubectl-hostprocess-bundle/1";

/// Lower-case hex SHA-256 of `data` (bundle items, the manifest, copied files).
pub fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// One item a node reported, after decoding, checksum verification and redaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeItem {
    /// Relative to the node's directory, `/`-separated (`os.json`, `logs/kubelet.log`).
    pub path: String,
    /// The content (empty when `error` is set and nothing was gathered).
    pub data: Vec<u8>,
    /// Why the item could not be gathered (or was cut), as the node reported it.
    pub error: Option<String>,
    /// Values redacted on the node and again here.
    pub redactions: u32,
    /// How long the node took for it.
    pub duration_ms: u64,
}
