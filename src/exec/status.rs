//! Reading the exit code from an exec status, and how a throwaway pod's start is going.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::{Event, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use k8s_openapi::jiff::Timestamp;

use crate::error::{Error, Result};
use crate::output::escape::terminal_safe_line;

/// The remote exit code at the end of an exec stream, or why there is none.
pub fn remote_exit(status: Option<Status>) -> Result<i32> {
    match status {
        Some(s) => exit_code(&s).ok_or_else(|| {
            Error::Request(format!("exec failed: {}", s.message.clone().unwrap_or_else(|| "no message".into())))
        }),
        None => Err(Error::Request("the exec stream closed without an exit status".into())),
    }
}

/// The remote command's exit code from the status channel, as kubectl decodes it: `Success` is
/// 0, a failure carries it in `details.causes[reason=ExitCode]` (reason `NonZeroExitCode`).
/// Any other failure is an error of the API server, the kubelet or the runtime, never an exit
/// code, whatever its message says.
pub fn exit_code(status: &Status) -> Option<i32> {
    if status.status.as_deref() == Some("Success") {
        return Some(0);
    }
    status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|c| c.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| parse_code(m.trim()))
}

/// A Windows exit code is 32 bits; the kubelet may print an NTSTATUS such as 0xC0000005 as the
/// unsigned 3221225477 or as the signed -1073741819. Both are the same i32.
fn parse_code(m: &str) -> Option<i32> {
    m.parse::<i32>().ok().or_else(|| m.parse::<u32>().ok().map(|u| u as i32))
}

/// Waiting reasons no retry of the kubelet can change: the image name in the spec is invalid,
/// or the pull policy is Never and the image is not on the node (the kubelet never pulls it).
const TERMINAL_WAITING: &[&str] = &["InvalidImageName", "ErrImageNeverPull"];

/// Waiting reasons of a failure the kubelet retries on its own (pulls with back-off, container
/// creation on every sync): registry and network blips, a secret or config created late, a
/// runtime that recovers. They are evidence, and end a start only with the pod-running timeout.
const RETRIED_WAITING: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "ImageInspectError",
    "RegistryUnavailable",
    "SignatureValidationFailed",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
    "PreStartHookError",
    "PostStartHookError",
    "CrashLoopBackOff",
];

/// What the pod's status says about starting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    /// Not running yet; the text says what it is doing.
    Waiting(String),
    /// Not running: a failure the kubelet keeps retrying (the reason and message).
    Retrying(String),
    Running,
    /// Will not start: the reason and message.
    Failed(String),
}

pub fn pod_state(pod: &Pod) -> PodState {
    let state = status_state(pod);
    if pod.metadata.deletion_timestamp.is_some() && state != PodState::Running {
        let why = match &state {
            PodState::Failed(t) | PodState::Retrying(t) | PodState::Waiting(t) => t.as_str(),
            PodState::Running => "",
        };
        return PodState::Failed(format!("the pod is being deleted (last state: {why})"));
    }
    state
}

fn status_state(pod: &Pod) -> PodState {
    let Some(status) = pod.status.as_ref() else { return PodState::Waiting("Pending".into()) };
    let phase = status.phase.as_deref().unwrap_or("Pending");
    // Never is the throwaway pod's policy; the API server's default is Always.
    let policy = pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()).unwrap_or("Always");
    let container = status.container_statuses.as_ref().and_then(|c| c.first()).and_then(|cs| cs.state.as_ref());
    let terminated = container.and_then(|s| s.terminated.as_ref()).map(|t| {
        let text = format!("container exited with code {} ({})", t.exit_code, t.reason.clone().unwrap_or_default());
        (t.exit_code, text)
    });
    if matches!(phase, "Failed" | "Succeeded") {
        let pod_reason = status
            .reason
            .as_ref()
            .map(|r| format!(" ({r}: {})", status.message.clone().unwrap_or_default()))
            .unwrap_or_default();
        return PodState::Failed(match terminated {
            Some((_, text)) => text,
            None => format!("pod is {phase}{pod_reason}"),
        });
    }
    if let Some(w) = container.and_then(|s| s.waiting.as_ref()) {
        let reason = w.reason.clone().unwrap_or_default();
        let text = match &w.message {
            Some(m) if !m.is_empty() => format!("{reason}: {m}"),
            _ => reason.clone(),
        };
        if TERMINAL_WAITING.contains(&reason.as_str()) {
            return PodState::Failed(text);
        }
        if RETRIED_WAITING.contains(&reason.as_str()) {
            return PodState::Retrying(text);
        }
        return PodState::Waiting(text);
    }
    if let Some((code, text)) = terminated {
        // The kubelet restarts it unless the policy says not to.
        let restarts = policy == "Always" || (policy == "OnFailure" && code != 0);
        return if restarts { PodState::Retrying(text) } else { PodState::Failed(text) };
    }
    match phase {
        "Running" => PodState::Running,
        _ => {
            let unsched = status
                .conditions
                .as_ref()
                .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False"));
            match unsched {
                Some(c) => PodState::Waiting(format!(
                    "{}: {}",
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default()
                )),
                None => PodState::Waiting(phase.to_string()),
            }
        }
    }
}

