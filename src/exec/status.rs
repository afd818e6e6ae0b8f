//! Reading the exit code from an exec status, and start failures from a pod.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

use crate::error::{Error, Result};

/// The remote exit code at the end of an exec stream, or why there is none.
pub fn remote_exit(status: Option<Status>) -> Result<i32> {
    match status {
        Some(s) => exit_code(&s).ok_or_else(|| {
            Error::Request(format!("exec failed: {}", s.message.clone().unwrap_or_else(|| "no message".into())))
        }),
        None => Err(Error::Request("the exec stream closed without an exit status".into())),
    }
}

/// The remote command's exit code from the status channel, as kubectl decodes it
/// (`details.causes[reason=ExitCode]`). A simulated kubelet (kwok) reports a failing command
/// as an InternalError whose message ends in `exit status N`: that is read too.
pub fn exit_code(status: &Status) -> Option<i32> {
    if status.status.as_deref() == Some("Success") {
        return Some(0);
    }
    let from_causes = status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|c| c.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.trim().parse().ok());
    if from_causes.is_some() {
        return from_causes;
    }
    let msg = status.message.as_deref().unwrap_or("");
    let tail = msg.trim_end().rsplit("exit status ").next().filter(|_| msg.contains("exit status "));
    tail.and_then(|t| t.trim().parse().ok())
}

/// Waiting reasons that mean the container will not start without a change.
const FATAL_WAITING: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "CrashLoopBackOff",
];

/// What the pod's status says about starting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodState {
    /// Not running yet; the text says what it is doing.
    Waiting(String),
    Running,
    /// Will not start: the reason and message.
    Failed(String),
}

pub fn pod_state(pod: &Pod) -> PodState {
    let Some(status) = pod.status.as_ref() else { return PodState::Waiting("Pending".into()) };
    let phase = status.phase.as_deref().unwrap_or("Pending");
    if let Some(cs) = status.container_statuses.as_ref().and_then(|c| c.first()) {
        if let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            let reason = w.reason.clone().unwrap_or_default();
            let text = match &w.message {
                Some(m) if !m.is_empty() => format!("{reason}: {m}"),
                _ => reason.clone(),
            };
            if FATAL_WAITING.contains(&reason.as_str()) {
                return PodState::Failed(text);
            }
            return PodState::Waiting(text);
        }
        if let Some(t) = cs.state.as_ref().and_then(|s| s.terminated.as_ref()) {
            return PodState::Failed(format!(
                "container exited with code {} ({})",
                t.exit_code,
                t.reason.clone().unwrap_or_default()
            ));
        }
    }
    match phase {
        "Running" => PodState::Running,
        "Failed" | "Succeeded" => PodState::Failed(format!(
            "pod is {phase}{}",
            status
                .reason
                .as_ref()
                .map(|r| format!(" ({r}: {})", status.message.clone().unwrap_or_default()))
                .unwrap_or_default()
        )),
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
    }

    #[test]
    fn exit_code_from_simulated_kubelet_message() {
        let s = status(
            serde_json::json!({"status":"Failure","reason":"InternalError","message":"error executing command in container: cmd wait: command failed: exit status 3"}),
        );
        assert_eq!(exit_code(&s), Some(3));
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

    #[test]
    fn pod_states() {
        let pod: Pod = serde_json::from_value(serde_json::json!({"metadata":{"name":"p"},"status":{"phase":"Pending","containerStatuses":[{"name":"c","image":"i","imageID":"","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ErrImagePull","message":"no match for platform in manifest: not found"}}}]}})).unwrap();
        assert_eq!(
            pod_state(&pod),
            PodState::Failed("ErrImagePull: no match for platform in manifest: not found".into())
        );
        let pod: Pod =
            serde_json::from_value(serde_json::json!({"metadata":{"name":"p"},"status":{"phase":"Running"}})).unwrap();
        assert_eq!(pod_state(&pod), PodState::Running);
        let pod: Pod = serde_json::from_value(serde_json::json!({"metadata":{"name":"p"},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/5 nodes"}]}})).unwrap();
        assert_eq!(pod_state(&pod), PodState::Waiting("Unschedulable: 0/5 nodes".into()));
    }
}
