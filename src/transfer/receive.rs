//! A download: the node's stream (see [`super::codec`]) written under a local destination.
//!
//! Paths from the node are untrusted: each must be relative, start with the root's name and
//! have only plain components; a directory is used only if this stream created or checked it
//! (never through a symlink), and each file is written to a temporary name beside it and
//! renamed only once its size and SHA-256 match.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use tokio::io::AsyncBufRead;

use super::codec::{Frame, Hasher, Lines, corrupt, decode_chunk, node_error};
use super::path::{Existing, into_directory, split_relative};
use super::progress::Progress;
use super::{conflict, ended_early, existing, local_error, not_found};
use crate::error::Result;

pub struct Receiver<'a> {
    dest: &'a Path,
    /// `win-a:C:\x`, for messages.
    what: &'a str,
    root: Option<(String, PathBuf)>,
    dirs: HashSet<PathBuf>,
}

impl<'a> Receiver<'a> {
    pub fn new(dest: &'a Path, what: &'a str) -> Self {
        Receiver { dest, what, root: None, dirs: HashSet::new() }
    }

    /// Where `rel` goes locally; the first entry decides the root.
    fn place(&mut self, rel: &str, is_dir: bool) -> Result<PathBuf> {
        let safe = crate::output::escape::terminal_safe_line(rel);
        let parts = split_relative(rel)
            .ok_or_else(|| corrupt(format!("the node sent a path outside the destination: `{safe}`")))?;
        match &self.root {
            None => {
                if parts.len() != 1 {
                    return Err(corrupt(format!("the first entry `{safe}` is not the root")));
                }
                let dest = self.dest.to_string_lossy().into_owned();
                let base = match into_directory(&dest, existing(self.dest)?, is_dir) {
                    Ok(true) => self.dest.join(parts[0]),
                    Ok(false) => self.dest.to_path_buf(),
                    Err((true, m)) => return Err(not_found(m)),
                    Err((false, m)) => return Err(conflict(m)),
                };
                self.root = Some((parts[0].to_string(), base.clone()));
                Ok(base)
            }
            Some((name, base)) => {
                if parts[0] != name || parts.len() < 2 {
                    return Err(corrupt(format!("the node sent a path outside the destination: `{safe}`")));
                }
                Ok(parts[1..].iter().fold(base.clone(), |p, c| p.join(c)))
            }
        }
    }

    /// The parent of `path` must be the root's own parent or a directory of this stream.
    fn check_parent(&self, path: &Path) -> Result<()> {
        let parent = path.parent().unwrap_or(Path::new(""));
        let base = self.root.as_ref().map(|r| r.1.as_path());
        if base == Some(path) || self.dirs.contains(parent) {
            return Ok(());
        }
        Err(corrupt(format!("`{}` came before its directory", path.display())))
    }

    fn dir(&mut self, path: PathBuf) -> Result<()> {
        self.check_parent(&path)?;
        match existing(&path)? {
            Existing::Dir => {}
            Existing::File => return Err(conflict(format!("{} exists and is not a directory", path.display()))),
            Existing::Missing => std::fs::create_dir(&path).map_err(|e| local_error(&path, e))?,
        }
        self.dirs.insert(path);
        Ok(())
    }