/// What one look at a starting pod says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    Running,
    /// Will not start, whatever the kubelet retries: the reason.
    Failed(String),
    /// Not yet: keep waiting (until the pod-running timeout).
    Waiting,
}

/// Follows one pod's start through the pod and its events, seen again at each change.
/// Only the pod's status ends a start early (Running, or a state no retry can change): events
/// such as `Failed`, `FailedCreatePodSandBox` or `BackOff` are what the kubelet retries, and are
/// kept as the evidence a timeout reports.
#[derive(Debug, Default)]
pub struct StartWatch {
    seen: HashSet<(String, i32)>,
    last_state: String,
    retrying: Option<String>,
    failure_event: Option<String>,
}

impl StartWatch {
    /// Look at the pod (if seen yet) and its events. New events (and each new count of one) and
    /// state changes are passed to `progress`, one line each, escaped for the terminal.
    pub fn observe(&mut self, pod: Option<&Pod>, events: &[Event], mut progress: impl FnMut(&str)) -> Start {
        for e in events {
            let key = (e.metadata.uid.clone().unwrap_or_default(), e.count.unwrap_or(1));
            if self.seen.insert(key) {
                let line = format!(
                    "{} {}: {}",
                    e.type_.as_deref().unwrap_or_default(),
                    e.reason.as_deref().unwrap_or_default(),
                    e.message.as_deref().unwrap_or_default()
                );
                progress(&terminal_safe_line(&line));
            }
        }
        self.failure_event = last_failure_event(events);
        let Some(pod) = pod else { return Start::Waiting };
        let (text, retrying) = match pod_state(pod) {
            PodState::Running => return Start::Running,
            PodState::Failed(reason) => return Start::Failed(reason),
            PodState::Waiting(t) => (t, None),
            PodState::Retrying(t) => (t.clone(), Some(t)),
        };
        self.retrying = retrying;
        if text != self.last_state {
            progress(&terminal_safe_line(&text));
            self.last_state = text;
        }
        Start::Waiting
    }

    /// Why the pod was not Running when the timeout ended. A failure the kubelet was still
    /// retrying (the container's waiting reason, else the pod's latest event when it is a
    /// warning) is the reason, with the evidence; otherwise it is a timeout, worded
    /// `not Running after Ns (last state: …)`.
    pub fn timeout_reason(&self, timeout: std::time::Duration) -> String {
        let secs = timeout.as_secs();
        match self.retrying.as_ref().or(self.failure_event.as_ref()) {
            Some(f) => format!("{f} (the kubelet was still retrying when the {secs}s pod-running timeout ended)"),
            None => {
                let last = if self.last_state.is_empty() { "unknown" } else { self.last_state.as_str() };
                format!("not Running after {secs}s (last state: {last})")
            }
        }
    }
}

/// The pod's latest event, as `reason: message`, when it is a warning that is not the
/// scheduler's (an unschedulable pod says so in its state). An older warning followed by
/// progress (`Pulling`, `Created`, …) is not the reason any more.
fn last_failure_event(events: &[Event]) -> Option<String> {
    let latest = events.iter().enumerate().max_by_key(|(i, e)| (event_when(e), *i)).map(|(_, e)| e)?;
    let reason = latest.reason.as_deref().unwrap_or_default();
    if latest.type_.as_deref() != Some("Warning") || reason == "FailedScheduling" {
        return None;
    }
    Some(format!("{reason}: {}", latest.message.as_deref().unwrap_or_default()))
}

