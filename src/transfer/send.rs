//! An upload: a local file or tree as a stream (see [`super::codec`]) on the script's stdin,
//! and the node's answers (`OK size sha256` per file) checked against what was sent.

use std::io::Read;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::codec::{CHUNK, Frame, Hasher, Lines, corrupt, encode_chunk, node_error};
use super::path::base_name;
use super::progress::Progress;
use super::{ended_early, local_error, not_found};
use crate::error::Result;

/// One entry to send: its stream path and local path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rel: String,
    pub path: PathBuf,
    pub dir: bool,
}

/// The entries of `source` in order (a directory before its contents, names sorted). Symbolic
/// links to directories are skipped with a warning (no loops); links to files are followed.
pub fn walk(source: &Path) -> Result<Vec<Entry>> {
    let meta = std::fs::metadata(source).map_err(|e| local_error(source, e))?;
    let shown = source.to_string_lossy();
    // `.` or `dir/..` are copied under the name of the directory they are.
    let real = std::fs::canonicalize(source).ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let root =
        base_name(&shown).map(str::to_string).or(real).filter(|n| super::path::safe_component(n)).ok_or_else(|| {
            not_found(format!("{shown} has no name that can exist on Windows; name the directory itself"))
        })?;
    let mut out = vec![Entry { rel: root.clone(), path: source.to_path_buf(), dir: meta.is_dir() }];
    if meta.is_dir() {
        add_dir(source, &root, &mut out)?;
    }
    Ok(out)
}

fn add_dir(dir: &Path, rel: &str, out: &mut Vec<Entry>) -> Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| local_error(dir, e))?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| local_error(dir, e))?;
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if !super::path::safe_component(&name) {
            crate::stderr_line!("warning: skipping {}: the name cannot exist on Windows", path.display());
            continue;
        }
        let link = e.file_type().map_err(|x| local_error(&path, x))?.is_symlink();
        let meta = std::fs::metadata(&path).map_err(|x| local_error(&path, x))?;
        let child = format!("{rel}/{name}");
        if meta.is_dir() && link {
            crate::stderr_line!("warning: skipping {}: a symbolic link to a directory", path.display());
        } else if meta.is_dir() {
            out.push(Entry { rel: child.clone(), path: path.clone(), dir: true });
            add_dir(&path, &child, out)?;
        } else {
            out.push(Entry { rel: child, path, dir: false });
        }
    }
    Ok(())
}

