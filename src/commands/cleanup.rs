//! `cleanup`: delete throwaway pods left behind by `exec`.
//!
//! By default only the current user's pods (the creator `exec` recorded, compared with what
//! `SelfSubjectReview` says) that have ended or whose deadline (the server's
//! `creationTimestamp` + `activeDeadlineSeconds`) has passed. `--all` adds the user's live
//! pods, `--all-users` other users' pods (after a confirmation, or `--yes`). Pods owned by a
//! controller or not made by `exec` are never deleted. Each delete carries the listed UID.

use std::io::IsTerminal;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use crate::cli::{CleanupArgs, GlobalArgs};
use crate::error::{Error, ExitCode, Result};
use crate::exec::lifecycle::{Deleted, Lifecycle, SESSION_LABEL, delete_pod};
use crate::exec::spec::{CREATED_BY_ANNOTATION, POD_NAME_PREFIX};
use crate::kube;
use crate::kube::whoami::{Identity, whoami};
use crate::output::escape::terminal_safe_line;

/// Which pods the flags ask for.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--all`: the user's pods within their deadline too.
    pub all: bool,
    /// `--all-users`: other users' pods (and pods with no recorded creator) too.
    pub all_users: bool,
    /// Pod names given on the command line: only these, whatever their deadline.
    pub names: Vec<String>,
}

/// What `cleanup` does with one listed pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Delete it; `other` names its creator when it is not the current user's.
    Delete { other: Option<String> },
    /// The user's, still within its deadline (and not ended).
    Live,
    /// Another user's (or no recorded creator), and `--all-users` was not given.
    OtherUser(String),
    /// Not a throwaway pod of `exec` although it carries the label: why.
    NotThrowaway(String),
    /// Already being deleted.
    Deleting,
    /// Not among the names given.
    NotNamed,
}

/// The pod's creator as `exec` recorded it.
pub fn creator(pod: &Pod) -> Option<&str> {
    pod.metadata.annotations.as_ref().and_then(|a| a.get(CREATED_BY_ANNOTATION)).map(String::as_str)
}

/// When the API server ends the pod: `creationTimestamp` + `activeDeadlineSeconds` (both the
/// server's, not the annotation the client wrote). `None`: no deadline.
pub fn deadline(pod: &Pod) -> Option<Timestamp> {
    let created = pod.metadata.creation_timestamp.as_ref()?.0;
    let secs = pod.spec.as_ref()?.active_deadline_seconds?;
    created.checked_add(SignedDuration::from_secs(secs)).ok()
}

/// The pod has ended (Failed, e.g. DeadlineExceeded, or Succeeded) or its deadline has passed.
pub fn is_stale(pod: &Pod, now: Timestamp) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
    matches!(phase, "Failed" | "Succeeded") || deadline(pod).is_some_and(|d| d <= now)
}

/// Why a pod carrying the plugin's label is not one of `exec`'s throwaway pods, if it is not.
fn not_throwaway(pod: &Pod) -> Option<String> {
    if let Some(owner) = pod.metadata.owner_references.as_ref().and_then(|o| o.first()) {
        return Some(format!("owned by {}/{}", owner.kind, owner.name));
    }
    let name = pod.metadata.name.as_deref().unwrap_or("");
    let session = pod.metadata.labels.as_ref().is_some_and(|l| l.contains_key(SESSION_LABEL));
    if !name.starts_with(POD_NAME_PREFIX) || !session {
        return Some("not created by exec".into());
    }
    None
}

/// Decide for one pod. `me` is the current user (`None` when the server cannot tell).
pub fn classify(pod: &Pod, me: Option<&str>, now: Timestamp, sel: &Selection) -> Verdict {
    let name = pod.metadata.name.as_deref().unwrap_or("");
    if !sel.names.is_empty() && !sel.names.iter().any(|n| n == name) {
        return Verdict::NotNamed;
    }
    if let Some(why) = not_throwaway(pod) {
        return Verdict::NotThrowaway(why);
    }
    if pod.metadata.deletion_timestamp.is_some() {
        return Verdict::Deleting;
    }
    let by = creator(pod);
    let mine = me.is_some() && by == me;
    if !mine && !sel.all_users {
        return Verdict::OtherUser(by.unwrap_or("").to_string());
    }
    if !sel.names.is_empty() || sel.all || is_stale(pod, now) {
        let other = (!mine).then(|| by.unwrap_or("").to_string());
        return Verdict::Delete { other };
    }
    Verdict::Live
}

