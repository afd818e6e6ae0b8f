//! The `doctor --from-file` source: a cluster dump (`kubectl get … -o yaml`, or `-o json`)
//! read as data, without positions, into the same snapshot the live cluster gives.

use std::path::Path;

use serde_json::Value;

use super::input::read_input;
use super::objects::Loaded;
use crate::error::{Error, Result};
use crate::snapshot::{Snapshot, Source};

/// The kubectl command whose output `--from-file` reads.
pub const DUMP_COMMAND: &str = "kubectl get nodes,namespaces,pods,events,daemonsets,deployments,replicasets,statefulsets,jobs -A -o yaml > dump.yaml";

/// Largest cluster dump accepted by `doctor --from-file`.
pub const MAX_DUMP_BYTES: usize = 2 * 1024 * 1024 * 1024 - 1;

/// Fill a Snapshot from a dump file (`-` is stdin). With `namespace`, keep only the pods,
/// workloads and events of that namespace, as a namespaced live run would see them.
pub fn load_dump(path: &Path, namespace: Option<&str>) -> Result<Snapshot> {
    let (name, text) = read_input(path, MAX_DUMP_BYTES)?;
    let values = parse_dump(&name, &text)?;
    drop(text);
    let mut loaded = Loaded::default();
    loaded.add_values(&name, values);
    if let Some(e) = loaded.problems.into_iter().next() {
        return Err(e);
    }
    let mut s = loaded.snapshot;
    s.source = Source::Cluster;
    // A dump has no fragments; anything without a kind was skipped.
    s.fragments.clear();
    s.partial.clear();
    if let Some(ns) = namespace {
        s.pods.retain(|p| p.metadata.namespace.as_deref() == Some(ns));
        s.workloads.retain(|w| w.metadata.namespace.as_deref() == Some(ns));
        s.events.retain(|e| e.metadata.namespace.as_deref() == Some(ns));
    }
    Ok(s)
}

/// Parse a cluster dump: values only, no positions (a dump is data, not a manifest to point
/// into). JSON goes through serde_json; YAML through serde-saphyr with a budget sized for dumps.
pub fn parse_dump(file: &str, text: &str) -> Result<Vec<Value>> {
    if text.len() > MAX_DUMP_BYTES {
        return Err(Error::ReadInput {
            path: file.into(),
            reason: format!("file is {} bytes, larger than the {} MiB limit", text.len(), MAX_DUMP_BYTES >> 20),
        });
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('{')
        && let Ok(v) = serde_json::from_str::<Value>(text)
    {
        return Ok(vec![v]);
    }
    // A dump is large but trusted no more than any input: scale the limits with its size.
    let scale = (text.len() / 100).max(1_000_000);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = scale * 4;
    budget.max_nodes = scale * 2;
    budget.max_total_scalar_bytes = text.len() * 2 + 1_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let docs: Vec<Value> = serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        let message = e.to_string().lines().next().unwrap_or("").to_string();
        Error::Parse { file: file.to_string(), line, column, message }
    })?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}