    /// Receive the whole stream; the files and bytes written.
    pub async fn run<R: AsyncBufRead + Unpin>(&mut self, lines: &mut Lines<R>, progress: &mut Progress) -> Result<()> {
        match lines.frame().await? {
            Some(Frame::Magic) => {}
            Some(Frame::Err { kind, text }) => return Err(node_error(&kind, &text, self.what)),
            Some(f) => return Err(corrupt(format!("the stream began with {f:?}"))),
            None => return Err(ended_early()),
        }
        loop {
            match lines.frame().await?.ok_or_else(ended_early)? {
                Frame::Dir(rel) => {
                    let p = self.place(&rel, true)?;
                    self.dir(p)?;
                }
                Frame::File { size, rel } => {
                    let p = self.place(&rel, false)?;
                    self.check_parent(&p)?;
                    progress.file(&rel, size);
                    self.file(&p, lines, progress).await?;
                    progress.file_done();
                }
                Frame::Warn(t) => {
                    crate::stderr_line!("warning: {}: {}", self.what, crate::output::escape::terminal_safe_line(&t))
                }
                Frame::Err { kind, text } => return Err(node_error(&kind, &text, self.what)),
                Frame::Done { files, bytes } if files == progress.files && bytes == progress.bytes => return Ok(()),
                Frame::Done { files, bytes } => {
                    return Err(corrupt(format!(
                        "the node sent {files} files ({bytes} bytes), {} ({}) arrived",
                        progress.files, progress.bytes
                    )));
                }
                f => return Err(corrupt(format!("an unexpected {f:?}"))),
            }
        }
    }

    async fn file<R: AsyncBufRead + Unpin>(
        &mut self,
        path: &Path,
        lines: &mut Lines<R>,
        progress: &mut Progress,
    ) -> Result<()> {
        if existing(path)? == Existing::Dir {
            return Err(conflict(format!("{} is a directory", path.display())));
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.khp-partial-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp);
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, file.map_err(|e| local_error(&tmp, e))?);
        let result = async {
            let mut hash = Hasher::default();
            let mut got = 0u64;
            loop {
                let line = lines.next().await?.ok_or_else(ended_early)?;
                if line.starts_with(b"E ") {
                    let s = std::str::from_utf8(line).unwrap_or_default();
                    let Ok(Frame::End { size, sha256 }) = Frame::parse(s) else {
                        return Err(corrupt("a bad end-of-file line".into()));
                    };
                    out.flush().map_err(|e| local_error(path, e))?;
                    let mine = hash.hex();
                    if size != got || sha256 != mine {
                        return Err(corrupt(format!(
                            "{}: the node sent {size} bytes with SHA-256 {sha256}, {got} bytes with SHA-256 {mine} arrived",
                            path.display()
                        )));
                    }
                    return Ok(());
                }
                if line.starts_with(b"ERR ") {
                    let s = std::str::from_utf8(line).unwrap_or_default();
                    if let Ok(Frame::Err { kind, text }) = Frame::parse(s) {
                        return Err(node_error(&kind, &text, self.what));
                    }
                }
                let data = decode_chunk(line)?;
                hash.update(&data);
                out.write_all(&data).map_err(|e| local_error(path, e))?;
                got += data.len() as u64;
                progress.add(data.len() as u64);
            }
        }
        .await;
        drop(out);
        match result {
            Ok(()) => std::fs::rename(&tmp, path).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                local_error(path, e)
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::encode_chunk;
    use super::*;
    use crate::error::{Error, TransferKind};

    fn sha(data: &[u8]) -> String {
        let mut h = Hasher::default();
        h.update(data);
        h.hex()
    }

    fn file(rel: &str, data: &[u8]) -> String {
        let mut s = Frame::File { size: data.len() as u64, rel: rel.into() }.line();
        for c in data.chunks(5) {
            s.push_str(&encode_chunk(c));
            s.push('\n');
        }
        s + &Frame::End { size: data.len() as u64, sha256: sha(data) }.line()
    }

    async fn receive(dest: &Path, stream: &str) -> Result<Progress> {
        let mut p = Progress::new(true);
        let mut lines = Lines::new(stream.as_bytes());
        Receiver::new(dest, "w:C:/x").run(&mut lines, &mut p).await.map(|_| p)
    }

    fn kind(r: Result<Progress>) -> TransferKind {
        match r {
            Err(Error::Transfer { kind, .. }) => kind,
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("no error"),
        }
    }

    #[tokio::test]
    async fn a_tree_is_written_under_an_existing_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let s = format!(
            "KHP-CP/1\n{}{}{}{}{}END 2 12\n",
            Frame::Dir("logs".into()).line(),
            file("logs/a b.txt", b"hello world!"),
            Frame::Dir("logs/sub".into()).line(),
            file("logs/sub/empty", b""),
            Frame::Warn("skipped a junction".into()).line(),
        );
        let p = receive(tmp.path(), &s).await.unwrap();
        assert_eq!((p.files, p.bytes), (2, 12));
        assert_eq!(std::fs::read(tmp.path().join("logs/a b.txt")).unwrap(), b"hello world!");
        assert_eq!(std::fs::read(tmp.path().join("logs/sub/empty")).unwrap(), b"");
        // A file onto a missing name is that name.
        let s = format!("KHP-CP/1\n{}END 1 3\n", file("f.bin", b"\x00\x01\xff"));
        receive(&tmp.path().join("renamed"), &s).await.unwrap();
        assert_eq!(std::fs::read(tmp.path().join("renamed")).unwrap(), b"\x00\x01\xff");
    }

