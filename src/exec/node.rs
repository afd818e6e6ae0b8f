//! The work on one node: create the pod, wait for Running (explaining a start failure with the
//! doctor's checks), run the command. Deleting is the caller's, on every path.

use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use tokio::time::Instant;

use super::lifecycle::{Lifecycle, StartFailure};
use super::plan::Request;
use super::sink::Sink;
use super::spec::PodOptions;
use crate::error::{Error, Result};
use crate::output::escape::{terminal_safe, terminal_safe_line};
use crate::snapshot::{Snapshot, Source};

/// Explain a start failure with the doctor's own checks over the pod, its events and node.
pub fn explain_failure(f: &StartFailure, node: Option<&Node>) -> Vec<String> {
    let Some(pod) = &f.pod else { return vec![] };
    let snapshot = Snapshot {
        source: Source::Cluster,
        pods: vec![pod.clone()],
        events: f.events.iter().cloned().map(Into::into).collect(),
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
/// `unreachable` is the connection error the pod watch was failing with at that moment: then
/// the pod did not "fail to start", the API server went away (exit 3, no image-pull hint).
pub fn start_error(
    req: &Request,
    opts: &PodOptions,
    f: StartFailure,
    node: Option<&Node>,
    unreachable: Option<Error>,
) -> Error {
    if let Some(Error::Unreachable { server, reason }) = unreachable {
        return Error::Unreachable {
            server,
            reason: format!(
                "{reason} (while waiting for pod {}/{} to run; if it cannot be deleted now, its deadline ends it \
                 at {})",
                opts.namespace, opts.name, opts.deadline_at
            ),
        };
    }
    let explained = explain_failure(&f, node);
    let mut hint = if explained.is_empty() {
        format!(
            "see `kubectl hostprocess doctor pod/{} -n {}` (run with --keep to leave the pod)",
            opts.name, opts.namespace
        )
    } else {
        terminal_safe(&explained.join("\nhint: ")).into_owned()
    };
    if f.reason.starts_with("not Running after") {
        hint.push_str("; first pulls of a Windows image can take minutes: raise --pod-running-timeout");
        return Error::Timeout {
            secs: req.pod_running_timeout.as_secs(),
            what: "waiting for the pod to run".into(),
            hint,
        };
    }
    // The reason quotes the pod's status or an event: text from the cluster.
    let reason = terminal_safe_line(&f.reason).into_owned();
    Error::PodStart { pod: format!("{}/{}", opts.namespace, opts.name), reason, hint }
}

/// The error when the pod's deadline (`activeDeadlineSeconds`, `--pod-deadline`) ended the
/// command: the kubelet stops the pod, and the exec stream closes without an exit status.
pub fn deadline_error(opts: &PodOptions) -> Error {
    Error::Timeout {
        secs: opts.deadline_seconds.max(0) as u64,
        what: format!(
            "running the command: the pod's deadline (activeDeadlineSeconds {}, --pod-deadline) ended the session",
            opts.deadline_seconds
        ),
        hint: "raise --pod-deadline (its default is --timeout, or 1h when --timeout is 0, plus \
               --pod-running-timeout, plus 1m)"
            .into(),
    }
}

/// Extra time after the pod's deadline before the plugin ends the command itself: the kubelet
/// counts the deadline from the pod's start, a little after the plugin's clock started.
pub const DEADLINE_GRACE: Duration = Duration::from_secs(2);

/// The local exit code for a remote one. A process exit status holds 8 bits on Linux and macOS
/// (and the shell reads it that way), so a remote code outside 1–255 — 256, or a Windows
/// NTSTATUS such as -1073741819 (0xC0000005) — would turn into a false 0 or a wrong code: it
/// becomes 1 (the real code is printed on stderr). Windows keeps 32-bit exit codes: there it
/// passes through.
pub fn local_exit_code(remote: i32) -> i32 {
    if cfg!(windows) || (0..=255).contains(&remote) { remote } else { 1 }
}

/// Create the pod and wait until it is Running (progress on stderr, prefixed with `[node]` in a
/// fan-out; a start that fails is explained with `node`). Returns the pod's deadline on this
/// clock (the kubelet's starts a little later): work in the pod ends by then plus
/// [`DEADLINE_GRACE`].
pub async fn start_pod(
    lc: &Lifecycle,
    req: &Request,
    opts: &PodOptions,
    node: Option<&Node>,
    fanout: bool,
) -> Result<Instant> {
    let tag = if fanout { format!("[{}] ", opts.node) } else { String::new() };
    let pod_deadline = Instant::now() + Duration::from_secs(opts.deadline_seconds.max(0) as u64);
    lc.create(opts).await?;
    if !fanout {
        crate::stderr_line!("{tag}pod {}/{} created on node {}", opts.namespace, opts.name, opts.node);
    }
    // Progress quotes the pod's status and events: text from the cluster.
    let waited = lc
        .wait_running(&opts.name, req.pod_running_timeout, |msg| {
            crate::stderr_line!("{tag}{}", terminal_safe_line(msg))
        })
        .await;
    match waited {
        Ok(_) => Ok(pod_deadline),
        Err(f) => Err(start_error(req, opts, f, node, lc.watch.unreachable())),
    }
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
    let pod_deadline = start_pod(lc, req, opts, node, fanout).await?;
    let session = async {
        if req.interactive() {
            lc.interactive(&opts.name, command, req.tty).await
        } else {
            lc.run_command(&opts.name, command, &sink).await
        }
    };
    let limit = tokio::time::sleep_until(pod_deadline + DEADLINE_GRACE);
    let timeout = async {
        if req.timeout.is_zero() || req.interactive() {
            std::future::pending::<()>().await
        } else {
            tokio::time::sleep(req.timeout).await
        }
    };
    let result = tokio::select! {
        r = session => r,
        _ = limit => return Err(deadline_error(opts)),
        _ = timeout => return Err(Error::Timeout {
            secs: req.timeout.as_secs(),
            what: "running the command".into(),
            hint: "raise --timeout, or 0 for none (the pod's deadline, --pod-deadline, still applies)".into(),
        }),
    };
    match result {
        // The stream closed without a status after the deadline: the kubelet ended the pod.
        Err(_) if Instant::now() >= pod_deadline => Err(deadline_error(opts)),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> PodOptions {
        super::super::plan::options_at(&Request::default(), "ops", "win-1", std::time::UNIX_EPOCH, "abcde").unwrap()
    }

    #[test]
    fn a_pod_not_running_in_time_is_a_timeout_with_the_pull_hint() {
        let req = Request { pod_running_timeout: Duration::from_secs(300), ..Default::default() };
        let f =
            StartFailure { reason: "not Running after 300s (last state: Pending)".into(), pod: None, events: vec![] };
        let e = start_error(&req, &opts(), f, None, None);
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
        let e = start_error(&Request::default(), &opts(), f, None, None);
        assert_eq!(
            e.to_string(),
            "the throwaway pod ops/hostprocess-win-1-abcde could not start: ErrImagePull: not found"
        );
        assert_eq!(e.exit_code(), crate::error::ExitCode::Findings);
    }

    #[test]
    fn an_api_outage_while_waiting_is_unreachable_not_a_pull_timeout() {
        let req = Request { pod_running_timeout: Duration::from_secs(300), ..Default::default() };
        let f =
            StartFailure { reason: "not Running after 300s (last state: Pending)".into(), pod: None, events: vec![] };
        let down = Error::Unreachable { server: "https://k:6443".into(), reason: "connection refused".into() };
        let e = start_error(&req, &opts(), f, None, Some(down));
        assert_eq!(e.exit_code(), crate::error::ExitCode::Cluster);
        let text = e.to_string();
        assert!(text.starts_with("cannot reach the API server at https://k:6443: connection refused"), "{text}");
        assert!(text.contains("pod ops/hostprocess-win-1-abcde"), "{text}");
        assert!(text.contains("1970-01-01T01:01:00Z"), "the deadline: {text}");
        assert!(!e.hint().contains("pod-running-timeout"), "no image-pull hint: {}", e.hint());
        // A watch that failed otherwise (not a connection error) changes nothing.
        let f = StartFailure { reason: "not Running after 300s".into(), pod: None, events: vec![] };
        let e = start_error(&req, &opts(), f, None, None);
        assert!(matches!(e, Error::Timeout { .. }));
    }

    #[test]
    fn start_failure_text_from_the_cluster_is_escaped() {
        let f = StartFailure { reason: "Failed: \u{1b}]0;owned\u{7}x\ny".into(), pod: None, events: vec![] };
        let e = start_error(&Request::default(), &opts(), f, None, None);
        let text = e.to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\n'), "{text:?}");
        assert!(text.contains("Failed: "), "{text}");
    }

    #[test]
    fn the_deadline_error_says_the_deadline_ended_the_session() {
        let o = super::super::plan::options_at(
            &Request { pod_deadline: Some(Duration::from_secs(5)), ..Default::default() },
            "ops",
            "win-1",
            std::time::UNIX_EPOCH,
            "abcde",
        )
        .unwrap();
        let e = deadline_error(&o);
        assert_eq!(
            e.to_string(),
            "timed out after 5s running the command: the pod's deadline (activeDeadlineSeconds 5, --pod-deadline) \
             ended the session"
        );
        assert!(e.hint().contains("raise --pod-deadline"), "{}", e.hint());
        assert_eq!(e.exit_code(), crate::error::ExitCode::Findings);
    }

    #[test]
    fn remote_codes_outside_1_to_255_never_exit_0_locally() {
        for c in [0, 1, 7, 255] {
            assert_eq!(local_exit_code(c), c);
        }
        if cfg!(windows) {
            assert_eq!(local_exit_code(256), 256);
        } else {
            for c in [256, 512, 257, -1, -1073741819, i32::MAX, i32::MIN] {
                assert_eq!(local_exit_code(c), 1, "{c}");
            }
        }
    }
}
