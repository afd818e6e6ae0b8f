//! Container logs for `doctor`: the only requests made per object, and only for failing
//! HostProcess containers, at most `--max-logs` of them, a few at a time, each tail- and
//! byte-limited.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::{Action, Kube};
use crate::snapshot::{ContainerLog, LOG_TAIL_BYTES};

/// Lines asked for per container (the end of the log, where the failure is).
pub const TAIL_LINES: i64 = 300;
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
    let result = kube.call(Action::new("get", "pods/log", Some(&r.namespace)), api.logs(&r.pod, &params)).await;
    let mut log = ContainerLog {
        namespace: r.namespace,
        pod: r.pod,
        container: r.container,
        previous: r.previous,
        ..Default::default()
    };
    match result {
        Ok(text) => log.lines = text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect(),
        Err(e) => {
            tracing::info!("no log for {}/{} container {}: {e}", log.namespace, log.pod, log.container);
            log.request_error = Some(e.to_string());
        }
    }
    log
}
