//! The `cp` stream: ASCII lines, the same both ways (node → here on stdout for a download,
//! here → node on stdin for an upload, with the node's answers on stdout).
//!
//! ```text
//! KHP-CP/1                  the node's first line (both scripts)
//! READY <b64 path>          upload: the node resolved the destination (the root's full path)
//! D <b64 rel>               a directory
//! F <size> <b64 rel>        a file begins (size: as opened; for progress only)
//! <base64>                  its bytes, at most CHUNK a line
//! E <size> <sha256>         the file ends: its length and SHA-256 (lowercase hex)
//! OK <size> <sha256>        upload: the node wrote and verified the file
//! W <b64 text>              a warning (an item skipped)
//! ERR <kind> <b64 text>     the node stops: notfound, conflict, nospace, corrupt, access, io
//! END <files> <bytes>       the end
//! ```
//!
//! `rel` is `/`-separated and starts with the root's own name; a receiver checks it with
//! [`super::path::split_relative`]. Paths and texts are base64 of UTF-8, so any name survives.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

use crate::error::{Error, Result, TransferKind};

pub const MAGIC: &str = "KHP-CP/1";
/// Bytes of file data per base64 line (64 KiB of text).
pub const CHUNK: usize = 48 * 1024;
/// The longest line a receiver accepts; anything longer is a corrupt stream.
pub const MAX_LINE: u64 = 96 * 1024;

/// One control line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Magic,
    Ready(String),
    Dir(String),
    File { size: u64, rel: String },
    End { size: u64, sha256: String },
    Ok { size: u64, sha256: String },
    Warn(String),
    Err { kind: String, text: String },
    Done { files: u64, bytes: u64 },
}

pub fn b64(s: &str) -> String {
    STANDARD.encode(s.as_bytes())
}

fn unb64(s: &str) -> std::result::Result<String, String> {
    let bytes = STANDARD.decode(s).map_err(|e| format!("bad base64 ({e})"))?;
    String::from_utf8(bytes).map_err(|_| "a name that is not UTF-8".to_string())
}

pub fn decode_chunk(line: &[u8]) -> Result<Vec<u8>> {
    STANDARD.decode(line).map_err(|e| corrupt(format!("a corrupted data line ({e})")))
}

pub fn encode_chunk(data: &[u8]) -> String {
    STANDARD.encode(data)
}

impl Frame {
    /// The line for this frame, with its newline.
    pub fn line(&self) -> String {
        let body = match self {
            Frame::Magic => MAGIC.to_string(),
            Frame::Ready(p) => format!("READY {}", b64(p)),
            Frame::Dir(rel) => format!("D {}", b64(rel)),
            Frame::File { size, rel } => format!("F {size} {}", b64(rel)),
            Frame::End { size, sha256 } => format!("E {size} {sha256}"),
            Frame::Ok { size, sha256 } => format!("OK {size} {sha256}"),
            Frame::Warn(t) => format!("W {}", b64(t)),
            Frame::Err { kind, text } => format!("ERR {kind} {}", b64(text)),
            Frame::Done { files, bytes } => format!("END {files} {bytes}"),
        };
        body + "\n"
    }

    /// Parse a control line (without its newline).
    pub fn parse(line: &str) -> std::result::Result<Frame, String> {
        let f: Vec<&str> = line.split(' ').collect();
        let num = |s: &str| s.parse::<u64>().map_err(|_| format!("a bad number `{s}`"));
        let sha = |s: &str| {
            if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                Ok(s.to_string())
            } else {
                Err(format!("a bad SHA-256 `{s}`"))
            }
        };
        Ok(match f.as_slice() {
            [m] if *m == MAGIC => Frame::Magic,
            ["READY", p] => Frame::Ready(unb64(p)?),
            ["D", rel] => Frame::Dir(unb64(rel)?),
            ["F", size, rel] => Frame::File { size: num(size)?, rel: unb64(rel)? },
            ["E", size, h] => Frame::End { size: num(size)?, sha256: sha(h)? },
            ["OK", size, h] => Frame::Ok { size: num(size)?, sha256: sha(h)? },
            ["W", t] => Frame::Warn(unb64(t)?),
            ["ERR", kind, t] => Frame::Err { kind: kind.to_string(), text: unb64(t)? },
            ["END", files, bytes] => Frame::Done { files: num(files)?, bytes: num(bytes)? },
            _ => return Err(format!("an unexpected line `{}`", crate::output::escape::terminal_safe_line(&cut(line)))),
        })
    }
}

fn cut(s: &str) -> String {
    s.chars().take(60).collect()
}

pub fn corrupt(what: String) -> Error {
    Error::Transfer {
        kind: TransferKind::Corrupt,
        message: format!("the copy stream is corrupt: {what}"),
        hint: "retry; if it persists, run with -v and report it".into(),
    }
}

