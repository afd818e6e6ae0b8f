//! The work on one node: create the pod, wait for Running (explaining a start failure with the
//! doctor's checks), run the command. Deleting is the caller's, on every path.

use k8s_openapi::api::core::v1::Node;

use super::lifecycle::{Lifecycle, Sink, StartFailure};
use super::plan::Request;
use super::spec::PodOptions;
use crate::error::{Error, Result};
use crate::snapshot::{Snapshot, Source};

/// Explain a start failure with the doctor's own checks over the pod, its events and node.
pub fn explain_failure(f: &StartFailure, node: Option<&Node>) -> Vec<String> {
    let Some(pod) = &f.pod else { return vec![] };
    let snapshot = Snapshot {
        source: Source::Cluster,
        pods: vec![pod.clone()],
        events: f.events.clone(),
        nodes: node.cloned().into_iter().collect(),
        ..Default::default()
    };
    crate::checks::run(&snapshot)
        .into_iter()
        .filter(|x| {
            x.severity >= crate::finding::Severity::Warning && x.object.as_ref().is_some_and(|o| o.kind == "Pod")
        })
        .map(|x| format!("{}: {} (fix: {})", x.rule, x.message, x.fix))
        .collect()
}

/// The error for a pod that did not reach Running: a timeout, or a start failure with a hint.
pub fn start_error(req: &Request, opts: &PodOptions, f: StartFailure, node: Option<&Node>) -> Error {
    let explained = explain_failure(&f, node);
    let mut hint = if explained.is_empty() {
        format!(
            "see `kubectl hostprocess doctor pod/{} -n {}` (run with --keep to leave the pod)",
            opts.name, opts.namespace
        )
    } else {
        explained.join("\nhint: ")
    };
    if f.reason.starts_with("not Running after") {
        hint.push_str("; first pulls of a Windows image can take minutes: raise --pod-running-timeout");
        return Error::Timeout {
            secs: req.pod_running_timeout.as_secs(),
            what: "waiting for the pod to run".into(),
            hint,
        };
    }
    Error::PodStart { pod: format!("{}/{}", opts.namespace, opts.name), reason: f.reason, hint }
}

/// Wait for Running, run the command; the remote exit code. Progress lines go to stderr,
/// prefixed with `[node]` in a fan-out.
pub async fn run_on_node(
    lc: &Lifecycle,
    req: &Request,
    opts: &PodOptions,
    command: &[String],
    node: Option<&Node>,
    sink: Sink,
    fanout: bool,
) -> Result<i32> {
    let tag = if fanout { format!("[{}] ", opts.node) } else { String::new() };
    lc.create(opts).await?;
    if !fanout {
        eprintln!("{tag}pod {}/{} created on node {}", opts.namespace, opts.name, opts.node);
    }
    let waited = lc.wait_running(&opts.name, req.pod_running_timeout, |msg| eprintln!("{tag}{msg}")).await;
    if let Err(f) = waited {
        return Err(start_error(req, opts, f, node));
    }
    if req.interactive() {
        lc.interactive(&opts.name, command, req.tty).await
    } else if req.timeout.is_zero() {
        lc.run_command(&opts.name, command, &sink).await
    } else {
        match tokio::time::timeout(req.timeout, lc.run_command(&opts.name, command, &sink)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout {
                secs: req.timeout.as_secs(),
                what: "running the command".into(),
                hint: "raise --timeout, or 0 for none".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn opts() -> PodOptions {
        super::super::plan::options_at(&Request::default(), "ops", "win-1", std::time::UNIX_EPOCH, "abcde").unwrap()
    }

    #[test]
    fn a_pod_not_running_in_time_is_a_timeout_with_the_pull_hint() {
        let req = Request { pod_running_timeout: Duration::from_secs(300), ..Default::default() };
        let f =
            StartFailure { reason: "not Running after 300s (last state: Pending)".into(), pod: None, events: vec![] };
        let e = start_error(&req, &opts(), f, None);
        assert_eq!(e.to_string(), "timed out after 300s waiting for the pod to run");
        assert_eq!(
            e.hint(),
            "see `kubectl hostprocess doctor pod/hostprocess-win-1-abcde -n ops` (run with --keep to leave the pod); \
             first pulls of a Windows image can take minutes: raise --pod-running-timeout"
        );
    }

    #[test]
    fn a_start_failure_names_the_pod_and_its_reason() {
        let f = StartFailure { reason: "ErrImagePull: not found".into(), pod: None, events: vec![] };
        let e = start_error(&Request::default(), &opts(), f, None);
        assert_eq!(
            e.to_string(),
            "the throwaway pod ops/hostprocess-win-1-abcde could not start: ErrImagePull: not found"
        );
        assert_eq!(e.exit_code(), crate::error::ExitCode::Findings);
    }
}