/// Write `entries` to `w` (the script's stdin), telling `sent` each file's size and SHA-256.
/// A write error means the node stopped reading: the answers say why, so it just ends here.
pub async fn send<W: AsyncWrite + Unpin>(
    entries: &[Entry],
    w: &mut W,
    sent: mpsc::UnboundedSender<(String, u64, String)>,
    progress: &mut Progress,
) -> Result<()> {
    let (mut files, mut bytes) = (0u64, 0u64);
    for e in entries {
        if e.dir {
            if w.write_all(Frame::Dir(e.rel.clone()).line().as_bytes()).await.is_err() {
                return Ok(());
            }
            continue;
        }
        let mut f = std::fs::File::open(&e.path).map_err(|x| local_error(&e.path, x))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        progress.file(&e.rel, size);
        if w.write_all(Frame::File { size, rel: e.rel.clone() }.line().as_bytes()).await.is_err() {
            return Ok(());
        }
        let (mut hash, mut got, mut buf) = (Hasher::default(), 0u64, vec![0u8; CHUNK]);
        loop {
            let n = read_full(&mut f, &mut buf).map_err(|x| local_error(&e.path, x))?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
            let mut line = encode_chunk(&buf[..n]);
            line.push('\n');
            if w.write_all(line.as_bytes()).await.is_err() {
                return Ok(());
            }
            got += n as u64;
            progress.add(n as u64);
        }
        let sha256 = hash.hex();
        let _ = sent.send((e.rel.clone(), got, sha256.clone()));
        if w.write_all(Frame::End { size: got, sha256 }.line().as_bytes()).await.is_err() {
            return Ok(());
        }
        progress.file_done();
        files += 1;
        bytes += got;
    }
    let _ = w.write_all(Frame::Done { files, bytes }.line().as_bytes()).await;
    let _ = w.flush().await;
    Ok(())
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Read the node's answers after `READY`: one `OK` per file matching what was sent, then `END`.
pub async fn answers<R: AsyncBufRead + Unpin>(
    lines: &mut Lines<R>,
    mut sent: mpsc::UnboundedReceiver<(String, u64, String)>,
    what: &str,
) -> Result<(u64, u64)> {
    let (mut files, mut bytes) = (0u64, 0u64);
    loop {
        match lines.frame().await?.ok_or_else(ended_early)? {
            Frame::Ok { size, sha256 } => {
                let (rel, mine, my_sha) = sent.recv().await.ok_or_else(|| corrupt("an answer for no file".into()))?;
                if size != mine || sha256 != my_sha {
                    return Err(corrupt(format!(
                        "{rel}: sent {mine} bytes with SHA-256 {my_sha}, the node wrote {size} bytes with SHA-256 {sha256}"
                    )));
                }
                files += 1;
                bytes += size;
            }
            Frame::Warn(t) => {
                crate::stderr_line!("warning: {what}: {}", crate::output::escape::terminal_safe_line(&t))
            }
            Frame::Err { kind, text } => return Err(node_error(&kind, &text, what)),
            Frame::Done { files: f, bytes: b } if (f, b) == (files, bytes) => return Ok((files, bytes)),
            f => return Err(corrupt(format!("an unexpected answer {f:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_walked_directories_first_in_name_order() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("src dir");
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        std::fs::write(d.join("a b.txt"), b"x").unwrap();
        std::fs::write(d.join("b/c/empty"), b"").unwrap();
        let rels: Vec<(String, bool)> = walk(&d).unwrap().into_iter().map(|e| (e.rel, e.dir)).collect();
        assert_eq!(
            rels,
            [
                ("src dir".to_string(), true),
                ("src dir/a b.txt".into(), false),
                ("src dir/b".into(), true),
                ("src dir/b/c".into(), true),
                ("src dir/b/c/empty".into(), false)
            ]
        );
        let dot: Vec<String> = walk(&d.join("b/c/..")).unwrap().into_iter().map(|e| e.rel).collect();
        assert_eq!(dot, ["b", "b/c", "b/c/empty"], "named after the directory it is");
        let e = walk(&tmp.path().join("missing")).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::ExitCode::Usage, "{e}");
    }

    #[tokio::test]
    async fn the_stream_decodes_back_to_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..CHUNK * 2 + 7).map(|i| (i * 31 % 256) as u8).collect();
        std::fs::write(tmp.path().join("f.bin"), &data).unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut out = Vec::new();
        send(&walk(&tmp.path().join("f.bin")).unwrap(), &mut out, tx, &mut Progress::new(true)).await.unwrap();
        let (_, size, sha) = rx.recv().await.unwrap();
        assert_eq!(size, data.len() as u64);
        // Receiving it again gives the same bytes.
        let dest = tmp.path().join("copy");
        let stream = format!("KHP-CP/1\n{}", String::from_utf8(out).unwrap());
        let mut lines = Lines::new(stream.as_bytes());
        super::super::receive::Receiver::new(&dest, "x").run(&mut lines, &mut Progress::new(true)).await.unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), data);
        let mut h = Hasher::default();
        h.update(&data);
        assert_eq!(h.hex(), sha);
    }

    #[tokio::test]
    async fn an_answer_with_another_checksum_fails() {
        let (tx, rx) = mpsc::unbounded_channel();
        let sha = "0".repeat(64);
        tx.send(("f".into(), 3, sha.clone())).unwrap();
        let other = format!("OK 3 {}\nEND 1 3\n", "1".repeat(64));
        let e = answers(&mut Lines::new(other.as_bytes()), rx, "w").await.unwrap_err();
        assert!(e.to_string().contains("the node wrote 3 bytes"), "{e}");
        let (tx, rx) = mpsc::unbounded_channel();
        tx.send(("f".into(), 3, sha.clone())).unwrap();
        let good = format!("OK 3 {sha}\nEND 1 3\n");
        assert_eq!(answers(&mut Lines::new(good.as_bytes()), rx, "w").await.unwrap(), (1, 3));
    }
}
