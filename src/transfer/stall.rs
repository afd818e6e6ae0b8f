//! A copy that stops moving ends with an error instead of waiting for the pod's deadline: the
//! exec stream's pipes are wrapped so that every byte through them counts as activity.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{Error, TransferKind};

/// No byte either way for this long ends the copy.
pub const STALL: Duration = Duration::from_secs(60);

/// When bytes last moved, in milliseconds since `start`.
#[derive(Clone)]
pub struct Activity {
    start: Instant,
    last: Arc<AtomicU64>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity { start: Instant::now(), last: Arc::default() }
    }
}

impl Activity {
    fn touch(&self) {
        self.last.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        self.start.elapsed().saturating_sub(Duration::from_millis(self.last.load(Ordering::Relaxed)))
    }

    /// Resolves (with the error) once nothing moved for `limit`.
    pub async fn stalled(&self, limit: Duration) -> Error {
        loop {
            let idle = self.idle();
            if idle >= limit {
                return Error::Transfer {
                    kind: TransferKind::Failed,
                    message: format!("the copy stalled: nothing moved for {}s", limit.as_secs()),
                    hint: "check the node and the connection to the API server, then retry".into(),
                };
            }
            tokio::time::sleep((limit - idle).min(Duration::from_secs(1))).await;
        }
    }

    pub fn wrap<T>(&self, inner: T) -> Counted<T> {
        Counted { inner, activity: self.clone() }
    }
}

/// A pipe whose bytes count as activity.
pub struct Counted<T> {
    inner: T,
    activity: Activity,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn bytes_count_as_activity_and_a_stall_names_its_limit() {
        let a = Activity { start: Instant::now() - Duration::from_secs(100), last: Arc::default() };
        assert!(a.idle() >= Duration::from_secs(100));
        let mut w = a.wrap(Vec::new());
        w.write_all(b"x").await.unwrap();
        assert!(a.idle() < Duration::from_secs(50), "a write resets it: {:?}", a.idle());
        let e = a.stalled(Duration::ZERO).await;
        assert!(e.to_string().contains("stalled: nothing moved for 0s"), "{e}");
        assert_eq!(e.exit_code(), crate::error::ExitCode::Findings);
    }
}
