//! Typed errors and the documented exit codes.

use std::path::PathBuf;

/// The process exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Nothing at or above `--fail-on`.
    Ok,
    /// Findings at or above `--fail-on`, or a fan-out exec where some node failed.
    Findings,
    /// Bad usage or bad input (flags, files, kubeconfig, unknown node).
    Usage,
    /// The API server cannot be reached or refuses the request (network, TLS, 401/403).
    Cluster,
    /// Interrupted by Ctrl-C or SIGTERM.
    Interrupted,
    /// The remote command's own exit code (`exec` on one node).
    Remote(i32),
}

impl ExitCode {
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Findings => 1,
            ExitCode::Usage => 2,
            ExitCode::Cluster => 3,
            ExitCode::Interrupted => 130,
            ExitCode::Remote(c) => c,
        }
    }
}

/// Why a `cp` failed: a path (exit 2), or the copy itself (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// The source, or the destination's parent directory, does not exist (on the node or here).
    NotFound,
    /// The destination is of the wrong kind (a directory onto a file, …).
    Conflict,
    /// A disk is full (the node's, or the local one).
    NoSpace,
    /// A checksum, size or framing check failed, or the node sent a path outside the destination.
    Corrupt,
    /// Any other I/O error (access denied, …), or the script failed.
    Failed,
}

/// Every error the plugin reports. Each message is one line; `hint()` gives the next step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read kubeconfig {path}: {reason}")]
    Kubeconfig { path: String, reason: String },
    #[error("context \"{context}\" does not exist in the kubeconfig")]
    UnknownContext { context: String, available: Vec<String> },
    #[error("no kubeconfig found and not running inside a cluster: {0}")]
    NoConfig(String),
    #[error("cannot reach the API server at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("forbidden: cannot {verb} {resource}{scope}: {message}")]
    Forbidden { verb: String, resource: String, scope: String, message: String },
    #[error("unauthorized: the API server at {server} rejected the credentials: {message}")]
    Unauthorized { server: String, message: String },
    /// The API server answered with a failure status: what was asked (`delete pods`) and its answer.
    #[error("API request failed: {action}: {message} ({reason})")]
    Api { action: String, code: u16, reason: String, message: String },
    /// The API server refused a request as malformed or invalid (400 BadRequest, 422 Invalid):
    /// a value the user gave (`--label`, `--annotation`, `--env`, `-l`); `flags` names them when
    /// the server's answer says which field it refused.
    #[error("the API server rejected {action}: {message} ({reason})")]
    Rejected { action: String, code: u16, reason: String, message: String, flags: Vec<String> },
    /// A request that failed without a status from the API server (decoding, a closed stream …).
    #[error("API request failed: {0}")]
    Request(String),
    #[error("cannot read {path}: {reason}")]
    ReadInput { path: PathBuf, reason: String },
    #[error("{file}:{line}:{column}: invalid YAML/JSON: {message}")]
    Parse { file: String, line: u64, column: u64, message: String },
    #[error("{0}")]
    Usage(String),
    #[error("node \"{0}\" not found")]
    NodeNotFound(String),
    #[error("node \"{node}\" is not a Windows node (kubernetes.io/os={os})")]
    NotWindows { node: String, os: String },
    #[error("node \"{node}\" cannot run HostProcess pods: {reason}")]
    NodeNotReady { node: String, reason: String },
    #[error("namespace \"{namespace}\" does not allow HostProcess pods: {message}")]
    PodSecurity { namespace: String, message: String },
    #[error("the throwaway pod {pod} could not start: {reason}")]
    PodStart { pod: String, reason: String, hint: String },
    #[error("timed out after {secs}s {what}")]
    Timeout { secs: u64, what: String, hint: String },
    /// `logs --via api` on a node whose kubelet does not serve NodeLogQuery for the query.
    #[error("node \"{node}\": {reason}")]
    NodeLogQueryUnavailable { node: String, reason: String },
    #[error("interrupted")]
    Interrupted,
    /// `cp`: a copy failed; `kind` decides the exit code (see [`TransferKind`]).
    #[error("{message}")]
    Transfer { kind: TransferKind, message: String, hint: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Kubeconfig { .. }
            | Error::UnknownContext { .. }
            | Error::NoConfig(_)
            | Error::ReadInput { .. }
            | Error::Parse { .. }
            | Error::Usage(_)
            | Error::NodeNotFound(_)
            | Error::NotWindows { .. }
            | Error::NodeNotReady { .. }
            | Error::Rejected { .. }
            | Error::Io(_) => ExitCode::Usage,
            Error::Unreachable { .. }
            | Error::Forbidden { .. }
            | Error::Unauthorized { .. }
            | Error::Api { .. }
            | Error::Request(_)
            | Error::PodSecurity { .. }
            | Error::NodeLogQueryUnavailable { .. } => ExitCode::Cluster,
            Error::PodStart { .. } | Error::Timeout { .. } => ExitCode::Findings,
            Error::Interrupted => ExitCode::Interrupted,
            Error::Transfer { kind, .. } => match kind {
                TransferKind::NotFound | TransferKind::Conflict => ExitCode::Usage,
                TransferKind::NoSpace | TransferKind::Corrupt | TransferKind::Failed => ExitCode::Findings,
            },
        }
    }

    /// The next step for the user, printed as `hint: …`.
    pub fn hint(&self) -> String {
        match self {
            Error::Kubeconfig { .. } => {
                "check the file, or pass another one with --kubeconfig".into()
            }
            Error::UnknownContext { available, .. } => {
                if available.is_empty() {
                    "the kubeconfig has no contexts; add one with `kubectl config set-context`".into()
                } else {
                    format!("available contexts: {}", available.join(", "))
                }
            }
            Error::NoConfig(_) => {
                "set KUBECONFIG or pass --kubeconfig (kubectl passes neither to plugins)".into()
            }
            Error::Unreachable { .. } => {
                "check that the cluster is running and that --context/--kubeconfig point at it; raise --request-timeout if it is slow".into()
            }
            Error::Forbidden { verb, resource, .. } => format!(
                "ask a cluster admin for RBAC that allows '{verb}' on '{resource}' (check with `kubectl auth can-i {verb} {resource}`)"
            ),
            Error::Unauthorized { .. } => {
                "log in again or refresh the credentials of this kubeconfig user".into()
            }
            Error::Api { .. } | Error::Request(_) => "retry with -v for details".into(),
            Error::Rejected { flags, .. } if !flags.is_empty() => {
                format!("fix the value of {} and run again", flags.join(" / "))
            }
            Error::Rejected { .. } => {
                "check the values given to --label, --annotation, --env and -l/--selector".into()
            }
            Error::ReadInput { .. } => "check the path; use - to read from stdin".into(),
            Error::Parse { .. } => "fix the syntax at that line and run again".into(),
            Error::Usage(_) => "see --help".into(),
            Error::NodeNotFound(_) => {
                "list the Windows nodes with `kubectl hostprocess nodes`".into()
            }
            Error::NotWindows { .. } => {
                "HostProcess pods run only on Windows nodes; for a Linux node use `kubectl debug node/NAME -it --image=busybox`".into()
            }
            Error::NodeNotReady { .. } => {
                "see `kubectl hostprocess nodes` for every node's verdict".into()
            }
            Error::PodSecurity { .. } => {
                "run in a namespace whose Pod Security level is privileged (-n NAMESPACE); this plugin never relabels namespaces".into()
            }
            Error::PodStart { hint, .. } | Error::Timeout { hint, .. } | Error::Transfer { hint, .. } => hint.clone(),
            Error::NodeLogQueryUnavailable { .. } => {
                "use --via pod (or auto), or set enableSystemLogHandler and enableSystemLogQuery to true in the node's KubeletConfiguration".into()
            }
            Error::Interrupted => "the throwaway pod was deleted".into(),
            Error::Io(_) => "retry with -v for details".into(),
        }
    }
}

