//! HP016's log signatures: commands that resolve on the host, where the image's files and
//! tools are not.

use crate::checks::signature::Signature;

pub const SIGNATURES: &[Signature] = &[
    Signature {
        id: "cmd-not-recognized",
        all: &["is not recognized as an internal or external command"],
        any: &[],
        cause: "cmd.exe could not find the command: a HostProcess container starts in the host's context, so a bare name or a path without its extension is looked up on the host (its PATH, PATHEXT and working directory), not in the image; a name cut at a space or an empty variable gives the same error.",
        fix: "call the image's binary with its full path and extension, %CONTAINER_SANDBOX_MOUNT_POINT%\\<path>\\<name>.exe (quoted), or a relative path with the extension",
        source: "https://github.com/kubernetes/kubernetes/pull/120113",
        example: "'c:\\hpc\\agnhost' is not recognized as an internal or external command,",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "powershell-term-not-recognized",
        all: &[],
        any: &["is not recognized as the name of a cmdlet, function, script file, or operable program"],
        cause: "PowerShell could not find the command on this host: HostProcess containers run with the image's PATH (a Dockerfile ENV PATH without C:\\Windows\\System32 hides host tools), and tools that only the image has (pwsh, a module's cmdlets) are not on the host.",
        fix: "keep C:\\Windows\\System32 in the image's PATH, call host tools by full path ($env:SystemRoot\\System32\\…), use powershell.exe rather than pwsh, and import the modules the script needs",
        source: "https://github.com/projectcalico/calico/issues/11109",
        example: "hostname : The term 'hostname' is not recognized as the name of a cmdlet, function, script file, or operable program.",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "powershell-command-not-found",
        all: &["fullyqualifiederrorid : commandnotfoundexception"],
        any: &[],
        cause: "PowerShell could not find a command on this host (its error id; the message itself may be in the node's language): HostProcess containers run with the image's PATH, and tools only the image has are not on the host.",
        fix: "keep C:\\Windows\\System32 in the image's PATH, call host tools by full path, use powershell.exe rather than pwsh, and import the modules the script needs",
        source: "https://github.com/projectcalico/calico/issues/11109",
        example: "    + FullyQualifiedErrorId : CommandNotFoundException",
        last_line: false,
        layout: false,
    },
    Signature {
        id: "start-process-class-not-registered",
        all: &["this command cannot be run due to the error: class not registered"],
        any: &[],
        cause: "Start-Process launches through the shell (COM), which fails on a file in the container's bind-mounted image at C:\\hpc on containerd 1.7+; Microsoft lists it as a known HostProcess limitation.",
        fix: "run the executable directly (command: [C:\\hpc\\<name>.exe, …]) instead of through Start-Process, and give it its .exe extension",
        source: "https://github.com/microsoft/Windows-Containers/issues/371",
        example: "Start-Process : This command cannot be run due to the error: Class not registered.",
        layout: false,
        last_line: false,
    },
    Signature {
        id: "execution-policy",
        all: &[],
        any: &[
            "cannot be loaded because running scripts is disabled on this system",
            "is not digitally signed. you cannot run this script",
        ],
        cause: "the script runs on the host, so the node's PowerShell execution policy applies (Restricted or AllSigned on hardened nodes, often set by Group Policy); settings in the image do not.",
        fix: "start it as powershell.exe -ExecutionPolicy Bypass -File <script> (a MachinePolicy set by Group Policy still wins), or sign the script",
        source: "https://github.com/winsw/winsw/issues/931",
        example: "File C:\\AppData\\myservice.ps1 cannot be loaded because running scripts is disabled on this system. For more information, see about_Execution_Policies at https:/go.microsoft.com/fwlink/?LinkID=135170.",
        layout: false,
        last_line: false,
    },
];
