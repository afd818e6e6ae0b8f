//! The node's side of a copy, in a running throwaway pod: the script exec'd with raw stdio
//! (through [`Lifecycle::attach`]), its stdout read as the stream, its stderr kept (bounded) to
//! explain a failure.

use std::path::Path;
use std::sync::{Arc, Mutex};

use kube::api::AttachedProcess;
use tokio::io::BufReader;

use super::codec::Lines;
use super::progress::Progress;
use super::send::{Entry, answers, send};
use super::stall::{Activity, STALL};
use super::{ENDED_EARLY, GET_SCRIPT, PUT_SCRIPT, ended_early, script};
use crate::error::{Error, Result, TransferKind};
use crate::exec::lifecycle::Lifecycle;
use crate::exec::sink::{Bounded, Sink, pump};
use crate::exec::spec::powershell;

/// The exec pipes' size: large enough that the stream is not a trickle of 1 KiB pieces.
const PIPE: usize = 1024 * 1024;
/// How much of the script's stderr is kept to explain a failure.
const STDERR_KEPT: usize = 16 * 1024;

fn stalled(what: &str) -> Error {
    Error::Request(format!("no answer within {}s {what}", STALL.as_secs()))
}

struct Exec {
    proc: AttachedProcess,
    captured: Arc<Mutex<(Bounded, Bounded)>>,
    stderr: tokio::task::JoinHandle<()>,
}

async fn start(lc: &Lifecycle, pod: &str, script: &str, stdin: bool) -> Result<Exec> {
    let command = powershell(script);
    let attach = lc.attach(pod, &command, stdin, PIPE);
    let mut proc = tokio::time::timeout(STALL, attach).await.map_err(|_| stalled("opening the exec stream"))??;
    let captured = Arc::new(Mutex::new((Bounded::new(0), Bounded::new(STDERR_KEPT))));
    let err = proc.stderr().expect("stderr was asked for");
    let stderr = tokio::spawn(pump(err, Sink::Captured(captured.clone()), true));
    Ok(Exec { proc, captured, stderr })
}

impl Exec {
    /// End the exec once the stream was read: its exit code must be 0. A stream that ended
    /// early is explained by the exit code and the script's stderr.
    async fn finish(mut self, outcome: Result<()>) -> Result<()> {
        let ended_early = matches!(&outcome, Err(Error::Transfer { message, .. }) if message == ENDED_EARLY);
        if outcome.is_err() && !ended_early {
            // The stream is refused here: stop the node's side now (the pod is deleted next).
            self.proc.abort();
            return outcome;
        }
        let status = self.proc.take_status();
        let end = crate::exec::stream::finish(self.proc, status, vec![self.stderr]);
        let code =
            tokio::time::timeout(STALL, end).await.map_err(|_| stalled("waiting for the end of the exec stream"))??;
        let err = std::mem::replace(&mut self.captured.lock().expect("capture lock").1, Bounded::new(0));
        let text = String::from_utf8_lossy(&err.finish().0).trim().to_string();
        match (outcome, code) {
            (Ok(()), 0) => Ok(()),
            (r, code) => {
                let why =
                    if text.is_empty() { format!("exit code {code}") } else { format!("exit code {code}: {text}") };
                let why = crate::output::escape::terminal_safe(&why).into_owned();
                match r {
                    Err(Error::Transfer { kind, message, hint }) => {
                        Err(Error::Transfer { kind, message: format!("{message} ({why})"), hint })
                    }
                    _ => Err(Error::Transfer {
                        kind: TransferKind::Failed,
                        message: format!("the node's side of the copy failed after the stream ended ({why})"),
                        hint: "retry with -v".into(),
                    }),
                }
            }
        }
    }
}

/// `NODE:remote` → `local`.
pub async fn download(lc: &Lifecycle, pod: &str, remote: &str, local: &Path, what: &str) -> Result<Progress> {
    let spec = serde_json::json!({ "path": remote });
    let mut exec = start(lc, pod, &script(GET_SCRIPT, &spec), false).await?;
    let activity = Activity::default();
    let out = activity.wrap(exec.proc.stdout().expect("stdout was asked for"));
    let mut lines = Lines::new(BufReader::with_capacity(256 * 1024, out));
    let mut progress = Progress::new(false);
    let mut receiver = super::receive::Receiver::new(local, what);
    let outcome = tokio::select! {
        r = receiver.run(&mut lines, &mut progress) => r,
        e = activity.stalled(STALL) => Err(e),
    };
    drop(lines);
    exec.finish(outcome).await.map(|_| progress)
}

/// `entries` (from [`super::send::walk`]) → `NODE:remote`.
pub async fn upload(lc: &Lifecycle, pod: &str, entries: &[Entry], remote: &str, what: &str) -> Result<Progress> {
    let root = &entries[0];
    let spec = serde_json::json!({ "path": remote, "name": root.rel, "dir": root.dir });
    let mut exec = start(lc, pod, &script(PUT_SCRIPT, &spec), true).await?;
    let activity = Activity::default();
    let mut stdin = activity.wrap(exec.proc.stdin().expect("stdin was asked for"));
    let out = activity.wrap(exec.proc.stdout().expect("stdout was asked for"));
    let mut lines = Lines::new(BufReader::with_capacity(64 * 1024, out));
    let mut progress = Progress::new(false);
    let copy = async {
        // The node resolves the destination first: nothing is sent to a path that cannot be.
        match lines.frame().await?.ok_or_else(ended_early)? {
            super::codec::Frame::Magic => {}
            f => return Err(super::codec::corrupt(format!("the node began with {f:?}"))),
        }
        match lines.frame().await?.ok_or_else(ended_early)? {
            super::codec::Frame::Ready(target) => {
                tracing::debug!("copying to {}", crate::output::escape::terminal_safe_line(&target))
            }
            super::codec::Frame::Err { kind, text } => return Err(super::codec::node_error(&kind, &text, what)),
            f => return Err(super::codec::corrupt(format!("an unexpected {f:?}"))),
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sending = async {
            let r = send(entries, &mut stdin, tx, &mut progress).await;
            // End of stdin: the node has read `END` already, or stops reading now.
            drop(stdin);
            r
        };
        let answering = answers(&mut lines, rx, what);
        tokio::pin!(answering);
        // The node's answer (an error it reports) ends the copy at once; a local error (an
        // unreadable file) too; otherwise wait for the node's last answer.
        tokio::select! {
            r = &mut answering => { r.map(|_| ()) },
            s = sending => match s {
                Err(e) => Err(e),
                Ok(()) => answering.await.map(|_| ()),
            },
        }
    };
    let outcome = tokio::select! {
        r = copy => r,
        e = activity.stalled(STALL) => Err(e),
    };
    drop(lines);
    exec.finish(outcome).await.map(|_| progress)
}
