//! Container logs for `doctor`: the only requests made per object, and only for failing
//! HostProcess containers, at most `--max-logs` of them, a few at a time, each tail- and
//! byte-limited.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::body::Body;
use super::{Action, Kube};
use crate::snapshot::{ContainerLog, LOG_TAIL_BYTES};

/// Lines asked for per container (the end of the log, where the failure is).
pub const TAIL_LINES: i64 = 300;
/// Largest log body read: the server is asked for [`LOG_TAIL_BYTES`]; one that sends more (or
/// never stops) is cut here, and the tail kept is [`LOG_TAIL_BYTES`] anyway.
const MAX_LOG_BODY_BYTES: usize = 4 * LOG_TAIL_BYTES;
/// Log requests in flight at once.
const CONCURRENCY: usize = 8;

/// One container whose log to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The previous attempt (`--previous`): the current one is waiting to restart.
    pub previous: bool,
}

/// Read the logs, concurrently. A log the server cannot give (the container never ran, the
/// previous attempt is gone, no RBAC for `pods/log`) is kept with its reason, not an error.
pub async fn read_logs(kube: &Kube, requests: Vec<LogRequest>) -> Vec<ContainerLog> {
    futures::stream::iter(requests).map(|r| read_log(kube, r)).buffer_unordered(CONCURRENCY).collect().await
}

async fn read_log(kube: &Kube, r: LogRequest) -> ContainerLog {
    let api: Api<Pod> = Api::namespaced(kube.client.clone(), &r.namespace);
    let params = LogParams {
        container: Some(r.container.clone()),
        previous: r.previous,
        tail_lines: Some(TAIL_LINES),
        limit_bytes: Some(LOG_TAIL_BYTES as i64),
        ..Default::default()
    };
    let read = async {
        let stream = api.log_stream(&r.pod, &params).await?;
        super::body::read_body(stream, MAX_LOG_BODY_BYTES).await.map_err(kube::Error::ReadEvents)
    };
    let result = kube.call(Action::new("get", "pods/log", Some(&r.namespace)), read).await;
    let mut log = ContainerLog {
        namespace: r.namespace,
        pod: r.pod,
        container: r.container,
        previous: r.previous,
        ..Default::default()
    };
    match result {
        Ok(body) => log.lines = tail_lines(&body),
        Err(e) => {
            tracing::info!("no log for {}/{} container {}: {e}", log.namespace, log.pod, log.container);
            log.request_error = Some(e.to_string());
        }
    }
    log
}

/// The lines of a log body (not UTF-8 is replaced, `\r\n` is a line end), the last ones that
/// fit in [`LOG_TAIL_BYTES`]; a body cut at [`MAX_LOG_BODY_BYTES`] loses its unfinished line.
fn tail_lines(body: &Body) -> Vec<String> {
    let (bytes, cut) = match body {
        Body::Whole(b) => (b.as_slice(), false),
        Body::Cut(b) => (b.as_slice(), true),
    };
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if cut && !text.ends_with('\n') {
        lines.pop();
    }
    let mut size = 0;
    let keep = lines.iter().rev().take_while(|l| {
        size += l.len() + 1;
        size <= LOG_TAIL_BYTES
    });
    let start = lines.len() - keep.count();
    lines[start..].iter().map(|l| l.trim_end_matches('\r').to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_body_keeps_its_lines_and_a_body_longer_than_asked_only_its_tail() {
        let whole = Body::Whole(b"one\r\ntwo\n\xffthree".to_vec());
        assert_eq!(tail_lines(&whole), ["one", "two", "\u{fffd}three"]);
        // A server that ignores limitBytes: the body was cut, the tail within LOG_TAIL_BYTES kept.
        let mut big = Vec::new();
        for i in 0..MAX_LOG_BODY_BYTES / 12 {
            big.extend_from_slice(format!("line {i:06}\n").as_bytes());
        }
        big.truncate(MAX_LOG_BODY_BYTES - 3);
        let lines = tail_lines(&Body::Cut(big));
        assert!(lines.iter().map(|l| l.len() + 1).sum::<usize>() <= LOG_TAIL_BYTES);
        assert!(lines.len() > 1000, "{}", lines.len());
        let last = lines.last().unwrap();
        assert!(last.starts_with("line ") && last.len() == 11, "the unfinished line is dropped: {last:?}");
    }
}
