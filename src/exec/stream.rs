//! The end of an exec stream, shared by one-shot runs and interactive sessions: wait for the
//! stream's own task, then for the output it already delivered, then for the exit status.
//!
//! kube's exec task can end on a websocket error (the connection to the API server cut) while
//! the output pipes it fed stay open; waiting on the pipes first would then hang for ever. So
//! the task is awaited first, and after a broken stream the pipes get a short, bounded drain.

use std::future::Future;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::AttachedProcess;
use tokio::task::JoinHandle;

use super::status::remote_exit;
use crate::error::{Error, Result};

/// How long output already received may take to reach the terminal after the stream broke.
const DRAIN_AFTER_BREAK: Duration = Duration::from_secs(2);

/// Wait for the stream to end, then its output `pumps`, then the status; the remote exit code,
/// or an error naming a broken stream (exit 3).
pub async fn finish(
    proc: AttachedProcess,
    status: Option<impl Future<Output = Option<Status>>>,
    pumps: Vec<JoinHandle<()>>,
) -> Result<i32> {
    let ended = proc.join().await;
    let broken = ended.as_ref().err().map(ToString::to_string);
    for pump in pumps {
        if broken.is_some() {
            let abort = pump.abort_handle();
            if tokio::time::timeout(DRAIN_AFTER_BREAK, pump).await.is_err() {
                abort.abort();
            }
        } else {
            let _ = pump.await;
        }
    }
    // The status channel's sender lived in the task that just ended: this never waits long.
    let status = match status {
        Some(s) => tokio::time::timeout(DRAIN_AFTER_BREAK, s).await.ok().flatten(),
        None => None,
    };
    match (status, broken) {
        (None, Some(why)) => Err(broken_stream(&why)),
        (status, _) => remote_exit(status),
    }
}

fn broken_stream(why: &str) -> Error {
    Error::Request(format!("the exec stream to the node broke before the command ended: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn a_broken_stream_names_the_break() {
        let e = broken_stream("connection reset");
        assert!(e.to_string().contains("broke before the command ended: connection reset"), "{e}");
        assert_eq!(e.exit_code(), ExitCode::Cluster);
    }
}
