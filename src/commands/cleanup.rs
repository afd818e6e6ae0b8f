//! `cleanup`: delete throwaway pods left behind by `exec` (past their deadline, or all).

use k8s_openapi::api::core::v1::Pod;

use crate::cli::{CleanupArgs, GlobalArgs};
use crate::error::{ExitCode, Result};
use crate::exec::lifecycle::{Lifecycle, delete_pod};
use crate::exec::spec::DEADLINE_ANNOTATION;
use crate::kube;

/// A pod is stale when its deadline annotation has passed, or it has ended (Failed/Succeeded).
pub fn is_stale(pod: &Pod, now: &str) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
    if matches!(phase, "Failed" | "Succeeded") {
        return true;
    }
    let deadline = pod.metadata.annotations.as_ref().and_then(|a| a.get(DEADLINE_ANNOTATION));
    match deadline {
        // RFC 3339 UTC strings of the same shape compare in time order.
        Some(d) => d.as_str() <= now,
        None => true,
    }
}

pub async fn run(global: &GlobalArgs, args: &CleanupArgs) -> Result<ExitCode> {
    let kube = kube::connect(global).await?;
    let ns = if args.all_namespaces { None } else { Some(kube.namespace.clone()) };
    let pods = Lifecycle::list_managed(&kube, ns.as_deref()).await?;
    let now = crate::exec::plan::rfc3339(std::time::SystemTime::now());
    let mut deleted = 0;
    let mut failed = 0;
    for pod in &pods {
        if !args.all && !is_stale(pod, &now) {
            continue;
        }
        let name = pod.metadata.name.clone().unwrap_or_default();
        let pns = pod.metadata.namespace.clone().unwrap_or_default();
        if args.dry_run {
            println!("pod/{name} (namespace {pns}) would be deleted");
            deleted += 1;
            continue;
        }
        match delete_pod(&kube, &pns, &name).await {
            Ok(_) => {
                println!("pod/{name} (namespace {pns}) deleted");
                deleted += 1;
            }
            Err(e) => {
                eprintln!("error: pod/{name} (namespace {pns}): {e}");
                failed += 1;
            }
        }
    }
    let skipped = pods.len() - deleted - failed;
    eprintln!(
        "{deleted} pod(s) {}{}",
        if args.dry_run { "to delete" } else { "deleted" },
        if skipped > 0 {
            format!(", {skipped} still within their deadline (use --all to delete them too)")
        } else {
            String::new()
        }
    );
    Ok(if failed > 0 { ExitCode::Cluster } else { ExitCode::Ok })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(deadline: Option<&str>, phase: &str) -> Pod {
        let mut v = serde_json::json!({"metadata":{"name":"p"},"status":{"phase":phase}});
        if let Some(d) = deadline {
            v["metadata"]["annotations"] = serde_json::json!({DEADLINE_ANNOTATION: d});
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn stale_when_past_deadline_or_ended() {
        let now = "2026-11-28T12:00:00Z";
        assert!(is_stale(&pod(Some("2026-11-28T11:00:00Z"), "Running"), now));
        assert!(!is_stale(&pod(Some("2026-11-28T13:00:00Z"), "Running"), now));
        assert!(is_stale(&pod(Some("2026-11-28T13:00:00Z"), "Failed"), now));
        assert!(is_stale(&pod(None, "Running"), now));
    }
}
