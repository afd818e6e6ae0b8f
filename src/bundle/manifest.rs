//! `manifest.json`, at the top of a bundle: what was asked, what each item is (size, sha256,
//! error, redactions, time) and how each node fared. Readers must accept unknown fields.

use serde::{Deserialize, Serialize};

/// The whole manifest (`"format": "kubectl-hostprocess-bundle/1"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Manifest {
    pub format: String,
    pub tool: Tool,
    /// RFC 3339, UTC.
    pub created: String,
    pub cluster: ClusterInfo,
    pub options: Options,
    /// The cluster part: namespaces covered, what RBAC kept out, notes.
    pub cluster_part: ClusterSummary,
    /// Each node worked on, in the order chosen.
    pub nodes: Vec<NodeRecord>,
    /// Nodes left out by `-l`/`--all-nodes` (not Windows, not ready …), with why.
    pub skipped_nodes: Vec<Skipped>,
    /// Every item, cluster and node, in the order written. The manifest itself is not listed.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// Where the bundle came from. Never credentials: the server URL and the context's name only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClusterInfo {
    pub server: String,
    pub context: Option<String>,
    pub server_version: Option<String>,
}

/// The options the bundle was collected with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Options {
    /// Node names as given (empty with `-l`/`--all-nodes`).
    pub nodes: Vec<String>,
    pub selector: Option<String>,
    pub all_nodes: bool,
    /// `-n`: the one namespace of the cluster part; `None`: every namespace the user can read.
    pub namespace: Option<String>,
    /// The namespace of the throwaway pods.
    pub pod_namespace: String,
    pub max_logs: usize,
    pub log_tail_lines: u32,
    pub event_hours: u32,
    pub item_timeout_secs: u32,
    /// Bytes of collector output kept per node (`--max-output`).
    pub max_output_bytes: u64,
    /// Time limit of the collector on each node, in seconds.
    pub node_timeout_secs: u64,
}

/// The cluster part as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClusterSummary {
    /// The namespaces written (each a `<ns>/` directory).
    pub namespaces: Vec<String>,
    /// Kinds (or scopes) the user may not read: not in the bundle.
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
    pub duration_ms: u64,
}

/// Something left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// One file of the bundle (or one the node could not gather: then `size` 0, no `sha256`, and
/// the file is absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Item {
    /// Relative to the bundle's top directory, `/`-separated.
    pub path: String,
    /// `cluster` or `node`.
    pub part: String,
    /// The node, for node items.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
    pub size: u64,
    /// Hex SHA-256 of the bytes written (after redaction).
    pub sha256: Option<String>,
    pub error: Option<String>,
    /// Values redacted (on the node and here).
    pub redactions: u32,
    pub duration_ms: u64,
}

/// How collecting went on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NodeStatus {
    /// Every item arrived (an item may carry its own error, e.g. a service not installed).
    #[default]
    Ok,
    /// Some items arrived, then the output was cut (stream ended, output limit, time limit).
    Partial,
    /// Nothing usable: the pod did not start, or no item arrived.
    Failed,
}

/// One node of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NodeRecord {
    pub name: String,
    pub status: NodeStatus,
    pub error: Option<String>,
    /// The throwaway pod that ran the collector (deleted).
    pub pod: String,
    /// Items written for this node, and their bytes.
    pub items: usize,
    pub bytes: u64,
    pub duration_ms: u64,
}

impl Manifest {
    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_round_trips_and_names_node_states_in_lowercase() {
        let m = Manifest {
            format: super::super::FORMAT.into(),
            nodes: vec![NodeRecord { name: "win-a".into(), status: NodeStatus::Partial, ..Default::default() }],
            items: vec![Item { path: "nodes.json".into(), part: "cluster".into(), ..Default::default() }],
            ..Default::default()
        };
        let json = m.to_json();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["format"], "kubectl-hostprocess-bundle/1");
        assert_eq!(v["nodes"][0]["status"], "partial");
        assert!(v["items"][0].get("node").is_none(), "cluster items carry no node: {v}");
        assert_eq!(serde_json::from_slice::<Manifest>(&json).unwrap(), m);
    }
}
