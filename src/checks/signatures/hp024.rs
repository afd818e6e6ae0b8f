//! HP024's signatures: the line containerd writes when it looks for CNI plugins only in its
//! default Windows directory (a containerd 2.4+ config whose `bin_dir` is no longer read).

use crate::checks::signature::Signature;

pub const SIGNATURES: &[Signature] = &[Signature {
    id: "cni-default-bin-dir",
    all: &["failed to find plugin"],
    any: &["in path [c:\\program files\\containerd\\cni\\bin]"],
    cause: "containerd looked for the CNI plugin only in its built-in Windows default, C:\\Program Files\\containerd\\cni\\bin: containerd 2.4 and later no longer read the `bin_dir` key of a version 3 config.toml (Windows CNIs install into C:\\opt\\cni\\bin or C:\\k\\cni), so every pod sandbox on the node fails its network setup.",
    fix: "in containerd's config.toml replace `bin_dir = '<dir>'` with `bin_dirs = ['<dir>']` in the CRI runtime plugin's cni table (or pin containerd 2.3), then `Restart-Service containerd`",
    source: "https://github.com/kubernetes-sigs/windows-testing/pull/593",
    example: "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"4f1c9e0d7a55\": plugin type=\"sdnoverlay\" name=\"flannel.4096\" failed (add): failed to find plugin \"sdnoverlay\" in path [C:\\Program Files\\containerd\\cni\\bin]",
    last_line: false,
    layout: false,
}];