/// The error the node reported with `ERR kind text`, about `what` (`win-a:C:\x`).
pub fn node_error(kind: &str, text: &str, what: &str) -> Error {
    let text = crate::output::escape::terminal_safe_line(text.trim()).into_owned();
    let node = what.split(':').next().unwrap_or("NODE");
    let (kind, hint) = match kind {
        "notfound" => (
            TransferKind::NotFound,
            format!("check the path on the node: `kubectl hostprocess exec {node} --powershell 'Get-ChildItem C:\\'`"),
        ),
        "conflict" => (TransferKind::Conflict, "choose another destination, or remove what is there".into()),
        "nospace" => (
            TransferKind::NoSpace,
            format!(
                "free space on the node's disk (`kubectl hostprocess exec {node} --powershell 'Get-PSDrive C'`); the partial file was removed"
            ),
        ),
        "corrupt" => (TransferKind::Corrupt, "the data was damaged on the way; retry".into()),
        _ => (TransferKind::Failed, "check the permissions and the path on the node".into()),
    };
    Error::Transfer { kind, message: format!("{what}: {text}"), hint }
}

/// SHA-256 of a stream, fed piece by piece.
pub struct Hasher(ring::digest::Context);

impl Default for Hasher {
    fn default() -> Self {
        Hasher(ring::digest::Context::new(&ring::digest::SHA256))
    }
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data)
    }
    pub fn hex(self) -> String {
        self.0.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Reads the stream's lines, each bounded by [`MAX_LINE`].
pub struct Lines<R> {
    r: R,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    pub fn new(r: R) -> Self {
        Lines { r, buf: Vec::with_capacity(MAX_LINE as usize) }
    }

    /// The next line without its `\n` (or `\r\n`); `None` at the end of the stream.
    pub async fn next(&mut self) -> Result<Option<&[u8]>> {
        self.buf.clear();
        let n = (&mut self.r).take(MAX_LINE).read_until(b'\n', &mut self.buf).await?;
        if n == 0 {
            return Ok(None);
        }
        if self.buf.last() != Some(&b'\n') {
            if n as u64 >= MAX_LINE {
                return Err(corrupt(format!("a line longer than {MAX_LINE} bytes")));
            }
            return Err(corrupt("the stream ended in the middle of a line".into()));
        }
        self.buf.pop();
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(&self.buf))
    }

    /// The next line as a control frame; `None` at the end of the stream.
    pub async fn frame(&mut self) -> Result<Option<Frame>> {
        match self.next().await? {
            None => Ok(None),
            Some(l) => {
                let s = std::str::from_utf8(l).map_err(|_| corrupt("a line that is not text".into()))?;
                Frame::parse(s).map(Some).map_err(corrupt)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_round_trips() {
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string();
        for f in [
            Frame::Magic,
            Frame::Ready(r"C:\Program Files\x y".into()),
            Frame::Dir("root/a b".into()),
            Frame::File { size: 5, rel: "root/ü.bin".into() },
            Frame::End { size: 0, sha256: sha.clone() },
            Frame::Ok { size: 7, sha256: sha.clone() },
            Frame::Warn("skipped".into()),
            Frame::Err { kind: "nospace".into(), text: "There is not enough space on the disk.\r\n".into() },
            Frame::Done { files: 3, bytes: 12 },
        ] {
            let line = f.line();
            assert!(line.ends_with('\n') && line.is_ascii(), "{line:?}");
            assert_eq!(Frame::parse(line.trim_end()).unwrap(), f);
        }
    }

    #[test]
    fn bad_frames_are_refused() {
        for bad in ["F x cm9vdA==", "E 1 ABC", "E 1 zz", "D !!!", "HELLO", "END 1", "F 1 /w==", ""] {
            assert!(Frame::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_corrupted_chunk_is_an_error() {
        assert_eq!(decode_chunk(encode_chunk(b"\x00\xff binary").as_bytes()).unwrap(), b"\x00\xff binary");
        let e = decode_chunk(b"AAA*").unwrap_err();
        assert!(matches!(e, Error::Transfer { kind: TransferKind::Corrupt, .. }), "{e}");
    }

    #[test]
    fn sha256_matches_the_known_value() {
        let mut h = Hasher::default();
        h.update(b"ab");
        h.update(b"c");
        assert_eq!(h.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[tokio::test]
    async fn lines_are_bounded_and_complete() {
        let mut l = Lines::new(&b"KHP-CP/1\r\nEND 0 0\n"[..]);
        assert_eq!(l.frame().await.unwrap(), Some(Frame::Magic));
        assert_eq!(l.frame().await.unwrap(), Some(Frame::Done { files: 0, bytes: 0 }));
        assert_eq!(l.frame().await.unwrap(), None);
        let long = vec![b'A'; MAX_LINE as usize + 10];
        let mut l = Lines::new(&long[..]);
        assert!(l.next().await.unwrap_err().to_string().contains("longer than"));
        let mut l = Lines::new(&b"half"[..]);
        assert!(l.next().await.unwrap_err().to_string().contains("middle of a line"));
    }

    #[test]
    fn node_errors_keep_their_kind_and_escape_the_text() {
        let e = node_error("nospace", "There is not enough space on the disk.\r\n", r"win-a:C:\x");
        assert_eq!(e.to_string(), r"win-a:C:\x: There is not enough space on the disk.");
        assert_eq!(e.exit_code(), crate::error::ExitCode::Findings);
        let e = node_error("notfound", "gone\u{1b}[31m", "w:C:/x");
        assert!(!e.to_string().contains('\u{1b}'));
        assert_eq!(e.exit_code(), crate::error::ExitCode::Usage);
    }
}
