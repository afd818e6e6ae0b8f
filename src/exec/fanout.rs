//! Fan-out: the command on many nodes at once (at most `--max-concurrency`), each pod deleted
//! as soon as its node is done.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Node;

use super::lifecycle::Lifecycle;
use super::node::run_on_node;
use super::plan::{Request, max_output, options_for};
use super::sink::{Bounded, Captured, Sink};
use super::spec::PodOptions;
use crate::error::Result;
use crate::snapshot::node_name;

/// What happened on one node.
#[derive(Debug)]
pub struct NodeOutcome {
    /// The pod it ran in (its node and name).
    pub pod: PodOptions,
    /// The remote exit code, or why there is none.
    pub result: Result<i32>,
    /// Zero outside a fan-out.
    pub duration: Duration,
    /// The output, when it was captured rather than streamed.
    pub captured: Option<Captured>,
}

impl NodeOutcome {
    pub fn succeeded(&self) -> bool {
        matches!(self.result, Ok(0))
    }
}

/// Run `command` on every target, each in a pod of `lc`'s namespace. Output is captured when `capture` is set, else streamed with
/// a `[node]` prefix; `on_done` sees each outcome as its node finishes (after its pod is deleted),
/// and may take its captured output (`collect` writes it and drops it there).
pub async fn fan_out(
    lc: &Lifecycle,
    req: &Request,
    targets: &[String],
    nodes: &[Node],
    command: &[String],
    capture: bool,
    on_done: &(dyn Fn(&mut NodeOutcome) + Sync),
) -> Result<Vec<NodeOutcome>> {
    let sem = Arc::new(tokio::sync::Semaphore::new(req.max_concurrency.max(1)));
    let mut jobs = Vec::new();
    for t in targets {
        let opts = options_for(req, &lc.namespace, t)?;
        let sem = sem.clone();
        let node = nodes.iter().find(|n| node_name(n) == t.as_str());
        jobs.push(async move {
            let _permit = sem.acquire().await.expect("semaphore");
            let start = Instant::now();
            let limit = max_output(req);
            let buffer = Arc::new(Mutex::new((Bounded::new(limit), Bounded::new(limit))));
            let sink = if capture { Sink::Captured(buffer.clone()) } else { Sink::Prefixed(opts.node.clone()) };
            let result = run_on_node(lc, req, &opts, command, node, sink, true).await;
            // Delete as soon as this node is done; the tracker covers interrupts.
            if !req.keep {
                let _ = lc.delete(&opts.name).await;
            }
            let captured = capture.then(|| {
                let (out, err) =
                    std::mem::replace(&mut *buffer.lock().expect("capture"), (Bounded::new(0), Bounded::new(0)));
                let ((stdout, stdout_cut), (stderr, stderr_cut)) = (out.finish(), err.finish());
                Captured { stdout, stderr, stdout_cut, stderr_cut }
            });
            let mut outcome = NodeOutcome { pod: opts, result, duration: start.elapsed(), captured };
            on_done(&mut outcome);
            outcome
        });
    }
    Ok(futures::future::join_all(jobs).await)
}
