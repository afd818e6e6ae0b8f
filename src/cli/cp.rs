//! `cp` flags. Owner: helper C.

use clap::Args;

use super::pods::PodArgs;

/// Shown by `cp --help`.
const CP_HELP: &str = "Copy a file or a directory (recursively) from a Windows node to here, or from here to a
node, through a throwaway HostProcess pod: PowerShell only on the node (no tar, no sh),
binary-safe, SHA-256 checked on both ends.

NODE:PATH names a node and an absolute Windows path with its drive: win-a:C:\\k\\kubelet.log,
win-a:c:/k/kubelet.log, win-a:\"C:\\Program Files\\x y\\f.bin\". As with kubectl cp, any argument
whose text before its first `:` is a node name is NODE:PATH; a single drive letter before
the `:` (C:\\x, c:/x) is a local path. Write another local path containing `:` with a prefix,
e.g. ./a:b; a node whose name is one letter as node/NAME:PATH.

Like cp/scp: into an existing directory under the source's name; onto an existing file
(files only); otherwise as the destination itself, whose parent must exist.

Exit codes: 0 copied; 2 a path does not exist or is of the wrong kind (here or on the node),
or bad arguments; 1 the copy failed (a full disk on either end, a checksum mismatch, access
denied, the pod could not start); 3 the API server or the exec stream failed; 130 interrupted
(the pod is deleted, no partial file is kept).";

#[derive(Debug, Args)]
#[command(after_help = CP_HELP)]
pub struct CpArgs {
    /// NODE:PATH or a local path
    pub source: String,
    /// NODE:PATH or a local path
    pub destination: String,
    #[command(flatten)]
    pub pod: PodArgs,
}
