//! Reading input files: the paths named on the command line expanded (directories, `-R`),
//! and one input read as text (`-` is stdin) under a size limit.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Largest input accepted (a manifest larger than this is almost surely not one).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Files named on the command line, expanded: directories give their `.yaml`, `.yml` and
/// `.json` files (recursively with `-R`), in name order.
pub fn expand(paths: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::ReadInput { path: p.clone(), reason: e.to_string() })?;
        if meta.is_dir() {
            walk(p, recursive, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::ReadInput { path: dir.into(), reason: e.to_string() })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if recursive {
                walk(&p, recursive, out)?;
            }
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(p);
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
    String::from_utf8(bytes).map_err(|_| Error::ReadInput {
        path: path.into(),
        reason: "binary file (not UTF-8 text), not YAML or JSON".into(),
    })
}
