//! Fan-out: the command on many nodes at once (at most `--max-concurrency`), each pod deleted
//! as soon as its node is done.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Node;

use super::lifecycle::{Lifecycle, Sink};
use super::node::run_on_node;
use super::plan::{Request, max_output, options_for};
use super::spec::PodOptions;
use crate::error::Result;
use crate::snapshot::node_name;

/// A node's output (`--style group`, `-o json`): each stream whole, or its first and last bytes
/// up to `--max-output` with what was cut between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_cut: Option<Cut>,
    pub stderr_cut: Option<Cut>,
}

/// Where a kept stream was cut, and how many bytes were dropped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// The kept bytes before this offset are the stream's first, those after it its last.
    pub at: usize,
    pub dropped: u64,
}

/// At most `limit` bytes of a stream, in bounded memory: the first half as it came, the last
/// half in a ring, and a count of the bytes dropped between them.
#[derive(Debug, Clone)]
pub struct Bounded {
    limit: usize,
    head: Vec<u8>,
    tail: std::collections::VecDeque<u8>,
    dropped: u64,
}

impl Bounded {
    pub fn new(limit: usize) -> Bounded {
        let limit = limit.max(2);
        Bounded { limit, head: Vec::new(), tail: Default::default(), dropped: 0 }
    }

    pub fn push(&mut self, mut data: &[u8]) {
        let head_cap = self.limit / 2;
        let tail_cap = self.limit - head_cap;
        if self.head.len() < head_cap {
            let take = (head_cap - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        if data.len() >= tail_cap {
            self.dropped += (self.tail.len() + data.len() - tail_cap) as u64;
            self.tail.clear();
            data = &data[data.len() - tail_cap..];
        } else {
            let over = (self.tail.len() + data.len()).saturating_sub(tail_cap);
            self.tail.drain(..over);
            self.dropped += over as u64;
        }
        self.tail.extend(data);
    }

    /// The kept bytes, and where they were cut if anything was dropped.
    pub fn finish(self) -> (Vec<u8>, Option<Cut>) {
        let at = self.head.len();
        let mut out = self.head;
        out.extend(self.tail);
        let cut = (self.dropped > 0).then_some(Cut { at, dropped: self.dropped });
        (out, cut)
    }
}

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
/// a `[node]` prefix; `on_done` sees each outcome as its node finishes (after its pod is deleted).
pub async fn fan_out(
    lc: &Lifecycle,
    req: &Request,
    targets: &[String],
    nodes: &[Node],
    command: &[String],
    capture: bool,
    on_done: &(dyn Fn(&NodeOutcome) + Sync),
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
            let outcome = NodeOutcome { pod: opts, result, duration: start.elapsed(), captured };
            on_done(&outcome);
            outcome
        });
    }
    Ok(futures::future::join_all(jobs).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(limit: usize, chunks: &[&[u8]]) -> (Vec<u8>, Option<Cut>) {
        let mut b = Bounded::new(limit);
        for c in chunks {
            b.push(c);
        }
        b.finish()
    }

    #[test]
    fn output_within_the_limit_is_kept_whole() {
        assert_eq!(feed(10, &[b"abc", b"def"]), (b"abcdef".to_vec(), None));
        assert_eq!(feed(10, &[b"0123456789"]), (b"0123456789".to_vec(), None));
        assert_eq!(feed(10, &[]), (vec![], None));
    }

    #[test]
    fn longer_output_keeps_its_first_and_last_bytes_and_counts_the_rest() {
        // One big chunk, and the same bytes in small chunks, cut the same way.
        let data: Vec<u8> = (0..100u8).collect();
        let (kept, cut) = feed(10, &[&data]);
        assert_eq!(kept, [0, 1, 2, 3, 4, 95, 96, 97, 98, 99]);
        assert_eq!(cut, Some(Cut { at: 5, dropped: 90 }));
        let small: Vec<&[u8]> = data.chunks(3).collect();
        assert_eq!(feed(10, &small), (kept, cut));
        let (kept, cut) = feed(10, &[b"0123456789", b"x"]);
        assert_eq!(kept, b"012346789x");
        assert_eq!(cut, Some(Cut { at: 5, dropped: 1 }));
    }

    #[test]
    fn memory_stays_at_the_limit_for_any_length() {
        let mut b = Bounded::new(1024);
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..256 {
            b.push(&chunk); // 16 MiB in all
        }
        assert!(b.head.capacity() <= 4096 && b.tail.len() == 512, "{} {}", b.head.capacity(), b.tail.len());
        let (kept, cut) = b.finish();
        assert_eq!(kept.len(), 1024);
        assert_eq!(cut, Some(Cut { at: 512, dropped: 16 * 1024 * 1024 - 1024 }));
    }
}