impl Error {
    /// The API server answered 404 (NotFound).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { code, reason, .. } if *code == 404 || reason == "NotFound")
    }

    /// The API server answered 409 because the object exists already.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Error::Api { reason, .. } if reason == "AlreadyExists")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_numbers() {
        assert_eq!(ExitCode::Ok.code(), 0);
        assert_eq!(ExitCode::Findings.code(), 1);
        assert_eq!(ExitCode::Usage.code(), 2);
        assert_eq!(ExitCode::Cluster.code(), 3);
        assert_eq!(ExitCode::Interrupted.code(), 130);
        assert_eq!(ExitCode::Remote(42).code(), 42);
    }

    #[test]
    fn errors_map_to_their_exit_code() {
        let e = Error::Unreachable { server: "https://x".into(), reason: "refused".into() };
        assert_eq!(e.exit_code(), ExitCode::Cluster);
        let e = Error::Kubeconfig { path: "k".into(), reason: "bad".into() };
        assert_eq!(e.exit_code(), ExitCode::Usage);
        let e = Error::NotWindows { node: "l".into(), os: "linux".into() };
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert!(e.hint().contains("kubectl debug node"));
        assert_eq!(Error::Interrupted.exit_code(), ExitCode::Interrupted);
    }

    #[test]
    fn a_rejected_flag_value_is_a_usage_error_naming_the_flag() {
        let e = Error::Rejected {
            action: "create pods".into(),
            code: 422,
            reason: "Invalid".into(),
            message: "bad label".into(),
            flags: vec!["--label".into()],
        };
        assert_eq!(e.exit_code(), ExitCode::Usage);
        assert_eq!(e.to_string(), "the API server rejected create pods: bad label (Invalid)");
        assert_eq!(e.hint(), "fix the value of --label and run again");
        let e = Error::Rejected {
            action: "list nodes".into(),
            code: 400,
            reason: "BadRequest".into(),
            message: "x".into(),
            flags: vec![],
        };
        assert!(e.hint().contains("--label") && e.hint().contains("-l/--selector"), "{}", e.hint());
    }

    #[test]
    fn unknown_context_hint_lists_contexts() {
        let e = Error::UnknownContext { context: "x".into(), available: vec!["a".into(), "b".into()] };
        assert_eq!(e.hint(), "available contexts: a, b");
    }
}
