//! The pods this run created and has not deleted yet: what `exec` deletes on every way out, and
//! what it names when a delete fails. Only `lifecycle.rs` adds and removes entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Pods this process may have created and not yet deleted.
#[derive(Clone, Default)]
pub struct Tracker {
    inner: Arc<Mutex<HashMap<String, Tracked>>>,
}

/// What is known about one tracked pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracked {
    /// The UID the API server gave it; `None` while the create has not been answered (or its
    /// answer was lost): then the pod is looked up and deleted only if it carries this session.
    pub uid: Option<String>,
    /// When the API server's safety net (activeDeadlineSeconds) ends it, RFC 3339.
    pub deadline: String,
}

impl Tracker {
    pub(super) fn add(&self, name: &str, deadline: &str) {
        let t = Tracked { uid: None, deadline: deadline.to_string() };
        self.inner.lock().expect("tracker lock").insert(name.to_string(), t);
    }
    pub(super) fn created(&self, name: &str, uid: Option<String>, deadline: Option<String>) {
        if let Some(t) = self.inner.lock().expect("tracker lock").get_mut(name) {
            t.uid = uid;
            if let Some(d) = deadline {
                t.deadline = d;
            }
        }
    }
    pub(super) fn remove(&self, name: &str) {
        self.inner.lock().expect("tracker lock").remove(name);
    }
    pub fn get(&self, name: &str) -> Option<Tracked> {
        self.inner.lock().expect("tracker lock").get(name).cloned()
    }
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.inner.lock().expect("tracker lock").keys().cloned().collect();
        v.sort();
        v
    }
}
