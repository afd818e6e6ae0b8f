//! The lifecycle of throwaway pods: the only code that creates or deletes them.
//!
//! Every pod name is registered in a [`Tracker`] *before* its create request is sent, and
//! removed only once its deletion is confirmed, so an interrupt at any point knows what to
//! delete. `activeDeadlineSeconds` is the server-side safety net when the plugin is killed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::sink::{Sink, pump};
pub use super::tracker::{Tracked, Tracker};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, AttachParams, AttachedProcess, DeleteParams, PostParams, Preconditions};
use kube::runtime::{WatchStreamExt, watcher};

use super::spec::{CONTAINER, CREATED_BY_ANNOTATION, POD_NAME_PREFIX, PodOptions, throwaway_pod};
use super::status::{Start, StartWatch};
use crate::error::{Error, Result};
use crate::kube::whoami::{Identity, whoami};
use crate::kube::{Action, Kube};
use crate::output::escape::terminal_safe_line;

/// Create, watch and delete throwaway pods in one namespace.
#[derive(Clone)]
pub struct Lifecycle {
    pub kube: Kube,
    pub namespace: String,
    pub session: String,
    pub tracker: Tracker,
    /// Whether the pod watch is failing now (see [`Lifecycle::start_watches`]).
    pub watch: super::watch::WatchHealth,
    pods: Api<Pod>,
    states: Arc<Mutex<HashMap<String, Pod>>>,
    events: Arc<Mutex<HashMap<String, Vec<Event>>>>,
    changed: super::watch::Wakers,
    /// The current user (one SelfSubjectReview, asked at the first create).
    creator: Arc<tokio::sync::OnceCell<Option<String>>>,
}

pub const SESSION_LABEL: &str = "kubectl-hostprocess.io/session";

impl Lifecycle {
    pub fn new(kube: Kube, namespace: String, session: String) -> Self {
        let pods = Api::namespaced(kube.client.clone(), &namespace);
        Lifecycle {
            kube,
            namespace,
            session,
            tracker: Tracker::default(),
            watch: Default::default(),
            pods,
            states: Arc::default(),
            events: Arc::default(),
            changed: Default::default(),
            creator: Arc::default(),
        }
    }

    /// One watch on this session's pods and one on the namespace's events, shared by every
    /// node of a fan-out. Runs until the returned handles are aborted. The pod watch's task
    /// ends only when the API server refuses it (forbidden, unauthorized: retrying cannot help),
    /// with that error, so the run stops at once instead of waiting out its timeouts; connection
    /// errors are retried with backoff and remembered in [`Lifecycle::watch`] meanwhile.
    pub fn start_watches(&self) -> (tokio::task::JoinHandle<Error>, tokio::task::JoinHandle<()>) {
        use super::watch::{is_fatal, watch_error};
        use kube::runtime::watcher::Event as W;
        let pods: Api<Pod> = Api::namespaced(self.kube.stream_client.clone(), &self.namespace);
        let cfg = watcher::Config::default().labels(&format!("{SESSION_LABEL}={}", self.session));
        let states = self.states.clone();
        let changed = self.changed.clone();
        let health = self.watch.clone();
        let (server, namespace) = (self.kube.server.clone(), self.namespace.clone());
        let pod_task = tokio::spawn(async move {
            let mut stream = std::pin::pin!(watcher(pods, cfg).default_backoff());
            while let Some(item) = stream.next().await {
                match item {
                    Ok(event) => {
                        health.ok();
                        if let W::Apply(pod) | W::InitApply(pod) = event {
                            let name = pod.metadata.name.clone().unwrap_or_default();
                            states.lock().expect("states lock").insert(name.clone(), pod);
                            changed.notify(&name);
                        }
                    }
                    Err(e) => {
                        let e = watch_error(&server, &namespace, "pods", e);
                        tracing::debug!("pod watch: {e}");
                        if is_fatal(&e) {
                            return e;
                        }
                        health.failed(e);
                    }
                }
            }
            Error::Request("the pod watch ended".into())
        });
        let events_api: Api<Event> = Api::namespaced(self.kube.stream_client.clone(), &self.namespace);
        let ecfg = watcher::Config::default().fields("involvedObject.kind=Pod");
        let events = self.events.clone();
        let changed = self.changed.clone();
        let (server, namespace) = (self.kube.server.clone(), self.namespace.clone());
        let event_task = tokio::spawn(async move {
            let mut stream = std::pin::pin!(watcher(events_api, ecfg).default_backoff());
            while let Some(item) = stream.next().await {
                let ev = match item {
                    Ok(W::Apply(ev) | W::InitApply(ev)) => ev,
                    Ok(_) => continue,
                    Err(e) => {
                        // Events only explain; without the right to read them the run goes on
                        // (the preflight has warned).
                        if is_fatal(&watch_error(&server, &namespace, "events", e)) {
                            return;
                        }
                        continue;
                    }
                };
                let Some(name) = ev.involved_object.name.clone() else { continue };
                if !name.starts_with(POD_NAME_PREFIX) {
                    continue;
                }
                let mut map = events.lock().expect("events lock");
                let list = map.entry(name.clone()).or_default();
                let uid = ev.metadata.uid.clone();
                list.retain(|e| e.metadata.uid != uid);
                list.push(ev);
                drop(map);
                changed.notify(&name);
            }
        });
        (pod_task, event_task)
    }

