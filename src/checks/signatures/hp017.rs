//! HP017's log signatures: image content that cannot run on this host.

use crate::checks::signature::Signature;

pub const SIGNATURES: &[Signature] = &[
    Signature {
        id: "program-failed-to-run",
        all: &["program '", "' failed to run:"],
        any: &[],
        cause: "an executable from the image cannot run on this host (built for another architecture or a newer Windows build, not a Windows binary, or without a file association); a HostProcess container runs it directly on the host OS, with no OS-version check at pull time.",
        fix: "rebuild the binary for windows/amd64 and the oldest Windows build of the node pool, and check the image's executables (PE headers) before shipping",
        source: "https://github.com/microsoft/windows-container-tools/issues/75",
        example: "Program 'LogMonitor.exe' failed to run: The specified executable is not a valid application for this OS platform.At line:1 char:1",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "hns-module-parameter-mismatch",
        all: &["a parameter cannot be found that matches parameter name"],
        any: &[],
        cause: "the image's start script calls a cmdlet with a parameter that the module it imported does not have (e.g. New-HnsNetwork -SubnetPolicies with an older hns.psm1): script and module come from different releases.",
        fix: "use the image and script of one release, with the module (hns.psm1) bundled in the image rather than taken from the host",
        source: "https://github.com/kubernetes-sigs/sig-windows-tools/issues/300",
        example: "New-HnsNetwork : A parameter cannot be found that matches parameter name 'SubnetPolicies'.",
        layout: false,
        last_line: false,
    },
];
