//! HP013's log signatures: what the HostProcess job object (a server silo since containerd 1.7)
//! cannot do.

use crate::checks::signature::Signature;

pub const SIGNATURES: &[Signature] = &[
    Signature {
        id: "bind-filter-access-denied",
        all: &["failed to bind target"],
        any: &["access is denied", "zugriff verweigert", "accès refusé", "acceso denegado"],
        cause: "since containerd 1.7 a HostProcess container runs in a server silo, and the bind filter cannot be driven from inside it: every bind the workload makes itself (ctr image mount, buildkit or CSI layer mounts) fails with ERROR_ACCESS_DENIED, while the same call works from the host or on containerd 1.6.",
        fix: "run that tool as a Windows service on the host instead of in a HostProcess pod, keep the node on containerd 1.6, or copy/junction instead of bind-mounting",
        source: "https://github.com/moby/buildkit/issues/4826",
        example: "failed to set volume mount path for layer: failed to bind target \"C:\\\\\\\\ProgramData\\\\\\\\containerd\\\\\\\\root\\\\\\\\snapshots\\\\\\\\13462\\\\\\\\Files\" to root \"C:\\\\\\\\Windows\\\\\\\\SystemTemp\\\\\\\\buildkit-mount1038987703\": Zugriff verweigert",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "bind-target-job-object",
        all: &["failed to bind target", "for job object:"],
        any: &[],
        cause: "containerd 1.7+ binds each volume into the HostProcess silo with the bind filter, and the filter refuses the volume's file system (a third-party file system driver such as WinFsp, or a volume the filter cannot attach to); the same pod starts on containerd 1.6.",
        fix: "do not mount that volume into the HostProcess container (read it through the host path instead), or run the pod on a containerd 1.6 node",
        source: "https://github.com/microsoft/hcsshim/issues/1699",
        example: "Error: failed to create containerd task: failed to create shim task: failed to bind target \"\\\\\\\\?\\\\Volume{473e53c8-c55d-11ed-9601-ba2be9735a86}\\\\\" to root \"C:\\\\UnrealEngine\" for job object: Do not attach the filter to the volume at this time.: unknown",
        layout: false,
        last_line: false,
    },
];
