//! Work on Windows nodes through throwaway pods, as one safe sequence shared by `exec`,
//! `collect`, `cp` and `logs`:
//!
//! 1. [`find_targets`]: one GET (a single named node) or one LIST of nodes, and the targets;
//! 2. [`preflight`]: RBAC and Pod Security (a server-side dry-run), before any pod exists;
//! 3. [`run`]: the work, with the session's pod and event watches; whatever ends it (done, a
//!    watch the server refuses, a signal), every pod the session created is deleted.
//!
//! Steps 1 and 2 create nothing: wrap them in [`interruptible`] so a signal just stops.

use std::future::Future;
use std::io::IsTerminal;

use k8s_openapi::api::core::v1::Node;

use super::access::{check_pod_security, check_rbac};
use super::lifecycle::Lifecycle;
use super::plan::{Request, options_for, select_targets};
use super::signals::{Signals, Stop};
use crate::error::{Error, Result};
use crate::kube::{Kube, collect};

/// The nodes read and the targets chosen among them.
#[derive(Debug, Clone)]
pub struct Targets {
    /// The API server's version, when it answered.
    pub version: Option<String>,
    pub nodes: Vec<Node>,
    /// The chosen nodes' names, in order.
    pub names: Vec<String>,
    /// Windows nodes `--all`/`-l` left out because they cannot run HostProcess pods, with why.
    pub skipped: Vec<(String, String)>,
}

impl Targets {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| crate::snapshot::node_name(n) == name)
    }
}

/// `fut`, or [`Error::Interrupted`] on the first signal. For work that creates nothing.
pub async fn interruptible<T>(signals: &mut Signals, fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::select! {
        r = fut => r,
        _ = signals.recv() => Err(Error::Interrupted),
    }
}

/// Ask on the terminal before working on `n` nodes (`doing`: "Run on", "Collect from"); without a
/// terminal, refuse (the caller's `--yes` skips this).
pub fn confirm(n: usize, doing: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "refusing to {} {n} nodes without confirmation: pass --yes",
            doing.to_lowercase()
        )));
    }
    eprint!("{doing} {n} Windows nodes? [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// Read the nodes and choose the targets of `req` (node names, `--all` or `-l`). Nodes that
/// cannot run HostProcess pods are skipped with a line on stderr when chosen by selection, and
/// are an error when named.
pub async fn find_targets(kube: &Kube, req: &Request) -> Result<Targets> {
    let (version, nodes) = read_nodes(kube, req).await?;
    let mut skipped = Vec::new();
    let names = select_targets(&nodes, req, version.as_deref(), &mut |name, why| {
        crate::stderr_line!("skipping node {name}: {why}");
        skipped.push((name.to_string(), why.to_string()));
    })?;
    Ok(Targets { version, nodes, names, skipped })
}

/// The server's version and the nodes `req` may choose from: one GET for a single named node
/// (not a LIST of every node: 0.1 s against 0.3 s at 2,000 nodes), else one LIST (`-l`'s
/// selector, or every node).
pub async fn read_nodes(kube: &Kube, req: &Request) -> Result<(Option<String>, Vec<Node>)> {
    let version = kube.server_version().await.ok();
    let nodes: Vec<Node> = match req.nodes.as_slice() {
        [one] if !req.by_selection() => collect::get_cluster(kube, one, "nodes").await?.into_iter().collect(),
        _ => collect::list_cluster(kube, req.selector.as_deref(), "nodes").await?,
    };
    Ok((version, nodes))
}

/// RBAC for the throwaway pods and Pod Security for `first`'s pod (a server-side dry-run
/// create), before any pod exists.
pub async fn preflight(lc: &Lifecycle, req: &Request, first: &str) -> Result<()> {
    check_rbac(&lc.kube, &lc.namespace).await?;
    check_pod_security(&lc.kube, &lc.namespace, &lc.pod(&options_for(req, &lc.namespace, first)?)).await
}

/// Run `work` with `lc`'s watches. It ends when the work does, when the API server refuses the
/// pod watch (with that error), or on a signal ([`Error::Interrupted`]). Then every pod the
/// session still has is deleted, unless `keep` (and the run was not interrupted): those are
/// named on stderr with the command that deletes them.
pub async fn run<T>(
    lc: &Lifecycle,
    signals: &mut Signals,
    keep: bool,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    let (mut pod_watch, event_watch) = lc.start_watches();
    let mut stop = None;
    let outcome = tokio::select! {
        r = work => r,
        r = &mut pod_watch => Err(r.unwrap_or_else(|e| Error::Request(format!("the pod watch failed: {e}")))),
        s = signals.recv() => { stop = Some(s); Err(Error::Interrupted) }
    };
    pod_watch.abort();
    event_watch.abort();
    // Cleanup on every path. Once the terminal hung up, stderr may be gone: never panic on it.
    let namespace = &lc.namespace;
    if keep && !matches!(outcome, Err(Error::Interrupted)) {
        for name in lc.tracker.names() {
            crate::stderr_line!(
                "kept pod {namespace}/{name}; delete it with: kubectl delete pod -n {namespace} {name}"
            );
        }
    } else {
        for (name, e) in lc.delete_all().await {
            crate::stderr_line!(
                "warning: could not delete pod {namespace}/{name}: {e}\nhint: {}",
                lc.leftover_hint(&name)
            );
        }
    }
    if stop == Some(Stop::HangUp) {
        tracing::debug!("stopped by a hang-up; the pods were deleted");
    }
    outcome
}
