//! The lifecycle of throwaway pods: the only code that creates or deletes them.
//!
//! Every pod name is registered in a [`Tracker`] *before* its create request is sent, and
//! removed only once its deletion is confirmed, so an interrupt at any point knows what to
//! delete. `activeDeadlineSeconds` is the server-side safety net when the plugin is killed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, AttachParams, DeleteParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};

use super::spec::{CONTAINER, POD_NAME_PREFIX, PodOptions, throwaway_pod};
use super::status::{Start, StartWatch, remote_exit};
use crate::error::{Error, Result};
use crate::kube::{Action, Kube};

/// Pods this process may have created and not yet deleted.
#[derive(Clone, Default)]
pub struct Tracker {
    inner: Arc<Mutex<HashSet<String>>>,
}

impl Tracker {
    fn add(&self, name: &str) {
        self.inner.lock().expect("tracker lock").insert(name.to_string());
    }
    fn remove(&self, name: &str) {
        self.inner.lock().expect("tracker lock").remove(name);
    }
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.inner.lock().expect("tracker lock").iter().cloned().collect();
        v.sort();
        v
    }
}

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
    changed: Arc<tokio::sync::watch::Sender<u64>>,
}

pub const SESSION_LABEL: &str = "kubectl-hostprocess.io/session";

impl Lifecycle {
    pub fn new(kube: Kube, namespace: String, session: String) -> Self {
        let pods = Api::namespaced(kube.client.clone(), &namespace);
        let (tx, _) = tokio::sync::watch::channel(0u64);
        Lifecycle {
            kube,
            namespace,
            session,
            tracker: Tracker::default(),
            watch: Default::default(),
            pods,
            states: Arc::default(),
            events: Arc::default(),
            changed: Arc::new(tx),
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
                            states.lock().expect("states lock").insert(name, pod);
                            changed.send_modify(|v| *v += 1);
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
                let list = map.entry(name).or_default();
                let uid = ev.metadata.uid.clone();
                list.retain(|e| e.metadata.uid != uid);
                list.push(ev);
                drop(map);
                changed.send_modify(|v| *v += 1);
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

    /// Create the pod. Its name is tracked before the request leaves.
    pub async fn create(&self, opts: &PodOptions) -> Result<()> {
        let pod = self.pod(opts);
        self.tracker.add(&opts.name);
        let action = Action::new("create", "pods", Some(&self.namespace));
        match self.kube.call(action, self.pods.create(&PostParams::default(), &pod)).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // It may still have been created if the answer was lost: delete to be sure.
                let _ = self.delete(&opts.name).await;
                Err(e)
            }
        }
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
        let mut rx = self.changed.subscribe();
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
        let out = proc.stdout().map(|s| pump(s, sink.clone(), false));
        let err = proc.stderr().map(|s| pump(s, sink.clone(), true));
        if let Some(o) = out {
            o.await;
        }
        if let Some(e) = err {
            e.await;
        }
        let status = match status {
            Some(s) => s.await,
            None => None,
        };
        let _ = proc.join().await;
        remote_exit(status)
    }

    /// Interactive session with a TTY (or plain stdin with `tty = false`).
    pub async fn interactive(&self, name: &str, command: &[String], tty: bool) -> Result<i32> {
        super::interactive::run(&self.kube, &self.namespace, name, command, tty).await
    }

    /// Delete the pod (grace 0) and forget it once the API server confirms. A pod whose
    /// create may still be in flight is deleted again after a short wait.
    pub async fn delete(&self, name: &str) -> Result<()> {
        for attempt in 0..3 {
            match delete_pod(&self.kube, &self.namespace, name).await {
                Ok(Deleted::Now) => {
                    self.tracker.remove(name);
                    return Ok(());
                }
                Ok(Deleted::Already) => {
                    if attempt == 2 {
                        self.tracker.remove(name);
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) if attempt == 2 => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
        Ok(())
    }

    /// Delete every pod still tracked (used on errors and interrupts).
    pub async fn delete_all(&self) -> Vec<(String, Error)> {
        let names = self.tracker.names();
        let results = futures::future::join_all(names.iter().map(|n| self.delete(n))).await;
        names.into_iter().zip(results).filter_map(|(n, r)| r.err().map(|e| (n, e))).collect()
    }

    /// List this tool's pods in the namespace (for `cleanup`).
    pub async fn list_managed(kube: &Kube, namespace: Option<&str>) -> Result<Vec<Pod>> {
        let sel = format!("{}={}", super::spec::MANAGED_BY_LABEL, super::spec::MANAGED_BY);
        crate::kube::collect::list_pods(kube, namespace, Some(&sel)).await
    }
}

/// What one delete request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The pod existed and is being deleted.
    Now,
    /// There was no such pod (already gone, or its create has not arrived yet).
    Already,
}

/// One DELETE (grace period 0) of a throwaway pod: every pod deletion goes through here, from
/// a session ([`Lifecycle::delete`]) and from `cleanup`.
pub async fn delete_pod(kube: &Kube, namespace: &str, name: &str) -> Result<Deleted> {
    let pods: Api<Pod> = Api::namespaced(kube.client.clone(), namespace);
    let dp = DeleteParams { grace_period_seconds: Some(0), ..Default::default() };
    match kube.call(Action::new("delete", "pods", Some(namespace)), pods.delete(name, &dp)).await {
        Ok(_) => Ok(Deleted::Now),
        Err(e) if e.is_not_found() => Ok(Deleted::Already),
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

/// Where command output goes: straight through, prefixed per line, or captured.
#[derive(Clone)]
pub enum Sink {
    Direct,
    Prefixed(String),
    /// stdout and stderr, each bounded (`--max-output`).
    Captured(Arc<Mutex<(super::fanout::Bounded, super::fanout::Bounded)>>),
}

async fn pump<R: AsyncRead + Unpin>(reader: R, sink: Sink, is_err: bool) {
    match sink {
        Sink::Direct => {
            let mut r = reader;
            if is_err {
                let _ = tokio::io::copy(&mut r, &mut tokio::io::stderr()).await;
            } else {
                let mut out = tokio::io::stdout();
                let _ = tokio::io::copy(&mut r, &mut out).await;
                let _ = out.flush().await;
            }
        }
        Sink::Prefixed(prefix) => {
            let mut r = BufReader::new(reader);
            let mut line = Vec::new();
            loop {
                line.clear();
                match r.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if !line.ends_with(b"\n") {
                            line.push(b'\n');
                        }
                        let mut buf = format!("[{prefix}] ").into_bytes();
                        buf.extend_from_slice(&line);
                        // One write per line so lines of different nodes never interleave.
                        if is_err {
                            use std::io::Write;
                            let _ = std::io::stderr().lock().write_all(&buf);
                        } else {
                            use std::io::Write;
                            let _ = std::io::stdout().lock().write_all(&buf);
                        }
                    }
                }
            }
        }
        Sink::Captured(buf) => {
            // Read in chunks into the bounded buffers: memory stays at --max-output per stream
            // whatever the node prints.
            let mut r = reader;
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                match tokio::io::AsyncReadExt::read(&mut r, &mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut b = buf.lock().expect("capture lock");
                        if is_err { b.1.push(&chunk[..n]) } else { b.0.push(&chunk[..n]) }
                    }
                }
            }
        }
    }
}
