//! Reading input files: the paths named on the command line expanded (directories, `-R`),
//! and one input read as text (`-` is stdin) under a size limit.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Largest input accepted (a manifest larger than this is almost surely not one).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Files named on the command line, expanded: directories give their `.yaml`, `.yml` and
/// `.json` files (recursively with `-R`), in name order.
///
/// As kubectl's `-R` (Go's `filepath.Walk`), a symbolic link to a directory found while walking
/// is not followed (it is reported in [`Expanded::skipped`]); links to files are read. A
/// directory named on the command line is walked even if it is a link. No directory is walked
/// twice (links, bind mounts, a directory named twice), so a walk always ends.
pub fn expand(paths: &[PathBuf], recursive: bool) -> Result<Expanded> {
    let mut out = Expanded::default();
    let mut seen = HashSet::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.files.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::ReadInput { path: p.clone(), reason: e.to_string() })?;
        if meta.is_dir() {
            walk(p, &meta, recursive, &mut seen, &mut out)?;
        } else {
            out.files.push(p.clone());
        }
    }
    Ok(out)
}

/// The files to read, and the symbolic links to directories that were not followed.
#[derive(Debug, Default)]
pub struct Expanded {
    pub files: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
}

/// A directory's identity, the same whatever path leads to it.
#[derive(Debug, PartialEq, Eq, Hash)]
enum DirId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

#[cfg(unix)]
fn dir_id(_dir: &Path, meta: &std::fs::Metadata) -> std::io::Result<DirId> {
    use std::os::unix::fs::MetadataExt;
    Ok(DirId::Inode(meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn dir_id(dir: &Path, _meta: &std::fs::Metadata) -> std::io::Result<DirId> {
    Ok(DirId::Path(std::fs::canonicalize(dir)?))
}

fn walk(
    dir: &Path,
    meta: &std::fs::Metadata,
    recursive: bool,
    seen: &mut HashSet<DirId>,
    out: &mut Expanded,
) -> Result<()> {
    let io = |e: std::io::Error| Error::ReadInput { path: dir.into(), reason: e.to_string() };
    if !seen.insert(dir_id(dir, meta).map_err(io)?) {
        return Ok(());
    }
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().and_then(|e| Some((e.path(), e.file_type().ok()?))))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, kind) in entries {
        if kind.is_dir() {
            if recursive {
                let meta = std::fs::symlink_metadata(&p)
                    .map_err(|e| Error::ReadInput { path: p.clone(), reason: e.to_string() })?;
                walk(&p, &meta, recursive, seen, out)?;
            }
        } else if kind.is_symlink() && p.is_dir() {
            if recursive {
                out.skipped.push(p);
            }
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.files.push(p);
        }
    }
    Ok(())
}

/// Read one input as text; `-` is stdin. At most `limit` bytes. Gives the name to report
/// (`<stdin>` for `-`) and the text.
pub fn read_input(path: &Path, limit: usize) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        return Ok(("<stdin>".to_string(), read_text(path, &mut std::io::stdin(), limit)?));
    }
    let mut f = std::fs::File::open(path).map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
    Ok((path.display().to_string(), read_text(path, &mut f, limit)?))
}

/// Read a stream as UTF-8 text of at most `limit` bytes; errors name `path`.
pub fn read_text(path: &Path, r: &mut dyn Read, limit: usize) -> Result<String> {
    let mut bytes = Vec::new();
    r.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
    if bytes.len() > limit {
        return Err(Error::ReadInput {
            path: path.into(),
            reason: format!("larger than the {} MiB limit", limit >> 20),
        });
    }
    decode_text(bytes).map_err(|reason| Error::ReadInput { path: path.into(), reason: reason.into() })
}

/// Bytes as text: UTF-8, or UTF-16 (little or big endian) with its byte order mark, as Windows
/// PowerShell 5.1's `>` writes; a UTF-8 byte order mark is dropped.
fn decode_text(bytes: Vec<u8>) -> std::result::Result<String, &'static str> {
    let utf16 = |bytes: &[u8], unit: fn([u8; 2]) -> u16| {
        if !bytes.len().is_multiple_of(2) {
            return Err("not UTF-16 text (an odd number of bytes after the UTF-16 byte order mark)");
        }
        char::decode_utf16(bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])))
            .collect::<std::result::Result<String, _>>()
            .map_err(|_| "not UTF-16 text (an unpaired surrogate after the UTF-16 byte order mark)")
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => {
            let mut text =
                String::from_utf8(bytes).map_err(|_| "binary file (not UTF-8 or UTF-16 text), not YAML or JSON")?;
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut b = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for u in text.encode_utf16() {
            b.extend(if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        b
    }

    #[test]
    fn utf16_and_byte_order_marks_are_decoded() {
        let text = "kind: Pod # ünï ✓ 𝄞\r\n";
        assert_eq!(decode_text(utf16(text, false)).unwrap(), text);
        assert_eq!(decode_text(utf16(text, true)).unwrap(), text);
        assert_eq!(decode_text(format!("\u{feff}{text}").into_bytes()).unwrap(), text);
        assert_eq!(decode_text(text.as_bytes().to_vec()).unwrap(), text);
        // Broken input is an error, not a guess.
        assert!(decode_text(vec![0xFF, 0xFE, b'a']).unwrap_err().contains("odd number"));
        assert!(decode_text(vec![0xFF, 0xFE, 0x00, 0xD8]).unwrap_err().contains("surrogate"));
        assert!(decode_text(vec![0xC3, 0x28]).unwrap_err().contains("binary file"));
        let read = read_text(Path::new("x"), &mut utf16(text, false).as_slice(), 1 << 20).unwrap();
        assert_eq!(read, text);
    }

    #[cfg(unix)]
    #[test]
    fn links_to_directories_are_not_followed_and_no_directory_is_walked_twice() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("m");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        for f in [root.join("a.yaml"), root.join("sub/b.yml"), outside.join("c.json")] {
            std::fs::write(f, "{}").unwrap();
        }
        std::fs::write(root.join("notes.txt"), "").unwrap();
        std::os::unix::fs::symlink(".", root.join("l1")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("a.yaml"), root.join("z.yaml")).unwrap();
        let e = expand(&[root.clone(), root.join("sub"), root.join("out")], true).unwrap();
        let files: Vec<_> = e.files.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_path_buf()).collect();
        // a link to a file is read; a directory named on the command line is walked, even a link.
        let want: Vec<PathBuf> =
            ["m/a.yaml", "m/sub/b.yml", "m/z.yaml", "m/out/c.json"].iter().map(PathBuf::from).collect();
        assert_eq!(files, want);
        assert_eq!(e.skipped, vec![root.join("l1"), root.join("out"), root.join("sub/up")]);
        // Without -R, subdirectories and links to them are left alone, silently.
        let e = expand(std::slice::from_ref(&root), false).unwrap();
        assert_eq!(e.files, vec![root.join("a.yaml"), root.join("z.yaml")]);
        assert!(e.skipped.is_empty());
    }
}
