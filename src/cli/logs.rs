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

/// Logs of node services on Windows nodes.
///
/// First through the kubelet's NodeLogQuery endpoint (`GET /api/v1/nodes/NODE/proxy/logs/?query=…`)
/// when you may `get nodes/proxy` and the node has it enabled (kubelet `enableSystemLogQuery`,
/// off by default), else through a throwaway HostProcess pod that reads the logs on the node.
/// Each node's path, and why, is said on stderr.
///
/// `get nodes/proxy` grants the whole kubelet API of every node: exec in any pod, read any pod's
/// logs, run commands (kubernetes.io/docs/concepts/security/rbac-good-practices). Many clusters
/// do not grant it; then the pod path is used (it needs what `exec` needs).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  kubectl hostprocess logs win-1 --query kubelet --tail 200\n  \
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
