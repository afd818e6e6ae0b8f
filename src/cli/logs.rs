//! `logs` flags. Owner: helper D.

use clap::{Args, ValueEnum};

use super::parse_duration;
use super::pods::{NodeSelection, PodArgs};

/// How `logs` reads a node's logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogsVia {
    /// NodeLogQuery where the user may `get nodes/proxy` and the node serves it, else a pod
    #[default]
    Auto,
    /// Only the kubelet's NodeLogQuery endpoint (fails where it is not enabled)
    Api,
    /// Only a throwaway HostProcess pod
    Pod,
}

/// `logs` flags; the command's one-line help is its `Command` variant's.
#[derive(Debug, Args)]
#[command(after_help = "Paths (said on stderr for each node, with the reason):\n  \
     1. the kubelet's NodeLogQuery: GET /api/v1/nodes/NODE/proxy/logs/?query=…, when you may `get nodes/proxy` \
     and the node enables it (KubeletConfiguration enableSystemLogHandler and enableSystemLogQuery; the latter \
     is off by default);\n  \
     2. otherwise a throwaway HostProcess pod that reads the log on the node (it needs what `exec` needs).\n\n\
     Permission: `get nodes/proxy` grants the whole kubelet API of the nodes: command execution in every pod \
     on them, bypassing audit logging and admission control (kubernetes.io/docs/concepts/security/\
     rbac-good-practices). Many clusters do not grant it; then path 2 is used.\n\n\
     Through a pod, a service's log is its file (C:\\k\\SVC.log, C:\\var\\log\\SVC\\SVC.log, \
     C:\\var\\log\\SVC.log), else its events (event-log provider SVC); the kubelet reads its provider, else C:\\var\\log. A query with / or \\ is a file.\n\n\
     Examples:\n  kubectl hostprocess logs win-1 --query kubelet --tail 200\n  \
     kubectl hostprocess logs --all-nodes --query containerd --since 1h --pattern 'error|failed'\n  \
     kubectl hostprocess logs win-1 --query 'C:\\var\\log\\calico\\felix.log' --via pod")]
pub struct LogsArgs {
    #[command(flatten)]
    pub select: NodeSelection,
    #[command(flatten)]
    pub pod: PodArgs,
    /// A service (kubelet, containerd, kube-proxy, csi-proxy, or another event-log provider) or a
    /// log file path (a query with `/` or `\` is a file, as the kubelet reads it)
    #[arg(long, value_name = "SERVICE|PATH")]
    pub query: String,
    /// Only the last N lines (events) of the log (0 to 100000, the kubelet's limit)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub tail: Option<u32>,
    /// Only entries newer than this (e.g. 30m, 2h)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<std::time::Duration>,
    /// Only lines (events) matching this regular expression (case-insensitive, .NET syntax on
    /// the pod path, the kubelet's on NodeLogQuery)
    #[arg(long, value_name = "REGEX")]
    pub pattern: Option<String>,
    /// Which path: auto (NodeLogQuery, else a pod), api (NodeLogQuery only), pod
    #[arg(long, value_enum, default_value_t = LogsVia::Auto)]
    pub via: LogsVia,
}