fn who(creator: &str) -> String {
    if creator.is_empty() {
        "no recorded creator".into()
    } else {
        format!("created by {}", terminal_safe_line(creator))
    }
}

fn confirm(n: usize, creators: &[String]) -> Result<bool> {
    eprint!("Delete {n} throwaway pod(s) of other users ({})? [y/N] ", creators.join(", "));
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub async fn run(global: &GlobalArgs, args: &CleanupArgs) -> Result<ExitCode> {
    // Decided before any request: a script never reaches a prompt it cannot answer.
    if args.all_users && !args.yes && !args.dry_run && !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "refusing to delete other users' pods (--all-users) without confirmation, and stdin is not a terminal: \
             pass --yes, or look first with --dry-run"
                .into(),
        ));
    }
    let kube = kube::connect(global).await?;
    let me = match whoami(&kube).await? {
        Identity::User(name) => Some(name),
        Identity::Unknown(why) => {
            crate::stderr_line!(
                "warning: cannot tell who you are ({}): no pod counts as yours; only --all-users deletes throwaway pods",
                terminal_safe_line(&why)
            );
            None
        }
    };
    let ns = if args.all_namespaces { None } else { Some(kube.namespace.clone()) };
    let pods = Lifecycle::list_managed(&kube, ns.as_deref()).await?;
    let now = Timestamp::now();
    let sel = Selection { all: args.all, all_users: args.all_users, names: args.pods.clone() };

    let (mut live, mut others, mut foreign, mut deleting) = (0, 0, 0, 0);
    let mut chosen: Vec<(&Pod, Option<String>)> = Vec::new();
    for pod in &pods {
        match classify(pod, me.as_deref(), now, &sel) {
            Verdict::Delete { other } => chosen.push((pod, other)),
            Verdict::Live => live += 1,
            Verdict::OtherUser(_) => others += 1,
            Verdict::NotThrowaway(why) => {
                foreign += 1;
                tracing::info!("left alone: pod {} ({why})", pod.metadata.name.as_deref().unwrap_or(""));
            }
            Verdict::Deleting => deleting += 1,
            Verdict::NotNamed => {}
        }
    }
    for name in &args.pods {
        if !pods.iter().any(|p| p.metadata.name.as_deref() == Some(name.as_str())) {
            crate::stderr_line!("warning: no throwaway pod {name} found");
        }
    }

    let mut creators: Vec<String> = chosen.iter().filter_map(|(_, o)| o.as_deref().map(who)).collect();
    creators.sort();
    creators.dedup();
    let n_other = chosen.iter().filter(|(_, o)| o.is_some()).count();
    if n_other > 0 && !args.dry_run && !args.yes && !confirm(n_other, &creators)? {
        crate::stderr_line!("aborted: nothing deleted");
        return Ok(ExitCode::Findings);
    }

    let describe = |pod: &Pod, other: &Option<String>| {
        let name = pod.metadata.name.as_deref().unwrap_or("");
        let pns = pod.metadata.namespace.as_deref().unwrap_or("");
        match other {
            Some(c) => format!("pod/{name} (namespace {pns}, {})", who(c)),
            None => format!("pod/{name} (namespace {pns})"),
        }
    };
    let mut deleted = 0;
    let mut failed = 0;
    if args.dry_run {
        for (pod, other) in &chosen {
            crate::output::print(&format!("{} would be deleted\n", describe(pod, other)))?;
            deleted += 1;
        }
    } else {
        // Each delete names the UID that was listed: a pod replaced since is left alone.
        let kube = &kube;
        let mut results = futures::stream::iter(chosen.iter().map(|(pod, other)| async move {
            let name = pod.metadata.name.as_deref().unwrap_or("");
            let pns = pod.metadata.namespace.as_deref().unwrap_or("");
            let r = delete_pod(kube, pns, name, pod.metadata.uid.as_deref()).await;
            (describe(pod, other), r)
        }))
        .buffered(8);
        while let Some((what, r)) = results.next().await {
            match r {
                Ok(Deleted::Now) => {
                    crate::output::print(&format!("{what} deleted\n"))?;
                    deleted += 1;
                }
                Ok(Deleted::Already) => crate::stderr_line!("{what} was already gone"),
                Ok(Deleted::Replaced) => {
                    crate::stderr_line!("{what} was replaced by another pod of that name: left alone")
                }
                Err(e) => {
                    crate::stderr_line!("error: {what}: {e}");
                    failed += 1;
                }
            }
        }
    }
    let mut summary = format!("{deleted} pod(s) {}", if args.dry_run { "to delete" } else { "deleted" });
    if live > 0 {
        summary.push_str(&format!(", {live} of yours still within their deadline (--all deletes them too)"));
    }
    if others > 0 {
        summary.push_str(&format!(", {others} of other users or with no recorded creator (--all-users)"));
    }
    if deleting > 0 {
        summary.push_str(&format!(", {deleting} already being deleted"));
    }
    if foreign > 0 {
        summary.push_str(&format!(
            ", {foreign} carrying the label but not throwaway pods of exec (owned by a controller, or not created by exec): left alone"
        ));
    }
    crate::stderr_line!("{summary}");
    Ok(if failed > 0 { ExitCode::Cluster } else { ExitCode::Ok })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-28T12:00:00Z";

    fn pod(name: &str, created: &str, deadline_secs: i64, creator: Option<&str>, phase: &str) -> Pod {
        let mut v = serde_json::json!({
            "metadata": {
                "name": name, "namespace": "ops", "uid": format!("uid-{name}"),
                "creationTimestamp": created,
                "labels": {"app.kubernetes.io/managed-by": "kubectl-hostprocess", SESSION_LABEL: "s1"},
            },
            "spec": {"containers": [], "activeDeadlineSeconds": deadline_secs},
            "status": {"phase": phase}
        });
        if let Some(c) = creator {
            v["metadata"]["annotations"] = serde_json::json!({CREATED_BY_ANNOTATION: c});
        }
        serde_json::from_value(v).unwrap()
    }

    fn now() -> Timestamp {
        NOW.parse().unwrap()
    }

    fn sel(all: bool, all_users: bool) -> Selection {
        Selection { all, all_users, names: vec![] }
    }

    #[test]
    fn the_deadline_is_the_servers_creation_time_plus_active_deadline_seconds() {
        // Created 11:00 with an hour: ends 12:00, stale at 12:00 and after.
        let p = pod("hostprocess-a", "2026-11-28T11:00:00Z", 3600, Some("me"), "Running");
        assert_eq!(deadline(&p).unwrap().to_string(), "2026-11-28T12:00:00Z");
        assert!(is_stale(&p, now()));
        let p = pod("hostprocess-a", "2026-11-28T11:30:00Z", 3600, Some("me"), "Running");
        assert!(!is_stale(&p, now()));
        // Ended pods are stale whatever their deadline.
        let p = pod("hostprocess-a", "2026-11-28T11:30:00Z", 3600, Some("me"), "Failed");
        assert!(is_stale(&p, now()));
        // A client-written deadline annotation does not count.
        let mut p = pod("hostprocess-a", "2026-11-28T11:30:00Z", 3600, Some("me"), "Running");
        p.metadata
            .annotations
            .as_mut()
            .unwrap()
            .insert(crate::exec::spec::DEADLINE_ANNOTATION.into(), "2000-01-01T00:00:00Z".into());
        assert!(!is_stale(&p, now()));
    }

    #[test]
    fn by_default_only_my_stale_pods_are_deleted() {
        let stale_mine = pod("hostprocess-a", "2026-11-28T10:00:00Z", 3600, Some("me"), "Running");
        let live_mine = pod("hostprocess-b", "2026-11-28T11:59:00Z", 3600, Some("me"), "Running");
        let live_bob = pod("hostprocess-c", "2026-11-28T11:59:00Z", 3600, Some("bob"), "Running");
        let stale_bob = pod("hostprocess-d", "2026-11-28T10:00:00Z", 3600, Some("bob"), "Running");
        let nobody = pod("hostprocess-e", "2026-11-28T10:00:00Z", 3600, None, "Running");
        let me = Some("me");
        let plain = sel(false, false);
        assert_eq!(classify(&stale_mine, me, now(), &plain), Verdict::Delete { other: None });
        assert_eq!(classify(&live_mine, me, now(), &plain), Verdict::Live);
        assert_eq!(classify(&live_bob, me, now(), &plain), Verdict::OtherUser("bob".into()));
        assert_eq!(classify(&stale_bob, me, now(), &plain), Verdict::OtherUser("bob".into()));
        assert_eq!(classify(&nobody, me, now(), &plain), Verdict::OtherUser(String::new()));
        // --all: my live pods too, never other users'.
        let all = sel(true, false);
        assert_eq!(classify(&live_mine, me, now(), &all), Verdict::Delete { other: None });
        assert_eq!(classify(&live_bob, me, now(), &all), Verdict::OtherUser("bob".into()));
        // --all-users: other users' stale pods; with --all their live ones too.
        let users = sel(false, true);
        assert_eq!(classify(&stale_bob, me, now(), &users), Verdict::Delete { other: Some("bob".into()) });
        assert_eq!(classify(&live_bob, me, now(), &users), Verdict::Live);
        assert_eq!(classify(&nobody, me, now(), &users), Verdict::Delete { other: Some(String::new()) });
        assert_eq!(classify(&live_bob, me, now(), &sel(true, true)), Verdict::Delete { other: Some("bob".into()) });
        // The server could not say who I am: nothing is mine.
        assert_eq!(classify(&stale_mine, None, now(), &plain), Verdict::OtherUser("me".into()));
    }

    #[test]
    fn controller_owned_and_foreign_pods_are_never_deleted() {
        let mut owned = pod("hostprocess-x", "2026-11-28T10:00:00Z", 3600, Some("me"), "Running");
        owned.metadata.owner_references = Some(vec![
            serde_json::from_value(serde_json::json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u"
            }))
            .unwrap(),
        ]);
        let everything = sel(true, true);
        assert_eq!(
            classify(&owned, Some("me"), now(), &everything),
            Verdict::NotThrowaway("owned by ReplicaSet/web-1".into())
        );
        let mut no_session = pod("hostprocess-y", "2026-11-28T10:00:00Z", 3600, Some("me"), "Running");
        no_session.metadata.labels.as_mut().unwrap().remove(SESSION_LABEL);
        assert!(matches!(classify(&no_session, Some("me"), now(), &everything), Verdict::NotThrowaway(_)));
        let other_name = pod("web", "2026-11-28T10:00:00Z", 3600, Some("me"), "Running");
        assert!(matches!(classify(&other_name, Some("me"), now(), &everything), Verdict::NotThrowaway(_)));
        let mut going = pod("hostprocess-z", "2026-11-28T10:00:00Z", 3600, Some("me"), "Running");
        going.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now()));
        assert_eq!(classify(&going, Some("me"), now(), &everything), Verdict::Deleting);
    }

    #[test]
    fn named_pods_are_deleted_whatever_their_deadline_but_only_if_mine() {
        let live_mine = pod("hostprocess-b", "2026-11-28T11:59:00Z", 3600, Some("me"), "Running");
        let live_bob = pod("hostprocess-c", "2026-11-28T11:59:00Z", 3600, Some("bob"), "Running");
        let named = Selection { names: vec!["hostprocess-b".into(), "hostprocess-c".into()], ..Default::default() };
        assert_eq!(classify(&live_mine, Some("me"), now(), &named), Verdict::Delete { other: None });
        assert_eq!(classify(&live_bob, Some("me"), now(), &named), Verdict::OtherUser("bob".into()));
        let one = Selection { names: vec!["hostprocess-c".into()], ..Default::default() };
        assert_eq!(classify(&live_mine, Some("me"), now(), &one), Verdict::NotNamed);
    }
}
