//! Writing a bundle: one `.tar.gz` (top directory inside) or the extracted directory, always to
//! a temporary name next to the final one and renamed at the end, so an interrupted run leaves
//! no half bundle. Every file is hashed (SHA-256) as it is written and listed in the manifest,
//! which is written last.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;

use super::manifest::{Item, Manifest};
use super::{MANIFEST, sha256_hex};

/// `hostprocess-bundle-<yyyymmddThhmmssZ>` for a time in seconds since the epoch.
pub fn bundle_name(unix_secs: i64) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_second(unix_secs).unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    format!("hostprocess-bundle-{}", ts.strftime("%Y%m%dT%H%M%SZ"))
}

/// A relative `/`-separated path that stays inside the bundle: no empty, `.` or `..`
/// component, no `\`, `:` (drive letters, streams) or control characters. Node items come
/// from the node: a path that is not safe is refused, never written.
pub fn is_safe_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 1024
        && p.split('/').all(|c| {
            !c.is_empty() && c != "." && c != ".." && !c.chars().any(|ch| ch == '\\' || ch == ':' || ch.is_control())
        })
}

enum Sink {
    TarGz(tar::Builder<GzEncoder<BufWriter<File>>>),
    Dir,
}

/// A bundle being written. Dropped before [`BundleWriter::finish`], it removes what it wrote.
pub struct BundleWriter {
    /// The top directory's name (inside the archive, or the directory written).
    top: String,
    tmp: PathBuf,
    dest: PathBuf,
    sink: Option<Sink>,
    mtime: u64,
    items: Vec<Item>,
}

impl BundleWriter {
    /// A `.tar.gz` at `dest`, whose entries sit under `top/`.
    pub fn tar_gz(dest: &Path, top: &str, mtime: u64) -> std::io::Result<BundleWriter> {
        let tmp = temp_next_to(dest);
        let file = open_private(&tmp)?;
        let gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, file), flate2::Compression::default());
        let tar = tar::Builder::new(gz);
        Ok(BundleWriter {
            top: top.into(),
            tmp,
            dest: dest.into(),
            sink: Some(Sink::TarGz(tar)),
            mtime,
            items: Vec::new(),
        })
    }

    /// The extracted directory `parent/top`.
    pub fn dir(parent: &Path, top: &str, mtime: u64) -> std::io::Result<BundleWriter> {
        let dest = parent.join(top);
        if dest.exists() {
            return Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, format!("{} exists", dest.display())));
        }
        let tmp = temp_next_to(&dest);
        create_dir(&tmp)?;
        Ok(BundleWriter { top: top.into(), tmp, dest, sink: Some(Sink::Dir), mtime, items: Vec::new() })
    }

    /// Write `data` at `item.path`, filling in its size and checksum, and list it.
    pub fn add(&mut self, mut item: Item, data: &[u8]) -> std::io::Result<()> {
        if !is_safe_path(&item.path) || item.path == MANIFEST {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("unsafe path in bundle: {:?}", item.path),
            ));
        }
        self.write(&item.path, data)?;
        item.size = data.len() as u64;
        item.sha256 = Some(sha256_hex(data));
        self.items.push(item);
        Ok(())
    }

    /// List an item that has no file (it could not be gathered: `item.error` says why).
    pub fn record(&mut self, mut item: Item) {
        item.size = 0;
        item.sha256 = None;
        self.items.push(item);
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    fn write(&mut self, rel: &str, data: &[u8]) -> std::io::Result<()> {
        match self.sink.as_mut().expect("not finished") {
            Sink::TarGz(tar) => {
                let mut h = tar::Header::new_gnu();
                h.set_size(data.len() as u64);
                h.set_mode(0o600);
                h.set_mtime(self.mtime);
                h.set_entry_type(tar::EntryType::Regular);
                tar.append_data(&mut h, format!("{}/{rel}", self.top), data)
            }
            Sink::Dir => {
                let path = self.tmp.join(rel);
                if let Some(parent) = path.parent() {
                    create_dir(parent)?;
                }
                let mut f = open_private(&path)?;
                f.write_all(data)
            }
        }
    }

    /// Write the manifest (with every item listed so far), close, and rename into place.
    pub fn finish(mut self, mut manifest: Manifest) -> std::io::Result<PathBuf> {
        manifest.items = std::mem::take(&mut self.items);
        self.write(MANIFEST, &manifest.to_json())?;
        match self.sink.take().expect("not finished") {
            Sink::TarGz(tar) => {
                let file = tar.into_inner()?.finish()?.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
            }
            Sink::Dir => {}
        }
        std::fs::rename(&self.tmp, &self.dest)?;
        Ok(self.dest.clone())
    }
}