/// When an event last happened: its series, lastTimestamp, eventTime, firstTimestamp, creation.
fn event_when(e: &Event) -> Option<Timestamp> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| t.0)
        .or_else(|| e.last_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(json: serde_json::Value) -> Status {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn exit_code_from_causes_like_kubectl() {
        let s = status(
            serde_json::json!({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"42"}]}}),
        );
        assert_eq!(exit_code(&s), Some(42));
        assert_eq!(exit_code(&status(serde_json::json!({"status":"Success"}))), Some(0));
        let ntstatus = |m: &str| {
            status(
                serde_json::json!({"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":m}]}}),
            )
        };
        assert_eq!(exit_code(&ntstatus("3221225477")), Some(0xC000_0005_u32 as i32));
        assert_eq!(exit_code(&ntstatus("-1073741819")), Some(0xC000_0005_u32 as i32));
        assert_eq!(exit_code(&ntstatus("99999999999")), None);
    }

    #[test]
    fn an_exit_status_in_an_error_message_is_not_an_exit_code() {
        // What kwok v0.8.0 unpatched sends for a failing command: an InternalError. Only a
        // NonZeroExitCode status with an ExitCode cause carries a remote exit code.
        let msg =
            "Internal error occurred: error executing command in container: cmd wait: cmd /c exit 3: exit status 3";
        let s = status(serde_json::json!({"status":"Failure","reason":"InternalError","code":500,"message":msg}));
        assert_eq!(exit_code(&s), None);
        let e = remote_exit(Some(s)).unwrap_err();
        assert_eq!(e.to_string(), format!("API request failed: exec failed: {msg}"));
        assert_eq!(e.exit_code(), crate::error::ExitCode::Cluster);
        let s = status(serde_json::json!({"status":"Failure","message":"container not found"}));
        assert_eq!(exit_code(&s), None);
    }

    #[test]
    fn remote_exit_is_the_code_or_an_api_error() {
        assert_eq!(remote_exit(Some(status(serde_json::json!({"status":"Success"})))).unwrap(), 0);
        let e = remote_exit(Some(status(serde_json::json!({"status":"Failure","message":"container not found"}))))
            .unwrap_err();
        assert_eq!(e.to_string(), "API request failed: exec failed: container not found");
        let e = remote_exit(None).unwrap_err();
        assert_eq!(e.to_string(), "API request failed: the exec stream closed without an exit status");
        assert_eq!(e.exit_code(), crate::error::ExitCode::Cluster);
    }

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    /// A throwaway pod (restartPolicy Never) with phase and the container's `state`.
    fn pod_with(phase: &str, state: serde_json::Value) -> Pod {
        pod(serde_json::json!({"metadata":{"name":"p"},"spec":{"restartPolicy":"Never","containers":[{"name":"c"}]},
            "status":{"phase":phase,"containerStatuses":[{"name":"c","image":"i","imageID":"","ready":false,"restartCount":0,"state":state}]}}))
    }

    fn waiting(reason: &str, message: &str) -> serde_json::Value {
        serde_json::json!({"waiting":{"reason":reason,"message":message}})
    }

    fn running() -> Pod {
        pod_with("Running", serde_json::json!({"running":{"startedAt":"2025-01-01T00:00:09Z"}}))
    }

    fn event(uid: &str, type_: &str, reason: &str, message: &str, at: &str, count: i32) -> Event {
        serde_json::from_value(serde_json::json!({"metadata":{"name":uid,"uid":uid},
            "involvedObject":{"kind":"Pod","name":"p"},"type":type_,"reason":reason,"message":message,
            "lastTimestamp":at,"count":count,"source":{"component":"kubelet"}}))
        .unwrap()
    }

    const SANDBOX: &str =
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox";

    #[test]
    fn pod_states() {
        let p = pod_with("Pending", waiting("ErrImagePull", "no match for platform in manifest: not found"));
        assert_eq!(
            pod_state(&p),
            PodState::Retrying("ErrImagePull: no match for platform in manifest: not found".into())
        );
        for r in ["ImagePullBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"] {
            assert_eq!(pod_state(&pod_with("Pending", waiting(r, "m"))), PodState::Retrying(format!("{r}: m")), "{r}");
        }
        let p = pod_with("Pending", waiting("InvalidImageName", "couldn't parse image name \"a b\""));
        assert_eq!(pod_state(&p), PodState::Failed("InvalidImageName: couldn't parse image name \"a b\"".into()));
        let p = pod_with("Pending", waiting("ErrImageNeverPull", "image is not present"));
        assert!(matches!(pod_state(&p), PodState::Failed(_)));
        let p = pod_with("Pending", waiting("ContainerCreating", ""));
        assert_eq!(pod_state(&p), PodState::Waiting("ContainerCreating".into()));
        assert_eq!(pod_state(&running()), PodState::Running);
        let p = pod(
            serde_json::json!({"metadata":{"name":"p"},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/5 nodes"}]}}),
        );
        assert_eq!(pod_state(&p), PodState::Waiting("Unschedulable: 0/5 nodes".into()));
    }

    #[test]
    fn terminal_states_are_the_pods_own() {
        // restartPolicy Never: a container that ended (StartError included) is not restarted.
        let ended = serde_json::json!({"terminated":{"exitCode":128,"reason":"StartError"}});
        let p = pod_with("Pending", ended.clone());
        assert_eq!(pod_state(&p), PodState::Failed("container exited with code 128 (StartError)".into()));
        let p = pod_with("Failed", ended.clone());
        assert_eq!(pod_state(&p), PodState::Failed("container exited with code 128 (StartError)".into()));
        // restartPolicy Always (the API default): the kubelet restarts it.
        let mut p = pod_with("Running", ended);
        p.spec.as_mut().unwrap().restart_policy = None;
        assert_eq!(pod_state(&p), PodState::Retrying("container exited with code 128 (StartError)".into()));
        // The kubelet rejected the pod (admission): phase Failed with a reason, no container state.
        let p = pod(
            serde_json::json!({"metadata":{"name":"p"},"status":{"phase":"Failed","reason":"OutOfcpu","message":"Node didn't have enough resource: cpu"}}),
        );
        assert_eq!(
            pod_state(&p),
            PodState::Failed("pod is Failed (OutOfcpu: Node didn't have enough resource: cpu)".into())
        );
        // Someone deleted it while it was starting.
        let mut p = pod_with("Pending", waiting("ContainerCreating", ""));
        p.metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(Timestamp::UNIX_EPOCH));
        assert_eq!(pod_state(&p), PodState::Failed("the pod is being deleted (last state: ContainerCreating)".into()));
    }

    /// Feed a sequence of (pod, events) looks to one StartWatch; the outcome of each, and every
    /// progress line.
    fn play(steps: &[(Option<Pod>, Vec<Event>)]) -> (StartWatch, Vec<Start>, Vec<String>) {
        let mut w = StartWatch::default();
        let mut lines = vec![];
        let outcomes = steps.iter().map(|(p, ev)| w.observe(p.as_ref(), ev, |l| lines.push(l.to_string()))).collect();
        (w, outcomes, lines)
    }

    #[test]
    fn a_sandbox_failure_then_running_is_running() {
        let creating = pod_with("Pending", waiting("ContainerCreating", ""));
        let sandbox = event("e1", "Warning", "FailedCreatePodSandBox", SANDBOX, "2025-01-01T00:00:01Z", 1);
        let sandbox2 = event("e1", "Warning", "FailedCreatePodSandBox", SANDBOX, "2025-01-01T00:00:05Z", 2);
        let started = event("e2", "Normal", "Started", "Started container main", "2025-01-01T00:00:09Z", 1);
        let (_, outcomes, lines) = play(&[
            (None, vec![]),
            (Some(creating.clone()), vec![sandbox.clone()]),
            (Some(creating), vec![sandbox2.clone()]),
            (Some(running()), vec![sandbox2, started]),
        ]);
        assert_eq!(outcomes, [Start::Waiting, Start::Waiting, Start::Waiting, Start::Running]);
        assert_eq!(
            lines,
            [
                format!("Warning FailedCreatePodSandBox: {SANDBOX}"),
                "ContainerCreating".into(),
                format!("Warning FailedCreatePodSandBox: {SANDBOX}"),
                "Normal Started: Started container main".into(),
            ]
        );
    }

    #[test]
    fn failed_and_backoff_events_and_pull_errors_are_retried_until_running() {
        let pulling = event("e1", "Normal", "Pulling", "Pulling image", "2025-01-01T00:00:01Z", 1);
        let failed =
            event("e2", "Warning", "Failed", "Failed to pull image: 429 Too Many Requests", "2025-01-01T00:00:02Z", 1);
        let backoff = event("e3", "Warning", "BackOff", "Back-off pulling image", "2025-01-01T00:00:03Z", 1);
        let evs = vec![pulling, failed, backoff];
        let (_, outcomes, _) = play(&[
            (Some(pod_with("Pending", waiting("ErrImagePull", "429 Too Many Requests"))), evs[..2].to_vec()),
            (Some(pod_with("Pending", waiting("ImagePullBackOff", "Back-off pulling image"))), evs.clone()),
            (Some(pod_with("Pending", waiting("CreateContainerConfigError", "secret \"s\" not found"))), evs.clone()),
            (Some(running()), evs),
        ]);
        assert_eq!(outcomes, [Start::Waiting, Start::Waiting, Start::Waiting, Start::Running]);
    }

    #[test]
    fn at_the_timeout_the_failure_still_retried_is_the_reason() {
        let t = std::time::Duration::from_secs(300);
        let failed = event("e1", "Warning", "Failed", "Error: ErrImagePull", "2025-01-01T00:00:02Z", 3);
        let (w, outcomes, _) = play(&[(
            Some(pod_with("Pending", waiting("ImagePullBackOff", "Back-off pulling image \"x\""))),
            vec![failed],
        )]);
        assert_eq!(outcomes, [Start::Waiting]);
        assert_eq!(
            w.timeout_reason(t),
            "ImagePullBackOff: Back-off pulling image \"x\" (the kubelet was still retrying when the 300s pod-running timeout ended)"
        );
        // Only a sandbox event says what is wrong: it is the evidence.
        let sandbox = event("e1", "Warning", "FailedCreatePodSandBox", SANDBOX, "2025-01-01T00:00:04Z", 9);
        let scheduled = event("e0", "Normal", "Scheduled", "assigned", "2025-01-01T00:00:00Z", 1);
        let (w, _, _) =
            play(&[(Some(pod_with("Pending", waiting("ContainerCreating", ""))), vec![sandbox.clone(), scheduled])]);
        assert_eq!(
            w.timeout_reason(t),
            format!(
                "FailedCreatePodSandBox: {SANDBOX} (the kubelet was still retrying when the 300s pod-running timeout ended)"
            )
        );
        assert!(!w.timeout_reason(t).starts_with("not Running after"));
        // The sandbox came up afterwards (a slow pull followed): a plain timeout.
        let pulling = event("e2", "Normal", "Pulling", "Pulling image", "2025-01-01T00:00:04Z", 1);
        let (w, _, _) = play(&[(Some(pod_with("Pending", waiting("ContainerCreating", ""))), vec![sandbox, pulling])]);
        assert_eq!(w.timeout_reason(t), "not Running after 300s (last state: ContainerCreating)");
        // The scheduler's warning is not the kubelet's: the state already says Unschedulable.
        let unsched = event("e3", "Warning", "FailedScheduling", "0/5 nodes", "2025-01-01T00:00:04Z", 1);
        let p = pod(
            serde_json::json!({"metadata":{"name":"p"},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/5 nodes"}]}}),
        );
        let (w, _, _) = play(&[(Some(p), vec![unsched])]);
        assert_eq!(w.timeout_reason(t), "not Running after 300s (last state: Unschedulable: 0/5 nodes)");
        let (w, _, _) = play(&[(None, vec![])]);
        assert_eq!(w.timeout_reason(t), "not Running after 300s (last state: unknown)");
    }

    #[test]
    fn a_terminal_state_ends_the_start_at_once_whatever_the_events() {
        let failed = event("e1", "Warning", "Failed", "Error: InvalidImageName", "2025-01-01T00:00:02Z", 1);
        let (_, outcomes, _) = play(&[
            (Some(pod_with("Pending", waiting("ContainerCreating", ""))), vec![]),
            (Some(pod_with("Pending", waiting("InvalidImageName", "couldn't parse image name"))), vec![failed]),
        ]);
        assert_eq!(outcomes, [Start::Waiting, Start::Failed("InvalidImageName: couldn't parse image name".into())]);
        let ended = pod_with("Failed", serde_json::json!({"terminated":{"exitCode":1,"reason":"Error"}}));
        let (_, outcomes, _) = play(&[(Some(ended), vec![])]);
        assert_eq!(outcomes, [Start::Failed("container exited with code 1 (Error)".into())]);
    }

    #[test]
    fn progress_lines_are_escaped_for_the_terminal() {
        let evil = event("e1", "Warning", "Failed", "boom\u{1b}]0;owned\u{7}\nnext", "2025-01-01T00:00:02Z", 1);
        let (_, _, lines) =
            play(&[(Some(pod_with("Pending", waiting("CreateContainerError", "x\u{1b}[2J"))), vec![evil])]);
        assert_eq!(lines, ["Warning Failed: boom\\u{1b}]0;owned\\u{7}\\u{a}next", "CreateContainerError: x\\u{1b}[2J"]);
    }
}