    #[tokio::test]
    async fn a_wrong_checksum_or_a_corrupt_chunk_leaves_no_file() {
        let tmp = tempfile::tempdir().unwrap();
        let bad_sum = format!("KHP-CP/1\nF 3 {}\nAAEC\nE 3 {}\nEND 1 3\n", super::super::codec::b64("f"), sha(b"xyz"));
        assert_eq!(kind(receive(tmp.path(), &bad_sum).await), TransferKind::Corrupt);
        let bad_chunk = format!("KHP-CP/1\nF 3 {}\nAA*C\n", super::super::codec::b64("f"));
        assert_eq!(kind(receive(tmp.path(), &bad_chunk).await), TransferKind::Corrupt);
        let cut = format!("KHP-CP/1\nF 3 {}\nAAEC\n", super::super::codec::b64("f"));
        assert_eq!(kind(receive(tmp.path(), &cut).await), TransferKind::Failed);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "no file, no temporary left");
    }

    #[tokio::test]
    async fn hostile_paths_never_leave_the_destination() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("d");
        std::fs::create_dir(&dest).unwrap();
        for rel in ["../evil", "/etc/evil", "C:/evil", "root/../../evil", "other/x", "root"] {
            let s = format!("KHP-CP/1\n{}{}", Frame::Dir("root".into()).line(), file(rel, b"x"));
            assert_eq!(kind(receive(&dest, &s).await), TransferKind::Corrupt, "{rel}");
        }
        // A file inside a directory the stream never announced (e.g. through a planted symlink).
        let s = format!("KHP-CP/1\n{}{}", Frame::Dir("root".into()).line(), file("root/sub/x", b"x"));
        assert_eq!(kind(receive(&dest, &s).await), TransferKind::Corrupt);
        assert!(!tmp.path().join("evil").exists() && !Path::new("/etc/evil").exists());
    }

    #[tokio::test]
    async fn node_errors_and_destination_conflicts() {
        let tmp = tempfile::tempdir().unwrap();
        let s = format!("KHP-CP/1\n{}", Frame::Err { kind: "notfound".into(), text: "no such path".into() }.line());
        assert_eq!(kind(receive(tmp.path(), &s).await), TransferKind::NotFound);
        std::fs::write(tmp.path().join("f"), b"").unwrap();
        let s = format!("KHP-CP/1\n{}", Frame::Dir("root".into()).line());
        assert_eq!(kind(receive(&tmp.path().join("f"), &s).await), TransferKind::Conflict);
        let s = format!("KHP-CP/1\n{}", file("f", b"x"));
        assert_eq!(kind(receive(&tmp.path().join("missing/x"), &s).await), TransferKind::NotFound);
        assert_eq!(kind(receive(&tmp.path().join("missing/"), &s).await), TransferKind::NotFound);
    }
}
