//! Support bundles packed as `.tar.gz`/`.tgz` or `.zip`: each file in the archive is handed to
//! the caller as a stream, never unpacked to disk and never read whole.

use std::io::{BufReader, Read, Seek};
use std::path::Path;

use crate::error::{Error, Result};

/// The kind of archive a path names, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archive {
    TarGz,
    Zip,
}

impl Archive {
    pub fn of(path: &Path) -> Option<Archive> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Archive::TarGz)
        } else if name.ends_with(".zip") {
            Some(Archive::Zip)
        } else {
            None
        }
    }
}

fn bad(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::ReadInput { path: path.into(), reason: format!("not a readable archive: {e}") }
}

/// Hand each regular file of the archive (`archive.tgz:dir/file`, its reader) to `each`, in
/// archive order.
pub fn for_each_file(
    path: &Path,
    kind: Archive,
    each: &mut dyn FnMut(&str, &mut dyn Read) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::ReadInput { path: path.into(), reason: e.to_string() })?;
    for_each_entry(path, kind, BufReader::new(file), each)
}

/// [`for_each_file`] on an archive already open (`path` names it in entry names and errors).
pub fn for_each_entry(
    path: &Path,
    kind: Archive,
    reader: impl Read + Seek,
    each: &mut dyn FnMut(&str, &mut dyn Read) -> Result<()>,
) -> Result<()> {
    match kind {
        Archive::TarGz => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(reader));
            for entry in tar.entries().map_err(|e| bad(path, e))? {
                let mut entry = entry.map_err(|e| bad(path, e))?;
                if !entry.header().entry_type().is_file() {
                    continue;
                }
                let name = format!("{}:{}", path.display(), entry.path().map_err(|e| bad(path, e))?.display());
                each(&name, &mut entry)?;
            }
        }
        Archive::Zip => {
            let mut zip = zip::ZipArchive::new(reader).map_err(|e| bad(path, e))?;
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i).map_err(|e| bad(path, e))?;
                if !entry.is_file() {
                    continue;
                }
                let name = format!("{}:{}", path.display(), entry.name().map_err(|e| bad(path, e))?);
                each(&name, &mut entry)?;
            }
        }
    }
    Ok(())
}
