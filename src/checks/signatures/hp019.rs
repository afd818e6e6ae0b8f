//! HP019's log signatures: crash causes that no more specific rule owns, named by the line.

use crate::checks::signature::Signature;

pub const SIGNATURES: &[Signature] = &[
    Signature {
        id: "csi-proxy-pipe-missing",
        all: &["csi-proxy-", "pipe", "the system cannot find the file specified"],
        any: &[],
        cause: "the CSI node plugin cannot reach csi-proxy's named pipe: csi-proxy (a host service or its HostProcess DaemonSet) is not running on this node, or serves another API version than the driver asks for (v1beta1 vs v1).",
        fix: "run csi-proxy on the node (service or HostProcess DaemonSet) in a version that serves the pipes this driver uses",
        source: "https://github.com/Azure/AKS/issues/2693",
        example: "Failed to connect to csi-proxy v1beta with error: open \\\\.\\\\pipe\\\\csi-proxy-filesystem-v1beta1: The system cannot find the file specified.",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "csi-proxy-panic",
        all: &["panic: ([]error)"],
        any: &[],
        cause: "csi-proxy could not create its named pipes and panics with the error list: another csi-proxy already serves them on this node (RKE2 runs one as a Windows service).",
        fix: "run one csi-proxy per node: on RKE2 use the built-in service and do not deploy the HostProcess DaemonSet, or stop the service first",
        source: "https://github.com/kubernetes-csi/csi-driver-smb/issues/663",
        example: "panic: ([]error) 0xc000004c00",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "sharing-violation",
        all: &["the process cannot access the file because it is being used by another process"],
        any: &[],
        cause: "a file the container writes is in use on the host: typically an install step overwriting C:\\opt\\cni\\bin\\*.exe while the kubelet or containerd runs that plugin (ERROR_SHARING_VIOLATION).",
        fix: "copy to a temporary name and rename, or skip the copy when the file is unchanged, and retry",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/171",
        example: "netplugin failed with no error message: fork/exec \\\\opt\\\\cni\\\\bin\\\\win-bridge.exe: The process cannot access the file because it is being used by another process.",
        layout: false,
        last_line: false,
    },
];