    /// The throwaway pod for `opts`, labelled with this session.
    pub fn pod(&self, opts: &PodOptions) -> Pod {
        let mut pod = throwaway_pod(opts);
        pod.metadata.labels.get_or_insert_with(Default::default).insert(SESSION_LABEL.into(), self.session.clone());
        pod
    }

    /// Create the pod, recording its creator. Its name is tracked before the request leaves,
    /// its UID once the API server answers; on `409 AlreadyExists` the name was never ours and
    /// is forgotten. Any other failure leaves it tracked: the caller's delete (on every path)
    /// removes it if the create did reach the server.
    pub async fn create(&self, opts: &PodOptions) -> Result<()> {
        let mut pod = self.pod(opts);
        if let Some(user) = self.creator().await {
            pod.metadata.annotations.get_or_insert_with(Default::default).insert(CREATED_BY_ANNOTATION.into(), user);
        }
        self.tracker.add(&opts.name, &opts.deadline_at);
        let action = Action::new("create", "pods", Some(&self.namespace));
        match self.kube.call(action, self.pods.create(&PostParams::default(), &pod)).await {
            Ok(created) => {
                self.tracker.created(&opts.name, created.metadata.uid.clone(), server_deadline(&created));
                Ok(())
            }
            Err(e) if never_created(&e) => {
                self.tracker.remove(&opts.name);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The current user's name, asked once per run; `None` (said once on stderr) when the
    /// server cannot tell.
    async fn creator(&self) -> Option<String> {
        self.creator
            .get_or_init(|| async {
                let why = match whoami(&self.kube).await {
                    Ok(Identity::User(name)) => return Some(name),
                    Ok(Identity::Unknown(why)) => why,
                    Err(e) => e.to_string(),
                };
                crate::stderr_line!(
                    "warning: cannot tell who you are ({}): the pod records no creator, and `kubectl hostprocess cleanup` deletes it only with --all-users",
                    terminal_safe_line(&why)
                );
                None
            })
            .await
            .clone()
    }

    /// Wait until the pod is Running, reporting progress through `progress`. Only the pod's
    /// status ends the wait early (a state no kubelet retry changes, see [`StartWatch`]):
    /// `Failed`, `FailedCreatePodSandBox` or `BackOff` events and failures the kubelet retries
    /// are evidence, reported if the pod is still not Running when `timeout` ends. A start
    /// failure returns the pod and its events so the caller can explain it.
    pub async fn wait_running(
        &self,
        name: &str,
        timeout: Duration,
        mut progress: impl FnMut(&str),
    ) -> std::result::Result<(), StartFailure> {
        let mut rx = self.changed.subscribe(name);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut watch = StartWatch::default();
        loop {
            let pod = self.states.lock().expect("states lock").get(name).cloned();
            let events = self.events.lock().expect("events lock").get(name).cloned().unwrap_or_default();
            match watch.observe(pod.as_ref(), &events, &mut progress) {
                Start::Running => return Ok(()),
                Start::Failed(reason) => return Err(StartFailure { reason, pod, events }),
                Start::Waiting => {}
            }
            tokio::select! {
                r = rx.changed() => { if r.is_err() { return Err(StartFailure { reason: "watch ended".into(), pod, events }); } }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(StartFailure { reason: watch.timeout_reason(timeout), pod, events });
                }
            }
        }
    }

    /// Run `command` in the pod, streaming stdout and stderr through `sink`. Returns the
    /// remote exit code.
    pub async fn run_command(&self, name: &str, command: &[String], sink: &Sink) -> Result<i32> {
        let pods: Api<Pod> = Api::namespaced(self.kube.stream_client.clone(), &self.namespace);
        let ap = AttachParams::default().container(CONTAINER).stdin(false).stdout(true).stderr(true);
        let action = Action::new("create", "pods/exec", Some(&self.namespace));
        let mut proc = self.kube.call(action, pods.exec(name, command.to_vec(), &ap)).await?;
        let status = proc.take_status();
        let out = proc.stdout().map(|s| tokio::spawn(pump(s, sink.clone(), false)));
        let err = proc.stderr().map(|s| tokio::spawn(pump(s, sink.clone(), true)));
        super::stream::finish(proc, status, out.into_iter().chain(err).collect()).await
    }

    /// Run `command` in the pod with its stdio left to the caller as byte streams (`cp`): stdin
    /// when asked, stdout and stderr unread, each with a `buffer`-byte pipe. End it with
    /// [`super::stream::finish`] once stdout is read to its end, or `abort` it.
    pub async fn attach(&self, name: &str, command: &[String], stdin: bool, buffer: usize) -> Result<AttachedProcess> {
        let pods: Api<Pod> = Api::namespaced(self.kube.stream_client.clone(), &self.namespace);
        let ap = AttachParams::default().container(CONTAINER).stdin(stdin).stdout(true).stderr(true);
        let ap = ap.max_stdin_buf_size(buffer).max_stdout_buf_size(buffer);
        let action = Action::new("create", "pods/exec", Some(&self.namespace));
        self.kube.call(action, pods.exec(name, command.to_vec(), &ap)).await
    }

    /// Interactive session with a TTY (or plain stdin with `tty = false`).
    pub async fn interactive(&self, name: &str, command: &[String], tty: bool) -> Result<i32> {
        super::interactive::run(&self.kube, &self.namespace, name, command, tty).await
    }

    /// Delete the pod this run created (grace 0, UID precondition) and forget it once the API
    /// server confirms. A pod whose create was not answered is looked up by name and deleted
    /// only if it carries this session's label; while its create may still be in flight, it is
    /// looked for again after a short wait. Failures are retried for [`DELETE_BUDGET`].
    pub async fn delete(&self, name: &str) -> Result<()> {
        let give_up = tokio::time::Instant::now() + DELETE_BUDGET;
        let mut pause = Duration::from_millis(250);
        let mut absent = 0;
        loop {
            let Some(tracked) = self.tracker.get(name) else { return Ok(()) };
            let attempt = async {
                let uid = match tracked.uid.clone() {
                    Some(uid) => uid,
                    None => match self.find_ours(name).await? {
                        Some(uid) => uid,
                        None => return Ok(Deleted::Already),
                    },
                };
                delete_pod(&self.kube, &self.namespace, name, Some(&uid)).await
            };
            match attempt.await {
                Ok(Deleted::Now | Deleted::Replaced) => {
                    self.tracker.remove(name);
                    return Ok(());
                }
                Ok(Deleted::Already) => {
                    // Known UID: it is gone. Unknown: the create may not have arrived yet.
                    absent += 1;
                    if tracked.uid.is_some() || absent >= 3 {
                        self.tracker.remove(name);
                        return Ok(());
                    }
                    pause = Duration::from_millis(500);
                }
                Err(e) if tokio::time::Instant::now() + pause >= give_up => return Err(e),
                Err(_) => {}
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// The UID of the pod called `name` if it is this session's (`None`: there is none, or it
    /// belongs to someone else).
    async fn find_ours(&self, name: &str) -> Result<Option<String>> {
        let action = Action::new("get", "pods", Some(&self.namespace));
        let get = tokio::time::timeout(DELETE_TIMEOUT, self.kube.call(action, self.pods.get_opt(name)));
        let pod = get.await.map_err(|_| self.no_answer())??;
        Ok(pod.filter(|p| is_session(p, &self.session)).and_then(|p| p.metadata.uid))
    }

    fn no_answer(&self) -> Error {
        Error::Unreachable {
            server: self.kube.server.clone(),
            reason: format!("no answer within {}s", DELETE_TIMEOUT.as_secs()),
        }
    }

    /// Delete every pod still tracked (used on errors and interrupts).
    pub async fn delete_all(&self) -> Vec<(String, Error)> {
        let names = self.tracker.names();
        let results = futures::future::join_all(names.iter().map(|n| self.delete(n))).await;
        names.into_iter().zip(results).filter_map(|(n, r)| r.err().map(|e| (n, e))).collect()
    }

    /// What to tell the user about a pod that could not be deleted: when the API server ends
    /// it, and the command that deletes it now.
    pub fn leftover_hint(&self, name: &str) -> String {
        let deadline = self.tracker.get(name).map(|t| t.deadline).unwrap_or_default();
        let ns = &self.namespace;
        format!(
            "delete it with `kubectl hostprocess cleanup -n {ns} {name}`; otherwise the API server stops it at its deadline {deadline} (activeDeadlineSeconds) and `kubectl hostprocess cleanup -n {ns}` deletes it after that"
        )
    }

    /// List the throwaway pods `exec` created (for `cleanup`): one paginated LIST selecting
    /// the plugin's label and a session label. Whose they are is for the caller to decide.
    pub async fn list_managed(kube: &Kube, namespace: Option<&str>) -> Result<Vec<Pod>> {
        let sel = format!("{}={},{SESSION_LABEL}", super::spec::MANAGED_BY_LABEL, super::spec::MANAGED_BY);
        crate::kube::collect::list_pods(kube, namespace, Some(&sel)).await
    }
}

/// Retries of one pod's delete stop after this long; the pod is then reported with its deadline.
pub const DELETE_BUDGET: Duration = Duration::from_secs(10);
/// One delete (or lookup) request waits at most this long, whatever --request-timeout says.
pub const DELETE_TIMEOUT: Duration = Duration::from_secs(5);

/// A create that failed with a client error other than 408/429 was not carried out; 409 means
/// the name is someone else's. A lost answer, a timeout or a 5xx may hide a created pod.
fn never_created(e: &Error) -> bool {
    match e {
        Error::Api { code, .. } => (400..500).contains(code) && *code != 429 && *code != 408,
        Error::Forbidden { .. } | Error::Unauthorized { .. } => true,
        _ => false,
    }
}

/// The pod carries this session's label: this run created it.
fn is_session(pod: &Pod, session: &str) -> bool {
    pod.metadata.labels.as_ref().and_then(|l| l.get(SESSION_LABEL)).is_some_and(|s| s == session)
}

/// When the API server ends the pod: its `creationTimestamp` plus `activeDeadlineSeconds`.
pub fn server_deadline(pod: &Pod) -> Option<String> {
    let created = pod.metadata.creation_timestamp.as_ref()?.0;
    let secs = pod.spec.as_ref()?.active_deadline_seconds?;
    let at = created.checked_add(k8s_openapi::jiff::SignedDuration::from_secs(secs)).ok()?;
    Some(at.to_string())
}

/// What one delete request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The pod existed and is being deleted.
    Now,
    /// There was no such pod (already gone, or its create has not arrived yet).
    Already,
    /// A pod of that name exists but with another UID (the UID precondition failed): not the
    /// pod that was meant; it is left alone.
    Replaced,
}

/// One DELETE (grace period 0) of a throwaway pod, with the UID as a precondition when it is
/// known, bounded by [`DELETE_TIMEOUT`]: every pod deletion goes through here, from a session
/// ([`Lifecycle::delete`]) and from `cleanup`.
pub async fn delete_pod(kube: &Kube, namespace: &str, name: &str, uid: Option<&str>) -> Result<Deleted> {
    let pods: Api<Pod> = Api::namespaced(kube.client.clone(), namespace);
    let dp = DeleteParams {
        grace_period_seconds: Some(0),
        preconditions: uid.map(|u| Preconditions { uid: Some(u.to_string()), resource_version: None }),
        ..Default::default()
    };
    let call = kube.call(Action::new("delete", "pods", Some(namespace)), pods.delete(name, &dp));
    let answer = tokio::time::timeout(DELETE_TIMEOUT, call).await.map_err(|_| Error::Unreachable {
        server: kube.server.clone(),
        reason: format!("no answer to the delete within {}s", DELETE_TIMEOUT.as_secs()),
    })?;
    match answer {
        Ok(_) => Ok(Deleted::Now),
        Err(e) if e.is_not_found() => Ok(Deleted::Already),
        Err(Error::Api { code: 409, .. }) if uid.is_some() => Ok(Deleted::Replaced),
        Err(e) => Err(e),
    }
}

/// Why a pod did not reach Running, with what was seen.
#[derive(Debug)]
pub struct StartFailure {
    pub reason: String,
    pub pod: Option<Pod>,
    pub events: Vec<Event>,
}
