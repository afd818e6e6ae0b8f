//! Where a remote command's output goes: straight to the terminal, prefixed with its node per
//! line, or captured in bounded memory (`--max-output`) for `--style group` and `-o json`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

/// `--style prefix`: a line longer than this is printed in pieces of this size, each with the
/// node's prefix, so a node that prints no newline cannot grow memory without end.
const MAX_PREFIXED_LINE: u64 = 64 * 1024;

/// One line (with its newline), or its next [`MAX_PREFIXED_LINE`] bytes; 0 at the end.
async fn read_line_bounded<R: AsyncBufRead + Unpin>(r: &mut R, line: &mut Vec<u8>) -> std::io::Result<usize> {
    r.take(MAX_PREFIXED_LINE).read_until(b'\n', line).await
}

/// Where command output goes: straight through, prefixed per line, or captured.
#[derive(Clone)]
pub enum Sink {
    Direct,
    Prefixed(String),
    /// stdout and stderr, each bounded (`--max-output`).
    Captured(Arc<Mutex<(Bounded, Bounded)>>),
}

pub async fn pump<R: AsyncRead + Unpin>(reader: R, sink: Sink, is_err: bool) {
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
                match read_line_bounded(&mut r, &mut line).await {
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

/// A node's output (`--style group`, `-o json`): each stream whole, or its first and last bytes
/// up to `--max-output` with what was cut between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_cut: Option<Cut>,
    pub stderr_cut: Option<Cut>,
}

/// Where a kept stream was cut, and how many bytes were dropped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// The kept bytes before this offset are the stream's first, those after it its last.
    pub at: usize,
    pub dropped: u64,
}

/// At most `limit` bytes of a stream, in bounded memory: the first half as it came, the last
/// half in a ring, and a count of the bytes dropped between them.
#[derive(Debug, Clone)]
pub struct Bounded {
    limit: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: u64,
}

impl Bounded {
    pub fn new(limit: usize) -> Bounded {
        let limit = limit.max(2);
        Bounded { limit, head: Vec::new(), tail: Default::default(), dropped: 0 }
    }

    pub fn push(&mut self, mut data: &[u8]) {
        let head_cap = self.limit / 2;
        let tail_cap = self.limit - head_cap;
        if self.head.len() < head_cap {
            let take = (head_cap - self.head.len()).min(data.len());
            self.head.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        if data.len() >= tail_cap {
            self.dropped += (self.tail.len() + data.len() - tail_cap) as u64;
            self.tail.clear();
            data = &data[data.len() - tail_cap..];
        } else {
            let over = (self.tail.len() + data.len()).saturating_sub(tail_cap);
            self.tail.drain(..over);
            self.dropped += over as u64;
        }
        self.tail.extend(data);
    }

    /// The kept bytes, and where they were cut if anything was dropped.
    pub fn finish(self) -> (Vec<u8>, Option<Cut>) {
        let at = self.head.len();
        let mut out = self.head;
        out.extend(self.tail);
        let cut = (self.dropped > 0).then_some(Cut { at, dropped: self.dropped });
        (out, cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn prefixed_lines_are_read_in_bounded_pieces() {
        let long = vec![b'x'; 3 * MAX_PREFIXED_LINE as usize / 2];
        let mut input = b"short\n".to_vec();
        input.extend_from_slice(&long);
        input.extend_from_slice(b"\nend");
        let mut r = BufReader::new(&input[..]);
        let mut sizes = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = read_line_bounded(&mut r, &mut line).await.unwrap();
            if n == 0 {
                break;
            }
            sizes.push(n);
        }
        let max = MAX_PREFIXED_LINE as usize;
        assert_eq!(sizes, [6, max, long.len() - max + 1, 3]);
    }

    fn feed(limit: usize, chunks: &[&[u8]]) -> (Vec<u8>, Option<Cut>) {
        let mut b = Bounded::new(limit);
        for c in chunks {
            b.push(c);
        }
        b.finish()
    }

    #[test]
    fn output_within_the_limit_is_kept_whole() {
        assert_eq!(feed(10, &[b"abc", b"def"]), (b"abcdef".to_vec(), None));
        assert_eq!(feed(10, &[b"0123456789"]), (b"0123456789".to_vec(), None));
        assert_eq!(feed(10, &[]), (vec![], None));
    }

    #[test]
    fn longer_output_keeps_its_first_and_last_bytes_and_counts_the_rest() {
        // One big chunk, and the same bytes in small chunks, cut the same way.
        let data: Vec<u8> = (0..100u8).collect();
        let (kept, cut) = feed(10, &[&data]);
        assert_eq!(kept, [0, 1, 2, 3, 4, 95, 96, 97, 98, 99]);
        assert_eq!(cut, Some(Cut { at: 5, dropped: 90 }));
        let small: Vec<&[u8]> = data.chunks(3).collect();
        assert_eq!(feed(10, &small), (kept, cut));
        let (kept, cut) = feed(10, &[b"0123456789", b"x"]);
        assert_eq!(kept, b"012346789x");
        assert_eq!(cut, Some(Cut { at: 5, dropped: 1 }));
    }

    #[test]
    fn memory_stays_at_the_limit_for_any_length() {
        let mut b = Bounded::new(1024);
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..256 {
            b.push(&chunk); // 16 MiB in all
        }
        assert!(b.head.capacity() <= 4096 && b.tail.len() == 512, "{} {}", b.head.capacity(), b.tail.len());
        let (kept, cut) = b.finish();
        assert_eq!(kept.len(), 1024);
        assert_eq!(cut, Some(Cut { at: 512, dropped: 16 * 1024 * 1024 - 1024 }));
    }
}
