//! The node part of a bundle: what one node's collector run gave (its exit, its captured
//! output) turned into items and the node's status. Pure; `commands/collect.rs` runs the
//! collector through `exec::session`/`exec::fanout` and writes what this returns.

use std::time::Duration;

use super::NodeItem;
use super::frame::{self, FrameError};
use super::manifest::{NodeRecord, NodeStatus};
use crate::error::Error;
use crate::exec::sink::Captured;

/// Bytes of the node's stderr quoted in its error.
const STDERR_QUOTE: usize = 400;

/// The items a node's stdout holds, and why the rest is missing if it is cut.
/// After the merge: helper A's partial decode (the items received before a cut) goes here.
pub fn decode(stdout: &[u8]) -> (Vec<NodeItem>, Option<FrameError>) {
    frame::decode_partial(stdout)
}

/// The end of the node's stderr, on one line, for an error message.
fn stderr_tail(c: &Captured) -> Option<String> {
    let text = String::from_utf8_lossy(&c.stderr);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut start = text.len().saturating_sub(STDERR_QUOTE);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    Some(text[start..].split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The node's items and its record (status, error, counts; `bytes` and `items` count what is
/// written). `result` is the remote exit code or why the collector did not run or finish.
pub fn node_result(
    node: &str,
    pod: &str,
    result: &Result<i32, Error>,
    captured: Option<&Captured>,
    duration: Duration,
    max_output: usize,
) -> (NodeRecord, Vec<NodeItem>) {
    let empty = Captured::default();
    let c = captured.unwrap_or(&empty);
    let decoded = if c.stdout.is_empty() && result.is_err() { (Vec::new(), None) } else { decode(&c.stdout) };
    record_of(node, pod, result, c, decoded, duration, max_output)
}

/// [`node_result`] once the output is decoded (items, and why the rest is missing).
fn record_of(
    node: &str,
    pod: &str,
    result: &Result<i32, Error>,
    c: &Captured,
    (items, frame_error): (Vec<NodeItem>, Option<FrameError>),
    duration: Duration,
    max_output: usize,
) -> (NodeRecord, Vec<NodeItem>) {
    let mut why = Vec::new();
    match result {
        Err(e) => why.push(e.to_string()),
        Ok(0) => {}
        Ok(code) => why.push(format!("the collector exited with code {code}")),
    }
    if let Some(cut) = &c.stdout_cut {
        why.push(format!(
            "its output was larger than --max-output ({max_output} bytes): {} bytes dropped",
            cut.dropped
        ));
    }
    if let Some(e) = &frame_error {
        why.push(e.to_string());
    }
    if !why.is_empty()
        && let Some(tail) = stderr_tail(c)
    {
        why.push(format!("stderr: {tail}"));
    }
    let status = match (why.is_empty(), items.is_empty()) {
        (true, _) => NodeStatus::Ok,
        (false, false) => NodeStatus::Partial,
        (false, true) => NodeStatus::Failed,
    };
    let record = NodeRecord {
        name: node.to_string(),
        status,
        error: (!why.is_empty()).then(|| why.join("; ")),
        pod: pod.to_string(),
        items: 0,
        bytes: 0,
        duration_ms: duration.as_millis() as u64,
    };
    (record, items)
}

/// `12 items, 1.2 MiB, 3.4 s` or `failed: …`, for the progress line of a node.
pub fn progress_line(r: &NodeRecord) -> String {
    let mib = r.bytes as f64 / (1024.0 * 1024.0);
    let secs = r.duration_ms as f64 / 1000.0;
    let size =
        if r.bytes < 100 * 1024 { format!("{:.1} KiB", r.bytes as f64 / 1024.0) } else { format!("{mib:.1} MiB") };
    let counts = format!("{} items, {size}, {secs:.1} s", r.items);
    match (r.status, &r.error) {
        (NodeStatus::Ok, _) => counts,
        (NodeStatus::Partial, e) => format!("partial ({counts}): {}", e.as_deref().unwrap_or("")),
        (NodeStatus::Failed, e) => format!("failed after {secs:.1} s: {}", e.as_deref().unwrap_or("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::sink::Cut;

    fn captured(stdout: &[u8], stderr: &[u8]) -> Captured {
        Captured { stdout: stdout.to_vec(), stderr: stderr.to_vec(), ..Default::default() }
    }

    #[test]
    fn a_pod_that_never_started_is_failed_with_its_error() {
        let e = Error::PodStart { pod: "p".into(), reason: "ImagePullBackOff".into(), hint: String::new() };
        let (r, items) = node_result("win-a", "p", &Err(e), None, Duration::from_millis(1500), 1 << 20);
        assert_eq!(r.status, NodeStatus::Failed);
        assert!(items.is_empty());
        assert_eq!(r.error.as_deref(), Some("the throwaway pod p could not start: ImagePullBackOff"));
        assert_eq!(r.duration_ms, 1500);
        assert!(progress_line(&r).starts_with("failed after 1.5 s: the throwaway pod"), "{}", progress_line(&r));
    }

    #[test]
    fn output_that_is_not_the_collectors_fails_the_node_and_quotes_its_stderr() {
        // With the stub decoder every output fails; with helper A's, garbage fails too.
        let c = captured(b"not framed", b"testenv winhost: no stand-in for script 'collector'\n");
        let (r, items) = node_result("win-a", "p", &Ok(127), Some(&c), Duration::ZERO, 1 << 20);
        assert_eq!(r.status, NodeStatus::Failed);
        assert!(items.is_empty());
        let e = r.error.unwrap();
        assert!(e.starts_with("the collector exited with code 127; "), "{e}");
        assert!(e.ends_with("stderr: testenv winhost: no stand-in for script 'collector'"), "{e}");
    }

    #[test]
    fn a_cut_output_is_named_with_the_limit() {
        let mut c = captured(b"x", b"");
        c.stdout_cut = Some(Cut { at: 1, dropped: 99 });
        let (r, _) = node_result("win-a", "p", &Ok(0), Some(&c), Duration::ZERO, 100);
        assert!(r.error.unwrap().contains("larger than --max-output (100 bytes): 99 bytes dropped"));
    }

    #[test]
    fn progress_lines_give_items_size_and_time() {
        let r = NodeRecord { items: 14, bytes: 1_258_291, duration_ms: 3400, ..Default::default() };
        assert_eq!(progress_line(&r), "14 items, 1.2 MiB, 3.4 s");
        let r = NodeRecord { items: 2, bytes: 2048, duration_ms: 100, ..Default::default() };
        assert_eq!(progress_line(&r), "2 items, 2.0 KiB, 0.1 s");
    }

    #[test]
    fn items_before_a_cut_make_a_partial_node_and_a_clean_run_an_ok_one() {
        let item = NodeItem { path: "os.json".into(), data: b"{}".to_vec(), ..Default::default() };
        let c = captured(b"framed", b"");
        let cut = Some(FrameError::Truncated { items: 1 });
        let (r, items) = record_of("n", "p", &Ok(0), &c, (vec![item.clone()], cut), Duration::ZERO, 1);
        assert_eq!((r.status, items.len()), (NodeStatus::Partial, 1));
        assert!(r.error.unwrap().contains("(1 items received)"));
        let (r, _) = record_of("n", "p", &Ok(0), &c, (vec![item.clone()], None), Duration::ZERO, 1);
        assert_eq!((r.status, r.error), (NodeStatus::Ok, None));
        // Every item arrived, but the pod's deadline or a lost stream ended the exec: partial.
        let (r, _) = record_of("n", "p", &Err(Error::Interrupted), &c, (vec![item], None), Duration::ZERO, 1);
        assert_eq!(r.status, NodeStatus::Partial);
    }
}
