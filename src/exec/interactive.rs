//! Interactive sessions over `pods/exec`: raw mode, stdin, window resize. The terminal is
//! restored on every path by a guard.

use std::io::IsTerminal;

use futures::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, TerminalSize};
use tokio::io::AsyncWriteExt;

use super::spec::CONTAINER;
use crate::error::Result;
use crate::kube::{Action, Kube};

/// Restores cooked mode when dropped.
struct RawMode(bool);

impl RawMode {
    fn enable(tty: bool) -> RawMode {
        let on = tty && std::io::stdin().is_terminal() && crossterm::terminal::enable_raw_mode().is_ok();
        RawMode(on)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

fn terminal_size() -> Option<TerminalSize> {
    crossterm::terminal::size().ok().map(|(width, height)| TerminalSize { width, height })
}

/// Run `command` in pod `name` with the terminal attached; the remote exit code.
pub async fn run(kube: &Kube, namespace: &str, name: &str, command: &[String], tty: bool) -> Result<i32> {
    let pods: Api<Pod> = Api::namespaced(kube.stream_client.clone(), namespace);
    let ap = AttachParams::default().container(CONTAINER).stdin(true).stdout(true).stderr(!tty).tty(tty);
    let action = Action::new("create", "pods/exec", Some(namespace));
    let mut proc = kube.call(action, pods.exec(name, command.to_vec(), &ap)).await?;
    let _raw = RawMode::enable(tty);
    let status = proc.take_status();
    let mut stdin_w = proc.stdin();
    let stdout_r = proc.stdout();
    let stderr_r = proc.stderr();
    let resize = proc.terminal_size();
    let input = tokio::spawn(async move {
        if let Some(w) = stdin_w.as_mut() {
            let _ = tokio::io::copy(&mut tokio::io::stdin(), w).await;
            let _ = w.shutdown().await;
        }
    });
    let resizer = tokio::spawn(async move {
        let Some(mut tx) = resize else { return };
        if let Some(size) = terminal_size() {
            let _ = tx.send(size).await;
        }
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let Ok(mut winch) = signal(SignalKind::window_change()) {
                while winch.recv().await.is_some() {
                    if let Some(size) = terminal_size()
                        && tx.send(size).await.is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    let out = tokio::spawn(async move {
        if let Some(mut r) = stdout_r {
            let mut o = tokio::io::stdout();
            let _ = tokio::io::copy(&mut r, &mut o).await;
            let _ = o.flush().await;
        }
    });
    let err = tokio::spawn(async move {
        if let Some(mut r) = stderr_r {
            let _ = tokio::io::copy(&mut r, &mut tokio::io::stderr()).await;
        }
    });
    let ended = super::stream::finish(proc, status, vec![out, err]).await;
    input.abort();
    resizer.abort();
    drop(_raw);
    ended
}
