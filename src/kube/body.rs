//! Response bodies read whole, up to a limit: LIST pages, container logs, node log answers.

/// A response body read up to a limit.
#[derive(Debug, PartialEq, Eq)]
pub enum Body {
    /// The whole body (at most the limit).
    Whole(Vec<u8>),
    /// The first `limit` bytes of a longer body; the rest was not read.
    Cut(Vec<u8>),
}

/// Read a response body, at most `limit` bytes (it says whether there was more).
pub async fn read_body(stream: impl futures::AsyncBufRead, limit: usize) -> std::io::Result<Body> {
    use futures::{AsyncBufRead, AsyncBufReadExt};
    let mut stream = std::pin::pin!(stream);
    let mut body = Vec::new();
    loop {
        let chunk = stream.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(Body::Whole(body));
        }
        let n = chunk.len().min(limit - body.len());
        body.extend_from_slice(&chunk[..n]);
        if n < chunk.len() {
            return Ok(Body::Cut(body));
        }
        AsyncBufRead::consume(stream.as_mut(), n);
    }
}

#[cfg(test)]
mod tests {
    use super::{Body, read_body};

    #[test]
    fn a_body_longer_than_the_limit_is_cut_not_read_on() {
        let read = |bytes: &'static [u8], limit| {
            futures::executor::block_on(read_body(futures::io::BufReader::with_capacity(3, bytes), limit)).unwrap()
        };
        assert_eq!(read(b"0123456789", 10), Body::Whole(b"0123456789".to_vec()));
        assert_eq!(read(b"0123456789", 4), Body::Cut(b"0123".to_vec()));
        assert_eq!(read(b"0123456789", 0), Body::Cut(Vec::new()));
        assert_eq!(read(b"", 0), Body::Whole(Vec::new()));
    }
}
