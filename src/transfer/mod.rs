//! `cp`: files and directories to and from a Windows node over the exec stream, with PowerShell
//! only on the node (no `tar`, no `sh`). The stream format is in [`codec`]; [`path`] tells
//! `NODE:PATH` from local paths; [`receive`] writes a download, [`send`] reads an upload; the
//! embedded scripts `cp-get.ps1` and `cp-put.ps1` are the node's side.

pub mod codec;
pub mod path;
pub mod progress;
pub mod receive;
pub mod remote;
pub mod send;
pub mod stall;

use std::path::Path;

use base64::Engine as _;

use crate::error::{Error, TransferKind};
use path::Existing;

/// The node's side of a download: sends `path` (file or tree) on stdout.
pub const GET_SCRIPT: &str = include_str!("cp-get.ps1");
/// The node's side of an upload: reads the stream on stdin, writes under `path`.
pub const PUT_SCRIPT: &str = include_str!("cp-put.ps1");
/// Where the script's parameters go: base64 of their JSON, so no path needs quoting.
const SPEC_PLACEHOLDER: &str = "__KHP_SPEC__";

/// `template` with its parameters.
pub fn script(template: &str, spec: &serde_json::Value) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(spec.to_string());
    template.replacen(SPEC_PLACEHOLDER, &encoded, 1)
}

pub fn not_found(message: String) -> Error {
    Error::Transfer { kind: TransferKind::NotFound, message, hint: "check the path".into() }
}

pub fn conflict(message: String) -> Error {
    Error::Transfer {
        kind: TransferKind::Conflict,
        message,
        hint: "choose another destination, or remove what is there".into(),
    }
}

pub const ENDED_EARLY: &str = "the node's side of the copy ended before the end of the stream";

/// The stream ended before `END`: the script failed or the connection broke.
pub fn ended_early() -> Error {
    Error::Transfer {
        kind: TransferKind::Failed,
        message: ENDED_EARLY.into(),
        hint: "retry with -v; the node's error output, if any, is above".into(),
    }
}

/// A local I/O error on `path`: a missing path (exit 2), a full disk or anything else (exit 1).
pub fn local_error(path: &Path, e: std::io::Error) -> Error {
    let message = format!("{}: {e}", path.display());
    match e.kind() {
        std::io::ErrorKind::NotFound => not_found(message),
        std::io::ErrorKind::StorageFull => Error::Transfer {
            kind: TransferKind::NoSpace,
            message: format!("the local disk is full: {message}"),
            hint: "free space here or copy to another disk; nothing partial was left".into(),
        },
        _ => Error::Transfer {
            kind: TransferKind::Failed,
            message,
            hint: "check the local path and its permissions".into(),
        },
    }
}

/// What is at a local path (a symbolic link counts as a file: never followed).
pub fn existing(p: &Path) -> crate::error::Result<Existing> {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => Ok(Existing::Dir),
        Ok(m) if m.file_type().is_symlink() && std::fs::metadata(p).is_ok_and(|t| t.is_dir()) => Ok(Existing::Dir),
        Ok(_) => Ok(Existing::File),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Existing::Missing),
        Err(e) => Err(local_error(p, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_carry_their_marker_and_one_spec_placeholder() {
        for (s, name) in [(GET_SCRIPT, "cp-get"), (PUT_SCRIPT, "cp-put")] {
            assert_eq!(s.lines().next(), Some(format!("# kubectl-hostprocess:{name}/1").as_str()));
            assert_eq!(s.matches(SPEC_PLACEHOLDER).count(), 1, "{name}");
            // It travels as one argument on the Windows command line (at most 32,767 chars).
            assert!(s.len() < 12_000, "{name}: {}", s.len());
        }
        let spec = serde_json::json!({"path": "C:\\Program Files\\x y\\it's.bin"});
        let s = script(GET_SCRIPT, &spec);
        assert!(!s.contains(SPEC_PLACEHOLDER) && !s.contains("it's"));
    }

    #[test]
    #[cfg(unix)]
    fn a_full_local_disk_is_its_own_error() {
        let e = local_error(Path::new("/x"), std::io::Error::from_raw_os_error(28));
        assert!(matches!(e, Error::Transfer { kind: TransferKind::NoSpace, .. }), "{e}");
        assert!(e.to_string().starts_with("the local disk is full: /x"), "{e}");
        let e = local_error(Path::new("/x"), std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(e.exit_code(), crate::error::ExitCode::Usage);
    }
}
