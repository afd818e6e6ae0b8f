//! Every way of being stopped that a process can catch, so an interrupted exec still deletes its
//! pods: SIGINT, SIGTERM, SIGHUP (a closed terminal or a dropped SSH session) and SIGQUIT on
//! Unix; Ctrl-C, Ctrl-Break, closing the console window, logoff and shutdown on Windows (Windows
//! gives a closing console a few seconds: the deletes are sent at once and in parallel).

/// Why the run was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C (SIGINT), Ctrl-Break or SIGQUIT.
    Interrupt,
    /// SIGTERM, logoff or shutdown.
    Terminate,
    /// The terminal went away (SIGHUP, the console window closed): stderr may be gone too.
    HangUp,
}

#[cfg(unix)]
type Handler = Option<tokio::signal::unix::Signal>;

/// The signals, registered when created (so a signal during preflight is not lost, and is not
/// ignored when the shell started us in the background). Once registered, a signal no longer
/// ends the process by itself: it is seen by [`Signals::recv`].
pub struct Signals {
    #[cfg(unix)]
    handlers: [(Handler, Stop); 4],
    #[cfg(windows)]
    windows: WindowsEvents,
}

#[cfg(windows)]
struct WindowsEvents {
    ctrl_c: Option<tokio::signal::windows::CtrlC>,
    ctrl_break: Option<tokio::signal::windows::CtrlBreak>,
    ctrl_close: Option<tokio::signal::windows::CtrlClose>,
    ctrl_logoff: Option<tokio::signal::windows::CtrlLogoff>,
    ctrl_shutdown: Option<tokio::signal::windows::CtrlShutdown>,
}

/// Waits for `recv` of an optional handler, or forever when it could not be registered.
macro_rules! next {
    ($h:expr) => {
        async {
            match $h.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
    };
}

impl Signals {
    pub fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                handlers: [
                    (signal(SignalKind::interrupt()).ok(), Stop::Interrupt),
                    (signal(SignalKind::terminate()).ok(), Stop::Terminate),
                    (signal(SignalKind::hangup()).ok(), Stop::HangUp),
                    (signal(SignalKind::quit()).ok(), Stop::Interrupt),
                ],
            }
        }
        #[cfg(windows)]
        {
            use tokio::signal::windows;
            Signals {
                windows: WindowsEvents {
                    ctrl_c: windows::ctrl_c().ok(),
                    ctrl_break: windows::ctrl_break().ok(),
                    ctrl_close: windows::ctrl_close().ok(),
                    ctrl_logoff: windows::ctrl_logoff().ok(),
                    ctrl_shutdown: windows::ctrl_shutdown().ok(),
                },
            }
        }
        #[cfg(not(any(unix, windows)))]
        {
            Signals {}
        }
    }

    /// Resolves when any of the signals arrives, with what it means.
    pub async fn recv(&mut self) -> Stop {
        #[cfg(unix)]
        {
            let [(int, a), (term, b), (hup, c), (quit, d)] = &mut self.handlers;
            tokio::select! {
                _ = next!(int) => *a,
                _ = next!(term) => *b,
                _ = next!(hup) => *c,
                _ = next!(quit) => *d,
            }
        }
        #[cfg(windows)]
        {
            let w = &mut self.windows;
            tokio::select! {
                _ = next!(w.ctrl_c) => Stop::Interrupt,
                _ = next!(w.ctrl_break) => Stop::Interrupt,
                _ = next!(w.ctrl_close) => Stop::HangUp,
                _ = next!(w.ctrl_logoff) => Stop::Terminate,
                _ = next!(w.ctrl_shutdown) => Stop::Terminate,
            }
        }
        #[cfg(not(any(unix, windows)))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Stop::Interrupt
        }
    }
}

impl Default for Signals {
    fn default() -> Self {
        Signals::new()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Each caught signal is seen by `recv` (and so does not end the process), with its meaning.
    #[tokio::test]
    async fn hangup_and_quit_are_caught_like_interrupts() {
        let mut s = Signals::new();
        for (sig, want) in [
            (libc_signal::SIGHUP, Stop::HangUp),
            (libc_signal::SIGQUIT, Stop::Interrupt),
            (libc_signal::SIGTERM, Stop::Terminate),
        ] {
            let st = std::process::Command::new("kill")
                .args([&format!("-{sig}"), &std::process::id().to_string()])
                .status()
                .unwrap();
            assert!(st.success());
            let got = tokio::time::timeout(std::time::Duration::from_secs(5), s.recv()).await;
            assert_eq!(got, Ok(want), "signal {sig}");
        }
    }

    /// Signal numbers as `kill` takes them (no libc dependency for three numbers).
    mod libc_signal {
        pub const SIGHUP: u8 = 1;
        pub const SIGQUIT: u8 = 3;
        pub const SIGTERM: u8 = 15;
    }
}