impl Drop for BundleWriter {
    fn drop(&mut self) {
        if self.sink.take().is_some() {
            let _ =
                if self.tmp.is_dir() { std::fs::remove_dir_all(&self.tmp) } else { std::fs::remove_file(&self.tmp) };
        }
    }
}

/// `.<name>.<pid>.partial` in the same directory (a rename there is atomic).
fn temp_next_to(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

/// Directories `0700`, files `0600`: a bundle holds logs and configuration (as kubectl 1.37's
/// `cluster-info dump` does).
fn create_dir(p: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(p)
}

fn open_private(p: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(path: &str) -> Item {
        Item { path: path.into(), part: "cluster".into(), ..Default::default() }
    }

    #[test]
    fn names_and_checksums() {
        assert_eq!(bundle_name(1_764_570_000), "hostprocess-bundle-20251201T062000Z");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn paths_from_a_node_cannot_leave_the_bundle() {
        for ok in ["os.json", "_hostprocess/nodes/win-a/logs/kubelet.log", "cni/10-flannel.conflist"] {
            assert!(is_safe_path(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "C:\\x", "a\\..\\b", "c:x", "a\nb", "a/"] {
            assert!(!is_safe_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_tar_gz_has_one_top_directory_and_the_manifest_lists_every_item() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("b.tar.gz");
        let mut w = BundleWriter::tar_gz(&dest, "top", 0).unwrap();
        w.add(item("nodes.json"), b"{}\n").unwrap();
        w.add(item("ns/p/logs.txt"), b"log\n").unwrap();
        assert!(w.add(item("../evil"), b"x").is_err());
        w.record(Item { error: Some("not installed".into()), ..item("_hostprocess/nodes/n/services.json") });
        let out = w.finish(Manifest::default()).unwrap();
        assert_eq!(out, dest);
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names, ["b.tar.gz"], "no temporary file is left");
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(File::open(&dest).unwrap()));
        let mut entries = Vec::new();
        let mut manifest = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let p = e.path().unwrap().to_string_lossy().into_owned();
            if p == "top/manifest.json" {
                std::io::Read::read_to_end(&mut e, &mut manifest).unwrap();
            }
            entries.push(p);
        }
        assert_eq!(entries, ["top/nodes.json", "top/ns/p/logs.txt", "top/manifest.json"]);
        let m: Manifest = serde_json::from_slice(&manifest).unwrap();
        assert_eq!(m.items.len(), 3);
        assert_eq!(m.items[0].size, 3);
        assert_eq!(m.items[0].sha256.as_deref(), Some(sha256_hex(b"{}\n").as_str()));
        assert_eq!((m.items[2].size, m.items[2].sha256.as_deref()), (0, None));
    }

    #[test]
    fn a_directory_bundle_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut w = BundleWriter::dir(dir.path(), "top", 0).unwrap();
            w.add(item("nodes.json"), b"{}").unwrap();
            // Dropped unfinished (an interrupt): nothing stays.
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut w = BundleWriter::dir(dir.path(), "top", 0).unwrap();
        w.add(item("ns/pods.json"), b"{}").unwrap();
        let out = w.finish(Manifest::default()).unwrap();
        assert!(out.join("ns/pods.json").is_file() && out.join("manifest.json").is_file());
        assert!(BundleWriter::dir(dir.path(), "top", 0).is_err(), "an existing bundle is never overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join("ns/pods.json")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
