//! What the pod watch of a run tells the rest of it: a refusal that ends the run at once
//! (forbidden, unauthorized), or connection errors it keeps retrying through, remembered so that
//! a pod that "never started" during an API outage is reported as the outage it was.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kube::runtime::watcher;

use crate::error::Error;
use crate::kube::{Action, map_err};

/// The watch's trouble, shared between its task and the nodes waiting on it.
#[derive(Clone, Default)]
pub struct WatchHealth {
    /// The last error of a watch that is failing now; `None` once it works (again).
    failing: Arc<Mutex<Option<Error>>>,
}

impl WatchHealth {
    pub fn failed(&self, e: Error) {
        *self.failing.lock().expect("watch health lock") = Some(e);
    }

    pub fn ok(&self) {
        *self.failing.lock().expect("watch health lock") = None;
    }

    /// The connection error the watch is failing with now, as an unreachable API server.
    pub fn unreachable(&self) -> Option<Error> {
        match &*self.failing.lock().expect("watch health lock") {
            Some(Error::Unreachable { server, reason }) => {
                Some(Error::Unreachable { server: server.clone(), reason: reason.clone() })
            }
            _ => None,
        }
    }
}

/// A watcher error as the plugin's error: what the watch of `resource` in `namespace` was refused
/// or failed with.
pub fn watch_error(server: &str, namespace: &str, resource: &str, e: watcher::Error) -> Error {
    let (verb, inner) = match e {
        watcher::Error::InitialListFailed(e) => ("list", e),
        watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => ("watch", e),
        watcher::Error::WatchError(status) => ("watch", kube::Error::Api(status)),
        watcher::Error::NoResourceVersion => {
            return Error::Request(format!("watch {resource}: no resourceVersion in the answer"));
        }
    };
    map_err(server, &Action::new(verb, resource, Some(namespace)), inner)
}

/// Errors that retrying cannot cure: the run must stop and say so, now.
pub fn is_fatal(e: &Error) -> bool {
    matches!(e, Error::Forbidden { .. } | Error::Unauthorized { .. })
}

/// The pods' waiters: one channel per pod waited for, moved by the watches on that pod's
/// changes only. One channel for all woke every waiter of a fan-out on every change: a cost per
/// node that grew with the number of nodes.
#[derive(Clone, Default)]
pub struct Wakers(Arc<Mutex<HashMap<String, tokio::sync::watch::Sender<u64>>>>);

impl Wakers {
    /// A receiver that changes whenever pod `name` (or one of its events) does.
    pub fn subscribe(&self, name: &str) -> tokio::sync::watch::Receiver<u64> {
        let mut channels = self.0.lock().expect("wakers lock");
        channels.entry(name.to_string()).or_insert_with(|| tokio::sync::watch::channel(0).0).subscribe()
    }

    /// Wake the waiter of pod `name`, if one waits.
    pub fn notify(&self, name: &str) {
        if let Some(tx) = self.0.lock().expect("wakers lock").get(name) {
            tx.send_modify(|v| *v += 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn a_change_wakes_only_the_waiter_of_that_pod() {
        let wakers = Wakers::default();
        let (mut a, b) = (wakers.subscribe("hp-exec-a"), wakers.subscribe("hp-exec-b"));
        wakers.notify("hp-exec-a");
        wakers.notify("hp-exec-nobody-waits-for");
        assert!(a.has_changed().unwrap());
        assert!(!b.has_changed().unwrap());
        a.mark_unchanged();
        // A second waiter of the same pod shares its channel.
        let again = wakers.subscribe("hp-exec-a");
        wakers.notify("hp-exec-a");
        assert!(a.has_changed().unwrap() && again.has_changed().unwrap());
    }

    fn status(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(kube::core::Status::failure(message, reason).with_code(code).boxed())
    }

    #[test]
    fn a_forbidden_list_or_watch_is_fatal_and_named() {
        let e = watch_error(
            "https://k",
            "ops",
            "pods",
            watcher::Error::InitialListFailed(status(403, "Forbidden", "pods is forbidden")),
        );
        assert_eq!(e.to_string(), "forbidden: cannot list pods in namespace ops: pods is forbidden");
        assert!(is_fatal(&e));
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        let e =
            watch_error("https://k", "ops", "pods", watcher::Error::WatchStartFailed(status(403, "Forbidden", "no")));
        assert_eq!(e.to_string(), "forbidden: cannot watch pods in namespace ops: no");
        let e = watch_error("https://k", "ops", "pods", watcher::Error::WatchFailed(status(500, "InternalError", "x")));
        assert!(!is_fatal(&e));
    }

    #[test]
    fn health_remembers_only_a_current_connection_failure() {
        let h = WatchHealth::default();
        assert!(h.unreachable().is_none());
        h.failed(Error::Unreachable { server: "https://k".into(), reason: "connection refused".into() });
        let e = h.unreachable().unwrap();
        assert_eq!(e.to_string(), "cannot reach the API server at https://k: connection refused");
        h.ok();
        assert!(h.unreachable().is_none());
        h.failed(Error::Request("decode".into()));
        assert!(h.unreachable().is_none());
    }
}
